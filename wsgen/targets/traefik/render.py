"""Traefik's manifests: the shared Deployment and Service, the IngressRoute and, with --tls
cert-manager, the Certificate that fills its Secret."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from wsgen import render
from wsgen.model import Config
from wsgen.targets.base import STICKY_TTL_SECONDS, sticky_cookie
from wsgen.targets.traefik import CERTIFICATE_FILE, CHART, ROUTE_FILE, Settings

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


def _route_reads_back(config: Config) -> render.KindCheck:
    settings: Settings = config.settings

    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        (route,) = spec["routes"]
        (service,) = route["services"]
        sticky = service.get("sticky", {}).get("cookie", {})
        return bool(
            spec["entryPoints"] == [settings.entry_point]
            and route["match"] == match(config)
            and route.get("priority") == priority(config)
            and service["name"] == config.name
            and service["port"] == config.port
            and spec.get("tls", {}).get("secretName") == (config.tls.secret_name or None)
            and (sticky.get("name") == sticky_cookie(config.name)) == settings.sticky
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
        match=match(config),
        priority=priority(config),
        cookie=sticky_cookie(config.name),
        max_age=STICKY_TTL_SECONDS,
    )
    if config.tls.mode == "cert-manager":
        result[CERTIFICATE_FILE] = render.template("traefik/certificate.yaml.j2", c=config)
    kinds = {
        "IngressRoute": _route_reads_back(config),
        "Certificate": _certificate_reads_back(config),
    }
    return render.self_checked(result, config, kinds)


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
        return [
            f"--timeout ({config.timeout} s) is not written for Traefik, which keeps an idle "
            "WebSocket open through an IngressRoute: only the load balancer in front limits it",
            *plan.notes,
        ]
    return [
        f"--timeout ({config.timeout} s) is not written: Traefik keeps an idle WebSocket open "
        "through an IngressRoute (its entry-point timeouts end at the upgrade); a load "
        "balancer in front of Traefik still closes it after its own idle timeout"
    ]
