"""wsgen lint, the core: read files, find the Ingresses in them, run the rules, return a Report.

Documents are composed (not constructed) with libyaml's C loader when PyYAML has it: nodes keep
their line and column, so every finding points at the key or value it is about. The rules
themselves live in wsgen.lint_rules; printing (text, JSON, SARIF) in wsgen.lint_report.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wsgen import ingress_nginx as nginx
from wsgen.errors import BadInput, did_you_mean
from wsgen.model import read_to_end, redact
from wsgen.yamlutil import (
    TOO_DEEP,
    SafeLoader,
    describe_yaml_error,
    may_be_too_deep,
    room_to_nest,
    too_deep,
)

if TYPE_CHECKING:
    from wsgen.lint_edit import Fix

_T = TypeVar("_T")

SEVERITIES = ("info", "warning", "error")  # weakest first
# --controller: what serves the Ingresses written for ingress-nginx (class nginx, unset, or an
# --ingress-class). "traefik" is Traefik's kubernetesIngressNGINX provider (v3.7+).
CONTROLLERS = ("ingress-nginx", "traefik")
# View.provider: who reads an Ingress, as far as lint can tell.
INGRESS_NGINX = "ingress-nginx"
TRAEFIK_NGINX = "traefik-nginx"  # Traefik's kubernetesIngressNGINX provider (--controller traefik)
TRAEFIK = "traefik"  # Traefik's own kubernetesIngress provider (class traefik)
TRAEFIK_PREFIX = "traefik.ingress.kubernetes.io/"
STDIN = "-"
STDIN_NAME = "<stdin>"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_YAML_SUFFIXES = (".yaml", ".yml")
# Files (and stdin) larger than this are reported, not read: at this size composing the nodes
# alone takes gigabytes. Ten thousand Ingresses are about 12 MiB.
MAX_FILE_MIB = 64
MAX_FILE_BYTES = MAX_FILE_MIB * 1024 * 1024
# Nodes (values, keys, lists, mappings, aliases) composed from one file, at most: each costs
# ~500 bytes, so this is ~500 MB; ten thousand Ingresses are 720,000. Counted (by the parser's
# events, which are let go) only in a text long enough to pass it: a node takes a character.
MAX_NODES = 1_000_000
TOO_MANY_NODES = f"more than {MAX_NODES:,} YAML nodes (wsgen's limit): not linted"
_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)
_DOCUMENT_START = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r]|$)", re.MULTILINE)


_SAFE: set[str] = set()  # texts redact() leaves as they are (Findings repeat them)


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based."""

    rule: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    hint: str = ""
    end_line: int = 0
    end_column: int = 0
    ingress: str = ""  # namespace/name, or the chart values section; "" for file problems
    fix: Fix | None = field(default=None, compare=False)  # what --fix would do, if anything
    fixed: bool = False  # --fix did it (the finding is shown where it was)

    def __post_init__(self) -> None:
        # A message quotes what the file says (an annotation's value, a duplicate key, a name):
        # key material pasted there is named, never copied into a CI log or a SARIF upload.
        for name in ("message", "hint", "ingress"):
            said = getattr(self, name)
            if said in _SAFE:  # a finding moved or marked fixed, or a message said before
                continue
            safe = redact(said)
            if safe != said:
                object.__setattr__(self, name, safe)
            elif len(_SAFE) < 100_000:
                _SAFE.add(said)

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.rule)


@dataclass(frozen=True)
class Options:
    """lint's validated options."""

    all: bool = False
    min_timeout: int = 3600
    ignore: frozenset[str] = frozenset()
    ingress_classes: frozenset[str] = frozenset({"nginx"})
    fail_on: str = "warning"
    controller: str = "ingress-nginx"  # what serves the ingress-nginx Ingresses (CONTROLLERS)


@dataclass
class FileReport:
    path: str
    documents: int = 0
    ingresses: int = 0
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    files: list[FileReport]
    options: Options
    loaded: list[Loaded] = field(default_factory=list, repr=False)  # what was read, for --fix

    @property
    def findings(self) -> list[Finding]:
        return [finding for file in self.files for finding in file.findings]

    def count(self, severity: str) -> int:
        """Findings of a severity left (a fixed one no longer counts)."""
        return sum(1 for f in self.findings if f.severity == severity and not f.fixed)

    def fixes(self, status: str) -> int:
        """Findings whose fix_status is `status`."""
        return sum(1 for f in self.findings if fix_status(f) == status)

    @property
    def failed(self) -> bool:
        floor = SEVERITIES.index(self.options.fail_on)
        return any(SEVERITIES.index(f.severity) >= floor for f in self.findings if not f.fixed)


def fix_status(finding: Finding) -> str:
    """ "fixed" (by --fix), "safe" (--fix would), "unsafe" (--fix --unsafe-fixes would), or ""
    (a person must)."""
    if finding.fixed:
        return "fixed"
    if finding.fix is None:
        return ""
    return "safe" if finding.fix.safe else "unsafe"


