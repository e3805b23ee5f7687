"""--target aws-alb: the stream (golden files), the ALB's annotations, the idle arithmetic (a
--timeout above the ALB's 4000 s gives 4000 s, one stderr line and the ping interval; one inside
1-4000 gives exactly the request), the ACM certificate by ARN and the refusal of every TLS mode
that needs a Kubernetes Secret, --sticky as target-group stickiness, the folder (kubectl
kustomize, --check), init, the example, and what `wsgen lint` (rule WS701, which reads the ALB's
idle attribute) makes of the output. Core objects are checked against Kubernetes' schemas; an
ALB Ingress has no custom resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_kubernetes import built, check_stream
from test_target_istio import docs
from test_wizard import ALL_QUESTIONS, Scripted, run
from wsgen import cloud, wizard
from wsgen.targets import TARGETS
from wsgen.targets.base import STICKY_TTL_SECONDS

TARGET = ("--target", "aws-alb")
ALB_GOLDEN = GOLDEN / "aws-alb"
ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/aws-alb/<name>.yaml
    "plain": [],
    "acm": [*CHAT, "--certificate-arn", ARN],
    "sticky-internal": [*CHAT, "--sticky", "--replicas", "3", "--alb-scheme", "internal",
                        "--host", "*.chat.example.com"],
    "capped": [*CHAT, "--timeout", "10h", "--certificate-arn", ARN],
}  # fmt: skip
PREFIX = "alb.ingress.kubernetes.io/"


def capped_note(asked: int, url: str = "wss://chat.example.com/ws") -> str:
    return (
        "wsgen: --target aws-alb: the AWS ALB's idle timeout is at most 4000 s (range 1-4000 s): "
        f"set to 4000 s, not the {asked} s asked; the app must send a WebSocket ping at least "
        f"every 2000 s (check: wsgen probe --ping-interval 2000 {url})"
    )


def golden(name: str) -> list[dict]:
    return docs((ALB_GOLDEN / f"{name}.yaml").read_text())


def ingress_of(objects: list[dict]) -> dict:
    return next(doc for doc in objects if doc["kind"] == "Ingress")


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, ALB_GOLDEN / f"{name}.yaml", update_golden)
    assert result.err_lines == ([capped_note(36000)] if name == "capped" else [])


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_object_is_valid(name: str, wsgen) -> None:
    """Core objects against Kubernetes' OpenAPI schema (strict), for the oldest and newest
    version kubernetes-validate knows."""
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    assert check_stream(result.out) == ["Deployment", "Service", "Ingress"]


def test_the_ingress_is_of_class_alb_with_the_albs_annotations() -> None:
    plain = golden("plain")
    service, ingress = plain[1:]
    assert service["spec"]["type"] == "ClusterIP"  # target-type ip: no NodePort needed
    assert "annotations" not in service["metadata"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert "tls" not in ingress["spec"]  # the ALB reads no Secret
    assert ingress["metadata"]["annotations"] == {
        PREFIX + "scheme": "internet-facing",  # the controller's own default is internal
        PREFIX + "target-type": "ip",
        PREFIX + "listen-ports": '[{"HTTP": 80}]',
        PREFIX + "load-balancer-attributes": "idle_timeout.timeout_seconds=3600",
    }
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path == {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": "websocket-server", "port": {"number": 3000}}},
    }


def test_an_acm_certificate_ends_tls_at_the_alb() -> None:
    annotations = ingress_of(golden("acm"))["metadata"]["annotations"]
    assert json.loads(annotations[PREFIX + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations[PREFIX + "certificate-arn"] == ARN
    assert annotations[PREFIX + "ssl-redirect"] == "443"


def test_sticky_is_target_group_stickiness_for_a_day() -> None:
    ingress = ingress_of(golden("sticky-internal"))
    annotations = ingress["metadata"]["annotations"]
    assert annotations[PREFIX + "target-group-attributes"] == (
        f"stickiness.enabled=true,stickiness.lb_cookie.duration_seconds={STICKY_TTL_SECONDS}"
    )
    assert annotations[PREFIX + "target-type"] == "ip"  # which ALB stickiness needs
    assert annotations[PREFIX + "scheme"] == "internal"
    assert ingress["spec"]["rules"][0]["host"] == "*.chat.example.com"


@pytest.mark.parametrize(
    ("timeout", "written"),
    [("1", 1), ("60", 60), ("3700", 3700), ("4000", 4000), ("4001", 4000), ("10h", 4000)],
)
def test_the_idle_timeout_is_the_request_up_to_the_albs_4000_s(
    timeout: str, written: int, wsgen
) -> None:
    result = wsgen("render", *TARGET, "--timeout", timeout)
    assert result.code == 0, result.err
    annotations = ingress_of(docs(result.out))["metadata"]["annotations"]
    assert annotations[PREFIX + "load-balancer-attributes"] == (
        f"idle_timeout.timeout_seconds={written}"
    )
    asked = 36000 if timeout == "10h" else int(timeout)
    if asked > 4000:
        assert result.err_lines == [capped_note(asked, "ws://test.example.com/")]
    else:
        assert result.err_lines == []


ARN_RULE = "is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"
ACM_ONLY = (
    "an AWS ALB cannot use a Kubernetes Secret (it takes certificates from ACM only): give "
    "--tls none and the certificate's ARN with --certificate-arn"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        *[(["--tls", mode, *extra], f"--tls: {mode!r} is not a TLS mode of --target aws-alb "
           f"(one of: none): {ACM_ONLY}")
          for mode, extra in [("self-signed", []), ("secret", []),
                              ("files", ["--cert", "c.pem", "--key", "k.pem"]),
                              ("cert-manager", ["--issuer", "le"])]],
        (["--certificate-arn", "arn:aws:acm:eu-west-1:1234:certificate/x"],
         f"--certificate-arn: 'arn:aws:acm:eu-west-1:1234:certificate/x' {ARN_RULE}"),
        (["--certificate-arn", "my-cert"], f"--certificate-arn: 'my-cert' {ARN_RULE}"),
        (["--alb-scheme", "public"], "--alb-scheme: 'public' is not an ALB scheme"),
        (["--ingress-class", "alb"],
         "--ingress-class: only used with --target ingress-nginx (the target is 'aws-alb')"),
        (["--entrypoint", "web"],
         "--entrypoint: only used with --target traefik (the target is 'aws-alb')"),
        (["--timeout", "0"], "--timeout: "),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


def test_its_options_are_refused_on_other_targets_and_read_from_the_environment(
    wsgen, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = wsgen("render", "--certificate-arn", ARN)
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: --certificate-arn: only used with --target aws-alb (the target is "
        "'ingress-nginx')"
    ]
    monkeypatch.setenv("WSGEN_CERTIFICATE_ARN", ARN)
    monkeypatch.setenv("WSGEN_ALB_SCHEME", "internal")
    variable = wsgen("render", *TARGET)
    assert variable.code == 0, variable.err
    annotations = ingress_of(docs(variable.out))["metadata"]["annotations"]
    assert annotations[PREFIX + "certificate-arn"] == ARN
    assert annotations[PREFIX + "scheme"] == "internal"


FOLDERS = {
    "plain": [],
    "acm-internal-sticky": ["--certificate-arn", ARN, "--alb-scheme", "internal", "--sticky"],
    "capped": ["--timeout", "5000"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_builds_validates_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    result = wsgen("render", *TARGET, *FOLDERS[case], "-o", "k8s")
    assert result.code == 0, result.err
    folder = built(wsgen, hermetic / "k8s", tmp_path, "aws-alb")
    assert folder.files == [
        "deployment.yaml", "ingress.yaml", "kustomization.yaml", "service.yaml", "wsgen.yaml",
    ]  # fmt: skip
    assert sorted(d["kind"] for d in folder.objects) == ["Deployment", "Ingress", "Service"]
    check_stream(yaml.safe_dump_all(folder.objects))
    values = folder.values
    assert values["tls"] == {"mode": "none"}
    if case == "acm-internal-sticky":
        assert (values["certificateArn"], values["albScheme"], values["sticky"]) == (
            ARN,
            "internal",
            True,
        )
    else:
        assert "certificateArn" not in values and "albScheme" not in values
    if case == "capped":  # the note comes with every run, a --check too
        assert folder.again.err_lines[0] == capped_note(5000, "ws://test.example.com/")


def test_lint_finds_the_albs_idle_timeout_where_wsgen_wrote_it(wsgen, hermetic: Path) -> None:
    """WS701 reads the ALB's idle attribute: the output passes, a 30 s one is caught."""
    for timeout, code in (("3600", 0), ("10h", 0), ("30", 1)):
        rendered = wsgen("render", *TARGET, "--timeout", timeout)
        Path("alb.yaml").write_text(rendered.out)
        linted = wsgen("lint", "alb.yaml")
        assert linted.code == code, linted.out + linted.err
        assert ("WS701" in linted.out) == (code == 1)


