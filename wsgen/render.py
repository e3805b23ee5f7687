"""Pure rendering, and what every Kubernetes target writes the same way: the templates, the
Deployment and Service, the YAML stream, the folder (kustomization, TLS files or script,
wsgen.yaml) and what is said after it. A Config (and TLS material) in, file contents out; no I/O
but reading the templates, no clock, no randomness.

Every object is parsed again before it is returned (`self_check`): the YAML must read back
as exactly the values that went in, so no input can add keys or change a type.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from wsgen import canary, cloud, model, templating
from wsgen.errors import BadInput, RuntimeFailure
from wsgen.model import Config, FileRef
from wsgen.targets.base import (
    CERT_FILE,
    KEY_FILE,
    KUSTOMIZATION_FILE,
    SCRIPT_FILE,
    VALUES_FILE,
    Chart,
)
from wsgen.yamlutil import SafeLoader, quoted, scalar

# How long Kubernetes waits between SIGTERM and SIGKILL: room to close WebSockets with 1001
# and for clients to reconnect elsewhere (documented in docs/render.md).
GRACE_SECONDS = 120

MODE_FILE = 0o644
MODE_SCRIPT = 0o755
MODE_KEY = 0o600


@dataclass(frozen=True)
class Pem:
    """A certificate and its private key, PEM encoded."""

    cert: bytes
    key: bytes


@dataclass(frozen=True)
class File:
    content: bytes
    mode: int = MODE_FILE


def templates_dir() -> Path:
    """Installed: the package's own templates/ (the wheel puts them there). From a source
    checkout or an editable install: the project's top-level templates/."""
    packaged = Path(__file__).resolve().parent / "templates"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "templates"
    if source.is_dir():
        return source
    raise RuntimeFailure("wsgen's templates are missing from this installation (reinstall wsgen)")


@cache
def environment() -> jinja2.Environment:
    """The templates compiled into the wheel at build time when they are current, else the
    sources (wsgen.templating)."""
    env = templating.environment(
        templating.loader(Path(__file__).resolve().parent, templates_dir())
    )
    env.filters["y"] = scalar
    env.filters["q"] = quoted
    return env


def template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def secret_command(namespace: str, name: str, cert: str, key: str) -> str:
    """The idempotent kubectl command that creates or updates a TLS Secret."""
    return (
        f"kubectl -n {shlex.quote(namespace)} create secret tls "
        f"{shlex.quote(name)} --cert={shlex.quote(cert)} "
        f"--key={shlex.quote(key)} --dry-run=client -o yaml | kubectl apply -f -"
    )


def workload(
    config: Config, app_protocol: str = "", annotations: Mapping[str, str] | None = None
) -> dict[str, str]:
    """deployment.yaml and service.yaml, which every Kubernetes target writes (`app_protocol`:
    the Service port's appProtocol, when the target reads one; `annotations`: the Service's,
    when its load balancer reads some)."""
    return {
        "deployment.yaml": template(
            "deployment.yaml.j2", c=config, env=config.container_env(), grace=GRACE_SECONDS
        ),
        "service.yaml": template(
            "service.yaml.j2", c=config, app_protocol=app_protocol, annotations=annotations or {}
        ),
    }


def canary_workload(
    config: Config, app_protocol: str = "", annotations: Mapping[str, str] | None = None
) -> dict[str, str]:
    """canary-deployment.yaml and canary-service.yaml (wsgen.canary), each self-checked, as
    `workload` writes them for the canary's own config; {} without a canary."""
    if canary.of(config) is None:
        return {}
    own = canary.workload(config)
    return {
        canary.FILE_PREFIX + name: text
        for name, text in self_checked(workload(own, app_protocol, annotations), own, {}).items()
    }


def stream(config: Config, pem: Pem | None, manifests: dict[str, str]) -> str:
    """One multi-document YAML stream of `manifests` (the Deployment and Service first); with
    `pem` (self-signed) it carries the TLS Secret before the objects that use it."""
    parts = [manifests["deployment.yaml"], manifests["service.yaml"]]
    if pem is not None:
        import base64

        secret = template(
            "secret.yaml.j2",
            c=config,
            cert_b64=base64.b64encode(pem.cert).decode(),
            key_b64=base64.b64encode(pem.key).decode(),
        )
        self_check(secret, config)
        parts.append(secret)
    parts += [text for name, text in manifests.items() if name not in WORKLOAD]
    return "---\n".join(parts)


