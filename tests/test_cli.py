"""The command line as a user meets it: help, version, usage errors, clean stdout, exit codes,
start-up cost (no cryptography unless TLS needs it), and modules that import on their own."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import wsgen
from conftest import ROOT, wsgen_exe


def run(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wsgen_exe(), *args], capture_output=True, text=True, timeout=60, cwd=cwd, input=stdin
    )


def test_no_command_shows_help() -> None:
    result = run()
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: wsgen [OPTIONS] COMMAND [ARGS]...")
    assert "render" in result.stdout and "cert" in result.stdout


def test_help_documents_exit_codes() -> None:
    for args in (["--help"], ["render", "--help"]):
        result = run(*args)
        assert result.returncode == 0
        text = " ".join(result.stdout.split())
        assert "Exit codes: 0 ok; 1 runtime error (I/O); 2 bad input" in text
        assert (
            "4 refused to overwrite" in text
            and "5 --check found changes" in text
            and "130 interrupted" in text
        )


def test_render_help_names_env_and_values_keys() -> None:
    text = " ".join(run("render", "--help").stdout.split())
    for fragment in (
        "[env WSGEN_TIMEOUT; values key timeout]",
        "[env WSGEN_TLS; values key tls.mode]",
        "[env WSGEN_INGRESS_CLASS; values key ingressClass]",
    ):
        assert fragment in text


def test_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"wsgen {wsgen.__version__}\n")


def test_usage_errors_are_one_line_exit_2() -> None:
    for args, message in [
        (["render", "--bogus"], "wsgen: error: No such option: --bogus"),
        (["render", "--port"], "wsgen: error: Option '--port' requires an argument."),
        (["frobnicate"], "wsgen: error: No such command 'frobnicate'."),
    ]:
        result = run(*args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.stderr


def test_stdout_is_pure_yaml_and_pipes(hermetic: Path) -> None:
    result = run("render", "--tls", "self-signed", cwd=hermetic)
    assert result.returncode == 0
    assert [d["kind"] for d in yaml.safe_load_all(result.stdout)] == [
        "Deployment",
        "Service",
        "Secret",
        "Ingress",
    ]
    assert result.stderr.startswith("wsgen: the stream carries")
    assert list(hermetic.iterdir()) == []


def test_render_never_prompts(tmp_path: Path) -> None:
    result = run("render", "-o", "k8s", cwd=tmp_path, stdin="")
    assert result.returncode == 0


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wsgen", "render", "--port", "81"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "port: 81" in result.stdout


def test_broken_pipe_is_quiet() -> None:
    """The reader is gone before wsgen writes (it needs ~100 ms to start): exit 1, no traceback."""
    process = subprocess.Popen(
        [*wsgen_exe(), "render"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_help_shows_value_names() -> None:
    text = run("render", "--help").stdout
    for fragment in (
        "--port PORT",
        "--timeout TIMEOUT",
        "--env KEY=VALUE",
        "--ingress-class INGRESS_CLASS",
    ):
        assert fragment in text


def loaded_after(code: str) -> set[str]:
    probe = f"import sys, io; sys.stdout = io.StringIO(); from wsgen.cli import main; {code}; sys.stdout = sys.__stdout__; print(' '.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_plain_render_does_not_load_heavy_modules() -> None:
    modules = loaded_after("main(['render'])")
    assert "jinja2" in modules  # the probe works
    for heavy in ("cryptography", "questionary", "prompt_toolkit", "pydantic", "rich"):
        assert heavy not in modules, heavy


def test_self_signed_loads_cryptography() -> None:
    assert "cryptography" in loaded_after("main(['render', '--tls', 'self-signed'])")


MODULES = sorted(
    m.name for m in pkgutil.iter_modules(wsgen.__path__, "wsgen.") if m.name != "wsgen.__main__"
)


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_on_its_own(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_model_imports_nothing_else_from_wsgen() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, wsgen.model; print(sorted(m for m in sys.modules if m.startswith('wsgen')))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert (
        result.stdout.strip()
        == "['wsgen', 'wsgen.errors', 'wsgen.ingress_nginx', 'wsgen.model', 'wsgen.yamlutil']"
    )


def test_internal_errors_are_one_line_without_debug(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    from wsgen import core

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(core, "render_manifests", boom)
    result = wsgen("render")
    assert result.code == 1
    assert result.err_lines == [
        "wsgen: internal error: ZeroDivisionError: oops (--debug shows the traceback)"
    ]
    with pytest.raises(ZeroDivisionError):
        wsgen("--debug", "render")


def test_interrupt_exits_130(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    from wsgen import core

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "render_manifests", interrupted)
    result = wsgen("render", "-o", "k8s")
    assert (result.code, result.err_lines) == (130, ["wsgen: interrupted"])


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = readme.split("## Quick start", 1)[1].split("## wsgen render", 1)[0]
    commands = [line for line in blocks.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    install_and_render, test = commands
    assert "examples/ack-echo/wsgen.yaml" in install_and_render
    assert test in (ROOT / ".ci/run").read_text().splitlines()
