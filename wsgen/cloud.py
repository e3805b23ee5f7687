"""The cloud load balancers in front of a cluster, and how long each holds an idle connection.

The facts (PROVIDERS: each listener's annotation, range, default and source; light, as this is
imported on every run), the options --cloud and --lb-* and their rules (`choice`), and the
arithmetic (`fit`, `plan`): a requested idle time above a listener's ceiling gives the ceiling,
one note, and the ping interval the application must keep. Where each target writes the
annotations is the target's business (wsgen.targets); wsgen lint reads the same figures
(`service_listener`). The sources are in docs/targets.md ("Cloud load balancers in front") and
../shared/reference/targets.md section 11.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from wsgen import model
from wsgen.errors import BadInput
from wsgen.model import Config, Option, Values

ALIBABA = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
AZURE = "service.beta.kubernetes.io/azure-"
DIGITALOCEAN = "service.beta.kubernetes.io/do-loadbalancer-"
HUAWEI = "kubernetes.io/elb."
TLS_PORT = 443  # the port a load balancer that holds the certificate ends TLS on


# The specs below are NamedTuples, not dataclasses: they are made on every run, when the options
# are read, and a frozen dataclass costs about 1 ms of start-up to define (a NamedTuple 0.2 ms).
_NO_ANNOTATIONS: Mapping[str, str] = {}


class Listener(NamedTuple):
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

    @property
    def fixed(self) -> bool:
        return not self.key

    @property
    def unknown(self) -> bool:
        """Nothing documents an idle timeout, nor a way to set one."""
        return self.fixed and not self.default

    def span(self) -> str:
        if self.unit == 60:
            return f"{self.low // 60}-{self.high // 60} minutes"
        return f"{self.low}-{self.high} s"

    def amount(self, seconds: int) -> str:
        """`seconds` in the listener's own unit: "900 s", "100 minutes"."""
        return f"{seconds // 60} minutes" if self.unit == 60 else f"{seconds} s"


