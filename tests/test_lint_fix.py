"""wsgen lint --fix, --unsafe-fixes and --diff as a user meets them: the shared corpus fixed and
checked (it parses, the fixed rules are gone, nothing new, untouched lines kept, the objects still
valid, a second run a no-op), then the engine's promises one by one through the real CLI."""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

import oracles
from conftest import wsgen_exe
from test_lint import CORPUS
from wsgen import lint as linter
from wsgen import lint_fix
from wsgen.lint_edit import Edit, Fix

LATEST = kv_utils.latest_version()
CORE_KINDS = ("Ingress", "Service")
_LINE = re.compile(r"\bline \d+")


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    """A finding by rule + Ingress + message (a line the message names may move)."""
    return (f["rule"], f["ingress"], _LINE.sub("line N", f["message"]))


def lint_json(wsgen, *args: str) -> tuple[int, dict[str, Any], str]:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--format", "json", *args)
    return result.code, json.loads(result.out), result.err


def _line_of(text: str, at: int) -> int:
    return text.count("\n", 0, at)


def touched_lines(text: str, edits: list[Edit]) -> set[int]:
    """0-based lines of `text` an edit replaces, removes or inserts at."""
    lines: set[int] = set()
    for e in edits:
        first, last = _line_of(text, e.start), _line_of(text, max(e.start, e.end - 1))
        lines.update(range(first, last + 1))  # an insertion: the line it is on
    return lines


def unnamed_lines_changed(before: str, after: str, named: set[int]) -> list[str]:
    """The lines a diff of before/after changes that no fix names (empty: all kept)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    wrong = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            if not {i1 - 1, i1} & named:
                wrong.extend(f"+{line!r}" for line in new[j1:j2])
            continue
        wrong.extend(f"-{old[i]!r}" for i in range(i1, i2) if i not in named)
    return wrong


def _valid(doc: object) -> bool:
    try:
        kubernetes_validate.validate(doc, LATEST, strict=True)
    except kubernetes_validate.ValidationError:
        return False
    except Exception:  # an apiVersion the schemas do not have (extensions/v1beta1)
        return False
    return True


def _core(docs: list[object]) -> list[tuple[int, object]]:
    return [
        (i, d) for i, d in enumerate(docs) if isinstance(d, dict) and d.get("kind") in CORE_KINDS
    ]


CORPUS_FILES = (
    sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml")) if CORPUS.is_dir() else []
)


@pytest.mark.parametrize(
    "source", CORPUS_FILES or [None], ids=lambda p: p.name[:40] if p else "no-corpus"
)
def test_corpus_file_fixed_and_checked(wsgen, tmp_path: Path, monkeypatch, source) -> None:  # type: ignore[no-untyped-def]
    if source is None:
        oracles.missing(f"the shared corpus is not at {CORPUS} (set LINT_CORPUS)")
    monkeypatch.chdir(tmp_path)
    name = source.name
    original = source.read_bytes()
    Path(name).write_bytes(original)
    before_code, before, _ = lint_json(wsgen, "--fail-on", "info", name)

    code, report, err = lint_json(wsgen, "--fail-on", "info", "--fix", "--unsafe-fixes", name)
    fixed_bytes = Path(name).read_bytes()
    text_before, text_after = original.decode("utf-8-sig"), fixed_bytes.decode("utf-8-sig")
    fixed = [f for f in report["findings"] if f["fix"] and f["fix"]["status"] == "fixed"]
    assert report["summary"]["fixed"] == len(fixed)
    assert bool(fixed) == (fixed_bytes != original), err

    # the result parses
    after_docs = list(yaml.safe_load_all(text_after))
    before_docs = list(yaml.safe_load_all(text_before))
    assert len(after_docs) == len(before_docs)

    # the fixed rules no longer fire, and no new finding appears
    again_code, again, _ = lint_json(wsgen, "--fail-on", "info", name)
    old, new = Counter(map(_key, before["findings"])), Counter(map(_key, again["findings"]))
    assert not new - old, f"new findings: {new - old}"
    for key, count in Counter(map(_key, fixed)).items():
        assert new[key] <= old[key] - count, f"still there after its fix: {key}"
    assert new == old - Counter(map(_key, fixed))
    assert again_code == code  # what --fix left is what lint finds

    # every line no applied fix names is unchanged
    first = linter.lint([str(source)], linter.make_options(fail_on="info"))
    applied = {(f["rule"], f["line"], f["column"], f["message"]) for f in fixed}
    edits = [
        e
        for f in first.findings
        if f.fix is not None and (f.rule, f.line, f.column, f.message) in applied
        for e in f.fix.edits
    ]
    assert len(applied) <= len([f for f in first.findings if f.fix is not None])
    assert not unnamed_lines_changed(text_before, text_after, touched_lines(text_before, edits))

    # Ingresses and Services that were valid still are (strict OpenAPI schema)
    for index, doc in _core(before_docs):
        if _valid(doc):
            kubernetes_validate.validate(after_docs[index], LATEST, strict=True)

    # a second run changes nothing and exits the same
    second_code, second, _ = lint_json(wsgen, "--fail-on", "info", "--fix", "--unsafe-fixes", name)
    assert Path(name).read_bytes() == fixed_bytes
    assert second_code == code
    assert second["summary"]["fixed"] == 0
    assert before_code in (0, 1)


def test_corpus_fixes_cover_several_rules(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The corpus run is not vacuous: many files change, by many rules' fixes."""
    if not CORPUS_FILES:
        oracles.missing(f"the shared corpus is not at {CORPUS} (set LINT_CORPUS)")
    monkeypatch.chdir(tmp_path)
    for source in CORPUS_FILES:
        Path(source.name).write_bytes(source.read_bytes())
    _code, report, _err = lint_json(wsgen, "--fix", "--unsafe-fixes", ".")
    fixed = [f for f in report["findings"] if f["fix"] and f["fix"]["status"] == "fixed"]
    changed = {p.name for p in CORPUS_FILES if Path(p.name).read_bytes() != p.read_bytes()}
    assert {os.path.basename(f["path"]) for f in fixed} == changed
    assert len(changed) >= 10
    assert {f["rule"] for f in fixed} >= {"WS201", "WS205", "WS301", "WS401", "WS601"}


