"""Test oracle: is a custom resource valid against its project's official CRD, as the API server sees it?

The CRDs are third-party files read from ``../shared/crds`` beside the clone (``WSGEN_CRDS`` overrides);
the project never copies them. Missing, a check skips locally and fails in CI (``oracles.missing``).

What "valid" means here, in the order the API server does it:
1. the CRD is found by the apiVersion's group and the kind, and the apiVersion's version is in it and served;
2. defaults of the served version's ``openAPIV3Schema`` are applied (CEL rules see them, as on the server);
3. structural-schema checks: types, ``required``, ``enum``, ``pattern``, formats the server enforces,
   minimum/maximum, lengths, item and property counts, ``x-kubernetes-int-or-string``, the junctors
   (``anyOf``/``oneOf``/``allOf``/``not``), ``x-kubernetes-list-type`` set/map uniqueness, and, like strict
   field validation (``kubectl apply --validate=strict``), an unknown field is a problem unless
   ``x-kubernetes-preserve-unknown-fields`` covers it; ObjectMeta is checked minimally (name, namespace,
   labels, annotations, no unknown field);
4. every ``x-kubernetes-validations`` CEL rule, at the node that declares it (``self`` = that value).
   Transition rules (they read ``oldSelf``: only an update has one) are skipped and counted; a rule that
   cannot be evaluated is a problem, never a pass.

The keyword part is the ``jsonschema`` library's Draft 4 validator (the dialect of OpenAPI v3 schemas), run
node by node; the structure (unknown fields, defaults, list types, CEL) is walked here.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import itertools
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from celpy import celtypes
from celpy.evaluation import CELEvalError

import oracles

ROOT = Path(__file__).resolve().parent.parent
CRDS_DIR = (
    Path(os.environ["WSGEN_CRDS"])
    if os.environ.get("WSGEN_CRDS")
    else ROOT.parent / "shared" / "crds"
)
CHANNELS = ("standard", "experimental")  # Gateway API's two sets of CRDs; standard unless asked

# Kinds the API server knows without a CRD: validated by kubernetes-validate, skipped here. A CRD's group
# always has a dot, so a dotless group (core "", apps, batch, policy, autoscaling...) is built in.
BUILTIN_GROUPS = frozenset(
    f"{name}.k8s.io"
    for name in [
        "admissionregistration",
        "apiextensions",
        "apiregistration",
        "authentication",
        "authorization",
        "certificates",
        "coordination",
        "discovery",
        "events",
        "flowcontrol.apiserver",
        "internal.apiserver",
        "networking",
        "node",
        "rbac.authorization",
        "resource",
        "scheduling",
        "storage",
        "storagemigration",
    ]
)
# kustomization.yaml is read by kustomize and never sent to a cluster: it has no CRD.
NOT_SENT = frozenset({"kustomize.config.k8s.io"})

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Report:
    problems: list[str]
    transition_rules_skipped: int  # rules reading oldSelf, declared at a node present in the object


def problems(doc: dict[str, Any], channel: str = "standard") -> list[str]:
    """[] when `doc` is a valid custom resource, else one line per problem, each naming its field path."""
    return validate(doc, channel).problems


def check_all(yaml_text: str, channel: str = "standard") -> None:
    """Every custom resource of a YAML stream is valid; built-in kinds are left to kubernetes-validate."""
    found: list[str] = []
    for number, doc in enumerate(yaml.load_all(yaml_text, Loader=_Loader), start=1):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            found.append(f"document {number}: not a mapping but {type(doc).__name__}")
            continue
        if is_builtin(doc):
            continue
        name = (
            doc.get("metadata", {}).get("name") if isinstance(doc.get("metadata"), dict) else None
        )
        label = f"document {number} ({doc.get('kind')} {name})"
        found.extend(f"{label}: {line}" for line in problems(doc, channel))
    if found:
        raise AssertionError("custom resources the API server would refuse:\n" + "\n".join(found))


def is_builtin(doc: dict[str, Any]) -> bool:
    group = _group(doc.get("apiVersion"))
    return group is not None and ("." not in group or group in BUILTIN_GROUPS or group in NOT_SENT)


def validate(doc: dict[str, Any], channel: str = "standard") -> Report:
    out: list[str] = []
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    group = _group(api_version)
    if group is None or not isinstance(kind, str) or not kind:
        return Report(
            [f"apiVersion/kind: {api_version!r}/{kind!r} is not a group/version and a kind"], 0
        )
    version = str(api_version).rpartition("/")[2]
    crd = _index(CRDS_DIR, channel).get((group, kind))
    if crd is None:
        where = (
            f"{CRDS_DIR} ({channel} channel)"
            if group.startswith("gateway.networking.")
            else CRDS_DIR
        )
        return Report(
            [f"apiVersion/kind: no CustomResourceDefinition for {kind}.{group} in {where}"], 0
        )
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    if version not in versions:
        return Report(
            [
                f"apiVersion: {kind}.{group} has no version {version!r} (it has {', '.join(versions)})"
            ],
            0,
        )
    served = versions[version]
    if not served.get("served", False):
        others = [name for name, v in versions.items() if v.get("served")]
        return Report(
            [
                f"apiVersion: {group}/{version} {kind} is not served (served: {', '.join(others) or 'none'})"
            ],
            0,
        )
    schema = served["schema"]["openAPIV3Schema"]
    if not _json_only(doc, "", out):
        return Report(out, 0)
    obj = copy.deepcopy(doc)
    _default(obj, schema)
    state = _Walk(out)
    _check_meta(obj.get("metadata"), out)
    state.node(obj, schema, "", root=True)
    return Report(out, state.skipped)


def _group(api_version: object) -> str | None:
    if not isinstance(api_version, str) or not api_version or api_version.count("/") > 1:
        return None
    return api_version.rpartition("/")[0]


# --- the CRDs -------------------------------------------------------------------------------------


@cache
def _index(crds_dir: Path, channel: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(group, kind) -> parsed CRD, read once per process and folder; only CRD documents are parsed."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
    if not crds_dir.is_dir():
        oracles.missing(f"the CRDs are not at {crds_dir} (set WSGEN_CRDS)")
    files: list[Path] = []
    for project in sorted(p for p in crds_dir.iterdir() if p.is_dir()):
        folder = project / channel if (project / channel).is_dir() else project
        files += sorted(f for f in folder.iterdir() if f.suffix in (".yaml", ".yml"))
    index: dict[tuple[str, str], dict[str, Any]] = {}
    for file in files:
        for text in re.split(r"^---[ \t]*$", file.read_text(encoding="utf-8"), flags=re.M):
            if not re.search(r"^kind:\s*CustomResourceDefinition\s*$", text, re.M):
                continue
            crd = yaml.load(text, Loader=_Loader)  # noqa: S506 (CSafeLoader or SafeLoader)
            key = (crd["spec"]["group"], crd["spec"]["names"]["kind"])
            if key in index:
                raise AssertionError(f"{key[1]}.{key[0]} is defined twice under {crds_dir}")
            index[key] = crd
    return index


def crd_for(api_version: str, kind: str, channel: str = "standard") -> dict[str, Any] | None:
    """The parsed CRD (for tests that read what it declares)."""
    return _index(CRDS_DIR, channel).get((_group(api_version) or "", kind))


# --- structure ------------------------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key


def _here(path: str) -> str:
    return path or "(the object)"


def _json_only(value: Any, path: str, out: list[str]) -> bool:
    """YAML can hold what JSON cannot (a date, a binary, a non-string key): the API server gets JSON."""
    if isinstance(value, dict):
        ok = True
        for k, v in value.items():
            if not isinstance(k, str):
                out.append(f"{_here(path)}: key {k!r} is a {type(k).__name__}, not a string")
                ok = False
            else:
                ok = _json_only(v, _join(path, k), out) and ok
        return ok
    if isinstance(value, list):
        return all([_json_only(v, _join(path, i), out) for i, v in enumerate(value)])
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    out.append(f"{_here(path)}: {value!r} is a YAML {type(value).__name__}, not a JSON value")
    return False


def _default(value: Any, schema: dict[str, Any]) -> None:
    """Structural defaulting, as the API server does before validating: an absent property takes its
    `default`, and defaulting goes on inside it and inside every item and map value."""
    if isinstance(value, dict):
        props = schema.get("properties")
        if props:
            for key, sub in props.items():
                if key not in value and "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                if key in value:
                    _default(value[key], sub)
        elif isinstance(schema.get("additionalProperties"), dict):
            for v in value.values():
                _default(v, schema["additionalProperties"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for v in value:
            _default(v, schema["items"])


_STRUCTURAL = ("properties", "items", "additionalProperties", "required", "default")


def _k8s_format_checker() -> jsonschema.FormatChecker:
    """The string formats of these CRDs that the API server enforces (k8s.io/apiextensions-apiserver
    validation, kube-openapi strfmt). int32/int64/double are type hints there: not range checks."""
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        # RFC 3339; the fraction is dropped before parsing (Python 3.10 reads only 3 or 6 digits)
        if not isinstance(value, str):
            return True
        found = re.fullmatch(
            r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", value, re.I
        )
        if found is None:
            return False
        zone = "+00:00" if found[3].upper() == "Z" else found[3]
        return datetime.fromisoformat(found[1].upper() + zone) is not None

    @checker.checks("byte", raises=(binascii.Error, ValueError))
    def byte(value: object) -> bool:
        return not isinstance(value, str) or base64.b64decode(value, validate=True) is not None

    @checker.checks("ipv4", raises=ValueError)
    def ipv4(value: object) -> bool:
        return not isinstance(value, str) or bool(ipaddress.IPv4Address(value))

    @checker.checks("ipv6", raises=ValueError)
    def ipv6(value: object) -> bool:
        return not isinstance(value, str) or (
            "%" not in value and bool(ipaddress.IPv6Address(value))
        )

    return checker


_FORMATS = _k8s_format_checker()
_validators: dict[int, jsonschema.Draft4Validator] = {}


def _local(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    """A validator of the node's own keywords (children are walked separately), cached per node."""
    found = _validators.get(id(schema))
    if found is None:
        own = {k: v for k, v in schema.items() if k not in _STRUCTURAL and not k.startswith("x-")}
        own.pop("nullable", None)
        found = _validators[id(schema)] = jsonschema.Draft4Validator(own, format_checker=_FORMATS)
    return found


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _type_ok(value: Any, schema: dict[str, Any]) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    wanted = schema.get("type")
    if wanted is None:
        return True
    if isinstance(value, bool):
        return wanted == "boolean"
    return isinstance(value, _TYPES[wanted])


