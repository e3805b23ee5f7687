"""NGINX Gateway Fabric's objects: the Gateway API ones, the ProxySettingsPolicy and (--sticky)
the UpstreamSettingsPolicy; NGF's duration format and what is said about it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wsgen import canary, render
from wsgen.model import Config
from wsgen.render import File, Pem
from wsgen.targets.gateway_api import render as gateway
from wsgen.targets.nginx_gateway_fabric import POLICY_FILE, STICKY_FILE

# NGF's Duration (apis/v1alpha1/shared_types.go): at most 4 digits and one unit, none = seconds.
DURATION = re.compile(r"[0-9]{1,4}(ms|s|m|h)?")
MAX_DIGITS = 9999
# The units wsgen writes, smallest first: the first that holds a value exactly is used.
UNITS = (("s", 1), ("m", 60), ("h", 3600))


def duration(seconds: int) -> tuple[str, int]:
    """`seconds` as an NGF Duration and the seconds it means: exact in the smallest unit that
    holds it in 4 digits ("3600s", "600m" for 10 h, "2000h"); where none does, the smallest
    duration above it (minutes up to 9999m, else hours: every --timeout fits in 9999h)."""
    if seconds < 1:
        raise ValueError(f"{seconds} s is not a timeout")
    for unit, size in UNITS:
        if seconds % size == 0 and seconds // size <= MAX_DIGITS:
            return f"{seconds // size}{unit}", seconds
    for unit, size in UNITS:
        count = -(-seconds // size)  # rounded up
        if count <= MAX_DIGITS:
            return f"{count}{unit}", count * size
    raise ValueError(f"{seconds} s is beyond NGINX Gateway Fabric's longest duration (9999h)")


def warnings(config: Config) -> list[str]:
    """What the user must know of the Gateway and this target's policies (Renderer.warnings)."""
    return gateway.warnings(config) + own_warnings(config)


def own_warnings(config: Config) -> list[str]:
    said = []
    written, means = duration(config.timeout)
    if means != config.timeout:
        said.append(
            f"--timeout {config.timeout} s has no exact NGINX Gateway Fabric duration (at most "
            f"4 digits: 9999s, 9999m, 9999h): the ProxySettingsPolicy says {written} "
            f"({means} s), rounded up"
        )
    if config.settings.sticky:
        said.append(
            "--sticky: NGINX Gateway Fabric open source has no cookie affinity; the "
            "UpstreamSettingsPolicy's ip_hash keeps a client on one pod by its address, not a "
            "cookie: clients behind one NAT (or in one IPv4 /24: ip_hash reads 3 octets) share a "
            "pod, a client whose address changes loses its pod"
        )
    return said


def manifests(config: Config) -> dict[str, str]:
    idle, _ = duration(config.timeout)
    policies = {
        POLICY_FILE: render.template(
            "nginx-gateway-fabric/proxysettingspolicy.yaml.j2", c=config, idle=idle
        )
    }
    services = [config.name]
    if canary.of(config) is not None:
        services.append(config.name + canary.SUFFIX)
    if config.settings.sticky:
        policies[STICKY_FILE] = render.template(
            "nginx-gateway-fabric/upstreamsettingspolicy.yaml.j2", c=config, services=services
        )

    def proxy(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        return bool(
            spec["targetRefs"]
            == [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": config.name}]
            and spec["timeout"] == {"read": idle, "send": idle}
        )

    def upstream(doc: dict[str, Any]) -> bool:
        spec = doc["spec"]
        return bool(
            spec["targetRefs"]
            == [{"group": "", "kind": "Service", "name": name} for name in services]
            and spec["loadBalancingMethod"] == "ip_hash"
        )

    checks = {"ProxySettingsPolicy": proxy, "UpstreamSettingsPolicy": upstream}
    return gateway.manifests(config, policies, checks)


def stream(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
    return gateway.stream(config, pem, manifests(config))


def folder(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
    return gateway.folder(config, out, pem, manifests(config))


folder_notes = gateway.folder_notes
next_steps = gateway.next_steps
