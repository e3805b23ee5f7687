"""Hermetic tests (HOME and cwd in a temp dir, no WSGEN_* variables) and helpers to run wsgen."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wsgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite examples/ and tests/golden/ from the current output (review with git diff).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("WSGEN_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def wsgen(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run wsgen in-process through its real entry point: wsgen("render", "--port", "80")."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def matches_golden(text: str, path: Path, update: bool) -> None:
    """`text` is the golden file `path` (with --update-golden: it becomes it)."""
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def refused(result: Run, message: str, out: str = "k8s") -> None:
    """Bad input: exit 2, one line starting `wsgen: error: MESSAGE`, nothing at `out`."""
    assert result.code == 2
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(f"wsgen: error: {message}"), result.err
    assert not Path(out).exists()


def wsgen_exe() -> list[str]:
    """The installed console script if there is one beside this Python, else -m wsgen."""
    script = Path(sys.executable).with_name("wsgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wsgen"]


def through_a_non_blocking_pipe(
    args: list[str], first: bytes, rest: bytes
) -> tuple[int, bytes, bytes]:
    """`wsgen ARGS` with stdin a pipe its parent left non-blocking (the flag is shared with
    wsgen's stdin): `first` is written, and once wsgen has read it (a bounded wait), `rest`;
    then the pipe is closed. wsgen's exit code, stdout and stderr."""
    import contextlib
    import fcntl
    import subprocess
    import termios
    import time

    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    process = subprocess.Popen(
        [*wsgen_exe(), *args], stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        os.write(write_end, first)
        deadline = time.monotonic() + 60
        pending = bytearray(4)
        while time.monotonic() < deadline and process.poll() is None:
            fcntl.ioctl(read_end, termios.FIONREAD, pending)
            if int.from_bytes(pending, "little") == 0:
                break
            time.sleep(0.01)
        with contextlib.suppress(BrokenPipeError):
            os.write(write_end, rest)
    finally:
        os.close(write_end)
        os.close(read_end)
        out, err = process.communicate(timeout=60)
    return process.returncode, out, err
