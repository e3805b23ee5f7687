"""A canary through a real Traefik (tests/traefik.py on tests/kube_api.py): two WebSocket
backends on 127.0.0.1, the main version's and the canary's, each saying its name as its first
message, behind what wsgen writes: the HTTPRoute of --target envoy-gateway read by Traefik's
kubernetesGateway provider, and the IngressRoute and weighted TraefikService of --target
traefik read by its kubernetesCRD provider. The two Services have the same port; the test
server's EndpointSlice of each points at its own backend.

Counting by weight: Traefik's weighted round robin (pkg/server/service/loadbalancer/wrr/wrr.go,
v3.7) is an earliest-deadline-first schedule, not a random draw: each child's deadline grows by
1/weight per pick and the earliest is picked, and a child of weight 0 is never added. A fresh
balancer with weights 75 and 25 therefore makes its first 200 picks the deadlines up to 2.0
exactly, 150 and 50 (the 201st deadline, 151/75, is clearly later, so float rounding and ties
within the 200 cannot change the counts): the counts are asserted exactly, no tolerance needed.
Each test starts its own Traefik, so each balancer is fresh, and nothing else reaches it.
"""

from __future__ import annotations

import contextlib
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import live
import traefik

HOST = "test.example.com"
NAME = "websocket-server"
CANARY = NAME + "-canary"
V2 = "ghcr.io/example/chat:v2"
COUNT = 200  # WebSockets opened to count the split


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    traefik.need()


@contextlib.contextmanager
def named_backend(name: str) -> Iterator[int]:
    """A WebSocket server whose first message is `name` (then it echoes)."""
    from websockets.sync.server import ServerConnection

    def answer(connection: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            connection.send(name)
            for message in connection:
                connection.send(message)

    with live.serving(answer) as port:
        yield port


def who(
    port: int, headers: dict[str, str] | None = None, host: str = HOST
) -> tuple[str, list[str]]:
    """The name of the backend that answers a WebSocket to ws://HOST/ws/chat through
    Traefik's entry point at `port`, and the Set-Cookie headers of its 101."""
    from websockets.sync.client import connect

    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
        connect(
            f"ws://{host}/ws/chat", sock=sock, additional_headers=headers or {},
            open_timeout=5, close_timeout=2,
        ) as ws,
    ):  # fmt: skip
        assert ws.response is not None
        return str(ws.recv(timeout=5)), ws.response.headers.get_all("Set-Cookie")


def count(port: int, times: int, headers: dict[str, str] | None = None) -> Counter[str]:
    return Counter(who(port, headers)[0] for _ in range(times))


