"""The canary options as a shell user meets them: odd values from flags, variables and values
files, refused in one clear line (exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import refused

V2 = "ghcr.io/example/chat:v2"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("123", "a number (123)"), ("true", "a boolean (true)"), ("[beta]", "a list")],
)
def test_a_cookie_name_that_is_not_text_is_named_once(wsgen, value, shown) -> None:
    Path("v.yaml").write_text(f"canary:\n  image: {V2}\n  cookie: {value}\n")
    refused(
        wsgen("render", "-f", "v.yaml", "-o", "k8s"),
        f"v.yaml: canary.cookie: {shown} is not a cookie name wsgen routes by",
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
