"""What wsgen knows about ingress-nginx (v1.15.1, its last release): annotation names and risks.

Source: ingress-nginx docs/user-guide/nginx-configuration/annotations-risk.md at v1.15.1. Every
key takes the prefix below. Since v1.12 the default `annotations-risk-level` is High, so an
Ingress carrying a Critical annotation (the snippets) is rejected on a default install.
Imports nothing from the rest of wsgen.
"""

from __future__ import annotations

import re

from wsgen.errors import did_you_mean

PREFIX = "nginx.ingress.kubernetes.io/"
READ_TIMEOUT = PREFIX + "proxy-read-timeout"
SEND_TIMEOUT = PREFIX + "proxy-send-timeout"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"

# nginx keeps timers in milliseconds; above 2147483 s a 32-bit millisecond timer overflows.
MAX_TIMEOUT_SECONDS = 2_147_483

# The timeouts ingress-nginx parses as whole seconds (Atoi): anything else ("3600s", "1h")
# is silently replaced by the default.
# Each with the default it falls back to.
TIMEOUTS = {
    "proxy-read-timeout": 60,
    "proxy-send-timeout": 60,
    "proxy-connect-timeout": 5,
    "proxy-next-upstream-timeout": 0,
}
DEFAULT_TIMEOUT = 60  # proxy-read-timeout and proxy-send-timeout
MAX_CONNECT_TIMEOUT = 75  # nginx caps proxy_connect_timeout at about 75 s
# Prefixes of the other NGINX controller (F5's): ingress-nginx ignores these keys.
F5_PREFIXES = ("nginx.org/", "nginx.com/")
# The prefix before 2018: ingress-nginx ignores keys that still carry it.
OLD_PREFIX = "ingress.kubernetes.io/"

# The `load-balance` values the controller accepts (no least-connections balancer exists).
LOAD_BALANCERS = (
    "round_robin",
    "ewma",
    "chash",
    "chashsubset",
    "sticky_balanced",
    "sticky_persistent",
)

