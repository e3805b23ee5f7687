"""The AWS ALB's manifests: the shared Deployment and Service, and the Ingress of class alb."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from wsgen import cloud, render
from wsgen.model import Config
from wsgen.targets.aws_alb import (
    ALB,
    ATTRIBUTES,
    GROUP_ATTRIBUTES,
    INGRESS_CLASS,
    INGRESS_FILE,
    PREFIX,
    Settings,
)
from wsgen.targets.base import STICKY_TTL_SECONDS

VALUES_TEMPLATE = "aws-alb/wsgen.yaml.j2"
HTTP_PORT = 80


def ingress_annotations(config: Config) -> dict[str, str]:
    """Every Ingress annotation, in the order rendered."""
    settings: Settings = config.settings
    ports: list[dict[str, int]] = [{"HTTP": HTTP_PORT}]
    if settings.certificate_arn:
        ports.append({"HTTPS": cloud.TLS_PORT})
    result = {
        PREFIX + "scheme": settings.scheme,
        PREFIX + "target-type": "ip",
        PREFIX + "listen-ports": json.dumps(ports),
    }
    if settings.certificate_arn:
        result[PREFIX + "certificate-arn"] = settings.certificate_arn
        result[PREFIX + "ssl-redirect"] = str(cloud.TLS_PORT)
    if settings.health_path:
        result[PREFIX + "healthcheck-path"] = settings.health_path
    result[ATTRIBUTES] = settings.idle.value
    if settings.sticky:
        result[GROUP_ATTRIBUTES] = (
            f"stickiness.enabled=true,stickiness.lb_cookie.duration_seconds={STICKY_TTL_SECONDS}"
        )
    return result


def _ingress_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        (rule,) = spec["rules"]
        (path,) = rule["http"]["paths"]
        return bool(
            doc["metadata"].get("annotations") == ingress_annotations(config)
            and spec["ingressClassName"] == INGRESS_CLASS
            and "tls" not in spec
            and rule["host"] == config.host
            and path["path"] == config.path
            and path["backend"]["service"] == {"name": config.name, "port": {"number": config.port}}
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingress.yaml."""
    result = render.workload(config)
    result[INGRESS_FILE] = render.template(
        "aws-alb/ingress.yaml.j2",
        c=config,
        ingress_class=INGRESS_CLASS,
        annotations=ingress_annotations(config),
    )
    kinds = {"Ingress": _ingress_reads_back(config)}
    return render.self_checked(result, config, kinds)


stream, folder, folder_notes = render.plain_output(manifests, VALUES_TEMPLATE, "the Ingress")


def url(config: Config) -> str:
    settings: Settings = config.settings
    scheme = "wss" if settings.certificate_arn else "ws"
    return f"{scheme}://{config.host.replace('*', 'test', 1)}{config.path}"


def next_steps(config: Config, out: Path) -> list[str]:
    namespace, name = shlex.quote(config.namespace), shlex.quote(config.name)
    return [
        f"apply: kubectl apply -k {shlex.quote(str(out))}",
        f"check: kubectl -n {namespace} get ingress {name} (ADDRESS is the ALB's DNS name "
        "once the AWS Load Balancer Controller has made it; point the host's DNS at it)",
        render.probe_step(config, out, url(config), "the ALB's address"),
    ]


def warnings(config: Config) -> list[str]:
    """A --timeout the ALB cannot hold (Renderer.warnings): the ceiling, and the ping."""
    settings: Settings = config.settings
    if not settings.idle.capped:
        return []
    keep = cloud.keep_alive(cloud.ping_interval(settings.idle.seconds), url(config))
    return [cloud.capped_note("--target aws-alb", ALB, settings.idle, config.timeout, keep)]
