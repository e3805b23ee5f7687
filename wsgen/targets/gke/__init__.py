"""GKE Ingress (Google's ingress-gce controller, an external Application Load Balancer): the
shared Deployment and a Service annotated for it, an Ingress of class gce and a BackendConfig
(cloud.google.com/v1) with the backend service's timeoutSec.

On GKE, timeoutSec is not an idle timeout: for a WebSocket it bounds the connection's whole
life, busy or idle (kubernetes/ingress-gce examples/websocket/README.md); its default is 30 s.
wsgen writes --timeout there exactly (the backend service takes 1 to 2147483647 s, every
--timeout) and says on every render that clients must reconnect.

The class is the annotation `kubernetes.io/ingress.class: gce`: ingress-gce does not read
spec.ingressClassName (its IsGCEIngress takes an Ingress without the annotation only when
spec.ingressClassName is unset; ingress-gce issue #1891). The Service stays ClusterIP, which
GKE's load balancer reaches only through network endpoint groups: `cloud.google.com/neg:
'{"ingress": true}'` is written (GKE turns NEGs on by itself only on some clusters: VPC-native,
no Shared VPC, no GKE network policy). `cloud.google.com/backend-config` names the BackendConfig.
TLS: a kubernetes.io/tls Secret in spec.tls (secret, self-signed, files), or cert-manager's
ingress-shim filling it (cert-manager). --sticky: sessionAffinity GENERATED_COOKIE (Google's
cookie, GCLB) for a day.

Oldest: GKE 1.19 (networking.k8s.io/v1 Ingress; BackendConfig cloud.google.com/v1 since
1.16.8-gke.3).
"""

from __future__ import annotations

from typing import NamedTuple

from wsgen import cloud, model
from wsgen.cloud import Listener
from wsgen.model import Config, Values
from wsgen.targets.base import HEALTH_PATH, KUBERNETES, KUBERNETES_FILES, STICKY, Target

INGRESS_FILE = "ingress.yaml"
BACKEND_CONFIG_FILE = "backendconfig.yaml"
INGRESS_CLASS = "gce"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config"
NEG_ANNOTATION = "cloud.google.com/neg"
STICKY_COOKIE = "GCLB"  # GENERATED_COOKIE affinity: the load balancer's own cookie

BACKEND = Listener(
    "GKE backend service",
    1,
    2_147_483_647,
    30,
    "Compute Engine API BackendService timeoutSec (1 through 2,147,483,647 s, default 30), "
    "set by BackendConfig spec.timeoutSec; kubernetes/ingress-gce "
    "examples/websocket/README.md: not an idle timeout",
    key="timeoutSec",
)


class Settings(NamedTuple):
    sticky: bool = False
    timeout_sec: int = 3600
    health_path: str = ""  # --health-path ("": GKE's default, / unless the readiness probe is HTTP)


def _settings(config: Config, values: Values) -> Settings:
    fitted = cloud.fit(BACKEND, config.timeout, "--timeout", explicit=False)
    return Settings(
        sticky=bool(values.get("sticky", False)),
        timeout_sec=fitted.seconds,
        health_path=str(values.get("healthPath", "")),
    )


def _summary(config: Config) -> list[tuple[str, str]]:
    settings: Settings = config.settings
    rows = [
        ("ingress class", f"{INGRESS_CLASS} (annotation {CLASS_ANNOTATION})"),
        ("timeoutSec", f"{settings.timeout_sec} s: the longest a WebSocket lives on GKE"),
    ]
    if settings.sticky:
        rows.append(("sticky", f"cookie {STICKY_COOKIE} (Google's generated cookie)"))
    return rows


TARGET = Target(
    name="gke",
    about="Deployment, Service, Ingress and BackendConfig for GKE's load balancer (class gce)",
    oldest="GKE 1.19 (networking.k8s.io/v1 Ingress, BackendConfig cloud.google.com/v1)",
    idle_default="on GKE the backend timeoutSec, default 30, ends every WebSocket after that "
    "long, busy or idle",
    objects="the Deployment, Service, Ingress, BackendConfig and container",
    options=(STICKY, HEALTH_PATH),
    uses=KUBERNETES | {"sticky", HEALTH_PATH.key},
    tls_modes=model.TLS_MODES,
    files=(*KUBERNETES_FILES, INGRESS_FILE, BACKEND_CONFIG_FILE),
    renderer="wsgen.targets.gke.render",
    settings=_settings,
    summary=_summary,
)
