"""The command line: parse options, make one core call, print, map errors to exit codes.

Options are plain strings here; all validation happens once, in wsgen.model, so a bad value
gets the same one-line message from a flag, an environment variable or a values file.
"""

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from wsgen import core, errors, model, runner
from wsgen.fast_render import (
    OUT_FLAGS,
    RENDER_SWITCHES,
    VALUES_FLAGS,
    arg_path,
    one_of_dry_run_and_check,
    param_name,
    path,
    show_diff,
)
from wsgen.fast_render import layers as _layers
from wsgen.fast_render import render as _render
from wsgen.fast_render import show as _print
from wsgen.runner import emit as _emit
from wsgen.runner import say as _say

if TYPE_CHECKING:
    from wsgen.lint import Options as LintOptions
    from wsgen.lint import Report


def _show_help(ctx: Any, param: Any, value: bool) -> None:
    # click's own --help writes with click.echo, whose failures (a full disk, a closed pipe)
    # would bypass wsgen's handling of output failures: the same help, through _emit.
    if value and not ctx.resilient_parsing:
        _emit(ctx.get_help() + "\n")
        ctx.exit()


class _HelpThroughEmit:
    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.callback = _show_help
        return option


# --install-completion and --show-completion: the shells typer writes a completion script for
SHELLS = ("bash", "zsh", "fish")  # typer's PowerShell script is left out: untested here
_COMPLETION_FLAGS = ("--install-completion", "--show-completion")
_SHELL_NAMED = "wsgen.shell"  # ctx.meta: the shell named after a completion flag


class _Group(_HelpThroughEmit, TyperGroup):
    """Help through _emit (command-line parse errors, which quote what was typed, are shown
    with key material redacted by wsgen.runner); shell completion (typer's protocol and
    scripts) with wsgen's completions of the choices."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `--show-completion zsh`: typer's flags take no value (its click has no optional
        # values), so the word after one, when it is not an option, names the shell. Only
        # wsgen's own options are looked at (none takes a value): a command's are its own.
        args = list(args)
        for index, word in enumerate(args):
            if not word.startswith("-") or word == "--":
                break
            flag, equals, shell = word.partition("=")  # --show-completion=zsh as well
            if flag in _COMPLETION_FLAGS and equals:
                args[index], ctx.meta[_SHELL_NAMED] = flag, shell
                break
            named = index + 1 < len(args) and not args[index + 1].startswith("-")
            if word in _COMPLETION_FLAGS and named:
                ctx.meta[_SHELL_NAMED] = args.pop(index + 1)
                break
        result: list[str] = super().parse_args(ctx, args)
        return result

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: Any = None
    ) -> None:
        import os

        if os.environ.get(complete_var or "_WSGEN_COMPLETE"):
            from typer._completion_classes import completion_init

            completion_init()  # typer's bash, zsh, fish and PowerShell classes
        super()._main_shell_completion(ctx_args, prog_name, complete_var)


def _usage_piece(param: Any) -> list[str]:
    """An argument in the usage line as its metavar (PATH..., URL), in [ ] when optional:
    typer writes a required one as {URL}, which reads like a placeholder to type as is."""
    if not isinstance(param, TyperArgument):
        return []
    name = param.metavar or (param.name or "").upper()
    return [name if param.required else f"[{name}]"]


class _Command(_HelpThroughEmit, TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            pieces.extend(_usage_piece(param))
        return pieces


app = typer.Typer(
    cls=_Group,
    add_completion=False,  # its flags, with a shell named or found: _main
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Kubernetes manifests (ingress-nginx, Gateway API, Traefik) or an nginx.conf for "
    "WebSocket services that keep connections open.",
    epilog=errors.EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def metavar(option: model.Option) -> str:
    """What --help shows for an option's value: its own, KEY=VALUE for a mapping, else its
    flag's name (--port: PORT)."""
    if option.metavar:
        return option.metavar
    return "KEY=VALUE" if option.mapping else option.flag[2:].upper().replace("-", "_")


