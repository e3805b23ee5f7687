"""The validated configuration: the single gate for flags, environment, values files and the
wizard's answers.

Every option is described once (flag, values-file key, environment variable, rule): the ones
every target shares in COMMON_OPTIONS here, each target's own in its spec (wsgen.targets).
Input arrives as layers of raw values, each value tagged with where it came from; `build` takes,
for each option, the value of the strongest layer (flag > environment > values file > default),
validates it and names that origin in the one-line error when it breaks a rule; the chosen
target's `settings` function then checks and keeps its own options.

Imports nothing from the rest of wsgen but errors, the YAML helpers, the timeout limit and (inside
functions, for the target registry) wsgen.targets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from wsgen.errors import BadInput, did_you_mean
from wsgen.ingress_nginx import MAX_TIMEOUT_SECONDS
from wsgen.yamlutil import YamlProblem, load_strict

DEFAULT_IMAGE = "registry-cn-hangzhou.ack.aliyuncs.com/ack-demo/websocket-echo-server:latest"
TLS_MODES = ("none", "self-signed", "secret", "files", "cert-manager")
ISSUER_KINDS = ("ClusterIssuer", "Issuer")
KEY_TYPES = ("rsa2048", "ecdsa-p256")
# What `wsgen render` writes when no --target is given (every target: wsgen.targets).
DEFAULT_TARGET = "ingress-nginx"
MAX_DAYS = 3650
MAX_REPLICAS = 2**31 - 1

# Size limits (docs/render.md, "Limits"). The API server stores an object in etcd, whose requests
# are at most 1.5 MiB; wsgen keeps every rendered object under 1 MiB, room for what the server adds.
MAX_OBJECT_BYTES = 1024 * 1024
# Kubernetes: the keys and values of an object's annotations add up to at most 256 KiB.
MAX_ANNOTATION_BYTES = 256 * 1024
# Linux (MAX_ARG_STRLEN): execve refuses one NAME=VALUE string of 128 KiB or more.
MAX_ENV_ENTRY_BYTES = 128 * 1024 - 1
MAX_ENV_COUNT = 1000
URL_PATH_MAX = 4096
# Files wsgen reads (values file, certificate, key, CA): read up to this many bytes at most.
MAX_FILE_BYTES = 1024 * 1024


# --------------------------------------------------------------------------- validators
# Each takes a raw value (a str from a flag or the environment; any YAML value from a values
# file) and returns the typed value, or raises ValueError with the rule, written for users.

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
# ingress-nginx (strict-validate-path-type, on by default since v1.12) accepts only these in
# Prefix paths; the dot since v1.12.6 / v1.13.2.
_PATH = re.compile(r"/[A-Za-z0-9/_.-]*")
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _text(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise ValueError(f"{show(raw)} must be a string")


# A value is shown in a message only when that is safe and useful: PEM text (key material
# must never reach a terminal or a CI log) is named, never echoed; so is text too long to read.
SHOW_MAX = 256
_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,60})-----")
_PEM_KINDS = (
    ("PRIVATE KEY", "a PEM private key"),
    ("CERTIFICATE REQUEST", "a PEM certificate request"),
    ("CERTIFICATE", "a PEM certificate"),
    ("PUBLIC KEY", "a PEM public key"),
)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
_BASE64_MIN = 64  # a key's base64 line is 64 characters


def _looks_base64(text: str) -> bool:
    """A key body without its PEM lines: long, only base64's alphabet, and mixing upper and
    lower case and digits as random bytes do (a path or a name practically never does)."""
    return (
        len(text) >= _BASE64_MIN
        and _BASE64.fullmatch(text) is not None
        and any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


_PEM_MARK = re.compile(r"-{3,} ?(?:BEGIN|END) |PRIVATE KEY-", re.IGNORECASE)


def _pem_kind(text: str) -> str | None:
    """ "a PEM private key", "a PEM certificate", ... when `text` holds any part of PEM (in any
    case: a parser's message may have lowered it)."""
    if _PEM_MARK.search(text) is None:
        return None
    # A private key anywhere (a certificate and its key in one file) is what matters most.
    upper = text.upper()
    labels = " ".join(_PEM_LABEL.findall(upper)) + (
        " PRIVATE KEY" if "PRIVATE KEY" in upper else ""
    )
    return next((what for marker, what in _PEM_KINDS if marker in labels), "PEM text")


_KEY_BODY_MIN = 100  # an EC P-256 key (the smallest wsgen makes) is 184 base64 characters


def private_key_kind(text: str) -> str | None:
    """ "a PEM private key" when `text` holds a private key: PEM in any case, or a key's
    base64 body without its BEGIN and END lines (PKCS#1, PKCS#8, SEC 1, OpenSSH); else None."""
    if _pem_kind(text) == "a PEM private key":
        return "a PEM private key"
    body = "".join(text.split())
    if len(body) < _KEY_BODY_MIN or not _looks_base64(body):
        return None
    import base64
    import binascii

    try:
        der = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    if der.startswith(b"openssh-key-v1\0"):
        return "a private key (the base64 of an OpenSSH key)"
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    try:
        load_der_private_key(der, None)
    except TypeError:  # an encrypted key: it needs a password, so it is one
        pass
    except (ValueError, UnsupportedAlgorithm):  # what the parser refuses is not a key
        return None
    return "a private key (the base64 of a DER key)"


def _size_words(text: str) -> str:
    lines = len(text.splitlines())
    if lines > 1:
        return f"text of {lines} lines"
    kind = "base64 text" if _looks_base64(text) else "text"
    return f"{kind} of {len(text)} characters"


def show(raw: object) -> str:
    """A raw value as a message shows it, in YAML's words: a string quoted (invisible and
    control characters escaped), or described when it is PEM or long; other types named
    ("a boolean (true)", "a date (2001-01-01)", "binary data (!!binary)", "a list")."""
    import datetime as dt
    import math

    if isinstance(raw, str):
        kind = _pem_kind(raw)
        if kind is not None:
            return kind
        return _size_words(raw) if len(raw) > SHOW_MAX or _looks_base64(raw) else repr(raw)
    if raw is None:
        return "null (an empty value)"
    if isinstance(raw, bool):
        return f"a boolean ({'true' if raw else 'false'})"
    if isinstance(raw, int):
        return f"a number ({raw})"
    if isinstance(raw, float):
        if math.isnan(raw):
            return "a number (.nan)"
        return (
            f"a number ({'-' if raw < 0 else ''}.inf)" if math.isinf(raw) else f"a number ({raw})"
        )
    if isinstance(raw, dt.datetime):
        return f"a date and time ({raw.isoformat()})"
    if isinstance(raw, dt.date):
        return f"a date ({raw.isoformat()})"
    if isinstance(raw, (bytes, bytearray)):
        return "binary data (!!binary)"
    if isinstance(raw, (list, tuple)):
        return "a list"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, (set, frozenset)):
        return "a set (!!set)"
    return "a value of another type"


_PEM_BLOCK = re.compile(
    r"-{3,}BEGIN[^-]{0,60}-----.*?(?:-----END[^-]{0,60}-----|\Z)|-{3,}END[^-]{0,60}-----",
    re.DOTALL | re.IGNORECASE,
)
_LONG_WORD = re.compile(rf"[^\s()'\":]{{{SHOW_MAX + 1},}}")
_B64_WORD = re.compile(rf"[A-Za-z0-9+/=]{{{_BASE64_MIN},}}")


