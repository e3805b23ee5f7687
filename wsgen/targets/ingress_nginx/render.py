"""ingress-nginx's manifests: the shared Deployment and Service, and the Ingress."""

from __future__ import annotations

from typing import Any

from wsgen import render
from wsgen.model import Config
from wsgen.targets.ingress_nginx import CHART, INGRESS_FILE, Settings, ingress_annotations

VALUES_TEMPLATE = "ingress-nginx/wsgen.yaml.j2"


def _ingress_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        settings: Settings = config.settings
        rule = doc["spec"]["rules"][0]
        return bool(
            doc["metadata"].get("annotations") == ingress_annotations(config)
            and rule["host"] == config.host
            and rule["http"]["paths"][0]["path"] == config.path
            and doc["spec"]["ingressClassName"] == settings.ingress_class
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingress.yaml."""
    result = render.workload(config)
    result[INGRESS_FILE] = render.template(
        "ingress-nginx/ingress.yaml.j2", c=config, annotations=ingress_annotations(config)
    )
    kinds = {"Ingress": _ingress_reads_back(config)}
    return render.self_checked(result, config, kinds) | render.canary_workload(config)


stream, folder, folder_notes = render.chart_output(manifests, VALUES_TEMPLATE, "the Ingress", CHART)


next_steps = render.next_steps


def warnings(config: Config) -> list[str]:
    """The load balancer's idle timeout, when it cannot hold --timeout (Renderer.warnings)."""
    plan = render.cloud_plan(config, CHART.ports)
    return [] if plan is None else list(plan.notes)
