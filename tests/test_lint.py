"""wsgen lint as a user meets it: each rule on a fixture that triggers it and one that must not,
the real-world corpus, wsgen's own output, the three formats, exit codes and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import oracles
from conftest import EXAMPLES, ROOT, through_a_non_blocking_pipe, wsgen_exe
from wsgen.lint_rules import RULES
from wsgen.yamlutil import MAX_DEPTH

FIXTURES = Path(__file__).resolve().parent / "lint"
MARKER = re.compile(r"#\s*<-\s*(WS\d{3})")
# The shared corpus of real manifests sits beside the project; CI has it. Never copied here.
CORPUS = Path(os.environ.get("LINT_CORPUS", ROOT.parent / "shared" / "corpus" / "ingress"))


def lint_json(wsgen, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--format", "json", *args)
    assert result.err == "", result.err
    return result.code, json.loads(result.out)


def fixture_args(path: Path) -> list[str]:
    first = path.read_text().splitlines()[0]
    return first.removeprefix("# args: ").split() if first.startswith("# args: ") else []


def markers(path: Path) -> set[tuple[str, int]]:
    found = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for rule in MARKER.findall(line):
            found.add((rule, number))
    return found


BAD = sorted(FIXTURES.glob("WS*-bad*.yaml"))
OK = sorted(FIXTURES.glob("WS*-ok*.yaml"))


def test_every_rule_has_a_fixture_that_triggers_it_and_one_that_must_not() -> None:
    for rule in RULES:
        assert any(p.name.startswith(f"{rule}-bad") for p in BAD), rule
        assert any(p.name.startswith(f"{rule}-ok") for p in OK), rule


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_fixture_finds_the_rule_on_the_marked_line(wsgen, path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = markers(path)
    assert expected, "a bad fixture marks its lines with  # <- WSnnn"
    code, report = lint_json(wsgen, *fixture_args(path), str(path))
    marked_rules = {rule for rule, _line in expected}
    found = {(f["rule"], f["line"]) for f in report["findings"] if f["rule"] in marked_rules}
    assert found == expected
    lines = path.read_text().splitlines()
    for f in report["findings"]:
        if f["rule"] in marked_rules and f["rule"] != "WS001":
            # the column is where the offending key or value starts on that line
            line = lines[f["line"] - 1]
            before = line[: f["column"] - 1]
            assert line[f["column"] - 1] not in " #", (f, line)
            assert before.strip() == "" or before.rstrip().endswith((":", "-")), (f, line)
    rank = ["info", "warning", "error"]
    floor = rank.index(report["summary"]["failOn"])
    assert code == int(any(rank.index(f["severity"]) >= floor for f in report["findings"]))
    rule = path.name[:5]
    suffix = path.stem.rpartition("-")[2]  # WS202-bad-warning: a severity other than the rule's
    severity = suffix if suffix in rank else RULES[rule].severity
    assert {f["severity"] for f in report["findings"] if f["rule"] == rule} == {severity}
    args = [*fixture_args(path), str(path)]
    assert wsgen("lint", *args, "--fail-on", severity).code == 1
    ignored = ",".join(sorted({f["rule"] for f in report["findings"]}))
    quiet = wsgen("lint", *args, "--fail-on", "info", "--ignore", ignored)
    assert (quiet.code, quiet.out.splitlines()[:-1]) == (0, [])


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_ok_fixture_is_clean(wsgen, path: Path) -> None:  # type: ignore[no-untyped-def]
    code, report = lint_json(wsgen, "--fail-on", "info", *fixture_args(path), str(path))
    assert report["findings"] == []
    assert code == 0
    kinds = RULES[path.name[:5]].kinds - {"*"}
    if kinds and not report["summary"]["ingresses"]:  # a rule about Services, policies, ...
        read = {doc.get("kind") for doc in yaml.safe_load_all(path.read_text()) if doc}
        assert kinds & read, "the fixture holds an object the rule reads"
    else:
        assert report["summary"]["ingresses"] >= 1


# --- the corpus of real manifests (../shared/corpus/ingress, with notes in SOURCES.tsv) ----------

# What the notes call wrong in each file, as the rules that must find it. "clean" files must give
# no finding at all; files only a person can tell carry WebSockets are checked with --all.
CORPUS_EXPECTED: dict[str, set[str]] = {
    "001": {"WS301", "WS601", "WS206"},  # websocket-services, class annotation, connect 300
    "003": {"WS002", "WS601"},  # repeated target-group-attributes; ALB idle 3600 is fine
    "005": {"WS301"},  # enable-websockets
    "007": {"WS301"},  # websocket-services, enable-websocket (envsubst placeholders parse)
    "009": {"WS301", "WS303", "WS601"},  # server-snippets, websocket-services, nginx.org/
    "011": {"WS101", "WS102", "WS301", "WS401", "WS601"},  # v1beta1, Upgrade snippet, underscores
    "013": set(),  # looks correct
    "015": {"WS401"},  # snippet adds Upgrade/Connection
    "016": {"WS701"},  # GCE, a socket host, no BackendConfig
    "019": {"WS201", "WS301"},  # /ws without timeouts, websocket-services
    "021": {"WS205", "WS602"},  # read without send, no class
    "023": {"WS601"},
    "025": set(),  # looks correct
    "026": {"WS402"},  # a snippet without Upgrade headers
    "029": {"WS602"},
    "030": {"WS201", "WS301"},  # upgrade/connection annotations, no timeouts
    # the old-prefix timeouts ask for long connections, and are ignored: WS201 too
    "033": {"WS101", "WS102", "WS201", "WS302", "WS602"},
    "035": set(),  # Traefik: no ingress-nginx rule applies
    # proxy-set-headers is a ConfigMap key of the controller, not an annotation (the notes
    # call the file correct; ingress-nginx ignores that key on an Ingress).
    "038": {"WS301"},
    "039": set(),  # a chess backend: only --all can tell (below)
    "041": set(),  # Traefik: its made-up annotation is not an ingress-nginx matter
    "043": {"WS206"},  # connect timeout 6000
    "046": set(),  # read timeout 30 on a whoami service: only --all (below)
    "047": {"WS501"},  # tls entry without secretName
    "049": set(),  # a ConfigMap: never an Ingress finding
    "051": {"WS601"},  # chart values: legacy class annotations
    "053": {"WS501"},  # tls entry without secretName; F5 style, not ingress-nginx
}
CORPUS_ALL_EXPECTED = {
    "023": {"WS201"},  # Uptime Kuma: socket.io behind no timeouts
    "029": {"WS201"},  # Guacamole's WebSocket tunnel
    "039": {"WS201"},
    "046": {"WS202"},
    "051": {"WS201"},  # consoleIngress and docker-registry sections
}
NOT_INGRESS_NGINX = ("003", "016", "035", "041", "047", "053")


def corpus_report(wsgen, *args: str) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    if not CORPUS.is_dir():
        oracles.missing(f"the shared corpus is not at {CORPUS} (set LINT_CORPUS)")
    code, report = lint_json(wsgen, *args, str(CORPUS))
    assert code == 1
    files = {Path(f["path"]).name[:3]: f for f in report["files"]}
    assert set(files) == set(CORPUS_EXPECTED), "every file is reported"
    assert all(f["documents"] >= 1 for f in files.values())
    by_file: dict[str, list[dict]] = {prefix: [] for prefix in files}
    for finding in report["findings"]:
        by_file[Path(finding["path"]).name[:3]].append(finding)
    return by_file


def test_corpus_pitfalls_are_found(wsgen) -> None:  # type: ignore[no-untyped-def]
    by_file = corpus_report(wsgen)
    for prefix, expected in CORPUS_EXPECTED.items():
        rules = {f["rule"] for f in by_file[prefix]}
        assert rules == expected, (prefix, by_file[prefix])
    for prefix in NOT_INGRESS_NGINX:
        nginx_rules = {r for r in RULES if RULES[r].nginx}
        assert not {f["rule"] for f in by_file[prefix]} & nginx_rules, prefix
    assert {f["line"] for f in by_file["051"]} == {21, 43}  # the two class annotations


def test_corpus_with_all_finds_the_websockets_only_a_person_can_tell(wsgen) -> None:  # type: ignore[no-untyped-def]
    by_file = corpus_report(wsgen, "--all")
    for prefix, expected in CORPUS_ALL_EXPECTED.items():
        assert expected <= {f["rule"] for f in by_file[prefix]}, (prefix, by_file[prefix])
    assert {f["line"] for f in by_file["051"] if f["rule"] == "WS201"} == {42, 56}
    assert not by_file["049"]


# --- wsgen's own output is clean ------------------------------------------------------------------


def test_examples_folders_are_clean(wsgen) -> None:  # type: ignore[no-untyped-def]
    code, report = lint_json(wsgen, "--fail-on", "info", "--all", str(EXAMPLES))
    assert (code, report["findings"]) == (0, [])
    # canary-ingress.yaml: the second Ingress of a canary example
    assert report["summary"]["ingresses"] == len(list(EXAMPLES.rglob("*ingress.yaml")))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--tls", "self-signed", "--host", "chat.example.com"],
        ["--tls", "secret", "--tls-secret", "chat-tls", "--host", "chat.example.com"],
        ["--tls", "cert-manager", "--issuer", "letsencrypt", "--host", "chat.example.com"],
        ["--timeout", "1h", "--annotation", "nginx.ingress.kubernetes.io/affinity=cookie"],
        *[
            ["-f", str(p)]
            for p in sorted(EXAMPLES.glob("*/wsgen.yaml"))
            if (p.parent / "ingress.yaml").is_file()  # lint reads Ingresses only
        ],
    ],
    ids=lambda a: " ".join(a).replace(str(EXAMPLES), "examples"),
)
def test_rendered_stream_is_clean(args: list[str], tmp_path: Path) -> None:
    rendered = subprocess.run(
        [*wsgen_exe(), "render", *args], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    linted = subprocess.run(
        [*wsgen_exe(), "lint", "--fail-on", "info", "--all", "-"],
        input=rendered,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # two with a canary: the main Ingress and its canary
    count = sum(1 for doc in yaml.safe_load_all(rendered) if doc and doc["kind"] == "Ingress")
    said = "1 Ingress" if count == 1 else f"{count} Ingresses"
    assert (linted.returncode, linted.stdout) == (
        0,
        f"1 file, {said}: 0 errors, 0 warnings, 0 infos\n",
    )


# --- the command: inputs, formats, exit codes -----------------------------------------------------

GOOD = (FIXTURES / "WS201-ok.yaml").read_text()
BROKEN = (FIXTURES / "WS201-bad.yaml").read_text()


def test_text_format_is_one_line_per_finding_then_a_summary(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(BROKEN)
    result = wsgen("lint", str(tmp_path / "a.yaml"))
    assert result.code == 1
    assert result.err == ""
    first, summary = result.out.splitlines()
    assert first.startswith(
        f"{tmp_path / 'a.yaml'}:6:3: error WS201 a WebSocket Ingress (path /ws)"
    )
    assert first.endswith("(wsgen render --timeout 3600 writes both)) [unsafe fix]")
    assert summary == "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos; 1 with --fix --unsafe-fixes"


def test_json_schema(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(BROKEN)
    (tmp_path / "b.yml").write_text(GOOD)
    code, report = lint_json(wsgen, str(tmp_path))
    assert code == 1
    assert report["schema"] == "wsgen-lint/1"
    assert report["summary"] == {
        "files": 2,
        "documents": 2,
        "ingresses": 2,
        "errors": 1,
        "warnings": 0,
        "infos": 0,
        "failOn": "warning",
        "failed": True,
        "fixed": 0,
        "fixable": 0,
        "unsafeFixable": 1,
    }
    assert report["files"] == [
        {"path": str(tmp_path / "a.yaml"), "documents": 1, "ingresses": 1, "findings": 1},
        {"path": str(tmp_path / "b.yml"), "documents": 1, "ingresses": 1, "findings": 0},
    ]
    (finding,) = report["findings"]
    assert list(finding) == [
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "endLine",
        "endColumn",
        "ingress",
        "message",
        "hint",
        "fix",
    ]
    assert (finding["rule"], finding["line"], finding["column"], finding["ingress"]) == (
        "WS201",
        6,
        3,
        "chat/chat",
    )


def test_sarif_has_what_code_scanning_requires(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("k8s dir").mkdir()
    Path("k8s dir/ingress.yaml").write_text((FIXTURES / "WS206-bad.yaml").read_text())
    result = wsgen("lint", "--format", "sarif", "k8s dir")
    assert result.code == 0  # an info is below the default --fail-on warning
    sarif = json.loads(result.out)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "wsgen"
    assert [r["id"] for r in driver["rules"]] == sorted(RULES)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    (res,) = run["results"]
    assert (res["ruleId"], res["level"]) == ("WS206", "note")
    assert driver["rules"][res["ruleIndex"]]["id"] == "WS206"
    assert res["message"]["text"].startswith("proxy-connect-timeout 3600: nginx waits")
    location = res["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "k8s%20dir/ingress.yaml"
    region = location["region"]
    assert (region["startLine"], region["startColumn"]) == (9, 56)
    assert region["endLine"] >= region["startLine"] and region["endColumn"] >= 1


def test_stdin_and_files_together(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    (tmp_path / "ok.yaml").write_text(GOOD)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BROKEN.encode())))
    code, report = lint_json(wsgen, str(tmp_path / "ok.yaml"), "-")
    assert code == 1
    assert [f["path"] for f in report["files"]] == [str(tmp_path / "ok.yaml"), "<stdin>"]
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [("<stdin>", "WS201")]


def test_folders_recurse_into_yaml_files_only_and_skip_hidden_folders(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for name in ("b/deep/x.yaml", "a.yml", ".git/c.yaml", "notes.txt", "b/.hidden/d.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BROKEN)
    _code, report = lint_json(wsgen, str(tmp_path))
    assert [Path(f["path"]).relative_to(tmp_path).as_posix() for f in report["files"]] == [
        "a.yml",
        "b/deep/x.yaml",
    ]


def test_one_bad_file_never_stops_the_others(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "1-latin1.yaml").write_bytes("# caf\xe9\n".encode("latin-1") + GOOD.encode())
    (tmp_path / "2-binary.yaml").write_bytes(b"\x00\x01\x02\xff")
    (tmp_path / "3-control.yaml").write_text("a: \x07\n")
    (tmp_path / "4-utf16.yaml").write_bytes(BROKEN.encode("utf-16"))
    (tmp_path / "5-empty.yaml").write_text("")
    (tmp_path / "6-comments.yaml").write_text("# nothing here\n---\n# nor here\n")
    (tmp_path / "7-crlf.yaml").write_bytes(BROKEN.replace("\n", "\r\n").encode())
    (tmp_path / "8-list.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        + "".join(
            f"  - {line}\n" if i == 0 else f"    {line}\n"
            for i, line in enumerate(BROKEN.splitlines())
        )
    )
    code, report = lint_json(wsgen, str(tmp_path))
    assert code == 1
    found = {(Path(f["path"]).name, f["rule"], f["line"]) for f in report["findings"]}
    assert found == {
        ("1-latin1.yaml", "WS001", 1),
        ("2-binary.yaml", "WS001", 1),
        ("3-control.yaml", "WS001", 1),
        ("4-utf16.yaml", "WS201", 6),
        ("7-crlf.yaml", "WS201", 6),
        ("8-list.yaml", "WS201", 9),
    }
    messages = {Path(f["path"]).name: f["message"] for f in report["findings"]}
    assert messages["1-latin1.yaml"] == ("byte 0xe9 is not UTF-8 (save the file as UTF-8)")
    assert len(report["files"]) == 8


@pytest.mark.parametrize(
    "value", ["1" * 4301, "0" * 5000 + "3600", "-" + "9" * 5000, "9223372036854775808"]
)
def test_a_number_longer_than_pythons_int_limit_is_a_finding_not_a_crash(
    wsgen, tmp_path: Path, value: str
) -> None:  # type: ignore[no-untyped-def]
    """Python's int() refuses text of more than 4300 digits; Go's strconv.Atoi reads any
    number of leading zeros, and refuses what does not fit 64 bits (ingress-nginx drops it)."""
    path = tmp_path / "long.yaml"
    path.write_text(LONG_NUMBER.format(value=value))
    code, report = lint_json(wsgen, str(path))
    rules = sorted(f["rule"] for f in report["findings"])
    if value.lstrip("0") == "3600":
        assert (code, rules) == (0, []), report["findings"]  # 3600, whatever its leading zeros
    else:
        assert code == 1 and rules, report["findings"]  # dropped by ingress-nginx: said


LONG_NUMBER = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "{value}"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"
spec:
  ingressClassName: nginx
  rules:
    - host: chat.example.com
      http:
        paths:
          - path: /ws
            pathType: Prefix
            backend:
              service:
                name: chat
                port:
                  number: 8080
"""


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"a: {", (1, 5)),
        # found by test_property: a vertical tab, then a flow mapping the stream ends inside
        (b"\x0b\n--- {\xe1\x80\x80", (2, 7)),
        (b"a: b\r--- [", (2, 6)),
    ],
)
def test_a_stream_that_ends_inside_a_node_is_said_on_its_last_line(
    wsgen, tmp_path: Path, data: bytes, where: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    """libyaml puts the end of a stream without a final line break on the line after it: lint
    names the end of the last line instead (an editor has no line 3 in a 2-line file)."""
    path = tmp_path / "cut.yaml"
    path.write_bytes(data)
    code, report = lint_json(wsgen, str(path))
    assert code == 1
    assert (report["findings"][-1]["line"], report["findings"][-1]["column"]) == where


def test_unreadable_file_is_a_finding_not_a_crash(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if os.geteuid() == 0:  # root reads any file; /proc/self/mem refuses plain reads
        code, report = lint_json(wsgen, "/proc/self/mem")
        assert code == 1
        assert report["findings"][0]["message"] == ("cannot read: Input/output error")
        return
    path = tmp_path / "secret.yaml"
    path.write_text(GOOD)
    path.chmod(0)
    code, report = lint_json(wsgen, str(path))
    assert code == 1
    assert report["findings"][0]["message"] == "cannot read: Permission denied"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml"], "wsgen: error: PATH: 'missing.yaml': no such file or folder"),
        (["--format", "xml", "."], "wsgen: error: --format: 'xml' is not one of text, json, sarif"),
        (
            ["--fail-on", "never", "."],
            "wsgen: error: --fail-on: 'never' is not one of error, warning, info",
        ),
        (
            ["--min-timeout", "1h", "."],
            "wsgen: error: --min-timeout: '1h' is not whole seconds from 1 to 2147483",
        ),
        (
            ["--ignore", "WS201,WS2O2", "."],
            "wsgen: error: --ignore: 'WS2O2' is not a rule id (did you mean 'WS202'?)",
        ),
        (["--ingress-class", "", "."], "wsgen: error: --ingress-class: must not be empty"),
        (["-", "-"], "wsgen: error: PATH: '-' (stdin) can be given once"),
        (["empty"], "wsgen: error: PATH: no *.yaml or *.yml files in 'empty'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    wsgen, args: list[str], message: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "work" / "empty").mkdir(exist_ok=True)
    (tmp_path / "work" / "ok.yaml").write_text(GOOD)
    result = wsgen("lint", *args)
    assert (result.code, result.out, result.err) == (2, "", message + "\n")


def test_missing_path_argument_is_a_usage_error(wsgen) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("lint")
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: Missing argument 'PATH...'. (see 'wsgen lint --help')"
    ]


def test_fail_on_and_ignore(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text((FIXTURES / "WS205-bad.yaml").read_text())  # one warning
    assert wsgen("lint", str(path)).code == 1
    assert wsgen("lint", "--fail-on", "error", str(path)).code == 0
    assert wsgen("lint", "--fail-on", "info", str(path)).code == 1
    result = wsgen("lint", "--ignore", "ws205", "--ignore", "WS001,WS002", str(path))
    assert (result.code, result.out) == (0, "1 file, 1 Ingress: 0 errors, 0 warnings, 0 infos\n")


def test_ingress_class_brings_a_renamed_class_under_ingress_nginx_rules(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(
        GOOD.replace("ingressClassName: nginx", "ingressClassName: public").replace(
            '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n',
            '    proxy-read-timeout: "3600"\n',
        )
    )
    assert wsgen("lint", str(path)).out.endswith(": 0 errors, 0 warnings, 0 infos\n")
    _code, report = lint_json(wsgen, "--ingress-class", "public", str(path))
    assert {f["rule"] for f in report["findings"]} == {"WS201", "WS302"}


def test_chart_values_sections_get_the_annotation_rules_but_controller_settings_do_not(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "values.yaml"
    path.write_text(
        """controller:
  config:
    proxy-read-timeout: "60"
    use-forwarded-headers: "true"
  service:
    annotations:
      service.beta.kubernetes.io/aws-load-balancer-type: nlb
  ingressClassResource:
    name: nginx
    enabled: true
chat:
  wsIngress:
    enabled: true
    className: nginx
    annotations:
      nginx.ingress.kubernetes.io/proxy-read-timeout: 3600s
      nginx.ingress.kubernetes.io/enable-websocket: "true"
    hosts:
      - host: chat.example.com
        paths:
          - path: /ws
            pathType: Prefix
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
data:
  proxy-read-timeout: "60"
  allow-snippet-annotations: "false"
"""
    )
    _code, report = lint_json(wsgen, str(path))
    found = [(f["rule"], f["line"], f["ingress"]) for f in report["findings"]]
    assert found == [
        ("WS205", 16, "chat.wsIngress"),  # at the key
        ("WS203", 16, "chat.wsIngress"),  # at the value
        ("WS301", 17, "chat.wsIngress"),
    ]


def test_documents_after_a_broken_one_are_still_linted(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.yaml"
    path.write_text(BROKEN + "---\nkey: [unclosed\n---\n" + BROKEN)
    _code, report = lint_json(wsgen, str(path))
    found = [(f["rule"], f["line"]) for f in report["findings"]]
    lines = BROKEN.count("\n")
    assert found == [("WS201", 6), ("WS001", lines + 3), ("WS201", lines + 3 + 6)]


# Runs wsgen with the PyYAML first on sys.path; "pure" hides libyaml (as a PyYAML built
# without it), and the first stderr line says which PyYAML and loader were really used.
_WITH_PYYAML = """import sys, yaml
if sys.argv[1] == "pure":
    del yaml.CSafeLoader
from wsgen import yamlutil
print("pyyaml", yaml.__version__, yamlutil.SafeLoader.__name__, file=sys.stderr)
from wsgen.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _pinned_pyyaml() -> tuple[str, str]:
    """The range pyproject.toml states for PyYAML: (oldest, first unsupported)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'"pyyaml>=([0-9.]+),<([0-9.]+)"', text)
    assert found, "pyproject.toml states PyYAML's range as pyyaml>=X,<Y"
    return found.group(1), found.group(2)


@pytest.fixture(scope="session")
def oldest_pyyaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The oldest supported PyYAML (its wheel, with libyaml) in a folder of its own."""
    target = tmp_path_factory.mktemp("oldest-pyyaml")
    oldest = _pinned_pyyaml()[0]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--only-binary=:all:", "--target", str(target), f"pyyaml=={oldest}"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(params=["newest-libyaml", "newest-pure", "oldest-libyaml", "oldest-pure"])
def with_pyyaml(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run wsgen in a subprocess with the newest PyYAML installed here or the oldest the range
    allows, each with and without libyaml: (args) -> (code, stdout, stderr after the banner)."""
    release, loader = request.param.split("-")
    env = dict(os.environ)
    expected = yaml.__version__
    if release == "oldest":
        folder = request.getfixturevalue("oldest_pyyaml")
        env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
        expected = _pinned_pyyaml()[0]
    newest, _next = yaml.__version__, _pinned_pyyaml()[1]
    assert int(newest.split(".")[0]) < int(_next), "the installed PyYAML is outside the range"

    def run(*args: str) -> tuple[int, str, str]:
        result = subprocess.run(
            [sys.executable, "-c", _WITH_PYYAML, loader, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )
        banner, _, err = result.stderr.partition("\n")
        name = "CSafeLoader" if loader == "libyaml" else "SafeLoader"
        assert banner == f"pyyaml {expected} {name}", result.stderr
        return result.returncode, result.stdout, err

    return run


DEEP = f"nested deeper than {MAX_DEPTH} levels (wsgen's limit)"


def test_deep_nesting_is_a_finding_not_a_crash(with_pyyaml, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # libyaml's composer recurses in C (50,000 levels end the process with SIGSEGV), PyYAML
    # 6.0.4's libyaml has a limit and a message of its own, the Python composer recurses.
    path = tmp_path / "deep.yaml"
    block_map = "".join(" " * i + "a:\n" for i in range(600)) + " " * 600 + "x\n"
    path.write_text(
        "a: " + "[" * 50_000 + "]" * 50_000 + "\n---\n" + "- " * 30_000 + "x\n---\n"
        + "- " * (MAX_DEPTH - 1) + "[x]\n---\n" + block_map + "---\n"
        + "- " * MAX_DEPTH + "[x]\n"
    )  # fmt: skip
    code, out, err = with_pyyaml("lint", "--format", "json", str(path))
    assert (code, err) == (1, "")
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["line"], f["message"]) for f in findings] == [
        ("WS001", 1, DEEP),
        ("WS001", 3, DEEP),
        ("WS001", 507, DEEP),  # the 501st of 600 block mappings
        ("WS001", 609, DEEP),  # MAX_DEPTH + 1; one level less (line 5) is read
    ]
    assert json.loads(out)["summary"]["documents"] == 5


@pytest.mark.parametrize("command", ["render", "init"])
def test_deep_values_file_is_one_line_error(with_pyyaml, tmp_path: Path, command: str) -> None:  # type: ignore[no-untyped-def]
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\nenv:\n  A: " + "[" * 2_000 + "]" * 2_000 + "\n")
    args = [command, "-f", str(deep), "-o", str(tmp_path / "out")]
    args += ["--defaults"] if command == "init" else []
    code, out, err = with_pyyaml(*args)
    assert (code, out) == (2, "")
    # the column is where the parser stopped: libyaml reads ahead, Python's parser does not
    assert re.fullmatch(
        rf"wsgen: error: --values: {re.escape(str(deep))}: line 3, column \d+: {re.escape(DEEP)}\n",
        err,
    ), err
    assert not (tmp_path / "out").exists()
    # MAX_DEPTH levels are read (the value is then refused for what it is, not for its depth)
    deep.write_text("name: x\nenv:\n  A: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n")
    code, out, err = with_pyyaml(*args)
    assert code == 2
    assert "nested" not in err and "recursion" not in err
    assert len(err.splitlines()) == 1, err


def test_readme_documents_every_rule_and_its_example_output_is_real(tmp_path: Path) -> None:
    readme = (ROOT / "docs/lint.md").read_text()
    section = readme[readme.index("# wsgen lint") :]
    for rule in RULES.values():
        row = re.search(rf"^\| {rule.id} \| ([a-z /]+) \| ([a-z ]+) \|", section, re.MULTILINE)
        assert row, rule.id
        assert rule.severity in row.group(1), rule.id
        assert row.group(2) == (rule.fix or "no"), rule.id
    example = re.search(
        r"\$ cat k8s/ingress.yaml\n(.*?)\$ wsgen lint k8s/\n(.*?)```", section, re.S
    )
    assert example
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "ingress.yaml").write_text(example.group(1))
    result = subprocess.run(
        [*wsgen_exe(), "lint", "k8s/"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.stdout == example.group(2)
    # the --diff example of "Fixing", on the same file: the diff, the summary, nothing written
    fixing = readme[readme.index("## Fixing") : readme.index("## Rules")]
    shown = re.search(r"\$ wsgen lint --diff --unsafe-fixes k8s/\n(.*?)```", fixing, re.S)
    said = re.search(r"stderr then says `(.*?)`", fixing)
    assert shown and said
    diff = subprocess.run(
        [*wsgen_exe(), "lint", "--diff", "--unsafe-fixes", "k8s/"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (diff.returncode, diff.stdout, diff.stderr) == (1, shown.group(1), said.group(1) + "\n")
    assert (tmp_path / "k8s" / "ingress.yaml").read_text() == example.group(1)


# --- regressions from the review of wsgen lint ----------------------------------------------------


def rules_at(report: dict) -> list[tuple[str, int]]:
    return [(f["rule"], f["line"]) for f in report["findings"]]


def test_a_list_that_holds_itself_is_linted_once_and_other_files_still_are(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text("kind: List\nitems: &x\n  - {kind: List, items: *x}\n")
    (tmp_path / "b.yaml").write_text(BROKEN)
    code, report = lint_json(wsgen, str(tmp_path))
    assert code == 1 and rules_at(report) == [("WS201", 6)]


def test_aliases_that_fan_out_are_visited_once(tmp_path: Path) -> None:
    lines = ["m0: &m0 {a: 1}"] + [
        f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(10)) + "}"
        for i in range(1, 12)
    ]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\nx:\n  <<: [*m11, *m11, *m11]\n")
    result = subprocess.run(
        [*wsgen_exe(), "lint", str(tmp_path / "bomb.yaml")],
        capture_output=True,
        text=True,
        timeout=60,  # a guard against a hang, not a speed test (it took minutes before)
    )
    assert (result.returncode, result.stdout) == (
        0,
        "1 file, 0 Ingresses: 0 errors, 0 warnings, 0 infos\n",
    )


def test_file_names_that_are_not_utf8_stay_valid_json_and_sarif(tmp_path: Path) -> None:
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / os.fsdecode(b"n\xffx.yaml")).write_text(BROKEN)
    for fmt in ("json", "sarif"):
        result = subprocess.run(
            [*wsgen_exe(), "lint", "--format", fmt, "k8s"],
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
        document = json.loads(result.stdout.decode("utf-8"))
        shown = json.dumps(document, ensure_ascii=False)
        assert "k8s/n\ufffdx.yaml" in shown or "k8s/n%EF%BF%BDx.yaml" in shown


def test_an_unexpected_error_is_exit_3_not_findings(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from wsgen import lint_report

    def broken(report: object) -> str:
        raise KeyError("boom")

    monkeypatch.setattr(lint_report, "text", broken)
    (tmp_path / "a.yaml").write_text(GOOD)
    result = wsgen("lint", str(tmp_path / "a.yaml"))
    assert (result.code, result.out) == (3, "")
    assert result.err_lines == [
        "wsgen: error: internal error: KeyError: 'boom' (--debug shows the traceback)"
    ]


def annotated(*lines: str) -> str:
    """GOOD with its two timeout annotations replaced by `lines`."""
    timeouts = (
        '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n'
        '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n'
    )
    return GOOD.replace(timeouts, "".join(f"    {line}\n" for line in lines))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # an explicit key overrides what `<<` merged in: the merged value is not checked
        (
            [
                '<<: {nginx.ingress.kubernetes.io/proxy-read-timeout: "30"}',
                'nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"',
                'nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"',
            ],
            [],
        ),
        # an empty value is "" to the API server: not whole seconds
        (
            [
                "nginx.ingress.kubernetes.io/proxy-read-timeout:",
                'nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"',
            ],
            [("WS203", 7)],
        ),
        # the read timeout's fix is whole seconds, never its own bad value
        (["nginx.ingress.kubernetes.io/proxy-read-timeout: 1h"], [("WS205", 7), ("WS203", 7)]),
    ],
)
def test_annotation_values(wsgen, tmp_path: Path, lines: list[str], expected: list) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(annotated(*lines))
    _code, report = lint_json(wsgen, "--fail-on", "info", str(tmp_path / "a.yaml"))
    assert rules_at(report) == expected
    hints = [f["hint"] for f in report["findings"] if f["rule"] == "WS205"]
    assert hints in ([], ['add nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"'])


def test_a_snippet_that_sets_upgrade_marks_the_ingress_as_websocket(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = annotated(
        "nginx.ingress.kubernetes.io/configuration-snippet: |",
        "  proxy_set_header Upgrade $http_upgrade;",
    ).replace("/ws", "/")
    (tmp_path / "a.yaml").write_text(source)
    _code, report = lint_json(wsgen, str(tmp_path / "a.yaml"))
    assert [f["rule"] for f in report["findings"]] == ["WS201", "WS401"]
    assert (
        "(nginx.ingress.kubernetes.io/configuration-snippet sets Upgrade)"
        in report["findings"][0]["message"]
    )


def test_placeholders_that_parse_are_named_as_placeholders(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(
        annotated(
            "nginx.ingress.kubernetes.io/proxy-read-timeout: ${TIMEOUT}",
            'nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"',
        )
    )
    _code, report = lint_json(wsgen, str(tmp_path / "a.yaml"))
    (finding,) = report["findings"]
    assert finding["rule"] == "WS203"
    assert finding["hint"].startswith("a placeholder: lint the file after substituting it")


def test_gke_backend_config_without_namespaces_matches_a_namespaced_ingress(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = (FIXTURES / "WS701-ok-gce.yaml").read_text()
    source = source.replace(
        "  name: chat\n  annotations:\n    kubernetes.io/ingress.class: gce",
        "  name: chat\n  namespace: default\n  annotations:\n    kubernetes.io/ingress.class: gce",
    )
    assert "namespace: default" in source
    (tmp_path / "a.yaml").write_text(source)
    code, report = lint_json(wsgen, "--fail-on", "info", str(tmp_path / "a.yaml"))
    assert (code, report["findings"]) == (0, [])


def test_positions_of_parse_problems(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text("a: 1\n...\n---\nb: [\n")
    (tmp_path / "b.yaml").write_text("x: 1\n---\nkind: ConfigMap\ndata:\n  k: v\u00e9\x01\n")
    _code, report = lint_json(wsgen, str(tmp_path))
    found = [
        (Path(f["path"]).name, f["line"], f["column"], f["message"]) for f in report["findings"]
    ]
    assert found == [
        ("a.yaml", 4, 1, "does not parse as YAML: did not find expected node content"),
        ("b.yaml", 5, 8, "does not parse as YAML: character U+0001 is not allowed in YAML"),
    ]


def test_sarif_regions_stay_inside_the_file(wsgen, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    source = (FIXTURES / "WS501-bad.yaml").read_text()
    source = source.replace("  rules:", "  rules: []\n  x:").rstrip("\n")  # no final newline
    Path("a.yaml").write_text(source.split("  x:")[0].rstrip("\n"))
    result = wsgen("lint", "--format", "sarif", "--fail-on", "info", "a.yaml")
    last = len(Path("a.yaml").read_text().splitlines())
    results = json.loads(result.out)["runs"][0]["results"]
    assert results
    for res in results:
        region = res["locations"][0]["physicalLocation"]["region"]
        assert 1 <= region["startLine"] <= region["endLine"] <= last


def test_empty_path_is_a_usage_error(wsgen) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "")
    assert (result.code, result.err) == (2, "wsgen: error: PATH: must not be empty\n")


def _lint_exe(*args: str, cwd: Path, stdin: object = subprocess.DEVNULL) -> tuple[int, dict, str]:
    """lint --format json in a process of its own, bounded: a hang fails the test."""
    result = subprocess.run(
        [*wsgen_exe(), "lint", "--format", "json", *args],
        cwd=cwd,
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        timeout=60,
    )
    return result.returncode, json.loads(result.stdout.decode()), result.stderr.decode()


NOT_REGULAR = "lint reads regular files only; pipe anything else in: ... | wsgen lint -"


def test_only_regular_files_are_read_in_a_folder_or_named(tmp_path: Path) -> None:
    # Before: a named pipe hung for ever; /dev/zero grew to gigabytes.
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "a.yaml").write_text(BROKEN)
    os.mkfifo(folder / "pipe.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    named = tmp_path / "named"
    named.mkdir()
    os.mkfifo(named / "p.yaml")  # no writer: opening it would wait for ever
    code, report, err = _lint_exe("k8s", "named/p.yaml", "/dev/zero", "/dev/urandom", cwd=tmp_path)
    assert (code, err) == (1, "")
    problems = [
        (f["path"], f["line"], f["message"], f["hint"])
        for f in report["findings"]
        if f["rule"] == "WS001"
    ]
    assert problems == [
        ("k8s/pipe.yaml", 1, "not a regular file (a named pipe): not read", NOT_REGULAR),
        # the symlink came first; /dev/zero named again is the same file (linted once)
        ("k8s/zero.yaml", 1, "not a regular file (a device): not read", NOT_REGULAR),
        ("named/p.yaml", 1, "not a regular file (a named pipe): not read", NOT_REGULAR),
        ("/dev/urandom", 1, "not a regular file (a device): not read", NOT_REGULAR),
    ]
    assert [f["path"] for f in report["files"]] == [
        "k8s/a.yaml",
        "k8s/pipe.yaml",
        "k8s/zero.yaml",
        "named/p.yaml",
        "/dev/urandom",
    ]
    assert any(f["rule"] == "WS201" for f in report["findings"])  # the real file still is


def test_files_over_the_size_limit_are_a_finding_not_read(tmp_path: Path) -> None:
    from wsgen.lint import MAX_FILE_BYTES, MAX_FILE_MIB

    big = tmp_path / "big.yaml"
    with big.open("wb") as file:  # sparse: nothing is written, reading it would give NULs
        file.write(b"kind: Ingress\n")
        file.truncate(MAX_FILE_BYTES + 1)
    at_limit = tmp_path / "at-limit.yaml"
    at_limit.write_bytes(b"a: " + b"x" * (MAX_FILE_BYTES - 4) + b"\n")
    (tmp_path / "ok.yaml").write_text(GOOD)
    code, report, err = _lint_exe("big.yaml", "at-limit.yaml", "ok.yaml", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert [(f["path"], f["message"], f["hint"]) for f in report["findings"]] == [
        (
            "big.yaml",
            f"larger than {MAX_FILE_MIB} MiB: not read",
            "lint it in parts, split at its --- lines",
        )
    ]
    assert report["summary"]["files"] == 3
    assert report["summary"]["documents"] == 2  # at-limit.yaml and ok.yaml were read


def test_stdin_is_read_up_to_the_size_limit(tmp_path: Path) -> None:
    from wsgen.lint import MAX_FILE_MIB

    with open("/dev/zero", "rb") as endless:
        code, report, err = _lint_exe("-", cwd=tmp_path, stdin=endless)
    assert (code, err) == (1, "")
    assert [(f["path"], f["message"]) for f in report["findings"]] == [
        ("<stdin>", f"larger than {MAX_FILE_MIB} MiB: not read")
    ]


def test_a_file_reached_twice_is_linted_once_under_its_first_name(tmp_path: Path) -> None:
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "a.yaml").write_text(BROKEN)
    (folder / "link.yaml").symlink_to("a.yaml")
    (tmp_path / "b.yaml").write_text(BROKEN)
    (tmp_path / "also-b.yaml").symlink_to(tmp_path / "b.yaml")
    args = ["b.yaml", "b.yaml", "./b.yaml", "also-b.yaml", "k8s", "k8s/a.yaml", "k8s/link.yaml"]
    code, report, err = _lint_exe(*args, cwd=tmp_path)
    assert (code, err) == (1, "")
    assert [f["path"] for f in report["files"]] == ["b.yaml", "k8s/a.yaml"]
    assert [f["path"] for f in report["findings"]] == ["b.yaml", "k8s/a.yaml"]
    assert report["summary"]["files"] == 2
    text = subprocess.run(
        [*wsgen_exe(), "lint", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert text.stdout.endswith(
        "2 files, 2 Ingresses: 2 errors, 0 warnings, 0 infos; 2 with --fix --unsafe-fixes\n"
    )


HOSTILE = r"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: "x\e[31mRED\r\u009b2J\u2028\u202e"
  annotations:
    "nginx.ingress.kubernetes.io/proxy-read-timeout\e[0m\a": "60"
spec:
  rules:
    - host: "ws.\e]0;t\aexample.com"
      http:
        paths:
          - path: "/ws\r\e[1A\e[2K\u009b2Kresult: passed\u2028\u202e\x7f"
            pathType: Prefix
            backend:
              service:
                name: "s\x85"
                port:
                  number: 80
"""
RAW = ("\x1b", "\r", "\x07", "\x9b", "\u2028", "\u202e", "\x7f", "\x85")


def test_text_report_escapes_what_a_file_says_json_and_sarif_keep_it_exact(
    tmp_path: Path,
) -> None:
    name = "h\x1b[2J\x9b.yaml"
    (tmp_path / name).write_text(HOSTILE)
    run = subprocess.run(
        [*wsgen_exe(), "lint", name], cwd=tmp_path, capture_output=True, timeout=60
    )
    out = run.stdout.decode("utf-8")
    assert (run.returncode, run.stderr) == (1, b"")
    for raw in RAW:
        assert raw not in out
    lines = out.splitlines()
    assert lines[0].startswith(
        "h\\x1b[2J\\x9b.yaml:5:3: error WS201 a WebSocket Ingress "
        "(path /ws\\r\\x1b[1A\\x1b[2K\\x9b2Kresult: passed\\u2028\\u202e\\x7f) without"
    )
    assert lines[1] == (
        "h\\x1b[2J\\x9b.yaml:6:5: error WS301 nginx.ingress.kubernetes.io/proxy-read-timeout"
        "\\x1b[0m\\x07 is not an ingress-nginx annotation (did you mean 'proxy-read-timeout'?)"
    )
    assert len(lines) == 4  # three findings and the summary: no line was split or rewritten
    code, report, err = _lint_exe(name, cwd=tmp_path)
    assert (code, err) == (1, "")
    assert report["findings"][0]["path"] == name
    assert (
        "/ws\r\x1b[1A\x1b[2K\x9b2Kresult: passed\u2028\u202e\x7f"
        in report["findings"][0]["message"]
    )
    assert report["findings"][0]["ingress"] == "x\x1b[31mRED\r\x9b2J\u2028\u202e"
    run = subprocess.run(
        [*wsgen_exe(), "lint", "--format", "sarif", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    results = json.loads(run.stdout.decode("utf-8"))["runs"][0]["results"]
    assert "proxy-read-timeout\x1b[0m\x07 is not" in results[1]["message"]["text"]


def test_a_lone_surrogate_from_pythons_yaml_reader_stays_valid_output(tmp_path: Path) -> None:
    # PyYAML without libyaml reads "\ud800" as a lone surrogate, which has no UTF-8 (before:
    # exit 3, "internal error: UnicodeEncodeError").
    (tmp_path / "s.yaml").write_text(HOSTILE.replace(r"\x7f", r"\ud800"))
    script = "import sys, yaml\ndel yaml.CSafeLoader\nfrom wsgen.cli import main\nsys.exit(main(sys.argv[1:]))"
    outputs = {}
    for fmt in ("text", "json", "sarif"):
        run = subprocess.run(
            [sys.executable, "-c", script, "lint", "--format", fmt, "s.yaml"],
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
        )
        assert (run.returncode, run.stderr) == (1, b""), run.stderr
        outputs[fmt] = run.stdout.decode("utf-8")
    assert "passed\\u2028\\u202e\\ud800) without" in outputs["text"]
    message = json.loads(outputs["json"])["findings"][0]["message"]
    assert "passed\u2028\u202e\ud800) without" in message
    assert "\\ud800" in outputs["sarif"] and json.loads(outputs["sarif"])["runs"][0]["results"]


def test_a_file_with_too_many_nodes_is_a_finding_not_gigabytes(tmp_path: Path) -> None:
    # Before: 20 MB of tiny documents took 2 GB and ended in `internal error: MemoryError`
    # (exit 3); 10 MB of `[1,1,...]` 1.8 GB. Under the 64 MiB file limit, that was gigabytes.
    import resource

    MAX_NODES = 1_000_000  # docs/lint.md says it
    (tmp_path / "docs.yaml").write_text("---\na: 1\n" * (MAX_NODES // 3 + 10))
    (tmp_path / "broken.yaml").write_text("---\na: 1\n" * (MAX_NODES // 3 + 10) + "---\n[\n")
    (tmp_path / "flow.yaml").write_text("a: [" + "1," * MAX_NODES + "1]\n")
    (tmp_path / "ingress.yaml").write_text(BROKEN)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    result = subprocess.run(
        [*wsgen_exe(), "lint", "--format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        preexec_fn=cap,
        check=False,
    )
    assert (result.returncode, result.stderr) == (1, b"")
    report = json.loads(result.stdout)
    said = f"more than {MAX_NODES:,} YAML nodes (wsgen's limit): not linted"
    found = [(f["path"], f["rule"], f["message"], f["hint"]) for f in report["findings"]]
    assert sorted(f for f in found if f[0] != "ingress.yaml") == [
        (name, "WS001", said, "lint it in parts, split at its --- lines")
        for name in ("broken.yaml", "docs.yaml", "flow.yaml")
    ]
    assert any(f[0] == "ingress.yaml" and f[1] == "WS201" for f in found)  # still linted


# --- the load balancer in front, other objects ----------------------------------------------------


def service(
    annotations: dict[str, str], ports: str = "[{port: 80}, {port: 443}]", **spec: str
) -> str:
    """A LoadBalancer Service of ingress-nginx's controller with these annotations."""
    lines = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in annotations.items())
    extra = "".join(f"  {key}: {value}\n" for key, value in spec.items())
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress-nginx-controller\n"
        f"  labels: {{app.kubernetes.io/name: ingress-nginx}}\n  annotations:\n{lines}"
        f"spec:\n  type: LoadBalancer\n{extra}  ports: {ports}\n"
    )


WEBSOCKET_INGRESS = (FIXTURES / "WS703-bad.yaml").read_text().partition("---\n")[2]


def lint_text(wsgen, tmp_path: Path, source: str, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yaml").write_text(source)
    _code, report = lint_json(wsgen, "--fail-on", "info", *args, str(tmp_path / "a.yaml"))
    return report["findings"]


ALIBABA = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
NLB = {AWS + "type": "external"}
CERT = {AWS + "ssl-cert": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}


@pytest.mark.parametrize(
    ("annotations", "ports", "expected"),
    [
        # no ssl-ports: every port is a TLS listener
        ({**NLB, **CERT}, "[{port: 80}, {port: 443}]", "ports 80, 443"),
        # ssl-ports by name
        (
            {**NLB, **CERT, AWS + "ssl-ports": "https"},
            "[{port: 80, name: http}, {port: 443, name: https}]",
            "port 443",
        ),
    ],
)
def test_nlb_tls_listeners_are_the_ssl_ports(  # type: ignore[no-untyped-def]
    wsgen, tmp_path: Path, annotations: dict[str, str], ports: str, expected: str
) -> None:
    findings = lint_text(wsgen, tmp_path, service(annotations, ports) + "---\n" + WEBSOCKET_INGRESS)
    tls = [f for f in findings if f["rule"] == "WS704"]
    assert (
        len(tls) == 1
        and f"({expected}; in front of the WebSocket Ingress chat/chat)" in (tls[0]["message"])
    )
    assert "ping at least every 175 s" in tls[0]["hint"]
    # the TCP listener on port 80 (not a TLS one) still has the NLB's 350 s default: WS703
    assert [f["rule"] for f in findings if f["rule"] == "WS703"] == (
        ["WS703"] if expected == "port 443" else []
    )


def test_ssl_ports_star_matches_no_port(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = service({**NLB, **CERT, AWS + "ssl-ports": "*"}) + "---\n" + WEBSOCKET_INGRESS
    assert [f["rule"] for f in lint_text(wsgen, tmp_path, source)] == ["WS703"]


def test_an_alibaba_http_listener_in_front_gets_its_ceiling_and_a_ping_interval(  # type: ignore[no-untyped-def]
    wsgen, tmp_path: Path
) -> None:
    source = (
        service({ALIBABA + "protocol-port": "http:80", ALIBABA + "established-timeout": "900"})
        + "---\n"
        + WEBSOCKET_INGRESS
    )
    findings = lint_text(wsgen, tmp_path, source)
    # the HTTP listener's idle-timeout is not written (reported at annotations:), the TCP
    # one's established-timeout is, at the most it holds
    assert [(f["rule"], f["line"]) for f in findings] == [("WS703", 6), ("WS703", 8)]
    http, tcp = sorted(findings, key=lambda f: "HTTPS" not in f["message"])
    assert (
        "Alibaba CLB HTTP/HTTPS listener in front (port 80) closes idle connections after 15 s"
        in (http["message"])
    )
    assert http["hint"] == (
        f'{ALIBABA}idle-timeout: "60" (its most; the app must then send a WebSocket ping at '
        "least every 30 s)"
    )
    # at its most already: only pings keep it open (info, with the interval)
    assert tcp["severity"] == "info"
    assert tcp["message"] == (
        "the Alibaba CLB TCP listener in front (port 443) is at its most, 900 s, below the "
        "WebSocket Ingress chat/chat behind it (proxy-read-timeout 3600): the app must send a "
        "WebSocket ping at least every 450 s"
    )


def test_what_only_looks_like_a_number_is_no_idle_timeout_and_no_crash(  # type: ignore[no-untyped-def]
    wsgen, tmp_path: Path
) -> None:
    """Superscript and Arabic-Indic digits, and a number longer than any int64: not the ASCII
    digits the controllers read (WS705 says so), and never an internal error."""
    for raw in ("²", "٣٦٠", "9" * 5000):
        source = service({ALIBABA + "established-timeout": raw}) + "---\n" + WEBSOCKET_INGRESS
        findings = lint_text(wsgen, tmp_path, source)
        assert "WS705" in [f["rule"] for f in findings], raw[:9]
        policy = (FIXTURES / "WS701-bad-gcpbackendpolicy.yaml").read_text()
        assert "timeoutSec: 60  # <- WS701" in policy
        (tmp_path / "p.yaml").write_text(policy.replace("timeoutSec: 60", f"timeoutSec: '{raw}'"))
        code, report = lint_json(wsgen, str(tmp_path / "p.yaml"))
        assert code == 1 and "WS701" in [f["rule"] for f in report["findings"]], raw[:9]


def test_an_unquoted_number_on_a_service_is_ws204(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = service({ALIBABA + "established-timeout": "900"}).replace('"900"', "900")
    (finding,) = [f for f in lint_text(wsgen, tmp_path, source) if f["rule"] == "WS204"]
    assert finding["message"].endswith(
        "the API server rejects the Service (annotation values are strings)"
    )


def test_traefik_own_provider_behind_compares_with_min_timeout(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ingress = WEBSOCKET_INGRESS.replace("ingressClassName: nginx", "ingressClassName: traefik")
    front = service({ALIBABA + "established-timeout": "900"}).replace(
        "name: ingress-nginx}", "name: traefik}"
    )
    assert "app.kubernetes.io/name: traefik" in front
    findings = lint_text(wsgen, tmp_path, front + "---\n" + ingress, "--min-timeout", "600")
    assert [f["rule"] for f in findings if f["rule"].startswith("WS7")] == []
    findings = lint_text(wsgen, tmp_path, front + "---\n" + ingress)
    (finding,) = [f for f in findings if f["rule"] == "WS703"]
    assert "(never cut by Traefik's own provider)" in finding["message"]


def test_live_fields_of_every_item_of_a_list_are_found(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = (
        "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n"
        "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a, uid: x1}\n"
        "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: b}\n"
        "    status: {replicas: 1}\n"
    )
    findings = lint_text(wsgen, tmp_path, source)
    assert [(f["rule"], f["line"], f["severity"], f["ingress"]) for f in findings] == [
        ("WS105", 7, "error", "a"),
        ("WS105", 11, "warning", "b"),
    ]


def test_ingress_nginx_own_nlb_with_tls_termination_manifest(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The controller Service of ingress-nginx's deploy/static/provider/aws/
    nlb-with-tls-termination (v1.7.0), shortened: the in-tree NLB ends TLS on its https port."""
    front = service(
        {
            AWS + "connection-idle-timeout": "60",  # a Classic ELB's: not an NLB's
            **CERT,
            AWS + "ssl-ports": "https",
            AWS + "type": "nlb",
        },
        "[{name: http, port: 80, targetPort: tohttps}, {name: https, port: 443, targetPort: http}]",
    )
    findings = lint_text(wsgen, tmp_path, front + "---\n" + WEBSOCKET_INGRESS)
    assert [(f["rule"], f["line"]) for f in findings] == [("WS703", 6), ("WS704", 9)]
    tcp, tls = findings
    assert "AWS NLB TCP listener in front (port 80)" in tcp["message"]
    assert tcp["hint"].startswith(f"{AWS}type: external (the AWS Load Balancer Controller")
    assert "AWS NLB TLS listener (port 443;" in tls["message"]


def test_a_second_canary_is_said_to_get_no_traffic_not_to_be_refused(wsgen) -> None:  # type: ignore[no-untyped-def]
    """ingress-nginx's admission webhook (checkOverlap) compares a new Ingress with the Ingresses
    of the existing locations, and a canary never makes a location: a second canary is accepted,
    joined to the main's upstream after the first, and balancer.lua reads alternative_backends[1]
    only (kubernetes/ingress-nginx v1.15.1, controller.go, balancer.lua)."""
    path = FIXTURES / "WS709-bad.yaml"
    _code, report = lint_json(wsgen, str(path))
    (finding,) = [f for f in report["findings"] if f["rule"] == "WS709"]
    assert "admission webhook refuses" not in finding["message"]
    assert "accepts both but routes by one only" in finding["message"]
    assert "the other gets no traffic" in finding["message"]


def test_canaries_are_matched_to_their_mains_once_not_per_pair(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each canary looked for its main (and an earlier canary) among every Ingress: 1000
    canaries and their mains took 21 s (1.5 s before the canary rules). Counted, not timed:
    the paths read grow with the Ingresses, not with their square."""
    from wsgen import lint, lint_rules

    main, canary = (FIXTURES / "WS709-bad.yaml").read_text().split("---\n")[:2]
    calls = {"n": 0}
    real = lint_rules._path_key

    def counted(*args: object) -> tuple[str, str, str]:
        calls["n"] += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_rules, "_path_key", counted)

    def paths_read(pairs: int) -> int:
        docs = [
            doc.replace("chat.example.com", f"h{i}.example.com").replace("chat", f"chat{i}")
            for i in range(pairs)
            for doc in (main, canary)
        ]
        path = tmp_path / f"{pairs}.yaml"
        path.write_text("---\n".join(docs))
        calls["n"] = 0
        report = lint.lint([str(path)], lint.make_options())
        assert [f for r in report.files for f in r.findings] == []
        return calls["n"]

    small, large = paths_read(50), paths_read(200)
    assert large <= 5 * small, (small, large)  # 4 times the Ingresses: 16 times when quadratic


def test_only_the_rules_marked_cross_read_other_documents() -> None:
    # lint --fix keeps the findings of the other rules for the documents it did not change
    # (wsgen.lint._own): a rule reading the Context without cross=True would keep stale ones.
    import ast
    import inspect
    import textwrap

    readers = set()
    for rule in RULES.values():
        for check in (rule.check, rule.object_check):
            if check is None:
                continue
            tree = ast.parse(textwrap.dedent(inspect.getsource(check)))
            function = tree.body[0]
            assert isinstance(function, ast.FunctionDef)
            names = {
                n.id
                for statement in function.body
                for n in ast.walk(statement)
                if isinstance(n, ast.Name)
            }
            if "context" in names:
                readers.add(rule.id)
                assert rule.cross, (rule.id, check.__name__)
    assert readers == {r.id for r in RULES.values() if r.cross}


def test_lint_fix_keeps_the_findings_of_documents_it_did_not_change_in_step(tmp_path: Path) -> None:
    # 3 documents; the middle one grows by a line: the third's findings move down one line and
    # their fixes by the characters added, exactly as a fresh lint of the result says.
    from wsgen import lint, lint_fix

    # the middle one: "3600s" (WS203) and no send timeout (WS205, whose fix adds a line); the
    # others have only WS201, whose fix is unsafe: not applied, but moved
    middle = GOOD.replace('"3600"', '"3600s"', 1).replace(
        '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n', ""
    )
    assert middle.count("3600s") == 1 and "send-timeout" not in middle
    (tmp_path / "a.yaml").write_text("---\n".join([BROKEN, middle, BROKEN]))
    options = lint.make_options()
    outcome = lint_fix.fix([str(tmp_path / "a.yaml")], options, None, unsafe=False)
    assert outcome.texts
    (tmp_path / "b.yaml").write_text(next(iter(outcome.texts.values())))
    fresh = lint.lint([str(tmp_path / "b.yaml")], options)
    left = [f for f in outcome.report.findings if not f.fixed]

    def seen(findings: list[lint.Finding]) -> list[tuple[object, ...]]:
        return [
            (f.rule, f.line, f.column, f.end_line, f.message, f.fix.edits if f.fix else None)
            for f in findings
        ]

    assert seen(left) == seen(fresh.findings)
    assert [f.line for f in left] == [6, 6 + 2 * 25 + 1]  # the third moved down by one line
    assert sorted(f.rule for f in outcome.report.findings if f.fixed) == ["WS203", "WS205"]


@pytest.mark.parametrize("fix", [[], ["--fix"]])
def test_lint_reads_a_non_blocking_stdin_to_its_end(fix: list[str]) -> None:
    """A parent may leave its pipe non-blocking (the flag is shared with wsgen's stdin): lint -
    still waits for the writer and lints the whole text (it was an internal error, exit 3)."""
    code, out, err = through_a_non_blocking_pipe(
        ["lint", *fix, "-"],
        b"apiVersion: networking.k8s.io/v1\nkind: Ingress\n",
        b"metadata:\n  name: chat\n  annotations:\n"
        b"    nginx.ingress.kubernetes.io/websocket-services: chat\n",
    )
    report = err if fix else out
    assert code == 1, (out, err)
    assert b" WS301 " in report and b"1 file, 1 Ingress:" in report, report
