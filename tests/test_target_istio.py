"""--target istio: the stream (golden files), the folder, no idle policy (Istio keeps idle
WebSockets open; --timeout is accepted, written only to wsgen.yaml, and the note says why and what
would change it), --sticky as a DestinationRule, the refusals, init, and every object against the
official CRDs (tests/crds.py: Istio 1.30.3, Gateway API v1.6.1) and Kubernetes' schemas. What the
Gateway API targets share is covered on envoy-gateway (test_target_envoy_gateway.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import crds
from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_kubernetes import TLS_FILES, TLS_FOLDERS, check_stream, kustomize, user_pair
from test_wizard import ALL_QUESTIONS, Scripted
from wsgen import wizard
from wsgen.targets.base import STICKY_TTL_SECONDS

TARGET = ("--target", "istio")
ISTIO_GOLDEN = GOLDEN / "istio"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/istio/<name>.yaml
    "plain": [],
    "secret": [*CHAT, "--tls", "secret", "--tls-secret", "chat-cert"],
    "cert-manager": [*CHAT, "--tls", "cert-manager", "--issuer", "ca", "--issuer-kind", "Issuer",
                     "--gateway-class", "istio-public"],
    "sticky": [*CHAT, "--sticky", "--replicas", "3", "--host", "*.chat.example.com"],
    "existing-gateway": [*CHAT, "--gateway", "shared", "--gateway-namespace", "istio-ingress"],
}  # fmt: skip


def idle_note(timeout: str) -> str:
    return (
        f"wsgen: --timeout ({timeout}) is not written: Istio sets no stream idle timeout, so an "
        "idle WebSocket stays open until a side closes it; only a gateway on the EDGE connection "
        "profile (Istio 1.31+, ProxyConfig connectionSettings.profile: EDGE) cuts it, after 300 s: "
        f"there set connectionSettings.httpStreamIdleTimeout: {timeout}"
    )


def docs(text: str) -> list[dict]:
    return list(yaml.safe_load_all(text))


def kinds(text: str) -> list[str]:
    return [doc["kind"] for doc in docs(text)]


def golden(name: str) -> list[dict]:
    return docs((ISTIO_GOLDEN / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, ISTIO_GOLDEN / f"{name}.yaml", update_golden)
    assert idle_note("3600s") in result.err_lines


@pytest.mark.parametrize("name", [*sorted(STREAMS), "self-signed"])
def test_every_object_is_valid(name: str, wsgen) -> None:
    """Custom resources against the CRDs (schema and CEL rules), core ones against Kubernetes'
    OpenAPI schema (strict), for the oldest and newest version kubernetes-validate knows."""
    args = ["--tls", "self-signed"] if name == "self-signed" else STREAMS[name]
    result = wsgen("render", *TARGET, *args)
    assert result.code == 0, result.err
    assert check_stream(result.out)[:2] == ["Deployment", "Service"]


def test_the_crd_oracle_reads_istio_rules() -> None:
    """The DestinationRule check is not vacuous: the same object without a cookie name, or with
    a field Istio does not have, is refused."""
    rule = golden("sticky")[-1]
    assert rule["kind"] == "DestinationRule" and crds.problems(rule) == []
    cookie = rule["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"]
    nameless = yaml.safe_load(yaml.safe_dump(rule))
    del nameless["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"]["name"]
    assert crds.problems(nameless)
    unknown = yaml.safe_load(yaml.safe_dump(rule))
    unknown["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"] = {
        **cookie, "maxAge": 3600
    }  # fmt: skip
    assert crds.problems(unknown)


def test_no_idle_policy_and_no_route_timeout() -> None:
    """Istio disables the stream idle timeout: nothing is written for it, and no HTTPRoute
    timeouts (a request timeout, which Istio would turn into a route timeout)."""
    plain = golden("plain")
    assert [d["kind"] for d in plain] == ["Deployment", "Service", "Gateway", "HTTPRoute"]
    service, gateway, route = plain[1:]
    # Istio reads the appProtocol (not the port name) when it is set: kubernetes.io/ws is HTTP
    assert service["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/ws"
    assert gateway["spec"]["gatewayClassName"] == "istio"
    assert [listener["protocol"] for listener in gateway["spec"]["listeners"]] == ["HTTP"]
    assert route["spec"]["parentRefs"] == [{"name": "websocket-server"}]
    assert set(route["spec"]["rules"][0]) == {"matches", "backendRefs"}
    secret = golden("secret")
    gateway, route = secret[2:]
    assert gateway["spec"]["listeners"][1]["tls"] == {
        "mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "chat-cert"}]
    }  # fmt: skip
    assert route["spec"]["parentRefs"] == [{"name": "chat", "sectionName": "https"}]


def test_a_given_timeout_is_accepted_noted_and_kept_in_the_values_file(
    wsgen, hermetic: Path
) -> None:
    """--timeout changes no manifest (there is nothing to set on Istio), the note names it and
    the EDGE profile setting it would go to; wsgen.yaml keeps it, and --check agrees."""
    default = wsgen("render", *TARGET)
    given = wsgen("render", *TARGET, "--timeout", "10h")
    assert given.code == 0, given.err
    assert given.out == default.out
    assert given.err_lines == [idle_note("36000s")]
    assert wsgen("render", *TARGET, "-o", "plain").code == 0
    result = wsgen("render", *TARGET, "--timeout", "10h", "-o", "long")
    assert result.code == 0, result.err
    assert idle_note("36000s") in result.err_lines
    plain = {p.name: p.read_bytes() for p in (hermetic / "plain").iterdir()}
    long = {p.name: p.read_bytes() for p in (hermetic / "long").iterdir()}
    assert plain.keys() == long.keys()
    assert [name for name in plain if plain[name] != long[name]] == ["wsgen.yaml"]
    assert yaml.safe_load(long["wsgen.yaml"])["timeout"] == 36000
    again = wsgen("render", "-f", "long/wsgen.yaml", "-o", "long", "--check")
    assert again.code == 0, again.err


def test_sticky_is_a_destination_rule_with_a_cookie(wsgen) -> None:
    sticky = golden("sticky")
    assert [d["kind"] for d in sticky] == [
        "Deployment", "Service", "Gateway", "HTTPRoute", "DestinationRule"
    ]  # fmt: skip
    route, rule = sticky[3:]
    assert "sessionPersistence" not in route["spec"]["rules"][0]  # Istio does not implement it
    assert rule["apiVersion"] == "networking.istio.io/v1"
    assert rule["metadata"] == {
        "name": "chat", "namespace": "team-a", "labels": {"app.kubernetes.io/name": "chat"}
    }  # fmt: skip
    assert rule["spec"] == {
        "host": "chat.team-a.svc.cluster.local",
        "trafficPolicy": {
            "loadBalancer": {
                "consistentHash": {
                    "httpCookie": {"name": "chat-affinity", "path": "/", "ttl": "86400s"}
                }
            }
        },
    }
    # a google.protobuf.Duration in its JSON form (digits and "s"), one day
    ttl = rule["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"]["ttl"]
    assert re.fullmatch(r"[0-9]+s", ttl) and int(ttl[:-1]) == STICKY_TTL_SECONDS
    # with an existing Gateway too
    shared = wsgen("render", *TARGET, *STREAMS["existing-gateway"], "--sticky")
    assert kinds(shared.out) == ["Deployment", "Service", "HTTPRoute", "DestinationRule"]


def test_self_signed_stream_carries_the_secret_the_listener_names(wsgen) -> None:
    result = wsgen("render", *TARGET, *CHAT, "--tls", "self-signed")
    assert result.code == 0, result.err
    objects = docs(result.out)
    assert [d["kind"] for d in objects] == [
        "Deployment",
        "Service",
        "Secret",
        "Gateway",
        "HTTPRoute",
    ]
    secret, gateway, route = objects[2:]
    assert (secret["type"], secret["metadata"]["name"]) == ("kubernetes.io/tls", "chat-tls")
    assert set(secret["data"]) == {"tls.crt", "tls.key"}
    https = gateway["spec"]["listeners"][1]
    assert (https["protocol"], https["port"], https["hostname"]) == (
        "HTTPS",
        443,
        "chat.example.com",
    )
    assert https["tls"]["certificateRefs"] == [{"kind": "Secret", "name": "chat-tls"}]
    assert route["spec"]["parentRefs"] == [{"name": "chat", "sectionName": "https"}]
    assert "a new private key" in result.err_lines[0]
    assert idle_note("3600s") in result.err_lines


def test_an_existing_gateway_is_not_written_and_its_owner_is_told(wsgen) -> None:
    result = wsgen("render", *TARGET, *STREAMS["existing-gateway"])
    assert kinds(result.out) == ["Deployment", "Service", "HTTPRoute"]
    route = docs(result.out)[-1]
    assert route["spec"]["parentRefs"] == [{"name": "shared", "namespace": "istio-ingress"}]
    assert result.err_lines == [
        "wsgen: the HTTPRoute attaches to the existing Gateway istio-ingress/shared: its listener "
        "for the host must allow routes from namespace team-a (allowedRoutes.namespaces.from: "
        "Same, the default, allows only istio-ingress's own)",
        idle_note("3600s"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ingress-class", "nginx"],
         "--ingress-class: only used with --target ingress-nginx (the target is 'istio')"),
        (["--upstream", "127.0.0.1:80"],
         "--upstream: only used with --target nginx (the target is 'istio')"),
        (["--gateway-namespace", "infra"],
         "--gateway-namespace: only with --gateway NAME (the Gateway wsgen writes is in the app's namespace, default)"),
        (["--gateway", "shared", "--gateway-class", "istio"],
         "--gateway-class: only without --gateway (an existing Gateway has its own class)"),
        (["--gateway", "shared", "--tls", "self-signed"],
         "--tls: with --gateway, TLS is the Gateway owner's (its listener names the certificate): give --tls none; clients still use wss:// when that listener terminates TLS"),
        (["--gateway-class", "Istio"], "--gateway-class: 'Istio' is not a valid DNS name"),
        (["--timeout", "0"], "--timeout: "),
        # Istio's Service for the Gateway has status-port 15021 besides the listeners' ports
        (["--http-listener-port", "15021"],
         "--http-listener-port: 15021 is the status port of the Service Istio makes for the Gateway"),
        (["--tls", "secret", "--https-listener-port", "15021"],
         "--https-listener-port: 15021 is the status port of the Service Istio makes for the Gateway"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


def test_an_option_of_another_target_in_a_values_file_is_refused(wsgen, hermetic: Path) -> None:
    (hermetic / "wsgen.yaml").write_text("target: istio\nannotations:\n  a: b\n")
    result = wsgen("render", "-f", "wsgen.yaml", "-o", "k8s")
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: wsgen.yaml: annotations.a: only used with --target ingress-nginx (the "
        "target is 'istio')"
    ]
    assert not Path("k8s").exists()


FOLDERS = {
    **TLS_FOLDERS,
    "sticky": ["--sticky", "--tls", "secret"],
    "existing-gateway": ["--gateway", "shared", "--sticky"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_builds_validates_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    user_pair(hermetic)
    result = wsgen("render", *TARGET, *FOLDERS[case], "-o", "k8s")
    assert result.code == 0, result.err
    assert idle_note("3600s") in result.err_lines
    files = sorted(str(p.relative_to("k8s")) for p in Path("k8s").rglob("*") if p.is_file())
    extra = {
        **TLS_FILES,
        "sticky": ["destinationrule.yaml"],
        "existing-gateway": ["destinationrule.yaml"],
    }.get(case, [])
    gateway = [] if case == "existing-gateway" else ["gateway.yaml"]
    assert files == sorted([
        "deployment.yaml", "httproute.yaml", "kustomization.yaml", "service.yaml", "wsgen.yaml",
        *gateway, *extra,
    ])  # fmt: skip
    built = kustomize(hermetic / "k8s", tmp_path)
    want = ["Deployment", "HTTPRoute", "Service"]
    want += ["Gateway"] if gateway else []
    want += ["Secret"] if case == "self-signed" else []
    want += ["DestinationRule"] if "destinationrule.yaml" in extra else []
    assert sorted(d["kind"] for d in built) == sorted(want)
    crds.check_all(yaml.safe_dump_all(built))
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["target"] == "istio"
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check")
    assert again.code == 0, again.err


def test_dropping_sticky_leaves_the_destination_rule_named(wsgen) -> None:
    assert wsgen("render", *TARGET, "--sticky", "-o", "k8s").code == 0
    result = wsgen("render", *TARGET, "-o", "k8s", "--force")
    assert result.code == 0, result.err
    assert (
        "wsgen: k8s/destinationrule.yaml is from an earlier run and no longer used (left in "
        "place; the cluster keeps what it made until: kubectl delete -f k8s/destinationrule.yaml)"
    ) in result.err_lines
    assert Path("k8s/destinationrule.yaml").exists()


def test_the_example_is_up_to_date(wsgen) -> None:
    folder = EXAMPLES / "istio"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    # the timeout note is a warning: said with --check too
    assert result.err_lines == [idle_note("3600s"), f"wsgen: {folder}: up to date (7 files)"]
    assert (folder / "destinationrule.yaml").is_file()


def test_init_asks_the_gateway_class_and_says_istio_keeps_idle_websockets(
    wsgen, hermetic: Path
) -> None:
    asker = Scripted("istio", *[None] * 6, "none", None, None, True)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked[0] == "Target"
    assert asker.asked[1:] == [  # no idle timeout: Istio writes none
        *(question for question in ALL_QUESTIONS if question != "Idle timeout"),
        "GatewayClass",
        "Output folder",
        "Write 6 file(s) to k8s?",
    ]
    assert asker.offered["GatewayClass"] == "istio"
    assert any(
        "idle policy" in line and "none written (Istio keeps idle WebSockets open)" in line
        for line in asker.said
    )  # the summary
    assert "note: " + idle_note("3600s").removeprefix("wsgen: ") in asker.said  # the summary
    rendered = wsgen("render", *TARGET, "-o", "rendered")
    assert rendered.code == 0, rendered.err
    for name in ("deployment.yaml", "service.yaml", "gateway.yaml", "httproute.yaml", "wsgen.yaml"):
        assert (hermetic / "k8s" / name).read_bytes() == (hermetic / "rendered" / name).read_bytes()


def test_a_gateway_whose_service_name_istio_cannot_make_is_refused(wsgen) -> None:
    """Istio names the Service it makes for a Gateway `<gateway>-<class>`, unshortened: over 63
    characters (a Service name's limit) the Gateway would never be programmed."""
    name = "a" + "b" * 57  # 58 + "-istio" = 64
    result = wsgen("render", *TARGET, "--name", name, "-o", "k8s")
    assert result.code == 2
    assert result.err_lines == [
        f"wsgen: error: --name: Istio would name the Gateway's Service '{name}-istio' (64 "
        "characters; a Service name is at most 63): give a shorter --name or --gateway-class"
    ]
    assert not Path("k8s").exists()
    assert wsgen("render", *TARGET, "--name", name[:-1]).code == 0  # 63: fits
    long_class = wsgen("render", *TARGET, "--name", "chat", "--gateway-class", "c" * 60)
    assert long_class.code == 2
    assert long_class.err_lines[0].startswith("wsgen: error: --gateway-class: Istio would name")
    # an existing Gateway was made by its owner: nothing is derived from it here
    assert wsgen("render", *TARGET, "--name", name, "--gateway", "shared").code == 0
