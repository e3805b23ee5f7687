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