def folder(
    config: Config, out: Path, pem: Pem | None, manifests: dict[str, str], values_template: str
) -> dict[str, File]:
    """Every file of a Kubernetes output folder, by path relative to it: `manifests`, the
    kustomization, TLS material or the script that makes the Secret, and wsgen.yaml (from
    `values_template`). `out` only serves to write the user's certificate paths relative to the
    folder (the files stay where they are)."""
    files = {name: File(text.encode()) for name, text in manifests.items()}
    files[KUSTOMIZATION_FILE] = File(
        template("kustomization.yaml.j2", c=config, resources=list(manifests)).encode()
    )
    cert_path = key_path = ""
    tls = config.tls
    if tls.mode == "self-signed":
        if pem is None:
            raise ValueError("self-signed needs its certificate")
        files[CERT_FILE] = File(pem.cert)
        files[KEY_FILE] = File(pem.key, MODE_KEY)
        command = secret_command(config.namespace, tls.secret_name, CERT_FILE, KEY_FILE)
        files[SCRIPT_FILE] = File(
            template(SCRIPT_FILE + ".j2", c=config, command=command).encode(), MODE_SCRIPT
        )
    elif tls.mode == "files":
        cert_path, key_path = (relative_to(ref, out) for ref in tls.files())
        command = secret_command(config.namespace, tls.secret_name, cert_path, key_path)
        files[SCRIPT_FILE] = File(
            template(SCRIPT_FILE + ".j2", c=config, command=command).encode(), MODE_SCRIPT
        )
    files[VALUES_FILE] = values_file(values_template, config, out, cert_path, key_path)
    return files


def values_file(
    values_template: str,
    config: Config,
    out: Path,
    cert_path: str = "",
    key_path: str = "",
    **context: Any,
) -> File:
    """wsgen.yaml, checked: read from the folder `out`, it gives back the same Config (the
    user's certificate files at `cert_path` and `key_path`, relative to the folder; `context`:
    what the target's template needs besides)."""
    values = template(values_template, c=config, cert_path=cert_path, key_path=key_path, **context)
    _check_values(values, config, out)
    return File(values.encode())


WORKLOAD = ("deployment.yaml", "service.yaml")


StreamFn = Callable[[Config, "Pem | None"], tuple[str, list[str]]]
FolderFn = Callable[[Config, Path, "Pem | None"], dict[str, File]]
NotesFn = Callable[[Config, Path, "Pem | None"], list[str]]