def make_options(
    *,
    fail_on: str = "warning",
    min_timeout: str = "3600",
    ignore: Iterable[str] = (),
    ingress_classes: Iterable[str] = (),
    all: bool = False,
    controller: str = "ingress-nginx",
) -> Options:
    """Validate lint's options; a bad one raises BadInput naming the option and the rule."""
    from wsgen.lint_rules import RULES

    if fail_on not in SEVERITIES:
        raise BadInput(f"--fail-on: {fail_on!r} is not one of {', '.join(reversed(SEVERITIES))}")
    if controller not in CONTROLLERS:
        raise BadInput(
            f"--controller: {controller!r} is not one of {', '.join(CONTROLLERS)}"
            f"{did_you_mean(controller, CONTROLLERS)}"
        )
    if not (min_timeout.isascii() and min_timeout.isdigit()) or not (
        1 <= int(min_timeout) <= nginx.MAX_TIMEOUT_SECONDS
    ):
        raise BadInput(
            f"--min-timeout: {min_timeout!r} is not whole seconds from 1 to "
            f"{nginx.MAX_TIMEOUT_SECONDS}"
        )
    ignored = {part.strip().upper() for item in ignore for part in item.split(",") if part.strip()}
    for rule in sorted(ignored):
        if rule not in RULES:
            raise BadInput(f"--ignore: {rule!r} is not a rule id{did_you_mean(rule, RULES)}")
    classes = set()
    for name in ingress_classes:
        if not name.strip():
            raise BadInput("--ingress-class: must not be empty")
        classes.add(name.strip())
    return Options(
        all=all,
        min_timeout=int(min_timeout),
        ignore=frozenset(ignored),
        ingress_classes=frozenset({"nginx", *classes}),
        fail_on=fail_on,
        controller=controller,
    )


# --- reading ----------------------------------------------------------------------------------


def expand(paths: Sequence[str]) -> list[tuple[str, Path | None]]:
    """(name shown, path) for every file to lint; None is stdin. Folders: *.yaml and *.yml
    below them, sorted, hidden folders skipped. A path that does not exist is a usage error.
    A file reached twice (named twice, inside a folder also named, through a symlink) is
    linted once, under the name it was first reached by."""
    found: list[tuple[str, Path | None]] = []
    seen: set[str] = set()
    taken: set[str] = {STDIN_NAME} if STDIN in paths else set()  # a file named <stdin> too

    def add(name: str, file: Path) -> None:
        real = os.path.realpath(file)
        if real not in seen:
            seen.add(real)
            said = shown(name)
            if said in taken:  # a<FF> and a<FE> both show as a\ufffd: a file is its name
                said = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                while said in taken:
                    said += "'"
            taken.add(said)
            found.append((said, file))

    if sum(1 for p in paths if p == STDIN) > 1:
        raise BadInput("PATH: '-' (stdin) can be given once")
    for given in paths:
        if given == STDIN:
            found.append((STDIN_NAME, None))
            continue
        if not given.strip():
            raise BadInput("PATH: must not be empty")
        path = Path(given)
        if path.is_dir():
            files: list[Path] = []
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                files.extend(Path(folder, n) for n in names if n.endswith(_YAML_SUFFIXES))
            for file in sorted(files):
                add(str(file), file)
        elif path.exists():
            add(given, path)
        else:
            raise BadInput(f"PATH: {given!r}: no such file or folder")
    if not found:
        raise BadInput(f"PATH: no *.yaml or *.yml files in {', '.join(map(repr, paths))}")
    return found


def shown(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) become
    U+FFFD, so every output format can carry the name."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_BOMS = (  # (BOM, codec of what follows it); longest first: UTF-32 LE starts like UTF-16 LE
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class Encoding:
    """How a file's text was stored, so a fixed text is written back the same way."""

    bom: bytes = b""
    codec: str = "utf-8"

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec, "surrogateescape")


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (a BOM is allowed), or UTF-16/32 with their BOM.

    Raises NotText saying where the first byte that is not UTF-8 is.
    """
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes) -> tuple[str, Encoding]:
    """decode(), and how to encode the text back to the same bytes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), Encoding(bom, codec)
            except UnicodeDecodeError:
                shown = "UTF-8-SIG" if codec == "utf-8" else codec.rpartition("-")[0].upper()
                raise NotText(0, f"not valid {shown} text") from None
    try:
        return data.decode("utf-8"), Encoding()
    except UnicodeDecodeError as error:
        raise NotText(
            data.count(b"\n", 0, error.start),
            f"byte 0x{data[error.start]:02x} is not UTF-8 (save the file as UTF-8)",
        ) from None


class NotText(ValueError):
    """A file that is not text: where (0-based line) and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A composed document; its marks count lines from `offset` (0-based) in the file, and
    characters from `index` (marks of a document composed on its own start at 0)."""

    node: Node
    offset: int
    index: int = 0
    # what analyse found in it that depends on it alone (views, findings): see _kept
    kept: dict[object, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Source:
    """The text a document's nodes were composed from, for fixes to edit: the file's whole
    text and where the document's marks start in it."""

    text: str
    index: int = 0

    def start(self, node: Node) -> int:
        return self.index + node.start_mark.index

    def end(self, node: Node) -> int:
        return self.index + node.end_mark.index


@dataclass
class Problem:
    """A document that could not be composed: 0-based line and column, and why."""

    line: int
    column: int
    message: str


def _too_many_nodes(text: str, budget: list[int], whole: bool) -> tuple[int, int] | None:
    """Take `text`'s nodes from `budget` (of the whole file); where (0-based line, column) it
    runs out, or None. The `whole` file, when shorter than the budget, cannot pass it (a node
    takes at least a character, plus the stream's own); its documents one by one are counted.
    A stream broken before the budget runs out is composed below, which reports it."""
    if whole and len(text) + 2 < budget[0]:
        return None
    if whole and _events(text) <= budget[0]:  # every node is an event (ends are events too)
        return None
    with contextlib.suppress(yaml.YAMLError):
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, _NODE_EVENTS):
                budget[0] -= 1
                if budget[0] < 0:
                    mark = event.start_mark
                    return (mark.line, mark.column) if mark is not None else (0, 0)
    return None


