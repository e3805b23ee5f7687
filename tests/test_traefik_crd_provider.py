"""Traefik's kubernetesCRD provider on tests/kube_api.py: the harness (tests/traefik.py) and the
test server serve what it watches (the ten traefik.io/v1alpha1 kinds, Services,
EndpointSlices, Secrets, ConfigMaps, Nodes), so an IngressRoute routes a WebSocket. The
IngressRoute here is written by hand, valid against the official Traefik CRD: it proves the
wiring, not wsgen's output."""

from __future__ import annotations

import base64
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

import crds
import kube_api
import live
import traefik
from conftest import ROOT

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


# --- what `wsgen render --target traefik` writes, read by the real kubernetesCRD provider -----


def render(wsgen, backend: int, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen(
        "render", "--target", "traefik", "--port", str(backend), "--host", HOST, "--path", "/ws",
        *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


def probe(wsgen, url: str, *args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """`wsgen probe --json` of `url` through 127.0.0.1: the report, with its exit code."""
    result = wsgen("probe", url, "--resolve", "127.0.0.1", "--json", *args)
    report: dict[str, Any] = json.loads(result.out)
    report["exit"] = result.code
    return report


def step(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in report["steps"] if s["step"] == name)
    return found


def echoed(report: dict[str, Any]) -> bool:
    message = next((s for s in report["steps"] if s["step"] == "message"), {})
    return (message.get("received"), message.get("echo")) == ("wsgen probe", True)


def not_routed(report: dict[str, Any]) -> bool:
    """Traefik answered the handshake with its own 404: no router took the request."""
    upgrade = step(report, "upgrade")
    return report["exit"] == 1 and not upgrade["ok"] and upgrade.get("status") == 404


def test_wsgens_ingress_route_carries_a_websocket_at_the_path_and_below_only(
    wsgen, tmp_path: Path
) -> None:
    """The route Traefik builds has wsgen's rule; /ws and /ws/chat are upgraded and echoed,
    /wsx (which PathPrefix(`/ws`) alone would take) and /other are not routed. The entry
    point's read and idle timeouts at 1 s do not cut the idle WebSocket (3 s of silence): they
    end at the upgrade, which is why wsgen writes no idle setting for Traefik."""
    short = [
        f"--entryPoints.web.transport.respondingTimeouts.{name}=1s"
        for name in ("readTimeout", "writeTimeout", "idleTimeout")
    ]
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "2")
        route = next(doc for doc in docs if doc["kind"] == "IngressRoute")
        with traefik.serving(docs, tmp_path, ["kubernetesCRD"], options=short) as (api, proxy):
            router = proxy.wait_for_router("kubernetescrd", "web")
            base = f"ws://{HOST}:{proxy.ports['web']}"
            held = probe(wsgen, f"{base}/ws/chat", "--idle", "3")
            exact = probe(wsgen, f"{base}/ws", "--idle", "0.1")
            beside = probe(wsgen, f"{base}/wsx", "--idle", "0.1")
            other = probe(wsgen, f"{base}/other", "--idle", "0.1")
            complaints = proxy.complaints()
            unknown = list(api.store.unknown)

    assert router["rule"] == route["spec"]["routes"][0]["match"]
    assert router["using"] == ["web"]
    assert "tls" not in router
    assert held["exit"] == 0 and echoed(held), held
    assert step(held, "idle")["survived"] is True, held
    assert exact["exit"] == 0 and echoed(exact), exact
    assert not_routed(beside), beside
    assert not_routed(other), other
    assert complaints == [] and unknown == []


def test_tls_from_the_self_signed_secret_verifies_with_probe_ca(wsgen, tmp_path: Path) -> None:
    """The stream's Secret is the certificate Traefik presents on websecure for the host: the
    probe verifies it with that certificate as its only CA, and fails without it."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--tls", "self-signed")
        secret = next(doc for doc in docs if doc["kind"] == "Secret")
        ca = tmp_path / "tls.crt"
        ca.write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
        with traefik.serving(docs, tmp_path, ["kubernetesCRD"]) as (_api, proxy):
            router = proxy.wait_for_router("kubernetescrd", "websecure")
            url = f"wss://{HOST}:{proxy.ports['websecure']}/ws"
            verified = probe(wsgen, url, "--ca", str(ca), "--idle", "0.1")
            untrusted = probe(wsgen, url, "--idle", "0.1")
            complaints = proxy.complaints()

    assert router["using"] == ["websecure"]
    assert "tls" in router
    assert verified["exit"] == 0 and echoed(verified), verified
    assert step(verified, "tls")["ok"] is True
    assert untrusted["exit"] == 1 and step(untrusted, "tls")["ok"] is False, untrusted
    assert complaints == []


def test_sticky_sets_wsgens_cookie_on_the_handshake(wsgen, tmp_path: Path) -> None:
    """Traefik sets the sticky cookie on the 101 itself, so a client that falls back to long
    polling (or reconnects) comes back to the same pod."""
    from websockets.sync.client import connect

    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--sticky")
        with traefik.serving(docs, tmp_path, ["kubernetesCRD"]) as (_api, proxy):
            proxy.wait_for_router("kubernetescrd", "web")
            sock = socket.create_connection(("127.0.0.1", proxy.ports["web"]), timeout=5)
            with sock, connect(f"ws://{HOST}/ws", sock=sock, open_timeout=5) as ws:
                assert ws.response is not None
                cookie = ws.response.headers.get("Set-Cookie", "")
                ws.send("sticky")
                echo = ws.recv(timeout=5)

    assert echo == "sticky"
    name, _, attributes = cookie.partition(";")
    assert name.startswith("websocket-server-affinity="), cookie
    assert [a.strip() for a in attributes.split(";")] == ["Path=/", "Max-Age=86400", "HttpOnly"]


def test_a_wildcard_host_takes_one_label_as_an_ingress_does(wsgen, tmp_path: Path) -> None:
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--host", "*.example.com")
        with traefik.serving(docs, tmp_path, ["kubernetesCRD"]) as (_api, proxy):
            proxy.wait_for_router("kubernetescrd", "web")
            port = proxy.ports["web"]
            one = probe(wsgen, f"ws://chat.example.com:{port}/ws", "--idle", "0.1")
            two = probe(wsgen, f"ws://a.chat.example.com:{port}/ws", "--idle", "0.1")
            bare = probe(wsgen, f"ws://example.com:{port}/ws", "--idle", "0.1")
            # the absolute form (a trailing dot), which nginx and Traefik's Host() take too
            absolute = probe(wsgen, f"ws://chat.example.com.:{port}/ws", "--idle", "0.1")

    assert one["exit"] == 0 and echoed(one), one
    assert absolute["exit"] == 0 and echoed(absolute), absolute
    assert not_routed(two), two
    assert not_routed(bare), bare


def test_an_exact_host_wins_over_a_wildcard_that_covers_it(wsgen, tmp_path: Path) -> None:
    """As on an Ingress (and ingress-nginx, and Gateway API): chat.example.com goes to the app
    of that host, not to the app of *.example.com beside it, whatever their rules' lengths
    (Traefik ranks routes by the length of their rule, and a HostRegexp is the longer one).
    The wildcard's app answers without upgrading: reaching it is a failed upgrade (200)."""
    with live.echo_backend() as backend, live.plain_http_server() as page:
        exact = render(wsgen, backend, "--name", "chat", "--host", "chat.example.com")
        wildcard = render(wsgen, page, "--name", "all", "--host", "*.example.com")
        with traefik.serving([*exact, *wildcard], tmp_path, ["kubernetesCRD"]) as (_api, proxy):
            for doc in (exact[-1], wildcard[-1]):
                rule = doc["spec"]["routes"][0]["match"]
                proxy.wait_for_router(
                    "kubernetescrd", "web", lambda r, rule=rule: r["rule"] == rule
                )
            port = proxy.ports["web"]
            own = probe(wsgen, f"ws://chat.example.com:{port}/ws", "--idle", "0.1")
            other = probe(wsgen, f"ws://other.example.com:{port}/ws", "--idle", "0.1")
            complaints = proxy.complaints()

    assert own["exit"] == 0 and echoed(own), own
    assert step(other, "upgrade").get("status") == 200, other
    assert complaints == []


def test_the_readmes_host_wildcard_version_is_this_traefiks(wsgen, tmp_path: Path) -> None:
    """wsgen writes HostRegexp for a wildcard because Host() takes no wildcard before some
    Traefik version (its oldest, v3.0, has none): the version docs/targets.md names is right for
    the Traefik here, which routes Host(`*.example.com`) for one label (Traefik v3.7.0,
    traefik#12884)."""
    claim = re.search(
        r"`Host\(\)` takes wildcards\s+only from Traefik v(\d+)\.(\d+) on",
        (ROOT / "docs/targets.md").read_text(),
    )
    assert claim is not None
    with live.echo_backend() as backend:
        route = ingress_route(backend)
        route["spec"]["routes"][0]["match"] = "Host(`*.example.com`) && PathPrefix(`/ws`)"
        with traefik.serving([service(backend), route], tmp_path, ["kubernetesCRD"]) as (
            _api,
            proxy,
        ):
            proxy.wait_for_router("kubernetescrd", "web")
            version = tuple(int(n) for n in proxy.get("/api/version")["Version"].split(".")[:2])
            port = proxy.ports["web"]
            one = probe(wsgen, f"ws://chat.example.com:{port}/ws", "--idle", "0.1")
            two = probe(wsgen, f"ws://a.chat.example.com:{port}/ws", "--idle", "0.1")

    assert one["exit"] == 0 and echoed(one), one
    assert not_routed(two), two
    assert (int(claim[1]), int(claim[2])) <= version, (claim[0], version)
