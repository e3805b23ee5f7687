"""wsgen probe: open a WebSocket the way a browser does, time every step, then stay silent and
measure whether, when and how something on the path closes the connection.

The sockets, TLS and clocks are ours: each step is timed on its own, and the idle hold must see
the very moment the connection ends and whether it ended with a close frame, a FIN or a reset.
The WebSocket protocol itself is websockets' sans-I/O ClientProtocol (the handshake request and
its checks, framing, masking, close codes, answering the server's pings). That layer has no
keepalive of its own: nothing is sent during the hold unless --ping-interval asks for pings, and
after it one last ping checks that the connection is still there.

`run` returns a Report (data); wsgen.probe_report turns it into text or JSON.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import math
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidState, InvalidURI, PayloadTooBig
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin, Subprotocol
from websockets.uri import WebSocketURI, parse_uri

from wsgen.errors import BadInput
from wsgen.terminal import escape

if TYPE_CHECKING:
    from wsgen import certs  # imported where used: cryptography costs start-up time

# Exit codes of `wsgen probe` (2 bad usage and 130 interrupted as everywhere in wsgen).
PASSED = 0
STEP_FAILED = 1
CLOSED = 6

DEFAULT_IDLE = 75.0  # just past the common 60 s default
DEFAULT_STEP_TIMEOUT = 10.0
DEFAULT_MESSAGE = "wsgen probe"
MAX_SECONDS = 86400.0
# the most bytes read (and parsed) at a time: a flood of tiny frames costs websockets ~0.1 s
# per 16 KiB, and the clock is checked between reads
_RECV = 16384
_HEAD_LIMIT = 65536  # the most bytes of an HTTP answer (status line, headers, body start) read
DEFAULT_MAX_MESSAGE = 1048576  # bytes of one message (all its frames): websockets' own default
MAX_MAX_MESSAGE = 1073741824  # 1 GiB

# Handshake headers a --header must not replace (the probe would stop being a WebSocket client).
_RESERVED_HEADERS = ("upgrade", "connection", "sec-websocket-key", "sec-websocket-version")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

# Idle timeouts that are somebody's default: a close after one of these many seconds of silence
# names its likely owner. (Traefik's entry-point timeouts, readTimeout 60 s and idleTimeout
# 180 s, never cut an upgraded connection: measured on Traefik 3.7.15.)
KNOWN_IDLE_TIMEOUTS = (
    (60, "the default of nginx and ingress-nginx (proxy_read_timeout), of Traefik's NGINX "
     "provider, of AWS ALB and of many cloud load balancers"),
    (301, "Envoy's default 300 s stream idle timeout (Envoy Gateway, Contour, kgateway) and its "
     "1 s delayed close"),
    (350, "the AWS NLB default"),
)  # fmt: skip

# How far from a whole number of seconds a close may come and still be a whole-second timeout
# (measured through nginx 1.22, Envoy 1.40 and Traefik 3.7 on loopback: within 0.01 s; the
# network's delay is in both ends of the silence, so it cancels out).
_WHOLE_SECOND = 0.2


# --------------------------------------------------------------------------- shown text


def escape_bytes(data: bytes, limit: int = 60) -> str:
    """Bytes that are not (or may not be) text: printable ASCII kept, the rest as \\xNN."""
    shown = "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02x}" for b in data[:limit])
    return shown + ("..." if len(data) > limit else "")


# A URL's start up to its user information: the scheme (or none: a Location may be relative,
# //user:pass@host/), then any slashes (a browser reads a backslash as one); the user
# information runs to the last @ before / ? or # (Python's parser takes a backslash in it).
_URL_START = r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?[/\\]*"
_USERINFO = re.compile(rf"^({_URL_START})([^/?#]+)@")


def redact(url: str) -> str:
    """The URL without its password: user:***@ (a user name alone may be a token: ***@)."""
    match = _USERINFO.match(url)
    if match is None:
        return url
    user, colon, _password = match[2].partition(":")
    shown = f"{user}:***@" if colon else "***@"
    return match[1] + shown + url[match.end() :]


def _redact_raw(raw: str) -> str:
    """redact() for a URL that does not parse: everything between its start and its last @ is
    hidden (a password may hold / ? # unencoded; a query's @ hides a little too much)."""
    start = re.match(_URL_START, raw)
    head = start.end() if start is not None else 0
    at = raw.rfind("@")
    return raw if at < head else f"{raw[:head]}***@{raw[at + 1 :]}"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    url: str  # ws:// or wss:// (http(s):// given is turned into these), its password hidden
    uri: WebSocketURI
    idle: float = DEFAULT_IDLE
    message: str = DEFAULT_MESSAGE
    ping_interval: float | None = None
    ca: str | None = None  # PEM text of --ca
    ca_name: str = ""
    insecure: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    origin: str = ""
    resolve: str | None = None  # an IP address to connect to instead of the host's
    step_timeout: float = DEFAULT_STEP_TIMEOUT
    max_message: int = DEFAULT_MAX_MESSAGE  # bytes of one incoming message


def byte_count(flag: str, raw: str) -> int:
    """A number of bytes: digits, or with a KiB or MiB suffix; 1 to 1 GiB."""
    match = re.fullmatch(r"\s*(\d{1,10})\s*(KiB|MiB|)\s*", raw, re.IGNORECASE)
    value = 0
    if match is not None:
        value = int(match[1]) * {"": 1, "kib": 1024, "mib": 1048576}[match[2].lower()]
    if not 1 <= value <= MAX_MAX_MESSAGE:
        raise BadInput(
            f"{flag}: {raw!r} is not a number of bytes (1 to 1073741824; 64KiB and 16MiB work too)"
        )
    return value


def seconds(flag: str, raw: str, low: float = 0.0) -> float:
    """A number of seconds (decimals allowed) above `low`, at most a day."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low < value <= MAX_SECONDS):
        raise BadInput(f"{flag}: {raw!r} is not a number of seconds (above {low:g}, at most 86400)")
    return value


def _url(raw: str) -> tuple[str, WebSocketURI]:
    """The URL as shown (its password hidden) and as parsed. No message shows a password."""
    shown = repr(_redact_raw(raw))
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in raw):
        raise BadInput(f"URL: {shown} has a space or control character (write a space as %20)")
    scheme, sep, rest = raw.partition("://")
    scheme = {"http": "ws", "https": "wss"}.get(scheme.lower(), scheme.lower())
    url = f"{scheme}{sep}{rest}"
    if not sep or scheme not in ("ws", "wss"):
        raise BadInput(f"URL: {shown} is not a ws:// or wss:// URL (http:// and https:// work too)")
    try:
        uri = parse_uri(url)
    except InvalidURI as error:
        # websockets' message repeats the URL: only its reason is shown
        why = error.msg
        raise BadInput(f"URL: {shown} is not a valid WebSocket URL ({why})") from None
    except ValueError as error:
        why = str(error)
        if shown != repr(raw):  # the library's words may quote a piece of the password
            why = "in user:password@, write / ? # @ and : as %2F %3F %23 %40 %3A"
        raise BadInput(f"URL: {shown} is not a valid WebSocket URL ({why})") from None
    if "%" in uri.host:
        raise BadInput(f"URL: {shown}: an IPv6 zone (%...) is not supported")
    return redact(url), uri


def _header(raw: str) -> tuple[str, str]:
    name, colon, value = raw.partition(":")
    name, value = name.strip(), value.strip()
    if not colon or not _TOKEN.fullmatch(name) or any(c in value for c in "\r\n\0"):
        # only the start: the rest may be a credential (Authorization: Bearer ...)
        start = re.match(r"[^\s:]{0,40}", raw)[0]  # type: ignore[index]
        shown = start + (" ..." if len(start) < len(raw) else "")
        raise BadInput(
            f"--header: {shown!r} is not 'Name: value' (one line, a token before ':'; its value "
            "is not shown)"
        )
    if name.lower() in _RESERVED_HEADERS:
        raise BadInput(f"--header: {name} is part of the WebSocket handshake; the probe sets it")
    if name.lower() == "origin":
        raise BadInput("--header: give the Origin with --origin")
    return name, value


_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----"
)


def _ca(name: str, data: bytes) -> str:
    """The PEM certificates of a CA file (bundles carry comments in any language around them)."""
    blocks = _PEM_CERTIFICATE.findall(data)
    text = "\n".join(block.decode("ascii") for block in blocks)
    try:
        if not blocks:
            raise ValueError
        ssl.create_default_context(cadata=text)
    except (ValueError, ssl.SSLError):
        raise BadInput(f"--ca: {name} is not a PEM certificate") from None
    return text


def make_options(
    url: str,
    *,
    idle: str | None = None,
    message: str | None = None,
    ping_interval: str | None = None,
    ca: tuple[str, bytes] | None = None,
    insecure: bool = False,
    headers: list[str] | None = None,
    origin: str | None = None,
    resolve: str | None = None,
    step_timeout: str | None = None,
    max_message: str | None = None,
) -> Options:
    """Validated options (BadInput naming the option); None takes the default. `ca` is (the
    name given, its bytes)."""
    url, uri = _url(url)
    if ca is not None and insecure:
        raise BadInput("--ca and --insecure: give one (--insecure skips the check --ca is for)")
    if (ca is not None or insecure) and not uri.secure:
        raise BadInput(f"--{'ca' if ca else 'insecure'}: only for wss:// URLs")
    ca_text = None if ca is None else _ca(*ca)
    if resolve is not None:
        try:
            address = ipaddress.ip_address(resolve.strip("[]"))
            if getattr(address, "scope_id", None):
                raise ValueError
        except ValueError:
            raise BadInput(f"--resolve: {resolve!r} is not an IP address (no %zone)") from None
        resolve = str(address)
    if origin is not None and (not origin or any(c in origin for c in "\r\n\0")):
        raise BadInput(f"--origin: {origin!r} is not an origin (e.g. https://app.example.com)")
    message = DEFAULT_MESSAGE if message is None else message
    if not message:
        raise BadInput("--message: must be some text")
    from wsgen.model import private_key_kind

    kind = private_key_kind(message)
    if kind is not None:  # it would go to the server, and into the report
        raise BadInput(f"--message: is {kind}; the probe sends --message and shows it")
    scheme = "https" if uri.secure else "http"
    default_port = 443 if uri.secure else 80
    host = f"[{uri.host}]" if ":" in uri.host else uri.host
    own_origin = f"{scheme}://{host}" + ("" if uri.port == default_port else f":{uri.port}")
    return Options(
        url=url,
        uri=uri,
        idle=DEFAULT_IDLE if idle is None else seconds("--idle", idle),
        message=message,
        ping_interval=None if ping_interval is None else seconds("--ping-interval", ping_interval),
        ca=ca_text,
        ca_name=ca[0] if ca else "",
        insecure=insecure,
        headers=tuple(_header(h) for h in headers or ()),
        origin=own_origin if origin is None else origin,
        resolve=resolve,
        step_timeout=DEFAULT_STEP_TIMEOUT
        if step_timeout is None
        else seconds("--step-timeout", step_timeout),
        max_message=DEFAULT_MAX_MESSAGE
        if max_message is None
        else byte_count("--max-message", max_message),
    )


# --------------------------------------------------------------------------- the report


@dataclass
class Step:
    name: str  # dns, tcp, tls, upgrade, message, idle
    ok: bool
    seconds: float
    detail: str  # one line for people
    data: dict[str, Any] = field(default_factory=dict)  # the step's fields in the JSON report
    closed: bool = False  # the idle step: the connection was closed (not a failure of the step)


@dataclass
class Report:
    url: str
    steps: list[Step] = field(default_factory=list)
    exit_code: int = PASSED
    failed_step: str | None = None
    diagnosis: str = ""


class _Failed(Exception):
    """A step failed; its Step is already in the report."""


class _Run:
    """One probe: the report, the clock and the callbacks."""

    def __init__(self, options: Options, on_step: Callable[[Step], None]) -> None:
        self.options = options
        self.report = Report(options.url)
        self.on_step = on_step
        self.headers: tuple[tuple[str, str], ...] = ()  # of the 101, as they came

    def add(self, step: Step) -> None:
        self.report.steps.append(step)
        self.on_step(step)

    def fail(self, name: str, started: float, detail: str, **data: Any) -> _Failed:
        self.add(Step(name, False, time.monotonic() - started, detail, data))
        self.report.exit_code = STEP_FAILED
        self.report.failed_step = name
        self.report.diagnosis = detail
        return _Failed()


def run(
    options: Options,
    on_step: Callable[[Step], None] = lambda step: None,
    on_tick: Callable[[float, float], None] | None = None,
) -> Report:
    """Probe options.url. `on_step` is called as each step ends; `on_tick(elapsed, idle)` about
    once a second during the idle hold (a live counter)."""
    probe = _Run(options, on_step)
    sock: socket.socket | None = None
    try:
        addresses = _dns(probe)
        sock = _tcp(probe, addresses)
        if options.uri.secure:
            sock = _tls(probe, sock)
        protocol, pending = _upgrade(probe, sock)
        last_frame, pending = _round_trip(probe, sock, protocol, pending)
        _hold(probe, sock, protocol, last_frame, pending, on_tick)
    except _Failed:
        pass
    finally:
        if sock is not None:
            sock.close()
    return probe.report


# --------------------------------------------------------------------------- steps


def _show(address: tuple[Any, ...]) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


_AddrInfo = tuple[int, int, int, tuple[Any, ...]]  # family, type, proto, sockaddr


def _dns(probe: _Run) -> list[_AddrInfo]:
    options, host, port = probe.options, probe.options.uri.host, probe.options.uri.port
    started = time.monotonic()
    literal = options.resolve
    if literal is None:
        try:
            literal = str(ipaddress.ip_address(host))
        except ValueError:
            literal = None
    if literal is not None:
        try:
            infos = socket.getaddrinfo(
                literal, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        except OSError as error:
            raise probe.fail("dns", started, f"cannot use the address {literal}: {error}") from None
        why = f"--resolve {literal}" if options.resolve else "an IP address"
        probe.add(Step("dns", True, 0.0, f"not looked up ({why})", {"addresses": [literal]}))
        return [(f, t, p, a) for f, t, p, _c, a in infos]
    found: dict[str, Any] = {}

    def look_up() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            found["error"] = error

    # getaddrinfo has no timeout of its own: a thread that may be left behind does
    worker = threading.Thread(target=look_up, daemon=True)
    worker.start()
    worker.join(options.step_timeout)
    if "infos" in found:
        infos = found["infos"]
        addresses = list(dict.fromkeys(str(a[4][0]) for a in infos))
        probe.add(
            Step(
                "dns",
                True,
                time.monotonic() - started,
                f"{host}: {', '.join(addresses)}",
                {"addresses": addresses},
            )
        )
        return [(f, t, p, a) for f, t, p, _c, a in infos]
    if "error" in found:
        reason = getattr(found["error"], "strerror", None) or str(found["error"])
        raise probe.fail("dns", started, f"cannot resolve {host} ({reason}): check the host name")
    raise probe.fail("dns", started, f"no answer for {host} within {options.step_timeout:g} s")


def _tcp(probe: _Run, addresses: list[_AddrInfo]) -> socket.socket:
    timeout = probe.options.step_timeout
    started = time.monotonic()
    deadline = started + timeout  # for the whole step, however many addresses there are
    problems = []
    for family, kind, proto, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            problems.append(f"no time left for {_show(address)}")
            break
        sock = socket.socket(family, kind, proto)
        sock.settimeout(left)
        try:
            sock.connect(address)
        except OSError as error:
            sock.close()
            problems.append(_connect_problem(_show(address), error, timeout))
            continue
        tried = f" (after: {'; '.join(problems)})" if problems else ""
        probe.add(
            Step(
                "tcp",
                True,
                time.monotonic() - started,
                f"connected to {_show(address)}{tried}",
                {"address": str(address[0]), "port": address[1]},
            )
        )
        return sock
    raise probe.fail("tcp", started, "; ".join(problems))


def _connect_problem(where: str, error: OSError, timeout: float) -> str:
    if isinstance(error, ConnectionRefusedError):
        return (
            f"{where} refused the connection: nothing listens there (wrong port, or the "
            "server or proxy is down)"
        )
    if isinstance(error, TimeoutError):
        return (
            f"no answer from {where} within {timeout:g} s (a firewall dropping packets, or no "
            "machine at that address)"
        )
    return f"{where}: {error.strerror or error}"


def _context(options: Options) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=options.ca)
    # as browsers (and wsgen's --tls files check): the names are the subjectAltNames; a
    # subject CN alone names nothing
    context.hostname_checks_common_name = False
    if options.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])  # WebSockets are an HTTP/1.1 upgrade
    return context


def _handshake(tls: ssl.SSLSocket, deadline: float) -> None:
    """The TLS handshake, done by `deadline` however slowly the server sends its part."""
    tls.setblocking(False)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            readable, writable = [tls], []
        except ssl.SSLWantWriteError:
            readable, writable = [], [tls]
        left = deadline - time.monotonic()
        if left <= 0 or not any(select.select(readable, writable, [], left)):
            raise TimeoutError
    tls.setblocking(True)


def _tls(probe: _Run, sock: socket.socket) -> ssl.SSLSocket:
    options, host = probe.options, probe.options.uri.host
    started = time.monotonic()
    deadline = started + options.step_timeout
    address = sock.getpeername()
    try:
        tls = _context(options).wrap_socket(
            sock, server_hostname=host, do_handshake_on_connect=False
        )
        _handshake(tls, deadline)
    except ssl.SSLCertVerificationError as error:
        # a second look, unverified, to say what the certificate is (in the step's time)
        certificate = (
            _fetch_certificate(address, host, deadline)
            if deadline - time.monotonic() > 0.05
            else None
        )
        raise probe.fail(
            "tls", started, _verify_problem(error, host, certificate, options)
        ) from None
    except TimeoutError:
        raise probe.fail(
            "tls", started, f"no TLS answer within {options.step_timeout:g} s"
        ) from None
    except ssl.SSLError as error:
        raise probe.fail("tls", started, _tls_problem(error)) from None
    except OSError as error:
        raise probe.fail(
            "tls",
            started,
            "the server closed the connection during the TLS handshake "
            f"({error.strerror or error}): not a TLS port (use ws://), or no certificate for "
            "this host name (SNI)",
        ) from None
    seconds_taken = time.monotonic() - started
    from wsgen import certs

    der = tls.getpeercert(binary_form=True)
    certificate = certs.peer(der) if der else None
    protocol = tls.version() or "TLS"
    if options.insecure:
        covers = certificate is not None and certs.covers(certificate.names, host)
        checked = (
            f"not verified (--insecure); its names {'cover' if covers else 'do NOT cover'} {host}"
        )
    else:
        by = f"--ca {options.ca_name}" if options.ca_name else "the system's CAs"
        checked = f"verified for {host} ({by})"
    parts = [protocol]
    data: dict[str, Any] = {"protocol": protocol, "verified": not options.insecure}
    if certificate is not None:
        days = (certificate.not_after - dt.datetime.now(dt.timezone.utc)).days
        parts += [
            f"subject {escape(certificate.subject)}",
            f"names {escape(', '.join(certificate.names)) or 'none'}",
            f"expires {certificate.expiry()} ({days} days)",
        ]
        data |= {
            "subject": certificate.subject,
            "issuer": certificate.issuer,
            "names": list(certificate.names),
            "not_after": certificate.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    parts.append(checked)
    probe.add(Step("tls", True, seconds_taken, "; ".join(parts), data))
    return tls


def _fetch_certificate(
    address: tuple[Any, ...], host: str, deadline: float
) -> certs.PeerCertificate | None:
    """The server's certificate without checking it (to say what is wrong with it), or None."""
    from wsgen import certs

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        left = deadline - time.monotonic()
        with (
            socket.create_connection(address[:2], timeout=max(left, 0.001)) as raw,
            context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False) as tls,
        ):
            _handshake(tls, deadline)
            der = tls.getpeercert(binary_form=True)
        return certs.peer(der) if der else None
    except (OSError, ValueError):
        return None


