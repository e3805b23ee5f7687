"""wsgen render --target nginx with a canary (--canary-upstream): the nginx.conf bytes (golden
files), what nginx itself says of every variant (`nginx -t`), the options' rules, and a real
nginx in front of two real WebSocket backends that say which one answered: where the header,
the cookie and the weight send WebSockets, counted, and that an idle canary WebSocket is cut at
--timeout like the main version's.

Every server listens on 127.0.0.1 and is always stopped; the clients connect from other
loopback addresses (127.0.1.x ...: Linux routes all of 127.0.0.0/8 to lo) so that nginx sees
many clients, as the weight splits by the client's address.
"""

from __future__ import annotations

import contextlib
import errno
import http
import http.client
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import live
import oracles
from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_probe import probe_json, steps
from test_wizard import Scripted, run

MAIN, CANARY = "websocket-server", "websocket-server-canary"  # the backends answer their names
NGINX_GOLDEN = GOLDEN / "nginx"
CANARY_AT = "127.0.0.1:3001"

# golden file -> the render arguments
CASES = {
    "canary-weight.conf": ["--canary-upstream", CANARY_AT, "--canary-weight", "10"],
    "canary-cookie-header-value.conf": [
        "--path", "/ws", "--canary-upstream", CANARY_AT, "--canary-weight", "25",
        "--canary-cookie", "canary", "--canary-header", "X-Canary",
        "--canary-header-value", "v2.1",
    ],
    "canary-weight-0.conf": ["--canary-upstream", CANARY_AT, "--canary-weight", "0"],
    "canary-weight-100.conf": ["--canary-upstream", CANARY_AT, "--canary-weight", "100"],
}  # fmt: skip
# more variants nginx must accept (each part alone, the ends of the weight with a rule, TLS)
ACCEPTED = [
    *CASES.values(),
    ["--canary-upstream", CANARY_AT, "--canary-header", "X-Canary"],
    ["--canary-upstream", CANARY_AT, "--canary-cookie", "beta", "--canary-weight", "100"],
    ["--canary-upstream", CANARY_AT, "--canary-header", "X-C", "--canary-weight", "1"],
    ["--canary-upstream", CANARY_AT, "--canary-header", "X-C", "--canary-header-value", "~a-b_c.",
     "--canary-weight", "99"],
    ["--canary-upstream", "[::1]:3001", "--upstream", "localhost:3000", "--tls", "self-signed",
     "--listen", "8443", "--canary-cookie", "C_1", "--canary-weight", "50"],
]  # fmt: skip


def render(wsgen, out: str | Path, *args: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("render", "--target", "nginx", "-o", str(out), *args)
    assert result.code == 0, result.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, wsgen, update_golden: bool) -> None:
    render(wsgen, "out", *CASES[case])
    matches_golden(Path("out/nginx.conf").read_text(), NGINX_GOLDEN / case, update_golden)


def test_nginx_accepts_every_canary_variant(wsgen) -> None:
    binary = live.need_nginx()
    for args in ACCEPTED:
        with live.folder_for_nginx() as folder:
            render(wsgen, folder / "out", *args)
            check = live.nginx_test(binary, folder / "out")
            assert check.returncode == 0, f"{args}: {check.stderr}"
            assert "test is successful" in check.stderr


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]


def test_what_the_file_says(wsgen) -> None:
    """The semantics, line by line: the header, then the cookie, then the weight, each map's
    default the next step; exact case-sensitive matches; one location, so one pair of
    timeouts, for both versions."""
    result = wsgen(
        "render", "--target", "nginx", "--timeout", "90", "--canary-upstream", CANARY_AT,
        "--canary-weight", "25", "--canary-cookie", "beta", "--canary-header", "X-Canary",
    )  # fmt: skip
    assert result.code == 0, result.err
    text = "\n".join(lines_of(result.out))
    assert (
        f"upstream {CANARY} {{\nserver {CANARY_AT};\n}}\n\n"
        "map $http_x_canary $wsgen_upstream {\n"
        f"~^always$ {CANARY};\n~^never$ {MAIN};\ndefault $wsgen_canary_by_cookie;\n}}\n\n"
        "map $cookie_beta $wsgen_canary_by_cookie {\n"
        f"~^always$ {CANARY};\n~^never$ {MAIN};\ndefault $wsgen_canary_by_weight;\n}}\n\n"
        "split_clients $remote_addr $wsgen_canary_by_weight {\n"
        f"25% {CANARY};\n* {MAIN};\n}}"
    ) in text
    location = result.out[result.out.index("location / {") :]
    assert "proxy_pass http://$wsgen_upstream;" in lines_of(location)
    assert lines_of(location).count("proxy_read_timeout 90s;") == 1
    assert lines_of(location).count("proxy_send_timeout 90s;") == 1
    assert text.count("location ") == 1
    assert "resolver" not in text  # proxy_pass names an upstream block


