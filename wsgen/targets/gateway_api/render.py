"""The Gateway API targets' shared rendering: the Deployment and a Service whose port says
`appProtocol: kubernetes.io/ws`, wsgen's own Gateway (unless --gateway), the HTTPRoute, and
the implementation's policies (given by its renderer); the stream, folder and notes."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wsgen import canary, cloud, model, render
from wsgen.model import Config
from wsgen.render import File, KindCheck, Pem
from wsgen.targets.gateway_api import APP_PROTOCOL, GATEWAY_FILE, ROUTE_FILE, Settings

VALUES_TEMPLATE = "gateway-api/wsgen.yaml.j2"


def gateway_annotations(config: Config) -> dict[str, str]:
    """--tls cert-manager: the issuer annotation cert-manager's Gateway support reads."""
    if config.tls.mode != "cert-manager":
        return {}
    return {model.issuer_annotation(config.tls.issuer_kind): config.tls.issuer}


def cloud_plan(config: Config) -> cloud.Plan | None:
    """--cloud: what the Service the implementation makes for the Gateway needs."""
    settings: Settings = config.settings
    return render.cloud_plan(config, settings.listener_ports(config.tls.enabled))


def infrastructure(config: Config) -> dict[str, str]:
    """Gateway.spec.infrastructure.annotations (Gateway API v1.2+), which Envoy Gateway, NGINX
    Gateway Fabric and Istio copy onto the Service they make for the Gateway."""
    plan = cloud_plan(config)
    return {} if plan is None else plan.annotations


def cookie_regex(name: str, value: str) -> str:
    """A Cookie header that holds the cookie `name` set to `value`, among any others: anchored at
    both ends, so that it means the same to an engine that must match the whole value (Envoy's
    and Istio's RE2 safe_regex) and to one that finds it anywhere (NGINX Gateway Fabric's njs
    RegExp.test, Traefik's HeaderRegexp); the syntax is common to RE2, Go and JavaScript.
    Cookie names are letters, digits and '_', values always/never: nothing to escape."""
    return rf"^(.*;\s*)?{name}={value}(;.*)?$"


def route_rules(config: Config) -> list[dict[str, Any]]:
    """The HTTPRoute's rules, in order. Without a canary: the path to the Service. With one,
    ahead of the default rule (first match in list order wins a tie of Gateway API's
    precedence: same path, one header match each): the header's value -> the canary, `never`
    -> the main version (without --canary-header-value, as ingress-nginx), then the cookie's
    always / never, then the default rule weighted between the two (0 and 100 too: a weight 0
    backendRef gets no traffic, Gateway API v1 HTTPBackendRef.weight)."""
    path = {"path": {"type": "PathPrefix", "value": config.path}}
    main = {"name": config.name, "port": config.port}
    chosen = canary.of(config)
    if chosen is None:
        return [{"matches": [path], "backendRefs": [main]}]
    other = {"name": config.name + canary.SUFFIX, "port": config.port}
    choosers: list[tuple[dict[str, str], dict[str, Any]]] = []
    if chosen.header:
        header = {"type": "Exact", "name": chosen.header}
        choosers.append(({**header, "value": chosen.header_match}, other))
        if not chosen.header_value:
            choosers.append(({**header, "value": canary.NEVER}, main))
    if chosen.cookie:
        cookie = {"type": "RegularExpression", "name": "Cookie"}
        for value, backend in ((canary.ALWAYS, other), (canary.NEVER, main)):
            choosers.append(({**cookie, "value": cookie_regex(chosen.cookie, value)}, backend))
    rules = [
        {"matches": [{**path, "headers": [match]}], "backendRefs": [backend]}
        for match, backend in choosers
    ]
    weighted = [{**main, "weight": 100 - chosen.weight}, {**other, "weight": chosen.weight}]
    return [*rules, {"matches": [path], "backendRefs": weighted}]


def _checks(config: Config) -> dict[str, KindCheck]:
    settings: Settings = config.settings

    def gateway(doc: dict[str, Any]) -> bool:
        listeners = doc["spec"]["listeners"]
        return bool(
            doc["spec"]["gatewayClassName"] == settings.gateway_class
            and doc["metadata"].get("annotations", {}) == gateway_annotations(config)
            and doc["spec"].get("infrastructure", {}).get("annotations", {})
            == infrastructure(config)
            and all(listener["hostname"] == config.host for listener in listeners)
            and len(listeners) == (2 if config.tls.enabled else 1)
            and [listener["port"] for listener in listeners]
            == [settings.http_port, settings.https_port][: len(listeners)]
        )

    def route(doc: dict[str, Any]) -> bool:
        parent = doc["spec"]["parentRefs"][0]
        return bool(
            doc["spec"]["hostnames"] == [config.host]
            and doc["spec"]["rules"] == route_rules(config)
            and parent["name"] == settings.gateway
            and parent.get("namespace", "") == settings.parent_namespace(config.namespace)
        )

    return {"Gateway": gateway, "HTTPRoute": route}