def _verify_problem(
    error: ssl.SSLCertVerificationError,
    host: str,
    certificate: certs.PeerCertificate | None,
    options: Options,
) -> str:
    message = escape(str(error.verify_message or error.reason or error))
    about = ""
    if certificate is not None:
        about = (
            f" (subject {escape(certificate.subject)}, issuer {escape(certificate.issuer)}, names "
            f"{escape(', '.join(certificate.names)) or 'none'}, expires {certificate.expiry()})"
        )
    fix = "give the CA that signed it with --ca FILE, or skip the check with --insecure"
    if options.ca_name:
        fix = f"--ca {options.ca_name} is not the CA that signed it"
    code = error.verify_code
    if (
        code in (62, 64) or "mismatch" in message.lower()
    ):  # X509_V_ERR_{HOSTNAME,IP_ADDRESS}_MISMATCH
        if certificate is not None and not certificate.names:
            return (
                f"the certificate names no host: it has no subjectAltName{about}; browsers (and "
                f"wsgen's --tls files check) ignore the subject CN, so it is not valid for "
                f"{host}: make one with a subjectAltName for {host}"
            )
        names = escape(", ".join(certificate.names)) if certificate is not None else "unknown"
        return (
            f"the certificate is not valid for {host} (its names: {names}): connect with a name "
            "it covers, or make a certificate for this one"
        )
    if code in (18, 19):  # self-signed (leaf or in the chain)
        self_signed = "; a self-signed certificate is its own CA" if not options.ca_name else ""
        return f"the certificate does not verify: {message}{about}: {fix}{self_signed}"
    if code == 10:
        return f"the certificate has expired{about}"
    if code == 20:
        return (
            f"the certificate does not verify: {message}{about}: the server must send its "
            f"intermediate certificates, or {fix}"
        )
    return f"the certificate does not verify: {message}{about}: {fix}"