def test_with_a_header_value_never_is_just_another_value(wsgen) -> None:
    result = wsgen(
        "render", "--target", "nginx", "--canary-upstream", CANARY_AT, "--canary-header",
        "X-Canary", "--canary-header-value", "v2.1",
    )  # fmt: skip
    text = "\n".join(lines_of(result.out))
    assert (
        f"map $http_x_canary $wsgen_upstream {{\n~^v2\\.1$ {CANARY};\ndefault {MAIN};\n}}"
    ) in text
    assert "never" not in text


@pytest.mark.parametrize(("weight", "upstream"), [("0", MAIN), ("100", CANARY)])
def test_the_ends_of_the_weight_are_the_upstream_itself(wsgen, weight: str, upstream: str) -> None:
    """split_clients refuses 0% and leaves one hash value of 2^32 out at 100%: neither is
    written, so none or all is exact."""
    result = wsgen(
        "render", "--target", "nginx", "--canary-upstream", CANARY_AT, "--canary-weight", weight
    )
    assert result.code == 0, result.err
    assert f"proxy_pass http://{upstream};" in lines_of(result.out)
    assert "split_clients" not in "\n".join(lines_of(result.out))
    assert not any("nginx splits by the client's address" in line for line in result.err_lines)


def test_a_weight_says_it_splits_client_addresses(wsgen) -> None:
    result = wsgen(
        "render", "--target", "nginx", "--canary-upstream", CANARY_AT, "--canary-weight", "10"
    )
    assert result.code == 0, result.err
    assert result.err_lines == [
        "wsgen: --canary-weight 10: nginx splits by the client's address (split_clients on "
        "$remote_addr), so each client keeps its version, long polling included; it is 10% of "
        "client addresses: clients behind one NAT share a version, and behind a proxy or load "
        "balancer that hides their addresses every client is one (give nginx the client's "
        "address: set_real_ip_from and real_ip_header)",
        "wsgen: canary websocket-server-canary: 10% of new WebSocket connections. A weight "
        "applies when a connection opens: open connections stay where they are (for hours), "
        "and rolling back moves nobody until they reconnect",
    ]


