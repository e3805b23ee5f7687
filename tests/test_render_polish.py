"""Issue 16's render, values and cert items, through the CLI: render --diff (applied by a real
patch), --dry-run's "would", values from stdin and pipes, unknown WSGEN_* variables, the nginx
folder's wsgen.yaml, --tls files' Secret command after a stream, the default image's line, and
cert --ip (read by cryptography and verified in a real TLS handshake on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import yaml
from cryptography import x509

import oracles
from conftest import through_a_non_blocking_pipe, wsgen_exe

HOST = ("--host", "chat.example.com")
PRIVATE = b"PRIVATE KEY"


def run(
    *args: str, stdin: bytes = b"", cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """wsgen in a process of its own (bounded): stdin, and stdout as bytes."""
    return subprocess.run(
        [*wsgen_exe(), *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env=env,
        check=False,
    )


def err_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stderr.decode().splitlines()


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def apply_patch(diff: bytes, folder: Path) -> None:
    patch = oracles.need_program("patch", "apt-get install patch")
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        [patch, "-p1", "--batch", "--forward", "-d", str(folder)],
        input=diff,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- render --diff


def test_diff_of_a_new_folder_creates_it_through_patch(hermetic: Path) -> None:
    args = ("render", *HOST, "--image", "chat:1", "--tls", "secret", "-o", "k8s")
    result = run(*args, "--diff")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(b"--- /dev/null\n+++ b/deployment.yaml\n@@ -0,0 +1,")
    assert not Path("k8s").exists()  # --diff writes nothing
    apply_patch(result.stdout, hermetic / "patched")
    assert run(*args).returncode == 0
    written = tree(Path("k8s"))
    assert tree(hermetic / "patched") == written
    assert "create-tls-secret.sh" not in written  # secret mode: no script
    again = run(*args, "--diff")
    assert (again.returncode, again.stdout, again.stderr) == (0, b"", b"")


def test_diff_gives_a_new_script_its_mode(hermetic: Path) -> None:
    assert run("cert", *HOST, "-o", "certs").returncode == 0
    args = ("render", *HOST, "--tls", "files", "--cert", "certs/tls.crt", "--key", "certs/tls.key")
    result = run(*args, "-o", "k8s", "--diff")
    assert result.returncode == 1, result.stderr
    assert (
        b"diff --git a/create-tls-secret.sh b/create-tls-secret.sh\nnew file mode 100755\n"
        b"--- /dev/null\n+++ b/create-tls-secret.sh\n"
    ) in result.stdout
    apply_patch(result.stdout, hermetic / "k8s")
    assert os.stat("k8s/create-tls-secret.sh").st_mode & 0o777 == 0o755
    check = run(*args, "-o", "k8s", "--check")
    assert check.returncode == 0, check.stderr
    git = shutil.which("git")
    if git is None:
        oracles.missing("git is not installed (apt-get install git)")
    subprocess.run([git, "init", "-q", "g"], check=True, timeout=60)
    applied = subprocess.run(
        [git, "apply", "--directory=k8s"], input=result.stdout, cwd="g", capture_output=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    assert tree(Path("g/k8s")) == tree(Path("k8s"))
    assert os.stat("g/k8s/create-tls-secret.sh").st_mode & 0o777 == 0o755


def test_diff_shows_a_file_force_would_replace_and_patch_brings_the_folder_up_to_date(
    hermetic: Path,
) -> None:
    assert run("render", *HOST, "--image", "chat:1", "-o", "k8s").returncode == 0
    ingress = Path("k8s/ingress.yaml")
    ingress.write_bytes(ingress.read_bytes() + b"# edited by hand \xff\n")  # not UTF-8
    before = tree(Path("k8s"))
    new = ("render", "--host", "new.example.com", "--image", "chat:1", "--replicas", "3")
    refused = run(*new, "-o", "k8s")
    assert refused.returncode == 4  # ingress.yaml changed: refused without --force
    result = run(*new, "-o", "k8s", "--diff")
    assert result.returncode == 1, result.stderr
    assert result.stderr == b""
    assert b"--- a/ingress.yaml\n+++ b/ingress.yaml\n" in result.stdout
    assert b"-# edited by hand \xff\n" in result.stdout  # the folder's bytes, as they are
    assert b"-  replicas: 1\n+  replicas: 3\n" in result.stdout
    assert tree(Path("k8s")) == before
    apply_patch(result.stdout, hermetic / "k8s")
    check = run(*new, "-o", "k8s", "--check")
    assert check.returncode == 0, check.stderr
    assert err_lines(check) == ["wsgen: k8s: up to date (5 files)"]


def test_diff_never_shows_a_private_key(hermetic: Path) -> None:
    result = run("render", *HOST, "--tls", "self-signed", "-o", "k8s", "--diff")
    assert result.returncode == 1
    assert PRIVATE not in result.stdout and b"CERTIFICATE" not in result.stdout
    assert b"+++ b/tls/" not in result.stdout
    assert b"+++ b/create-tls-secret.sh\n" in result.stdout
    assert err_lines(result)[-1] == (
        "wsgen: k8s/tls/tls.crt, k8s/tls/tls.key: would make a new key and certificate (not in "
        "the diff: a private key is never shown, and a new pair is made on every run)"
    )
    assert not Path("k8s").exists()
    # a pair kept is identical: no diff, no note
    assert run("render", *HOST, "--tls", "self-signed", "-o", "k8s").returncode == 0
    again = run("render", *HOST, "--tls", "self-signed", "-o", "k8s", "--diff")
    assert (again.returncode, again.stdout, again.stderr) == (0, b"", b"")
    # a new host: the key is new again, and still not shown
    other = run("render", "--host", "b.example.com", "--tls", "self-signed", "-o", "k8s", "--diff")
    assert other.returncode == 1 and PRIVATE not in other.stdout + other.stderr
    assert "would make a new key and certificate" in err_lines(other)[0]


def test_diff_of_a_key_readable_by_others_says_its_mode(hermetic: Path) -> None:
    assert run("render", *HOST, "--tls", "self-signed", "-o", "k8s").returncode == 0
    os.chmod("k8s/tls/tls.key", 0o644)
    result = run("render", *HOST, "--tls", "self-signed", "-o", "k8s", "--diff")
    assert (result.returncode, result.stdout) == (1, b"")
    assert err_lines(result) == [
        "wsgen: k8s/tls/tls.key: would set mode 0600 (a diff has no modes)"
    ]


def test_diff_on_a_terminal_is_escaped(hermetic: Path) -> None:
    assert run("render", *HOST, "--image", "chat:1", "-o", "k8s").returncode == 0
    Path("k8s/service.yaml").write_text("# \x1b[31mred\x1b[0m\n")
    code, shown = in_a_terminal(
        "render --host chat.example.com --image chat:1 -o k8s --diff", hermetic
    )
    assert code == 1
    assert "-# \\x1b[31mred\\x1b[0m\n" in shown and "\x1b" not in shown


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            ["--dry-run"],
            "--diff and --dry-run: give one (--diff writes nothing and shows every change, a "
            "file --force would replace too)",
        ),
        (
            ["--check"],
            "--diff and --check: give one (--diff writes nothing and shows every change, a "
            "file --force would replace too)",
        ),
        (
            ["--force"],
            "--diff and --force: give one (--diff writes nothing and shows every change, a "
            "file --force would replace too)",
        ),
    ],
)
def test_diff_with_another_mode_is_one_line_exit_2(wsgen, extra: list[str], line: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("render", "-o", "k8s", "--diff", *extra)
    assert (result.code, result.out, result.err_lines) == (2, "", [f"wsgen: error: {line}"])
    assert not Path("k8s").exists()


def test_diff_needs_a_folder(wsgen) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--diff")
    assert (result.code, result.err_lines) == (
        2,
        ["wsgen: error: --diff: only works with --out DIR"],
    )


def test_render_help_and_exit_codes_name_the_diff() -> None:
    result = run("render", "--help")
    text = " ".join(result.stdout.decode().split())
    assert "--diff Print a unified diff from the folder to what render would write" in text
    assert "1 runtime error (I/O), or render --diff found differences" in text


# --------------------------------------------------------------------------- --dry-run


def test_dry_run_says_would(wsgen) -> None:  # type: ignore[no-untyped-def]
    assert wsgen("render", *HOST, "--tls", "self-signed", "-o", "k8s").code == 0
    result = wsgen(
        "render", "--host", "new.example.com", "--tls", "self-signed", "-o", "k8s", "--dry-run"
    )
    assert result.code == 0
    assert result.err_lines == [
        "wsgen: k8s/tls/tls.crt does not cover new.example.com (it has chat.example.com): "
        "would make a new key and certificate"
    ]
    check = wsgen(
        "render", "--host", "new.example.com", "--tls", "self-signed", "-o", "k8s", "--check"
    )
    assert check.code == 5
    assert "would make a new key and certificate" in check.err_lines[0]


def test_a_refused_render_says_would_make_a_new_pair(wsgen) -> None:  # type: ignore[no-untyped-def]
    """Refused (exit 4, nothing written): no new key and certificate was made either."""
    assert wsgen("render", *HOST, "--tls", "self-signed", "-o", "k8s").code == 0
    before = tree(Path("k8s"))
    result = wsgen("render", "--host", "new.example.com", "--tls", "self-signed", "-o", "k8s")
    assert (result.code, tree(Path("k8s"))) == (4, before)
    assert result.err_lines[0] == (
        "wsgen: k8s/tls/tls.crt does not cover new.example.com (it has chat.example.com): "
        "would make a new key and certificate"
    )
    forced = wsgen(
        "render", "--host", "new.example.com", "--tls", "self-signed", "-o", "k8s", "--force"
    )
    assert forced.code == 0
    assert forced.err_lines[0] == (
        "wsgen: k8s/tls/tls.crt does not cover new.example.com (it has chat.example.com): "
        "making a new key and certificate"
    )


# --------------------------------------------------------------------------- values from stdin


def stream_host(result: subprocess.CompletedProcess[bytes]) -> str:
    docs = list(yaml.safe_load_all(result.stdout))
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    return str(ingress["spec"]["rules"][0]["host"])


def test_values_from_stdin(hermetic: Path) -> None:
    result = run("render", "-f", "-", stdin=b"host: stdin.example.com\nimage: chat:1\n")
    assert result.returncode == 0, result.stderr
    assert stream_host(result) == "stdin.example.com"
    typer_path = run(
        "render", "--values", "-", stdin=b"host: stdin.example.com\nimage: chat:1\n",
        env={**os.environ, "WSGEN_FORCE_TYPER": "1"},
    )  # fmt: skip
    assert (typer_path.returncode, typer_path.stdout) == (0, result.stdout)


def test_paths_in_values_from_stdin_are_relative_to_the_current_folder(hermetic: Path) -> None:
    certs = hermetic / "certs"
    certs.mkdir()
    assert run("cert", "--host", "chat.example.com", "-o", str(certs)).returncode == 0
    values = b"host: chat.example.com\ntls:\n  mode: files\n  cert: certs/tls.crt\n  key: certs/tls.key\n"
    result = run("render", "-f", "-", "-o", "k8s", stdin=values)
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert written["tls"]["cert"] == "../certs/tls.crt"
    # from elsewhere, the same text names files that are not there
    elsewhere = hermetic / "elsewhere"
    elsewhere.mkdir()
    missing = run("render", "-f", "-", stdin=values, cwd=elsewhere)
    assert missing.returncode == 2
    assert err_lines(missing) == ["wsgen: error: -f -: tls.cert: certs/tls.crt: no such file"]


def test_values_from_stdin_errors_name_it(hermetic: Path) -> None:
    result = run("render", "-f", "-", stdin=b"prot: 8080\n")
    assert (result.returncode, result.stdout) == (2, b"")
    assert err_lines(result) == ["wsgen: error: -f -: prot: unknown key (did you mean 'port'?)"]
    big = run("render", "-f", "-", stdin=b"#" * (1024 * 1024 + 1))
    assert big.returncode == 2
    assert err_lines(big) == [
        "wsgen: error: -f -: is larger than 1 MiB (wsgen reads files up to that size)"
    ]
    latin = run("render", "-f", "-", stdin=b"host: \xe9.example.com\n")
    assert err_lines(latin) == ["wsgen: error: -f -: not UTF-8 text"]
    listed = run("render", "-f", "-", stdin=b"- host\n")
    assert err_lines(listed) == ["wsgen: error: -f -: must be a YAML mapping of keys to values"]
    broken = run("render", "-f", "-", stdin=b"host: [\n")
    assert (broken.returncode, len(err_lines(broken))) == (2, 1)
    assert err_lines(broken)[0].startswith("wsgen: error: -f -: line 2, column 1: "), broken.stderr


def test_values_through_process_substitution(hermetic: Path) -> None:
    bash = oracles.need_program("bash", "apt-get install bash")
    command = f"{' '.join(wsgen_exe())} render -f <(printf 'host: fd.example.com\\n')"
    result = subprocess.run(
        [bash, "-c", command], capture_output=True, timeout=60, check=False, cwd=hermetic
    )
    assert result.returncode == 0, result.stderr
    assert stream_host(result) == "fd.example.com"
    big = f"{' '.join(wsgen_exe())} render -f <(head -c 2000000 /dev/zero | tr '\\0' '#')"
    result = subprocess.run(
        [bash, "-c", big], capture_output=True, timeout=60, check=False, cwd=hermetic
    )
    assert result.returncode == 2
    lines = err_lines(result)
    assert len(lines) == 1 and lines[0].startswith("wsgen: error: --values: /dev/fd/")
    assert lines[0].endswith(": is larger than 1 MiB (wsgen reads files up to that size)")


def test_values_from_a_named_pipe(hermetic: Path) -> None:
    fifo = hermetic / "values.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as pipe:  # blocks until wsgen opens it
            pipe.write(b"host: fifo.example.com\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        process = subprocess.Popen(
            [*wsgen_exe(), "render", "-f", str(fifo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = process.communicate(timeout=60)
    finally:
        if writer.is_alive():  # wsgen never opened it: let the writer go
            with contextlib.suppress(OSError), open(fifo, "rb", opener=_nonblocking):
                pass
        writer.join(timeout=10)
    assert process.returncode == 0, err
    assert b"host: fifo.example.com" in out


def test_values_through_a_descriptor_are_relative_to_the_current_folder(hermetic: Path) -> None:
    """-f /dev/stdin and -f /dev/fd/N name a descriptor, as -f - does, also when it is a file
    redirected (< values.yaml): its paths are relative to the current folder, not to /dev."""
    certs = hermetic / "certs"
    certs.mkdir()
    assert run("cert", "--host", "chat.example.com", "-o", str(certs)).returncode == 0
    values = hermetic / "sub" / "values.yaml"
    values.parent.mkdir()
    values.write_bytes(
        b"host: chat.example.com\ntls:\n  mode: files\n  cert: certs/tls.crt\n  key: certs/tls.key\n"
    )
    expected = run("render", "-f", "-", stdin=values.read_bytes())
    assert expected.returncode == 0, expected.stderr
    for descriptor in ("stdin", "fd"):
        with values.open("rb") as file:
            name = "/dev/stdin" if descriptor == "stdin" else f"/dev/fd/{file.fileno()}"
            result = subprocess.run(
                [*wsgen_exe(), "render", "-f", name],
                stdin=file if descriptor == "stdin" else subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
                pass_fds=() if descriptor == "stdin" else (file.fileno(),),
                check=False,
            )
        assert (result.returncode, result.stderr) == (0, expected.stderr), name
        assert result.stdout == expected.stdout


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_values_from_a_non_blocking_stdin_are_read_to_their_end(hermetic: Path, name: str) -> None:
    """A parent may leave its pipe non-blocking (the flag is shared with wsgen's stdin): -f -
    still waits for the writer, as a blocking read does, and reads the whole values file."""
    code, out, err = through_a_non_blocking_pipe(
        ["render", "-f", name], b"host: chat.example.com\n", b"port: 9000\n"
    )
    assert (code, err) == (0, b"")
    service = next(d for d in yaml.safe_load_all(out) if d["kind"] == "Service")
    assert service["spec"]["ports"][0]["port"] == 9000


def test_a_named_pipe_opened_before_its_writer_waits_for_it(hermetic: Path) -> None:
    """`wsgen render -f fifo & producer > fifo`: wsgen opens the pipe first, with no writer
    yet; it waits for one (as cat does) instead of reading nothing and rendering the defaults."""
    import errno
    import time

    fifo = hermetic / "values.fifo"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [*wsgen_exe(), "render", "-f", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        writer = None
        deadline = time.monotonic() + 60  # bounded: until wsgen has the pipe open, or exits
        while writer is None and time.monotonic() < deadline and process.poll() is None:
            try:  # a writer's non-blocking open succeeds once a reader has the pipe open
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                assert error.errno == errno.ENXIO, error
                time.sleep(0.01)
        if writer is not None:
            with contextlib.suppress(BrokenPipeError):
                os.write(writer, b"host: fifo.example.com\n")
            os.close(writer)
    finally:
        out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (0, b"")
    assert stream_host(subprocess.CompletedProcess([], 0, out, err)) == "fifo.example.com"


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


@pytest.mark.parametrize("typer_path", ["", "1"])
def test_out_dash_is_refused_not_a_folder_named_dash(wsgen, monkeypatch, typer_path: str) -> None:  # type: ignore[no-untyped-def]
    """-f - reads standard input; -o - looks like standard output but made a folder '-'."""
    monkeypatch.setenv("WSGEN_FORCE_TYPER", typer_path)
    line = (
        "--out: '-' would be a folder named '-', not standard output (render without --out "
        "prints there; ./- names such a folder)"
    )
    for command in (
        ["render", "-o", "-"],
        ["render", "--out=-"],
        ["init", "--defaults", "-o", "-"],
    ):
        result = wsgen(*command)
        assert (result.code, result.out, result.err_lines) == (2, "", [f"wsgen: error: {line}"])
    monkeypatch.setenv("WSGEN_OUT", "-")
    result = wsgen("render")
    assert result.err_lines == [f"wsgen: error: WSGEN_OUT{line.removeprefix('--out')}"]
    assert not Path("-").exists()
    assert wsgen("render", "-o", "./-").code == 0  # a folder named '-', said so


def test_wsgen_values_dash_is_refused(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WSGEN_VALUES", "-")
    result = wsgen("render")
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "wsgen: error: WSGEN_VALUES: '-' (standard input) is taken only as -f - on the command "
        "line (a variable outlives the command whose input it meant)"
    ]


def test_values_from_a_terminal_are_refused(hermetic: Path) -> None:
    code, shown = in_a_terminal("render -f -", hermetic)
    assert code == 2
    assert shown.strip() == (
        "wsgen: error: -f -: standard input is a terminal; pipe the values file in "
        "(wsgen render -f - < values.yaml)"
    )


# --------------------------------------------------------------------------- WSGEN_* variables


def test_an_unknown_variable_is_one_warning_with_a_suggestion(
    wsgen, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    quiet = wsgen("render", "--image", "chat:1")
    monkeypatch.setenv("WSGEN_PROT", "8080")
    monkeypatch.setenv("WSGEN_ZZZZZZ", "1")
    result = wsgen("render", "--image", "chat:1")
    assert (result.code, result.out) == (0, quiet.out)
    assert result.err_lines == [
        "wsgen: warning: WSGEN_PROT is not a variable wsgen reads; ignored (did you mean "
        "'WSGEN_PORT'?)",
        "wsgen: warning: WSGEN_ZZZZZZ is not a variable wsgen reads; ignored",
    ]
    init = wsgen("init", "--defaults", "--image", "chat:1", "-o", "k8s")
    assert init.code == 0
    assert init.err_lines[0].startswith("wsgen: warning: WSGEN_PROT is not a variable")


def test_the_variables_wsgen_reads_are_never_warned_about(
    wsgen, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from wsgen import model

    for option in model.options().values():
        monkeypatch.setenv(option.env, "")  # empty: unset, as for every variable
    for name in ("WSGEN_OUT", "WSGEN_VALUES", "WSGEN_FORCE_TYPER"):
        monkeypatch.setenv(name, "")
    result = wsgen("render", "--image", "chat:1")
    assert (result.code, result.err) == (0, "")
    monkeypatch.setenv("WSGEN_FORCE_TYPER", "1")
    assert wsgen("render", "--image", "chat:1").err == ""


def test_a_variable_name_is_escaped(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WSGEN_\x1b[2J", "1")
    result = wsgen("render", "--image", "chat:1")
    assert result.err_lines == [
        "wsgen: warning: WSGEN_\\x1b[2J is not a variable wsgen reads; ignored"
    ]


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("WSGEN_PROT", "WSGEN_PORT"),
        ("WSGEN_NAMESPCE", "WSGEN_NAMESPACE"),
        ("WSGEN_VALEUS", "WSGEN_VALUES"),
        # named after a values key (tls.mode, tls.secretName): the variable of that key
        ("WSGEN_TLS_MODE", "WSGEN_TLS"),
        ("WSGEN_TLS_SECRET_NAME", "WSGEN_TLS_SECRET"),
        # nothing close once the WSGEN_ every name shares is set aside: no suggestion
        ("WSGEN_X", None),
        ("WSGEN_FOO", None),
        ("WSGEN_DEBUG", None),
        ("WSGEN_HOME", None),
    ],
)
def test_a_suggestion_is_close_to_the_name_past_wsgen_(
    wsgen, monkeypatch: pytest.MonkeyPatch, name: str, suggested: str | None
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, "1")
    result = wsgen("render", "--image", "chat:1")
    hint = f" (did you mean {suggested!r}?)" if suggested else ""
    assert result.err_lines == [
        f"wsgen: warning: {name} is not a variable wsgen reads; ignored{hint}"
    ]


# --------------------------------------------------------------------------- nginx's wsgen.yaml


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--listen", "127.0.0.1:8080", "--upstream", "10.0.0.5:3000", "--path", "/ws"],
        ["--tls", "self-signed", "--redirect-from", "8080", "--days", "30"],
        ["--canary-upstream", "127.0.0.1:3001", "--canary-weight", "10", "--canary-cookie", "c"],
        ["--tls", "files", "--cert", "certs/tls.crt", "--key", "certs/tls.key", "--allow-expired"],
    ],
    ids=["plain", "listen-upstream", "self-signed", "canary", "files"],
)
def test_an_nginx_folder_renders_again_from_its_wsgen_yaml(
    wsgen,
    hermetic: Path,
    args: list[str],  # type: ignore[no-untyped-def]
) -> None:
    if "files" in args:
        assert wsgen("cert", *HOST, "-o", "certs").code == 0
    first = wsgen("render", "--target", "nginx", *HOST, *args, "-o", "n")
    assert first.code == 0, first.err
    assert "wsgen.yaml" in os.listdir("n")
    again = wsgen("render", "-f", "n/wsgen.yaml", "-o", "n", "--check")
    assert again.code == 0, again.err
    assert again.err_lines[-1].startswith("wsgen: n: up to date")
    elsewhere = wsgen("render", "-f", "n/wsgen.yaml", "-o", "sub/n2")
    assert elsewhere.code == 0, elsewhere.err
    copy, original = tree(Path("sub/n2")), tree(Path("n"))
    if "self-signed" in args:  # a new folder: a new pair
        for name in ("tls/tls.crt", "tls/tls.key"):
            assert copy.pop(name) and original.pop(name)
    if "files" in args:  # paths relative to each folder
        assert b"../../certs/tls.crt" in copy["nginx.conf"]
        assert yaml.safe_load(copy["wsgen.yaml"])["tls"]["cert"] == "../../certs/tls.crt"
        return
    assert copy == original


def test_the_nginx_wsgen_yaml(wsgen) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--target", "nginx", *HOST, "--listen", "8080", "-o", "n")
    assert result.code == 0
    assert Path("n/wsgen.yaml").read_text() == (
        "# wsgen values: `wsgen render -f wsgen.yaml -o .` run in this folder writes it again.\n"
        "target: nginx\n"
        "name: websocket-server\n"
        "port: 3000\n"
        "host: chat.example.com\n"
        "path: /\n"
        'listen: "8080"\n'
        "timeout: 3600\n"
        "tls:\n"
        "  mode: none\n"
    )
    assert result.err_lines[:2] == ["wsgen: created n/nginx.conf", "wsgen: created n/wsgen.yaml"]


# --------------------------------------------------------------------------- --tls files


def test_tls_files_to_stdout_says_how_to_make_the_secret(wsgen, hermetic: Path) -> None:  # type: ignore[no-untyped-def]
    assert wsgen("cert", *HOST, "-o", "certs").code == 0
    files = ("--tls", "files", "--cert", "certs/tls.crt", "--key", "certs/tls.key")
    result = wsgen("render", *HOST, "--image", "chat:1", *files)
    assert result.code == 0, result.err
    command = (
        "kubectl -n default create secret tls websocket-server-tls --cert=certs/tls.crt "
        "--key=certs/tls.key --dry-run=client -o yaml | kubectl apply -f -"
    )
    assert result.err_lines == [f"wsgen: create the Secret: {command}"]
    folder = wsgen("render", *HOST, "--image", "chat:1", *files, "-o", "k8s")
    assert f"wsgen: create the Secret: {command}" in folder.err_lines  # the folder's wording
    nginx = wsgen("render", "--target", "nginx", *HOST, *files)
    assert (nginx.code, nginx.err) == (0, "")  # nginx reads the files: no Secret


# --------------------------------------------------------------------------- the default image

DEMO = (
    "wsgen: the image is the default, the ACK guide's demo echo server: not your app (give "
    "yours with --image)"
)


def in_a_terminal(args: str, cwd: Path) -> tuple[int, str]:
    """`wsgen ARGS` (shell words) with a terminal on stdin, stdout and stderr: its exit code and
    what the terminal showed (no WSGEN_ variables of the environment)."""
    command = f"{' '.join(wsgen_exe())} {args}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], cwd=str(cwd), env=env, encoding="utf-8", timeout=30
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None
    return child.exitstatus, child.before.replace("\r\n", "\n")


def on_terminal(args: str, cwd: Path) -> tuple[int, list[str]]:
    """stderr on a terminal, stdout to stdout.txt: the exit code and the lines stderr showed."""
    code, shown = in_a_terminal(f"{args} > stdout.txt", cwd)
    return code, shown.splitlines()


def test_the_default_image_is_named_a_demo_on_a_terminal(hermetic: Path) -> None:
    code, lines = on_terminal("render", hermetic)
    assert (code, lines) == (0, [DEMO])
    code, lines = on_terminal("render -o k8s", hermetic)
    assert code == 0 and lines[0] == DEMO
    code, lines = on_terminal("init --defaults -o k8s2", hermetic)
    assert code == 0 and DEMO in lines
    code, lines = on_terminal("render --image chat:1", hermetic)
    assert (code, lines) == (0, [])
    code, lines = on_terminal("render --target nginx", hermetic)  # no image there
    assert (code, lines) == (0, [])


def test_the_default_image_line_stays_out_of_a_script_log(hermetic: Path) -> None:
    result = run("render")
    assert (result.returncode, result.stderr) == (0, b"")


# --------------------------------------------------------------------------- cert --ip


def test_cert_ip_addresses_are_subject_alternative_names(hermetic: Path) -> None:
    result = run("cert", "--ip", "127.0.0.1", "--ip", "::0001", "--host", "localhost", "-o", "tls")
    assert result.returncode == 0, result.stderr
    assert err_lines(result)[2].startswith(
        "wsgen: certificate for localhost, 127.0.0.1, ::1 expires "
    )
    cert = x509.load_pem_x509_certificate(Path("tls/tls.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=365)


def test_cert_line_names_the_addresses_as_the_certificate_holds_them(hermetic: Path) -> None:
    result = run("cert", "--ip", "::1", "--ip", "127.0.0.1", "--ip", "10.0.0.2", "-o", "tls")
    assert result.returncode == 0, result.stderr
    cert = x509.load_pem_x509_certificate(Path("tls/tls.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    held = ", ".join(str(a) for a in san.get_values_for_type(x509.IPAddress))
    assert held == "10.0.0.2, 127.0.0.1, ::1"
    assert err_lines(result)[2].startswith(f"wsgen: certificate for {held} expires ")


def test_cert_ip_alone_names_the_certificate(hermetic: Path) -> None:
    assert run("cert", "--ip", "127.0.0.1", "-o", "tls").returncode == 0
    cert = x509.load_pem_x509_certificate(Path("tls/tls.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(san) == [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]


@contextlib.contextmanager
def tls_server(folder: Path) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with the pair in `folder`: completes one handshake per
    connection, then closes it; always stopped."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "tls.crt", folder / "tls.key")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with contextlib.suppress(OSError, ssl.SSLError):
                conn.settimeout(10)
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=10)


def handshake(port: int, ca: Path, name: str) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=name),
    ):
        pass


def test_cert_ip_passes_a_real_tls_handshake_on_127_0_0_1(hermetic: Path) -> None:
    assert run("cert", "--ip", "127.0.0.1", "--key-type", "ecdsa-p256", "-o", "ip").returncode == 0
    assert run("cert", "--host", "localhost", "-o", "dns").returncode == 0
    with tls_server(hermetic / "ip") as port:
        handshake(port, hermetic / "ip/tls.crt", "127.0.0.1")  # the IP SAN is verified
    with tls_server(hermetic / "dns") as port, pytest.raises(ssl.SSLCertVerificationError) as error:
        handshake(port, hermetic / "dns/tls.crt", "127.0.0.1")  # no IP SAN: refused
    assert "IP address mismatch" in str(error.value)
    openssl = shutil.which("openssl")
    if openssl is None:
        oracles.missing("openssl is not installed (apt-get install openssl)")
    with tls_server(hermetic / "ip") as port:
        checked = subprocess.run(
            [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", "ip/tls.crt",
             "-verify_ip", "127.0.0.1", "-verify_return_error"],
            input=b"", capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert b"Verify return code: 0 (ok)" in checked.stdout


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--ip", "1.2.3"],
            "--ip: '1.2.3' is not an IP address (IPv4 like 127.0.0.1, or IPv6 like ::1)",
        ),
        (
            ["--ip", "localhost"],
            "--ip: 'localhost' is not an IP address (IPv4 like 127.0.0.1, or IPv6 like ::1)",
        ),
        (
            ["--ip", "fe80::1%eth0"],
            "--ip: 'fe80::1%eth0' has a zone (%eth0), which a certificate cannot hold: give "
            "fe80::1",
        ),
        ([], "--host or --ip: give at least one (what the certificate is for)"),
    ],
)
def test_cert_bad_ip_or_nothing_is_one_line_exit_2(wsgen, args: list[str], line: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("cert", *args, "-o", "tls")
    assert (result.code, result.err_lines) == (2, [f"wsgen: error: {line}"])
    assert not Path("tls").exists()


def test_a_long_or_lower_case_unknown_variable(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A name past 256 characters is described, not quoted (100 KB on one line otherwise); a
    name in lower case is compared in upper case (found by the final shell attack)."""
    monkeypatch.setenv("WSGEN_" + "A" * 1000, "1")
    monkeypatch.setenv("WSGEN_port", "3")
    result = wsgen("render", "--image", "chat:1")
    assert result.code == 0
    assert result.err_lines == [
        "wsgen: warning: a WSGEN_ variable of 1006 characters is not one wsgen reads; ignored",
        "wsgen: warning: WSGEN_port is not a variable wsgen reads; ignored (did you mean "
        "'WSGEN_PORT'?)",
    ]
