"""Running one command in this process: its output, its errors as one line, its exit code,
and Ctrl-C. Both ways a command line is parsed (wsgen.cli, with typer, and wsgen.fast_render,
without it) end here, so that an output failure, a closed pipe, an interrupt or an unexpected
error looks the same whichever parsed it. Imports nothing of typer (start-up time).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from wsgen import errors

# --debug (a typer-only option: wsgen --debug COMMAND): unexpected errors keep their traceback.
state = {"debug": False}


def emit(text: str | bytes, *, stderr: bool = False) -> None:
    """Write and flush at once, so that a failure is seen here: a reader that went away is
    errors.PipeClosed (exit 141, silent), any other failure errors.OutputFailed (exit 7). Never
    an OSError, which the commands' own handling could take for a network or file problem."""
    stream = sys.stderr if stderr else sys.stdout
    name = "standard error" if stderr else "standard output"
    if stream is None:
        raise errors.OutputFailed(f"cannot write {name}: it is closed")
    try:
        binary = getattr(stream, "buffer", None)
        if binary is None:
            stream.write(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
            stream.flush()
        else:
            # A pipe whose reader goes away mid-write takes only part of a large write; a text
            # stream drops the count (and the rest) without an error: write the bytes until all
            # are taken, so that the next write meets the closed pipe.
            stream.flush()
            data = memoryview(
                text
                if isinstance(text, bytes)
                else text.encode(stream.encoding, stream.errors or "strict")
            )
            while data:
                data = data[binary.write(data) :]
            binary.flush()
    except BrokenPipeError:
        _silence(stream)
        raise errors.PipeClosed("") from None
    except (OSError, ValueError) as error:  # ValueError: the stream is closed
        _silence(stream)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "it is closed"
        raise errors.OutputFailed(f"cannot write {name}: {reason}") from None


def _silence(stream: Any) -> None:
    """Point a stream that failed at /dev/null: what is left in its buffer goes there when
    Python flushes it at exit, instead of failing again ("Exception ignored ...")."""
    with contextlib.suppress(Exception):
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


def say(line: str) -> None:
    """One line on stderr, best effort: a report about a failure must not fail in turn."""
    with contextlib.suppress(errors.WsgenError):
        emit(line + "\n", stderr=True)


def _is_click_error(error: Exception) -> bool:
    # typer (>= 0.26) carries its own click and exposes no public class for its usage errors;
    # they are ClickExceptions, recognised by their shape.
    return hasattr(error, "format_message") and isinstance(getattr(error, "exit_code", None), int)


def main(dispatch: Callable[[], Any]) -> int:
    """Run a command in this process and return its exit code; errors are one line on stderr.
    Leaves the SIGINT handler as it found it (see run)."""
    previous = signal.getsignal(signal.SIGINT)
    try:
        return run(dispatch)
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError, TypeError):  # not the main thread
                signal.signal(signal.SIGINT, previous)


def run(dispatch: Callable[[], Any]) -> int:
    """main() for a process that exits next (wsgen.__main__): once the command is over, Ctrl-C
    is ignored, so that nothing interrupts the last lines and the exit. Ctrl-C before that, at
    any point, is exit 130 with one line. `dispatch` runs the command and returns its exit
    code (anything but an int: 0)."""
    state["debug"] = False
    try:
        try:
            code = _guarded(dispatch)
        finally:
            _ignore_interrupts()
    except KeyboardInterrupt:  # raised outside typer's own handling (it returns 130 itself)
        _ignore_interrupts()
        code = errors.INTERRUPTED
    if code == errors.INTERRUPTED:
        say("wsgen: interrupted")
    return _flushed(code)


def _ignore_interrupts() -> None:
    with contextlib.suppress(ValueError):  # not the main thread: nothing to ignore there
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _flushed(code: int) -> int:
    """Flush what is left (Python would do it at exit, where a failure is a stray message
    and exit code 120): an output that could not be written is wsgen's own failure."""
    if code in (errors.OUTPUT_FAILED, errors.BROKEN_PIPE):
        return code  # said (or not) already; the failed stream points at /dev/null
    try:
        if sys.stdout is not None:
            emit("")
    except errors.PipeClosed as error:
        return code if code == errors.INTERRUPTED else error.exit_code
    except errors.OutputFailed as error:
        say(f"wsgen: error: {error.message}")
        return code if code == errors.INTERRUPTED else error.exit_code
    with contextlib.suppress(errors.WsgenError):
        if sys.stderr is not None:
            emit("", stderr=True)
    return code


def _guarded(dispatch: Callable[[], Any]) -> int:
    try:
        try:
            code = dispatch()
        except Exception as error:
            # Messages quote what was typed ("No such option: -----BEGIN PRIVATE KEY-----..."
            # for a key pasted where an option belongs): key material is replaced by what it is
            # before any message is shown.
            message = getattr(error, "message", None)
            if isinstance(message, str):
                from wsgen.model import redact

                error.message = redact(message)  # type: ignore[attr-defined]
            raise
    except errors.PipeClosed as error:  # silent, as a tool killed by SIGPIPE
        return error.exit_code
    except errors.WsgenError as error:
        if not isinstance(error, errors.BadInput):  # bad input: the one line alone
            for line in error.notes:
                say(f"wsgen: {line}")
        say(f"wsgen: error: {error.message}")
        return error.exit_code
    except Exception as error:
        if _is_click_error(error):
            message = " ".join(error.format_message().split())  # type: ignore[attr-defined]
            ctx = getattr(error, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            say(f"wsgen: error: {message}{hint}")
            return int(error.exit_code)  # type: ignore[attr-defined]
        if state["debug"]:
            raise
        say(f"wsgen: internal error: {type(error).__name__}: {error} (--debug shows the traceback)")
        return errors.RUNTIME
    # typer turns Ctrl-C inside a command into exit code 130 by itself; run says so.
    return code if isinstance(code, int) else errors.OK
