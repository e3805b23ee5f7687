"""TLS modes, tested by parsing what wsgen writes: SANs, validity, key match, key mode."""

from __future__ import annotations

import base64
import datetime as dt
import os
import stat
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from wsgen import certs, core, errors, model

UTC = dt.timezone.utc


def load(cert_pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_pem)


def sans(cert: x509.Certificate) -> list[str]:
    return cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)


def same_key(cert: x509.Certificate, key_pem: bytes) -> bool:
    key = serialization.load_pem_private_key(key_pem, password=None)
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def make_pair(
    hosts: list[str],
    tmp: Path,
    *,
    days: int = 30,
    now: dt.datetime | None = None,
    name: str = "user",
) -> tuple[Path, Path]:
    cert, key = certs.generate(hosts, days, now or dt.datetime.now(UTC), "ecdsa-p256")
    (tmp / f"{name}.crt").write_bytes(cert)
    (tmp / f"{name}.key").write_bytes(key)
    return tmp / f"{name}.crt", tmp / f"{name}.key"


# --------------------------------------------------------------------------- self-signed


def test_self_signed_folder(wsgen, hermetic: Path) -> None:
    before = dt.datetime.now(UTC).replace(microsecond=0)
    result = wsgen(
        "render", "--tls", "self-signed", "--host", "chat.example.com", "--days", "30", "-o", "k8s"
    )
    assert result.code == 0, result.err
    k8s = hermetic / "k8s"
    cert = load((k8s / "tls/tls.crt").read_bytes())
    key_pem = (k8s / "tls/tls.key").read_bytes()
    assert sans(cert) == ["chat.example.com"]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "chat.example.com"
    assert before <= cert.not_valid_before_utc <= dt.datetime.now(UTC)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=30)
    assert same_key(cert, key_pem)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert (
        ExtendedKeyUsageOID.SERVER_AUTH
        in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert mode_of(k8s / "tls/tls.key") == 0o600
    assert mode_of(k8s / "create-tls-secret.sh") == 0o755
    assert b"PRIVATE KEY" not in b"".join(
        p.read_bytes() for p in k8s.rglob("*") if p.is_file() and p.name != "tls.key"
    )
    assert "PRIVATE" not in result.err and result.out == ""
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    assert kustomization["secretGenerator"] == [{
        "name": "websocket-server-tls", "namespace": "default", "type": "kubernetes.io/tls",
        "files": ["tls.crt=tls/tls.crt", "tls.key=tls/tls.key"],
        "options": {"disableNameSuffixHash": True},
    }]  # fmt: skip
    script = (k8s / "create-tls-secret.sh").read_text()
    command = ("kubectl -n default create secret tls websocket-server-tls --cert=tls/tls.crt "
               "--key=tls/tls.key --dry-run=client -o yaml | kubectl apply -f -")  # fmt: skip
    assert script.endswith('cd "$(dirname "$0")"\n' + command + "\n")
    expiry = cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")
    assert f"wsgen: certificate for chat.example.com expires {expiry}" in result.err_lines
    assert any(line.endswith(command.replace("=tls/", "=k8s/tls/")) for line in result.err_lines)
    values = yaml.safe_load((k8s / "wsgen.yaml").read_text())
    assert values["tls"] == {
        "mode": "self-signed",
        "secretName": "websocket-server-tls",
        "days": 30,
    }


def test_self_signed_rerun_keeps_key_and_folder_byte_for_byte(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    k8s = hermetic / "k8s"
    snapshot = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in k8s.rglob("*") if p.is_file()}
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s")
    assert again.code == 0, again.err
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in snapshot} == snapshot
    assert "wsgen: k8s: up to date (8 files)" in again.err_lines
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0


