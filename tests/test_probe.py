"""wsgen probe, end to end: real processes, real sockets, a real nginx rendered by
`wsgen render --target nginx` in front of a WebSocket echo backend.

The central claim: a timeout wsgen writes keeps an idle WebSocket open, a short one does not,
and the probe says when and why the connection ended. Every server is started by a context
manager that stops it, also when a test fails; every probe run has a time limit.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import live
from conftest import wsgen_exe

# A hold's counts when nothing came or went (what closed_diagnosis reads)
NO_FRAMES = dict.fromkeys(
    ("pings_sent", "pongs_received", "pings_received", "messages_received"), 0
)


def readme_json_steps() -> dict[str, set[str]]:
    """The fields of each step in docs/probe.md's JSON example."""
    from conftest import ROOT

    readme = (ROOT / "docs/probe.md").read_text()
    start = readme.index("```json", readme.index("## JSON (`--json`)")) + len("```json")
    example = json.loads(readme[start : readme.index("```", start)])
    assert example["schema"] == "wsgen-probe/1"
    return {step["step"]: set(step) for step in example["steps"]}


def probe(*args: str, limit: float = 40) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wsgen_exe(), "probe", *args],
        capture_output=True,
        text=True,
        timeout=limit,
        check=False,
    )


def probe_json(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = probe(*args, "--json")
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)


def steps(report: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {step["step"]: step for step in report["steps"]}


def render_nginx(wsgen, folder: Path, *args: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--target", "nginx", "-o", str(folder), *args)
    assert result.code == 0, result.err


@contextlib.contextmanager
def proxied(wsgen, *args: str) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """nginx rendered with `args`, in front of an echo backend; yields nginx's port."""
    port = live.free_port()
    with live.echo_backend() as backend, live.folder_for_nginx() as folder:
        render_nginx(wsgen, folder, "--port", str(backend), "--listen", f"127.0.0.1:{port}", *args)
        with live.nginx(folder, port):
            yield port


# --------------------------------------------------------------------------- the claim


def test_a_short_timeout_closes_the_idle_connection_and_the_probe_says_when(wsgen) -> None:
    with proxied(wsgen, "--timeout", "2") as port:
        started = time.monotonic()
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "5")
        took = time.monotonic() - started
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "5")
    assert result.returncode == 6, result.stdout + result.stderr
    assert took < 4.5  # it stopped at the close, not at the end of the hold
    lines = result.stdout.splitlines()
    assert lines[0] == f"probe ws://127.0.0.1:{port}/"
    assert [line.split()[:2] for line in lines[1:6]] == [
        ["dns", "ok"],
        ["tcp", "ok"],
        ["upgrade", "ok"],
        ["message", "ok"],
        ["idle", "closed"],
    ]
    assert "echo of 'wsgen probe'" in lines[4]
    silence = float(re.search(r"closed after (\d+\.\d) s of silence", lines[5])[1])  # type: ignore[index]
    assert abs(silence - 2.0) <= 0.5
    assert "(TCP FIN) without a close frame" in lines[5]
    assert lines[6].startswith(f"result: closed: closed after {silence} s of silence")
    # what was measured of nginx: the 101 names it, and it closes with a FIN at the timeout
    assert (
        "; it looks like nginx (proxy_read_timeout 2 s): the 101 came with Server: nginx/"
        in lines[6]
    )
    assert "Envoy" not in lines[6]
    assert "cannot be told" not in lines[6]
    assert "proxy-read-timeout and proxy-send-timeout (wsgen render --timeout 3600)" in lines[6]
    assert "Traceback" not in result.stderr
    assert code == 6
    assert report["schema"] == "wsgen-probe/1"
    assert report["result"] == "closed"
    documented = readme_json_steps()
    for name in ("dns", "tcp", "upgrade", "message", "idle"):
        assert set(steps(report)[name]) == documented[name], name
    assert steps(report)["upgrade"]["server"].startswith("nginx/")
    idle = steps(report)["idle"]
    assert idle["ok"] is False
    assert idle["survived"] is False
    assert idle["closed_by"] == "eof"
    assert idle["close_code"] is None
    assert abs(idle["silence"] - 2.0) <= 0.5


def test_envoy_cuts_an_idle_websocket_a_second_after_its_timeout_and_the_probe_names_it() -> None:
    """Envoy's stream_idle_timeout (2 s) ends the stream; with its default 1 s
    delayed_close_timeout the client sees a FIN, no close frame, 3 s after the last frame."""
    with live.echo_backend() as backend, live.envoy(backend, stream_idle_timeout="2s") as port:
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "6")
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "6")
    assert result.returncode == 6, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "(TCP FIN) without a close frame" in lines[5], lines[5]
    silence = float(re.search(r"closed after (\d+\.\d) s of silence", lines[5])[1])  # type: ignore[index]
    assert abs(silence - 3.0) <= 0.5
    assert lines[6].startswith(f"result: closed: closed after {silence} s of silence")
    assert (
        "; it looks like Envoy (a stream idle timeout of 2 s): the 101 came with server: envoy, "
        "and Envoy ends an idle WebSocket with a FIN 1 s after its timeout (its delayed close). "
        "Raise Envoy's stream idle timeout" in lines[6]
    ), lines[6]
    assert "more often than every 2 s" in lines[6]
    assert "nginx (" not in lines[6]
    assert code == 6
    assert steps(report)["upgrade"]["server"] == "envoy"
    idle = steps(report)["idle"]
    assert (idle["closed_by"], idle["close_code"]) == ("eof", None)
    assert abs(idle["silence"] - 3.0) <= 0.5


