"""Plan and write an output folder: create / identical / overwrite / refuse, then write
atomically (every file to a temporary name first, renamed only once all of them are written).

A file whose content is unchanged is never touched (its mtime stays, `make` stays quiet). A
file whose content would change is replaced only with --force.

The folder is held under a lock (`opened`) from the plan to the last rename, so two wsgen runs
into one folder (`make -j`) take turns: the second plans only after the first has written.
Inside the folder, nothing is followed: a symbolic link, a folder where a file goes, a file where
a folder goes or a FIFO is an error of its own (exit 2; --force does not replace them), and
every file is opened relative to the folder's own descriptor with O_NOFOLLOW.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wsgen.errors import BadInput, OutputFailed, RuntimeFailure
from wsgen.render import MODE_KEY, File

CREATE = "create"
IDENTICAL = "identical"
OVERWRITE = "overwrite"
REFUSE = "refuse"

# How long a run waits for another wsgen run to finish with the same folder.
LOCK_WAIT_SECONDS = 60.0
LOCK_POLL_SECONDS = 0.02
# wsgen's own files are a few KiB; a certificate or key read back larger than this is not one.
READ_LIMIT = 1 << 20

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


@dataclass(frozen=True)
class Step:
    path: str  # relative to the output folder, '/'-separated
    action: str
    fix_mode: bool = False  # identical content, but a private key readable by others: chmod 0600

    @property
    def changes(self) -> bool:
        return self.action != IDENTICAL


def _parts(relative: str) -> tuple[str, ...]:
    path = PurePosixPath(relative)
    parts = path.parts
    if path.is_absolute() or not parts or any(part in ("..", ".") for part in parts):
        raise ValueError(f"refusing a path outside the output folder: {relative!r}")
    return parts


def check_folder(out: Path) -> None:
    """--out must be a folder or a path where one can be made (no file on the way)."""
    for folder in (out, *out.parents):
        if os.path.lexists(folder):
            if not folder.exists():
                raise BadInput(f"--out: {folder} is a symbolic link to nothing")
            if not folder.is_dir():
                raise BadInput(f"--out: {folder} is a file, not a folder")
            return


def _unusable(shown: str, mode: int, *, want_folder: bool) -> BadInput:
    """The one-line error for something in the output folder that wsgen will not write over."""
    if stat.S_ISLNK(mode):
        return BadInput(
            f"--out: {shown} is a symbolic link; wsgen writes nothing through a link inside "
            "its output folder (remove the link)"
        )
    if want_folder:
        return BadInput(
            f"--out: {shown} is a file where wsgen needs a folder (move it away; --force does "
            "not replace it)"
        )
    if stat.S_ISDIR(mode):
        return BadInput(
            f"--out: {shown} is a folder where wsgen writes a file (move it away; --force does "
            "not replace folders)"
        )
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return BadInput(f"--out: {shown} is {kind} where wsgen writes a file (move it away)")


def _fail(shown: object, error: OSError) -> OutputFailed:
    return OutputFailed(f"{shown}: {error.strerror or error}; nothing was written")


class Folder:
    """An output folder held under an exclusive lock (see `opened`). `fd` is the folder's own
    descriptor, or None while it does not exist (the lock is then on `anchor`, its nearest
    existing parent, and `create` makes it, already locked)."""

    def __init__(self, out: Path, anchor: Path, anchor_fd: int, missing: tuple[str, ...]):
        self.out = out
        self.anchor = anchor
        self.anchor_fd = anchor_fd
        self.missing = missing  # the folders from anchor down to out that do not exist yet
        self.fd: int | None = None if missing else anchor_fd
        self.locked = True  # False on a file system without locks
        self._fds: list[int] = [anchor_fd]

    def shown(self, relative: str) -> str:
        return os.path.join(self.out, *_parts(relative))

    def close(self) -> None:
        for fd in reversed(self._fds):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    def lookup(self, relative: str) -> os.stat_result | None:
        """The file at `relative` (lstat), None when it or a folder on its way is missing;
        BadInput for a link, a folder where the file goes or a file where a folder goes."""
        parts = _parts(relative)
        if self.fd is None:
            return None
        fd = self.fd
        opened: list[int] = []
        try:
            for depth, name in enumerate(parts):
                shown = os.path.join(self.out, *parts[: depth + 1])
                try:
                    info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    return None
                except OSError as error:
                    raise RuntimeFailure(f"{shown}: {error.strerror}") from None
                last = depth == len(parts) - 1
                if last:
                    if not stat.S_ISREG(info.st_mode):
                        raise _unusable(shown, info.st_mode, want_folder=False)
                    return info
                if not stat.S_ISDIR(info.st_mode):
                    raise _unusable(shown, info.st_mode, want_folder=True)
                try:
                    fd = os.open(name, _DIR, dir_fd=fd)
                except OSError as error:
                    raise RuntimeFailure(f"{shown}: {error.strerror}") from None
                opened.append(fd)
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            for each in opened:
                os.close(each)

    def read(self, relative: str, limit: int = READ_LIMIT) -> bytes | None:
        """The content of the file at `relative` (None when missing), never through a link;
        RuntimeFailure when it is larger than `limit`."""
        info = self.lookup(relative)
        if info is None:
            return None
        shown = self.shown(relative)
        if info.st_size > limit:
            raise RuntimeFailure(f"{shown}: larger than {limit} bytes; not a file wsgen wrote")
        parent = self._open_parent(relative, create=None)
        try:
            fd = os.open(
                _parts(relative)[-1],
                os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                dir_fd=parent,
            )
        except OSError as error:
            raise RuntimeFailure(f"{shown}: {error.strerror}") from None
        finally:
            if parent != self.fd:
                os.close(parent)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the lookup
                raise _unusable(shown, os.fstat(fd).st_mode, want_folder=False)
            chunks = []
            size = 0
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise RuntimeFailure(f"{shown}: larger than {limit} bytes")
            return b"".join(chunks)
        except OSError as error:
            raise RuntimeFailure(f"{shown}: {error.strerror}") from None
        finally:
            os.close(fd)

    def _open_parent(self, relative: str, create: list[tuple[int, str]] | None) -> int:
        """A new descriptor of the folder that holds `relative` (self.fd itself when that is
        the output folder); with `create`, missing folders are made and recorded there."""
        if self.fd is None:
            raise ValueError("the output folder does not exist yet")
        fd = self.fd
        parts = _parts(relative)
        for depth, name in enumerate(parts[:-1]):
            if create is not None:
                try:
                    os.mkdir(name, 0o777, dir_fd=fd)
                    create.append((os.dup(fd), name))
                except FileExistsError:
                    pass
                except OSError as error:
                    raise _fail(os.path.join(self.out, *parts[: depth + 1]), error) from None
            try:
                inner = os.open(name, _DIR, dir_fd=fd)
            except OSError as error:
                raise _fail(os.path.join(self.out, *parts[: depth + 1]), error) from None
            if fd != self.fd:
                os.close(fd)
            fd = inner
        return fd

    def create(self) -> list[tuple[int, str]]:
        """Make the output folder (and the missing folders above it) under a temporary name,
        lock it, then rename it into place: another run sees it only once it is locked.
        Returns what to remove on failure."""
        if self.fd is not None:
            return []
        temp = f".wsgen-{os.urandom(6).hex()}"
        made: list[tuple[int, str]] = []
        fd = self.anchor_fd
        try:
            for index, name in enumerate(self.missing):
                here = temp if index == 0 else name
                os.mkdir(here, 0o777, dir_fd=fd)
                made.append((fd, here))
                fd = os.open(here, _DIR, dir_fd=fd)
                self._fds.append(fd)
            if self.locked:
                _try_lock(fd)
            os.rename(temp, self.missing[0], src_dir_fd=self.anchor_fd, dst_dir_fd=self.anchor_fd)
        except OSError as error:
            for parent, name in reversed(made):
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=parent)
            top = Path(*self.out.parts[: len(self.out.parts) - len(self.missing) + 1])
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                raise RuntimeFailure(
                    f"{top}: made by another program while wsgen was making it (a parallel "
                    "mkdir?); nothing was written (run again)"
                ) from None
            raise _fail(self.out, error) from None
        made[0] = (self.anchor_fd, self.missing[0])
        self.fd = fd
        return made


def _try_lock(fd: int) -> bool:
    """flock(fd) without waiting: True when locked, False when another holds it."""
    import fcntl  # POSIX only; imported when a folder is opened (start-up time)

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF)


def _nearest(out: Path) -> tuple[Path, tuple[str, ...]]:
    """The nearest existing folder of `out` (itself or a parent) and the names below it."""
    check_folder(out)
    for folder in (out, *out.parents):
        try:
            found = stat.S_ISDIR(os.stat(folder).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            found = False
        except OSError as error:  # a name too long, a folder on the way not searchable
            if error.errno == errno.ENAMETOOLONG:
                raise BadInput(f"--out: {out}: {error.strerror}") from None
            raise _fail(out, error) from None
        if found:
            missing = out.parts[len(folder.parts) :] if folder != out else ()
            if ".." in missing:
                raise BadInput(f"--out: {out} has '..' after a folder that does not exist")
            try:
                longest = os.pathconf(folder, "PC_NAME_MAX")
            except (OSError, ValueError):
                longest = 255
            if any(len(os.fsencode(name)) > longest for name in missing):  # as --check says
                raise BadInput(f"--out: {out}: {os.strerror(errno.ENAMETOOLONG)}")
            return folder, missing
    raise BadInput(f"--out: {out} has no existing folder above it")  # pragma: no cover


@contextlib.contextmanager
def opened(out: Path, wait: float | None = None) -> Iterator[Folder]:
    """Hold `out` for planning and writing. The lock is flock(2) on the folder itself (on its
    nearest existing parent while it does not exist): no lock file is left behind, and a run
    that is killed releases it. Another run waits up to LOCK_WAIT_SECONDS, then fails."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        anchor, missing = _nearest(out)
        try:
            fd = os.open(anchor, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as error:
            raise _fail(anchor, error) from None
        folder = Folder(out, anchor, fd, missing)
        try:
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise RuntimeFailure(
                        f"{out}: another wsgen run is still writing this folder after "
                        f"{wait:g} s (try again when it is done)"
                    )
                time.sleep(LOCK_POLL_SECONDS)
        except OSError as error:
            if error.errno not in _NO_LOCKS:
                folder.close()
                raise RuntimeFailure(f"{anchor}: cannot lock: {error.strerror}") from None
            folder.locked = False  # a file system without flock: go on unlocked
        except BaseException:
            folder.close()
            raise
        # Still the folder we locked, and still the nearest existing one (a run before us may
        # have made `out`, or removed it again after a failure)?
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(anchor)) and _nearest(out) == (
                anchor,
                missing,
            )
        except (OSError, BadInput):
            same = False
        if same:
            break
        folder.close()
    try:
        yield folder
    finally:
        folder.close()