def _tls_problem(error: ssl.SSLError) -> str:
    reason = str(error.reason or "")
    if reason == "UNEXPECTED_EOF_WHILE_READING" or isinstance(error, ssl.SSLEOFError):
        return (
            "the server closed the connection during the TLS handshake: it does not speak TLS "
            "on this port (use ws://), or has no certificate for this host name (SNI)"
        )
    if reason in (
        "WRONG_VERSION_NUMBER",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
        "HTTP_REQUEST",
    ):
        return f"the server does not speak TLS on this port ({reason}): use ws://, or the TLS port"
    if reason.startswith("TLSV1_ALERT") or reason.startswith("SSLV3_ALERT"):
        return f"the server refused the TLS handshake ({escape(reason)})"
    return f"TLS handshake failed: {escape(str(error))}"


def _send(sock: socket.socket, protocol: ClientProtocol) -> None:
    # one write for all (a flood of pings is answered by thousands of pongs at once)
    data = b"".join(protocol.data_to_send())
    if data:
        sock.sendall(data)


def _upgrade(probe: _Run, sock: socket.socket) -> tuple[ClientProtocol, list[Frame]]:
    """The HTTP upgrade. Returns the open protocol and any frames that came with the 101."""
    options = probe.options
    subprotocols = [
        Subprotocol(p.strip())
        for name, value in options.headers
        if name.lower() == "sec-websocket-protocol"
        for p in value.split(",")
        if p.strip()
    ]
    protocol = ClientProtocol(
        options.uri,
        origin=Origin(options.origin),
        subprotocols=subprotocols or None,
        # a whole message, all its frames together: a larger one (or a frame announcing more)
        # fails the connection with 1009 before its payload is read
        # (a control frame holds up to 125 bytes, whatever --max-message says: a server's
        # ping or close reason is not a message; a smaller limit is checked by _Messages)
        max_size=max(options.max_message, _CONTROL_MAX),
    )
    request = protocol.connect()
    from importlib.metadata import version

    request.headers["User-Agent"] = f"wsgen-probe/{version('wsgen')}"
    # --header replaces a header the probe writes (Host, User-Agent); a name given twice is
    # sent twice. Sec-WebSocket-Protocol: the protocol writes it from `subprotocols`.
    given = [(n, v) for n, v in options.headers if n.lower() != "sec-websocket-protocol"]
    for name in {n.lower() for n, _v in given}:
        if name in request.headers:
            del request.headers[name]
    for name, value in given:
        request.headers[name] = value
    started = time.monotonic()
    deadline = started + options.step_timeout
    head = bytearray()
    events: Sequence[object] = ()
    responses: list[Response] = []
    try:
        protocol.send_request(request)
        sock.settimeout(options.step_timeout)
        _send(sock, protocol)
        while not responses:
            data = _recv(sock, deadline)
            head += data[: _HEAD_LIMIT + 1 - len(head)]
            if data:
                protocol.receive_data(data)
            else:
                protocol.receive_eof()
            events = protocol.events_received()
            responses = [e for e in events if isinstance(e, Response)]
            if not data or responses:
                break
            if protocol.handshake_exc is not None:
                break  # not HTTP, or an answer websockets refuses (too many headers...)
            if len(head) > _HEAD_LIMIT:
                break
    except TimeoutError:
        status = _status_line(bytes(head))
        if status:
            raise probe.fail(
                "upgrade", started, _not_upgraded(options, *status), status=status[0]
            ) from None
        got = f" (so far: {_head_start(head)})" if head else ""
        raise probe.fail(
            "upgrade", started, f"no complete HTTP answer within {options.step_timeout:g} s{got}"
        ) from None
    except OSError as error:
        why = f"({escape(error.strerror or str(error))})"
        if "CERTIFICATE_REQUIRED" in str(error):
            why = "(the server wants a client certificate: mutual TLS, which the probe does not do)"
        raise probe.fail(
            "upgrade", started, f"the connection failed during the upgrade {why}"
        ) from None
    if responses and responses[0].status_code == 101 and protocol.handshake_exc is None:
        response = responses[0]
        frames = [e for e in events if isinstance(e, Frame)]
        probe.headers = tuple(response.headers.raw_items())
        probe.add(
            Step(
                "upgrade",
                True,
                time.monotonic() - started,
                escape(f"101 {response.reason_phrase}"),
                {"status": 101, "server": _header_value(probe.headers, "server")},
            )
        )
        return protocol, frames
    status = _status_line(bytes(head))
    if status is not None and status[0] != 101:
        raise probe.fail("upgrade", started, _not_upgraded(options, *status), status=status[0])
    if status is not None and responses:
        raise probe.fail(
            "upgrade",
            started,
            f"101, but not a valid WebSocket handshake: {escape(str(protocol.handshake_exc))}",
            status=101,
        )
    if len(head) > _HEAD_LIMIT:
        raise probe.fail(
            "upgrade",
            started,
            f"the HTTP answer does not end within {_HEAD_LIMIT // 1024} KiB (headers without "
            f"end): {_head_start(head)}",
            **({"status": status[0]} if status else {}),
        )
    if not head:
        raise probe.fail(
            "upgrade",
            started,
            "the server closed the connection without an HTTP answer (not an HTTP server? "
            "a TLS port spoken to with ws://?)",
        )
    bad = _bad_status_line(bytes(head))
    if bad is not None:
        raise probe.fail("upgrade", started, bad)
    exc: BaseException | None = protocol.handshake_exc
    exc = exc.__cause__ or exc if exc is not None else None
    if exc is not None and not isinstance(exc, EOFError):
        raise probe.fail(
            "upgrade",
            started,
            f"not a valid HTTP answer ({escape(str(exc))}): {_head_start(head)}",
            **({"status": status[0]} if status else {}),
        )
    if status is not None:
        raise probe.fail(
            "upgrade",
            started,
            "the server closed the connection before its HTTP answer (101) was complete",
            status=status[0],
        )
    raise probe.fail("upgrade", started, f"not an HTTP answer: {_head_start(head, 40)}")


