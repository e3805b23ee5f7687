"""wsgen lint --fix, --unsafe-fixes and --diff as a user meets them: the shared corpus fixed and
checked (it parses, the fixed rules are gone, nothing new, untouched lines kept, the objects still
valid, a second run a no-op), then the engine's promises one by one through the real CLI."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

import oracles
from test_lint import CORPUS
from wsgen import lint as linter
from wsgen.lint_edit import Edit

LATEST = kv_utils.latest_version()
CORE_KINDS = ("Ingress", "Service")
_LINE = re.compile(r"\bline \d+")


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    """A finding by rule + Ingress + message (a line the message names may move)."""
    return (f["rule"], f["ingress"], _LINE.sub("line N", f["message"]))


def lint_json(wsgen, *args: str) -> tuple[int, dict[str, Any], str]:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--format", "json", "--fail-on", "info", *args)
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
    before_code, before, _ = lint_json(wsgen, name)

    code, report, err = lint_json(wsgen, "--fix", "--unsafe-fixes", name)
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
    again_code, again, _ = lint_json(wsgen, name)
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
    second_code, second, _ = lint_json(wsgen, "--fix", "--unsafe-fixes", name)
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
