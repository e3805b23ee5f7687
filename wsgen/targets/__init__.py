"""Every target `wsgen render --target` (and `init`) can write, by name; the first is the default.

A target is one package here: its spec in `__init__.py` (name, options and their rules, TLS
modes, the files it writes, the oldest version its output works with: wsgen.targets.base.Target)
and its rendering in `render.py`, with its templates in templates/<name>/. Adding one: the
package, its templates, one line below, its tests (docs/development.md, "Adding a target").
"""

from __future__ import annotations

from wsgen.model import DEFAULT_TARGET, Config
from wsgen.targets import (
    aws_alb,
    envoy_gateway,
    gke,
    ingress_nginx,
    istio,
    loadbalancer,
    nginx,
    nginx_gateway_fabric,
    traefik,
)
from wsgen.targets.base import Target

TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        ingress_nginx.TARGET,
        nginx.TARGET,
        envoy_gateway.TARGET,
        nginx_gateway_fabric.TARGET,
        istio.TARGET,
        traefik.TARGET,
        aws_alb.TARGET,
        gke.TARGET,
        loadbalancer.TARGET,
    )
}
assert next(iter(TARGETS)) == DEFAULT_TARGET  # noqa: S101 - the registry's own invariant


def of(config: Config) -> Target:
    return TARGETS[config.target]
