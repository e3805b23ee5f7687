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
                "tls": {
                    "mode": "Terminate",
                    "certificateRefs": [{"kind": "Secret", "name": "ws-tls"}],
                },
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
    "spec": {
        "targetRefs": [{"group": "", "kind": "Service", "name": "ws"}],
        "loadBalancingMethod": "ip_hash",
    },
}
DESTINATION_RULE = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "DestinationRule",
    "metadata": {"name": "ws", "namespace": "app"},
    "spec": {
        "host": "ws.app.svc.cluster.local",
        "trafficPolicy": {
            "loadBalancer": {
                "consistentHash": {
                    "httpCookie": {"name": "ws-affinity", "path": "/", "ttl": "3600s"}
                }
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
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ws"},
        "spec": {},
    }
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ws"}}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "ws-tls"},
        "type": "kubernetes.io/tls",
    }
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
    stream = yaml.safe_dump_all(
        [service, deployment, ingress, secret, kustomization, None, *VALID.values()],
        sort_keys=False,
    )
    crds.check_all(
        stream
    )  # core kinds are skipped (their bodies here are not even complete), CRs pass


def test_check_all_lists_every_problem_of_every_document() -> None:
    bad_route = changed(HTTPROUTE, "spec.rules.0.matches.0.path.value", "ws")
    bad_policy = changed(PROXY_SETTINGS_POLICY, "spec.timeout.read", "36000s")
    stream = yaml.safe_dump_all(
        [{"apiVersion": "v1", "kind": "Service"}, bad_route, GATEWAY, bad_policy]
    )
    with pytest.raises(AssertionError) as caught:
        crds.check_all(stream)
    lines = str(caught.value).splitlines()[1:]
    assert lines == [
        "document 2 (HTTPRoute ws): spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'] (rule: (self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true)",
        "document 4 (ProxySettingsPolicy ws): spec.timeout.read: '36000s' does not match '^[0-9]{1,4}(ms|s|m|h)?$'",
    ]


def test_a_kind_without_a_crd_is_an_error_in_check_all_not_a_skip() -> None:
    route = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": "m"},
        "spec": {},
    }
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
        [
            "spec.loadBalancingMethod: 'cookie' is not one of ['round_robin', 'least_conn', 'ip_hash', 'hash', 'hash consistent', 'random', 'random two', 'random two least_conn', 'random two least_time=header', 'random two least_time=last_byte', 'least_time header', 'least_time last_byte', 'least_time header inflight', 'least_time last_byte inflight']"
        ],
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
        [
            "apiVersion: HTTPRoute.gateway.networking.k8s.io has no version 'v1alpha2' (it has v1, v1beta1)"
        ],
    ),
    "a version the CRD does not have": (
        DESTINATION_RULE,
        "apiVersion",
        "networking.istio.io/v2",
        [
            "apiVersion: DestinationRule.networking.istio.io has no version 'v2' (it has v1, v1alpha3, v1beta1)"
        ],
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_each_mistake_is_named_with_its_path(case: str) -> None:
    doc, path, value, expected = INVALID[case]
    assert crds.problems(changed(doc, path, value)) == expected


def test_a_version_that_is_declared_but_not_served_is_refused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # No pinned CRD has an unserved version: copy one into a temporary CRDs folder and stop serving v1
    source = (
        crds.CRDS_DIR
        / "nginx-gateway-fabric-v2.6.7"
        / "gateway.nginx.org_proxysettingspolicies.yaml"
    )
    crd = yaml.safe_load(source.read_text(encoding="utf-8"))
    crd["spec"]["versions"][0]["served"] = False
    (tmp_path / "ngf").mkdir()
    (tmp_path / "ngf" / "psp.yaml").write_text(yaml.safe_dump(crd), encoding="utf-8")
    monkeypatch.setattr(crds, "CRDS_DIR", tmp_path)
    assert crds.problems(PROXY_SETTINGS_POLICY) == [
        "apiVersion: gateway.nginx.org/v1alpha1 ProxySettingsPolicy is not served (served: none)"
    ]


@pytest.mark.parametrize("in_ci", [False, True])
def test_missing_crds_skip_locally_and_fail_in_ci(tmp_path, monkeypatch, in_ci: bool) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(crds, "CRDS_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(crds.oracles, "IN_CI", in_ci)
    outcome = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(outcome, match=r"the CRDs are not at .*nowhere \(set WSGEN_CRDS\)"):
        crds.problems(GATEWAY)


def test_transition_rules_are_skipped_and_counted() -> None:
    # GatewayClass declares `self == oldSelf` on spec.controllerName (immutable): it needs an update to judge
    gateway_class = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": "eg"},
        "spec": {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"},
    }
    assert crds.validate(gateway_class) == crds.Report([], 1)


def test_every_rule_of_the_kinds_wsgen_writes_is_evaluated_and_none_reads_old_self() -> None:
    # The transition rules of the whole pinned set: GatewayClass twice (standard) and XMesh (experimental).
    def rules(schema: Any) -> list[str]:
        found: list[str] = []
        if isinstance(schema, dict):
            found += [r["rule"] for r in schema.get("x-kubernetes-validations", [])]
            for sub in schema.values():
                found += rules(sub)
        elif isinstance(schema, list):
            for sub in schema:
                found += rules(sub)
        return found

    transition = {
        kind: sum("oldSelf" in r for v in crd["spec"]["versions"] for r in rules(v))
        for (_, kind), crd in crds._index(crds.CRDS_DIR, "experimental").items()
    }
    assert {k: n for k, n in transition.items() if n} == {"GatewayClass": 2, "XMesh": 1}


def test_the_experimental_channel_only_when_asked() -> None:
    sticky = changed(
        HTTPROUTE, "spec.rules.0.sessionPersistence", {"type": "Cookie", "sessionName": "ws"}
    )
    assert crds.problems(sticky) == [
        "spec.rules[0].sessionPersistence: unknown field 'sessionPersistence'"
    ]
    assert crds.problems(sticky, channel="experimental") == []
    mesh = {
        "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
        "kind": "XMesh",
        "metadata": {"name": "m"},
    }
    assert crds.problems(mesh) == [
        f"apiVersion/kind: no CustomResourceDefinition for XMesh.gateway.networking.x-k8s.io in {crds.CRDS_DIR} (standard channel)"
    ]


def test_a_rule_the_oracle_cannot_evaluate_is_a_problem_never_a_pass() -> None:
    # XBackend (experimental) calls format.dns1123Label().validate(), which returns a CEL optional (the
    # Kubernetes format library); how `optional.none() == null` evaluates is not settled here, and
    # cel-python has no optionals: the oracle leaves it out, and the rule is reported as not evaluated.
    backend = {
        "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
        "kind": "XBackend",
        "metadata": {"name": "b", "namespace": "app"},
        "spec": {
            "type": "ExternalHostname",
            "externalHostname": {"hostname": "api.example.com"},
            "port": {"port": 443, "name": "https"},
        },
    }
    found = crds.problems(backend, channel="experimental")
    assert [line.split(": ")[:3] for line in found] == [
        [
            "spec.port.name",
            "rule could not be evaluated",
            "size(self) == 0 || format.dns1123Label().validate(self) == null",
        ]
    ]
    unnamed = changed(backend, "spec.port.name", "")  # size(self) == 0 decides before the call
    assert crds.problems(unnamed, channel="experimental") == []


SERVICE_ENTRY = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "ServiceEntry",
    "metadata": {"name": "uds", "namespace": "app"},
    "spec": {
        "hosts": ["uds.example.com"],
        "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}],
        "resolution": "STATIC",
        "endpoints": [{"address": "unix:///var/run/ws.sock"}],
    },
}
WASM_PLUGIN = {
    "apiVersion": "extensions.istio.io/v1alpha1",
    "kind": "WasmPlugin",
    "metadata": {"name": "w", "namespace": "app"},
    "spec": {"url": "oci://ghcr.io/example/plugin:1"},
}
TLS_ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "TLSRoute",
    "metadata": {"name": "t", "namespace": "app"},
    "spec": {
        "parentRefs": [{"name": "ws-gw"}],
        "hostnames": ["*.example.com"],
        "rules": [{"backendRefs": [{"name": "ws", "port": 8443}]}],
    },
}
PEER_AUTHENTICATION = {
    "apiVersion": "security.istio.io/v1",
    "kind": "PeerAuthentication",
    "metadata": {"name": "p", "namespace": "app"},
    "spec": {
        "selector": {"matchLabels": {"app": "ws"}},
        "portLevelMtls": {"8080": {"mode": "PERMISSIVE"}},
    },
}