class _Walk:
    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.skipped = 0

    def node(self, value: Any, schema: dict[str, Any], path: str, root: bool = False) -> None:
        if value is None:
            if not schema.get("nullable"):
                # the server prunes it (so a required field then goes missing): a generator writing it is wrong
                self.out.append(
                    f"{_here(path)}: null, and the field is not nullable (the server drops it)"
                )
            return
        if not _type_ok(value, schema):
            want = (
                "an integer or a string"
                if schema.get("x-kubernetes-int-or-string")
                else schema["type"]
            )
            self.out.append(f"{_here(path)}: {value!r} is not of type {want}")
            return
        for error in _local(schema).iter_errors(value):
            self.out.append(f"{_here(_join_all(path, error.absolute_path))}: {error.message}")
        if isinstance(value, dict):
            self.obj(value, schema, path, root)
        elif isinstance(value, list):
            self.array(value, schema, path)
        self.rules(value, schema, path, root)

    def obj(self, value: dict[str, Any], schema: dict[str, Any], path: str, root: bool) -> None:
        for name in schema.get("required", ()):
            if name not in value:
                self.out.append(f"{_join(path, name)}: Required value")
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
        embedded = schema.get("x-kubernetes-embedded-resource", False)
        for key, sub in value.items():
            where = _join(path, key)
            if root and key in ("apiVersion", "kind", "metadata"):
                continue  # always known at the root, declared or not (Istio's CRDs do not); checked apart
            if key in props:
                self.node(sub, props[key], where)
            elif isinstance(extra, dict):
                self.node(sub, extra, where)
            elif (
                extra is True
                or preserve
                or (embedded and key in ("apiVersion", "kind", "metadata"))
            ):
                continue
            else:
                self.out.append(f"{where}: unknown field {key!r}")

    def array(self, value: list[Any], schema: dict[str, Any], path: str) -> None:
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                self.node(item, items, _join(path, i))
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set":
            seen: list[Any] = []
            for i, item in enumerate(value):
                if item in seen:
                    self.out.append(f"{_join(path, i)}: Duplicate value: {item!r}")
                seen.append(item)
        elif list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys", [])
            seen_keys: list[tuple[Any, ...]] = []
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                key = tuple(item.get(k) for k in keys)
                if key in seen_keys:
                    shown = ", ".join(f"{k}: {v!r}" for k, v in zip(keys, key, strict=True))
                    self.out.append(f"{_join(path, i)}: Duplicate value: {{{shown}}}")
                seen_keys.append(key)

    def rules(self, value: Any, schema: dict[str, Any], path: str, root: bool) -> None:
        rules = schema.get("x-kubernetes-validations")
        if not rules:
            return
        if root and isinstance(value.get("metadata"), dict):
            # at the root a rule sees only metadata.name and metadata.generateName (Kubernetes CRD docs)
            meta = value["metadata"]
            value = {
                **value,
                "metadata": {k: meta[k] for k in ("name", "generateName") if k in meta},
            }
        this = celpy.json_to_cel(value)
        for rule in rules:
            text = rule["rule"]
            if re.search(r"\boldSelf\b", text):
                self.skipped += 1
                continue
            where = (
                _here(path + rule.get("fieldPath", "")) if rule.get("fieldPath") else _here(path)
            )
            result = _evaluate(text, this)
            if isinstance(result, celtypes.BoolType):
                if not result:
                    self.out.append(f"{where}: {_message(rule, this)} (rule: {text})")
            elif isinstance(result, CELEvalError):
                self.out.append(f"{where}: rule could not be evaluated: {text}: {result.args[0]}")
            else:
                self.out.append(f"{where}: rule gave {result!r}, not a bool: {text}")


