"""What each command does, as data in and data out: the CLI only parses and prints.

`render_manifests` and `make_certificate` return a Result (what goes to stdout, the lines for
stderr) or raise a WsgenError. cryptography is imported only when TLS material is needed.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wsgen import canary, model, output, render, targets
from wsgen.errors import BadInput, Changed, Refused, WsgenError
from wsgen.model import CertOptions, Config, FileRef, read_user_file
from wsgen.render import MODE_KEY, File, Pem
from wsgen.targets.base import CERT_FILE, KEY_FILE, VALUES_FILE, holds_objects

if TYPE_CHECKING:  # cryptography is imported only where certificates are read (start-up time)
    from wsgen import certs as certs_types


@dataclass
class Result:
    stdout: str = ""
    notes: list[str] = field(default_factory=list)  # for stderr, one line each
    # render --diff: True when the folder differs from what render would write (stdout then
    # holds the unified diff; names past ASCII and bytes that are not UTF-8 as surrogates)
    differs: bool = False


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def render_manifests(
    config: Config,
    out: Path | None,
    *,
    force: bool = False,
    dry_run: bool = False,
    check: bool = False,
    diff: bool = False,
    now: dt.datetime | None = None,
) -> Result:
    """`wsgen render`: the YAML stream, or a folder planned and written (or shown: --dry-run,
    checked: --check, or compared: --diff)."""
    now = now or now_utc()
    result = Result()
    if out is not None:
        with output.opened(out) as folder:  # plan and write under one lock
            would = dry_run or check or diff
            plan = plan_folder(config, folder, force=force or diff, now=now, would=would)
            result.notes.extend(plan.notes)
            write_folder(config, plan, result, dry_run=dry_run, check=check, diff=diff)
        return result
    target = targets.of(config)
    pem = None
    if config.tls.mode == "files":
        _read_user_pair(config, now, result.notes)
    elif config.tls.mode == "self-signed" and target.stream_carries_key:
        pem = _new_pem(config, now)
    renderer = target.output()
    result.stdout, notes = renderer.stream(config, pem)
    notes.extend(renderer.warnings(config) + canary.notes(config))  # as a folder's plan says
    notes.extend(default_image_note(config))
    if config.tls.mode == "files" and "tls.secretName" in target.uses:
        # the stream names the Secret; nothing in it makes one (a folder holds the script)
        notes.append(render.files_secret_note(config))
    result.notes.extend(notes)
    return result


def default_image_note(config: Config) -> list[str]:
    """One line when the Deployment runs wsgen's default image: a demo, not the user's app.
    A hint for a person: said only when stderr is a terminal (render at a prompt, init's
    wizard), so that the logs of scripts and CI, which chose their image or run the demo on
    purpose, stay as they were."""
    import sys

    from wsgen.terminal import is_terminal

    if config.image != model.DEFAULT_IMAGE or "image" not in targets.of(config).uses:
        return []
    if not is_terminal(sys.stderr):
        return []
    return [
        "the image is the default, the ACK guide's demo echo server: not your app "
        "(give yours with --image)"
    ]


@dataclass
class FolderPlan:
    folder: output.Folder
    files: dict[str, File]
    steps: list[output.Step]
    pem: Pem | None  # self-signed: the pair that will be written (kept or new)
    notes: list[str]  # why a certificate is new, an expired user certificate
    earlier: str | None = None  # the target the folder's wsgen.yaml names, before this run

    @property
    def out(self) -> Path:
        return self.folder.out


def plan_folder(
    config: Config, folder: output.Folder, *, force: bool, now: dt.datetime, would: bool = False
) -> FolderPlan:
    """Everything an output folder will hold, and what writing it would do to each file
    (`folder` from output.opened: the plan holds only while it stays open). `would`: nothing
    will be written (--dry-run, --check, --diff), and the notes say so."""
    notes: list[str] = []
    pem = None
    renewal = None  # why the folder's key and certificate are made anew
    if config.tls.mode == "self-signed":
        pem, renewal = _folder_pem(config, folder, now)
    elif config.tls.mode == "files":
        _read_user_pair(config, now, notes)
    renderer = targets.of(config).output()
    files = renderer.folder(config, folder.out, pem)
    # with the plan: also for --dry-run and --check
    notes.extend(renderer.warnings(config) + canary.notes(config) + default_image_note(config))
    plan = output.plan(folder, files, force)
    if renewal is not None:  # a write refused (exit 4) makes none either
        refused = any(step.action == output.REFUSE for step in plan)
        making = "would make" if would or refused else "making"
        notes.insert(0, f"{renewal}: {making} a new key and certificate")
    return FolderPlan(folder, files, plan, pem, notes, _recorded_target(folder))


def _recorded_target(folder: output.Folder) -> str | None:
    """The target an earlier run recorded in the folder's wsgen.yaml (one without `target:` is
    ingress-nginx's), or None: no wsgen.yaml, or not one wsgen can read."""
    from wsgen.yamlutil import YamlProblem, load_strict

    try:
        content = folder.read(VALUES_FILE)
        data = load_strict(content.decode()) if content is not None else None
    except (WsgenError, YamlProblem, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    name = data.get("target", model.DEFAULT_TARGET)
    return name if isinstance(name, str) and name in targets.TARGETS else None


def write_folder(
    config: Config,
    plan: FolderPlan,
    result: Result,
    *,
    dry_run: bool = False,
    check: bool = False,
    diff: bool = False,
    refuse_hint: str = "use --force to replace them, --dry-run to see the plan",
) -> None:
    """Carry out a plan (or show it, check it, or compare it: `diff`); add what the user needs
    next to `result`."""
    out = plan.out
    try:
        if diff:
            _diff(plan, result)
        else:
            _apply(
                plan.folder,
                plan.files,
                plan.steps,
                result,
                dry_run=dry_run,
                check=check,
                refuse_hint=refuse_hint,
            )
    except WsgenError as error:
        error.notes[:0] = result.notes
        raise
    # Files this target may write, and those of the target the folder was written for (by its
    # wsgen.yaml): a file no wsgen run of either would write is the user's, and not named.
    candidates = targets.of(config).files
    if plan.earlier is not None:
        candidates += targets.TARGETS[plan.earlier].files
    for leftover in dict.fromkeys(candidates):
        if leftover not in plan.files and _ours(plan.folder, leftover):
            path = os.path.join(out, leftover)
            if holds_objects(leftover):
                # an object applied before stays on the cluster: apply -k does not prune it
                result.notes.append(
                    f"{path} is from an earlier run and no longer used (left in place; the "
                    f"cluster keeps what it made until: kubectl delete -f {shlex.quote(path)})"
                )
                continue
            result.notes.append(
                f"{path} is from an earlier run and no longer used "
                "(left in place: delete it if nothing needs it)"
            )
    if not (dry_run or check or diff):
        result.notes.extend(targets.of(config).output().folder_notes(config, out, plan.pem))


def _diff(plan: FolderPlan, result: Result) -> None:
    """render --diff: a unified diff from the folder to what render would write (names
    relative to the folder, a/ and b/ as git writes them: `patch -p1 -d DIR` applies it; a new
    file from /dev/null, with git's "new file mode" line when it is not 0644). A new private
    key is never shown: the new key and certificate are left out, and said on stderr (they
    are new on every run: a diff could not make them)."""
    from wsgen.unified_diff import quoted_name, unified  # the diff lint --diff writes

    folder = plan.folder
    new_pair = (
        any(step.path == KEY_FILE and step.changes for step in plan.steps)
        and plan.files.get(KEY_FILE) is not None
    )
    parts: list[str] = []
    for step in plan.steps:
        shown = folder.shown(step.path)
        if step.fix_mode:
            result.differs = True
            result.notes.append(f"{shown}: would set mode 0600 (a diff has no modes)")
        if not step.changes:
            continue
        result.differs = True
        if new_pair and step.path in (CERT_FILE, KEY_FILE):
            continue
        file = plan.files[step.path]
        after = file.content.decode("utf-8", "surrogateescape")
        if step.action == output.CREATE:
            before, old_name = "", "/dev/null"
            if file.mode != render.MODE_FILE:  # create-tls-secret.sh: patch and git apply set it
                git = f"{quoted_name('a/', step.path)} {quoted_name('b/', step.path)}"
                parts.append(f"diff --git {git}\nnew file mode {0o100000 | file.mode:o}\n")
        else:
            content = folder.read(step.path, limit=max(output.READ_LIMIT, len(file.content)))
            before = (content or b"").decode("utf-8", "surrogateescape")
            old_name = quoted_name("a/", step.path)
        for line in unified(before, after, old_name, quoted_name("b/", step.path)):
            end = "" if line.endswith("\n") else "\n\\ No newline at end of file\n"
            parts.append(line + end)
    if new_pair:
        result.notes.append(
            f"{folder.shown(CERT_FILE)}, {folder.shown(KEY_FILE)}: would make a new key and "
            "certificate (not in the diff: a private key is never shown, and a new pair is "
            "made on every run)"
        )
    result.stdout = "".join(parts)


def _ours(folder: output.Folder, relative: str) -> bool:
    """A file at `relative` in the folder itself, not reached through a link (a linked tls/
    holds the user's files, not an earlier run's)."""
    try:
        return folder.lookup(relative) is not None
    except WsgenError:
        return False


def _apply(
    folder: output.Folder,
    files: dict[str, File],
    steps: list[output.Step],
    result: Result,
    *,
    dry_run: bool,
    check: bool,
    refuse_hint: str,
) -> None:
    out = folder.out
    shown = {step.path: folder.shown(step.path) for step in steps}
    if dry_run:
        result.stdout = "".join(
            f"{'chmod' if step.fix_mode else step.action:<9} {shown[step.path]}\n" for step in steps
        )
        return
    if check:
        stale = [step for step in steps if step.changes or step.fix_mode]
        for step in stale:
            would = {output.CREATE: "create", output.IDENTICAL: "set mode 0600"}.get(
                step.action, "change"
            )
            result.notes.append(f"out of date: {shown[step.path]} (would {would})")
        if stale:
            raise Changed(f"{out}: {len(stale)} of {len(steps)} files out of date")
        result.notes.append(f"{out}: up to date ({len(steps)} files)")
        return
    refused = [shown[step.path] for step in steps if step.action == output.REFUSE]
    if refused:
        raise Refused(
            f"refusing to overwrite {len(refused)} changed file(s): {', '.join(refused)} "
            f"({refuse_hint})"
        )
    output.write(folder, files, steps)
    for step in steps:
        if step.changes:
            verb = "created" if step.action == output.CREATE else "overwrote"
            result.notes.append(f"{verb} {shown[step.path]}")
        elif step.fix_mode:
            result.notes.append(f"set mode 0600 on {shown[step.path]}")
    if not any(step.changes for step in steps):
        result.notes.append(f"{out}: up to date ({len(steps)} files)")


# ECDSA P-256: every TLS client of today accepts it, and making one takes ~1 ms where an RSA-2048
# key takes 15-70 ms. For an RSA certificate: `wsgen cert --key-type rsa2048` and --tls files.
SELF_SIGNED_KEY_TYPE = "ecdsa-p256"


def _new_pem(config: Config, now: dt.datetime) -> Pem:
    from wsgen import certs

    cert, key = certs.generate([config.host], config.tls.days, now, SELF_SIGNED_KEY_TYPE)
    return Pem(cert, key)


def _folder_pem(config: Config, folder: output.Folder, now: dt.datetime) -> tuple[Pem, str | None]:
    """Keep the folder's key and certificate while they still cover the host and have not
    expired (the reason is then None); otherwise make new ones (replacing them needs --force)
    and say why. They are read without following links (a linked tls/ is an error, as for
    writing)."""
    from wsgen import certs

    paths = {"cert": CERT_FILE, "key": KEY_FILE}
    existing: dict[str, bytes] = {}
    for part, relative in paths.items():
        content = folder.read(relative)
        if content is not None:
            existing[part] = content
    if not existing:  # a new folder: nothing to say
        return _new_pem(config, now), None
    if len(existing) == 1:
        missing = "key" if "cert" in existing else "cert"
        problem: tuple[str, str] | None = (missing, "is missing")
    else:
        problem = certs.reuse_problem(
            existing["cert"], existing["key"], config.host, config.tls.days, now
        )
    if problem is None:
        return Pem(existing["cert"], existing["key"]), None
    part, reason = problem
    return _new_pem(config, now), f"{folder.shown(paths[part])} {reason}"


def _read_user_pair(config: Config, now: dt.datetime, notes: list[str]) -> None:
    """--tls files: the certificate and key must parse, belong together and cover the host."""
    cert_ref, key_ref = config.tls.files()
    notes.extend(
        check_user_pair(cert_ref, key_ref, config.host, now, allow_expired=config.tls.allow_expired)
    )


def check_user_certificate(
    ref: FileRef, host: str | None, now: dt.datetime, *, allow_expired: bool = False
) -> list[str]:
    """A user's certificate file parses, covers `host` if given and is valid `now` (unless
    `allow_expired`); returns warnings, raises BadInput otherwise."""
    from wsgen import certs

    try:
        info = certs.read_certificate(read_user_file(ref.path, f"{ref.origin}: {ref.given}"))
    except certs.CertProblem as problem:
        raise BadInput(f"{ref.origin}: {ref.given} {problem.message}") from None
    _check_covers(ref, info.names, host)
    return _check_validity(ref, info, now, allow_expired)


def check_user_pair(
    cert_ref: FileRef,
    key_ref: FileRef,
    host: str | None,
    now: dt.datetime,
    *,
    allow_expired: bool = False,
) -> list[str]:
    """A user's certificate and key parse, belong together, cover `host` and are valid `now`
    (unless `allow_expired`); returns warnings, raises BadInput naming the file at fault."""
    from wsgen import certs

    data = {
        part: read_user_file(ref.path, f"{ref.origin}: {ref.given}")
        for part, ref in (("cert", cert_ref), ("key", key_ref))
    }
    try:
        info = certs.read_pair(data["cert"], data["key"])
    except certs.CertProblem as problem:
        ref = cert_ref if problem.part == "cert" else key_ref
        raise BadInput(f"{ref.origin}: {ref.given} {problem.message}") from None
    _check_covers(cert_ref, info.names, host)
    return _check_validity(cert_ref, info, now, allow_expired)


def _check_validity(
    ref: FileRef, info: certs_types.CertInfo, now: dt.datetime, allow_expired: bool
) -> list[str]:
    """An expired or not yet valid certificate is an error (clients refuse it), or with
    --allow-expired a warning."""
    if info.not_after <= now:
        problem = f"expired on {info.expiry()}"
    elif info.not_before > now:
        problem = f"is not valid before {info.not_before.strftime('%Y-%m-%d %H:%M UTC')}"
    else:
        return []
    if allow_expired:
        return [f"warning: {ref.given} {problem} (used anyway: --allow-expired)"]
    raise BadInput(
        f"{ref.origin}: {ref.given} {problem}; clients refuse it (give --allow-expired to use "
        "it anyway)"
    )


def _check_covers(ref: FileRef, names: tuple[str, ...], host: str | None) -> None:
    from wsgen import certs

    if host is not None and not certs.covers(names, host):
        have = ", ".join(names) or "no DNS names"
        raise BadInput(
            f"{ref.origin}: {ref.given} does not cover the host {host} (its DNS names: {have})"
        )


def make_certificate(
    options: CertOptions, out: Path, *, force: bool = False, now: dt.datetime | None = None
) -> Result:
    """`wsgen cert`: tls.crt and tls.key (0600) in `out`, and the kubectl command."""
    from wsgen import certs

    now = now or now_utc()
    output.check_folder(out)
    cert, key = certs.generate(options.hosts, options.days, now, options.key_type, options.ips)
    cert_name, key_name = Path(CERT_FILE).name, Path(KEY_FILE).name
    files = {cert_name: File(cert), key_name: File(key, MODE_KEY)}
    result = Result()
    with output.opened(out) as folder:
        _apply(
            folder,
            files,
            output.plan(folder, files, force),
            result,
            dry_run=False,
            check=False,
            refuse_hint="use --force to replace them",
        )
    command = render.secret_command(
        options.namespace,
        options.secret_name,
        os.path.join(out, cert_name),
        os.path.join(out, key_name),
    )
    expiry = certs.read_certificate(cert).expiry()
    dns, addresses = certs.subject_names(options.hosts, options.ips)
    hosts = ", ".join([*dns, *map(str, addresses)])  # as the certificate lists them
    result.notes += [f"certificate for {hosts} expires {expiry}", command]
    return result