def test_the_example_is_up_to_date(wsgen) -> None:
    folder = EXAMPLES / "aws-alb"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    assert result.err_lines == [f"wsgen: {folder}: up to date (5 files)"]
    ingress = ingress_of(docs((folder / "ingress.yaml").read_text()))
    assert PREFIX + "certificate-arn" in ingress["metadata"]["annotations"]


ARN_QUESTION = "ACM certificate ARN (empty: plain ws:// on port 80)"


def test_init_asks_for_a_certificate_and_takes_it(wsgen, hermetic: Path) -> None:
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d"
    asker = Scripted("aws-alb", *[None] * 7, "arn:aws:iam::1:x", arn, None, None, True)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.errors[0].startswith("'arn:aws:iam::1:x' is not an ACM certificate ARN")
    ingress = yaml.safe_load((hermetic / "k8s/ingress.yaml").read_text())
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/certificate-arn"] == arn


def test_init_asks_the_scheme_and_says_why_tls_is_none(wsgen, hermetic: Path) -> None:
    asker = Scripted("aws-alb", *[None] * 7, None, "internal", None, True)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked[0] == "Target"
    common = [question for question in ALL_QUESTIONS if question != "TLS"]
    assert asker.asked[1 : len(common) + 1] == common
    # the certificate left empty: plain ws:// on port 80
    assert asker.asked[-4:] == [ARN_QUESTION, "ALB scheme", "Output folder", asker.asked[-1]]
    assert asker.offered[ARN_QUESTION] == ""
    assert asker.offered["ALB scheme"] == "internet-facing"
    assert (
        "TLS: none (an AWS ALB cannot use a Kubernetes Secret (it takes certificates from ACM "
        "only))" in asker.said
    )
    assert any("ALB idle" in line and "3600 s (1-4000 s)" in line for line in asker.said)
    rendered = wsgen("render", *TARGET, "--alb-scheme", "internal", "-o", "rendered")
    assert rendered.code == 0, rendered.err
    for name in ("deployment.yaml", "service.yaml", "ingress.yaml", "wsgen.yaml"):
        assert (hermetic / "k8s" / name).read_bytes() == (hermetic / "rendered" / name).read_bytes()