def _join_all(path: str, parts: Iterator[str | int] | Any) -> str:
    for part in parts:
        path = _join(path, part)
    return path


# --- ObjectMeta -----------------------------------------------------------------------------------

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = rf"{_DNS_LABEL}(\.{_DNS_LABEL})*"
_LABEL_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_META_FIELDS = frozenset(
    [
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    ]
)


def _qualified_name(key: str) -> bool:
    """A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63."""
    prefix, _, name = key.rpartition("/")
    if prefix and not (len(prefix) <= 253 and re.fullmatch(_DNS_SUBDOMAIN, prefix)):
        return False
    return len(name) <= 63 and bool(re.fullmatch(_LABEL_NAME, name))


def _check_meta(meta: Any, out: list[str]) -> None:
    if not isinstance(meta, dict):
        out.append(
            "metadata: Required value" if meta is None else f"metadata: {meta!r} is not an object"
        )
        return
    for key in meta:
        if key not in _META_FIELDS:
            out.append(f"metadata.{key}: unknown field {key!r}")
    name = meta.get("name")
    if name is None and not meta.get("generateName"):
        out.append("metadata.name: Required value")
    elif name is not None and not (
        isinstance(name, str) and len(name) <= 253 and re.fullmatch(_DNS_SUBDOMAIN, name)
    ):
        out.append(
            f"metadata.name: {name!r} is not a DNS-1123 subdomain (lower case, digits, '-', '.')"
        )
    namespace = meta.get("namespace")
    if namespace is not None and not (
        isinstance(namespace, str) and len(namespace) <= 63 and re.fullmatch(_DNS_LABEL, namespace)
    ):
        out.append(f"metadata.namespace: {namespace!r} is not a DNS-1123 label")
    for field in ("labels", "annotations"):
        pairs = meta.get(field)
        if pairs is None:
            continue
        if not isinstance(pairs, dict):
            out.append(f"metadata.{field}: {pairs!r} is not a map of strings")
            continue
        for key, val in pairs.items():
            if not _qualified_name(str(key)):
                out.append(f"metadata.{field}[{key!r}]: not a qualified name")
            if not isinstance(val, str):
                out.append(f"metadata.{field}[{key!r}]: {val!r} is not a string")
            elif field == "labels" and not (
                val == "" or (len(val) <= 63 and re.fullmatch(_LABEL_NAME, val))
            ):
                out.append(f"metadata.labels[{key!r}]: {val!r} is not a valid label value")


