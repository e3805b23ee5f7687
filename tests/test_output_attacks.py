"""--out under attack (review of the folder lock and link-free writes): a signal in the middle
of a write, a link swapped in after the plan, files larger than wsgen's read limit."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from pathlib import Path

import pytest

from wsgen import output


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob(".wsgen-*")]


# --- Ctrl-C (a real SIGINT) at the worst moments of a write --------------------------------

WORST_MOMENTS = {
    # just after a temporary file is made, before wsgen has noted it for removal
    "temporary file": ("open", ".wsgen-", 2),
    # just after the new folder is made under its temporary name
    "temporary folder": ("mkdir", ".wsgen-", 1),
    # while the backups of replaced files are removed, after the last rename
    "backup removal": ("unlink", ".wsgen-old-", 1),
}


@pytest.mark.parametrize("moment", list(WORST_MOMENTS))
def test_ctrl_c_during_a_write_leaves_all_old_or_all_new_and_no_temporary_files(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    call, prefix, nth = WORST_MOMENTS[moment]
    out = "new/k8s" if call == "mkdir" else "k8s"
    if call != "mkdir":
        assert wsgen("render", "--tls", "self-signed", "-o", out).code == 0
    before = tree(hermetic / out) if (hermetic / out).exists() else {}
    assert wsgen("render", "--tls", "self-signed", "--port", "8080", "-o", "ref").code == 0
    real = getattr(os, call)
    seen = {"n": 0}

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        if str(args[0]).startswith(prefix):
            seen["n"] += 1
            if seen["n"] == nth:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, right after the call did its work
        return result

    monkeypatch.setattr(os, call, interrupted)
    result = wsgen("render", "--tls", "self-signed", "--port", "8080", "-o", out, "--force")
    monkeypatch.setattr(os, call, real)
    assert seen["n"] >= nth
    assert (result.code, result.err_lines, result.out) == (130, ["wsgen: interrupted"], "")
    assert leftovers(hermetic) == []
    after = tree(hermetic / out) if (hermetic / out).exists() else {}
    reference = tree(hermetic / "ref")
    new = {name: after.get(name) for name in reference if not name.startswith("tls/")}
    old = {name: before.get(name) for name in reference if not name.startswith("tls/")}
    expected = {name: reference[name] for name in new}
    assert new == expected or new == old  # all new or all old, never a mix
    assert set(after) in (set(before), set(reference))


# --- A link or FIFO put in place by another program between the plan and the write ---------


def test_a_link_or_fifo_swapped_in_after_the_plan_is_refused_not_replaced(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wsgen("render", "-o", "k8s").code == 0
    (hermetic / "outside").write_text("outside\n")
    before_plan = output.plan

    def swapping(folder, files, force):  # type: ignore[no-untyped-def]
        steps = before_plan(folder, files, force)
        (hermetic / "k8s/deployment.yaml").unlink()  # another program, not under the lock
        (hermetic / "k8s/deployment.yaml").symlink_to("../outside")
        (hermetic / "k8s/service.yaml").unlink()
        os.mkfifo(hermetic / "k8s/service.yaml")
        return steps

    monkeypatch.setattr(output, "plan", swapping)
    result = wsgen("render", "--port", "8080", "-o", "k8s", "--force")
    monkeypatch.setattr(output, "plan", before_plan)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "wsgen: error: --out: k8s/deployment.yaml is a symbolic link; wsgen writes nothing "
        "through a link inside its output folder (remove the link)"
    ]
    # Neither replaced (by a file of the link's mode 0777) nor followed; nothing else written.
    assert (hermetic / "k8s/deployment.yaml").is_symlink()
    assert stat.S_ISFIFO((hermetic / "k8s/service.yaml").lstat().st_mode)
    assert (hermetic / "outside").read_text() == "outside\n"
    assert b"8080" not in b"".join(tree(hermetic / "k8s").values())
    assert leftovers(hermetic) == []


# --- A manifest larger than the read limit is still wsgen's own ----------------------------


def test_a_file_larger_than_the_read_limit_is_compared_not_refused_as_foreign(
    wsgen, hermetic: Path
) -> None:
    """A file in the folder larger than 1 MiB (wsgen's limit on reading back a certificate or
    key; model keeps each rendered object under 1 MiB) is a changed file like any other:
    refused without --force, out of date for --check, replaced with --force."""
    assert wsgen("render", "-o", "k8s").code == 0
    (hermetic / "k8s/deployment.yaml").write_bytes(b"a" * (output.READ_LIMIT + 1))
    again = wsgen("render", "-o", "k8s")
    assert again.code == 4 and "k8s/deployment.yaml" in again.err, again.err
    check = wsgen("render", "-o", "k8s", "--check")
    assert check.code == 5
    assert check.err_lines[0] == "wsgen: out of date: k8s/deployment.yaml (would change)"
    forced = wsgen("render", "-o", "k8s", "--force")
    assert (forced.code, forced.err_lines) == (0, ["wsgen: overwrote k8s/deployment.yaml"])


# --- A folder on the way made by another program (a parallel `mkdir -p` in a make recipe) --


def test_a_folder_made_by_another_program_meanwhile_is_said_so_not_a_write_failure(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_plan = output.plan

    def racing(folder, files, force):  # type: ignore[no-untyped-def]
        steps = before_plan(folder, files, force)
        (hermetic / "k8s/prod").mkdir(parents=True)  # another make job: mkdir -p k8s/prod
        return steps

    monkeypatch.setattr(output, "plan", racing)
    result = wsgen("render", "-o", "k8s/staging")
    monkeypatch.setattr(output, "plan", before_plan)
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == [
        "wsgen: error: k8s: made by another program while wsgen was making it (a parallel "
        "mkdir?); nothing was written (run again)"
    ]
    assert sorted(str(p.relative_to(hermetic)) for p in hermetic.rglob("*")) == ["k8s", "k8s/prod"]
    again = wsgen("render", "-o", "k8s/staging")
    assert again.code == 0, again.err
    assert sorted(p.name for p in (hermetic / "k8s").iterdir()) == ["prod", "staging"]


def test_files_behind_a_linked_tls_folder_are_not_called_leftovers(wsgen, hermetic: Path) -> None:
    """Without TLS files to write, a linked tls/ is left alone: and what it points to is the
    user's, not 'from an earlier run' to delete."""
    (hermetic / "secrets").mkdir()
    (hermetic / "secrets/tls.key").write_text("the user's own key\n")
    assert wsgen("render", "-o", "k8s").code == 0
    (hermetic / "k8s/tls").symlink_to("../secrets")
    result = wsgen("render", "-o", "k8s")
    assert (result.code, result.err_lines) == (0, ["wsgen: k8s: up to date (5 files)"])
    assert (hermetic / "secrets/tls.key").read_text() == "the user's own key\n"