def test_a_cut_behind_nginx_at_an_odd_time_is_not_blamed_on_nginx(wsgen) -> None:
    """nginx in front (its timeout 10 s), the app behind it closing its socket 1.5 s after the
    echo: nginx passes the FIN on. The 101 says nginx, but no whole-second timeout fits."""
    port = live.free_port()
    with (
        live.one_connection_backend("silent", after=1.5) as backend,
        live.folder_for_nginx() as folder,
    ):
        render_nginx(
            wsgen,
            folder,
            "--port",
            str(backend),
            "--listen",
            f"127.0.0.1:{port}",
            "--timeout",
            "10",
        )
        with live.nginx(folder, port):
            result = probe(f"ws://127.0.0.1:{port}/", "--idle", "5")
    assert result.returncode == 6, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "(TCP FIN) without a close frame" in lines[5], lines[5]
    assert re.search(
        r"; which proxy it was cannot be told: the 101 came from nginx \(Server: nginx/[^)]*\), "
        r"but nginx with a timeout of whole seconds closes at a whole second, not at 1\.\d\d s\. "
        r"On ingress-nginx raise",
        lines[6],
    ), lines[6]
    assert "it looks like" not in lines[6]


def test_a_fin_at_one_second_from_envoy_is_not_said_to_miss_a_whole_second() -> None:
    """A 101 with server: envoy, then a FIN 1 s after the echo: too early for Envoy, which
    closes 1 s after its timeout, and 1.0 s is a whole second (it was said not to be)."""

    def envoy_then_fin(connection: socket.socket, stop: threading.Event) -> None:
        live.switch_protocols(connection, b"Switching Protocols\r\nserver: envoy")
        live.echo_first_message(connection)
        stop.wait(1.0)

    with live.scripted_server(envoy_then_fin) as port:
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "4")
    assert result.returncode == 6, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "(TCP FIN) without a close frame" in lines[5], lines[5]
    assert re.search(
        r"; which proxy it was cannot be told: the 101 came from Envoy \(server: envoy\), but "
        r"Envoy closes an idle WebSocket 1 s after its timeout, not as early as [01]\.\d\d s\. ",
        lines[6],
    ), lines[6]
    assert "whole second" not in lines[6]


@pytest.mark.parametrize(
    ("ends", "said"),
    [
        ("silent", "(TCP FIN) without a close frame"),  # the app closes its socket after 1 s
        ("reset", "(TCP RST) without a close frame"),
    ],
)
def test_a_cut_that_matches_no_proxy_says_it_cannot_tell(ends: str, said: str) -> None:
    # the app itself, no proxy: websockets' 101 looks like none of nginx's, Envoy's, Traefik's
    with live.one_connection_backend(ends, after=1) as port:
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "4")
    assert result.returncode == 6, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert said in lines[5], lines[5]
    assert lines[6].startswith("result: closed: closed after 1.0 s of silence without a close")
    assert (
        "; which proxy it was cannot be told (the 101 looks like none of nginx's, Envoy's or "
        "Traefik's). "
        "On ingress-nginx raise" in lines[6]
    ), lines[6]
    assert "it looks like" not in lines[6]


def test_the_timeout_wsgen_writes_keeps_the_idle_connection_open(wsgen) -> None:
    with proxied(wsgen, "--timeout", "10") as port:
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == (
        "result: passed: the connection survived 5 s of silence"
    )


def test_pings_more_often_than_the_timeout_keep_it_open(wsgen) -> None:
    with proxied(wsgen, "--timeout", "2") as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "5", "--ping-interval", "1")
    assert code == 0, report
    idle = steps(report)["idle"]
    assert idle["survived"] is True
    assert idle["pings_sent"] >= 4
    assert idle["pongs_received"] == idle["pings_sent"]
    assert report["diagnosis"].startswith(
        "the connection stayed open for 5 s with a ping every 1 s"
    )


def test_the_path_matches_like_an_ingress_prefix(wsgen) -> None:
    with proxied(wsgen, "--path", "/ws") as port:
        exact = probe(f"ws://127.0.0.1:{port}/ws", "--idle", "0.2")
        below = probe(f"ws://127.0.0.1:{port}/ws/room?id=1", "--idle", "0.2")
        beside = probe(f"ws://127.0.0.1:{port}/wsx", "--idle", "0.2")
    assert exact.returncode == 0, exact.stdout
    assert below.returncode == 0, below.stdout
    assert beside.returncode == 1
    assert "404 Not Found: nothing at /wsx" in beside.stdout


# --------------------------------------------------------------------------- TLS


