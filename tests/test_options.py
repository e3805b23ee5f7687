"""Every option: its rule, its one-line error (exit 2, nothing written), and precedence
flag > WSGEN_* environment > values file > default."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wsgen import model


def docs(text: str) -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all(text)}


def ingress_annotations(text: str) -> dict[str, str]:
    return docs(text)["Ingress"]["metadata"]["annotations"]


BAD = [
    (["--name", "Web_Socket"], "--name: 'Web_Socket' is not a valid name (RFC 1035 label"),
    (["--name", "1st"], "--name: '1st' is not a valid name"),
    (["--name", "a" * 64], "is not a valid name"),
    (["--namespace", "Prod"], "--namespace: 'Prod' is not a valid DNS label"),
    (["-n", "-x"], "--namespace: '-x' is not a valid DNS label"),
    (["--image", "nginx latest"], "--image: 'nginx latest' is not an image reference"),
    (["--image", ""], "--image: '' is not an image reference"),
    (["--port", "0"], "--port: 0 is out of range for a port number (1-65535)"),
    (["--port", "65536"], "--port: 65536 is out of range"),
    (["--port", "http"], "--port: 'http' is not a port number (1-65535)"),
    (["--port", "-1"], "--port: '-1' is not a port number"),
    (["--replicas", "0"], "--replicas: 0 is out of range for a replica count"),
    (["--env", "NOVALUE"], "--env: 'NOVALUE' must be KEY=VALUE"),
    (["--env", "1X=a"], "--env: '1X' is not a valid environment variable name"),
    (["--env", "A=1", "--env", "A=2"], "--env: 'A' is given twice"),
    (["--host", "Bad_Host"], "--host: 'Bad_Host' is not a valid host (RFC 1123 DNS name"),
    (["--host", "10.0.0.1"], "--host: '10.0.0.1' is an IP address"),
    (["--host", "a.*.example.com"], "--host: 'a.*.example.com' is not a valid host"),
    (["--host", "*.com."], "is not a valid host"),
    (["--path", "ws"], "--path: 'ws' is not a valid path (starts with '/'"),
    (["--path", "/ws$"], "--path: '/ws$' is not a valid path"),
    (["--path", "/a//b"], "--path: '/a//b' is not a valid path (no '//'"),
    (["--path", "/./x"], "no '.' or '..' segment"),
    (["--path", "/ws/.."], "no '.' or '..' segment"),
    (["--path", "/."], "no '.' or '..' segment"),
    (["--ingress-class", "Nginx"], "--ingress-class: 'Nginx' is not a valid DNS name"),
    (["--timeout", "0"], "--timeout: '0' is out of range for a timeout"),
    (
        ["--timeout", "1d"],
        "--timeout: '1d' is not a timeout (whole seconds, or a duration such as 90s, 60m, 1h, 1h30m",
    ),
    (["--timeout", "99999999"], "--timeout: '99999999' is out of range"),
    (["--timeout", ""], "--timeout: '' is not a timeout"),
    (
        ["--tls", "on"],
        "--tls: 'on' is not a TLS mode (one of: none, self-signed, secret, files, cert-manager)",
    ),
    (
        ["--tls-secret", "x"],
        "--tls-secret: only used with --tls secret or self-signed or files or cert-manager (the TLS mode is 'none')",
    ),
    (["--tls", "secret", "--tls-secret", "Bad"], "--tls-secret: 'Bad' is not a valid DNS name"),
    (
        ["--tls", "files"],
        "--cert (values key tls.cert): required with --tls files (TLS mode from --tls)",
    ),
    (
        ["--tls", "files", "--cert", "a.crt"],
        "--key (values key tls.key): required with --tls files",
    ),
    (["--tls", "secret", "--cert", "a.crt"], "--cert: only used with --tls files"),
    (
        ["--tls", "self-signed", "--days", "0"],
        "--days: 0 is out of range for a number of days (1-3650)",
    ),
    (["--tls", "secret", "--days", "30"], "--days: only used with --tls self-signed"),
    (
        ["--tls", "cert-manager"],
        "--issuer (values key tls.issuer): required with --tls cert-manager",
    ),
    (
        ["--tls", "cert-manager", "--issuer", "le", "--issuer-kind", "Cluster"],
        "--issuer-kind: 'Cluster' is not an issuer kind (one of: ClusterIssuer, Issuer)",
    ),
    (["--issuer", "le"], "--issuer: only used with --tls cert-manager"),
    (["--annotation", "novalue"], "--annotation: 'novalue' must be KEY=VALUE"),
    (["--annotation", "bad key=1"], "--annotation: 'bad key' is not a valid annotation key"),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/proxy-read-timeout=7200"],
        "is written from --timeout; set --timeout instead",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/proxy-send-timeout=7200"],
        "is written from --timeout",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/websocket-services=ws"],
        "'nginx.ingress.kubernetes.io/websocket-services' is not an ingress-nginx annotation",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/proxy_read_timeout=1"],
        "write proxy-read-timeout (hyphens, not underscores)",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/configuration-snippet=more_set_headers x"],
        "is a snippet (risk Critical)",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/server-snippet=x"],
        "is a snippet (risk Critical)",
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/connection-proxy-header=keep-alive"],
        "breaks every WebSocket handshake",
    ),
    (["--annotation", "nginx.ingress.kubernetes.io/proxy-http-version=1.0"], 'must be "1.1"'),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/affinity=Cookie"],
        'must be "cookie" (lower case)',
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/load-balance=least_conn"],
        "is not a balancer ingress-nginx has",
    ),
    (
        ["--annotation", "proxy-body-size=8m"],
        "is ignored by ingress-nginx without its prefix: write nginx.ingress.kubernetes.io/proxy-body-size",
    ),
    (["--annotation", "ingress.kubernetes.io/proxy-body-size=8m"], "without its prefix"),
    (
        ["--annotation", "kubernetes.io/ingress.class=nginx"],
        "wsgen writes spec.ingressClassName (--ingress-class)",
    ),
    (
        ["--tls", "cert-manager", "--issuer", "le", "--annotation", "cert-manager.io/issuer=x"],
        "is written by --tls cert-manager --issuer NAME",
    ),
    (
        ["--annotation", "nginx.org/websocket-services=chat"],
        "belongs to F5's NGINX Ingress Controller; ingress-nginx ignores it",
    ),
    (["--annotation", "nginx.com/x=1"], "belongs to F5's NGINX Ingress Controller"),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/proxy-connect-timeout=1h"],
        'must be whole seconds ("30")',
    ),
    (
        ["--annotation", "nginx.ingress.kubernetes.io/proxy-next-upstream-timeout=5s"],
        "whole seconds",
    ),
    (
        ["--tls", "secret", "--annotation", "cert-manager.io/cluster-issuer=le"],
        "is written by --tls cert-manager --issuer NAME",
    ),
    (["--check"], "--check: only works with --out DIR"),
    (["--force"], "--force: only works with --out DIR"),
    (["--dry-run"], "--dry-run: only works with --out DIR"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_flag_is_one_line_exit_2_nothing_written(
    args: list[str], message: str, wsgen, hermetic: Path
) -> None:
    result = (
        wsgen("render", *args, "-o", "out")
        if "--check" not in args and "--force" not in args and "--dry-run" not in args
        else wsgen("render", *args)
    )
    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("wsgen: error: ")
    assert message in result.err
    assert list(hermetic.iterdir()) == []


GOOD = [
    (["--timeout", "90s"], "90"),
    (["--timeout", "60m"], "3600"),
    (["--timeout", "1h"], "3600"),
    (["--timeout", "1h30m"], "5400"),
    (["--timeout", "2h0m5s"], "7205"),
    (["--timeout", "10800"], "10800"),
    (["--timeout", "1"], "1"),
]


@pytest.mark.parametrize(("args", "seconds"), GOOD)
def test_timeout_forms_render_as_quoted_integer_seconds(
    args: list[str], seconds: str, wsgen
) -> None:
    result = wsgen("render", *args)
    assert result.code == 0, result.err
    assert (
        ingress_annotations(result.out)["nginx.ingress.kubernetes.io/proxy-read-timeout"] == seconds
    )
    assert f'nginx.ingress.kubernetes.io/proxy-send-timeout: "{seconds}"' in result.out


def test_defaults(wsgen) -> None:
    result = wsgen("render")
    assert result.code == 0
    d = docs(result.out)
    assert list(d) == ["Deployment", "Service", "Ingress"]
    container = d["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == model.DEFAULT_IMAGE
    assert container["env"] == [{"name": "BIND_PORT", "value": "3000"}]
    assert container["ports"] == [{"name": "ws", "containerPort": 3000}]
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "100Mi"},
        "limits": {"cpu": "1000m", "memory": "1000Mi"},
    }
    assert container["readinessProbe"]["tcpSocket"] == {"port": "ws"}
    assert d["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 120
    assert d["Service"]["spec"]["ports"] == [
        {"name": "ws", "protocol": "TCP", "port": 3000, "targetPort": 3000}
    ]
    assert d["Service"]["spec"]["type"] == "ClusterIP"
    spec = d["Ingress"]["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert "tls" not in spec
    rule = spec["rules"][0]
    assert rule["host"] == "test.example.com"
    assert rule["http"]["paths"][0]["path"] == "/"
    assert rule["http"]["paths"][0]["pathType"] == "Prefix"
    assert ingress_annotations(result.out) == {
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
        "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    }
    for forbidden in ("creationTimestamp", "status:", "resources: {}", "snippet"):
        assert forbidden not in result.out


def test_selector_matches_pod_labels_and_service_selects_them(wsgen) -> None:
    d = docs(wsgen("render", "--name", "chat").out)
    pod_labels = d["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert d["Deployment"]["spec"]["selector"]["matchLabels"] == pod_labels
    assert d["Service"]["spec"]["selector"] == pod_labels == {"app.kubernetes.io/name": "chat"}


def test_bind_port_follows_port_only_with_the_default_image(wsgen) -> None:
    def env(out: str) -> object:
        return docs(out)["Deployment"]["spec"]["template"]["spec"]["containers"][0].get("env")

    assert env(wsgen("render", "--port", "8080").out) == [{"name": "BIND_PORT", "value": "8080"}]
    assert env(wsgen("render", "--port", "8080", "--env", "BIND_PORT=9000").out) == [
        {"name": "BIND_PORT", "value": "9000"}
    ]
    assert env(wsgen("render", "--image", "me/app:1", "--port", "8080").out) is None
    assert env(wsgen("render", "--image", "me/app:1", "--env", "A=1").out) == [
        {"name": "A", "value": "1"}
    ]


def test_tls_secret_defaults_to_name_tls(wsgen) -> None:
    spec = docs(wsgen("render", "--name", "chat", "--tls", "secret").out)["Ingress"]["spec"]
    assert spec["tls"] == [{"hosts": ["test.example.com"], "secretName": "chat-tls"}]


def test_cert_manager_annotation_by_kind(wsgen) -> None:
    cluster = ingress_annotations(wsgen("render", "--tls", "cert-manager", "--issuer", "le").out)
    assert cluster["cert-manager.io/cluster-issuer"] == "le"
    namespaced = ingress_annotations(
        wsgen("render", "--tls", "cert-manager", "--issuer", "le", "--issuer-kind", "Issuer").out
    )
    assert namespaced["cert-manager.io/issuer"] == "le"
    assert "cert-manager.io/cluster-issuer" not in namespaced


def test_dry_run_and_check_together_is_bad_input(wsgen, hermetic: Path) -> None:
    result = wsgen("render", "-o", "k8s", "--dry-run", "--check")
    assert (result.code, result.err_lines) == (
        2,
        ["wsgen: error: --dry-run and --check: give one (--check has the exit code CI needs)"],
    )


def test_accepted_annotations_and_hosts(wsgen) -> None:
    result = wsgen(
        "render",
        "--host", "999.1.1.1",
        "--annotation", "nginx.ingress.kubernetes.io/session-cookie-partitioned=true",
        "--annotation", "nginx.ingress.kubernetes.io/proxy-connect-timeout=30",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert (
        ingress_annotations(result.out)["nginx.ingress.kubernetes.io/session-cookie-partitioned"]
        == "true"
    )


def test_extra_annotations_are_kept_as_strings(wsgen) -> None:
    out = wsgen(
        "render",
        "--annotation",
        "nginx.ingress.kubernetes.io/proxy-body-size=8m",
        "--annotation",
        "example.com/flag=true",
        "--annotation",
        "example.com/n=010",
    ).out
    annotations = ingress_annotations(out)
    assert annotations["example.com/flag"] == "true"
    assert annotations["example.com/n"] == "010"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "8m"


# --------------------------------------------------------------------------- precedence


def write_values(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def host_of(out: str) -> str:
    return docs(out)["Ingress"]["spec"]["rules"][0]["host"]


def test_precedence_flag_over_env_over_values_over_default(
    wsgen, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    values = write_values(hermetic / "v.yaml", "host: from-values.example.com\n")
    assert host_of(wsgen("render").out) == "test.example.com"
    assert host_of(wsgen("render", "-f", str(values)).out) == "from-values.example.com"
    monkeypatch.setenv("WSGEN_HOST", "from-env.example.com")
    assert host_of(wsgen("render", "-f", str(values)).out) == "from-env.example.com"
    assert (
        host_of(wsgen("render", "-f", str(values), "--host", "from-flag.example.com").out)
        == "from-flag.example.com"
    )


def test_every_option_has_an_environment_variable(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "WSGEN_NAME": "chat", "WSGEN_NAMESPACE": "team", "WSGEN_IMAGE": "me/chat:1",
        "WSGEN_PORT": "8080", "WSGEN_REPLICAS": "2", "WSGEN_ENV": "A=1\nB=two words",
        "WSGEN_HOST": "chat.example.com", "WSGEN_PATH": "/ws", "WSGEN_INGRESS_CLASS": "public",
        "WSGEN_TIMEOUT": "2h", "WSGEN_TLS": "cert-manager", "WSGEN_TLS_SECRET": "chat-cert",
        "WSGEN_ISSUER": "le", "WSGEN_ISSUER_KIND": "Issuer",
        "WSGEN_ANNOTATION": "example.com/a=1\nexample.com/b=2",
    }  # fmt: skip
    # WSGEN_CERT, WSGEN_KEY and WSGEN_DAYS: test_out_and_tls_files_from_the_environment;
    # WSGEN_ALLOW_EXPIRED: test_tls.py
    # the nginx target's: test_nginx_target.py
    assert {o.env for o in model.options().values()} - set(env) == {
        "WSGEN_CERT", "WSGEN_KEY", "WSGEN_DAYS", "WSGEN_ALLOW_EXPIRED",
        "WSGEN_TARGET", "WSGEN_UPSTREAM", "WSGEN_LISTEN", "WSGEN_REDIRECT_FROM", "WSGEN_STICKY",
        "WSGEN_GATEWAY", "WSGEN_GATEWAY_NAMESPACE", "WSGEN_GATEWAY_CLASS",
        "WSGEN_ENTRYPOINT",  # test_target_traefik.py
        "WSGEN_HTTP_LISTENER_PORT", "WSGEN_HTTPS_LISTENER_PORT",  # test_target_envoy_gateway.py
        "WSGEN_LB_PORTS",  # test_target_loadbalancer.py
        "WSGEN_CLOUD", "WSGEN_LB_ID", "WSGEN_LB_OVERRIDE_LISTENERS", "WSGEN_LB_CERT",
        "WSGEN_LB_TIMEOUT",  # test_cloud.py, test_target_loadbalancer.py
        "WSGEN_CERTIFICATE_ARN", "WSGEN_ALB_SCHEME", "WSGEN_HEALTH_PATH",  # test_target_aws_alb.py
        "WSGEN_CANARY_IMAGE", "WSGEN_CANARY_REPLICAS", "WSGEN_CANARY_WEIGHT", "WSGEN_CANARY_COOKIE",
        "WSGEN_CANARY_HEADER", "WSGEN_CANARY_HEADER_VALUE", "WSGEN_NO_CANARY",  # test_canary.py
        # test_nginx_canary.py::test_the_canary_options_from_the_environment
        "WSGEN_CANARY_UPSTREAM",
    }  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = wsgen("render")
    assert result.code == 0, result.err
    d = docs(result.out)
    container = d["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert d["Deployment"]["metadata"]["namespace"] == "team"
    assert d["Deployment"]["spec"]["replicas"] == 2
    assert container["image"] == "me/chat:1"
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two words"}]
    assert d["Service"]["spec"]["ports"][0]["port"] == 8080
    ingress = d["Ingress"]
    assert ingress["spec"]["ingressClassName"] == "public"
    assert ingress["spec"]["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-cert"}]
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/ws"
    assert ingress["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "7200",
        "nginx.ingress.kubernetes.io/proxy-send-timeout": "7200",
        "cert-manager.io/issuer": "le",
        "example.com/a": "1",
        "example.com/b": "2",
    }


def test_env_errors_name_the_variable(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGEN_TIMEOUT", "forever")
    result = wsgen("render")
    assert result.code == 2
    assert result.err_lines == [
        "wsgen: error: WSGEN_TIMEOUT: 'forever' is not a timeout (whole seconds, or a duration such as 90s, 60m, 1h, 1h30m; 1 to 2147483 seconds)"
    ]


def test_empty_environment_variable_counts_as_unset(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGEN_HOST", "")
    assert host_of(wsgen("render").out) == "test.example.com"


def test_mappings_merge_by_key_across_layers(
    wsgen, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    values = write_values(
        hermetic / "v.yaml", "image: me/app:1\nenv:\n  A: from-values\n  B: from-values\n"
    )
    monkeypatch.setenv("WSGEN_ENV", "B=from-env\nC=from-env")
    out = wsgen("render", "-f", str(values), "--env", "C=from-flag").out
    env = docs(out)["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [
        {"name": "A", "value": "from-values"},
        {"name": "B", "value": "from-env"},
        {"name": "C", "value": "from-flag"},
    ]


def test_empty_mappings_in_a_values_file_are_empty(wsgen, hermetic: Path) -> None:
    write_values(hermetic / "v.yaml", "env:\nannotations:\ntls:\n")
    assert wsgen("render", "-f", "v.yaml").out == wsgen("render").out


def test_out_and_tls_files_from_the_environment(
    wsgen, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    from test_tls import make_pair

    cert, key = make_pair(["test.example.com"], hermetic)
    for name, value in {
        "WSGEN_OUT": "k8s",
        "WSGEN_TLS": "files",
        "WSGEN_CERT": str(cert),
        "WSGEN_KEY": str(key),
    }.items():
        monkeypatch.setenv(name, value)
    result = wsgen("render")
    assert result.code == 0, result.err
    assert result.out == ""
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["cert"] == str(cert)
    monkeypatch.setenv("WSGEN_TLS", "self-signed")
    monkeypatch.delenv("WSGEN_CERT")
    monkeypatch.delenv("WSGEN_KEY")
    monkeypatch.setenv("WSGEN_DAYS", "7")
    assert wsgen("render", "--force").code == 0
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["days"] == 7


def test_values_env_var_names_the_file(
    wsgen, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    write_values(hermetic / "v.yaml", "port: 8081\n")
    monkeypatch.setenv("WSGEN_VALUES", "v.yaml")
    assert docs(wsgen("render").out)["Service"]["spec"]["ports"][0]["port"] == 8081


# --------------------------------------------------------------------------- values files

BAD_VALUES = [
    # PyYAML's words ("but found another document") said as the rule
    (
        "name: chat\n---\nname: other\n",
        "--values: v.yaml: line 2, column 1: a second document (---): a values file holds one",
    ),
    ("hots: a.example.com\n", "v.yaml: hots: unknown key (did you mean 'host'?)"),
    ("tls:\n  mod: secret\n", "v.yaml: tls.mod: unknown key (did you mean 'mode'?)"),
    ("tls: secret\n", "v.yaml: tls: must be a mapping"),
    ("- a\n- b\n", "--values: v.yaml: must be a YAML mapping of keys to values"),
    (
        "port: 80\nport: 81\n",
        "--values: v.yaml: line 2, column 1: the key 'port' appears twice (first on line 1)",
    ),
    ("host: [a\n", "--values: v.yaml: line 2, column 1:"),
    ("port: yes\n", "v.yaml: port: a boolean (true) is not a port number"),
    ("port: 80.5\n", "v.yaml: port: a number (80.5) is not a port number"),
    ("host: 12\n", "v.yaml: host: a number (12) must be a string"),
    ("env: [A=1]\n", "v.yaml: env: must be a mapping of KEY: VALUE"),
    ("env:\n  A: true\n", "v.yaml: env.A: a boolean (true) must be a string (quote it in YAML)"),
    ("env:\n  ON: x\n", "v.yaml: env: a key is a boolean (true), not a string (quote it)"),
    (
        "annotations:\n  example.com/x: [1]\n",
        "v.yaml: annotations.example.com/x: a list must be a string",
    ),
    ("timeout: 3600s5\n", "v.yaml: timeout: '3600s5' is not a timeout"),
    ("host:\n", "v.yaml: host: has no value (give one, or remove the key)"),
    ("tls:\n  mode:\n", "v.yaml: tls.mode: has no value"),
]


@pytest.mark.parametrize(("text", "message"), BAD_VALUES, ids=[t for t, _ in BAD_VALUES])
def test_bad_values_file(text: str, message: str, wsgen, hermetic: Path) -> None:
    write_values(hermetic / "v.yaml", text)
    result = wsgen("render", "-f", "v.yaml", "-o", "out")
    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert message in result.err
    assert not (hermetic / "out").exists()


def test_values_file_missing_or_folder(wsgen, hermetic: Path) -> None:
    missing = wsgen("render", "-f", "nope.yaml")
    assert (missing.code, missing.err_lines) == (
        2,
        ["wsgen: error: --values: nope.yaml: no such file"],
    )
    (hermetic / "dir").mkdir()
    folder = wsgen("render", "-f", "dir")
    assert (folder.code, folder.err_lines) == (
        2,
        ["wsgen: error: --values: dir: is a folder, not a file"],
    )


def test_values_file_binary(wsgen, hermetic: Path) -> None:
    (hermetic / "v.yaml").write_bytes(b"\xff\xfe\x00garbage")
    result = wsgen("render", "-f", "v.yaml")
    assert (result.code, result.err_lines) == (
        2,
        ["wsgen: error: --values: v.yaml: not UTF-8 text"],
    )


def test_empty_values_file_gives_defaults(wsgen, hermetic: Path) -> None:
    write_values(hermetic / "v.yaml", "# nothing yet\n")
    assert wsgen("render", "-f", "v.yaml").out == wsgen("render").out


def test_values_file_numbers_and_strings(wsgen, hermetic: Path) -> None:
    write_values(hermetic / "v.yaml", 'port: "8080"\ntimeout: 7200\nenv:\n  N: 3\nimage: a/b:1\n')
    d = docs(wsgen("render", "-f", "v.yaml").out)
    assert d["Service"]["spec"]["ports"][0]["port"] == 8080
    assert d["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "N", "value": "3"}
    ]
    assert (
        d["Ingress"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
        == "7200"
    )


# Every YAML type a values file can hold, named in YAML's words (never Python's repr).
YAML_TYPES = [
    ("port: true\n", "v.yaml: port: a boolean (true) is not a port number (1-65535)"),
    ("port: no\n", "v.yaml: port: a boolean (false) is not a port number (1-65535)"),
    ("name: 2001-01-01\n", "v.yaml: name: a date (2001-01-01) must be a string"),
    (
        "name: 2001-12-14 21:59:43\n",
        "v.yaml: name: a date and time (2001-12-14T21:59:43) must be a string",
    ),
    ("image: !!binary aGVsbG8=\n", "v.yaml: image: binary data (!!binary) must be a string"),
    ("host: [a, b]\n", "v.yaml: host: a list must be a string"),
    ("host: {a: b}\n", "v.yaml: host: a mapping must be a string"),
    ("path: 12\n", "v.yaml: path: a number (12) must be a string"),
    ("port: 1.5\n", "v.yaml: port: a number (1.5) is not a port number (1-65535)"),
    ("timeout: .inf\n", "v.yaml: timeout: a number (.inf) is not a timeout"),
    ("port: .nan\n", "v.yaml: port: a number (.nan) is not a port number"),
    ("env:\n  A: null\n", "v.yaml: env.A: null (an empty value) must be a string"),
    ("env:\n  A: 2001-01-01\n", "v.yaml: env.A: a date (2001-01-01) must be a string"),
    ("env:\n  A: !!binary aGVsbG8=\n", "v.yaml: env.A: binary data (!!binary) must be a string"),
    ("env:\n  A: !!set {a}\n", "v.yaml: env.A: a set (!!set) must be a string"),
    ("annotations:\n  a/b: {c: d}\n", "v.yaml: annotations.a/b: a mapping must be a string"),
    ("env:\n  2001-01-01: x\n", "v.yaml: env: a key is a date (2001-01-01), not a string"),
    ("2001-01-01: x\n", "v.yaml: a date (2001-01-01): unknown key"),
    ("tls:\n  mode: true\n", "v.yaml: tls.mode: a boolean (true) must be a string"),
    ("tls:\n  mode: files\n  cert: 12\n  key: k\n", "v.yaml: tls.cert: a number (12) must be"),
]


@pytest.mark.parametrize(("text", "message"), YAML_TYPES, ids=[t for t, _ in YAML_TYPES])
def test_values_file_types_in_yamls_words(text: str, message: str, wsgen, hermetic: Path) -> None:
    write_values(hermetic / "v.yaml", text)
    result = wsgen("render", "-f", "v.yaml")
    assert (result.code, result.out) == (2, "")
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(f"wsgen: error: {message}"), result.err
    for python in ("True", "False", "datetime", "b'", "bytes", "None", "inf", "nan", "{'", "["):
        assert python not in result.err.replace("(.inf)", "").replace("(.nan)", ""), result.err


def test_sticky_writes_cookie_affinity_for_ingress_nginx(wsgen) -> None:
    """--sticky: ingress-nginx's cookie affinity (lower-case "cookie": "Cookie" turns it off),
    kept in wsgen.yaml; the annotations it writes cannot also be given by hand."""
    result = wsgen("render", "--name", "chat", "--sticky", "-o", "k8s")
    assert result.code == 0, result.err
    ingress = yaml.safe_load(Path("k8s/ingress.yaml").read_text())
    annotations = ingress["metadata"]["annotations"]
    assert {k: v for k, v in annotations.items() if "affinity" in k or "cookie" in k} == {
        "nginx.ingress.kubernetes.io/affinity": "cookie",
        "nginx.ingress.kubernetes.io/session-cookie-name": "chat-affinity",
        "nginx.ingress.kubernetes.io/session-cookie-max-age": "86400",
    }
    assert yaml.safe_load(Path("k8s/wsgen.yaml").read_text())["sticky"] is True
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0
    plain = wsgen("render", "--name", "chat")
    assert "affinity" not in plain.out
    clash = wsgen(
        "render", "--sticky", "--annotation", "nginx.ingress.kubernetes.io/affinity=cookie"
    )
    assert clash.code == 2
    assert clash.err_lines == [
        "wsgen: error: --annotation: 'nginx.ingress.kubernetes.io/affinity' is written by --sticky"
    ]


def test_sticky_from_the_environment(wsgen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGEN_STICKY", "true")
    assert 'affinity: "cookie"' in wsgen("render").out
    monkeypatch.setenv("WSGEN_STICKY", "0")
    assert "affinity" not in wsgen("render").out
