"""What a target declares (its spec) and the options more than one target shares.

A spec is light on purpose: every target's spec is imported on every run (its options are
flags of `render` and `init`), while its rendering module (`renderer`, which needs jinja2 and
PyYAML) is imported only when that target writes something.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from wsgen import canary, cloud, model
from wsgen.model import Config, Option, Values

if TYPE_CHECKING:
    from wsgen.render import File, Pem


class Renderer(Protocol):
    """The module a spec's `renderer` names."""

    def stream(self, config: Config, pem: Pem | None) -> tuple[str, list[str]]:
        """What goes to stdout, and the notes for stderr (`pem`: --tls self-signed, made for
        this run when the target's stream carries a key)."""
        ...

    def folder(self, config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
        """Every file of an output folder, by path relative to it."""
        ...

    def folder_notes(self, config: Config, out: Path, pem: Pem | None) -> list[str]:
        """What to say after a folder is written: certificate expiry, the command to run next."""
        ...

    def next_steps(self, config: Config, out: Path) -> list[str]:
        """init's last lines: how to apply the folder and test the endpoint."""
        ...

    def warnings(self, config: Config) -> list[str]:
        """What is true of this config whatever is done with it (a timeout rounded up, what an
        existing Gateway's owner must allow): said with the plan, a --dry-run, a --check, a
        refused write and init's summary as well as after a stream (wsgen.core adds them to
        both: stream() and folder_notes() leave them out)."""
        ...


class Question(NamedTuple):
    """One question of `wsgen init` (wsgen.wizard asks them)."""

    key: str  # an option key, or wsgen.wizard.OUT
    message: str
    explain: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # a select: (value, one line about it)
    # the default it offers, from what is known so far (an option key -> its raw value or
    # None); without one: the option's default
    default: Callable[[Callable[[str], str | None]], str] | None = None
    # asked only when this says so, from what is known so far (same argument as `default`)
    ask_if: Callable[[Callable[[str], str | None]], bool] | None = None
    # the answer taken when nobody is asked (e.g. "none" for --cloud), so an optional question
    # never makes init fail for want of a terminal
    unset: str = ""
    # a text question an empty answer leaves unset (e.g. --certificate-arn: no certificate)
    optional: bool = False


class Target(NamedTuple):
    name: str
    about: str  # one line: what it writes, for whom
    oldest: str  # the oldest controller version its output works with
    idle_default: str  # what closes an idle WebSocket when nothing is set (for init)
    objects: str  # what the app name names (for init): "the Deployment, Service, Ingress ..."
    options: tuple[Option, ...]  # its own, beyond model.COMMON_OPTIONS
    uses: frozenset[str]  # every option key it takes (the common ones it uses, and its own)
    tls_modes: tuple[str, ...]
    files: tuple[str, ...]  # every file a folder of it may hold (earlier runs' are found by these)
    renderer: str  # the module that renders it (a Renderer)
    # its own options checked (BadInput otherwise) and kept: what Config.settings holds
    settings: Callable[[Config, Values], Any]
    # summary rows for init, shown after the path
    summary: Callable[[Config], list[tuple[str, str]]]
    questions: tuple[Question, ...] = ()  # init asks these after the common ones
    # --tls self-signed without --out: the stream holds the new key (otherwise: a folder needed)
    stream_carries_key: bool = True
    default_out: str = "k8s"
    # init does not ask these (e.g. istio's timeout, which it does not write)
    not_asked: frozenset[str] = frozenset()
    # the TLS modes that can work given what is known so far (an option key -> its raw value
    # or None), and why when that is fewer than `tls_modes`
    tls_limit: Callable[[Callable[[str], str | None]], tuple[tuple[str, ...], str]] | None = None
    # why it refuses another target's option, where "which targets use it" says too little
    # (an option key -> the reason; e.g. the nginx target's --canary-upstream for --canary-image)
    refuses: tuple[tuple[str, str], ...] = ()

    def tls_modes_given(self, known: Callable[[str], str | None]) -> tuple[tuple[str, ...], str]:
        return (self.tls_modes, "") if self.tls_limit is None else self.tls_limit(known)

    def output(self) -> Renderer:
        module: Renderer = importlib.import_module(self.renderer)
        return module


# The files of an output folder that more than one target writes.
CERT_FILE = "tls/tls.crt"
KEY_FILE = "tls/tls.key"
SCRIPT_FILE = "create-tls-secret.sh"
KUSTOMIZATION_FILE = "kustomization.yaml"
VALUES_FILE = "wsgen.yaml"
# Every file a Kubernetes folder may hold besides its target's manifests.
KUBERNETES_FILES = (
    "deployment.yaml",
    "service.yaml",
    KUSTOMIZATION_FILE,
    VALUES_FILE,
    CERT_FILE,
    KEY_FILE,
    SCRIPT_FILE,
)

# Options that more than one target takes.
STICKY = Option(
    "sticky",
    "--sticky",
    "WSGEN_STICKY",
    "Kubernetes targets: cookie affinity (by client address on nginx-gateway-fabric), which "
    "Socket.IO and other clients with a long-polling fallback need behind several replicas.",
    model.boolean,
    boolean=True,
)
HEALTH_PATH = Option(
    "healthPath",
    "--health-path",
    "WSGEN_HEALTH_PATH",
    "--target aws-alb and gke: the path the load balancer's health check asks for a 200 on "
    "the container port (when not given, nothing is written: the load balancer asks for /; a "
    "WebSocket server that does not answer / with a 200 needs one).",
    model.path,
    metavar="PATH",
)
KUBERNETES = model.BASE_KEYS | model.KUBERNETES_KEYS  # every target that writes Kubernetes objects
# The files of a canary (wsgen.canary) on every Kubernetes target that writes one.
CANARY_FILES = tuple(canary.FILE_PREFIX + name for name in ("deployment.yaml", "service.yaml"))
# How long a sticky cookie lasts: a day, so that a session that falls back to long polling
# keeps its pod (a cookie that expires mid-session sends the next request anywhere).
STICKY_TTL_SECONDS = 86400


def sticky_cookie(name: str) -> str:
    """The affinity cookie of the app `name` (--sticky), on every target that sets one."""
    return f"{name}-affinity"


class Chart(NamedTuple):
    """The Helm chart that owns a controller's Service, which is the cloud load balancer
    (--cloud): wsgen writes a values fragment for it, beside the manifests."""

    name: str  # "ingress-nginx"; its values are in templates/<target>/chart-values.yaml.j2
    service: str  # "the ingress-nginx controller's Service"
    install: str  # the release as the project's install guide names it: "helm upgrade ..."
    ports: tuple[int, ...] = (80, 443)  # the chart's Service ports

    @property
    def file(self) -> str:
        return self.name + CHART_VALUES


CHART_VALUES = "-values.yaml"  # how a chart values file's name ends


def holds_objects(name: str) -> bool:
    """Whether a file of a folder holds a Kubernetes object (kubectl apply -k applies it)."""
    return (
        name.endswith(".yaml")
        and name not in (KUSTOMIZATION_FILE, VALUES_FILE)
        and not name.endswith(CHART_VALUES)
    )


def cloud_questions(service_class: bool = True) -> tuple[Question, ...]:
    """init's questions for --cloud, asked after a target's own (`service_class`: the target
    can give the load balancer's Service a spec.loadBalancerClass; a Gateway cannot)."""
    providers = [p for p in cloud.PROVIDERS.values() if service_class or not p.load_balancer_class]
    return (
        Question(
            "cloud",
            CLOUD_QUESTION,
            "Its idle timeout is set from the idle timeout you chose, or capped where the cloud "
            "cannot hold it (wsgen then says how often the app must ping).",
            choices=(
                (cloud.NO_CLOUD, "none, or one wsgen does not know"),
                *((p.name, p.about) for p in providers),
            ),
            default=lambda known: cloud.NO_CLOUD,
            unset=cloud.NO_CLOUD,
        ),
        Question(
            "lbId",
            "ID of the existing load balancer",
            "This provider puts the Service on a load balancer made beforehand.",
            ask_if=lambda known: bool(
                getattr(cloud.PROVIDERS.get(known("cloud") or ""), "id_required", "")
            ),
        ),
    )


CLOUD_QUESTION = "Cloud load balancer in front"
