"""Canary releases (`--canary-image`, or `--canary-upstream` on the nginx target): a second
version of the app that a share of new connections, or the clients that carry a cookie or a
header, reach.

The options, their rules, and the `Canary` every target that writes one reads from its
Settings. What a canary means for WebSockets is said on every run (`notes`): a weight picks a
version when a connection opens, so connections already open stay where they are.

The routing is the same on every target, after ingress-nginx's canary annotations: a request
whose header (--canary-header) is `always` reaches the canary and `never` the main version
(with --canary-header-value: that exact value reaches the canary); then a cookie
(--canary-cookie) the same way; every other request by --canary-weight, 0 to 100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wsgen import model
from wsgen.errors import BadInput
from wsgen.model import Config, Endpoint, Option, Values

SUFFIX = "-canary"  # the canary's objects are named <name>-canary
FILE_PREFIX = "canary-"  # and their files canary-deployment.yaml, canary-service.yaml
ALWAYS = "always"  # a header or cookie value that sends a request to the canary
NEVER = "never"  # and to the main version
NAME_MAX = 63 - len(SUFFIX)  # --name, so that <name>-canary is still an RFC 1035 label

_COOKIE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
_HEADER_VALUE = re.compile(r"[A-Za-z0-9._~-]{1,64}")
# Headers a canary rule cannot be keyed on: the proxy reads or rewrites them itself.
_RESERVED_HEADERS = frozenset(
    ("host", "cookie", "upgrade", "connection", "content-length", "transfer-encoding", "te")
)


def _matching(raw: object, pattern: re.Pattern[str], what: str) -> str:
    """`raw`, text that `pattern` matches whole (ValueError saying it is not `what`)."""
    if not isinstance(raw, str):
        # a values file's 1.5, yes or 2001-01-01 is a number, a boolean, a date: not the text
        raise ValueError(f"{model.show(raw)} must be a string (quote it in YAML)")
    if not pattern.fullmatch(raw):
        raise ValueError(f"{model.show(raw)} is not {what}")
    return raw


def cookie_name(raw: object) -> str:
    return _matching(
        raw,
        _COOKIE,
        "a cookie name wsgen routes by: a letter, then at most 63 letters, digits and '_' "
        "(nginx reads a cookie through a variable name)",
    )


def header_name(raw: object) -> str:
    name = _matching(
        raw,
        _HEADER,
        "a header name wsgen routes by: a letter, then at most 63 letters, digits and '-'",
    )
    if name.lower() in _RESERVED_HEADERS or name.lower().startswith("sec-websocket-"):
        raise ValueError(
            f"{name} is a header the proxy or the WebSocket handshake uses itself; choose your "
            "own (e.g. X-Canary)"
        )
    return name


def header_value(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return _matching(
        raw,
        _HEADER_VALUE,
        "a header value wsgen routes by: 1 to 64 letters, digits and '.', '_', '~', '-'",
    )


def weight(raw: object) -> int:
    return model.integer(raw, 0, 100, "a canary weight (a whole percentage, 0 to 100)")


IMAGE = Option(
    "canary.image",
    "--canary-image",
    "WSGEN_CANARY_IMAGE",
    "Kubernetes targets: add a canary release of this image (a second Deployment and Service, "
    "<name>-canary) and route to it by --canary-weight, -cookie or -header.",
    model.image,
    metavar="IMAGE",
)
UPSTREAM = Option(
    "canary.upstream",
    "--canary-upstream",
    "WSGEN_CANARY_UPSTREAM",
    "--target nginx: add a canary release at this backend HOST:PORT, routed to as by "
    "--canary-image.",
    model.upstream,
    metavar="HOST:PORT",
)
WEIGHT = Option(
    "canary.weight",
    "--canary-weight",
    "WSGEN_CANARY_WEIGHT",
    "With a canary: the percentage of new connections it gets, 0 to 100 (open ones stay).",
    weight,
    metavar="N",
    default="0",
)
COOKIE = Option(
    "canary.cookie",
    "--canary-cookie",
    "WSGEN_CANARY_COOKIE",
    "With a canary: a cookie of this name set to 'always' (or 'never') sends the client to "
    "the canary (or not), whatever the weight; browsers can carry it.",
    cookie_name,
    metavar="NAME",
)
HEADER = Option(
    "canary.header",
    "--canary-header",
    "WSGEN_CANARY_HEADER",
    "With a canary: the same by a request header (browsers cannot set one on a WebSocket).",
    header_name,
    metavar="NAME",
)
HEADER_VALUE = Option(
    "canary.headerValue",
    "--canary-header-value",
    "WSGEN_CANARY_HEADER_VALUE",
    "With --canary-header: this value (instead of 'always') sends a request to the canary.",
    header_value,
    metavar="VALUE",
)
REPLICAS = Option(
    "canary.replicas",
    "--canary-replicas",
    "WSGEN_CANARY_REPLICAS",
    "With --canary-image: the canary's number of pods.",
    model.replicas,
    metavar="N",
    default="--replicas",
)
NO_CANARY = Option(
    "noCanary",
    "--no-canary",
    "WSGEN_NO_CANARY",
    "Drop the canary a values file gives (after a rollback, or once --image is the new version).",
    model.boolean,
    boolean=True,
)
KUBERNETES_OPTIONS = (IMAGE, REPLICAS, WEIGHT, COOKIE, HEADER, HEADER_VALUE, NO_CANARY)
NGINX_OPTIONS = (UPSTREAM, WEIGHT, COOKIE, HEADER, HEADER_VALUE, NO_CANARY)
KUBERNETES_KEYS = frozenset(option.key for option in KUBERNETES_OPTIONS)
NGINX_KEYS = frozenset(option.key for option in NGINX_OPTIONS)
_SWITCHES = ("canary.image", "canary.upstream")  # what adds a canary


@dataclass(frozen=True)
class Canary:
    """A canary release, checked."""

    weight: int = 0  # the percentage of new connections that reach it
    image: str = ""  # Kubernetes targets: what it runs
    replicas: int = 1  # Kubernetes targets: its pods
    upstream: Endpoint | None = None  # --target nginx: where it runs
    cookie: str = ""  # a cookie that chooses (always / never)
    header: str = ""  # a header that chooses (always / never, or header_value)
    header_value: str = ""  # the header's value that chooses the canary ("": always)

    @property
    def header_match(self) -> str:
        """The header value that sends a request to the canary."""
        return self.header_value or ALWAYS


def choice(config: Config, values: Values, upstream: Endpoint | None = None) -> Canary | None:
    """The canary options checked together (BadInput otherwise); None without a canary, or
    with --no-canary, which drops the canary a weaker layer gave (a folder's wsgen.yaml whose
    canary has been rolled back or promoted; a stronger layer's canary options still count).
    `upstream`: the nginx target's main backend."""
    given = {key: value for key, value in values.values.items() if key.startswith("canary.")}
    if values.get("noCanary", False):
        dropped_by = values.strength("noCanary")
        for key in sorted(given):
            if values.strength(key) == dropped_by:
                raise BadInput(
                    f"{values.origin(key)}: and {values.origin('noCanary')}: give one or the "
                    "other (--no-canary drops the canary)"
                )
        # what a weaker layer gave is dropped; a stronger one (a flag over WSGEN_NO_CANARY) wins
        given = {key: value for key, value in given.items() if values.strength(key) > dropped_by}
        if not given:
            return None
    switch = next((key for key in _SWITCHES if key in given), "")
    if not switch:
        for key in sorted(given):
            needs = "--canary-upstream" if config.target == "nginx" else "--canary-image"
            raise BadInput(f"{values.origin(key)}: needs {needs} (what the canary runs)")
        return None
    if "canary.headerValue" in given and "canary.header" not in given:
        raise BadInput(
            f"{values.origin('canary.headerValue')}: needs --canary-header (the header whose "
            "value it is)"
        )
    if len(config.name) > NAME_MAX:
        raise BadInput(
            f"{values.origin(switch)}: the canary's objects are named {config.name}{SUFFIX}, "
            f"longer than 63 characters: give a --name of at most {NAME_MAX}"
        )
    canary_upstream = given.get("canary.upstream")
    if (
        isinstance(canary_upstream, Endpoint)
        and upstream is not None
        and same_backend(canary_upstream, upstream)
    ):
        spelling = "" if canary_upstream == upstream else f" in another spelling: {upstream}"
        why = ", which nginx reaches by both" if spelling else ""
        raise BadInput(
            f"{values.origin('canary.upstream')}: {canary_upstream} is also the main backend "
            f"({_main('upstream', values)}){spelling}{why}; the canary must be another backend"
        )
    image = str(given.get("canary.image", ""))
    if image and image == config.image:
        raise BadInput(
            f"{values.origin('canary.image')}: {image} is also the main version's image "
            f"({_main('image', values)}); a canary runs the new version (promoting it: add "
            "--no-canary)"
        )
    return Canary(
        weight=int(given.get("canary.weight", 0)),  # type: ignore[call-overload]
        image=image,
        replicas=int(given.get("canary.replicas", config.replicas)),  # type: ignore[call-overload]
        upstream=canary_upstream if isinstance(canary_upstream, Endpoint) else None,
        cookie=str(given.get("canary.cookie", "")),
        header=str(given.get("canary.header", "")),
        header_value=str(given.get("canary.headerValue", "")),
    )


def _addresses(host: str) -> frozenset[str]:
    """The addresses nginx connects to for `host`, where another spelling names the same one:
    localhost (nginx resolves it when it starts: 127.0.0.1 and ::1), an IPv4-mapped IPv6
    address (its IPv4 address)."""
    if host == "localhost":
        return frozenset(("127.0.0.1", "::1"))
    mapped = None
    if ":" in host:
        import ipaddress  # only for IPv6 hosts (start-up time)

        try:
            mapped = ipaddress.IPv6Address(host).ipv4_mapped
        except ValueError:
            mapped = None
    return frozenset((str(mapped) if mapped else host,))


def same_backend(one: Endpoint, other: Endpoint) -> bool:
    """Whether two backends are one: the same port at an address both reach."""
    return one.port == other.port and bool(_addresses(one.host) & _addresses(other.host))


def _main(key: str, values: Values) -> str:
    """Where the main version's image or backend came from: "--image", "WSGEN_IMAGE", a
    values file's key, or "--upstream's default"."""
    return values.origin(key) if key in values.values else f"{model.option(key).flag}'s default"


def of(config: Config) -> Canary | None:
    """The config's canary (a target without canary options has none)."""
    found: Canary | None = getattr(config.settings, "canary", None)
    return found


def workload(config: Config) -> Config:
    """The canary's own config: what names, labels and runs its Deployment and Service."""
    chosen = of(config)
    if chosen is None:
        raise ValueError("no canary")
    return replace(config, name=config.name + SUFFIX, image=chosen.image, replicas=chosen.replicas)


def summary(config: Config, chosen: Canary) -> str:
    """init's summary row: "chat-canary (ghcr.io/me/chat:v2), 10%, cookie beta"."""
    where = chosen.image or str(chosen.upstream)
    parts = [f"{config.name}{SUFFIX} ({where})", f"{chosen.weight}%"]
    if chosen.header:
        parts.append(f"header {chosen.header}: {chosen.header_match}")
    if chosen.cookie:
        parts.append(f"cookie {chosen.cookie}")
    return ", ".join(parts)


def long_polling_split(config: Config, sticky: bool, remedy: str) -> list[str]:
    """The warning that a weight splits a Socket.IO client across versions (a weight between
    0 and 100 on a socket.io path, nothing `sticky` keeping a client on its version), ending
    with `remedy`, the target's way out; [] when nothing splits one."""
    chosen = of(config)
    if chosen is None or sticky or not 0 < chosen.weight < 100 or "socket.io" not in config.path:
        return []
    return [
        f"--canary-weight {chosen.weight} without --sticky on {config.path}: each request "
        "of a Socket.IO client (its long-polling handshake, then the upgrade) is weighed "
        f"anew, so one client can reach both versions; {remedy}"
    ]


def notes(config: Config) -> list[str]:
    """What a canary means for WebSockets, said on every run (Renderer.warnings)."""
    chosen = of(config)
    if chosen is None:
        return []
    name = config.name + SUFFIX
    choosers = []
    if chosen.header:
        choosers.append(f"header {chosen.header}: {chosen.header_match}")
    if chosen.cookie:
        choosers.append(f"cookie {chosen.cookie}={ALWAYS}")
    chosen_by = f"; {' or '.join(choosers)} reaches it whatever the weight" if choosers else ""
    share = f"{chosen.weight}% of new WebSocket connections"
    if chosen.weight == 0:
        share = "no new WebSocket connection by weight (raise --canary-weight to send some)"
    result = [
        f"canary {name}: {share}{chosen_by}. A weight "
        "applies when a connection opens: open connections stay where they are (for hours), "
        "and rolling back moves nobody until they reconnect"
    ]
    if chosen.header:
        result.append(
            f"--canary-header {chosen.header}: browsers cannot set a header on a WebSocket "
            "handshake (the JavaScript WebSocket API has no such argument), so it only routes "
            "other clients; a cookie (--canary-cookie) set by the page reaches browsers"
        )
    return result