def test_tls_with_wsgens_self_signed_certificate(wsgen) -> None:
    port, plain = live.free_port(), live.free_port()
    with live.echo_backend() as backend, live.folder_for_nginx() as folder:
        render_nginx(
            wsgen,
            folder,
            "--port", str(backend),
            "--listen", f"127.0.0.1:{port}",
            "--redirect-from", str(plain),
            "--tls", "self-signed",
            "--host", "test.example.com",
        )  # fmt: skip
        ca = str(folder / "tls" / "tls.crt")
        url = f"wss://test.example.com:{port}/"
        with live.nginx(folder, port):
            verified = probe(url, "--resolve", "127.0.0.1", "--ca", ca, "--idle", "1")
            unverified = probe(url, "--resolve", "127.0.0.1", "--idle", "1")
            insecure = probe(url, "--resolve", "127.0.0.1", "--insecure", "--idle", "1")
            wrong_host = probe(f"wss://localhost:{port}/", "--ca", ca, "--idle", "1")
            redirected = probe(
                f"ws://test.example.com:{plain}/", "--resolve", "127.0.0.1", "--idle", "1"
            )
            code, report = probe_json(url, "--resolve", "127.0.0.1", "--ca", ca, "--idle", "1")
            # a CA bundle as curl ships it: comments in any language around the PEM blocks
            bundle = folder / "bundle.pem"
            bundle.write_text("# NetLock Arany Főtanúsítvány\n" + Path(ca).read_text(), "utf-8")
            from_bundle = probe(url, "--resolve", "127.0.0.1", "--ca", str(bundle), "--idle", "0.2")

    assert verified.returncode == 0, verified.stdout
    tls_line = next(line for line in verified.stdout.splitlines() if line.startswith("tls "))
    assert "subject CN=test.example.com; names test.example.com" in tls_line
    assert f"verified for test.example.com (--ca {ca})" in tls_line
    assert re.search(r"TLSv1\.[23]", tls_line)

    assert unverified.returncode == 1
    tls_line = unverified.stdout.splitlines()[3]
    assert tls_line.startswith("tls      FAILED")
    assert "self-signed certificate" in tls_line
    assert (
        "give the CA that signed it with --ca FILE, or skip the check with --insecure" in tls_line
    )
    assert unverified.stdout.splitlines()[-1] == "result: failed at tls (the line above says why)"
    assert unverified.stderr == ""

    assert insecure.returncode == 0, insecure.stdout
    assert "not verified (--insecure); its names cover test.example.com" in insecure.stdout

    assert wrong_host.returncode == 1
    assert (
        "the certificate is not valid for localhost (its names: test.example.com)"
        in wrong_host.stdout
    )

    assert redirected.returncode == 1
    assert (
        f"308 Permanent Redirect to https://test.example.com:{port}/: the server wants TLS "
        f"(an HTTPS redirect); use wss://test.example.com:{port}/" in redirected.stdout
    )

    assert from_bundle.returncode == 0, from_bundle.stdout
    assert code == 0
    tls = steps(report)["tls"]
    assert set(tls) == readme_json_steps()["tls"]
    assert tls["verified"] is True
    assert tls["names"] == ["test.example.com"]
    assert tls["subject"] == "CN=test.example.com"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", tls["not_after"])


# --------------------------------------------------------------------------- error paths


def test_nothing_listening() -> None:
    port = live.free_port()
    result = probe(f"ws://127.0.0.1:{port}/", "--idle", "1")
    assert result.returncode == 1
    assert result.stdout.splitlines()[2] == (
        f"tcp      FAILED    {result.stdout.splitlines()[2].split()[2]} ms  127.0.0.1:{port} "
        "refused the connection: nothing listens there (wrong port, or the server or proxy is "
        "down)"
    )
    assert result.stderr == ""


def test_an_http_server_that_does_not_upgrade() -> None:
    with live.plain_http_server() as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/chat", "--idle", "1")
    assert code == 1
    assert report["failed_step"] == "upgrade"
    upgrade = steps(report)["upgrade"]
    assert upgrade["status"] == 200
    assert upgrade["detail"].startswith(
        "200 OK: answered like a web page, without upgrading: this path serves plain HTTP"
    )
    assert "idle" not in steps(report)


def test_nginx_with_its_backend_down_says_502(wsgen) -> None:
    port, nobody_there = live.free_port(), live.free_port()
    with live.folder_for_nginx() as folder:
        render_nginx(
            wsgen,
            folder,
            "--listen",
            f"127.0.0.1:{port}",
            "--upstream",
            f"127.0.0.1:{nobody_there}",
        )
        with live.nginx(folder, port):
            result = probe(f"ws://127.0.0.1:{port}/", "--idle", "1")
    assert result.returncode == 1
    assert "upgrade  FAILED" in result.stdout
    assert "502 Bad Gateway: the proxy answered but the backend did not" in result.stdout


def test_an_unknown_host(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    # in-process, with the resolver's answer given: the machine's DNS plays no part
    def unknown(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    result = wsgen("probe", "wss://no-such-host.invalid/ws", "--idle", "1")
    assert result.code == 1
    assert result.out.splitlines()[1].startswith("dns      FAILED")
    assert (
        "cannot resolve no-such-host.invalid (Name or service not known): check the host name"
        in result.out
    )
    assert result.err == ""


def test_a_resolver_that_does_not_answer(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(3)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    result = wsgen("probe", "ws://slow.example/", "--step-timeout", "0.5")
    assert time.monotonic() - started < 2
    assert result.code == 1
    assert "no answer for slow.example within 0.5 s" in result.out


@pytest.mark.parametrize(
    ("ends", "after", "code", "reason"),
    [
        ("close", 1.0, 1001, "going away now"),  # after a second of silence
        ("close-with-echo", 0.0, 4000, "bye"),  # in the same read as the echo
    ],
)
def test_a_close_frame_is_told_apart_from_a_timeout(
    ends: str, after: float, code: int, reason: str
) -> None:
    with live.one_connection_backend(ends, after=after) as port:
        exit_code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "4")
    assert exit_code == 6
    idle = steps(report)["idle"]
    assert (idle["closed_by"], idle["close_code"], idle["close_reason"]) == (
        "close-frame",
        code,
        reason,
    )
    assert abs(idle["silence"] - after) <= 0.5
    assert f"close frame {code} " in report["diagnosis"]
    assert "not a silent proxy timeout" in report["diagnosis"]


def test_a_reset_is_reported_as_a_reset() -> None:
    with live.one_connection_backend("reset", after=1) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "4")
    assert code == 6
    assert steps(report)["idle"]["closed_by"] == "reset"
    assert "reset (TCP RST) without a close frame" in steps(report)["idle"]["detail"]


def test_a_connection_dropped_without_a_word_is_found_by_a_last_ping() -> None:
    """No FIN, no reset (a NAT or an AWS NLB forgetting the connection): without a last ping
    the probe would call it alive."""
    with live.one_connection_backend("silent", after=4) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "1", "--step-timeout", "1")
    assert code == 6
    idle = steps(report)["idle"]
    assert (idle["closed_by"], idle["survived"], idle["answered_after_hold"]) == (
        "no-answer",
        False,
        False,
    )
    assert report["diagnosis"].startswith("the connection was dropped silently")


