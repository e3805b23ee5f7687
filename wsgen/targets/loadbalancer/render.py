"""The LoadBalancer target's manifests: the shared Deployment and its own Service (type
LoadBalancer, the cloud's annotations; templates/loadbalancer/service.yaml.j2, since the
shared one is a ClusterIP Service without annotations)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from wsgen import render
from wsgen.model import Config
from wsgen.targets.loadbalancer import TLS_PORT, Settings

VALUES_TEMPLATE = "loadbalancer/wsgen.yaml.j2"


# What a live Service carries and a manifest never should (the API server or the cloud
# controller fills them in; copied into a manifest they clash or pin what they should not).
def service_annotations(config: Config) -> dict[str, str]:
    settings: Settings = config.settings
    return {} if settings.plan is None else dict(settings.plan.annotations)


def _service_reads_back(config: Config) -> render.KindCheck:
    settings: Settings = config.settings
    wanted_class = "" if settings.plan is None else settings.plan.load_balancer_class

    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        ports = [
            (port["name"], port["protocol"], port["port"], port["targetPort"])
            for port in spec["ports"]
        ]
        return bool(
            spec["type"] == "LoadBalancer"
            and spec["externalTrafficPolicy"] == "Local"
            and spec.get("loadBalancerClass", "") == wanted_class
            and spec["selector"] == {"app.kubernetes.io/name": config.name}
            and ports == [(f"tcp-{p}", "TCP", p, config.port) for p in settings.ports]
            and doc["metadata"].get("annotations", {}) == service_annotations(config)
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml and service.yaml (type LoadBalancer)."""
    settings: Settings = config.settings
    result = render.workload(config)
    result["service.yaml"] = render.template(
        "loadbalancer/service.yaml.j2",
        c=config,
        annotations=service_annotations(config),
        load_balancer_class="" if settings.plan is None else settings.plan.load_balancer_class,
        provider="" if settings.cloud is None else settings.cloud.provider.name,
    )
    kinds = {"Service": _service_reads_back(config)}
    return render.self_checked(result, config, kinds)


stream, folder, folder_notes = render.plain_output(manifests, VALUES_TEMPLATE, "the Service")


def next_steps(config: Config, out: Path) -> list[str]:
    namespace, name = shlex.quote(config.namespace), shlex.quote(config.name)
    settings: Settings = config.settings
    cert = settings.cloud is not None and bool(settings.cloud.cert)
    scheme, port = ("wss", TLS_PORT) if cert else ("ws", settings.ports[0])
    return [
        f"apply: kubectl apply -k {shlex.quote(str(out))}",
        f"address: kubectl -n {namespace} get service {name} (EXTERNAL-IP, once the cloud has "
        "made the load balancer)",
        render.probe_step(config, out, f"{scheme}://ADDRESS:{port}{config.path}", "ADDRESS"),
    ]


def warnings(config: Config) -> list[str]:
    """The capped idle timeout and the ping interval (wsgen.cloud.plan), or, without --cloud,
    that nothing sets the load balancer's idle timeout (Renderer.warnings)."""
    settings: Settings = config.settings
    if settings.plan is not None:
        return list(settings.plan.notes)
    return [
        f"--timeout ({config.timeout} s) is not written: without --cloud no idle timeout is set "
        "on the load balancer, and its provider's default applies (give --cloud PROVIDER to "
        "set it)"
    ]
