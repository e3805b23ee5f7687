"""--target gke: the stream (golden files), the Ingress of class gce (by annotation), the
BackendConfig and the Service annotations that link it, the warning on every render that
timeoutSec is a lifetime on GKE, --timeout written exactly, --sticky as GENERATED_COOKIE, TLS
from a Secret (secret, self-signed, files) or cert-manager, the folder (kubectl kustomize,
--check), leftovers, init, the example, and what `wsgen lint` (WS701, which follows the
Service's backend-config annotation to the BackendConfig) makes of the output.

Core objects are checked against Kubernetes' schemas. The BackendConfig has no published CRD
schema in a package registry that says more than field types (npm's @kubernetes-models/gke is a
compiled validator that accepts unknown fields): it is checked here against a schema written
from ingress-gce's Go types (pkg/apis/backendconfig/v1/types.go) for the fields wsgen writes,
with the Compute Engine API's ranges, unknown fields refused."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_kubernetes import TLS_FILES, TLS_FOLDERS, built, check_stream, user_pair
from test_target_istio import docs
from test_wizard import ALL_QUESTIONS, Scripted
from wsgen import wizard
from wsgen.targets.base import STICKY_TTL_SECONDS

TARGET = ("--target", "gke")
GKE_GOLDEN = GOLDEN / "gke"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/gke/<name>.yaml
    "plain": [],
    "secret": [*CHAT, "--tls", "secret", "--tls-secret", "chat-cert"],
    "cert-manager": [*CHAT, "--tls", "cert-manager", "--issuer", "ca", "--issuer-kind", "Issuer"],
    "sticky": [*CHAT, "--sticky", "--replicas", "3", "--host", "*.chat.example.com",
               "--timeout", "24h"],
}  # fmt: skip

_SECONDS = {"type": "integer", "format": "int64"}
# BackendConfig (cloud.google.com/v1) as ingress-gce's Go types declare it, for what wsgen writes:
# spec.timeoutSec (*int64; the backend service takes 1 to 2147483647) and spec.sessionAffinity
# (affinityType string, affinityCookieTtlSec *int64; the API takes 0 to 1209600 s).
BACKEND_CONFIG = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"enum": ["cloud.google.com/v1"]},
        "kind": {"enum": ["BackendConfig"]},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "timeoutSec": {**_SECONDS, "minimum": 1, "maximum": 2_147_483_647},
                "sessionAffinity": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "affinityType": {"enum": ["CLIENT_IP", "GENERATED_COOKIE"]},
                        "affinityCookieTtlSec": {**_SECONDS, "minimum": 0, "maximum": 1_209_600},
                    },
                },
                # HealthCheckConfig: checkIntervalSec, timeoutSec, healthyThreshold,
                # unhealthyThreshold (*int64), type, requestPath (*string), port (*int64)
                "healthCheck": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "type": {"enum": ["HTTP", "HTTPS", "HTTP2"]},
                        "requestPath": {"type": "string", "pattern": "^/"},
                        "port": {**_SECONDS, "minimum": 1, "maximum": 65535},
                        **{
                            name: _SECONDS
                            for name in (
                                "checkIntervalSec",
                                "timeoutSec",
                                "healthyThreshold",
                                "unhealthyThreshold",
                            )
                        },
                    },
                },
            },
        },
    },
}


def lifetime_note(seconds: int = 3600) -> str:
    return (
        f"wsgen: --target gke: timeoutSec {seconds} s bounds the whole WebSocket on GKE, not its "
        "idle time: the load balancer closes every WebSocket that long after it opened, busy or "
        "idle; clients must reconnect"
    )


def golden(name: str) -> list[dict]:
    return docs((GKE_GOLDEN / f"{name}.yaml").read_text())


def of_kind(objects: list[dict], kind: str) -> dict:
    return next(doc for doc in objects if doc["kind"] == kind)


def check_gke_stream(text: str) -> list[str]:
    """Core objects through kubernetes-validate (check_stream), the BackendConfig against the
    schema above. The kinds, in order."""
    objects = [doc for doc in yaml.safe_load_all(text) if doc]
    for doc in objects:
        if doc["kind"] == "BackendConfig":
            jsonschema.Draft4Validator(BACKEND_CONFIG).validate(doc)
    core = [doc for doc in objects if doc["kind"] != "BackendConfig"]
    check_stream(yaml.safe_dump_all(core))
    return [doc["kind"] for doc in objects]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, GKE_GOLDEN / f"{name}.yaml", update_golden)
    assert result.err_lines == [lifetime_note(86400 if name == "sticky" else 3600)]


@pytest.mark.parametrize("name", [*sorted(STREAMS), "self-signed"])
def test_every_object_is_valid(name: str, wsgen) -> None:
    args = ["--tls", "self-signed"] if name == "self-signed" else STREAMS[name]
    result = wsgen("render", *TARGET, *args)
    assert result.code == 0, result.err
    secret = ["Secret"] if name == "self-signed" else []
    assert check_gke_stream(result.out) == [
        "Deployment", "Service", *secret, "Ingress", "BackendConfig",
    ]  # fmt: skip


def test_the_backend_config_check_is_not_vacuous() -> None:
    """A misspelt field, a string timeout, a TTL beyond two weeks, an unknown affinity type."""
    config = of_kind(golden("sticky"), "BackendConfig")
    jsonschema.Draft4Validator(BACKEND_CONFIG).validate(config)
    for path, bad in [
        (("timeoutSecs",), 3600),
        (("timeoutSec",), "3600"),
        (("timeoutSec",), 0),
        (("sessionAffinity", "affinityCookieTtlSec"), 1_209_601),
        (("sessionAffinity", "affinityType"), "COOKIE"),
    ]:
        broken = yaml.safe_load(yaml.safe_dump(config))
        node = broken["spec"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = bad
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft4Validator(BACKEND_CONFIG).validate(broken)


def test_class_by_annotation_and_the_service_names_the_backend_config() -> None:
    """GKE's controller reads kubernetes.io/ingress.class, never spec.ingressClassName (an
    Ingress that sets the field is left to another controller); a ClusterIP Service reaches
    GKE's load balancer through network endpoint groups."""
    service, ingress, config = golden("plain")[1:]
    assert ingress["metadata"]["annotations"] == {"kubernetes.io/ingress.class": "gce"}
    assert "ingressClassName" not in ingress["spec"]
    assert "tls" not in ingress["spec"]
    assert service["spec"]["type"] == "ClusterIP"
    annotations = service["metadata"]["annotations"]
    assert json.loads(annotations["cloud.google.com/neg"]) == {"ingress": True}
    assert json.loads(annotations["cloud.google.com/backend-config"]) == {
        "default": config["metadata"]["name"]
    }
    assert (config["apiVersion"], config["metadata"]["namespace"]) == (
        "cloud.google.com/v1",
        service["metadata"]["namespace"],
    )
    assert config["spec"] == {"timeoutSec": 3600}


