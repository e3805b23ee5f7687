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
from pathlib import Path
from typing import Any, Protocol

from wsgen import canary, cloud, core, errors, model, output, targets
from wsgen.model import Config, FileRef, Given, Layer
from wsgen.targets.base import Question, Target

OUT = "out"  # the output folder: a question, but not a model option
# What the issuer question offers (a ClusterIssuer, the default kind): the name cert-manager's
# own ACME tutorial gives Let's Encrypt's production issuer. render has no default: it is
# asked here, where the person sees it, and recorded in wsgen.yaml.
ISSUER_DEFAULT = "letsencrypt-prod"

Validate = Callable[[str], "str | None"]  # an answer -> the rule it breaks, or None


class Asker(Protocol):
    def text(self, message: str, default: str, validate: Validate) -> str: ...
    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str: ...
    def confirm(self, message: str, default: bool) -> bool: ...
    def say(self, line: str) -> None: ...


TLS_CHOICES = (
    ("none", "plain ws://, no certificate"),
    ("self-signed", "a certificate made here, for testing (browsers will warn)"),
    ("secret", "an existing kubernetes.io/tls Secret in the namespace"),
    ("files", "your own certificate and key files"),
    ("cert-manager", "cert-manager issues and renews it"),
)
TARGET_QUESTION = Question(
    "target",
    "Target",
    "What sits in front of the app and must keep its WebSockets open.",
    choices=tuple((target.name, target.about) for target in targets.TARGETS.values()),
)


def questions(target: Target) -> tuple[Question, ...]:
    """Every question for `target`, in the order asked (the target itself is asked first)."""
    common = (
        Question("name", "App name", f"It names {target.objects}."),
        Question("namespace", "Namespace"),
        Question("image", "Container image"),
        Question("port", "Container port", "The port the app listens on; the Service uses it too."),
        Question("host", "Host name", "The DNS name clients connect to."),
        Question("path", "Path", "The URL path of the WebSocket endpoint."),
        Question(
            "timeout",
            "Idle timeout",
            "The proxy closes a WebSocket after this many seconds of silence "
            f"({target.idle_default}). 3600 is recommended; 90s, 60m, 1h30m work too.",
        ),
        Question(
            "tls.mode",
            "TLS",
            choices=tuple(choice for choice in TLS_CHOICES if choice[0] in target.tls_modes),
        ),
        # TLS follow-ups: asked only for the modes that use them (model.modes_using)
        Question("tls.secretName", "TLS Secret name"),
        Question("tls.cert", "Certificate file (PEM)"),
        Question("tls.key", "Private key file (PEM)"),
        Question(
            "tls.issuer",
            "cert-manager issuer name",
            f"The {model.DEFAULTS['tls.issuerKind']} that signs the certificate "
            "(--issuer-kind Issuer for one in the namespace).",
            default=lambda known: ISSUER_DEFAULT,
        ),
    )
    return (
        TARGET_QUESTION,
        *(
            question
            for question in common
            if question.key in target.uses and question.key not in target.not_asked
        ),
        *target.questions,
        Question(OUT, "Output folder"),
    )


def flag_of(key: str) -> str:
    return "--out" if key == OUT else model.option(key).flag


# --------------------------------------------------------------------------- the flow


def given_keys(layers: Iterable[tuple[Layer, Path]]) -> set[str]:
    return {key for layer, _base in layers for key in layer}


def _raw(layers: list[tuple[Layer, Path]], key: str) -> str | None:
    found = model.strongest(layers, key)
    return None if found is None else str(found[0].value)


def _target(answers: dict[str, str], layers: list[tuple[Layer, Path]]) -> Target:
    """The target answered or given (checked before anything is asked), else the default."""
    name = answers.get("target") or _raw(layers, "target") or model.DEFAULT_TARGET
    return targets.TARGETS[name]


