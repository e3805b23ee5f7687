"""wsgen's pre-commit hooks, run by the real pre-commit: its manifest check, then try-repo, which
installs this repository into pre-commit's own environment and runs each hook on a commit's
files as a user's `git commit` would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from oracles import missing, need_program

ROOT = Path(__file__).resolve().parent.parent
BAD = (ROOT / "tests" / "lint" / "WS201-bad.yaml").read_text().replace("size: 8m", "size: 8")


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    program = need_program("pre-commit", "pip install -e '.[test]'")
    return subprocess.run(
        [program, *args],
        cwd=cwd,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,  # the first run builds an environment with wsgen in it
        check=False,
    )


def test_the_hooks_manifest_is_valid_for_pre_commit(tmp_path: Path) -> None:
    result = pre_commit("validate-manifest", ".pre-commit-hooks.yaml", cwd=ROOT, home=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_hooks_lint_and_fix_a_commit_s_yaml_files(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        missing("wsgen is not a git checkout here (pre-commit try-repo reads the hooks from git)")
    need_program("git", "apt-get install git")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, timeout=30)
    (repo / "ingress.yaml").write_text(BAD)
    (repo / "notes.txt").write_text("not YAML: the hooks never see it\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, timeout=30)
    home = tmp_path / "pre-commit-home"

    lint = pre_commit("try-repo", str(ROOT), "wsgen-lint", "--all-files", cwd=repo, home=home)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "ingress.yaml:7:50: error WS204" in lint.stdout
    assert "[fixable]" in lint.stdout and "notes.txt" not in lint.stdout
    assert (repo / "ingress.yaml").read_text() == BAD  # lint alone changes nothing

    fix = pre_commit("try-repo", str(ROOT), "wsgen-lint-fix", "--all-files", cwd=repo, home=home)
    assert fix.returncode == 1, fix.stdout + fix.stderr  # WS201 is left (its fix is unsafe)
    assert "files were modified by this hook" in fix.stdout
    assert "[fixed]" in fix.stdout
    assert (repo / "ingress.yaml").read_text() == BAD.replace("size: 8", 'size: "8"')
