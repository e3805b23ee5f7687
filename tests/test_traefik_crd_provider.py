"""Traefik's kubernetesCRD provider on tests/kube_api.py: the harness (tests/traefik.py) and the
test server serve what it watches (the ten traefik.io/v1alpha1 kinds, Services,
EndpointSlices, Secrets, ConfigMaps, Nodes), so an IngressRoute routes a WebSocket. The
IngressRoute here is written by hand, valid against the official Traefik CRD: it proves the
wiring, not wsgen's output."""

from __future__ import annotations

import json
from typing import Any

import pytest

import crds
import kube_api
import live
import traefik

HOST = "test.example.com"


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    traefik.need()


def service(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "echo", "namespace": "default"},
        "spec": {"ports": [{"name": "ws", "port": port, "targetPort": port}]},
    }


def ingress_route(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "echo", "namespace": "default"},
        "spec": {
            "entryPoints": ["web"],
            "routes": [
                {
                    "kind": "Rule",
                    "match": f"Host(`{HOST}`) && PathPrefix(`/ws`)",
                    "services": [{"name": "echo", "port": port}],
                }
            ],
        },
    }


def test_the_test_server_serves_every_kind_the_crd_provider_watches() -> None:
    """Each traefik.io kind in kube_api.KINDS is the Traefik CRD's own (group, version served,
    plural, scope): a path Traefik asks for is the path a cluster with that CRD has."""
    ours = {k: v for k, v in kube_api.KINDS.items() if v[0] == kube_api.TRAEFIK_IO}
    assert len(ours) == 10
    for kind, (group, version, plural, namespaced) in ours.items():
        crd = crds.crd_for(f"{group}/{version}", kind)
        assert crd is not None, kind
        assert crd["spec"]["names"]["plural"] == plural
        assert (crd["spec"]["scope"] == "Namespaced") is namespaced
        assert [v["name"] for v in crd["spec"]["versions"] if v["served"]] == [version]


def test_a_hand_written_ingress_route_carries_a_websocket(wsgen, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with live.echo_backend() as backend:
        route = ingress_route(backend)
        assert crds.problems(route) == []
        docs = [service(backend), route]
        with traefik.serving(docs, tmp_path, ["kubernetesCRD"]) as (api, proxy):
            router = proxy.wait_for_router("kubernetescrd", "web")
            url = f"ws://{HOST}:{proxy.ports['web']}/ws/chat"
            result = wsgen("probe", url, "--resolve", "127.0.0.1", "--idle", "0.5", "--json")
            complaints = proxy.complaints()
            unknown = list(api.store.unknown)
            asked = {request.split("?")[0] for request in api.store.requests}

    assert router["rule"] == route["spec"]["routes"][0]["match"]
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    message = next(step for step in report["steps"] if step["step"] == "message")
    assert (message["received"], message["echo"]) == ("wsgen probe", True)
    assert complaints == []
    assert unknown == []  # Traefik asked for nothing the server does not serve
    watched = {
        f"GET /apis/{group}/{version}/{plural}"
        for group, version, plural, _namespaced in kube_api.KINDS.values()
        if group == kube_api.TRAEFIK_IO
    }
    assert watched <= asked  # and for every traefik.io kind the server serves
