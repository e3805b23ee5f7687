"""wsgen: Kubernetes manifests for WebSocket services behind NGINX Ingress that stay open."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata only when asked for (start-up time).
    if name == "__version__":
        from importlib.metadata import version

        return version("wsgen")
    raise AttributeError(name)
