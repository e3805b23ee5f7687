"""The canary options as a shell user meets them: odd values from flags, variables and values
files, refused in one clear line (exit 2, nothing written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import refused
from test_init_terminal import CLEAR, answer, finish, spawn

V2 = "ghcr.io/example/chat:v2"


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("cookie", "123", "a number (123)"),
        ("cookie", "yes", "a boolean (true)"),  # YAML 1.1: a cookie named yes is quoted
        ("cookie", "[beta]", "a list"),
        ("header", "on", "a boolean (true)"),
        ("headerValue", "1.5", "a number (1.5)"),  # a version: its digits and '.' are allowed
        ("headerValue", "2001-01-01", "a date (2001-01-01)"),
    ],
)
def test_a_cookie_or_header_that_yaml_reads_as_no_text_is_named_once(
    wsgen, key, value, shown
) -> None:
    header = "" if key == "header" else "  header: X-Canary\n"
    Path("v.yaml").write_text(f"canary:\n  image: {V2}\n{header}  {key}: {value}\n")
    refused(
        wsgen("render", "-f", "v.yaml", "-o", "k8s"),
        f"v.yaml: canary.{key}: {shown} must be a string (quote it in YAML)",
    )


@pytest.mark.parametrize(
    ("flag", "rule"),
    [
        ("--canary-weight", "a canary weight (a whole percentage, 0 to 100)"),
        ("--canary-replicas", "a replica count (a whole number, at least 1)"),
    ],
)
def test_a_number_of_5000_digits_is_refused_in_wsgens_words(wsgen, flag, rule) -> None:
    # Python's int() refuses more than 4300 digits with a message of its own
    refused(
        wsgen("render", "--canary-image", V2, flag, "9" * 5000, "-o", "k8s"),
        f"{flag}: text of 5000 characters is not {rule}",
    )


def test_a_canary_upstream_port_of_5000_digits_is_refused_in_wsgens_words(wsgen) -> None:
    upstream = "10.0.0.2:" + "9" * 5000
    refused(
        wsgen("render", "--target", "nginx", "--canary-upstream", upstream, "-o", "nginx"),
        "--canary-upstream: text of 5000 characters is not a port number (1-65535)",
        out="nginx",
    )


def test_a_timeout_of_5000_digits_is_refused_in_wsgens_words(wsgen) -> None:
    refused(
        wsgen("render", "--canary-image", V2, "--timeout", "9" * 5000, "-o", "k8s"),
        "--timeout: text of 5000 characters is not a timeout",
    )


def test_init_refuses_at_its_prompt_an_answer_the_canary_given_cannot_take(hermetic: Path) -> None:
    """With --canary-image given, a typed app name of 57 characters (the canary's name would be
    64) and a typed image equal to the canary's are refused at their prompt, where they can be
    typed again, not after every other question."""
    flags = (
        f"--canary-image {V2} --namespace default --port 3000 --host chat.example.com --path / "
        "--timeout 3600 --tls none -o k8s"
    )
    child = spawn(flags, hermetic)
    answer(child, "Target")
    answer(child, "App name", "a" * 57)
    child.expect(
        re.escape("at most 56 characters with a canary (its objects are named <name>-canary")
    )
    child.send(CLEAR + "chat\r")
    answer(child, "Container image", V2)
    child.expect(re.escape(f"--canary-image: {V2} is also the main version's image"))
    child.send(CLEAR + "ghcr.io/example/chat:v1\r")
    answer(child, "Cloud load balancer in front")
    child.expect(r"chat-canary \(ghcr.io/example/chat:v2\), 0%")
    answer(child, r"Write 8 file\(s\) to k8s\?", "y")
    assert finish(child) == 0
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert (values["name"], values["image"], values["canary"]["image"]) == (
        "chat", "ghcr.io/example/chat:v1", V2,
    )  # fmt: skip


def test_init_refuses_at_its_prompt_a_backend_that_is_the_canarys(hermetic: Path) -> None:
    flags = (
        "--target nginx --canary-upstream 10.0.0.2:3000 --name chat --port 3000 "
        "--host chat.example.com --path / --timeout 3600 --tls none -o nginx"
    )
    child = spawn(flags, hermetic)
    answer(child, r"Backend \(HOST:PORT\)", "10.0.0.2:3000")
    child.expect(re.escape("--canary-upstream: 10.0.0.2:3000 is also the main backend"))
    child.send(CLEAR + "10.0.0.1:3000\r")
    answer(child, r"Write 2 file\(s\) to nginx\?", "y")
    assert finish(child) == 0
    assert "server 10.0.0.1:3000" in (hermetic / "nginx/nginx.conf").read_text()


def test_after_a_rollback_the_canarys_ingress_is_named_before_its_pods(wsgen) -> None:
    """Deleting the leftovers in the order named must not leave the canary's Ingress sending
    new connections to a canary whose Deployment is gone (503s)."""
    assert wsgen("render", "--canary-image", V2, "--canary-weight", "20", "-o", "k8s").code == 0
    result = wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--no-canary", "--force")
    assert result.code == 0, result.err
    named = [line.split()[1] for line in result.err_lines if "from an earlier run" in line]
    assert named == [
        "k8s/canary-ingress.yaml", "k8s/canary-deployment.yaml", "k8s/canary-service.yaml",
    ]  # fmt: skip