def redact(message: str) -> str:
    """A message from elsewhere (the command-line parser) with any PEM block, and any word
    too long to read, replaced by what it is: the same promise as `show`."""
    message = _PEM_BLOCK.sub(lambda m: f"<{_pem_kind(m.group()) or 'PEM text'}>", message)
    message = _LONG_WORD.sub(lambda m: f"<{_size_words(m.group())}>", message)
    return _B64_WORD.sub(
        lambda m: f"<{_size_words(m.group())}>" if _looks_base64(m.group()) else m.group(),
        message,
    )


def char_name(char: str) -> str:
    """U+FEFF (ZERO WIDTH NO-BREAK SPACE): a character named so that it can be seen."""
    import unicodedata

    return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"


# Linux: PATH_MAX is 4096 bytes with the final NUL, a file name (NAME_MAX) 255 bytes.
PATH_MAX = 4095
NAME_MAX = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def path_problem(text: str, what: str = "a file or folder") -> str | None:
    """Why `text`, given where a path is expected, is not one, or None. PEM and other
    multi-line or long text is described ("a PEM private key, not a path"), never echoed:
    the one check every path that wsgen takes (flag, environment, values file, answer) passes."""
    if not text or "\0" in text:
        return f"must name {what}"
    kind = _pem_kind(text)
    if kind is None and ("\n" in text or "\r" in text):
        kind = _size_words(text)
    if kind is None and len(text.encode("utf-8", "surrogateescape")) > PATH_MAX:
        kind = f"{_size_words(text)} (a path is at most {PATH_MAX} bytes)"
    if kind is None and any(
        len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in text.split("/")
    ):
        kind = f"{_size_words(text)} (a file name is at most {NAME_MAX} bytes)"
    if kind is None and _looks_base64(text):
        kind = _size_words(text)
    if kind is not None:
        return f"{kind}, not a path"
    control = _CONTROL.search(text)
    if control is not None:
        return f"holds the control character {char_name(control.group())}; not a path wsgen takes"
    return None


def user_path(text: str, origin: str, what: str = "a file or folder") -> str:
    """A path as given by a user, checked (BadInput naming `origin` otherwise)."""
    utf8(text, origin)
    problem = path_problem(text, what)
    if problem is not None:
        raise BadInput(f"{origin}: {problem}")
    return text


def file_path(raw: object) -> str:
    """A values-file or flag value that names a file (tls.cert, tls.key)."""
    value = _text(raw)
    problem = path_problem(value, "a file")
    if problem is not None:
        raise ValueError(problem)
    return value


def dns_label(raw: object) -> str:
    value = _text(raw)
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid DNS label (RFC 1123: at most 63 lower-case letters, "
            "digits and '-', starting and ending with a letter or digit)"
        )
    return value


def app_name(raw: object) -> str:
    """The app name also names the Service, and Service names are RFC 1035 labels."""
    value = _text(raw)
    if len(value) > 63 or not _DNS1035_LABEL.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid name (RFC 1035 label, as Service names need: at most 63 "
            "lower-case letters, digits and '-', starting with a letter, ending with a letter "
            "or digit)"
        )
    return value


def dns_subdomain(raw: object) -> str:
    value = _text(raw)
    labels = value.split(".")
    if len(value) > 253 or not all(len(p) <= 63 and _DNS_LABEL.fullmatch(p) for p in labels):
        raise ValueError(
            f"{show(value)} is not a valid DNS name (RFC 1123: lower-case letters, digits, '-' "
            "and '.'; at most 63 characters between dots, 253 in all)"
        )
    return value


_IPV4_SHAPE = re.compile(r"[0-9]+(\.[0-9]+){3}")
_NUMBER_PART = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
IPV4_RULE = (
    "a numeric host is four decimal numbers 0-255 joined by '.'; shorthand such as 1.2.3 or "
    "0x7f.1 is refused, as resolvers differ on it (glibc reads 1.2.3 as 1.2.0.3)"
)


def looks_numeric(name: str) -> bool:
    """A name that resolvers read as an IPv4 address (inet_aton: 1 to 4 decimal, octal or hex
    parts) or that is no DNS name (the last label of one is never all digits, RFC 3696)."""
    labels = name.split(".")
    return all(_NUMBER_PART.fullmatch(label) for label in labels) or labels[-1].isdigit()


def url_parts(value: str) -> tuple[str, str] | None:
    """A URL pasted where a host name belongs (`https://chat.example.com/ws`): its host and
    its path ("" for none or "/"), when the host is one `host` takes; else None."""
    if "://" not in value:
        return None
    from urllib.parse import urlsplit  # only for these rare answers (start-up time)

    try:
        parts = urlsplit(value.strip())
        name = parts.hostname or ""
        parts.port  # noqa: B018 (a bad port raises ValueError here)
        host(name)
    except ValueError:
        return None
    return name, "" if parts.path in ("", "/") else parts.path


def host(raw: object) -> str:
    value = _text(raw)
    found = url_parts(value)
    if found is not None:
        name, path = found
        also = f" (and path {path})" if path else ""
        url = re.sub(r"(://)[^/@]*@", r"\1", value, count=1)  # never a user:password in it
        raise ValueError(f"{show(url)} is a URL, not a host name: did you mean {name}{also}?")
    rest = value[2:] if value.startswith("*.") else value
    # As the API server: an IP address is refused, other numeric-looking names (999.1.1.1)
    # are DNS names to it. (--upstream and --listen are stricter: a resolver reads them.)
    if _IPV4_SHAPE.fullmatch(rest) or ":" in rest:
        import ipaddress  # only for these rare hosts (start-up time)

        try:
            ipaddress.ip_address(rest)
        except ValueError:
            pass
        else:
            raise ValueError(f"{show(value)} is an IP address; an Ingress host must be a DNS name")
    if value.startswith("*.") and "." not in rest:
        raise ValueError(
            f"{show(value)} is not a valid host (a wildcard needs a domain: '*.example.com')"
        )
    try:
        if len(value) > 253:
            raise ValueError
        dns_subdomain(rest)
    except ValueError:
        raise ValueError(
            f"{show(value)} is not a valid host (RFC 1123 DNS name: lower-case letters, digits, "
            "'-' and '.', at most 63 between dots and 253 in all; a leading '*.' is allowed)"
        ) from None
    return value


# Image references as distribution/reference (what Docker, containerd and the kubelet parse)
# defines them: [domain[:port]/]path[:tag][@digest], ASCII only, the path lower case, the
# name (domain and path) at most 255 characters, a tag at most 128.
IMAGE_NAME_MAX = 255
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IMAGE_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_IMAGE_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_NAME = re.compile(rf"(?:{_IMAGE_DOMAIN}/)?{_IMAGE_PATH_PART}(?:/{_IMAGE_PATH_PART})*")
_IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_NOT_IMAGE_CHAR = re.compile(r"[^\x21-\x7e]")
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
_IMAGE_FORM = "[registry[:port]/]path[:tag][@sha256:digest]"