def _recv(sock: socket.socket, deadline: float) -> bytes:
    """One read, or TimeoutError once `deadline` has passed: a step ends on time even when
    the server never stops sending."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
    return sock.recv(_RECV)


def _head_start(head: bytes | bytearray, limit: int = 60) -> str:
    return f"'{escape_bytes(bytes(head), limit)}'"


def _bad_status_line(head: bytes) -> str | None:
    """What is wrong with a status line that looks like HTTP but is not valid, or None."""
    match = re.match(rb"(HTTP/[^ \r\n]*) +([^ \r\n]*)[^\r\n]*\r?\n", head)
    if match is None:
        return None
    code = match[2]
    if not re.fullmatch(rb"\d{3}", code):
        return (
            f"the server's answer is not valid HTTP: its status code "
            f"'{escape_bytes(code, 20)}' is not a number of three digits "
            f"(the status line: '{escape_bytes(match[0].rstrip(), 80)}')"
        )
    if not 100 <= int(code) <= 599:
        return (
            f"the server's answer is not valid HTTP: status code {int(code)} is not one "
            "(100 to 599)"
        )
    return None


def _status_line(head: bytes) -> tuple[int, str, dict[str, str], bytes] | None:
    """Status, reason, headers (lower-case names) and body start of an HTTP answer, read here
    rather than by websockets so that HTTP/1.0 and partial answers are diagnosed too."""
    match = re.match(rb"HTTP/\d(?:\.\d)? +(\d{3})(?: +([^\r\n]*))?\r?\n", head)
    if match is None:
        return None
    top, _sep, body = head.partition(b"\r\n\r\n")
    headers: dict[str, str] = {}
    for line in top.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon:
            headers[_decoded(name.strip().lower())] = _decoded(value.strip())
    return int(match[1]), _decoded(match[2] or b""), headers, body


def _decoded(raw: bytes) -> str:
    """Header bytes as text: UTF-8 when they are, else Latin-1 (HTTP's old charset)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _not_upgraded(
    options: Options, status: int, reason: str, headers: dict[str, str], body: bytes
) -> str:
    uri = options.uri
    said = escape(f"{status} {reason[:200]}".strip())
    location = escape(redact(headers.get("location", ""))[:200])
    if 300 <= status < 400:
        if not uri.secure and location.lower().startswith(("https:", "wss:")):
            wss = "wss:" + location.split(":", 1)[1]
            return (
                f"{said} to {location}: the server wants TLS (an HTTPS redirect); use {wss} "
                "(WebSocket clients do not follow redirects)"
            )
        return (
            f"{said} to {location or '(no Location)'}: WebSocket clients do not follow "
            "redirects; probe that URL"
        )
    if status in (400, 426):
        if b"plain HTTP request was sent to HTTPS port" in body:
            return f"{said}: this port expects TLS; use wss://"
        return (
            f"{said}: the server did not see a WebSocket upgrade: an Upgrade or Connection header "
            "was lost on the way (a proxy without proxy_http_version 1.1 and the Upgrade and "
            "Connection headers), or nothing on this path speaks WebSocket"
        )
    if status in (401, 403) and uri.user_info:
        return (
            f"{said}: refused: the server does not take the URL's user and password (sent as "
            "Basic authorization), or rejects the Origin (--origin)"
        )
    if status in (401, 403):
        return (
            f"{said}: refused: the server wants credentials (--header 'Authorization: ...') or "
            "rejects the Origin (--origin)"
        )
    if status == 404:
        return (
            f"{said}: nothing at {uri.resource_name}: check the path (the Ingress or location "
            "path and the app's own route must both match it)"
        )
    if status in (502, 503, 504):
        return (
            f"{said}: the proxy answered but the backend did not: not ready or down, or the "
            "Service or upstream points at the wrong port"
        )
    if 200 <= status < 300:
        return (
            f"{said}: answered like a web page, without upgrading: this path serves plain HTTP, "
            "or a proxy on the way dropped the Upgrade header"
        )
    return f"{said}: the server did not upgrade the connection"