def _events(text: str) -> float:
    """How many parser events `text` has, counted by libyaml in C without making them Python
    objects (ten times as fast as yaml.parse); infinity when that cannot be said (no libyaml,
    or the stream breaks: then yaml.parse counts, up to where it breaks)."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return float("inf")
    try:
        return int(CParser(text).raw_parse())
    except (yaml.YAMLError, UnicodeError, ValueError):  # counted the slow way, to where it breaks
        return float("inf")


def _compose(
    text: str, offset: int, budget: list[int], whole: bool = False, ends_file: bool = False
) -> list[Document] | Problem:
    """All documents of `text`, or the first problem (lines counted from `offset`;
    `ends_file`: `text` runs to the end of the file)."""
    if may_be_too_deep(text):
        try:
            deep = too_deep(text)
        except yaml.YAMLError:
            deep = None  # composing below reports it, at the parser's place
        if deep is not None:
            return Problem(deep[0] + offset, deep[1], TOO_DEEP)
    where = _too_many_nodes(text, budget, whole)  # after the depth: a parse of its own
    if where is not None:
        return Problem(where[0] + offset, where[1], TOO_MANY_NODES)
    try:
        with room_to_nest():  # PyYAML without libyaml composes recursively in Python
            return [
                Document(node, offset)
                for node in yaml.compose_all(text, Loader=SafeLoader)
                if node is not None
            ]
    except RecursionError:  # not expected within MAX_DEPTH; still never Python's text
        return Problem(offset, 0, TOO_DEEP)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line, mark.column) if mark is not None else (0, 0)
        if ends_file and mark is not None and mark.index >= len(text) and line and not column:
            # libyaml puts the end of a stream without a final line break on a line after the
            # last: said at the end of the file's last line instead (a document read on its
            # own before others keeps that next line: the `---` where the file goes on)
            last = _LINE_BREAK.split(text)
            if len(last) == line:
                line, column = line - 1, len(last[-1])
        message = describe_yaml_error(error).split(": ", 1)[-1]
        if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow
            before = text.encode("utf-8", "surrogatepass")[: error.position].decode(
                "utf-8", "replace"
            )
            line, column = before.count("\n"), len(before) - before.rfind("\n") - 1
            code = error.character if isinstance(error.character, int) else ord(error.character)
            message = f"character U+{code:04X} is not allowed in YAML"
        return Problem(line + offset, column, message)


_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks


def documents(text: str) -> list[Document | Problem]:
    """Every document of a stream. When one does not parse, each document is read on its own
    (split at the `---` and `...` lines, which YAML forbids inside content), so one broken
    document hides none of the others."""
    whole = _compose(text, 0, [MAX_NODES], whole=True, ends_file=True)
    if isinstance(whole, list):
        return list(whole)
    if whole.message == TOO_MANY_NODES:
        return [whole]
    budget = [MAX_NODES]  # of the whole file, its documents read one by one
    found: list[Document | Problem] = []
    starts, line, at = [0], 0, 0  # counted on from the last start: linear in the file
    for match in _DOCUMENT_START.finditer(text):
        line += text.count("\n", at, match.start())
        at = match.start()
        starts.append(line)
    lines = text.split("\n")
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        if lines[start].startswith("..."):
            start += 1  # `...` ends the document before; nothing of its own
        if end <= start:
            continue
        result = _compose("\n".join(lines[start:end]), start, budget, ends_file=end == len(lines))
        found.extend(result if isinstance(result, list) else [result])
        if isinstance(result, Problem) and result.message == TOO_MANY_NODES:
            break
    return found


# --- nodes ------------------------------------------------------------------------------------


def pairs(node: Node | None, _seen: set[int] | None = None) -> list[tuple[Node, Node]]:
    """A mapping's (key, value) nodes with `<<` merges expanded (explicit keys come last and so
    win, as in YAML), each merged mapping once. Anything that is not a mapping has none."""
    seen = set() if _seen is None else _seen
    if not isinstance(node, MappingNode) or id(node) in seen:
        return []
    seen.add(id(node))
    merged: list[tuple[Node, Node]] = []
    own: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if key.tag == _MERGE_TAG:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                merged.extend(pairs(source, seen))
        else:
            own.append((key, value))
    return merged + own


def fields(node: Node | None) -> dict[str, tuple[Node, Node]]:
    """A mapping's scalar keys -> (key, value) nodes; a repeated key keeps the last one.
    Kept on the node: rules look the same mappings up many times."""
    if not isinstance(node, MappingNode):
        return {}
    cached: dict[str, tuple[Node, Node]] | None = getattr(node, "_wsgen_fields", None)
    if cached is None:
        cached = {k.value: (k, v) for k, v in pairs(node) if isinstance(k, ScalarNode)}
        node._wsgen_fields = cached  # type: ignore[attr-defined]
    return cached


def value(node: Node | None, *path: str) -> Node | None:
    """The value node at `path` below a mapping, or None."""
    for name in path:
        found = fields(node).get(name)
        if found is None:
            return None
        node = found[1]
    return node


def text(node: Node | None) -> str | None:
    """A scalar's text (whatever its type), else None."""
    return node.value if isinstance(node, ScalarNode) else None


def items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def duplicate_keys(root: Node) -> Iterator[tuple[Node, int]]:
    """(repeated key node, 1-based line of the first one) for every mapping below root."""
    stack, seen = [root], set()
    while stack:  # collections only: a scalar holds no mapping (most nodes are scalars)
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}
            for key, child in node.value:
                if isinstance(key, ScalarNode):
                    if key.tag != _MERGE_TAG:
                        earlier = first.setdefault((key.tag, key.value), key)
                        if earlier is not key:
                            yield key, earlier.start_mark.line + 1
                else:
                    stack.append(key)
                if not isinstance(child, ScalarNode):
                    stack.append(child)
        elif isinstance(node, SequenceNode):
            stack.extend(n for n in node.value if not isinstance(n, ScalarNode))


