"""GKE's manifests: the shared Deployment, the Service with GKE's annotations, the Ingress of
class gce and the BackendConfig."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from wsgen import model, render
from wsgen.model import Config
from wsgen.targets.base import STICKY_TTL_SECONDS
from wsgen.targets.gke import (
    BACKEND_CONFIG_ANNOTATION,
    BACKEND_CONFIG_FILE,
    CLASS_ANNOTATION,
    INGRESS_CLASS,
    INGRESS_FILE,
    NEG_ANNOTATION,
    Settings,
)

VALUES_TEMPLATE = "gke/wsgen.yaml.j2"
EDIT_IN_PLACE = "acme.cert-manager.io/http01-edit-in-place"


def service_annotations(config: Config) -> dict[str, str]:
    return {
        NEG_ANNOTATION: json.dumps({"ingress": True}),
        BACKEND_CONFIG_ANNOTATION: json.dumps({"default": config.name}),
    }


def ingress_annotations(config: Config) -> dict[str, str]:
    result = {CLASS_ANNOTATION: INGRESS_CLASS}
    if config.tls.mode == "cert-manager":
        result[model.issuer_annotation(config.tls.issuer_kind)] = config.tls.issuer
        # an HTTP-01 challenge through this Ingress's own load balancer: a solver Ingress of
        # its own would get another load balancer and address on GKE, and the challenge fails
        result[EDIT_IN_PLACE] = "true"
    return result


def _service_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        (port,) = doc["spec"]["ports"]
        return bool(
            doc["metadata"].get("annotations") == service_annotations(config)
            and doc["spec"]["type"] == "ClusterIP"
            and port["port"] == config.port
        )

    return check


def _ingress_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        (rule,) = spec["rules"]
        (path,) = rule["http"]["paths"]
        tls = [{"hosts": [config.host], "secretName": config.tls.secret_name}]
        return bool(
            doc["metadata"].get("annotations") == ingress_annotations(config)
            and "ingressClassName" not in spec
            and spec.get("tls") == (tls if config.tls.enabled else None)
            and rule["host"] == config.host
            and path["path"] == config.path
            and path["backend"]["service"] == {"name": config.name, "port": {"number": config.port}}
        )

    return check


def _backend_config_reads_back(config: Config) -> render.KindCheck:
    settings: Settings = config.settings

    def check(doc: dict[str, Any]) -> bool:
        affinity = {"affinityType": "GENERATED_COOKIE", "affinityCookieTtlSec": STICKY_TTL_SECONDS}
        health = {"type": "HTTP", "requestPath": settings.health_path, "port": config.port}
        return bool(
            doc["spec"].get("timeoutSec") == settings.timeout_sec
            and doc["spec"].get("sessionAffinity") == (affinity if settings.sticky else None)
            and doc["spec"].get("healthCheck") == (health if settings.health_path else None)
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingress.yaml, backendconfig.yaml."""
    result = render.workload(config, annotations=service_annotations(config))
    result[INGRESS_FILE] = render.template(
        "gke/ingress.yaml.j2", c=config, annotations=ingress_annotations(config)
    )
    result[BACKEND_CONFIG_FILE] = render.template(
        "gke/backendconfig.yaml.j2", c=config, ttl=STICKY_TTL_SECONDS
    )
    kinds = {
        "Service": _service_reads_back(config),
        "Ingress": _ingress_reads_back(config),
        "BackendConfig": _backend_config_reads_back(config),
    }
    return render.self_checked(result, config, kinds)


stream, folder, folder_notes = render.plain_output(manifests, VALUES_TEMPLATE, "the Ingress")


def next_steps(config: Config, out: Path) -> list[str]:
    namespace, name = shlex.quote(config.namespace), shlex.quote(config.name)
    return [
        *render.next_steps(config, out),
        f"check: kubectl -n {namespace} describe ingress {name} (the load balancer takes a "
        "few minutes; its address appears there, and the backends turn HEALTHY)",
    ]


def warnings(config: Config) -> list[str]:
    """timeoutSec is a lifetime on GKE (Renderer.warnings): said on every render."""
    settings: Settings = config.settings
    return [
        f"--target gke: timeoutSec {settings.timeout_sec} s bounds the whole WebSocket on GKE, "
        "not its idle time: the load balancer closes every WebSocket that long after it "
        "opened, busy or idle; clients must reconnect"
    ]