def _text(data: bytes, limit: int = 60) -> str:
    text = data.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


class _Messages:
    """Whole messages from frames: a TEXT or BINARY frame and its continuations up to FIN."""

    def __init__(self, limit: int) -> None:
        self.opcode: Opcode | None = None
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit  # --max-message, checked here when it is below _CONTROL_MAX
        self.too_big: int | None = None  # the bytes of a message that passed the limit

    def add(self, frame: Frame) -> tuple[Opcode, bytes] | None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self.opcode, self.parts, self.size = frame.opcode, [bytes(frame.data)], 0
        elif frame.opcode == Opcode.CONT and self.opcode is not None:
            self.parts.append(bytes(frame.data))
        else:
            return None
        self.size += len(frame.data)
        if self.size > self.limit:
            self.too_big, self.opcode, self.parts = self.size, None, []
            return None
        if not frame.fin:
            return None
        message = (self.opcode, b"".join(self.parts))
        self.opcode, self.parts = None, []
        return message


def _receive(sock: socket.socket, protocol: ClientProtocol, data: bytes) -> list[Frame]:
    """Feed what arrived to the protocol; send what it answers (pongs, a close reply)."""
    protocol.receive_data(data)
    frames = [event for event in protocol.events_received() if isinstance(event, Frame)]
    _send_quietly(sock, protocol)
    return frames


_CONTROL_MAX = 125  # bytes of a control frame's payload (RFC 6455)


def _too_big(protocol: ClientProtocol, max_message: int, detail: str, read: int = 0) -> str:
    """`read`: the bytes of it that were read (a frame within 125 bytes, over a smaller
    --max-message); otherwise it was refused on its frame's announced length."""
    with contextlib.suppress(InvalidState):
        protocol.fail(1009, "message too big")  # as websockets does past its max_size
    how = f"after {read} bytes of it" if read else "without reading it"
    return (
        f"the server sent a message larger than --max-message ({max_message} bytes): "
        f"{detail}; the probe closed the connection (1009, message too big) {how} (raise "
        "--max-message if the app really sends that much)"
    )


def _broken(protocol: ClientProtocol, max_message: int) -> str | None:
    """What the server did against the WebSocket protocol or the probe's limits, if it did (the
    protocol then fails the connection, as a browser would, with close code 1002, 1007 or
    1009)."""
    exc = protocol.parser_exc
    if exc is None:
        return None
    if isinstance(exc, PayloadTooBig):
        return _too_big(protocol, max_message, escape(str(exc)))
    if isinstance(exc, UnicodeDecodeError):  # websockets decodes close reasons only
        return (
            f"the server sent a close frame whose reason is not UTF-8 "
            f"('{escape_bytes(exc.object)}'): a browser fails the connection with 1007"
        )
    return f"the server broke the WebSocket protocol: {escape(str(exc))}"


_SHOWN = 1000  # characters of a received text message kept in the JSON report
_NOT_UTF8 = (
    "the server sent a text message that is not UTF-8: a browser closes the connection with 1007"
)


def _round_trip(
    probe: _Run, sock: socket.socket, protocol: ClientProtocol, pending: list[Frame]
) -> tuple[float, list[Frame]]:
    """Send --message and wait for the first message back. Returns when the last frame came,
    and the frames that came after that message in the same read (the hold takes them)."""
    options = probe.options
    started = time.monotonic()
    sent = options.message.encode()
    deadline = started + options.step_timeout
    try:
        protocol.send_text(sent)
    except InvalidState:  # the server's close frame came with the 101: nothing can be sent
        close = protocol.close_rcvd
        said = f"({escape(str(close))}) " if close is not None else ""
        raise probe.fail(
            "message",
            started,
            _broken(protocol, options.max_message)
            or f"the server closed the connection {said}right after the upgrade, before the "
            "message was sent",
        ) from None
    try:
        sock.settimeout(options.step_timeout)
        _send(sock, protocol)
    except OSError as error:
        raise probe.fail("message", started, f"sending failed: {error.strerror or error}") from None
    messages = _Messages(options.max_message)
    frames = list(pending)
    last_frame, other_frames = started, 0  # the control frames that came meanwhile
    partial = 0  # bytes in reads that completed no frame
    while True:
        other_frames += sum(
            f.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT) for f in frames
        )
        for index, frame in enumerate(frames):
            message = messages.add(frame)
            if message is not None:
                return _first_message(probe, started, sent, *message), frames[index + 1 :]
            if messages.too_big is not None:
                size = messages.too_big
                too_big = _too_big(protocol, options.max_message, f"{size} bytes", size)
                _send_quietly(sock, protocol)
                raise probe.fail("message", started, too_big)
        if (problem := _broken(protocol, options.max_message)) is not None:
            raise probe.fail("message", started, problem)
        if protocol.close_rcvd is not None:
            raise probe.fail(
                "message",
                started,
                f"the server closed the connection ({escape(str(protocol.close_rcvd))}) instead "
                "of answering: it may not accept this text (--message)",
            )
        try:
            data = _recv(sock, deadline)
        except TimeoutError:
            meanwhile = f", only {other_frames} control frames (pings...)" if other_frames else ""
            if partial and not other_frames:
                meanwhile = f", only {partial} bytes of a frame not yet complete"
            probe.add(
                Step(
                    "message",
                    True,
                    time.monotonic() - started,
                    f"sent {_text(sent)}; no message back within {options.step_timeout:g} s"
                    f"{meanwhile} (not an echo server: fine if it only sends on events)",
                    {
                        "sent": options.message,
                        "received": None,
                        "received_type": None,
                        "received_bytes": 0,
                        "echo": False,
                    },
                )
            )
            return last_frame, []
        except OSError as error:
            raise probe.fail(
                "message", started, f"the connection failed: {error.strerror or error}"
            ) from None
        if not data:
            raise probe.fail(
                "message", started, "the server closed the connection (EOF) instead of answering"
            )
        sock.settimeout(_SEND_WAIT)  # for the pongs: see _SEND_WAIT
        frames = _receive(sock, protocol, data)
        # bytes of a frame that comes slowly end the silence too (a proxy's idle timer
        # counts bytes)
        last_frame = time.monotonic()
        partial += 0 if frames else len(data)


