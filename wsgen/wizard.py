"""wsgen init: ask only what the flags, environment and values file left open, validate every
answer with the model's own validators, show the plan, write after one confirmation.

The questions go through an Asker. The real one (questionary, drawn on stderr) is imported
only when a terminal is there to ask on; tests drive the same flow with a scripted one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from wsgen import core, errors, model, output
from wsgen.model import BY_KEY, Config, FileRef, Given, Layer

OUT = "out"  # the output folder: a question, but not a model option
DEFAULT_OUT = "k8s"

Validate = Callable[[str], "str | None"]  # an answer -> the rule it breaks, or None


class Asker(Protocol):
    def text(self, message: str, default: str, validate: Validate) -> str: ...
    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str: ...
    def confirm(self, message: str, default: bool) -> bool: ...
    def say(self, line: str) -> None: ...


@dataclass(frozen=True)
class Question:
    key: str  # an option key of wsgen.model, or OUT
    message: str
    explain: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # a select: (value, one line about it)
    modes: tuple[str, ...] = ()  # asked only for these TLS modes (empty: always)


TLS_CHOICES = (
    ("none", "plain ws://, no certificate"),
    ("self-signed", "a certificate made here, for testing (browsers will warn)"),
    ("secret", "an existing kubernetes.io/tls Secret in the namespace"),
    ("files", "your own certificate and key files"),
    ("cert-manager", "cert-manager issues and renews it"),
)

QUESTIONS = (
    Question("name", "App name", "It names the Deployment, Service, Ingress and container."),
    Question("namespace", "Namespace"),
    Question("image", "Container image"),
    Question("port", "Container port", "The port the app listens on; the Service uses it too."),
    Question("host", "Host name", "The DNS name clients connect to."),
    Question("path", "Path", "The URL path of the WebSocket endpoint."),
    Question(
        "timeout",
        "Idle timeout",
        "The proxy closes a WebSocket after this many seconds of silence (ingress-nginx's "
        "default is 60). 3600 is recommended; 90s, 60m, 1h30m work too.",
    ),
    Question("tls.mode", "TLS", choices=TLS_CHOICES),
    Question(
        "tls.secretName",
        "TLS Secret name",
        modes=("self-signed", "secret", "files", "cert-manager"),
    ),
    Question("tls.cert", "Certificate file (PEM)", modes=("files",)),
    Question("tls.key", "Private key file (PEM)", modes=("files",)),
    Question("tls.issuer", "cert-manager issuer name", modes=("cert-manager",)),
    Question(OUT, "Output folder"),
)


def flag_of(key: str) -> str:
    return "--out" if key == OUT else BY_KEY[key].flag


# --------------------------------------------------------------------------- the flow


def given_keys(layers: Iterable[tuple[Layer, Path]]) -> set[str]:
    return {key for layer, _base in layers for key in layer}


def _raw(layers: list[tuple[Layer, Path]], key: str) -> str | None:
    for layer, _base in reversed(layers):
        given = layer.get(key)
        if isinstance(given, Given):
            return str(given.value)
    return None


def default_for(key: str, answers: dict[str, str], layers: list[tuple[Layer, Path]]) -> str:
    """The value a question offers: derived from earlier answers where one depends on them."""
    if key == OUT:
        return DEFAULT_OUT
    if key == "tls.secretName":
        name = answers.get("name") or _raw(layers, "name") or Config.name
        return f"{name}-tls"
    return model.DEFAULTS.get(key, "")


def next_question(
    given: set[str], answers: dict[str, str], layers: list[tuple[Layer, Path]], out_given: bool
) -> Question | None:
    """The next question to ask, or None when everything is known."""
    mode = answers.get("tls.mode") or _raw(layers, "tls.mode") or "none"
    for question in QUESTIONS:
        if question.key in answers or question.key in given:
            continue
        if question.key == OUT and out_given:
            continue
        if question.modes and mode not in question.modes:
            continue
        return question
    return None


def run(
    layers: list[tuple[Layer, Path]],
    out: Path | None,
    asker: Asker | None,
    *,
    defaults: bool,
    force: bool,
    now: dt.datetime | None = None,
) -> core.Result:
    """Ask (with `asker`) or take the defaults (`asker` None and `defaults`), then write.

    Without an asker and without `defaults`, nothing is asked: MissingAnswers names every
    answer that is missing and the flag that gives it.
    """
    now = now or core.now_utc()
    model.check_layers(layers)  # a bad flag is reported before any question
    given = given_keys(layers)
    answers: dict[str, str] = {}
    missing: list[str] = []
    while (question := next_question(given, answers, layers, out is not None)) is not None:
        default = default_for(question.key, answers, layers)
        if asker is not None:
            answers[question.key] = _ask(asker, question, default, answers, layers)
        elif defaults and default:
            answers[question.key] = default
        else:
            missing.append(question.key)
            answers[question.key] = default  # go on, to name every missing answer at once
    if missing:
        flags = ", ".join(flag_of(key) for key in missing)
        how = "give them as flags" if defaults else "give them as flags, or use --defaults"
        raise errors.MissingAnswers(
            f"no terminal to ask on (stdin is not a TTY); missing: {flags} ({how})"
        )
    out_path = out if out is not None else Path(answers.pop(OUT, DEFAULT_OUT))
    answer_layer: Layer = {
        key: Given(value, BY_KEY[key].flag) for key, value in answers.items() if key != OUT
    }
    config = model.build([*layers, (answer_layer, Path.cwd())])
    plan = core.plan_folder(config, out_path, force=True, now=now)
    result = core.Result(notes=list(plan.notes))
    changes = [step for step in plan.steps if step.changes or step.fix_mode]
    overwrites = [step for step in plan.steps if step.action == output.OVERWRITE]
    if asker is not None:
        for line in summary(config, plan):
            asker.say(line)
        if changes:
            if overwrites and not force:
                prompt = f"Overwrite {len(overwrites)} changed file(s) in {out_path}?"
                confirmed = asker.confirm(prompt, False)
            else:
                confirmed = asker.confirm(f"Write {len(changes)} file(s) to {out_path}?", True)
            if not confirmed:
                raise errors.Refused("nothing written (not confirmed)")
    elif overwrites and not force:
        plan = core.plan_folder(config, out_path, force=False, now=now)  # refuses, exit 4
    core.write_folder(config, plan, result)
    result.notes.extend(next_steps(config, out_path))
    return result


def _ask(
    asker: Asker,
    question: Question,
    default: str,
    answers: dict[str, str],
    layers: list[tuple[Layer, Path]],
) -> str:
    if question.explain:
        asker.say(question.explain)
    if question.choices:
        return asker.select(question.message, question.choices, default)
    return asker.text(question.message, default, _validator(question.key, answers, layers))


def _validator(key: str, answers: dict[str, str], layers: list[tuple[Layer, Path]]) -> Validate:
    """The model's own rule for `key`; certificate files are read and checked on the spot."""

    def check(text: str) -> str | None:
        try:
            if key == OUT:
                if not text:
                    return "must name a folder"
                output.check_folder(Path(text))
            elif key in ("tls.cert", "tls.key"):
                ref = FileRef(text, Path(os.path.abspath(text)), flag_of(key))
                if not text:
                    return "must name a file"
                host = answers.get("host") or _raw(layers, "host") or Config.host
                if key == "tls.cert":
                    core.check_user_certificate(ref, host)
                else:
                    cert = (
                        answers["tls.cert"] if "tls.cert" in answers else _raw(layers, "tls.cert")
                    )
                    cert_ref = FileRef(str(cert), Path(os.path.abspath(str(cert))), "--cert")
                    core.check_user_pair(cert_ref, ref, host, core.now_utc())
            else:
                model.check_value(key, text)
        except ValueError as error:
            return str(error)
        except errors.BadInput as error:
            return error.message.split(": ", 1)[-1]
        return None

    return check


