"""wsgen render --target nginx: the nginx.conf bytes (golden files), what nginx itself says of
them (`nginx -t`), and the options' rules. The proof that the file really keeps WebSockets
open is in test_probe.py, against a running nginx.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import live
from conftest import GOLDEN
from wsgen.targets import TARGETS

NGINX_GOLDEN = GOLDEN / "nginx"

# golden file -> the render arguments (certificates for `files` are made by the test)
CASES = {
    "plain.conf": [],
    "tls-self-signed.conf": [
        "--name", "chat",
        "--host", "chat.example.com",
        "--path", "/ws",
        "--port", "8080",
        "--timeout", "1h30m",
        "--tls", "self-signed",
        "--listen", "127.0.0.1:8443",
        "--redirect-from", "8080",
    ],
    "tls-files.conf": [
        "--host", "*.example.com",
        "--upstream", "[::1]:9000",
        "--listen", "[::]:443",
        "--redirect-from", "80",
        "--tls", "files",
        "--cert", "my certs/tls.crt",
        "--key", "my certs/tls.key",
    ],
}  # fmt: skip


def make_cert(wsgen, folder: str, host: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("cert", "--host", host, "-o", folder, "--key-type", "ecdsa-p256")
    assert result.code == 0, result.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, wsgen, update_golden: bool) -> None:
    make_cert(wsgen, "my certs", "*.example.com")
    result = wsgen("render", "--target", "nginx", "-o", "out", *CASES[case])
    assert result.code == 0, result.err
    assert result.out == ""
    text = Path("out/nginx.conf").read_bytes()
    if update_golden:
        NGINX_GOLDEN.mkdir(exist_ok=True)
        (NGINX_GOLDEN / case).write_bytes(text)
    assert text == (NGINX_GOLDEN / case).read_bytes()


def test_nginx_accepts_every_golden_case(wsgen) -> None:
    binary = live.need_nginx()
    for case, args in CASES.items():
        with live.folder_for_nginx() as folder:
            os.chdir(folder)
            make_cert(wsgen, "my certs", "*.example.com")
            result = wsgen("render", "--target", "nginx", "-o", "out", *args)
            assert result.code == 0, result.err
            check = live.nginx_test(binary, "out")
            assert check.returncode == 0, f"{case}: {check.stderr}"
            assert "test is successful" in check.stderr


def test_what_the_file_says(wsgen) -> None:
    result = wsgen("render", "--target", "nginx", "--timeout", "3600", "--port", "3000")
    assert result.code == 0, result.err
    text = result.out
    for line in (
        "pid nginx.pid;",
        "error_log error.log;",
        "access_log access.log;",
        "map $http_upgrade $connection_upgrade {",
        "default upgrade;",
        "''      close;",
        "server 127.0.0.1:3000;",
        "listen 80;",
        "server_name test.example.com;",
        "location / {",
        "proxy_pass http://websocket-server;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-Host $http_host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_read_timeout 3600s;",
        "proxy_send_timeout 3600s;",
    ):
        assert line in [part.strip() for part in text.splitlines()], line
    # every path nginx writes is relative (to -p DIR): no /var, /run, /etc
    directives = [line.split("#")[0] for line in text.splitlines()]
    assert not any("/var/" in d or "/run/" in d or "/etc/" in d for d in directives)
    assert "ssl" not in "".join(directives)
    assert "user " not in "".join(directives)


def test_self_signed_writes_the_pair_beside_it_and_keeps_it(wsgen) -> None:
    args = ("render", "--target", "nginx", "--tls", "self-signed", "--listen", "8443", "-o", "o")
    first = wsgen(*args)
    assert first.code == 0, first.err
    assert sorted(p.name for p in Path("o").rglob("*")) == [
        "nginx.conf",
        "tls",
        "tls.crt",
        "tls.key",
        "wsgen.yaml",
    ]
    assert Path("o/tls/tls.key").stat().st_mode & 0o777 == 0o600
    assert (
        "wsgen: check: nginx -t -p o -c nginx.conf; run: nginx -p o -c nginx.conf"
        in first.err_lines
    )
    assert not any("needs root" in line for line in first.err_lines)  # 8443
    again = wsgen(*args)
    assert again.code == 0
    assert "wsgen: o: up to date (4 files)" in again.err_lines
    check = wsgen(*args, "--check")
    assert check.code == 0


def test_the_location_matches_like_an_ingress_prefix_path(wsgen) -> None:
    def location(*args: str) -> str:
        result = wsgen("render", "--target", "nginx", *args)
        assert result.code == 0, result.err
        (line,) = [x.strip() for x in result.out.splitlines() if x.strip().startswith("location")]
        return line

    assert location() == "location / {"
    assert location("--path", "/ws") == "location ~ ^/ws(?:/|$) {"
    assert location("--path", "/ws/") == "location ~ ^/ws(?:/|$) {"
    assert location("--path", "/v1.2/ws") == r"location ~ ^/v1\.2/ws(?:/|$) {"
    # a wildcard host cannot be the redirect's: the client's own Host then
    make_cert(wsgen, "c", "*.example.com")
    result = wsgen(
        "render", "--target", "nginx", "--host", "*.example.com", "--tls", "files",
        "--cert", "c/tls.crt", "--key", "c/tls.key", "--redirect-from", "80",
    )  # fmt: skip
    assert "return 308 https://$host$request_uri;" in result.out


def test_a_port_below_1024_is_said_to_need_root(wsgen) -> None:
    result = wsgen("render", "--target", "nginx", "-o", "o")
    assert result.code == 0
    assert (
        "wsgen: port 80 needs root (or CAP_NET_BIND_SERVICE); an ordinary user can use "
        "--listen 8080 or any port from 1024"
    ) in result.err_lines


def test_files_on_stdout_are_absolute_and_quoted_when_needed(wsgen) -> None:
    make_cert(wsgen, "my certs", "test.example.com")
    result = wsgen(
        "render", "--target", "nginx", "--tls", "files",
        "--cert", "my certs/tls.crt", "--key", "my certs/tls.key",
    )  # fmt: skip
    assert result.code == 0, result.err
    here = os.path.realpath(".")
    assert f'ssl_certificate "{here}/my certs/tls.crt";' in result.out
    assert f'ssl_certificate_key "{here}/my certs/tls.key";' in result.out
    assert "listen 443 ssl;" in result.out


def test_the_environment_and_a_values_file_give_the_target_too(
    wsgen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSGEN_TARGET", "nginx")
    monkeypatch.setenv("WSGEN_UPSTREAM", "app.internal:8080")
    monkeypatch.setenv("WSGEN_LISTEN", "8443")
    monkeypatch.setenv("WSGEN_REDIRECT_FROM", "8080")
    monkeypatch.setenv("WSGEN_TLS", "self-signed")
    monkeypatch.setenv("WSGEN_OUT", "o")
    result = wsgen("render")
    assert result.code == 0, result.err
    text = Path("o/nginx.conf").read_text()
    assert "server app.internal:8080;" in text
    assert "listen 8443 ssl;" in text
    assert "listen 8080;" in text
    assert "return 308 https://test.example.com:8443$request_uri;" in text
    for name in ("WSGEN_TARGET", "WSGEN_UPSTREAM", "WSGEN_LISTEN", "WSGEN_REDIRECT_FROM"):
        monkeypatch.delenv(name)
    Path("v.yaml").write_text(
        "target: nginx\nupstream: 10.0.0.5:3000\nlisten: 9443\nredirectFrom: 9080\n"
        "tls: {mode: self-signed}\n"
    )
    result = wsgen("render", "-f", "v.yaml", "-o", "v")
    assert result.code == 0, result.err
    assert "server 10.0.0.5:3000;" in Path("v/nginx.conf").read_text()


def test_kubernetes_keys_of_a_weaker_layer_are_left_out(wsgen) -> None:
    """A Kubernetes values file, and --target nginx on the command line: the namespace, image
    and secret name there are for the other target, not a mistake."""
    Path("k8s.yaml").write_text(
        "name: chat\nnamespace: team\nimage: me/chat:1\nport: 8080\nhost: chat.example.com\n"
        "timeout: 7200\ntls: {mode: self-signed, secretName: chat-tls}\n"
        "annotations: {example.com/a: '1'}\n"
    )
    result = wsgen("render", "-f", "k8s.yaml", "--target", "nginx", "-o", "o")
    assert result.code == 0, result.err
    text = Path("o/nginx.conf").read_text()
    assert "server 127.0.0.1:8080;" in text
    assert "proxy_read_timeout 7200s;" in text
    assert "server_name chat.example.com;" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--target", "nginx", "--namespace", "x"],
            "--namespace: --target nginx does not use it (every other target does)",
        ),
        (
            ["--target", "nginx", "--annotation", "a=b"],
            "--annotation: only used with --target ingress-nginx (the target is 'nginx')",
        ),
        (
            ["--upstream", "127.0.0.1:80"],
            "--upstream: only used with --target nginx (the target is 'ingress-nginx')",
        ),
        (
            ["--target", "haproxy"],
            f"--target: 'haproxy' is not a target (one of: {', '.join(TARGETS)})",
        ),
        (
            ["--target", "nginx", "--tls", "secret"],
            "--tls: 'secret' is not a TLS mode of --target nginx (one of: none, self-signed, "
            "files)",
        ),
        (
            ["--target", "nginx", "--tls", "cert-manager", "--issuer", "le"],
            "--issuer: --target nginx does not use it (every other target does)",
        ),
        (
            ["--target", "nginx", "--redirect-from", "8080"],
            "--redirect-from: needs TLS (it redirects plain HTTP to https; the TLS mode is 'none')",
        ),
        (
            ["--target", "nginx", "--tls", "self-signed", "--redirect-from", "443", "-o", "o"],
            "--redirect-from: 443 is also the --listen port",
        ),
        (
            ["--target", "nginx", "--tls", "self-signed"],
            "--tls self-signed: --target nginx needs --out DIR (the key and certificate are "
            "written beside nginx.conf)",
        ),
        (
            ["--target", "nginx", "--upstream", "localhost"],
            "--upstream: 'localhost' is not HOST:PORT",
        ),
        (
            ["--target", "nginx", "--upstream", "300.1.1.1:80"],
            "--upstream: '300.1.1.1' is not an IPv4 address",
        ),
        (
            ["--target", "nginx", "--upstream", "a b:80"],
            "--upstream: 'a b' is not a valid DNS name",
        ),
        (
            ["--target", "nginx", "--upstream", "[::1:80"],
            "--upstream: '[::1' is not an IPv6 address in brackets",
        ),
        # an IPv6 address without a port, or without brackets: named whole, not cut at a ':'
        (
            ["--target", "nginx", "--upstream", "[::1]"],
            "--upstream: '[::1]' is not HOST:PORT (e.g. 127.0.0.1:3000",
        ),
        (["--target", "nginx", "--listen", "[::1]"], "--listen: '[::1]' is not [ADDRESS:]PORT"),
        (
            ["--target", "nginx", "--upstream", "::1:80"],
            "--upstream: '::1' is not a host: write an IPv6 address in brackets ([::1]:80)",
        ),
        (
            ["--target", "nginx", "--listen", "::1:80"],
            "--listen: '::1' is not a host: write an IPv6 address in brackets ([::1]:80)",
        ),
        (
            ["--target", "nginx", "--listen", "70000"],
            "--listen: 70000 is out of range for a port number (1-65535)",
        ),
        (["--target", "nginx", "--listen", ":80"], "--listen: ':80' is not [ADDRESS:]PORT"),
        (
            ["--target", "nginx", "--listen", "[fe80::1%eth0]:80"],
            "--listen: '[fe80::1%eth0]' is not an IPv6 address in brackets",
        ),
    ],
)
def test_bad_target_options(wsgen, args: list[str], message: str) -> None:
    result = wsgen("render", *args)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"wsgen: error: {message}"), result.err
    assert not Path("o").exists()


def test_a_path_nginx_cannot_read_is_refused(wsgen) -> None:
    make_cert(wsgen, "a$b", "test.example.com")
    result = wsgen(
        "render", "--target", "nginx", "--tls", "files",
        "--cert", "a$b/tls.crt", "--key", "a$b/tls.key", "-o", "o",
    )  # fmt: skip
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: --cert: '../a$b/tls.crt' cannot be written in nginx.conf (nginx reads "
        "'$' as a variable and takes no control characters): move or link the file to a "
        "plainer path"
    ]
    assert not Path("o").exists()


def test_init_writes_the_nginx_target_too(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    """init takes every target: without a terminal, --defaults writes the folder render would."""
    monkeypatch.setenv("WSGEN_TARGET", "nginx")
    result = wsgen("init", "--defaults", "-o", "o", "--upstream", "10.0.0.5:3000")
    assert result.code == 0, result.err
    assert sorted(p.name for p in Path("o").iterdir()) == ["nginx.conf", "wsgen.yaml"]
    again = wsgen("render", "--upstream", "10.0.0.5:3000", "-o", "o", "--check")
    assert again.code == 0, again.err
    assert "test:  wsgen probe ws://test.example.com/" in result.err
