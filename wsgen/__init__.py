"""wsgen: Kubernetes manifests for WebSocket services behind NGINX Ingress that stay open."""

# Nothing imported here: the console script imports this package before wsgen.__main__ can
# catch a Ctrl-C, so it must take no time (no `from __future__`, which is a module to load).


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata only when asked for (start-up time).
    if name == "__version__":
        from importlib.metadata import version

        return version("wsgen")
    raise AttributeError(name)
