"""wsgen render --target nginx-gateway-fabric: the YAML stream (golden files), every custom
resource against NGINX Gateway Fabric's and Gateway API's own CRDs (schema and CEL), the core
objects against Kubernetes' schemas, every folder through `kubectl kustomize` and `--check`,
NGF's 4-digit durations (a property test: never shorter than --timeout, exact where a unit
holds it), --sticky, bad input, and `wsgen init`.
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import crds
import live
from conftest import EXAMPLES, GOLDEN, matches_golden
from test_kubernetes import VERSIONS, kustomize
from test_tls import load, make_pair, mode_of, same_key, sans
from test_wizard import ALL_QUESTIONS, APP, Scripted, run, tree
from wsgen import model, wizard
from wsgen.model import MAX_TIMEOUT_SECONDS
from wsgen.targets.nginx_gateway_fabric.render import duration

TARGET = ("--target", "nginx-gateway-fabric")
NGF_GOLDEN = GOLDEN / "nginx-gateway-fabric"
EXAMPLE = EXAMPLES / "nginx-gateway-fabric"
NGF = "gateway.nginx.org/v1alpha1"
STICKY_NOTE = (
    "wsgen: --sticky: NGINX Gateway Fabric open source has no cookie affinity; the "
    "UpstreamSettingsPolicy's ip_hash keeps a client on one pod by its address, not a cookie: "
    "clients behind one NAT (or in one IPv4 /24: ip_hash reads 3 octets) share a pod, a client "
    "whose address changes loses its pod"
)

# golden file -> the render arguments
CASES = {
    "plain": [],
    "tls-secret": [
        "--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws",
        "--port", "8080", "--timeout", "1h", "--tls", "secret", "--tls-secret", "chat-tls",
    ],
    "tls-cert-manager": ["--tls", "cert-manager", "--issuer", "letsencrypt"],
    "tls-cert-manager-issuer": [
        "--tls", "cert-manager", "--issuer", "ca", "--issuer-kind", "Issuer",
        "--gateway-class", "nginx-internal",
    ],
    "sticky": ["--sticky", "--replicas", "3", "--timeout", "10h", "--path", "/socket.io"],
    "gateway-existing": ["--gateway", "shared", "--timeout", "90s"],
    "gateway-other-namespace": ["--gateway", "shared", "--gateway-namespace", "infra"],
    "timeout-rounded-up": ["--timeout", "10h0m1s"],
}  # fmt: skip

Doc = dict[str, Any]


def docs(text: str) -> list[Doc]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def by_kind(text: str) -> dict[str, Doc]:
    found = docs(text)
    result = {d["kind"]: d for d in found}
    assert len(result) == len(found), "one object of each kind"
    return result


def render(wsgen, *args: str):  # type: ignore[no-untyped-def]
    result = wsgen("render", *TARGET, *args)
    assert result.code == 0, result.err
    return result


def seconds_of(value: str) -> float:
    """What NGF (nginx) reads a Duration as: digits and a unit, no unit = seconds."""
    match = re.fullmatch(r"([0-9]+)(ms|s|m|h)?", value)
    assert match, value
    number, unit = int(match[1]), match[2] or "s"
    return number * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def crd_pattern(kind: str, *path: str) -> str:
    """The `pattern` NGF's own CRD declares at spec.<path> of `kind`'s served version."""
    crd = crds.crd_for(NGF, kind)
    assert crd is not None, f"no CRD for {kind}"
    (version,) = [v for v in crd["spec"]["versions"] if v["served"] and v["name"] == "v1alpha1"]
    node = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    for key in path:
        node = node["properties"][key]
    return str(node["pattern"])


# --------------------------------------------------------------------------- the stream


@pytest.mark.parametrize("case", sorted(CASES))
def test_stream_golden(case: str, wsgen, update_golden: bool) -> None:
    result = render(wsgen, *CASES[case])
    matches_golden(result.out, NGF_GOLDEN / f"{case}.yaml", update_golden)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_custom_resource_is_valid_against_the_crds(case: str, wsgen) -> None:
    result = render(wsgen, *CASES[case])
    crds.check_all(result.out)
    kinds = [d["kind"] for d in docs(result.out)]
    custom = [k for k in kinds if k not in ("Deployment", "Service")]
    assert custom == [
        *(["Gateway"] if "--gateway" not in CASES[case] else []),
        "HTTPRoute",
        "ProxySettingsPolicy",
        *(["UpstreamSettingsPolicy"] if "--sticky" in CASES[case] else []),
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", [*sorted(CASES), "tls-self-signed"])
def test_core_objects_validate(case: str, version: str, wsgen) -> None:
    args = CASES.get(case, ["--tls", "self-signed"])
    core = [d for d in docs(render(wsgen, *args).out) if crds.is_builtin(d)]
    assert sorted(d["kind"] for d in core) == sorted(
        ["Deployment", "Service", *(["Secret"] if case == "tls-self-signed" else [])]
    )
    for doc in core:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_crds_refuse_what_ngf_cannot_read(wsgen) -> None:
    """The oracle is not blind: NGF's CRD refuses 5 digits, HTTPRoute as an upstream target, a
    wss:// backend is not written, and the policy targets the route wsgen writes."""
    policies = by_kind(render(wsgen, "--sticky").out)
    proxy, upstream = policies["ProxySettingsPolicy"], policies["UpstreamSettingsPolicy"]
    assert crds.problems(proxy) == []
    proxy["spec"]["timeout"]["read"] = "36000s"
    assert any("timeout.read" in p for p in crds.problems(proxy))
    upstream["spec"]["targetRefs"][0]["kind"] = "HTTPRoute"
    assert crds.problems(upstream) != []


