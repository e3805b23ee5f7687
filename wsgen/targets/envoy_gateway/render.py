"""Envoy Gateway's objects: the Gateway API ones and the BackendTrafficPolicy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wsgen import render
from wsgen.model import Config
from wsgen.render import File, Pem
from wsgen.targets import gateway_api
from wsgen.targets.base import STICKY_TTL_SECONDS, sticky_cookie
from wsgen.targets.envoy_gateway import POLICY_FILE
from wsgen.targets.gateway_api import render as gateway


def manifests(config: Config) -> dict[str, str]:
    idle = gateway_api.duration(config.timeout)
    cookie, ttl = sticky_cookie(config.name), gateway_api.duration(STICKY_TTL_SECONDS)
    policy = render.template(
        "envoy-gateway/backendtrafficpolicy.yaml.j2", c=config, idle=idle, cookie=cookie, ttl=ttl
    )

    def check(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        balancer = spec.get("loadBalancer")
        return bool(
            spec["targetRefs"][0]["name"] == config.name
            and spec["timeout"]["http"]["streamIdleTimeout"] == idle
            and (balancer is not None) == config.settings.sticky
        )

    return gateway.manifests(config, {POLICY_FILE: policy}, {"BackendTrafficPolicy": check})


def stream(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
    return gateway.stream(config, pem, manifests(config))


def folder(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
    return gateway.folder(config, out, pem, manifests(config))


folder_notes = gateway.folder_notes
warnings = gateway.warnings
next_steps = gateway.next_steps
