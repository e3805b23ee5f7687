"""Hatch build hook: the wheel carries every template compiled (wsgen/_compiled_templates/,
see wsgen/templating.py), so that an installed wsgen does not compile them on each run. An
editable install and the sdist carry none: they compile from templates/ as a checkout does.

Compiled afresh on every build from templates/ (never from an earlier build's output), into a
temporary folder; a run checks the recorded digest of the sources before using them.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileTemplates(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        # wsgen.templating alone (it imports jinja2 and nothing of wsgen): the build needs
        # jinja2, not wsgen's other dependencies.
        spec = importlib.util.spec_from_file_location(
            "_wsgen_templating", root / "wsgen" / "templating.py"
        )
        assert spec is not None and spec.loader is not None  # noqa: S101
        templating = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(templating)
        self._out = Path(tempfile.mkdtemp(prefix="wsgen-templates-"))
        templating.compile_all(root / "templates", self._out)
        build_data["force_include"][str(self._out)] = f"wsgen/{templating.COMPILED_DIR}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
