"""`wsgen render` without typer (wsgen.fast_render) against typer's own parsing (wsgen.cli.main,
which always takes the typer path): the same exit code, stdout bytes, stderr bytes and files
for any command line built from the option table; help, unknown flags and the like still go
through typer; and a plain render never imports typer (python -X importtime)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, wsgen_exe
from wsgen import cli, fast_render, model

TARGETS = ("ingress-nginx", "nginx", "envoy-gateway")
# Values the rules take, per option key (any other option: text alone). --tls self-signed
# makes a new key on each run, so two runs cannot print the same bytes: it is left out.
VALID: dict[str, list[str]] = {
    "name": ["chat", "websocket-server"],
    "namespace": ["chat", "default"],
    "image": ["registry.example.com/chat:1.0", "nginx"],
    "port": ["8080", "3000", "1"],
    "replicas": ["2", "0"],
    "env": ["A=1", "LOG_LEVEL=debug"],
    "host": ["chat.example.com", "*.example.com"],
    "path": ["/ws", "/"],
    "timeout": ["3600", "1h", "90s"],
    "tls.mode": ["none", "secret", "cert-manager", "files"],
    "tls.secretName": ["chat-tls"],
    "tls.issuer": ["letsencrypt"],
    "tls.issuerKind": ["ClusterIssuer", "Issuer"],
    "tls.days": ["30"],
    "target": list(TARGETS),
    "ingressClass": ["nginx", "internal"],
    "annotations": ["nginx.ingress.kubernetes.io/proxy-body-size=8m"],
    "upstream": ["127.0.0.1:3000"],
    "listen": ["443", "0.0.0.0:8443"],
    "redirectFrom": ["80"],
    "gateway": ["shared"],
    "gatewayNamespace": ["infra"],
    "gatewayClass": ["eg"],
}
VALUES_FILES = [
    str(EXAMPLES / "envoy-gateway" / "wsgen.yaml"),
    str(EXAMPLES / "ack-echo" / "wsgen.yaml"),
    "missing.yaml",
]
# Tokens typer must see: help, a typo, an abbreviation, a switch given a value, '--', a
# positional argument, a short flag with its value attached.
ODD = [
    "--help",
    "-h",
    "--bogus",
    "--por",
    "--force=1",
    "--",
    "extra",
    "-nchat",
    "-f=x",
    "--version",
]


def _value(key: str) -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8"), max_size=12)
    return st.sampled_from(VALID.get(key, ["x"])) | text


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    options = list(model.options().values())
    argv = ["render", "--target", draw(st.sampled_from(TARGETS))]
    for _ in range(draw(st.integers(0, 6))):
        option = draw(st.sampled_from(options))
        flag = draw(st.sampled_from([option.flag, *option.short]))
        if option.boolean:
            argv.append(flag)
            continue
        value = draw(_value(option.key))
        if flag.startswith("--") and draw(st.booleans()):
            argv.append(f"{flag}={value}")
        else:
            argv += [flag, value]
    if draw(st.booleans()):
        argv += [draw(st.sampled_from(["-f", "--values"])), draw(st.sampled_from(VALUES_FILES))]
    if draw(st.booleans()):
        argv += [draw(st.sampled_from(["-o", "--out"])), "k8s"]
        switches = ["--force", "--dry-run", "--check", "--diff"]
        argv += draw(st.lists(st.sampled_from(switches), max_size=2))
    if draw(st.integers(0, 4)) == 0:
        argv.insert(draw(st.integers(1, len(argv))), draw(st.sampled_from(ODD)))
    return argv


def captured(entry: Callable[[list[str]], int], argv: list[str]) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr bytes of one in-process run (streams as in a terminal's
    UTF-8 locale: strict stdout, backslashreplace stderr)."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    streams = (
        io.TextIOWrapper(out, encoding="utf-8", errors="strict"),
        io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace"),
    )
    sys.stdout, sys.stderr = streams
    try:
        code = entry(argv)
    finally:
        sys.stdout, sys.stderr = saved
        for stream in streams:
            stream.flush()
            stream.detach()  # the bytes stay readable
    return code, out.getvalue(), err.getvalue()


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def both(argv: list[str], work: Path) -> tuple[object, object]:
    """The fast path's run and typer's, each in the same fresh folder."""
    results = []
    for entry in (fast_render.main, cli.main):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        os.chdir(work)
        results.append((*captured(entry, argv), files(work)))
    return results[0], results[1]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=command_lines())
def test_the_fast_path_and_typer_agree(argv: list[str], hermetic: Path) -> None:
    fast, typer_path = both(argv, hermetic / "run")
    assert fast == typer_path, argv


@pytest.mark.parametrize(
    "argv",
    [
        ["render"],
        [
            "render",
            "--target",
            "envoy-gateway",
            "-f",
            str(EXAMPLES / "envoy-gateway" / "wsgen.yaml"),
        ],
        ["render", "--env", "A=1", "--env=B=2", "-n", "chat", "--sticky", "-o", "k8s"],
        ["render", "-o", "k8s", "--dry-run", "--check"],
        ["render", "--target", "nginx", "--upstream=127.0.0.1:3000", "--port", "x"],
        ["render", "--port="],
        ["render", "--host", "chat.example.com", "-o", "k8s", "--diff"],
        ["render", "--target", "nginx", "-o", "k8s", "--diff", "--force"],
        ["render", "--diff"],
    ],
)
def test_the_fast_path_and_typer_agree_on_examples(argv: list[str], hermetic: Path) -> None:
    fast, typer_path = both(argv, hermetic / "run")
    assert fast == typer_path


def test_the_fast_path_and_typer_agree_on_values_from_stdin(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for entry in (fast_render.main, cli.main):
        stdin = io.TextIOWrapper(io.BytesIO(b"host: stdin.example.com\nprot: 1\n"))
        monkeypatch.setattr(sys, "stdin", stdin)
        results.append(captured(entry, ["render", "-f", "-"]))
    assert results[0] == results[1]
    assert results[0][:2] == (2, b"")
    assert results[0][2] == b"wsgen: error: -f -: prot: unknown key (did you mean 'port'?)\n"


def test_the_fast_path_and_typer_agree_on_a_diff(hermetic: Path) -> None:
    fast, typer_path = both(["render", "--replicas", "3", "-o", "k8s", "--diff"], hermetic / "run")
    assert fast == typer_path
    code, out, err, written = fast  # type: ignore[misc]
    assert (code, err, written) == (1, b"", {})
    assert out.startswith(b"--- /dev/null\n+++ b/deployment.yaml\n") and b"+  replicas: 3\n" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["render"],
        ["render", "-f", "-", "-o", "k8s", "--diff"],
        ["render", "-f", "v.yaml", "--out=k8s", "--env", "A=1", "--sticky"],
        ["render", "--target", "nginx", "--upstream", "127.0.0.1:3000"],
    ],
)
def test_a_plain_render_is_parsed_without_typer(argv: list[str]) -> None:
    assert fast_render.parse(argv) is not None


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["lint", "-"],
        ["--debug", "render"],
        ["render", "--help"],
        ["render", "-h"],
        ["render", "--version"],
        ["render", "--bogus"],
        ["render", "--por", "80"],  # an abbreviation
        ["render", "--port", "-1"],  # a value starting with '-'
        ["render", "--name=-x"],
        ["render", "--port"],  # no value
        ["render", "--force=yes"],
        ["render", "--"],
        ["render", "extra"],
        ["render", "-nchat"],
        ["render", "-n=chat"],
        ["init", "--defaults"],
    ],
)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert fast_render.parse(argv) is None


def test_the_switch_forces_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fast_render.FORCE_TYPER, "1")
    assert fast_render.parse(["render"]) is None


def run_script(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    result = subprocess.run(
        [*wsgen_exe(), *args], capture_output=True, timeout=60, cwd=cwd, env=env
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    "argv",
    [["render", "--help"], ["render", "--bogus"], ["render", "--port", "-1"], ["--help"]],
    ids=["help", "unknown-flag", "dash-value", "app-help"],
)
def test_the_console_script_leaves_these_to_typer(argv: list[str], hermetic: Path) -> None:
    """The console script's bytes for these are typer's own (wsgen.cli.main)."""
    code, out, err = run_script(*argv, cwd=hermetic)
    assert (code, out, err) == captured(cli.main, argv)
    assert code in (0, 2)
    if "--help" in argv:
        assert b"Usage: wsgen" in out
    else:
        assert err.startswith(b"wsgen: error: ")


def imported(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    """The modules `python -X importtime -m wsgen ARGS` imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wsgen", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    names = {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # the first is the header
    return {name.split(".")[0] for name in names} | names


def test_a_plain_render_does_not_import_typer(hermetic: Path) -> None:
    values = str(EXAMPLES / "envoy-gateway" / "wsgen.yaml")
    for argv in (["render"], ["render", "-f", values, "-o", "k8s"]):
        modules = imported(*argv, cwd=hermetic)
        assert "wsgen.fast_render" in modules  # the probe sees wsgen's own imports
        assert "jinja2" in modules
        assert "typer" not in modules, argv
    assert (hermetic / "k8s" / "kustomization.yaml").is_file()


@pytest.mark.parametrize("argv", [["render", "--help"], ["render", "--bogus"], ["lint", "--help"]])
def test_help_and_errors_import_typer(argv: list[str], hermetic: Path) -> None:
    assert "typer" in imported(*argv, cwd=hermetic)


def test_the_switch_imports_typer_for_a_plain_render(hermetic: Path) -> None:
    env = {**os.environ, fast_render.FORCE_TYPER: "1"}
    assert "typer" in imported("render", cwd=hermetic, env=env)
