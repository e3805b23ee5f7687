"""wsgen lint's rules: each a small function from an Ingress view (or another object) to findings.

A rule says which Ingresses it is about (ingress-nginx only, WebSocket Ingresses only, chart
values sections too), or which kinds of object (`object_rule`: a Service, a GCPBackendPolicy,
any), and yields Hits: a node, a message and a fix. The node gives the line and
column, and is what a later `--fix` would edit. WS001 and WS002 (parsing) are found while
reading, in wsgen.lint; they are listed here so every rule has one description.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wsgen import cloud
from wsgen import ingress_nginx as nginx
from wsgen import lint_edit as edit
from wsgen import traefik_nginx as traefik
from wsgen.lint import (
    INGRESS_NGINX,
    NULL_TAG,
    STR_TAG,
    TRAEFIK,
    TRAEFIK_NGINX,
    Context,
    Finding,
    HttpPath,
    Options,
    Resource,
    Source,
    View,
    fields,
    finding,
    items,
    named,
    says_websocket,
    seconds,
    text,
    value,
    websocket_path,
    whole_number,
)
from wsgen.lint_edit import Fix


@dataclass(frozen=True)
class Hit:
    node: Node
    message: str
    hint: str = ""
    severity: str = ""  # the rule's own unless set
    fix: Fix | None = None  # how --fix repairs it (None: a person must)


Check = Callable[[View, Options, Context], Iterator[Hit]]
ObjectCheck = Callable[[Resource, Options, Context], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # one line: what it finds
    check: Check | None = None  # None: found while reading (WS001, WS002)
    nginx: bool = False  # only Ingresses ingress-nginx serves
    websocket: bool = False  # only Ingresses that carry WebSockets
    chart: bool = True  # also ingress sections of chart values
    # only Ingresses these read (lint.INGRESS_NGINX, TRAEFIK_NGINX, TRAEFIK); empty: any
    providers: frozenset[str] = frozenset()
    # the rule's check of other objects, of these kinds ("*": any kind, Ingresses too)
    object_check: ObjectCheck | None = None
    kinds: frozenset[str] = frozenset()
    fix: str = ""  # FIXES: what --fix can do for its findings
    # reads other documents (the Context): run again on every object when any file changes;
    # the others' findings depend on their own object only (lint --fix keeps them)
    cross: bool = False


RULES: dict[str, Rule] = {}
ANY_KIND = "*"
# Rule.fix: "safe" (--fix), "unsafe" (--fix --unsafe-fixes), "safe or unsafe" (depends on the
# finding), "" (a person must). A fix is offered only where its edit is sure (lint_edit).
FIXES = ("", "safe", "unsafe", "safe or unsafe")


def rule(
    id: str,
    severity: str,
    title: str,
    *,
    nginx: bool = False,
    websocket: bool = False,
    chart: bool = True,
    providers: tuple[str, ...] = (),
    fix: str = "",
    cross: bool = False,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[id] = Rule(
            id,
            severity,
            title,
            check,
            nginx,
            websocket,
            chart,
            frozenset(providers),
            fix=fix,
            cross=cross,
        )
        return check

    return register


def object_rule(
    id: str, severity: str = "", title: str = "", *, kinds: tuple[str, ...], cross: bool = False
) -> Callable[[ObjectCheck], ObjectCheck]:
    """A rule about objects of `kinds`; with only an id, the objects' half of a rule that
    reads Ingresses too (WS701: BackendConfigs for GCE Ingresses, GCPBackendPolicies)."""

    def register(check: ObjectCheck) -> ObjectCheck:
        found = RULES.get(id)
        if found is None:
            found = Rule(id, severity, title)
        RULES[id] = replace(
            found, object_check=check, kinds=frozenset(kinds), cross=found.cross or cross
        )
        return check

    return register


RULES["WS001"] = Rule("WS001", "error", "a document that does not parse as YAML")
RULES["WS002"] = Rule("WS002", "error", "a mapping that repeats a key")


def check(
    view: View, options: Options, context: Context, cross: bool | None = None
) -> Iterator[Finding]:
    """Every rule that applies to `view` (those that read other documents, or the others:
    `cross`), as findings."""
    for item in RULES.values():
        if item.check is None or (item.chart is False and view.chart):
            continue
        if cross is not None and item.cross != cross:
            continue
        if (item.nginx and not view.nginx) or (item.websocket and view.websocket is None):
            continue
        if item.providers and view.provider not in item.providers:
            continue
        for hit in item.check(view, options, context):
            yield finding(
                item.id,
                hit.severity or item.severity,
                view.file,
                hit.node,
                hit.message,
                hit.hint,
                view.name,
                view.offset,
                hit.fix if view.source is not None else None,
            )


def check_object(
    resource: Resource, options: Options, context: Context, cross: bool | None = None
) -> Iterator[Finding]:
    """Every rule about objects of `resource`'s kind (see check: `cross`), as findings."""
    for item in RULES.values():
        if item.object_check is None or not (resource.kind in item.kinds or ANY_KIND in item.kinds):
            continue
        if cross is not None and item.cross != cross:
            continue
        for hit in item.object_check(resource, options, context):
            yield finding(
                item.id,
                hit.severity or item.severity,
                resource.file,
                hit.node,
                hit.message,
                hit.hint,
                resource.name,
                resource.offset,
                hit.fix if resource.source is not None else None,
            )


def _ws(view: View) -> str:
    if view.websocket == "--all":
        return "an Ingress (--all: taken to carry WebSockets)"
    return f"a WebSocket Ingress ({view.websocket})"


def _server(view: View) -> str:
    """Who reads an ingress-nginx Ingress's annotations, as messages name it."""
    return "Traefik's NGINX provider" if view.provider == TRAEFIK_NGINX else "ingress-nginx"


_ONLY_INGRESS_NGINX = (INGRESS_NGINX,)  # a claim about ingress-nginx that Traefik does not share


def _name(key: str) -> str:
    """An ingress-nginx annotation's name without its prefix."""
    return key[len(nginx.PREFIX) :]


def _nginx_annotations(view: View) -> Iterator[tuple[str, Node, Node, str]]:
    """(name without prefix, key node, value node, string value) of the
    nginx.ingress.kubernetes.io/ annotations whose value is a string (or empty: null, which
    the API server stores as "")."""
    for key, key_node, value_node in view.annotations:
        if key.startswith(nginx.PREFIX) and value_node.tag in (STR_TAG, NULL_TAG):
            raw = value_node.value if value_node.tag == STR_TAG else ""
            yield _name(key), key_node, value_node, raw


def _source(view: View, node: Node | None = None) -> Source | None:
    """view.source where a fix may edit the annotations: the annotations mapping written in
    place (not an alias of one written elsewhere, nor anchored), and `node`, a value, one of
    its own pairs (not merged in by `<<`: the edit would change every place merging it)."""
    source = view.source
    if source is None or view.annotations_node is None:
        return source
    holder = view.root if view.chart else value(view.root, "metadata")
    pair = fields(holder).get("annotations")
    if pair is None or pair[1] is not view.annotations_node or not edit.in_place(source, *pair):
        return None
    if node is not None and not edit.owns_value(view.annotations_node, node):
        return None
    return source


def _spec_in_place(view: View) -> bool:
    """Whether an Ingress's spec is written where it stands: not an alias other objects share,
    nor anchored or tagged (an edit there would change other objects too)."""
    spec = fields(view.root).get("spec")
    return (
        view.source is not None
        and spec is not None
        and spec[1] is view.spec
        and edit.in_place(view.source, *spec)
    )


def _renamed_to(view: View) -> set[str]:
    """The keys WS301's and WS302's fixes rename annotations to (a fix adding one of them
    would make a repeated key of the two)."""
    found = set()
    for key, _key_node, _value in view.annotations:
        problem = nginx.key_problem(key)
        if problem is not None and problem[0] == "unprefixed":
            found.add(nginx.PREFIX + key.removeprefix(nginx.OLD_PREFIX))
        elif problem is not None and problem[0] == "unknown":
            meant = nginx.meant(_name(key))
            if meant:
                found.add(nginx.PREFIX + meant)
    return found


# --- API versions and fields --------------------------------------------------------------------

_OLD_APIS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")


