"""wsgen lint --fix on fixture pairs: each tests/lint/fix/WSnnn-NAME.before.yaml, fixed by the
CLI (with --unsafe-fixes when NAME says -unsafe), is its .after.yaml byte for byte; a second
run changes nothing and the rule no longer fires. Then the edits' hard cases: each is fixed to
exactly the right bytes, or its finding stays for a person (never a wrong edit)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wsgen.lint_rules import FIXES, RULES

PAIRS = Path(__file__).resolve().parent / "lint" / "fix"
BEFORE = sorted(PAIRS.glob("WS*.before.yaml"))


def _name(path: Path) -> str:
    return path.name.removesuffix(".before.yaml")


def _flags(name: str) -> list[str]:
    return ["--fix", "--unsafe-fixes"] if "-unsafe" in name else ["--fix"]


def _findings(wsgen, path: Path, *flags: str) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--format", "json", *flags, str(path))
    assert result.err == "", result.err
    return result.code, json.loads(result.out)["findings"]


def test_every_fixable_rule_has_a_pair_and_says_how() -> None:
    names = [_name(path) for path in BEFORE]
    assert names, "fixture pairs in tests/lint/fix"
    for path in BEFORE:
        assert path.with_name(_name(path) + ".after.yaml").exists(), path
    for rule in RULES.values():
        assert rule.fix in FIXES, rule.id
        mine = [name for name in names if name.startswith(rule.id + "-")]
        if rule.fix:
            assert mine, f"{rule.id} is fixable ({rule.fix}) but has no fixture pair"
        if rule.fix in ("safe", "safe or unsafe"):
            assert any("-unsafe" not in name for name in mine), rule.id
        if rule.fix in ("unsafe", "safe or unsafe"):
            assert any("-unsafe" in name for name in mine), rule.id
        if not rule.fix:
            assert not mine, f"{rule.id} is not fixable but has a fixture pair"


def test_pairs_keep_crlf_and_the_bom() -> None:
    """git must not normalise them (tests/lint/fix/.gitattributes)."""
    crlf = (PAIRS / "WS205-crlf.before.yaml").read_bytes()
    assert crlf.count(b"\n") == crlf.count(b"\r\n") > 10
    assert (PAIRS / "WS203-units-bom.before.yaml").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("before", BEFORE, ids=_name)
def test_fix_gives_the_after_file(wsgen, tmp_path: Path, before: Path) -> None:  # type: ignore[no-untyped-def]
    name = _name(before)
    rule = name[:5]
    target = tmp_path / f"{name}.yaml"
    shutil.copyfile(before, target)
    _code, found = _findings(wsgen, target)
    assert any(f["rule"] == rule for f in found), f"{rule} fires on {before.name}"

    _code, found = _findings(wsgen, target, *_flags(name))
    assert target.read_bytes() == before.with_name(name + ".after.yaml").read_bytes()
    mine = [f for f in found if f["rule"] == rule]
    assert mine and all(f["fix"]["status"] == "fixed" for f in mine), mine

    # idempotent, and the rule no longer fires
    fixed = target.read_bytes()
    _code, found = _findings(wsgen, target, *_flags(name))
    assert target.read_bytes() == fixed
    assert not [f for f in found if f["rule"] == rule]
    assert not [f for f in found if f["fix"] and f["fix"]["status"] == "fixed"]


@pytest.mark.parametrize("before", [p for p in BEFORE if "-unsafe" in p.name], ids=_name)
def test_unsafe_pairs_need_unsafe_fixes(wsgen, tmp_path: Path, before: Path) -> None:  # type: ignore[no-untyped-def]
    name = _name(before)
    target = tmp_path / f"{name}.yaml"
    shutil.copyfile(before, target)
    code, found = _findings(wsgen, target, "--fix")
    mine = [f for f in found if f["rule"] == name[:5]]
    assert mine and all(f["fix"]["status"] == "unsafe" for f in mine), mine
    assert code == 1


# --- the edits' hard cases ----------------------------------------------------------------------

P = "nginx.ingress.kubernetes.io/"
HEAD = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: chat\n"
SPEC = (
    "spec:\n  ingressClassName: nginx\n  rules:\n    - host: chat.example.com\n      http:\n"
    "        paths:\n          - path: /ws\n            pathType: Prefix\n            backend:\n"
    "              service:\n                name: chat\n                port:\n"
    "                  number: 8080\n"
)
READ = f'    {P}proxy-read-timeout: "3600"\n'
SEND = f'    {P}proxy-send-timeout: "3600"\n'
BOTH = READ + SEND
FLOW_PATH = "          - {path: /ws, backend: {service: {name: chat, port: {number: 8080}}}}\n"
SNIPPET = (
    f"    {P}configuration-snippet: |-\n      proxy_set_header Upgrade $http_upgrade;   \n\n"
    "      proxy_set_header Connection upgrade;\n"
)
FOUR = (
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n    name: chat\nspec:\n"
    "    rules:\n        - host: chat.example.com\n          http:\n              paths:\n"
    "                  - path: /ws\n                    pathType: Prefix\n"
    "                    backend:\n                        service:\n"
    "                            name: chat\n                            port:\n"
    "                                number: 8080\n"
)
LIST = (
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
    "  metadata:\n    name: chat\n    annotations:\n"
    f'      {P}proxy-read-timeout: "3600"\n      {P}proxy-send-timeout: "3600"\n'
    f"      {P}enable-websocket: 'true'\n"
    "  spec:\n    rules:\n    - host: chat.example.com\n      http:\n        paths:\n"
    "        - path: /ws\n          backend:\n            service:\n              name: chat\n"
    "              port:\n                number: 8080\n"
)
SHARED = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
    f"- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n  metadata:\n    name: {name}\n"
    f"    annotations: {said}\n  spec:\n    ingressClassName: nginx\n"
    "    defaultBackend: {service: {name: chat, port: {number: 80}}}\n"
    for name, said in (
        ("chat", f'&a {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: 3600}}'),
        ("chat-2", "*a"),
    )
)

NOCLASS = SPEC.replace("  ingressClassName: nginx\n", "").replace("/ws", "/")
SHARED_SPEC = (
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
    "  metadata:\n    name: chat\n    annotations:\n      kubernetes.io/ingress.class: nginx\n"
    "  spec: &s\n    defaultBackend: {service: {name: chat, port: {number: 80}}}\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n  metadata:\n    name: chat-2\n"
    "  spec: *s\n"
)

# (id, rule, before, after): after None: the file stays as it was, the finding for a person
EDGES: list[tuple[str, str, str, str | None]] = [
    # anchors, aliases, tags, merges: an edit there would change what other places read
    ("anchor", "WS204", HEAD + "  annotations:\n" + READ + f"    {P}proxy-send-timeout: &a 3600\n" + SPEC, None),
    ("alias", "WS203", HEAD + f'  annotations:\n    {P}proxy-read-timeout: &a "3600s"\n    {P}proxy-send-timeout: *a\n' + SPEC, None),
    ("alias-of-a-label", "WS304", HEAD + '  labels:\n    v: &v "1.0"\n  annotations:\n' + BOTH + f"    {P}proxy-http-version: *v\n" + SPEC, None),
    ("tag-int", "WS204", HEAD + "  annotations:\n" + READ + f"    {P}proxy-send-timeout: !!int 3600\n" + SPEC, None),
    ("tag-str", "WS203", HEAD + "  annotations:\n" + READ + f"    {P}proxy-send-timeout: !!str 3600s\n" + SPEC, None),
    ("merged-value", "WS204", f"x-common: &c\n  {P}proxy-read-timeout: 3600\n" + HEAD + "  annotations:\n    <<: *c\n" + SEND + SPEC, None),
    ("merged-units", "WS203", f"x-common: &c\n  {P}proxy-read-timeout: 3600s\n" + HEAD + "  annotations:\n    <<: *c\n" + SEND + SPEC, None),
    ("merged-key", "WS301", f"x-common: &c\n  {P}enable-websocket: 'true'\n" + HEAD + "  annotations:\n    <<: *c\n" + BOTH + SPEC, None),
    ("annotations-an-alias-shares", "WS204", SHARED, None),
    # quoting of keys
    ("single-quoted-key", "WS302", HEAD + "  annotations:\n    'ingress.kubernetes.io/proxy-read-timeout': \"3600\"\n" + SEND + SPEC,
     HEAD + f"  annotations:\n    '{P}proxy-read-timeout': \"3600\"\n" + SEND + SPEC),
    ("target-there-already", "WS302", HEAD + "  annotations:\n" + BOTH + '    ingress.kubernetes.io/proxy-read-timeout: "60"\n' + SPEC, None),
    # block scalars: their lines go, the blank lines and comments after them stay
    ("snippet-strip", "WS401", HEAD + "  annotations:\n" + BOTH + SNIPPET + "\n\n# spec\n" + SPEC,
     HEAD + "  annotations:\n" + BOTH + "\n\n# spec\n" + SPEC),
    ("snippet-folded", "WS401", HEAD + "  annotations:\n" + BOTH + f"    {P}server-snippet: >\n      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection upgrade;\n" + SPEC,
     HEAD + "  annotations:\n" + BOTH + SPEC),
    ("snippet-before-timeouts", "WS401", HEAD + "  annotations:\n" + SNIPPET + SPEC,
     HEAD + "  annotations:\n" + BOTH + SPEC),
    # indentation
    ("four-spaces", "WS201", FOUR, FOUR.replace("metadata:\n    name: chat\n", f'metadata:\n    name: chat\n    annotations:\n        {P}proxy-read-timeout: "3600"\n        {P}proxy-send-timeout: "3600"\n')),
    ("comment-over-the-first-key", "WS201", HEAD + f"  annotations:\n    # the body size\n    {P}proxy-body-size: 8m\n" + SPEC,
     HEAD + "  annotations:\n" + BOTH + f"    # the body size\n    {P}proxy-body-size: 8m\n" + SPEC),
    ("last-line-without-line-break", "WS201", "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" + SPEC + "metadata:\n  name: chat",
     "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" + SPEC + "metadata:\n  name: chat\n  annotations:\n" + BOTH.rstrip("\n")),
    # flow style
    ("flow-on-lines", "WS204", HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: 3600\n  }}\n' + SPEC,
     HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600"\n  }}\n' + SPEC),
    ("flow-line-removed", "WS301", HEAD + f"  annotations: {{\n    {P}enable-websocket: 'true',  # made up\n" + f'    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600"\n  }}\n' + SPEC,
     HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600"\n  }}\n' + SPEC),
    ("flow-comment-before-the-comma", "WS301", HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600",  # both\n    {P}enable-websocket: \'true\'\n  }}\n' + SPEC, None),
    ("flow-only-pair", "WS301", HEAD + f"  annotations: {{{P}enable-websocket: 'true'}}\n" + SPEC,
     HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: "3600"}}\n' + SPEC),
    ("flow-only-pair-with-timeouts", "WS601", HEAD + "  annotations: {kubernetes.io/ingress.class: nginx}\n" + SPEC.replace("  ingressClassName: nginx\n", "").replace("/ws", "/"),
     HEAD + SPEC.replace("/ws", "/")),
    ("flow-add-after", "WS205", HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600"}}\n' + SPEC,
     HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: "3600"}}\n' + SPEC),
    ("flow-add-first", "WS201", HEAD + f"  annotations: {{{P}proxy-body-size: 8m}}\n" + SPEC,
     HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: "3600", {P}proxy-body-size: 8m}}\n' + SPEC),
    ("flow-on-lines-add-first", "WS201", HEAD + f"  annotations: {{\n    {P}proxy-body-size: 8m\n  }}\n" + SPEC, None),
    ("flow-metadata", "WS201", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: chat, namespace: chat}\n" + SPEC, None),
    ("flow-path", "WS103", HEAD + "  annotations:\n" + BOTH + SPEC[: SPEC.index("          - path")] + FLOW_PATH,
     HEAD + "  annotations:\n" + BOTH + SPEC[: SPEC.index("          - path")] + FLOW_PATH.replace("/ws, ", "/ws, pathType: ImplementationSpecific, ")),
    # a fix adding a timeout waits for the rename that makes it (or the key would be there twice)
    ("renamed-read-timeout", "WS201", HEAD + f'  annotations:\n    {P}proxy_read_timeout: "3600"\n' + SPEC, HEAD + "  annotations:\n" + BOTH + SPEC),
    ("renamed-send-timeout", "WS205", HEAD + "  annotations:\n" + READ + '    ingress.kubernetes.io/proxy-send-timeout: "3600"\n' + SPEC, HEAD + "  annotations:\n" + BOTH + SPEC),
    ("chart-values", "WS201", "ingress:\n  enabled: true\n  annotations:\n" + f"    {P}proxy-body-size: 8m\n  hosts:\n    - host: chat.example.com\n      paths:\n        - path: /ws\n",
     "ingress:\n  enabled: true\n  annotations:\n" + BOTH + f"    {P}proxy-body-size: 8m\n  hosts:\n    - host: chat.example.com\n      paths:\n        - path: /ws\n"),
    # a switch that says WebSockets goes after the timeouts are added (next round)
    ("switch-before-timeouts", "WS301", HEAD + f"  annotations:\n    {P}websocket-services: chat\n    {P}proxy-body-size: 8m\n" + SPEC,
     HEAD + "  annotations:\n" + BOTH + f"    {P}proxy-body-size: 8m\n" + SPEC),
    # a rename that would make the controller read a wrong value: a person decides
    ("rename-to-a-capped-timeout", "WS301", HEAD + "  annotations:\n" + BOTH + f'    {P}proxy_connect_timeout: "3600"\n' + SPEC, None),
    ("old-prefix-short-timeout", "WS302", HEAD + '  annotations:\n    ingress.kubernetes.io/proxy-read-timeout: "60"\n' + SEND + SPEC, None),
    # keys after `- `
    ("list-items", "WS301", LIST, LIST.replace(f"      {P}enable-websocket: 'true'\n", "").replace("        - path: /ws\n", "        - path: /ws\n          pathType: ImplementationSpecific\n")),
    # numbers: quoted as written, unless kubectl reads another number than the controller would
    ("underscore-number", "WS204", HEAD + "  annotations:\n" + BOTH + f"    {P}proxy-body-size: 1_000\n" + SPEC, None),
    ("hex-number", "WS204", HEAD + "  annotations:\n" + BOTH + f"    {P}limit-rps: 0x10\n" + SPEC, None),
    ("two-on-a-line", "WS204", HEAD + f"  annotations: {{{P}proxy-read-timeout: 3600, {P}proxy-send-timeout: 3600}}\n" + SPEC,
     HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: "3600"}}\n' + SPEC),
    ("double-quoted-on-lines", "WS203", HEAD + f'  annotations:\n    {P}proxy-read-timeout: "3600\n      s"\n' + SEND + SPEC, None),
    ("plain-on-lines", "WS203", HEAD + f"  annotations:\n    {P}proxy-read-timeout: 3600\n      s\n" + SEND + SPEC, None),
    ("anchored-block-annotations", "WS204", HEAD + "  annotations: &a\n" + READ + f"    {P}proxy-send-timeout: 3600\n" + SPEC, None),
    ("null-annotations", "WS201", HEAD + "  annotations:\n" + SPEC, None),
    ("empty-flow-annotations", "WS201", HEAD + "  annotations: {}\n" + SPEC,
     HEAD + f'  annotations: {{{P}proxy-read-timeout: "3600", {P}proxy-send-timeout: "3600"}}\n' + SPEC),
    ("after-a-name-and-its-comment", "WS201", HEAD.replace("chat\n", "chat  # the app\n") + "  # labels next\n  labels: {app: chat}\n" + SPEC,
     HEAD.replace("chat\n", "chat  # the app\n") + "  annotations:\n" + BOTH + "  # labels next\n  labels: {app: chat}\n" + SPEC),
    ("explicit-key", "WS302", HEAD + '  annotations:\n    ? ingress.kubernetes.io/proxy-read-timeout\n    : "3600"\n' + SEND + SPEC,
     HEAD + f'  annotations:\n    ? {P}proxy-read-timeout\n    : "3600"\n' + SEND + SPEC),
    ("escaped-key", "WS302", HEAD + '  annotations:\n    "ingress.kubernetes.io/proxy\\x2dread-timeout": "3600"\n' + SEND + SPEC,
     HEAD + f'  annotations:\n    "{P}proxy-read-timeout": "3600"\n' + SEND + SPEC),
    ("snippet-keep", "WS401", HEAD + "  annotations:\n" + BOTH + f"    {P}configuration-snippet: |+\n      proxy_set_header Upgrade $http_upgrade;\n\n\n    {P}proxy-body-size: 8m\n" + SPEC,
     HEAD + "  annotations:\n" + BOTH + f"\n\n    {P}proxy-body-size: 8m\n" + SPEC),
    ("flow-spec", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: nginx\n" + BOTH + "spec: {rules: [{http: {paths: [{path: /ws, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]}}]}\n",
     HEAD + "  annotations:\n" + BOTH + "spec: {ingressClassName: nginx, rules: [{http: {paths: [{path: /ws, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]}}]}\n"),
    ("comment-over-spec", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: nginx\n" + BOTH + SPEC.replace("  ingressClassName: nginx\n", "  # the rules\n"),
     HEAD + "  annotations:\n" + BOTH + SPEC.replace("  ingressClassName: nginx\n", "  ingressClassName: nginx\n  # the rules\n")),
    ("crlf-bom-two-documents", "WS301", "\ufeff" + ("# one\n" + HEAD + "  annotations:\n" + BOTH + f"    {P}enable-websocket: 'true'\n" + SPEC + "---\n" + HEAD + "  annotations:\n" + BOTH + SPEC).replace("\n", "\r\n"),
     "\ufeff" + ("# one\n" + HEAD + "  annotations:\n" + BOTH + SPEC + "---\n" + HEAD + "  annotations:\n" + BOTH + SPEC).replace("\n", "\r\n")),
    ("path-item-without-path", "WS103", HEAD + "  annotations:\n" + BOTH + SPEC.replace("          - path: /ws\n            pathType: Prefix\n            backend:\n", "          - backend:\n"), None),
    # review: a removal takes its own lines only, never the comments that follow them
    ("comment-after-the-only-annotation", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: nginx\n  # labels next\n  labels: {a: b}\n" + NOCLASS,
     HEAD + "  # labels next\n  labels: {a: b}\n" + SPEC.replace("/ws", "/")),
    ("comment-after-the-only-annotation-at-column-0", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: nginx\n# the spec\n" + NOCLASS,
     HEAD + "# the spec\n" + SPEC.replace("/ws", "/")),
    ("flow-last-pair-with-a-comment", "WS301", HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600",\n    {P}enable-websocket: "true"  # switch\n  }}\n' + SPEC,
     HEAD + f'  annotations: {{\n    {P}proxy-read-timeout: "3600",\n    {P}proxy-send-timeout: "3600"\n  }}\n' + SPEC),
    # review: a removed annotation takes no anchor with it; a class written yes is "true" (WS204's reading)
    ("anchored-class", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: &c nginx\n" + BOTH + "  labels: {c: *c}\n" + NOCLASS.replace("/", "/ws", 1), None),
    ("anchored-key-removed", "WS301", HEAD + "  annotations:\n" + BOTH + f"    &k {P}enable-websocket: 'true'\n  labels:\n    *k : x\n" + SPEC, None),
    ("class-a-boolean", "WS601", HEAD + "  annotations:\n    kubernetes.io/ingress.class: yes\n" + BOTH + NOCLASS,
     HEAD + "  annotations:\n" + BOTH + SPEC.replace("nginx\n", '"true"\n', 1).replace("/ws", "/")),
    ("metadata-an-alias-shares", "WS201", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n  metadata: &m\n    name: chat\n"
     "  spec:\n    ingressClassName: nginx\n    rules: [{http: {paths: [{path: /ws, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]}}]\n"
     "- apiVersion: v1\n  kind: Service\n  metadata: *m\n  spec:\n    ports: [{port: 80}]\n", None),
    ("path-item-an-alias-shares", "WS103", "x-path: &p\n  path: /ws\n  backend: {service: {name: chat, port: {number: 80}}}\n" + HEAD + "  annotations:\n" + BOTH
     + "spec:\n  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n      - *p\n", None),
    # review: a spec an alias shares with another Ingress is not edited for one of them
    ("spec-an-alias-shares", "WS601", SHARED_SPEC, None),
    # review: a new line ends like the line it follows (a file mixing CRLF and LF)
    ("mixed-line-breaks-lf-after-crlf", "WS205", (HEAD + "  annotations:\n").replace("\n", "\r\n") + READ + SPEC,
     (HEAD + "  annotations:\n").replace("\n", "\r\n") + BOTH + SPEC),
    ("mixed-line-breaks-crlf-after-lf", "WS205", HEAD + "  annotations:\n" + READ.replace("\n", "\r\n") + SPEC,
     HEAD + "  annotations:\n" + BOTH.replace("\n", "\r\n") + SPEC),
    ("mixed-line-breaks-new-annotations", "WS201", "apiVersion: networking.k8s.io/v1\r\nkind: Ingress\r\nmetadata:\n  name: chat\n" + SPEC,
     "apiVersion: networking.k8s.io/v1\r\nkind: Ingress\r\nmetadata:\n  name: chat\n  annotations:\n" + BOTH + SPEC),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "before", "after"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES]
)
def test_an_edit_is_exact_or_left_to_a_person(  # type: ignore[no-untyped-def]
    wsgen, tmp_path: Path, rule: str, before: str, after: str | None
) -> None:
    target = tmp_path / "edge.yaml"
    target.write_bytes(before.encode())
    _code, found = _findings(wsgen, target)
    mine = [f for f in found if f["rule"] == rule]
    assert mine, f"{rule} fires"
    _code, found = _findings(wsgen, target, "--fix", "--unsafe-fixes")
    if after is None:
        assert target.read_bytes() == before.encode()
        assert [f["fix"] for f in found if f["rule"] == rule] == [None] * len(mine)
        return
    assert target.read_bytes().decode() == after
    assert all(f["fix"]["status"] == "fixed" for f in found if f["rule"] == rule)
    _code, found = _findings(wsgen, target, "--fix", "--unsafe-fixes")
    assert target.read_bytes().decode() == after
    assert not [f for f in found if f["rule"] == rule]
