"""Random strings for every option: wsgen either renders YAML whose values read back as the
input, or exits 2 with one line on stderr. Never a traceback, never a file."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsgen.cli import main

Doc = dict[str, Any]


def kinds(out: str) -> dict[str, Doc]:
    return {d["kind"]: d for d in yaml.safe_load_all(out)}


def container(d: dict[str, Doc]) -> Doc:
    return d["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def annotations(d: dict[str, Doc]) -> dict[str, str]:
    return d["Ingress"]["metadata"]["annotations"]


def rule(d: dict[str, Doc]) -> Doc:
    return d["Ingress"]["spec"]["rules"][0]


def split(value: str) -> tuple[str, str]:
    key, _, rest = value.partition("=")
    return key, rest


# option -> (extra arguments, check(value, documents) -> bool)
CHECKS: dict[str, tuple[list[str], Callable[[str, dict[str, Doc]], bool]]] = {
    "--name": ([], lambda v, d: d["Deployment"]["metadata"]["name"] == v == d["Service"]["metadata"]["name"] == container(d)["name"]),
    "--namespace": ([], lambda v, d: all(doc["metadata"]["namespace"] == v for doc in d.values())),
    "--image": ([], lambda v, d: container(d)["image"] == v),
    "--port": ([], lambda v, d: d["Service"]["spec"]["ports"][0]["port"] == int(v) == container(d)["ports"][0]["containerPort"]),
    "--replicas": ([], lambda v, d: d["Deployment"]["spec"]["replicas"] == int(v)),
    "--env": (["--image", "x/y:1"], lambda v, d: container(d)["env"] == [{"name": split(v)[0], "value": split(v)[1]}]),
    "--host": ([], lambda v, d: rule(d)["host"] == v),
    "--path": ([], lambda v, d: rule(d)["http"]["paths"][0]["path"] == v),
    "--ingress-class": ([], lambda v, d: d["Ingress"]["spec"]["ingressClassName"] == v),
    "--timeout": ([], lambda v, d: annotations(d)["nginx.ingress.kubernetes.io/proxy-read-timeout"].isdigit()
                  and (not v.isdigit() or annotations(d)["nginx.ingress.kubernetes.io/proxy-read-timeout"] == str(int(v)))),
    "--tls-secret": (["--tls", "secret"], lambda v, d: d["Ingress"]["spec"]["tls"][0]["secretName"] == v),
    "--issuer": (["--tls", "cert-manager"], lambda v, d: annotations(d)["cert-manager.io/cluster-issuer"] == v),
    "--annotation": ([], lambda v, d: annotations(d)[split(v)[0]] == split(v)[1]),
}  # fmt: skip

values = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[a-z0-9][a-z0-9.*/_:@-]{0,30}", fullmatch=True),
    st.from_regex(r"[0-9]{1,6}[hms]?", fullmatch=True),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_./-]{0,20}=.{0,20}", fullmatch=True),
    st.sampled_from(
        [
            "yes",
            "on",
            "y",
            "null",
            "~",
            "010",
            "1e3",
            "12:30",
            "- x",
            "a: b",
            "#x",
            "'",
            '"',
            "\n",
            "\u2028",
        ]
    ),
)


@pytest.mark.parametrize("option", sorted(CHECKS))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values)
def test_random_value(option: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra, check = CHECKS[option]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        for target in (None, out):
            capsys.readouterr()
            args = ["render", *extra, option, value] + (["-o", str(out)] if target else [])
            code = main(args)
            captured = capsys.readouterr()
            if code == 0:
                documents = kinds(
                    captured.out
                    if target is None
                    else "---\n".join(
                        (out / n).read_text()
                        for n in ("deployment.yaml", "service.yaml", "ingress.yaml")
                    )
                )
                assert check(value, documents), (option, value)
            else:
                assert code == 2, captured.err
                assert captured.out == ""
                lines = captured.err.splitlines()
                assert len(lines) == 1 and lines[0].startswith("wsgen: error: "), captured.err
                assert not out.exists()
        assert "internal error" not in captured.err


# --- lint: any bytes give findings or a clean pass, nothing else --------------------------------

_YAMLISH = st.lists(
    st.sampled_from(
        [
            "apiVersion: networking.k8s.io/v1\n",
            "kind: Ingress\n",
            "kind: List\nitems:\n",
            "metadata:\n",
            "  annotations:\n",
            '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n',
            "    nginx.ingress.kubernetes.io/x: 1\n",
            "spec:\n",
            "  rules:\n",
            "  - host: ws.example.com\n",
            "    http:\n      paths:\n      - path: /ws\n",
            "  tls:\n  - hosts: [a]\n",
            "---\n",
            "...\n",
            "<<: *a\n",
            "&a x: {\n",
            "- [\n",
            "  \t\r\n",
            "{{ .Values.x }}\n",
            "\ufeff",
            "\x00",
        ]
    )
    | st.text(max_size=30),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=300), _YAMLISH.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
def test_lint_never_crashes(data: bytes) -> None:
    import io

    from wsgen.lint import SEVERITIES, lint, make_options
    from wsgen.lint_rules import RULES

    report = lint(["-"], make_options(all=True), io.BytesIO(data))
    assert len(report.files) == 1
    # libyaml also breaks lines at a lone CR, NEL, LS and PS
    breaks = (b"\n", b"\r", "\x85".encode(), "\u2028".encode(), "\u2029".encode())
    lines = sum(data.count(b) for b in breaks) + 1
    for finding in report.findings:
        assert finding.rule in RULES and finding.severity in SEVERITIES
        assert 1 <= finding.line <= lines and finding.column >= 1
        assert finding.message
    from wsgen.lint_report import text

    for line in text(report).split("\n"):  # nothing in the input can act on a terminal
        assert line.isprintable(), line


# --- the cheap nesting bound never lets a deeper document through -----------------------------


def _nest(kinds: list[str], indent: int) -> str:
    """A valid YAML node nested len(kinds) levels deep, one collection of each kind inside the
    other: block sequences written compactly (`- - x`) or with the item on the next line,
    block mappings indented one column, indentless sequences under a key, flow sequences and
    mappings (only flow inside flow)."""
    if not kinds:
        return "x"
    kind, rest = kinds[0], kinds[1:]
    if kind in ("flow-seq", "flow-map") or (rest and rest[0].startswith("flow")):
        if kind == "flow-seq":
            return "[" + _nest([k for k in rest if k.startswith("flow")], indent) + "]"
        if kind == "flow-map":
            return "{a: " + _nest([k for k in rest if k.startswith("flow")], indent) + "}"
    if kind == "seq":
        return "- " + _nest(rest, indent + 2)
    if kind == "seq-newline":  # the item on the next line, one column in
        return "-\n" + " " * (indent + 1) + _nest(rest, indent + 1)
    if kind == "map-indentless" and rest and rest[0].startswith("seq"):
        inner = indent  # a mapping's sequence may share its column
    else:
        inner = indent + 1
    return "a:\n" + " " * inner + _nest(rest, inner)


def _depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return deepest


_KINDS = st.lists(
    st.sampled_from(
        [
            ["seq"],
            ["seq-newline"],
            ["map"],
            ["map-indentless", "seq-newline"],  # the tightest: two levels a column
            ["map-indentless", "seq"],
            ["flow-seq"],
            ["flow-map"],
        ]
    ),
    max_size=20,
).map(lambda parts: [kind for part in parts for kind in part])


@settings(max_examples=1000, deadline=None)
@given(kinds=_KINDS, data=st.data())
def test_nesting_bound_is_an_upper_bound(kinds: list[str], data: st.DataObject) -> None:
    """When the cheap bound says "surely not deeper than the limit", the parser agrees; and
    too_deep finds exactly the documents deeper than the limit."""
    from wsgen import yamlutil

    text = _nest(kinds, 0) + "\n"
    depth = _depth(text)
    limit = data.draw(st.integers(max(1, depth // 2), depth + 2), label="limit")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlutil, "MAX_DEPTH", limit)
        if not yamlutil.may_be_too_deep(text):
            assert depth <= limit, text
        assert (yamlutil.too_deep(text) is not None) == (depth > limit), text
