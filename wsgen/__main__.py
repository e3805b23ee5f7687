"""The console script (`wsgen`) and `python -m wsgen`.

wsgen.cli imports typer and the rest of wsgen when it is imported, which takes a good part of a
run's start-up: Ctrl-C during those imports must give the same line and exit code as later, so
the entry point is this module, which imports nothing at its top but sys.
"""

import sys


def run() -> None:
    code = 130  # errors.INTERRUPTED, spelled out: errors may not be imported yet
    try:
        from wsgen import cli

        code = cli.run()  # from its end on, Ctrl-C is ignored: nothing below is interrupted
    except KeyboardInterrupt:  # during the imports, or before cli.run could catch it
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            sys.stderr.write("wsgen: interrupted\n")
            sys.stderr.flush()
        except Exception:  # noqa: S110 - stderr itself failed: nothing left to tell
            pass
    sys.exit(code)


if __name__ == "__main__":
    run()