def _known(
    answers: dict[str, str], layers: list[tuple[Layer, Path]]
) -> Callable[[str], str | None]:
    """An option key -> its answer, else the raw value given, else None."""
    return lambda key: answers.get(key) or _raw(layers, key)


def fitting_targets(layers: list[tuple[Layer, Path]]) -> list[str]:
    """The targets that take every option of the strongest layer (the command line), and its
    TLS mode: what the Target question offers. The answer joins that layer, so options of
    weaker layers (variables, a values file) that the target does not take are left out, as
    `render --target` leaves them out."""
    given = set(layers[-1][0]) if layers else set()
    mode = _raw(layers, "tls.mode")
    known = _known({}, layers)
    return [
        target.name
        for target in targets.TARGETS.values()
        if given <= target.uses and (mode is None or mode in target.tls_modes_given(known)[0])
    ]


def with_target(layers: list[tuple[Layer, Path]], name: str) -> list[tuple[Layer, Path]]:
    """`layers` with the target answered in the strongest one, as `--target` would be."""
    if model.strongest(layers, "target") is not None:
        return layers
    strongest, base = layers[-1] if layers else ({}, Path.cwd())
    answered: Layer = {**strongest, "target": Given(name, "--target")}
    return [*layers[:-1], (answered, base)]


def check_given(layers: list[tuple[Layer, Path]], name: str) -> None:
    """Once the target is known, before its questions: what was given must work together for
    it (render's own rules: options of other targets, TLS keys of another mode, --gateway and
    TLS, a path too long for it, ...), so that nobody answers everything to be refused at the
    end. A TLS mode not given is taken as the one the TLS options given point to (the one the
    TLS question will offer); files or an issuer that mode needs may still be asked for."""
    checked = with_target(layers, name)
    if model.strongest(layers, "tls.mode") is None:
        implied = model.implied_tls_mode(given_keys(layers))
        modes = targets.TARGETS[name].tls_modes_given(_known({}, layers))[0]
        if implied == "none" and implied not in modes:  # e.g. --https-listener-port
            implied = modes[0]
        if implied != "none":
            checked = [({"tls.mode": Given(implied, "--tls")}, Path.cwd()), *checked]
    model.build(checked, partial=True)


def default_for(
    question: Question,
    answers: dict[str, str],
    layers: list[tuple[Layer, Path]],
    suggested: dict[str, str] | None = None,
) -> str:
    """The value a question offers: derived from earlier answers where one depends on them
    (`suggested`: e.g. the path of a URL pasted as the host)."""
    key = question.key
    if suggested and key in suggested:
        return suggested[key]
    if question.default is not None:
        return question.default(_known(answers, layers))
    if key == "target":  # the first target offered when the default is not among them
        names = [value for value, _about in question.choices]
        return model.DEFAULT_TARGET if model.DEFAULT_TARGET in names else names[0]
    if key == OUT:
        return _target(answers, layers).default_out
    if key == "tls.secretName":
        name = answers.get("name") or _raw(layers, "name") or Config.name
        return f"{name}-tls"
    if key == "tls.mode":  # e.g. --cert given without --tls: offer files
        implied = model.implied_tls_mode(given_keys(layers))
        modes = _target(answers, layers).tls_modes_given(_known(answers, layers))[0]
        return implied if implied in modes else modes[0]
    return model.DEFAULTS.get(key, "")  # a target's own questions carry their defaults


