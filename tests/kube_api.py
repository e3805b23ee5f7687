"""A minimal Kubernetes API server for tests: enough list and watch for a real controller's
informers (Traefik's kubernetesGateway, kubernetesIngressNGINX and kubernetesCRD providers) to
sync on a fixed set of objects, and a record of the status the controller writes back (PUT or
PATCH .../status).

It serves the objects it is given (wsgen's stream, plus what a cluster would add: a
GatewayClass, an IngressClass, the Namespaces, an EndpointSlice per Service), custom resources defaulted from
their CRD's schema as the API server defaults them (tests/crds.py reads the official CRDs), and
nothing else: no admission, no validation, no garbage collection. A watch sends the initial events when the client asks for
them (sendInitialEvents=true, client-go's WatchList) and then stays silent until the client's
timeoutSeconds, a 60 s cap, or the server's stop, whichever comes first. It listens on
127.0.0.1 only, on a free port; `serve` always stops it.
"""

from __future__ import annotations

import contextlib
import copy
import http.server
import json
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import crds

TRAEFIK_CONTROLLER = "traefik.io/gateway-controller"
# ingressClassName -> the controller an installed IngressClass of that name names (the
# classes' usual installs; Traefik's NGINX provider matches k8s.io/ingress-nginx or class nginx)
INGRESS_CONTROLLERS = {"nginx": "k8s.io/ingress-nginx", "traefik": "traefik.io/ingress-controller"}
WATCH_CAP = 60.0  # seconds a watch is held open at most

GATEWAY_API = "gateway.networking.k8s.io"
TRAEFIK_IO = "traefik.io"
# kind -> (group, version, plural, namespaced): what Traefik's Kubernetes providers may ask for
KINDS: dict[str, tuple[str, str, str, bool]] = {
    "Namespace": ("", "v1", "namespaces", False),
    "Service": ("", "v1", "services", True),
    "Endpoints": ("", "v1", "endpoints", True),
    "Secret": ("", "v1", "secrets", True),
    "ConfigMap": ("", "v1", "configmaps", True),
    "Pod": ("", "v1", "pods", True),
    "Node": ("", "v1", "nodes", False),
    "Deployment": ("apps", "v1", "deployments", True),
    "EndpointSlice": ("discovery.k8s.io", "v1", "endpointslices", True),
    "Ingress": ("networking.k8s.io", "v1", "ingresses", True),
    "IngressClass": ("networking.k8s.io", "v1", "ingressclasses", False),
    "GatewayClass": (GATEWAY_API, "v1", "gatewayclasses", False),
    "Gateway": (GATEWAY_API, "v1", "gateways", True),
    "HTTPRoute": (GATEWAY_API, "v1", "httproutes", True),
    "GRPCRoute": (GATEWAY_API, "v1", "grpcroutes", True),
    "TLSRoute": (GATEWAY_API, "v1", "tlsroutes", True),
    "BackendTLSPolicy": (GATEWAY_API, "v1", "backendtlspolicies", True),
    "ReferenceGrant": (GATEWAY_API, "v1beta1", "referencegrants", True),
    "TCPRoute": (GATEWAY_API, "v1alpha2", "tcproutes", True),
    "UDPRoute": (GATEWAY_API, "v1alpha2", "udproutes", True),
    # what the kubernetesCRD provider's informers watch (Traefik 3.7,
    # pkg/provider/kubernetes/crd/client.go WatchAll), all in the Traefik CRD file
    "IngressRoute": (TRAEFIK_IO, "v1alpha1", "ingressroutes", True),
    "IngressRouteTCP": (TRAEFIK_IO, "v1alpha1", "ingressroutetcps", True),
    "IngressRouteUDP": (TRAEFIK_IO, "v1alpha1", "ingressrouteudps", True),
    "Middleware": (TRAEFIK_IO, "v1alpha1", "middlewares", True),
    "MiddlewareTCP": (TRAEFIK_IO, "v1alpha1", "middlewaretcps", True),
    "TraefikService": (TRAEFIK_IO, "v1alpha1", "traefikservices", True),
    "TLSOption": (TRAEFIK_IO, "v1alpha1", "tlsoptions", True),
    "TLSStore": (TRAEFIK_IO, "v1alpha1", "tlsstores", True),
    "ServersTransport": (TRAEFIK_IO, "v1alpha1", "serverstransports", True),
    "ServersTransportTCP": (TRAEFIK_IO, "v1alpha1", "serverstransporttcps", True),
}
BY_PLURAL = {(group, plural): kind for kind, (group, _v, plural, _n) in KINDS.items()}