def test_the_canary_options_from_the_environment(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "WSGEN_TARGET": "nginx", "WSGEN_CANARY_UPSTREAM": "10.0.0.6:3000",
        "WSGEN_CANARY_WEIGHT": "30", "WSGEN_CANARY_COOKIE": "beta",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    result = wsgen("render", "--upstream", "10.0.0.5:3000")
    assert result.code == 0, result.err
    text = "\n".join(lines_of(result.out))
    assert f"upstream {CANARY} {{\nserver 10.0.0.6:3000;\n}}" in text
    assert f"30% {CANARY};" in text
    assert "map $cookie_beta $wsgen_upstream {" in text
    # and from a values file's canary: section
    for key in ("WSGEN_CANARY_UPSTREAM", "WSGEN_CANARY_WEIGHT", "WSGEN_CANARY_COOKIE"):
        monkeypatch.delenv(key)
    Path("v.yaml").write_text("canary:\n  upstream: 10.0.0.7:3000\n  weight: 100\n")
    result = wsgen("render", "-f", "v.yaml")
    assert result.code == 0, result.err
    assert "server 10.0.0.7:3000;" in result.out
    assert f"proxy_pass http://{CANARY};" in lines_of(result.out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--canary-upstream", "127.0.0.1:3000"],
         "--canary-upstream: 127.0.0.1:3000 is also the main backend (--upstream's default); "
         "the canary must be another backend"),
        (["--upstream", "app:80", "--canary-upstream", "app:80"],
         "--canary-upstream: app:80 is also the main backend (--upstream); the canary"),
        # the same backend in another spelling: nginx resolves localhost to 127.0.0.1 (and ::1)
        (["--canary-upstream", "localhost:3000"],
         "--canary-upstream: localhost:3000 is also the main backend (--upstream's default) in "
         "another spelling: 127.0.0.1:3000, which nginx reaches by both; the canary must be "
         "another backend"),
        (["--upstream", "localhost:80", "--canary-upstream", "[::1]:80"],
         "--canary-upstream: [::1]:80 is also the main backend (--upstream) in another "
         "spelling: localhost:80"),
        (["--canary-upstream", "[::ffff:127.0.0.1]:3000"],
         "--canary-upstream: [::ffff:7f00:1]:3000 is also the main backend (--upstream's "
         "default) in another spelling: 127.0.0.1:3000"),
        (["--canary-image", "me/chat:2"],
         "--canary-image: is for the Kubernetes targets (the canary's Deployment); --target nginx "
         "starts nothing: give --canary-upstream HOST:PORT, where the canary runs"),
        (["--canary-upstream", CANARY_AT, "--canary-replicas", "2"],
         "--canary-replicas: is for the Kubernetes targets (the canary's pods); --target nginx "
         "starts nothing: give --canary-upstream HOST:PORT, where the canary runs"),
        (["--canary-weight", "10"], "--canary-weight: needs --canary-upstream"),
        (["--canary-upstream", "localhost"], "--canary-upstream: 'localhost' is not HOST:PORT"),
        (["--canary-upstream", CANARY_AT, "--canary-weight", "101"],
         "--canary-weight: 101 is out of range"),
        (["--canary-upstream", CANARY_AT, "--canary-header", "Upgrade"],
         "--canary-header: Upgrade is a header the proxy or the WebSocket handshake uses"),
        (["--canary-upstream", CANARY_AT, "--no-canary"],
         "--canary-upstream: and --no-canary: give one or the other"),
    ],
)  # fmt: skip
def test_bad_canary_options_are_refused_in_one_line(wsgen, args: list[str], message: str) -> None:
    refused(wsgen("render", "--target", "nginx", *args, "-o", "o"), message, out="o")


def test_the_canary_upstream_is_the_nginx_targets_own(wsgen) -> None:
    refused(
        wsgen("render", "--canary-upstream", CANARY_AT, "-o", "k8s"),
        "--canary-upstream: only used with --target nginx (the target is 'ingress-nginx')",
    )


def test_a_kubernetes_values_files_canary_is_left_out_for_nginx(wsgen) -> None:
    """As the other Kubernetes keys: a weaker layer's canary image is for the other target."""
    Path("k8s.yaml").write_text("canary:\n  image: me/chat:2\n  replicas: 2\n")
    result = wsgen("render", "-f", "k8s.yaml", "--target", "nginx")
    assert result.code == 0, result.err
    assert "canary" not in result.out


def test_no_canary_drops_a_values_files_canary(wsgen) -> None:
    Path("v.yaml").write_text(f"target: nginx\ncanary:\n  upstream: {CANARY_AT}\n  weight: 5\n")
    result = wsgen("render", "-f", "v.yaml", "--no-canary")
    assert result.code == 0, result.err
    assert "canary" not in result.out
    assert result.err == ""


def test_init_summary_names_the_canary(hermetic: Path) -> None:
    asker = Scripted(*([None] * 12), True)
    run(
        asker, "--target", "nginx", "--canary-upstream", CANARY_AT, "--canary-weight", "10",
        "--canary-cookie", "canary",
    )  # fmt: skip
    rows = [line for line in asker.said if re.match(r"\s+canary\s{2}", line)]
    assert [row.split(None, 1)[1] for row in rows] == [
        "websocket-server-canary (127.0.0.1:3001), 10%, cookie canary"
    ]