@pytest.mark.parametrize("timeout", ["1", "30", "3700", "86400", "596h"])
def test_timeout_sec_is_exactly_the_request(timeout: str, wsgen) -> None:
    """GKE's backend service takes 1 to 2147483647 s: every --timeout fits, nothing is capped,
    and the note says it is a lifetime."""
    result = wsgen("render", *TARGET, "--timeout", timeout)
    assert result.code == 0, result.err
    seconds = 596 * 3600 if timeout == "596h" else int(timeout)
    assert of_kind(docs(result.out), "BackendConfig")["spec"]["timeoutSec"] == seconds
    assert result.err_lines == [lifetime_note(seconds)]


def test_sticky_is_googles_generated_cookie_for_a_day() -> None:
    config = of_kind(golden("sticky"), "BackendConfig")
    assert config["spec"] == {
        "timeoutSec": 86400,
        "sessionAffinity": {
            "affinityType": "GENERATED_COOKIE",
            "affinityCookieTtlSec": STICKY_TTL_SECONDS,
        },
    }
    assert of_kind(golden("sticky"), "Ingress")["spec"]["rules"][0]["host"] == "*.chat.example.com"


def test_tls_is_a_secret_in_spec_tls_or_cert_managers() -> None:
    secret = of_kind(golden("secret"), "Ingress")
    assert secret["spec"]["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-cert"}]
    managed = of_kind(golden("cert-manager"), "Ingress")
    assert managed["metadata"]["annotations"] == {
        "kubernetes.io/ingress.class": "gce",
        "cert-manager.io/issuer": "ca",  # ingress-shim makes the Certificate for spec.tls
        # the HTTP-01 challenge on this Ingress (its own load balancer)
        "acme.cert-manager.io/http01-edit-in-place": "true",
    }
    assert managed["spec"]["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-tls"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ingress-class", "gce"],
         "--ingress-class: only used with --target ingress-nginx (the target is 'gke')"),
        (["--certificate-arn", "arn:aws:acm:eu-west-1:123456789012:certificate/x"],
         "--certificate-arn: only used with --target aws-alb (the target is 'gke')"),
        (["--entrypoint", "web"],
         "--entrypoint: only used with --target traefik (the target is 'gke')"),
        (["--tls", "files"], "--cert (values key tls.cert): required with --tls files"),
        (["--timeout", "0"], "--timeout: "),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


