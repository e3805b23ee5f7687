"""The plain-nginx target's rendering: one complete nginx.conf for nginx on a machine of its own,
proxying WebSockets to the app (templates/nginx/nginx.conf.j2).

What the file must get right: the upgrade map, HTTP/1.1 and the Upgrade/Connection headers to
the backend, and proxy_read_timeout / proxy_send_timeout, which close an idle WebSocket after
60 s when left at their default. Every path nginx writes (pid, logs, temp files) is relative, so
`nginx -p DIR -c nginx.conf` runs it as an ordinary user; the certificate paths are relative to
the file's own folder, as nginx reads them.

With a canary (--canary-upstream) the file has a second upstream, <name>-canary, and nginx's own
`map` and `split_clients` choose between the two per request (`routing`); proxy_pass then reads
the chosen upstream's name from a variable, so no resolver is needed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from wsgen import canary, render
from wsgen.errors import BadInput
from wsgen.model import Config, Endpoint, FileRef
from wsgen.render import File, Pem
from wsgen.targets.base import CERT_FILE, KEY_FILE, VALUES_FILE
from wsgen.targets.nginx import CONF_FILE, Settings

TEMPLATE = "nginx/nginx.conf.j2"
VALUES_TEMPLATE = "nginx/wsgen.yaml.j2"

_PLAIN = re.compile(r"[A-Za-z0-9/._+-]+")


def conf_string(text: str, origin: str) -> str:
    """`text` as one nginx configuration token: bare when it is plain, else double-quoted.
    nginx has no escape for '$' (it always starts a variable in these directives)."""
    if "$" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise BadInput(
            f"{origin}: {text!r} cannot be written in nginx.conf (nginx reads '$' as a variable "
            "and takes no control characters): move or link the file to a plainer path"
        )
    if _PLAIN.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Choice:
    """One step of the canary's choice: a `map` on a header or a cookie, or (`weight`) the
    split_clients of every other request."""

    about: str  # the comment above it
    source: str  # the variable it reads: $http_x_canary, $cookie_canary, $remote_addr
    variable: str  # the variable it sets
    matches: tuple[tuple[str, str], ...]  # (regex or percentage, upstream name)
    otherwise: str  # the next step's variable, or an upstream's name
    weight: bool = False  # split_clients, not map


# What the weight splits by: the client's address (sticky per client; the template says why).
SPLIT_KEY = "$remote_addr"


def _exactly(value: str) -> str:
    """A map regex matching `value` exactly and case-sensitively, as ingress-nginx compares (a
    plain map string matches case-insensitively). Values are letters, digits and '._~-'
    (wsgen.canary), so only the dot needs escaping."""
    return "~^" + value.replace(".", "\\.") + "$"


def routing(config: Config) -> tuple[str, list[Choice]]:
    """What proxy_pass reaches (an upstream's name, or the variable the choices set), and the
    choices in the order nginx makes them: the header, then the cookie, then the weight."""
    chosen = canary.of(config)
    main = config.name
    if chosen is None:
        return main, []
    name = main + canary.SUFFIX
    # (what it is, the comment, what it reads, what it matches)
    steps: list[tuple[str, str, str, tuple[tuple[str, str], ...]]] = []
    if chosen.header:
        about = f"the header {chosen.header}: {chosen.header_match} reaches the canary"
        matches = [(_exactly(chosen.header_match), name)]
        if not chosen.header_value:  # with a value, 'never' is one more other value
            about += f", {canary.NEVER} the main version"
            matches.append((_exactly(canary.NEVER), main))
        source = "$http_" + chosen.header.lower().replace("-", "_")
        steps.append(("header", about, source, tuple(matches)))
    if chosen.cookie:
        about = (
            f"the cookie {chosen.cookie}={canary.ALWAYS} reaches the canary, "
            f"{chosen.cookie}={canary.NEVER} the main version"
        )
        matches = [(_exactly(canary.ALWAYS), name), (_exactly(canary.NEVER), main)]
        steps.append(("cookie", about, "$cookie_" + chosen.cookie, tuple(matches)))
    # split_clients takes no 0% (nginx refuses it) and leaves one hash value of 2^32 out at
    # 100%: the two ends are written as the upstream itself, exactly none or all
    rest = {0: main, 100: name}.get(chosen.weight, "")
    if not rest:
        clients = "the other clients" if steps else "the clients"
        about = f"{chosen.weight}% of {clients} reach the canary"
        steps.append(("weight", about, SPLIT_KEY, ((f"{chosen.weight}%", name),)))
    if not steps:  # --canary-weight 0 or 100, and nothing else to choose by
        return rest, []
    # the first step sets what proxy_pass reads; each step's default is the next one's
    variables = ["$wsgen_upstream"] + [f"$wsgen_canary_by_{kind}" for kind, *_ in steps[1:]]
    nexts = [*variables[1:], rest or main]  # split_clients: its `*` line
    choices = [
        Choice(about, source, variable, matches, otherwise, kind == "weight")
        for (kind, about, source, matches), variable, otherwise in zip(
            steps, variables, nexts, strict=True
        )
    ]
    return variables[0], choices


def conf(config: Config, cert_path: str = "", key_path: str = "") -> str:
    """nginx.conf; with TLS, `cert_path` and `key_path` as nginx will read them."""
    settings: Settings = config.settings
    listen = settings.listen
    redirect = ""
    https_port = ""
    if settings.redirect_from is not None:
        redirect = str(Endpoint(listen.host, settings.redirect_from))
        https_port = "" if listen.port == 443 else f":{listen.port}"
    proxy_to, choices = routing(config)
    chosen = canary.of(config)
    return render.template(
        TEMPLATE,
        c=config,
        canary=chosen,
        canary_name=config.name + canary.SUFFIX,
        proxy_to=proxy_to,
        choices=choices,
        location=location(config.path),
        # a wildcard host cannot be a redirect's host: then the one the client asked for
        redirect_host="$host" if config.host.startswith("*.") else config.host,
        scheme="wss" if config.tls.enabled else "ws",
        upstream=str(settings.upstream),
        listen=str(listen),
        redirect_listen=redirect,
        https_port=https_port,
        cert_path=cert_path,
        key_path=key_path,
    )


def location(path: str) -> str:
    """The nginx location that matches what an Ingress path of type Prefix matches: the path
    itself and everything below it, but not /wsx for /ws (a prefix location would). Paths are
    validated to letters, digits and '/_.-', so only the dot needs escaping in the regex."""
    base = path.rstrip("/")
    if not base:
        return "/"
    return "~ ^" + base.replace(".", "\\.") + "(?:/|$)"


def _quoted_pair(config: Config, paths: tuple[str, str], refs: tuple[FileRef, FileRef]) -> str:
    cert, key = (conf_string(p, ref.origin) for p, ref in zip(paths, refs, strict=True))
    return conf(config, cert, key)


def folder(config: Config, out: Path, pem: Pem | None) -> dict[str, File]:
    """nginx.conf, with --tls self-signed the certificate and key beside it, and wsgen.yaml
    (`wsgen render -f DIR/wsgen.yaml -o DIR` writes the folder again, as a Kubernetes one)."""
    files: dict[str, File] = {}
    cert_path = key_path = ""
    if config.tls.mode == "self-signed":
        if pem is None:
            raise ValueError("self-signed needs its certificate")
        files[CERT_FILE] = File(pem.cert)
        files[KEY_FILE] = File(pem.key, render.MODE_KEY)
        text = conf(config, CERT_FILE, KEY_FILE)
    elif config.tls.mode == "files":
        refs = config.tls.files()
        cert_path, key_path = (render.relative_to(refs[0], out), render.relative_to(refs[1], out))
        text = _quoted_pair(config, (cert_path, key_path), refs)
    else:
        text = conf(config)
    values = render.values_file(
        VALUES_TEMPLATE,
        config,
        out,
        cert_path,
        key_path,
        default_upstream=Endpoint("127.0.0.1", config.port),
        default_listen=Endpoint("", 443 if config.tls.enabled else 80),
    )
    return {CONF_FILE: File(text.encode()), **files, VALUES_FILE: values}


def stream(config: Config, pem: Pem | None) -> tuple[str, list[str]]:
    """nginx.conf for stdout: the user's certificate files by absolute path (the folder the
    file will be read from is unknown). A self-signed key needs a folder to live in."""
    if config.tls.mode == "self-signed":
        raise BadInput(
            "--tls self-signed: --target nginx needs --out DIR (the key and certificate are "
            "written beside nginx.conf)"
        )
    if config.tls.mode == "files":
        refs = config.tls.files()
        return _quoted_pair(config, (str(refs[0].path), str(refs[1].path)), refs), []
    return conf(config), []


def folder_notes(config: Config, out: Path, pem: Pem | None) -> list[str]:
    notes = []
    if pem is not None:
        from wsgen import certs

        expiry = certs.read_certificate(pem.cert).expiry()
        notes.append(f"certificate for {config.host} expires {expiry}")
    where = shlex.quote(str(out))
    notes.append(f"check: nginx -t -p {where} -c {CONF_FILE}; run: nginx -p {where} -c {CONF_FILE}")
    settings: Settings = config.settings
    low = [p for p in (settings.listen.port, settings.redirect_from) if p and p < 1024]
    if low:
        notes.append(
            f"port {low[0]} needs root (or CAP_NET_BIND_SERVICE); an ordinary user can use "
            "--listen 8080 or any port from 1024"
        )
    return notes


def next_steps(config: Config, out: Path) -> list[str]:
    """init's last lines: test the endpoint (how to run nginx is in the folder notes)."""
    scheme = "wss" if config.tls.enabled else "ws"
    settings: Settings = config.settings
    port = settings.listen.port
    default = 443 if config.tls.enabled else 80
    where = config.host.replace("*", "test", 1) + ("" if port == default else f":{port}")
    url = f"{scheme}://{where}{config.path}"
    return [render.probe_step(config, out, url, "127.0.0.1, for nginx on this machine")]


def warnings(config: Config) -> list[str]:
    """What the canary's weight means here (wsgen.canary.notes says what it means anywhere)."""
    chosen = canary.of(config)
    if chosen is None or chosen.weight in (0, 100):
        return []
    return [
        f"--canary-weight {chosen.weight}: nginx splits by the client's address (split_clients "
        "on $remote_addr), so each client keeps its version, long polling included; it is "
        f"{chosen.weight}% of client addresses: clients behind one NAT share a version, and "
        "behind a proxy or load balancer that hides their addresses every client is one (give "
        "nginx the client's address: set_real_ip_from and real_ip_header)"
    ]
