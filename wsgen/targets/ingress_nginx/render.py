"""ingress-nginx's manifests: the shared Deployment and Service, the Ingress, and with a
canary its own Deployment, Service and canary Ingress."""

from __future__ import annotations

from typing import Any

from wsgen import canary, render
from wsgen.model import Config
from wsgen.targets.base import sticky_cookie
from wsgen.targets.ingress_nginx import (
    AFFINITY,
    CANARY_INGRESS_FILE,
    CHART,
    COOKIE_NAME,
    INGRESS_FILE,
    Settings,
    canary_annotations,
    ingress_annotations,
)

VALUES_TEMPLATE = "ingress-nginx/wsgen.yaml.j2"


def _ingress_reads_back(
    config: Config, service: str, annotations: dict[str, str]
) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        settings: Settings = config.settings
        rule = doc["spec"]["rules"][0]
        path = rule["http"]["paths"][0]
        return bool(
            doc["metadata"].get("annotations") == annotations
            and rule["host"] == config.host
            and path["path"] == config.path
            and path["backend"]["service"] == {"name": service, "port": {"number": config.port}}
            and doc["spec"]["ingressClassName"] == settings.ingress_class
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingress.yaml; with a canary also canary-deployment.yaml,
    canary-service.yaml and canary-ingress.yaml."""
    result = render.workload(config)
    main = ingress_annotations(config)
    result[INGRESS_FILE] = render.template(
        "ingress-nginx/ingress.yaml.j2", c=config, annotations=main
    )
    kinds = {"Ingress": _ingress_reads_back(config, config.name, main)}
    result = render.self_checked(result, config, kinds) | render.canary_workload(config)
    if canary.of(config) is not None:
        own = canary.workload(config)
        annotations = canary_annotations(config)
        text = render.template(
            "ingress-nginx/canary-ingress.yaml.j2", c=config, own=own, annotations=annotations
        )
        check = {"Ingress": _ingress_reads_back(config, own.name, annotations)}
        result |= render.self_checked({CANARY_INGRESS_FILE: text}, own, check)
    return result


stream, folder, folder_notes = render.chart_output(manifests, VALUES_TEMPLATE, "the Ingress", CHART)


next_steps = render.next_steps


def warnings(config: Config) -> list[str]:
    """The load balancer's idle timeout, when it cannot hold --timeout; a canary weight that
    splits a Socket.IO client across versions (Renderer.warnings)."""
    plan = render.cloud_plan(config, CHART.ports)
    result = [] if plan is None else list(plan.notes)
    settings: Settings = config.settings
    chosen = settings.canary
    sticky = settings.sticky or dict(settings.annotations).get(AFFINITY) == "cookie"
    result += canary.long_polling_split(
        config, sticky, remedy="add --sticky (the canary then keeps the clients it gets)"
    )
    if chosen is not None and sticky:
        given = dict(settings.annotations)
        cookie = (
            sticky_cookie(config.name)
            if settings.sticky
            else given.get(COOKIE_NAME, "INGRESSCOOKIE")  # ingress-nginx's default name
        )
        by = [option for option, said in (
            ("--canary-header", chosen.header), ("--canary-cookie", chosen.cookie)
        ) if said]  # fmt: skip
        result.append(
            f"a canary with cookie affinity: ingress-nginx reads the affinity cookie {cookie} "
            "first (balancer.lua, route_to_alternative_balancer), so a client that holds it "
            f"stays on the version that set it whatever {', '.join([*by, 'the weight'])} "
            "(0 and 100 too) say; they place only the clients without it"
        )
    return result
