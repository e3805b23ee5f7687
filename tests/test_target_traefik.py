"""--target traefik: the stream (golden files), the folder, no idle setting (Traefik keeps idle
WebSockets open: --timeout is accepted, kept in wsgen.yaml, and the note says why and what still
cuts), the entry point, the cert-manager Certificate, --sticky as a sticky cookie, the
refusals, init, and every object against the official CRDs (tests/crds.py: Traefik v3.7.9,
cert-manager v1.21.1) and Kubernetes' schemas. What a real Traefik makes of these objects is
in test_traefik_crd_provider.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import crds
from conftest import EXAMPLES, GOLDEN, matches_golden, refused
from test_kubernetes import TLS_FILES, TLS_FOLDERS, built, check_stream, user_pair
from test_target_istio import docs
from test_wizard import ALL_QUESTIONS, Scripted
from wsgen import wizard
from wsgen.targets.base import STICKY_TTL_SECONDS

TARGET = ("--target", "traefik")
TRAEFIK_GOLDEN = GOLDEN / "traefik"
CHAT = ("--name", "chat", "-n", "team-a", "--host", "chat.example.com", "--path", "/ws")
STREAMS = {
    # name -> arguments; stdout is compared with tests/golden/traefik/<name>.yaml
    "plain": [],
    "secret": [*CHAT, "--tls", "secret", "--tls-secret", "chat-cert"],
    "cert-manager": [*CHAT, "--tls", "cert-manager", "--issuer", "ca", "--issuer-kind", "Issuer"],
    "sticky": [*CHAT, "--sticky", "--replicas", "3", "--host", "*.chat.example.com", "--path", "/"],
    "entry-point": [*CHAT, "--entrypoint", "ws-public", "--path", "/ws/", "--port", "443"],
}  # fmt: skip


def idle_note(seconds: int = 3600) -> str:
    return (
        f"wsgen: --timeout ({seconds} s) is not written: Traefik keeps an idle WebSocket open "
        "through an IngressRoute (its entry-point timeouts end at the upgrade); a load balancer "
        "in front of Traefik still closes it after its own idle timeout"
    )


def golden(name: str) -> list[dict]:
    return docs((TRAEFIK_GOLDEN / f"{name}.yaml").read_text())


def route_of(objects: list[dict]) -> dict:
    return next(doc for doc in objects if doc["kind"] == "IngressRoute")


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_golden(name: str, wsgen, update_golden: bool) -> None:
    result = wsgen("render", *TARGET, *STREAMS[name])
    assert result.code == 0, result.err
    matches_golden(result.out, TRAEFIK_GOLDEN / f"{name}.yaml", update_golden)
    assert result.err_lines == [idle_note()]


@pytest.mark.parametrize("name", [*sorted(STREAMS), "self-signed"])
def test_every_object_is_valid(name: str, wsgen) -> None:
    """Custom resources against the CRDs (schema and CEL rules), core ones against Kubernetes'
    OpenAPI schema (strict), for the oldest and newest version kubernetes-validate knows."""
    args = ["--tls", "self-signed"] if name == "self-signed" else STREAMS[name]
    result = wsgen("render", *TARGET, *args)
    assert result.code == 0, result.err
    assert check_stream(result.out)[:2] == ["Deployment", "Service"]


def test_the_crd_oracle_reads_traefik_and_cert_manager_rules() -> None:
    """The checks are not vacuous: a route kind Traefik does not have, a sticky cookie field it
    does not know, a service without a name, a Certificate without an issuer are refused."""
    route = route_of(golden("sticky"))
    assert crds.problems(route) == []
    bad_kind = yaml.safe_load(yaml.safe_dump(route))
    bad_kind["spec"]["routes"][0]["kind"] = "Match"
    assert crds.problems(bad_kind)
    unknown = yaml.safe_load(yaml.safe_dump(route))
    unknown["spec"]["routes"][0]["services"][0]["sticky"]["cookie"]["ttl"] = 60
    assert crds.problems(unknown)
    nameless = yaml.safe_load(yaml.safe_dump(route))
    del nameless["spec"]["routes"][0]["services"][0]["name"]
    assert crds.problems(nameless)
    certificate = golden("cert-manager")[-1]
    assert certificate["kind"] == "Certificate" and crds.problems(certificate) == []
    del certificate["spec"]["issuerRef"]
    assert crds.problems(certificate)


def test_the_route_matches_the_path_and_below_it_on_the_entry_point() -> None:
    plain = golden("plain")
    assert [d["kind"] for d in plain] == ["Deployment", "Service", "IngressRoute"]
    service, route = plain[1:]
    assert "appProtocol" not in service["spec"]["ports"][0]
    assert route["apiVersion"] == "traefik.io/v1alpha1"
    assert route["spec"] == {
        "entryPoints": ["web"],
        "routes": [
            {
                "match": "Host(`test.example.com`) && PathPrefix(`/`)",
                "kind": "Rule",
                "services": [{"name": "websocket-server", "port": 3000}],
            }
        ],
    }
    secret = route_of(golden("secret"))
    assert secret["spec"]["entryPoints"] == ["websecure"]
    match = secret["spec"]["routes"][0]["match"]
    assert match == "Host(`chat.example.com`) && (Path(`/ws`) || PathPrefix(`/ws/`))"
    assert secret["spec"]["tls"] == {"secretName": "chat-cert"}
    # a trailing slash matches the same paths; a Service port 443 would make Traefik speak HTTPS
    given = route_of(golden("entry-point"))
    assert given["spec"]["entryPoints"] == ["ws-public"]
    (rule,) = given["spec"]["routes"]
    assert rule["match"] == "Host(`chat.example.com`) && (Path(`/ws`) || PathPrefix(`/ws/`))"
    assert rule["services"] == [{"name": "chat", "port": 443, "scheme": "http"}]


def test_sticky_is_a_cookie_on_the_service_and_a_wildcard_is_one_label() -> None:
    route = route_of(golden("sticky"))
    (rule,) = route["spec"]["routes"]
    # an Ingress wildcard matches one label; Host() takes wildcards only from Traefik v3.7 on
    assert (
        rule["match"] == "HostRegexp(`^[a-z0-9-]+\\.chat\\.example\\.com\\.?$`) && PathPrefix(`/`)"
    )
    # below chat.example.com's own route: the length of "Host(`*.chat.example.com`) && ..." - 1
    assert rule["priority"] == len("Host(`*.chat.example.com`) && PathPrefix(`/`)") - 1
    assert rule["services"][0]["sticky"] == {
        "cookie": {
            "name": "chat-affinity",
            "httpOnly": True,
            "secure": False,
            "maxAge": STICKY_TTL_SECONDS,
        }
    }


def test_cert_manager_writes_a_certificate_for_the_routes_secret(wsgen) -> None:
    """cert-manager's ingress-shim reads Ingresses and Gateways, not IngressRoutes: the
    Certificate asks for the Secret the route names."""
    objects = golden("cert-manager")
    assert [d["kind"] for d in objects] == ["Deployment", "Service", "IngressRoute", "Certificate"]
    route, certificate = objects[2:]
    assert route["spec"]["tls"] == {"secretName": "chat-tls"}
    assert "annotations" not in route["metadata"]  # no issuer annotation nobody reads
    assert certificate["apiVersion"] == "cert-manager.io/v1"
    assert certificate["spec"] == {
        "secretName": "chat-tls",
        "dnsNames": ["chat.example.com"],
        "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "ca"},
    }
    sticky = wsgen("render", *TARGET, "--tls", "cert-manager", "--issuer", "le", "--sticky")
    cookie = route_of(docs(sticky.out))["spec"]["routes"][0]["services"][0]["sticky"]["cookie"]
    assert cookie["secure"] is True


def test_self_signed_stream_carries_the_secret_the_route_names(wsgen) -> None:
    result = wsgen("render", *TARGET, *CHAT, "--tls", "self-signed")
    assert result.code == 0, result.err
    objects = docs(result.out)
    assert [d["kind"] for d in objects] == ["Deployment", "Service", "Secret", "IngressRoute"]
    secret, route = objects[2:]
    assert (secret["type"], secret["metadata"]["name"]) == ("kubernetes.io/tls", "chat-tls")
    assert route["spec"]["tls"] == {"secretName": "chat-tls"}
    assert route["spec"]["entryPoints"] == ["websecure"]
    assert "a new private key" in result.err_lines[0]
    assert result.err_lines[1:] == [idle_note()]


def test_a_given_timeout_is_accepted_noted_and_kept_in_the_values_file(
    wsgen, hermetic: Path
) -> None:
    default = wsgen("render", *TARGET)
    given = wsgen("render", *TARGET, "--timeout", "10h")
    assert given.code == 0, given.err
    assert given.out == default.out
    assert given.err_lines == [idle_note(36000)]
    assert wsgen("render", *TARGET, "-o", "plain").code == 0
    assert wsgen("render", *TARGET, "--timeout", "10h", "-o", "long").code == 0
    plain = {p.name: p.read_bytes() for p in (hermetic / "plain").iterdir()}
    long = {p.name: p.read_bytes() for p in (hermetic / "long").iterdir()}
    assert [name for name in plain if plain[name] != long[name]] == ["wsgen.yaml"]
    assert yaml.safe_load(long["wsgen.yaml"])["timeout"] == 36000
    again = wsgen("render", "-f", "long/wsgen.yaml", "-o", "long", "--check")
    assert again.code == 0, again.err


def test_the_entry_point_is_recorded_only_when_it_is_not_the_default(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default follows TLS (web, websecure): a folder keeps a given one, and one given
    equal to its default leaves the folder free to follow a later TLS change."""
    assert wsgen("render", *TARGET, "--entrypoint", "web", "-o", "same").code == 0
    assert "entryPoint" not in yaml.safe_load(Path("same/wsgen.yaml").read_text())
    switched = wsgen("render", "-f", "same/wsgen.yaml", "--tls", "secret", "-o", "same", "--force")
    assert switched.code == 0, switched.err
    assert route_of(docs(Path("same/ingressroute.yaml").read_text()))["spec"]["entryPoints"] == [
        "websecure"
    ]
    assert wsgen("render", *TARGET, "--entrypoint", "edge", "-o", "own").code == 0
    assert yaml.safe_load(Path("own/wsgen.yaml").read_text())["entryPoint"] == "edge"
    again = wsgen("render", "-f", "own/wsgen.yaml", "--tls", "secret", "-o", "own", "--force")
    assert again.code == 0, again.err
    assert route_of(docs(Path("own/ingressroute.yaml").read_text()))["spec"]["entryPoints"] == [
        "edge"
    ]
    monkeypatch.setenv("WSGEN_ENTRYPOINT", "edge")
    variable = wsgen("render", *TARGET)
    assert route_of(docs(variable.out))["spec"]["entryPoints"] == ["edge"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--entrypoint", "web.secure"],
         "--entrypoint: 'web.secure' is not a Traefik entry point name (letters, digits, '-' and '_', starting with a letter or digit, at most 63: the name in --entryPoints.NAME.address)"),
        (["--entrypoint", "-web"], "--entrypoint: '-web' is not a Traefik entry point name"),
        (["--entrypoint", "e" * 64], "--entrypoint: "),
        (["--ingress-class", "traefik"],
         "--ingress-class: only used with --target ingress-nginx (the target is 'traefik')"),
        (["--gateway", "shared"],
         "--gateway: --target traefik does not use it (it is for envoy-gateway, nginx-gateway-fabric or istio)"),
        (["--upstream", "127.0.0.1:80"],
         "--upstream: only used with --target nginx (the target is 'traefik')"),
        (["--timeout", "0"], "--timeout: "),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(args: list[str], message: str, wsgen) -> None:
    refused(wsgen("render", *TARGET, *args, "-o", "k8s"), message)