def test_the_line_check_sees_a_line_no_fix_names() -> None:
    before = "a: 1\nb: 2\nc: 3\n"
    named = touched_lines(before, [Edit(5, 10, "")])  # removes line 2
    assert named == {1}
    assert unnamed_lines_changed(before, "a: 1\nc: 3\n", named) == []
    assert unnamed_lines_changed(before, "a: 1\nc: 4\n", named) == ["-'c: 3\\n'"]
    assert unnamed_lines_changed(before, "a: 1\nc: 3\nd: 4\n", named) == ["+'d: 4\\n'"]


# --- the engine through the CLI ----------------------------------------------------------------

RULES = """\
  rules:
    - host: chat.example.com
      http:
        paths:
          - path: /ws
            pathType: Prefix
            backend:
              service:
                name: chat
                port:
                  number: 80
"""

INGRESS = (
    """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  namespace: chat
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"  # keep me
    nginx.ingress.kubernetes.io/websocket-services: chat
spec:
  ingressClassName: nginx
"""
    + RULES
)
SEND = '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n'
SAFE_FIXED = INGRESS.replace("# keep me\n", "# keep me\n" + SEND)  # WS205 fixed, WS301 left
ALL_FIXED = SAFE_FIXED.replace("    nginx.ingress.kubernetes.io/websocket-services: chat\n", "")
CLEAN = ALL_FIXED
SUMMARY = "1 file, 1 Ingress: 1 error, 1 warning, 0 infos; 1 fixable with --fix, 1 with --fix --unsafe-fixes"


