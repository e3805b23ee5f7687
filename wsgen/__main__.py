"""The console script (`wsgen`) and `python -m wsgen`.

wsgen.cli imports typer and the rest of wsgen when it is imported, which takes a good part of a
run's start-up: Ctrl-C during those imports must give the same line and exit code as later, so
the entry point is this module, which imports nothing at its top but sys. A plain `wsgen
render` command line never imports typer (wsgen.fast_render); every other goes to wsgen.cli.
"""

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable

_interrupted: list[bool] = []


def _keep_interrupts(unraisable: "sys.UnraisableHookArgs") -> None:
    """A Ctrl-C that lands in code where Python cannot raise it (a weakref callback of the import
    machinery, a __del__) reaches sys.unraisablehook, which would print it as "Exception ignored
    ... KeyboardInterrupt" and lose it: keep it, so that run() ends as for any Ctrl-C."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        _interrupted.append(True)
        return
    sys.__unraisablehook__(unraisable)


def _interrupt_inside(error: BaseException) -> bool:
    """Python turns a Ctrl-C that lands in some hooks of class creation (a dataclass field's
    __set_name__) into RuntimeError("Error calling __set_name__ ..."), the KeyboardInterrupt its
    cause: that is a Ctrl-C too."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _imported_command() -> "Callable[[], int]":
    """wsgen's imports and the command chosen for this command line (Ctrl-C during them is a
    KeyboardInterrupt, whatever Python wrapped it in)."""
    try:
        from wsgen import fast_render

        return fast_render.command(sys.argv[1:])  # imports typer unless render needs none
    except Exception as error:
        if _interrupt_inside(error):
            raise KeyboardInterrupt from None
        raise


def run() -> None:
    sys.unraisablehook = _keep_interrupts
    code = 130  # errors.INTERRUPTED, spelled out: errors may not be imported yet
    try:
        command = _imported_command()
        if _interrupted:  # lost during the imports
            raise KeyboardInterrupt
        code = command()  # from its end on, Ctrl-C is ignored: nothing below is interrupted
        if _interrupted and code != 130:  # lost during the command, which then went on
            raise KeyboardInterrupt
    except KeyboardInterrupt:  # during the imports, or before the command could catch it
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            sys.stderr.write("wsgen: interrupted\n")
            sys.stderr.flush()
        except Exception:  # noqa: S110 - stderr itself failed: nothing left to tell
            pass
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    run()