def _first_message(probe: _Run, started: float, sent: bytes, opcode: Opcode, data: bytes) -> float:
    now = time.monotonic()
    text = opcode == Opcode.TEXT
    if text:
        try:
            shown = data.decode("utf-8")
        except UnicodeDecodeError:
            raise probe.fail("message", started, _NOT_UTF8) from None
    echo = text and data == sent
    kind = "text" if text else "binary"
    if echo:
        what = f"echo of {_text(sent)}"
    elif text:
        what = f"first message ({len(data)} bytes of text): {_text(data)}"
    else:
        what = f"first message ({len(data)} bytes, binary)"
    fields = {
        "sent": probe.options.message,
        "received": shown[:_SHOWN] if text else None,
        "received_type": kind,
        "received_bytes": len(data),
        "echo": echo,
    }
    probe.add(Step("message", True, now - started, what, fields))
    return now


def _send_quietly(sock: socket.socket, protocol: ClientProtocol) -> None:
    # the connection is going away; what ended it is reported, not this
    with contextlib.suppress(OSError):
        _send(sock, protocol)


_HOLD_PING = b"wsgen"
# The longest a ping or pongs may wait to go in the message step and the hold: a server that
# does not read fills the send buffer, and while the probe waits to send it reads nothing (it
# would miss what the server sends, and take a flood for silence)
_SEND_WAIT = 0.5
_LAST_PING = b"wsgen-last"


def _ping(sock: socket.socket, protocol: ClientProtocol, payload: bytes, timeout: float) -> str:
    """Send a ping; '' or how the connection ended when it could not be sent."""
    protocol.send_ping(payload)
    sock.settimeout(timeout)
    try:
        _send(sock, protocol)
    except TimeoutError:
        # the send buffer is full: the server does not read (what it sends is still taken, and
        # the missing pong is reported); a dropped connection would not have filled it
        return ""
    except OSError as error:
        return _ended_by(error)
    return ""


def _ended_by(error: OSError) -> str:
    return "reset" if isinstance(error, ConnectionError) else f"error: {error}"


@dataclass
class _Hold:
    """What the hold saw."""

    last_frame: float  # when the last frame went or came (the close frame excepted)
    max_message: int
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("pings_sent", "pongs_received", "pings_received", "messages_received"), 0
        )
    )
    longest_silence: float = 0.0  # the longest time without a frame either way
    last_ping_at: float | None = None  # when the last ping went: the hold is over
    after_last_ping: int = 0  # frames that came after the last ping went
    partial_bytes: int = 0  # bytes that came and completed no frame (a frame sent slowly)
    bytes_after_ping: bool = False  # bytes came after the last ping went
    last_ping_answered: bool = False
    problem: str | None = None  # the server broke the protocol
    messages: _Messages = field(init=False)

    def __post_init__(self) -> None:
        self.messages = _Messages(self.max_message)

    def frame_at(self, at: float) -> None:
        """A frame went or came at `at`: the silence before it is over."""
        self.longest_silence = max(self.longest_silence, at - self.last_frame)
        self.last_frame = at

    def busy_until(self, at: float) -> None:
        """The probe was sending (pongs, a ping) until `at`, perhaps blocked on a full send
        buffer: not silence that was held, so not measured as such."""
        if self.last_ping_at is None:
            self.last_frame = max(self.last_frame, at)

    def bytes_at(self, size: int, at: float) -> None:
        """Bytes came at `at` and completed no frame: the connection is not silent (a proxy's
        idle timer counts bytes, not frames), and after the last ping it is there."""
        self.partial_bytes += size
        if self.last_ping_at is None:
            self.frame_at(at)

    def take(self, frames: list[Frame], at: float, protocol: ClientProtocol) -> None:
        # Each frame is counted and let go (a message is kept only until its last frame, and
        # websockets bounds it by --max-message): a flood does not fill the memory.
        for frame in frames:
            if frame.opcode == Opcode.CLOSE:
                continue  # the close frame ends the silence it is measured by
            if frame.opcode == Opcode.PONG and frame.data == _LAST_PING:
                self.last_ping_answered = True
                continue
            if self.last_ping_at is not None:
                self.after_last_ping += 1
            else:
                self.frame_at(at)
            if frame.opcode == Opcode.PING:
                self.counts["pings_received"] += 1
            elif frame.opcode == Opcode.PONG:
                self.counts["pongs_received"] += 1
            elif (message := self.messages.add(frame)) is not None:
                self.counts["messages_received"] += 1
                if message[0] == Opcode.TEXT and not _utf8(message[1]):
                    self.problem = _NOT_UTF8
            elif self.messages.too_big is not None and self.problem is None:
                size = self.messages.too_big
                self.problem = _too_big(protocol, self.max_message, f"{size} bytes", size)
        self.problem = self.problem or _broken(protocol, self.max_message)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _hold(
    probe: _Run,
    sock: socket.socket,
    protocol: ClientProtocol,
    last_frame: float,
    pending: list[Frame],
    on_tick: Callable[[float, float], None] | None,
) -> None:
    """Send nothing (but --ping-interval pings) for --idle seconds; see whether, when and how
    the connection ends. Then one last ping must get its pong within --step-timeout: a
    connection dropped without a FIN or reset (a NAT or a load balancer forgetting it) looks
    open until something is sent. The clock is checked at every turn, so the hold ends on time
    whatever the server sends."""
    options = probe.options
    idle, interval, step_timeout = options.idle, options.ping_interval, options.step_timeout
    started = time.monotonic()
    seen = _Hold(last_frame, options.max_message)
    seen.take(pending, last_frame, protocol)
    deadline = started + idle
    next_ping = started + interval if interval else math.inf
    next_tick = started + 1.0 if on_tick else math.inf
    silence_at_end = 0.0
    closed_by: str | None = None
    ended = started
    while seen.problem is None and protocol.close_rcvd is None:
        now = time.monotonic()
        if seen.last_ping_at is None and now >= deadline:
            seen.last_ping_at, silence_at_end = now, now - seen.last_frame
            seen.longest_silence = max(seen.longest_silence, silence_at_end)
            deadline, next_ping, next_tick = now + step_timeout, math.inf, math.inf
            wait = min(_SEND_WAIT, step_timeout)
            closed_by, ended = _ping(sock, protocol, _LAST_PING, wait) or None, now
            if closed_by:
                break
            continue
        if seen.last_ping_at is not None and (seen.last_ping_answered or now >= deadline):
            # frames kept coming after the last ping: the connection is there, the server
            # just does not answer pings
            alive = seen.last_ping_answered or seen.after_last_ping > 0 or seen.bytes_after_ping
            closed_by = None if alive else "no-answer"
            ended = now
            break
        if now >= next_ping:
            # a server that does not read fills the send buffer: the ping waits no longer
            # than the hold lasts
            went = _ping(sock, protocol, _HOLD_PING, min(_SEND_WAIT, max(deadline - now, 0.001)))
            closed_by, ended = went or None, now
            if closed_by:
                break
            seen.counts["pings_sent"] += 1
            seen.frame_at(now)
            seen.busy_until(time.monotonic())
            next_ping = now + (interval or math.inf)
            continue
        if now >= next_tick and on_tick is not None:
            on_tick(now - started, idle)
            next_tick += 1.0
            continue
        sock.settimeout(max(min(deadline, next_ping, next_tick) - now, 0.001))
        try:
            received = sock.recv(_RECV)
        except TimeoutError:
            continue
        except OSError as error:
            closed_by, ended = _ended_by(error), time.monotonic()
            break
        ended = time.monotonic()
        if not received:
            closed_by = "eof"
            break
        sock.settimeout(_SEND_WAIT)
        frames = _receive(sock, protocol, received)  # and the pongs for its pings go
        if frames:
            seen.take(frames, ended, protocol)
        else:
            seen.bytes_at(len(received), ended)
            if seen.last_ping_at is not None:
                seen.bytes_after_ping = True
            seen.problem = _broken(protocol, options.max_message)
        if any(f.opcode == Opcode.PING for f in frames):
            seen.busy_until(time.monotonic())
    if seen.problem is not None:
        _send_quietly(sock, protocol)  # the close frame (1002, 1007, 1009) of its failure
        raise probe.fail("idle", started, seen.problem, idle=idle)
    if protocol.close_rcvd is not None:
        closed_by = "close-frame"
    _hold_report(probe, sock, protocol, seen, closed_by, started, ended, silence_at_end)


