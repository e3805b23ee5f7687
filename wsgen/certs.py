"""Certificates with `cryptography`: make a self-signed one, read and check a user's pair.

The clock and the key type are parameters, so tests can pin them. Imported only by the code
paths that need certificates (it costs start-up time).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_CN_MAX = 64  # X.520 upper bound for commonName


class CertProblem(ValueError):
    """A certificate or key that cannot be used. `part` is "cert" or "key"; the message is
    written for users, to follow the file's name."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = message


@dataclass(frozen=True)
class CertInfo:
    names: tuple[str, ...]  # DNS subjectAltNames
    not_before: dt.datetime
    not_after: dt.datetime

    def expiry(self) -> str:
        return self.not_after.strftime("%Y-%m-%d %H:%M UTC")


def subject_names(
    hosts: Iterable[str], ips: Iterable[str] = ()
) -> tuple[list[str], list[ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """The subjectAltNames of `generate`'s certificate, in its order: the DNS names sorted,
    then the IP addresses, IPv4 first, each in numeric order (duplicates once)."""
    import ipaddress

    addresses = sorted({ipaddress.ip_address(ip) for ip in ips}, key=lambda a: (a.version, int(a)))
    return sorted(set(hosts)), addresses


def generate(
    hosts: Iterable[str],
    days: int,
    now: dt.datetime,
    key_type: str = "rsa2048",
    ips: Iterable[str] = (),
) -> tuple[bytes, bytes]:
    """A self-signed server certificate for `hosts` and `ips` (a SAN for each: DNS names,
    then IP addresses, each sorted; CA:FALSE, serverAuth).

    Returns (certificate PEM, private key PEM).
    """
    dns, addresses = subject_names(hosts, ips)
    names = [*dns, *(str(a) for a in addresses)]
    if not names:
        raise ValueError("at least one host or IP address is needed")
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key_type == "rsa2048":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        usage = {"digital_signature": True, "key_encipherment": True}
    elif key_type == "ecdsa-p256":
        key = ec.generate_private_key(ec.SECP256R1())
        usage = {"digital_signature": True, "key_encipherment": False}
    else:
        raise ValueError(f"unknown key type {key_type!r}")
    first = names[0]
    # A commonName is at most 64 characters; with an empty subject the SAN must be critical.
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, first)] if len(first) <= _CN_MAX else []
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [*(x509.DNSName(n) for n in dns), *(x509.IPAddress(a) for a in addresses)]
            ),
            critical=len(subject) == 0,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
                **usage,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def read_pair(cert_pem: bytes, key_pem: bytes) -> CertInfo:
    """Parse a certificate (the first of a chain) and its key; check that they belong together.

    Raises CertProblem naming "certificate" or "key" in the message.
    """
    try:
        certificate = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        raise CertProblem("cert", "is not a PEM certificate") from None
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise CertProblem(
            "key", "is encrypted; kubectl and ingress-nginx need an unencrypted key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertProblem("key", "is not a PEM private key") from None
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(der, spki) != private_key.public_key().public_bytes(
        der, spki
    ):
        raise CertProblem("key", "does not belong to the certificate (their public keys differ)")
    return info(certificate)


def info(certificate: x509.Certificate) -> CertInfo:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = tuple(san.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return CertInfo(names, certificate.not_valid_before_utc, certificate.not_valid_after_utc)


def read_certificate(cert_pem: bytes) -> CertInfo:
    try:
        return info(x509.load_pem_x509_certificates(cert_pem)[0])
    except ValueError:
        raise CertProblem("cert", "is not a PEM certificate") from None


def covers(names: Iterable[str], host: str) -> bool:
    """True when a certificate with these DNS names is valid for `host` (RFC 6125 wildcards:
    `*.example.com` covers `a.example.com`, not `example.com` nor `a.b.example.com`)."""
    host = host.lower()
    for name in (n.lower() for n in names):
        if name == host:
            return True
        if name.startswith("*.") and not host.startswith("*."):
            label, _, rest = host.partition(".")
            if label and rest == name[2:]:
                return True
    return False


def reuse_problem(
    cert_pem: bytes, key_pem: bytes, host: str, days: int, now: dt.datetime
) -> tuple[str, str] | None:
    """Why an existing self-signed pair cannot be kept for `host` and a validity of `days`:
    (part, reason), or None."""
    try:
        cert_info = read_pair(cert_pem, key_pem)
    except CertProblem as problem:
        return problem.part, problem.message
    if not covers(cert_info.names, host):
        have = ", ".join(cert_info.names) or "no DNS names"
        return "cert", f"does not cover {host} (it has {have})"
    if cert_info.not_after <= now:
        return "cert", f"expired on {cert_info.expiry()}"
    valid_for = cert_info.not_after - cert_info.not_before
    if valid_for != dt.timedelta(days=days):
        return "cert", f"is valid for {valid_for.days} days, not the {days} asked for"
    return None


@dataclass(frozen=True)
class PeerCertificate:
    """What a probe shows of a server's certificate."""

    subject: str  # RFC 4514
    issuer: str
    names: tuple[str, ...]  # DNS and IP subjectAltNames
    not_after: dt.datetime

    def expiry(self) -> str:
        return self.not_after.strftime("%Y-%m-%d %H:%M UTC")


def peer(der: bytes) -> PeerCertificate:
    """A certificate as sent in a TLS handshake (DER)."""
    certificate = x509.load_der_x509_certificate(der)
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = (
            *san.get_values_for_type(x509.DNSName),
            *map(str, san.get_values_for_type(x509.IPAddress)),
        )
    except x509.ExtensionNotFound:
        names = ()
    return PeerCertificate(
        certificate.subject.rfc4514_string(),
        certificate.issuer.rfc4514_string(),
        tuple(names),
        certificate.not_valid_after_utc,
    )
