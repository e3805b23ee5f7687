"""Traefik's manifests: the shared Deployment and Service, the IngressRoute and, with --tls
cert-manager, the Certificate that fills its Secret."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from wsgen import canary, render
from wsgen.model import Config
from wsgen.targets.base import STICKY_TTL_SECONDS, sticky_cookie
from wsgen.targets.traefik import (
    CERTIFICATE_FILE,
    CHART,
    ROUTE_FILE,
    SPLIT_FILE,
    Settings,
    version_cookie,
)

VALUES_TEMPLATE = "traefik/wsgen.yaml.j2"


def host_rule(host: str) -> str:
    """Host(`h`); a wildcard `*.example.com` matches one label, as an Ingress wildcard does
    (not example.com, not a.b.example.com), and the absolute form with a trailing dot, as
    Traefik's Host() does (measured on 3.7: without `\\.?` chat.example.com. got a 404).
    Hosts are validated to lower-case letters, digits, '-' and '.', so only the dots need
    escaping; Traefik lowercases the request's host before matching (measured on 3.7:
    CHAT.Example.com is routed)."""
    if host.startswith("*."):
        return "HostRegexp(`^[a-z0-9-]+" + host[1:].replace(".", "\\.") + "\\.?$`)"
    return f"Host(`{host}`)"


def path_rule(path: str) -> str:
    """The path and everything below it, not /wsx for /ws (PathPrefix alone would take it).
    Paths are validated to letters, digits and '/_.-': nothing to escape between backticks."""
    base = path.rstrip("/")
    if not base:
        return "PathPrefix(`/`)"
    return f"(Path(`{base}`) || PathPrefix(`{base}/`))"


def match(config: Config) -> str:
    return f"{host_rule(config.host)} && {path_rule(config.path)}"


def priority(config: Config) -> int | None:
    """A wildcard's route ranks below the route of a host it covers, as on an Ingress. Traefik
    ranks routes by the length of their rule, and the HostRegexp is longer than any Host() it
    covers: the route gets the length of the same rule written Host(`*.example.com`), which a
    covered host with the same path matches or exceeds, minus one for the tie. None (Traefik's
    default, the rule's length) for an exact host."""
    if not config.host.startswith("*."):
        return None
    return len(f"Host(`{config.host}`) && {path_rule(config.path)}") - 1


def split_name(config: Config) -> str:
    """The weighted TraefikService of a canary: named after the app, as the main Service is (a
    route names its kind)."""
    return config.name


def cookie_regex(name: str, value: str) -> str:
    """A Cookie header that holds `name`=`value` among any others (HeaderRegexp finds a match
    anywhere: anchored at both ends). Cookie names are letters, digits and '_', the values
    always/never: nothing to escape, no backtick."""
    return rf"^(.*;\s*)?{name}={value}(;.*)?$"


def routes(config: Config) -> list[dict[str, Any]]:
    """The IngressRoute's routes: {match, priority (None: Traefik's, the rule's length), why
    (the priority's reason), about (a comment), service (a Service's name, or "" for the
    canary's weighted TraefikService)}. With a canary's header or cookie, their routes rank
    above the default one, the header's above the cookie's (ingress-nginx's order), by
    explicit priorities that stay within the default route's place among other apps' routes:
    for an exact host just above its rule's length (a route of a deeper path on the same host
    is at least 4 longer: `/x` is written twice), for a wildcard at and below its priority
    (a covered exact host's route is above it, a shallower path's at least 4 below)."""
    base = match(config)
    default = priority(config)
    chosen = canary.of(config)
    if chosen is None:
        about = ""
        return [{"match": base, "priority": default, "why": WILDCARD_WHY, "about": about,
                 "service": config.name}]  # fmt: skip
    other = config.name + canary.SUFFIX
    kinds: list[list[tuple[str, str, str]]] = []  # (rule, service, about) per rank, lowest first
    if chosen.cookie:
        kinds.append(
            [
                (f"HeaderRegexp(`Cookie`, `{cookie_regex(chosen.cookie, value)}`)", service,
                 f"cookie {chosen.cookie}={value}: the {version}")
                for value, service, version in (
                    (canary.ALWAYS, other, "canary"), (canary.NEVER, config.name, "main version")
                )
            ]
        )  # fmt: skip
    if chosen.header:
        header = [(f"Header(`{chosen.header}`, `{chosen.header_match}`)", other,
                   f"header {chosen.header}: {chosen.header_match}: the canary")]  # fmt: skip
        if not chosen.header_value:
            header.append((f"Header(`{chosen.header}`, `never`)", config.name,
                           f"header {chosen.header}: never: the main version"))  # fmt: skip
        kinds.append(header)
    if default is None:  # an exact host: the default route keeps its rule's length
        ranks = [len(base) + n for n in range(1, len(kinds) + 1)]
        why = "above the default route (its rule's length)"
    else:
        ranks = [default - len(kinds) + n for n in range(1, len(kinds) + 1)]
        default -= len(kinds)
        why = "above the default route, below the route of a host it covers"
    result = [
        {"match": f"{base} && {rule}", "priority": rank, "why": why, "about": about,
         "service": service}
        for rank, kind in reversed(list(zip(ranks, kinds, strict=True)))
        for rule, service, about in kind
    ]  # fmt: skip
    result.append(
        {"match": base, "priority": default, "why": WILDCARD_WHY if default is not None else "",
         "about": f"every other request: {100 - chosen.weight}% of new connections to the main "
         f"version, {chosen.weight}% to the canary", "service": ""}
    )  # fmt: skip
    return result


WILDCARD_WHY = "below the route of a host it covers (Traefik's default is the rule's length)"


def _service(config: Config, name: str) -> dict[str, Any]:
    """A Service of the app (the main version's or the canary's) as a route or the weighted
    TraefikService names it."""
    result: dict[str, Any] = {"name": name, "port": config.port}
    if config.port == 443:
        result["scheme"] = "http"
    if config.settings.sticky:
        result["sticky"] = {"cookie": _cookie(config, sticky_cookie(name))}
    return result


def _cookie(config: Config, name: str) -> dict[str, Any]:
    return {"name": name, "httpOnly": True, "secure": config.tls.enabled,
            "maxAge": STICKY_TTL_SECONDS}  # fmt: skip


def _route_reads_back(config: Config) -> render.KindCheck:
    settings: Settings = config.settings

    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        expected = [
            {"match": r["match"], "kind": "Rule",
             **({"priority": r["priority"]} if r["priority"] is not None else {}),
             "services": [_service(config, r["service"])] if r["service"]
             else [{"name": split_name(config), "kind": "TraefikService"}]}
            for r in routes(config)
        ]  # fmt: skip
        return bool(
            spec["entryPoints"] == [settings.entry_point]
            and spec["routes"] == expected
            and spec.get("tls", {}).get("secretName") == (config.tls.secret_name or None)
        )

    return check


def _split_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        chosen = canary.of(config)
        assert chosen is not None  # noqa: S101 - written only with a canary
        weighted: dict[str, Any] = {
            "services": [
                {**_service(config, config.name), "weight": 100 - chosen.weight},
                {**_service(config, config.name + canary.SUFFIX), "weight": chosen.weight},
            ]
        }
        if config.settings.sticky:
            weighted["sticky"] = {"cookie": _cookie(config, version_cookie(config.name))}
        return bool(
            doc["metadata"]["name"] == split_name(config) and doc["spec"] == {"weighted": weighted}
        )

    return check


def _certificate_reads_back(config: Config) -> render.KindCheck:
    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        return bool(
            spec["secretName"] == config.tls.secret_name
            and spec["dnsNames"] == [config.host]
            and spec["issuerRef"]
            == {
                "group": "cert-manager.io",
                "kind": config.tls.issuer_kind,
                "name": config.tls.issuer,
            }
        )

    return check


def manifests(config: Config) -> dict[str, str]:
    """deployment.yaml, service.yaml, ingressroute.yaml and, with cert-manager, certificate.yaml."""
    result = render.workload(config)
    result[ROUTE_FILE] = render.template(
        "traefik/ingressroute.yaml.j2",
        c=config,
        routes=routes(config),
        split=split_name(config),
        max_age=STICKY_TTL_SECONDS,
        sticky_cookie=sticky_cookie,
    )
    if config.tls.mode == "cert-manager":
        result[CERTIFICATE_FILE] = render.template("traefik/certificate.yaml.j2", c=config)
    kinds = {
        "IngressRoute": _route_reads_back(config),
        "Certificate": _certificate_reads_back(config),
    }
    checked = render.self_checked(result, config, kinds)
    chosen = canary.of(config)
    if chosen is None:
        return checked
    split = render.template(
        "traefik/traefikservice.yaml.j2",
        c=config,
        split=split_name(config),
        services=[(config.name, 100 - chosen.weight), (config.name + canary.SUFFIX, chosen.weight)],
        version_cookie=version_cookie(config.name),
        max_age=STICKY_TTL_SECONDS,
        sticky_cookie=sticky_cookie,
    )
    checked |= render.self_checked(
        {SPLIT_FILE: split}, config, {"TraefikService": _split_reads_back(config)}
    )
    return checked | render.canary_workload(config)


stream, folder, folder_notes = render.chart_output(
    manifests, VALUES_TEMPLATE, "the IngressRoute", CHART
)


def next_steps(config: Config, out: Path) -> list[str]:
    namespace, name = shlex.quote(config.namespace), shlex.quote(config.name)
    return [
        *render.next_steps(config, out),
        f"check: kubectl -n {namespace} describe ingressroute {name} (an IngressRoute has "
        "no status: Traefik's log names one it cannot serve)",
    ]


def warnings(config: Config) -> list[str]:
    """Why --timeout is not written; with --cloud, the load balancer's idle timeout when it
    cannot hold --timeout (Renderer.warnings)."""
    plan = render.cloud_plan(config, CHART.ports)
    if plan is not None:
        said = [
            f"--timeout ({config.timeout} s) is not written for Traefik, which keeps an idle "
            "WebSocket open through an IngressRoute: only the load balancer in front limits it",
            *plan.notes,
        ]
    else:
        said = [
            f"--timeout ({config.timeout} s) is not written: Traefik keeps an idle WebSocket "
            "open through an IngressRoute (its entry-point timeouts end at the upgrade); a load "
            "balancer in front of Traefik still closes it after its own idle timeout"
        ]
    settings: Settings = config.settings
    return said + canary.long_polling_split(
        config,
        settings.sticky,
        remedy="add --sticky (its version cookie then keeps a client on the version it first "
        "reached)",
    )
