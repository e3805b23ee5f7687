"""--out: plan, refuse, force, dry-run, check, atomic writes, untouched identical files."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

FILES = ["deployment.yaml", "ingress.yaml", "kustomization.yaml", "service.yaml", "wsgen.yaml"]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_out_writes_the_folder_and_nothing_on_stdout(wsgen, hermetic: Path) -> None:
    result = wsgen("render", "-o", "k8s")
    assert result.code == 0
    assert result.out == ""
    assert sorted(tree(hermetic / "k8s")) == FILES
    assert result.err_lines == [
        f"wsgen: created k8s/{name}"
        for name in [
            "deployment.yaml",
            "service.yaml",
            "ingress.yaml",
            "kustomization.yaml",
            "wsgen.yaml",
        ]
    ]
    for name in FILES:
        assert stat.S_IMODE((hermetic / "k8s" / name).stat().st_mode) == 0o644
        assert (hermetic / "k8s" / name).read_bytes().endswith(b"\n")
        assert b"\r" not in (hermetic / "k8s" / name).read_bytes()


def test_folder_manifests_equal_the_stream(wsgen, hermetic: Path) -> None:
    stream = wsgen("render", "--port", "9000").out
    wsgen("render", "--port", "9000", "-o", "k8s")
    k8s = hermetic / "k8s"
    assert stream == "---\n".join(
        (k8s / n).read_text() for n in ["deployment.yaml", "service.yaml", "ingress.yaml"]
    )


def test_rerun_leaves_identical_files_untouched(wsgen, hermetic: Path) -> None:
    wsgen("render", "-o", "k8s")
    stamps = {p: p.stat().st_mtime_ns for p in (hermetic / "k8s").iterdir()}
    for p in stamps:
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    again = wsgen("render", "-o", "k8s")
    assert again.code == 0
    assert again.err_lines == ["wsgen: k8s: up to date (5 files)"]
    assert all(p.stat().st_mtime_ns == 1_000_000_000 for p in stamps)


def test_changed_file_is_refused_without_force(wsgen, hermetic: Path) -> None:
    wsgen("render", "-o", "k8s")
    (hermetic / "k8s/service.yaml").write_text("# my edit\n")
    before = tree(hermetic / "k8s")
    result = wsgen("render", "--port", "8080", "-o", "k8s")
    assert result.code == 4
    assert result.err_lines == [
        "wsgen: error: refusing to overwrite 4 changed file(s): k8s/deployment.yaml, k8s/service.yaml, k8s/ingress.yaml, k8s/wsgen.yaml (use --force to replace them, --dry-run to see the plan)"
    ]
    assert tree(hermetic / "k8s") == before  # nothing written, not even the unchanged ones


def test_user_file_with_other_name_is_never_touched(wsgen, hermetic: Path) -> None:
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/notes.txt").write_text("mine")
    assert wsgen("render", "-o", "k8s", "--force").code == 0
    assert (hermetic / "k8s/notes.txt").read_text() == "mine"


def test_force_overwrites(wsgen, hermetic: Path) -> None:
    wsgen("render", "-o", "k8s")
    result = wsgen("render", "--port", "8080", "-o", "k8s", "--force")
    assert result.code == 0
    assert "wsgen: overwrote k8s/service.yaml" in result.err_lines
    assert "port: 8080" in (hermetic / "k8s/service.yaml").read_text()


def test_dry_run_prints_plan_and_writes_nothing(wsgen, hermetic: Path) -> None:
    fresh = wsgen("render", "-o", "k8s", "--dry-run")
    assert fresh.code == 0
    assert fresh.out.splitlines() == [
        f"create    k8s/{n}"
        for n in [
            "deployment.yaml",
            "service.yaml",
            "ingress.yaml",
            "kustomization.yaml",
            "wsgen.yaml",
        ]
    ]
    assert not (hermetic / "k8s").exists()
    wsgen("render", "-o", "k8s")
    before = tree(hermetic / "k8s")
    changed = wsgen("render", "--replicas", "2", "-o", "k8s", "--dry-run")
    assert changed.out.splitlines() == [
        "refuse    k8s/deployment.yaml",
        "identical k8s/service.yaml",
        "identical k8s/ingress.yaml",
        "identical k8s/kustomization.yaml",
        "refuse    k8s/wsgen.yaml",
    ]
    forced = wsgen("render", "--replicas", "2", "-o", "k8s", "--dry-run", "--force")
    assert forced.out.splitlines()[0] == "overwrite k8s/deployment.yaml"
    assert tree(hermetic / "k8s") == before


def test_check(wsgen, hermetic: Path) -> None:
    missing = wsgen("render", "-o", "k8s", "--check")
    assert missing.code == 5
    assert missing.err_lines[-1] == "wsgen: error: k8s: 5 of 5 files out of date"
    assert not (hermetic / "k8s").exists()
    wsgen("render", "-o", "k8s")
    assert wsgen("render", "-o", "k8s", "--check").code == 0
    stale = wsgen("render", "-o", "k8s", "--check", "--timeout", "2h")
    assert stale.code == 5
    assert stale.err_lines == [
        "wsgen: out of date: k8s/ingress.yaml (would change)",
        "wsgen: out of date: k8s/wsgen.yaml (would change)",
        "wsgen: error: k8s: 2 of 5 files out of date",
    ]
    assert 'proxy-read-timeout: "3600"' in (hermetic / "k8s/ingress.yaml").read_text()


def test_out_is_a_file(wsgen, hermetic: Path) -> None:
    (hermetic / "k8s").write_text("x")
    result = wsgen("render", "-o", "k8s")
    assert (result.code, result.err_lines) == (
        2,
        ["wsgen: error: --out: k8s is a file, not a folder"],
    )


def test_folder_where_a_file_goes_is_refused(wsgen, hermetic: Path) -> None:
    (hermetic / "k8s/service.yaml").mkdir(parents=True)
    result = wsgen("render", "-o", "k8s", "--force")
    assert result.code == 4
    assert result.err_lines == [
        "wsgen: error: k8s/service.yaml is a folder where wsgen writes a file; move it away"
    ]
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["service.yaml"]


def test_failure_while_writing_leaves_nothing_half_written(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tempfile.mkstemp
    calls = {"n": 0}

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device", str(hermetic / "k8s"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s/app")
    assert result.code == 1
    assert result.err_lines == [
        f"wsgen: error: {hermetic}/k8s: No space left on device; nothing was written"
    ]
    assert not (hermetic / "k8s").exists()


def test_failure_keeps_existing_files_intact(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wsgen("render", "-o", "k8s")
    before = tree(hermetic / "k8s")
    real_replace = os.replace

    def failing(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", failing)
    result = wsgen("render", "--port", "8080", "-o", "k8s", "--force")
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.code == 1
    assert tree(hermetic / "k8s") == before
    assert not [p for p in (hermetic / "k8s").iterdir() if p.name.startswith(".wsgen-")]


def test_files_of_an_earlier_tls_mode_are_named_not_deleted(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    result = wsgen("render", "--tls", "secret", "-o", "k8s", "--force")
    assert result.code == 0, result.err
    for leftover in ("tls/tls.crt", "tls/tls.key", "create-tls-secret.sh"):
        assert (hermetic / "k8s" / leftover).exists()
        assert (
            f"wsgen: k8s/{leftover} is from an earlier run and no longer used (left in place: delete it if nothing needs it)"
            in result.err_lines
        )
    assert "secretGenerator" not in (hermetic / "k8s/kustomization.yaml").read_text()