# --- what the rules look at -------------------------------------------------------------------


@dataclass
class HttpPath:
    """One HTTP path of an Ingress rule."""

    item: Node  # the list item (a mapping)
    host: str | None  # its rule's host
    path: str | None
    path_node: Node | None
    path_type: Node | None
    services: list[tuple[str, Node]]


@dataclass
class View:
    """An Ingress (or a chart values ingress section) as the rules see it."""

    file: str
    name: str
    namespace: str
    root: Node
    chart: bool
    api_version: Node | None
    annotations: list[tuple[str, Node, Node]]  # key text, key node, value node
    annotations_anchor: Node  # where a missing annotation is reported
    class_name: str | None
    class_node: Node | None  # spec.ingressClassName (or the chart's className)
    spec: Node | None
    spec_anchor: Node
    hosts: list[tuple[str, Node]]
    hostless_rule: bool
    paths: list[HttpPath]
    default_services: list[tuple[str, Node]]
    tls: list[Node]
    offset: int = 0  # add to the marks' lines (see Document)
    source: Source | None = None  # the text to edit, when the file may be fixed
    annotations_node: Node | None = None  # the annotations mapping
    websocket: str | None = None  # why it carries WebSockets, or None
    nginx: bool = False  # whether it is written for ingress-nginx (its annotations are read)
    provider: str = ""  # INGRESS_NGINX, TRAEFIK_NGINX, TRAEFIK, or "" (another controller)

    def annotation(self, key: str) -> tuple[Node, Node] | None:
        """Key and value nodes of an annotation (the last, if it repeats)."""
        found = None
        for name, key_node, value_node in self.annotations:
            if name == key:
                found = (key_node, value_node)
        return found

    @property
    def class_annotation(self) -> tuple[Node, Node] | None:
        return self.annotation(nginx.CLASS_ANNOTATION)

    @property
    def ingress_class(self) -> str | None:
        if self.class_name is not None:
            return self.class_name
        found = self.class_annotation
        return text(found[1]) if found else None

    @property
    def services(self) -> list[tuple[str, Node]]:
        return [s for p in self.paths for s in p.services] + self.default_services


def _annotations(node: Node | None) -> list[tuple[str, Node, Node]]:
    """(key, key node, value node) of each annotation; a repeated or merged-over key counts
    once, with the value that wins (WS002 reports the repetition)."""
    return [(key, k, v) for key, (k, v) in fields(node).items()]


def named(nodes: Iterable[Node | None]) -> list[tuple[str, Node]]:
    """(text, node) of the scalars among nodes that have text."""
    return [(node.value, node) for node in nodes if isinstance(node, ScalarNode) and node.value]


def _service_names(backend: Node | None) -> list[tuple[str, Node]]:
    return named((value(backend, "service", "name"), value(backend, "serviceName")))


def ingress_view(file: str, root: Node, offset: int = 0, source: Source | None = None) -> View:
    meta_pair = fields(root).get("metadata")
    meta = meta_pair[1] if meta_pair else None
    annotations_pair = fields(meta).get("annotations")
    spec_pair = fields(root).get("spec")
    spec = spec_pair[1] if spec_pair else None
    hosts: list[tuple[str, Node]] = []
    paths: list[HttpPath] = []
    hostless = False
    for rule in items(value(spec, "rules")):
        host = named([value(rule, "host")])
        hosts.extend(host)
        hostless = hostless or not host
        rule_host = host[0][0] if host else None
        for item in items(value(rule, "http", "paths")):
            path_node = value(item, "path")
            path_type_pair = fields(item).get("pathType")
            paths.append(
                HttpPath(
                    item=item,
                    host=rule_host,
                    path=text(path_node),
                    path_node=path_node,
                    path_type=path_type_pair[0] if path_type_pair else None,
                    services=_service_names(value(item, "backend")),
                )
            )
    defaults = []
    for key in ("defaultBackend", "backend"):
        defaults.extend(_service_names(value(spec, key)))
    class_node = value(spec, "ingressClassName")
    return View(
        file=file,
        name=_object_name(meta),
        namespace=text(value(meta, "namespace")) or "",
        root=root,
        chart=False,
        api_version=value(root, "apiVersion"),
        annotations=_annotations(annotations_pair[1] if annotations_pair else None),
        annotations_anchor=(annotations_pair or meta_pair or (root, root))[0],
        class_name=text(class_node) or None,
        class_node=class_node,
        spec=spec,
        spec_anchor=(spec_pair or (root, root))[0],
        hosts=hosts,
        hostless_rule=hostless or not hosts,
        paths=paths,
        default_services=defaults,
        tls=items(value(spec, "tls")),
        offset=offset,
        source=source,
        annotations_node=annotations_pair[1] if annotations_pair else None,
    )


def _object_name(meta: Node | None) -> str:
    name = text(value(meta, "name")) or "(no name)"
    namespace = text(value(meta, "namespace"))
    return f"{namespace}/{name}" if namespace else name


