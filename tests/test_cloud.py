"""--cloud: the load balancer in front of the cluster's proxy. The arithmetic per provider (a
requested idle time above its ceiling gives the ceiling, one stderr line and the ping interval;
one inside gives exactly the request), where each target puts the annotations (the chart's
values for the controller's Service; Gateway.spec.infrastructure.annotations, checked against
the Gateway API CRDs), the existing load balancer, the certificate it holds, the refusals, the
values file round trip and init."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

import crds
from conftest import GOLDEN, matches_golden, refused, wsgen_exe
from test_init_terminal import answer, finish, spawn
from test_kubernetes import check_stream
from test_target_istio import docs
from test_tls import make_pair
from test_wizard import Scripted, run
from wsgen import cloud

ALIBABA = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
HUAWEI = "kubernetes.io/elb."
AZURE_IDLE = "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout"
DO = "service.beta.kubernetes.io/do-loadbalancer-"
ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
DO_CERT = "01234567-89ab-cdef-0123-456789abcdef"
CLOUD_GOLDEN = GOLDEN / "cloud"


def chart_values(wsgen, *args: str, target: str = "ingress-nginx") -> tuple[dict, list[str]]:
    """The chart values wsgen writes for the controller's Service, and stderr."""
    result = wsgen("render", "--target", target, *args, "-o", "k8s")
    assert result.code == 0, result.err
    values = yaml.safe_load(Path(f"k8s/{target}-values.yaml").read_text())
    return values, result.err_lines


def service_annotations(values: dict) -> dict[str, str]:
    return values.get("controller", values)["service"]["annotations"]


def capped(provider: str, what: str, ceiling: str, asked: int, ping: int, url: str) -> str:
    amount = ceiling.split(" (")[0]
    return (
        f"wsgen: --cloud {provider}: the {what}'s idle timeout is at most {ceiling}: set to "
        f"{amount}, not the {asked} s asked; the app must send a WebSocket ping at least "
        f"every {ping} s (check: wsgen probe --ping-interval {ping} {url})"
    )


