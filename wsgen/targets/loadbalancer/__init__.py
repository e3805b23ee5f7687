"""A Service of type LoadBalancer straight to the pods, for long TCP connections without an
Ingress: the shared Deployment and a Service whose ports (--lb-port, repeatable: 80 by
default, 443 with --lb-cert) all go to the one container port (--port), with
`externalTrafficPolicy: Local` (the client's address reaches the pod; the cloud then
health-checks each node on the Service's healthCheckNodePort and sends traffic only to nodes
with a ready pod). Nothing proxies in the cluster: the app itself is behind the load
balancer.

--cloud PROVIDER (wsgen.cloud) puts the provider's annotations on the Service: its TCP idle
timeout from --timeout (or --lb-timeout), capped at what it can hold, with a note and the
ping interval the app must keep when capped; an existing load balancer by --lb-id; a
certificate the load balancer holds with --lb-cert (TLS ends there, the pods get plain TCP).
Without --cloud the Service is a generic one and the provider's default idle timeout
applies (said on stderr).

TLS: only --tls none. The cluster's TLS modes make a Secret for an Ingress or Gateway to
read, and nothing here reads one: TLS ends at the load balancer (--lb-cert) or in the app.

Oldest: Kubernetes v1.24 (spec.loadBalancerClass is GA since 1.24; the rest since 1.0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from wsgen import cloud, model
from wsgen.cloud import Choice, Plan
from wsgen.errors import BadInput
from wsgen.model import Config, Option, Values
from wsgen.targets.base import KUBERNETES, KUBERNETES_FILES, Question, Target, cloud_questions

PLAIN_PORT = 80
TLS_PORT = cloud.TLS_PORT
# AWS: 50 listeners per Network Load Balancer (its default quota); one listener per port.
MOST_PORTS = 50

LB_PORTS = Option(
    "lbPorts",
    "--lb-port",
    "WSGEN_LB_PORTS",
    "--target loadbalancer: a port the load balancer listens on, to the container's --port "
    "(repeatable; comma-separated in the variable).",
    model.many(
        model.port,
        "ports",
        MOST_PORTS,
        "an AWS Network Load Balancer takes at most 50 listeners by default",
    ),
    many=True,
    metavar="PORT",
    default=f"{PLAIN_PORT}, or {TLS_PORT} with --lb-cert",
)

NO_CLUSTER_TLS = (
    "a LoadBalancer Service passes TCP to the app, and nothing in the cluster reads a TLS "
    "Secret: end TLS at the load balancer (--cloud with --lb-cert) or in the app"
)


def default_ports(cert: bool) -> tuple[int, ...]:
    return (TLS_PORT,) if cert else (PLAIN_PORT,)


class Settings(NamedTuple):
    ports: tuple[int, ...] = (PLAIN_PORT,)
    # wsgen.yaml records the ports when they were given (not the default, which follows
    # --lb-cert: a folder given a certificate later listens on 443)
    ports_given: bool = False
    cloud: Choice | None = None
    plan: Plan | None = None  # with --cloud: the Service's annotations and the notes
    sticky: bool = False  # not taken (the shared wsgen.yaml template reads it)


def _settings(config: Config, values: Values) -> Settings:
    chosen = cloud.choice(config, values)
    cert = chosen is not None and bool(chosen.cert)
    default = default_ports(cert)
    ports = tuple(int(str(port)) for port in values.get("lbPorts", default))  # type: ignore[attr-defined]
    if cert and TLS_PORT not in ports:
        raise BadInput(
            f"{values.origin('lbPorts')}: with --lb-cert the load balancer ends TLS on port "
            f"{TLS_PORT}: add --lb-port {TLS_PORT}"
        )
    plan = None if chosen is None else cloud.plan(chosen, config, ports, None)
    given = "lbPorts" in values.values
    return Settings(ports=ports, ports_given=given, cloud=chosen, plan=plan)


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    ports = ", ".join(str(port) for port in settings.ports)
    rows = [("load balancer ports", f"{ports} -> container port {config.port}")]
    if settings.cloud is None or settings.plan is None:
        rows.append(("load balancer", "any (no --cloud): its provider's default idle timeout"))
        return rows
    rows.append(("load balancer", settings.cloud.provider.about))
    if settings.cloud.lb_id:
        rows.append(("existing load balancer", settings.cloud.lb_id))
    rows.append(("idle on the path", f"{settings.plan.idle} s"))
    return rows


def _ports_default(known: Callable[[str], str | None]) -> str:
    return ",".join(str(port) for port in default_ports(known("lbCert") is not None))


def _tls_limit(known: Callable[[str], str | None]) -> tuple[tuple[str, ...], str]:
    return ("none",), NO_CLUSTER_TLS


TARGET = Target(
    name="loadbalancer",
    about="Deployment and a Service of type LoadBalancer (long TCP connections, no Ingress)",
    oldest="Kubernetes v1.24 (spec.loadBalancerClass)",
    idle_default="the cloud load balancer's own idle timeout (e.g. 350 s on an AWS NLB, 500 s "
    "on an Alibaba CLB TCP listener); wsgen sets it with --cloud",
    objects="the Deployment, Service and container",
    options=(LB_PORTS, *cloud.OPTIONS),
    uses=KUBERNETES | {LB_PORTS.key} | cloud.KEYS,
    tls_modes=("none",),
    files=KUBERNETES_FILES,
    renderer="wsgen.targets.loadbalancer.render",
    settings=_settings,
    summary=_summary,
    questions=(
        Question(
            LB_PORTS.key,
            "Load balancer ports",
            "The ports the load balancer listens on (comma-separated); each goes to the "
            "container port.",
            default=_ports_default,
        ),
        *cloud_questions(),
    ),
    tls_limit=_tls_limit,
)
