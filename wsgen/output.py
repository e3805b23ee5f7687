"""Plan and write an output folder: create / identical / overwrite / refuse, then write
atomically (every file to a temporary name first, renamed only once all of them are written).

A file whose content is unchanged is never touched (its mtime stays, `make` stays quiet). A
file whose content would change is replaced only with --force.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wsgen.errors import BadInput, Refused, RuntimeFailure
from wsgen.render import MODE_KEY, File

CREATE = "create"
IDENTICAL = "identical"
OVERWRITE = "overwrite"
REFUSE = "refuse"


@dataclass(frozen=True)
class Step:
    path: str  # relative to the output folder, '/'-separated
    action: str
    fix_mode: bool = False  # identical content, but permissions to set (a key readable by others)

    @property
    def changes(self) -> bool:
        return self.action != IDENTICAL


def _target(out: Path, relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if PurePosixPath(relative).is_absolute() or ".." in parts or not parts:
        raise ValueError(f"refusing a path outside the output folder: {relative!r}")
    return out.joinpath(*parts)


def check_folder(out: Path) -> None:
    """--out must be a folder or a path where one can be made (no file on the way)."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                raise BadInput(f"--out: {folder} is a file, not a folder")
            return


def plan(out: Path, files: Mapping[str, File], force: bool) -> list[Step]:
    """What writing `files` into `out` would do (call check_folder(out) first)."""
    steps = []
    for relative, file in files.items():
        target = _target(out, relative)
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            steps.append(Step(relative, CREATE))
            continue
        except IsADirectoryError:
            raise Refused(f"{target} is a folder where wsgen writes a file; move it away") from None
        except OSError as error:
            raise RuntimeFailure(f"{target}: {error.strerror}") from None
        if current == file.content:
            loose = stat.S_IMODE(target.stat().st_mode) & ~file.mode & 0o077
            steps.append(Step(relative, IDENTICAL, fix_mode=bool(loose)))
        else:
            steps.append(Step(relative, OVERWRITE if force else REFUSE))
    return steps


def write(out: Path, files: Mapping[str, File], steps: list[Step]) -> None:
    """Carry out a plan with no REFUSE step, all or nothing: every new content goes to a
    temporary file first; the originals are kept (hard links, or copies where links are not
    possible) until every rename succeeded, and put back if one fails. Folders this call
    created are removed again on failure.

    Modes: a private key is always 0600. A new file gets 0644 (0755 for a script) less the
    umask; a replaced file keeps the mode it had."""
    import shutil
    import tempfile  # only when writing (start-up time)

    if any(step.action == REFUSE for step in steps):
        raise ValueError("a plan with refused steps cannot be written")
    umask = os.umask(0)
    os.umask(umask)
    created_dirs: list[Path] = []
    staged: list[tuple[Path, Path]] = []  # (temporary file, target)
    backups: dict[Path, Path] = {}  # target -> its old content
    renamed: list[Path] = []
    completed = False
    try:
        for step in steps:
            if not step.changes:
                continue
            target = _target(out, step.path)
            file = files[step.path]
            created_dirs.extend(_make_dirs(target.parent))
            handle, temp_name = tempfile.mkstemp(prefix=".wsgen-", dir=target.parent)
            staged.append((Path(temp_name), target))
            mode = file.mode if file.mode == MODE_KEY else file.mode & ~umask
            if step.action == OVERWRITE:
                if file.mode != MODE_KEY:
                    mode = stat.S_IMODE(target.stat().st_mode)
                backup = Path(tempfile.mktemp(prefix=".wsgen-old-", dir=target.parent))  # noqa: S306 - link/copy onto a fresh name
                try:
                    os.link(target, backup)
                except OSError:
                    shutil.copy2(target, backup)
                backups[target] = backup
            with os.fdopen(handle, "wb") as stream:
                os.fchmod(stream.fileno(), mode)
                stream.write(file.content)
        for temp, target in staged:
            os.replace(temp, target)
            renamed.append(target)
        for step in steps:
            if step.fix_mode:
                _target(out, step.path).chmod(files[step.path].mode)
        completed = True
    except OSError as error:
        where = error.filename or out
        raise RuntimeFailure(f"{where}: {error.strerror or error}; nothing was written") from None
    finally:
        if not completed:
            for target in reversed(renamed):
                with contextlib.suppress(OSError):
                    if target in backups:
                        os.replace(backups.pop(target), target)
                    else:
                        target.unlink()
            for temp, _unused in staged:
                with contextlib.suppress(OSError):
                    temp.unlink()
            for folder in reversed(created_dirs):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        for backup in backups.values():
            with contextlib.suppress(OSError):
                backup.unlink()


def _make_dirs(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (outermost first)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))
