"""Traefik v3 (its kubernetesCRD provider): a Deployment, a Service and an IngressRoute
(traefik.io/v1alpha1). Nothing for the idle timeout: Traefik never closes an idle upgraded
connection (its entry-point read/write/idle timeouts are Go http.Server deadlines, which
end when the connection is hijacked for the upgrade; measured on Traefik 3.7: still open
after 8 s of silence with all of them at 2 s). --timeout is therefore not written, and said
so; a load balancer in front of Traefik keeps its own idle timeout.

The route matches what an Ingress path of type Prefix matches: `Path(`/ws`) ||
PathPrefix(`/ws/`)` (PathPrefix alone would also take /wsx). A wildcard host becomes a
HostRegexp of one label, as an Ingress wildcard matches (Host() takes wildcards only from
v3.7 on), with a priority below the route of a host it covers. TLS: `tls.secretName`;
--tls cert-manager writes a Certificate for that Secret, since cert-manager's ingress-shim
reads Ingresses and Gateways, not IngressRoutes.
--sticky: the service's sticky cookie.

A canary (--canary-image): a weighted TraefikService of the two Services
(canary-traefikservice.yaml, named <name> as the main Service is) is the default route's
service. Traefik's weighted round robin is an earliest-deadline-first schedule
(pkg/server/service/loadbalancer/wrr/wrr.go): of every 100 new connections exactly the
weight reach the canary, and a child of weight 0 is left out. With --sticky the
TraefikService also has `weighted.sticky.cookie` (<name>-version): set on the first response
(the 101), it brings the client's next requests (a long-polling fallback, a reconnection) to
the same version, each Service's own cookie to the same pod. The header and the cookie are
routes of their own above the default one (Header(), HeaderRegexp(`Cookie`)), ranked by
explicit priorities (render.routes). No idle timeout is written for them either.

Oldest: Traefik v3.0 (the traefik.io/v1alpha1 group is the only one it serves, and
HostRegexp takes a Go regular expression since v3.0).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from wsgen import canary, cloud, model
from wsgen.errors import BadInput
from wsgen.model import Config, Option, Values
from wsgen.targets.base import (
    CANARY_FILES,
    KUBERNETES,
    KUBERNETES_FILES,
    STICKY,
    Chart,
    Question,
    Target,
    cloud_questions,
    sticky_cookie,
)

ROUTE_FILE = "ingressroute.yaml"
CERTIFICATE_FILE = "certificate.yaml"
# a canary: the TraefikService that weighs the two versions (the IngressRoute's default route)
SPLIT_FILE = canary.FILE_PREFIX + "traefikservice.yaml"
# Traefik's install guide: release traefik in namespace traefik.
CHART = Chart(
    "traefik",
    "Traefik's Service",
    "helm upgrade traefik traefik --repo https://traefik.github.io/charts -n traefik "
    "--reuse-values",
)

# The Helm chart's entry points: `web` (8000 in the pod, 80 on its Service) and `websecure`
# (8443, 443; TLS on by default there).
PLAIN_ENTRY_POINT = "web"
TLS_ENTRY_POINT = "websecure"
_ENTRY_POINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")


def entry_point(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{model.show(raw)} must be a string")
    value = raw
    if not _ENTRY_POINT.fullmatch(value):
        raise ValueError(
            f"{model.show(value)} is not a Traefik entry point name (letters, digits, '-' "
            "and '_', starting with a letter or digit, at most 63: the name in "
            "--entryPoints.NAME.address)"
        )
    return value


ENTRY_POINT = Option(
    "entryPoint",
    "--entrypoint",
    "WSGEN_ENTRYPOINT",
    "--target traefik: the entry point the IngressRoute serves on.",
    entry_point,
    metavar="NAME",
    default="websecure with TLS, web without",
)


def default_entry_point(tls_enabled: bool) -> str:
    return TLS_ENTRY_POINT if tls_enabled else PLAIN_ENTRY_POINT


class Settings(NamedTuple):
    entry_point: str = PLAIN_ENTRY_POINT
    # wsgen.yaml records the entry point only when it is not the default for the TLS mode,
    # which follows TLS (a folder switched to --tls none gets `web`)
    entry_point_given: bool = False
    sticky: bool = False
    cloud: cloud.Choice | None = None  # the load balancer in front (Traefik's Service)
    canary: canary.Canary | None = None  # a canary release (wsgen.canary)


def _settings(config: Config, values: Values) -> Settings:
    default = default_entry_point(config.tls.enabled)
    chosen = str(values.get("entryPoint", default))
    lb = cloud.choice(config, values)
    if lb is not None and lb.cert and chosen != PLAIN_ENTRY_POINT:
        raise BadInput(
            f"{values.origin('entryPoint')}: with --lb-cert the load balancer sends the plain "
            f"HTTP of its port 443 to the {PLAIN_ENTRY_POINT} entry point (the chart values' "
            f"ports.websecure.targetPort: {PLAIN_ENTRY_POINT}): the IngressRoute must be on "
            f"{PLAIN_ENTRY_POINT}"
        )
    return Settings(
        entry_point=chosen,
        entry_point_given=chosen != default,
        sticky=bool(values.get("sticky", False)),
        cloud=lb,
        canary=canary.choice(config, values),
    )


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    rows = [
        ("entry point", settings.entry_point),
        ("idle policy", "none written (Traefik keeps idle WebSockets open)"),
    ]
    if settings.sticky:
        version = f", version cookie {version_cookie(config.name)}" if settings.canary else ""
        rows.append(("sticky", f"cookie {sticky_cookie(config.name)}{version}"))
    return rows


def version_cookie(name: str) -> str:
    """--sticky with a canary: the cookie of the weighted TraefikService, which keeps a client on
    the version it first got (each version's own sticky cookie keeps it on a pod)."""
    return f"{name}-version"


def _entry_point_default(known: Callable[[str], str | None]) -> str:
    return default_entry_point(known("tls.mode") not in (None, "none"))


TARGET = Target(
    name="traefik",
    about="Deployment, Service and IngressRoute for Traefik (which keeps idle WebSockets open)",
    oldest="Traefik v3.0 (traefik.io/v1alpha1 IngressRoute, Go regexp rules)",
    idle_default="Traefik has none on an IngressRoute: it keeps idle WebSockets open",
    objects="the Deployment, Service, IngressRoute and container",
    options=(ENTRY_POINT, STICKY, *cloud.OPTIONS, *canary.KUBERNETES_OPTIONS),
    uses=KUBERNETES | {"entryPoint", "sticky"} | cloud.KEYS | canary.KUBERNETES_KEYS,
    tls_modes=model.TLS_MODES,
    files=(*KUBERNETES_FILES, *CANARY_FILES, ROUTE_FILE, SPLIT_FILE, CERTIFICATE_FILE, CHART.file),
    renderer="wsgen.targets.traefik.render",
    settings=_settings,
    summary=_summary,
    questions=(
        Question(
            "entryPoint",
            "Traefik entry point",
            "The IngressRoute is served on this entry point of Traefik's static configuration "
            "(the Helm chart's are web and websecure).",
            default=_entry_point_default,
        ),
        *cloud_questions(),
    ),
    # written nowhere (Traefik has no idle timeout to set): not asked, only noted
    not_asked=frozenset({"timeout"}),
)