def test_a_server_that_breaks_the_protocol_fails_the_hold_not_the_probe() -> None:
    with live.one_connection_backend("masked", after=0.5) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "3")
    assert code == 1
    assert report["failed_step"] == "idle"
    assert report["diagnosis"].startswith("the server broke the WebSocket protocol")
    assert steps(report)["idle"]["ok"] is False


def test_a_fragmented_echo_is_one_message() -> None:
    with live.one_connection_backend("close", after=0.2, fragmented=True) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "1")
    message = steps(report)["message"]
    assert (message["echo"], message["received"], message["received_type"]) == (
        True,
        "wsgen probe",
        "text",
    )
    assert code == 6  # and then the close frame


def test_a_text_message_that_is_not_utf8_during_the_hold() -> None:
    with live.one_connection_backend("not-utf-8", after=0.3) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "2")
    assert code == 1
    assert report["failed_step"] == "idle"
    assert report["diagnosis"] == (
        "the server sent a text message that is not UTF-8: a browser closes the connection "
        "with 1007"
    )


def test_a_ping_interval_longer_than_the_hold_is_said() -> None:
    with live.echo_backend() as port:
        result = probe(f"ws://127.0.0.1:{port}/", "--idle", "0.5", "--ping-interval", "5")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1].endswith(
        "(0 pings, 0 pongs); the interval is longer than the hold: no ping went"
    )


def test_wss_to_a_port_without_tls() -> None:
    with live.echo_backend() as port:
        result = probe(f"wss://127.0.0.1:{port}/", "--idle", "1")
    assert result.returncode == 1
    assert result.stdout.splitlines()[3].startswith("tls      FAILED")
    assert "does not speak TLS on this port (use ws://)" in result.stdout


def test_a_live_counter_on_a_terminal() -> None:
    pexpect = pytest.importorskip("pexpect")
    with live.echo_backend() as port:
        child = pexpect.spawn(
            wsgen_exe()[0],
            [*wsgen_exe()[1:], "probe", f"ws://127.0.0.1:{port}/", "--idle", "2.5"],
            encoding="utf-8",
            timeout=20,
        )
        try:
            child.expect(r"idle 1 s of 2\.5 s, connection open")
            child.expect(r"result: passed: the connection survived 2\.5 s of silence")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
    assert child.exitstatus == 0


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.com/"], "URL: 'ftp://example.com/' is not a ws:// or wss:// URL"),
        (["example.com"], "URL: 'example.com' is not a ws:// or wss:// URL"),
        (["ws://a.example/", "--ca", "x.pem"], "--ca: only for wss:// URLs"),
        (["ws://a.example/", "--insecure"], "--insecure: only for wss:// URLs"),
        (["wss://a.example/", "--ca", "missing.pem"], "--ca: missing.pem: no such file"),
        (["wss://a.example/", "--ca", "x.pem", "--insecure"], "--ca and --insecure: give one"),
        (["wss://a.example/", "--ca", "x.pem"], "--ca: x.pem is not a PEM certificate"),
        (["ws://a.example/", "--header", "no colon"], "--header: 'no ...' is not 'Name: value'"),
        (
            ["ws://a.example/", "--header", "Authorization Bearer s3cret"],
            "--header: 'Authorization ...' is not 'Name: value' (one line, a token before ':'; "
            "its value is not shown)",
        ),
        (
            ["ws://a.example/", "--header", "Authorization: Bearer s3cret\nX: y"],
            "--header: 'Authorization ...' is not 'Name: value'",
        ),
        (["ws://a.example/", "--header", "Upgrade: h2c"], "--header: Upgrade is part of the"),
        (["ws://a.example/", "--idle", "0"], "--idle: '0' is not a number of seconds"),
        (["ws://a.example/", "--idle", "nan"], "--idle: 'nan' is not a number of seconds"),
        (["ws://a.example/", "--ping-interval", "-1"], "--ping-interval: '-1' is not a number"),
        (["ws://a.example/", "--resolve", "a.example"], "--resolve: 'a.example' is not an IP"),
        (["ws://a.example/x#frag"], "URL: 'ws://a.example/x#frag' is not a valid WebSocket URL"),
        (["ws://[::1"], "URL: 'ws://[::1' is not a valid WebSocket URL"),
        (["ws://h.example:99999/"], "URL: 'ws://h.example:99999/' is not a valid WebSocket URL"),
        (["ws://a b/"], "URL: 'ws://a b/' has a space or control character"),
        (["ws://[fe80::1%25lo]:1/"], "URL: 'ws://[fe80::1%25lo]:1/': an IPv6 zone"),
        (["ws://a.example/", "--resolve", "fe80::1%x"], "--resolve: 'fe80::1%x' is not an IP"),
        (["ws://a.example/", "--header", "Origin: x"], "--header: give the Origin with --origin"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(wsgen, args: list[str], message: str) -> None:
    Path("x.pem").write_text("not a certificate\n")
    result = wsgen("probe", *args)
    assert result.code == 2, result.err
    assert result.out == ""
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"wsgen: error: {message}"), result.err
    assert "s3cret" not in result.err