def next_question(
    given: set[str], answers: dict[str, str], layers: list[tuple[Layer, Path]], out_given: bool
) -> Question | None:
    """The next question to ask, or None when everything is known."""
    mode = answers.get("tls.mode") or _raw(layers, "tls.mode") or "none"
    target = _target(answers, layers)
    known = _known(answers, layers)
    for question in questions(target):
        if question.key in answers or question.key in given:
            continue
        if question.key == "target":
            fitting = fitting_targets(layers)
            choices = tuple(c for c in question.choices if c[0] in fitting)
            return question._replace(choices=choices or question.choices)
        if question.key == "tls.mode":
            modes, _why = target.tls_modes_given(known)
            return question._replace(choices=tuple(c for c in question.choices if c[0] in modes))
        if question.key == OUT and out_given:
            continue
        if question.key != OUT and mode not in model.modes_using(question.key):
            continue
        if question.ask_if is not None and not question.ask_if(known):
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
    no_terminal: str = "",
    now: dt.datetime | None = None,
    dry_run: bool = False,
    check: bool = False,
) -> core.Result:
    """Ask (with `asker`) or take the defaults (`asker` None and `defaults`), then write.

    Without an asker and without `defaults`, nothing is asked: MissingAnswers names every
    answer that is missing, the flag that gives it, and why there is nobody to ask
    (`no_terminal`). With `dry_run` or `check`, nothing is confirmed nor written: the plan
    or the check of render --dry-run / --check for the answers.
    """
    now = now or core.now_utc()
    # What was given is checked before anything is asked.
    model.check_layers(layers)
    if out is not None:
        output.check_folder(out)
    _check_given_files(layers, now)
    target_given = model.strongest(layers, "target")
    if target_given is not None:
        check_given(layers, str(target_given[0].value))
    given = given_keys(layers)
    answers: dict[str, str] = {}
    suggested: dict[str, str] = {}
    missing: list[str] = []
    while (question := next_question(given, answers, layers, out is not None)) is not None:
        default = default_for(question, answers, layers, suggested)
        if question.key == "target":
            # Without a terminal the target is what render writes without --target: scripts
            # that ran init before there were targets keep working.
            answers["target"] = (
                model.DEFAULT_TARGET
                if asker is None
                else _ask(asker, question, default, answers, layers)
            )
            check_given(layers, answers["target"])
            continue
        if question.key == "tls.mode" and len(question.choices) == 1:
            only = question.choices[0][0]  # e.g. none with --gateway: nothing to choose
            answers["tls.mode"] = only
            if asker is not None:
                why = _target(answers, layers).tls_modes_given(_known(answers, layers))[1]
                asker.say(f"TLS: {only} ({why.split(':')[0]})")
            continue
        if asker is not None:
            answers[question.key] = _ask(asker, question, default, answers, layers)
            if question.key == "host":
                _from_url(asker, answers, layers, suggested)
        elif question.unset or question.optional:
            answers[question.key] = question.unset
        elif defaults and default:
            answers[question.key] = default
        else:
            missing.append(question.key)
            answers[question.key] = default  # go on, to name every missing answer at once
    if missing:
        flags = ", ".join(flag_of(key) for key in missing)
        if defaults:
            raise errors.MissingAnswers(f"--defaults: no default for {flags} (give them as flags)")
        raise errors.MissingAnswers(
            f"no terminal to ask on ({no_terminal}); missing: {flags} "
            "(give them as flags, or use --defaults)"
        )
    if "tls.mode" in answers:  # TLS keys given without a mode must fit the mode chosen
        model.check_tls_keys(layers, answers["tls.mode"])
    out_path = out if out is not None else Path(answers.pop(OUT))
    given_layers = with_target(layers, answers["target"]) if "target" in answers else layers
    answered = _answered(given_layers, answers)
    config = model.build(answered)
    plan_force = asker is not None or force
    if dry_run or check:  # render's own plan or check, for the answers
        return core.render_manifests(
            config, out_path, force=plan_force, dry_run=dry_run, check=check, now=now
        )
    result = core.Result()
    shown: list[output.Step] | None = None
    if asker is not None:
        # The plan shown is made under the lock, but no lock is held while the person answers
        # (another run would wait for them): the write plans again and goes ahead only when
        # the folder still holds what the person confirmed.
        with output.opened(out_path) as folder:
            plan = core.plan_folder(config, folder, force=plan_force, now=now)
            shown = plan.steps
        for line in summary(config, plan):
            asker.say(line)
        if not _confirmed(asker, plan, force):
            refused = errors.Refused("nothing written (not confirmed)")
            overwrites = any(step.action == output.OVERWRITE for step in plan.steps)
            command = command_line(config, answered, out_path, force=overwrites)
            refused.notes.append(f"the same answers, to write them later: {command}")
            raise refused
    with output.opened(out_path) as folder:  # plan and write under one lock
        plan = core.plan_folder(config, folder, force=plan_force, now=now)
        if shown is None:
            result.notes.extend(plan.notes)
        elif plan.steps != shown:
            raise errors.Refused(
                f"{out_path}: changed while you were asked (another program wrote it); "
                "nothing written: run init again to see the new plan"
            )
        hint = "use --force to replace them, or run init in a terminal to confirm"
        core.write_folder(config, plan, result, refuse_hint=hint)
    result.notes.extend(targets.of(config).output().next_steps(config, out_path))
    return result


