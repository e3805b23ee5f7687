"""lint --fix / --diff, reviewed adversarially: many files, refusals, writes that fail, and what
a file (or its name) holds reaching a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
from pathlib import Path
from typing import Any

from conftest import wsgen_exe
from test_lint_fix import INGRESS, SAFE_FIXED, SEND
from wsgen import lint_fix

ESC = "\x1b"
# quoting 30 (WS204) would make a new WS202 (30 s is short): refused, one line on stderr
RENAME_REFUSED = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: NAME
  namespace: chat
  annotations:
    ingress.kubernetes.io/proxy-read-timeout: "3600s"
    nginx.ingress.kubernetes.io/proxy-send-timeout: 30
spec:
  ingressClassName: nginx
  rules:
    - host: NAME.example.com
      http:
        paths:
          - path: /socket.io/
            pathType: Prefix
            backend:
              service:
                name: chat
                port:
                  number: 80
"""


def test_many_refused_files_are_checked_a_bounded_number_of_times(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Each of 30 files has a fix that is refused: the files are fixed again a few times in all,
    not a few times for each refusal (that was quadratic: 100 such files took 40 s)."""
    for i in range(30):
        (tmp_path / f"f{i:02}.yaml").write_text(RENAME_REFUSED.replace("NAME", f"m{i}"))
    calls = []
    original = lint_fix._rounds

    def rounds(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(lint_fix, "_rounds", rounds)
    result = wsgen("lint", "--fix", str(tmp_path))
    assert result.code == 1
    refused = result.err_lines
    assert len(refused) == 30
    assert all(": WS204 not fixed: a fix would add WS202: " in line for line in refused)
    for i in range(30):  # the rename (WS302) and "3600s" (WS203) fixed, the quoting held back
        text = (tmp_path / f"f{i:02}.yaml").read_text()
        assert 'nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n' in text
        assert "proxy-send-timeout: 30\n" in text
    assert len(calls) <= 12


def test_one_file_that_cannot_be_written_leaves_every_file_as_it_was(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """a.yaml, b.yaml (read-only), c.yaml: b's refusal is seen before anything is written (it
    wrote a.yaml, then stopped: c.yaml left unfixed, the report said nothing)."""
    folder = tmp_path / "k8s"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        (folder / name).write_text(INGRESS)
    (folder / "b.yaml").chmod(0o444)
    result = wsgen("lint", "--fix", str(folder))
    assert (result.code, result.out) == (7, "")
    assert (
        result.err
        == f"wsgen: error: {folder / 'b.yaml'}: not fixed: the file is read-only (mode 444)\n"
    )
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        assert (folder / name).read_text() == INGRESS
    assert sorted(os.listdir(folder)) == ["a.yaml", "b.yaml", "c.yaml"]


def test_a_failed_write_of_a_later_file_puts_back_nothing_half_done(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The disk fills while the second file's temporary file is written: no file replaced, no
    temporary file left."""
    folder = tmp_path / "k8s"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (folder / name).write_text(INGRESS)
    real_fdopen = os.fdopen
    opened = []

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        if len(opened) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(lint_fix.os, "fdopen", fdopen)
    result = wsgen("lint", "--fix", str(folder))
    assert result.code == 7
    assert result.err == f"wsgen: error: {folder / 'b.yaml'}: not fixed: No space left on device\n"
    for name in ("a.yaml", "b.yaml"):
        assert (folder / name).read_text() == INGRESS
    assert sorted(os.listdir(folder)) == ["a.yaml", "b.yaml"]