def default_text(option: model.Option) -> str:
    """An option's default as --help shows it ("" when it has none)."""
    return option.default or model.DEFAULTS.get(option.key, "")


_BRIEF = 72  # typer wraps a completion's description (zsh, fish) at 80 columns


def _brief(about: str) -> str:
    """A line about a choice, short enough for one line of a shell's completion menu: its
    closing parenthesis left out when too long."""
    if len(about) > _BRIEF and about.endswith(")") and " (" in about:
        about = about[: about.rindex(" (")]
    return about


def choices(option: model.Option) -> tuple[tuple[str, str], ...]:
    """The values an option takes, each with a line about it (shell completion); () when it
    takes any value of its kind."""
    from wsgen import targets

    if option.key == "target":
        return tuple((name, _brief(t.about)) for name, t in targets.TARGETS.items())
    if option.key == "cloud":
        from wsgen import cloud

        providers = tuple((p.name, _brief(p.about)) for p in cloud.PROVIDERS.values())
        return ((cloud.NO_CLOUD, "none, or one wsgen does not know"), *providers)
    listed: tuple[str, ...] = getattr(option.check, "choices", ())
    return tuple((value, "") for value in listed)


def _completer(
    values: Callable[[], tuple[tuple[str, str], ...]],
) -> Callable[[str], list[tuple[str, str]]]:
    """A typer autocompletion: the values that start with what was typed (only worked out
    when the shell asks)."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [(value, about) for value, about in values() if value.startswith(incomplete)]

    return complete


def _fixed(*listed: str) -> Callable[[str], list[tuple[str, str]]]:
    return _completer(lambda: tuple((value, "") for value in listed))


def _opt(option: model.Option) -> Any:
    text = option.help
    if option.key == "target":
        from wsgen import targets

        text = text.format(targets=", ".join(targets.TARGETS))
    default = default_text(option)
    shown = f"default: {default}; " if default and not option.boolean else ""
    about = f"{text} [{shown}env {option.env}; values key {option.key}]"
    if option.boolean:
        return typer.Option(False, option.flag, *option.short, help=about)
    listed = choices(option)  # only these get a completion (typer inspects each callback)
    return typer.Option(
        None,
        option.flag,
        *option.short,
        metavar=metavar(option),
        help=about,
        show_default=False,
        autocompletion=_completer(lambda: listed) if listed else None,
    )


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        _emit(f"wsgen {version('wsgen')}\n")
        raise typer.Exit(0)


def _shell(ctx: typer.Context, flag: str) -> str:
    """The shell named after the flag, else the one wsgen runs in (BadInput if neither)."""
    name_one = f"name one: {flag} {model.or_list(SHELLS)}"
    named = ctx.meta.get(_SHELL_NAMED)
    if named is not None:
        if named not in SHELLS:
            raise errors.BadInput(
                f"{flag}: {model.show(named)} is not a shell wsgen completes in (one of: "
                f"{', '.join(SHELLS)})"
            )
        return str(named)
    from typer._completion_shared import _get_shell_name  # shellingham's answer

    found = _get_shell_name()
    if found is None:
        raise errors.BadInput(f"{flag}: cannot tell which shell runs wsgen; {name_one}")
    if found not in SHELLS:
        raise errors.BadInput(
            f"{flag}: wsgen runs in {found}, which it does not complete in; {name_one}"
        )
    return found


def _completion_script(shell: str) -> str:
    # typer's scripts, as its own --show-completion prints them (the module is typer's, from
    # 0.26 to 0.28 at least: pyproject pins typer below 0.29)
    from typer._completion_shared import get_completion_script

    script: str = get_completion_script(
        prog_name="wsgen", complete_var="_WSGEN_COMPLETE", shell=shell
    )
    return script


def _show_completion(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        _emit(_completion_script(_shell(ctx, "--show-completion")) + "\n")
        raise typer.Exit(0)


def _install_completion(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        shell = _shell(ctx, "--install-completion")
        path = _install(shell)
        from wsgen.terminal import escape

        shown = escape(str(path))  # HOME as set: nothing in it reaches the terminal raw
        _emit(f"wsgen: {shell} completion installed in {shown}; it works in shells started now\n")
        raise typer.Exit(0)


# What --install-completion writes, where typer's install writes it: the script (under HOME)
# and the lines of the start-up file that load it (fish loads its folder by itself).
_ZSH_LINE = "fpath+=~/.zfunc; autoload -Uz compinit; compinit"
_ZSH_STYLE = "zstyle ':completion:*' menu select"  # only where the file has no zstyle yet


def _install(shell: str) -> Path:
    """The completion script written, and the lines that load it added at the end of the
    shell's start-up file when it lacks them. The start-up file is only ever appended to (typer's
    install rewrites it, as text in the locale's encoding: a Latin-1 ~/.bashrc was an internal
    error, leading blanks of ~/.zshrc were stripped, a blank line was added on each run)."""
    import os
    import stat

    flag = "--install-completion"
    # HOME set but empty or relative: Python takes "" as / (the scripts went into /.config)
    given = os.environ.get("HOME")
    if given is not None and not os.path.isabs(given):
        raise errors.BadInput(
            f"{flag}: HOME is {model.show(given)}, not an absolute folder; set it, or install "
            f"the script by hand: wsgen --show-completion {shell}"
        )
    home = os.path.expanduser("~")  # HOME, or the password database's when HOME is unset
    script_path = (
        Path(home)
        / {
            "bash": ".bash_completions/wsgen.sh",
            "zsh": ".zfunc/_wsgen",
            "fish": ".config/fish/completions/wsgen.fish",
        }[shell]
    )
    rc_path = {"bash": Path(home) / ".bashrc", "zsh": Path(home) / ".zshrc"}.get(shell)
    script = _completion_script(shell) + ("\n" if shell == "fish" else "")

    def failed(path: Path, error: OSError) -> errors.RuntimeFailure:
        return errors.RuntimeFailure(f"{flag}: {path}: {error.strerror or error}")

    added = b""
    if rc_path is not None:
        try:
            kind = os.stat(rc_path).st_mode
        except FileNotFoundError:
            content = b""
        except OSError as error:
            raise failed(rc_path, error) from None
        else:
            if not stat.S_ISREG(kind):  # a named pipe would block, a folder cannot be read
                raise errors.RuntimeFailure(f"{flag}: {rc_path}: is not a regular file")
            try:
                content = rc_path.read_bytes()
            except OSError as error:
                raise failed(rc_path, error) from None
        wanted = [f"source '{script_path}'"] if shell == "bash" else [_ZSH_LINE]
        if shell == "zsh" and b"zstyle" not in content:
            wanted.append(_ZSH_STYLE)
        missing = [line for line in wanted if line.encode() not in content]
        if missing:
            lead = b"\n" if content and not content.endswith(b"\n") else b""
            added = lead + "".join(f"{line}\n" for line in missing).encode()
    try:  # the start-up file opened first: one that cannot be written stops before the script
        rc = open(rc_path, "ab") if added and rc_path is not None else None  # noqa: SIM115
    except OSError as error:
        raise failed(rc_path or script_path, error) from None
    try:
        try:
            script_path.parent.mkdir(parents=True, exist_ok=True)
            script_path.write_text(script, encoding="utf-8")
        except OSError as error:
            raise failed(script_path, error) from None
        if rc is not None:
            try:
                rc.write(added)
                rc.flush()
            except OSError as error:
                raise failed(rc_path or script_path, error) from None
    finally:
        if rc is not None:
            with contextlib.suppress(OSError):
                rc.close()
    return script_path


@app.callback(invoke_without_command=True)
def _main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of unexpected errors."),
    install_completion: bool = typer.Option(
        False,
        "--install-completion",
        callback=_install_completion,
        is_eager=True,
        help="Turn on Tab completion for your shell, or for the one named next (bash, zsh, "
        "fish): adds the script --show-completion prints to its start-up files.",
    ),
    show_completion: bool = typer.Option(
        False,
        "--show-completion",
        callback=_show_completion,
        is_eager=True,
        help="Print the completion script of your shell, or of the one named next (bash, "
        "zsh, fish), to install by hand.",
    ),
) -> None:
    runner.state["debug"] = debug
    if ctx.invoked_subcommand is None:
        _emit(ctx.get_help() + "\n")


def _parameter(name: str, annotation: Any, option: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
    )


# Each command's line in `wsgen --help`: one line at 80 columns (click cuts a longer summary
# with "...").
SUMMARIES = {
    "render": "Write the manifests for a WebSocket app, or an nginx.conf.",
    "init": "Ask for what is missing, then write what render --out writes.",
    "cert": "Make a self-signed certificate and key for a TLS Secret.",
    "lint": "Find the WebSocket pitfalls in Ingress manifests.",
    "probe": "Connect to a WebSocket endpoint, time each step and the idle hold.",
}


def _command(*extra: inspect.Parameter) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register a command taking **options: the values file, every option (the common ones and
    every target's), and `extra`."""

    def register(func: Callable[..., int]) -> Callable[..., int]:
        values = typer.Option(
            None,
            *VALUES_FLAGS,
            metavar="FILE",
            help="Values file (YAML) with the keys named below; - reads it from standard "
            "input (its paths are then relative to the current folder). [env WSGEN_VALUES]",
            show_default=False,
        )
        parameters = [_parameter("values", str | None, values)]
        for option in model.options().values():
            listed = option.mapping or option.many
            kind = list[str] | None if listed else bool if option.boolean else str | None
            parameters.append(_parameter(param_name(option), kind, _opt(option)))
        parameters.extend(extra)
        func.__signature__ = inspect.Signature(parameters, return_annotation=int)  # type: ignore[attr-defined]
        func.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": int}
        return app.command(
            cls=_Command, epilog=errors.EXIT_CODES_HELP, short_help=SUMMARIES[func.__name__]
        )(func)

    return register