def _run(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """wsgen in a process of its own (bounded), for stdin and bytes on stdout."""
    return subprocess.run(
        [*wsgen_exe(), *args], cwd=cwd, input=stdin, capture_output=True, timeout=60
    )


def test_fix_applies_safe_fixes_and_keeps_everything_else(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    result = wsgen("lint", "--fix", str(path))
    assert path.read_text() == SAFE_FIXED
    assert result.code == 1  # the unsafe WS301 is left
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0].startswith(f"{path}:7:5: warning WS205 ") and lines[0].endswith(" [fixed]")
    assert lines[1].startswith(f"{path}:9:5: error WS301 ") and lines[1].endswith(" [unsafe fix]")
    assert lines[2] == (
        "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos; 1 fixed, 1 with --fix --unsafe-fixes"
    )
    result = wsgen("lint", "--fix", "--unsafe-fixes", str(path))
    assert (result.code, path.read_text()) == (0, ALL_FIXED)
    assert (
        result.out.splitlines()[-1] == "1 file, 1 Ingress: 0 errors, 0 warnings, 0 infos; 1 fixed"
    )


def test_text_summary_counts_what_is_fixable(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(INGRESS)
    result = wsgen("lint", str(tmp_path / "a.yaml"))
    assert result.out.splitlines()[-1] == SUMMARY
    assert result.out.splitlines()[0].endswith(" [fixable]")


def test_diff_prints_a_unified_diff_and_writes_nothing(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "k8s").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    Path("a.yaml").write_text(INGRESS)
    os.utime("a.yaml", ns=(1_000_000_000, 1_000_000_000))
    before = os.stat("a.yaml")
    result = wsgen("lint", "--diff", "a.yaml")
    assert result.code == 1
    expected = "".join(
        difflib.unified_diff(
            INGRESS.splitlines(keepends=True),
            SAFE_FIXED.splitlines(keepends=True),
            "a/a.yaml",
            "b/a.yaml",
        )
    )
    assert result.out == expected and result.out.startswith("--- a/a.yaml\n+++ b/a.yaml\n@@ ")
    assert "+" + SEND in result.out
    assert result.err == (
        "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos; 1 would be fixed, "
        "1 with --fix --unsafe-fixes\n"
    )
    assert Path("a.yaml").read_text() == INGRESS
    after = os.stat("a.yaml")
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert sorted(os.listdir(".")) == ["a.yaml"]

    result = wsgen("lint", "--diff", "--unsafe-fixes", "a.yaml")
    assert result.code == 1 and "-    nginx.ingress.kubernetes.io/websocket-services" in result.out

    Path("a.yaml").write_text(CLEAN)
    result = wsgen("lint", "--diff", "--unsafe-fixes", "a.yaml")
    assert (result.code, result.out) == (0, "")
    assert result.err == "1 file, 1 Ingress: 0 errors, 0 warnings, 0 infos\n"


def test_unsafe_fixes_alone_is_a_usage_error(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(INGRESS)
    result = wsgen("lint", "--unsafe-fixes", str(tmp_path / "a.yaml"))
    assert (result.code, result.out) == (2, "")
    assert result.err == "wsgen: error: --unsafe-fixes: only with --fix or --diff\n"
    assert (tmp_path / "a.yaml").read_text() == INGRESS


def test_stdin_fixed_bytes_to_stdout_report_to_stderr(tmp_path: Path) -> None:
    data = ("\ufeff" + INGRESS.replace("\n", "\r\n")).encode()  # a BOM and CRLF are kept
    result = _run("lint", "--fix", "-", cwd=tmp_path, stdin=data)
    assert result.returncode == 1
    assert result.stdout == ("\ufeff" + SAFE_FIXED.replace("\n", "\r\n")).encode()
    err = result.stderr.decode().splitlines()
    assert err[0].startswith("<stdin>:7:5: warning WS205 ") and err[0].endswith("[fixed]")
    assert err[-1].endswith("; 1 fixed, 1 with --fix --unsafe-fixes")

    result = _run("lint", "--fix", "--format", "json", "-", cwd=tmp_path, stdin=CLEAN.encode())
    assert (result.returncode, result.stdout) == (0, CLEAN.encode())  # nothing to fix: as read
    assert json.loads(result.stderr)["summary"]["fixed"] == 0


def test_mode_kept_and_a_symlink_stays_a_link(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "real" / "ingress.yaml"
    target.parent.mkdir()
    target.write_text(INGRESS)
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    result = wsgen("lint", "--fix", str(link))
    assert result.code == 1, result.err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == SAFE_FIXED
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(target.parent)) == ["ingress.yaml"]  # no temporary file left


def test_an_unchanged_file_is_not_rewritten(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clean, unsafe_only = tmp_path / "clean.yaml", tmp_path / "unsafe.yaml"
    clean.write_text(CLEAN)
    unsafe_only.write_text(SAFE_FIXED)  # only the unsafe WS301 left: --fix alone leaves it
    for path in (clean, unsafe_only):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = {p: os.stat(p) for p in (clean, unsafe_only)}
    result = wsgen("lint", "--fix", str(tmp_path))
    assert result.code == 1
    for path, was in before.items():
        now = os.stat(path)
        assert (now.st_mtime_ns, now.st_ino) == (was.st_mtime_ns, was.st_ino), path
    assert result.out.splitlines()[-1].endswith("; 1 with --fix --unsafe-fixes")


def test_a_file_that_does_not_parse_is_never_touched(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    broken = INGRESS + "---\nkind: [unclosed\n"
    path.write_bytes(broken.encode())
    code, report, err = lint_json(wsgen, "--fix", "--unsafe-fixes", str(path))
    assert path.read_bytes() == broken.encode()
    assert code == 1 and err == ""
    assert "WS001" in {f["rule"] for f in report["findings"]}
    assert report["summary"]["fixed"] == 0
    assert all(f["fix"] is None for f in report["findings"])  # nothing offered either
    result = wsgen("lint", "--diff", "--unsafe-fixes", str(path))
    assert (result.code, result.out) == (0, "")


CONNECT = (
    """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  namespace: chat
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy_connect_timeout: "3600"
spec:
"""
    + RULES
)


def test_a_rename_that_would_make_a_finding_is_not_offered(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # WS301's rename proxy_connect_timeout -> proxy-connect-timeout would make nginx read 3600:
    # WS206 (a connect timeout nginx caps at 75 s) would be new, so a person decides. The safe
    # WS601 fix of the same Ingress is made.
    path = tmp_path / "a.yaml"
    path.write_text(CONNECT)
    code, report, err = lint_json(wsgen, "--fix", "--unsafe-fixes", str(path))
    assert (code, err) == (1, "")
    statuses = {f["rule"]: f["fix"] and f["fix"]["status"] for f in report["findings"]}
    assert statuses == {"WS601": "fixed", "WS301": None}
    text = path.read_text()
    assert "proxy_connect_timeout" in text and "ingressClassName: nginx" in text
    assert "kubernetes.io/ingress.class" not in text


MADE_UP_KEY = '    nginx.ingress.kubernetes.io/x-made-up: "1"\n'


def _adding_fix(monkeypatch, safe: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Every lint --fix run also finds, in a.yaml's Ingress, an info WS602 whose fix adds an
    annotation ingress-nginx does not know: a fix that makes a new finding (WS301)."""
    original = linter.analyse

    def analyse(loaded: Any, options: Any) -> Any:
        report = original(loaded, options)
        for file, fr in zip(loaded, report.files, strict=True):
            if file.text is None or not fr.path.endswith("a.yaml") or "x-made-up" in file.text:
                continue
            at = file.text.index("  annotations:\n") + len("  annotations:\n")
            fr.findings.append(
                linter.Finding(
                    "WS602",
                    "info",
                    fr.path,
                    6,
                    3,
                    "made up for the test",
                    ingress="chat/chat",
                    fix=Fix("add x-made-up", (Edit(at, at, MADE_UP_KEY),), safe),
                )
            )
        return report

    monkeypatch.setattr(lint_fix, "analyse", analyse)


def test_a_fix_that_would_add_a_finding_is_refused_and_says_why(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(CONNECT)
    _adding_fix(monkeypatch)
    code, report, err = lint_json(wsgen, "--fix", str(path))
    assert code == 1
    assert err.startswith(
        f"{path}: chat/chat: WS602 not fixed: a fix would add WS301: "
        "nginx.ingress.kubernetes.io/x-made-up is not an ingress-nginx annotation"
    )
    assert len(err.splitlines()) == 1
    statuses = {f["rule"]: f["fix"] and f["fix"]["status"] for f in report["findings"]}
    assert statuses == {"WS601": "fixed", "WS301": None, "WS602": "safe"}  # offered, held back
    text = path.read_text()
    assert "x-made-up" not in text and "ingressClassName: nginx" in text


def _bogus_fixes(monkeypatch, *rules: str) -> None:  # type: ignore[no-untyped-def]
    """Every lint --fix runs also finds, in a.yaml's Ingress, for each rule of
    `rules`, an info whose fix (a comment before spec:) leaves it there: a fix that does not fix."""
    original = linter.analyse

    def analyse(loaded: Any, options: Any) -> Any:
        report = original(loaded, options)
        for file, fr in zip(loaded, report.files, strict=True):
            if file.text is None or not fr.path.endswith("a.yaml"):
                continue
            at = file.text.index("spec:")
            for rule in rules:
                edit = Edit(at, at, f"# {rule} fixed?\n")
                fr.findings.append(
                    linter.Finding(
                        rule,
                        "info",
                        fr.path,
                        10,
                        1,
                        f"made up for the test ({rule})",
                        ingress="chat/chat",
                        fix=Fix("add a comment", (edit,)),
                    )
                )
        return report

    monkeypatch.setattr(lint_fix, "analyse", analyse)


def test_a_fix_that_keeps_its_finding_is_refused(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A fix whose finding is still there after it (a rule's fix that does not fix) is held
    back, its file left as read; the check runs in memory, before anything is written."""
    path = tmp_path / "a.yaml"
    path.write_text(CLEAN)
    _bogus_fixes(monkeypatch, "WS602")
    code, report, err = lint_json(wsgen, "--fix", str(path))
    assert code == 1  # an info, below --fail-on warning: its fix held back fails the run
    assert err == (
        f"{path}: chat/chat: WS602 not fixed: the fix for WS602 did not remove it: "
        "made up for the test (WS602)\n"
    )
    assert path.read_text() == CLEAN
    assert report["summary"]["fixed"] == 0


def test_two_bad_fixes_hold_back_the_ingress(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Holding back one rule at a time does not clear it: then the Ingress's fixes, all; the
    other Ingresses' fixes are still made."""
    path, other = tmp_path / "a.yaml", tmp_path / "b.yaml"
    path.write_text(
        SAFE_FIXED.replace("  ingressClassName: nginx\n", "  ingressClassName: nginx\n  tls: []\n")
    )
    other.write_text(INGRESS)
    _bogus_fixes(monkeypatch, "WS206", "WS602")
    code, _report, err = lint_json(wsgen, "--fix", str(tmp_path))
    assert code == 1
    assert err.startswith(f"{path}: chat/chat: not fixed: the fix for WS")
    assert len(err.splitlines()) == 1
    assert "fixed?" not in path.read_text()
    assert other.read_text() != INGRESS  # its own fixes are made


def test_one_bad_unsafe_fix_leaves_the_other_unsafe_fixes(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    snippet = (
        "    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
        "      proxy_set_header Upgrade $http_upgrade;\n"
        '      proxy_set_header Connection "upgrade";\n'
    )
    path.write_text(CONNECT.replace("  annotations:\n", "  annotations:\n" + snippet))
    _adding_fix(monkeypatch, safe=False)
    _code, report, err = lint_json(wsgen, "--fix", "--unsafe-fixes", str(path))
    assert err.startswith(f"{path}: chat/chat: WS602 not fixed: a fix would add WS301: ")
    statuses = {f["rule"]: f["fix"] and f["fix"]["status"] for f in report["findings"]}
    assert statuses == {"WS401": "fixed", "WS601": "fixed", "WS301": None, "WS602": "unsafe"}
    text = path.read_text()
    assert "configuration-snippet" not in text and "x-made-up" not in text


def test_exit_codes_after_fixing(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    assert wsgen("lint", "--fix", str(path)).code == 1  # WS301 left
    assert wsgen("lint", "--fix", "--unsafe-fixes", str(path)).code == 0  # all fixed
    assert wsgen("lint", "--fix", str(path)).code == 0  # nothing to do: as plain lint
    path.write_text(INGRESS)
    info = wsgen("lint", "--fix", "--fail-on", "error", str(path))
    assert info.code == 1  # the error WS301 is left
    path.write_text(SAFE_FIXED.replace("websocket-services: chat", "x-unknown: chat"))
    assert wsgen("lint", "--fix", "--unsafe-fixes", str(path)).code == 1  # needs a person


def test_a_read_only_folder_is_exit_7_and_nothing_half_written(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "k8s"
    folder.mkdir()
    path = folder / "a.yaml"
    path.write_text(INGRESS)
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: the error it would meet

            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(lint_fix.tempfile, "mkstemp", refuse)
        result = wsgen("lint", "--fix", str(path))
    finally:
        folder.chmod(0o755)
    assert (result.code, result.out) == (7, "")
    assert result.err == f"wsgen: error: {path}: not fixed: Permission denied\n"
    assert path.read_text() == INGRESS
    assert os.listdir(folder) == ["a.yaml"]


def test_a_failed_rename_leaves_no_temporary_file(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lint_fix.os, "replace", refuse)
    result = wsgen("lint", "--fix", str(path))
    assert (result.code, result.out) == (7, "")
    assert result.err == f"wsgen: error: {path}: not fixed: No space left on device\n"
    assert path.read_text() == INGRESS
    assert sorted(os.listdir(tmp_path)) == ["a.yaml", "home", "work"]  # no temporary file


def test_json_fix_objects_and_summary(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    _code, report, _ = lint_json(wsgen, str(path))
    fixes = {f["rule"]: f["fix"] for f in report["findings"]}
    assert fixes == {
        "WS205": {
            "status": "safe",
            "safe": True,
            "title": fixes["WS205"]["title"],
        },
        "WS301": {"status": "unsafe", "safe": False, "title": fixes["WS301"]["title"]},
    }
    assert "proxy-send-timeout" in fixes["WS205"]["title"]
    assert "websocket-services" in fixes["WS301"]["title"]
    counts = {k: report["summary"][k] for k in ("fixed", "fixable", "unsafeFixable", "errors")}
    assert counts == {"fixed": 0, "fixable": 1, "unsafeFixable": 1, "errors": 1}

    _code, report, _ = lint_json(wsgen, "--fix", str(path))
    fixes = {f["rule"]: f["fix"] for f in report["findings"]}
    assert fixes["WS205"]["status"] == "fixed" and fixes["WS205"]["safe"] is True
    assert fixes["WS301"]["status"] == "unsafe"
    counts = {k: report["summary"][k] for k in ("fixed", "fixable", "unsafeFixable", "warnings")}
    assert counts == {"fixed": 1, "fixable": 0, "unsafeFixable": 1, "warnings": 0}
    assert report["summary"]["failed"] is True
    path.write_text(CLEAN.replace("  rules:", "  tls:\n    - hosts: [chat.example.com]\n  rules:"))
    _code, report, _ = lint_json(wsgen, str(path))
    assert [(f["rule"], f["fix"]) for f in report["findings"]] == [("WS501", None)]


def _offset(text: str, line: int, column: int) -> int:
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    return starts[line - 1] + column - 1


def sarif_applied(text: str, sarif: dict[str, Any], safe_only: bool) -> str:
    """`text` with every SARIF replacement made (the safe ones, or all)."""
    edits = []
    for result in sarif["runs"][0]["results"]:
        for fix in result.get("fixes", []):
            if safe_only and result["properties"]["fix"] != "safe":
                continue
            for change in fix["artifactChanges"]:
                for r in change["replacements"]:
                    region = r["deletedRegion"]
                    start = _offset(text, region["startLine"], region["startColumn"])
                    end = _offset(text, region["endLine"], region["endColumn"])
                    edits.append((start, end, r["insertedContent"]["text"]))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def test_sarif_fixes_give_what_fix_writes(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    source = (
        INGRESS.replace("  ingressClassName: nginx\n", "")
        .replace("  annotations:\n", '  annotations:\n    kubernetes.io/ingress.class: "nginx"\n')
        .replace(SEND, "")
    )
    source = source.replace(
        "# keep me", "# keep me\n    nginx.ingress.kubernetes.io/ssl-redirect: true"
    )
    Path("a.yaml").write_text(source)
    result = wsgen("lint", "--format", "sarif", "--fail-on", "info", "a.yaml")
    sarif = json.loads(result.out)
    (run,) = sarif["runs"]
    assert sarif["version"] == "2.1.0" and run["columnKind"] == "unicodeCodePoints"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    with_fixes = [r for r in run["results"] if "fixes" in r]
    assert {r["ruleId"] for r in with_fixes} >= {"WS204", "WS205", "WS601", "WS301"}
    for res in with_fixes:
        assert rules[res["ruleIndex"]] == res["ruleId"]
        (fix,) = res["fixes"]
        assert fix["description"]["text"]
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "a.yaml"
        for r in change["replacements"]:
            region = r["deletedRegion"]
            assert (region["startLine"], region["startColumn"]) <= (
                region["endLine"],
                region["endColumn"],
            )
            assert isinstance(r["insertedContent"]["text"], str)
        assert res["properties"]["fix"] in ("safe", "unsafe")
        assert fix["description"]["text"].endswith("(unsafe: --unsafe-fixes)") == (
            res["properties"]["fix"] == "unsafe"
        )
    expected = sarif_applied(source, sarif, safe_only=True)
    assert wsgen("lint", "--fix", "a.yaml").code == 1
    assert Path("a.yaml").read_text() == expected != source

    # after --fix, a fixed finding passes and the fix left is relative to the new text
    result = wsgen("lint", "--format", "sarif", "--fix", "--fail-on", "info", "a.yaml")
    results = json.loads(result.out)["runs"][0]["results"]
    assert all(r["level"] != "none" for r in results)  # nothing fixed in this second run
    left = json.loads(result.out)
    assert sarif_applied(Path("a.yaml").read_text(), left, safe_only=False) == Path(
        "a.yaml"
    ).read_text().replace("    nginx.ingress.kubernetes.io/websocket-services: chat\n", "")
    Path("a.yaml").write_text(source)
    result = wsgen("lint", "--format", "sarif", "--fix", "a.yaml")
    fixed = [r for r in json.loads(result.out)["runs"][0]["results"] if r.get("kind") == "pass"]
    assert {r["ruleId"] for r in fixed} == {"WS204", "WS205", "WS601"}
    assert all(r["level"] == "none" and "fixes" not in r for r in fixed)


OLD_PREFIX = INGRESS.replace(
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"  # keep me\n'
    "    nginx.ingress.kubernetes.io/websocket-services: chat\n",
    '    ingress.kubernetes.io/proxy-read-timeout: "3600"  # keep me\n'
    '    ingress.kubernetes.io/proxy-send-timeout: "3600"\n',
)


def test_timeouts_are_not_added_twice_when_a_rename_makes_them(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # WS201 (unsafe) would add the nginx. timeouts that WS302 (safe) makes by renaming the old
    # ones: together a repeated key. WS201 waits for the renames, which fix all three.
    path = tmp_path / "a.yaml"
    path.write_text(OLD_PREFIX)
    code, report, err = lint_json(wsgen, "--fix", "--unsafe-fixes", str(path))
    assert path.read_text() == OLD_PREFIX.replace("    ingress.", "    nginx.ingress.")
    assert err == ""
    assert [(f["rule"], f["fix"]["status"]) for f in report["findings"]] == [
        ("WS201", "fixed"),
        ("WS302", "fixed"),
        ("WS302", "fixed"),
    ]
    assert code == 0
    path.write_text(OLD_PREFIX)
    assert wsgen("lint", "--fix", str(path)).code == 0  # the same without --unsafe-fixes
    assert path.read_text() == OLD_PREFIX.replace("    ingress.", "    nginx.ingress.")


def test_stdin_that_is_not_text_goes_out_as_it_came(tmp_path: Path) -> None:
    # before: nothing on stdout, so `wsgen lint --fix - < a.yaml > b.yaml` emptied b.yaml
    data = b"a: \xc3\x28\n"
    result = _run("lint", "--fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=data)
    assert (result.returncode, result.stdout) == (1, data)
    assert " WS001 byte 0xc3 is not UTF-8" in result.stderr.decode()
    data = "\ufeffa: 1\n".encode("utf-16-le")  # text lint reads, nothing to fix: as it came
    result = _run("lint", "--fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=data)
    assert (result.returncode, result.stdout) == (0, data)


def test_the_owner_of_a_fixed_file_is_kept(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    owner = (65534, 65534) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(path, *owner)  # root fixing a person's file: it stays theirs
    assert wsgen("lint", "--fix", str(path)).code == 1
    assert path.read_text() == SAFE_FIXED
    assert (path.stat().st_uid, path.stat().st_gid) == owner


@pytest.mark.parametrize(
    ("codec", "bom"), [("utf-8", "\ufeff"), ("utf-16-le", "\ufeff"), ("utf-8", "")]
)
def test_a_file_keeps_its_encoding_bom_and_crlf(
    wsgen, tmp_path: Path, codec: str, bom: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_bytes((bom + INGRESS.replace("\n", "\r\n")).encode(codec))
    assert wsgen("lint", "--fix", str(path)).code == 1
    assert path.read_bytes() == (bom + SAFE_FIXED.replace("\n", "\r\n")).encode(codec)


NO_FINAL_NEWLINE = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
spec:
  ingressClassName: nginx
  rules:
    - host: chat.example.com
      http:
        paths:
          - path: /ws
            pathType: Prefix
            backend: {service: {name: chat, port: {number: 80}}}
metadata:
  name: chat
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600\""""


@pytest.mark.parametrize("text", [INGRESS, INGRESS.replace("\n", "\r\n"), NO_FINAL_NEWLINE])
def test_the_diff_applies_with_patch_and_gives_what_fix_writes(
    wsgen, tmp_path: Path, monkeypatch, text: str
) -> None:  # type: ignore[no-untyped-def]
    # before: a last line without a newline inside a hunk ran into the next line: a malformed patch
    patch = oracles.need_program("patch", "apt-get install patch")
    monkeypatch.chdir(tmp_path)
    for folder in ("diffed", "fixed"):
        Path(folder).mkdir()
        Path(folder, "a.yaml").write_bytes(text.encode())
    monkeypatch.chdir(tmp_path / "diffed")
    result = wsgen("lint", "--diff", "--unsafe-fixes", "a.yaml")
    assert result.code == 1 and result.out
    applied = subprocess.run(
        [patch, "-p1", "--batch", "--no-backup-if-mismatch"],
        input=result.out.encode(),
        capture_output=True,
        timeout=60,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    monkeypatch.chdir(tmp_path / "fixed")
    wsgen("lint", "--fix", "--unsafe-fixes", "a.yaml")
    assert Path("a.yaml").read_bytes() != text.encode()
    assert Path("../diffed/a.yaml").read_bytes() == Path("a.yaml").read_bytes()


def test_a_read_only_file_is_not_replaced(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the folder is writable, so a rename would replace it: refused as an editor refuses
    path = tmp_path / "a.yaml"
    path.write_text(INGRESS)
    path.chmod(0o444)
    result = wsgen("lint", "--fix", str(path))
    assert (result.code, result.out) == (7, "")
    assert result.err == f"wsgen: error: {path}: not fixed: the file is read-only (mode 444)\n"
    assert path.read_text() == INGRESS
    assert sorted(os.listdir(tmp_path)) == ["a.yaml", "home", "work"]