def test_a_file_name_with_terminal_escapes_is_escaped_on_stderr(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The names in the refusal lines and in a write's error are escaped as the report escapes
    them (they went to the terminal raw)."""
    refused = tmp_path / f"r{ESC}]0;owned\a.yaml"
    refused.write_text(RENAME_REFUSED.replace("NAME", "r"))
    result = wsgen("lint", "--fix", str(refused))
    assert result.code == 1
    assert ESC not in result.err and "\a" not in result.err
    assert result.err.startswith(f"{tmp_path}/r\\x1b]0;owned\\x07.yaml: chat/r: WS204 not fixed")
    locked = tmp_path / f"l{ESC}[2J.yaml"
    locked.write_text(INGRESS)
    locked.chmod(0o444)
    result = wsgen("lint", "--fix", str(locked))
    assert result.code == 7
    assert (
        result.err
        == f"wsgen: error: {tmp_path}/l\\x1b[2J.yaml: not fixed: the file is read-only (mode 444)\n"
    )


BIDI = INGRESS.replace("# keep me", "# keep \u202emeti\u202c")


def _diff_on_a_terminal(folder: Path, name: str) -> bytes:
    """`wsgen lint --diff NAME` with a terminal as stdout: what the terminal receives."""
    main, child = pty.openpty()
    try:
        process = subprocess.Popen(
            [*wsgen_exe(), "lint", "--diff", name],
            cwd=folder,
            stdout=child,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        os.close(child)
        child = -1
        received = b""
        while True:
            ready, _w, _x = select.select([main], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end closed (Linux: EIO)
                break
            if not chunk:
                break
            received += chunk
        assert process.wait(timeout=60) == 1
        return received
    finally:
        os.close(main)
        if child >= 0:
            os.close(child)


def test_diff_to_a_terminal_escapes_what_the_file_holds(tmp_path: Path) -> None:
    """A bidi override in a comment and an ESC in the file's name reach a terminal escaped;
    to a pipe the diff stays the bytes of the file (a patch applies)."""
    name = f"e{ESC}[31m.yaml"
    (tmp_path / name).write_text(BIDI)
    shown = _diff_on_a_terminal(tmp_path, name).decode()
    assert ESC not in shown and "\u202e" not in shown
    # the name is quoted as git quotes it (ESC as \\033): no raw ESC either way
    assert '--- "a/e\\033[31m.yaml"' in shown and "# keep \\u202emeti\\u202c" in shown
    piped = subprocess.run(
        [*wsgen_exe(), "lint", "--diff", name], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert piped.returncode == 1
    assert b'--- "a/e\\033[31m.yaml"\n' in piped.stdout and "\u202e".encode() in piped.stdout


def test_two_names_that_are_not_utf8_and_show_alike_are_two_files(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """a<FF>.yaml and a<FE>.yaml both showed as a\ufffd.yaml: --fix took them for one file (the
    Ingress's fixes went to the other file's text, its report was lost)."""
    ingress = os.fsdecode(bytes(tmp_path) + b"/a\xfe.yaml")
    other = os.fsdecode(bytes(tmp_path) + b"/a\xff.yaml")
    Path(ingress).write_text(INGRESS)
    at = INGRESS.index("# keep me\n") + len("# keep me\n")  # where WS205's fix inserts
    head = "kind: Foo\nspec:\n  a:\n"
    foo = head + "    # " + "x" * (at - len(head) - 7) + "\n    b: 1\n"  # a line starts there
    Path(other).write_text(foo)
    result = wsgen("lint", "--fix", str(tmp_path))
    assert result.code == 1, result.err  # WS301 (unsafe) left
    assert result.err == ""
    assert Path(ingress).read_text() == SAFE_FIXED
    assert Path(other).read_text() == foo
    fixed = [
        line
        for line in result.out.splitlines()
        if line.endswith(" WS205 [fixed]") or " WS205 " in line
    ]
    assert len(fixed) == 1 and fixed[0].endswith(" [fixed]")
    assert result.out.splitlines()[-1] == (
        "2 files, 1 Ingress: 1 error, 0 warnings, 0 infos; 1 fixed, 1 with --fix --unsafe-fixes"
    )
    assert len({line.partition(":")[0] for line in result.out.splitlines()[:-1]}) == 1


def test_diff_of_many_documents_compares_only_the_documents_changed(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """--diff of a file of 300 Ingresses compares the documents that changed, each with its
    fixed self (difflib on the whole file is quadratic in its repeated lines: the 5,000-Ingress
    file took 95 s to diff, 10 s to fix); the diff is the one difflib gives and patch applies."""
    import difflib

    documents = [INGRESS.replace("name: chat\n", f"name: chat{i}\n", 1) for i in range(300)]
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(documents))
    fixed = "---\n".join(
        SAFE_FIXED.replace("name: chat\n", f"name: chat{i}\n", 1) for i in range(300)
    )
    compared: list[int] = []
    matcher = difflib.SequenceMatcher

    class Counting(matcher):  # type: ignore[misc,valid-type]
        def set_seqs(self, a: Any, b: Any) -> None:
            compared.append(len(a))
            super().set_seqs(a, b)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    result = wsgen("lint", "--diff", str(path))
    monkeypatch.setattr(difflib, "SequenceMatcher", matcher)
    assert result.code == 1
    assert max(compared) <= INGRESS.count("\n") + 1
    assert sum(1 for line in result.out.splitlines() if line.startswith("@@")) == 300
    added = [
        line for line in result.out.splitlines() if line.startswith("+") and line != f"+++ b/{path}"
    ]
    removed = [
        line for line in result.out.splitlines() if line.startswith("-") and line != f"--- a/{path}"
    ]
    assert (added, removed) == (["+" + SEND.rstrip("\n")] * 300, [])
    applied = subprocess.run(
        ["patch", "-s", "-o", "-", str(path)],
        input=result.out.encode(),
        capture_output=True,
        timeout=60,
    )
    assert applied.stdout.decode() == fixed
    assert path.read_text() == "---\n".join(documents)


def test_ctrl_c_while_files_are_staged_leaves_no_temporary_file(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "k8s"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (folder / name).write_text(INGRESS)
    real_fsync = os.fsync
    synced = []

    def fsync(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 2:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(lint_fix.os, "fsync", fsync)
    result = wsgen("lint", "--fix", str(folder))
    assert result.code == 130
    assert sorted(os.listdir(folder)) == ["a.yaml", "b.yaml"]
    assert all((folder / name).read_text() == INGRESS for name in ("a.yaml", "b.yaml"))


def test_a_file_named_like_stdin_is_not_taken_for_it(tmp_path: Path) -> None:
    """`wsgen lint --fix - '<stdin>'`: the file named <stdin> and stdin are two files (one
    name for both sent the file's fixes to stdout, or stdin's to the file)."""
    (tmp_path / "<stdin>").write_text(INGRESS)
    clean = SAFE_FIXED
    result = subprocess.run(
        [*wsgen_exe(), "lint", "--fix", "-", "<stdin>"],
        cwd=tmp_path,
        input=clean.encode(),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr  # WS301 left in both
    assert result.stdout.decode() == clean
    assert (tmp_path / "<stdin>").read_text() == SAFE_FIXED
    report = result.stderr.decode().splitlines()
    assert report[-1].startswith("2 files, 2 Ingresses: 2 errors, 0 warnings, 0 infos; 1 fixed")


def test_json_says_failed_when_a_held_back_fix_fails_the_run(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A fix held back (an info, below --fail-on) makes --fix exit 1: the JSON summary's
    `failed` says so too (it said false while the run failed)."""
    import json

    from test_lint_fix import CLEAN, _bogus_fixes

    path = tmp_path / "a.yaml"
    path.write_text(CLEAN)
    _bogus_fixes(monkeypatch, "WS602")
    result = wsgen("lint", "--fix", "--format", "json", str(path))
    assert result.code == 1
    assert json.loads(result.out)["summary"]["failed"] is True
    result = wsgen("lint", "--fix", "--format", "sarif", str(path))
    assert result.code == 1


def test_diff_of_a_file_whose_name_is_not_utf8_applies_with_patch(tmp_path: Path) -> None:
    """The diff's --- and +++ lines name the file by its bytes (a\\ufffd.yaml named a file that
    is not there: patch could not apply it)."""
    name = os.fsdecode(b"a\xff.yaml")
    (tmp_path / name).write_text(INGRESS)
    result = subprocess.run(
        [*wsgen_exe(), "lint", "--diff", name], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout.startswith(b'--- "a/a\\377.yaml"\n+++ "b/a\\377.yaml"\n')
    applied = subprocess.run(
        ["patch", "-s", "-p1"], cwd=tmp_path, input=result.stdout, capture_output=True, timeout=60
    )
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / name).read_text() == SAFE_FIXED


def test_a_diff_names_files_with_spaces_newlines_and_other_bytes_so_patch_finds_them(
    tmp_path: Path,
) -> None:
    # before: `--- a/sp ace.yaml`: patch ends a plain name at the space ("can't find file to
    # patch"), and a newline split the header; now quoted with C escapes, as git quotes them
    import oracles

    patch = oracles.need_program("patch", "apt-get install patch")
    names = [b"sp ace.yaml", b"new\nline.yaml", "\u00e9.yaml".encode(), b"b\xffad.yaml"]
    for folder in ("diffed", "fixed"):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / os.fsdecode(name)).write_text(INGRESS)
    result = subprocess.run(
        [*wsgen_exe(), "lint", "--diff", "."],
        cwd=tmp_path / "diffed",
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith(b"--- ")]
    assert sorted(headers) == sorted(
        [
            b'--- "a/b\\377ad.yaml"',
            b'--- "a/new\\nline.yaml"',
            b'--- "a/sp ace.yaml"',
            b'--- "a/\\303\\251.yaml"',
        ]
    )
    applied = subprocess.run(
        [patch, "-p1", "--batch", "--no-backup-if-mismatch"],
        input=result.stdout,
        cwd=tmp_path / "diffed",
        capture_output=True,
        timeout=60,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    subprocess.run(
        [*wsgen_exe(), "lint", "--fix", "."],
        cwd=tmp_path / "fixed",
        capture_output=True,
        timeout=60,
    )
    for name in names:
        fixed = (tmp_path / "fixed" / os.fsdecode(name)).read_text()
        assert fixed != INGRESS
        assert (tmp_path / "diffed" / os.fsdecode(name)).read_text() == fixed


def test_dev_stdin_is_not_written_back(tmp_path: Path) -> None:
    # before: `wsgen lint --fix /dev/stdin < a.yaml` printed nothing and replaced a.yaml (the
    # file the shell redirected in): /dev/stdin is read, never written; - is for the fixed text
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    with path.open("rb") as stdin:
        result = subprocess.run(
            [*wsgen_exe(), "lint", "--fix", "/dev/stdin"],
            stdin=stdin,
            capture_output=True,
            timeout=60,
        )
    assert (result.returncode, result.stdout) == (7, b"")
    assert result.stderr.decode().endswith(
        "/dev/stdin: not fixed: it is a file descriptor, not a file to write back (give - to "
        "get the fixed text on standard output)\n"
    )
    assert path.read_text() == INGRESS