def _hold_report(
    probe: _Run,
    sock: socket.socket,
    protocol: ClientProtocol,
    seen: _Hold,
    closed_by: str | None,
    started: float,
    ended: float,
    silence_at_end: float,
) -> None:
    options = probe.options
    close = protocol.close_rcvd
    last_ping_at = seen.last_ping_at
    error = ""
    if closed_by is not None and closed_by.startswith("error: "):
        closed_by, error = "error", closed_by[len("error: ") :]
    # No answer to the last ping, or a reset for it: the connection had been dropped at some
    # point during the hold, without a word. (A FIN or a close frame then is a close that came
    # as the hold ended, measured like any other.)
    silent = last_ping_at is not None and closed_by in ("no-answer", "reset", "error")
    silence = silence_at_end if silent else ended - seen.last_frame
    if closed_by is not None and last_ping_at is None:
        seen.longest_silence = max(seen.longest_silence, silence)
    data: dict[str, Any] = {
        "idle": options.idle,
        "ping_interval": options.ping_interval,
        "survived": closed_by is None,
        "closed_by": closed_by,
        "close_code": close.code if closed_by == "close-frame" and close else None,
        "close_reason": close.reason if closed_by == "close-frame" and close else None,
        "silence": None if closed_by is None else round(silence, 3),
        "longest_silence": round(seen.longest_silence, 3),
        "answered_after_hold": seen.last_ping_answered,
        **seen.counts,
    }
    if closed_by is None:
        _close_politely(sock, protocol, options.step_timeout)
        detail = _survived(options, seen)
        probe.add(Step("idle", True, time.monotonic() - started, detail, data))
        probe.report.diagnosis = detail
        return
    how = {
        "eof": "the connection was closed (TCP FIN) without a close frame",
        "reset": "the connection was reset (TCP RST) without a close frame",
        "error": f"the connection failed ({escape(error)})",
        "close-frame": f"close frame {escape(str(close))}",
        "no-answer": (
            f"the last ping got no answer within {options.step_timeout:g} s, and no FIN or "
            "reset came: the connection was dropped silently"
        ),
    }[closed_by]
    if silent and closed_by != "no-answer":
        how += " in answer to the last ping: it had been dropped silently"
    when = (
        "after the hold" if last_ping_at is not None else f"{ended - started:.1f} s into the hold"
    )
    probe.add(
        Step(
            "idle",
            False,
            ended - started,
            f"closed after {silence:.1f} s of silence ({when}): {how}",
            data,
            closed=True,
        )
    )
    probe.report.exit_code = CLOSED
    probe.report.diagnosis = closed_diagnosis(
        options,
        silence,
        closed_by,
        escape(str(close)),
        seen.counts,
        silent=silent,
        headers=probe.headers,
    )


def _close_politely(sock: socket.socket, protocol: ClientProtocol, step_timeout: float) -> None:
    """Close with 1000 and wait a moment for the server's close frame or FIN."""
    with contextlib.suppress(OSError, InvalidState):
        deadline = time.monotonic() + min(1.0, step_timeout)
        protocol.send_close(1000)
        sock.settimeout(min(1.0, step_timeout))  # a server that does not read: no longer
        _send(sock, protocol)
        while protocol.close_rcvd is None and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(_RECV)
            if not data:
                break
            _receive(sock, protocol, data)


def _survived(options: Options, seen: _Hold) -> str:
    """The verdict of a connection that stayed open: only the silence that was really held."""
    idle, interval, counts = options.idle, options.ping_interval, seen.counts
    longest = seen.longest_silence
    came = [
        f"{counts[key]} {what}"
        for key, what in (("messages_received", "messages"), ("pings_received", "pings"))
        if counts[key]
    ]
    if seen.partial_bytes:
        came.append(f"{seen.partial_bytes} bytes in reads that completed no frame (sent slowly)")
    if interval is None and longest + 0.05 >= idle:
        text = f"the connection survived {idle:g} s of silence"
    elif interval is None:
        text = (
            f"the connection stayed open for {idle:g} s, but was never silent for more than "
            f"{longest:.1f} s: the server sent {' and '.join(came) or 'frames'} during the hold, "
            f"so no idle timeout longer than {longest:.1f} s was tested"
        )
        if counts["pings_received"] and not counts["messages_received"]:
            text += " (its own heartbeats keep the connection open, not the proxy's timeout)"
    else:
        text = (
            f"the connection stayed open for {idle:g} s with a ping every {interval:g} s "
            f"({counts['pings_sent']} pings, {counts['pongs_received']} pongs)"
        )
        if not counts["pings_sent"]:
            text += "; the interval is longer than the hold: no ping went"
        elif not counts["pongs_received"]:
            text += "; no pong came back: the server does not answer pings"
        if came:
            text += f"; the server sent {' and '.join(came)}, longest silence {longest:.1f} s"
    if not seen.last_ping_answered:
        text += (
            f"; the last ping got no answer within {options.step_timeout:g} s while "
            + (
                f"{seen.after_last_ping} frames kept coming"
                if seen.after_last_ping
                else "bytes kept coming (a frame not yet complete)"
            )
            + ": the server does not answer pings"
        )
    return text


