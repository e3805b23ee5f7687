"""The templates' environment (its syntax settings) and their compiled form, shared by
wsgen.render (at run time) and hatch_build.py (which compiles every template into the wheel,
so that a run loads Python modules instead of lexing, parsing and compiling templates).
Imports jinja2 alone.

The wheel carries wsgen/_compiled_templates/: one module per template (jinja2's
Environment.compile_templates, loaded by jinja2.ModuleLoader) and DIGEST_FILE, the digest of
the sources they were compiled from. A run uses them only while that digest is the digest of
the templates beside them; otherwise (a source checkout, an editable install, an edited
template) it compiles the templates as ever (jinja2.FileSystemLoader): same output either way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

COMPILED_DIR = "_compiled_templates"  # inside the package
DIGEST_FILE = "sources.sha256"
FILTERS = ("y", "q")


def environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # The output is YAML and shell, not HTML: HTML escaping would corrupt values. Every
        # string goes through the `y` (YAML scalar) or `q` (always-quoted) filter instead.
        autoescape=False,  # noqa: S701
    )


def digest(templates: Path) -> str:
    """Of every template's path and bytes."""
    result = hashlib.sha256()
    for path in sorted(templates.rglob("*.j2")):
        name, data = path.relative_to(templates).as_posix(), path.read_bytes()
        result.update(f"{name}\0{len(data)}\0".encode() + data)
    return result.hexdigest()


def compile_all(templates: Path, out: Path) -> None:
    """Write every template's module and the digest of the sources into `out`."""
    env = environment(jinja2.FileSystemLoader(templates))
    for name in FILTERS:  # looked up when a template renders; compiling only checks the name
        env.filters[name] = str
    out.mkdir(parents=True, exist_ok=True)
    env.compile_templates(str(out), zip=None, ignore_errors=False)
    (out / DIGEST_FILE).write_text(digest(templates) + "\n")


def loader(package: Path, templates: Path) -> jinja2.BaseLoader:
    """The compiled templates when they were compiled from `templates` as they are now, else
    the sources."""
    compiled = package / COMPILED_DIR
    try:
        recorded = (compiled / DIGEST_FILE).read_text().strip()
    except OSError:
        recorded = ""
    if recorded and recorded == digest(templates):
        return jinja2.ModuleLoader(str(compiled))
    return jinja2.FileSystemLoader(templates)