def test_the_entry_point_is_refused_on_other_targets(wsgen, hermetic: Path) -> None:
    result = wsgen("render", "--entrypoint", "web")
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: --entrypoint: only used with --target traefik (the target is "
        "'ingress-nginx')"
    ]
    (hermetic / "wsgen.yaml").write_text("target: envoy-gateway\nentryPoint: web\n")
    from_file = wsgen("render", "-f", "wsgen.yaml")
    assert from_file.code == 2
    assert from_file.err_lines == [
        "wsgen: error: wsgen.yaml: entryPoint: only used with --target traefik (the target is "
        "'envoy-gateway')"
    ]


FOLDERS = {
    **TLS_FOLDERS,
    "sticky": ["--sticky", "--tls", "secret", "--entrypoint", "edge"],
}


@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_folder_builds_validates_and_checks(
    case: str, wsgen, hermetic: Path, tmp_path: Path
) -> None:
    user_pair(hermetic)
    result = wsgen("render", *TARGET, *FOLDERS[case], "-o", "k8s")
    assert result.code == 0, result.err
    assert idle_note() in result.err_lines
    folder = built(wsgen, hermetic / "k8s", tmp_path, "traefik")
    extra = {
        **TLS_FILES,
        "cert-manager": ["certificate.yaml"],
    }.get(case, [])
    assert folder.files == sorted([
        "deployment.yaml", "ingressroute.yaml", "kustomization.yaml", "service.yaml",
        "wsgen.yaml", *extra,
    ])  # fmt: skip
    want = ["Deployment", "IngressRoute", "Service"]
    want += ["Secret"] if case == "self-signed" else []
    want += ["Certificate"] if case == "cert-manager" else []
    assert sorted(d["kind"] for d in folder.objects) == sorted(want)
    crds.check_all(yaml.safe_dump_all(folder.objects))