def test_the_exit_codes_and_defaults_are_in_the_help(wsgen) -> None:
    from wsgen import probe as prober

    result = wsgen("probe", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert f"[default: {prober.DEFAULT_IDLE:g}]" in text
    assert f"[default: {prober.DEFAULT_MESSAGE!r}]" in text
    assert f"[default: {prober.DEFAULT_STEP_TIMEOUT:g}]" in text
    assert f"[default: {prober.DEFAULT_MAX_MESSAGE}]" in text
    assert "0 every step passed and the connection survived the idle hold" in text
    assert "6 the connection was closed during the idle hold" in text


def test_a_close_at_exactly_60_s_after_a_101_from_envoy_is_not_blamed_on_envoy() -> None:
    """An AWS ALB (60 s) in front of Envoy: the FIN comes at 60.0 s. Envoy would close at a
    whole second only 1 s after a timeout of 59 s; 60 s is the ALB's (and nginx's) default.
    The result line through the CLI would take a minute of silence: this calls what builds it
    (as the docs/probe.md example test does)."""
    from wsgen import probe as prober

    options = prober.make_options("ws://127.0.0.1:1/")  # the defaults: --idle 75 ...
    counts = dict(NO_FRAMES)
    text = prober.closed_diagnosis(options, 60.0, "eof", "", counts, headers=[("server", "envoy")])
    assert "it looks like Envoy" not in text, text
    assert "(60 s is the default of nginx and ingress-nginx" in text
    assert (
        "; which proxy it was cannot be told: the 101 came from Envoy (server: envoy), but 60 s "
        "is the default of what may stand in front of it, and Envoy closes 1 s after its "
        "timeout (at 60 s only with one of 59 s)" in text
    ), text
    # Envoy's own default still is Envoy's
    text = prober.closed_diagnosis(options, 301.0, "eof", "", counts, headers=[("server", "envoy")])
    assert "it looks like Envoy (a stream idle timeout of 300 s)" in text


def test_the_readme_example_says_what_the_probe_says() -> None:
    from conftest import ROOT
    from wsgen import probe as prober
    from wsgen import probe_report

    readme = (ROOT / "docs/probe.md").read_text()
    example = readme[readme.index("$ wsgen probe wss://chat.example.com:8443/") :]
    lines = example[: example.index("```")].splitlines()
    # the defaults (--idle 75, --message 'wsgen probe'...) and the example's --resolve
    options = prober.make_options("wss://chat.example.com:8443/", resolve="127.0.0.1")
    assert lines[1] == probe_report.header(options)
    counts = dict(NO_FRAMES)
    report = prober.Report(
        options.url,
        exit_code=prober.CLOSED,
        diagnosis=prober.closed_diagnosis(
            options, 60.1, "eof", "", counts, headers=[("Server", "nginx/1.22.1")]
        ),
    )
    assert lines[-1] == probe_report.result_line(report)
    assert [line.split()[:2] for line in lines[2:-1]] == [
        ["dns", "ok"],
        ["tcp", "ok"],
        ["tls", "ok"],
        ["upgrade", "ok"],
        ["message", "ok"],
        ["idle", "closed"],
    ]


# --------------------------------------------------------------------------- hostile servers

# What a terminal would act on: none of it may reach stdout or stderr from the network.
TERMINAL_UNSAFE = ("\x1b", "\r", "\x07", "\x9b", "\u202e", "\x00")


def limited_probe(*args: str, limit: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    """A probe run that cannot eat the machine (2 GiB of address space) nor outlast `limit`
    seconds; returns the run and how long it took."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    started = time.monotonic()
    result = subprocess.run(
        [*wsgen_exe(), "probe", *args],
        capture_output=True,
        text=True,
        timeout=limit,
        check=False,
        preexec_fn=cap,
    )
    return result, time.monotonic() - started


def no_terminal_controls(result: subprocess.CompletedProcess[str]) -> None:
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        for char in TERMINAL_UNSAFE:
            assert char not in text, (stream, char, text)
        assert "Traceback" not in text


FORGED = "\x1b[31mPWNED\x1b[0m\r\nresult: passed: all good\u202e"


def close_with_a_forged_reason(connection: socket.socket, stop: object) -> None:
    live.switch_protocols(connection)
    live.echo_first_message(connection)
    time.sleep(0.3)
    reason = FORGED.encode()
    connection.sendall(live.ws_frame(0x8, (4000).to_bytes(2, "big") + reason))
    connection.recv(65536)


def redirect_with_escapes(connection: socket.socket, stop: object) -> None:
    live.read_request(connection)
    connection.sendall(
        b"HTTP/1.1 302 \x1b[2J\x9b31mFound\x07\r\n"
        b"Location: https://evil.example/\x1b]0;owned\x07\xe2\x80\xae\r\n"
        b"Content-Length: 0\r\n\r\n"
    )


def switch_with_escapes(connection: socket.socket, stop: object) -> None:
    # websockets takes a reason phrase with a TAB and bytes 0x80-0xFF (read as Latin-1: \x9b
    # is the C1 control CSI)
    live.switch_protocols(connection, b"Switching\t\x9b2J Protocols")
    live.echo_first_message(connection)
    time.sleep(0.2)
    connection.sendall(live.ws_frame(0x8, (1000).to_bytes(2, "big")))
    connection.recv(65536)


@pytest.mark.parametrize(
    ("script", "code"),
    [(close_with_a_forged_reason, 6), (redirect_with_escapes, 1), (switch_with_escapes, 6)],
)
def test_a_hostile_server_cannot_write_to_the_terminal(script, code: int) -> None:  # type: ignore[no-untyped-def]
    with live.scripted_server(script) as port:
        url = f"ws://127.0.0.1:{port}/"
        text, _took = limited_probe(url, "--idle", "2", "--step-timeout", "3")
        as_json, _took = limited_probe(url, "--idle", "2", "--step-timeout", "3", "--json")
    assert text.returncode == code, text.stdout + text.stderr
    no_terminal_controls(text)
    no_terminal_controls(as_json)
    lines = text.stdout.split("\n")
    # one result line, the last, and it is the probe's own
    assert [line for line in lines if "result: " in line and line.startswith("result")] == [
        lines[-2]
    ]
    assert not lines[-2].startswith("result: passed")
    assert lines[-1] == ""
    report = json.loads(as_json.stdout)
    assert report["exit_code"] == code
    if script is close_with_a_forged_reason:
        # the text shows the escapes; the JSON keeps the exact reason
        assert "\\x1b[31mPWNED\\x1b[0m\\r\\nresult: passed: all good\\u202e" in text.stdout
        assert steps(report)["idle"]["close_reason"] == FORGED
    if script is redirect_with_escapes:
        assert "302 \\x1b[2J\\x9b31mFound\\x07 to https://evil.example/\\x1b]0;owned" in text.stdout
        assert "\\u202e" in text.stdout
    if script is switch_with_escapes:
        assert "101 Switching\\t\\x9b2J Protocols" in text.stdout
        assert steps(report)["upgrade"]["detail"] == "101 Switching\\t\\x9b2J Protocols"


def test_a_password_in_the_url_is_never_shown() -> None:
    """The URL's user and password go to the server as Basic authorization (as websockets
    sends them), and the report shows user:*** everywhere."""
    seen: list[bytes] = []

    def wants_other_credentials(connection: socket.socket, stop: object) -> None:
        seen.append(live.read_request(connection))
        connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")

    with live.scripted_server(wants_other_credentials) as port:
        url = f"ws://user:s3cret@127.0.0.1:{port}/ws"
        text, _took = limited_probe(url, "--idle", "1")
        as_json, _took = limited_probe(url, "--idle", "1", "--json")
    assert text.returncode == as_json.returncode == 1
    for result in (text, as_json):
        assert "s3cret" not in result.stdout + result.stderr
    assert text.stdout.splitlines()[0] == f"probe ws://user:***@127.0.0.1:{port}/ws"
    assert "the server does not take the URL's user and password" in text.stdout
    report = json.loads(as_json.stdout)
    assert report["url"] == f"ws://user:***@127.0.0.1:{port}/ws"
    assert "s3cret" not in json.dumps(report)
    import base64

    basic = "Authorization: Basic " + base64.b64encode(b"user:s3cret").decode()
    assert all(basic.encode() in request for request in seen), seen


@pytest.mark.parametrize(
    "url",
    [
        "ws://user:s3cret@127.0.0.1:99999/",  # a bad port
        "ws://user:s3/cret@127.0.0.1:1/",  # an unencoded / in the password
        "ws://user:s3cret@[::1/",
        "ws://user:s3cret@a.example/#frag",
        "ftp://user:s3cret@a.example/",
        "ws://user:s3cret@a example/",
    ],
)
def test_a_password_in_a_bad_url_is_not_echoed(wsgen, url: str) -> None:
    result = wsgen("probe", url)
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err.startswith("wsgen: error: URL: 'ws://***@") or result.err.startswith(
        "wsgen: error: URL: 'ftp://***@"
    ), result.err
    assert "s3" not in result.err + result.out


def make_certificate(folder: Path, *, san: bool) -> tuple[Path, Path]:
    """A self-signed certificate for localhost: with a subjectAltName, or with the name only
    in the subject CN (what browsers refuse)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
        )
    certificate = builder.sign(key, hashes.SHA256())
    cert, key_file = folder / "tls.crt", folder / "tls.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key_file


