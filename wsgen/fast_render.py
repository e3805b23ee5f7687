"""`wsgen render` without typer: importing typer (and its click) is a good part of a run's
start-up, and render is the command scripts and CI run over and over.

`parse` takes only a command line it reads exactly as typer would: `render` then long flags of
wsgen.model.options() (the table typer's parameters are built from), `--flag value` or
`--flag=value`, booleans alone, mapping options repeated, and render's own flags (-f/--values,
-o/--out, -n, --force, --dry-run, --check). For anything else (help, --version, a flag it does
not know, an abbreviation, a value starting with '-', '--', another command, typer's shell
completion) it returns None and wsgen.cli, typer, parses the command line as ever, errors
included. Both run `render` below and end in wsgen.runner; tests/test_fast_render.py checks
that the two agree, byte for byte.

WSGEN_FORCE_TYPER=1 (for tests and for comparing by hand) always takes the typer path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsgen import core, errors, model, runner

VALUES_FLAGS = ("--values", "-f")
OUT_FLAGS = ("--out", "-o")
# render's switches, by the name its options carry them under
RENDER_SWITCHES = {
    "force": "--force",
    "dry_run": "--dry-run",
    "check": "--check",
    "diff": "--diff",
}
FORCE_TYPER = "WSGEN_FORCE_TYPER"
_VALUE, _SWITCH, _REPEATED = "value", "switch", "repeated"


def param_name(option: model.Option) -> str:
    """The name an option's value is passed under: its flag, in snake case."""
    return option.flag[2:].replace("-", "_")


def _flags() -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    """Every flag render takes -> (its name, how it takes a value); and what each name is
    when its flag is not given (what typer passes then)."""
    flags: dict[str, tuple[str, str]] = {flag: ("values", _VALUE) for flag in VALUES_FLAGS}
    flags |= {flag: ("out", _VALUE) for flag in OUT_FLAGS}
    flags |= {flag: (name, _SWITCH) for name, flag in RENDER_SWITCHES.items()}
    unset: dict[str, Any] = {"values": None, "out": None} | dict.fromkeys(RENDER_SWITCHES, False)
    for option in model.options().values():
        name = param_name(option)
        kind = _REPEATED if option.mapping or option.many else _SWITCH if option.boolean else _VALUE
        flags |= {flag: (name, kind) for flag in (option.flag, *option.short)}
        unset[name] = False if option.boolean else None
    return flags, unset


def parse(args: list[str]) -> dict[str, Any] | None:
    """render's options from a plain command line, as typer passes them; None: leave it to
    typer."""
    if not args or args[0] != "render" or os.environ.get(FORCE_TYPER):
        return None
    if "_WSGEN_COMPLETE" in os.environ:  # click's shell completion
        return None
    flags, options = _flags()
    rest = iter(args[1:])
    for token in rest:
        flag, equals, value = token.partition("=")
        if not equals:
            flag = token
        if not flag.startswith("-") or flag not in flags or (equals and flag[1] != "-"):
            return None
        name, kind = flags[flag]
        if kind == _SWITCH:
            if equals:
                return None  # typer: "Option '--force' does not take a value"
            options[name] = True
            continue
        if not equals:
            value = next(rest, None)  # type: ignore[assignment]
            if value is None:
                return None  # typer: "Option '--port' requires an argument"
        if value.startswith("-") and value != "-":  # "-" alone is a value to click too (-f -)
            return None
        if kind == _REPEATED:
            options[name] = [*(options[name] or []), value]
        else:
            options[name] = value
    return options