# --- CEL ------------------------------------------------------------------------------------------

_ENV = celpy.Environment()
_programs: dict[str, celpy.Runner | CELEvalError] = {}


def _evaluate(text: str, this: celtypes.Value) -> Any:
    program = _programs.get(text)
    if program is None:
        try:
            program = _ENV.program(_ENV.compile(text), functions=K8S_FUNCTIONS)
        except celpy.CELParseError as error:
            program = CELEvalError(f"does not parse: {error}")
        _programs[text] = program
    if isinstance(program, CELEvalError):
        return program
    try:
        return program.evaluate({"self": this})
    except CELEvalError as error:
        return error
    except (
        Exception
    ) as error:  # a function of ours failing is a rule not evaluated: said, never passed
        return CELEvalError(f"{type(error).__name__}: {error}")


def _message(rule: dict[str, Any], this: celtypes.Value) -> str:
    if "messageExpression" in rule:
        said = _evaluate(rule["messageExpression"], this)
        if isinstance(said, celtypes.StringType):
            return str(said)
    return str(rule.get("message") or "failed rule")


def _fail(message: str) -> CELEvalError:
    return CELEvalError(message)


# Kubernetes CEL libraries that cel-python 0.5 lacks: only what rules in ../shared/crds call, plus their
# obvious siblings. Each returns a CEL value or a CELEvalError (which a rule then reports, never passes).
#
# Strings (cel-go ext.Strings, version 2 in Kubernetes):
#   https://kubernetes.io/docs/reference/using-api/cel/#cel-options-language-features-and-libraries
#   https://pkg.go.dev/github.com/google/cel-go/ext#Strings