FOLDERS = {
    **TLS_FOLDERS,
    "sticky": ["--sticky", "--tls", "secret", "--timeout", "2h"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_builds_validates_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    user_pair(hermetic)
    result = wsgen("render", *TARGET, *FOLDERS[case], "-o", "k8s")
    assert result.code == 0, result.err
    assert lifetime_note(7200 if case == "sticky" else 3600) in result.err_lines
    folder = built(wsgen, hermetic / "k8s", tmp_path, "gke")
    extra = {
        **TLS_FILES,
    }.get(case, [])
    assert folder.files == sorted([
        "backendconfig.yaml", "deployment.yaml", "ingress.yaml", "kustomization.yaml",
        "service.yaml", "wsgen.yaml", *extra,
    ])  # fmt: skip
    want = ["BackendConfig", "Deployment", "Ingress", "Service"]
    want += ["Secret"] if case == "self-signed" else []
    assert sorted(d["kind"] for d in folder.objects) == sorted(want)
    check_gke_stream(yaml.safe_dump_all(folder.objects))
    assert folder.values.get("sticky", False) == (case == "sticky")


def test_leaving_gke_names_the_backend_config_left_behind(wsgen) -> None:
    assert wsgen("render", *TARGET, "-o", "k8s").code == 0
    moved = wsgen("render", "-f", "k8s/wsgen.yaml", "--target", "aws-alb", "-o", "k8s", "--force")
    assert moved.code == 0, moved.err
    assert (
        "wsgen: k8s/backendconfig.yaml is from an earlier run and no longer used (left in place; "
        "the cluster keeps what it made until: kubectl delete -f k8s/backendconfig.yaml)"
    ) in moved.err_lines
    service = docs(Path("k8s/service.yaml").read_text())[0]
    assert "annotations" not in service["metadata"]  # the ALB's Service names no BackendConfig


def test_lint_follows_the_service_to_the_backend_config(wsgen, hermetic: Path) -> None:
    """WS701 finds the BackendConfig through the Service's annotation, as GKE does: wsgen's
    output passes, and a 30 s timeoutSec (GKE's default) is caught."""
    for timeout, code in (("3600", 0), ("30", 1)):
        rendered = wsgen("render", *TARGET, "--timeout", timeout)
        Path("gke.yaml").write_text(rendered.out)
        linted = wsgen("lint", "gke.yaml")
        assert linted.code == code, linted.out + linted.err
        assert ("timeoutSec 30 for Service websocket-server" in linted.out) == (code == 1)


def test_the_example_is_up_to_date(wsgen) -> None:
    folder = EXAMPLES / "gke"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    assert result.err_lines == [lifetime_note(86400), f"wsgen: {folder}: up to date (6 files)"]


def test_init_says_timeout_sec_is_a_lifetime(wsgen, hermetic: Path) -> None:
    asker = Scripted("gke", *[None] * 6, "7200", "secret", None, None, True)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    *asked, _confirm = asker.asked
    assert asked == ["Target", *ALL_QUESTIONS, "TLS Secret name", "Output folder"]
    assert any("default 30, ends every WebSocket after that long" in line for line in asker.said)
    assert any("timeoutSec" in line and "7200 s: the longest" in line for line in asker.said)
    assert "note: " + lifetime_note(7200).removeprefix("wsgen: ") in asker.said
    rendered = wsgen("render", *TARGET, "--timeout", "7200", "--tls", "secret", "-o", "rendered")
    assert rendered.code == 0, rendered.err
    for name in ("deployment.yaml", "service.yaml", "ingress.yaml", "backendconfig.yaml"):
        assert (hermetic / "k8s" / name).read_bytes() == (hermetic / "rendered" / name).read_bytes()


def test_a_health_path_is_the_backend_configs_health_check(wsgen) -> None:
    """GKE's health check asks GET / for a 200 unless told: --health-path makes it an HTTP check
    of that path on the container port, recorded in wsgen.yaml."""
    result = wsgen("render", *TARGET, "--port", "8080", "--health-path", "/healthz", "-o", "k8s")
    assert result.code == 0, result.err
    config = yaml.safe_load(Path("k8s/backendconfig.yaml").read_text())
    assert config["spec"]["healthCheck"] == {
        "type": "HTTP",
        "requestPath": "/healthz",
        "port": 8080,
    }
    jsonschema.Draft4Validator(BACKEND_CONFIG).validate(config)
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["healthPath"] == "/healthz"
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0
    refused(
        wsgen("render", *TARGET, "--health-path", "healthz", "-o", "bad"),
        "--health-path:",
        out="bad",
    )


def test_cert_manager_solves_the_challenge_on_this_ingress(wsgen) -> None:
    """On GKE a solver Ingress of its own gets another load balancer (and address): cert-manager
    edits this one in place instead."""
    result = wsgen("render", *TARGET, "--tls", "cert-manager", "--issuer", "le")
    assert result.code == 0, result.err
    ingress = of_kind(docs(result.out), "Ingress")
    assert ingress["metadata"]["annotations"]["acme.cert-manager.io/http01-edit-in-place"] == "true"
    plain = of_kind(docs(wsgen("render", *TARGET, "--tls", "secret").out), "Ingress")
    assert "acme.cert-manager.io/http01-edit-in-place" not in plain["metadata"]["annotations"]