def _confirmed(asker: Asker, plan: core.FolderPlan, force: bool) -> bool:
    """One question before anything is written; an overwrite is never the default."""
    writes = [step for step in plan.steps if step.changes]
    overwrites = [step for step in writes if step.action == output.OVERWRITE]
    fixes = [step for step in plan.steps if step.fix_mode]
    if overwrites and not force:
        return asker.confirm(f"Overwrite {len(overwrites)} changed file(s) in {plan.out}?", False)
    if writes:
        return asker.confirm(f"Write {len(writes)} file(s) to {plan.out}?", True)
    if fixes:
        return asker.confirm(f"Set mode 0600 on {len(fixes)} key file(s) in {plan.out}?", True)
    return True  # all identical: nothing to write


def _from_url(
    asker: Asker,
    answers: dict[str, str],
    layers: list[tuple[Layer, Path]],
    suggested: dict[str, str],
) -> None:
    """A URL answered as the host (its host checked by `_ask`): its host is taken, its path
    offered by the path question when that is still to be asked; said in one line."""
    found = model.url_parts(answers["host"])
    if found is None:
        return
    answers["host"], path = found
    ask_path = bool(path) and "path" not in answers and _raw(layers, "path") is None
    if ask_path:
        suggested["path"] = path
    also = f"; its path {path} is offered as the path" if ask_path else ""
    asker.say(f"Host name: {answers['host']}, from the URL{also}")


def command_line(
    config: Config, layers: list[tuple[Layer, Path]], out: Path, *, force: bool = False
) -> str:
    """The render command that writes the folder these layers (flags, variables, values file,
    answers) make: every value given that the target takes and that differs from its default,
    as a flag, shell-quoted; files by their paths from here (never their content)."""
    target = targets.of(config)
    mode = config.tls.mode
    # what a target's own question takes when nobody is asked (--cloud none): not given
    unset = {question.key: question.unset for question in target.questions if question.unset}
    defaults = {**model.DEFAULTS, "tls.secretName": f"{config.name}-tls"}  # as build derives it
    words = ["wsgen", "render", "--target", config.target]
    # --no-canary drops the canary options of the layers below it; one command line is one
    # layer: it names the options kept and not --no-canary (render refuses both in one layer)
    giving = [i for i, (layer, _) in enumerate(layers) if canary.NO_CANARY.key in layer]
    dropped = giving[-1] if giving and _is_true(layers[giving[-1]][0]) else -1
    for key, option in model.options().items():
        if key == "target" or key not in target.uses or mode not in model.modes_using(key):
            continue
        if key == canary.NO_CANARY.key:
            continue
        layers_kept = layers[dropped + 1 :] if key.startswith("canary.") else layers
        if option.mapping:
            merged: dict[str, object] = {}
            for layer, _base in layers_kept:
                items = layer.get(key)
                if isinstance(items, list):
                    merged.update((item, given.value) for item, given in items)
            for item, value in merged.items():
                words += [option.flag, f"{item}={value}"]
            continue
        found = model.strongest(layers_kept, key)
        if found is None:
            continue
        value = found[0].value
        if key in ("tls.cert", "tls.key"):
            ref = config.tls.files()[0 if key == "tls.cert" else 1]
            value = ref.given if os.path.isabs(ref.given) else os.path.relpath(ref.path)
        if option.boolean:
            if model.check_value(key, value):
                words.append(option.flag)
            continue
        # a default is left out, unless it overrides another value: a WSGEN_ variable or the
        # WSGEN_VALUES file, still set where the command is run, would give that one again
        overrides = sum(isinstance(layer.get(key), Given) for layer, _ in layers_kept) > 1
        if not overrides and (_same(key, value, defaults.get(key)) or value == unset.get(key)):
            continue
        if option.many:  # the flag once per item
            listed = list(value) if isinstance(value, list) else str(value).split(",")
            words += [word for part in listed for word in (option.flag, str(part).strip())]
            continue
        words += [option.flag, str(value)]
    words += ["-o", str(out)]
    if force:
        words.append("--force")
    return " ".join(_shell_word(word) for word in words)