def _substring(s: str, start: int, end: int | None = None) -> Any:
    stop = len(s) if end is None else int(end)
    if not 0 <= int(start) <= stop <= len(s):
        return _fail(f"substring: index out of range: {start}, {stop} of {len(s)}")
    return celtypes.StringType(s[int(start) : stop])


def _split(s: str, sep: str, limit: int = -1) -> Any:
    if limit == 0:
        return celtypes.ListType([])
    parts = list(s) if sep == "" else s.split(sep, -1 if limit < 0 else int(limit) - 1)
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


def _ascii(convert: Callable[[str], str]) -> Callable[[str], Any]:
    return lambda s: celtypes.StringType("".join(convert(c) if c.isascii() else c for c in s))


def _index_of(haystack: Any, needle: Any, start: int = 0) -> Any:
    # strings: ext.Strings indexOf; lists: Kubernetes' list library indexOf
    if isinstance(haystack, str):
        return celtypes.IntType(haystack.find(needle, int(start)))
    return celtypes.IntType(next((i for i, v in enumerate(haystack) if v == needle), -1))


def _last_index_of(haystack: Any, needle: Any) -> Any:
    if isinstance(haystack, str):
        return celtypes.IntType(haystack.rfind(needle))
    return celtypes.IntType(
        next((i for i in range(len(haystack) - 1, -1, -1) if haystack[i] == needle), -1)
    )