@pytest.mark.parametrize("target", ["aws-alb", "gke"])
def test_the_cloud_l7_targets_take_no_cloud_in_front(target: str, wsgen, hermetic: Path) -> None:
    """The ALB and GKE's load balancer are the cloud load balancer: --cloud and its options are
    not theirs, and a values file that names one is refused on one line, nothing written."""
    assert not cloud.KEYS & TARGETS[target].uses
    (hermetic / "wsgen.yaml").write_text(f"target: {target}\ncloud: aws\n")
    result = wsgen("render", "-f", "wsgen.yaml", "-o", "k8s")
    refused(result, "wsgen.yaml: cloud: ")


def test_a_health_path_is_the_target_groups_health_check(wsgen) -> None:
    result = wsgen("render", *TARGET, "--health-path", "/healthz", "-o", "k8s")
    assert result.code == 0, result.err
    ingress = yaml.safe_load(Path("k8s/ingress.yaml").read_text())
    assert (
        ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/healthcheck-path"]
        == "/healthz"
    )
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["healthPath"] == "/healthz"
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0
    without = yaml.safe_load(wsgen("render", *TARGET).out.split("---\n")[-1])
    assert "alb.ingress.kubernetes.io/healthcheck-path" not in without["metadata"]["annotations"]


def test_init_without_a_terminal_leaves_the_certificate_out(hermetic: Path) -> None:
    """The certificate question is optional: --defaults answers it with nothing."""
    run(None, "--target", "aws-alb", defaults=True, out="k8s")
    assert "certificateArn" not in yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