RISK: dict[str, str] = {
    "affinity": "Low",
    "affinity-canary-behavior": "Low",
    "affinity-mode": "Medium",
    "allowlist-source-range": "Medium",
    "app-root": "Medium",
    "auth-always-set-cookie": "Low",
    "auth-cache-duration": "Medium",
    "auth-cache-key": "Medium",
    "auth-keepalive": "Low",
    "auth-keepalive-requests": "Low",
    "auth-keepalive-share-vars": "Low",
    "auth-keepalive-timeout": "Low",
    "auth-method": "Low",
    "auth-proxy-set-headers": "Medium",
    "auth-realm": "Medium",
    "auth-request-redirect": "Medium",
    "auth-response-headers": "Medium",
    "auth-secret": "Medium",
    "auth-secret-type": "Low",
    "auth-signin": "High",
    "auth-signin-redirect-param": "Medium",
    "auth-snippet": "Critical",
    "auth-tls-error-page": "High",
    "auth-tls-match-cn": "High",
    "auth-tls-pass-certificate-to-upstream": "Low",
    "auth-tls-secret": "Medium",
    "auth-tls-verify-client": "Medium",
    "auth-tls-verify-depth": "Low",
    "auth-type": "Low",
    "auth-url": "High",
    "backend-protocol": "Low",
    "canary": "Low",
    "canary-by-cookie": "Medium",
    "canary-by-header": "Medium",
    "canary-by-header-pattern": "Medium",
    "canary-by-header-value": "Medium",
    "canary-weight": "Low",
    "canary-weight-total": "Low",
    "client-body-buffer-size": "Low",
    "configuration-snippet": "Critical",
    "connection-proxy-header": "Low",
    "cors-allow-credentials": "Low",
    "cors-allow-headers": "Medium",
    "cors-allow-methods": "Medium",
    "cors-allow-origin": "Medium",
    "cors-expose-headers": "Medium",
    "cors-max-age": "Low",
    "custom-headers": "Medium",
    "custom-http-errors": "Low",
    "default-backend": "Low",
    "denylist-source-range": "Medium",
    "disable-proxy-intercept-errors": "Low",
    "enable-access-log": "Low",
    "enable-cors": "Low",
    "enable-global-auth": "Low",
    "enable-modsecurity": "Low",
    "enable-opentelemetry": "Low",
    "enable-owasp-core-rules": "Low",
    "enable-rewrite-log": "Low",
    "fastcgi-index": "Medium",
    "fastcgi-params-configmap": "Medium",
    "force-ssl-redirect": "Medium",
    "from-to-www-redirect": "Low",
    "http2-push-preload": "Low",
    "limit-allowlist": "Low",
    "limit-burst-multiplier": "Low",
    "limit-connections": "Low",
    "limit-rate": "Low",
    "limit-rate-after": "Low",
    "limit-rpm": "Low",
    "limit-rps": "Low",
    "limit-whitelist": "Low",
    "load-balance": "Low",
    "mirror-host": "High",
    "mirror-request-body": "Low",
    "mirror-target": "High",
    "modsecurity-snippet": "Critical",
    "modsecurity-transaction-id": "High",
    "opentelemetry-operation-name": "Medium",
    "opentelemetry-trust-incoming-span": "Low",
    "permanent-redirect": "Medium",
    "permanent-redirect-code": "Low",
    "preserve-trailing-slash": "Medium",
    "proxy-body-size": "Medium",
    "proxy-buffer-size": "Low",
    "proxy-buffering": "Low",
    "proxy-buffers-number": "Low",
    "proxy-busy-buffers-size": "Low",
    "proxy-connect-timeout": "Low",
    "proxy-cookie-domain": "Medium",
    "proxy-cookie-path": "Medium",
    "proxy-http-version": "Low",
    "proxy-max-temp-file-size": "Low",
    "proxy-next-upstream": "Medium",
    "proxy-next-upstream-timeout": "Low",
    "proxy-next-upstream-tries": "Low",
    "proxy-read-timeout": "Low",
    "proxy-redirect-from": "Medium",
    "proxy-redirect-to": "Medium",
    "proxy-request-buffering": "Low",
    "proxy-send-timeout": "Low",
    "proxy-ssl-ciphers": "Medium",
    "proxy-ssl-name": "High",
    "proxy-ssl-protocols": "Low",
    "proxy-ssl-secret": "Medium",
    "proxy-ssl-server-name": "Low",
    "proxy-ssl-verify": "Low",
    "proxy-ssl-verify-depth": "Low",
    "relative-redirects": "Low",
    "rewrite-target": "Medium",
    "satisfy": "Low",
    "server-alias": "High",
    "server-snippet": "Critical",
    "service-upstream": "Low",
    "session-cookie-change-on-failure": "Low",
    "session-cookie-conditional-samesite-none": "Low",
    "session-cookie-domain": "Medium",
    "session-cookie-expires": "Medium",
    "session-cookie-max-age": "Medium",
    "session-cookie-name": "Medium",
    # Read by the session-affinity parser, though missing from the risk doc.
    "session-cookie-partitioned": "Low",
    "session-cookie-path": "Medium",
    "session-cookie-samesite": "Low",
    "session-cookie-secure": "Low",
    "ssl-ciphers": "Low",
    "ssl-passthrough": "Low",
    "ssl-prefer-server-ciphers": "Low",
    "ssl-redirect": "Low",
    "stream-snippet": "Critical",
    "temporal-redirect": "Medium",
    "temporal-redirect-code": "Low",
    "upstream-hash-by": "High",
    "upstream-hash-by-subset": "Low",
    "upstream-hash-by-subset-size": "Low",
    "upstream-vhost": "Low",
    "use-port-in-redirects": "Low",
    "use-regex": "Low",
    "whitelist-source-range": "Medium",
    "x-forwarded-prefix": "Medium",
}


SNIPPETS = tuple(name for name, level in RISK.items() if level == "Critical")

# Boolean annotations (read with Go's strconv.ParseBool; checked in the v1.15 source or listed
# as "true" or "false" in its annotations docs). proxy-buffering, proxy-request-buffering and
# mirror-request-body take "on"/"off" and are not here.
BOOLEANS = (
    "auth-always-set-cookie",
    "auth-keepalive-share-vars",
    "auth-tls-pass-certificate-to-upstream",
    "canary",
    "cors-allow-credentials",
    "enable-access-log",
    "enable-cors",
    "enable-global-auth",
    "enable-modsecurity",
    "enable-owasp-core-rules",
    "enable-rewrite-log",
    "force-ssl-redirect",
    "from-to-www-redirect",
    "http2-push-preload",
    "preserve-trailing-slash",
    "service-upstream",
    "session-cookie-change-on-failure",
    "session-cookie-conditional-samesite-none",
    "session-cookie-partitioned",
    "session-cookie-secure",
    "ssl-passthrough",
    "ssl-prefer-server-ciphers",
    "ssl-redirect",
    "upstream-hash-by-subset",
    "use-regex",
)
# What strconv.ParseBool accepts.
BOOLEAN_VALUES = ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")