# The Kubernetes CEL functions the oracle adds to cel-python, each through a real rule of a pinned CRD
@pytest.mark.parametrize(
    ("doc", "path", "value", "expected"),
    [
        (SERVICE_ENTRY, None, None, []),  # substring(7, 8) == "/"
        (
            SERVICE_ENTRY,
            "spec.endpoints.0.address",
            "unix://var/run/ws.sock",
            [
                'spec.endpoints[0].address: UDS must be an absolute path or abstract socket (rule: self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true)'
            ],
        ),
        (WASM_PLUGIN, None, None, []),  # isURL, url().getScheme()
        (
            WASM_PLUGIN,
            "spec.url",
            "ghcr.io/example/plugin:1",
            [],
        ),  # no scheme: retried as http://...
        (
            WASM_PLUGIN,
            "spec.url",
            "ftp://example.com/p.wasm",
            [
                'spec.url: url must have schema one of [http, https, file, oci] (rule: isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) &&\nurl("http://" + self).getScheme() in ["", "http", "https", "oci", "file"]))'
            ],
        ),
        (TLS_ROUTE, None, None, []),  # isIP, substring(2)
        (
            TLS_ROUTE,
            "spec.hostnames",
            ["192.0.2.1"],
            ["spec.hostnames: Hostnames cannot contain an IP (rule: self.all(h, !isIP(h)))"],
        ),
        (TLS_ROUTE, "spec.hostnames", ["a.*.example.com"], None),
        (PEER_AUTHENTICATION, None, None, []),  # int(key)
        (
            PEER_AUTHENTICATION,
            "spec.portLevelMtls",
            {"0": {"mode": "STRICT"}},
            [
                "spec.portLevelMtls: port must be between 1-65535 (rule: self.all(key, 0 < int(key) && int(key) <= 65535))"
            ],
        ),
        (GATEWAY, "spec.infrastructure", {"labels": {"example.com/team": "ws"}}, []),  # split("/")
        (GATEWAY, "spec.infrastructure", {"labels": {"a" * 253 + "/team": "ws"}}, None),
        (
            BACKEND_TRAFFIC_POLICY,
            "spec.healthCheck",
            {
                "active": {
                    "type": "HTTP",
                    "http": {
                        "path": "/health",
                        "method": "post",
                        "requestBody": {"type": "Text", "text": "ping"},
                    },
                }
            },
            [],
        ),  # upperAscii
    ],
)
def test_the_kubernetes_cel_functions_added_to_cel_python(
    doc: dict[str, Any], path: str | None, value: Any, expected: list[str] | None
) -> None:
    found = crds.problems(doc if path is None else changed(doc, path, value))
    if (
        expected is None
    ):  # only that a rule of the CRD caught it (its text is long), and nothing was left unevaluated
        assert found and not any("could not be evaluated" in line for line in found), found
    else:
        assert found == expected