def image(raw: object) -> str:
    value = _text(raw)
    shown = show(value)

    def refuse(why: str) -> ValueError:
        return ValueError(f"{shown} is not an image reference: {why}")

    odd = _NOT_IMAGE_CHAR.search(value)
    if odd is not None:
        raise refuse(
            f"it holds {char_name(odd.group())}; a reference is ASCII, no spaces ({_IMAGE_FORM})"
        )
    if not value:
        raise refuse(f"it is empty ({_IMAGE_FORM})")
    name, at, digest = value.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    if len(name) > IMAGE_NAME_MAX:
        raise refuse(
            f"its name is {len(name)} characters, at most {IMAGE_NAME_MAX} (distribution/reference)"
        )
    if not _IMAGE_NAME.fullmatch(name):
        if _IMAGE_NAME.fullmatch(name.lower()):
            raise refuse("the repository path must be lower case")
        raise refuse(
            f"{_IMAGE_FORM}; the path is lower-case letters and digits, joined by '.', '_', "
            "'__' or '-', parts separated by '/'"
        )
    if tag is not None and not _IMAGE_TAG.fullmatch(tag):
        raise refuse(
            "a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
        )
    if at:
        algorithm, _, hex_digits = digest.partition(":")
        length = _DIGEST_HEX.get(algorithm)
        if length is None or len(hex_digits) != length or not re.fullmatch("[0-9a-f]+", hex_digits):
            raise refuse(
                "a digest is sha256: and 64 lower-case hex digits (or sha384: 96, sha512: 128)"
            )
    return value


def integer(raw: object, low: int, high: int, what: str) -> int:
    if isinstance(raw, bool) or (isinstance(raw, str) and len(raw) > SHOW_MAX):
        # (Python's int() refuses more than 4300 digits, in words of its own)
        raise ValueError(f"{show(raw)} is not {what}")
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        number = int(raw)
    else:
        raise ValueError(f"{show(raw)} is not {what}")
    if not low <= number <= high:
        raise ValueError(f"{number} is out of range for {what}")
    return number


def port(raw: object) -> int:
    return integer(raw, 1, 65535, "a port number (1-65535)")


def replicas(raw: object) -> int:
    return integer(raw, 1, MAX_REPLICAS, "a replica count (a whole number, at least 1)")


def days(raw: object) -> int:
    return integer(raw, 1, MAX_DAYS, f"a number of days (1-{MAX_DAYS})")


def timeout(raw: object) -> int:
    """Seconds: 3600, "3600", "90s", "60m", "1h", "1h30m"."""
    rule = (
        f"a timeout (whole seconds, or a duration such as 90s, 60m, 1h, 1h30m; "
        f"1 to {MAX_TIMEOUT_SECONDS} seconds)"
    )
    if isinstance(raw, int) and not isinstance(raw, bool):
        seconds = raw
    elif isinstance(raw, str) and len(raw) > SHOW_MAX:  # int() refuses over 4300 digits
        raise ValueError(f"{show(raw)} is not {rule}")
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        seconds = int(raw)
    elif isinstance(raw, str) and raw and (match := _DURATION.fullmatch(raw)):
        h, m, s = (int(g) if g else 0 for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    else:
        raise ValueError(f"{show(raw)} is not {rule}")
    if not 1 <= seconds <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"{show(raw)} is out of range for {rule}")
    return seconds


@dataclass(frozen=True)
class Endpoint:
    """HOST:PORT (host empty: any address). IPv6 hosts are kept without brackets."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if host else str(self.port)


def _endpoint_host(text: str, wildcard: bool) -> str:
    """An IP address (IPv6 in brackets) or a DNS name; '*' too when `wildcard`."""
    if wildcard and text == "*":
        return text
    if text.startswith("[") or text.endswith("]"):
        import ipaddress

        try:
            address = ipaddress.IPv6Address(text[1:-1])
            if not (text.startswith("[") and text.endswith("]")) or address.scope_id:
                raise ValueError
            return str(address)
        except ValueError:
            raise ValueError(
                f"{show(text)} is not an IPv6 address in brackets (e.g. [::1]; no %zone)"
            ) from None
    if ":" in text:  # what rpartition left of an IPv6 address without brackets
        raise ValueError(
            f"{show(text)} is not a host: write an IPv6 address in brackets ([::1]:80)"
        )
    if text.isascii() and looks_numeric(text.lower()):
        import ipaddress

        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise ValueError(f"{show(text)} is not an IPv4 address ({IPV4_RULE})") from None
    return dns_subdomain(text)


def upstream(raw: object) -> Endpoint:
    """HOST:PORT of the backend: an IP address ([...] for IPv6) or a DNS name, and a port."""
    value = _text(raw)
    host_part, colon, port_part = value.rpartition(":")
    if not colon or not host_part or value.endswith("]"):
        raise ValueError(f"{show(value)} is not HOST:PORT (e.g. 127.0.0.1:3000, app.internal:8080)")
    return Endpoint(_endpoint_host(host_part, wildcard=False), port(port_part))


def listen(raw: object) -> Endpoint:
    """[ADDRESS:]PORT nginx listens on: 8080, 127.0.0.1:8443, [::1]:8443, *:80."""
    value = _text(raw) if not isinstance(raw, int) or isinstance(raw, bool) else str(raw)
    host_part, colon, port_part = value.rpartition(":")
    if (colon and not host_part) or value.endswith("]"):
        raise ValueError(f"{show(value)} is not [ADDRESS:]PORT (e.g. 8080, 127.0.0.1:8443)")
    address = _endpoint_host(host_part, wildcard=True) if colon else ""
    return Endpoint("" if address == "*" else address, port(port_part))


def path(raw: object) -> str:
    value = _text(raw)
    if len(value) > URL_PATH_MAX:
        raise ValueError(
            f"{show(value)} is not a valid path: at most {URL_PATH_MAX} characters (a request "
            "line must fit nginx's 8k header buffer)"
        )
    segments = value.split("/")[1:]
    if any(s in (".", "..") for s in segments) or "//" in value:
        raise ValueError(
            f"{show(value)} is not a valid path (no '//', and no '.' or '..' segment: the API "
            "server refuses them)"
        )
    if not _PATH.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid path (starts with '/'; only letters, digits, '/', '_', "
            "'-' and '.', as ingress-nginx allows for pathType Prefix)"
        )
    return value


def choice(options: tuple[str, ...], what: str) -> Callable[[object], str]:
    def check(raw: object) -> str:
        value = _text(raw)
        if value not in options:
            raise ValueError(f"{show(value)} is not {what} (one of: {', '.join(options)})")
        return value

    check.choices = options  # type: ignore[attr-defined]  # what shell completion offers
    return check


def many(
    item: Callable[[object], object], what: str, most: int, why: str = ""
) -> Callable[[object], tuple[Any, ...]]:
    """The rule of a list option (Option.many): a list (flags, a values file) or text with
    one item per comma (a variable, an answer), each item checked by `item`; not empty, no
    item twice, at most `most` items (`why`: the reason for that limit). `what` names the
    items, plural ("ports")."""

    def check(raw: object) -> tuple[Any, ...]:
        if isinstance(raw, str):
            items: list[object] = [part.strip() for part in raw.split(",")] if raw.strip() else []
        elif isinstance(raw, list):
            items = raw
        elif isinstance(raw, int) and not isinstance(raw, bool):
            items = [raw]  # one item, as a values file writes it (lbPorts: 443)
        else:
            raise ValueError(f"{show(raw)} is not a list of {what}")
        if not items:
            raise ValueError(f"is an empty list: give one or more {what}")
        if len(items) > most:
            raise ValueError(f"{len(items)} {what}: at most {most}{f' ({why})' if why else ''}")
        checked = tuple(item(one) for one in items)
        for index, value in enumerate(checked):
            if value in checked[:index]:
                shown = show(value) if isinstance(value, str) else value
                raise ValueError(f"{shown} is given twice")
        return checked

    return check


def env_name(raw: object) -> str:
    value = _text(raw)
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid environment variable name "
            "(letters, digits and '_', not starting with a digit)"
        )
    return value


def boolean(raw: object) -> bool:
    """true or false (a values file); true, false, 1 or 0 (an environment variable)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "1", "false", "0"):
        return raw.lower() in ("true", "1")
    raise ValueError(f"{show(raw)} is not true or false")