_WEBSOCKET_NEEDS_NOTHING = (
    "ingress-nginx proxies WebSockets without any annotation; remove it and raise "
    "proxy-read-timeout and proxy-send-timeout instead"
)
# Names that blog posts use and ingress-nginx does not have, with what to write instead.
MADE_UP = {
    "websocket-services": "it is F5's nginx.org/websocket-services; " + _WEBSOCKET_NEEDS_NOTHING,
    "enable-websocket": _WEBSOCKET_NEEDS_NOTHING,
    "enable-websockets": _WEBSOCKET_NEEDS_NOTHING,
    "websocket": _WEBSOCKET_NEEDS_NOTHING,
    "websockets": _WEBSOCKET_NEEDS_NOTHING,
    "upgrade": _WEBSOCKET_NEEDS_NOTHING,
    "connection": _WEBSOCKET_NEEDS_NOTHING,
    "proxy-write-timeout": "write proxy-send-timeout",
    "client-max-body-size": "write proxy-body-size",
    "server-snippets": "the name is server-snippet (the plural is F5's spelling)",
    "proxy-set-headers": "it is a key of the controller's ConfigMap, not an annotation",
}


_SETS_UPGRADE = re.compile(
    r"\b(?:proxy_set_header|more_set_input_headers)\s+[\"']?(?:upgrade|connection)\b",
    re.IGNORECASE,
)


def sets_upgrade(snippet: str) -> bool:
    """Whether an nginx snippet sets the Upgrade or Connection request header."""
    return _SETS_UPGRADE.search(snippet) is not None


# What a snippet that only switches WebSockets on says, statement by statement: the headers
# ingress-nginx sets itself, and the HTTP/1.1 it already speaks to the backend.
_UPGRADE_STATEMENT = re.compile(
    r"(?:proxy_set_header|more_set_input_headers)\s+[\"']?(?:upgrade|connection)\b[^;]*"
    r"|proxy_http_version\s+[\"']?1\.1[\"']?",
    re.IGNORECASE,
)


def only_upgrade(snippet: str) -> bool:
    """Whether a snippet only sets the Upgrade/Connection headers (and HTTP/1.1): removing it
    loses nothing. Comments and blank lines aside; any other statement makes it False."""
    lines = [line.split("#", 1)[0] for line in snippet.splitlines()]
    statements = [s.strip() for s in ";".join(lines).split(";") if s.strip()]
    return bool(statements) and all(_UPGRADE_STATEMENT.fullmatch(s) for s in statements)


def risk(name: str) -> str | None:
    """Risk level of an annotation name without the prefix, or None if the controller lacks it."""
    return RISK.get(name)


def name_problem(name: str) -> str | None:
    """Why ingress-nginx does not read `name` (without the prefix), or None when it does."""
    if name in RISK:
        return None
    advice = MADE_UP.get(name)
    if advice is None and name.replace("_", "-") in RISK:
        advice = f"write {name.replace('_', '-')} (hyphens, not underscores)"
    if advice is not None:
        return f"is not an ingress-nginx annotation: {advice}"
    return "is not an ingress-nginx annotation" + did_you_mean(name, RISK)


def meant(name: str) -> str | None:
    """For a name ingress-nginx lacks (without the prefix): the annotation it has that was
    meant, "" when nothing was (a WebSocket switch it does not need), None when unsure."""
    advice = MADE_UP.get(name)
    if advice is not None:
        if advice.endswith(_WEBSOCKET_NEEDS_NOTHING):
            return ""
        said = advice.removeprefix("write ")
        return said if said != advice and said in RISK else None
    if name.replace("_", "-") in RISK:
        return name.replace("_", "-")
    # one typo (a letter added, dropped, changed or two swapped) is a slip of the keyboard; a
    # closer match than that can be another setting: session-cookie-hash (removed in v1.0) is
    # two letters from session-cookie-path
    typos = [known for known in RISK if _one_typo(name, known)]
    return typos[0] if len(typos) == 1 else None


