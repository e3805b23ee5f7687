"""Pure rendering: a Config (and TLS material) in, file contents out. No I/O but reading the
templates, no clock, no randomness.

Every output is parsed again before it is returned (`_self_check`): the YAML must read back
as exactly the values that went in, so no input can add keys or change a type.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from wsgen import model
from wsgen.errors import BadInput, RuntimeFailure
from wsgen.model import Config, FileRef
from wsgen.yamlutil import SafeLoader, quoted, scalar

# How long Kubernetes waits between SIGTERM and SIGKILL: room to close WebSockets with 1001
# and for clients to reconnect elsewhere (documented in the README).
GRACE_SECONDS = 120

MODE_FILE = 0o644
MODE_SCRIPT = 0o755
MODE_KEY = 0o600

MANIFESTS = ("deployment.yaml", "service.yaml", "ingress.yaml")
CERT_FILE = "tls/tls.crt"
KEY_FILE = "tls/tls.key"
SCRIPT_FILE = "create-tls-secret.sh"
KUSTOMIZATION_FILE = "kustomization.yaml"
VALUES_FILE = "wsgen.yaml"


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
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # The output is YAML and shell, not HTML: HTML escaping would corrupt values. Every
        # string goes through the `y` (YAML scalar) or `q` (always-quoted) filter instead.
        autoescape=False,  # noqa: S701
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


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingress.yaml."""
    result = {
        "deployment.yaml": template(
            "deployment.yaml.j2", c=config, env=config.container_env(), grace=GRACE_SECONDS
        ),
        "service.yaml": template("service.yaml.j2", c=config),
        "ingress.yaml": template(
            "ingress.yaml.j2", c=config, annotations=config.ingress_annotations()
        ),
    }
    for text in result.values():
        _self_check(text, config)
    return result


def stream(config: Config, pem: Pem | None) -> str:
    """One multi-document YAML stream; with `pem` (self-signed) it carries the TLS Secret
    before the Ingress that uses it."""
    docs = manifests(config)
    parts = [docs["deployment.yaml"], docs["service.yaml"]]
    if pem is not None:
        import base64

        secret = template(
            "secret.yaml.j2",
            c=config,
            cert_b64=base64.b64encode(pem.cert).decode(),
            key_b64=base64.b64encode(pem.key).decode(),
        )
        _self_check(secret, config)
        parts.append(secret)
    parts.append(docs["ingress.yaml"])
    return "---\n".join(parts)


def folder(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
    """Every file of an output folder, by path relative to it. `out` only serves to write the
    user's certificate paths relative to the folder (the files stay where they are)."""
    files = {name: File(text.encode()) for name, text in manifests(config).items()}
    files[KUSTOMIZATION_FILE] = File(template("kustomization.yaml.j2", c=config).encode())
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
    values = template("wsgen.yaml.j2", c=config, cert_path=cert_path, key_path=key_path)
    _check_values(values, config, out)
    files[VALUES_FILE] = File(values.encode())
    return files


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


def _self_check(text: str, config: Config) -> None:
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
    elif kind == "Ingress":
        rule = doc["spec"]["rules"][0]
        ok = (
            ok
            and meta.get("annotations") == config.ingress_annotations()
            and rule["host"] == config.host
            and rule["http"]["paths"][0]["path"] == config.path
            and doc["spec"]["ingressClassName"] == config.ingress_class
        )
    elif kind not in ("Service", "Secret"):
        ok = False
    if not ok:
        raise _fail(str(kind))


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
