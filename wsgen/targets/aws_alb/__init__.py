"""AWS Application Load Balancer, made by the AWS Load Balancer Controller from an Ingress of
class `alb`: the shared Deployment and Service, and that Ingress with the ALB's annotations.

The ALB itself is the proxy in front of the pods: its idle timeout (load-balancer attribute
`idle_timeout.timeout_seconds`, 1-4000 s, default 60; ELBv2 API LoadBalancerAttribute) is set
from --timeout; a --timeout above 4000 s gives 4000 s, a note and the ping interval the app
must keep (wsgen.cloud.fit). Targets are the pod IPs (`target-type: ip`): the shared Service
stays ClusterIP (`instance` would need a NodePort Service) and the controller's docs say
stickiness on an ALB needs `ip`. The controller's own scheme default is `internal`; wsgen
writes `internet-facing` unless --alb-scheme internal.

TLS: an ALB takes its certificate from ACM only (annotation `certificate-arn`, or ACM
discovery by host), never from a Kubernetes Secret: the Secret-based TLS modes are refused,
and --certificate-arn ends TLS at the ALB (listeners HTTP 80, redirected, and HTTPS 443).
--sticky: target-group stickiness with the ALB's own cookie (AWSALB).

Oldest: AWS Load Balancer Controller v2.4.0 (its release notes: the first to read
networking.k8s.io/v1 Ingresses, and its chart creates the IngressClass `alb` by default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wsgen import cloud, model
from wsgen.cloud import Fit
from wsgen.model import Config, Option, Values
from wsgen.targets.base import HEALTH_PATH, KUBERNETES, KUBERNETES_FILES, STICKY, Question, Target

INGRESS_FILE = "ingress.yaml"
INGRESS_CLASS = "alb"  # the IngressClass the controller's Helm chart creates
PREFIX = "alb.ingress.kubernetes.io/"
ATTRIBUTES = PREFIX + "load-balancer-attributes"
GROUP_ATTRIBUTES = PREFIX + "target-group-attributes"
STICKY_COOKIE = "AWSALB"  # the ALB's own (lb_cookie) stickiness cookie
SCHEMES = ("internet-facing", "internal")

ALB = cloud.ALB_IDLE  # 1-4000 s, default 60
_AWS = cloud.PROVIDERS["aws"]  # an ACM certificate ARN looks the same to the ALB as to the NLB
ACM_ONLY = (
    "an AWS ALB cannot use a Kubernetes Secret (it takes certificates from ACM only): give "
    "--tls none and the certificate's ARN with --certificate-arn"
)


def certificate_arn(raw: object) -> str:
    value = model.string_value(raw)
    if not re.fullmatch(_AWS.cert_pattern, value):
        raise ValueError(f"{model.show(value)} is not {_AWS.cert_rule}")
    return value


CERTIFICATE_ARN = Option(
    "certificateArn",
    "--certificate-arn",
    "WSGEN_CERTIFICATE_ARN",
    "--target aws-alb: the ACM certificate the ALB ends TLS with (its ARN; wss:// on 443).",
    certificate_arn,
    metavar="ARN",
)
SCHEME = Option(
    "albScheme",
    "--alb-scheme",
    "WSGEN_ALB_SCHEME",
    "--target aws-alb: internet-facing or internal.",
    model.choice(SCHEMES, "an ALB scheme"),
    metavar="SCHEME",
    default="internet-facing",
)


@dataclass(frozen=True)
class Settings:
    certificate_arn: str = ""
    scheme: str = SCHEMES[0]
    sticky: bool = False
    health_path: str = ""  # --health-path ("": the controller's default, /)
    idle: Fit = field(default_factory=lambda: cloud.fit(ALB, 3600, "--timeout", explicit=False))


def idle(config: Config) -> Fit:
    return cloud.fit(ALB, config.timeout, "--timeout", explicit=False)


def _settings(config: Config, values: Values) -> Settings:
    return Settings(
        certificate_arn=str(values.get("certificateArn", "")),
        scheme=str(values.get("albScheme", SCHEMES[0])),
        sticky=bool(values.get("sticky", False)),
        health_path=str(values.get("healthPath", "")),
        idle=idle(config),
    )


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    rows = [
        ("ingress class", INGRESS_CLASS),
        ("scheme", settings.scheme),
        ("ALB idle", f"{settings.idle.seconds} s ({ALB.span()})"),
        (
            "ALB TLS",
            f"ACM {settings.certificate_arn}"
            if settings.certificate_arn
            else "none: plain ws:// on port 80 (--certificate-arn ARN for wss://)",
        ),
    ]
    if settings.sticky:
        rows.append(("sticky", f"cookie {STICKY_COOKIE} (the ALB's)"))
    return rows


def _tls_limit(known: Callable[[str], str | None]) -> tuple[tuple[str, ...], str]:
    return ("none",), ACM_ONLY


TARGET = Target(
    name="aws-alb",
    about="Deployment, Service and Ingress for an AWS ALB (AWS Load Balancer Controller)",
    oldest="AWS Load Balancer Controller v2.4.0 (networking.k8s.io/v1 Ingress, class alb)",
    idle_default="an AWS ALB's default is 60; at most 4000",
    objects="the Deployment, Service, Ingress and container",
    options=(CERTIFICATE_ARN, SCHEME, STICKY, HEALTH_PATH),
    uses=KUBERNETES | {"certificateArn", "albScheme", "sticky", HEALTH_PATH.key},
    tls_modes=("none",),
    files=(*KUBERNETES_FILES, INGRESS_FILE),
    renderer="wsgen.targets.aws_alb.render",
    settings=_settings,
    summary=_summary,
    questions=(
        Question(
            "certificateArn",
            "ACM certificate ARN (empty: plain ws:// on port 80)",
            "The ALB ends TLS with a certificate from ACM (a Kubernetes Secret cannot be used).",
            optional=True,
        ),
        Question(
            "albScheme",
            "ALB scheme",
            "internet-facing: a public address; internal: reachable from the VPC only.",
            choices=(
                ("internet-facing", "a public load balancer"),
                ("internal", "a load balancer inside the VPC"),
            ),
            default=lambda known: SCHEMES[0],
        ),
    ),
    tls_limit=_tls_limit,
)
