"""A canary on the Gateway API targets (envoy-gateway, nginx-gateway-fabric, istio) and on
traefik: the stream (golden files), every object against the official CRDs and Kubernetes'
schemas, kubectl kustomize on the folder, what --no-canary leaves behind, the refusals of
--sticky with a split weight, and init's summary row. A real Traefik routes them in
tests/test_canary_traefik.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import GOLDEN, matches_golden, refused
from test_kubernetes import check_stream, kustomize
from test_wizard import ALL_BUT_TIMEOUT, Scripted, run

V2 = "ghcr.io/example/chat:v2"
CANARY = ("--canary-image", V2)
CHOOSERS = ("--canary-cookie", "canary", "--canary-header", "X-Canary")
GATEWAY_TARGETS = ("envoy-gateway", "nginx-gateway-fabric", "istio")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/<target>/<name>.yaml
    "canary-weight": [*CANARY, "--canary-weight", "10", "--path", "/ws"],
    "canary-choosers": [*CANARY, "--canary-weight", "25", *CHOOSERS, "--canary-replicas", "2"],
    # a weight of 0 or 100 with --sticky: every target (nothing splits a client)
    "canary-sticky": [*CANARY, "--canary-weight", "100", "--sticky", "--canary-cookie", "beta"],
}
CASES = [(t, n) for t in (*GATEWAY_TARGETS, "traefik") for n in sorted(STREAMS)] + [
    # the split weight with --sticky: Traefik keeps the client on its version (a cookie)
    ("traefik", "canary-sticky-split"),
    ("traefik", "canary-wildcard"),
]
EXTRA = {
    "canary-sticky-split": [*CANARY, "--canary-weight", "25", "--sticky", "--tls", "self-signed"],
    "canary-wildcard": [*CANARY, *CHOOSERS, "--host", "*.example.com", "--port", "443"],
}


def args(name: str) -> list[str]:
    return STREAMS.get(name) or EXTRA[name]


def docs(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.mark.parametrize(("target", "name"), CASES)
def test_stream_golden_and_valid(target: str, name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", "--target", target, *args(name))
    assert result.code == 0, result.err
    check_stream(result.out)  # CRDs (schema and CEL) and Kubernetes' schemas, strictly
    text = result.out
    if "self-signed" in args(name):  # a fresh key every run: not in a golden
        text = re.sub(r"(tls\.(crt|key)): \S+", r"\1: ...", text)
    matches_golden(text, GOLDEN / target / f"{name}.yaml", update_golden)


def route(text: str, kind: str = "HTTPRoute") -> dict:
    return next(doc for doc in docs(text) if doc["kind"] == kind)


@pytest.mark.parametrize("target", GATEWAY_TARGETS)
def test_the_httproute_chooses_by_header_then_cookie_then_weight(target: str, wsgen) -> None:
    result = wsgen("render", "--target", target, *STREAMS["canary-choosers"])
    rules = route(result.out)["spec"]["rules"]
    chosen = [
        (rule["matches"][0].get("headers", [{}])[0].get("value"), rule["backendRefs"])
        for rule in rules
    ]
    main = {"name": "websocket-server", "port": 3000}
    canary = {"name": "websocket-server-canary", "port": 3000}
    assert chosen == [
        ("always", [canary]),
        ("never", [main]),
        (r"^(.*;\s*)?canary=always(;.*)?$", [canary]),
        (r"^(.*;\s*)?canary=never(;.*)?$", [main]),
        (None, [{**main, "weight": 75}, {**canary, "weight": 25}]),
    ]
    assert [rule["matches"][0].get("headers", [{}])[0].get("type") for rule in rules] == [
        "Exact", "Exact", "RegularExpression", "RegularExpression", None
    ]  # fmt: skip


@pytest.mark.parametrize("weight", ["0", "100"])
def test_weights_0_and_100_still_list_both_backends(weight: str, wsgen) -> None:
    result = wsgen("render", "--target", "envoy-gateway", *CANARY, "--canary-weight", weight)
    (rule,) = route(result.out)["spec"]["rules"]
    assert [ref["weight"] for ref in rule["backendRefs"]] == [100 - int(weight), int(weight)]


def test_a_header_value_has_no_never_rule(wsgen) -> None:
    result = wsgen(
        "render", "--target", "istio", *CANARY, "--canary-header", "X-Canary",
        "--canary-header-value", "v2",
    )  # fmt: skip
    rules = route(result.out)["spec"]["rules"]
    assert [r["matches"][0].get("headers") for r in rules] == [
        [{"type": "Exact", "name": "X-Canary", "value": "v2"}], None
    ]  # fmt: skip


def test_the_idle_and_sticky_policies_cover_the_canary(wsgen) -> None:
    envoy = wsgen("render", "--target", "envoy-gateway", *STREAMS["canary-sticky"])
    policy = route(envoy.out, "BackendTrafficPolicy")
    # on the HTTPRoute: every rule's backends, the canary's among them
    assert policy["spec"]["targetRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "websocket-server"}
    ]
    ngf = wsgen("render", "--target", "nginx-gateway-fabric", *STREAMS["canary-sticky"])
    assert route(ngf.out, "ProxySettingsPolicy")["spec"]["targetRefs"][0]["kind"] == "HTTPRoute"
    assert [ref["name"] for ref in route(ngf.out, "UpstreamSettingsPolicy")["spec"]["targetRefs"]] == [
        "websocket-server", "websocket-server-canary"
    ]  # fmt: skip
    istio = wsgen("render", "--target", "istio", *STREAMS["canary-sticky"])
    rules = [d for d in docs(istio.out) if d["kind"] == "DestinationRule"]
    assert [(r["spec"]["host"], r["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"]["name"]) for r in rules] == [
        ("websocket-server.default.svc.cluster.local", "websocket-server-affinity"),
        ("websocket-server-canary.default.svc.cluster.local", "websocket-server-canary-affinity"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("envoy-gateway", "Envoy Gateway's consistent-hash cookie ignores backendRef weights"),
        ("nginx-gateway-fabric", "NGINX Gateway Fabric splits weighted backendRefs by split_clients on $request_id"),
        ("istio", "Istio gives each weighted backendRef an Envoy cluster of its own"),
    ],
)  # fmt: skip
def test_sticky_with_a_split_weight_is_refused_where_nothing_keeps_a_client(
    target: str, reason: str, wsgen
) -> None:
    result = wsgen(
        "render", "--target", target, *CANARY, "--canary-weight", "10", "--sticky", "-o", "k8s"
    )
    refused(result, f"--canary-weight: with --sticky: {reason}")
    assert result.err_lines[-1].endswith(
        ": give --canary-weight 0 or 100 (the start and the end), and send the clients you "
        "choose to the canary by --canary-cookie (the cookie keeps them on it, --sticky on a pod)"
    )
    # what it says to do instead is accepted, --sticky kept
    instead = wsgen(
        "render", "--target", target, *CANARY, "--canary-weight", "0", "--canary-cookie",
        "canary", "--sticky",
    )  # fmt: skip
    assert instead.code == 0, instead.err


@pytest.mark.parametrize(
    ("target", "routing"),
    [("envoy-gateway", []), ("istio", ["canary-destinationrule.yaml"]),
     ("traefik", ["canary-traefikservice.yaml"])],
)  # fmt: skip
def test_a_folder_kustomizes_and_no_canary_names_what_it_leaves(
    target: str, routing: list[str], wsgen, tmp_path: Path
) -> None:
    result = wsgen("render", "--target", target, *STREAMS["canary-sticky"], "-o", "k8s")
    assert result.code == 0, result.err
    built = kustomize(Path("k8s"), tmp_path)
    names = {(d["kind"], d["metadata"]["name"]) for d in built}
    assert {
        ("Deployment", "websocket-server-canary"),
        ("Service", "websocket-server-canary"),
    } <= names
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--no-canary", "--force")
    assert again.code == 0, again.err
    for name in ["canary-deployment.yaml", "canary-service.yaml", *routing]:
        assert (
            f"wsgen: k8s/{name} is from an earlier run and no longer used (left in place; the "
            f"cluster keeps what it made until: kubectl delete -f k8s/{name})"
        ) in again.err_lines
    # and the route is the plain one again
    plain = wsgen("render", "--target", target, "--sticky")
    assert (
        Path("k8s", "httproute.yaml" if target != "traefik" else "ingressroute.yaml").read_text()
        in plain.out
    )


@pytest.mark.parametrize("target", [*GATEWAY_TARGETS, "traefik"])
def test_init_summary_has_a_canary_row(target: str, hermetic: Path) -> None:
    asker = Scripted(True)
    flags = (*ALL_BUT_TIMEOUT, "--timeout", "60", "--target", target, "--canary-image", V2,
             "--canary-weight", "10", "--canary-cookie", "canary")  # fmt: skip
    own = ("--entrypoint", "web") if target == "traefik" else ("--gateway-class", "gw")
    run(asker, *flags, *own, out="k8s")
    rows = [line for line in asker.said if line.strip().startswith("canary ")]
    assert rows, asker.said
    assert rows[0].split(None, 1)[1].strip() == f"a-canary ({V2}), 10%, cookie canary"


def test_init_summary_names_traefiks_version_cookie_with_sticky(hermetic: Path) -> None:
    asker = Scripted(True)
    flags = (*ALL_BUT_TIMEOUT, "--timeout", "60", "--target", "traefik", "--entrypoint", "web",
             "--canary-image", V2, "--sticky", "true")  # fmt: skip
    run(asker, *flags, out="k8s")
    rows = [line.split(None, 1)[1] for line in asker.said if line.strip().startswith("sticky ")]
    assert rows == ["cookie a-affinity, version cookie a-version"], asker.said


@pytest.mark.parametrize("target", [*GATEWAY_TARGETS, "traefik"])
def test_a_socket_io_path_weighed_without_sticky_is_said(target: str, wsgen) -> None:
    """As on ingress-nginx: a split weight picks a version per request, so the long-polling
    handshake and the upgrade of one Socket.IO client can reach both versions; the README
    says wsgen tells it on stderr. Gateway API targets refuse --sticky with a split weight, so
    the way out there is a cookie; Traefik's --sticky keeps a client on its version."""
    given = ["--target", target, *CANARY, "--path", "/socket.io/", "--canary-weight", "10"]
    result = wsgen("render", *given)
    assert result.code == 0, result.err
    fix = (
        "add --sticky (its version cookie then keeps a client on the version it first reached)"
        if target == "traefik"
        else "--sticky cannot hold a split weight here: give --canary-weight 0 and send "
        "clients to the canary by --canary-cookie"
    )
    assert (
        "wsgen: --canary-weight 10 without --sticky on /socket.io/: each request of a Socket.IO "
        "client (its long-polling handshake, then the upgrade) is weighed anew, so one client "
        f"can reach both versions; {fix}"
    ) in result.err_lines
    quiet = [["--canary-weight", "0"], ["--canary-weight", "100"], ["--path", "/ws"]]
    if target == "traefik":
        quiet.append(["--sticky"])
    for more in quiet:
        again = wsgen("render", *given, *more)
        assert again.code == 0, again.err
        assert not [line for line in again.err_lines if "without --sticky" in line], more