def _is_true(layer: Layer) -> bool:
    given = layer[canary.NO_CANARY.key]
    return isinstance(given, Given) and model.check_value(canary.NO_CANARY.key, given.value) is True


def _shell_word(word: str) -> str:
    """`word` quoted for a POSIX shell, on one line of printable text: a value with a line
    break or a control character (a terminal escape from a values file) in bash's and zsh's
    $'...' quoting, its characters escaped (never sent raw to the terminal)."""
    import shlex

    if word.isprintable():
        return shlex.quote(word)
    return "$'" + "".join(_escaped(char) for char in word) + "'"


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )


def _same(key: str, value: object, default: object) -> bool:
    """`value` means the option's default (3600 and 1h are one timeout)."""
    if default is None:
        return False
    try:
        return model.check_value(key, value) == model.check_value(key, default)
    except ValueError:
        return False


def _check_given_files(layers: list[tuple[Layer, Path]], now: dt.datetime) -> None:
    """A certificate or key given by flag, environment or values file is read now (exit 2
    before any question); against the host too when that is given."""
    cert = model.given_file(layers, "tls.cert")
    key = model.given_file(layers, "tls.key")
    host = _raw(layers, "host")
    allow = _allow_expired(layers)
    if cert is not None and key is not None:
        core.check_user_pair(cert, key, host, now, allow_expired=allow)
    elif cert is not None:
        core.check_user_certificate(cert, host, now, allow_expired=allow)


def _allow_expired(layers: list[tuple[Layer, Path]]) -> bool:
    """--allow-expired (or its variable or values key): not asked, only honoured."""
    found = model.strongest(layers, "tls.allowExpired")
    return found is not None and bool(model.check_value("tls.allowExpired", found[0].value))


PATH_KEYS = (OUT, "tls.cert", "tls.key")


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
    check = _validator(question.key, answers, layers)
    if question.key == "host":  # a URL pasted: its host is checked (and taken, by run)
        plain = check

        def check(text: str) -> str | None:
            found = model.url_parts(text)
            return plain(text if found is None else found[0])

    if question.key not in PATH_KEYS:
        if question.optional:
            return asker.text(question.message, default, lambda text: check(text) if text else None)
        return asker.text(question.message, default, check)

    def check_path(text: str) -> str | None:
        problem = model.path_problem(text, "a folder" if question.key == OUT else "a file")
        if problem is not None:  # e.g. a pasted key: named, never echoed
            return problem
        if text != text.strip():
            return "has spaces at its start or end"
        return check(os.path.expanduser(text))

    return os.path.expanduser(asker.text(question.message, default, check_path))


_CANARY_READS = ("name", "image", "upstream")  # what canary.choice checks the canary against


def _answered(
    layers: list[tuple[Layer, Path]], answers: dict[str, str]
) -> list[tuple[Layer, Path]]:
    """`layers` and, strongest, the answers given so far, as the end of `run` builds them."""
    answer_layer: Layer = {
        key: Given(value, model.option(key).flag)
        for key, value in answers.items()
        if key not in (OUT, "target") and value != ""  # "": an optional question left empty
    }
    return [*layers, (answer_layer, Path.cwd())]


