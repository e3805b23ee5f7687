"""What the Gateway API targets (Envoy Gateway, NGINX Gateway Fabric, Istio) share: the options
that choose the Gateway (wsgen's own, or an existing one), their rules, the settings they make,
and Gateway API's Duration format. Each implementation's package adds its idle-timeout and
sticky policies; .render writes the Gateway and HTTPRoute (templates/gateway-api/).
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
    Question,
    Target,
    cloud_questions,
)

GATEWAY_FILE = "gateway.yaml"
ROUTE_FILE = "httproute.yaml"
# GEP-1911: on a plaintext backend port. Envoy Gateway then forces HTTP/1.1 to the backend
# (the upgrade needs it), kgateway turns the upgrade on; never kubernetes.io/wss for a plaintext
# backend (NGINX Gateway Fabric marks the route's backend invalid without a BackendTLSPolicy).
APP_PROTOCOL = "kubernetes.io/ws"

GATEWAY = Option(
    "gateway",
    "--gateway",
    "WSGEN_GATEWAY",
    "Gateway API targets: attach the HTTPRoute to this existing Gateway instead of writing one.",
    model.dns_subdomain,
    metavar="NAME",
)
GATEWAY_NAMESPACE = Option(
    "gatewayNamespace",
    "--gateway-namespace",
    "WSGEN_GATEWAY_NAMESPACE",
    "With --gateway: the Gateway's namespace.",
    model.dns_label,
    metavar="NAMESPACE",
    default="--namespace",
)
GATEWAY_CLASS = Option(
    "gatewayClass",
    "--gateway-class",
    "WSGEN_GATEWAY_CLASS",
    "Gateway API targets: gatewayClassName of the Gateway wsgen writes.",
    model.dns_subdomain,
    metavar="NAME",
    default="eg, nginx or istio, by target",
)
HTTP_PORT = 80  # the listeners of wsgen's own Gateway, unless given
HTTPS_PORT = 443
HTTP_LISTENER_PORT = Option(
    "httpListenerPort",
    "--http-listener-port",
    "WSGEN_HTTP_LISTENER_PORT",
    "Gateway API targets without --gateway: the port of the Gateway's HTTP listener "
    "(Traefik: its web entry point's port, 8000 in the Helm chart).",
    model.port,
    metavar="PORT",
    default=str(HTTP_PORT),
)
HTTPS_LISTENER_PORT = Option(
    "httpsListenerPort",
    "--https-listener-port",
    "WSGEN_HTTPS_LISTENER_PORT",
    "Gateway API targets without --gateway, with TLS: the port of the Gateway's HTTPS listener "
    "(Traefik: its websecure entry point's port, 8443 in the Helm chart).",
    model.port,
    metavar="PORT",
    default=str(HTTPS_PORT),
)
OPTIONS = (
    GATEWAY, GATEWAY_NAMESPACE, GATEWAY_CLASS, HTTP_LISTENER_PORT, HTTPS_LISTENER_PORT, STICKY,
    *cloud.OPTIONS, *canary.KUBERNETES_OPTIONS,
)  # fmt: skip
USES = KUBERNETES | {option.key for option in OPTIONS}
FILES = (*KUBERNETES_FILES, *CANARY_FILES, GATEWAY_FILE, ROUTE_FILE)


class Settings(NamedTuple):
    gateway: str  # the Gateway the route attaches to: wsgen's own (named after the app) or given
    gateway_namespace: str  # as given with --gateway ("" when not given)
    gateway_class: str  # of wsgen's own Gateway; "" with --gateway
    # wsgen.yaml records the class only when it is not the target's default, which follows the
    # target (a folder moved to another Gateway API target gets that one's class)
    class_given: bool = False
    sticky: bool = False
    http_port: int = HTTP_PORT  # of wsgen's own Gateway's listeners
    https_port: int = HTTPS_PORT
    # the load balancer in front: the Service the implementation makes for the Gateway, which
    # takes its annotations from Gateway.spec.infrastructure.annotations
    cloud: cloud.Choice | None = None
    canary: canary.Canary | None = None  # a canary release (wsgen.canary)

    def listener_ports(self, tls: bool) -> tuple[int, ...]:
        """The ports of the Gateway's listeners (an existing one's: assumed 80 and 443)."""
        if not self.own_gateway:
            return (HTTP_PORT, HTTPS_PORT)
        return (self.http_port, self.https_port) if tls else (self.http_port,)

    @property
    def own_gateway(self) -> bool:
        return bool(self.gateway_class)

    def parent_namespace(self, namespace: str) -> str:
        """The parentRef's namespace: "" when the Gateway is in the route's own `namespace`."""
        return "" if self.gateway_namespace in ("", namespace) else self.gateway_namespace


# The HTTPRoute CRD caps a path match's value at 1024 characters.
MAX_PATH = 1024


def settings_for(
    default_class: str, sticky_split: str = ""
) -> Callable[[Config, Values], Settings]:
    """The `settings` function of a target whose own Gateway has `default_class`;
    `sticky_split`: why its --sticky cannot keep a client on one version when a canary weight
    splits the traffic (refused then), "" where it can."""

    def settings(config: Config, values: Values) -> Settings:
        chosen = gateway_settings(config, values)._replace(
            cloud=cloud.choice(config, values), canary=canary.choice(config, values)
        )
        if chosen.cloud is not None:
            _check_cloud(chosen, config, values)
        split = chosen.canary is not None and 0 < chosen.canary.weight < 100
        if sticky_split and chosen.sticky and split:
            raise BadInput(
                f"{values.origin('canary.weight')}: with --sticky: {sticky_split}: give "
                "--canary-weight 0 or 100 (the start and the end), and send the clients you "
                "choose to the canary by --canary-cookie (the cookie keeps them on it, --sticky "
                "on a pod)"
            )
        return chosen

    def gateway_settings(config: Config, values: Values) -> Settings:
        if len(config.path) > MAX_PATH:
            raise BadInput(
                f"{values.origin('path')}: is {len(config.path)} characters; an HTTPRoute path "
                f"match is at most {MAX_PATH} (Gateway API)"
            )
        given = set(values.values)
        # --gateway and --gateway-class exclude each other: of the two, a stronger layer's wins
        # (a folder's wsgen.yaml records one, the command line may give the other).
        if {"gateway", "gatewayClass"} <= given:
            gateway_strength = values.strength("gateway")
            class_strength = values.strength("gatewayClass")
            if class_strength < gateway_strength:
                given.discard("gatewayClass")
            elif gateway_strength < class_strength:
                given -= {"gateway"} | (
                    {"gatewayNamespace"}
                    if values.strength("gatewayNamespace") < class_strength
                    else set()
                )
        sticky = bool(values.get("sticky", False))
        if "gateway" not in given:
            if "gatewayNamespace" in given:
                raise BadInput(
                    f"{values.origin('gatewayNamespace')}: only with --gateway NAME (the Gateway "
                    f"wsgen writes is in the app's namespace, {config.namespace})"
                )
            gateway_class = str(values.get("gatewayClass", default_class))
            http_port, https_port = _listener_ports(config, values)
            return Settings(
                gateway=config.name,
                gateway_namespace="",
                gateway_class=gateway_class,
                class_given="gatewayClass" in given and gateway_class != default_class,
                sticky=sticky,
                http_port=http_port,
                https_port=https_port,
            )
        if "gatewayClass" in given:
            raise BadInput(
                f"{values.origin('gatewayClass')}: only without --gateway (an existing "
                "Gateway has its own class)"
            )
        for key in ("httpListenerPort", "httpsListenerPort"):
            # a folder's recorded ports give way to a stronger --gateway
            if key in given and values.strength(key) >= values.strength("gateway"):
                raise BadInput(
                    f"{values.origin(key)}: only without --gateway (an existing Gateway has its "
                    "own listeners)"
                )
        if config.tls.enabled:
            raise BadInput(f"{values.origin('tls.mode')}: {EXISTING_GATEWAY_TLS}")
        return Settings(
            gateway=str(values.get("gateway")),
            gateway_namespace=str(values.get("gatewayNamespace", "")),
            gateway_class="",
            sticky=sticky,
        )

    return settings


def _check_cloud(settings: Settings, config: Config, values: Values) -> None:
    chosen = settings.cloud
    assert chosen is not None  # noqa: S101 - the caller's
    provider = chosen.provider
    if provider.load_balancer_class:
        raise BadInput(
            f"{values.origin('cloud')}: --cloud {provider.name} needs the Gateway's Service to "
            f"have spec.loadBalancerClass {provider.load_balancer_class}, which "
            "Gateway.spec.infrastructure cannot set (only annotations and labels): set it "
            "where your implementation configures that Service"
        )
    if chosen.cert and cloud.TLS_PORT not in settings.listener_ports(config.tls.enabled):
        raise BadInput(
            f"{values.origin('lbCert')}: the load balancer ends TLS on port {cloud.TLS_PORT} "
            "and sends plain HTTP on to the same port of the Gateway, which has no listener "
            f"there: add --http-listener-port {cloud.TLS_PORT}"
        )


def _listener_ports(config: Config, values: Values) -> tuple[int, int]:
    """The HTTP and HTTPS listener ports of wsgen's own Gateway. The HTTPS one only with TLS
    (a folder's recorded one gives way to a stronger --tls none); the two must differ (one
    port cannot be both an HTTP and an HTTPS listener)."""
    http_port = int(str(values.get("httpListenerPort", HTTP_PORT)))
    https_port = HTTPS_PORT
    if "httpsListenerPort" in values.values:
        if config.tls.enabled:
            https_port = int(str(values.get("httpsListenerPort")))
        elif values.strength("httpsListenerPort") >= values.strength("tls.mode"):
            raise BadInput(
                f"{values.origin('httpsListenerPort')}: needs TLS (the HTTPS listener exists "
                "only with --tls; the TLS mode is 'none')"
            )
    if config.tls.enabled and http_port == https_port:
        # the stronger of the two given (the one just typed over a folder's recorded one)
        given = [key for key in ("httpsListenerPort", "httpListenerPort") if key in values.values]
        key = max(given, key=values.strength)
        raise BadInput(
            f"{values.origin(key)}: {http_port} is both listeners' port (one port cannot be "
            "an HTTP and an HTTPS listener; give --http-listener-port and --https-listener-port "
            "different ports)"
        )
    return http_port, https_port


def summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    if settings.own_gateway:
        rows = [("gateway", f"{settings.gateway} (written here, class {settings.gateway_class})")]
    else:
        where = settings.gateway_namespace or config.namespace
        rows = [("gateway", f"{where}/{settings.gateway} (existing)")]
    if settings.sticky:
        rows.append(("sticky", "yes"))
    return rows


def class_question(default_class: str) -> Question:
    return Question(
        "gatewayClass",
        "GatewayClass",
        "The Gateway wsgen writes uses this class (kubectl get gatewayclass lists them); "
        "to attach to an existing Gateway instead, give --gateway NAME.",
        ask_if=lambda known: known("gateway") is None,
        default=lambda known: default_class,
    )


def target(
    *,
    name: str,
    about: str,
    oldest: str,
    idle_default: str,
    default_class: str,
    files: tuple[str, ...],
    renderer: str,
    not_asked: frozenset[str] = frozenset(),
    sticky_split: str = "",
) -> Target:
    """A Gateway API implementation's Target: the shared options, TLS modes and questions, and
    its own files (its policies) and renderer (`sticky_split`: settings_for's)."""
    return Target(
        name=name,
        about=about,
        oldest=oldest,
        idle_default=idle_default,
        objects="the Deployment, Service, Gateway, HTTPRoute and policies",
        options=OPTIONS,
        uses=USES,
        tls_modes=model.TLS_MODES,
        files=(*FILES, *files),
        renderer=renderer,
        settings=settings_for(default_class, sticky_split),
        summary=summary,
        questions=(class_question(default_class), *cloud_questions(service_class=False)),
        not_asked=not_asked,
        tls_limit=tls_limit,
    )


def tls_limit(known: Callable[[str], str | None]) -> tuple[tuple[str, ...], str]:
    """With --gateway, TLS is the existing Gateway's: only `none` can work. With
    --https-listener-port, only a mode that gives the HTTPS listener."""
    if known("gateway") is not None:
        return ("none",), EXISTING_GATEWAY_TLS
    if known("httpsListenerPort") is not None:
        return tuple(mode for mode in model.TLS_MODES if mode != "none"), HTTPS_PORT_NEEDS_TLS
    return model.TLS_MODES, ""


HTTPS_PORT_NEEDS_TLS = "--https-listener-port: the HTTPS listener exists only with TLS"
EXISTING_GATEWAY_TLS = (
    "with --gateway, TLS is the Gateway owner's (its listener names the certificate): give "
    "--tls none; clients still use wss:// when that listener terminates TLS"
)


# Gateway API's Duration (GEP-2257): 1 to 4 groups of at most 5 digits and a unit.
DURATION = re.compile(r"([0-9]{1,5}(h|m|s|ms)){1,4}")


def duration(seconds: int) -> str:
    """`seconds` as a Gateway API Duration, exactly: "3600s" up to 99999 s, else hours, minutes
    and seconds ("596h31m23s": every --timeout fits)."""
    if seconds <= 99999:
        return f"{seconds}s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}h" + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    if not DURATION.fullmatch(text):  # hours above 99999: beyond wsgen's timeout limit
        raise ValueError(f"{seconds} s is not a Gateway API duration")
    return text