class Provider(NamedTuple):
    name: str  # --cloud
    about: str  # one line, for --help and init
    tcp: Listener  # TLS ends in the cluster: the load balancer passes TCP through
    tls: Listener | None = None  # TLS ends at the load balancer (--lb-cert); None: it cannot
    always: Mapping[str, str] = _NO_ANNOTATIONS  # annotations written every time
    id_key: str = ""  # --lb-id: the existing load balancer; "" when the provider has none
    no_id: str = ""  # why --lb-id is refused when id_key is ""
    override_key: str = ""  # the "take over the existing listeners" switch that goes with it
    cert_key: str = ""  # --lb-cert: the certificate the load balancer holds
    cert_rule: str = ""  # what an id looks like, said when one is refused
    cert_pattern: str = r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}"
    tls_annotations: Mapping[str, str] = _NO_ANNOTATIONS  # with --lb-cert, beside it
    # with --lb-cert, every listener is an HTTP(S) one ("https:443,http:80" in this key), not
    # only the one on port 443
    protocol_port_key: str = ""
    all_l7_with_cert: bool = False  # the same without such a key (DigitalOcean's protocol)
    load_balancer_class: str = ""  # spec.loadBalancerClass
    id_required: str = ""  # why --lb-id is needed ("" when it is optional)
    # what the cloud (or Kubernetes) takes only when the Service is made, never on a change
    at_creation: tuple[str, ...] = ()

    def listener(self, port: int, cert: bool) -> Listener:
        """The kind of listener on `port` (`cert`: the load balancer ends TLS)."""
        every = bool(self.protocol_port_key) or self.all_l7_with_cert
        if cert and self.tls is not None and (every or port == TLS_PORT):
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
                "Alibaba CLB HTTP/HTTPS listener",
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
            id_required="a new NLB takes its zones and vSwitches (the zone-maps annotation), "
            "which wsgen does not write: give the ID of one made beforehand",
            override_key=ALIBABA + "force-override-listeners",
            load_balancer_class="alibabacloud.com/nlb",
            at_creation=("spec.loadBalancerClass",),
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
        *(
            Provider(
                name,
                f"Huawei Cloud {kind} ELB (CCE, kubernetes.io/elb.class: {elb_class})",
                tcp=tcp,
                tls=tls,
                always={HUAWEI + "class": elb_class},
                id_key=HUAWEI + "id",
                id_required="CCE puts the Service on an existing ELB: give its ID (creating one "
                "takes kubernetes.io/elb.autocreate, a JSON of bandwidth and flavors wsgen does "
                "not write)",
                cert_key=HUAWEI + "cert-id",
                cert_rule="a Huawei ELB certificate ID (letters and digits)",
                cert_pattern=r"[A-Za-z0-9]{1,64}",
                protocol_port_key=HUAWEI + "protocol-port",
                at_creation=(HUAWEI + "class", HUAWEI + "id"),
            )
            for name, kind, elb_class, versions in (
                ("huawei", "dedicated", "performance", "v1.19.16-r30, v1.21.10-r10, v1.23.8-r10"),
                ("huawei-shared", "shared", "union", "v1.23.13-r0, v1.25.8-r0, v1.27.5-r0"),
            )
            for tcp, tls in [
                (
                    Listener(
                        "Huawei ELB TCP listener",
                        10,
                        4000,
                        300,
                        "Huawei CCE, Configuring Timeout for a LoadBalancer Service "
                        f"(cce_10_0729): kubernetes.io/elb.keepalive_timeout, {kind} ELB, "
                        f"CCE {versions} or later",
                        key=HUAWEI + "keepalive_timeout",
                    ),
                    Listener(
                        "Huawei ELB HTTP/HTTPS listener",
                        10,
                        4000,
                        60,
                        "Huawei CCE cce_10_0729: kubernetes.io/elb.keepalive_timeout (HTTP/HTTPS "
                        f"listeners, {kind} ELB); ELB FAQ elb_faq_0309",
                        key=HUAWEI + "keepalive_timeout",
                    ),
                )
            ]
        ),
        Provider(
            "azure",
            "Azure Load Balancer, by the Azure cloud provider",
            tcp=Listener(
                "Azure Load Balancer rule",
                4 * 60,
                100 * 60,
                4 * 60,
                "cloud-provider-azure: service.beta.kubernetes.io/azure-load-balancer-tcp-"
                "idle-timeout, 4-100 minutes (v1.28.0+, v1.25.17, v1.26.13, v1.27.7; 4-30 "
                "before)",
                key=AZURE + "load-balancer-tcp-idle-timeout",
                unit=60,
            ),
            no_id="the Azure cloud provider puts every Service on the cluster's own load "
            "balancer (to keep an address, reserve a public IP and name it in "
            "service.beta.kubernetes.io/azure-pip-name)",
        ),
        Provider(
            "digitalocean",
            "DigitalOcean Load Balancer, by the DigitalOcean cloud controller manager",
            tcp=Listener(
                "DigitalOcean network load balancer",
                0,
                0,
                0,
                "DigitalOcean CCM docs/controllers/services/annotations.md: no idle setting "
                "for a TCP (REGIONAL_NETWORK) load balancer, the default since v0.1.61",
            ),
            tls=Listener(
                "DigitalOcean HTTPS load balancer",
                30,
                600,
                60,
                "DigitalOcean API load_balancer http_idle_timeout_seconds (30-600, default "
                "60); CCM annotation do-loadbalancer-http-idle-timeout-seconds (v0.1.41+)",
                key=DIGITALOCEAN + "http-idle-timeout-seconds",
            ),
            id_key="kubernetes.digitalocean.com/load-balancer-id",
            cert_key=DIGITALOCEAN + "certificate-id",
            cert_rule="a DigitalOcean certificate ID (a UUID)",
            cert_pattern=r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            # the HTTP(S) load balancer (REGIONAL) reads the protocol, certificate and idle
            # annotations; the default REGIONAL_NETWORK one passes TCP through and reads none
            tls_annotations={
                DIGITALOCEAN + "type": "REGIONAL",
                DIGITALOCEAN + "protocol": "http",
                DIGITALOCEAN + "tls-ports": str(TLS_PORT),
            },
            all_l7_with_cert=True,
        ),
        Provider(
            "gke",
            "Google Cloud passthrough Network Load Balancer (GKE Service type LoadBalancer)",
            tcp=Listener(
                "GKE passthrough Network Load Balancer",
                0,
                0,
                0,
                "kubernetes/ingress-gce pkg/l4: no annotation sets connection tracking's idle "
                "timeout",
            ),
            no_id="GKE makes a load balancer for each Service (to keep an address, reserve "
            "one and name it in networking.gke.io/load-balancer-ip-addresses)",
        ),
    )
}