# --------------------------------------------------------------------------- what it says


def summary(config: Config, plan: core.FolderPlan) -> list[str]:
    tls = config.tls
    rows = [
        ("name", config.name),
        ("namespace", config.namespace),
        ("image", config.image),
        ("port", str(config.port)),
        ("replicas", str(config.replicas)),
        ("host", config.host),
        ("path", config.path),
        ("ingress class", config.ingress_class),
        ("idle timeout", f"{config.timeout} s"),
        ("TLS", tls.mode + (f" (Secret {tls.secret_name})" if tls.enabled else "")),
    ]
    if tls.mode == "files":
        rows += [("certificate", tls.files()[0].given), ("key", tls.files()[1].given)]
    if tls.mode == "cert-manager":
        rows.append(("issuer", f"{tls.issuer_kind} {tls.issuer}"))
    width = max(len(label) for label, _ in rows)
    lines = ["", "Summary:"] + [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += ["", f"Files in {plan.out}:"]
    for step in plan.steps:
        action = "chmod" if step.fix_mode else step.action
        lines.append(f"  {action:<9} {step.path}")
    lines.append("")
    return lines


def next_steps(config: Config, out: Path) -> list[str]:
    scheme = "wss" if config.tls.enabled else "ws"
    host = config.host.replace("*", "test", 1)
    return [
        f"apply: kubectl apply -k {out}",
        f"test:  websocat {scheme}://{host}{config.path}",
    ]


# --------------------------------------------------------------------------- the terminal


def has_terminal() -> bool:
    """Questions need a terminal on stdin (answers) and stderr (where they are drawn)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class QuestionaryAsker:
    """questionary prompts drawn on stderr, so stdout stays what render would print."""

    def __init__(self) -> None:
        import questionary
        from prompt_toolkit.output import create_output

        self._questionary = questionary
        self._output = create_output(stdout=sys.stderr)

    @staticmethod
    def _ask(question: Any) -> Any:
        try:
            return question.unsafe_ask()
        except EOFError:  # Ctrl-D on an empty line: the user is leaving, as with Ctrl-C
            raise KeyboardInterrupt from None

    def text(self, message: str, default: str, validate: Validate) -> str:
        answer: str = self._ask(
            self._questionary.text(
                message,
                default=default,
                validate=lambda text: validate(text) or True,
                output=self._output,
            )
        )
        return answer

    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
        width = max(len(value) for value, _ in choices)
        items = [
            self._questionary.Choice(title=f"{value:<{width}}  {about}", value=value)
            for value, about in choices
        ]
        answer: str = self._ask(
            self._questionary.select(message, choices=items, default=default, output=self._output)
        )
        return answer

    def confirm(self, message: str, default: bool) -> bool:
        answer: bool = self._ask(
            self._questionary.confirm(message, default=default, output=self._output)
        )
        return answer

    def say(self, line: str) -> None:
        print(line, file=sys.stderr)