def test_every_function_the_pinned_rules_call_is_known() -> None:
    """A rule calling a function neither cel-python nor the oracle has would only fail when an object
    reaches it: list them all now. The one exception is XBackend's format library call (above)."""
    import re

    import celpy.evaluation

    known = set(celpy.evaluation.base_functions) | set(crds.K8S_FUNCTIONS)
    known |= {"has", "all", "exists", "exists_one", "filter", "map"}  # macros
    called: set[str] = set()
    for channel in crds.CHANNELS:
        for crd in crds._index(crds.CRDS_DIR, channel).values():
            for line in re.findall(r"rule: (.*)", yaml.safe_dump(crd, width=10**9)):
                called |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", line))
    assert called - known == {"dns1123Label", "validate"}


@pytest.mark.parametrize(
    ("doc", "path", "value", "expected"),
    [
        (
            GATEWAY,
            "spec.gatewayClassName",
            None,
            ["spec.gatewayClassName: null, and the field is not nullable (the server drops it)"],
        ),
        (
            HTTPROUTE,
            "spec.rules.0.filters",
            [
                {
                    "type": "RequestHeaderModifier",
                    "requestHeaderModifier": {"remove": ["X-A", "X-B", "X-A"]},
                }
            ],
            ["spec.rules[0].filters[0].requestHeaderModifier.remove[2]: Duplicate value: 'X-A'"],
        ),
        (
            HTTPROUTE,
            "spec.rules.0.backendRefs.0.weight",
            "1",
            ["spec.rules[0].backendRefs[0].weight: '1' is not of type integer"],
        ),
        (
            HTTPROUTE,
            "spec.rules.0.backendRefs.0.weight",
            1000001,
            ["spec.rules[0].backendRefs[0].weight: 1000001 is greater than the maximum of 1000000"],
        ),
        (
            HTTPROUTE,
            "spec.rules.0.backendRefs.0.port",
            True,
            ["spec.rules[0].backendRefs[0].port: True is not of type integer"],
        ),
        (
            GATEWAY,
            "metadata.labels",
            {"app": "not ok!"},
            ["metadata.labels['app']: 'not ok!' is not a valid label value"],
        ),
        (
            GATEWAY,
            "metadata.namespace",
            "App",
            ["metadata.namespace: 'App' is not a DNS-1123 label"],
        ),
        (GATEWAY, "metadata.nmae", "x", ["metadata.nmae: unknown field 'nmae'"]),
        (
            CERTIFICATE,
            "spec.dnsNames",
            "ws.example.com",
            ["spec.dnsNames: 'ws.example.com' is not of type array"],
        ),
    ],
)
def test_structural_checks(
    doc: dict[str, Any], path: str, value: Any, expected: list[str] | None
) -> None:
    found = crds.problems(changed(doc, path, value))
    if expected is None:
        assert found, "caught"
    else:
        assert found == expected


