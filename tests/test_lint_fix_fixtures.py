"""wsgen lint --fix on fixture pairs: each tests/lint/fix/WSnnn-NAME.before.yaml, fixed by the
CLI (with --unsafe-fixes when NAME says -unsafe), is its .after.yaml byte for byte; a second
run changes nothing and the rule no longer fires. Then the edits' hard cases: each is fixed to
exactly the right bytes, or its finding stays for a person (never a wrong edit)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wsgen.lint_rules import FIXES, RULES

PAIRS = Path(__file__).resolve().parent / "lint" / "fix"
BEFORE = sorted(PAIRS.glob("WS*.before.yaml"))


def _name(path: Path) -> str:
    return path.name.removesuffix(".before.yaml")


def _flags(name: str) -> list[str]:
    return ["--fix", "--unsafe-fixes"] if "-unsafe" in name else ["--fix"]


def _findings(wsgen, path: Path, *flags: str) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--format", "json", *flags, str(path))
    assert result.err == "", result.err
    return result.code, json.loads(result.out)["findings"]


def test_every_fixable_rule_has_a_pair_and_says_how() -> None:
    names = [_name(path) for path in BEFORE]
    assert names, "fixture pairs in tests/lint/fix"
    for path in BEFORE:
        assert path.with_name(_name(path) + ".after.yaml").exists(), path
    for rule in RULES.values():
        assert rule.fix in FIXES, rule.id
        mine = [name for name in names if name.startswith(rule.id + "-")]
        if rule.fix:
            assert mine, f"{rule.id} is fixable ({rule.fix}) but has no fixture pair"
        if rule.fix in ("safe", "safe or unsafe"):
            assert any("-unsafe" not in name for name in mine), rule.id
        if rule.fix in ("unsafe", "safe or unsafe"):
            assert any("-unsafe" in name for name in mine), rule.id
        if not rule.fix:
            assert not mine, f"{rule.id} is not fixable but has a fixture pair"


def test_pairs_keep_crlf_and_the_bom() -> None:
    """git must not normalise them (tests/lint/fix/.gitattributes)."""
    crlf = (PAIRS / "WS205-crlf.before.yaml").read_bytes()
    assert crlf.count(b"\n") == crlf.count(b"\r\n") > 10
    assert (PAIRS / "WS203-units-bom.before.yaml").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("before", BEFORE, ids=_name)
def test_fix_gives_the_after_file(wsgen, tmp_path: Path, before: Path) -> None:  # type: ignore[no-untyped-def]
    name = _name(before)
    rule = name[:5]
    target = tmp_path / f"{name}.yaml"
    shutil.copyfile(before, target)
    _code, found = _findings(wsgen, target)
    assert any(f["rule"] == rule for f in found), f"{rule} fires on {before.name}"

    _code, found = _findings(wsgen, target, *_flags(name))
    assert target.read_bytes() == before.with_name(name + ".after.yaml").read_bytes()
    mine = [f for f in found if f["rule"] == rule]
    assert mine and all(f["fix"]["status"] == "fixed" for f in mine), mine

    # idempotent, and the rule no longer fires
    fixed = target.read_bytes()
    _code, found = _findings(wsgen, target, *_flags(name))
    assert target.read_bytes() == fixed
    assert not [f for f in found if f["rule"] == rule]
    assert not [f for f in found if f["fix"] and f["fix"]["status"] == "fixed"]


@pytest.mark.parametrize("before", [p for p in BEFORE if "-unsafe" in p.name], ids=_name)
def test_unsafe_pairs_need_unsafe_fixes(wsgen, tmp_path: Path, before: Path) -> None:  # type: ignore[no-untyped-def]
    name = _name(before)
    target = tmp_path / f"{name}.yaml"
    shutil.copyfile(before, target)
    code, found = _findings(wsgen, target, "--fix")
    mine = [f for f in found if f["rule"] == name[:5]]
    assert mine and all(f["fix"]["status"] == "unsafe" for f in mine), mine
    assert code == 1