# --- An --out the system refuses to look up ------------------------------------------------


@pytest.mark.parametrize("parent", ["", "k8s/"])  # an existing folder above it, or none
@pytest.mark.parametrize(
    "command",
    [
        ["render"],
        ["render", "--dry-run"],
        ["render", "--check"],
        ["init", "--defaults"],
        ["cert", "--host", "x"],
    ],
)
def test_an_out_name_too_long_is_one_line_not_an_internal_error(
    wsgen, hermetic: Path, command: list[str], parent: str
) -> None:
    out = parent + "a" * 300  # longer than any file system's name limit (255 bytes)
    result = wsgen(*command, "-o", out)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        f"wsgen: error: --out: text of {len(out)} characters (a file name is at most 255 bytes), "
        "not a path"
    ]
    assert list(hermetic.iterdir()) == []


def test_an_out_wsgen_may_not_enter_is_exit_7_like_any_other_write_it_may_not_do() -> None:
    """A folder without permission, on the way to --out or as --out: the same exit 7 and one
    line as a folder wsgen may not write in (was exit 2, 1 or an internal error)."""
    import shutil
    import subprocess

    from conftest import wsgen_exe

    as_user: list[str] = []
    if os.geteuid() == 0:  # root passes every permission check: run as nobody
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop to another user")
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    work = Path(tempfile.mkdtemp())  # outside pytest's folders, which only their owner enters
    try:
        work.chmod(0o755)  # the other user must reach the folders inside
        (work / "closed").mkdir(mode=0o700)  # root's: closed to nobody
        if not as_user:
            (work / "closed").chmod(0o000)
        (work / "readonly").mkdir()
        (work / "readonly").chmod(0o555)
        expected = {
            "closed/k8s": "wsgen: error: closed/k8s: Permission denied; nothing was written\n",
            "closed": "wsgen: error: closed: Permission denied; nothing was written\n",
            "readonly/k8s": "wsgen: error: readonly/k8s: Permission denied; nothing was written\n",
        }
        for out, line in expected.items():
            result = subprocess.run(
                [*as_user, *wsgen_exe(), "render", "-o", out],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert (result.returncode, result.stderr, result.stdout) == (7, line, ""), out
        (work / "closed").chmod(0o700)
        assert list((work / "closed").iterdir()) == []
        assert list((work / "readonly").iterdir()) == []
    finally:
        (work / "closed").chmod(0o700)
        shutil.rmtree(work)
