"""What `wsgen render --target` can write. A target is one entry in TARGETS: how it renders to
stdout and to a folder, and what the user needs to hear after a folder is written. Its templates
and knowledge live in one module each (ingress-nginx: render.py and ingress_nginx.py; nginx:
nginx_conf.py); which options and TLS modes it takes is validation (wsgen.model._TARGET_KEYS,
TARGET_TLS_MODES). A new target is a new module and one entry here.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wsgen import nginx_conf, render
from wsgen.model import Config
from wsgen.render import CERT_FILE, KEY_FILE, File, Pem


@dataclass(frozen=True)
class Target:
    name: str
    # stdout: the text and notes for stderr (the Pem: --tls self-signed, made for this run)
    stream: Callable[[Config, Pem | None], tuple[str, list[str]]]
    # --out DIR: every file by path relative to DIR
    folder: Callable[[Config, Path, Pem | None], dict[str, File]]
    # said after a folder is written: certificate expiry, the command to run next
    folder_notes: Callable[[Config, Path, Pem | None], list[str]]
    # files an earlier run may have left that this one no longer writes (reported, not deleted)
    leftovers: tuple[str, ...]
    # --tls self-signed without --out: the stream holds a new key (else it needs a folder)
    stream_carries_key: bool


def _kubernetes_stream(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
    notes = []
    if pem is not None:
        notes.append(
            f"the stream carries the kubernetes.io/tls Secret {config.tls.secret_name} with a "
            "new private key (a new one on every run; use --out DIR to keep it in files)"
        )
    return render.stream(config, pem), notes


def _kubernetes_notes(config: Config, out: Path, pem: Pem | None) -> list[str]:
    tls = config.tls
    if tls.mode == "self-signed" and pem is not None:
        from wsgen import certs

        expiry = certs.read_certificate(pem.cert).expiry()
        command = render.secret_command(
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
        # Paths that work from here, wherever the values file that named them lives.
        cert, key = (
            ref.given if os.path.isabs(ref.given) else os.path.relpath(ref.path)
            for ref in tls.files()
        )
        command = render.secret_command(config.namespace, tls.secret_name, cert, key)
        return [f"create the Secret: {command}"]
    if tls.mode == "secret":
        return [
            f"the Ingress expects the kubernetes.io/tls Secret {tls.secret_name} "
            f"in namespace {config.namespace}"
        ]
    return []


TARGETS = {
    "ingress-nginx": Target(
        "ingress-nginx",
        stream=_kubernetes_stream,
        folder=render.folder,
        folder_notes=_kubernetes_notes,
        leftovers=(CERT_FILE, KEY_FILE, render.SCRIPT_FILE, nginx_conf.CONF_FILE),
        stream_carries_key=True,  # in a kubernetes.io/tls Secret
    ),
    "nginx": Target(
        "nginx",
        stream=nginx_conf.stream,
        folder=nginx_conf.folder,
        folder_notes=nginx_conf.folder_notes,
        leftovers=(
            CERT_FILE,
            KEY_FILE,
            render.SCRIPT_FILE,
            *render.MANIFESTS,
            render.KUSTOMIZATION_FILE,
            render.VALUES_FILE,
        ),
        stream_carries_key=False,
    ),
}


def of(config: Config) -> Target:
    return TARGETS[config.target]