def plain_output(
    manifests: Callable[[Config], dict[str, str]], values_template: str, user: str
) -> tuple[StreamFn, FolderFn, NotesFn]:
    """stream, folder and folder_notes (Renderer) of a target whose output is `manifests` and
    the shared files; `user` reads the TLS Secret ("the Ingress")."""

    def stream_(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
        return stream(config, pem, manifests(config)), stream_notes(config, pem)

    def folder_(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
        return folder(config, out, pem, manifests(config), values_template)

    def folder_notes_(config: Config, out: Path, pem: Pem | None) -> list[str]:
        return folder_notes(config, out, pem, user)

    return stream_, folder_, folder_notes_


def chart_output(
    manifests: Callable[[Config], dict[str, str]], values_template: str, user: str, chart: Chart
) -> tuple[StreamFn, FolderFn, NotesFn]:
    """As plain_output, for a target whose controller's Service `chart` owns: with --cloud the
    folder also holds the chart's values, and both outputs say how to apply them."""

    def stream_(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
        notes = stream_notes(config, pem) + chart_notes(config, chart, None)
        return stream(config, pem, manifests(config)), notes

    def folder_(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
        files = folder(config, out, pem, manifests(config), values_template)
        files.update(
            (name, File(text.encode())) for name, text in chart_values(config, chart).items()
        )
        return files

    def folder_notes_(config: Config, out: Path, pem: Pem | None) -> list[str]:
        return folder_notes(config, out, pem, user) + chart_notes(config, chart, out)

    return stream_, folder_, folder_notes_


def stream_notes(config: Config, pem: Pem | None) -> list[str]:
    """What a Kubernetes target says after printing its stream."""
    if pem is None:
        return []
    return [
        f"the stream carries the kubernetes.io/tls Secret {config.tls.secret_name} with a "
        "new private key (a new one on every run; use --out DIR to keep it in files)"
    ]


def files_secret_note(config: Config) -> str:
    """--tls files: the command that makes the TLS Secret of the user's files (after a folder,
    and after a stream, which names the Secret but cannot make it)."""
    # Paths that work from here, wherever the values file that named them lives.
    cert, key = (
        ref.given if os.path.isabs(ref.given) else os.path.relpath(ref.path)
        for ref in config.tls.files()
    )
    return (
        f"create the Secret: {secret_command(config.namespace, config.tls.secret_name, cert, key)}"
    )


def folder_notes(config: Config, out: Path, pem: Pem | None, user: str) -> list[str]:
    """What a Kubernetes target says after writing a folder; `user` is the object that reads
    the TLS Secret ("the Ingress")."""
    tls = config.tls
    if tls.mode == "self-signed" and pem is not None:
        from wsgen import certs

        expiry = certs.read_certificate(pem.cert).expiry()
        command = secret_command(
            config.namespace,
            tls.secret_name,
            os.path.join(out, CERT_FILE),
            os.path.join(out, KEY_FILE),
        )
        return [
            f"certificate for {config.host} expires {expiry}",
            f"kubectl apply -k {shlex.quote(str(out))} creates the Secret too; or: {command}",
        ]
    if tls.mode == "files":
        return [files_secret_note(config)]
    if tls.mode == "secret":
        return [
            f"{user} expects the kubernetes.io/tls Secret {tls.secret_name} "
            f"in namespace {config.namespace}"
        ]
    return []


def next_steps(config: Config, out: Path, ports: tuple[int, ...] = ()) -> list[str]:
    """init's last lines for a Kubernetes folder whose proxy listens on `ports` (a Gateway's
    listeners; () for 80 and 443). The URL is the cloud notes' own: wss where --lb-cert ends
    TLS at the load balancer, the port named where the listener is not on 80 or 443."""
    chosen: cloud.Choice | None = getattr(config.settings, "cloud", None)
    url = cloud.probe_url(config, chosen is not None and bool(chosen.cert), ports)
    return [
        f"apply: kubectl apply -k {shlex.quote(str(out))}",
        probe_step(config, out, url, "the controller's address"),
    ]


def probe_step(config: Config, out: Path, url: str, address: str) -> str:
    """init's last line: `wsgen probe` of the endpoint, which measures what a client sees (the
    upgrade, one message, the idle hold). A certificate made here is trusted with --ca; until
    the host's DNS points at `address`, --resolve connects there (Host, SNI and the
    certificate check keep the host)."""
    command = f"wsgen probe {shlex.quote(url)}"
    if config.tls.mode != "self-signed":
        return f"test:  {command}"
    ca = shlex.quote(os.path.join(out, CERT_FILE))
    return f"test:  {command} --ca {ca} (before DNS has the host: --resolve {address})"


def cloud_plan(config: Config, ports: tuple[int, ...]) -> cloud.Plan | None:
    """--cloud: the plan of the load balancer listening on `ports` in front of the target's
    proxy, which closes an idle WebSocket after --timeout where the target writes it, and
    never where it does not (Istio, Traefik: init does not ask the timeout); None without
    --cloud."""
    from wsgen import targets

    chosen: cloud.Choice | None = config.settings.cloud
    if chosen is None:
        return None
    behind = None if "timeout" in targets.of(config).not_asked else config.timeout
    return cloud.plan(chosen, config, ports, behind)


def chart_values(config: Config, chart: Chart) -> dict[str, str]:
    """--cloud on a target whose controller's Service a Helm chart owns: {chart.file: the
    values for it}; {} without --cloud."""
    plan = cloud_plan(config, chart.ports)
    if plan is None or not (plan.annotations or plan.load_balancer_class):
        return {}
    chosen: cloud.Choice = config.settings.cloud
    text = template(
        f"{config.target}/chart-values.yaml.j2",
        chart=chart,
        provider=chosen.provider,
        plan=plan,
        offload=bool(chosen.cert),
    )
    try:
        doc = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        raise _fail(chart.file) from None
    service = doc.get("controller", doc)["service"]
    if (
        service["annotations"] != plan.annotations
        or service.get("loadBalancerClass", "") != plan.load_balancer_class
    ):
        raise _fail(chart.file)
    return {chart.file: text}


def chart_notes(config: Config, chart: Chart, out: Path | None) -> list[str]:
    """What to say about the chart values (`out`: the folder they were written to; None: a
    stream, which cannot carry them)."""
    plan = cloud_plan(config, chart.ports)
    if plan is None:
        return []
    if not (plan.annotations or plan.load_balancer_class):
        return [f"--cloud {plan.provider}: nothing to set on {chart.service}"]
    fixed = ""
    at_creation = config.settings.cloud.provider.at_creation
    if at_creation:
        fixed = (
            f" ({' and '.join(at_creation)} cannot change on an "
            "existing Service: on a controller installed before, delete its Service first, or "
            "install it anew)"
        )
    if out is not None:
        path = shlex.quote(os.path.join(out, chart.file))
        return [
            f"the load balancer is {chart.service}, which its Helm chart owns: "
            f"{chart.install} -f {path} (with your release's name, namespace and chart "
            f"--version){fixed}"
        ]
    needs = [f"the annotations {', '.join(f'{k}={v}' for k, v in plan.annotations.items())}"]
    if plan.load_balancer_class:
        needs.append(f"spec.loadBalancerClass {plan.load_balancer_class}")
    return [
        f"the load balancer is {chart.service}, which its Helm chart owns; it needs "
        f"{' and '.join(needs)} (with -o DIR, wsgen writes them as chart values: "
        f"{chart.file}){fixed}"
    ]


def relative_to(ref: FileRef, out: Path) -> str:
    """A user's file as seen from the folder `out`: absolute if it was given so."""
    if Path(ref.given).is_absolute():
        return ref.given
    return os.path.relpath(ref.path, os.path.realpath(out))


# --------------------------------------------------------------------------- self-checks


def _fail(what: str) -> RuntimeFailure:
    return RuntimeFailure(
        f"internal error: the rendered {what} does not read back as its input (please report this)"
    )


# A kind's own check: the parsed document -> whether it reads back as the config said.
KindCheck = Callable[[dict[str, Any]], bool]


def self_check(text: str, config: Config, kinds: Mapping[str, KindCheck] | None = None) -> None:
    """`text` parses as one object named after the app (the Secret after the TLS Secret), in
    its namespace, with wsgen's label; Deployments, Services and Secrets are checked here, any
    other kind must be in `kinds` and pass its check."""
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > model.MAX_OBJECT_BYTES:  # before parsing it again: a huge text parses slowly
        shown = next((line[6:] for line in text.splitlines() if line.startswith("kind: ")), "")
        raise BadInput(
            f"the rendered {shown or 'object'} would be {size} bytes; wsgen keeps each object "
            f"under {model.MAX_OBJECT_BYTES // 1024 // 1024} MiB (the API server stores at most "
            "~1.5 MiB): give fewer or shorter --env / --annotation values"
        )
    try:
        doc = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        raise _fail("YAML") from None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    meta = doc.get("metadata", {}) if isinstance(doc, dict) else {}
    expected_name = config.tls.secret_name if kind == "Secret" else config.name
    ok = (
        meta.get("name") == expected_name
        and meta.get("namespace") == config.namespace
        and meta.get("labels") == {"app.kubernetes.io/name": config.name}
    )
    if kind == "Deployment":
        container = doc["spec"]["template"]["spec"]["containers"][0]
        env = [(item["name"], item["value"]) for item in container.get("env", [])]
        ok = ok and container["image"] == config.image and env == list(config.container_env())
    elif kind in (kinds or {}):
        ok = ok and (kinds or {})[str(kind)](doc)
    elif kind not in ("Service", "Secret"):
        ok = False
    if not ok:
        raise _fail(str(kind))


def self_checked(
    manifests: dict[str, str], config: Config, kinds: Mapping[str, KindCheck]
) -> dict[str, str]:
    """`manifests`, each object of it having passed self_check (with the target's `kinds`)."""
    for text in manifests.values():
        self_check(text, config, kinds)
    return manifests


def _check_values(text: str, config: Config, out: Path) -> None:
    """The answers file must give back the same Config when read from the output folder."""
    try:
        again = model.build([(model.parse_values(text, "wsgen.yaml"), out)])
    except Exception:
        raise _fail("wsgen.yaml") from None

    def comparable(c: Config) -> tuple[object, ...]:
        paths = tuple(ref.path if ref else None for ref in (c.tls.cert, c.tls.key))
        return replace(c, tls=replace(c.tls, cert=None, key=None)), paths

    if comparable(again) != comparable(config):
        raise _fail("wsgen.yaml")
