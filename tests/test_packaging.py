"""The wheel carries the templates: build it, install it into a fresh venv, run it elsewhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import EXAMPLES, GOLDEN, ROOT


def test_wheel_installs_and_renders_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("wsgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(n for n in names if n.startswith("wsgen/templates/"))
    assert templates == sorted(
        f"wsgen/templates/{p.relative_to(ROOT / 'templates')}"
        for p in (ROOT / "templates").rglob("*.j2")
    )

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = EXAMPLES / "ack-echo"
    rendered = subprocess.run(
        [str(venv / "bin/wsgen"), "render", "-f", str(example / "wsgen.yaml"), "-o", "k8s"],
        capture_output=True, text=True, timeout=60, cwd=elsewhere,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    for name in (
        "deployment.yaml",
        "service.yaml",
        "ingress.yaml",
        "kustomization.yaml",
        "wsgen.yaml",
    ):
        assert (elsewhere / "k8s" / name).read_bytes() == (example / name).read_bytes(), name
    nginx = subprocess.run(
        [str(venv / "bin/wsgen"), "render", "--target", "nginx"],
        capture_output=True, text=True, timeout=60, cwd=elsewhere,
    )  # fmt: skip
    assert nginx.returncode == 0, nginx.stderr
    assert nginx.stdout == (GOLDEN / "nginx" / "plain.conf").read_text()
    version = subprocess.run(
        [str(venv / "bin/wsgen"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=elsewhere,
    )
    assert version.stdout == "wsgen 0.1.0\n"
