"""Canary releases, what every target shares: the options and their rules (flags, variables,
the `canary:` section of a values file), --no-canary, the canary's own Deployment and Service,
wsgen.yaml's round trip, and what is said on stderr about open connections and headers.
Each target's routing is tested in its own file."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, refused
from test_kubernetes import check_stream
from test_wizard import Scripted, run

V2 = "ghcr.io/example/chat:v2"
WEIGHT_NOTE = (
    "wsgen: canary websocket-server-canary: 10% of new WebSocket connections. A weight applies "
    "when a connection opens: open connections stay where they are (for hours), and rolling "
    "back moves nobody until they reconnect"
)


def docs(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def named(objects: list[dict], kind: str, name: str) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def test_the_canary_is_a_second_deployment_and_service_of_its_own(wsgen) -> None:
    result = wsgen("render", "--canary-image", V2, "--canary-weight", "10", "--replicas", "3")
    assert result.code == 0, result.err
    objects = docs(result.out)
    check_stream(result.out)
    main = named(objects, "Deployment", "websocket-server")
    canary = named(objects, "Deployment", "websocket-server-canary")
    assert canary["spec"]["template"]["spec"]["containers"][0]["image"] == V2
    assert canary["spec"]["replicas"] == 3  # the main's, unless --canary-replicas
    # its own labels: the main Service does not select the canary's pods, nor the other way
    label = {"app.kubernetes.io/name": "websocket-server-canary"}
    assert canary["spec"]["selector"]["matchLabels"] == label
    assert main["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "websocket-server"}
    service = named(objects, "Service", "websocket-server-canary")
    assert service["spec"]["selector"] == label
    # same port and probe as the main version
    main_container = main["spec"]["template"]["spec"]["containers"][0]
    canary_container = canary["spec"]["template"]["spec"]["containers"][0]
    assert canary_container["ports"] == main_container["ports"]
    assert canary_container["readinessProbe"] == main_container["readinessProbe"]
    assert (
        service["spec"]["ports"] == named(objects, "Service", "websocket-server")["spec"]["ports"]
    )
    assert WEIGHT_NOTE in result.err_lines


def test_canary_replicas_and_every_option_from_the_environment(wsgen, monkeypatch) -> None:
    for key, value in {
        "WSGEN_CANARY_IMAGE": V2, "WSGEN_CANARY_REPLICAS": "2", "WSGEN_CANARY_WEIGHT": "25",
        "WSGEN_CANARY_COOKIE": "canary", "WSGEN_CANARY_HEADER": "X-Canary",
        "WSGEN_CANARY_HEADER_VALUE": "v2",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    result = wsgen("render", "-o", "k8s")
    assert result.code == 0, result.err
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["canary"] == {
        "image": V2, "replicas": 2, "weight": 25, "cookie": "canary", "header": "X-Canary",
        "headerValue": "v2",
    }  # fmt: skip
    assert yaml.safe_load(Path("k8s/canary-deployment.yaml").read_text())["spec"]["replicas"] == 2
    assert (
        "wsgen: canary websocket-server-canary: 25% of new WebSocket connections; header "
        "X-Canary: v2 or cookie canary=always reaches it whatever the weight."
    ) in result.err


def test_a_values_file_section_gives_the_canary_and_the_folder_renders_itself_again(
    wsgen,
) -> None:
    Path("v.yaml").write_text(f"canary:\n  image: {V2}\n  weight: 0\n  cookie: beta\n")
    result = wsgen("render", "-f", "v.yaml", "-o", "k8s")
    assert result.code == 0, result.err
    kustomization = yaml.safe_load(Path("k8s/kustomization.yaml").read_text())
    assert {"canary-deployment.yaml", "canary-service.yaml"} <= set(kustomization["resources"])
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check")
    assert again.code == 0, again.err
    # weight 0 is legal (the start): said plainly
    assert any("no new WebSocket connection by weight" in line for line in result.err_lines)


def test_a_canary_flag_wins_over_a_weaker_no_canary(wsgen, monkeypatch) -> None:
    """WSGEN_NO_CANARY (a Makefile's default) drops a values file's canary, and a flag
    stronger than it adds one again; only the same layer giving both is refused."""
    Path("v.yaml").write_text(f"canary:\n  image: {V2}\n  weight: 30\n")
    monkeypatch.setenv("WSGEN_NO_CANARY", "1")
    assert "kind: Deployment" in (plain := wsgen("render", "-f", "v.yaml")).out
    assert "canary" not in plain.out
    again = wsgen("render", "-f", "v.yaml", "--canary-image", "ghcr.io/example/chat:v3")
    assert again.code == 0, again.err
    assert "image: ghcr.io/example/chat:v3" in again.out
    # the values file's weight was dropped with its canary: the flag's canary starts at 0
    assert any("no new WebSocket connection by weight" in line for line in again.err_lines)
    refused(
        wsgen("render", "-f", "v.yaml", "--canary-weight", "5"),
        "--canary-weight: needs --canary-image (what the canary runs)",
    )


def test_no_canary_drops_a_folders_canary_and_names_what_the_cluster_keeps(wsgen) -> None:
    assert wsgen("render", "--canary-image", V2, "-o", "k8s").code == 0
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--no-canary", "--force")
    assert result.code == 0, result.err
    assert "canary" not in yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    resources = yaml.safe_load(Path("k8s/kustomization.yaml").read_text())["resources"]
    assert not [name for name in resources if name.startswith("canary-")]
    for name in ("canary-deployment.yaml", "canary-service.yaml"):
        assert (
            f"wsgen: k8s/{name} is from an earlier run and no longer used (left in place; the "
            f"cluster keeps what it made until: kubectl delete -f k8s/{name})"
        ) in result.err_lines
    assert not any("canary websocket-server-canary" in line for line in result.err_lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--canary-weight", "10"], "--canary-weight: needs --canary-image (what the canary runs)"),
        (["--canary-image", V2, "--canary-weight", "101"],
         "--canary-weight: 101 is out of range for a canary weight (a whole percentage, 0 to 100)"),
        (["--canary-image", V2, "--canary-weight", "-1"], "--canary-weight: '-1' is not a canary"),
        (["--canary-image", V2, "--canary-weight", "1.5"], "--canary-weight: '1.5' is not a"),
        (["--canary-image", V2, "--canary-cookie", "a-b"],
         "--canary-cookie: 'a-b' is not a cookie name wsgen routes by: a letter, then at most 63 "
         "letters, digits and '_'"),
        (["--canary-image", V2, "--canary-header", "Cookie"],
         "--canary-header: Cookie is a header the proxy or the WebSocket handshake uses itself"),
        (["--canary-image", V2, "--canary-header", "Sec-WebSocket-Protocol"],
         "--canary-header: Sec-WebSocket-Protocol is a header the proxy"),
        (["--canary-image", V2, "--canary-header", "X-C", "--canary-header-value", "a b"],
         "--canary-header-value: 'a b' is not a header value wsgen routes by"),
        (["--canary-image", V2, "--canary-header-value", "v2"],
         "--canary-header-value: needs --canary-header (the header whose value it is)"),
        (["--canary-image", "registry-cn-hangzhou.ack.aliyuncs.com/ack-demo/"
          "websocket-echo-server:latest"], "--canary-image: registry-cn-hangzhou.ack.aliyuncs.com"
          "/ack-demo/websocket-echo-server:latest is also the main version's image (--image's "
          "default); a canary runs the new version (promoting it: add --no-canary)"),
        (["--image", V2, "--canary-image", V2],
         f"--canary-image: {V2} is also the main version's image (--image); a canary"),
        (["--canary-image", V2, "--name", "a" * 57],
         f"--canary-image: the canary's objects are named {'a' * 57}-canary, longer than 63 "
         "characters: give a --name of at most 56"),
        (["--canary-image", "Not An Image"], "--canary-image: "),
        (["--canary-image", V2, "--canary-replicas", "0"], "--canary-replicas: "),
        (["--no-canary", "--canary-image", V2],
         "--canary-image: and --no-canary: give one or the other (--no-canary drops the canary)"),
    ],
)  # fmt: skip
def test_bad_canary_options_are_refused_in_one_line(wsgen, args, message) -> None:
    refused(wsgen("render", *args, "-o", "k8s"), message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("canary: v2\n", "v.yaml: canary: must be a mapping (image, replicas, ...)"),
        ("canary:\n  imag: x\n", "v.yaml: canary.imag: unknown key (did you mean 'image'?)"),
        ("canary:\n  image:\n", "v.yaml: canary.image: has no value"),
        (f"canary:\n  image: {V2}\n  weight: '10%'\n", "v.yaml: canary.weight: '10%' is not a"),
        (
            f"canary:\n  image: {V2}\n  weight: true\n",
            "v.yaml: canary.weight: a boolean (true) is not a canary",
        ),
    ],
)
def test_bad_canary_sections_are_refused_in_one_line(wsgen, text, message) -> None:
    Path("v.yaml").write_text(text)
    refused(wsgen("render", "-f", "v.yaml", "-o", "k8s"), message)


def test_a_target_without_canaries_refuses_the_options(wsgen) -> None:
    refused(
        wsgen("render", "--target", "loadbalancer", "--canary-image", V2, "-o", "k8s"),
        "--canary-image: ",
    )


def test_a_header_canary_says_browsers_cannot_send_it(wsgen) -> None:
    result = wsgen("render", "--canary-image", V2, "--canary-header", "X-Canary")
    assert result.code == 0, result.err
    assert (
        "wsgen: --canary-header X-Canary: browsers cannot set a header on a WebSocket handshake "
        "(the JavaScript WebSocket API has no such argument), so it only routes other clients; "
        "a cookie (--canary-cookie) set by the page reaches browsers"
    ) in result.err_lines


def test_init_takes_the_canary_options_and_its_summary_names_the_canary(hermetic: Path) -> None:
    asker = Scripted(*([None] * 12), True)
    run(
        asker, "--canary-image", V2, "--canary-weight", "10", "--canary-cookie", "beta",
        out="k8s",
    )  # fmt: skip
    rows = [line.split(None, 1)[1] for line in asker.said if re.match(r"\s+canary\s{2}", line)]
    assert rows == [f"websocket-server-canary ({V2}), 10%, cookie beta"], asker.said
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["canary"] == {
        "image": V2, "replicas": 1, "weight": 10, "cookie": "beta",
    }  # fmt: skip


def test_the_readme_canary_lifecycle_runs_as_written(wsgen) -> None:
    """Each command of docs/canary.md, in order, on a folder made before: the
    canary added, its weight raised, then promoted (and the rollback, on a folder with one)."""
    readme = (ROOT / "docs/canary.md").read_text()
    section = readme.split("# Canary releases", 1)[1].split("\n# ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line]
    assert [c[:2] for c in commands] == [["wsgen", "render"]] * 4
    add, raise_, promote, roll_back = (c[1:] for c in commands)
    assert wsgen("render", "--name", "chat", "-o", "k8s").code == 0
    assert wsgen(*add).code == 0
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["canary"]["weight"] == 10
    assert wsgen(*raise_).code == 0
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["canary"]["weight"] == 50
    result = wsgen(*promote)
    assert result.code == 0, result.err
    values = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert "canary" not in values
    assert values["image"] == add[add.index("--canary-image") + 1]
    assert "wsgen: k8s/canary-ingress.yaml is from an earlier run" in result.err
    shutil.rmtree("k8s")
    assert wsgen("render", "--name", "chat", "-o", "k8s").code == 0
    assert wsgen(*add).code == 0
    result = wsgen(*roll_back)
    assert result.code == 0, result.err
    assert "canary" not in yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
