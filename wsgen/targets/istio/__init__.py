"""Istio (Gateway API mode): the Gateway API objects and nothing for the idle timeout. Istio
sets the HCM `stream_idle_timeout` to 0 (disabled) and no route timeout, so an idle WebSocket
stays open until a side closes it (istio `pilot/pkg/networking/core/listener_builder.go`);
--timeout is therefore not written, and said so after writing. What would change that: the
`EDGE` connection profile of Istio 1.31+ (`ProxyConfig.connectionSettings.profile: EDGE` on a
gateway) applies `http_stream_idle_timeout` 300 s unless `httpStreamIdleTimeout` is set
(istio `pilot/pkg/networking/core/connection_settings.go`, tag 1.31.0-alpha.0 on).

--sticky: a `DestinationRule` (networking.istio.io/v1) for the Service with
`consistentHash.httpCookie`; Istio does not implement HTTPRoute `sessionPersistence`. With a
canary, the canary's Service gets its own DestinationRule (canary-destinationrule.yaml); --sticky
with a weight between 0 and 100 is refused (STICKY_SPLIT).

The Service's port keeps `appProtocol: kubernetes.io/ws` and the name `ws`: Istio reads the
appProtocol instead of the port name whenever it is set (`pkg/config/kube/conversion.go`
ConvertProtocol), maps it to HTTP since 1.24.0 (commit 2ea3753be92, istio/istio#53164) and
before that treats it as an unknown protocol (sniffed by a sidecar, HTTP/1.1 from a gateway),
which carries the upgrade too; an `http-` port name would change nothing.

Oldest: Istio 1.22.0, the first release serving networking.istio.io/v1 DestinationRule
(istio.io, "Announcing Istio 1.22.0" and "Introducing Istio v1 APIs", 2024-05-13); it reads
gateway.networking.k8s.io/v1 Gateway and HTTPRoute since 1.20 (istio/istio#47699, Gateway API
v1.0.0 in release-1.20). The Gateway API CRDs (v1.0+) are installed separately.
"""

from __future__ import annotations

from wsgen import canary
from wsgen.errors import BadInput
from wsgen.model import Config, Values
from wsgen.targets import gateway_api

POLICY_FILE = "destinationrule.yaml"
CANARY_POLICY_FILE = canary.FILE_PREFIX + POLICY_FILE


DEFAULT_CLASS = "istio"
# Istio's Service for a Gateway always has `status-port` 15021 first, and adds a port for each
# listener port besides (pilot/pkg/config/kube/gateway/deploymentcontroller.go
# extractServicePorts): a listener on 15021 makes a Service the API server refuses.
STATUS_PORT = 15021
# Istio turns each weighted backendRef into a destination of a VirtualService route, an Envoy
# cluster of its own picked by weighted_clusters, at random per request; a DestinationRule's
# consistentHash picks a pod within one cluster (one Service).
STICKY_SPLIT = (
    "Istio gives each weighted backendRef an Envoy cluster of its own, picked at random for "
    "every request, and a DestinationRule's cookie only picks a pod within one Service, so a "
    "client would not stay on one version"
)
_gateway_settings = gateway_api.settings_for(DEFAULT_CLASS, STICKY_SPLIT)


def settings(config: Config, values: Values) -> gateway_api.Settings:
    """The shared rules, and one of Istio's: it names the Deployment and Service it makes for a
    Gateway `<gateway>-<class>` without shortening it (getDefaultName), and a Service name is a
    DNS label of at most 63 characters: a longer one leaves the Gateway unprogrammed."""
    result = _gateway_settings(config, values)
    made = f"{result.gateway}-{result.gateway_class}"
    if result.own_gateway and len(made) > 63:
        key = "gatewayClass" if "gatewayClass" in values.values else "name"
        raise BadInput(
            f"{values.origin(key)}: Istio would name the Gateway's Service {made!r} "
            f"({len(made)} characters; a Service name is at most 63): give a shorter --name "
            "or --gateway-class"
        )
    listeners = {"httpListenerPort": result.http_port}
    if config.tls.enabled:
        listeners["httpsListenerPort"] = result.https_port
    for key, port in listeners.items():
        if result.own_gateway and port == STATUS_PORT:
            raise BadInput(
                f"{values.origin(key)}: {port} is the status port of the Service Istio makes for "
                "the Gateway (a listener on it gives that Service the port twice): give another"
            )
    return result


def summary(config: Config) -> list[tuple[str, str]]:
    return [
        *gateway_api.summary(config),
        ("idle policy", "none written (Istio keeps idle WebSockets open)"),
    ]


TARGET = gateway_api.target(
    name="istio",
    about="Gateway API objects for Istio (which keeps idle WebSockets open)",
    oldest="Istio 1.22.0 (networking.istio.io/v1 DestinationRule; Gateway API v1 since 1.20)",
    idle_default="Istio has none: it keeps idle WebSockets open",
    default_class=DEFAULT_CLASS,
    files=(POLICY_FILE, CANARY_POLICY_FILE),
    renderer="wsgen.targets.istio.render",
    # written nowhere (Istio has no idle timeout to set): not asked, only noted
    not_asked=frozenset({"timeout"}),
)._replace(summary=summary, settings=settings)