def _flag(name: str, flag: str, help: str) -> inspect.Parameter:
    return _parameter(name, bool, typer.Option(False, flag, help=help))


def _out(help: str) -> inspect.Parameter:
    return _parameter(
        "out",
        str | None,
        typer.Option(None, *OUT_FLAGS, metavar="DIR", help=help, show_default=False),
    )


@_command(
    _out(
        "Write a folder (manifests, kustomization.yaml, wsgen.yaml) instead of printing one "
        "YAML stream. [env WSGEN_OUT]"
    ),
    _flag("force", RENDER_SWITCHES["force"], "Overwrite files whose content changes."),
    _flag(
        "dry_run",
        RENDER_SWITCHES["dry_run"],
        "Print the plan (create/identical/overwrite/refuse); write nothing.",
    ),
    _flag("check", RENDER_SWITCHES["check"], "Write nothing; exit 5 if any file would change."),
    _flag(
        "diff",
        RENDER_SWITCHES["diff"],
        "Print a unified diff from the folder to what render would write (patch -p1 -d DIR "
        "applies it; a new private key is never shown); write nothing; exit 1 if it differs.",
    ),
)
def render(**options: Any) -> int:
    """Render what the target needs for a WebSocket app: a Deployment, Service and the routing
    (an Ingress, or Gateway API objects and the controller's policy), or an nginx.conf for nginx
    on a machine of its own. Never prompts.

    Each value comes from its flag, else its WSGEN_* environment variable, else the values
    file, else the default.
    """
    return _render(options)