def test_what_the_objects_say(wsgen) -> None:
    objects = by_kind(render(wsgen, "--timeout", "3600", "--path", "/ws").out)
    port = objects["Service"]["spec"]["ports"][0]
    assert port["appProtocol"] == "kubernetes.io/ws"
    assert objects["Gateway"]["spec"]["gatewayClassName"] == "nginx"
    proxy = objects["ProxySettingsPolicy"]
    assert proxy["apiVersion"] == NGF
    assert proxy["spec"] == {
        "targetRefs": [
            {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "websocket-server"}
        ],
        "timeout": {"read": "3600s", "send": "3600s"},
    }
    route = objects["HTTPRoute"]["spec"]
    rule = route["rules"][0]
    # NGF ignores an HTTPRoute's timeouts; sessionPersistence is NGINX Plus only: neither is written
    assert set(rule) == {"matches", "backendRefs"}
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/ws"}}]
    assert route["parentRefs"] == [{"name": "websocket-server"}]
    assert "UpstreamSettingsPolicy" not in objects


def test_sticky_is_an_upstream_policy_on_the_service_and_said_to_be_by_address(wsgen) -> None:
    result = render(wsgen, "--sticky", "--name", "chat")
    upstream = by_kind(result.out)["UpstreamSettingsPolicy"]
    assert upstream["apiVersion"] == NGF
    assert upstream["spec"] == {
        "targetRefs": [{"group": "", "kind": "Service", "name": "chat"}],
        "loadBalancingMethod": "ip_hash",
    }
    assert result.err_lines == [STICKY_NOTE]
    assert "sessionPersistence" not in result.out