def manifests(
    config: Config, policies: Mapping[str, str], checks: Mapping[str, KindCheck]
) -> dict[str, str]:
    """Every object by file name: the workload, the Gateway (when wsgen writes it), the
    HTTPRoute, then `policies` (each checked by its kind in `checks`)."""
    settings: Settings = config.settings
    result = render.workload(config, app_protocol=APP_PROTOCOL)
    if settings.own_gateway:
        result[GATEWAY_FILE] = render.template(
            "gateway-api/gateway.yaml.j2",
            c=config,
            s=settings,
            annotations=gateway_annotations(config),
            infrastructure=infrastructure(config),
        )
    result[ROUTE_FILE] = render.template(
        "gateway-api/httproute.yaml.j2", c=config, s=settings, rules=route_rules(config)
    )
    canary_policies = {n: text for n, text in policies.items() if n.startswith(canary.FILE_PREFIX)}
    result.update({n: text for n, text in policies.items() if n not in canary_policies})
    kinds = {**_checks(config), **checks}
    checked = render.self_checked(result, config, kinds)
    canary_files = render.canary_workload(config, app_protocol=APP_PROTOCOL)
    if canary_policies:
        canary_files |= render.self_checked(canary_policies, canary.workload(config), checks)
    return checked | canary_files


def warnings(config: Config) -> list[str]:
    """What the user must know about the Gateway; a canary weight that splits a Socket.IO
    client across versions (Renderer.warnings)."""
    # --sticky with a split weight is refused here: it cannot keep a client on its version
    return _gateway_warnings(config) + canary.long_polling_split(
        config,
        sticky=False,
        remedy="--sticky cannot hold a split weight here: give --canary-weight 0 and send "
        "clients to the canary by --canary-cookie",
    )


def _gateway_warnings(config: Config) -> list[str]:
    settings: Settings = config.settings
    plan = cloud_plan(config)
    cloud_notes = [] if plan is None else list(plan.notes)
    if settings.own_gateway:
        said = cloud_notes
        if config.tls.mode == "cert-manager":
            said.append(
                "cert-manager issues the listener's Secret only with its Gateway API support "
                "enabled (Helm: config.enableGatewayAPI=true; cert-manager v1.15+)"
            )
        return said
    where = settings.gateway_namespace or config.namespace
    allow = (
        "its listener for the host must allow routes from namespace "
        f"{config.namespace} (allowedRoutes.namespaces.from: Same, the default, allows only "
        f"{where}'s own)"
        if settings.parent_namespace(config.namespace)
        else "it needs a listener for the host"
    )
    said = [f"the HTTPRoute attaches to the existing Gateway {where}/{settings.gateway}: {allow}"]
    if plan is not None:
        pairs = ", ".join(f"{key}={value}" for key, value in plan.annotations.items())
        said.append(
            f"--cloud {plan.provider}: the existing Gateway {where}/{settings.gateway} is not "
            f"written here: its owner must add to its spec.infrastructure.annotations {pairs} "
            "(for listeners on ports 80 and 443)"
        )
    return said + cloud_notes


def stream(config: Config, pem: Pem | None, objects: dict[str, str]) -> tuple[str, list[str]]:
    return render.stream(config, pem, objects), render.stream_notes(config, pem)


def folder(config: Config, out: Path, pem: Pem | None, objects: dict[str, str]) -> dict[str, File]:
    return render.folder(config, out, pem, objects, VALUES_TEMPLATE)


def folder_notes(config: Config, out: Path, pem: Pem | None) -> list[str]:
    user = "the Gateway's HTTPS listener"
    return render.folder_notes(config, out, pem, user)


def next_steps(config: Config, out: Path) -> list[str]:
    namespace, name = shlex.quote(config.namespace), shlex.quote(config.name)
    settings: Settings = config.settings
    return [
        *render.next_steps(config, out, settings.listener_ports(config.tls.enabled)),
        f"check: kubectl -n {namespace} describe httproute {name} (Accepted and ResolvedRefs "
        "must be True)",
    ]