def api_version(kind: str) -> str:
    group, version, _plural, _namespaced = KINDS[kind]
    return f"{group}/{version}" if group else version


def gateway_class(name: str, controller: str = TRAEFIK_CONTROLLER) -> dict[str, Any]:
    return {
        "apiVersion": api_version("GatewayClass"),
        "kind": "GatewayClass",
        "metadata": {"name": name},
        "spec": {"controllerName": controller},
    }


def ingress_class(name: str, controller: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version("IngressClass"),
        "kind": "IngressClass",
        "metadata": {"name": name},
        "spec": {"controller": controller},
    }


def endpoint_slice(
    service: dict[str, Any], address: str = "127.0.0.1", listening: int | None = None
) -> dict[str, Any]:
    """What the EndpointSlice controller would write for `service` with one ready pod at
    `address`, listening on each port's targetPort (a number: wsgen writes numbers), or on
    `listening` (two Services of one port, e.g. a canary's, served by two test servers)."""
    name = service["metadata"]["name"]
    ports = service["spec"]["ports"]
    for port in ports:
        if not isinstance(port.get("targetPort", port["port"]), int):
            raise ValueError(f"{name}: a named targetPort needs a pod to resolve it")
    return {
        "apiVersion": api_version("EndpointSlice"),
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{name}-test",
            "namespace": service["metadata"].get("namespace", "default"),
            "labels": {"kubernetes.io/service-name": name},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [
            {
                **({"name": port["name"]} if "name" in port else {}),
                "port": listening
                if listening is not None
                else port.get("targetPort", port["port"]),
                "protocol": port.get("protocol", "TCP"),
                **({"appProtocol": port["appProtocol"]} if "appProtocol" in port else {}),
            }
            for port in ports
        ],
    }


def defaulted(doc: dict[str, Any]) -> dict[str, Any]:
    """A custom resource as the API server stores it: every absent property that has a
    `default` in its CRD's schema (the served version) set, as structural defaulting does
    (a Gateway's certificateRefs[].group "", an HTTPRoute's parentRefs[].kind Gateway...)."""
    doc = copy.deepcopy(doc)
    if crds.is_builtin(doc):
        return doc
    crd = crds.crd_for(doc["apiVersion"], doc["kind"])
    if crd is None:
        return doc  # a cluster without that CRD would refuse it; Traefik never asks for it
    version = doc["apiVersion"].rpartition("/")[2]
    served = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    crds._default(doc, served["schema"]["openAPIV3Schema"])  # the structural defaulting
    return doc


