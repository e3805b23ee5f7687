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


def openssh_key(tmp_path: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return pem.decode()


def test_a_key_as_an_env_or_annotation_value_is_refused(  # type: ignore[no-untyped-def]
    wsgen, key: Path, hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--env "TLS_KEY=$(cat tls.key)"` wrote the key in plain text into deployment.yaml and
    wsgen.yaml (both end up in git), and a lower-cased or split WSGEN_ENV line was echoed in
    its error. A private key (PEM in any form, or only its base64 body) is refused, never
    shown, and nothing is written."""
    pem = key.read_text()
    body = pem.strip().splitlines()[1:-1]
    ssh = openssh_key(tmp_path)
    forms = {
        "pem": pem,
        "crlf": pem.replace("\n", "\r\n"),
        "lower": pem.lower(),
        "indented": "".join(f"   {line}\n" for line in pem.splitlines()),
        "body": "\n".join(body),
        "body on one line": "".join(body),
        "openssh": ssh,
        "openssh body": "".join(ssh.strip().splitlines()[1:-1]),
    }
    base = ("--name", "app", "--image", "nginx:1", "--host", "a.example.com")
    for form, text in forms.items():
        values = hermetic / "v.yaml"
        values.write_text(yaml.safe_dump({"env": {"A": text}, "annotations": {"a": text}}))
        cases: list[tuple[dict[str, str], list[str], str]] = [
            ({}, ["render", *base, "--env", f"A={text}"], "--env: the value of 'A' is "),
            ({}, ["render", *base, "--annotation", f"a={text}", "-o", "k8s"], "--annotation:"),
            ({}, ["init", *base, "--defaults", "--env", f"A={text}", "-o", "k8s"], "--env:"),
            ({}, ["render", *base, "-f", "v.yaml", "-o", "k8s"], "v.yaml: env.A: the value"),
            ({}, ["render", *base, "-f", "v.yaml", "--dry-run", "-o", "k8s"], "v.yaml: env.A"),
            ({"WSGEN_ENV": f"A={text}"}, ["render", *base, "-o", "k8s", "--check"], "WSGEN_ENV:"),
            ({"WSGEN_ANNOTATION": f"a={text}"}, ["init", *base, "--defaults"], "WSGEN_ANNOTATION:"),
        ]
        for env, args, message in cases:
            with monkeypatch.context() as patch:
                for name, value in env.items():
                    patch.setenv(name, value)
                result = wsgen(*args)
            assert result.code == 2, (form, args, result.err)
            assert len(result.err_lines) == 1, (form, result.err)
            assert result.err_lines[0].startswith("wsgen: error: " + message), (form, result.err)
            assert "key" in result.err_lines[0], result.err
            assert result.out == ""
            for shown in (result.out, result.err):
                for fragment in fragments(text if "openssh" not in form else ssh):
                    assert fragment not in shown, (form, args)
            assert_never_shown(result, pem, hermetic, values)
            assert not (hermetic / "k8s").exists(), (form, args)


def test_a_certificate_or_a_token_as_an_env_value_is_still_written(  # type: ignore[no-untyped-def]
    wsgen, key: Path
) -> None:
    """Only private keys are refused: a CA certificate or a random base64 token is data an
    app may take from its environment."""
    import base64
    import os

    cert = key.with_name("tls.crt").read_text()
    token = base64.b64encode(os.urandom(300)).decode()
    result = wsgen("render", "--name", "app", "--env", f"CA={cert}", "--env", f"T={token}")
    assert result.code == 0, result.err
    assert token in result.out
    assert cert.splitlines()[1] in result.out


@pytest.mark.parametrize(
    "location",
    [
        "//admin:s3cret@evil.example/ws",  # relative to the scheme
        "ws:\\\\admin:s3cret@evil.example/ws",  # a browser reads \ as /
        "ws://admin:" + "s3cret" * 50 + "@evil.example/ws",  # longer than what is shown
        "WSS://admin:s3cret@evil.example/ws",
    ],
)
def test_a_password_in_a_redirect_is_never_shown(location: str) -> None:
    """A redirect's Location was shown as is unless it started with scheme://, and it was cut
    to 200 characters before the password was hidden: a long password's start was shown."""
    import json
    import socket
    import subprocess

    import live
    from conftest import wsgen_exe

    def redirect(connection: socket.socket, stop: object) -> None:
        live.read_request(connection)
        connection.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
        )

    runs = []
    with live.scripted_server(redirect) as port:
        for form in ((), ("--json",)):
            runs.append(
                subprocess.run(
                    [*wsgen_exe(), "probe", *form, "--idle", "1", f"ws://127.0.0.1:{port}/"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
            )
    for run in runs:
        assert run.returncode == 1, run.stderr
        assert "s3cret" not in run.stdout + run.stderr
        assert "admin:***@evil.example/ws" in run.stdout.replace("\\\\", "\\")
    report = json.loads(runs[1].stdout)
    assert "s3cret" not in json.dumps(report)


@pytest.mark.parametrize(
    "url",
    [
        "ws://user:s3?cret@127.0.0.1:1/",  # generated passwords hold ? and # unencoded
        "ws://user:s3#cret@127.0.0.1:1/",
        "ws:/user:s3cret@127.0.0.1:1/",
        "ws:user:s3cret@127.0.0.1:1/",
    ],
)
def test_a_password_with_a_question_mark_is_not_echoed(wsgen, url: str) -> None:  # type: ignore[no-untyped-def]
    result = wsgen("probe", url)
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "***@127.0.0.1:1/" in result.err, result.err
    assert "s3" not in result.err + result.out


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (b"\x1b[2Kresult: passed\r", "(4000 (private use) \\x1b[2Kresult: passed\\r)"),
        (b"\xff\xfe", "whose reason is not UTF-8"),
    ],
)
def test_a_close_frame_with_the_101_is_a_failed_step_not_a_crash(reason: bytes, said: str) -> None:
    """A server that accepts the upgrade and closes at once (its close frame in the same
    packet as the 101) gave `internal error: InvalidState: connection is closing`, exit 3, and
    no JSON report: it is a failed message step, exit 1, its close reason escaped."""
    import json
    import socket
    import subprocess

    import live
    from conftest import wsgen_exe

    def close_at_once(connection: socket.socket, stop: object) -> None:
        live.switch_protocols(connection)
        connection.sendall(live.ws_frame(0x8, (4000).to_bytes(2, "big") + reason))
        connection.recv(1024)  # the probe's answer, or its FIN

    with live.scripted_server(close_at_once) as port:
        runs = [
            subprocess.run(
                [*wsgen_exe(), "probe", *form, "--idle", "1", f"ws://127.0.0.1:{port}/"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            for form in ((), ("--json",))
        ]
    text, as_json = runs
    assert text.returncode == as_json.returncode == 1, text.stderr + as_json.stderr
    assert text.stderr == as_json.stderr == ""
    line = next(line for line in text.stdout.splitlines() if line.startswith("message"))
    assert "FAILED" in line and said in line, text.stdout
    assert "\x1b" not in text.stdout and "\r" not in text.stdout
    report = json.loads(as_json.stdout)
    assert report["failed_step"] == "message"


def test_a_key_as_the_probe_message_is_refused(wsgen, key: Path) -> None:  # type: ignore[no-untyped-def]
    """--message "$(cat tls.key)" sent the key to the server and showed it in the report (all of
    it in the JSON's sent and received): refused before anything is sent."""
    pem = key.read_text()
    for text in (pem, pem.lower(), "".join(pem.strip().splitlines()[1:-1])):
        for form in ((), ("--json",)):
            result = wsgen("probe", *form, "--message", text, "ws://127.0.0.1:1/")
            assert result.code == 2, result.err
            assert result.err_lines[0].startswith("wsgen: error: --message: is a "), result.err
            assert len(result.err_lines) == 1
            assert result.out == ""
            assert_never_shown(result, pem)