def chart_view(
    file: str,
    section: str,
    key: Node,
    node: Node,
    offset: int = 0,
    source: Source | None = None,
) -> View:
    """An ingress section of chart values: `annotations`, `hosts` (names or {host, paths}),
    `path`/`paths`, `className`/`ingressClassName`, `tls`."""
    hosts: list[tuple[str, Node]] = []
    paths: list[HttpPath] = []
    for entry in items(value(node, "hosts")):
        host = named([value(entry, "host") if isinstance(entry, MappingNode) else entry])
        hosts.extend(host)
        for item in items(value(entry, "paths")):
            path_node = value(item, "path") if isinstance(item, MappingNode) else item
            paths.append(
                HttpPath(item, host[0][0] if host else None, text(path_node), path_node, None, [])
            )
    for path, item in named([value(node, "path"), *items(value(node, "paths"))]):
        paths.append(HttpPath(item, None, path, item, None, []))
    annotations_pair = fields(node).get("annotations")
    class_node = value(node, "className") or value(node, "ingressClassName")
    return View(
        file=file,
        name=section,
        namespace="",
        root=node,
        chart=True,
        api_version=None,
        annotations=_annotations(annotations_pair[1] if annotations_pair else None),
        annotations_anchor=(annotations_pair or (key, node))[0],
        class_name=text(class_node) or None,
        class_node=class_node,
        spec=node,
        spec_anchor=key,
        hosts=hosts,
        hostless_rule=not hosts,
        paths=paths,
        default_services=[],
        tls=items(value(node, "tls")),
        offset=offset,
        source=source,
        annotations_node=annotations_pair[1] if annotations_pair else None,
    )


def chart_sections(root: Node) -> Iterator[tuple[str, Node, Node]]:
    """Ingress sections in chart values: a key naming an ingress whose value is a mapping with
    `annotations` or `hosts`. Controller settings (`controller.config` of the ingress-nginx
    chart, a ConfigMap's data) are not Ingress annotations and are never entered."""
    stack: list[tuple[str, Node, int]] = [("", root, 0)]
    seen: set[int] = set()
    while stack:
        where, node, depth = stack.pop()
        if id(node) in seen:
            continue  # aliases: each node once, or a small file could fan out without end
        seen.add(id(node))
        for key, child in reversed(pairs(node)):
            name = text(key)
            if name is None or not isinstance(child, MappingNode) or depth > 30:
                continue
            dotted = f"{where}.{name}" if where else name
            if where == "controller" and name == "config":
                continue
            child_fields = fields(child)
            if "ingress" in name.lower() and (
                "annotations" in child_fields or "hosts" in child_fields
            ):
                yield dotted, key, child
            else:
                stack.append((dotted, child, depth + 1))


# --- WebSockets, controllers ------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+")
_WEBSOCKET_WORDS = frozenset(
    {"ws", "wss", "hub", "hubs", "cable", "live", "realtime", "upgrade", "signalr"}
)
_WEBSOCKET_PARTS = ("websocket", "socket", "realtime")
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


def says_websocket(name: str) -> bool:
    for token in _TOKEN.findall(name.lower()):
        if token in _WEBSOCKET_WORDS or any(part in token for part in _WEBSOCKET_PARTS):
            return True
    return False


def seconds(raw: str | None) -> int | None:
    """Seconds of a timeout as people write it ("3600", "3600s", "1h", "60m"), for deciding
    whether an Ingress wants long connections; None when it is not a duration."""
    if not raw:
        return None
    match = _DURATION.fullmatch(raw.strip())
    if match is None or not any(match.groups()):
        return None
    if any(len(g.lstrip("0")) > 18 for g in match.groups() if g):
        return None  # no controller reads it (beyond int64), nor Python's int() past 4300 digits
    h, m, s = (int(g.lstrip("0") or "0") if g else 0 for g in match.groups())
    return h * 3600 + m * 60 + s


def websocket_path(path: HttpPath) -> bool:
    """Whether a path's own URL, host or Service name says WebSocket."""
    names = [path.path or "", path.host or "", *(service for service, _node in path.services)]
    return any(says_websocket(name) for name in names)


def websocket_reason(view: View, everything: bool) -> str | None:
    """Why an Ingress is taken to carry WebSockets, or None."""
    if everything:
        return "--all"  # checked before the paths: --all is the reason given
    for p in view.paths:
        if p.path and says_websocket(p.path):
            return f"path {p.path}"
    for host, _node in view.hosts:
        if says_websocket(host):
            return f"host {host}"
    for service, _node in view.services:
        if says_websocket(service):
            return f"Service {service}"
    if view.chart and says_websocket(view.name.rpartition(".")[2].replace("ingress", " ")):
        return f"section {view.name}"
    for key, _key, node in view.annotations:
        name = key.rpartition("/")[2]
        if says_websocket(name):
            return f"annotation {key}"
        if name in ("proxy-read-timeout", "proxy-send-timeout"):
            value_seconds = seconds(text(node))
            if value_seconds is not None and value_seconds > nginx.DEFAULT_TIMEOUT:
                return f"{key} {text(node)}"
        if name == "affinity" and (text(node) or "").lower() == "cookie":
            return "cookie affinity"
        if name.endswith("-snippet") and nginx.sets_upgrade(text(node) or ""):
            return f"{key} sets Upgrade"
    return None


def served_by_ingress_nginx(view: View, classes: frozenset[str]) -> bool:
    if any(key.startswith(nginx.PREFIX) for key, _k, _v in view.annotations):
        return True
    ingress_class = view.ingress_class
    return ingress_class is None or ingress_class in classes