def plan(folder: Folder, files: Mapping[str, File], force: bool) -> list[Step]:
    """What writing `files` into the folder would do."""
    steps = []
    for relative, file in files.items():
        info = folder.lookup(relative)
        if info is None:
            steps.append(Step(relative, CREATE))
            continue
        same = info.st_size == len(file.content) and (
            folder.read(relative, limit=max(READ_LIMIT, len(file.content))) == file.content
        )
        if same:
            loose = file.mode == MODE_KEY and bool(stat.S_IMODE(info.st_mode) & 0o077)
            steps.append(Step(relative, IDENTICAL, fix_mode=loose))
        else:
            steps.append(Step(relative, OVERWRITE if force else REFUSE))
    return steps


def write(folder: Folder, files: Mapping[str, File], steps: list[Step]) -> None:
    """`_write` with Ctrl-C (and SIGTERM, SIGHUP) held until it is done or rolled back: a
    signal in the middle would leave a mix of old and new files or temporary files behind.
    The signal takes effect right after."""
    with _signals_held():
        _write(folder, files, steps)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    import signal

    caught: list[int] = []
    previous: dict[signal.Signals, object] = {}
    try:
        for held in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[held] = signal.signal(held, lambda number, _frame: caught.append(number))
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        pass
    try:
        yield
    finally:
        for held, handler in previous.items():
            if handler is not None:
                signal.signal(held, handler)  # type: ignore[arg-type]
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


