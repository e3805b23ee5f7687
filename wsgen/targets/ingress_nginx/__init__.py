"""ingress-nginx: a Deployment, a Service and an Ingress whose proxy-read-timeout and
proxy-send-timeout annotations (quoted whole seconds) keep idle WebSockets open.

The spec: its options, their rules, and what Config.settings holds for it. The manifests are
made by .render (templates/ingress-nginx/); the annotation facts are in wsgen.ingress_nginx.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from wsgen import canary, cloud, model
from wsgen import ingress_nginx as nginx
from wsgen.errors import BadInput
from wsgen.model import Config, Given, Option, Values
from wsgen.targets.base import (
    CANARY_FILES,
    KUBERNETES,
    KUBERNETES_FILES,
    STICKY,
    STICKY_TTL_SECONDS,
    Chart,
    Target,
    cloud_questions,
    sticky_cookie,
)

INGRESS_FILE = "ingress.yaml"
CANARY_INGRESS_FILE = canary.FILE_PREFIX + INGRESS_FILE
# The project's install guide: release ingress-nginx in namespace ingress-nginx.
CHART = Chart(
    "ingress-nginx",
    "the ingress-nginx controller's Service",
    "helm upgrade ingress-nginx ingress-nginx --repo https://kubernetes.github.io/ingress-nginx "
    "-n ingress-nginx --reuse-values",
)

DEFAULT_CLASS = "nginx"  # the IngressClass ingress-nginx's Helm chart creates
INGRESS_CLASS = Option(
    "ingressClass",
    "--ingress-class",
    "WSGEN_INGRESS_CLASS",
    "--target ingress-nginx: spec.ingressClassName.",
    model.dns_subdomain,
    metavar="CLASS",
    default=DEFAULT_CLASS,
)
ANNOTATIONS = Option(
    "annotations",
    "--annotation",
    "WSGEN_ANNOTATION",
    "--target ingress-nginx: extra Ingress annotation KEY=VALUE (repeatable).",
    mapping=True,
)
AFFINITY = nginx.PREFIX + "affinity"
COOKIE_NAME = nginx.PREFIX + "session-cookie-name"
COOKIE_MAX_AGE = nginx.PREFIX + "session-cookie-max-age"
# The canary Ingress's own annotations (ingress-nginx's docs, "Canary"; the annotations are
# read in internal/ingress/annotations/canary/main.go).
CANARY = nginx.PREFIX + "canary"
CANARY_WEIGHT = nginx.PREFIX + "canary-weight"
CANARY_COOKIE = nginx.PREFIX + "canary-by-cookie"
CANARY_HEADER = nginx.PREFIX + "canary-by-header"
CANARY_HEADER_VALUE = nginx.PREFIX + "canary-by-header-value"
# Read from the canary Ingress only: "sticky" (the default) gives the canary's backend the
# main Ingress's cookie affinity, so a client the canary served stays on it.
AFFINITY_CANARY_BEHAVIOR = nginx.PREFIX + "affinity-canary-behavior"
CANARY_KEYS = (
    CANARY,
    CANARY_WEIGHT,
    nginx.PREFIX + "canary-weight-total",
    CANARY_COOKIE,
    CANARY_HEADER,
    CANARY_HEADER_VALUE,
    nginx.PREFIX + "canary-by-header-pattern",
    AFFINITY_CANARY_BEHAVIOR,
)
# The user's annotations ingress-nginx reads from a canary Ingress as well (every other one of
# a canary is ignored: its traffic is served by the main Ingress's location): copied to it, so
# that the canary's backend balances as the main's does (controller.go createUpstreams reads
# these four and service-upstream from the Ingress of each upstream).
CANARY_READS = tuple(
    nginx.PREFIX + name
    for name in ("load-balance", "upstream-hash-by", "upstream-hash-by-subset",
                 "upstream-hash-by-subset-size", "service-upstream")
)  # fmt: skip


class Settings(NamedTuple):
    ingress_class: str = DEFAULT_CLASS
    annotations: tuple[tuple[str, str], ...] = ()  # the user's own (--annotation)
    sticky: bool = False
    cloud: cloud.Choice | None = None  # the load balancer in front (the controller's Service)
    canary: canary.Canary | None = None  # a canary release (wsgen.canary)


def ingress_annotations(config: Config) -> dict[str, str]:
    """Every Ingress annotation, in the order rendered: timeouts, issuer, affinity, the user's."""
    settings: Settings = config.settings
    timeout = str(config.timeout)
    result = {nginx.READ_TIMEOUT: timeout, nginx.SEND_TIMEOUT: timeout}
    if config.tls.mode == "cert-manager":
        result[model.issuer_annotation(config.tls.issuer_kind)] = config.tls.issuer
    if settings.sticky:
        # lower case: "Cookie" silently turns affinity off
        result[AFFINITY] = "cookie"
        result[COOKIE_NAME] = sticky_cookie(config.name)
        result[COOKIE_MAX_AGE] = str(STICKY_TTL_SECONDS)
    result.update(settings.annotations)
    return result


