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