def _write(folder: Folder, files: Mapping[str, File], steps: list[Step]) -> None:
    """Carry out a plan with no REFUSE step, all or nothing: every new content goes to a
    temporary file first; the originals are kept (hard links, or copies where links are not
    possible) until every rename succeeded, and put back if one fails. Folders this call
    created are removed again on failure. A failure raises OutputFailed naming the file.

    Modes: a private key is always 0600. A new file gets 0666 (0777 for a script) less the
    umask, as any file a user makes; a replaced file keeps the mode it had."""
    if any(step.action == REFUSE for step in steps):
        raise ValueError("a plan with refused steps cannot be written")
    if not any(step.changes or step.fix_mode for step in steps):
        return
    created: list[tuple[int, str]] = []  # (parent fd, name) of folders made, outermost first
    staged: list[tuple[int, str, str, str]] = []  # (parent fd, temporary name, name, shown)
    backups: dict[tuple[int, str], str] = {}  # (parent fd, name) -> its old content
    renamed: list[tuple[int, str]] = []
    fds: list[int] = []
    completed = False
    try:
        created.extend(folder.create())
        for step in steps:
            if not step.changes:
                continue
            file = files[step.path]
            shown = folder.shown(step.path)
            parent = folder._open_parent(step.path, create=created)
            if parent != folder.fd:
                fds.append(parent)
            name = _parts(step.path)[-1]
            temp = f".wsgen-{os.urandom(6).hex()}"
            base = _new_mode(file)
            try:
                handle = os.open(
                    temp,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                    base,  # less the umask
                    dir_fd=parent,
                )
            except OSError as error:
                raise _fail(shown, error) from None
            staged.append((parent, temp, name, shown))
            try:
                try:
                    old = _current(parent, name, shown)
                    if file.mode == MODE_KEY:
                        os.fchmod(handle, MODE_KEY)
                    elif old is not None:
                        os.fchmod(handle, stat.S_IMODE(old.st_mode))
                    _write_all(handle, file.content)
                finally:
                    os.close(handle)
            except OSError as error:
                raise _fail(shown, error) from None
            if step.action == OVERWRITE:
                backups[(parent, name)] = _backup(parent, name, shown)
        for parent, temp, name, shown in staged:
            try:
                os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
            except OSError as error:
                raise _fail(shown, error) from None
            renamed.append((parent, name))
        for step in steps:
            if step.fix_mode:
                _chmod_key(folder, step.path)
        completed = True
    finally:
        if not completed:
            for parent, name in reversed(renamed):
                with contextlib.suppress(OSError):
                    if (parent, name) in backups:
                        os.replace(
                            backups.pop((parent, name)), name, src_dir_fd=parent, dst_dir_fd=parent
                        )
                    else:
                        os.unlink(name, dir_fd=parent)
            for parent, temp, _name, _shown in staged:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=parent)
            for parent, name in reversed(created):
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=parent)
        for (parent, _name), backup in backups.items():
            with contextlib.suppress(OSError):
                os.unlink(backup, dir_fd=parent)
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        for fd, _name in created:
            if fd not in (folder.anchor_fd, folder.fd) and fd not in folder._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)


