"""Golden files: every example folder is exactly what its own wsgen.yaml renders.

`pytest --update-golden` rewrites them from the current output; review with `git diff`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

import oracles
from conftest import EXAMPLES, GOLDEN, wsgen_exe

FOLDER_EXAMPLES = sorted(p.parent.name for p in EXAMPLES.glob("*/wsgen.yaml"))


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "README.md"
    }


def test_the_required_examples_exist() -> None:
    assert {"ack-echo", "game-ws", "link-wss"} <= set(FOLDER_EXAMPLES)
    assert (EXAMPLES / "makefile" / "Makefile").is_file()


@pytest.mark.parametrize("example", FOLDER_EXAMPLES)
def test_example_renders_to_its_checked_in_folder(
    example: str, wsgen, tmp_path: Path, update_golden: bool
) -> None:
    folder = EXAMPLES / example
    out = tmp_path / "out"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(out))
    assert result.code == 0, result.err
    assert result.out == ""
    if update_golden:
        for name, content in files_under(out).items():
            (folder / name).write_bytes(content)
    assert files_under(out) == files_under(folder)


@pytest.mark.parametrize("example", FOLDER_EXAMPLES)
def test_example_folder_is_up_to_date_by_check(example: str, wsgen) -> None:
    folder = EXAMPLES / example
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    count = len(files_under(folder))
    # before it, only the target's warnings (istio's timeout note, NGF's ip_hash caveat)
    assert result.err_lines[-1] == f"wsgen: {folder}: up to date ({count} files)"
    assert not [line for line in result.err_lines if "out of date" in line]


def test_ack_echo_matches_the_guide(wsgen) -> None:
    """The ACK guide's numbers: default namespace, test.example.com, port 3000, 3600 s,
    TLS Secret nginx-ingress-tls."""
    ingress = (EXAMPLES / "ack-echo" / "ingress.yaml").read_text()
    assert 'nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"' in ingress
    assert 'nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"' in ingress
    assert "secretName: nginx-ingress-tls" in ingress
    assert "namespace: default" in ingress
    assert "number: 3000" in ingress


STREAMS = {
    # name -> arguments; the rendered stdout is compared with tests/golden/<name>.yaml
    "defaults": [],
    "everything": [
        "--name", "chat", "-n", "team-a", "--image", "ghcr.io/acme/chat:1.2@sha256:" + "ab" * 32,
        "--port", "8443", "--replicas", "3", "--env", "MODE=prod", "--env", "GREETING=hi: there",
        "--host", "*.chat.example.com", "--path", "/socket.io", "--ingress-class", "internal",
        "--timeout", "2h", "--tls", "secret", "--tls-secret", "chat-cert",
        "--annotation", "nginx.ingress.kubernetes.io/proxy-body-size=8m",
        "--annotation", "example.com/owner=team a # not a comment",
    ],
    "cert-manager-issuer": ["--tls", "cert-manager", "--issuer", "ca-issuer", "--issuer-kind", "Issuer"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *STREAMS[name])
    assert result.code == 0, result.err
    golden = GOLDEN / f"{name}.yaml"
    if update_golden:
        golden.write_text(result.out)
    assert result.out == golden.read_text()
    assert result.err == ""


def test_makefile_example_generates_its_checked_in_folders(
    tmp_path: Path, update_golden: bool
) -> None:
    oracles.need_program("make", "apt-get install make")
    source = EXAMPLES / "makefile"
    work = tmp_path / "makefile"
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("k8s"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}

    def make(*targets: str) -> subprocess.CompletedProcess[str]:
        command = ["make", "-s", f"WSGEN={' '.join(wsgen_exe())}", *targets]
        return subprocess.run(
            command, cwd=work, env=env, capture_output=True, text=True, timeout=60
        )

    made = make()
    assert made.returncode == 0, made.stderr
    if update_golden:
        shutil.rmtree(source / "k8s", ignore_errors=True)
        shutil.copytree(work / "k8s", source / "k8s")
    assert files_under(work / "k8s") == files_under(source / "k8s")
    # A second `make` changes nothing, and `make check` agrees.
    before = {p: p.stat().st_mtime_ns for p in (work / "k8s").rglob("*.yaml")}
    again = make()
    assert again.returncode == 0, again.stderr
    assert {p: p.stat().st_mtime_ns for p in before} == before
    check = make("check")
    assert check.returncode == 0, check.stderr
    # After an edit to values.yaml, `make check` fails (exit 5 from wsgen) until `make` runs.
    values = work / "values.yaml"
    values.write_text(values.read_text().replace("replicas: 2", "replicas: 4"))
    stale = make("check")
    assert stale.returncode != 0
    assert "out of date" in stale.stderr
    assert files_under(work / "k8s") == files_under(source / "k8s")  # check wrote nothing
    # `make` catches up once, then settles (the recipe touches its target).
    assert make().returncode == 0
    assert make("-q").returncode == 0
    (work / "values.yaml").touch()
    assert make().returncode == 0
    assert make("-q").returncode == 0


def test_makefile_check_passes_on_a_checkout_made_under_umask_002(tmp_path: Path) -> None:
    """git checks files out 0664 under umask 002: only a key has a required mode, so `make check`
    agrees and `make` leaves the modes as they are."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    work = tmp_path / "makefile"
    shutil.copytree(EXAMPLES / "makefile", work)
    for path in (work / "k8s").rglob("*.yaml"):
        path.chmod(0o664)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}

    def make(*targets: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "-s", f"WSGEN={' '.join(wsgen_exe())}", *targets],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=lambda: os.umask(0o002),
            check=False,
        )

    check = make("check")
    assert (check.returncode, check.stderr.splitlines()) == (
        0,
        [
            "wsgen: k8s/staging: up to date (5 files)",
            "wsgen: k8s/production: up to date (5 files)",
        ],
    )
    forced = make("-B")  # every render runs, with --force
    assert forced.returncode == 0, forced.stderr
    assert "mode" not in forced.stderr
    assert files_under(work / "k8s") == files_under(EXAMPLES / "makefile" / "k8s")
    assert {stat.S_IMODE(p.stat().st_mode) for p in (work / "k8s").rglob("*.yaml")} == {0o664}
    assert make("check").returncode == 0
