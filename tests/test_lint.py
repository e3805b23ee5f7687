"""wsgen lint as a user meets it: each rule on a fixture that triggers it and one that must not,
the real-world corpus, wsgen's own output, the three formats, exit codes and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, wsgen_exe
from wsgen.lint_rules import RULES

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
    severity = "warning" if path.stem == "WS202-bad-warning" else RULES[rule].severity
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
        pytest.skip(f"the shared corpus is not at {CORPUS} (set LINT_CORPUS)")
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
    assert report["summary"]["ingresses"] == len(list(EXAMPLES.rglob("ingress.yaml")))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--tls", "self-signed", "--host", "chat.example.com"],
        ["--tls", "secret", "--tls-secret", "chat-tls", "--host", "chat.example.com"],
        ["--tls", "cert-manager", "--issuer", "letsencrypt", "--host", "chat.example.com"],
        ["--timeout", "1h", "--annotation", "nginx.ingress.kubernetes.io/affinity=cookie"],
        *[["-f", str(p)] for p in sorted(EXAMPLES.glob("*/wsgen.yaml"))],
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
    assert (linted.returncode, linted.stdout) == (
        0,
        "1 file, 1 Ingress: 0 errors, 0 warnings, 0 infos\n",
    )
