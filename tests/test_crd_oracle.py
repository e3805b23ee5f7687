"""The CRD oracle (tests/crds.py) against hand-written objects: the recommended manifest sets of
/work/shared/reference/targets.md section 15 pass, and each mistake a target could make is caught by the
rule of the real CRD that encodes it, with the field path and the CRD's own message."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

import crds

GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "Gateway",
    "metadata": {"name": "ws-gw", "namespace": "app"},
    "spec": {
        "gatewayClassName": "eg",
        "listeners": [
            {
                "name": "https",
                "protocol": "HTTPS",
                "port": 443,
                "hostname": "ws.example.com",
                "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "ws-tls"}]},
            }
        ],
    },
}
HTTPROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "parentRefs": [{"name": "ws-gw", "sectionName": "https"}],
        "hostnames": ["ws.example.com"],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/ws"}}],
                "backendRefs": [{"name": "ws", "port": 8080}],
            }
        ],
    },
}
BACKEND_TRAFFIC_POLICY = {
    "apiVersion": "gateway.envoyproxy.io/v1alpha1",
    "kind": "BackendTrafficPolicy",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "ws"}],
        "timeout": {"http": {"streamIdleTimeout": "3700s"}},
        "loadBalancer": {
            "type": "ConsistentHash",
            "consistentHash": {"type": "Cookie", "cookie": {"name": "ws-affinity", "ttl": "3600s"}},
        },
    },
}
PROXY_SETTINGS_POLICY = {
    "apiVersion": "gateway.nginx.org/v1alpha1",
    "kind": "ProxySettingsPolicy",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "ws"}],
        "timeout": {"read": "3700s", "send": "3700s"},
    },
}
UPSTREAM_SETTINGS_POLICY = {
    "apiVersion": "gateway.nginx.org/v1alpha1",
    "kind": "UpstreamSettingsPolicy",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": "ws"}], "loadBalancingMethod": "ip_hash"},
}
DESTINATION_RULE = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "DestinationRule",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "host": "ws.app.svc.cluster.local",
        "trafficPolicy": {
            "loadBalancer": {
                "consistentHash": {"httpCookie": {"name": "ws-affinity", "path": "/", "ttl": "3600s"}}
            }
        },
    },
}
CERTIFICATE = {
    "apiVersion": "cert-manager.io/v1",
    "kind": "Certificate",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "secretName": "ws-tls",
        "dnsNames": ["ws.example.com"],
        "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    },
}
VALID = {
    "Gateway": GATEWAY,
    "HTTPRoute": HTTPROUTE,
    "BackendTrafficPolicy": BACKEND_TRAFFIC_POLICY,
    "ProxySettingsPolicy": PROXY_SETTINGS_POLICY,
    "UpstreamSettingsPolicy": UPSTREAM_SETTINGS_POLICY,
    "DestinationRule": DESTINATION_RULE,
    "Certificate": CERTIFICATE,
}


def changed(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `doc` with the field at `path` ('spec.rules.0.matches.0') set, or deleted (...)."""
    new = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = new
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return new


@pytest.mark.parametrize("kind", list(VALID))
def test_the_recommended_objects_are_valid(kind: str) -> None:
    report = crds.validate(VALID[kind])
    assert report.problems == []
    assert report.transition_rules_skipped == 0  # none of these kinds declares a rule on oldSelf


def test_the_objects_of_the_brief_pass_through_check_all_with_core_objects() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "ws", "namespace": "app"},
        "spec": {"selector": {"app": "ws"}, "ports": [{"name": "http-ws", "port": 8080}]},
    }
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ws"}, "spec": {}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ws"}}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ws-tls"}, "type": "kubernetes.io/tls"}
    stream = yaml.safe_dump_all([service, deployment, ingress, secret, None, *VALID.values()], sort_keys=False)
    crds.check_all(stream)  # core kinds are skipped (their bodies here are not even complete), CRs pass


def test_check_all_lists_every_problem_of_every_document() -> None:
    bad_route = changed(HTTPROUTE, "spec.rules.0.matches.0.path.value", "ws")
    bad_policy = changed(PROXY_SETTINGS_POLICY, "spec.timeout.read", "36000s")
    stream = yaml.safe_dump_all([{"apiVersion": "v1", "kind": "Service"}, bad_route, GATEWAY, bad_policy])
    with pytest.raises(AssertionError) as caught:
        crds.check_all(stream)
    lines = str(caught.value).splitlines()[1:]
    assert lines == [
        "document 2 (HTTPRoute ws): spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'] (rule: (self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true)",
        "document 4 (ProxySettingsPolicy ws): spec.timeout.read: '36000s' does not match '^[0-9]{1,4}(ms|s|m|h)?$'",
    ]


def test_a_kind_without_a_crd_is_an_error_in_check_all_not_a_skip() -> None:
    route = {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "m"}, "spec": {}}
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    with pytest.raises(AssertionError) as caught:
        crds.check_all(yaml.safe_dump_all([route, unknown]))
    assert str(caught.value).splitlines()[1:] == [
        f"document 2 (Widget w): apiVersion/kind: no CustomResourceDefinition for Widget.example.com in {crds.CRDS_DIR}"
    ]