@pytest.mark.parametrize("san", [False, True])
def test_ca_does_not_make_a_certificate_without_subject_alt_name_valid(
    tmp_path: Path, san: bool
) -> None:
    import ssl

    cert, key = make_certificate(tmp_path, san=san)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def tls_then_nothing(connection: socket.socket, stop: object) -> None:
        connection.recv(65536)  # the upgrade request (with a SAN), or the client's alert

    with live.scripted_server(tls_then_nothing, tls=context) as port:
        args = (f"wss://localhost:{port}/", "--resolve", "127.0.0.1", "--ca", str(cert))
        text, _took = limited_probe(*args, "--idle", "1", "--step-timeout", "3")
        code, report = probe_json(*args, "--idle", "1", "--step-timeout", "3")
    assert text.returncode == code == 1, text.stdout + text.stderr
    tls_line = text.stdout.splitlines()[3]
    if san:  # the control: the same server, the same --ca, a certificate with a SAN
        assert tls_line.startswith("tls      ok"), tls_line
        assert "names localhost" in tls_line
        assert f"verified for localhost (--ca {cert})" in tls_line
        assert report["failed_step"] == "upgrade"
        return
    assert tls_line.startswith("tls      FAILED"), tls_line
    assert "verified" not in text.stdout
    assert "the certificate names no host: it has no subjectAltName" in tls_line
    assert "subject CN=localhost" in tls_line
    assert report["failed_step"] == "tls"
    assert "tls" not in [s["step"] for s in report["steps"] if s["ok"]]


# --------------------------------------------------------------------------- bounds
# Each server below would run for 30 s (or send gigabytes); the probe must end on its own
# limits. The runs are capped (time and memory) so that a regression fails instead of eating
# the machine; the bounds asserted are generous, not speed tests.


def announce_a_huge_frame(connection: socket.socket, stop: threading.Event) -> None:
    import struct

    live.switch_protocols(connection)
    connection.recv(65536)
    connection.sendall(b"\x81\x7f" + struct.pack("!Q", 2**63 - 1))
    live.flood(connection, b"\0" * 65536, stop)


