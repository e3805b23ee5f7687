"""The wheel carries the templates: build it, install it into a fresh venv, run it elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
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


def _build_wheel_into(tmp_path: Path) -> Path:
    """The wheel, built as pip builds it, unpacked (an install's site-packages/wsgen)."""
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("wsgen-*.whl")
    tree = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(tree)  # noqa: S202 - the wheel just built
    return tree


def _wsgen_from(tree: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}
    return subprocess.run(
        [sys.executable, "-m", "wsgen", *args],
        capture_output=True, timeout=60, cwd=cwd, env={**env, "PYTHONPATH": str(tree)},
    )  # fmt: skip


def _loader(tree: Path, cwd: Path) -> str:
    code = "from wsgen import render; print(type(render.environment().loader).__name__)"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=cwd, env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


RENDERS = [
    *(["-f", str(values), "-o", f"out-{values.parent.name}"] for values in sorted(EXAMPLES.glob("*/wsgen.yaml"))),
    [],
    ["--tls", "secret", "--host", "chat.example.com", "--sticky", "--env", "A=1"],
    ["--tls", "cert-manager", "--issuer", "letsencrypt", "--annotation", "a.example/b=c"],
    ["--target", "nginx"],
    ["--target", "nginx", "--upstream", "10.0.0.5:8080", "--listen", "8443", "--timeout", "2h"],
    ["--target", "envoy-gateway", "--gateway-class", "eg", "--tls", "secret", "--sticky"],
    ["--target", "envoy-gateway", "--gateway", "shared", "--gateway-namespace", "infra"],
    ["--port", "0"],  # an error, from a template-free path: the same line
]  # fmt: skip


def test_the_wheels_compiled_templates_render_the_same_bytes(tmp_path: Path) -> None:
    """hatch_build.py compiles every template into the wheel; an installed wsgen renders with
    them (jinja2.ModuleLoader), a checkout compiles the sources: byte for byte the same."""
    tree = _build_wheel_into(tmp_path)
    compiled = tree / "wsgen" / "_compiled_templates"
    assert len(list(compiled.glob("tmpl_*.py"))) == len(list((ROOT / "templates").rglob("*.j2")))
    runs = {}
    for name, source in (("wheel", tree), ("checkout", ROOT)):
        cwd = tmp_path / name
        cwd.mkdir()
        assert _loader(source, cwd) == ("ModuleLoader" if name == "wheel" else "FileSystemLoader")
        results = [_wsgen_from(source, cwd, "render", *args) for args in RENDERS]
        written = {
            str(p.relative_to(cwd)): p.read_bytes() for p in sorted(cwd.rglob("*")) if p.is_file()
        }
        runs[name] = ([(r.returncode, r.stdout, r.stderr) for r in results], written)
    assert runs["wheel"] == runs["checkout"]
    codes = [code for code, _, _ in runs["wheel"][0]]
    assert codes == [0] * (len(RENDERS) - 1) + [2]
    assert len(runs["wheel"][1]) > 20


def test_an_edited_template_is_used_not_its_stale_compiled_form(tmp_path: Path) -> None:
    tree = _build_wheel_into(tmp_path)
    service = tree / "wsgen" / "templates" / "service.yaml.j2"
    service.write_text(service.read_text() + "# edited after the build\n")
    cwd = tmp_path / "run"
    cwd.mkdir()
    assert _loader(tree, cwd) == "FileSystemLoader"
    rendered = _wsgen_from(tree, cwd, "render")
    assert rendered.returncode == 0, rendered.stderr
    assert b"# edited after the build\n" in rendered.stdout


def test_an_editable_install_and_the_sdist_carry_no_compiled_templates(tmp_path: Path) -> None:
    """Compiled templates exist only in a wheel; a checkout (and the editable install that
    points at it) has none to go stale."""
    assert not (ROOT / "wsgen" / "_compiled_templates").exists()
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (sdist,) = tmp_path.glob("wsgen-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "_compiled_templates" in n]
    assert any(n.endswith("/hatch_build.py") for n in names)
