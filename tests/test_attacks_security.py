"""Key material given where wsgen quotes or writes what it was given: every command, every
stream, every file written. Keys are made by `wsgen cert`, as a user's would be."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

P = "nginx.ingress.kubernetes.io/"


@pytest.fixture
def key(wsgen, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    result = wsgen("cert", "--host", "a.example.com", "-o", str(tmp_path / "pair"))
    assert result.code == 0, result.err
    return tmp_path / "pair" / "tls.key"


def fragments(pem: str) -> list[str]:
    """The BEGIN line and each base64 line, in the case given and lowered."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    parts = [lines[0], *lines[1:-2]]  # the last base64 line can be short
    return [*parts, *(part.lower() for part in parts)]


def assert_never_shown(result, pem: str, root: Path | None = None, *allowed: Path) -> None:  # type: ignore[no-untyped-def]
    """Neither stream nor any file under `root` (but `allowed`) holds a part of `pem`."""
    for fragment in fragments(pem):
        assert fragment not in result.out
        assert fragment not in result.err
    for path in root.rglob("*") if root is not None else ():
        if path.is_file() and path not in allowed:
            text = path.read_bytes().decode(errors="replace")
            for fragment in fragments(pem):
                assert fragment not in text, path


def ingress(annotations: dict[str, str], **spec: object) -> dict[str, object]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": spec.pop("name", "x"), "annotations": annotations},
        "spec": {"ingressClassName": spec.pop("cls", "nginx"), **spec},
    }


def test_lint_findings_never_quote_a_key(wsgen, key: Path, hermetic: Path) -> None:  # type: ignore[no-untyped-def]
    """A finding quotes the file (a timeout's value, a duplicate key, a class, a name): a key
    pasted there is named in the text, JSON and SARIF reports, never copied into a CI log or
    a code-scanning upload."""
    pem = key.read_text()
    line = pem.splitlines()[2]
    docs = {
        "timeouts.yaml": ingress({P + "proxy-read-timeout": pem, P + "proxy-send-timeout": line}),
        "affinity.yaml": ingress({P + "affinity": pem, P + "load-balance": pem.lower()}),
        "class.yaml": {
            **ingress({"kubernetes.io/ingress.class": pem}),
            "spec": {},
        },
        "name.yaml": ingress({}, name=pem),
        "chart.yaml": {
            "ingress": {"className": "nginx", "annotations": {P + "proxy-read-timeout": pem}}
        },
    }
    for name, doc in docs.items():
        (hermetic / name).write_text(yaml.safe_dump(doc, width=10**6))
    block = "".join(f"      {x}\n" for x in pem.splitlines())
    (hermetic / "dup.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n  annotations:\n"
        f"    ? |\n{block}    : a\n    ? |\n{block}    : b\n"
        f"    {P}proxy-send-timeout: !!binary {line}\n"
    )
    for form in ("text", "json", "sarif"):
        result = wsgen("lint", "--all", "--format", form, ".")
        assert result.code == 1, result.err
        assert result.err == ""
        assert_never_shown(result, pem)  # lint writes no file
        for rule in ("WS002", "WS203", "WS204", "WS304", "WS601"):
            assert rule in result.out, (form, rule)
    result = wsgen("lint", "--all", "timeouts.yaml")
    assert 'proxy-read-timeout "<a PEM private key>' in result.out
    assert 'proxy-send-timeout "<base64 text of 64 characters>"' in result.out