def _validator(key: str, answers: dict[str, str], layers: list[tuple[Layer, Path]]) -> Validate:
    """The model's own rule for `key`; certificate files are read and checked on the spot."""
    cwd = Path.cwd()

    def cert_ref() -> FileRef | None:
        if "tls.cert" in answers:
            return model.make_file_ref(answers["tls.cert"], cwd, "--cert")
        return model.given_file(layers, "tls.cert")

    def check(text: str) -> str | None:
        try:
            if key == OUT:
                output.check_folder(Path(model.user_path(text, "--out", "a folder")))
            elif key == "tls.cert":
                core.check_user_certificate(
                    model.make_file_ref(text, cwd, "--cert"),
                    _host(),
                    core.now_utc(),
                    allow_expired=_allow_expired(layers),
                )
            elif key == "tls.key":
                certificate = cert_ref()
                if certificate is None:  # --key asked although the certificate is unknown
                    return "give --cert first"
                key_ref = model.make_file_ref(text, cwd, "--key")
                core.check_user_pair(
                    certificate,
                    key_ref,
                    _host(),
                    core.now_utc(),
                    allow_expired=_allow_expired(layers),
                )
            else:
                model.check_value(key, text)
                if key in _CANARY_READS:
                    # e.g. --canary-image given: its name <name>-canary, an image of its own
                    try:
                        check_given(
                            _answered(layers, {**answers, key: text}), _target(answers, layers).name
                        )
                    except errors.BadInput as error:
                        if key == "name" and text + canary.SUFFIX in error.message:
                            # what the name can be, not the canary's names it makes too long
                            return (
                                f"at most {canary.NAME_MAX} characters with a canary (its objects "
                                f"are named <name>{canary.SUFFIX}, at most 63)"
                            )
                        return error.message
                certificate = cert_ref()
                if key == "host" and certificate is not None:  # a certificate given by flag
                    core.check_user_certificate(
                        certificate, text, core.now_utc(), allow_expired=True
                    )
        except ValueError as error:
            return str(error)
        except errors.BadInput as error:
            return error.message.split(": ", 1)[-1]
        return None

    def _host() -> str:
        return answers.get("host") or _raw(layers, "host") or Config.host

    return check


# --------------------------------------------------------------------------- what it says


