"""Istio's objects: the Gateway API ones and, with --sticky, a DestinationRule; no idle policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wsgen import canary, render
from wsgen.model import Config
from wsgen.render import File, Pem
from wsgen.targets import gateway_api
from wsgen.targets.base import STICKY_TTL_SECONDS, sticky_cookie
from wsgen.targets.gateway_api import render as gateway
from wsgen.targets.istio import CANARY_POLICY_FILE, POLICY_FILE


def proto_duration(seconds: int) -> str:
    """A google.protobuf.Duration in its JSON form ("86400s"): the one form every reader of
    Istio's fields accepts (the CRD only says `type: string`)."""
    return f"{seconds}s"


def manifests(config: Config) -> dict[str, str]:
    if not config.settings.sticky:
        return gateway.manifests(config, {}, {})
    ttl = proto_duration(STICKY_TTL_SECONDS)

    def rule(own: Config) -> str:
        host = f"{own.name}.{own.namespace}.svc.cluster.local"
        cookie = sticky_cookie(own.name)
        return render.template(
            "istio/destinationrule.yaml.j2", c=own, host=host, cookie=cookie, ttl=ttl
        )

    def check(doc: dict[str, Any]) -> bool:
        # each DestinationRule is its Service's: named after it, the cookie after it too
        spec, name = doc["spec"], doc["metadata"]["name"]
        hashing = spec["trafficPolicy"]["loadBalancer"]["consistentHash"]
        return bool(
            spec["host"] == f"{name}.{config.namespace}.svc.cluster.local"
            and hashing == {"httpCookie": {"name": sticky_cookie(name), "path": "/", "ttl": ttl}}
        )

    policies = {POLICY_FILE: rule(config)}
    if canary.of(config) is not None:
        # the canary's pods, reached by the header, the cookie or the weight 100
        policies[CANARY_POLICY_FILE] = rule(canary.workload(config))
    return gateway.manifests(config, policies, {"DestinationRule": check})


def idle_notes(config: Config) -> list[str]:
    """Why --timeout is not in the output, and the one setting that would make it needed."""
    timeout = gateway_api.duration(config.timeout)
    return [
        f"--timeout ({timeout}) is not written: Istio sets no stream idle timeout, so an idle "
        "WebSocket stays open until a side closes it; only a gateway on the EDGE connection "
        "profile (Istio 1.31+, ProxyConfig connectionSettings.profile: EDGE) cuts it, after "
        f"300 s: there set connectionSettings.httpStreamIdleTimeout: {timeout}"
    ]


def stream(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
    return gateway.stream(config, pem, manifests(config))


def folder(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
    return gateway.folder(config, out, pem, manifests(config))


folder_notes = gateway.folder_notes


def warnings(config: Config) -> list[str]:
    return gateway.warnings(config) + idle_notes(config)


next_steps = gateway.next_steps