def string_value(raw: object) -> str:
    """Env and annotation values: strings; a whole number from a values file is taken as text."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise ValueError(f"{show(raw)} must be a string (quote it in YAML)")


def annotation_key(raw: object) -> str:
    value = _text(raw)
    prefix, slash, name = value.rpartition("/")
    ok = len(name) <= 63 and _QUALIFIED_NAME.fullmatch(name) is not None
    if slash:
        try:
            dns_subdomain(prefix)
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(
            f"{show(value)} is not a valid annotation key ([prefix/]name: the prefix a DNS name, "
            "the name at most 63 letters, digits, '-', '_' and '.')"
        )
    return value


def key_value(raw: object) -> tuple[str, str]:
    """KEY=VALUE from a flag or an environment line."""
    text = _text(raw)
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"{show(text)} must be KEY=VALUE")
    return key, value


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Option:
    key: str  # values-file key; tls.* and canary.* are nested under `tls:` and `canary:`
    flag: str
    env: str
    help: str
    # the rule: a raw value in, the typed value out (ValueError with the rule otherwise);
    # None for mapping options, whose items the target checks
    check: Callable[[object], object] | None = None
    mapping: bool = False  # KEY=VALUE pairs (repeatable flag, mapping in a values file)
    # a list (repeatable flag, YAML list in a values file, comma-separated in a variable or an
    # answer): `check` takes the whole list (model.many), and the strongest layer gives all of it
    many: bool = False
    boolean: bool = False  # a flag without a value; true/false in a values file or variable
    short: tuple[str, ...] = ()  # e.g. ("-n",)
    # what --help shows for its value ("FILE", "SECONDS|DURATION", "N"); "" derives it from
    # the flag (--port: PORT)
    metavar: str = ""
    # the default as --help shows it, for an option not in DEFAULTS (where the common ones'
    # are) or one whose default depends on others ("<name>-tls", "80, or 443 with TLS")
    default: str = ""


def _target_name(raw: object) -> str:
    from wsgen import targets

    return choice(tuple(targets.TARGETS), "a target")(raw)


# The options every target shares; each target adds its own (wsgen.targets). KUBERNETES_KEYS
# are the ones only the targets that write Kubernetes objects use.
COMMON_OPTIONS: tuple[Option, ...] = (
    Option("name", "--name", "WSGEN_NAME", "App name: names every object it writes.", app_name),
    Option(
        "namespace",
        "--namespace",
        "WSGEN_NAMESPACE",
        "Kubernetes namespace.",
        dns_label,
        short=("-n",),
    ),
    Option("image", "--image", "WSGEN_IMAGE", "Container image.", image),
    Option("port", "--port", "WSGEN_PORT", "Container port = Service port = targetPort.", port),
    Option("replicas", "--replicas", "WSGEN_REPLICAS", "Number of pods.", replicas, metavar="N"),
    Option("env", "--env", "WSGEN_ENV", "Container env var KEY=VALUE (repeatable).", mapping=True),
    Option("host", "--host", "WSGEN_HOST", "Host name (a leading '*.' is allowed).", host),
    Option("path", "--path", "WSGEN_PATH", "URL path prefix of the WebSocket endpoint.", path),
    Option(
        "timeout",
        "--timeout",
        "WSGEN_TIMEOUT",
        "Idle timeout: seconds, or 90s, 60m, 1h, 1h30m.",
        timeout,
        metavar="SECONDS|DURATION",
    ),
    Option(
        "tls.mode",
        "--tls",
        "WSGEN_TLS",
        "TLS: " + ", ".join(TLS_MODES) + ".",
        choice(TLS_MODES, "a TLS mode"),
        metavar="MODE",
    ),
    Option(
        "tls.secretName",
        "--tls-secret",
        "WSGEN_TLS_SECRET",
        "TLS Secret name.",
        dns_subdomain,
        metavar="NAME",
        default="<name>-tls",
    ),
    Option(
        "tls.cert",
        "--cert",
        "WSGEN_CERT",
        "--tls files: certificate (PEM).",
        file_path,
        metavar="FILE",
    ),
    Option(
        "tls.key",
        "--key",
        "WSGEN_KEY",
        "--tls files: private key (PEM).",
        file_path,
        metavar="FILE",
    ),
    Option(
        "tls.allowExpired",
        "--allow-expired",
        "WSGEN_ALLOW_EXPIRED",
        "--tls files: use the certificate although it has expired or is not valid yet.",
        boolean,
        boolean=True,
    ),
    Option(
        "tls.days",
        "--days",
        "WSGEN_DAYS",
        "--tls self-signed: validity in days.",
        days,
        metavar="N",
    ),
    Option(
        "tls.issuer",
        "--issuer",
        "WSGEN_ISSUER",
        "--tls cert-manager: issuer name.",
        dns_subdomain,
        metavar="NAME",
    ),
    Option(
        "tls.issuerKind",
        "--issuer-kind",
        "WSGEN_ISSUER_KIND",
        "--tls cert-manager: " + " or ".join(ISSUER_KINDS) + ".",
        choice(ISSUER_KINDS, "an issuer kind"),
        metavar="KIND",
    ),
    Option(
        "target",
        "--target",
        "WSGEN_TARGET",
        "What to write: {targets}.",
        _target_name,
    ),
)
KUBERNETES_KEYS = frozenset(
    ("namespace", "image", "replicas", "env", "tls.secretName", "tls.issuer", "tls.issuerKind")
)
BASE_KEYS = frozenset(o.key for o in COMMON_OPTIONS) - KUBERNETES_KEYS


@cache
def options() -> dict[str, Option]:
    """Every option by key: the common ones, then each target's own, in declaration order
    (an option that several targets share is declared once and listed once)."""
    from wsgen import targets

    result = {option.key: option for option in COMMON_OPTIONS}
    for target in targets.TARGETS.values():
        for option in target.options:
            result.setdefault(option.key, option)
    return result


def option(key: str) -> Option:
    return options()[key]


# The sections of a values file: an option key "tls.mode" is the key mode under `tls:`.
SECTIONS = ("tls", "canary")


@cache
def values_keys() -> tuple[str, ...]:
    return (*(key for key in options() if key.partition(".")[0] not in SECTIONS), *SECTIONS)


@cache
def section_keys(section: str) -> tuple[str, ...]:
    """The keys under `section:` in a values file ("mode", "secretName", ... for tls)."""
    prefix = section + "."
    return tuple(key[len(prefix) :] for key in options() if key.startswith(prefix))


@dataclass(frozen=True)
class Given:
    """One raw value and where it came from ("--port", "WSGEN_PORT", "k8s/wsgen.yaml: port")."""

    value: object
    origin: str


# A layer maps an option key to a Given; a mapping option maps to a list of (key, Given).
Layer = dict[str, "Given | list[tuple[str, Given]]"]


def utf8(raw: str, origin: str) -> str:
    """Arguments and environment are bytes decoded leniently; refuse what is not UTF-8."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{origin}: not valid UTF-8 text") from None
    return raw