def endless_continuations(connection: socket.socket, stop: threading.Event) -> None:
    live.switch_protocols(connection)
    connection.recv(65536)
    connection.sendall(live.ws_frame(0x1, b"x" * 1000, fin=False))
    live.flood(connection, live.ws_frame(0x0, b"x" * 60000, fin=False), stop)


@pytest.mark.parametrize("script", [announce_a_huge_frame, endless_continuations])
def test_a_message_larger_than_max_message_fails_the_step(script) -> None:  # type: ignore[no-untyped-def]
    with live.scripted_server(script) as port:
        result, took = limited_probe(
            f"ws://127.0.0.1:{port}/", "--idle", "1", "--step-timeout", "3", "--json"
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["failed_step"] == "message"
    assert report["diagnosis"].startswith(
        "the server sent a message larger than --max-message (1048576 bytes)"
    )
    assert took < 20


def test_max_message_is_an_option() -> None:
    with live.echo_backend() as port:
        url = f"ws://127.0.0.1:{port}/"
        small, _took = limited_probe(url, "--message", "x" * 200, "--max-message", "100")
        large, _took = limited_probe(
            url, "--message", "x" * 200, "--max-message", "1KiB", "--idle", "0.5"
        )
    assert small.returncode == 1
    assert "message  FAILED" in small.stdout
    assert "larger than --max-message (100 bytes)" in small.stdout
    assert large.returncode == 0, large.stdout


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "2GiB", "lots"])
def test_a_bad_max_message_is_bad_usage(wsgen, raw: str) -> None:
    result = wsgen("probe", "ws://a.example/", "--max-message", raw)
    assert result.code == 2
    assert result.err_lines == [
        f"wsgen: error: --max-message: {raw!r} is not a number of bytes (1 to 1073741824; "
        "64KiB and 16MiB work too)"
    ]


def endless_headers(line: bytes):  # type: ignore[no-untyped-def]
    def script(connection: socket.socket, stop: threading.Event) -> None:
        live.read_request(connection)
        connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\n")
        live.flood(connection, line * 8, stop)

    return script


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b"X-Flood: a\r\n", "not a valid HTTP answer (expected no more than 128 headers)"),
        (b"X-Long: " + b"a" * 8000 + b"\r\n", "the HTTP answer does not end within 64 KiB"),
    ],
)
def test_endless_response_headers_end_the_upgrade(line: bytes, said: str) -> None:
    with live.scripted_server(endless_headers(line)) as port:
        result, took = limited_probe(f"ws://127.0.0.1:{port}/", "--step-timeout", "3")
    assert result.returncode == 1, result.stdout + result.stderr
    upgrade = result.stdout.splitlines()[3]
    assert upgrade.startswith("upgrade  FAILED"), upgrade
    assert said in upgrade
    no_terminal_controls(result)
    assert took < 20


def flood_never_answering_pings(connection: socket.socket, stop: threading.Event) -> None:
    """Pings without end (before and during the hold), and never a pong."""
    live.switch_protocols(connection)
    live.flood(connection, live.ws_frame(0x9, b"") * 4096, stop)


def flood_never_reading(connection: socket.socket, stop: threading.Event) -> None:
    """The same, and never reading either: the probe's pongs and last ping cannot all go."""
    live.switch_protocols(connection)
    live.flood(connection, live.ws_frame(0x9, b"") * 4096, stop, read=False)


@pytest.mark.parametrize("script", [flood_never_answering_pings, flood_never_reading])
def test_a_ping_flood_ends_each_step_on_time_and_is_not_a_silent_drop(script) -> None:  # type: ignore[no-untyped-def]
    with live.scripted_server(script) as port:
        result, took = limited_probe(
            f"ws://127.0.0.1:{port}/", "--idle", "3", "--step-timeout", "2", "--json"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    message, idle = steps(report)["message"], steps(report)["idle"]
    assert message["ok"] is True
    assert message["seconds"] < 4  # a 2 s step, whatever keeps coming
    assert "no message back within 2 s, only" in message["detail"]
    assert idle["survived"] is True
    assert idle["closed_by"] is None
    assert idle["answered_after_hold"] is False
    assert idle["longest_silence"] < 3  # frames all along (the flood stalls a little at times)
    assert idle["pings_received"] > 0
    assert "dropped silently" not in report["diagnosis"]
    assert "survived" not in report["diagnosis"]
    assert "stayed open for 3 s, but was never silent for more than " in report["diagnosis"]
    assert "the server does not answer pings" in report["diagnosis"]
    assert took < 25


# --------------------------------------------------------------------------- verdicts


def talk_every_half_second(connection: socket.socket, stop: threading.Event) -> None:
    live.switch_protocols(connection)
    live.echo_first_message(connection)
    connection.settimeout(0.5)
    deadline = time.monotonic() + 30
    while not stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.5)
        connection.sendall(live.ws_frame(0x1, b"tick"))
        with contextlib.suppress(TimeoutError):
            data = connection.recv(65536)
            if data.startswith(b"\x89"):  # the last ping: answer it (masked payload)
                length = data[1] & 0x7F
                mask, payload = data[2:6], data[6 : 6 + length]
                unmasked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                connection.sendall(live.ws_frame(0xA, unmasked))
            elif not data:
                return


def test_a_server_that_is_never_silent_is_not_said_to_survive_silence() -> None:
    with live.scripted_server(talk_every_half_second) as port:
        code, report = probe_json(f"ws://127.0.0.1:{port}/", "--idle", "3")
    assert code == 0
    idle = steps(report)["idle"]
    assert 0.2 < idle["longest_silence"] < 1.5
    assert idle["messages_received"] >= 3
    assert "survived 3 s of silence" not in report["diagnosis"]
    assert report["diagnosis"].startswith(
        "the connection stayed open for 3 s, but was never silent for more than "
    )
    assert "no idle timeout longer than" in report["diagnosis"]