def _one_typo(a: str, b: str) -> bool:
    """Whether a and b differ by one letter added, dropped or changed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        wrong = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(wrong) == 1 or (
            len(wrong) == 2
            and wrong[1] == wrong[0] + 1
            and a[wrong[0]] == b[wrong[1]]
            and a[wrong[1]] == b[wrong[0]]
        )
    short, long = sorted((a, b), key=len)
    at = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[at:] == long[at + 1 :]


def key_problem(key: str) -> tuple[str, str] | None:
    """(kind, why) when ingress-nginx does not read an annotation key as written, else None.

    kind is "unknown" (its prefix, a name it lacks), "unprefixed" (a name it has, without its
    prefix or with the old one) or "f5" (a key of F5's controller).
    """
    if key.startswith(PREFIX):
        problem = name_problem(key[len(PREFIX) :])
        return None if problem is None else ("unknown", problem)
    if key.startswith(F5_PREFIXES):
        return (
            "f5",
            "belongs to F5's NGINX Ingress Controller; ingress-nginx ignores it "
            f"(its keys start with {PREFIX})",
        )
    bare = key[len(OLD_PREFIX) :] if key.startswith(OLD_PREFIX) else key
    if "/" not in bare and bare in RISK:
        return (
            "unprefixed",
            f"is ignored by ingress-nginx without its prefix: write {PREFIX}{bare}",
        )
    return None


GO_INT_MAX = 2**63 - 1  # Go's int on the 64-bit platforms the controllers are built for


def is_digits(value: str) -> bool:
    """An optional sign and ASCII digits: the shape Go's strconv.Atoi reads."""
    digits = value[1:] if value[:1] in "+-" else value
    return digits.isascii() and digits.isdigit()


def atoi(value: str) -> int | None:
    """What Go's strconv.Atoi makes of an annotation (ingress-nginx's GetIntAnnotation and
    Traefik's NGINX provider both read timeouts with it): the shape of `is_digits` within a
    64-bit int (beyond it: ErrRange); None when it fails, and the annotation is dropped."""
    if not is_digits(value):
        return None
    sign, digits = (value[0], value[1:]) if value[:1] in "+-" else ("", value)
    significant = digits.lstrip("0") or "0"  # Go reads any number of leading zeros
    if len(significant) > len(str(GO_INT_MAX)):  # beyond 64 bits (and Python's int() limit)
        return None
    number = int(sign + significant)
    return number if -GO_INT_MAX - 1 <= number <= GO_INT_MAX else None


def is_integer(value: str) -> bool:
    """What Go's strconv.Atoi accepts."""
    return atoi(value) is not None


def value_problem(name: str, value: str, websocket: bool = True) -> str | None:
    """Why ingress-nginx drops or rejects `value` for `name` (without the prefix), else None.

    With websocket=True the values that are fine elsewhere but break a WebSocket route count too.
    """
    if name == "connection-proxy-header":
        if value not in ("close", "keep-alive"):
            return (
                'must be "close" or "keep-alive": any other value makes ingress-nginx skip '
                "the whole Ingress"
            )
        if websocket:
            return "replaces the Connection: upgrade header and breaks every WebSocket handshake"
    if name == "proxy-http-version":
        if value not in ("1.0", "1.1"):
            return 'must be "1.1" (or "1.0"); ingress-nginx drops other values'
        if websocket and value != "1.1":
            return 'must be "1.1": WebSockets need HTTP/1.1 to the backend'
    if name == "affinity" and value != "cookie":
        return 'must be "cookie" (lower case); other values turn affinity off'
    if name in TIMEOUTS and not is_integer(value):
        return 'must be whole seconds ("30"): ingress-nginx replaces anything else by its default'
    if name == "load-balance" and value not in LOAD_BALANCERS:
        return (
            f"is not a balancer ingress-nginx has ({', '.join(LOAD_BALANCERS)}); "
            "a bad value makes it skip the whole Ingress"
        )
    if name in ("canary-weight", "canary-weight-total") and not is_integer(value):
        # canary/main.go: GetIntAnnotation fails, "defaulting to '0'" ('100' for the total)
        if name == "canary-weight":
            return 'must be a whole number ("10"): ingress-nginx uses 0 (no traffic by weight)'
        return 'must be a whole number ("1000"): ingress-nginx uses 100 instead'
    if name in BOOLEANS and value not in BOOLEAN_VALUES:
        return 'must be "true" or "false": ingress-nginx ignores other values (keeps its default)'
    return None
