"""Plain nginx: one complete nginx.conf for nginx on a machine of its own (`--target nginx`).

The spec: its options (--upstream, --listen, --redirect-from, and a canary at
--canary-upstream) and their rules; .render writes the file (templates/nginx/).
"""

from __future__ import annotations

from typing import NamedTuple

from wsgen import canary, model
from wsgen.errors import BadInput
from wsgen.model import Config, Endpoint, Option, Values
from wsgen.targets.base import CERT_FILE, KEY_FILE, VALUES_FILE, Question, Target

CONF_FILE = "nginx.conf"

UPSTREAM = Option(
    "upstream",
    "--upstream",
    "WSGEN_UPSTREAM",
    "--target nginx: the backend.",
    model.upstream,
    metavar="HOST:PORT",
    default="127.0.0.1:<port>",
)
LISTEN = Option(
    "listen",
    "--listen",
    "WSGEN_LISTEN",
    "--target nginx: where to listen.",
    model.listen,
    metavar="[ADDRESS:]PORT",
    default="80, or 443 with TLS",
)
REDIRECT_FROM = Option(
    "redirectFrom",
    "--redirect-from",
    "WSGEN_REDIRECT_FROM",
    "--target nginx with TLS: also a plain-HTTP port that redirects to https.",
    model.port,
    metavar="PORT",
)

# --canary-image and --canary-replicas make a canary's Deployment: nginx sends to a running one
CANARY_ELSEWHERE = (
    "--target nginx starts nothing: give --canary-upstream HOST:PORT, where the canary runs"
)


class Settings(NamedTuple):
    upstream: Endpoint  # the backend
    listen: Endpoint  # where nginx listens
    redirect_from: int | None = None  # with TLS: a plain-HTTP port that redirects to https
    canary: canary.Canary | None = None  # a canary release at its own backend (wsgen.canary)


def _settings(config: Config, values: Values) -> Settings:
    given = values.get("upstream")
    # default: the app's port on this machine
    upstream = given if isinstance(given, Endpoint) else Endpoint("127.0.0.1", config.port)
    listen = values.get("listen")
    redirect_from = values.get("redirectFrom")
    settings = Settings(
        upstream=upstream,
        # default: 80, or 443 with TLS, on every IPv4 address (an IPv6 one only when given, as
        # nginx fails to start where IPv6 is off)
        listen=listen
        if isinstance(listen, Endpoint)
        else Endpoint("", 443 if config.tls.enabled else 80),
        redirect_from=redirect_from if isinstance(redirect_from, int) else None,
        canary=canary.choice(config, values, upstream),
    )
    if settings.redirect_from is not None:
        origin = values.origin("redirectFrom")
        if not config.tls.enabled:
            raise BadInput(
                f"{origin}: needs TLS (it redirects plain HTTP to https; the TLS mode is 'none')"
            )
        if settings.listen.port == settings.redirect_from:
            raise BadInput(f"{origin}: {settings.redirect_from} is also the --listen port")
    return settings


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    rows = [("upstream", str(settings.upstream)), ("listen", str(settings.listen))]
    if settings.redirect_from is not None:
        rows.append(("redirect from", str(settings.redirect_from)))
    return rows


TARGET = Target(
    name="nginx",
    about="nginx.conf for nginx on a machine of its own",
    oldest="nginx 1.4 (WebSocket proxying came in 1.3.13)",
    idle_default="nginx's default is 60",
    objects="the upstream in nginx.conf",
    options=(UPSTREAM, LISTEN, REDIRECT_FROM, *canary.NGINX_OPTIONS),
    uses=model.BASE_KEYS | {"upstream", "listen", "redirectFrom"} | canary.NGINX_KEYS,
    tls_modes=("none", "self-signed", "files"),
    files=(CONF_FILE, CERT_FILE, KEY_FILE, VALUES_FILE),
    renderer="wsgen.targets.nginx.render",
    settings=_settings,
    summary=_summary,
    questions=(
        Question(
            "upstream",
            "Backend (HOST:PORT)",
            "Where nginx sends the WebSockets: the app's address and port.",
            default=lambda known: f"127.0.0.1:{known('port') or model.DEFAULTS['port']}",
        ),
    ),
    stream_carries_key=False,
    default_out="nginx",
    refuses=tuple(
        (key, f"is for the Kubernetes targets (the canary's {what}); {CANARY_ELSEWHERE}")
        for key, what in (("canary.image", "Deployment"), ("canary.replicas", "pods"))
    ),
)