def _current(parent: int, name: str, shown: str) -> os.stat_result | None:
    """The file about to be replaced, looked at again: another program may have put a link or
    a FIFO there since the plan (it is never followed, and its mode is not copied)."""
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise _unusable(shown, info.st_mode, want_folder=False)
    return info


def _new_mode(file: File) -> int:
    """The mode a new file is made with, less the umask (a key: 0600, set again after)."""
    if file.mode == MODE_KEY:
        return MODE_KEY
    return 0o777 if file.mode & 0o111 else 0o666


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def _backup(parent: int, name: str, shown: str) -> str:
    """A second name for the file being replaced (a hard link, else a copy)."""
    backup = f".wsgen-old-{os.urandom(6).hex()}"
    try:
        os.link(name, backup, src_dir_fd=parent, dst_dir_fd=parent, follow_symlinks=False)
        return backup
    except OSError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
        try:
            target = os.open(backup, flags, 0o600, dir_fd=parent)
            try:
                while chunk := os.read(source, 65536):
                    os.write(target, chunk)
            finally:
                os.close(target)
        finally:
            os.close(source)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(backup, dir_fd=parent)
        raise _fail(shown, error) from None
    return backup


def _chmod_key(folder: Folder, relative: str) -> None:
    shown = folder.shown(relative)
    parent = folder._open_parent(relative, create=None)
    try:
        fd = os.open(
            _parts(relative)[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent
        )
        try:
            os.fchmod(fd, MODE_KEY)
        finally:
            os.close(fd)
    except OSError as error:
        raise _fail(shown, error) from None
    finally:
        if parent != folder.fd:
            os.close(parent)