def closed_diagnosis(
    options: Options,
    silence: float,
    closed_by: str,
    close: str,
    counts: dict[str, int],
    *,
    silent: bool = False,
    headers: Sequence[tuple[str, str]] = (),
) -> str:
    """The result line of a connection closed during the hold. `silent`: it was found dropped
    by the last ping (no answer, or a reset for it). `headers`: the 101's, which with how and
    when it closed may tell the proxy that closed it."""
    if closed_by == "close-frame":
        return (
            f"the other end closed the connection with close frame {close} after {silence:.1f} s "
            "of silence: a decision of the app or a proxy (shutting down, reloading, or its own "
            "idle policy), not a silent proxy timeout"
        )
    # whole seconds a heartbeat must beat (a close measured at 1.998 s is a 2 s timeout)
    every = max(math.floor(silence + 0.05), 1)
    if silent:
        found = (
            "it no longer answered a ping, and no FIN or reset came"
            if closed_by == "no-answer"
            else "a ping was answered with a reset, and nothing had come before"
        )
        unless = " (or: the server does not answer pings)" if closed_by == "no-answer" else ""
        return (
            f"the connection was dropped silently: after {silence:.1f} s of silence {found}. A "
            "NAT gateway, firewall or load balancer forgot the idle connection (an AWS NLB "
            "resets it after 350 s); neither end notices until it sends. Send heartbeats more "
            "often than that idle timeout (--ping-interval shows whether they keep it open), or "
            f"raise it where it is set{unless}."
        )
    interval = options.ping_interval
    if interval is not None and counts["pings_sent"]:
        return (
            f"closed {silence:.1f} s after the last frame although a ping went every "
            f"{interval:g} s: whatever closes it allows less than {interval:g} s of silence "
            f"(ping more often than every {every} s), or it was ended for another reason (a "
            "reload, a connection lifetime limit)"
        )
    if interval is not None:
        return (
            f"closed after {silence:.1f} s of silence, before the first ping (--ping-interval "
            f"{interval:g}): the idle timeout on the way is shorter than the interval; ping more "
            f"often than every {every} s, or raise the timeout"
        )
    told, who = _closed_by_proxy(silence, closed_by, headers)
    # a proxy named by its whole-second close: only a default it really is
    near = _WHOLE_SECOND if told else 1.5
    known = ""
    for limit, owner in KNOWN_IDLE_TIMEOUTS:
        if abs(silence - limit) <= near:
            known = f" ({limit} s is {owner})"
    heartbeat = (
        "send heartbeats more often than every {every} s (--ping-interval shows whether they "
        "keep it open)"
    )
    fix = (
        "On ingress-nginx raise proxy-read-timeout and proxy-send-timeout (wsgen render "
        "--timeout 3600); on nginx proxy_read_timeout and proxy_send_timeout (wsgen render "
        f"--target nginx --timeout 3600); or {heartbeat.format(every=every)}."
    )
    family = _answered_by(headers)[0]  # where the timeout to raise most likely is
    if family == "envoy":
        fix = (
            "Raise Envoy's stream idle timeout (the route's idle_timeout or stream_idle_timeout; "
            "on Envoy Gateway wsgen render --target envoy-gateway --timeout 3600), or "
            f"{heartbeat.format(every=max(every - 1, 1))}."
        )
    elif family == "traefik":
        fix = (
            "Raise nginx.ingress.kubernetes.io/proxy-read-timeout in whole seconds (wsgen render "
            'writes "3600" for --timeout 3600; Traefik ignores "3600s"), or '
            f"{heartbeat.format(every=every)}."
        )
    return (
        f"closed after {silence:.1f} s of silence without a close frame: an idle timeout in a "
        f"proxy or load balancer on the way{known}; {who}. {fix}"
    )


def _header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _answered_by(headers: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    """The proxy family that wrote the 101 as far as its headers tell (nginx, envoy, traefik or
    None), and the header that tells it. nginx and Envoy put their names in Server (operators can
    change it); Traefik sends no Server of its own (the backend's passes), but Go's HTTP server
    writes Sec-Websocket-Accept with a lower-case s (a Go app may too)."""
    server = _header_value(headers, "server") or ""
    shown = server if len(server) <= 60 else server[:60] + "..."
    if re.match(r"nginx\b", server, re.IGNORECASE):
        return "nginx", f"Server: {shown}"
    if re.search(r"\benvoy\b", server, re.IGNORECASE):
        return "envoy", f"server: {shown}"
    if any(name == "Sec-Websocket-Accept" for name, _value in headers):
        return "traefik", "Sec-Websocket-Accept, spelt as Go's HTTP server spells it"
    return None, ""


def _closed_by_proxy(
    silence: float, closed_by: str, headers: Sequence[tuple[str, str]]
) -> tuple[str | None, str]:
    """Which proxy family closed the connection, as far as the evidence tells, and why it
    looks so (a clause); (None, why it cannot be told) otherwise. What each family does was
    measured (nginx 1.22, Envoy 1.40, Traefik 3.7's NGINX provider): none sends a close frame;
    each ends the connection with a FIN, nginx and Traefik at exactly the timeout, Envoy 1 s
    after it (its default delayed_close_timeout). Which one answered is in the 101
    (_answered_by)."""
    family, said = _answered_by(headers)
    if family is None:
        return None, (
            "which proxy it was cannot be told (the 101 looks like none of nginx's, Envoy's or "
            "Traefik's)"
        )
    name = {"nginx": "nginx", "envoy": "Envoy", "traefik": "Traefik"}[family]
    if closed_by != "eof":
        how = "a reset" if closed_by == "reset" else "a failure"
        return None, (
            f"which proxy it was cannot be told: the 101 came from {name} ({said}), but {name} "
            f"closes an idle WebSocket with a FIN, not {how}"
        )
    seconds = round(silence)
    if family == "envoy" and seconds < 2 and abs(silence - seconds) <= _WHOLE_SECOND:
        return None, (  # a whole second, but before any timeout Envoy's delayed close allows
            f"which proxy it was cannot be told: the 101 came from Envoy ({said}), but Envoy "
            f"closes an idle WebSocket 1 s after its timeout, not as early as {silence:.2f} s"
        )
    if abs(silence - seconds) > _WHOLE_SECOND or seconds < 1:
        late = " (1 s after its timeout)" if family == "envoy" else ""
        return None, (
            f"which proxy it was cannot be told: the 101 came from {name} ({said}), but {name} "
            f"with a timeout of whole seconds closes at a whole second{late}, not at "
            f"{silence:.2f} s"
        )
    if family == "nginx":
        return family, (
            f"it looks like nginx (proxy_read_timeout {seconds} s): the 101 came with {said}, "
            "and nginx ends an idle WebSocket with a FIN at exactly its timeout"
        )
    if family == "envoy":
        if any(limit == seconds for limit, _owner in KNOWN_IDLE_TIMEOUTS if limit != 301):
            return None, (  # someone else's default (an ALB in front), not Envoy's plus 1 s
                f"which proxy it was cannot be told: the 101 came from Envoy ({said}), but "
                f"{seconds} s is the default of what may stand in front of it, and Envoy closes "
                f"1 s after its timeout (at {seconds} s only with one of {seconds - 1} s)"
            )
        return family, (
            f"it looks like Envoy (a stream idle timeout of {seconds - 1} s): the 101 came with "
            f"{said}, and Envoy ends an idle WebSocket with a FIN 1 s after its timeout (its "
            "delayed close)"
        )
    return family, (
        f"it looks like Traefik's NGINX provider (proxy-read-timeout {seconds}): the 101 came "
        f"from Go ({said}; Traefik sends no Server of its own), and that provider ends an idle "
        "WebSocket with a FIN at exactly its read timeout"
    )