def test_defaults_are_applied_before_the_rules_as_on_the_server() -> None:
    # parentRefs[].kind defaults to Gateway and path.type to PathPrefix; the rules read both
    route = changed(HTTPROUTE, "spec.rules.0.matches.0.path", {"value": "ws"})
    assert [line.split(" (rule")[0] for line in crds.problems(route)] == [
        "spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (32768, []),
        ("32Ki", []),
        ("32 Ki", None),  # the quantity patterns
        (1.5, ["spec.connection.bufferLimit: 1.5 is not of type an integer or a string"]),
        (True, ["spec.connection.bufferLimit: True is not of type an integer or a string"]),
    ],
)
def test_int_or_string(value: Any, expected: list[str] | None) -> None:
    found = crds.problems(
        changed(BACKEND_TRAFFIC_POLICY, "spec.connection", {"bufferLimit": value})
    )
    if expected is None:
        assert found and all(
            line.startswith("spec.connection.bufferLimit: '32 Ki' does not match") for line in found
        )
    else:
        assert found == expected


def test_the_formats_the_server_enforces() -> None:
    issuer = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": {"name": "vault", "namespace": "app"},
        "spec": {
            "vault": {
                "server": "https://vault.example.com",
                "path": "pki/sign/ws",
                "caBundle": "aGVsbG8=",  # format: byte, base64
                "auth": {"tokenSecretRef": {"name": "vault-token", "key": "token"}},
            }
        },
    }
    assert crds.problems(issuer) == []
    bad = changed(issuer, "spec.vault.caBundle", "not base64!")
    assert crds.problems(bad) == ["spec.vault.caBundle: 'not base64!' is not a 'byte'"]
