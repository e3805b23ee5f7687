"""--out: plan, refuse, force, dry-run, check, atomic writes, untouched identical files."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import wsgen_exe

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


def test_failure_keeps_existing_files_intact(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that fails half-way: the files already replaced are put back."""
    wsgen("render", "-o", "k8s")
    before = tree(hermetic / "k8s")
    real_replace = os.replace
    calls = {"n": 0}

    def failing(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(13, "Permission denied", str(dst))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", failing)
    result = wsgen("render", "--port", "8080", "-o", "k8s", "--force")
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.code == 7
    assert result.err_lines == [
        "wsgen: error: k8s/service.yaml: Permission denied; nothing was written"
    ]
    assert calls["n"] >= 2
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


# --- Through the installed command, as make runs it -----------------------------------------


def run(
    *args: str, cwd: Path, umask: int | None = None, fsize: int | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`wsgen ARGS` in a child process, with a umask or a file-size limit (RLIMIT_FSIZE) set."""

    def setup() -> None:
        if umask is not None:
            os.umask(umask)
        if fsize is not None:
            import resource

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [*wsgen_exe(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=setup,
        check=False,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


SELF_SIGNED = [
    "deployment.yaml",
    "service.yaml",
    "ingress.yaml",
    "kustomization.yaml",
    "tls/tls.crt",
    "tls/tls.key",
    "create-tls-secret.sh",
    "wsgen.yaml",
]


def test_under_umask_002_only_the_key_has_a_required_mode(hermetic: Path) -> None:
    made = run("render", "--tls", "self-signed", "-o", "k8s", cwd=hermetic, umask=0o002)
    assert made.returncode == 0, made.stderr
    k8s = hermetic / "k8s"
    # New files get what any file made under this umask gets (as git checks them out).
    assert {name: mode(k8s / name) for name in SELF_SIGNED} == {
        **{name: 0o664 for name in SELF_SIGNED},
        "tls/tls.key": 0o600,
        "create-tls-secret.sh": 0o775,
    }
    # Any other mode of an ordinary file is the user's: --check and a render leave it alone.
    (k8s / "deployment.yaml").chmod(0o640)
    (k8s / "service.yaml").chmod(0o666)
    check = run("render", "--tls", "self-signed", "-o", "k8s", "--check", cwd=hermetic, umask=2)
    assert (check.returncode, check.stderr) == (0, "wsgen: k8s: up to date (8 files)\n")
    again = run("render", "--tls", "self-signed", "-o", "k8s", cwd=hermetic, umask=0o002)
    assert again.returncode == 0, again.stderr
    assert "set mode" not in again.stderr
    assert "wsgen: k8s: up to date (8 files)" in again.stderr.splitlines()
    assert (mode(k8s / "deployment.yaml"), mode(k8s / "service.yaml")) == (0o640, 0o666)
    # A replaced file keeps its mode too.
    forced = run(
        "render", "--tls", "self-signed", "--port", "8080", "-o", "k8s", "--force",
        cwd=hermetic, umask=0o002,
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert "wsgen: overwrote k8s/deployment.yaml" in forced.stderr.splitlines()
    assert (mode(k8s / "deployment.yaml"), mode(k8s / "service.yaml")) == (0o640, 0o666)
    # The key is the one file with a required mode, and the message says the mode really set.
    (k8s / "tls/tls.key").chmod(0o644)
    args = ["render", "--tls", "self-signed", "--port", "8080", "-o", "k8s"]
    stale = run(*args, "--check", cwd=hermetic, umask=0o002)
    assert stale.returncode == 5
    assert stale.stderr.splitlines() == [
        "wsgen: out of date: k8s/tls/tls.key (would set mode 0600)",
        "wsgen: error: k8s: 1 of 8 files out of date",
    ]
    fixed = run(*args, cwd=hermetic, umask=0o002)
    assert fixed.returncode == 0, fixed.stderr
    assert [line for line in fixed.stderr.splitlines() if "mode" in line] == [
        "wsgen: set mode 0600 on k8s/tls/tls.key"
    ]
    assert mode(k8s / "tls/tls.key") == 0o600
    assert (mode(k8s / "deployment.yaml"), mode(k8s / "service.yaml")) == (0o640, 0o666)


def test_a_new_key_is_0600_whatever_the_umask(hermetic: Path) -> None:
    for umask in (0o000, 0o077):
        out = f"k8s-{umask:o}"
        made = run("render", "--tls", "self-signed", "-o", out, cwd=hermetic, umask=umask)
        assert made.returncode == 0, made.stderr
        assert mode(hermetic / out / "tls/tls.key") == 0o600
        assert mode(hermetic / out / "deployment.yaml") == 0o666 & ~umask


# --- Concurrent renders into one folder (make -j) -------------------------------------------

GROUPS = {
    "two": ["--replicas", "2"],
    "three": ["--replicas", "3"],
    "tls": ["--replicas", "2", "--tls", "self-signed"],
}


def test_concurrent_renders_take_turns_and_never_overwrite(hermetic: Path) -> None:
    """8 renders at once into one folder, in 4 rounds, with differing options, no --force:
    one creates the folder, the others find it made (identical: up to date; different: exit 4)."""
    reference = {}
    for group, options in GROUPS.items():
        made = run("render", *options, "-o", f"ref-{group}", cwd=hermetic)
        assert made.returncode == 0, made.stderr
        reference[group] = tree(hermetic / f"ref-{group}")
    for round_ in range(4):
        out = f"conc{round_}/k8s"
        order = [list(GROUPS)[(round_ + i) % 3] for i in range(8)]
        procs = [
            subprocess.Popen(
                [*wsgen_exe(), "render", *GROUPS[group], "-o", out],
                cwd=hermetic,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for group in order
        ]
        results = []
        for proc in procs:
            try:
                _out, err = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                for each in procs:
                    each.kill()
                raise
            results.append((proc.returncode, err.splitlines()))
        creators = [
            i for i, (_code, err) in enumerate(results) if any("created" in line for line in err)
        ]
        assert len(creators) == 1, results
        winner = order[creators[0]]
        files = list(reference[winner])
        for i, (code, err) in enumerate(results):
            if i == creators[0]:
                assert code == 0, err
                assert sorted(line for line in err if line.startswith("wsgen: created ")) == sorted(
                    f"wsgen: created {out}/{name}" for name in files
                )
            elif order[i] == winner:  # the same render: nothing to do
                assert code == 0, err
                assert f"wsgen: {out}: up to date ({len(files)} files)" in err
                assert not [line for line in err if "created" in line or "overwrote" in line], err
            else:  # another render: refused, as if run one after the other
                assert code == 4, err
                assert len(err) == 1 and err[0].startswith("wsgen: error: refusing to overwrite"), (
                    err
                )
        final = tree(hermetic / out)
        assert sorted(final) == sorted(reference[winner])
        for name, content in final.items():
            if not name.startswith("tls/"):  # the key and certificate are new in each folder
                assert content == reference[winner][name], (round_, name)
        assert not [p for p in (hermetic / out).rglob(".wsgen-*")]
        assert not [p for p in (hermetic / f"conc{round_}").iterdir() if p.name != "k8s"]


def test_a_render_waits_for_the_lock_then_gives_up_with_its_own_message(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    from wsgen import output

    monkeypatch.setattr(output, "LOCK_WAIT_SECONDS", 0.3)
    gave_up = [
        "wsgen: error: k8s: another wsgen run is still writing this folder after 0.3 s "
        "(try again when it is done)"
    ]
    # While k8s does not exist, the lock is on the folder that will hold it.
    for held in (hermetic, hermetic / "k8s"):
        fd = os.open(held, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # as another wsgen run holds it
            before = tree(hermetic)
            waited = wsgen("render", "--replicas", "2", "-o", "k8s")
            assert (waited.code, waited.err_lines) == (1, gave_up)
            assert tree(hermetic) == before
        finally:
            os.close(fd)  # the other run is done
        assert wsgen("render", "-o", "k8s").code == 0
        assert (hermetic / "k8s").is_dir()
    assert sorted(tree(hermetic / "k8s")) == FILES


# --- What wsgen will not write over (exit 2: --force cannot help) ---------------------------

LINK = (
    "is a symbolic link; wsgen writes nothing through a link inside its output folder "
    "(remove the link)"
)


@pytest.mark.parametrize("extra", [[], ["--force"], ["--check"], ["--dry-run"]])
def test_a_dangling_symlink_in_the_folder_is_neither_replaced_nor_followed(
    wsgen, hermetic: Path, extra: list[str]
) -> None:
    outside = hermetic / "outside"
    outside.mkdir()
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/deployment.yaml").symlink_to("../outside/deployment.yaml")
    result = wsgen("render", "-o", "k8s", *extra)
    assert (result.code, result.err_lines, result.out) == (
        2,
        [f"wsgen: error: --out: k8s/deployment.yaml {LINK}"],
        "",
    )
    assert list(outside.iterdir()) == []
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["deployment.yaml"]
    assert (hermetic / "k8s/deployment.yaml").is_symlink()


def test_a_symlink_to_an_identical_file_outside_is_refused_too(wsgen, hermetic: Path) -> None:
    wsgen("render", "-o", "ref")
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/service.yaml").symlink_to(hermetic / "ref/service.yaml")
    result = wsgen("render", "-o", "k8s", "--force")
    assert (result.code, result.err_lines) == (2, [f"wsgen: error: --out: k8s/service.yaml {LINK}"])
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["service.yaml"]


@pytest.mark.parametrize("extra", [[], ["--force"]])
def test_a_symlinked_tls_folder_is_not_followed(wsgen, hermetic: Path, extra: list[str]) -> None:
    elsewhere = hermetic / "elsewhere"
    elsewhere.mkdir()
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/tls").symlink_to("../elsewhere")
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s", *extra)
    assert (result.code, result.err_lines, result.out) == (
        2,
        [f"wsgen: error: --out: k8s/tls {LINK}"],
        "",
    )
    assert list(elsewhere.iterdir()) == []  # no key outside the output folder
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["tls"]


def test_a_symlinked_tls_folder_with_a_key_is_not_read_either(wsgen, hermetic: Path) -> None:
    """The pair kept by a re-run is read from the folder itself, not through a link."""
    assert wsgen("render", "--tls", "self-signed", "-o", "first").code == 0
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/tls").symlink_to(hermetic / "first/tls")
    before = tree(hermetic / "first")
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s", "--check")
    assert (result.code, result.err_lines) == (2, [f"wsgen: error: --out: k8s/tls {LINK}"])
    assert tree(hermetic / "first") == before


def test_cert_does_not_write_its_key_through_a_link(wsgen, hermetic: Path) -> None:
    outside = hermetic / "outside"
    outside.mkdir()
    (hermetic / "tls").mkdir()
    (hermetic / "tls/tls.key").symlink_to(outside / "stolen.key")
    result = wsgen("cert", "--host", "a.example.com", "-o", "tls", "--force")
    assert (result.code, result.err_lines) == (2, [f"wsgen: error: --out: tls/tls.key {LINK}"])
    assert list(outside.iterdir()) == []
    assert [p.name for p in (hermetic / "tls").iterdir()] == ["tls.key"]


@pytest.mark.parametrize("extra", [[], ["--force"], ["--check"]])
def test_a_folder_where_a_file_goes(wsgen, hermetic: Path, extra: list[str]) -> None:
    (hermetic / "k8s/service.yaml").mkdir(parents=True)
    result = wsgen("render", "-o", "k8s", *extra)
    assert (result.code, result.err_lines) == (
        2,
        [
            "wsgen: error: --out: k8s/service.yaml is a folder where wsgen writes a file "
            "(move it away; --force does not replace folders)"
        ],
    )
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["service.yaml"]


@pytest.mark.parametrize("extra", [[], ["--force"]])
def test_a_file_named_tls_where_wsgen_needs_a_folder(
    wsgen, hermetic: Path, extra: list[str]
) -> None:
    (hermetic / "k8s").mkdir()
    (hermetic / "k8s/tls").write_text("mine\n")
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s", *extra)
    assert (result.code, result.err_lines) == (
        2,
        [
            "wsgen: error: --out: k8s/tls is a file where wsgen needs a folder "
            "(move it away; --force does not replace it)"
        ],
    )
    assert tree(hermetic / "k8s") == {"tls": b"mine\n"}


@pytest.mark.parametrize("extra", [[], ["--check"]])
def test_a_fifo_where_a_file_goes_is_an_error_not_a_hang(hermetic: Path, extra: list[str]) -> None:
    (hermetic / "k8s").mkdir()
    os.mkfifo(hermetic / "k8s/deployment.yaml")
    result = run("render", "-o", "k8s", *extra, cwd=hermetic, timeout=30)
    assert (result.returncode, result.stderr) == (
        2,
        "wsgen: error: --out: k8s/deployment.yaml is a FIFO where wsgen writes a file "
        "(move it away)\n",
    )
    assert [p.name for p in (hermetic / "k8s").iterdir()] == ["deployment.yaml"]


def test_out_itself_may_be_a_link(wsgen, hermetic: Path) -> None:
    """The folder named by --out is the user's path: a link there is followed as given."""
    (hermetic / "real").mkdir()
    (hermetic / "k8s").symlink_to("real")
    assert wsgen("render", "-o", "k8s").code == 0
    assert sorted(tree(hermetic / "real")) == FILES
    (hermetic / "gone").symlink_to("nowhere")
    result = wsgen("render", "-o", "gone")
    assert (result.code, result.err_lines) == (
        2,
        ["wsgen: error: --out: gone is a symbolic link to nothing"],
    )
    assert not (hermetic / "nowhere").exists()


# --- Write failures: exit 7, one line naming the file and the reason, nothing written -------


def test_a_write_that_fails_names_the_file_and_writes_nothing(hermetic: Path) -> None:
    """RLIMIT_FSIZE makes the kernel refuse the write (EFBIG), as root too."""
    fresh = run("render", "--tls", "self-signed", "-o", "k8s/app", cwd=hermetic, fsize=1000)
    assert (fresh.returncode, fresh.stderr) == (
        7,
        "wsgen: error: k8s/app/deployment.yaml: File too large; nothing was written\n",
    )
    assert list(hermetic.iterdir()) == []  # not even the folders
    assert run("render", "-o", "k8s", cwd=hermetic).returncode == 0
    before = tree(hermetic / "k8s")
    forced = run("render", "--port", "8080", "-o", "k8s", "--force", cwd=hermetic, fsize=1000)
    assert (forced.returncode, forced.stderr) == (
        7,
        "wsgen: error: k8s/deployment.yaml: File too large; nothing was written\n",
    )
    assert tree(hermetic / "k8s") == before
    assert sorted(p.name for p in (hermetic / "k8s").iterdir()) == FILES  # no temporary files


def _namespace_with_mounts() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return probe.returncode == 0


FS_SCRIPT = r"""
set -u
disk=$1; logs=$2; shift 2
mount -t tmpfs -o size=8k tmpfs "$disk" || exit 99
cd "$disk"
"$@" render -o full 2>"$logs/full"; echo "full $?"; ls -A; echo "--"
cd /; umount "$disk"; mount -t tmpfs -o size=1m tmpfs "$disk" || exit 99; cd "$disk"
"$@" render -o k8s 2>/dev/null; echo "first $?"
before=$(cat k8s/*.yaml | cksum)
mount -o remount,ro "$disk" || exit 99
"$@" render --port 8080 --force -o k8s 2>"$logs/ro"; echo "ro $?"
"$@" render -o new 2>"$logs/new"; echo "new $?"
[ "$(cat k8s/*.yaml | cksum)" = "$before" ] && echo "k8s unchanged"
"""


def test_a_full_disk_and_a_read_only_folder(tmp_path: Path) -> None:
    """A real full file system and a real read-only one: a tmpfs in a private mount namespace."""
    if not _namespace_with_mounts():
        pytest.skip("no unprivileged mount namespace here (unshare --user --mount)")
    disk, logs = tmp_path / "disk", tmp_path / "logs"
    disk.mkdir()
    logs.mkdir()
    command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FS_SCRIPT, "sh"]
    result = subprocess.run(
        [*command, str(disk), str(logs), *wsgen_exe()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # 8 KiB cannot hold five files: the files already written and the folder are removed.
    assert result.stdout.splitlines() == [
        "full 7", "--", "first 0", "ro 7", "new 7", "k8s unchanged"
    ]  # fmt: skip
    full = (logs / "full").read_text()  # which file fills the disk depends on the page size
    assert re.fullmatch(
        r"wsgen: error: full/[a-z]+\.yaml: No space left on device; nothing was written\n", full
    ), full
    assert (logs / "ro").read_text() == (
        "wsgen: error: k8s/deployment.yaml: Read-only file system; nothing was written\n"
    )
    assert (logs / "new").read_text() == (
        "wsgen: error: new: Read-only file system; nothing was written\n"
    )