# Lists (Kubernetes list library): https://kubernetes.io/docs/reference/using-api/cel/#kubernetes-list-library


def _is_sorted(items: list[Any]) -> Any:
    return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(items)))


# Regex (Kubernetes regex library: find, findAll): https://kubernetes.io/docs/reference/using-api/cel/#kubernetes-regex-library


def _find(s: str, pattern: str) -> Any:
    found = re.search(pattern, s)
    return celtypes.StringType(found.group(0) if found else "")


def _find_all(s: str, pattern: str, limit: int = -1) -> Any:
    found = [m.group(0) for m in re.finditer(pattern, s)]
    return celtypes.ListType(
        [celtypes.StringType(f) for f in (found if limit < 0 else found[: int(limit)])]
    )


# URLs (Kubernetes URL library): https://kubernetes.io/docs/reference/using-api/cel/#kubernetes-url-library
# url() and isURL() follow Go's url.ParseRequestURI: an absolute URI or an absolute path, no fragment.


class URLType(celtypes.StringType):
    """A parsed URL (the CEL type `URL`), held as its text."""


def _parse_request_uri(s: str) -> urllib.parse.SplitResult | None:
    if not s or any(c in s for c in " \t\r\n\x7f") or any(ord(c) < 0x20 for c in s):
        return None
    if not (s.startswith("/") or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", s)):
        return None
    try:
        parts = urllib.parse.urlsplit(s, allow_fragments=False)
        _ = parts.port  # a bad port is a parse error in Go too
    except ValueError:
        return None
    return parts


def _url(s: str) -> Any:
    if _parse_request_uri(s) is None:
        return _fail(f"URL parse error: {s!r}")
    return URLType(s)


def _url_part(get: Callable[[urllib.parse.SplitResult], str]) -> Callable[[URLType], Any]:
    def part(u: URLType) -> Any:
        parts = _parse_request_uri(str(u))
        return _fail("not a URL") if parts is None else celtypes.StringType(get(parts))

    return part


def _host(parts: urllib.parse.SplitResult) -> str:
    return parts.netloc.rpartition("@")[2]


def _hostname(parts: urllib.parse.SplitResult) -> str:
    host = _host(parts)
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rpartition(":")[0] if ":" in host else host


# IP addresses (Kubernetes IP library): https://kubernetes.io/docs/reference/using-api/cel/#kubernetes-ip-address-library
# isIP accepts IPv4 and IPv6 without a zone; an IPv4 with a leading zero is refused (Python too).


def _is_ip(s: str) -> Any:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType("%" not in s)


K8S_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "substring": _substring,
    "split": _split,
    "lowerAscii": _ascii(str.lower),
    "upperAscii": _ascii(str.upper),
    "trim": lambda s: celtypes.StringType(s.strip()),
    "replace": lambda s, old, new, n=-1: celtypes.StringType(s.replace(old, new, int(n))),
    "join": lambda items, sep="": celtypes.StringType(sep.join(items)),
    "charAt": lambda s, i: (
        celtypes.StringType(s[int(i) : int(i) + 1]) if 0 <= i <= len(s) else _fail("charAt")
    ),
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "isSorted": _is_sorted,
    "sum": lambda items: sum(items[1:], items[0]) if items else celtypes.IntType(0),
    "min": lambda items: min(items) if items else _fail("min of an empty list"),
    "max": lambda items: max(items) if items else _fail("max of an empty list"),
    "find": _find,
    "findAll": _find_all,
    "url": _url,
    "isURL": lambda s: celtypes.BoolType(_parse_request_uri(s) is not None),
    "getScheme": _url_part(lambda p: p.scheme),
    "getHost": _url_part(_host),
    "getHostname": _url_part(_hostname),
    "getPort": _url_part(lambda p: str(p.port) if p.port is not None else ""),
    "getEscapedPath": _url_part(lambda p: p.path),
    "getQuery": lambda u: _fail("getQuery is not implemented in this oracle"),
    "isIP": _is_ip,
}