# (object, field path, value or ... to delete it, the exact problems)
INVALID = {
    "unknown field (strict field validation)": (
        BACKEND_TRAFFIC_POLICY,
        "spec.timeout.http",
        {"streamIdleTimeuot": "3700s"},
        ["spec.timeout.http.streamIdleTimeuot: unknown field 'streamIdleTimeuot'"],
    ),
    "unknown top-level field": (
        GATEWAY,
        "specs",
        {},
        ["specs: unknown field 'specs'"],
    ),
    "wrong type": (
        HTTPROUTE,
        "spec.rules.0.backendRefs.0.port",
        "8080",
        ["spec.rules[0].backendRefs[0].port: '8080' is not of type integer"],
    ),
    "NGF duration with five digits (pattern)": (
        PROXY_SETTINGS_POLICY,
        "spec.timeout.read",
        "36000s",
        ["spec.timeout.read: '36000s' does not match '^[0-9]{1,4}(ms|s|m|h)?$'"],
    ),
    "Gateway API Duration with a fraction": (
        HTTPROUTE,
        "spec.rules.0.timeouts",
        {"request": "1.5h"},
        ["spec.rules[0].timeouts.request: '1.5h' does not match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'"],
    ),
    "backendRequest longer than request (CEL, duration())": (
        HTTPROUTE,
        "spec.rules.0.timeouts",
        {"request": "1h", "backendRequest": "1h1s"},
        [
            "spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout (rule: !(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request)))"
        ],
    ),
    "PathPrefix value not starting with '/' (CEL)": (
        HTTPROUTE,
        "spec.rules.0.matches.0.path.value",
        "ws",
        [
            "spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'] (rule: (self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true)"
        ],
    ),
    "HTTP listener with tls (CEL on listeners)": (
        GATEWAY,
        "spec.listeners.0.protocol",
        "HTTP",
        [
            "spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP'] (rule: self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true))"
        ],
    ),
    "HTTPS listener passing TLS through (CEL on listeners)": (
        GATEWAY,
        "spec.listeners.0.tls.mode",
        "Passthrough",
        [
            "spec.listeners: tls mode must be Terminate for protocol HTTPS (rule: self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true))"
        ],
    ),
    "two listeners with one name (list-map key, CEL)": (
        GATEWAY,
        "spec.listeners",
        [GATEWAY["spec"]["listeners"][0], {**GATEWAY["spec"]["listeners"][0], "port": 8443}],
        [
            "spec.listeners[1]: Duplicate value: {name: 'https'}",
            "spec.listeners: Listener name must be unique within the Gateway (rule: self.all(l1, self.exists_one(l2, l1.name == l2.name)))",
        ],
    ),
    "ProxySettingsPolicy targeting a Gateway and an HTTPRoute (CEL)": (
        PROXY_SETTINGS_POLICY,
        "spec.targetRefs",
        [
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "ws-gw"},
            {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "ws"},
        ],
        [
            "spec.targetRefs: Cannot mix Gateway kind with HTTPRoute or GRPCRoute kinds in targetRefs (rule: !(self.exists(t, t.kind == 'Gateway') && self.exists(t, t.kind == 'HTTPRoute' || t.kind == 'GRPCRoute')))"
        ],
    ),
    "BackendTrafficPolicy targeting a Service (CEL)": (
        BACKEND_TRAFFIC_POLICY,
        "spec.targetRefs.0.kind",
        "Service",
        [
            "spec: this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute (rule: has(self.targetRefs) ? self.targetRefs.all(ref, ref.kind in ['Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'UDPRoute', 'TCPRoute', 'TLSRoute']) : true )"
        ],
    ),
    "ConsistentHash Cookie without its cookie (CEL)": (
        BACKEND_TRAFFIC_POLICY,
        "spec.loadBalancer.consistentHash.cookie",
        ...,
        [
            "spec.loadBalancer.consistentHash: If consistent hash type is cookie, the cookie field must be set. (rule: self.type == 'Cookie' ? has(self.cookie) : !has(self.cookie))"
        ],
    ),
    "UpstreamSettingsPolicy with an unknown method (enum)": (
        UPSTREAM_SETTINGS_POLICY,
        "spec.loadBalancingMethod",
        "cookie",
        ["spec.loadBalancingMethod: 'cookie' is not one of ['round_robin', 'least_conn', 'ip_hash', 'hash', 'hash consistent', 'random', 'random two', 'random two least_conn', 'random two least_time=header', 'random two least_time=last_byte', 'least_time header', 'least_time last_byte', 'least_time header inflight', 'least_time last_byte inflight']"],
    ),
    "DestinationRule without host (required)": (
        DESTINATION_RULE,
        "spec.host",
        ...,
        ["spec.host: Required value"],
    ),
    "Certificate with an unknown key algorithm (enum)": (
        CERTIFICATE,
        "spec.privateKey.algorithm",
        "EC",
        ["spec.privateKey.algorithm: 'EC' is not one of ['RSA', 'ECDSA', 'Ed25519']"],
    ),
    "a name that is not a DNS-1123 subdomain": (
        CERTIFICATE,
        "metadata.name",
        "WS_cert",
        ["metadata.name: 'WS_cert' is not a DNS-1123 subdomain (lower case, digits, '-', '.')"],
    ),
    "no name": (
        UPSTREAM_SETTINGS_POLICY,
        "metadata.name",
        ...,
        ["metadata.name: Required value"],
    ),
    "a version the Gateway API CRD no longer has": (
        HTTPROUTE,
        "apiVersion",
        "gateway.networking.k8s.io/v1alpha2",
        ["apiVersion: HTTPRoute.gateway.networking.k8s.io has no version 'v1alpha2' (it has v1, v1beta1)"],
    ),
    "a version the CRD does not have": (
        DESTINATION_RULE,
        "apiVersion",
        "networking.istio.io/v2",
        ["apiVersion: DestinationRule.networking.istio.io has no version 'v2' (it has v1, v1alpha3, v1beta1)"],
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_each_mistake_is_named_with_its_path(case: str) -> None:
    doc, path, value, expected = INVALID[case]
    assert crds.problems(changed(doc, path, value)) == expected
