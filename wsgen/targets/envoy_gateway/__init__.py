"""Envoy Gateway: the Gateway API objects, and a BackendTrafficPolicy on the HTTPRoute whose
`timeout.http.streamIdleTimeout` (v1.8+) becomes the route's idle_timeout: without it Envoy
closes an idle WebSocket after 5 minutes (its stream_idle_timeout default). The route value was
measured on a real Envoy to win over the listener's. --sticky: the same policy's ConsistentHash
Cookie load balancer (v1.1+).

A canary: the policy targets the HTTPRoute, so it covers every rule's backends (the canary's
and the main version's); --sticky with a canary weight between 0 and 100 is refused (its
consistent hash ignores the weights, see `sticky_split`).
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
    # v1.8 and v1.9 put every backendRef of a rule in one cluster (internal/xds/translator
    # cluster.go buildXdsClusterLoadAssignment: a locality per backendRef, weighted), and give
    # the Maglev of a ConsistentHash policy locality weighting only with weighted zones
    sticky_split=(
        "Envoy Gateway's consistent-hash cookie ignores backendRef weights (both Services' pods "
        "are one cluster whose Maglev table has no locality weighting: v1.8, v1.9), so the "
        "canary would get its share of the pods, not the weight"
    ),
)
