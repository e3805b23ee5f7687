"""One exception root; each subclass carries a message for users and an exit code.

The exit codes are part of wsgen's interface (scripts rely on them); they are listed
in `wsgen --help` and in docs/exit-codes.md.
"""

from __future__ import annotations

from collections.abc import Iterable

OK = 0
RUNTIME = 1
DIFFERS = 1  # render --diff: the folder differs from what render would write
BAD_INPUT = 2
NO_TERMINAL = 3
COMMAND_FAILED = 3  # lint, probe: the command itself failed (a bug)
REFUSED = 4
CHANGED = 5
CLOSED = 6  # probe: the connection was closed during the idle hold
OUTPUT_FAILED = 7  # the output could not be written: stdout, stderr or a file (disk full)
BROKEN_PIPE = 141  # the reader closed the pipe (128 + SIGPIPE, as any Unix tool killed by it)
INTERRUPTED = 130

# Every command ends with these (the CLI's epilogs and docs/exit-codes.md list them).
OUTPUT_CODES_HELP = (
    "7 the output could not be written (standard output or error, or a file: a full disk, "
    "a closed file, a read-only folder); "
    "130 interrupted; 141 the output's reader went away (a closed pipe)."
)
EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 runtime error (I/O), or render --diff found differences; "
    "2 bad input (flag, values file, certificate, "
    "an output folder holding a link, or a folder where a file goes); "
    "3 init: answers missing and no terminal to ask on; 4 refused to overwrite a changed file "
    "(use --force) or not confirmed; 5 --check found changes; " + OUTPUT_CODES_HELP
)


class WsgenError(Exception):
    """Base of every error wsgen reports to a user (never with a traceback)."""

    exit_code = RUNTIME

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.notes: list[str] = []  # said on stderr before the error (e.g. why a cert is new)


class BadInput(WsgenError):
    """A flag, environment variable, values file or certificate breaks a rule."""

    exit_code = BAD_INPUT


class MissingAnswers(WsgenError):
    """init without a terminal: answers are missing and there is nobody to ask."""

    exit_code = NO_TERMINAL


class Refused(WsgenError):
    """Writing would overwrite a file whose content changes, and --force was not given."""

    exit_code = REFUSED


class Changed(WsgenError):
    """--check: at least one file would change."""

    exit_code = CHANGED


class CommandFailed(WsgenError):
    """lint or probe itself failed (a bug): not 1, which means findings or a failed step for
    them, nor 2, bad usage."""

    exit_code = COMMAND_FAILED


class OutputFailed(WsgenError):
    """Writing the output failed (standard output or a file): wsgen's own failure, in every
    command, never mistaken for findings (lint) or a failed step (probe)."""

    exit_code = OUTPUT_FAILED


class PipeClosed(WsgenError):
    """The reader of standard output (or error) went away, as `wsgen lint . | head` does:
    exit 141 and say nothing, as a Unix tool killed by SIGPIPE (`set -o pipefail` sees it)."""

    exit_code = BROKEN_PIPE


class RuntimeFailure(WsgenError):
    """The machine failed us: a read or write error, a bug caught by a self-check."""

    exit_code = RUNTIME


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or '' when none is close."""
    import difflib  # only on the error path (start-up time)

    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