def render(wsgen, target: str, main: int, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    extra = ["--gateway-class", "traefik"] if target == "envoy-gateway" else []
    result = wsgen(
        "render", "--target", target, *extra, "--port", str(main), "--host", HOST,
        "--path", "/ws", "--canary-image", V2, *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


@contextlib.contextmanager
def through_traefik(
    wsgen,
    folder: Path,
    target: str,
    *args: str,  # type: ignore[no-untyped-def]
) -> Iterator[traefik.Traefik]:
    """Both backends, wsgen's `target` output with a canary (`args`) and a Traefik whose
    provider reads it, once its routers are served."""
    provider = {"envoy-gateway": "kubernetesGateway", "traefik": "kubernetesCRD"}[target]
    with named_backend("main") as main, named_backend("canary") as other:
        docs = render(wsgen, target, main, *args)
        with traefik.serving(
            docs, folder, [provider], gateway_class="traefik" if target == "envoy-gateway"
            else None, listening={NAME: main, CANARY: other},
        ) as (_api, proxy):  # fmt: skip
            proxy.wait_for_router(provider.lower(), "web", lambda r: HOST in r["rule"])
            yield proxy
            assert proxy.complaints() == [], proxy.explain("Traefik complained")


TARGETS = ["envoy-gateway", "traefik"]  # the Gateway API provider, the CRD provider
CHOOSERS = ("--canary-header", "X-Canary", "--canary-cookie", "canary")


@pytest.mark.parametrize("target", TARGETS)
def test_the_weight_splits_new_websockets_exactly_and_header_and_cookie_choose(
    target: str, wsgen, tmp_path: Path
) -> None:
    with through_traefik(wsgen, tmp_path, target, "--canary-weight", "25", *CHOOSERS) as proxy:
        port = proxy.ports["web"]
        split = count(port, COUNT)  # first: the balancer is fresh (see the module's doc)
        header = count(port, 3, {"X-Canary": "always"})
        header_never = count(port, 3, {"X-Canary": "never"})
        cookie = count(port, 3, {"Cookie": "a=1; canary=always; b=2"})
        cookie_never = count(port, 3, {"Cookie": "canary=never"})
        # the header comes first (ingress-nginx's order): never wins over the cookie's always
        both = count(port, 3, {"X-Canary": "never", "Cookie": "canary=always"})
        # another value, or a cookie of another name, is no choice: the split takes it
        other = [who(port, {"X-Canary": "maybe", "Cookie": "xcanary=always"})[0] for _ in range(4)]

    assert split == Counter(main=150, canary=50)
    assert header == Counter(canary=3)
    assert header_never == Counter(main=3)
    assert cookie == Counter(canary=3)
    assert cookie_never == Counter(main=3)
    assert both == Counter(main=3)
    # the next 4 picks of the 75/25 schedule, after 200: three of the main version, one canary
    assert Counter(other) == Counter(main=3, canary=1)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("weight", "reached"), [("0", "main"), ("100", "canary")])
def test_weights_0_and_100_send_every_new_websocket_to_one_version(
    target: str, weight: str, reached: str, wsgen, tmp_path: Path
) -> None:
    with through_traefik(wsgen, tmp_path, target, "--canary-weight", weight, *CHOOSERS) as proxy:
        port = proxy.ports["web"]
        split = count(port, 20)
        header = count(port, 2, {"X-Canary": "always"})
        never = count(port, 2, {"X-Canary": "never"})

    assert split == Counter({reached: 20})
    assert header == Counter(canary=2)
    assert never == Counter(main=2)


def test_a_header_value_chooses_the_canary_and_never_is_then_no_choice(
    wsgen, tmp_path: Path
) -> None:
    args = ("--canary-weight", "0", "--canary-header", "X-Canary", "--canary-header-value", "v2")
    with through_traefik(wsgen, tmp_path, "traefik", *args) as proxy:
        port = proxy.ports["web"]
        chosen = count(port, 2, {"X-Canary": "v2"})
        never = count(port, 2, {"X-Canary": "always"})

    assert chosen == Counter(canary=2)
    assert never == Counter(main=2)


def test_sticky_keeps_a_client_on_the_version_it_first_got(wsgen, tmp_path: Path) -> None:
    """--sticky on the traefik target: the weighted TraefikService's cookie, set on the 101,
    brings every later connection that carries it to the same version, whatever the schedule
    (which, without the cookie, alternates at 50/50)."""
    with through_traefik(wsgen, tmp_path, "traefik", "--canary-weight", "50", "--sticky") as proxy:
        port = proxy.ports["web"]
        first, cookies = who(port)
        version = next(c.split(";")[0] for c in cookies if c.startswith(NAME + "-version="))
        pod = next(c.split(";")[0] for c in cookies if "-affinity=" in c)
        kept = count(port, 10, {"Cookie": f"{version}; {pod}"})
        fresh = count(port, 10)

    assert kept == Counter({first: 10})
    assert fresh == Counter(main=5, canary=5)


def test_a_wildcards_canary_routes_stay_below_an_exact_host_it_covers(
    wsgen, tmp_path: Path
) -> None:
    """As without a canary (test_traefik_crd_provider), chat.example.com goes to the app of that
    host, not to the app of *.example.com beside it, even with the wildcard app's canary
    header and cookie: their routes' priorities stay below the exact host's route."""
    with (
        named_backend("exact") as exact_port,
        named_backend("wild") as wild_port,
        named_backend("wild-canary") as canary_port,
    ):
        # an app without a canary at the exact host
        plain = wsgen("render", "--target", "traefik", "--port", str(exact_port), "--name",
                      "chat", "--host", "chat.example.com", "--path", "/ws")  # fmt: skip
        exact = [doc for doc in yaml.safe_load_all(plain.out) if doc]
        wild = render(wsgen, "traefik", wild_port, "--name", "all", "--host", "*.example.com",
                      *CHOOSERS)  # fmt: skip
        listening = {"chat": exact_port, "all": wild_port, "all-canary": canary_port}
        with traefik.serving([*exact, *wild], tmp_path, ["kubernetesCRD"], listening=listening) as (
            _api,
            proxy,
        ):
            rule = exact[-1]["spec"]["routes"][0]["match"]
            proxy.wait_for_router("kubernetescrd", "web", lambda r: r["rule"] == rule)
            proxy.wait_for_router("kubernetescrd", "web", lambda r: "HostRegexp" in r["rule"])
            port = proxy.ports["web"]
            chooses = {"X-Canary": "always", "Cookie": "canary=always"}
            own = who(port, chooses, "chat.example.com")[0]
            covered = who(port, chooses, "other.example.com")[0]
            plain_wild = who(port, {}, "other.example.com")[0]
            complaints = proxy.complaints()

    assert (own, covered, plain_wild) == ("exact", "wild-canary", "wild")
    assert complaints == []
