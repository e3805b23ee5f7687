"""Envoy Gateway: the Gateway API objects, and a BackendTrafficPolicy on the HTTPRoute whose
`timeout.http.streamIdleTimeout` (v1.8+) becomes the route's idle_timeout: without it Envoy
closes an idle WebSocket after 5 minutes (its stream_idle_timeout default). The route value was
measured on a real Envoy to win over the listener's. --sticky: the same policy's ConsistentHash
Cookie load balancer (v1.1+).
"""

from __future__ import annotations

from wsgen.targets import gateway_api

POLICY_FILE = "backendtrafficpolicy.yaml"

TARGET = gateway_api.target(
    name="envoy-gateway",
    about="Gateway API objects and a BackendTrafficPolicy for Envoy Gateway",
    oldest="Envoy Gateway v1.8.0 (BackendTrafficPolicy timeout.http.streamIdleTimeout)",
    idle_default="Envoy's default is 300",
    default_class="eg",
    files=(POLICY_FILE,),
    renderer="wsgen.targets.envoy_gateway.render",
)