# provider (with what it needs), the annotation, a request above the ceiling -> what is written
# and the note's words, a request inside -> what is written
ARITHMETIC = {
    "alibaba": (
        [], ALIBABA + "established-timeout",
        (3600, "900", "Alibaba CLB TCP listener", "900 s (range 10-900 s)"), (600, "600"),
    ),
    "alibaba-nlb": (
        ["--lb-id", "nlb-abc123", "--lb-override-listeners"], ALIBABA + "idle-timeout",
        (3600, "900", "Alibaba NLB TCP listener", "900 s (range 10-900 s)"), (899, "899"),
    ),
    "aws": (
        [], AWS + "listener-attributes.TCP-443",
        (7200, "tcp.idle_timeout.seconds=6000", "AWS NLB TCP listener", "6000 s (range 60-6000 s)"),
        (3600, "tcp.idle_timeout.seconds=3600"),
    ),
    "huawei": (
        ["--lb-id", "5ad2b1b2-elb"], HUAWEI + "keepalive_timeout",
        (7200, "4000", "Huawei ELB TCP listener", "4000 s (range 10-4000 s)"), (3600, "3600"),
    ),
    "huawei-shared": (
        ["--lb-id", "elb-1"], HUAWEI + "keepalive_timeout",
        (4001, "4000", "Huawei ELB TCP listener", "4000 s (range 10-4000 s)"), (10, "10"),
    ),
    "huawei-https": (
        ["--lb-id", "elb-1", "--lb-cert", "cert01"], HUAWEI + "keepalive_timeout",
        (4001, "4000", "Huawei ELB HTTP/HTTPS listener", "4000 s (range 10-4000 s)"),
        (4000, "4000"),
    ),
    "azure": (
        [], AZURE_IDLE,
        (7200, "100", "Azure Load Balancer rule", "100 minutes (range 4-100 minutes)"),
        (3600, "60"),
    ),
    "digitalocean": (
        ["--lb-cert", DO_CERT], DO + "http-idle-timeout-seconds",
        (3600, "600", "DigitalOcean HTTPS load balancer", "600 s (range 30-600 s)"), (300, "300"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("provider", sorted(ARITHMETIC))
def test_above_the_ceiling_gives_the_ceiling_the_note_and_the_ping_interval(
    provider: str, wsgen, hermetic: Path
) -> None:
    needs, key, (asked, written, what, ceiling), _inside = ARITHMETIC[provider]
    name = provider.split("-https")[0]
    values, err = chart_values(wsgen, "--cloud", name, *needs, "--timeout", str(asked))
    assert service_annotations(values)[key] == written
    scheme = "wss" if "--lb-cert" in needs else "ws"
    seconds = int(written.rsplit("=", 1)[-1]) * (60 if provider == "azure" else 1)
    line = capped(name, what, ceiling, asked, seconds // 2, f"{scheme}://test.example.com/")
    assert err[0] == line


@pytest.mark.parametrize("provider", sorted(ARITHMETIC))
def test_inside_the_range_gives_exactly_the_request(provider: str, wsgen, hermetic: Path) -> None:
    needs, key, _above, (asked, written) = ARITHMETIC[provider]
    name = provider.split("-https")[0]
    values, err = chart_values(wsgen, "--cloud", name, *needs, "--timeout", str(asked))
    assert service_annotations(values)[key] == written
    assert not [line for line in err if "--cloud" in line]  # nothing to say


def test_the_advised_probe_command_is_one_probe_takes(wsgen, hermetic: Path) -> None:
    """The note's `wsgen probe --ping-interval N URL` is a valid command line: run against a
    closed local port it fails at the TCP step (1), not as bad usage (2)."""
    _values, err = chart_values(wsgen, "--cloud", "alibaba")
    command = err[0].split("(check: ", 1)[1].rstrip(")")
    args = shlex.split(command)
    assert args[:3] == ["wsgen", "probe", "--ping-interval"]
    local = [*args[1:-1], "--resolve", "127.0.0.1", "--step-timeout", "2", "--idle", "1"]
    url = args[-1].replace("test.example.com", "test.example.com:9")  # the discard port: closed
    done = subprocess.run([*wsgen_exe(), *local, url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr


def test_azure_takes_whole_minutes_rounded_up_and_its_floor(wsgen, hermetic: Path) -> None:
    values, err = chart_values(wsgen, "--cloud", "azure", "--timeout", "90")
    assert service_annotations(values)[AZURE_IDLE] == "4"  # the floor: the proxy closes first
    assert not [line for line in err if "--cloud" in line]
    Path("k8s").rename("first")
    values, _err = chart_values(wsgen, "--cloud", "azure", "--timeout", "301")
    assert service_annotations(values)[AZURE_IDLE] == "6"  # 5 min 1 s: the next whole minute


def test_a_timeout_below_the_floor_gives_the_floor(wsgen, hermetic: Path) -> None:
    values, err = chart_values(wsgen, "--cloud", "alibaba", "--timeout", "5")
    assert service_annotations(values)[ALIBABA + "established-timeout"] == "10"
    assert not [line for line in err if "--cloud" in line]


def test_lb_timeout_is_written_exactly_and_its_ping_interval_said(wsgen, hermetic: Path) -> None:
    values, err = chart_values(wsgen, "--cloud", "alibaba", "--lb-timeout", "14m")
    assert service_annotations(values)[ALIBABA + "established-timeout"] == "840"
    # the load balancer (840 s) is the smallest idle timeout on the path: below --timeout
    assert (
        yaml.safe_load(Path("k8s/ingress.yaml").read_text())["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/proxy-read-timeout"
        ]
        == "3600"
    )
    assert err == [
        "wsgen: --cloud alibaba: the Alibaba CLB TCP listener closes an idle connection after "
        "840 s (--lb-timeout), before the 3600 s of --timeout; the app must send a WebSocket "
        "ping at least every 420 s (check: wsgen probe --ping-interval 420 ws://test.example.com/)",
        *err[1:],
    ]
    assert not [line for line in err[1:] if "--cloud" in line]


def test_an_aws_tls_listener_is_fixed_at_350_s(wsgen, hermetic: Path) -> None:
    values, err = chart_values(wsgen, "--cloud", "aws", "--lb-cert", ARN)
    annotations = service_annotations(values)
    assert annotations[AWS + "ssl-cert"] == ARN
    assert annotations[AWS + "ssl-ports"] == "443"
    # port 80 stays a TCP listener with the request; 443, the TLS one, cannot be set
    assert annotations[AWS + "listener-attributes.TCP-80"] == "tcp.idle_timeout.seconds=3600"
    assert AWS + "listener-attributes.TCP-443" not in annotations
    assert err[0] == (
        "wsgen: --cloud aws: the AWS NLB TLS listener's idle timeout is fixed at 350 s, not the "
        "3600 s asked; the app must send a WebSocket ping at least every 175 s (check: wsgen "
        "probe --ping-interval 175 wss://test.example.com/)"
    )
    # the controller's port 443 gets the plain HTTP the load balancer sends on
    assert values["controller"]["service"]["targetPorts"] == {"https": "http"}


def test_the_ping_interval_follows_the_smallest_idle_timeout_on_the_path(
    wsgen, hermetic: Path
) -> None:
    """Alibaba's HTTPS listener holds at most 60 s: the ping is every 30 s, though ingress-nginx
    behind it keeps 3600 s."""
    values, err = chart_values(wsgen, "--cloud", "alibaba", "--lb-cert", "1234567-cn-hangzhou")
    annotations = service_annotations(values)
    assert annotations[ALIBABA + "protocol-port"] == "http:80,https:443"
    assert annotations[ALIBABA + "cert-id"] == "1234567-cn-hangzhou"
    assert annotations[ALIBABA + "idle-timeout"] == "60"
    assert "ping at least every 30 s" in err[0]


@pytest.mark.parametrize(
    ("provider", "what"),
    [("gke", "GKE passthrough Network Load Balancer"),
     ("digitalocean", "DigitalOcean network load balancer")],
)  # fmt: skip
def test_a_load_balancer_without_a_documented_idle_timeout_is_said_and_nothing_is_invented(
    provider: str, what: str, wsgen, hermetic: Path
) -> None:
    result = wsgen("render", "--cloud", provider, "--timeout", "2h", "-o", "k8s")
    assert result.code == 0, result.err
    assert not Path("k8s/ingress-nginx-values.yaml").exists()
    assert (
        f"wsgen: --cloud {provider}: nothing to set on the ingress-nginx controller's Service"
        in result.err_lines
    )
    assert result.err_lines[0] == (
        f"wsgen: --cloud {provider}: nothing documents an idle timeout of the {what}, nor a "
        "setting for one; measure it: wsgen probe --idle 7200 ws://test.example.com/"
    )


def test_an_existing_load_balancer_and_its_listener_switch_are_explicit(
    wsgen, hermetic: Path
) -> None:
    values, _err = chart_values(wsgen, "--cloud", "alibaba", "--lb-id", "lb-bp1abc")
    annotations = service_annotations(values)
    assert annotations[ALIBABA + "id"] == "lb-bp1abc"
    assert annotations[ALIBABA + "force-override-listeners"] == "false"
    Path("k8s").rename("first")
    values, _err = chart_values(
        wsgen, "--cloud", "alibaba", "--lb-id", "lb-bp1abc", "--lb-override-listeners"
    )
    assert service_annotations(values)[ALIBABA + "force-override-listeners"] == "true"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lb-id", "lb-1"], "--lb-id: needs --cloud (the load balancer's provider)"),
        (["--cloud", "ovh"], "--cloud: 'ovh' is not a cloud provider (one of: none, alibaba, "),
        (["--cloud", "aws", "--lb-id", "x"],
         "--lb-id: --cloud aws: the AWS Load Balancer Controller makes its own NLB"),
        (["--cloud", "azure", "--lb-id", "x"],
         "--lb-id: --cloud azure: the Azure cloud provider puts every Service on the cluster's"),
        (["--cloud", "huawei"], "--cloud: --cloud huawei needs --lb-id: CCE puts the Service on"),
        (["--cloud", "alibaba-nlb"], "--cloud: --cloud alibaba-nlb needs --lb-id: a new NLB"),
        (["--cloud", "alibaba", "--lb-override-listeners"],
         "--lb-override-listeners: only with --lb-id"),
        (["--cloud", "huawei", "--lb-id", "e", "--lb-override-listeners"],
         "--lb-override-listeners: --cloud huawei has no such switch"),
        (["--cloud", "aws", "--lb-cert", "arn:aws:iam::123:server-certificate/x"],
         "--lb-cert: 'arn:aws:iam::123:server-certificate/x' is not an ACM certificate ARN"),
        (["--cloud", "azure", "--lb-cert", "x"],
         "--lb-cert: the Azure Load Balancer, by the Azure cloud provider does not end TLS"),
        (["--cloud", "aws", "--lb-cert", ARN, "--tls", "secret"],
         "--lb-cert: the load balancer ends TLS and sends plain HTTP on, so the cluster needs "
         "--tls none (not secret)"),
        (["--cloud", "alibaba", "--lb-id", "lb 1"], "--lb-id: 'lb 1' is not a load balancer ID"),
        # an empty certificate (an unset shell variable) is refused, not taken as none
        (["--cloud", "aws", "--lb-cert", ""], "--lb-cert: '' is not an ACM certificate ARN"),
        (["--cloud", "alibaba", "--lb-timeout", "5"],
         "--lb-timeout: 5 s is outside the Alibaba CLB TCP listener's idle timeout range "
         "(10-900 s; "),
        (["--cloud", "alibaba", "--lb-timeout", "901"],
         "--lb-timeout: 901 s is outside the Alibaba CLB TCP listener's idle timeout range"),
        (["--cloud", "azure", "--lb-timeout", "180"],
         "--lb-timeout: 180 s is outside the Azure Load Balancer rule's idle timeout range "
         "(4-100 minutes; "),
        (["--cloud", "azure", "--lb-timeout", "301"],
         "--lb-timeout: 301 s is not a whole number of minutes"),
        (["--target", "nginx", "--cloud", "alibaba"], "--cloud: --target nginx does not use it"),
        (["--target", "envoy-gateway", "--cloud", "alibaba-nlb", "--lb-id", "n"],
         "--cloud: --cloud alibaba-nlb needs the Gateway's Service to have "
         "spec.loadBalancerClass alibabacloud.com/nlb, which Gateway.spec.infrastructure "
         "cannot set"),
        (["--target", "envoy-gateway", "--cloud", "aws", "--lb-cert", ARN],
         "--lb-cert: the load balancer ends TLS on port 443 and sends plain HTTP on to the same "
         "port of the Gateway, which has no listener there: add --http-listener-port 443"),
    ],
)  # fmt: skip
def test_refusals(args: list[str], message: str, wsgen, hermetic: Path) -> None:
    refused(wsgen("render", *args, "-o", "k8s"), message)


def test_never_a_private_key_as_the_certificate(wsgen, hermetic: Path) -> None:
    _cert, key = make_pair(["chat.example.com"], hermetic)
    pem = key.read_text()
    result = wsgen("render", "--cloud", "alibaba", "--lb-cert", pem, "-o", "k8s")
    assert result.code == 2
    assert "PRIVATE KEY" not in result.err and pem[40:80] not in result.err


def test_chart_values_goldens_and_the_traefik_chart(wsgen, hermetic: Path, update_golden) -> None:
    chart_values(wsgen, "--cloud", "alibaba", "--lb-id", "lb-bp1abc", "--lb-override-listeners")
    text = Path("k8s/ingress-nginx-values.yaml").read_text()
    matches_golden(text, CLOUD_GOLDEN / "ingress-nginx-alibaba.yaml", update_golden)
    Path("k8s").rename("clb")
    values, _err = chart_values(
        wsgen, "--cloud", "alibaba-nlb", "--lb-id", "nlb-1", target="traefik"
    )
    assert values["service"]["loadBalancerClass"] == "alibabacloud.com/nlb"
    assert values["service"]["annotations"][ALIBABA + "idle-timeout"] == "900"
    Path("k8s").rename("nlb")
    values, err = chart_values(wsgen, "--cloud", "aws", "--lb-cert", ARN, target="traefik")
    matches_golden(
        Path("k8s/traefik-values.yaml").read_text(), CLOUD_GOLDEN / "traefik-aws-tls.yaml",
        update_golden,
    )  # fmt: skip
    # the load balancer's 443 sends plain HTTP to the web entry point, where the route is
    assert values["ports"] == {"websecure": {"targetPort": "web"}}
    route = yaml.safe_load(Path("k8s/ingressroute.yaml").read_text())
    assert route["spec"]["entryPoints"] == ["web"]
    assert err[0] == (
        "wsgen: --timeout (3600 s) is not written for Traefik, which keeps an idle WebSocket open "
        "through an IngressRoute: only the load balancer in front limits it"
    )
    # with Traefik, which never closes one, the load balancer alone sets the ping interval
    assert "ping at least every 175 s" in err[1]


def test_the_chart_values_are_not_a_resource_and_the_folder_says_how_to_apply_them(
    wsgen, hermetic: Path
) -> None:
    result = wsgen("render", "--cloud", "aws", "-o", "k8s")
    assert result.code == 0, result.err
    kustomization = yaml.safe_load(Path("k8s/kustomization.yaml").read_text())
    assert "ingress-nginx-values.yaml" not in kustomization["resources"]
    assert result.err_lines[-1] == (
        "wsgen: the load balancer is the ingress-nginx controller's Service, which its Helm "
        "chart owns: helm upgrade ingress-nginx ingress-nginx --repo "
        "https://kubernetes.github.io/ingress-nginx -n ingress-nginx --reuse-values -f "
        "k8s/ingress-nginx-values.yaml (with your release's name, namespace and chart --version)"
    )
    # the folder renders again from itself, --cloud included
    again = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check")
    assert again.code == 0, again.err
    recorded = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert recorded["cloud"] == "aws"
    # without --cloud the chart values are an earlier run's: named, not a cluster object
    Path("k8s/wsgen.yaml").write_text(
        Path("k8s/wsgen.yaml").read_text().replace("cloud: aws\n", "")
    )
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--force")
    assert result.code == 0, result.err
    assert (
        "wsgen: k8s/ingress-nginx-values.yaml is from an earlier run and no longer used (left in "
        "place: delete it if nothing needs it)"
    ) in result.err_lines


def test_a_stream_names_the_annotations_the_controllers_service_needs(wsgen, hermetic) -> None:
    result = wsgen("render", "--cloud", "alibaba", "--timeout", "600")
    assert result.code == 0, result.err
    assert "ingress-nginx-values" not in result.out
    assert result.err_lines == [
        "wsgen: the load balancer is the ingress-nginx controller's Service, which its Helm "
        "chart owns; it needs the annotations "
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-established-timeout=600 (with -o "
        "DIR, wsgen writes them as chart values: ingress-nginx-values.yaml)"
    ]


@pytest.mark.parametrize("target", ["envoy-gateway", "nginx-gateway-fabric", "istio"])
def test_gateway_infrastructure_annotations_pass_the_gateway_api_crd(target: str, wsgen) -> None:
    result = wsgen(
        "render", "--target", target, "--cloud", "aws", "--tls", "secret", "--timeout", "1h",
        "--https-listener-port", "8443",
    )  # fmt: skip
    assert result.code == 0, result.err
    gateway = next(doc for doc in docs(result.out) if doc["kind"] == "Gateway")
    assert gateway["spec"]["infrastructure"]["annotations"] == {
        AWS + "type": "external",
        AWS + "nlb-target-type": "ip",
        AWS + "scheme": "internet-facing",
        AWS + "listener-attributes.TCP-80": "tcp.idle_timeout.seconds=3600",
        AWS + "listener-attributes.TCP-8443": "tcp.idle_timeout.seconds=3600",
    }
    assert crds.problems(gateway) == []
    # the oracle reads the field: a value that is not a string is refused
    bad = yaml.safe_load(yaml.safe_dump(gateway))
    bad["spec"]["infrastructure"]["annotations"][AWS + "type"] = 1
    assert crds.problems(bad)


def test_gateway_with_tls_at_the_load_balancer(wsgen) -> None:
    result = wsgen(
        "render", "--target", "envoy-gateway", "--cloud", "aws", "--lb-cert", ARN,
        "--http-listener-port", "443",
    )  # fmt: skip
    assert result.code == 0, result.err
    gateway = next(doc for doc in docs(result.out) if doc["kind"] == "Gateway")
    assert [(x["protocol"], x["port"]) for x in gateway["spec"]["listeners"]] == [("HTTP", 443)]
    annotations = gateway["spec"]["infrastructure"]["annotations"]
    assert annotations[AWS + "ssl-cert"] == ARN and annotations[AWS + "ssl-ports"] == "443"
    assert crds.problems(gateway) == []
    # Envoy Gateway closes an idle WebSocket after 3600 s; the TLS listener's 350 s is smaller
    assert "ping at least every 175 s" in result.err


def test_an_existing_gateway_gets_what_its_owner_must_add(wsgen) -> None:
    result = wsgen("render", "--target", "envoy-gateway", "--gateway", "edge", "--cloud", "alibaba")
    assert result.code == 0, result.err
    assert "infrastructure" not in result.out
    assert (
        "wsgen: --cloud alibaba: the existing Gateway default/edge is not written here: its "
        "owner must add to its spec.infrastructure.annotations "
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-established-timeout=900 (for "
        "listeners on ports 80 and 443)"
    ) in result.err_lines


def test_init_asks_for_the_load_balancer_and_its_id(hermetic: Path) -> None:
    asker = Scripted(*([None] * 8), "huawei", "elb-42", None, True, cloud=True)
    run(asker)
    assert asker.asked[-4:] == [
        "Cloud load balancer in front",
        "ID of the existing load balancer",
        "Output folder",
        "Write 6 file(s) to k8s?",
    ]
    assert asker.offered["Cloud load balancer in front"] == "none"
    values = yaml.safe_load((hermetic / "k8s/ingress-nginx-values.yaml").read_text())
    assert service_annotations(values) == {
        HUAWEI + "class": "performance",
        HUAWEI + "id": "elb-42",
        HUAWEI + "keepalive_timeout": "3600",
    }
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["lbId"] == "elb-42"
    assert any(
        line.strip().startswith("load balancer  huawei, existing elb-42") for line in asker.said
    )


def test_init_without_a_terminal_leaves_the_cloud_unset(hermetic: Path) -> None:
    run(None, "--host", "a.example.com", defaults=True, out="k8s")
    assert "cloud" not in yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert not (hermetic / "k8s/ingress-nginx-values.yaml").exists()


def test_init_in_a_terminal_choosing_alibaba(hermetic: Path) -> None:
    flags = "--name chat -n team-a --image registry.example.com/chat:2 --port 8080 --host chat.example.com --path /ws --tls none -o k8s"
    child = spawn(flags, hermetic)
    answer(child, "Target")
    answer(child, "Idle timeout", "2h")
    child.expect("Cloud load balancer in front")
    child.expect("Alibaba Cloud CLB")
    child.send("\x1b[B\r")  # none -> alibaba
    child.expect("Summary:")
    child.expect(r"load balancer\s+alibaba")
    child.expect("the app must send a WebSocket ping at least every 450 s")
    answer(child, r"Write 6 file\(s\) to k8s\?")
    assert finish(child) == 0
    values = yaml.safe_load((hermetic / "k8s/ingress-nginx-values.yaml").read_text())
    assert service_annotations(values) == {ALIBABA + "established-timeout": "900"}


def test_an_existing_alibaba_load_balancer_keeps_its_listeners_unless_overridden(
    wsgen, hermetic: Path
) -> None:
    """The cloud controller skips the listeners of an existing load balancer without
    force-override-listeners "true": the idle annotation would not reach them, and wsgen says so."""
    _values, err = chart_values(wsgen, "--cloud", "alibaba", "--lb-id", "lb-1", "--timeout", "600")
    assert err[0] == (
        'wsgen: --cloud alibaba: with --lb-id and force-override-listeners "false", the cloud '
        "controller leaves the existing load balancer's listeners as they are: the idle timeout "
        "above reaches them only with --lb-override-listeners (which replaces them) or when you "
        "set it on them yourself"
    )


@pytest.mark.parametrize(
    ("args", "fixed"),
    [(["--cloud", "alibaba-nlb", "--lb-id", "nlb-1", "--lb-override-listeners"],
      "spec.loadBalancerClass"),
     (["--cloud", "huawei", "--lb-id", "elb-1"], "kubernetes.io/elb.class and kubernetes.io/elb.id")],
)  # fmt: skip
def test_what_cannot_change_on_an_existing_service_is_said(
    args: list[str], fixed: str, wsgen, hermetic: Path
) -> None:
    result = wsgen("render", *args, "-o", "k8s")
    assert result.code == 0, result.err
    assert result.err_lines[-1].endswith(
        f"({fixed} cannot change on an existing Service: on a controller installed before, "
        "delete its Service first, or install it anew)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cloud", "gke", "--lb-timeout", "100"],
         "--lb-timeout: the GKE passthrough Network Load Balancer's idle timeout cannot be set "
         "(nothing documents one)"),
        (["--cloud", "digitalocean", "--lb-timeout", "100"],
         "--lb-timeout: the DigitalOcean network load balancer's idle timeout cannot be set"),
        (["--cloud", "aws", "--lb-cert", ARN, "--lb-timeout", "100"],
         "--lb-timeout: the AWS NLB TLS listener's idle timeout cannot be set (it is fixed at "
         "350 s)"),
        (["--target", "traefik", "--cloud", "alibaba", "--lb-cert", "c-1", "--entrypoint",
          "websecure"],
         "--entrypoint: with --lb-cert the load balancer sends the plain HTTP of its port 443 to "
         "the web entry point"),
        (["--cloud", "aws", "--lb-override-listeners"],
         "--lb-override-listeners: --cloud aws has no such switch"),
    ],
)  # fmt: skip
def test_more_refusals(args: list[str], message: str, wsgen, hermetic: Path) -> None:
    refused(wsgen("render", *args, "-o", "k8s"), message)


def test_cloud_none_takes_a_folder_off_its_load_balancer(wsgen, hermetic: Path) -> None:
    result = wsgen("render", "--cloud", "alibaba", "--lb-id", "lb-1", "--lb-timeout", "600",
                   "-o", "k8s")  # fmt: skip
    assert result.code == 0, result.err
    off = wsgen("render", "-f", "k8s/wsgen.yaml", "--cloud", "none", "-o", "k8s", "--force")
    assert off.code == 0, off.err
    recorded = yaml.safe_load(Path("k8s/wsgen.yaml").read_text())
    assert not {"cloud", "lbId", "lbTimeout"} & set(recorded)
    # but on the same layer, an option of the load balancer without one is refused
    refused(wsgen("render", "--cloud", "none", "--lb-id", "lb-1", "-o", "new"),
            "--lb-id: needs --cloud", out="new")  # fmt: skip


def test_a_false_override_switch_needs_no_load_balancer(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSGEN_LB_OVERRIDE_LISTENERS", "false")
    result = wsgen("render", "--cloud", "alibaba")
    assert result.code == 0, result.err


def test_nothing_behind_closes_sooner_so_a_floor_is_said(wsgen) -> None:
    """Istio closes no idle WebSocket: the floor the load balancer takes is the path's idle
    timeout, and wsgen says so rather than claim the proxy behind closes first."""
    result = wsgen("render", "--target", "istio", "--cloud", "aws", "--timeout", "30")
    assert result.code == 0, result.err
    assert (
        "wsgen: --cloud aws: the AWS NLB TCP listener's idle timeout is at least 60 s (range "
        "60-6000 s): set to 60 s, not the 30 s asked"
    ) in result.err_lines


def test_init_without_a_terminal_names_the_missing_id(hermetic: Path) -> None:
    from wsgen import errors

    with pytest.raises(errors.MissingAnswers, match="--lb-id"):
        run(None, "--cloud", "huawei", "--host", "a.example.com", defaults=True, out="k8s")


def test_init_on_a_gateway_offers_no_provider_its_service_cannot_take(hermetic: Path) -> None:
    asker = Scripted(*([None] * 9), "aws", None, True, cloud=True)
    run(asker, "--target", "envoy-gateway")
    offered = [value for value, _about in asker.choices["Cloud load balancer in front"]]
    assert "alibaba" in offered and "alibaba-nlb" not in offered


# Every provider's annotations on a Service wsgen writes (--target loadbalancer, ports 80 and
# 443, --timeout 2h): golden files, and the Service through Kubernetes' own schema.
PROVIDER_STREAMS = {
    "alibaba": ["--lb-id", "lb-bp1abc", "--lb-override-listeners"],
    "alibaba-nlb": ["--lb-id", "nlb-abc", "--lb-override-listeners"],
    "aws": ["--lb-cert", ARN],
    "huawei": ["--lb-id", "5ad2b1b2-elb", "--lb-cert", "cert01"],
    "huawei-shared": ["--lb-id", "elb-1"],
    "azure": [],
    "digitalocean": ["--lb-cert", DO_CERT],
    "gke": [],
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_STREAMS))
def test_every_providers_service_golden_and_valid(provider: str, wsgen, update_golden) -> None:
    result = wsgen(
        "render", "--target", "loadbalancer", "--name", "chat", "--lb-port", "80",
        "--lb-port", "443", "--timeout", "2h", "--cloud", provider, *PROVIDER_STREAMS[provider],
    )  # fmt: skip
    assert result.code == 0, result.err
    matches_golden(result.out, CLOUD_GOLDEN / f"service-{provider}.yaml", update_golden)
    assert check_stream(result.out) == ["Deployment", "Service"]


def test_every_provider_has_a_golden() -> None:
    assert set(PROVIDER_STREAMS) == set(cloud.PROVIDERS)


def test_an_lb_timeout_below_timeout_states_the_ping_with_nothing_behind(wsgen) -> None:
    """On a Service straight to the pods the load balancer is the path's only idle limit: an
    --lb-timeout below --timeout states the ping interval too."""
    result = wsgen("render", "--target", "loadbalancer", "--cloud", "alibaba", "--lb-timeout", "10")
    assert result.code == 0, result.err
    assert result.err_lines == [
        "wsgen: --cloud alibaba: the Alibaba CLB TCP listener closes an idle connection after "
        "10 s (--lb-timeout), before the 3600 s of --timeout; the app must send a WebSocket ping "
        "at least every 5 s (check: wsgen probe --ping-interval 5 ws://test.example.com/)"
    ]


def test_the_summary_names_the_load_balancer_once(hermetic: Path) -> None:
    """The loadbalancer target's own summary rows name it: init's generic row is not added."""
    asker = Scripted(*([None] * 12), True)
    run(asker, "--target", "loadbalancer", "--cloud", "alibaba")
    rows = [line for line in asker.said if re.match(r"\s+load balancer\s{2}", line)]
    assert len(rows) == 1, asker.said
