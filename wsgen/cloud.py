"""The cloud load balancers in front of a cluster, and how long each holds an idle connection.

Facts only (light: imported on every run), and the arithmetic: a requested idle time above a
listener's ceiling gives the ceiling, a note, and the ping interval the application must keep
(`fit`). Where each target writes the annotations is the target's business (wsgen.targets).
The sources of the figures are in the README ("Cloud load balancers") and
../shared/reference/targets.md section 11.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from wsgen import model
from wsgen.errors import BadInput
from wsgen.model import Config, Option, Values

ALIBABA = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
AZURE = "service.beta.kubernetes.io/azure-"
DIGITALOCEAN = "service.beta.kubernetes.io/do-loadbalancer-"
HUAWEI = "kubernetes.io/elb."
TLS_PORT = 443  # the port a load balancer that holds the certificate ends TLS on


@dataclass(frozen=True)
class Listener:
    """How one kind of listener of a provider's load balancer times out an idle connection."""

    what: str  # "Alibaba CLB TCP listener": named in notes and errors
    low: int  # seconds
    high: int
    default: int
    source: str
    key: str = ""  # the annotation that sets it; "" when it cannot be set (fixed at `default`)
    unit: int = 1  # seconds per unit of the annotation's value (Azure: minutes)
    form: str = "{n}"  # the value written, `n` in units
    # the key names the listener: `key` + "TCP-443" (AWS), one annotation per port
    per_port: str = ""
    # the value bounds a connection's whole life, idle or not (GKE's timeoutSec)
    lifetime: bool = False

    @property
    def fixed(self) -> bool:
        return not self.key

    def span(self) -> str:
        if self.unit == 60:
            return f"{self.low // 60}-{self.high // 60} minutes"
        return f"{self.low}-{self.high} s"


@dataclass(frozen=True)
class Provider:
    name: str  # --cloud
    about: str  # one line, for --help and init
    tcp: Listener  # TLS ends in the cluster: the load balancer passes TCP through
    tls: Listener | None = None  # TLS ends at the load balancer (--lb-cert); None: it cannot
    always: Mapping[str, str] = field(default_factory=dict)  # annotations written every time
    id_key: str = ""  # --lb-id: the existing load balancer; "" when the provider has none
    no_id: str = ""  # why --lb-id is refused when id_key is ""
    override_key: str = ""  # the "take over the existing listeners" switch that goes with it
    cert_key: str = ""  # --lb-cert: the certificate the load balancer holds
    cert_rule: str = ""  # what an id looks like, said when one is refused
    cert_pattern: str = r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}"
    tls_annotations: Mapping[str, str] = field(default_factory=dict)  # with --lb-cert, beside it
    # with --lb-cert, every listener is an HTTP(S) one ("https:443,http:80" in this key), not
    # only the one on port 443
    protocol_port_key: str = ""
    load_balancer_class: str = ""  # spec.loadBalancerClass

    def listener(self, port: int, cert: bool) -> Listener:
        """The kind of listener on `port` (`cert`: the load balancer ends TLS)."""
        if cert and self.tls is not None and (self.protocol_port_key or port == TLS_PORT):
            return self.tls
        return self.tcp


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            "alibaba",
            "Alibaba Cloud CLB (SLB), by the cloud controller manager",
            tcp=Listener(
                "Alibaba CLB TCP listener",
                10,
                900,
                500,
                "Alibaba ACK CCM Service annotations: established-timeout",
                key=ALIBABA + "established-timeout",
            ),
            tls=Listener(
                "Alibaba CLB HTTPS listener",
                1,
                60,
                15,
                "Alibaba ACK CCM Service annotations: idle-timeout (CCM v2.1.0+)",
                key=ALIBABA + "idle-timeout",
            ),
            id_key=ALIBABA + "id",
            override_key=ALIBABA + "force-override-listeners",
            cert_key=ALIBABA + "cert-id",
            cert_rule="an Alibaba Cloud certificate ID (letters, digits, '-', '_' and '.')",
            cert_pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
            protocol_port_key=ALIBABA + "protocol-port",
        ),
        Provider(
            "alibaba-nlb",
            "Alibaba Cloud NLB (loadBalancerClass alibabacloud.com/nlb)",
            tcp=Listener(
                "Alibaba NLB TCP listener",
                10,
                900,
                900,
                "Alibaba ACK CCM Service annotations for NLB: idle-timeout (CCM v2.5.0+)",
                key=ALIBABA + "idle-timeout",
            ),
            id_key=ALIBABA + "id",
            override_key=ALIBABA + "force-override-listeners",
            load_balancer_class="alibabacloud.com/nlb",
        ),
        Provider(
            "aws",
            "AWS Network Load Balancer, by the AWS Load Balancer Controller (v2.9.0+)",
            tcp=Listener(
                "AWS NLB TCP listener",
                60,
                6000,
                350,
                "AWS ELB API ListenerAttribute tcp.idle_timeout.seconds; AWS Load Balancer "
                "Controller docs/guide/service/annotations.md (v2.9.0+)",
                key=AWS + "listener-attributes.",
                form="tcp.idle_timeout.seconds={n}",
                per_port="TCP",
            ),
            tls=Listener(
                "AWS NLB TLS listener",
                350,
                350,
                350,
                "AWS docs, Network Load Balancers: update-idle-timeout (a TLS listener's idle "
                "timeout is 350 s and cannot be changed)",
            ),
            always={
                AWS + "type": "external",
                AWS + "nlb-target-type": "ip",
                AWS + "scheme": "internet-facing",
            },
            no_id="the AWS Load Balancer Controller makes its own NLB (an existing one takes a "
            "TargetGroupBinding, which wsgen does not write)",
            cert_key=AWS + "ssl-cert",
            cert_rule="an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
            cert_pattern=r"arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]{1,64}",
            tls_annotations={AWS + "ssl-ports": str(TLS_PORT)},
        ),
    )
}


