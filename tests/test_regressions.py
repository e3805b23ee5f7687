"""Cases found by review: each failed before its fix."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
import yaml

from test_tls import make_pair

USER_FILES = ("--tls", "files", "--cert", "certs/user.crt", "--key", "certs/user.key")


def one_line_error(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.code == code, result.err
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    return result.err_lines[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("env:\n  DATE: 2024-13-01\n", "month must be in 1..12"),
        ("name: !!float x\n", "--values: v.yaml:"),
        ("port: " + "9" * 5000 + "\n", "is not a plain decimal number"),
        (
            "replicas: 010\n",
            "line 1, column 11: '010' is not a plain decimal number; quote it if it is text",
        ),
        ("env:\n  A: 0x1F\n", "'0x1F' is not a plain decimal number"),
        ("env:\n  A: 1:30\n", "'1:30' is not a plain decimal number"),
        ('"a\\nb": 1\n', "v.yaml: 'a\\nb': unknown key"),
        ("tls:\n  ? [1]\n  : x\n", "a mapping key must be a plain value"),
    ],
)
def test_values_file_problems_are_bad_input(text: str, message: str, wsgen, hermetic: Path) -> None:
    (hermetic / "v.yaml").write_text(text)
    assert message in one_line_error(wsgen("render", "-f", "v.yaml"))


def test_yaml_merge_keys_work(wsgen, hermetic: Path) -> None:
    (hermetic / "v.yaml").write_text("env:\n  <<: {A: '1'}\n  B: '2'\nimage: a/b:1\n")
    result = wsgen("render", "-f", "v.yaml")
    assert result.code == 0, result.err
    env = next(yaml.safe_load_all(result.out))["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


@pytest.mark.parametrize("option", ["--image", "--host", "--env", "--annotation"])
def test_invalid_utf8_in_a_flag(option: str, wsgen) -> None:
    value = "x=\udcff" if option in ("--env", "--annotation") else "img\udcff"
    assert (
        one_line_error(wsgen("render", option, value))
        == f"wsgen: error: {option}: not valid UTF-8 text"
    )


def test_invalid_utf8_in_the_environment(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGEN_IMAGE", "img\udcff")
    assert one_line_error(wsgen("render")) == "wsgen: error: WSGEN_IMAGE: not valid UTF-8 text"


def test_stronger_tls_mode_drops_weaker_layers_tls_keys(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wsgen("render", "-o", "d", "--tls", "self-signed").code == 0
    plain = wsgen("render", "-f", "d/wsgen.yaml", "--tls", "none")
    assert plain.code == 0, plain.err
    assert "tls" not in list(yaml.safe_load_all(plain.out))[-1]["spec"]
    assert wsgen("render", "-f", "d/wsgen.yaml", "--tls", "secret").code == 0
    monkeypatch.setenv("WSGEN_TLS", "none")
    assert wsgen("render", "-f", "d/wsgen.yaml").code == 0
    # ...but a key given as strongly as the mode is still a mistake worth stopping on
    assert "--tls-secret: only used with" in one_line_error(
        wsgen("render", "-f", "d/wsgen.yaml", "--tls-secret", "x")
    )


def test_a_failed_rename_puts_everything_back(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wsgen("render", "-o", "k8s").code == 0
    before = {p.name: p.read_bytes() for p in (hermetic / "k8s").iterdir()}
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(16, "Device or resource busy", str(dst))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", flaky)
    result = wsgen("render", "-o", "k8s", "--replicas", "3", "--port", "81", "--force")
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.code == 7  # the output could not be written
    assert result.err_lines[-1].endswith("Device or resource busy; nothing was written")
    assert {p.name: p.read_bytes() for p in (hermetic / "k8s").iterdir()} == before


def test_check_reports_a_key_readable_by_others(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "-o", "s", "--tls", "self-signed").code == 0
    (hermetic / "s/tls/tls.key").chmod(0o644)
    result = wsgen("render", "-o", "s", "--tls", "self-signed", "--check")
    assert result.code == 5
    assert "wsgen: out of date: s/tls/tls.key (would set mode 0600)" in result.err_lines
    assert stat.S_IMODE((hermetic / "s/tls/tls.key").stat().st_mode) == 0o644


@pytest.mark.parametrize("out", ["f", "f/sub"])
@pytest.mark.parametrize("tls", ["none", "self-signed"])
def test_out_under_a_file_is_bad_input(out: str, tls: str, wsgen, hermetic: Path) -> None:
    (hermetic / "f").write_text("x")
    assert (
        one_line_error(wsgen("render", "--tls", tls, "-o", out))
        == "wsgen: error: --out: f is a file, not a folder"
    )
    assert (
        one_line_error(wsgen("cert", "--host", "a.example.com", "-o", out))
        == "wsgen: error: --out: f is a file, not a folder"
    )


def test_empty_out_is_bad_input(wsgen, hermetic: Path) -> None:
    assert (
        one_line_error(wsgen("render", "-o", ""))
        == "wsgen: error: --out: must name a file or folder"
    )
    assert list(hermetic.iterdir()) == []


def test_expired_warning_does_not_precede_a_bad_input_error(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(
        ["test.example.com"], hermetic, days=1, now=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    )
    (hermetic / "f").write_text("x")
    one_line_error(
        wsgen(
            "render", "--tls", "files", "--cert", str(cert), "--key", str(key), "-o", "f",
            "--allow-expired",
        )
    )  # fmt: skip


def test_files_mode_command_works_from_the_current_folder(wsgen, hermetic: Path) -> None:
    (hermetic / "certs").mkdir()
    make_pair(["test.example.com"], hermetic / "certs")
    assert wsgen("render", "-o", "k", *USER_FILES).code == 0
    os.chdir(hermetic / "certs")
    result = wsgen("render", "-f", "../k/wsgen.yaml", "-o", "../k")
    assert result.code == 0, result.err
    assert any("--cert=user.crt --key=user.key" in line for line in result.err_lines), result.err


def test_files_mode_paths_survive_a_symlinked_out(wsgen, hermetic: Path) -> None:
    (hermetic / "certs").mkdir()
    make_pair(["test.example.com"], hermetic / "certs")
    (hermetic / "deep/a/b").mkdir(parents=True)
    (hermetic / "lnk").symlink_to(hermetic / "deep/a/b")
    assert wsgen("render", "-o", "lnk", *USER_FILES).code == 0
    script = (hermetic / "lnk/create-tls-secret.sh").read_text()
    cert_arg = next(word for word in script.split() if word.startswith("--cert="))[len("--cert=") :]
    assert (hermetic / "deep/a/b" / cert_arg).resolve() == (hermetic / "certs/user.crt").resolve()
    assert wsgen("render", "-f", "deep/a/b/wsgen.yaml", "-o", "lnk", "--check").code == 0


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("a" * 64 + ".example.com", "is not a valid host (RFC 1123 DNS name"),
        ("a." * 126 + "com", "is not a valid host (RFC 1123 DNS name"),
        ("*.com", "a wildcard needs a domain"),
        ("*.", "a wildcard needs a domain"),
        ("*.example.com", None),
    ],
)
def test_host_lengths(host: str, message: str | None, wsgen) -> None:
    result = wsgen("render", "--host", host)
    if message is None:
        assert result.code == 0
    else:
        assert message in one_line_error(result)


# --------------------------------------------------------------------------- second review


def test_changed_days_makes_a_new_certificate(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "--days", "30", "-o", "ss").code == 0
    result = wsgen("render", "--tls", "self-signed", "--days", "900", "-o", "ss", "--force")
    assert result.code == 0
    assert (
        "wsgen: ss/tls/tls.crt is valid for 30 days, not the 900 asked for: making a new key and certificate"
        in result.err_lines
    )
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((hermetic / "ss/tls/tls.crt").read_bytes())
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 900


def test_cert_refusal_hint_names_only_its_own_options(wsgen, hermetic: Path) -> None:
    assert wsgen("cert", "--host", "a.example.com", "-o", "tls").code == 0
    refused = wsgen("cert", "--host", "a.example.com", "-o", "tls")
    assert refused.code == 4
    assert refused.err_lines[-1].endswith("(use --force to replace them)")


def test_dry_run_shows_a_pending_mode_fix(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "s").code == 0
    (hermetic / "s/tls/tls.key").chmod(0o644)
    plan = wsgen("render", "--tls", "self-signed", "-o", "s", "--dry-run").out.splitlines()
    assert "chmod     s/tls/tls.key" in plan


def test_modes_follow_umask_for_new_files_and_stay_on_replaced_ones(wsgen, hermetic: Path) -> None:
    old = os.umask(0o027)
    try:
        assert wsgen("render", "--tls", "self-signed", "-o", "k").code == 0
    finally:
        os.umask(old)
    mode = lambda name: stat.S_IMODE((hermetic / "k" / name).stat().st_mode)  # noqa: E731
    assert (mode("service.yaml"), mode("create-tls-secret.sh"), mode("tls/tls.key")) == (
        0o640,
        0o750,
        0o600,
    )
    (hermetic / "k/service.yaml").chmod(0o600)
    assert wsgen("render", "--tls", "self-signed", "--port", "81", "-o", "k", "--force").code == 0
    assert mode("service.yaml") == 0o600


def test_force_works_where_hard_links_do_not(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wsgen("render", "-o", "k").code == 0

    def no_links(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(1, "Operation not permitted", str(src))

    monkeypatch.setattr(os, "link", no_links)
    assert wsgen("render", "-o", "k", "--port", "81", "--force").code == 0
    assert "port: 81" in (hermetic / "k/service.yaml").read_text()
    assert not [p for p in (hermetic / "k").iterdir() if p.name.startswith(".wsgen")]


# --------------------------------------------------------------------------- issue 10


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("nginx\ufeff:1", "'nginx\\ufeff:1' is not an image reference: it holds U+FEFF (ZERO WIDTH NO-BREAK SPACE); a reference is ASCII"),
        ("\u200bnginx", "it holds U+200B (ZERO WIDTH SPACE)"),
        ("ng\u0456nx:1", "it holds U+0456 (CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I)"),
        ("nginx:1\x1b[2J", "'nginx:1\\x1b[2J' is not an image reference: it holds U+001B"),
        ("nginx:1\u00a0", "it holds U+00A0 (NO-BREAK SPACE)"),
        ("Nginx:1", "the repository path must be lower case"),
        ("me/App", "the repository path must be lower case"),
        ("nginx:", "a tag is 1 to 128 letters"),
        ("nginx:-1", "a tag is 1 to 128 letters"),
        ("nginx:" + "a" * 129, "a tag is 1 to 128 letters"),
        ("nginx@sha256:abc", "a digest is sha256: and 64 lower-case hex digits"),
        ("nginx@md5:" + "a" * 32, "a digest is sha256:"),
        ("a//b", "[registry[:port]/]path[:tag][@sha256:digest]; the path is lower-case"),
        ("a" * 256, "is not an image reference: its name is 256 characters, at most 255"),
        ("r.example.com/" + "a" * 50_000, "text of 50014 characters is not an image reference: its name is 50014 characters"),
    ],
)  # fmt: skip
def test_image_references_follow_the_reference_grammar(image: str, message: str, wsgen) -> None:
    line = one_line_error(wsgen("render", "--image", image))
    assert line.startswith("wsgen: error: --image: ")
    assert message in line
    assert "\x1b" not in line and "\ufeff" not in line and "\u200b" not in line


@pytest.mark.parametrize(
    "image",
    [
        "nginx",
        "nginx:1.27-alpine",
        "localhost:5000/team/app:v1_2",
        "registry.example.com/a__b/c.d/e-f:latest",
        "[::1]:5000/app",
        "Registry.Example.COM/app:TAG",
        "app@sha256:" + "0f" * 32,
        "ghcr.io/acme/chat:1.2@sha512:" + "a" * 128,
        "a" * 255,
    ],
)
def test_valid_image_references_render(image: str, wsgen) -> None:
    result = wsgen("render", "--image", image)
    assert result.code == 0, result.err
    assert (
        next(yaml.safe_load_all(result.out))["spec"]["template"]["spec"]["containers"][0]["image"]
        == image
    )


@pytest.mark.parametrize(
    ("option", "value", "host"),
    [
        ("--upstream", "1.2.3:80", "1.2.3"),
        ("--upstream", "0x7f.1:80", "0x7f.1"),
        ("--upstream", "127.1:80", "127.1"),
        ("--upstream", "2130706433:80", "2130706433"),
        ("--upstream", "010.0.0.1:80", "010.0.0.1"),
        ("--upstream", "999.1.1.1:80", "999.1.1.1"),
        ("--upstream", "app.internal.1:80", "app.internal.1"),
        ("--listen", "1.2.3:8080", "1.2.3"),
        ("--listen", "0x7f.0.0.1:8080", "0x7f.0.0.1"),
    ],
)
def test_numeric_hosts_must_be_dotted_quads(option: str, value: str, host: str, wsgen) -> None:
    assert one_line_error(wsgen("render", "--target", "nginx", option, value)) == (
        f"wsgen: error: {option}: '{host}' is not an IPv4 address (a numeric host is four decimal "
        "numbers 0-255 joined by '.'; shorthand such as 1.2.3 or 0x7f.1 is refused, as resolvers "
        "differ on it (glibc reads 1.2.3 as 1.2.0.3))"
    )


def test_dotted_quads_and_names_still_work(wsgen) -> None:
    for option, value, written in [
        ("--upstream", "10.0.0.1:80", "10.0.0.1:80"),
        ("--upstream", "app1.internal:80", "app1.internal:80"),
        ("--upstream", "0x7f.example:80", "0x7f.example:80"),
        ("--listen", "127.0.0.1:8080", "127.0.0.1:8080"),
    ]:
        result = wsgen("render", "--target", "nginx", option, value)
        assert result.code == 0, result.err
        assert written in result.out


def test_size_limits_each_one_line(wsgen, hermetic: Path) -> None:
    """A huge image, 200,000 env variables, huge annotations or objects: one line naming the
    option and its rule, nothing written, before the API server would refuse the manifest."""
    values = hermetic / "v.yaml"
    values.write_text("env:\n" + "".join(f"  A{i}: x\n" for i in range(1001)))
    assert one_line_error(wsgen("render", "-f", "v.yaml", "-o", "k8s")) == (
        "wsgen: error: v.yaml: env.A1000: more than 1000 environment variables (wsgen's limit)"
    )
    flags = [arg for i in range(200_000) for arg in ("--env", f"A{i}=x")]
    assert "more than 1000 environment variables" in one_line_error(wsgen("render", *flags))
    big = "x" * (128 * 1024)
    assert one_line_error(wsgen("render", "--env", f"A={big}")) == (
        "wsgen: error: --env: A=VALUE is 131074 bytes; at most 131071 (Linux refuses to start a "
        "program with a longer one: MAX_ARG_STRLEN)"
    )
    values.write_text(
        "annotations:\n" + "".join(f"  example.com/a{i}: {'x' * 1000}\n" for i in range(300))
    )
    assert one_line_error(wsgen("render", "-f", "v.yaml", "-o", "k8s")).startswith(
        "wsgen: error: --annotation (values key annotations): the Ingress annotations (keys and "
        "values) add up to 304790 bytes; Kubernetes allows 256 KiB in all"
    )
    # under every per-value limit, but the Deployment grows past 1 MiB (each é is \u00e9)
    values.write_text("env:\n" + "".join(f"  A{i}: {'é' * 60_000}\n" for i in range(5)))
    for out in ([], ["-o", "k8s"]):
        assert one_line_error(wsgen("render", "-f", "v.yaml", *out)) == (
            "wsgen: error: the rendered Deployment would be 1801368 bytes; wsgen keeps each object "
            "under 1 MiB (the API server stores at most ~1.5 MiB): give fewer or shorter --env / "
            "--annotation values"
        )
    assert "is not a valid path: at most 4096 characters" in one_line_error(
        wsgen("render", "--path", "/" + "a" * 4096)
    )
    assert not (hermetic / "k8s").exists()


def test_values_file_is_read_up_to_1_mib(wsgen, hermetic: Path) -> None:
    (hermetic / "v.yaml").write_text("image: " + "a" * (1024 * 1024) + "\n")
    assert one_line_error(wsgen("render", "-f", "v.yaml")) == (
        "wsgen: error: --values: v.yaml: is larger than 1 MiB (wsgen reads files up to that size)"
    )
    (hermetic / "v.yaml").write_text("# " + "x" * (1024 * 1024 - 20) + "\nport: 80\n")
    assert wsgen("render", "-f", "v.yaml").code == 0
    big = hermetic / "big.crt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    _, key = make_pair(["test.example.com"], hermetic)
    assert one_line_error(wsgen("render", "--tls", "files", "--cert", str(big), "--key", str(key)))
    assert "is larger than 1 MiB" in wsgen("probe", "--ca", str(big), "wss://a.example/").err


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!timestamp", "!!binary"])
def test_a_parser_message_never_quotes_a_key(tag: str, wsgen, hermetic: Path) -> None:
    _, key = make_pair(["test.example.com"], hermetic)
    body = key.read_text().splitlines()[1]
    (hermetic / "v.yaml").write_text(f'port: {tag} "-----BEGIN PRIVATE KEY----- {body}"\n')
    line = one_line_error(wsgen("render", "-f", "v.yaml"))
    assert line.startswith("wsgen: error: --values: v.yaml: ")
    assert body.lower() not in line.lower() and "begin" not in line.lower()