def cluster(
    objects: Iterable[dict[str, Any]],
    gateway_class_name: str | None = None,
    listening: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """`objects` (a rendered stream) as a cluster would hold them: defaulted, with the
    GatewayClass `gateway_class_name` (if given), an IngressClass for each class of
    INGRESS_CONTROLLERS an Ingress names (its controller installed it; a class not there has
    none), the Namespaces they live in, and an EndpointSlice for each Service pointing at
    127.0.0.1 (on the port `listening` gives for the Service's name, if it does)."""
    docs = [defaulted(doc) for doc in objects if doc]
    namespaces = {"default"} | {
        doc["metadata"].get("namespace", "default")
        for doc in docs
        if KINDS.get(doc["kind"], ("", "", "", False))[3]
    }
    extra = [defaulted(gateway_class(gateway_class_name))] if gateway_class_name else []
    classes = {
        doc["spec"].get("ingressClassName")
        for doc in docs
        if doc["kind"] == "Ingress" and isinstance(doc.get("spec"), dict)
    }
    extra += [
        ingress_class(name, INGRESS_CONTROLLERS[name])
        for name in sorted(c for c in classes if c in INGRESS_CONTROLLERS)
        if not any(d["kind"] == "IngressClass" and d["metadata"]["name"] == name for d in docs)
    ]
    extra += [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        for name in sorted(namespaces)
    ]
    extra += [
        endpoint_slice(doc, listening=(listening or {}).get(doc["metadata"]["name"]))
        for doc in docs
        if doc["kind"] == "Service"
    ]
    return docs + extra


class Store:
    """The objects by (kind, namespace, name), with resource versions, and every status write."""

    def __init__(self, objects: Iterable[dict[str, Any]]) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.status_writes: list[tuple[str, str, str, dict[str, Any]]] = []
        self.requests: list[str] = []
        self.unknown: list[str] = []
        for doc in objects:
            self.add(doc)

    def next_version(self) -> str:
        self.version += 1
        return str(self.version)

    def add(self, doc: dict[str, Any]) -> None:
        kind = doc["kind"]
        if kind not in KINDS:
            return  # a custom resource this server knows no path for (an unknown CRD)
        meta = doc.setdefault("metadata", {})
        namespace = meta.get("namespace", "default") if KINDS[kind][3] else ""
        if KINDS[kind][3]:
            meta["namespace"] = namespace
        meta.setdefault("uid", f"uid-{kind.lower()}-{namespace}-{meta['name']}")
        meta.setdefault("generation", 1)
        meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
        meta["resourceVersion"] = self.next_version()
        self.objects[(kind, namespace, meta["name"])] = doc

    def items(self, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        return [
            doc
            for (k, ns, _name), doc in sorted(self.objects.items())
            if k == kind and (namespace is None or ns == namespace)
        ]

    def status(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The status last written for the object (None: never written)."""
        with self.lock:
            for k, ns, n, status in reversed(self.status_writes):
                if (k, ns, n) == (kind, namespace, name):
                    found: dict[str, Any] = copy.deepcopy(status)
                    return found
        return None


def parse_path(path: str) -> tuple[str, str | None, str, str | None, str | None] | None:
    """/api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] or /apis/GROUP/VERSION/...: (group,
    namespace, plural, name, subresource); None for anything else."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, rest = parts[1], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    elif len(rest) == 2 and rest[0] == "namespaces":  # GET /api/v1/namespaces/NAME
        return group, None, "namespaces", rest[1], None
    if not rest or len(rest) > 3:
        return None
    return (
        group,
        namespace,
        rest[0],
        rest[1] if len(rest) > 1 else None,
        rest[2] if len(rest) > 2 else None,
    )


def not_found(kind: str, name: str) -> str:
    """The API server's words: `services "x" not found`, `gateways.gateway.networking.k8s.io
    "x" not found`."""
    group, _version, plural, _namespaced = KINDS[kind]
    return f'{plural}{"." + group if group else ""} "{name}" not found'


def discovery(path: str) -> dict[str, Any] | None:
    """The legacy discovery documents (/api, /apis, /api/v1, /apis/GROUP/VERSION) for KINDS:
    what kubectl reads to map a resource name to its path (Traefik reads none)."""
    versions: dict[str, list[str]] = {}
    for group, version, _plural, _namespaced in KINDS.values():
        if group and version not in versions.setdefault(group, []):
            versions[group].append(version)
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in vs],
                    "preferredVersion": {"groupVersion": f"{group}/{vs[0]}", "version": vs[0]},
                }
                for group, vs in sorted(versions.items())
            ],
        }
    parts = path.split("/")
    if path == "/api/v1":
        group, version = "", "v1"
    elif len(parts) == 4 and parts[1] == "apis" and parts[3] in versions.get(parts[2], []):
        group, version = parts[2], parts[3]
    else:
        return None
    verbs = ["get", "list", "watch"]
    resources: list[dict[str, Any]] = []
    for kind, (g, v, plural, namespaced) in KINDS.items():
        if (g, v) == (group, version):
            common = {"namespaced": namespaced, "kind": kind, "singularName": kind.lower()}
            resources.append({"name": plural, **common, "verbs": verbs})
            resources.append(
                {"name": f"{plural}/status", **common, "verbs": ["get", "patch", "update"]}
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def matches(doc: dict[str, Any], selector: str) -> bool:
    """A label selector of `key=value`, `key!=value` and `key` terms (what informers send)."""
    labels = doc.get("metadata", {}).get("labels") or {}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is dropped after 30 s
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    # ------------------------------------------------------------------ replies

    def send_json(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_status(self, code: int, reason: str, message: str) -> None:
        self.send_json(
            code,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": message,
                "reason": reason,
                "code": code,
            },
        )

    def chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # ------------------------------------------------------------------ verbs

    def do_GET(self) -> None:
        store = self.server.store
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with store.lock:
            store.requests.append(f"GET {self.path}")
        if url.path in ("/version", "/version/"):
            self.send_json(200, {"major": "1", "minor": "35", "gitVersion": "v1.35.0"})
            return
        found = discovery(url.path.rstrip("/"))
        if found is not None:
            self.send_json(200, found)
            return
        parsed = parse_path(url.path)
        kind = BY_PLURAL.get((parsed[0], parsed[2])) if parsed else None
        if parsed is None or kind is None:
            with store.lock:
                store.unknown.append(f"GET {self.path}")
            self.send_status(404, "NotFound", f"the server could not find {url.path}")
            return
        _group, namespace, _plural, name, subresource = parsed
        if name is not None:
            with store.lock:
                doc = store.objects.get((kind, namespace or "", name))
                doc = copy.deepcopy(doc) if doc else None
            if doc is None or subresource not in (None, "status"):
                self.send_status(404, "NotFound", not_found(kind, name))
            else:
                self.send_json(200, doc)
            return
        selector = query.get("labelSelector", "")
        with store.lock:
            items = [
                copy.deepcopy(doc) for doc in store.items(kind, namespace) if matches(doc, selector)
            ]
            version = str(store.version)
        if query.get("watch") in ("true", "1"):
            self.watch(kind, items, version, query)
            return
        self.send_json(
            200,
            {
                "apiVersion": api_version(kind),
                "kind": f"{kind}List",
                "metadata": {"resourceVersion": version},
                "items": items,
            },
        )

    def watch(
        self, kind: str, items: list[dict[str, Any]], version: str, query: dict[str, str]
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if query.get("sendInitialEvents") == "true":
            for doc in items:
                self.chunk({"type": "ADDED", "object": doc})
            self.chunk(
                {
                    "type": "BOOKMARK",
                    "object": {
                        "apiVersion": api_version(kind),
                        "kind": kind,
                        "metadata": {
                            "resourceVersion": version,
                            "annotations": {"k8s.io/initial-events-end": "true"},
                        },
                    },
                }
            )
        limit = WATCH_CAP
        with contextlib.suppress(ValueError):
            limit = min(limit, float(query.get("timeoutSeconds", limit)))
        self.server.stopping.wait(limit)
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def write(self) -> None:
        store = self.server.store
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with store.lock:
            store.requests.append(f"{self.command} {self.path}")
        parsed = parse_path(url.path)
        kind = BY_PLURAL.get((parsed[0], parsed[2])) if parsed else None
        name = parsed[3] if parsed else None
        if parsed is None or kind is None or name is None or parsed[4] != "status":
            self.send_status(405, "MethodNotAllowed", f"{self.command} {url.path}: only status")
            return
        namespace = parsed[1]
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            self.send_status(400, "BadRequest", "the body is not JSON")
            return
        with store.lock:
            doc = store.objects.get((kind, namespace or "", name))
            if doc is not None:
                reply = self.store_status(store, doc, sent)
        if doc is None:
            self.send_status(404, "NotFound", not_found(kind, name))
        else:
            self.send_json(200, reply)

    def store_status(
        self, store: Store, doc: dict[str, Any], sent: dict[str, Any]
    ) -> dict[str, Any]:
        """Record the status `sent` for `doc` (PUT: the whole status; PATCH: merged into it);
        the object as it now is. Called with the store's lock held."""
        if self.command == "PUT":
            status = sent.get("status", {})
        else:  # a merge patch of the status (what kubectl and some controllers send)
            status = {**doc.get("status", {}), **sent.get("status", {})}
        doc["status"] = status
        doc["metadata"]["resourceVersion"] = store.next_version()
        meta = doc["metadata"]
        store.status_writes.append(
            (doc["kind"], meta.get("namespace", ""), meta["name"], copy.deepcopy(status))
        )
        return copy.deepcopy(doc)

    do_PUT = write
    do_PATCH = write

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.store.lock:
            self.server.store.requests.append(f"POST {self.path}")
        self.send_status(405, "MethodNotAllowed", "this test server creates nothing")


class KubeAPI:
    """A running server: its `url`, the `store` of objects and status writes."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.store = server.store
        self.port = int(server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def status(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.store.status(kind, namespace, name)

    def wait_for_status(
        self,
        kind: str,
        namespace: str,
        name: str,
        ready: Any,
        timeout: float = 20,
    ) -> dict[str, Any] | None:
        """The first status written for the object that `ready(status)` accepts, polled for at
        most `timeout` s; else the last one written (None if none was)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(kind, namespace, name)
            if status is not None and ready(status):
                return status
            if time.monotonic() > deadline:
                return status
            time.sleep(0.1)


@contextlib.contextmanager
def serve(objects: Iterable[dict[str, Any]]) -> Iterator[KubeAPI]:
    """Serve `objects` on 127.0.0.1 (a free port) until the block ends."""
    server = Server(Store(objects))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield KubeAPI(server)
    finally:
        server.stopping.set()  # ends every watch
        server.shutdown()
        server.server_close()
        thread.join(10)


def kubeconfig(url: str, token: str = "test-token") -> str:  # noqa: S107
    """A kubeconfig for `url` (for kubectl or a client that reads one)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": url}}],
            "users": [{"name": "test", "user": {"token": token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            "current-context": "test",
        }
    )