@rule("WS101", "error", "an Ingress apiVersion that is no longer served", chart=False)
def old_api(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if view.api_version is not None and text(view.api_version) in _OLD_APIS:
        yield Hit(
            view.api_version,
            f"apiVersion {text(view.api_version)} is not served since Kubernetes 1.22",
            "apiVersion: networking.k8s.io/v1 (backend.service.name, "
            "backend.service.port.number, pathType)",
        )


_V1BETA1_FIELDS = {
    "serviceName": "backend.service.name",
    "servicePort": "backend.service.port.number (or .name)",
}


@rule("WS102", "error", "v1beta1 fields: serviceName, servicePort, spec.backend", chart=False)
def old_fields(view: View, options: Options, context: Context) -> Iterator[Hit]:
    backends = [value(p.item, "backend") for p in view.paths]
    for backend in [*backends, value(view.spec, "backend")]:
        for name, (key, _value) in fields(backend).items():
            if name in _V1BETA1_FIELDS:
                yield Hit(key, f"{name} is a v1beta1 field", f"v1: {_V1BETA1_FIELDS[name]}")
    backend_pair = fields(view.spec).get("backend")
    if backend_pair is not None:
        yield Hit(backend_pair[0], "spec.backend is a v1beta1 field", "v1: spec.defaultBackend")


@rule("WS103", "error", "a networking.k8s.io/v1 path without pathType", chart=False, fix="safe")
def no_path_type(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if view.api_version is not None and text(view.api_version) in _OLD_APIS:
        return
    for path in view.paths:
        if path.path_type is None:
            fixed = None
            if (
                view.source is not None
                and view.spec is not None
                and _spec_in_place(view)
                and view.source.start(path.item) > view.source.start(view.spec)
            ):  # written in this spec (an alias of an item written before: other objects')
                # v1beta1's default, kept by the v1 conversion: what the path meant before
                found = fields(path.item).get("path")
                fixed = edit.fix(
                    "add pathType: ImplementationSpecific",
                    edit.insert_after(
                        view.source, path.item, *found, "pathType", "ImplementationSpecific"
                    )
                    if found
                    else edit.insert_first(
                        view.source, path.item, [("pathType", "ImplementationSpecific")]
                    ),
                )
            yield Hit(
                path.path_node or path.item,
                f"path {path.path or '(none)'} has no pathType: the API server rejects the Ingress",
                "pathType: Prefix (or Exact, ImplementationSpecific)",
                fix=fixed,
            )


@rule(
    "WS104",
    "error",
    "a Prefix or Exact path with characters Traefik's NGINX provider refuses: the whole Ingress "
    "is skipped (--controller traefik)",
    providers=(TRAEFIK_NGINX,),
)
def traefik_strict_path(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for path in view.paths:
        kind = text(value(path.item, "pathType"))  # path_type is its key
        if kind not in ("Prefix", "Exact") or not path.path or path.path_node is None:
            continue
        if not traefik.STRICT_PATH.fullmatch(path.path):
            yield Hit(
                path.path_node,
                f"path {path.path} with pathType {kind}: Traefik's NGINX provider (v3.7+, "
                "strictValidatePathType on by default) skips the whole Ingress for a path with "
                "characters other than letters, digits and '/._-'",
                "pathType: ImplementationSpecific for a regex path (with use-regex), or a plain "
                "prefix such as /ws",
            )


# --- objects pasted from a live cluster ----------------------------------------------------------

_KEEP_OUT = "remove it: kubectl get -o yaml shows the live object, not a manifest"
_LIVE_META = {
    "resourceVersion": (
        "the live object's version: the API server refuses to create an object that has one, "
        "and an apply with a stale one fails (the object has been modified)",
        "error",
    ),
    "uid": (
        "the live object's identity: once it is deleted and created again, or on another "
        "cluster, an update that carries it fails (Precondition failed: UID in precondition)",
        "error",
    ),
    "selfLink": ("set by the API server (and no longer at all since Kubernetes 1.20)", ""),
    "creationTimestamp": ("set by the API server; whatever the file says is ignored", ""),
    "generation": ("set by the API server; whatever the file says is ignored", ""),
    "managedFields": (
        "the API server's record of which manager set which field: applied, it replaces that "
        "record (server-side apply refuses it)",
        "",
    ),
}


def _empty(node: Node | None) -> bool:
    """Nothing in it but nulls, "" and empty collections (`status: {}`, `creationTimestamp:
    null`, as kubectl create --dry-run -o yaml writes them)."""
    if node is None:
        return True
    if isinstance(node, ScalarNode):
        return node.tag == NULL_TAG or node.value == ""
    if isinstance(node, MappingNode):
        return all(_empty(child) for _key, child in node.value)
    if isinstance(node, SequenceNode):
        return all(_empty(child) for child in node.value)
    return False


@object_rule(
    "WS105",
    "warning",
    "fields of a live object pasted into a manifest: status, metadata.uid, resourceVersion "
    "(error), selfLink, creationTimestamp, generation, managedFields; then a Service's "
    "clusterIP and nodePorts too",
    kinds=(ANY_KIND,),
)
def live_fields(resource: Resource, options: Options, context: Context) -> Iterator[Hit]:
    live = False
    for name, (key, node) in fields(resource.meta).items():
        said = _LIVE_META.get(name)
        if said is not None and not _empty(node):
            live = True
            yield Hit(key, f"metadata.{name} is {said[0]}", _KEEP_OUT, severity=said[1])
    status = fields(resource.root).get("status")
    if status is not None and not _empty(status[1]):
        live = True
        yield Hit(
            status[0],
            f"status is the live {resource.kind}'s, written by the cluster: the API server "
            "ignores it on apply, and in the repository it only goes stale",
            _KEEP_OUT,
        )
    if not live or resource.kind != "Service":
        return
    # Allocated by the cluster it was copied from: legitimate alone (clusterIP: None, a fixed
    # nodePort), but beside the live fields above they were pasted too.
    spec = value(resource.root, "spec")
    allocated = [
        (name, pair)
        for name in ("clusterIP", "clusterIPs", "healthCheckNodePort")
        for pair in [fields(spec).get(name)]
        if pair is not None and not _empty(pair[1]) and text(pair[1]) != "None"
    ]
    allocated += [
        ("ports[].nodePort", pair)
        for item in items(value(spec, "ports"))
        for pair in [fields(item).get("nodePort")]
        if pair is not None and not _empty(pair[1])
    ]
    for name, (key, _node) in allocated:
        yield Hit(
            key,
            f"spec.{name} was allocated by the cluster this Service was copied from (it has "
            "live fields): another cluster refuses or moves it, and it cannot be changed in place",
            "remove it; let the cluster allocate it",
        )


# --- timeouts -----------------------------------------------------------------------------------

_FIX_TIMEOUTS = (
    f'{nginx.READ_TIMEOUT}: "3600" and {nginx.SEND_TIMEOUT}: "3600" '
    "(wsgen render --timeout 3600 writes both)"
)


@rule(
    "WS201",
    "error",
    "a WebSocket Ingress without proxy-read-timeout",
    nginx=True,
    websocket=True,
    fix="unsafe",
)
def no_read_timeout(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if is_canary(view):
        return  # its timeouts are ignored: the main Ingress's apply (WS706)
    if view.annotation(nginx.READ_TIMEOUT) is None:
        fixed = _add_timeouts(view, options)
        if view.provider == TRAEFIK_NGINX:
            yield Hit(
                view.annotations_anchor,
                f"{_ws(view)} without {nginx.READ_TIMEOUT}: Traefik's NGINX provider closes "
                "idle connections after its proxyReadTimeout, 60 s unless set",
                f"{_FIX_TIMEOUTS}; provider-wide: providers.kubernetesIngressNGINX."
                "proxyReadTimeout and proxySendTimeout (Traefik does not read the ingress-nginx "
                "ConfigMap)",
                fix=fixed,
            )
            return
        yield Hit(
            view.annotations_anchor,
            f"{_ws(view)} without {nginx.READ_TIMEOUT}: ingress-nginx closes idle "
            "connections after 60 s",
            _FIX_TIMEOUTS,
            fix=fixed,
        )


def _wanted(options: Options) -> int:
    """The timeout a fix writes: --min-timeout, and never less than an hour (the hints')."""
    return max(options.min_timeout, 3600)


def _add_timeouts(view: View, options: Options) -> Fix | None:
    """WS201's fix: both timeouts at _wanted (unsafe: whether the Ingress carries WebSockets is
    lint's guess from its names), as the annotations' first pairs, or a new `annotations:`
    after the Ingress's name. A send timeout already there is kept."""
    source = _source(view)
    if source is None or _renamed_to(view) & {nginx.READ_TIMEOUT, nginx.SEND_TIMEOUT}:
        return None  # a renamed key is the timeout: the rename's fix comes first
    wanted = f'"{_wanted(options)}"'
    pairs = [(nginx.READ_TIMEOUT, wanted)]
    if view.annotation(nginx.SEND_TIMEOUT) is None:
        pairs.append((nginx.SEND_TIMEOUT, wanted))
    title = f"add {' and '.join(_name(k) for k, _ in pairs)}: {wanted}"
    if view.annotations_node is not None:
        return edit.fix(title, edit.insert_first(source, view.annotations_node, pairs), safe=False)
    holder = view.root if view.chart else value(view.root, "metadata")
    name = fields(holder).get("name")
    meta = fields(view.root).get("metadata")
    if view.chart or name is None or meta is None or not edit.in_place(source, *meta):
        return None  # metadata an alias shares (a Service's too), anchored or tagged
    return edit.fix(
        title, edit.insert_block_after(source, holder, *name, "annotations", pairs), safe=False
    )


def _timeouts(view: View) -> Iterator[tuple[str, Node, Node, str]]:
    for name, key, node, raw in _nginx_annotations(view):
        if name in nginx.TIMEOUTS:
            yield name, key, node, raw


@rule(
    "WS202",
    "error",
    "a read or send timeout at or below 60 s (error) or below --min-timeout (warning)",
    nginx=True,
    websocket=True,
    fix="unsafe",
)
def short_timeout(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if is_canary(view):
        return  # its timeouts are ignored: the main Ingress's apply (WS706)
    for hit in _short_timeouts(view, options):
        fixed = None
        source = _source(view, hit.node)
        if source is not None:
            raised = str(_wanted(options))
            fixed = edit.fix(
                f'raise it to "{raised}"',
                edit.replace_scalar(source, hit.node, raised),
                safe=False,
            )
        yield replace(hit, fix=fixed)


def _short_timeouts(view: View, options: Options) -> Iterator[Hit]:
    for name, _key, node, raw in _timeouts(view):
        number = nginx.atoi(raw)  # not int(): Go's reading (leading zeros, 64 bits)
        if name not in ("proxy-read-timeout", "proxy-send-timeout") or number is None:
            continue
        wanted = f'"{_wanted(options)}" or more, or heartbeats more often than that'
        if view.provider == TRAEFIK_NGINX and name == "proxy-read-timeout":
            deadline = traefik.read_deadline(number)
            if deadline is not None and traefik.wraps(number):
                if deadline >= options.min_timeout:
                    continue
                shown = f"{deadline:.2f}".rstrip("0").rstrip(".")
                yield Hit(
                    node,
                    f"{name} {raw}: Traefik's NGINX provider multiplies it into nanoseconds in "
                    f"Go's 64-bit int, which wraps around to {shown} s: {_ws(view)} is cut "
                    f"after {shown} s of silence",
                    wanted,
                    severity="error" if deadline <= nginx.DEFAULT_TIMEOUT else "warning",
                )
                continue
        if view.provider == TRAEFIK_NGINX and (
            traefik.read_deadline(number) is None or name == "proxy-send-timeout"
        ):
            # no deadline at all (0 or below, after the wrap: transport.go connWithTimeouts);
            # the send timeout is a per-write deadline that leaves an idle WebSocket open
            # (measured, targets.md)
            continue
        if number <= nginx.DEFAULT_TIMEOUT:
            yield Hit(
                node,
                f"{name} {raw}: {_ws(view)} is cut after {raw} s of silence",
                wanted,
            )
        elif number < options.min_timeout:
            yield Hit(
                node,
                f"{name} {raw} is below {options.min_timeout} s (--min-timeout): idle WebSockets "
                f"are cut after {raw} s",
                wanted,
                severity="warning",
            )


@rule(
    "WS203",
    "error",
    'a timeout that is not whole seconds ("3600s", "1h")',
    nginx=True,
    websocket=True,
    fix="safe or unsafe",
)
def timeout_units(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for hit in _timeout_units(view):
        meant = seconds(text(hit.node))
        fixed = None
        source = _source(view, hit.node)
        if source is not None and meant is not None and hit.hint == f'write "{meant}"':
            # safe unless what was meant is itself a pitfall: a short read or send timeout
            # (the controller's 60 s default applies now; "30" would cut WebSockets sooner), a
            # connect timeout nginx caps
            name = _name(next((k for k, _kn, v in view.annotations if v is hit.node), ""))
            short = name in ("proxy-read-timeout", "proxy-send-timeout") and (
                meant <= nginx.DEFAULT_TIMEOUT or meant < options.min_timeout
            )
            capped = name == "proxy-connect-timeout" and meant > nginx.MAX_CONNECT_TIMEOUT
            fixed = edit.fix(
                hit.hint,
                edit.replace_scalar(source, hit.node, str(meant)),
                safe=not (short or capped),
            )
        yield replace(hit, fix=fixed)


def _timeout_units(view: View) -> Iterator[Hit]:
    for name, _key, node, raw in _timeouts(view):
        traefik_nginx = view.provider == TRAEFIK_NGINX
        if nginx.is_integer(raw):
            continue
        meant = seconds(raw)
        fix = f'write "{meant}"' if meant is not None else 'whole seconds, e.g. "3600"'
        problem = "is not whole seconds"
        if nginx.is_digits(raw):  # out of range (ErrRange)
            problem, fix = "is beyond Go's 64-bit int", 'whole seconds, e.g. "3600"'
        if "${" in raw or "{{" in raw:
            fix = (
                "a placeholder: lint the file after substituting it "
                "(envsubst < FILE | wsgen lint -)"
            )
        if traefik_nginx:
            default = traefik.TIMEOUT_DEFAULTS[name]
            yield Hit(
                node,
                f'{name} "{raw}" {problem}: Traefik\'s NGINX provider reads it with '
                f"Go's strconv.Atoi, ignores it and uses its {traefik.TIMEOUT_OPTIONS[name]}, "
                + (f"{default} s unless set" if default else "no limit unless set"),
                fix,
            )
            continue
        yield Hit(
            node,
            f'{name} "{raw}" {problem}: ingress-nginx silently uses {nginx.TIMEOUTS[name]} instead',
            fix,
        )


@rule("WS204", "error", "an annotation value that is not a YAML string", fix="safe")
def not_a_string(view: View, options: Options, context: Context) -> Iterator[Hit]:
    yield from _not_strings(
        ((key, node) for key, _key_node, node in view.annotations),
        "Ingress",
        _source(view),
        view.annotations_node,
    )


@object_rule("WS204", kinds=("Service",))
def service_annotation_not_a_string(
    resource: Resource, options: Options, context: Context
) -> Iterator[Hit]:
    """WS204 for Services: a cloud load balancer's annotations are strings too."""
    found = fields(resource.meta).get("annotations")
    source = resource.source
    if source is not None and found is not None and not edit.in_place(source, *found):
        source = None  # an alias of a mapping written elsewhere
    pairs = fields(found[1] if found else None).items()
    yield from _not_strings(
        ((key, node) for key, (_key_node, node) in pairs),
        "Service",
        source,
        found[1] if found else None,
    )


# YAML 1.1 booleans, read by kubectl as true and false: quoted as the words the controllers read
_YAML_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "on", "On", "ON"), "true"),
    **dict.fromkeys(("no", "No", "NO", "off", "Off", "OFF"), "false"),
}


def _not_strings(
    pairs: Iterable[tuple[str, Node]], kind: str, source: Source | None, mapping: Node | None
) -> Iterator[Hit]:
    for key, node in pairs:
        if node.tag not in (STR_TAG, NULL_TAG):
            shown = text(node)
            meant = _YAML_BOOLEANS.get(shown or "", shown)
            hint = f'quote it: "{meant}"' if meant is not None else "write a string"
            fixed = None
            # 1_000, 0x1F: kubectl reads the number (1000, 31), the controller the text
            ambiguous = re.match(r"[-+]?(?:0[xXoObB]|[^_]*_)", shown or "") is not None
            if (
                source is not None
                and meant is not None
                and not ambiguous
                and edit.owns_value(mapping, node)
            ):
                fixed = edit.fix(hint, edit.quote(source, node, meant))
            yield Hit(
                node,
                f"{key}: {shown if shown is not None else 'this value'} is not a string; the API "
                f"server rejects the {kind} (annotation values are strings)",
                hint,
                fix=fixed,
            )


@rule(
    "WS205",
    "warning",
    "proxy-read-timeout without proxy-send-timeout",
    nginx=True,
    websocket=True,
    fix="safe",
)
def read_without_send(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if is_canary(view):
        return  # its timeouts are ignored: the main Ingress's apply
    read = view.annotation(nginx.READ_TIMEOUT)
    if read is not None and view.annotation(nginx.SEND_TIMEOUT) is None:
        meant = seconds(text(read[1]))
        fixed = None
        # the read timeout copied; not while it is short itself (WS202 would fire on the copy:
        # raising it is unsafe, and the next round of --fix --unsafe-fixes copies the result)
        source = _source(view)
        if (
            source is not None
            and meant is not None
            and meant > nginx.DEFAULT_TIMEOUT
            and meant >= options.min_timeout
            and nginx.SEND_TIMEOUT not in _renamed_to(view)
        ):
            said = edit.written(source, read[1]) or '"'
            value = f"'{meant}'" if said.startswith("'") else f'"{meant}"'
            fixed = edit.fix(
                f"add {nginx.SEND_TIMEOUT}: {value}",
                edit.insert_after(source, view.annotations_node, *read, nginx.SEND_TIMEOUT, value),
            )
        yield Hit(
            read[0],
            f"{nginx.READ_TIMEOUT} without {nginx.SEND_TIMEOUT}: a send blocked on a slow "
            "backend is still cut after 60 s",
            f'add {nginx.SEND_TIMEOUT}: "{meant or 3600}"',
            fix=fixed,
        )


@rule(
    "WS206",
    "info",
    "proxy-connect-timeout above 75 s (nginx caps it)",
    nginx=True,
    websocket=True,
    providers=_ONLY_INGRESS_NGINX,
)
def long_connect(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, _key, node, raw in _timeouts(view):
        number = nginx.atoi(raw)
        if (
            name == "proxy-connect-timeout"
            and number is not None
            and number > nginx.MAX_CONNECT_TIMEOUT
        ):
            yield Hit(
                node,
                f"proxy-connect-timeout {raw}: nginx waits at most about 75 s to connect, "
                "and this timeout does not keep idle WebSockets open",
                "leave it at the default (5) or a few seconds; raise proxy-read-timeout",
            )


_OWN_PROVIDER = (
    "Traefik's Kubernetes Ingress provider (class traefik) reads traefik.ingress.kubernetes.io/ "
    "annotations only"
)


@rule(
    "WS207",
    "info",
    "an ingress-nginx timeout on an Ingress of class traefik: not read, and Traefik does not cut "
    "idle WebSockets",
    providers=(TRAEFIK,),
)
def traefik_timeout(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, key, _node, _raw in _timeouts(view):
        yield Hit(
            key,
            f"{nginx.PREFIX}{name} does nothing here: {_OWN_PROVIDER}, and Traefik itself "
            "never cuts an idle upgraded WebSocket (its entry point timeouts stop at the upgrade)",
            "remove it; nothing to raise in Traefik. If idle WebSockets still drop, a load "
            "balancer in front cuts them: raise its idle timeout, or send heartbeats more often",
        )


# --- annotation names and values ----------------------------------------------------------------


def _key_problems(view: View, kind: str) -> Iterator[Hit]:
    for key, key_node, _value in view.annotations:
        problem = nginx.key_problem(key)
        if problem is not None and problem[0] == kind:
            yield Hit(key_node, f"{key} {problem[1]}")


@rule(
    "WS301",
    "error",
    "an nginx.ingress.kubernetes.io/ key ingress-nginx does not know",
    nginx=True,
    fix="unsafe",
)
def unknown_annotation(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for hit in _key_problems(view, "unknown"):
        meant = nginx.meant(_name(text(hit.node) or ""))
        fixed = None
        if meant == "":  # a made-up WebSocket switch: what it stands for needs nothing
            if _timed(view, hit.node):
                fixed = _remove_annotation(view, hit.node, f"remove {text(hit.node)}")
        elif meant is not None:  # a guess: unsafe
            fixed = _rename_annotation(view, hit.node, nginx.PREFIX + meant, options, safe=False)
        yield replace(hit, fix=fixed)


@rule(
    "WS302",
    "error",
    "a known annotation without its prefix, or with the old one",
    nginx=True,
    fix="safe or unsafe",
)
def unprefixed(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for hit in _key_problems(view, "unprefixed"):
        key = text(hit.node) or ""
        bare = key.removeprefix(nginx.OLD_PREFIX)
        # the old prefix is ingress-nginx's own (before 0.9); a bare name may be anyone's
        fixed = _rename_annotation(view, hit.node, nginx.PREFIX + bare, options, safe=bare != key)
        yield replace(hit, fix=fixed)


def _renamed_finds(view: View, key: Node, new: str, options: Options, safe: bool) -> bool:
    """Whether a rule other than WS301/WS302 finds the annotation once `key` is renamed `new`,
    and no fix of that finding would follow (one as safe as the rename)."""
    renamed = replace(
        view, annotations=[(new if k is key else n, k, v) for n, k, v in view.annotations]
    )
    pair = renamed.annotation(new)
    for item in RULES.values():
        if item.check is None or item.id in ("WS301", "WS302") or pair is None or item.cross:
            continue  # the rules that read other documents: said after the rename, if at all
        if (item.chart is False and view.chart) or (item.nginx and not view.nginx):
            continue
        if (item.websocket and view.websocket is None) or (
            item.providers and view.provider not in item.providers
        ):
            continue
        for hit in item.check(renamed, options, Context()):
            # a finding the next round fixes (as safely as the rename) is no new finding;
            # WS205's send timeout is copied once the read timeout is right (WS202's fix)
            if item.id == "WS205" or hit.node not in pair:
                continue
            if hit.fix is None or (safe and not hit.fix.safe):
                return True
    return False


def _timed(view: View, key: Node) -> bool:
    """Whether a WebSocket switch or snippet may go now: the Ingress has its read timeout, or
    something else says it carries WebSockets. Else it stays until WS201's fix is in (the next
    round): removed first, WS201 would no longer ask for the timeouts the Ingress needs."""
    reason = (view.websocket or "").split()  # "annotation KEY", "KEY sets Upgrade", "path /ws"
    return view.annotation(nginx.READ_TIMEOUT) is not None or text(key) not in reason


def _rename_annotation(
    view: View, key: Node, new: str, options: Options, safe: bool = True
) -> Fix | None:
    """A fix renaming an annotation key, unless the new one is there already or the
    controller, reading it under its new name, would find its value wrong (a connect timeout
    of 3600, "60s": the rename would make a new finding; a person decides)."""
    source = _source(view)
    if (
        source is None
        or view.annotation(new) is not None
        or _renamed_finds(view, key, new, options, safe)
    ):
        return None
    return edit.fix(
        f"rename it {new}",
        edit.rename_key(source, view.annotations_node, key, new),
        safe=safe,
    )


def _remove_annotation(view: View, key: Node, title: str, safe: bool = False) -> Fix | None:
    """A fix removing an annotation (its `annotations:` too, if it was the only one)."""
    pair = fields(view.annotations_node).get(text(key) or "")
    source = _source(view)
    if source is None or pair is None or pair[0] is not key:
        return None
    if not edit.in_place(source, *pair) or source.text[source.start(key)] in "&!":
        return None  # an anchor other places name (or a tag): removed, they would break
    holder = view.root if view.chart else value(view.root, "metadata")
    parent = fields(holder).get("annotations")
    fixed = edit.fix(
        title,
        edit.remove_pair(
            source,
            view.annotations_node,
            *pair,
            parent=(holder, *parent) if holder is not None and parent is not None else None,
        ),
        safe=safe,
    )
    if fixed is None or view.annotations_node is None:
        return None
    return replace(fixed, alone=source.start(view.annotations_node))


@rule("WS303", "warning", "nginx.org/ or nginx.com/ keys (F5's controller)", nginx=True)
def f5_keys(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for hit in _key_problems(view, "f5"):
        yield Hit(
            hit.node,
            hit.message,
            "ingress-nginx needs no annotation for WebSockets; its timeouts are "
            f"{nginx.READ_TIMEOUT} and proxy-send-timeout, in whole seconds",
        )


@rule(
    "WS304",
    "error",
    "a value the controller drops or rejects",
    nginx=True,
    providers=_ONLY_INGRESS_NGINX,
    fix="safe",
)
def bad_value(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, _key, node, raw in _nginx_annotations(view):
        if name in nginx.TIMEOUTS or name not in nginx.RISK:
            continue
        problem = nginx.value_problem(name, raw, websocket=view.websocket is not None)
        if problem is not None:
            fixed = None
            source = _source(view, node)
            if name == "proxy-http-version" and raw == "1.0" and source is not None:
                fixed = edit.fix('write "1.1"', edit.replace_scalar(source, node, "1.1"))
            yield Hit(node, f'{nginx.PREFIX}{name} "{raw}" {problem}', fix=fixed)


@rule(
    "WS305",
    "info",
    "an annotation Traefik's NGINX provider does not read where WebSockets then behave "
    "differently (--controller traefik)",
    nginx=True,
    providers=(TRAEFIK_NGINX,),
)
def traefik_unread(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, key, _node, _raw in _nginx_annotations(view):
        if name in traefik.UNREAD_WEBSOCKET:
            yield Hit(
                key,
                f"{name} is not read by Traefik's NGINX provider ({traefik.VERSION}): "
                f"{traefik.UNREAD_WEBSOCKET[name]}",
                "remove it once Traefik serves this Ingress for good",
            )


def _sticky(name: str, value: str) -> bool:
    return (name == "affinity" and value == "cookie") or name == "upstream-hash-by"


@rule(
    "WS306",
    "warning",
    "nginx.ingress.kubernetes.io/ annotations on an Ingress of class traefik (not read): "
    "sticky sessions lost (warning), the others (info)",
    providers=(TRAEFIK,),
)
def traefik_ignores_nginx(view: View, options: Options, context: Context) -> Iterator[Hit]:
    others: list[tuple[str, Node]] = []
    sticky = False
    for key, key_node, node in view.annotations:
        if not key.startswith(nginx.PREFIX) or _name(key) in nginx.TIMEOUTS:
            continue  # timeouts: WS207
        if _sticky(_name(key), text(node) or ""):
            sticky = True
            yield Hit(
                key_node,
                f"{key} does nothing here: {_OWN_PROVIDER}, so there are no sticky sessions (a "
                "client that reconnects, or socket.io's polling, can land on another pod)",
                f'on the Service: {traefik.STICKY_COOKIE}: "true"',
            )
        else:
            others.append((_name(key), key_node))
    if sticky:  # the cookie's details go with the warning
        others = [o for o in others if not o[0].startswith(("session-cookie-", "affinity-"))]
    if others:
        yield Hit(
            others[0][1],
            f"{_OWN_PROVIDER}; these do nothing here: {', '.join(name for name, _ in others)}",
            "Traefik proxies WebSockets without any annotation; express the rest as "
            "traefik.ingress.kubernetes.io/ annotations or Middlewares",
            severity="info",
        )


# --- snippets -----------------------------------------------------------------------------------


@rule(
    "WS401",
    "error",
    "a snippet that sets Upgrade or Connection",
    nginx=True,
    providers=_ONLY_INGRESS_NGINX,
    fix="unsafe",
)
def upgrade_snippet(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, key, _node, raw in _nginx_annotations(view):
        if name in nginx.SNIPPETS and nginx.sets_upgrade(raw):
            fixed = None
            if nginx.only_upgrade(raw) and _timed(view, key):  # nothing else in it is lost
                fixed = _remove_annotation(view, key, f"remove the {name}")
            yield Hit(
                key,
                f"{name} sets the Upgrade/Connection headers ingress-nginx already sets; a "
                "default install (v1.12+) rejects the whole Ingress for the snippet",
                "remove the snippet: WebSockets need no annotation but the timeouts",
                fix=fixed,
            )


@rule(
    "WS402",
    "warning",
    "a *-snippet annotation (risk Critical)",
    nginx=True,
    providers=_ONLY_INGRESS_NGINX,
)
def snippet(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, key, _node, raw in _nginx_annotations(view):
        if name in nginx.SNIPPETS and not nginx.sets_upgrade(raw):
            yield Hit(
                key,
                f"{name} is risk Critical: rejected by default since ingress-nginx v1.12 "
                "(allow-snippet-annotations is off; the 2025 IngressNightmare CVEs went "
                "through snippets)",
                "use a dedicated annotation, or move the setting to the controller's ConfigMap",
            )


@rule(
    "WS403",
    "warning",
    "a snippet on Traefik's NGINX provider: the Ingress is skipped unless allowSnippetAnnotations "
    "(warning), or it runs a directive Traefik does not support (error)",
    nginx=True,
    providers=(TRAEFIK_NGINX,),
)
def traefik_snippet(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for name, key, _node, raw in _nginx_annotations(view):
        if name not in traefik.SNIPPETS or raw == "":
            continue  # validateIngress: any other value, blank or not, skips the Ingress
        skipped = (
            f"{name}: Traefik's NGINX provider skips this whole Ingress unless its "
            "allowSnippetAnnotations option is on (default off)"
        )
        hint = (
            "remove the snippet: Traefik proxies WebSockets without one"
            if nginx.sets_upgrade(raw)
            else "use an annotation Traefik reads instead, or turn allowSnippetAnnotations on "
            "(it runs header, rewrite and access directives only)"
        )
        unsupported = traefik.unsupported_directives(raw)
        if name == "auth-snippet" and view.annotation(nginx.PREFIX + "auth-url") is None:
            # middleware.go buildSnippetAuth runs it only for an auth URL (this Ingress's, or a
            # provider-wide globalAuthURL lint cannot see): then only the skip applies
            unsupported = []
        if unsupported:
            if not nginx.sets_upgrade(raw):
                hint = (
                    "use an annotation Traefik reads instead (turning allowSnippetAnnotations on "
                    f"does not help: {', '.join(unsupported)} fails the routes)"
                )
            yield Hit(
                key,
                f"{skipped}, and even with it on its snippet middleware cannot run "
                f"{', '.join(unsupported)}: the Ingress's routes fail to build (404)",
                hint,
                severity="error",
            )
        else:
            yield Hit(key, skipped, hint)


# --- TLS ----------------------------------------------------------------------------------------


@rule("WS501", "warning", "a tls entry without secretName", chart=False)
def tls_without_secret(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for entry in view.tls:
        if not text(value(entry, "secretName")):
            yield Hit(
                entry,
                "this tls entry has no secretName: the controller serves its default "
                "certificate (ingress-nginx: a self-signed fake one)",
                "secretName: a kubernetes.io/tls Secret in the Ingress's namespace",
            )


def covers(pattern: str, host: str) -> bool:
    """Whether a TLS host (possibly *.wildcard) covers a rule host."""
    pattern, host = pattern.lower(), host.lower()
    if pattern == host:
        return True
    if pattern.startswith("*."):
        first, _dot, rest = host.partition(".")
        return bool(first) and first != "*" and rest == pattern[2:]
    return False


@rule("WS502", "warning", "TLS hosts and rule hosts that do not match", chart=False)
def tls_hosts(view: View, options: Options, context: Context) -> Iterator[Hit]:
    entries = [named(items(value(entry, "hosts"))) for entry in view.tls]
    if not entries or any(not hosts for hosts in entries):
        return  # no TLS, or an entry without hosts (the controller's default for every host)
    tls_hosts = [host for hosts in entries for host in hosts]
    if not view.hostless_rule:
        for host, node in tls_hosts:
            if not any(covers(host, rule_host) or host == rule_host for rule_host, _ in view.hosts):
                yield Hit(node, f"TLS host {host} is not the host of any rule", "")
    for host, node in view.hosts:
        if not any(covers(pattern, host) for pattern, _ in tls_hosts):
            yield Hit(
                node,
                f"rule host {host} is not in the Ingress's tls hosts: clients get the default "
                "certificate (wss:// fails verification)",
                f"add {host} to spec.tls[].hosts",
            )


# --- ingress classes ----------------------------------------------------------------------------

_GKE_CLASSES = ("gce", "gce-internal")  # GKE reads the annotation, not spec.ingressClassName


@rule(
    "WS601",
    "warning",
    "kubernetes.io/ingress.class annotation instead of ingressClassName",
    fix="safe",
)
def class_annotation(view: View, options: Options, context: Context) -> Iterator[Hit]:
    found = view.class_annotation
    if found is not None and text(found[1]) not in _GKE_CLASSES:
        where = "the chart's className value" if view.chart else "spec.ingressClassName"
        yield Hit(
            found[0],
            f"{nginx.CLASS_ANNOTATION} is deprecated since Kubernetes 1.18",
            f"{where}: {text(found[1])}",
            fix=_class_field(view, found[0], text(found[1]) or ""),
        )


def _class_field(view: View, key: Node, name: str) -> Fix | None:
    """WS601's fix: the annotation moved to spec.ingressClassName (a chart's className), when
    that is not set (it would win) and the class is a name the field takes."""
    removed = _remove_annotation(view, key, "", safe=True)
    if view.source is None or removed is None or view.class_node is not None:
        return None
    if view.class_annotation is None or view.class_annotation[1].tag != STR_TAG:
        return None  # yes, on: WS204 reads "true", the class would be "yes"
    if not _DNS_SUBDOMAIN.fullmatch(name) or (view.chart and "className" in fields(view.spec)):
        return None
    if not view.chart and not _spec_in_place(view):
        return None
    field_name = "className" if view.chart else "ingressClassName"
    added = edit.insert_first(view.source, view.spec, [(field_name, edit.as_value(name))])
    if added is None:
        return None
    return replace(removed, title=f"move it to {field_name}: {name}", edits=(*removed.edits, added))


_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


@rule("WS602", "info", "no ingress class at all", chart=False)
def no_class(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if view.ingress_class is None:
        yield Hit(
            view.spec_anchor,
            # pkg/provider/kubernetes/ingress shouldProcessIngress: ingressClass unset serves it
            "no ingressClassName and no class annotation: Traefik's Kubernetes Ingress provider "
            "serves it unless its ingressClass option is set, and so may any other controller "
            "that watches Ingresses without a class"
            if view.provider == TRAEFIK
            else "no ingressClassName and no class annotation: only a controller with a default "
            "IngressClass or --watch-ingress-without-class serves this Ingress",
            # only Traefik's annotations: Traefik's class, never nginx's
            f"spec.ingressClassName: {'traefik' if view.provider == TRAEFIK else 'nginx'}",
        )


# --- cloud load balancers, canary ---------------------------------------------------------------

_ALB_ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"
_ALB_IDLE = "idle_timeout.timeout_seconds"
_ALB_MAX_IDLE = cloud.ALB_IDLE.high


@rule(
    "WS701",
    "warning",
    "a WebSocket Ingress on AWS ALB or GCE whose load balancer cuts it first",
    websocket=True,
    cross=True,
)
def load_balancer(view: View, options: Options, context: Context) -> Iterator[Hit]:
    ingress_class = view.ingress_class
    wanted = min(options.min_timeout, _ALB_MAX_IDLE)
    if ingress_class == "alb":
        found = view.annotation(_ALB_ATTRIBUTES)
        attributes = (
            dict(part.strip().partition("=")[::2] for part in (text(found[1]) or "").split(","))
            if found
            else {}
        )
        idle = attributes.get(_ALB_IDLE, "").strip()
        seconds = whole_number(idle)
        if seconds is None or seconds < wanted:
            node = found[1] if found else view.annotations_anchor
            now = f"{_ALB_IDLE}={idle}" if idle else f"no {_ALB_IDLE} (default 60)"
            yield Hit(
                node,
                f"{_ws(view)} behind an AWS ALB with {now}: the ALB closes idle connections first",
                f"{_ALB_ATTRIBUTES}: {_ALB_IDLE}={wanted}",
            )
    elif ingress_class in _GKE_CLASSES:
        websocket = [p for p in view.paths if websocket_path(p)] or view.paths
        services = [s for p in websocket for s in p.services] or view.default_services
        for service, node in services:
            timeout = context.gke_timeout(view.namespace, service)
            if timeout is None or timeout < options.min_timeout:
                now = "no BackendConfig timeoutSec" if timeout is None else f"timeoutSec {timeout}"
                yield Hit(
                    node,
                    f"{_ws(view)} on GCE with {now} for Service {service}: the load balancer "
                    "ends every WebSocket after that long (default 30 s), busy or idle",
                    f"a BackendConfig with spec.timeoutSec: {options.min_timeout}, named in the "
                    "Service's cloud.google.com/backend-config annotation (lint them together)",
                )
                return


@rule("WS702", "info", "canary-by-header on a WebSocket route", nginx=True, websocket=True)
def canary_header(view: View, options: Options, context: Context) -> Iterator[Hit]:
    found = view.annotation(nginx.PREFIX + "canary-by-header")
    if found is not None:
        yield Hit(
            found[0],
            "canary-by-header: browser WebSocket clients cannot send custom headers, so they "
            "never reach the canary",
            "canary-by-cookie or canary-weight (chosen once, at the handshake)",
        )


@object_rule("WS701", kinds=("GCPBackendPolicy",), cross=True)
def gke_backend_policy(resource: Resource, options: Options, context: Context) -> Iterator[Hit]:
    """WS701 for GKE Gateways: a GCPBackendPolicy's timeoutSec, like a BackendConfig's, is the
    longest a backend's connection lives."""
    target = value(resource.root, "spec", "targetRef")
    service = text(value(target, "name"))
    if service is None or (text(value(target, "kind")) or "Service") != "Service":
        return
    reason = _websocket_service(context.service(resource.namespace, service), service, options)
    if reason is None:
        return
    spec_pair = fields(resource.root).get("spec")
    default_pair = fields(value(resource.root, "spec")).get("default")
    timeout_pair = fields(default_pair[1] if default_pair else None).get("timeoutSec")
    raw = text(timeout_pair[1]) if timeout_pair else None
    seconds = None if raw is None else whole_number(raw)
    if seconds is not None and seconds >= options.min_timeout:
        return
    # the value, or the key below which it is missing
    node = (
        timeout_pair[1]
        if timeout_pair is not None
        else (default_pair or spec_pair or (resource.root, resource.root))[0]
    )
    now = "no timeoutSec (30 s by default)" if raw is None else f"timeoutSec {raw}"
    yield Hit(
        node,
        f"GCPBackendPolicy for the WebSocket Service {service} ({reason}) with {now}: the GKE "
        "load balancer ends every WebSocket after that long, busy or idle",
        f"spec.default.timeoutSec: {options.min_timeout} (clients must still reconnect after it)",
    )


# --- Services of type LoadBalancer: the cloud load balancer in front -----------------------------

_WS_APP_PROTOCOLS = ("kubernetes.io/ws", "kubernetes.io/wss")
# The controllers whose Service is in front of the Ingresses they serve, by the
# app.kubernetes.io/name (or app) label or selector of their charts and manifests.
_CONTROLLER_SERVICES = {
    "ingress-nginx": (INGRESS_NGINX,),
    "traefik": (TRAEFIK_NGINX, TRAEFIK),
}
# The AWS Load Balancer Controller reconciles "external" and "nlb-ip" (its
# docs/guide/service/annotations.md); "nlb" is the in-tree cloud provider's NLB, with the same
# listeners, which reads no listener-attributes.
_AWS_NLB_TYPES = ("external", "nlb-ip", "nlb")
_IN_TREE_NLB = "nlb"
_AWS_NLB_CLASS = "service.k8s.aws/nlb"


def _ports(resource: Resource) -> list[tuple[str, str]]:
    """(port, name) of a Service's spec.ports."""
    return [
        (text(value(item, "port")) or "", text(value(item, "name")) or "")
        for item in items(value(resource.root, "spec", "ports"))
        if text(value(item, "port"))
    ]


def _websocket_service(service: Resource | None, name: str, options: Options) -> str | None:
    """Why a Service (read, or only named) is taken to carry WebSockets, or None."""
    if options.all:
        return "--all"
    if says_websocket(name):
        return f"Service {name}"
    for item in items(value(service.root, "spec", "ports")) if service else []:
        protocol = text(value(item, "appProtocol")) or ""
        if protocol in _WS_APP_PROTOCOLS:
            return f"appProtocol {protocol}"
        port_name = text(value(item, "name")) or ""
        if says_websocket(port_name):
            return f"port {port_name}"
    return None


def _load_balancer(resource: Resource) -> bool:
    return text(value(resource.root, "spec", "type")) == "LoadBalancer"


def _lb_annotation(resource: Resource, key: str) -> tuple[Node, Node] | None:
    found = resource.annotation(key)
    if found is None and key.startswith(cloud.ALIBABA):
        found = resource.annotation(cloud.ALIBABA_LEGACY + key.removeprefix(cloud.ALIBABA))
    return found


def _annotation_keys(resource: Resource) -> list[str]:
    return list(fields(value(resource.meta, "annotations")))


def _cloud(resource: Resource) -> str:
    """The load balancer a LoadBalancer Service gets, as far as its class and annotations say:
    a cloud.PROVIDERS name, "huawei", "azure", or "" (unknown: an AWS Classic ELB, a cloud
    without annotations)."""
    lb_class = text(value(resource.root, "spec", "loadBalancerClass")) or ""
    if lb_class:
        for provider in cloud.PROVIDERS.values():
            if provider.load_balancer_class == lb_class:
                return provider.name
        return "aws" if lb_class == _AWS_NLB_CLASS else ""
    keys = _annotation_keys(resource)
    aws_type = _lb_annotation(resource, cloud.AWS + "type")
    if aws_type is not None and text(aws_type[1]) in _AWS_NLB_TYPES:
        return "aws"
    for prefix, name in (
        (cloud.ALIBABA, "alibaba"),
        (cloud.ALIBABA_LEGACY, "alibaba"),
        (cloud.HUAWEI, "huawei"),
        (cloud.AZURE, "azure"),
    ):
        if any(key.startswith(prefix) for key in keys):
            return name
    return ""


@dataclass(frozen=True)
class _Idle:
    """How long one listener of a Service's load balancer holds an idle connection."""

    ports: tuple[str, ...]
    listener: cloud.Listener
    key: str  # the annotation that sets it ("" when it cannot be set)
    found: tuple[Node, Node] | None  # that annotation, if written
    seconds: int | None  # None: the annotation's value is not a number (WS705 says so)


def _listed(raw: str | None, port: str, name: str) -> bool:
    """Whether aws-load-balancer-ssl-ports makes a port a TLS one: without it every port is;
    with it, the ports it names by number or name (the controller's docs: `*` matches none)."""
    if raw is None:
        return True
    entries = [part.strip() for part in raw.split(",")]
    return port in entries or (bool(name) and name in entries)


def _idles(resource: Resource) -> list[_Idle]:
    """The idle timeouts of a LoadBalancer Service's listeners, one per annotation."""
    where = _cloud(resource)
    aws_type = _lb_annotation(resource, cloud.AWS + "type")
    in_tree = aws_type is not None and text(aws_type[1]) == _IN_TREE_NLB
    by_key: dict[str, _Idle] = {}
    for port, name in _ports(resource):
        if where:
            provider = cloud.PROVIDERS[where]
            listener = provider.tcp
            if provider.tls is not None and provider.protocol_port_key:
                protocols = _lb_annotation(resource, provider.protocol_port_key)
                said = text(protocols[1]) if protocols else ""
                if any(
                    part.strip().partition(":")[::2] in (("http", port), ("https", port))
                    for part in (said or "").split(",")
                ):
                    listener = provider.tls
            elif provider.tls is not None and _lb_annotation(resource, provider.cert_key):
                ssl_ports = _lb_annotation(resource, cloud.AWS + "ssl-ports")
                if _listed((text(ssl_ports[1]) or "") if ssl_ports else None, port, name):
                    listener = provider.tls
        else:
            continue
        key = listener.key + (f"{listener.per_port}-{port}" if listener.per_port else "")
        slot = key or listener.what
        if slot in by_key:
            by_key[slot] = replace(by_key[slot], ports=(*by_key[slot].ports, port))
            continue
        found = _lb_annotation(resource, key) if listener.key else None
        held: int | None = listener.default
        number = cloud.idle_text(listener, text(found[1]) or "") if found else None
        if number is not None and in_tree and listener.per_port:
            found, number = None, None  # the in-tree provider reads no listener-attributes
        if number is not None:  # written: out of range or not a number is WS705's
            whole = whole_number(number)
            held = None if whole is None else whole * listener.unit
            if held is not None and not listener.low <= held <= listener.high:
                held = None
        by_key[slot] = _Idle((port,), listener, key, found, held)
    return list(by_key.values())


def _behind(resource: Resource, options: Options, context: Context) -> tuple[int, View] | None:
    """The longest idle WebSocket the Ingresses behind a controller's LoadBalancer Service
    keep (their proxy-read-timeout; Traefik's own provider never cuts one: --min-timeout),
    with the Ingress that keeps it; None when it is not a controller's Service, or none of
    the Ingresses read is a WebSocket one."""
    labels = [value(resource.meta, "labels"), value(resource.root, "spec", "selector")]
    names = {
        text(value(node, key)) or "" for node in labels for key in ("app.kubernetes.io/name", "app")
    }
    served = frozenset(
        provider
        for name, providers in _CONTROLLER_SERVICES.items()
        if any(found == name or found.endswith("-" + name) for found in names)
        for provider in providers
    )
    if served not in context.longest_idle:
        context.longest_idle[served] = _longest_idle(served, options, context)
    return context.longest_idle[served]


def _longest_idle(
    served: frozenset[str], options: Options, context: Context
) -> tuple[int, View] | None:
    longest: tuple[int, View] | None = None
    for view in context.ingresses:
        if view.websocket is None or view.provider not in served:
            continue
        if view.provider == TRAEFIK:
            held = options.min_timeout
        else:
            read = view.annotation(nginx.READ_TIMEOUT)
            raw = text(read[1]) if read else None
            number = nginx.atoi(raw) if raw is not None else None
            if number is None:
                continue  # the 60 s default, or WS201/WS203's business
            held = number
        if longest is None or held > longest[0]:
            longest = (held, view)
    return longest


def _ports_said(ports: tuple[str, ...]) -> str:
    return f"port{'s' if len(ports) > 1 else ''} {', '.join(ports)}"


@object_rule(
    "WS703",
    "warning",
    "a cloud load balancer in front (the ingress controller's LoadBalancer Service) whose idle "
    "timeout, set or its default, is below the WebSocket Ingresses' read timeout",
    kinds=("Service",),
    cross=True,
)
def load_balancer_in_front(resource: Resource, options: Options, context: Context) -> Iterator[Hit]:
    if not _load_balancer(resource):
        return
    behind = _behind(resource, options, context)
    if behind is None:
        return
    wanted, view = behind
    timeout = (
        "never cut by Traefik's own provider"
        if view.provider == TRAEFIK
        else f"{_name(nginx.READ_TIMEOUT)} {wanted}"
    )
    short = [i for i in _idles(resource) if i.seconds is not None and i.seconds < wanted]
    unset: dict[str, list[_Idle]] = {}
    for idle in short:
        if idle.listener.fixed:
            continue  # WS704
        if idle.found is None:
            unset.setdefault(idle.listener.what, []).append(idle)
            continue
        seconds = idle.seconds or 0  # `short` holds only known ones
        if seconds >= idle.listener.high:  # at its most: only pings keep it open
            ping = cloud.ping_interval(seconds)
            yield Hit(
                idle.found[1],
                f"the {idle.listener.what} in front ({_ports_said(idle.ports)}) is at its most, "
                f"{idle.seconds} s, below the WebSocket Ingress {view.name} behind it "
                f"({timeout}): the app must send a WebSocket ping at least every {ping} s",
                f"check: wsgen probe --ping-interval {ping} URL",
                severity="info",
            )
            continue
        yield Hit(
            idle.found[1],
            f"the {idle.listener.what} in front ({_ports_said(idle.ports)}) closes idle "
            f"connections after {idle.seconds} s, before the WebSocket Ingress {view.name} "
            f"behind it does ({timeout})",
            _raise(idle, wanted),
        )
    aws_type = _lb_annotation(resource, cloud.AWS + "type")
    in_tree = aws_type is not None and text(aws_type[1]) == _IN_TREE_NLB
    for what, idles in unset.items():
        ports = tuple(port for idle in idles for port in idle.ports)
        hint = "; ".join(_raise(idle, wanted) for idle in idles)
        if in_tree:
            hint = (
                f"{cloud.AWS}type: external (the AWS Load Balancer Controller, v2.9.0+: the "
                f"in-tree provider's nlb reads no listener-attributes), and {hint}"
            )
        yield Hit(
            resource.annotations_anchor,
            f"the {what} in front ({_ports_said(ports)}) closes idle connections after "
            f"{idles[0].seconds} s (its default: no idle annotation), before the WebSocket "
            f"Ingress {view.name} behind it does ({timeout})",
            hint,
        )


def _raise(idle: _Idle, wanted: int) -> str:
    """The annotation that raises an idle timeout towards `wanted`, and, if it cannot reach
    it, how often the app must ping."""
    fitted = cloud.fit(idle.listener, wanted, "", explicit=False)
    said = f'{idle.key}: "{fitted.value}"'
    if fitted.capped:
        said += (
            f" (its most; the app must then send a WebSocket ping at least every "
            f"{cloud.ping_interval(fitted.seconds)} s)"
        )
    return said


@object_rule(
    "WS704",
    "warning",
    "an AWS NLB TLS listener (aws-load-balancer-ssl-cert) carrying WebSockets: its idle timeout "
    "is fixed at 350 s",
    kinds=("Service",),
    cross=True,
)
def nlb_tls(resource: Resource, options: Options, context: Context) -> Iterator[Hit]:
    if not _load_balancer(resource) or _cloud(resource) != "aws":
        return
    cert = _lb_annotation(resource, cloud.PROVIDERS["aws"].cert_key)
    if cert is None:
        return
    behind = _behind(resource, options, context)
    reason = (
        f"in front of the WebSocket Ingress {behind[1].name}"
        if behind is not None
        else _websocket_service(resource, text(value(resource.meta, "name")) or "", options)
    )
    if reason is None:
        return
    tls = [idle for idle in _idles(resource) if idle.listener.fixed]
    if not tls:
        return
    listener = tls[0].listener
    ports = tuple(port for idle in tls for port in idle.ports)
    ping = cloud.ping_interval(listener.default)
    ssl_ports = _lb_annotation(resource, cloud.AWS + "ssl-ports")
    yield Hit(
        (ssl_ports or cert)[1],
        f"the {listener.what} ({_ports_said(ports)}; {reason}) closes a connection idle for "
        f"{listener.default} s, and that cannot be raised: longer silent WebSockets are cut",
        f"the app must send a WebSocket ping at least every {ping} s (check: wsgen probe "
        f"--ping-interval {ping} wss://HOST/PATH); or end TLS in the cluster, behind a TCP "
        "listener (tcp.idle_timeout.seconds up to 6000)",
    )


def _out_of_range(listener: cloud.Listener, key: str, node: Node) -> Iterator[Hit]:
    number = cloud.idle_text(listener, text(node) or "")
    if number is None:
        return
    span = listener.span()
    whole = whole_number(number)
    if whole is None:
        yield Hit(
            node,
            f"{key} {text(node)!r}: {number!r} is not a whole number "
            f"({'minutes' if listener.unit == 60 else 'seconds'}) for the {listener.what}",
            f"a whole number in {span}",
        )
    elif not listener.low <= whole * listener.unit <= listener.high:
        shown = f"{number} minutes" if listener.unit == 60 else f"{number} s"
        yield Hit(
            node,
            f"{key} {text(node)!r}: {shown} is outside the {listener.what}'s idle timeout range "
            f"({span}): the provider's API refuses it",
            f"a value in {span}",
        )


@rule(
    "WS705",
    "error",
    "a load balancer idle timeout outside the provider's documented range (Services, and an "
    "Ingress's AWS ALB or Huawei ELB annotations)",
)
def idle_range(view: View, options: Options, context: Context) -> Iterator[Hit]:
    for listener in (cloud.ALB_IDLE, cloud.HUAWEI_INGRESS_IDLE):
        found = view.annotation(listener.key)
        if found is not None:
            yield from _out_of_range(listener, listener.key, found[1])


@object_rule("WS705", kinds=("Service",))
def service_idle_range(resource: Resource, options: Options, context: Context) -> Iterator[Hit]:
    lb_class = text(value(resource.root, "spec", "loadBalancerClass")) or ""
    for key, (_key, node) in fields(value(resource.meta, "annotations")).items():
        listener = cloud.service_listener(key, lb_class)
        if listener is not None and isinstance(node, ScalarNode):
            yield from _out_of_range(listener, key, node)


# --- canary Ingresses (ingress-nginx's canary annotations) ---------------------------------------
# Facts from kubernetes/ingress-nginx v1.15.1: internal/ingress/controller/controller.go
# (createServers and getBackendServers skip a canary Ingress's own locations, so its traffic is
# served by the main Ingress's location, with the main's timeouts; mergeAlternativeBackends
# joins it to the location of the same host, path and pathType, or deletes it; a canary whose
# Service is the main's own is not merged; mergeAlternativeBackend copies the main's session
# affinity to it unless affinity-canary-behavior is "legacy"; a second canary for one host and
# path is joined too, and the admission webhook's checkOverlap lets it through: it compares
# with the locations' Ingresses, never a canary), rootfs/etc/nginx/lua/balancer.lua
# (route_to_alternative_balancer: one canary per location, a request affinitized to either
# version stays there, then header, cookie, weight), internal/ingress/annotations/canary/main.go
# (canary-* annotations without canary "true": "configured but not enabled", all ignored).
# Traefik v3.7's NGINX provider (pkg/provider/kubernetes/ingress-nginx/build.go, translator.go)
# does the same by the same keys, within one namespace.

_CANARY = nginx.PREFIX + "canary"
_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # Go's strconv.ParseBool
# what makes canary/main.go refuse a non-canary ("configured but not enabled"): a weight above
# 0, or any of the others not empty (canary-weight-total alone is not among them)
_CANARY_KEYS = tuple(
    nginx.PREFIX + name
    for name in ("canary-weight", "canary-by-header", "canary-by-header-value",
                 "canary-by-header-pattern", "canary-by-cookie")
)  # fmt: skip


def is_canary(view: View) -> bool:
    found = view.annotation(_CANARY)
    return found is not None and text(found[1]) in _TRUE


def _path_key(path: HttpPath, provider: str) -> tuple[str, str, str]:
    """What ingress-nginx matches a canary's path to its main's by: host, path ("" is "/"),
    pathType (Prefix unless given; ingress-nginx's store also makes ImplementationSpecific
    Prefix: k8s.SetDefaultNGINXPathType)."""
    path_type = text(value(path.item, "pathType")) or "Prefix"
    if provider == INGRESS_NGINX and path_type == "ImplementationSpecific":
        path_type = "Prefix"
    return path.host or "", path.path or "/", path_type


def _same_controller(a: View, b: View) -> bool:
    """Whether one controller serves both, and (Traefik's provider) in one namespace; a missing
    namespace matches any (such files are applied with kubectl -n)."""
    if a.provider != b.provider or a.ingress_class != b.ingress_class:
        return False
    return (
        a.provider != TRAEFIK_NGINX
        or not (a.namespace and b.namespace)
        or (a.namespace == b.namespace)
    )


def _same_path(view: View, path: HttpPath, context: Context) -> list[tuple[View, HttpPath]]:
    """The paths of Ingresses (canary or not, `view` too) with `path`'s provider, class, host,
    path and pathType, in file order (an index made once: a scan per canary is quadratic)."""
    if context.ingress_paths is None:
        context.ingress_paths = {}
        for other in context.ingresses:
            for other_path in [] if other.chart else other.paths:
                key = (other.provider, other.ingress_class, *_path_key(other_path, other.provider))
                context.ingress_paths.setdefault(key, []).append((other, other_path))
    key = (view.provider, view.ingress_class, *_path_key(path, view.provider))
    return context.ingress_paths.get(key, [])


def _mains(view: View, path: HttpPath, context: Context) -> list[tuple[View, HttpPath]]:
    """The paths of non-canary Ingresses that a canary's `path` joins."""
    return [
        (other, other_path)
        for other, other_path in _same_path(view, path, context)
        if other is not view and _same_controller(view, other) and not is_canary(other)
    ]


def _chart_main(view: View, path: HttpPath, context: Context) -> bool:
    """Whether an ingress section of chart values linted with it may render the canary's main
    (its template decides the pathType when the values do not say it)."""
    host, shown, path_type = _path_key(path, view.provider)
    for other in context.ingresses:
        if not other.chart or not _same_controller(view, other):
            continue
        for other_path in other.paths:
            theirs = _path_key(other_path, view.provider)
            given = isinstance(other_path.item, MappingNode) and value(other_path.item, "pathType")
            if theirs[:2] == (host, shown) and (not given or theirs[2] == path_type):
                return True
    return False


def _service(path: HttpPath) -> tuple[str, str]:
    """A path's backend Service and port (number or name), as ingress-nginx names upstreams."""
    port = value(path.item, "backend", "service", "port")
    number = text(value(port, "number")) or text(value(port, "name")) or ""
    return (path.services[0][0] if path.services else ""), number


@rule(
    "WS706",
    "info",
    "a canary Ingress whose timeouts are shorter than its main Ingress's (ignored while it is a "
    "canary)",
    nginx=True,
    chart=False,
    cross=True,
)
def canary_timeouts(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if not is_canary(view):
        return
    mains = [main for path in view.paths for main, _path in _mains(view, path, context)]
    if not mains:
        return  # WS708
    main = mains[0]
    for key in (nginx.READ_TIMEOUT, nginx.SEND_TIMEOUT):
        own, theirs = view.annotation(key), main.annotation(key)
        mine = whole_number(text(own[1]) or "") if own else None
        held = whole_number(text(theirs[1]) or "") if theirs else nginx.DEFAULT_TIMEOUT
        if own is None or mine is None or held is None or mine >= held:
            continue
        yield Hit(
            own[1],
            f"{_name(key)} {mine} on a canary Ingress, below its main Ingress {main.name}'s "
            f"{held}: {_server(view)} ignores a canary's timeouts (the canary's WebSockets are "
            f"served in the main's location and keep its {held} s), so this one does nothing "
            f"now, and cuts idle WebSockets at {mine} s the day this Ingress stops being a "
            "canary (promoted by removing its canary annotation)",
            f'{_name(key)}: "{held}", the main Ingress\'s',
        )


@rule(
    "WS707",
    "warning",
    "a weighted canary without session affinity in front of a socket.io path (long polling "
    "splits one client across versions)",
    nginx=True,
    chart=False,
    cross=True,
)
def canary_without_affinity(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if not is_canary(view):
        return
    weight_found = view.annotation(nginx.PREFIX + "canary-weight")
    total_found = view.annotation(nginx.PREFIX + "canary-weight-total")
    weight = nginx.atoi(text(weight_found[1]) or "") if weight_found else None
    total = nginx.atoi(text(total_found[1]) or "") if total_found else None
    total = max(total or 0, 100)  # balancer.lua: a total below 100 is 100
    if weight_found is None or weight is None or not 0 < weight < total:
        return  # no split: nothing, or everyone, by weight
    behavior = view.annotation(nginx.PREFIX + "affinity-canary-behavior")
    legacy = (
        behavior is not None and text(behavior[1]) == "legacy" and view.provider == INGRESS_NGINX
    )  # Traefik's provider has only the sticky behaviour
    for path in view.paths:
        if "socket.io" not in (path.path or "").lower():
            continue
        mains = _mains(view, path, context)
        if not mains:
            continue  # WS708
        main = mains[0][0]
        affinity = main.annotation(nginx.PREFIX + "affinity")
        if affinity is not None and text(affinity[1]) == "cookie" and not legacy:
            continue
        why = (
            "affinity-canary-behavior legacy drops the main Ingress's affinity for the canary"
            if legacy and affinity is not None
            else f"its main Ingress {main.name} has no cookie affinity"
        )
        yield Hit(
            weight_found[1],
            f"canary-weight {weight} in front of {path.path} and {why}: each request of a "
            "Socket.IO client (the long-polling handshake, then the upgrade) is weighed anew, "
            "so one client can be split across the two versions",
            "remove affinity-canary-behavior (sticky is the default)"
            if legacy and affinity is not None
            else f'{nginx.PREFIX}affinity: "cookie" on the main Ingress (the canary follows it)',
        )
        return


@rule(
    "WS708",
    "warning",
    "a canary Ingress that ingress-nginx ignores: no main Ingress for its host and path among "
    'the files linted, the main\'s own Service, or canary-* annotations without canary: "true"',
    nginx=True,
    chart=False,
    cross=True,
)
def ignored_canary(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if not is_canary(view):
        for key, key_node, node in view.annotations:
            raw = text(node) or ""
            said = (nginx.atoi(raw) or 0) > 0 if key == _CANARY_KEYS[0] else raw != ""
            if key in _CANARY_KEYS and said:
                shown = f'{_name(key)} without canary: "true"'
                found = view.annotation(_CANARY)
                if found is not None:
                    shown = f"{_name(key)} with canary: {text(found[1])!r}"
                yield Hit(
                    key_node,
                    f"{shown}: {_server(view)} ignores every canary annotation of this Ingress "
                    '("configured but not enabled") and serves it as a main Ingress',
                    f'{_CANARY}: "true"',
                )
                return
        return
    for path in view.paths:
        node = path.path_node or path.item
        mains = _mains(view, path, context)
        host, shown_path, path_type = _path_key(path, view.provider)
        if not mains and not _chart_main(view, path, context):
            yield Hit(
                node,
                f"a canary for host {host or '*'} and path {shown_path} ({path_type}) with no "
                f"main Ingress (not a canary, class {view.ingress_class or 'unset'}) for them "
                f"among the files linted: {_server(view)} ignores this canary",
                "the main Ingress's host, path and pathType exactly (lint them together)",
            )
        if not mains:
            continue
        main = mains[0][0]
        apart = bool(view.namespace and main.namespace and view.namespace != main.namespace)
        if _service(path) == _service(mains[0][1]) and not apart:  # upstreams: <ns>-<svc>-<port>
            yield Hit(
                path.services[0][1] if path.services else node,
                f"a canary whose backend is its main Ingress {mains[0][0].name}'s own Service "
                f"{_service(path)[0]}: {_server(view)} ignores it",
                "the Service of the canary's own pods",
            )


@rule(
    "WS709",
    "error",
    "two canary Ingresses for one host and path (ingress-nginx takes one at most)",
    nginx=True,
    chart=False,
    cross=True,
)
def second_canary(view: View, options: Options, context: Context) -> Iterator[Hit]:
    if not is_canary(view):
        return
    for path in view.paths:
        key = _path_key(path, view.provider)
        first = None
        for other, _other_path in _same_path(view, path, context):
            if other is view:
                break  # only the canaries before this one
            if is_canary(other) and _same_controller(view, other):
                first = other
                break
        if first is None:
            continue
        yield Hit(
            path.path_node or path.item,
            f"a second canary for host {key[0] or '*'} and path {key[1]}, besides {first.name}: "
            "ingress-nginx accepts both but routes by one only (balancer.lua reads the first "
            "alternative backend: the older Ingress by creationTimestamp), so the other gets "
            "no traffic and its weight, cookie and header do nothing",
            "one canary Ingress per host and path (weight, cookie and header together)",
        )
        return