def canary_annotations(config: Config) -> dict[str, str]:
    """The canary Ingress's annotations (none without a canary), in the order rendered: the
    canary's own (canary, weight, cookie, header), then what the main Ingress says that
    ingress-nginx reads from the main Ingress instead (the timeouts, the affinity: repeated so
    that the two agree, and so that this Ingress keeps the WebSockets open if it is ever
    promoted by dropping its canary annotation), then the user's keys a canary reads too."""
    settings: Settings = config.settings
    chosen = settings.canary
    if chosen is None:
        return {}
    result = {CANARY: "true", CANARY_WEIGHT: str(chosen.weight)}
    if chosen.cookie:
        result[CANARY_COOKIE] = chosen.cookie
    if chosen.header:
        result[CANARY_HEADER] = chosen.header
        if chosen.header_value:
            result[CANARY_HEADER_VALUE] = chosen.header_value
    main = ingress_annotations(config)
    result[nginx.READ_TIMEOUT] = main[nginx.READ_TIMEOUT]
    result[nginx.SEND_TIMEOUT] = main[nginx.SEND_TIMEOUT]
    if settings.sticky:
        result[AFFINITY_CANARY_BEHAVIOR] = "sticky"
        for key in (AFFINITY, COOKIE_NAME, COOKIE_MAX_AGE):
            result[key] = main[key]
    result.update((key, value) for key, value in settings.annotations if key in CANARY_READS)
    return result


def _bytes(annotations: dict[str, str]) -> int:
    return sum(
        len(k.encode("utf-8", "surrogateescape")) + len(v.encode("utf-8", "surrogateescape"))
        for k, v in annotations.items()
    )


def _settings(config: Config, values: Values) -> Settings:
    sticky = bool(values.get("sticky", False))
    settings = Settings(
        ingress_class=str(values.get("ingressClass", Settings._field_defaults["ingress_class"])),
        annotations=_annotations(values.mappings.get("annotations", {}), sticky),
        sticky=sticky,
        cloud=cloud.choice(config, values),
        canary=canary.choice(config, values),
    )
    checked = replace(config, settings=settings)
    total = max(_bytes(ingress_annotations(checked)), _bytes(canary_annotations(checked)))
    if total > model.MAX_ANNOTATION_BYTES:
        raise BadInput(
            "--annotation (values key annotations): the Ingress annotations (keys and values) "
            f"add up to {total} bytes; Kubernetes allows "
            f"{model.byte_size(model.MAX_ANNOTATION_BYTES)} in all"
        )
    return settings


def _annotations(given: dict[str, Given], sticky: bool) -> tuple[tuple[str, str], ...]:
    reserved = {
        nginx.READ_TIMEOUT: "is written from --timeout; set --timeout instead",
        nginx.SEND_TIMEOUT: "is written from --timeout; set --timeout instead",
        nginx.CLASS_ANNOTATION: (
            "is deprecated; wsgen writes spec.ingressClassName (--ingress-class)"
        ),
    }
    for kind in model.ISSUER_KINDS:
        # cert-manager would issue into the Secret: only with --tls cert-manager, from --issuer
        reserved[model.issuer_annotation(kind)] = "is written by --tls cert-manager --issuer NAME"
    if sticky:
        for key in (AFFINITY, COOKIE_NAME, COOKIE_MAX_AGE):
            reserved[key] = "is written by --sticky"
    for key in CANARY_KEYS:
        # on the main Ingress, `canary: "true"` would make it the canary of nothing
        reserved[key] = (
            "is written on the canary Ingress from the --canary-* options (--sticky for "
            "affinity-canary-behavior)"
        )
    pairs: list[tuple[str, str]] = []
    for key, item in given.items():
        try:
            key = model.annotation_key(key)
            value = model.string_value(item.value)
        except ValueError as error:
            raise BadInput(f"{item.origin}: {error}") from None
        model.no_key_in(value, item.origin, key, "put it in a Secret and name the Secret")
        problem = reserved.get(key) or _annotation_problem(key, value)
        if problem:
            raise BadInput(f"{item.origin}: {key!r} {problem}")
        pairs.append((key, value))
    return tuple(pairs)


def _annotation_problem(key: str, value: str) -> str | None:
    problem = nginx.key_problem(key)
    if problem is not None:
        return problem[1]
    if not key.startswith(nginx.PREFIX):
        return None
    name = key[len(nginx.PREFIX) :]
    if name in nginx.SNIPPETS:
        return (
            "is a snippet (risk Critical): a default ingress-nginx (v1.12+) rejects the "
            "whole Ingress, and the controller already sets the Upgrade headers"
        )
    return nginx.value_problem(name, value)


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    rows = [("ingress class", settings.ingress_class)]
    if settings.sticky:
        rows.append(("sticky", f"cookie {sticky_cookie(config.name)}"))
    return rows


TARGET = Target(
    name="ingress-nginx",
    about="Deployment, Service and Ingress for the ingress-nginx controller",
    oldest="ingress-nginx v1.12 (path validation; the timeout annotations work since v0.x)",
    idle_default="ingress-nginx's default is 60",
    objects="the Deployment, Service, Ingress and container",
    options=(INGRESS_CLASS, ANNOTATIONS, STICKY, *cloud.OPTIONS, *canary.KUBERNETES_OPTIONS),
    uses=KUBERNETES
    | {"ingressClass", "annotations", "sticky"}
    | cloud.KEYS
    | canary.KUBERNETES_KEYS,
    tls_modes=model.TLS_MODES,
    # The leftovers are named in this order: the canary's Ingress before its Deployment and
    # Service (deleted first, it stops routing new connections to pods about to go).
    files=(*KUBERNETES_FILES, INGRESS_FILE, CANARY_INGRESS_FILE, *CANARY_FILES, CHART.file),
    renderer="wsgen.targets.ingress_nginx.render",
    settings=_settings,
    summary=_summary,
    questions=cloud_questions(),
)