@_command(
    _out(
        "Output folder (asked for when not given; default k8s, or nginx with --target nginx). "
        "[env WSGEN_OUT]"
    ),
    _flag("force", "--force", "Overwrite changed files without asking."),
    _flag("defaults", "--defaults", "Ask nothing: take the default for every answer not given."),
    _flag(
        "dry_run",
        RENDER_SWITCHES["dry_run"],
        "After the questions, print the plan as render --dry-run does; write nothing.",
    ),
    _flag(
        "check",
        RENDER_SWITCHES["check"],
        "After the questions, write nothing; exit 5 if any file would change.",
    ),
)
def init(**options: Any) -> int:
    """Ask for what the options did not give (target, name, namespace, image, port, host, path,
    idle timeout, TLS, the target's own), then write the folder render --out writes, after one
    confirmation.

    Without a terminal it asks nothing: with --defaults it takes the defaults, otherwise it
    exits 3 naming every missing answer.
    """
    from wsgen import wizard

    one_of_dry_run_and_check(options["dry_run"], options["check"])
    layers = _layers(options)
    out_path = path("--out", options["out"], "WSGEN_OUT")
    no_terminal = wizard.terminal_problem()
    defaults = options["defaults"]
    asker = None if defaults or no_terminal else wizard.QuestionaryAsker()
    result = wizard.run(
        layers,
        out_path,
        asker,
        defaults=defaults,
        force=options["force"],
        no_terminal=no_terminal,
        dry_run=options["dry_run"],
        check=options["check"],
    )
    _print(result)
    return errors.OK