def test_exact_timeouts_say_nothing_and_rounded_ones_say_so(wsgen) -> None:
    def policy(timeout: str) -> tuple[str, list[str]]:
        result = render(wsgen, "--timeout", timeout)
        spec = by_kind(result.out)["ProxySettingsPolicy"]["spec"]["timeout"]
        assert spec["read"] == spec["send"]
        return spec["read"], result.err_lines

    assert policy("9999") == ("9999s", [])
    assert policy("10h") == ("600m", [])  # 36000 s: 5 digits in seconds
    assert policy("10020") == ("167m", [])
    assert policy("9999m") == ("9999m", [])
    assert policy("600000")[0] == "167h"  # 10000m has 5 digits, 166.67 h is not whole: rounded
    assert policy("500h") == ("500h", [])
    assert policy("10h0m1s") == (
        "601m",
        [
            "wsgen: --timeout 36001 s has no exact NGINX Gateway Fabric duration (at most 4 "
            "digits: 9999s, 9999m, 9999h): the ProxySettingsPolicy says 601m (36060 s), "
            "rounded up"
        ],
    )
    written, said = policy(str(MAX_TIMEOUT_SECONDS))  # 596h31m23s
    assert written == "597h"
    assert said == [
        f"wsgen: --timeout {MAX_TIMEOUT_SECONDS} s has no exact NGINX Gateway Fabric duration "
        "(at most 4 digits: 9999s, 9999m, 9999h): the ProxySettingsPolicy says 597h "
        "(2149200 s), rounded up"
    ]


def test_self_signed_stream_carries_the_secret_the_listener_names(wsgen) -> None:
    result = render(wsgen, "--tls", "self-signed", "--host", "ws.example.com")
    found = docs(result.out)
    assert [d["kind"] for d in found] == [
        "Deployment",
        "Service",
        "Secret",
        "Gateway",
        "HTTPRoute",
        "ProxySettingsPolicy",
    ]
    secret = found[2]
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["name"] == "websocket-server-tls"
    cert = load(base64.b64decode(secret["data"]["tls.crt"]))
    assert sans(cert) == ["ws.example.com"]
    assert same_key(cert, base64.b64decode(secret["data"]["tls.key"]))
    listeners = found[3]["spec"]["listeners"]
    assert [(x["name"], x["port"]) for x in listeners] == [("http", 80), ("https", 443)]
    assert listeners[1]["tls"]["certificateRefs"] == [
        {"kind": "Secret", "name": "websocket-server-tls"}
    ]
    assert found[4]["spec"]["parentRefs"] == [{"name": "websocket-server", "sectionName": "https"}]
    crds.check_all(result.out)
    assert any("carries the kubernetes.io/tls Secret" in line for line in result.err_lines)


def test_existing_gateway_notes_what_its_owner_must_allow(wsgen) -> None:
    result = render(wsgen, "--gateway", "shared", "--gateway-namespace", "infra", "-n", "app")
    assert result.err_lines == [
        "wsgen: the HTTPRoute attaches to the existing Gateway infra/shared: its listener for "
        "the host must allow routes from namespace app (allowedRoutes.namespaces.from: Same, "
        "the default, allows only infra's own)"
    ]
    objects = by_kind(result.out)
    assert "Gateway" not in objects
    assert objects["HTTPRoute"]["spec"]["parentRefs"] == [{"name": "shared", "namespace": "infra"}]


# --------------------------------------------------------------------------- durations