def provider(view: View, options: Options) -> str:
    """Who reads an Ingress: INGRESS_NGINX (or TRAEFIK_NGINX with --controller traefik) for an
    Ingress written for ingress-nginx; TRAEFIK for class `traefik` (unless --ingress-class
    names it), or for one with only traefik.ingress.kubernetes.io/ annotations and no class;
    "" for any other controller."""
    ingress_class = view.ingress_class
    keys = [key for key, _k, _v in view.annotations]
    if ingress_class not in options.ingress_classes and (
        ingress_class == TRAEFIK
        or (
            ingress_class is None
            and any(key.startswith(TRAEFIK_PREFIX) for key in keys)
            and not any(key.startswith(nginx.PREFIX) for key in keys)
        )
    ):
        return TRAEFIK
    if served_by_ingress_nginx(view, options.ingress_classes):
        return TRAEFIK_NGINX if options.controller == "traefik" else INGRESS_NGINX
    return ""


# --- other objects: Services, GKE policies, anything pasted from a live cluster ----------------


@dataclass
class Resource:
    """Any Kubernetes object lint read (an Ingress too), as the rules about objects see it."""

    file: str
    kind: str
    root: Node
    offset: int = 0
    source: Source | None = None  # the text to edit, when the file may be fixed

    @property
    def meta(self) -> Node | None:
        return value(self.root, "metadata")

    @property
    def name(self) -> str:
        return _object_name(self.meta)

    @property
    def namespace(self) -> str:
        return text(value(self.meta, "namespace")) or ""

    def annotation(self, key: str) -> tuple[Node, Node] | None:
        """Key and value nodes of an annotation (the one that wins, if it repeats)."""
        return fields(value(self.meta, "annotations")).get(key)

    @property
    def annotations_anchor(self) -> Node:
        """Where a missing annotation is reported: `annotations:`, else `metadata:`, else
        the object's first key."""
        meta_pair = fields(self.root).get("metadata")
        found = fields(meta_pair[1]).get("annotations") if meta_pair else None
        pair = found or meta_pair or next(iter(fields(self.root).values()), (self.root, self.root))
        return pair[0]


# --- GKE: BackendConfig timeouts, found across all files --------------------------------------


@dataclass
class Context:
    """What rules need from other documents: GKE Service -> BackendConfig -> timeoutSec; the
    Services by namespace and name; the Ingresses read (once their provider and WebSocket
    reason are known: the load balancer in front of them is a Service)."""

    backend_configs: dict[tuple[str, str], int | None] = field(default_factory=dict)
    service_configs: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    services: dict[tuple[str, str], Resource] = field(default_factory=dict)
    ingresses: list[View] = field(default_factory=list)
    # the longest idle WebSocket of the Ingresses the given providers serve, with the Ingress
    # that keeps it: found once per set of providers, not once per Service in front
    longest_idle: dict[frozenset[str], tuple[int, View] | None] = field(default_factory=dict)
    # the paths of the Ingresses (not chart values) by what a canary is matched to its main by
    # (provider, class, host, path, pathType), in file order: built once, for every canary
    ingress_paths: dict[tuple[object, ...], list[tuple[View, HttpPath]]] | None = None

    def service(self, namespace: str, name: str) -> Resource | None:
        """A Service read, by name; a missing namespace matches any (see gke_timeout)."""
        for (space, found), resource in self.services.items():
            if found == name and (not space or not namespace or space == namespace):
                return resource
        return None

    def gke_timeout(self, namespace: str, service: str) -> int | None:
        """The smallest timeoutSec among the BackendConfigs a Service names, or None. A missing
        namespace matches any (such files are applied with kubectl -n)."""

        def same(key: tuple[str, str], name: str, space: str) -> bool:
            return key[1] == name and (not key[0] or not space or key[0] == space)

        configs = [
            names for key, names in self.service_configs.items() if same(key, service, namespace)
        ]
        found = [
            timeout
            for names in configs[:1]
            for name in names
            for key, timeout in self.backend_configs.items()
            if same(key, name, namespace)
        ]
        known = [t for t in found if t is not None]
        return min(known) if known and len(known) == len(found) else None


_GKE_BACKEND_CONFIG = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")


def whole_number(raw: str) -> int | None:
    """A whole number as the controllers read one (ASCII digits, not "²" or "٣"), or None;
    more than 18 digits is no timeout either (and would overflow their int64)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _collect(context: Context, resource: Resource) -> None:
    kind, root = resource.kind, resource.root
    meta = value(root, "metadata")
    key = (text(value(meta, "namespace")) or "", text(value(meta, "name")) or "")
    if kind == "Service":
        context.services[key] = resource
    if kind == "BackendConfig":
        timeout = text(value(root, "spec", "timeoutSec"))
        context.backend_configs[key] = whole_number(timeout) if timeout else None
    elif kind == "Service":
        for name in _GKE_BACKEND_CONFIG:
            raw = text(value(meta, "annotations", name))
            if raw:
                import json

                try:
                    config = json.loads(raw)
                except ValueError:
                    continue
                names = [config.get("default")] if isinstance(config, dict) else []
                if isinstance(config, dict) and isinstance(config.get("ports"), dict):
                    names.extend(config["ports"].values())
                context.service_configs[key] = [n for n in names if isinstance(n, str)]


# --- the run ----------------------------------------------------------------------------------


def objects(root: Node) -> Iterator[tuple[str, Node]]:
    """(kind, node) of a document's Kubernetes objects, `kind: List` items included (each
    node once: a List may hold itself through an alias)."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        kind = text(value(node, "kind"))
        if kind is None or id(node) in seen:
            continue
        seen.add(id(node))
        if kind.endswith("List") and isinstance(value(node, "items"), SequenceNode):
            stack.extend(reversed(items(value(node, "items"))))
        else:
            yield kind, node