def test_the_example_is_what_its_values_file_renders(wsgen, update_golden: bool) -> None:
    folder = EXAMPLES / "nginx-canary"
    render(wsgen, "out", "-f", str(folder / "values.yaml"))
    matches_golden(Path("out/nginx.conf").read_text(), folder / "nginx.conf", update_golden)


# --------------------------------------------------------------------------- a real nginx


@contextlib.contextmanager
def named_backend(name: str) -> Iterator[int]:
    """A WebSocket server on 127.0.0.1 that answers every message with `name`, and every plain
    HTTP request (a long-polling request) with `name` too."""
    from websockets.sync.server import ServerConnection

    def answer(connection: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            for _message in connection:
                connection.send(name)

    def polling(connection: ServerConnection, request):  # type: ignore[no-untyped-def]
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return connection.respond(http.HTTPStatus.OK, name)
        return None

    with live.serving(answer, compression=None, process_request=polling) as port:
        yield port


@contextlib.contextmanager
def two_versions(wsgen, *args: str) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """nginx rendered with `args` in front of the main and the canary backends; yields its
    port."""
    port = live.free_port()
    with (
        named_backend(MAIN) as main,
        named_backend(CANARY) as canary,
        live.folder_for_nginx() as folder,
    ):
        render(
            wsgen, folder, "--upstream", f"127.0.0.1:{main}", "--canary-upstream",
            f"127.0.0.1:{canary}", "--listen", f"127.0.0.1:{port}", *args,
        )  # fmt: skip
        with live.nginx(folder, port):
            yield port


def client(n: int) -> str:
    """The n-th client's own loopback address (never 127.0.0.1, nginx's and the backends')."""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


def reached(port: int, source: str = "127.0.0.1", headers: dict[str, str] | None = None) -> str:
    """Open a WebSocket through nginx from `source`, send one message: the backend's name."""
    from websockets.sync.client import connect

    try:
        with connect(
            f"ws://127.0.0.1:{port}/",
            additional_headers=headers or {},
            source_address=(source, 0),
            proxy=None,
            open_timeout=10,
            close_timeout=5,
            compression=None,
        ) as connection:
            connection.send("who are you?")
            return str(connection.recv(timeout=10))
    except OSError as error:
        if error.errno == errno.EADDRNOTAVAIL:
            oracles.missing(f"cannot connect from {source} (loopback is 127.0.0.1 only here)")
        raise


def polled(port: int, source: str) -> str:
    """A plain HTTP request (as long polling sends) from `source`: the backend's name."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/socket.io/?EIO=4&transport=polling")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def test_the_header_and_the_cookie_choose_whatever_the_weight(wsgen) -> None:
    """At weight 0 only a rule reaches the canary, at 100 only a rule reaches the main
    version: each answer below is the rule's, not the weight's. From several clients, as the
    weight is per client."""
    rules = ("--canary-header", "X-Canary", "--canary-cookie", "canary")
    with two_versions(wsgen, *rules, "--canary-weight", "0") as port:
        for n in range(5):
            source = client(n)
            assert reached(port, source) == MAIN
            assert reached(port, source, {"X-Canary": "always"}) == CANARY
            assert reached(port, source, {"Cookie": "a=1; canary=always"}) == CANARY
            # exact values: another case, or another value, is no rule
            assert reached(port, source, {"X-Canary": "Always"}) == MAIN
            assert reached(port, source, {"Cookie": "canary=ALWAYS"}) == MAIN
            # the header first: its "never" wins over the cookie's "always"
            assert reached(port, source, {"X-Canary": "never", "Cookie": "canary=always"}) == MAIN
    with two_versions(wsgen, *rules, "--canary-weight", "100") as port:
        for n in range(5):
            source = client(n)
            assert reached(port, source) == CANARY
            assert reached(port, source, {"X-Canary": "never"}) == MAIN
            assert reached(port, source, {"Cookie": "canary=never"}) == MAIN
            assert reached(port, source, {"X-Canary": "always", "Cookie": "canary=never"}) == CANARY
            assert reached(port, source, {"X-Canary": "other", "Cookie": "canary=never"}) == MAIN


def test_a_header_value_chooses_the_canary_and_never_is_just_another_value(wsgen) -> None:
    args = ("--canary-header", "X-Canary", "--canary-header-value", "v2.1")
    with two_versions(wsgen, *args, "--canary-weight", "0") as port:
        assert reached(port, client(0), {"X-Canary": "v2.1"}) == CANARY
        for other in ("always", "v2x1", "V2.1", "v2.10"):
            assert reached(port, client(0), {"X-Canary": other}) == MAIN, other
    with two_versions(wsgen, *args, "--canary-weight", "100") as port:
        assert reached(port, client(0), {"X-Canary": "never"}) == CANARY


# The weight, counted. The split is by the client's address: split_clients puts an address on
# the canary when MurmurHash2 of its text is below weight% of 2^32, so the same N distinct
# addresses give the same count on every run (the test cannot flake), and the tolerance says
# how far that count may be from weight% of N for the hash to split like fair coins: under that
# model the count is Binomial(N, W/100); for N = 400, W = 25: mean 100, sd sqrt(400 * .25 *
# .75) = 8.66, and a fair split falls outside 4.5 sd (61 to 139) with probability below 1e-5
# (for W = 10: mean 40, sd 6, 13 to 67). Measured over all 65536 addresses 127.0.x.y, the hash
# spreads consecutive blocks of 400 with an sd of 9.0 (25%) and 6.9 (10%): close to binomial.
# A mechanism that ignores the weight (all, none) or applies 100 - W fails by far; one that is
# random per request ($request_id) fails the stickiness check.
N = 400


def within(count: int, n: int, weight: int, sds: float = 4.5) -> bool:
    p = weight / 100
    return abs(count - n * p) <= sds * (n * p * (1 - p)) ** 0.5


def test_the_weight_splits_clients_and_each_client_keeps_its_version(wsgen) -> None:
    with two_versions(wsgen, "--canary-weight", "25") as port:
        at_25 = {client(n): reached(port, client(n)) for n in range(N)}
        # sticky: the same client again, and its plain HTTP (long-polling) requests, reach the
        # same version
        for n in range(0, N, 8):
            assert reached(port, client(n)) == at_25[client(n)]
            assert polled(port, client(n)) == at_25[client(n)]
    counts = Counter(at_25.values())
    assert set(counts) <= {MAIN, CANARY}
    assert within(counts[CANARY], N, 25), counts
    with two_versions(wsgen, "--canary-weight", "10") as port:
        at_10 = {client(n): reached(port, client(n)) for n in range(N)}
    assert within(Counter(at_10.values())[CANARY], N, 10), Counter(at_10.values())
    # a higher weight moves no canary client back to the main version
    assert {c for c, v in at_10.items() if v == CANARY} <= {
        c for c, v in at_25.items() if v == CANARY
    }


@pytest.mark.parametrize(("weight", "everyone"), [("0", MAIN), ("100", CANARY)])
def test_weight_0_and_100_are_exact(wsgen, weight: str, everyone: str) -> None:
    with two_versions(wsgen, "--canary-weight", weight) as port:
        answers = Counter(reached(port, client(n)) for n in range(N // 2))
    assert answers == {everyone: N // 2}


def test_an_idle_canary_websocket_is_cut_at_the_timeout_like_the_mains(wsgen) -> None:
    """--timeout 2: the probe (as test_probe.py measures nginx) stays silent and sees nginx
    close both versions' WebSockets with a FIN at about 2 s."""
    with two_versions(wsgen, "--timeout", "2", "--canary-header", "X-Canary") as port:
        url = f"ws://127.0.0.1:{port}/"
        for headers, version in (([], MAIN), (["-H", "X-Canary: always"], CANARY)):
            code, report = probe_json(url, *headers, "--idle", "6")
            assert code == 6, report
            assert steps(report)["message"]["received"] == version
            idle = steps(report)["idle"]
            assert (idle["closed_by"], idle["close_code"]) == ("eof", None), version
            assert abs(idle["silence"] - 2.0) <= 0.5, version