def ping_interval(idle: int) -> int:
    """How often the application must send a WebSocket ping (or any message) so that a path
    whose smallest idle timeout is `idle` never sees a silence that long: half of it, so that
    one ping lost or late still leaves another before the timeout."""
    return max(1, idle // 2)


@dataclass(frozen=True)
class Fit:
    """What one listener is given for a requested idle time."""

    seconds: int  # how long it holds an idle connection
    value: str  # the annotation's value ("" when it cannot be set)
    capped: bool  # the request is above what the listener can hold


def fit(listener: Listener, requested: int, origin: str, explicit: bool) -> Fit:
    """The idle time `listener` is given for `requested` seconds. Above its ceiling: the
    ceiling (capped). Below its floor: the floor (the proxy behind it closes first, as asked),
    unless the value was given for the load balancer itself (`explicit`, --lb-timeout), which
    must be in the range. Whole units (Azure: minutes) round up."""
    if listener.fixed:
        return Fit(listener.default, "", requested > listener.default)
    if explicit and not listener.low <= requested <= listener.high:
        raise BadInput(
            f"{origin}: {requested} s is outside the {listener.what}'s idle timeout range "
            f"({listener.span()}; {listener.source})"
        )
    if explicit and requested % listener.unit:
        raise BadInput(
            f"{origin}: {requested} s is not a whole number of minutes, which the "
            f"{listener.what}'s idle timeout takes"
        )
    seconds = min(max(requested, listener.low), listener.high)
    units = -(-seconds // listener.unit)
    return Fit(units * listener.unit, listener.form.format(n=units), requested > listener.high)


# --------------------------------------------------------------------------- options

_LB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}")


def _lb_id(raw: object) -> str:
    value = model.string_value(raw)
    if not _LB_ID.fullmatch(value):
        raise ValueError(
            f"{model.show(value)} is not a load balancer ID (letters, digits and '._:/-', at "
            "most 255)"
        )
    return value


CLOUD = Option(
    "cloud",
    "--cloud",
    "WSGEN_CLOUD",
    "The cloud load balancer in front: " + ", ".join(PROVIDERS) + " (its idle timeout is "
    "set from --timeout, capped at what it can hold).",
    model.choice(tuple(PROVIDERS), "a cloud provider"),
)
LB_ID = Option(
    "lbId",
    "--lb-id",
    "WSGEN_LB_ID",
    "With --cloud: use this existing load balancer (its ID) instead of a new one.",
    _lb_id,
)
LB_OVERRIDE = Option(
    "lbOverrideListeners",
    "--lb-override-listeners",
    "WSGEN_LB_OVERRIDE_LISTENERS",
    "With --lb-id: let the cloud controller replace the existing load balancer's listeners "
    "(written as true or false either way).",
    model.boolean,
    boolean=True,
)
LB_CERT = Option(
    "lbCert",
    "--lb-cert",
    "WSGEN_LB_CERT",
    "With --cloud and --tls none: TLS ends at the load balancer with this certificate (its ID "
    "or ARN at the cloud; never a key).",
    model.string_value,
)
LB_TIMEOUT = Option(
    "lbTimeout",
    "--lb-timeout",
    "WSGEN_LB_TIMEOUT",
    "With --cloud: the load balancer's idle timeout, if not --timeout (must be in its range).",
    model.timeout,
)
OPTIONS = (CLOUD, LB_ID, LB_OVERRIDE, LB_CERT, LB_TIMEOUT)
KEYS = frozenset(option.key for option in OPTIONS)


@dataclass(frozen=True)
class Choice:
    """The load balancer in front, as given (Settings.cloud of the targets that take --cloud)."""

    provider: Provider
    lb_id: str = ""
    override: bool = False
    cert: str = ""
    timeout: int | None = None  # --lb-timeout
    timeout_origin: str = ""


def choice(config: Config, values: Values) -> Choice | None:
    """The --cloud options checked together (BadInput otherwise); None without --cloud."""
    given = values.values
    if "cloud" not in given:
        for key in sorted(KEYS & set(given)):
            raise BadInput(f"{values.origin(key)}: needs --cloud (the load balancer's provider)")
        return None
    provider = PROVIDERS[str(given["cloud"])]
    lb_id = str(given.get("lbId", ""))
    if lb_id and not provider.id_key:
        raise BadInput(f"{values.origin('lbId')}: --cloud {provider.name}: {provider.no_id}")
    if "lbOverrideListeners" in given and not lb_id:
        raise BadInput(
            f"{values.origin('lbOverrideListeners')}: only with --lb-id (the listeners of an "
            "existing load balancer)"
        )
    cert = str(given.get("lbCert", ""))
    if cert:
        if provider.tls is None or not provider.cert_key:
            raise BadInput(
                f"{values.origin('lbCert')}: the {provider.about} does not end TLS "
                "(leave out --lb-cert and end TLS in the cluster with --tls)"
            )
        if not re.fullmatch(provider.cert_pattern, cert):
            raise BadInput(
                f"{values.origin('lbCert')}: {model.show(cert)} is not {provider.cert_rule}"
            )
        if config.tls.enabled:
            raise BadInput(
                f"{values.origin('lbCert')}: the load balancer ends TLS and sends plain HTTP "
                f"on, so the cluster needs --tls none (not {config.tls.mode}); or leave out "
                "--lb-cert to end TLS in the cluster"
            )
    timeout = given.get("lbTimeout")
    return Choice(
        provider,
        lb_id=lb_id,
        override=bool(given.get("lbOverrideListeners", False)),
        cert=cert,
        timeout=None if timeout is None else int(str(timeout)),
        timeout_origin=values.origin("lbTimeout") if timeout is not None else "",
    )


@dataclass(frozen=True)
class Plan:
    """What goes on the load balancer's Service, and what to say about it."""

    annotations: dict[str, str]
    load_balancer_class: str
    notes: tuple[str, ...]
    idle: int  # the smallest idle timeout on the path, in seconds (the load balancer's or
    # the proxy's behind it)


def plan(
    chosen: Choice,
    config: Config,
    ports: tuple[int, ...],
    behind: int | None,
) -> Plan:
    """The Service annotations for a load balancer listening on `ports`, in front of a proxy
    that closes an idle WebSocket after `behind` seconds (None: it never does)."""
    provider = chosen.provider
    requested = config.timeout if chosen.timeout is None else chosen.timeout
    explicit = chosen.timeout is not None
    annotations = dict(provider.always)
    if chosen.lb_id:
        annotations[provider.id_key] = chosen.lb_id
        if provider.override_key:
            annotations[provider.override_key] = "true" if chosen.override else "false"
    if chosen.cert:
        annotations[provider.cert_key] = chosen.cert
        annotations.update(provider.tls_annotations)
        if provider.protocol_port_key:
            annotations[provider.protocol_port_key] = ",".join(
                f"{'https' if port == TLS_PORT else 'http'}:{port}" for port in ports
            )
    held: dict[str, Fit] = {}
    kinds: dict[str, Listener] = {}
    for port in ports:
        listener = provider.listener(port, bool(chosen.cert))
        fitted = fit(listener, requested, chosen.timeout_origin or "--timeout", explicit)
        held[listener.what], kinds[listener.what] = fitted, listener
        if listener.fixed:
            continue
        key = listener.key + (f"{listener.per_port}-{port}" if listener.per_port else "")
        annotations[key] = fitted.value
    smallest = min(
        [fitted.seconds for fitted in held.values()] + ([] if behind is None else [behind])
    )
    notes = []
    for what, fitted in held.items():
        listener = kinds[what]
        if not fitted.capped:
            continue
        ping = ping_interval(smallest)
        said = (
            f"is fixed at {listener.default} s"
            if listener.fixed
            else f"is at most {listener.high} s ({listener.span()}): wrote {fitted.seconds} s"
        )
        notes.append(
            f"--cloud {provider.name}: the {what}'s idle timeout {said}, not the {requested} s "
            f"asked; the app must send a WebSocket ping at least every {ping} s (check: wsgen "
            f"probe --ping-interval {ping} {probe_url(config, chosen)})"
        )
    return Plan(annotations, provider.load_balancer_class, tuple(notes), smallest)


def probe_url(config: Config, chosen: Choice) -> str:
    scheme = "wss" if config.tls.enabled or chosen.cert else "ws"
    return f"{scheme}://{config.host.replace('*', 'test', 1)}{config.path}"


# --------------------------------------------------------------------------- for lint

# Idle settings `wsgen lint` checks that no --cloud provider above writes: an Ingress's own
# (AWS ALB, Huawei ELB), and providers --cloud does not take yet. A Provider that takes one
# over names it instead of a copy here.
ALB_IDLE = Listener(
    "AWS ALB",
    1,
    4000,
    60,
    "AWS ELB API LoadBalancerAttribute idle_timeout.timeout_seconds; AWS Load Balancer "
    "Controller docs/guide/ingress/annotations.md",
    key="alb.ingress.kubernetes.io/load-balancer-attributes",
    form="idle_timeout.timeout_seconds={n}",
)
HUAWEI_INGRESS_IDLE = Listener(
    "Huawei ELB listener of an Ingress",
    0,
    4000,
    60,
    "Huawei CCE Ingress annotation kubernetes.io/elb.keepalive_timeout",
    key=HUAWEI + "keepalive_timeout",
)
HUAWEI_SERVICE_IDLE = Listener(
    "Huawei ELB TCP listener",
    10,
    4000,
    300,
    "Huawei CCE Service annotation kubernetes.io/elb.keepalive_timeout (TCP)",
    key=HUAWEI + "keepalive_timeout",
)
AZURE_IDLE = Listener(
    "Azure Load Balancer rule",
    4 * 60,
    100 * 60,
    4 * 60,
    "Azure docs, load-balancer-tcp-idle-timeout (4-100 minutes, default 4); cloud-provider-azure "
    "annotation azure-load-balancer-tcp-idle-timeout",
    key=AZURE + "load-balancer-tcp-idle-timeout",
    unit=60,
)


def idle_text(listener: Listener, value: str) -> str | None:
    """The number an annotation's `value` gives `listener`'s idle timeout, as written (in the
    listener's units), or None when the value does not set it: the inverse of `form`. A form
    with a name ("tcp.idle_timeout.seconds={n}") is found among comma-separated attributes."""
    if listener.form == "{n}":
        return value.strip()
    name = listener.form.removesuffix("{n}")
    for part in value.split(","):
        if part.strip().startswith(name):
            return part.strip()[len(name) :].strip()
    return None


ALIBABA_LEGACY = "service.beta.kubernetes.io/alicloud-loadbalancer-"  # still read by the CCM


def service_listener(key: str, load_balancer_class: str = "") -> Listener | None:
    """The listener whose idle timeout a Service annotation `key` sets, or None. The same key
    can set two (Alibaba's idle-timeout: a CLB's HTTP(S) listener, or an NLB's with
    spec.loadBalancerClass alibabacloud.com/nlb): a provider of that class comes first."""
    if key.startswith(ALIBABA_LEGACY):
        key = ALIBABA + key.removeprefix(ALIBABA_LEGACY)
    for provider in sorted(
        PROVIDERS.values(), key=lambda p: p.load_balancer_class != load_balancer_class
    ):
        if provider.load_balancer_class not in ("", load_balancer_class):
            continue
        for listener in (provider.tcp, provider.tls):
            if listener is None or listener.fixed:
                continue
            if key == listener.key or (
                listener.per_port and key.startswith(f"{listener.key}{listener.per_port}-")
            ):
                return listener
    for listener in (HUAWEI_SERVICE_IDLE, AZURE_IDLE):
        if key == listener.key:
            return listener
    return None
