"""NGINX Gateway Fabric: the Gateway API objects, and a ProxySettingsPolicy on the HTTPRoute
whose `timeout.read` and `timeout.send` (v2.6+) become the route's proxy_read_timeout and
proxy_send_timeout: without it nginx closes an idle WebSocket after its 60 s default (NGF writes
no proxy_read_timeout, and ignores an HTTPRoute's `timeouts`). --sticky: an
UpstreamSettingsPolicy on the Service with `loadBalancingMethod: ip_hash` (v2.4+), by client
address: NGF open source has no cookie affinity (HTTPRoute sessionPersistence is NGINX Plus
only).

A canary: the ProxySettingsPolicy targets the HTTPRoute, so it covers every rule (the
canary's too); the UpstreamSettingsPolicy targets both Services. The cookie rule is a header
RegularExpression match, which NGF implements in njs (RegExp.test, since v2.0.0, #3093).
"""

from __future__ import annotations

from wsgen.targets import gateway_api

POLICY_FILE = "proxysettingspolicy.yaml"
STICKY_FILE = "upstreamsettingspolicy.yaml"

TARGET = gateway_api.target(
    name="nginx-gateway-fabric",
    about="Gateway API objects and a ProxySettingsPolicy for NGINX Gateway Fabric",
    oldest="NGINX Gateway Fabric v2.6.0 (ProxySettingsPolicy timeout)",
    idle_default="NGINX Gateway Fabric keeps nginx's default of 60",
    default_class="nginx",
    files=(POLICY_FILE, STICKY_FILE),
    renderer="wsgen.targets.nginx_gateway_fabric.render",
    # internal/controller/nginx/config/split_clients_template.go (v2.6): split_clients
    # $request_id, a new draw per request
    sticky_split=(
        "NGINX Gateway Fabric splits weighted backendRefs by split_clients on $request_id, "
        "afresh for every request, and ip_hash only picks a pod within one Service, so a "
        "client would not stay on one version"
    ),
)