def test_self_signed_new_host_says_why_and_needs_force(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    old_key = (hermetic / "k8s/tls/tls.key").read_bytes()
    refused = wsgen("render", "--tls", "self-signed", "--host", "new.example.com", "-o", "k8s")
    assert refused.code == 4
    assert (
        refused.err_lines[0]
        == "wsgen: k8s/tls/tls.crt does not cover new.example.com (it has test.example.com): would make a new key and certificate"
    )
    assert refused.err_lines[1].startswith(
        "wsgen: error: refusing to overwrite 4 changed file(s): k8s/ingress.yaml, k8s/tls/tls.crt, k8s/tls/tls.key, k8s/wsgen.yaml"
    )
    assert (hermetic / "k8s/tls/tls.key").read_bytes() == old_key
    forced = wsgen(
        "render", "--tls", "self-signed", "--host", "new.example.com", "-o", "k8s", "--force"
    )
    assert forced.code == 0, forced.err
    assert sans(load((hermetic / "k8s/tls/tls.crt").read_bytes())) == ["new.example.com"]
    assert mode_of(hermetic / "k8s/tls/tls.key") == 0o600


def test_self_signed_expired_certificate_is_replaced(hermetic: Path) -> None:
    config = model.build([(model.flags_layer({"tls.mode": "self-signed"}), hermetic)])
    long_ago = dt.datetime(2020, 1, 1, tzinfo=UTC)
    core.render_manifests(config, Path("k8s"), now=long_ago)
    with pytest.raises(errors.Refused) as refused:
        core.render_manifests(config, Path("k8s"), now=dt.datetime(2021, 6, 1, tzinfo=UTC))
    assert refused.value.notes == [
        "k8s/tls/tls.crt expired on 2020-12-31 00:00 UTC: would make a new key and certificate"
    ]  # type: ignore[attr-defined]
    core.render_manifests(config, Path("k8s"), now=dt.datetime(2021, 6, 1, tzinfo=UTC), force=True)
    assert load((hermetic / "k8s/tls/tls.crt").read_bytes()).not_valid_before_utc.year == 2021


def test_self_signed_missing_key_is_replaced(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    (hermetic / "k8s/tls/tls.key").unlink()
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s", "--force")
    assert result.code == 0
    assert "wsgen: k8s/tls/tls.key is missing: making a new key and certificate" in result.err_lines
    assert same_key(
        load((hermetic / "k8s/tls/tls.crt").read_bytes()),
        (hermetic / "k8s/tls/tls.key").read_bytes(),
    )


def test_identical_key_with_loose_mode_is_tightened(wsgen, hermetic: Path) -> None:
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    key = hermetic / "k8s/tls/tls.key"
    key.chmod(0o644)
    result = wsgen("render", "--tls", "self-signed", "-o", "k8s")
    assert result.code == 0
    assert mode_of(key) == 0o600
    assert "wsgen: set mode 0600 on k8s/tls/tls.key" in result.err_lines


def test_self_signed_stream_carries_the_secret(wsgen) -> None:
    result = wsgen("render", "--tls", "self-signed", "--host", "*.example.com")
    assert result.code == 0
    docs = list(yaml.safe_load_all(result.out))
    assert [d["kind"] for d in docs] == ["Deployment", "Service", "Secret", "Ingress"]
    secret = docs[2]
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"] == {
        "name": "websocket-server-tls",
        "namespace": "default",
        "labels": {"app.kubernetes.io/name": "websocket-server"},
    }
    cert = load(base64.b64decode(secret["data"]["tls.crt"]))
    assert sans(cert) == ["*.example.com"]
    assert same_key(cert, base64.b64decode(secret["data"]["tls.key"]))
    assert result.err_lines == [
        "wsgen: the stream carries the kubernetes.io/tls Secret websocket-server-tls with a new private key (a new one on every run; use --out DIR to keep it in files)"
    ]


def test_long_host_gets_a_certificate_without_common_name(wsgen) -> None:
    host = ("a" * 60) + ".example.com"
    result = wsgen("render", "--tls", "self-signed", "--host", host)
    secret = list(yaml.safe_load_all(result.out))[2]
    cert = load(base64.b64decode(secret["data"]["tls.crt"]))
    assert sans(cert) == [host]
    assert len(cert.subject) == 0
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical


# --------------------------------------------------------------------------- files


def test_files_mode(wsgen, hermetic: Path) -> None:
    (hermetic / "certs").mkdir()
    make_pair(["chat.example.com"], hermetic / "certs")
    result = wsgen("render", "--tls", "files", "--host", "chat.example.com",
                   "--cert", "certs/user.crt", "--key", "certs/user.key", "-o", "deploy/k8s")  # fmt: skip
    assert result.code == 0, result.err
    k8s = hermetic / "deploy/k8s"
    assert sorted(p.name for p in k8s.iterdir()) == [
        "create-tls-secret.sh",
        "deployment.yaml",
        "ingress.yaml",
        "kustomization.yaml",
        "service.yaml",
        "wsgen.yaml",
    ]
    script = (k8s / "create-tls-secret.sh").read_text()
    assert script.endswith(
        "--cert=../../certs/user.crt --key=../../certs/user.key --dry-run=client -o yaml | kubectl apply -f -\n"
    )
    assert ("wsgen: create the Secret: kubectl -n default create secret tls websocket-server-tls "
            "--cert=certs/user.crt --key=certs/user.key --dry-run=client -o yaml | kubectl apply -f -") in result.err_lines  # fmt: skip
    values = yaml.safe_load((k8s / "wsgen.yaml").read_text())
    assert values["tls"] == {
        "mode": "files",
        "secretName": "websocket-server-tls",
        "cert": "../../certs/user.crt",
        "key": "../../certs/user.key",
    }
    assert "secretGenerator" not in (k8s / "kustomization.yaml").read_text()
    # The answers file, read from anywhere, finds the same files and reproduces the folder.
    (hermetic / "elsewhere").mkdir()
    os.chdir(hermetic / "elsewhere")
    again = wsgen("render", "-f", "../deploy/k8s/wsgen.yaml", "-o", "../deploy/k8s", "--check")
    assert again.code == 0, again.err


def test_files_mode_absolute_paths_stay_absolute(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic)
    assert (
        wsgen("render", "--tls", "files", "--cert", str(cert), "--key", str(key), "-o", "k8s").code
        == 0
    )
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["cert"] == str(cert)


def test_files_mode_stream_has_no_key(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic)
    result = wsgen("render", "--tls", "files", "--cert", str(cert), "--key", str(key))
    assert result.code == 0
    assert [d["kind"] for d in yaml.safe_load_all(result.out)] == [
        "Deployment",
        "Service",
        "Ingress",
    ]
    assert "PRIVATE" not in result.out + result.err


def test_files_mode_wildcard_certificate_covers_a_subdomain(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(["*.example.com"], hermetic)
    ok = wsgen(
        "render",
        "--tls",
        "files",
        "--host",
        "chat.example.com",
        "--cert",
        str(cert),
        "--key",
        str(key),
    )
    assert ok.code == 0, ok.err
    deeper = wsgen(
        "render",
        "--tls",
        "files",
        "--host",
        "a.chat.example.com",
        "--cert",
        str(cert),
        "--key",
        str(key),
    )
    assert deeper.code == 2


def files_error(wsgen, *args: str) -> str:
    result = wsgen("render", "--tls", "files", *args, "-o", "out")
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1, result.err
    assert not Path("out").exists()
    return result.err_lines[0]


def test_files_mode_errors(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic)
    _, other_key = make_pair(["test.example.com"], hermetic, name="other")
    assert (
        files_error(wsgen, "--cert", "nope.crt", "--key", str(key))
        == "wsgen: error: --cert: nope.crt: no such file"
    )
    assert (
        files_error(wsgen, "--cert", str(cert), "--key", str(other_key))
        == f"wsgen: error: --key: {other_key} does not belong to the certificate (their public keys differ)"
    )
    assert (
        files_error(wsgen, "--cert", str(key), "--key", str(key))
        == f"wsgen: error: --cert: {key} is not a PEM certificate"
    )
    assert (
        files_error(wsgen, "--cert", str(cert), "--key", str(cert))
        == f"wsgen: error: --key: {cert} is not a PEM private key"
    )
    assert files_error(
        wsgen, "--host", "other.example.com", "--cert", str(cert), "--key", str(key)
    ) == (
        f"wsgen: error: --cert: {cert} does not cover the host other.example.com (its DNS names: test.example.com)"
    )
    encrypted = hermetic / "enc.key"
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    encrypted.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    assert (
        files_error(wsgen, "--cert", str(cert), "--key", str(encrypted))
        == f"wsgen: error: --key: {encrypted} is encrypted; kubectl and ingress-nginx need an unencrypted key"
    )


def test_files_mode_relative_paths_in_values_file_are_relative_to_it(wsgen, hermetic: Path) -> None:
    (hermetic / "conf").mkdir()
    make_pair(["test.example.com"], hermetic / "conf")
    (hermetic / "conf/values.yaml").write_text(
        "tls:\n  mode: files\n  cert: user.crt\n  key: user.key\n"
    )
    assert wsgen("render", "-f", "conf/values.yaml").code == 0
    (hermetic / "conf/values.yaml").write_text(
        "tls:\n  mode: files\n  cert: nope.crt\n  key: user.key\n"
    )
    missing = wsgen("render", "-f", "conf/values.yaml")
    assert missing.err_lines == ["wsgen: error: conf/values.yaml: tls.cert: nope.crt: no such file"]


def test_files_mode_expired_certificate_is_an_error(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(
        ["test.example.com"], hermetic, days=1, now=dt.datetime(2020, 1, 1, tzinfo=UTC)
    )
    refusal = (
        f"wsgen: error: --cert: {cert} expired on 2020-01-02 00:00 UTC; clients refuse it "
        "(give --allow-expired to use it anyway)"
    )
    for out in ([], ["-o", "k8s"], ["-o", "k8s", "--check"], ["-o", "k8s", "--dry-run"]):
        result = wsgen("render", "--tls", "files", "--cert", str(cert), "--key", str(key), *out)
        assert (result.code, result.out, result.err_lines) == (2, "", [refusal])
        assert not (hermetic / "k8s").exists()
    init = wsgen("init", "--defaults", "--tls", "files", "--cert", str(cert), "--key", str(key))
    assert (init.code, init.err_lines) == (2, [refusal])
    assert not (hermetic / "k8s").exists()


def test_files_mode_not_yet_valid_certificate_is_an_error(wsgen, hermetic: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic, now=dt.datetime(2100, 1, 1, tzinfo=UTC))
    result = wsgen("render", "--tls", "files", "--cert", str(cert), "--key", str(key))
    assert (result.code, result.out) == (2, "")
    assert result.err_lines == [
        f"wsgen: error: --cert: {cert} is not valid before 2100-01-01 00:00 UTC; clients refuse "
        "it (give --allow-expired to use it anyway)"
    ]


def test_allow_expired_from_flag_variable_and_values_file(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = make_pair(
        ["test.example.com"], hermetic, days=1, now=dt.datetime(2020, 1, 1, tzinfo=UTC)
    )
    files = ("--tls", "files", "--cert", str(cert), "--key", str(key))
    warning = (
        f"wsgen: warning: {cert} expired on 2020-01-02 00:00 UTC (used anyway: --allow-expired)"
    )
    flag = wsgen("render", *files, "--allow-expired")
    assert flag.code == 0, flag.err
    assert flag.err_lines[0] == warning
    assert [line[:31] for line in flag.err_lines[1:]] == ["wsgen: create the Secret: kubec"]
    monkeypatch.setenv("WSGEN_ALLOW_EXPIRED", "true")
    folder = wsgen("render", *files, "-o", "k8s")
    assert folder.code == 0, folder.err
    assert warning in folder.err_lines
    monkeypatch.delenv("WSGEN_ALLOW_EXPIRED")
    # the folder's answers keep it, so the Makefile path re-renders the same folder
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert values["tls"]["allowExpired"] is True
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check")
    assert again.code == 0, again.err
    (hermetic / "v.yaml").write_text(
        f"tls:\n  mode: files\n  cert: {cert}\n  key: {key}\n  allowExpired: false\n"
    )
    assert wsgen("render", "-f", "v.yaml").code == 2
    assert wsgen("render", "-f", "v.yaml", "--allow-expired").code == 0
    init = wsgen("init", "--defaults", *files, "--allow-expired", "-o", "k8s-init")
    assert init.code == 0, init.err
    assert warning in init.err_lines
    # its rules: a boolean, and only for --tls files
    monkeypatch.setenv("WSGEN_ALLOW_EXPIRED", "maybe")
    bad = wsgen("render", *files)
    assert bad.err_lines == ["wsgen: error: WSGEN_ALLOW_EXPIRED: 'maybe' is not true or false"]
    monkeypatch.delenv("WSGEN_ALLOW_EXPIRED")
    other = wsgen("render", "--tls", "self-signed", "--allow-expired")
    assert other.err_lines == [
        "wsgen: error: --allow-expired: only used with --tls files (the TLS mode is 'self-signed')"
    ]


# --------------------------------------------------------------------------- wsgen cert


def test_cert_command(wsgen, hermetic: Path) -> None:
    result = wsgen(
        "cert",
        "--host",
        "b.example.com",
        "--host",
        "a.example.com",
        "--days",
        "90",
        "-o",
        "tls",
        "-n",
        "prod",
        "--secret-name",
        "web-tls",
    )
    assert result.code == 0, result.err
    cert = load((hermetic / "tls/tls.crt").read_bytes())
    assert sans(cert) == ["a.example.com", "b.example.com"]
    assert isinstance(cert.public_key(), rsa.RSAPublicKey)
    assert cert.public_key().key_size == 2048
    assert (
        cert.signature_hash_algorithm is not None
        and cert.signature_hash_algorithm.name == hashes.SHA256.name
    )
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=90)
    assert same_key(cert, (hermetic / "tls/tls.key").read_bytes())
    assert mode_of(hermetic / "tls/tls.key") == 0o600
    assert result.out == ""
    assert (
        result.err_lines[-1]
        == "wsgen: kubectl -n prod create secret tls web-tls --cert=tls/tls.crt --key=tls/tls.key --dry-run=client -o yaml | kubectl apply -f -"
    )
    assert "PRIVATE" not in result.err


def test_cert_command_ecdsa_and_refusal(wsgen, hermetic: Path) -> None:
    assert (
        wsgen("cert", "--host", "a.example.com", "--key-type", "ecdsa-p256", "-o", "tls").code == 0
    )
    assert isinstance(
        load((hermetic / "tls/tls.crt").read_bytes()).public_key(), ec.EllipticCurvePublicKey
    )
    key_before = (hermetic / "tls/tls.key").read_bytes()
    again = wsgen("cert", "--host", "a.example.com", "-o", "tls")
    assert again.code == 4
    assert (hermetic / "tls/tls.key").read_bytes() == key_before
    assert wsgen("cert", "--host", "a.example.com", "-o", "tls", "--force").code == 0
    assert (hermetic / "tls/tls.key").read_bytes() != key_before


@pytest.mark.parametrize(("args", "message"), [
    (["--host", "Bad_Host"], "wsgen: error: --host: 'Bad_Host' is not a valid host"),
    (["--host", "a.example.com", "--days", "0"], "wsgen: error: --days: 0 is out of range"),
    (["--host", "a.example.com", "--key-type", "dsa"], "wsgen: error: --key-type: 'dsa' is not a key type (one of: rsa2048, ecdsa-p256)"),
    ([], "wsgen: error: --host or --ip: give at least one (what the certificate is for)"),
])  # fmt: skip
def test_cert_command_bad_input(args: list[str], message: str, wsgen, hermetic: Path) -> None:
    result = wsgen("cert", *args, "-o", "tls")
    assert result.code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith(message), result.err
    assert not (hermetic / "tls").exists()


# --------------------------------------------------------------------------- key material


def pem_fragments(pem: bytes) -> list[str]:
    """What must never appear outside the key file: the BEGIN line, each base64 line, the body."""
    lines = pem.decode().strip().splitlines()
    return [lines[0], *lines[1:-1], "".join(lines[1:-1])]


def assert_never_shown(result, pem: bytes, root: Path, *allowed: Path) -> None:  # type: ignore[no-untyped-def]
    """Neither stream nor any file written under `root` (but `allowed`) holds a part of `pem`."""
    for fragment in pem_fragments(pem):
        assert fragment not in result.out
        assert fragment not in result.err
    for path in root.rglob("*"):
        if path.is_file() and path not in allowed:
            text = path.read_bytes().decode(errors="replace")
            for fragment in pem_fragments(pem):
                assert fragment not in text, path


def test_a_pasted_key_is_named_never_echoed(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CI mistake: the key's text where its path belongs, in a flag, a variable, a values
    file or a path option of any command; the error says what it is, never the text."""
    cert, key = make_pair(["test.example.com"], hermetic)
    key_pem, cert_pem = key.read_text(), cert.read_text()
    values = hermetic / "v.yaml"
    values.write_text(
        f"tls:\n  mode: files\n  cert: {cert}\n  key: |\n"
        + "".join(f"    {line}\n" for line in key_pem.splitlines())
    )
    files = ("--tls", "files", "--cert", str(cert))
    cases: list[tuple[dict[str, str], list[str], str]] = [
        ({}, ["render", *files, "--key", key_pem], "--key: a PEM private key, not a path"),
        ({}, ["render", *files, "--key", key_pem, "-o", "k8s"], "--key: a PEM private key"),
        ({"WSGEN_KEY": key_pem}, ["render", *files], "WSGEN_KEY: a PEM private key, not a path"),
        ({"WSGEN_KEY": key_pem}, ["render", *files, "-o", "k8s", "--check"], "WSGEN_KEY:"),
        ({"WSGEN_KEY": key_pem}, ["render", *files, "-o", "k8s", "--dry-run"], "WSGEN_KEY:"),
        ({}, ["render", "-f", "v.yaml"], "v.yaml: tls.key: a PEM private key, not a path"),
        ({}, ["render", "-f", "v.yaml", "-o", "k8s", "--check"], "v.yaml: tls.key: a PEM"),
        ({}, ["render", "-f", "v.yaml", "-o", "k8s", "--dry-run"], "v.yaml: tls.key: a PEM"),
        ({}, ["render", "-f", "v.yaml", "-o", "k8s", "--force"], "v.yaml: tls.key: a PEM"),
        ({}, ["render", "--tls", "none", "--key", key_pem], "--key: only used with --tls files"),
        ({}, ["init", "--defaults", *files, "--key", key_pem], "--key: a PEM private key"),
        ({}, ["init", "-f", "v.yaml", "--defaults"], "v.yaml: tls.key: a PEM private key"),
        ({}, ["init", "-f", "v.yaml", "-o", "k8s"], "v.yaml: tls.key: a PEM private key"),
        (
            {"WSGEN_TARGET": key_pem},
            ["init", "--defaults"],
            "WSGEN_TARGET: a PEM private key is not a target",
        ),
        ({}, ["render", "-f", key_pem], "--values: a PEM private key, not a path"),
        ({"WSGEN_VALUES": key_pem}, ["render"], "WSGEN_VALUES: a PEM private key, not a path"),
        ({}, ["render", "-o", key_pem], "--out: a PEM private key, not a path"),
        ({"WSGEN_OUT": key_pem}, ["render"], "WSGEN_OUT: a PEM private key, not a path"),
        ({}, ["cert", "--host", "a.example.com", "-o", key_pem], "--out: a PEM private key"),
        ({}, ["probe", "--ca", key_pem, "wss://a.example.com/"], "--ca: a PEM private key"),
        ({}, ["render", "--image", key_pem], "--image: a PEM private key is not an image"),
    ]
    for env, args, message in cases:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            result = wsgen(*args)
        assert result.code == 2, (args, result.err)
        assert len(result.err_lines) == 1, result.err
        assert result.err_lines[0].startswith("wsgen: error: " + message), result.err
        assert_never_shown(result, key.read_bytes(), hermetic, key, values)
        assert not (hermetic / "k8s").exists()
    # a certificate given as text, too
    result = wsgen("render", "--tls", "files", "--cert", cert_pem, "--key", str(key))
    assert result.err_lines == ["wsgen: error: --cert: a PEM certificate, not a path"]
    assert_never_shown(result, cert.read_bytes(), hermetic, cert, values)
    result = wsgen("probe", "--ca", cert_pem, "wss://a.example.com/")
    assert result.err_lines == ["wsgen: error: --ca: a PEM certificate, not a path"]


def test_a_pasted_key_in_a_subprocess_stays_out_of_the_log(hermetic: Path) -> None:
    """The issue's repro as a CI job runs it: WSGEN_KEY="$(cat tls.key)" wsgen render ..."""
    import subprocess

    from conftest import wsgen_exe

    cert, key = make_pair(["test.example.com"], hermetic)
    env = {**os.environ, "WSGEN_KEY": key.read_text()}
    done = subprocess.run(
        [*wsgen_exe(), "render", "--tls", "files", "--cert", str(cert), "-o", "k8s"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "wsgen: error: WSGEN_KEY: a PEM private key, not a path\n"
    assert done.stdout == ""
    assert not (hermetic / "k8s").exists()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("line one\nline two\nline three", "--cert: text of 3 lines, not a path"),
        ("x" * 5000, "--cert: text of 5000 characters (a path is at most 4095 bytes), not a path"),
        (
            "A" * 300,
            "--cert: text of 300 characters (a file name is at most 255 bytes), not a path",
        ),
        (
            "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDaH/R+6+UivIaK",
            "--cert: base64 text of 64 characters, not a path",
        ),
        ("tls\x1b[31m.crt", "--cert: holds the control character U+001B (a control character)"),
        ("-----END PRIVATE KEY-----", "--cert: a PEM private key, not a path"),
        ("-----BEGIN CERTIFICATE REQUEST-----", "--cert: a PEM certificate request, not a path"),
    ],
)
def test_text_that_is_no_path_is_described(given: str, message: str, wsgen, hermetic: Path) -> None:
    _, key = make_pair(["test.example.com"], hermetic)
    result = wsgen("render", "--tls", "files", "--cert", given, "--key", str(key))
    assert result.code == 2
    assert result.err_lines == [f"wsgen: error: {message}"] or result.err_lines[0].startswith(
        f"wsgen: error: {message}"
    ), result.err
    assert given not in result.err
    assert "\x1b" not in result.err


def test_a_pasted_key_as_an_init_answer_is_named(hermetic: Path) -> None:
    """The wizard's path answers pass the same check (what the prompt shows on a bad answer)."""
    from test_wizard import Scripted, run

    cert, key = make_pair(["test.example.com"], hermetic)
    pasted = key.read_text().splitlines()[0]  # a prompt takes one line: the BEGIN line
    asker = Scripted(None, str(cert), pasted, str(key), "k8s", True)
    run(asker, "--name", "a", "--namespace", "b", "--image", "x/y:1", "--port", "80",
        "--host", "test.example.com", "--path", "/", "--timeout", "60", "--tls", "files")  # fmt: skip
    assert asker.errors == ["a PEM private key, not a path"]
    assert all(pasted not in line for line in asker.said)


def test_init_refuses_an_expired_answer_unless_allowed(hermetic: Path) -> None:
    """init does not ask about --allow-expired; an expired certificate answer gets the rule
    and is asked again, and the flag is honoured."""
    from test_wizard import Scripted, run

    old_cert, old_key = make_pair(
        ["test.example.com"], hermetic, days=1, now=dt.datetime(2020, 1, 1, tzinfo=UTC), name="old"
    )
    cert, key = make_pair(["test.example.com"], hermetic)
    flags = ("--name", "a", "--namespace", "b", "--image", "x/y:1", "--port", "80",
             "--host", "test.example.com", "--path", "/", "--timeout", "60", "--tls", "files")  # fmt: skip
    asker = Scripted(None, str(old_cert), str(cert), str(key), "k8s", True)
    run(asker, *flags)
    assert asker.errors == [
        f"{old_cert} expired on 2020-01-02 00:00 UTC; clients refuse it (give --allow-expired to "
        "use it anyway)"
    ]
    allowed = Scripted(None, str(old_cert), str(old_key), "k8s-old", True)
    run(allowed, *flags, "--allow-expired", True)  # type: ignore[arg-type]
    assert allowed.errors == []
    assert yaml.safe_load((hermetic / "k8s-old/wsgen.yaml").read_text())["tls"]["allowExpired"]
    assert (
        f"note: warning: {old_cert} expired on 2020-01-02 00:00 UTC (used anyway: --allow-expired)"
        in allowed.said
    )


def test_a_key_where_the_parser_expects_an_option_is_not_echoed(wsgen, hermetic: Path) -> None:
    """A key pasted without its flag: click quotes it ("No such option: -----BEGIN ...")."""
    cert, key = make_pair(["test.example.com"], hermetic)
    pem = key.read_text()
    body = "".join(pem.splitlines()[1:-1])
    for args in (
        [pem],
        ["render", pem],
        ["render", "--tls", "files", "--cert", str(cert), pem],
        ["init", "--defaults", pem],
        ["lint", pem],
        ["probe", "ws://a.example/", pem],
        ["render", "x" + body],
    ):
        result = wsgen(*args)
        assert result.code == 2, (args[:1], result.err)
        assert len(result.err_lines) == 1 and result.err.startswith("wsgen: error: ")
        assert "<a PEM private key>" in result.err or "<base64 text of " in result.err, result.err
        assert_never_shown(result, key.read_bytes(), hermetic, key)
        assert body not in result.err