def flags_layer(flags: Mapping[str, object]) -> Layer:
    """From parsed command-line flags keyed by option key; None (or empty list) means not given."""
    layer: Layer = {}
    for key, raw in flags.items():
        option = options()[key]
        if option.mapping:
            items = [utf8(str(item), option.flag) for item in raw or []]  # type: ignore[attr-defined]
            if items:
                layer[key] = _pairs(items, option.flag)
        elif option.many:
            items = [utf8(str(item), option.flag) for item in raw or []]  # type: ignore[attr-defined]
            if items:
                layer[key] = Given(items, option.flag)
        elif option.boolean:
            if raw:  # a flag is only ever given as true
                layer[key] = Given(True, option.flag)
        elif raw is not None:
            layer[key] = Given(utf8(str(raw), option.flag), option.flag)
    return layer


def environ_layer(environ: Mapping[str, str]) -> Layer:
    """WSGEN_* variables; an empty variable counts as unset. Mapping options take one
    KEY=VALUE per line."""
    layer: Layer = {}
    for option in options().values():
        raw = environ.get(option.env)
        if not raw:
            continue
        utf8(raw, option.env)
        if option.mapping:
            # PEM, or a key's body after a KEY=: its lines would be taken one by one, and shown
            kind = _pem_kind(raw) or private_key_kind(raw.partition("=")[2])
            if kind is not None:
                raise BadInput(
                    f"{option.env}: holds {kind}; it takes one KEY=VALUE a line, "
                    "and PEM text belongs in a Secret"
                )
            layer[option.key] = _pairs([line for line in raw.splitlines() if line], option.env)
        else:
            layer[option.key] = Given(raw, option.env)
    return layer


# WSGEN_* variables wsgen reads that are not options: the values file and output folder of
# render and init, and wsgen.fast_render's switch to typer (tests, comparing by hand).
OTHER_VARIABLES = ("WSGEN_VALUES", "WSGEN_OUT", "WSGEN_FORCE_TYPER")


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each WSGEN_* variable wsgen does not read (a misspelt one would be
    ignored in silence), with the closest known one (the name as set: escape it to show it)."""
    prefix = "WSGEN_"
    known = [*(option.env for option in options().values()), *OTHER_VARIABLES]
    found = sorted(name for name in environ if name.startswith(prefix) and name not in known)
    if not found:
        return []
    import difflib  # only when there is one to warn about (start-up time)

    # What a name is compared with, past the prefix every name shares (with it, any short name
    # is "close" to some variable): each variable's own, and its values key's, as a name is
    # guessed from it (tls.mode: TLS_MODE, tls.secretName: TLS_SECRET_NAME).
    guesses = {name.removeprefix(prefix): name for name in known}
    for option in options().values():
        guess = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", option.key).replace(".", "_").upper()
        guesses.setdefault(guess, option.env)
    warnings = []
    for name in found:
        if len(name) > SHOW_MAX:  # described, as a long value is
            warnings.append(f"warning: a WSGEN_ variable of {len(name)} characters is not one "
                            "wsgen reads; ignored")  # fmt: skip
            continue
        part = name.removeprefix(prefix).upper()  # WSGEN_port: 'WSGEN_PORT'
        close = difflib.get_close_matches(part, guesses, n=1) if len(name) <= 64 else []
        hint = f" (did you mean {guesses[close[0]]!r}?)" if close else ""
        warnings.append(f"warning: {name} is not a variable wsgen reads; ignored{hint}")
    return warnings


def _pairs(items: Iterable[object], origin: str) -> list[tuple[str, Given]]:
    pairs: list[tuple[str, Given]] = []
    seen: set[str] = set()
    for item in items:
        try:
            key, value = key_value(item)
        except ValueError as error:
            raise BadInput(f"{origin}: {error}") from None
        if key in seen:
            raise BadInput(f"{origin}: {show(key)} is given twice")
        seen.add(key)
        pairs.append((key, Given(value, origin)))
    return pairs


def _short_text(key: object) -> bool:
    return isinstance(key, str) and len(key) <= 64


def _key(key: object) -> str:
    """A values-file key as shown in a message: plain when it is simple, else repr()."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_./-]+", key):
        return key
    return show(key)


def make_file_ref(text: str, base: Path, origin: str) -> FileRef:
    """A user's file named `text`, relative to `base` (the values file's folder, or here)."""
    problem = path_problem(text, "a file")
    if problem is not None:
        raise BadInput(f"{origin}: {problem}")
    # The folder part is resolved (symlinks too) so that paths written relative to an output
    # folder stay right; the file itself may be a link (certbot's live/ files are).
    full = base / text
    return FileRef(text, Path(os.path.realpath(full.parent)) / full.name, origin)


def strongest(layers: Iterable[tuple[Layer, Path]], key: str) -> tuple[Given, Path] | None:
    """The single value the strongest layer gives for `key`, with that layer's folder."""
    found = None
    for layer, base in layers:
        given = layer.get(key)
        if isinstance(given, Given):
            found = given, base
    return found


def given_file(layers: Iterable[tuple[Layer, Path]], key: str) -> FileRef | None:
    """The file the strongest layer gives for `key` (tls.cert, tls.key), or None."""
    found = strongest(layers, key)
    return None if found is None else make_file_ref(str(found[0].value), found[1], found[0].origin)