def render(options: dict[str, Any]) -> int:
    """`wsgen render` once its options are parsed (by `parse` or by typer)."""
    force, dry_run, check = options["force"], options["dry_run"], options["check"]
    diff = options["diff"]
    out_path = path("--out", options["out"], "WSGEN_OUT")
    if out_path is None:
        for flag, given in (
            ("--force", force),
            ("--dry-run", dry_run),
            ("--check", check),
            ("--diff", diff),
        ):
            if given:
                raise errors.BadInput(f"{flag}: only works with --out DIR")
    if diff:
        for flag, given in (("--dry-run", dry_run), ("--check", check), ("--force", force)):
            if given:
                raise errors.BadInput(
                    f"--diff and {flag}: give one (--diff writes nothing and shows every "
                    "change, a file --force would replace too)"
                )
    one_of_dry_run_and_check(dry_run, check)
    config = model.build(layers(options))
    result = core.render_manifests(
        config, out_path, force=force, dry_run=dry_run, check=check, diff=diff
    )
    if diff:
        show_diff(result.stdout)
        result.stdout = ""
    show(result)
    return errors.DIFFERS if result.differs else errors.OK


def one_of_dry_run_and_check(dry_run: bool, check: bool) -> None:
    """render's and init's --dry-run and --check: both is bad usage."""
    if dry_run and check:
        raise errors.BadInput(
            "--dry-run and --check: give one (--check has the exit code CI needs)"
        )


def show_diff(patch: str) -> None:
    """A diff on stdout: on a terminal, to be read (nothing in it moves the cursor), else a
    patch (a name or text that is not UTF-8 as its bytes), as lint --diff writes one."""
    import sys

    from wsgen.terminal import escape, is_terminal

    if not patch:
        return
    if is_terminal(sys.stdout):
        runner.emit("".join(escape(line) + "\n" for line in patch[:-1].split("\n")))
    else:
        runner.emit(patch.encode("utf-8", "surrogateescape"))


def layers(options: dict[str, Any]) -> list[tuple[model.Layer, Path]]:
    """Values file, environment and flags, weakest first."""
    flags = {option.key: options[param_name(option)] for option in model.options().values()}
    result: list[tuple[model.Layer, Path]] = []
    from wsgen.terminal import escape

    for line in model.unknown_variables(os.environ):
        runner.emit(f"wsgen: {escape(line)}\n", stderr=True)
    values_path = path("--values", options["values"], "WSGEN_VALUES")
    if values_path is not None:
        if str(values_path) == model.STDIN and options["values"] is None:
            raise errors.BadInput(
                "WSGEN_VALUES: '-' (standard input) is taken only as -f - on the command line "
                "(a variable outlives the command whose input it meant)"
            )
        import sys

        stdin = None if sys.stdin is None else sys.stdin.buffer
        result.append(model.values_layer(values_path, stdin))
    result.append((model.environ_layer(os.environ), Path.cwd()))
    result.append((model.flags_layer(flags), Path.cwd()))
    return result


def path(flag: str, given: str | None, variable: str) -> Path | None:
    """A path from its flag, else its environment variable (an empty variable is unset)."""
    origin = flag
    if given is None:
        given, origin = os.environ.get(variable) or None, variable
    if given is None:
        return None
    if given == model.STDIN and flag in OUT_FLAGS:  # -f - reads stdin: -o - is taken for it too
        raise errors.BadInput(
            f"{origin}: '-' would be a folder named '-', not standard output (render without "
            "--out prints there; ./- names such a folder)"
        )
    return arg_path(origin, given)


def arg_path(origin: str, given: str) -> Path:
    """A path option's value: PEM or other text pasted where a path belongs is named in the
    error, never echoed (model.user_path, the check every path wsgen takes passes)."""
    return Path(model.user_path(given, origin))


def show(result: core.Result) -> None:
    if result.stdout:
        runner.emit(result.stdout)
    for line in result.notes:
        runner.emit(f"wsgen: {line}\n", stderr=True)


def command(args: list[str]) -> Callable[[], int]:
    """What the console script runs for `args`: render without typer when `parse` takes the
    command line, else wsgen.cli (imported here, so that its imports happen before the
    command starts)."""
    options = parse(args)
    if options is None:
        from wsgen import cli

        return lambda: cli.run(args)
    parsed = options
    return lambda: runner.run(lambda: render(parsed))


def main(args: list[str]) -> int:
    """The console script's choice, in this process (tests): like wsgen.cli.main, which is
    always typer."""
    options = parse(args)
    if options is None:
        from wsgen import cli

        return cli.main(args)
    return runner.main(lambda: render(options))