def test_leaving_cert_manager_or_traefik_names_what_is_left(wsgen) -> None:
    assert (
        wsgen("render", *TARGET, "--tls", "cert-manager", "--issuer", "le", "-o", "k8s").code == 0
    )
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "--tls", "secret", "-o", "k8s", "--force")
    assert result.code == 0, result.err
    assert (
        "wsgen: k8s/certificate.yaml is from an earlier run and no longer used (left in place; "
        "the cluster keeps what it made until: kubectl delete -f k8s/certificate.yaml)"
    ) in result.err_lines
    moved = wsgen(
        "render", "-f", "k8s/wsgen.yaml", "--target", "ingress-nginx", "-o", "k8s", "--force"
    )
    assert moved.code == 0, moved.err
    assert any(
        line.startswith("wsgen: k8s/ingressroute.yaml is from an earlier run and no longer used")
        for line in moved.err_lines
    ), moved.err
    assert Path("k8s/ingress.yaml").is_file()


def test_the_example_is_up_to_date(wsgen) -> None:
    folder = EXAMPLES / "traefik"
    result = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert result.code == 0, result.err
    assert result.err_lines == [idle_note(), f"wsgen: {folder}: up to date (6 files)"]
    assert (folder / "certificate.yaml").is_file()


@pytest.mark.parametrize(("tls", "entry_point"), [("none", "web"), ("secret", "websecure")])
def test_init_asks_the_entry_point_after_tls_and_no_timeout(
    tls: str, entry_point: str, wsgen, hermetic: Path
) -> None:
    answers: list[str | bool | None] = ["traefik", *[None] * 6, tls]
    if tls == "secret":
        answers.append(None)  # the Secret's name
    asker = Scripted(*answers, None, None, True)
    wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked[0] == "Target"
    common = [question for question in ALL_QUESTIONS if question != "Idle timeout"]
    assert asker.asked[1 : len(common) + 1] == common
    assert asker.asked[-3:] == ["Traefik entry point", "Output folder", asker.asked[-1]]
    assert asker.offered["Traefik entry point"] == entry_point
    assert any(
        "idle policy" in line and "none written (Traefik keeps idle WebSockets open)" in line
        for line in asker.said
    )
    assert "note: " + idle_note().removeprefix("wsgen: ") in asker.said
    rendered = wsgen("render", *TARGET, "--tls", tls, "-o", "rendered")
    assert rendered.code == 0, rendered.err
    for name in ("deployment.yaml", "service.yaml", "ingressroute.yaml", "wsgen.yaml"):
        assert (hermetic / "k8s" / name).read_bytes() == (hermetic / "rendered" / name).read_bytes()