@app.command(cls=_Command, epilog=errors.EXIT_CODES_HELP, short_help=SUMMARIES["cert"])
def cert(
    host: list[str] = typer.Option(
        [], "--host", metavar="HOST", help="DNS name for the certificate (repeatable; or --ip)."
    ),
    ip: list[str] = typer.Option(
        [],
        "--ip",
        metavar="ADDRESS",
        help="IP address for the certificate, e.g. 127.0.0.1 for local tests (repeatable).",
    ),
    out: str = typer.Option(
        ..., "--out", "-o", metavar="DIR", help="Folder for tls.crt and tls.key."
    ),
    days: str = typer.Option("365", "--days", metavar="N", help="Validity in days."),
    key_type: str = typer.Option(
        "rsa2048",
        "--key-type",
        metavar="TYPE",
        help=" or ".join(model.KEY_TYPES) + ".",
        autocompletion=_fixed(*model.KEY_TYPES),
    ),
    namespace: str = typer.Option(
        "default", "--namespace", "-n", metavar="NAMESPACE", help="For the printed command."
    ),
    secret_name: str = typer.Option(
        "websocket-server-tls", "--secret-name", metavar="NAME", help="For the printed command."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing tls.crt / tls.key."),
) -> int:
    """A self-signed certificate alone (SAN for every host and IP address, CA:FALSE,
    serverAuth), and the kubectl command that turns it into a TLS Secret."""
    options = model.cert_options(host, days, key_type, namespace, secret_name, ip)
    _print(core.make_certificate(options, arg_path("--out", out), force=force))
    return errors.OK


@contextlib.contextmanager
def _bugs_exit_3() -> Iterator[None]:
    """For lint and probe, exit 1 means findings or a failed step to a script: a bug in the
    command itself gets its own code."""
    try:
        yield
    except errors.WsgenError:
        raise
    except Exception as error:
        if runner.state["debug"]:
            raise
        raise errors.CommandFailed(
            f"internal error: {type(error).__name__}: {error} (--debug shows the traceback)"
        ) from None


_FORMATS = ("text", "json", "sarif")


def _lint_choices(name: str) -> Callable[[str], list[tuple[str, str]]]:
    """Completion of a lint option from wsgen.lint's own table (imported only then)."""

    def values() -> tuple[tuple[str, str], ...]:
        from wsgen import lint as linter

        listed: tuple[str, ...] = getattr(linter, name)
        return tuple((value, "") for value in listed)

    return _completer(values)


LINT_EXIT_CODES = (
    "Exit codes: 0 no finding at or above --fail-on (with --fix: none left); 1 findings at or "
    "above --fail-on (with --fix: left, or a file whose fixes did not check out; with --diff: "
    "there is a diff, or fixes were held back); 2 bad usage (a PATH that does not exist, a bad "
    "option); "
    "3 lint itself failed (a bug); " + errors.OUTPUT_CODES_HELP
)


@app.command(cls=_Command, epilog=LINT_EXIT_CODES, short_help=SUMMARIES["lint"])
def lint(
    paths: list[str] = typer.Argument(
        ...,
        metavar="PATH...",
        help="Files, folders (every *.yaml and *.yml below them) or - for stdin.",
        show_default=False,
    ),
    format: str = typer.Option(
        "text",
        "--format",
        metavar="FORMAT",
        help="text, json or sarif.",
        autocompletion=_fixed(*_FORMATS),
    ),
    fail_on: str = typer.Option(
        "warning",
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 1 for findings of this severity or above: error, warning or info.",
        autocompletion=_lint_choices("SEVERITIES"),
    ),
    all: bool = typer.Option(
        False, "--all", help="Treat every Ingress as carrying WebSockets (timeout rules apply)."
    ),
    min_timeout: str = typer.Option(
        "3600",
        "--min-timeout",
        metavar="SECONDS",
        help="Warn about WebSocket read/send timeouts below this.",
    ),
    ignore: list[str] = typer.Option(
        [], "--ignore", metavar="RULE,...", help="Rule ids to leave out (repeatable)."
    ),
    ingress_class: list[str] = typer.Option(
        [],
        "--ingress-class",
        metavar="CLASS",
        help="Another class served by ingress-nginx besides nginx (repeatable).",
    ),
    controller: str = typer.Option(
        "ingress-nginx",
        "--controller",
        metavar="NAME",
        help="What serves the ingress-nginx Ingresses (class nginx, unset or --ingress-class): "
        "ingress-nginx, or traefik (Traefik v3.7+'s kubernetesIngressNGINX provider).",
        autocompletion=_lint_choices("CONTROLLERS"),
    ),
    fix: bool = typer.Option(
        False,
        "--fix",
        help="Repair the findings that have a safe fix, in place (stdin: the fixed text to "
        "stdout, the report to stderr).",
    ),
    unsafe_fixes: bool = typer.Option(
        False,
        "--unsafe-fixes",
        help="With --fix or --diff: the unsafe fixes too (they remove or change what a person "
        "wrote).",
    ),
    diff: bool = typer.Option(
        False,
        "--diff",
        help="Print a unified diff of what --fix would change, and write nothing.",
    ),
) -> int:
    """Find the WebSocket pitfalls in Ingress manifests (and chart values' ingress sections):
    idle timeouts, made-up or ignored annotations, snippets, old APIs, TLS and class mistakes.
    docs/lint.md lists every rule with an example and the fix."""
    from wsgen import lint as linter

    if format not in _FORMATS:
        raise errors.BadInput(f"--format: {format!r} is not one of {', '.join(_FORMATS)}")
    options = linter.make_options(
        fail_on=fail_on,
        min_timeout=min_timeout,
        ignore=ignore,
        ingress_classes=ingress_class,
        all=all,
        controller=controller,
    )
    if unsafe_fixes and not (fix or diff):
        raise errors.BadInput("--unsafe-fixes: only with --fix or --diff")
    if fix or diff:
        return _lint_fix(paths, options, format, unsafe_fixes, diff)
    with _bugs_exit_3():
        report = linter.lint(paths, options, sys.stdin.buffer)
        output = _lint_output(report, format)
    _emit(output)
    return 1 if report.failed else errors.OK


def _lint_output(report: "Report", format: str, failed: bool | None = None) -> str:
    from wsgen import lint_report

    if format == "json":
        return lint_report.as_json(report, failed)
    if format == "sarif":
        from importlib.metadata import version

        return lint_report.sarif(report, version("wsgen"))
    return lint_report.text(report)


def _lint_fix(
    paths: list[str], options: "LintOptions", format: str, unsafe: bool, diff: bool
) -> int:
    """--fix and --diff. The report goes to stdout, or to stderr when stdout carries the fixed
    text (stdin) or the diff; a file whose fixes did not check out is named on stderr."""
    import io

    from wsgen import lint as linter
    from wsgen import lint_fix, lint_report
    from wsgen.terminal import escape

    # stdin is kept as read: what --fix cannot read as text goes out as it came in
    stdin_data: bytes | None = None
    stdin: BinaryIO = sys.stdin.buffer
    if linter.STDIN in paths:
        with contextlib.suppress(OSError):
            stdin_data = model.read_to_end(stdin, linter.MAX_FILE_BYTES + 1)
            stdin = io.BytesIO(stdin_data)
    with _bugs_exit_3():
        outcome = lint_fix.fix(paths, options, stdin, unsafe)
    for line in outcome.refused:
        _say(escape(line))  # names and values of the files, as the text report shows them
    read_stdin = next((f for f in outcome.originals.values() if f.path is None), None)
    if diff:
        with _bugs_exit_3():
            patch = lint_fix.diff(outcome)
        show_diff(patch)
        _say(lint_report.summary(outcome.report).replace(" fixed", " would be fixed"))
        return 1 if patch or outcome.refused else errors.OK
    # a fix held back whose finding is still there fails, whatever its severity; one whose
    # finding other fixes removed (a WS201 the WS302 renames answer) does not
    held = any(lint_fix.wanted(f.fix, unsafe) and not f.fixed for f in outcome.report.findings)
    failed = outcome.report.failed or held
    with _bugs_exit_3():
        output = _lint_output(outcome.report, format, failed)
    lint_fix.write(outcome)
    if read_stdin is not None:
        text = outcome.texts.get(read_stdin.name, read_stdin.text)
        if text is not None and read_stdin.encoding is not None:
            _emit(read_stdin.encoding.encode(text))
        elif stdin_data is not None:  # not text, or too large to read: passed through
            _emit(stdin_data)
            while len(stdin_data) > linter.MAX_FILE_BYTES and (
                chunk := model.read_to_end(sys.stdin.buffer, 1 << 20)
            ):
                _emit(chunk)
        _emit(output, stderr=True)
    else:
        _emit(output)
    return 1 if failed else errors.OK


PROBE_EXIT_CODES = (
    "Exit codes: 0 every step passed and the connection survived the idle hold; 1 a step "
    "failed (DNS, TCP, TLS, upgrade, message, or the server broke the protocol); 2 bad usage; "
    "3 probe itself failed (a bug); 6 the connection was closed during the idle hold; "
    + errors.OUTPUT_CODES_HELP
)


@app.command(cls=_Command, epilog=PROBE_EXIT_CODES, short_help=SUMMARIES["probe"])
def probe(
    url: str = typer.Argument(
        ...,
        metavar="URL",
        help="ws:// or wss:// URL (http:// and https:// work too).",
        show_default=False,
    ),
    # Defaults of None are filled in by wsgen.probe (imported only when a probe runs: start-up
    # time); a test keeps the help's numbers equal to them.
    idle: str | None = typer.Option(
        None,
        "--idle",
        metavar="SECONDS",
        help="How long to stay silent after the round trip [default: 75].",
        show_default=False,
    ),
    message: str | None = typer.Option(
        None,
        "--message",
        metavar="TEXT",
        help="The text message sent once [default: 'wsgen probe'].",
        show_default=False,
    ),
    ping_interval: str | None = typer.Option(
        None,
        "--ping-interval",
        metavar="SECONDS",
        help="Send a WebSocket ping this often during the hold (default: none).",
        show_default=False,
    ),
    ca: str | None = typer.Option(
        None, "--ca", metavar="FILE", help="Trust this CA (PEM) for wss://.", show_default=False
    ),
    insecure: bool = typer.Option(False, "--insecure", help="Do not verify the certificate."),
    header: list[str] = typer.Option(
        [], "--header", "-H", metavar="'NAME: VALUE'", help="Extra request header (repeatable)."
    ),
    origin: str | None = typer.Option(
        None,
        "--origin",
        metavar="ORIGIN",
        help="Origin header [the URL's own origin, as a page on that site would send].",
        show_default=False,
    ),
    resolve: str | None = typer.Option(
        None,
        "--resolve",
        metavar="ADDRESS",
        help="Connect to this IP address instead of looking up the host (Host, SNI and the "
        "certificate check still use the URL's host).",
        show_default=False,
    ),
    step_timeout: str | None = typer.Option(
        None,
        "--step-timeout",
        metavar="SECONDS",
        help="Time limit of each step before the hold, and of the last ping after it "
        "[default: 10].",
        show_default=False,
    ),
    max_message: str | None = typer.Option(
        None,
        "--max-message",
        metavar="BYTES",
        help="Largest message taken from the server (all its frames; 64KiB, 16MiB work too); a "
        "larger one fails the step [default: 1048576].",
        show_default=False,
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print one JSON report (schema wsgen-probe/1) on stdout."
    ),
) -> int:
    """Connect to a live WebSocket endpoint like a browser, time each step (DNS, TCP, TLS, HTTP
    upgrade, one message), then stay silent for --idle seconds and report whether, when and
    how the connection was closed, and which setting to change."""
    from wsgen import probe as prober
    from wsgen import probe_report

    ca_file = None
    if ca is not None:
        path = arg_path("--ca", ca)
        ca_file = (ca, model.read_user_file(path, f"--ca: {ca}"))
    options = prober.make_options(
        model.utf8(url, "URL"),
        idle=idle,
        message=None if message is None else model.utf8(message, "--message"),
        ping_interval=ping_interval,
        ca=ca_file,
        insecure=insecure,
        headers=[model.utf8(h, "--header") for h in header],
        origin=None if origin is None else model.utf8(origin, "--origin"),
        resolve=resolve,
        step_timeout=step_timeout,
        max_message=max_message,
    )
    live = sys.stderr.isatty()
    shown = {"tick": False}

    def clear_tick() -> None:
        if shown["tick"]:
            _emit("\r\033[K", stderr=True)
            shown["tick"] = False

    def on_step(step: prober.Step) -> None:
        if not json_output:
            clear_tick()
            _emit(probe_report.step_line(step) + "\n")

    def on_tick(elapsed: float, total: float) -> None:
        _emit(f"\ridle {int(elapsed)} s of {total:g} s, connection open ", stderr=True)
        shown["tick"] = True

    if not json_output:
        _emit(probe_report.header(options) + "\n")
    try:
        with _bugs_exit_3():
            report = prober.run(options, on_step, on_tick if live else None)
    finally:
        clear_tick()
    if json_output:
        _emit(probe_report.as_json(report))
    else:
        _emit(probe_report.result_line(report) + "\n")
    return report.exit_code


def main(argv: list[str] | None = None) -> int:
    """Run wsgen in this process, always through typer, and return its exit code; errors are
    one line on stderr. Leaves the SIGINT handler as it found it (wsgen.runner.main)."""
    args = sys.argv[1:] if argv is None else argv
    return runner.main(lambda: app(args=args, prog_name="wsgen", standalone_mode=False))


def run(argv: list[str] | None = None) -> int:
    """main() for a process that exits next (wsgen.__main__; wsgen.runner.run)."""
    args = sys.argv[1:] if argv is None else argv
    return runner.run(lambda: app(args=args, prog_name="wsgen", standalone_mode=False))