def test_an_invalid_status_code_is_said() -> None:
    def weird(connection: socket.socket, stop: object) -> None:
        live.read_request(connection)
        connection.sendall(b"HTTP/1.1 9999 Weird\r\nContent-Length: 0\r\n\r\n")
        time.sleep(1)

    with live.scripted_server(weird) as port:
        result, _took = limited_probe(f"ws://127.0.0.1:{port}/", "--step-timeout", "3")
    assert result.returncode == 1
    upgrade = result.stdout.splitlines()[3]
    assert upgrade.startswith("upgrade  FAILED")
    assert "not valid HTTP: its status code '9999' is not a number of three digits" in upgrade
    assert "no complete HTTP answer" not in upgrade


def test_a_close_reason_that_is_not_utf8_is_said() -> None:
    def close_in_latin1(connection: socket.socket, stop: object) -> None:
        live.switch_protocols(connection)
        live.echo_first_message(connection)
        time.sleep(0.3)
        connection.sendall(live.ws_frame(0x8, (1000).to_bytes(2, "big") + b"\xe9t\xe9 \x1b"))
        connection.recv(65536)

    with live.scripted_server(close_in_latin1) as port:
        result, _took = limited_probe(f"ws://127.0.0.1:{port}/", "--idle", "2")
    assert result.returncode == 1
    no_terminal_controls(result)
    assert result.stdout.splitlines()[-2] == (
        "idle     FAILED "
        + result.stdout.splitlines()[-2][16:].split("  ", 1)[0]
        + "  the server sent a close frame whose reason is not UTF-8 ('\\xe9t\\xe9 \\x1b'): a "
        "browser fails the connection with 1007"
    )
    assert "codec" not in result.stdout


def echo_then_a_frame_byte_by_byte(connection: socket.socket, stop: threading.Event) -> None:
    """Echo, then one text frame a byte every 50 ms (10 s for all of it): never silent."""
    live.switch_protocols(connection)
    live.echo_first_message(connection)
    for byte in live.ws_frame(0x1, b"x" * 200):
        if stop.wait(0.05):
            return
        connection.sendall(bytes([byte]))


def test_a_frame_sent_byte_by_byte_is_not_silence_nor_a_silent_drop() -> None:
    with live.scripted_server(echo_then_a_frame_byte_by_byte) as port:
        result, _took = limited_probe(
            f"ws://127.0.0.1:{port}/", "--idle", "2", "--step-timeout", "2", "--json"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    idle = steps(report)["idle"]
    assert idle["survived"] is True
    assert idle["longest_silence"] < 1  # bytes came every 50 ms
    assert "survived 2 s of silence" not in report["diagnosis"]
    assert "dropped silently" not in report["diagnosis"]
    assert "stayed open for 2 s, but was never silent for more than " in report["diagnosis"]
    assert "bytes kept coming (a frame not yet complete)" in report["diagnosis"]


def test_a_server_that_never_reads_cannot_stretch_the_hold() -> None:
    """Its pings fill the probe's send buffer with pongs: the probe's own pings, the last one
    and the close wait no longer than the hold, --step-timeout and 1 s."""
    with live.scripted_server(flood_never_reading) as port:
        result, _took = limited_probe(
            f"ws://127.0.0.1:{port}/",
            "--idle",
            "2",
            "--step-timeout",
            "3",
            "--ping-interval",
            "0.01",
            "--json",
        )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    idle = steps(report)["idle"]
    assert idle["survived"] is True
    assert idle["seconds"] < 2 + 3 + 1 + 1.5  # the hold, the last ping, the close, a margin
    assert idle["longest_silence"] < 1  # a flood: blocked sends are not silence
    assert "dropped silently" not in report["diagnosis"]


def echo_then_a_ping_and_a_close_with_payloads(connection: socket.socket, stop: object) -> None:
    live.switch_protocols(connection)
    live.echo_first_message(connection)  # 11 bytes
    time.sleep(0.2)
    connection.sendall(live.ws_frame(0x9, b"heartbeat-0123456789"))  # 20 bytes
    time.sleep(0.5)
    connection.sendall(live.ws_frame(0x8, (1001).to_bytes(2, "big") + b"going away now, bye"))
    connection.recv(65536)


@pytest.mark.parametrize("limit", ["11", "20"])
def test_max_message_bounds_messages_not_pings_or_close_reasons(limit: str) -> None:
    # Before: a 20-byte ping with --max-message 11 or 20 failed the hold as "a message larger
    # than --max-message"; a control frame holds at most 125 bytes and is no message.
    with live.scripted_server(echo_then_a_ping_and_a_close_with_payloads) as port:
        result, _took = limited_probe(
            f"ws://127.0.0.1:{port}/", "--idle", "3", "--max-message", limit, "--json"
        )
    assert result.returncode == 6, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert "larger than --max-message" not in result.stdout
    idle = steps(report)["idle"]
    assert (idle["closed_by"], idle["close_code"]) == ("close-frame", 1001)
    assert idle["close_reason"] == "going away now, bye"
    assert idle["pings_received"] == 1


def test_a_max_message_below_125_bytes_still_bounds_a_message() -> None:
    with live.scripted_server(echo_then_a_ping_and_a_close_with_payloads) as port:
        result, _took = limited_probe(f"ws://127.0.0.1:{port}/", "--max-message", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stdout.splitlines()[4]
    assert message.startswith("message  FAILED"), message
    assert message.endswith(
        "the server sent a message larger than --max-message (5 bytes): 11 bytes; the probe "
        "closed the connection (1009, message too big) after 11 bytes of it (raise "
        "--max-message if the app really sends that much)"
    )