def keep_alive(ping: int, url: str) -> str:
    """What the app must do, and how to check it."""
    return (
        f"the app must send a WebSocket ping at least every {ping} s (check: wsgen probe "
        f"--ping-interval {ping} {url})"
    )


def capped_note(who: str, listener: Listener, fitted: Fit, requested: int, keep: str) -> str:
    """The line said when `listener` cannot hold the `requested` idle time (`who`: "--cloud
    aws", "--target aws-alb")."""
    if listener.fixed:
        held = f"is fixed at {listener.default} s"
    else:
        held = (
            f"is at most {listener.amount(listener.high)} (range {listener.span()}): set to "
            f"{listener.amount(fitted.seconds)}"
        )
    return f"{who}: the {listener.what}'s idle timeout {held}, not the {requested} s asked; {keep}"


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
    if listener.fixed:  # nothing to set (unknown: nothing documented either)
        return Fit(listener.default, "", not listener.unknown and requested > listener.default)
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

NO_CLOUD = "none"  # --cloud none: no load balancer in front (or one wsgen does not know)

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
    "set from --timeout, capped at what it can hold), or none.",
    model.choice((NO_CLOUD, *PROVIDERS), "a cloud provider"),
    metavar="PROVIDER",
    default=NO_CLOUD,
)
LB_ID = Option(
    "lbId",
    "--lb-id",
    "WSGEN_LB_ID",
    "With --cloud: use this existing load balancer (its ID) instead of a new one.",
    _lb_id,
    metavar="ID",
)
LB_OVERRIDE = Option(
    "lbOverrideListeners",
    "--lb-override-listeners",
    "WSGEN_LB_OVERRIDE_LISTENERS",
    "With --lb-id on Alibaba: let its cloud controller replace the existing load balancer's "
    'listeners (force-override-listeners is written "false" without it).',
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
    metavar="ID|ARN",
)
LB_TIMEOUT = Option(
    "lbTimeout",
    "--lb-timeout",
    "WSGEN_LB_TIMEOUT",
    "With --cloud: the load balancer's idle timeout (must be in its range).",
    model.timeout,
    metavar="SECONDS|DURATION",
    default="--timeout",
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
    # where --lb-timeout came from (a flag, a values file): not part of the value, so that the
    # wsgen.yaml a folder records reads back as the same Choice
    timeout_origin: str = field(default="", compare=False)


def choice(config: Config, values: Values) -> Choice | None:
    """The --cloud options checked together (BadInput otherwise); None without --cloud or with
    --cloud none, which also drops the load balancer's options a weaker layer gave (a folder's
    wsgen.yaml taken off its load balancer on the command line)."""
    given = dict(values.values)
    if given.get("cloud", NO_CLOUD) == NO_CLOUD:
        for key in sorted((KEYS - {"cloud"}) & set(given)):
            if values.strength(key) >= values.strength("cloud"):
                raise BadInput(
                    f"{values.origin(key)}: needs --cloud (the load balancer's provider)"
                )
        return None
    provider = PROVIDERS[str(given["cloud"])]
    lb_id = str(given.get("lbId", ""))
    if lb_id and not provider.id_key:
        raise BadInput(f"{values.origin('lbId')}: --cloud {provider.name}: {provider.no_id}")
    if not lb_id and provider.id_required and not values.partial:
        raise BadInput(
            f"{values.origin('cloud')}: --cloud {provider.name} needs --lb-id: "
            f"{provider.id_required}"
        )
    override = bool(given.get("lbOverrideListeners", False))
    if override and not provider.override_key:
        raise BadInput(
            f"{values.origin('lbOverrideListeners')}: --cloud {provider.name} has no such "
            "switch (its cloud controller manages the listeners of the load balancer it is given)"
        )
    if override and not lb_id:
        raise BadInput(
            f"{values.origin('lbOverrideListeners')}: only with --lb-id (the listeners of an "
            "existing load balancer)"
        )
    cert = str(given.get("lbCert", ""))
    if "lbCert" in given:  # "" too: an unset shell variable must not leave TLS out unsaid
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
    if timeout is not None:
        listeners = {provider.tcp.what: provider.tcp}
        if cert and provider.tls is not None:
            listeners = {provider.tls.what: provider.tls}
        if all(listener.fixed for listener in listeners.values()):
            (listener,) = listeners.values()
            why = (
                "nothing documents one"
                if listener.unknown
                else f"it is fixed at {listener.default} s"
            )
            raise BadInput(
                f"{values.origin('lbTimeout')}: the {listener.what}'s idle timeout cannot be "
                f"set ({why})"
            )
    return Choice(
        provider,
        lb_id=lb_id,
        override=override,
        cert=cert,
        timeout=None if timeout is None else int(str(timeout)),
        timeout_origin=values.origin("lbTimeout") if timeout is not None else "",
    )


@dataclass(frozen=True)
class Plan:
    """What goes on the load balancer's Service, and what to say about it."""

    provider: str  # --cloud
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
    held: dict[str, tuple[Listener, Fit]] = {}
    for port in ports:
        listener = provider.listener(port, bool(chosen.cert))
        fitted = fit(listener, requested, chosen.timeout_origin or "--timeout", explicit)
        held[listener.what] = listener, fitted
        if not listener.fixed:
            key = listener.key + (f"{listener.per_port}-{port}" if listener.per_port else "")
            annotations[key] = fitted.value
    known = [fitted.seconds for listener, fitted in held.values() if not listener.unknown]
    smallest = min(known + ([] if behind is None else [behind]), default=requested)
    ping = ping_interval(smallest)
    url = probe_url(config, bool(chosen.cert), ports)
    keep = keep_alive(ping, url)
    said = f"--cloud {provider.name}: the {{}}"
    notes = []
    for what, (listener, fitted) in held.items():
        if listener.unknown:
            notes.append(
                f"--cloud {provider.name}: nothing documents an idle timeout of the {what}, "
                f"nor a setting for one; measure it: wsgen probe --idle {requested} {url}"
            )
        elif fitted.capped:
            notes.append(capped_note(f"--cloud {provider.name}", listener, fitted, requested, keep))
        elif listener.fixed:
            continue
        elif explicit and fitted.seconds < (config.timeout if behind is None else behind):
            notes.append(
                f"{said.format(what)} closes an idle connection after {fitted.seconds} s "
                f"(--lb-timeout), before the {behind or config.timeout} s of --timeout; {keep}"
            )
        elif behind is None and requested < listener.low:
            # nothing behind it closes sooner: the floor is the path's idle timeout
            notes.append(
                f"{said.format(what)}'s idle timeout is at least "
                f"{listener.amount(listener.low)} (range {listener.span()}): set to "
                f"{listener.amount(fitted.seconds)}, not the {requested} s asked"
            )
    if chosen.lb_id and provider.override_key and not chosen.override:
        notes.append(
            f'--cloud {provider.name}: with --lb-id and force-override-listeners "false", '
            "the cloud controller leaves the existing load balancer's listeners as they are: "
            "the idle timeout above reaches them only with --lb-override-listeners (which "
            "replaces them) or when you set it on them yourself"
        )
    return Plan(provider.name, annotations, provider.load_balancer_class, tuple(notes), smallest)


def summary(chosen: Choice) -> str:
    """init's summary row."""
    parts = [chosen.provider.name]
    if chosen.lb_id:
        parts.append(f"existing {chosen.lb_id}")
    if chosen.cert:
        parts.append(f"TLS ends there ({chosen.cert})")
    if chosen.timeout is not None:
        parts.append(f"idle {chosen.timeout} s")
    return ", ".join(parts)


def probe_url(config: Config, cert: bool, ports: tuple[int, ...] = ()) -> str:
    """The URL a client uses, through a load balancer (that ends TLS: `cert`) or a proxy
    listening on `ports` (its port named when the scheme's own, 80 or 443, is not among them:
    the last for wss, the HTTPS listener of a Gateway, the first for ws)."""
    scheme = "wss" if config.tls.enabled or cert else "ws"
    default = TLS_PORT if scheme == "wss" else 80
    chosen_port = ports[-1] if scheme == "wss" and ports else ports[0] if ports else default
    port = "" if not ports or default in ports else f":{chosen_port}"
    return f"{scheme}://{config.host.replace('*', 'test', 1)}{port}{config.path}"


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
    return None