def read_user_file(
    path: Path, label: str, limit: int = MAX_FILE_BYTES, *, pipes: bool = False
) -> bytes:
    """A file the user named; `label` ("--values: v.yaml") starts each one-line error.
    Only regular files are read (a named pipe or a device could block for ever; the type is
    checked on the open file), and at most `limit` bytes of them; with `pipes`, a pipe too
    (`-f <(...)`, /dev/fd/N, a FIFO: read once, to its end)."""
    import fcntl
    import select
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BadInput(f"{label}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{label}: is a folder, not a file") from None
    except OSError as error:
        raise BadInput(f"{label}: {error.strerror}") from None
    try:
        kind = os.fstat(fd).st_mode
        if stat.S_ISDIR(kind):
            raise BadInput(f"{label}: is a folder, not a file")
        if pipes and stat.S_ISFIFO(kind):  # read as a pipe is: wait for what its writer sends
            # A named pipe opened before its writer (`-f fifo & producer > fifo`) would read
            # as empty at once: select waits for a writer's first bytes or its close.
            select.select([fd], [], [])
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        elif not stat.S_ISREG(kind):
            raise BadInput(f"{label}: is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise BadInput(f"{label}: {error.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise BadInput(
            f"{label}: is larger than {byte_size(limit)} (wsgen reads files up to that size)"
        )
    return data


def byte_size(count: int) -> str:
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


STDIN = "-"  # -f -: the values file is standard input
STDIN_ORIGIN = "-f -"


def values_label(where: str) -> str:
    """What starts an error about the values file as a whole: `--values: v.yaml`, or `-f -`
    for standard input (which names its flag already)."""
    return where if where == STDIN_ORIGIN else f"--values: {where}"


def values_layer(path: Path, stdin: BinaryIO | None = None) -> tuple[Layer, Path]:
    """Read a values file (`path` "-": `stdin`, which is then read once). Returns the layer and
    the folder that relative paths in it are relative to: the file's own folder, or the
    current one for stdin and a pipe (`-f <(...)`, whose folder is /dev/fd)."""
    import stat

    if str(path) == STDIN:
        where = STDIN_ORIGIN
        data = _read_stdin(stdin)
        base = Path.cwd()
    else:
        where = str(path)
        data = read_user_file(path, f"--values: {where}", pipes=True)
        try:
            regular = stat.S_ISREG(os.stat(path).st_mode)
        except OSError:  # a pipe's /dev/fd/N, gone once read
            regular = False
        base = path.parent if regular and not _descriptor(path) else Path.cwd()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{values_label(where)}: not UTF-8 text") from None
    return parse_values(text, where), base


_DESCRIPTORS = re.compile(r"/proc/(?:self|[0-9]+)/fd|/dev/fd")


def _descriptor(path: Path) -> bool:
    """`path` names an open descriptor (/dev/stdin, /dev/fd/N, /proc/self/fd/N), whatever it
    reads (a file redirected in: `-f /dev/stdin < values.yaml`), and not a file in a folder:
    its paths are relative to the current folder, as for -f -. Its links are followed one at
    a time (the last one leads to the file itself, whose folder is not the one meant)."""
    current = os.path.abspath(path)
    for _ in range(40):  # as many links as Linux follows
        if _DESCRIPTORS.fullmatch(os.path.realpath(os.path.dirname(current))):
            return True
        try:
            target = os.readlink(current)
        except OSError:  # not a link (or gone): a file in its folder
            return False
        current = os.path.join(os.path.dirname(current), target)
    return False


def _read_stdin(stdin: BinaryIO | None) -> bytes:
    """-f -: standard input, read once and at most MAX_FILE_BYTES (a terminal is not read:
    the values would be typed blind, and the wizard asks there)."""
    if stdin is None:
        raise BadInput(f"{STDIN_ORIGIN}: standard input is closed")
    try:
        if stdin.isatty():
            raise BadInput(
                f"{STDIN_ORIGIN}: standard input is a terminal; pipe the values file in "
                "(wsgen render -f - < values.yaml)"
            )
        data = read_to_end(stdin, MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as error:
        raise BadInput(f"{STDIN_ORIGIN}: {getattr(error, 'strerror', None) or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            f"{STDIN_ORIGIN}: is larger than {byte_size(MAX_FILE_BYTES)} (wsgen reads files up "
            "to that size)"
        )
    return data


def read_to_end(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of `stream`, up to its end, also when its descriptor is
    non-blocking (a parent may leave its pipe so, and the flag is shared with it): a plain read
    then gives what has come so far, or None, and the values would be cut short. It waits for
    the writer with select instead, leaving the parent's flag as it is."""
    import io
    import select

    try:
        fd = stream.fileno()
    except (AttributeError, io.UnsupportedOperation):  # not a descriptor (tests: BytesIO)
        return stream.read(limit)
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        try:
            chunk = os.read(fd, min(1 << 16, limit - size))
        except BlockingIOError:
            select.select([fd], [], [])
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def parse_values(text: str, where: str) -> Layer:
    """The layer a values file's text gives; `where` names the file in messages."""
    try:
        data = load_strict(text)
    except YamlProblem as error:
        problem = str(error)
        if _pem_kind(problem) is not None:  # a parser's message may quote the text: never a key
            where_in = re.match(r"line \d+, column \d+: ", problem)
            problem = (where_in.group() if where_in else "") + "not valid YAML"
        elif len(problem) > 2 * SHOW_MAX:
            problem = problem[: 2 * SHOW_MAX] + "..."
        raise BadInput(f"{values_label(where)}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput(f"{values_label(where)}: must be a YAML mapping of keys to values")
    layer: Layer = {}
    for key, raw in data.items():
        if key in SECTIONS:
            if raw is None:
                continue
            keys = section_keys(str(key))
            if not isinstance(raw, dict):
                raise BadInput(f"{where}: {key}: must be a mapping ({', '.join(keys[:2])}, ...)")
            for sub, sub_raw in raw.items():
                if sub not in keys:
                    hint = did_you_mean(sub, keys) if _short_text(sub) else ""
                    raise BadInput(f"{where}: {key}.{_key(sub)}: unknown key{hint}")
                if sub_raw is None:
                    raise BadInput(
                        f"{where}: {key}.{sub}: has no value (give one, or remove the key)"
                    )
                layer[f"{key}.{sub}"] = Given(sub_raw, f"{where}: {key}.{sub}")
            continue
        if key not in values_keys():
            hint = did_you_mean(key, values_keys()) if _short_text(key) else ""
            raise BadInput(f"{where}: {_key(key)}: unknown key{hint}")
        if raw is None and not option(key).mapping:
            raise BadInput(f"{where}: {key}: has no value (give one, or remove the key)")
        if raw is None:
            continue
        if option(key).mapping:
            if not isinstance(raw, dict):
                raise BadInput(f"{where}: {key}: must be a mapping of KEY: VALUE")
            for item_key in raw:
                if not isinstance(item_key, str):
                    raise BadInput(
                        f"{where}: {key}: a key is {show(item_key)}, not a string (quote it)"
                    )
            layer[key] = [(k, Given(v, f"{where}: {key}.{_key(k)}")) for k, v in raw.items()]
        else:
            layer[key] = Given(raw, f"{where}: {key}")
    return layer


# --------------------------------------------------------------------------- the config


@dataclass(frozen=True)
class FileRef:
    """A user's file: the path as given, the path to open, and where it was given."""

    given: str
    path: Path
    origin: str


@dataclass(frozen=True)
class Tls:
    mode: str = "none"
    secret_name: str = ""
    cert: FileRef | None = None
    key: FileRef | None = None
    days: int = 365
    issuer: str = ""
    issuer_kind: str = "ClusterIssuer"
    allow_expired: bool = False  # --tls files: an expired or not yet valid certificate is used

    @property
    def enabled(self) -> bool:
        return self.mode != "none"

    def files(self) -> tuple[FileRef, FileRef]:
        """--tls files: the certificate and the key (build() makes sure both are there)."""
        if self.cert is None or self.key is None:
            raise ValueError("--tls files without --cert and --key")
        return self.cert, self.key


@dataclass(frozen=True)
class Config:
    """What every target shares; `settings` holds the chosen target's own options (its
    Settings class, made by its spec's `settings` function)."""

    name: str = "websocket-server"
    namespace: str = "default"
    image: str = DEFAULT_IMAGE
    port: int = 3000
    replicas: int = 1
    env: tuple[tuple[str, str], ...] = ()
    host: str = "test.example.com"
    path: str = "/"
    timeout: int = 3600
    tls: Tls = field(default_factory=Tls)
    target: str = DEFAULT_TARGET
    settings: Any = None

    def container_env(self) -> tuple[tuple[str, str], ...]:
        """The user's env, plus BIND_PORT=<port> first while the default (ACK echo) image is
        used: that server listens on $BIND_PORT, so it follows --port unless set by hand."""
        if self.image == DEFAULT_IMAGE and all(key != "BIND_PORT" for key, _ in self.env):
            return (("BIND_PORT", str(self.port)), *self.env)
        return self.env


def issuer_annotation(kind: str) -> str:
    return "cert-manager.io/cluster-issuer" if kind == "ClusterIssuer" else "cert-manager.io/issuer"


_DEFAULT = Config()
# Every common option's default as text (what a question offers); tls.* keys that depend on
# others (secretName) or have no default (cert, key, issuer) are left out. Targets add theirs.
DEFAULTS: dict[str, str] = {
    "name": _DEFAULT.name,
    "namespace": _DEFAULT.namespace,
    "image": _DEFAULT.image,
    "port": str(_DEFAULT.port),
    "replicas": str(_DEFAULT.replicas),
    "host": _DEFAULT.host,
    "path": _DEFAULT.path,
    "timeout": str(_DEFAULT.timeout),
    "tls.mode": _DEFAULT.tls.mode,
    "tls.days": str(_DEFAULT.tls.days),
    "tls.issuerKind": _DEFAULT.tls.issuer_kind,
    "target": DEFAULT_TARGET,
}


def check_value(key: str, raw: object) -> object:
    """The rule of one option (raises ValueError with it): what the wizard checks answers with."""
    rule = option(key).check
    return raw if rule is None else rule(raw)


def check_layers(layers: Iterable[tuple[Layer, Path]]) -> None:
    """Every single value given so far follows its option's rule (BadInput naming it)."""
    for layer, _base in layers:
        for key, given in layer.items():
            if isinstance(given, Given):
                try:
                    check_value(key, given.value)
                except ValueError as error:
                    raise BadInput(f"{given.origin}: {error}") from None


# Which TLS keys each mode uses; a key given for another mode is a mistake worth stopping on.
_TLS_KEYS_FOR_MODE = {
    "none": (),
    "secret": ("tls.secretName",),
    "self-signed": ("tls.secretName", "tls.days"),
    "files": ("tls.secretName", "tls.cert", "tls.key", "tls.allowExpired"),
    "cert-manager": ("tls.secretName", "tls.issuer", "tls.issuerKind"),
}


def implied_tls_mode(keys: Iterable[str]) -> str:
    """The TLS mode that TLS keys given without a mode point to (the wizard's default)."""
    given = set(keys)
    markers = (
        ("files", {"tls.cert", "tls.key", "tls.allowExpired"}),
        ("cert-manager", {"tls.issuer", "tls.issuerKind"}),
        ("self-signed", {"tls.days"}),
        ("secret", {"tls.secretName"}),
    )
    return next((mode for mode, keys_of_mode in markers if given & keys_of_mode), "none")


def modes_using(key: str) -> tuple[str, ...]:
    """The TLS modes that use a tls.* key (every mode uses the others)."""
    if not key.startswith("tls.") or key == "tls.mode":
        return tuple(_TLS_KEYS_FOR_MODE)
    return tuple(mode for mode, keys in _TLS_KEYS_FOR_MODE.items() if key in keys)


def _unused_tls_key(origin: str, key: str, mode: str) -> BadInput:
    users = " or ".join(modes_using(key))
    return BadInput(f"{origin}: only used with --tls {users} (the TLS mode is {mode!r})")


def check_tls_keys(layers: Iterable[tuple[Layer, Path]], mode: str) -> None:
    """Every TLS key given is used by `mode` (BadInput naming the first that is not)."""
    for layer, _base in layers:
        for key, given in layer.items():
            if key.startswith("tls.") and key != "tls.mode" and key not in _TLS_KEYS_FOR_MODE[mode]:
                raise _unused_tls_key(given.origin if isinstance(given, Given) else key, key, mode)


_REQUIRED_FOR_MODE = {"files": ("tls.cert", "tls.key"), "cert-manager": ("tls.issuer",)}


def or_list(names: Iterable[str]) -> str:
    """a, b or c"""
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def not_used(key: str, target: str) -> str:
    """Why an option given is refused for `target`: which targets do use it."""
    from wsgen import targets

    reason = dict(targets.TARGETS[target].refuses).get(key)
    if reason:
        return reason
    users = [t.name for t in targets.TARGETS.values() if key in t.uses]
    if len(users) >= 2 and len(users) == len(targets.TARGETS) - 1:
        return f"--target {target} does not use it (every other target does)"
    if len(users) <= 2:
        return f"only used with --target {or_list(users)} (the target is {target!r})"
    return f"--target {target} does not use it (it is for {or_list(users)})"


@dataclass(frozen=True)
class Values:
    """What build() read, for a target's `settings` function: each given value validated by its
    option's rule, where it came from, and the merged items of mapping options."""

    values: dict[str, object]
    origins: dict[str, str]
    mappings: dict[str, dict[str, Given]]
    strengths: dict[str, int] = field(default_factory=dict)  # the layer each value came from
    partial: bool = False  # build(partial=True): init, before its questions

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)

    def strength(self, key: str) -> int:
        """How strong the layer that gave `key` is (higher wins; -1: not given)."""
        return self.strengths.get(key, -1)

    def origin(self, key: str) -> str:
        """Where a value came from ("--gateway", "WSGEN_GATEWAY", "k8s/wsgen.yaml: gateway")."""
        given = option(key)
        return self.origins.get(key, f"{given.flag} (values key {given.key})")


def build(layers: Iterable[tuple[Layer, Path]], *, partial: bool = False) -> Config:
    """Layers from weakest to strongest, each with the folder its relative paths start from.
    `partial`: what is given so far (init, before its questions): a file or issuer the TLS
    mode needs may still be missing."""
    from wsgen import targets

    scalars: dict[str, tuple[Given, Path, int]] = {}
    mappings: dict[str, dict[str, Given]] = {}
    mapping_strength: dict[str, tuple[str, int]] = {}  # the strongest layer giving any item
    for strength, (layer, base) in enumerate(layers):
        for key, given in layer.items():
            if isinstance(given, list):
                merged = mappings.setdefault(key, {})
                for item_key, item in given:
                    merged[item_key] = item
                if given:
                    mapping_strength[key] = (given[0][1].origin, strength)
            else:
                scalars[key] = (given, base, strength)

    def validate(key: str) -> object:
        given = scalars[key][0]
        try:
            return check_value(key, given.value)
        except ValueError as error:
            raise BadInput(f"{given.origin}: {error}") from None

    name = str(validate("target")) if "target" in scalars else DEFAULT_TARGET
    target = targets.TARGETS[name]
    target_strength = scalars["target"][2] if "target" in scalars else -1
    given_at = [(key, g.origin, strength) for key, (g, _b, strength) in scalars.items()]
    given_at += [(key, origin, strength) for key, (origin, strength) in mapping_strength.items()]
    for key, origin, strength in given_at:
        if key in target.uses:
            continue
        if strength < target_strength:
            # e.g. namespace in a Kubernetes values file, and --target nginx on the command line
            scalars.pop(key, None)
            mappings.pop(key, None)
            continue
        raise BadInput(f"{origin}: {not_used(key, name)}")

    mode = str(validate("tls.mode")) if "tls.mode" in scalars else "none"
    mode_origin, mode_strength = (
        (scalars["tls.mode"][0].origin, scalars["tls.mode"][2])
        if "tls.mode" in scalars
        else ("the default", -1)
    )
    for key, (given, _base, strength) in list(scalars.items()):
        if key.startswith("tls.") and key != "tls.mode" and key not in _TLS_KEYS_FOR_MODE[mode]:
            if strength < mode_strength:
                # e.g. secretName in a values file, and --tls none on the command line
                del scalars[key]
                continue
            raise _unused_tls_key(given.origin, key, mode)
    if mode not in target.tls_modes:
        known = {key: str(given.value) for key, (given, _b, _s) in scalars.items()}
        why = target.tls_modes_given(known.get)[1]  # e.g. why a load balancer cannot use it
        raise BadInput(
            f"{mode_origin}: {mode!r} is not a TLS mode of --target {name} "
            f"(one of: {', '.join(target.tls_modes)})" + (f": {why}" if why else "")
        )
    values = {key: validate(key) for key in scalars}
    for key in () if partial else _REQUIRED_FOR_MODE.get(mode, ()):
        if key not in values:
            required = option(key)
            raise BadInput(
                f"{required.flag} (values key {required.key}): required with --tls {mode} "
                f"(TLS mode from {mode_origin})"
            )

    def file_ref(key: str) -> FileRef | None:
        if key not in values:
            return None
        given, base, _strength = scalars[key]
        return make_file_ref(str(values[key]), base, given.origin)

    app = str(values.get("name", Config.name))
    tls = Tls(
        mode=mode,
        secret_name=str(values.get("tls.secretName", f"{app}-tls")) if mode != "none" else "",
        cert=file_ref("tls.cert"),
        key=file_ref("tls.key"),
        days=int(values.get("tls.days", Tls.days)),  # type: ignore[call-overload]
        issuer=str(values.get("tls.issuer", "")),
        issuer_kind=str(values.get("tls.issuerKind", Tls.issuer_kind)),
        allow_expired=bool(values.get("tls.allowExpired", False)),
    )
    config = Config(
        name=app,
        namespace=str(values.get("namespace", Config.namespace)),
        image=str(values.get("image", Config.image)),
        port=int(values.get("port", Config.port)),  # type: ignore[call-overload]
        replicas=int(values.get("replicas", Config.replicas)),  # type: ignore[call-overload]
        env=_env(mappings.get("env", {})),
        host=str(values.get("host", Config.host)),
        path=str(values.get("path", Config.path)),
        timeout=int(values.get("timeout", Config.timeout)),  # type: ignore[call-overload]
        tls=tls,
        target=name,
    )
    origins = {key: given.origin for key, (given, _base, _strength) in scalars.items()}
    strengths = {key: strength for key, (_given, _base, strength) in scalars.items()}
    settings = target.settings(config, Values(values, origins, mappings, strengths, partial))
    return replace(config, settings=settings)


def _env(given: dict[str, Given]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    total = 0
    for key, item in given.items():
        if len(pairs) == MAX_ENV_COUNT:
            raise BadInput(
                f"{item.origin}: more than {MAX_ENV_COUNT} environment variables (wsgen's limit)"
            )
        try:
            pair = env_name(key), string_value(item.value)
        except ValueError as error:
            raise BadInput(f"{item.origin}: {error}") from None
        no_key_in(pair[1], item.origin, key, "put it in a Secret (valueFrom.secretKeyRef)")
        size = len(f"{pair[0]}={pair[1]}".encode("utf-8", "surrogateescape"))
        if size > MAX_ENV_ENTRY_BYTES:
            raise BadInput(
                f"{item.origin}: {key}=VALUE is {size} bytes; at most {MAX_ENV_ENTRY_BYTES} "
                "(Linux refuses to start a program with a longer one: MAX_ARG_STRLEN)"
            )
        total += size
        if total > MAX_OBJECT_BYTES:
            raise BadInput(
                f"{item.origin}: the environment variables add up to more than "
                f"{byte_size(MAX_OBJECT_BYTES)}, wsgen's limit for a whole object"
            )
        pairs.append(pair)
    return tuple(pairs)


def no_key_in(value: str, origin: str, key: str, instead: str) -> None:
    """A private key as an env or annotation value would be written in plain text into the
    manifests and wsgen.yaml (and so into git): refused, the value never shown."""
    kind = private_key_kind(value)
    if kind is not None:
        raise BadInput(
            f"{origin}: the value of {show(key)} is {kind}: wsgen writes no key into a "
            f"manifest or wsgen.yaml; {instead}"
        )


@dataclass(frozen=True)
class CertOptions:
    """`wsgen cert`'s validated options."""

    hosts: tuple[str, ...]
    days: int
    key_type: str
    namespace: str
    secret_name: str
    ips: tuple[str, ...] = ()  # IP subjectAltNames (local tests: 127.0.0.1, ::1)


def ip_address(raw: object) -> str:
    """An IPv4 or IPv6 address, as Python writes it (::0001 -> ::1)."""
    import ipaddress

    text = _text(raw)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(
            f"{show(text)} is not an IP address (IPv4 like 127.0.0.1, or IPv6 like ::1)"
        ) from None
    scope = getattr(address, "scope_id", None)
    if scope is not None:  # a subjectAltName holds the 16 bytes of the address alone
        bare = str(address).partition("%")[0]
        raise ValueError(
            f"{show(text)} has a zone (%{scope}), which a certificate cannot hold: give {bare}"
        )
    return str(address)


def cert_options(
    hosts: Iterable[str],
    days_: str,
    key_type: str,
    namespace: str,
    secret_name: str,
    ips: Iterable[str] = (),
) -> CertOptions:
    def check(flag: str, rule: Callable[[object], object], raw: str) -> Any:
        try:
            return rule(utf8(raw, flag))
        except ValueError as error:
            raise BadInput(f"{flag}: {error}") from None

    hosts, ips = tuple(hosts), tuple(ips)
    if not hosts and not ips:
        raise BadInput("--host or --ip: give at least one (what the certificate is for)")
    return CertOptions(
        ips=tuple(check("--ip", ip_address, ip) for ip in ips),
        hosts=tuple(check("--host", host, h) for h in hosts),
        days=check("--days", days, days_),
        key_type=check("--key-type", choice(KEY_TYPES, "a key type"), key_type),
        namespace=check("--namespace", dns_label, namespace),
        secret_name=check("--secret-name", dns_subdomain, secret_name),
    )
