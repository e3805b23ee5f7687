"""What the Gateway API targets (Envoy Gateway, NGINX Gateway Fabric, Istio) share: the options
that choose the Gateway (wsgen's own, or an existing one), their rules, the settings they make,
and Gateway API's Duration format. Each implementation's package adds its idle-timeout and
sticky policies; .render writes the Gateway and HTTPRoute (templates/gateway-api/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wsgen import model
from wsgen.errors import BadInput
from wsgen.model import Config, Option, Values
from wsgen.targets.base import KUBERNETES, KUBERNETES_FILES, STICKY, Question, Target

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
)
GATEWAY_NAMESPACE = Option(
    "gatewayNamespace",
    "--gateway-namespace",
    "WSGEN_GATEWAY_NAMESPACE",
    "With --gateway: the Gateway's namespace [--namespace].",
    model.dns_label,
)
GATEWAY_CLASS = Option(
    "gatewayClass",
    "--gateway-class",
    "WSGEN_GATEWAY_CLASS",
    "Gateway API targets: gatewayClassName of the Gateway wsgen writes [eg, nginx or istio].",
    model.dns_subdomain,
)
OPTIONS = (GATEWAY, GATEWAY_NAMESPACE, GATEWAY_CLASS, STICKY)
USES = KUBERNETES | {option.key for option in OPTIONS}
FILES = (*KUBERNETES_FILES, GATEWAY_FILE, ROUTE_FILE)


@dataclass(frozen=True)
class Settings:
    gateway: str  # the Gateway the route attaches to: wsgen's own (named after the app) or given
    gateway_namespace: str  # "" when it is the route's own namespace
    gateway_class: str  # of wsgen's own Gateway; "" with --gateway
    sticky: bool = False

    @property
    def own_gateway(self) -> bool:
        return bool(self.gateway_class)


def settings_for(default_class: str) -> Callable[[Config, Values], Settings]:
    """The `settings` function of a target whose own Gateway has `default_class`."""

    def settings(config: Config, values: Values) -> Settings:
        gateway = values.get("gateway")
        namespace = values.get("gatewayNamespace")
        if gateway is None:
            if namespace is not None:
                raise BadInput(
                    f"{values.origin('gatewayNamespace')}: only with --gateway NAME (the Gateway "
                    f"wsgen writes is in the app's namespace, {config.namespace})"
                )
            return Settings(
                gateway=config.name,
                gateway_namespace="",
                gateway_class=str(values.get("gatewayClass", default_class)),
                sticky=bool(values.get("sticky", False)),
            )
        if "gatewayClass" in values.values:
            raise BadInput(
                f"{values.origin('gatewayClass')}: only without --gateway (an existing "
                "Gateway has its own class)"
            )
        if config.tls.enabled:
            raise BadInput(
                f"{values.origin('tls.mode')}: with --gateway, TLS is the Gateway owner's (its "
                "listener names the certificate): give --tls none; clients still use wss:// "
                "when that listener terminates TLS"
            )
        return Settings(
            gateway=str(gateway),
            gateway_namespace="" if namespace in (None, config.namespace) else str(namespace),
            gateway_class="",
            sticky=bool(values.get("sticky", False)),
        )

    return settings


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
) -> Target:
    """A Gateway API implementation's Target: the shared options, TLS modes and questions, and
    its own files (its policies) and renderer."""
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
        settings=settings_for(default_class),
        summary=summary,
        questions=(class_question(default_class),),
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
