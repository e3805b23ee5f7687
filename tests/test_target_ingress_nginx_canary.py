"""ingress-nginx's canary routing: canary-ingress.yaml (golden streams), its schema and
kustomize validation, the folder and its leftovers after --no-canary, the annotations the
canary owns (refused as --annotation), the byte limit, init's summary row, and what is said for
a Socket.IO path weighed without --sticky. The canary's own Deployment and Service are
test_canary.py's; what a real proxy does with these Ingresses is in
test_traefik_nginx_canary.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import GOLDEN, matches_golden, refused
from test_canary import V2, docs, named
from test_kubernetes import built, check_stream
from test_wizard import ALL_BUT_TIMEOUT, Scripted, run

NGINX_GOLDEN = GOLDEN / "ingress-nginx"
P = "nginx.ingress.kubernetes.io/"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/ingress-nginx/<name>.yaml
    "canary-weight": [*CHAT, "--canary-image", V2, "--canary-weight", "10"],
    "canary-cookie": [*CHAT, "--canary-image", V2, "--canary-cookie", "canary", "--tls", "secret"],
    "canary-header": [*CHAT, "--canary-image", V2, "--canary-header", "X-Canary",
                      "--canary-header-value", "v2", "--canary-weight", "100", "--timeout", "2h"],
    "canary-sticky": [*CHAT, "--canary-image", V2, "--canary-weight", "25", "--sticky",
                      "--path", "/socket.io/", "--replicas", "3", "--canary-replicas", "1",
                      "--tls", "cert-manager", "--issuer", "le"],
}  # fmt: skip


def ingresses(text: str) -> tuple[dict, dict]:
    """(the main Ingress, the canary Ingress) of a stream."""
    objects = docs(text)
    return named(objects, "Ingress", "chat"), named(objects, "Ingress", "chat-canary")


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, NGINX_GOLDEN / f"{name}.yaml", update_golden)
    assert check_stream(result.out) == [
        "Deployment", "Service", "Ingress", "Deployment", "Service", "Ingress"
    ]  # fmt: skip


def test_the_canary_ingress_repeats_the_main_rule_for_the_canary_service(wsgen) -> None:
    result = wsgen("render", *STREAMS["canary-cookie"])
    assert result.code == 0, result.err
    main, canary = ingresses(result.out)
    assert canary["spec"]["ingressClassName"] == main["spec"]["ingressClassName"] == "nginx"
    (main_rule,), (canary_rule,) = main["spec"]["rules"], canary["spec"]["rules"]
    assert canary_rule["host"] == main_rule["host"] == "chat.example.com"
    (main_path,), (canary_path,) = main_rule["http"]["paths"], canary_rule["http"]["paths"]
    assert (canary_path["path"], canary_path["pathType"]) == (main_path["path"], "Prefix")
    assert canary_path["backend"]["service"] == {"name": "chat-canary", "port": {"number": 3000}}
    assert main_path["backend"]["service"]["name"] == "chat"
    # ingress-nginx takes the host's certificate from the main Ingress: no tls of its own
    assert "tls" not in canary["spec"] and main["spec"]["tls"]
    annotations = canary["metadata"]["annotations"]
    assert annotations == {
        P + "canary": "true", P + "canary-weight": "0", P + "canary-by-cookie": "canary",
        P + "proxy-read-timeout": "3600", P + "proxy-send-timeout": "3600",
    }  # fmt: skip
    assert not [key for key in main["metadata"]["annotations"] if "canary" in key]


@pytest.mark.parametrize("weight", ["0", "100"])
def test_weight_0_and_100_are_written(weight: str, wsgen) -> None:
    result = wsgen("render", *CHAT, "--canary-image", V2, "--canary-weight", weight)
    assert result.code == 0, result.err
    _main, canary = ingresses(result.out)
    assert canary["metadata"]["annotations"][P + "canary-weight"] == weight


def test_sticky_keeps_a_client_on_the_version_it_first_reached(wsgen) -> None:
    """ingress-nginx gives the canary's backend the main Ingress's cookie affinity unless the
    canary says affinity-canary-behavior: legacy: wsgen says sticky, and repeats the main's
    affinity so the two Ingresses agree."""
    result = wsgen("render", *STREAMS["canary-sticky"])
    assert result.code == 0, result.err
    main, canary = ingresses(result.out)
    annotations = canary["metadata"]["annotations"]
    assert annotations[P + "affinity-canary-behavior"] == "sticky"
    for key in ("affinity", "session-cookie-name", "session-cookie-max-age"):
        assert annotations[P + key] == main["metadata"]["annotations"][P + key]
    # cert-manager issues the main Ingress's Secret; a second Ingress naming it would not help
    assert "cert-manager.io/cluster-issuer" not in annotations
    assert main["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "le"
    assert not [line for line in result.err_lines if "without --sticky" in line]


def test_affinity_before_the_header_cookie_and_weight_is_said(wsgen) -> None:
    """balancer.lua's route_to_alternative_balancer (ingress-nginx v1.15.1) keeps a request
    whose affinity cookie names either version there before it reads the canary's header,
    cookie or weight: with --sticky, `always` does not move a client that already has one."""
    args = [*CHAT, "--canary-image", V2, "--canary-header", "X-Canary", "--canary-cookie", "c"]
    result = wsgen("render", *args, "--canary-weight", "100", "--sticky")
    assert result.code == 0, result.err
    assert (
        "wsgen: a canary with cookie affinity: ingress-nginx reads the affinity cookie "
        "chat-affinity first (balancer.lua, route_to_alternative_balancer), so a client that "
        "holds it stays on the version that set it whatever --canary-header, --canary-cookie, "
        "the weight (0 and 100 too) say; they place only the clients without it"
    ) in result.err_lines
    own = wsgen("render", *CHAT, "--canary-image", V2, "--annotation", P + "affinity=cookie")
    assert [line for line in own.err_lines if "the affinity cookie INGRESSCOOKIE first" in line]
    plain = wsgen("render", *args)
    assert not [line for line in plain.err_lines if "cookie affinity" in line]


def test_the_user_s_balancing_annotations_reach_the_canary_too(wsgen) -> None:
    result = wsgen(
        "render", *CHAT, "--canary-image", V2,
        "--annotation", P + "load-balance=ewma", "--annotation", P + "proxy-body-size=8m",
    )  # fmt: skip
    assert result.code == 0, result.err
    main, canary = ingresses(result.out)
    assert canary["metadata"]["annotations"][P + "load-balance"] == "ewma"  # read from a canary
    assert P + "proxy-body-size" not in canary["metadata"]["annotations"]  # the main's applies
    assert main["metadata"]["annotations"][P + "proxy-body-size"] == "8m"


def test_service_upstream_reaches_the_canary_too(wsgen) -> None:
    """controller.go createUpstreams reads service-upstream (proxy to the Service's ClusterIP,
    not its pods) from the Ingress that makes each upstream: the canary's own, for its
    Service; without it the canary's connections would bypass what the main's go through."""
    result = wsgen(
        "render", *CHAT, "--canary-image", V2, "--annotation", P + "service-upstream=true"
    )
    assert result.code == 0, result.err
    main, canary = ingresses(result.out)
    assert main["metadata"]["annotations"][P + "service-upstream"] == "true"
    assert canary["metadata"]["annotations"][P + "service-upstream"] == "true"


def test_a_socket_io_path_weighed_without_sticky_is_said(wsgen) -> None:
    args = [*CHAT, "--path", "/socket.io/", "--canary-image", V2, "--canary-weight", "10"]
    result = wsgen("render", *args)
    assert result.code == 0, result.err
    assert (
        "wsgen: --canary-weight 10 without --sticky on /socket.io/: each request of a Socket.IO "
        "client (its long-polling handshake, then the upgrade) is weighed anew, so one client "
        "can reach both versions; add --sticky (the canary then keeps the clients it gets)"
    ) in result.err_lines
    for quiet in (["--sticky"], ["--canary-weight", "0"], ["--canary-weight", "100"]):
        again = wsgen("render", *args, *quiet)
        assert not [line for line in again.err_lines if "without --sticky" in line], quiet


def test_the_folder_kustomizes_and_renders_itself_again(wsgen, hermetic: Path, tmp_path) -> None:
    result = wsgen("render", *STREAMS["canary-sticky"], "-o", "k8s")
    assert result.code == 0, result.err
    folder = built(wsgen, hermetic / "k8s", tmp_path, "ingress-nginx")
    assert "canary-ingress.yaml" in folder.files
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in folder.objects)
    assert kinds == [
        ("Deployment", "chat"), ("Deployment", "chat-canary"), ("Ingress", "chat"),
        ("Ingress", "chat-canary"), ("Service", "chat"), ("Service", "chat-canary"),
    ]  # fmt: skip


def test_no_canary_leaves_the_canary_ingress_named(wsgen) -> None:
    assert wsgen("render", "--canary-image", V2, "--canary-cookie", "beta", "-o", "k8s").code == 0
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--no-canary", "--force")
    assert result.code == 0, result.err
    assert (
        "wsgen: k8s/canary-ingress.yaml is from an earlier run and no longer used (left in place; "
        "the cluster keeps what it made until: kubectl delete -f k8s/canary-ingress.yaml)"
    ) in result.err_lines
    resources = yaml.safe_load(Path("k8s/kustomization.yaml").read_text())["resources"]
    assert resources == ["deployment.yaml", "service.yaml", "ingress.yaml"]


@pytest.mark.parametrize(
    "name",
    ["canary", "canary-weight", "canary-weight-total", "canary-by-cookie", "canary-by-header",
     "canary-by-header-value", "canary-by-header-pattern", "affinity-canary-behavior"],
)  # fmt: skip
def test_the_canary_s_annotations_are_refused_as_annotation(name: str, wsgen) -> None:
    refused(
        wsgen("render", "--annotation", f"{P}{name}=true", "-o", "k8s"),
        f"--annotation: '{P}{name}' is written on the canary Ingress from the --canary-* "
        "options (--sticky for affinity-canary-behavior)",
    )


def test_the_byte_limit_counts_the_canary_ingress_too(wsgen) -> None:
    """The canary repeats upstream-hash-by (ingress-nginx reads it from a canary): a value that
    fills the main Ingress's 256 KiB exactly is written alone, and refused with a canary,
    whose own keys would not fit beside it."""
    key = P + "upstream-hash-by"
    timeouts = len(P + "proxy-read-timeout") + 4 + len(P + "proxy-send-timeout") + 4
    value = "$" + "a" * (256 * 1024 - timeouts - len(key) - 1)
    alone = wsgen("render", "--annotation", f"{key}={value}", "-o", "k8s")
    assert alone.code == 0, alone.err
    refused(
        wsgen("render", "--annotation", f"{key}={value}", "--canary-image", V2, "-o", "k9s"),
        "--annotation (values key annotations): the Ingress annotations (keys and values) add "
        "up to 262224 bytes; Kubernetes allows 256 KiB in all",
        out="k9s",
    )


def test_init_summary_names_the_canary(hermetic: Path) -> None:
    asker = Scripted(None, True)
    run(
        asker, *ALL_BUT_TIMEOUT, "--timeout", "3600", "--canary-image", V2,
        "--canary-weight", "10", "--canary-cookie", "canary",
    )  # fmt: skip
    assert "  canary         a-canary (ghcr.io/example/chat:v2), 10%, cookie canary" in asker.said
    assert (hermetic / "k8s" / "canary-ingress.yaml").is_file()


@pytest.mark.parametrize("controller", [[], ["--controller", "traefik"]])
@pytest.mark.parametrize("name", sorted(STREAMS))
def test_lint_finds_nothing_in_the_canary_output_but_the_header_s_browsers(
    name: str, controller: list[str], wsgen, tmp_path: Path
) -> None:
    """The canary rules (WS706-WS709) and every other one are quiet on what wsgen writes;
    --canary-header gets WS702's info, as render says on stderr."""
    result = wsgen("render", *STREAMS[name])
    assert result.code == 0, result.err
    stream = tmp_path / "stream.yaml"
    stream.write_text(result.out)
    linted = wsgen("lint", "--fail-on", "info", "--all", "--format", "json", *controller,
                   str(stream))  # fmt: skip
    report = json.loads(linted.out)
    assert report["summary"]["ingresses"] == 2
    rules = [f["rule"] for f in report["findings"]]
    assert rules == (["WS702"] if name == "canary-header" else []), report["findings"]


def test_lint_says_what_render_says_of_a_socket_io_path_weighed_without_sticky(
    wsgen, tmp_path: Path
) -> None:
    args = [*CHAT, "--path", "/socket.io/", "--canary-image", V2, "--canary-weight", "10"]
    for extra, expected in (([], ["WS707"]), (["--sticky"], [])):
        result = wsgen("render", *args, *extra)
        assert result.code == 0, result.err
        stream = tmp_path / "stream.yaml"
        stream.write_text(result.out)
        linted = wsgen("lint", "--format", "json", str(stream))
        assert [f["rule"] for f in json.loads(linted.out)["findings"]] == expected
