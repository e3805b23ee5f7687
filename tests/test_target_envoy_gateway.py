"""--target envoy-gateway, and what the three Gateway API targets share (checked here on the
first of them): the stream (golden files), the folder, the options that choose the Gateway, the
refusals, and every object against the official CRDs (tests/crds.py) and Kubernetes' schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import crds
from conftest import GOLDEN, matches_golden, refused
from test_kubernetes import check_stream, kustomize
from test_tls import make_pair

TARGET = ("--target", "envoy-gateway")
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/envoy-gateway/<name>.yaml
    "plain": [],
    "secret": [*CHAT, "--tls", "secret", "--tls-secret", "chat-cert", "--timeout", "2h"],
    "cert-manager": [*CHAT, "--tls", "cert-manager", "--issuer", "le", "--gateway-class", "eg-public"],
    "sticky": [*CHAT, "--sticky", "--replicas", "3", "--host", "*.chat.example.com"],
    "existing-gateway": [*CHAT, "--gateway", "shared", "--gateway-namespace", "infra"],
    "long-timeout": ["--timeout", "200000"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, GOLDEN / "envoy-gateway" / f"{name}.yaml", update_golden)


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_object_is_valid(name: str, wsgen) -> None:
    """Custom resources against the CRDs (schema and CEL rules), core ones against Kubernetes'
    OpenAPI schema (strict)."""
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    assert check_stream(result.out)[:2] == ["Deployment", "Service"]


def kinds(text: str) -> list[str]:
    return [doc["kind"] for doc in yaml.safe_load_all(text)]


def test_what_is_written() -> None:
    """The idle timeout is the route's streamIdleTimeout, in seconds; the Service port says
    kubernetes.io/ws; the route attaches to wsgen's own Gateway (its HTTPS listener with TLS)."""
    plain = list(yaml.safe_load_all((GOLDEN / "envoy-gateway/plain.yaml").read_text()))
    assert [d["kind"] for d in plain] == [
        "Deployment", "Service", "Gateway", "HTTPRoute", "BackendTrafficPolicy"
    ]  # fmt: skip
    service, gateway, route, policy = plain[1:]
    assert service["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/ws"
    assert gateway["spec"]["gatewayClassName"] == "eg"
    assert [listener["protocol"] for listener in gateway["spec"]["listeners"]] == ["HTTP"]
    assert route["spec"]["parentRefs"] == [{"name": "websocket-server"}]
    assert "timeouts" not in route["spec"]["rules"][0]  # a request timeout, not an idle one
    assert policy["spec"]["targetRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "websocket-server"}
    ]
    assert policy["spec"]["timeout"] == {"http": {"streamIdleTimeout": "3600s"}}
    secret = list(yaml.safe_load_all((GOLDEN / "envoy-gateway/secret.yaml").read_text()))
    gateway, route, policy = secret[2:]
    assert gateway["spec"]["listeners"][1]["tls"] == {
        "mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "chat-cert"}]
    }  # fmt: skip
    assert route["spec"]["parentRefs"] == [{"name": "chat", "sectionName": "https"}]
    assert policy["spec"]["timeout"]["http"]["streamIdleTimeout"] == "7200s"
    long = list(yaml.safe_load_all((GOLDEN / "envoy-gateway/long-timeout.yaml").read_text()))
    assert long[-1]["spec"]["timeout"]["http"]["streamIdleTimeout"] == "55h33m20s"  # 200000 s


def test_sticky_is_a_consistent_hash_cookie() -> None:
    docs = list(yaml.safe_load_all((GOLDEN / "envoy-gateway/sticky.yaml").read_text()))
    assert docs[-1]["spec"]["loadBalancer"] == {
        "type": "ConsistentHash",
        "consistentHash": {"type": "Cookie", "cookie": {"name": "chat-affinity", "ttl": "86400s"}},
    }


def test_cert_manager_annotates_the_gateway(wsgen) -> None:
    result = wsgen("render", *TARGET, *STREAMS["cert-manager"])
    gateway = next(d for d in yaml.safe_load_all(result.out) if d["kind"] == "Gateway")
    assert gateway["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "le"}
    assert gateway["spec"]["gatewayClassName"] == "eg-public"
    assert "Gateway API support enabled" in result.err


def test_an_existing_gateway_is_not_written_and_its_owner_is_told(wsgen) -> None:
    result = wsgen("render", *TARGET, *STREAMS["existing-gateway"])
    assert kinds(result.out) == ["Deployment", "Service", "HTTPRoute", "BackendTrafficPolicy"]
    route = next(d for d in yaml.safe_load_all(result.out) if d["kind"] == "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "shared", "namespace": "infra"}]
    assert result.err_lines == [
        "wsgen: the HTTPRoute attaches to the existing Gateway infra/shared: its listener for the "
        "host must allow routes from namespace team-a (allowedRoutes.namespaces.from: Same, the "
        "default, allows only infra's own)"
    ]
    same = wsgen("render", *TARGET, *CHAT, "--gateway", "shared", "--gateway-namespace", "team-a")
    route = next(d for d in yaml.safe_load_all(same.out) if d["kind"] == "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "shared"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gateway-namespace", "infra"],
         "--gateway-namespace: only with --gateway NAME (the Gateway wsgen writes is in the app's namespace, default)"),
        (["--gateway", "shared", "--gateway-class", "eg"],
         "--gateway-class: only without --gateway (an existing Gateway has its own class)"),
        (["--gateway", "shared", "--tls", "secret"],
         "--tls: with --gateway, TLS is the Gateway owner's (its listener names the certificate): give --tls none; clients still use wss:// when that listener terminates TLS"),
        (["--ingress-class", "nginx"],
         "--ingress-class: only used with --target ingress-nginx (the target is 'envoy-gateway')"),
        (["--upstream", "127.0.0.1:80"],
         "--upstream: only used with --target nginx (the target is 'envoy-gateway')"),
        (["--gateway", "Shared"], "--gateway: 'Shared' is not a valid DNS name"),
        (["--gateway", "x", "--gateway-namespace", "a.b"], "--gateway-namespace: 'a.b' is not a valid DNS label"),
        (["--gateway", "shared", "--http-listener-port", "8000"],
         "--http-listener-port: only without --gateway (an existing Gateway has its own listeners)"),
        (["--https-listener-port", "8443"],
         "--https-listener-port: needs TLS (the HTTPS listener exists only with --tls; the TLS mode is 'none')"),
        (["--tls", "secret", "--http-listener-port", "443"],
         "--http-listener-port: 443 is both listeners' port (one port cannot be an HTTP and an HTTPS listener; give --http-listener-port and --https-listener-port different ports)"),
        (["--tls", "secret", "--http-listener-port", "8000", "--https-listener-port", "8000"],
         "--https-listener-port: 8000 is both listeners' port"),
        (["--http-listener-port", "0"], "--http-listener-port: 0 is out of range for a port number (1-65535)"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


def test_gateway_options_are_not_for_ingress_nginx(wsgen) -> None:
    result = wsgen("render", "--gateway", "shared")
    assert result.code == 2
    assert result.err_lines[0].startswith("wsgen: error: --gateway: ")
    # names the targets that use it and the one given (quoted or not: the wording depends on how
    # many targets use the option, wsgen.model._not_used)
    assert "envoy-gateway" in result.err_lines[0] and "ingress-nginx" in result.err_lines[0]


@pytest.mark.parametrize("mode", ["none", "self-signed", "files", "cert-manager"])
def test_folder_builds_validates_and_checks(
    mode: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    tls = {
        "none": [],
        "self-signed": ["--tls", "self-signed"],
        "files": ["--tls", "files", "--cert", "certs/user.crt", "--key", "certs/user.key"],
        "cert-manager": ["--tls", "cert-manager", "--issuer", "le"],
    }[mode]
    (hermetic / "certs").mkdir()
    make_pair(["test.example.com"], hermetic / "certs")
    result = wsgen("render", *TARGET, *tls, "-o", "k8s")
    assert result.code == 0, result.err
    files = sorted(str(p.relative_to("k8s")) for p in Path("k8s").rglob("*") if p.is_file())
    extra = {
        "none": [], "cert-manager": [],
        "self-signed": ["create-tls-secret.sh", "tls/tls.crt", "tls/tls.key"],
        "files": ["create-tls-secret.sh"],
    }[mode]  # fmt: skip
    assert files == sorted([
        "backendtrafficpolicy.yaml", "deployment.yaml", "gateway.yaml", "httproute.yaml",
        "kustomization.yaml", "service.yaml", "wsgen.yaml", *extra,
    ])  # fmt: skip
    built = kustomize(hermetic / "k8s", tmp_path)
    want = ["BackendTrafficPolicy", "Deployment", "Gateway", "HTTPRoute", "Service"]
    assert sorted(d["kind"] for d in built) == sorted(
        want + (["Secret"] if mode == "self-signed" else [])
    )
    crds.check_all(yaml.safe_dump_all(built))
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["target"] == "envoy-gateway"
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check")
    assert again.code == 0, again.err


def test_a_folder_of_another_target_reports_its_leftovers(wsgen) -> None:
    assert wsgen("render", "-o", "k8s").code == 0  # ingress-nginx
    result = wsgen("render", *TARGET, "-o", "k8s", "--force")  # its Service and more change
    assert result.code == 0, result.err
    assert (
        "wsgen: k8s/ingress.yaml is from an earlier run and no longer used (left in place; the "
        "cluster keeps what it made until: kubectl delete -f k8s/ingress.yaml)"
    ) in result.err_lines
    back = wsgen("render", "-o", "k8s", "--force")
    leftovers = [line for line in back.err_lines if "earlier run" in line]
    assert [line.split()[1] for line in leftovers] == [
        "k8s/gateway.yaml", "k8s/httproute.yaml", "k8s/backendtrafficpolicy.yaml"
    ]  # fmt: skip


def test_a_folder_moved_to_another_gateway_target_takes_its_class(wsgen) -> None:
    """wsgen.yaml records a class only when it is not the target's default, so a folder moved
    to another Gateway API target gets that target's class; a given one is kept."""
    assert wsgen("render", *TARGET, "-o", "k8s").code == 0
    assert "gatewayClass" not in yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    moved = wsgen("render", "-f", "k8s/wsgen.yaml", "--target", "istio", "-o", "k8s", "--force")
    assert moved.code == 0, moved.err
    assert (
        yaml.safe_load(Path("k8s/gateway.yaml").read_text())["spec"]["gatewayClassName"] == "istio"
    )
    assert wsgen("render", *TARGET, "--gateway-class", "eg-internal", "-o", "own").code == 0
    assert yaml.safe_load(Path("own/wsgen.yaml").read_text())["gatewayClass"] == "eg-internal"


def test_the_command_line_moves_a_recorded_folder_between_gateways(wsgen) -> None:
    """--gateway and --gateway-class exclude each other: a stronger layer's wins over what the
    folder's wsgen.yaml recorded (the same layer giving both is an error)."""
    assert wsgen("render", *TARGET, "--gateway-class", "eg-internal", "-o", "k8s").code == 0
    shared = wsgen("render", "-f", "k8s/wsgen.yaml", "--gateway", "shared", "-o", "k8s", "--force")
    assert shared.code == 0, shared.err
    assert "wsgen: k8s/gateway.yaml is from an earlier run" in shared.err  # not deleted
    values = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert values["gateway"] == "shared" and "gatewayClass" not in values
    back = wsgen("render", "-f", "k8s/wsgen.yaml", "--gateway-class", "eg", "-o", "k8s", "--force")
    assert back.code == 0, back.err
    assert "gateway" not in yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0


def test_a_gateway_namespace_given_is_kept_even_when_it_is_the_apps(wsgen) -> None:
    args = ("-n", "app", "--gateway", "shared", "--gateway-namespace", "app")
    assert wsgen("render", *TARGET, *args, "-o", "k8s").code == 0
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["gatewayNamespace"] == "app"
    route = yaml.safe_load(Path("k8s/httproute.yaml").read_text())
    assert route["spec"]["parentRefs"] == [{"name": "shared"}]  # the route's own namespace
    other = wsgen("render", "-f", "k8s/wsgen.yaml", "-n", "other")
    route = next(d for d in yaml.safe_load_all(other.out) if d["kind"] == "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "shared", "namespace": "app"}]


def test_a_path_longer_than_an_httproute_takes_is_refused(wsgen) -> None:
    result = wsgen("render", *TARGET, "--path", "/" + "a" * 1024)
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: --path: is 1025 characters; an HTTPRoute path match is at most 1024 "
        "(Gateway API)"
    ]
    assert wsgen("render", *TARGET, "--path", "/" + "a" * 1023).code == 0


def test_files_no_wsgen_run_wrote_are_not_called_leftovers(wsgen) -> None:
    """A folder's own Gateway API files (hand-written beside wsgen's output) are not named:
    only files of this target, or of the target the folder's wsgen.yaml names."""
    Path("k8s").mkdir()
    Path("k8s/gateway.yaml").write_text("# mine\n")
    Path("k8s/httproute.yaml").write_text("# mine\n")
    result = wsgen("render", "-o", "k8s")
    assert result.code == 0, result.err
    assert "earlier run" not in result.err


def test_listener_ports_are_written_recorded_and_give_way(wsgen, hermetic: Path) -> None:
    """--http-listener-port / --https-listener-port set the ports of wsgen's own Gateway (a
    Traefik Gateway listener needs its entry point's port: 8000 and 8443 in the Helm chart),
    wsgen.yaml records them when not 80 / 443, and a stronger --gateway or --tls none drops the
    recorded ones (as a recorded --gateway-class gives way)."""
    args = ("--tls", "secret", "--http-listener-port", "8000", "--https-listener-port", "8443")
    result = wsgen("render", *TARGET, *args, "-o", "k8s")
    assert result.code == 0, result.err
    gateway = yaml.safe_load(Path("k8s/gateway.yaml").read_text())
    listeners = [(x["name"], x["protocol"], x["port"]) for x in gateway["spec"]["listeners"]]
    assert listeners == [("http", "HTTP", 8000), ("https", "HTTPS", 8443)]
    crds.check_all(Path("k8s/gateway.yaml").read_text())
    values = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert (values["httpListenerPort"], values["httpsListenerPort"]) == (8000, 8443)
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0
    plain = wsgen("render", "-f", "k8s/wsgen.yaml", "--tls", "none", "-o", "plain")
    assert plain.code == 0, plain.err
    assert "httpsListenerPort" not in yaml.safe_load(Path("plain/wsgen.yaml").read_text())
    (listener,) = yaml.safe_load(Path("plain/gateway.yaml").read_text())["spec"]["listeners"]
    assert listener["port"] == 8000
    shared = wsgen("render", "-f", "plain/wsgen.yaml", "--gateway", "shared", "-o", "shared")
    assert shared.code == 0, shared.err
    assert "httpListenerPort" not in yaml.safe_load(Path("shared/wsgen.yaml").read_text())
    default = wsgen("render", *TARGET, "--http-listener-port", "80", "-o", "default")
    assert default.code == 0
    assert "httpListenerPort" not in yaml.safe_load(Path("default/wsgen.yaml").read_text())


def test_a_listener_port_clash_names_the_stronger_option(wsgen, hermetic: Path) -> None:
    """--http-listener-port typed over a folder whose wsgen.yaml records that port for HTTPS:
    the refusal names the flag just given, not the recorded value."""
    args = ("--tls", "secret", "--https-listener-port", "8443", "-o", "k8s")
    assert wsgen("render", *TARGET, *args).code == 0
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "--http-listener-port", "8443", "-o", "k8s")
    assert result.code == 2
    assert result.err.startswith("wsgen: error: --http-listener-port: 8443 is both listeners' port")
    assert len(result.err_lines) == 1, result.err
