"""--target loadbalancer: a Service of type LoadBalancer straight to the pods. The stream
(golden files), every object against Kubernetes' schemas, no live-object field in any output,
the ports (--lb-port, a list option: flag, values file, variable), --cloud's annotations and
the arithmetic of each provider's idle timeout (a request above the ceiling gives the ceiling,
the note and the ping interval; one inside it exactly the request; --lb-timeout outside the
range refused with it), --lb-cert, the refusals, the folder (kubectl kustomize, --check),
leftovers when switching targets, init, and the example.

No real consumer of a LoadBalancer Service runs here (that is a cloud's controller): the
consumers are kubernetes-validate and kubectl kustomize."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_kubernetes import built, check_stream
from test_target_istio import docs
from test_wizard import ALL_QUESTIONS, Scripted
from wsgen import wizard
from wsgen.cloud import ALIBABA, AWS

TARGET = ("--target", "loadbalancer")
LB_GOLDEN = GOLDEN / "loadbalancer"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--port", "9000")
NLB_ID = ("--lb-id", "nlb-wz9example")  # a new NLB takes zone mappings wsgen does not write
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f"
BOTH = ("--lb-port", "80", "--lb-port", "443")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/loadbalancer/<name>.yaml
    "plain": [],
    "alibaba": [*CHAT, *BOTH, "--cloud", "alibaba", "--lb-id", "lb-bp1abc", "--timeout", "600"],
    "alibaba-override": [*CHAT, "--cloud", "alibaba", "--lb-id", "lb-bp1abc",
                         "--lb-override-listeners", "--lb-port", "8080"],
    "alibaba-cert": [*CHAT, *BOTH, "--cloud", "alibaba", "--lb-cert", "1234-cn-hangzhou"],
    "alibaba-nlb": [*CHAT, "--cloud", "alibaba-nlb", *NLB_ID, "--lb-override-listeners",
                    "--lb-port", "443", "--lb-timeout", "900"],
    "aws": [*CHAT, *BOTH, "--cloud", "aws", "--timeout", "1h"],
    "aws-cert": [*CHAT, *BOTH, "--cloud", "aws", "--lb-cert", ARN, "--timeout", "300"],
}  # fmt: skip
NO_CLOUD_NOTE = (
    "wsgen: --timeout (3600 s) is not written: without --cloud no idle timeout is set on the "
    "load balancer, and its provider's default applies (give --cloud PROVIDER to set it)"
)
NOTES = {
    "plain": [NO_CLOUD_NOTE],
    "alibaba": [
        'wsgen: --cloud alibaba: with --lb-id and force-override-listeners "false", the cloud '
        "controller leaves the existing load balancer's listeners as they are: the idle timeout "
        "above reaches them only with --lb-override-listeners (which replaces them) or when you "
        "set it on them yourself"
    ],
    "alibaba-override": [
        "wsgen: --cloud alibaba: the Alibaba CLB TCP listener's idle timeout is at most 900 s "
        "(range 10-900 s): set to 900 s, not the 3600 s asked; the app must send a WebSocket ping at "
        "least every 450 s (check: wsgen probe --ping-interval 450 ws://chat.example.com:8080/)"
    ],
    "alibaba-nlb": [
        "wsgen: --cloud alibaba-nlb: the Alibaba NLB TCP listener closes an idle connection after "
        "900 s (--lb-timeout), before the 3600 s of --timeout; the app must send a WebSocket ping "
        "at least every 450 s (check: wsgen probe --ping-interval 450 ws://chat.example.com:443/)"
    ],
    "alibaba-cert": [
        "wsgen: --cloud alibaba: the Alibaba CLB HTTP/HTTPS listener's idle timeout is at most 60 s "
        "(range 1-60 s): set to 60 s, not the 3600 s asked; the app must send a WebSocket ping at "
        "least every 30 s (check: wsgen probe --ping-interval 30 wss://chat.example.com/)"
    ],
}
# What a live object carries, filled in by the API server or the cloud: never in a manifest.
LIVE_FIELDS = {
    "status", "resourceVersion", "uid", "selfLink", "nodePort", "clusterIP", "clusterIPs",
    "creationTimestamp", "healthCheckNodePort", "managedFields", "generation",
}  # fmt: skip


def service_of(objects: list[dict]) -> dict:
    return next(doc for doc in objects if doc["kind"] == "Service")


def keys_in(node: Any) -> set[str]:
    """Every mapping key anywhere in a parsed document."""
    if isinstance(node, dict):
        return set(node).union(*(keys_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys_in(value) for value in node))
    return set()


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, LB_GOLDEN / f"{name}.yaml", update_golden)
    assert result.err_lines == NOTES.get(name, [])


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_object_is_valid_and_carries_no_live_field(name: str, wsgen) -> None:
    """Core objects against Kubernetes' OpenAPI schema (strict), for the oldest and newest
    version kubernetes-validate knows; no Ingress, and none of the fields a live object has."""
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    assert check_stream(result.out) == ["Deployment", "Service"]
    for doc in docs(result.out):
        assert keys_in(doc) & LIVE_FIELDS == set(), doc["kind"]


def test_the_live_field_check_is_not_vacuous() -> None:
    pasted = yaml.safe_load(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, uid: x, resourceVersion: '1'}\n"
        "spec: {ports: [{port: 80, nodePort: 30080}]}\nstatus: {loadBalancer: {}}\n"
    )
    assert keys_in(pasted) & LIVE_FIELDS == {"uid", "resourceVersion", "nodePort", "status"}


def test_the_service_sends_every_port_to_the_container_port(wsgen) -> None:
    plain = service_of(docs((LB_GOLDEN / "plain.yaml").read_text()))
    assert plain["metadata"] == {
        "name": "websocket-server",
        "namespace": "default",
        "labels": {"app.kubernetes.io/name": "websocket-server"},
    }
    assert plain["spec"] == {
        "type": "LoadBalancer",
        "externalTrafficPolicy": "Local",
        "selector": {"app.kubernetes.io/name": "websocket-server"},
        "ports": [{"name": "tcp-80", "protocol": "TCP", "port": 80, "targetPort": 3000}],
    }
    both = service_of(docs((LB_GOLDEN / "alibaba.yaml").read_text()))
    assert both["spec"]["ports"] == [
        {"name": "tcp-80", "protocol": "TCP", "port": 80, "targetPort": 9000},
        {"name": "tcp-443", "protocol": "TCP", "port": 443, "targetPort": 9000},
    ]
    assert both["metadata"]["annotations"] == {
        ALIBABA + "id": "lb-bp1abc",
        ALIBABA + "force-override-listeners": "false",
        ALIBABA + "established-timeout": "600",
    }
    nlb = service_of(docs((LB_GOLDEN / "alibaba-nlb.yaml").read_text()))
    assert nlb["spec"]["loadBalancerClass"] == "alibabacloud.com/nlb"
    assert nlb["metadata"]["annotations"] == {
        ALIBABA + "id": "nlb-wz9example",
        ALIBABA + "force-override-listeners": "true",
        ALIBABA + "idle-timeout": "900",
    }
    override = service_of(docs((LB_GOLDEN / "alibaba-override.yaml").read_text()))
    assert override["metadata"]["annotations"][ALIBABA + "force-override-listeners"] == "true"
    assert [p["port"] for p in override["spec"]["ports"]] == [8080]


def test_aws_writes_one_idle_annotation_per_tcp_listener_and_none_on_tls(wsgen) -> None:
    plain = service_of(docs((LB_GOLDEN / "aws.yaml").read_text()))
    assert plain["metadata"]["annotations"] == {
        AWS + "type": "external",
        AWS + "nlb-target-type": "ip",
        AWS + "scheme": "internet-facing",
        AWS + "listener-attributes.TCP-80": "tcp.idle_timeout.seconds=3600",
        AWS + "listener-attributes.TCP-443": "tcp.idle_timeout.seconds=3600",
    }
    tls = service_of(docs((LB_GOLDEN / "aws-cert.yaml").read_text()))
    annotations = tls["metadata"]["annotations"]
    assert annotations[AWS + "ssl-cert"] == ARN
    assert annotations[AWS + "ssl-ports"] == "443"
    assert annotations[AWS + "listener-attributes.TCP-80"] == "tcp.idle_timeout.seconds=300"
    assert AWS + "listener-attributes.TCP-443" not in annotations  # a TLS listener: fixed 350 s
    # 300 s fits under the TLS listener's 350 s: no note (test_stream_golden); 400 s does not
    above = wsgen("render", *TARGET, *BOTH, "--cloud", "aws", "--lb-cert", ARN, "--timeout", "400")
    assert above.code == 0, above.err
    assert above.err_lines == [
        "wsgen: --cloud aws: the AWS NLB TLS listener's idle timeout is fixed at 350 s, not the "
        "400 s asked; the app must send a WebSocket ping at least every 175 s (check: wsgen "
        "probe --ping-interval 175 wss://test.example.com/)"
    ]


def test_alibaba_with_a_certificate_makes_every_listener_http(wsgen) -> None:
    service = service_of(docs((LB_GOLDEN / "alibaba-cert.yaml").read_text()))
    assert service["metadata"]["annotations"] == {
        ALIBABA + "cert-id": "1234-cn-hangzhou",
        ALIBABA + "protocol-port": "http:80,https:443",
        ALIBABA + "idle-timeout": "60",
    }


# --------------------------------------------------------------------------- the arithmetic

# Per provider, the figures of ../shared/reference/targets.md section 11 (not read from
# wsgen.cloud): the annotation on port 80, its value for N seconds, the range.
KNOWN = {
    "alibaba": (ALIBABA + "established-timeout", "{n}", 10, 900),
    "alibaba-nlb": (ALIBABA + "idle-timeout", "{n}", 10, 900),
    "aws": (AWS + "listener-attributes.TCP-80", "tcp.idle_timeout.seconds={n}", 60, 6000),
}


def cloud_args(provider: str) -> tuple[str, ...]:
    nlb = (*NLB_ID, "--lb-override-listeners") if provider == "alibaba-nlb" else ()
    return ("--cloud", provider, *nlb)


def annotations_of(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert result.code == 0, result.err
    return service_of(docs(result.out))["metadata"].get("annotations", {})


@pytest.mark.parametrize("provider", sorted(KNOWN))
def test_a_request_above_the_ceiling_gives_the_ceiling_the_note_and_the_ping(
    provider: str, wsgen
) -> None:
    key, form, _low, high = KNOWN[provider]
    result = wsgen("render", *TARGET, *cloud_args(provider), "--timeout", str(high + 100))
    assert annotations_of(result)[key] == form.format(n=high)
    ping = high // 2
    (note,) = result.err_lines
    assert note.startswith(f"wsgen: --cloud {provider}: the ")
    assert f"idle timeout is at most {high} s" in note
    assert f"set to {high} s, not the {high + 100} s asked" in note
    assert note.endswith(
        f"the app must send a WebSocket ping at least every {ping} s (check: wsgen probe "
        f"--ping-interval {ping} ws://test.example.com/)"
    )


@pytest.mark.parametrize("provider", sorted(KNOWN))
@pytest.mark.parametrize("flag", ["--timeout", "--lb-timeout"])
def test_a_request_inside_the_range_is_written_exactly(provider: str, flag: str, wsgen) -> None:
    key, form, low, high = KNOWN[provider]
    for seconds in (low, low + 7, high):
        result = wsgen("render", *TARGET, *cloud_args(provider), flag, str(seconds))
        assert annotations_of(result)[key] == form.format(n=seconds)
        assert not [line for line in result.err_lines if "asked" in line]  # nothing capped


@pytest.mark.parametrize("provider", sorted(KNOWN))
def test_an_lb_timeout_outside_the_range_is_refused_with_the_range(provider: str, wsgen) -> None:
    _key, _form, low, high = KNOWN[provider]
    for seconds in (low - 1, high + 1):
        refused(
            wsgen(
                "render", *TARGET, *cloud_args(provider), "--lb-timeout", str(seconds), "-o", "k8s"
            ),
            f"--lb-timeout: {seconds} s is outside the ",
        )
        result = wsgen("render", *TARGET, *cloud_args(provider), "--lb-timeout", str(seconds))
        assert f"idle timeout range ({low}-{high} s; " in result.err_lines[0]


# --------------------------------------------------------------------------- ports


def ports_of(result) -> list[int]:  # type: ignore[no-untyped-def]
    assert result.code == 0, result.err
    return [port["port"] for port in service_of(docs(result.out))["spec"]["ports"]]


def test_ports_come_from_flags_the_variable_or_a_values_file(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ports_of(wsgen("render", *TARGET)) == [80]
    assert ports_of(wsgen("render", *TARGET, "--lb-port", "443", "--lb-port", "80")) == [443, 80]
    (hermetic / "values.yaml").write_text("target: loadbalancer\nlbPorts: [7000, 7001]\n")
    assert ports_of(wsgen("render", "-f", "values.yaml")) == [7000, 7001]
    monkeypatch.setenv("WSGEN_LB_PORTS", "80, 443")
    assert ports_of(wsgen("render", "-f", "values.yaml")) == [80, 443]
    # the strongest layer gives the whole list
    assert ports_of(wsgen("render", "-f", "values.yaml", "--lb-port", "9")) == [9]
    # with a certificate at the load balancer: 443
    monkeypatch.delenv("WSGEN_LB_PORTS")
    assert ports_of(wsgen("render", *TARGET, "--cloud", "aws", "--lb-cert", ARN)) == [443]


def test_ports_are_recorded_when_given(wsgen, hermetic: Path) -> None:
    """The default (80, or 443 with --lb-cert) follows the certificate; ports a person gave are
    kept, so a folder given a certificate later is refused rather than silently losing one."""
    assert wsgen("render", *TARGET, "-o", "same").code == 0
    recorded = yaml.safe_load(Path("same/wsgen.yaml").read_text())
    assert "lbPorts" not in recorded and "cloud" not in recorded
    moved = wsgen(
        "render", "-f", "same/wsgen.yaml", "--cloud", "aws", "--lb-cert", ARN, "-o", "same",
        "--force",
    )  # fmt: skip
    assert moved.code == 0, moved.err
    assert ports_of(wsgen("render", "-f", "same/wsgen.yaml")) == [443]
    assert wsgen("render", *TARGET, "--lb-port", "80", "-o", "given").code == 0
    assert yaml.safe_load(Path("given/wsgen.yaml").read_text())["lbPorts"] == [80]
    refused(
        wsgen("render", "-f", "given/wsgen.yaml", "--cloud", "aws", "--lb-cert", ARN, "-o", "x"),
        "given/wsgen.yaml: lbPorts: with --lb-cert the load balancer ends TLS on port 443: add "
        "--lb-port 443",
        out="x",
    )
    assert wsgen("render", *TARGET, *BOTH, "-o", "own").code == 0
    assert yaml.safe_load(Path("own/wsgen.yaml").read_text())["lbPorts"] == [80, 443]


BAD = [
    (["--tls", "secret"],
     "--tls: 'secret' is not a TLS mode of --target loadbalancer (one of: none): a LoadBalancer Service passes TCP to the app, and nothing in the cluster reads a TLS Secret: end TLS at the load balancer (--cloud with --lb-cert) or in the app"),
    (["--tls", "self-signed"], "--tls: 'self-signed' is not a TLS mode of --target loadbalancer"),
    (["--tls-secret", "x"], "--tls-secret: only used with --tls secret or self-signed or files or cert-manager (the TLS mode is 'none')"),
    (["--lb-port", "0"], "--lb-port: 0 is out of range for a port number (1-65535)"),
    (["--lb-port", "65536"], "--lb-port: 65536 is out of range for a port number (1-65535)"),
    (["--lb-port", "http"], "--lb-port: 'http' is not a port number (1-65535)"),
    (["--lb-port", "80", "--lb-port", "80"], "--lb-port: 80 is given twice"),
    ([arg for port in range(1, 52) for arg in ("--lb-port", str(port))],
     "--lb-port: 51 ports: at most 50 (an AWS Network Load Balancer takes at most 50 listeners by default)"),
    (["--cloud", "gcp"], "--cloud: 'gcp' is not a cloud provider (one of: "),
    (["--lb-id", "lb-1"], "--lb-id: needs --cloud (the load balancer's provider)"),
    (["--lb-timeout", "600"], "--lb-timeout: needs --cloud (the load balancer's provider)"),
    (["--lb-cert", "x"], "--lb-cert: needs --cloud (the load balancer's provider)"),
    (["--cloud", "alibaba", "--lb-override-listeners"],
     "--lb-override-listeners: only with --lb-id (the listeners of an existing load balancer)"),
    (["--cloud", "alibaba", "--lb-id", "lb 1"], "--lb-id: 'lb 1' is not a load balancer ID"),
    (["--cloud", "aws", "--lb-id", "lb-1"],
     "--lb-id: --cloud aws: the AWS Load Balancer Controller makes its own NLB"),
    (["--cloud", "aws", "--lb-cert", "my-cert"],
     "--lb-cert: 'my-cert' is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"),
    (["--cloud", "alibaba-nlb", *NLB_ID, "--lb-cert", "1234"],
     "--lb-cert: the Alibaba Cloud NLB (loadBalancerClass alibabacloud.com/nlb) does not end TLS"),
    (["--cloud", "aws", "--lb-cert", ARN, "--lb-port", "80"],
     "--lb-port: with --lb-cert the load balancer ends TLS on port 443: add --lb-port 443"),
    (["--cloud", "alibaba", "--lb-timeout", "901"],
     "--lb-timeout: 901 s is outside the Alibaba CLB TCP listener's idle timeout range (10-900 s; Alibaba ACK CCM Service annotations: established-timeout)"),
    (["--cloud", "aws", "--lb-timeout", "59"],
     "--lb-timeout: 59 s is outside the AWS NLB TCP listener's idle timeout range (60-6000 s; "),
    (["--ingress-class", "nginx"], "--ingress-class: only used with --target ingress-nginx"),
    (["--sticky"], "--sticky: --target loadbalancer does not use it"),
    (["--gateway", "shared"], "--gateway: --target loadbalancer does not use it"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lbPorts: []\n", "wsgen.yaml: lbPorts: is an empty list: give one or more ports"),
        ("lbPorts: 8.5\n", "wsgen.yaml: lbPorts: a number (8.5) is not a list of ports"),
        ("lbPorts: ''\n", "wsgen.yaml: lbPorts: is an empty list: give one or more ports"),
        ("lbPorts: [80, true]\n", "wsgen.yaml: lbPorts: a boolean (true) is not a port number"),
        ("lbPorts:\n", "wsgen.yaml: lbPorts: has no value"),
        ("cloud: azure-ish\n", "wsgen.yaml: cloud: 'azure-ish' is not a cloud provider"),
    ],
)
def test_bad_values_file_entries_are_refused(
    text: str, message: str, wsgen, hermetic: Path
) -> None:
    (hermetic / "wsgen.yaml").write_text("target: loadbalancer\n" + text)
    refused(wsgen("render", "-f", "wsgen.yaml", "-o", "k8s"), message)


def test_bad_variable_and_other_targets_are_refused(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    refused(
        wsgen("render", "--lb-port", "80", "-o", "k8s"),
        "--lb-port: only used with --target loadbalancer (the target is 'ingress-nginx')",
    )
    refused(
        wsgen("render", "--target", "nginx", "--cloud", "aws", "-o", "k8s"),
        "--cloud: --target nginx does not use it",
    )
    monkeypatch.setenv("WSGEN_LB_PORTS", "80,x")
    refused(
        wsgen("render", *TARGET, "-o", "k8s"), "WSGEN_LB_PORTS: 'x' is not a port number (1-65535)"
    )


# --------------------------------------------------------------------------- the folder

FOLDERS = {
    "plain": [],
    "alibaba": [*BOTH, "--cloud", "alibaba", "--lb-id", "lb-bp1abc", "--lb-override-listeners"],
    "aws-cert": [*BOTH, "--cloud", "aws", "--lb-cert", ARN, "--timeout", "120"],
    "nlb": ["--cloud", "alibaba-nlb", *NLB_ID, "--timeout", "300", "--env", "MODE=tcp"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_builds_validates_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    result = wsgen("render", *TARGET, *FOLDERS[case], "-o", "k8s")
    assert result.code == 0, result.err
    folder = built(wsgen, hermetic / "k8s", tmp_path, "loadbalancer")
    assert folder.files == ["deployment.yaml", "kustomization.yaml", "service.yaml", "wsgen.yaml"]
    assert sorted(d["kind"] for d in folder.objects) == ["Deployment", "Service"]
    for doc in folder.objects:
        assert keys_in(doc) & LIVE_FIELDS == set()
    assert sorted(check_stream(yaml.safe_dump_all(folder.objects))) == ["Deployment", "Service"]
    again = folder.again
    assert again.err_lines[-1] == f"wsgen: {hermetic / 'k8s'}: up to date (4 files)"
    assert again.err_lines[:-1] == [line for line in result.err_lines if "created" not in line]


def test_switching_targets_names_what_is_left(wsgen) -> None:
    assert wsgen("render", "--target", "traefik", "--tls", "self-signed", "-o", "k8s").code == 0
    moved = wsgen(
        "render", "-f", "k8s/wsgen.yaml", *TARGET, "--tls", "none", "-o", "k8s", "--force"
    )
    assert moved.code == 0, moved.err
    left = [line for line in moved.err_lines if "from an earlier run" in line]
    assert left == [
        "wsgen: k8s/tls/tls.crt is from an earlier run and no longer used (left in place: "
        "delete it if nothing needs it)",
        "wsgen: k8s/tls/tls.key is from an earlier run and no longer used (left in place: "
        "delete it if nothing needs it)",
        "wsgen: k8s/create-tls-secret.sh is from an earlier run and no longer used (left in "
        "place: delete it if nothing needs it)",
        "wsgen: k8s/ingressroute.yaml is from an earlier run and no longer used (left in place; "
        "the cluster keeps what it made until: kubectl delete -f k8s/ingressroute.yaml)",
    ]
    assert service_of(docs(Path("k8s/service.yaml").read_text()))["spec"]["type"] == "LoadBalancer"
    # and back: the ClusterIP Service of ingress-nginx; the load balancer in front stays, now
    # the controller's Service (the chart's values)
    assert wsgen("render", "-f", "k8s/wsgen.yaml", *BOTH, "--cloud", "aws", "-o", "k8s",
                 "--force").code == 0  # fmt: skip
    back = wsgen("render", "-f", "k8s/wsgen.yaml", "--target", "ingress-nginx", "-o", "k8s",
                 "--force")  # fmt: skip
    assert back.code == 0, back.err
    assert service_of(docs(Path("k8s/service.yaml").read_text()))["spec"]["type"] == "ClusterIP"
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["cloud"] == "aws"
    assert Path("k8s/ingress-nginx-values.yaml").is_file()


def test_a_cluster_tls_folder_needs_tls_none_to_switch(wsgen) -> None:
    assert wsgen("render", "--tls", "secret", "-o", "k8s").code == 0
    refused(
        wsgen("render", "-f", "k8s/wsgen.yaml", *TARGET, "-o", "k8s", "--force"),
        "k8s/wsgen.yaml: tls.mode: 'secret' is not a TLS mode of --target loadbalancer",
        out="nothing-else",
    )


def test_the_example_is_up_to_date(wsgen) -> None:
    folder = EXAMPLES / "loadbalancer"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    assert result.err_lines[-1] == f"wsgen: {folder}: up to date (4 files)"
    service = service_of(docs((folder / "service.yaml").read_text()))
    assert [p["port"] for p in service["spec"]["ports"]] == [80, 443]
    assert service["metadata"]["annotations"][ALIBABA + "id"] == "lb-bp1example0000000000"
    assert service["metadata"]["annotations"][ALIBABA + "established-timeout"] == "900"


# --------------------------------------------------------------------------- init


def test_init_asks_the_ports_after_tls_none_and_writes_what_render_writes(
    wsgen, hermetic: Path
) -> None:
    answers: list[str | bool | None] = ["loadbalancer", *[None] * 7, "80, 443", None, True]
    asker = Scripted(*answers)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked[0] == "Target"
    common = [question for question in ALL_QUESTIONS if question != "TLS"]
    assert asker.asked[1 : len(common) + 1] == common
    assert asker.asked[-3:] == ["Load balancer ports", "Output folder", asker.asked[-1]]
    assert asker.offered["Load balancer ports"] == "80"
    assert (
        "TLS: none (a LoadBalancer Service passes TCP to the app, and nothing in the cluster "
        "reads a TLS Secret)"
    ) in asker.said
    assert any("load balancer ports" in line and "80, 443 -> container port 3000" in line
               for line in asker.said)  # fmt: skip
    assert "note: " + NO_CLOUD_NOTE.removeprefix("wsgen: ") in asker.said
    rendered = wsgen("render", *TARGET, *BOTH, "-o", "rendered")
    assert rendered.code == 0, rendered.err
    for name in ("deployment.yaml", "service.yaml", "kustomization.yaml", "wsgen.yaml"):
        assert (hermetic / "k8s" / name).read_bytes() == (hermetic / "rendered" / name).read_bytes()


def test_init_offers_443_with_a_certificate(hermetic: Path) -> None:
    from wsgen import model

    layer = model.flags_layer({"target": "loadbalancer", "cloud": "aws", "lbCert": ARN})
    asker = Scripted(*[None] * 7, "443,80", None, True)
    result = wizard.run([(layer, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.offered["Load balancer ports"] == "443"
    service = service_of(docs((hermetic / "k8s" / "service.yaml").read_text()))
    assert [p["port"] for p in service["spec"]["ports"]] == [443, 80]
    assert "test:  wsgen probe wss://ADDRESS:443/" in result.notes


def test_one_port_in_a_values_file_needs_no_list(wsgen, hermetic: Path) -> None:
    Path("v.yaml").write_text("target: loadbalancer\nlbPorts: 8443\n")
    assert ports_of(wsgen("render", "-f", "v.yaml")) == [8443]