def finding(
    rule: str,
    severity: str,
    file: str,
    node: Node,
    message: str,
    hint: str = "",
    ingress: str = "",
    offset: int = 0,
    fix: Fix | None = None,
) -> Finding:
    start, end = node.start_mark, node.end_mark
    return Finding(
        rule=rule,
        severity=severity,
        path=file,
        line=start.line + offset + 1,
        column=start.column + 1,
        message=message,
        hint=hint,
        end_line=end.line + offset + 1,
        end_column=end.column + 1,
        ingress=ingress,
        fix=fix,
    )


class NotRead(Exception):
    """A file lint does not read: not a regular file, or too large. `message` says which."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _too_large() -> NotRead:
    return NotRead(
        f"larger than {MAX_FILE_MIB} MiB: not read", "lint it in parts, split at its --- lines"
    )


def _not_regular(mode: int) -> NotRead:
    kind = (
        "a named pipe"
        if stat.S_ISFIFO(mode)
        else "a folder"
        if stat.S_ISDIR(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )
    return NotRead(
        f"not a regular file ({kind}): not read",
        "lint reads regular files only; pipe anything else in: ... | wsgen lint -",
    )


def read_file(path: Path | None, stdin: BinaryIO | None) -> bytes:
    """A file's bytes, at most MAX_FILE_BYTES of them, read only if it is a regular file.

    Its type is checked before it is opened (opening a named pipe waits for a writer; a
    device may never end) and again on what was opened, without waiting, in case it changed.
    Raises NotRead, or OSError.
    """
    if path is None:
        data = read_to_end(stdin, MAX_FILE_BYTES + 1) if stdin is not None else b""
        if len(data) > MAX_FILE_BYTES:
            raise _too_large()
        return data
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    with open(os.open(path, flags), "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large()
        data = file.read(info.st_size + 1)
        if len(data) > info.st_size:  # it grew, or says size 0 as files in /proc do
            data += file.read(MAX_FILE_BYTES + 1 - len(data))
            if len(data) > MAX_FILE_BYTES:
                raise _too_large()
        return data


def lint(paths: Sequence[str], options: Options, stdin: BinaryIO | None = None) -> Report:
    """Lint every file PATHs name; unreadable or broken files become WS001 findings."""
    with _no_gc():
        return released(analyse([load(name, path, stdin) for name, path in expand(paths)], options))


def released(report: Report) -> Report:
    """The report without the files' composed nodes (their texts stay, for SARIF's fixes):
    millions of nodes kept alive past the run make every garbage collection of the output's
    objects walk them (it tripled lint's time on 10,000 documents)."""
    from dataclasses import replace

    report.loaded = [replace(file, documents=[]) for file in report.loaded]
    return report


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    # Millions of YAML nodes stay alive until the rules ran; the cyclic garbage collector would
    # walk them again and again (it tripled the time on 10,000 documents) and finds nothing:
    # nodes only form cycles through recursive aliases, freed when the run ends.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Loaded:
    """A file lint read: why it could not be read, or its text and documents."""

    name: str
    path: Path | None  # None: stdin
    problem: Finding | None = None  # not read, or not text
    text: str | None = None
    encoding: Encoding | None = None
    documents: list[Document | Problem] = field(default_factory=list)

    @functools.cached_property
    def editable(self) -> bool:
        """Whether fixes may edit it: text whose every document parsed as one stream, and
        whose line breaks are LF or CRLF only (a lone CR or U+2028 breaks a line for YAML
        and not for the edits)."""
        return (
            self.text is not None
            and not any(isinstance(d, Problem) for d in self.documents)
            and _ODD_BREAK.search(self.text) is None
        )


_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


def load(name: str, path: Path | None, stdin: BinaryIO | None = None) -> Loaded:
    """Read and compose one file (path None: stdin)."""
    try:
        content, encoding = decode_with_encoding(read_file(path, stdin))
    except OSError as error:
        return Loaded(name, path, _file_problem(name, 0, 0, f"cannot read: {error.strerror}"))
    except NotRead as error:
        return Loaded(name, path, _file_problem(name, 0, 0, error.message, hint=error.hint))
    except NotText as error:
        return Loaded(name, path, _file_problem(name, error.line, 0, error.message))
    return Loaded(name, path, None, content, encoding, documents(content))


def analyse(loaded: Sequence[Loaded], options: Options) -> Report:
    """Run the rules on files read (the documents of an editable file carry its Source)."""
    from wsgen.lint_rules import check, check_object

    context = Context()
    lines: dict[str, tuple[int, int]] = {}  # a file's last line and the column after its end
    files: list[FileReport] = []
    views: list[tuple[FileReport, View]] = []
    resources: list[tuple[FileReport, Resource]] = []
    keeps: dict[int, dict[object, Any]] = {}  # a view's or resource's Document.kept, by id
    for file in loaded:
        name, content = file.name, file.text
        report = FileReport(name)
        files.append(report)
        if file.problem is not None or content is None:
            report.findings.extend([file.problem] if file.problem is not None else [])
            continue
        split = content.splitlines()
        lines[name] = (max(1, len(split)), len((split[-1:] or [""])[0]) + 1)
        del split
        editable = file.editable
        for document in file.documents:
            report.documents += 1
            if isinstance(document, Problem):
                report.findings.append(
                    _file_problem(
                        name,
                        document.line,
                        document.column,
                        document.message
                        if document.message in (TOO_DEEP, TOO_MANY_NODES)
                        else f"does not parse as YAML: {document.message}",
                        content,
                        hint="lint it in parts, split at its --- lines"
                        if document.message == TOO_MANY_NODES
                        else "",
                    )
                )
                continue
            node = document.node
            source = Source(content, document.index) if editable else None
            kept = document.kept  # what a document --fix did not change still says
            for key, first in _kept(kept, "repeated", partial(_repeated, node)):
                report.findings.append(
                    finding(
                        "WS002",
                        "error",
                        name,
                        key,
                        f"the key {key.value!r} appears twice in this mapping (first on line "
                        f"{first + document.offset}); parsers silently keep the last",
                        "remove or merge one of them",
                        offset=document.offset,
                    )
                )
            found = _kept(kept, "objects", partial(_objects, node))
            for kind, root in found:
                resource = Resource(name, kind, root, document.offset, source)
                resources.append((report, resource))
                keeps[id(resource)] = kept
                if kind == "Ingress":
                    view = _kept(
                        kept,
                        ("ingress", id(root)),
                        partial(ingress_view, name, root, document.offset, source),
                    )
                    views.append((report, _placed(view, name, document, source)))
                    keeps[id(view)] = kept
                elif kind in ("Service", "BackendConfig"):
                    _collect(context, resource)
            if not found and isinstance(node, MappingNode) and value(node, "apiVersion") is None:
                sections = _kept(
                    kept, "charts", partial(_chart_views, name, node, document, source)
                )
                views.extend((report, _placed(v, name, document, source)) for v in sections)
                keeps.update((id(v), kept) for v in sections)
    for report, view in views:
        report.ingresses += 1
        view.provider = provider(view, options)
        view.nginx = view.provider in (INGRESS_NGINX, TRAEFIK_NGINX)
        view.websocket = websocket_reason(view, options.all)
        context.ingresses.append(view)
    for report, view in views:
        report.findings.extend(_own(view, keeps[id(view)], options, check))
        report.findings.extend(check(view, options, context, cross=True))
    for report, resource in resources:
        report.findings.extend(_own(resource, keeps[id(resource)], options, check_object))
        report.findings.extend(check_object(resource, options, context, cross=True))
    for report in files:
        last = lines.get(report.path, (1, 1))
        report.findings = [
            _within(f, last) for f in report.findings if f.rule not in options.ignore
        ]
        report.findings.sort(key=Finding.sort_key)
    return Report(files, options, list(loaded))


def _objects(node: Node) -> list[tuple[str, Node]]:
    return list(objects(node))


def _repeated(node: Node) -> list[tuple[Node, int]]:
    return list(duplicate_keys(node))


def _chart_views(file: str, node: Node, document: Document, source: Source | None) -> list[View]:
    return [
        chart_view(file, section, key, section_node, document.offset, source)
        for section, key, section_node in chart_sections(node)
    ]


def _kept(kept: dict[object, Any], key: object, make: Callable[[], _T]) -> _T:
    """What `make` finds in a document, kept with it (Document.kept): lint --fix analyses the
    documents it did not change again, and their nodes are the same. Kept beside the nodes,
    not on them: a view on its root node would be a cycle, which only the garbage collector
    frees, after walking millions of nodes."""
    if key not in kept:
        kept[key] = make()
    found: _T = kept[key]
    return found


def _placed(view: View, file: str, document: Document, source: Source | None) -> View:
    """A kept view, where its document is now (moved by the fixes of documents before it)."""
    view.file, view.offset, view.source = file, document.offset, source
    return view


def _own(
    item: View | Resource,
    kept: dict[object, Any],
    options: Options,
    run: Callable[..., Iterator[Finding]],
) -> list[Finding]:
    """The findings of the rules that read `item` alone. They are kept with its document, with
    where it was: lint --fix analyses the same nodes again after other documents changed, and
    then only moves them (lines and fix offsets) to where the document is now."""
    index = item.source.index if item.source is not None else -1
    key = (type(item).__name__, id(item.root))
    said = kept.get(key)
    if said is not None and said[0] is options and (said[2] < 0) == (index < 0):
        _options, offset, before, found = said
        if (offset, before) == (item.offset, index):
            return list(found)
        return [_moved(f, item.offset - offset, index - before) for f in found]
    found = [f for f in run(item, options, Context(), cross=False) if f.rule not in options.ignore]
    kept[key] = (options, item.offset, index, found)
    return list(found)


def _moved(finding: Finding, lines: int, chars: int) -> Finding:
    """A finding of a document that moved by `lines` and `chars` in its file."""
    from dataclasses import replace

    fix = finding.fix
    if fix is not None and chars:
        from wsgen.lint_edit import Edit

        fix = replace(
            fix,
            edits=tuple(Edit(e.start + chars, e.end + chars, e.text) for e in fix.edits),
            alone=None if fix.alone is None else fix.alone + chars,
        )
    return replace(finding, line=finding.line + lines, end_line=finding.end_line + lines, fix=fix)


def _within(finding: Finding, last: tuple[int, int]) -> Finding:
    """A finding whose end (a node ends where the next token starts) stays inside the file."""
    if finding.end_line <= last[0]:
        return finding
    from dataclasses import replace

    return replace(finding, end_line=last[0], end_column=last[1])


def _file_problem(
    name: str, line: int, column: int, message: str, content: str | None = None, hint: str = ""
) -> Finding:
    if content is not None and "{{" in content:
        hint = "a Helm or Go template: lint what it renders, e.g. helm template . | wsgen lint -"
    elif content is not None and "${" in content:
        hint = "placeholders: lint after substituting them, e.g. envsubst < FILE | wsgen lint -"
    last = max(1, len(content.splitlines())) - 1 if content is not None else line
    if line > last:  # the parser's mark can sit past the last line, at the end of the stream
        line, column = last, 0
    return Finding(
        "WS001",
        "error",
        name,
        line + 1,
        column + 1,
        message,
        hint,
        line + 1,
        column + 1,
    )