def representable(seconds: int) -> bool:
    return any(seconds % size == 0 and seconds // size <= 9999 for size in (1, 60, 3600))


@given(st.integers(1, MAX_TIMEOUT_SECONDS))
@example(1)
@example(9999)
@example(10000)  # 166.67 m: the first value rounded up (to 167m)
@example(36000)
@example(36001)
@example(599940)  # 9999m
@example(599941)  # past 9999m: hours
@example(600000)
@example(35996400 // 100)
@example(MAX_TIMEOUT_SECONDS)
def test_ngf_duration_is_never_shorter_and_exact_where_a_unit_holds_it(seconds: int) -> None:
    written, means = duration(seconds)
    assert re.fullmatch(crd_pattern("ProxySettingsPolicy", "timeout", "read"), written)
    assert seconds_of(written) == means >= seconds
    unit = seconds_of("1" + written.lstrip("0123456789"))
    assert means < seconds + unit  # at most one unit more
    if representable(seconds):
        assert means == seconds
        # exact in the smallest unit that holds it: seconds up to 9999, else minutes, else hours
        assert unit == next(u for u in (1, 60, 3600) if seconds % u == 0 and seconds // u <= 9999)
    else:
        # nothing NGF can say lies between the timeout and what is written
        candidates = [-(-seconds // u) * u for u in (1, 60, 3600) if -(-seconds // u) <= 9999]
        assert means == min(candidates)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(1, MAX_TIMEOUT_SECONDS))
@example(36001)
def test_the_written_policy_means_at_least_the_timeout(wsgen, seconds: int) -> None:
    result = render(wsgen, "--timeout", str(seconds))
    policy = by_kind(result.out)["ProxySettingsPolicy"]
    assert crds.problems(policy) == []
    timeout = policy["spec"]["timeout"]
    assert timeout["read"] == timeout["send"]
    means = seconds_of(timeout["read"])
    assert means >= seconds
    rounded = [line for line in result.err_lines if "rounded up" in line]
    if representable(seconds):
        assert (means, rounded) == (seconds, [])
    else:
        assert rounded == [
            f"wsgen: --timeout {seconds} s has no exact NGINX Gateway Fabric duration (at most "
            f"4 digits: 9999s, 9999m, 9999h): the ProxySettingsPolicy says {timeout['read']} "
            f"({int(means)} s), rounded up"
        ]


def test_nginx_itself_reads_every_form_written(wsgen, tmp_path: Path) -> None:
    """NGF copies timeout.read/send verbatim into proxy_read_timeout / proxy_send_timeout
    (internal/controller/nginx/config/policies/proxysettings/generator.go): nginx must read
    seconds, minutes and hours up to the longest value wsgen writes."""
    binary = live.need_nginx()
    values = []
    for seconds in (1, 9999, 36000, 36001, 600000, MAX_TIMEOUT_SECONDS):
        policy = by_kind(render(wsgen, "--timeout", str(seconds)).out)["ProxySettingsPolicy"]
        values.append(policy["spec"]["timeout"]["read"])
    assert values == ["1s", "9999s", "600m", "601m", "167h", "597h"]
    locations = "".join(
        f"location /{n} {{ proxy_pass http://127.0.0.1:9; proxy_read_timeout {v}; "
        f"proxy_send_timeout {v}; }}\n"
        for n, v in enumerate(values)
    )
    (tmp_path / "nginx.conf").write_text(
        "pid nginx.pid;\nerror_log error.log;\nevents {}\nhttp {\naccess_log off;\n"
        f"server {{\nlisten 127.0.0.1:9;\n{locations}}}\n}}\n"
    )
    check = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", "nginx.conf", "-e", "error.log"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr


# --------------------------------------------------------------------------- folders

FOLDERS = {
    "none": [],
    "secret": ["--tls", "secret"],
    "self-signed": ["--tls", "self-signed"],
    "files": ["--tls", "files", "--cert", "pair/user.crt", "--key", "pair/user.key"],
    "cert-manager": ["--tls", "cert-manager", "--issuer", "letsencrypt"],
    "sticky": ["--sticky", "--timeout", "10h0m1s"],
    "gateway": ["--gateway", "shared", "--gateway-namespace", "infra"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_is_valid_builds_with_kustomize_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    if case == "files":
        (hermetic / "pair").mkdir()
        cert, key = make_pair(["test.example.com"], hermetic / "pair")
        assert (cert.name, key.name) == ("user.crt", "user.key")
    written = render(wsgen, *FOLDERS[case], "-o", "k8s")
    assert written.out == ""
    folder = hermetic / "k8s"
    for path in folder.glob("*.yaml"):
        if path.name != "wsgen.yaml":
            crds.check_all(path.read_text())
    built = kustomize(folder, tmp_path)
    crds.check_all(yaml.safe_dump_all(built))
    for doc in built:
        if crds.is_builtin(doc):
            kubernetes_validate.validate(doc, VERSIONS[-1], strict=True)
    kinds = sorted(d["kind"] for d in built)
    expected = ["Deployment", "HTTPRoute", "ProxySettingsPolicy", "Service"]
    expected += [] if case == "gateway" else ["Gateway"]
    expected += ["UpstreamSettingsPolicy"] if case == "sticky" else []
    expected += ["Secret"] if case == "self-signed" else []
    assert kinds == sorted(expected)
    if case == "self-signed":
        assert mode_of(folder / "tls" / "tls.key") == 0o600
    if case in ("self-signed", "files"):
        assert (folder / "create-tls-secret.sh").is_file()
    check = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert check.code == 0, check.err
    assert check.err_lines[-1].endswith(f"up to date ({len(tree(folder))} files)")
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s")
    assert again.code == 0, again.err
    assert [line for line in again.err_lines if "created" in line or "updated" in line] == []


def test_folder_notes_say_the_rounding_and_the_address_affinity(wsgen) -> None:
    result = render(wsgen, "--sticky", "--timeout", "10h0m1s", "-o", "k8s")
    assert result.err_lines[:2] == [  # warnings come with the plan, before the writes
        "wsgen: --timeout 36001 s has no exact NGINX Gateway Fabric duration (at most 4 digits: "
        "9999s, 9999m, 9999h): the ProxySettingsPolicy says 601m (36060 s), rounded up",
        STICKY_NOTE,
    ]
    assert "timeout: 36001\n" in Path("k8s/wsgen.yaml").read_text()  # the timeout as given


def test_dropping_sticky_leaves_the_upstream_policy_named_as_unused(wsgen) -> None:
    render(wsgen, "--sticky", "-o", "k8s")
    assert "upstreamsettingspolicy.yaml" in Path("k8s/kustomization.yaml").read_text()
    result = render(wsgen, "-o", "k8s", "--force")
    assert "upstreamsettingspolicy.yaml" not in Path("k8s/kustomization.yaml").read_text()
    assert (
        "wsgen: k8s/upstreamsettingspolicy.yaml is from an earlier run and no longer used "
        "(left in place; the cluster keeps what it made until: kubectl delete -f "
        "k8s/upstreamsettingspolicy.yaml)"
    ) in result.err_lines


def test_example_folder_is_up_to_date(wsgen) -> None:
    values = EXAMPLE / "wsgen.yaml"
    assert "target: nginx-gateway-fabric\n" in values.read_text()
    result = wsgen("render", "-f", str(values), "-o", str(EXAMPLE), "--check")
    assert result.code == 0, result.err
    # the ip_hash caveat is a warning: said with --check too
    assert result.err_lines == [STICKY_NOTE, f"wsgen: {EXAMPLE}: up to date (8 files)"]
    for path in EXAMPLE.glob("*.yaml"):
        if path.name != "wsgen.yaml":
            crds.check_all(path.read_text())
    policy = yaml.safe_load((EXAMPLE / "proxysettingspolicy.yaml").read_text())
    assert policy["spec"]["timeout"] == {"read": "600m", "send": "600m"}  # 10 h


def test_example_builds_with_kustomize(tmp_path: Path) -> None:
    kinds = sorted(d["kind"] for d in kustomize(EXAMPLE, tmp_path))
    assert kinds == [
        "Deployment",
        "Gateway",
        "HTTPRoute",
        "ProxySettingsPolicy",
        "Service",
        "UpstreamSettingsPolicy",
    ]


# --------------------------------------------------------------------------- bad input

BAD = {
    "another target's option": (
        ["--ingress-class", "nginx"],
        "wsgen: error: --ingress-class: only used with --target ingress-nginx (the target is "
        "'nginx-gateway-fabric')",
    ),
    "the nginx target's option": (
        ["--upstream", "127.0.0.1:3000"],
        "wsgen: error: --upstream: only used with --target nginx (the target is "
        "'nginx-gateway-fabric')",
    ),
    "gateway namespace without gateway": (
        ["--gateway-namespace", "infra"],
        "wsgen: error: --gateway-namespace: only with --gateway NAME (the Gateway wsgen writes "
        "is in the app's namespace, default)",
    ),
    "tls with an existing gateway": (
        ["--gateway", "shared", "--tls", "secret"],
        "wsgen: error: --tls: with --gateway, TLS is the Gateway owner's (its listener names the "
        "certificate): give --tls none; clients still use wss:// when that listener terminates "
        "TLS",
    ),
    "a class for an existing gateway": (
        ["--gateway", "shared", "--gateway-class", "nginx"],
        "wsgen: error: --gateway-class: only without --gateway (an existing Gateway has its own "
        "class)",
    ),
    "a timeout beyond wsgen's": (
        ["--timeout", str(MAX_TIMEOUT_SECONDS + 1)],
        f"wsgen: error: --timeout: '{MAX_TIMEOUT_SECONDS + 1}' is out of range for a timeout "
        "(whole seconds, or a duration such as 90s, 60m, 1h, 1h30m; 1 to "
        f"{MAX_TIMEOUT_SECONDS} seconds)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_nothing_written(case: str, wsgen, hermetic: Path) -> None:
    args, line = BAD[case]
    for out in ([], ["-o", "k8s"]):
        result = wsgen("render", *TARGET, *args, *out)
        assert (result.code, result.out, result.err_lines) == (2, "", [line])
        assert list(hermetic.iterdir()) == []


# --------------------------------------------------------------------------- init


def test_init_asks_the_target_first_then_only_its_questions(wsgen, hermetic: Path) -> None:
    asker = Scripted(
        "nginx-gateway-fabric", *[None] * 6, "10h0m1s", "secret", "chat-tls", None, "ngf", True
    )
    result = wizard.run(
        [(model.flags_layer({}), Path.cwd())],
        None,
        asker,
        defaults=False,
        force=False,
        no_terminal="stdin is not a terminal",
    )
    assert asker.asked == [
        "Target",
        *ALL_QUESTIONS,
        "TLS Secret name",
        "GatewayClass",
        "Output folder",
        "Write 7 file(s) to ngf?",
    ]
    assert asker.offered["GatewayClass"] == "nginx"
    assert any("(NGINX Gateway Fabric keeps nginx's default of 60)" in line for line in asker.said)
    rounded = (
        "--timeout 36001 s has no exact NGINX Gateway Fabric duration (at most 4 digits: "
        "9999s, 9999m, 9999h): the ProxySettingsPolicy says 601m (36060 s), rounded up"
    )
    assert "note: " + rounded in asker.said  # in the summary, before the confirmation
    assert (
        "check: kubectl -n default describe httproute websocket-server (Accepted and "
        "ResolvedRefs must be True)" in result.notes
    )
    again = wsgen("render", "-f", "ngf/wsgen.yaml", "-o", "ngf", "--check")
    assert again.code == 0, again.err
    same = wsgen(
        "render", *TARGET, "--timeout", "36001", "--tls", "secret", "--tls-secret", "chat-tls",
        "-o", "by-render",
    )  # fmt: skip
    assert same.code == 0, same.err
    assert tree(hermetic / "ngf") == tree(hermetic / "by-render")


def test_init_with_flags_asks_nothing_of_the_gateway(wsgen, hermetic: Path) -> None:
    asker = Scripted(True)
    flags = (*TARGET, *APP, "--host", "a.example.com", "--tls", "none", "--timeout", "60")
    run(asker, *flags, "--gateway", "shared", "--sticky", "true", out="k8s")
    assert asker.asked == ["Write 7 file(s) to k8s?"]
    assert "note: " + STICKY_NOTE.removeprefix("wsgen: ") in asker.said
    assert (hermetic / "k8s" / "upstreamsettingspolicy.yaml").is_file()
    assert not (hermetic / "k8s" / "gateway.yaml").exists()


def test_gateway_options_name_this_target_among_their_users(wsgen, hermetic: Path) -> None:
    result = wsgen(
        "render", "--gateway", "shared", "-o", "k8s"
    )  # the default target: ingress-nginx
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "wsgen: error: --gateway: --target ingress-nginx does not use it (it is for "
        "envoy-gateway, nginx-gateway-fabric or istio)"
    ]
    assert list(hermetic.iterdir()) == []