def summary(config: Config, plan: core.FolderPlan) -> list[str]:
    tls = config.tls
    target = targets.of(config)
    rows = [
        ("target", config.target),
        ("name", config.name),
        ("namespace", config.namespace),
        ("image", config.image),
        ("port", str(config.port)),
        ("replicas", str(config.replicas)),
        ("host", config.host),
        ("path", config.path),
    ]
    keys = {"namespace", "image", "replicas"}
    rows = [(label, value) for label, value in rows if label not in keys or label in target.uses]
    rows += target.summary(config)
    rows.append(("idle timeout", f"{config.timeout} s"))
    chosen = getattr(config.settings, "cloud", None)
    if chosen is not None and "load balancer" not in dict(rows):  # the target's own row
        rows.append(("load balancer", cloud.summary(chosen)))
    release = canary.of(config)
    if release is not None:
        rows.append(("canary", canary.summary(config, release)))
    secret = (
        f" (Secret {tls.secret_name})" if tls.enabled and "tls.secretName" in target.uses else ""
    )
    rows.append(("TLS", tls.mode + secret))
    if tls.mode == "files":
        rows += [("certificate", tls.files()[0].given), ("key", tls.files()[1].given)]
    if tls.mode == "cert-manager":
        rows.append(("issuer", f"{tls.issuer_kind} {tls.issuer}"))
    width = max(len(label) for label, _ in rows)
    lines = ["", "Summary:"] + [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += [f"note: {note}" for note in plan.notes]  # e.g. why a certificate is new
    lines += ["", f"Files in {plan.out}:"]
    for step in plan.steps:
        action = "chmod" if step.fix_mode else step.action
        lines.append(f"  {action:<9} {step.path}")
    lines.append("")
    return lines


# --------------------------------------------------------------------------- the terminal


def terminal_problem() -> str:
    """Why there is no terminal to ask on ("" when there is one): questions need one on stdin
    (answers) and on stderr (where they are drawn)."""
    for name, stream in (("stdin", sys.stdin), ("stderr", sys.stderr)):
        try:
            if stream is None or not stream.isatty():
                return f"{name} is not a terminal"
        except (AttributeError, ValueError):  # closed or replaced streams
            return f"{name} is not a terminal"
    return ""


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
        # The default is a placeholder: typing replaces it (a prefilled default would take the
        # typed text on its end), Enter on an empty line takes it. Answers are checked on
        # Enter only: checking while typing would read a half-typed path (a named pipe blocks).
        question = self._questionary.text(
            message,
            validate=lambda text: validate(text or default) or True,
            placeholder=default,
            validate_while_typing=False,
            output=self._output,
        )
        _wrap_errors(question.application)
        answer: str = self._ask(question)
        return answer or default

    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
        width = max(len(value) for value, _ in choices)
        items = [
            self._questionary.Choice(title=f"{value:<{width}}  {about}", value=value)
            for value, about in choices
        ]
        # The list (with each choice's padding and explanation) is erased once answered, and
        # the answer alone is echoed as questionary echoes a text answer.
        answer: str = self._ask(
            self._questionary.select(
                message,
                choices=items,
                default=default,
                output=self._output,
                erase_when_done=True,
            )
        )
        self._echo(message, answer)
        return answer

    def _echo(self, message: str, answer: str) -> None:
        from prompt_toolkit import print_formatted_text
        from prompt_toolkit.formatted_text import FormattedText
        from questionary.constants import DEFAULT_QUESTION_PREFIX
        from questionary.styles import merge_styles_default

        tokens = [
            ("class:qmark", DEFAULT_QUESTION_PREFIX),
            ("class:question", f" {message} "),
            ("class:answer", answer),
        ]
        print_formatted_text(
            FormattedText(tokens), style=merge_styles_default([None]), output=self._output
        )

    def confirm(self, message: str, default: bool) -> bool:
        answer: bool = self._ask(
            self._questionary.confirm(message, default=default, output=self._output)
        )
        return answer

    def say(self, line: str) -> None:
        import textwrap

        width = max(20, self._output.get_size().columns - 1)
        indent = line[: len(line) - len(line.lstrip())]
        # between words only: an image, a path or a name is never cut at its hyphens (nor
        # anywhere: one longer than the line is the terminal's to fold, and copies whole)
        lines = (
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
            if len(line) > width
            else []
        )
        print("\n".join(lines) or line, file=sys.stderr)


def _wrap_errors(application: Any) -> None:
    """The rule an answer breaks, word-wrapped to the terminal's width on as many lines as it
    needs: prompt_toolkit's validation toolbar is one line high and cuts the rest off."""
    import textwrap

    from prompt_toolkit.layout import Dimension, FormattedTextControl, Window
    from prompt_toolkit.layout.layout import walk

    def lines() -> list[str]:
        error = application.current_buffer.validation_error
        if error is None:
            return []
        width = max(20, application.output.get_size().columns - 1)
        return textwrap.wrap(str(error.message), width, break_on_hyphens=False) or [""]

    for container in walk(application.layout.container):
        content = getattr(container, "content", None)
        if not (isinstance(container, Window) and isinstance(content, FormattedTextControl)):
            continue
        if getattr(content.text, "__qualname__", "").startswith("ValidationToolbar."):
            content.text = lambda: [("class:validation-toolbar", "\n".join(lines()))]
            container.height = lambda: Dimension.exact(max(1, len(lines())))
