"""wsgen init driven by a scripted asker: the questions, their order, re-asking after an invalid
answer, what flags skip, the overwrite confirmation, and the files (equal to render's)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, refused, wsgen_exe
from test_tls import make_pair
from wsgen import errors, model, targets, wizard
from wsgen.targets.base import CLOUD_QUESTION


class Scripted:
    """Answers in order; None takes the offered default. Records what was asked and said."""

    def __init__(self, *answers: str | bool | None, cloud: bool = False) -> None:
        self.answers = list(answers)
        # the cloud question (every Kubernetes target but the cloud's own asks it) takes its
        # default, "none", unseen unless `cloud`: test_cloud.py answers it
        self.cloud = cloud
        self.asked: list[str] = []
        self.errors: list[str] = []
        self.said: list[str] = []
        self.offered: dict[str, object] = {}
        self.choices: dict[str, tuple[tuple[str, str], ...]] = {}  # what each select offered

    def _next(self, message: str, default: object) -> object:
        if message == CLOUD_QUESTION and not self.cloud:
            return default
        assert self.answers, f"no scripted answer left for {message!r}"
        self.asked.append(message)
        self.offered[message] = default
        answer = self.answers.pop(0)
        return default if answer is None else answer

    def text(self, message: str, default: str, validate: wizard.Validate) -> str:
        while True:
            answer = str(self._next(message, default))
            problem = validate(answer)
            if problem is None:
                return answer
            self.errors.append(problem)

    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
        assert default in [value for value, _ in choices]  # questionary refuses another
        self.choices[message] = choices
        answer = str(self._next(message, default))
        assert answer in [value for value, _ in choices]
        return answer

    def confirm(self, message: str, default: bool) -> bool:
        return bool(self._next(message, default))

    def say(self, line: str) -> None:
        self.said.append(line)


def run(
    asker: Scripted | None,
    *flags: str,
    out: str | None = None,
    defaults: bool = False,
    force: bool = False,
):  # type: ignore[no-untyped-def]
    """init with these flags. The Target question, asked first, is answered here with its
    default (ingress-nginx) unless the flags give --target: the scripted answers and `asked`
    start after it (test_target_is_asked_first covers the question itself)."""
    pairs = [flags[i : i + 2] for i in range(0, len(flags), 2)]
    by_key = {o.flag: o.key for o in model.options().values()}
    layer = model.flags_layer({by_key[flag]: value for flag, value in pairs})
    answer_target = asker is not None and "--target" not in flags
    if answer_target:
        asker.answers.insert(0, None)  # type: ignore[union-attr]
    try:
        return wizard.run(
            [(layer, Path.cwd())],
            Path(out) if out else None,
            asker,
            defaults=defaults,
            force=force,
            no_terminal="stdin is not a terminal",
        )
    finally:
        if answer_target and asker is not None and asker.asked[:1] == ["Target"]:
            del asker.asked[0]


ALL_QUESTIONS = [
    "App name",
    "Namespace",
    "Container image",
    "Container port",
    "Host name",
    "Path",
    "Idle timeout",
    "TLS",
]


# Every question answered by a flag except the idle timeout.
# The app's own questions (not host, timeout, TLS) answered by flags.
APP = ("--name", "a", "--namespace", "b", "--image", "c/d:1", "--port", "80", "--path", "/")
ALL_BUT_TIMEOUT = (*APP, "--host", "a.example.com", "--tls", "none")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_asks_everything_in_order_and_writes_what_render_writes(wsgen, hermetic: Path) -> None:
    asker = Scripted(
        None, None, None, None, None, None, None, "secret", "nginx-ingress-tls", "ack", True
    )
    result = run(asker)
    assert asker.asked == [
        *ALL_QUESTIONS,
        "TLS Secret name",
        "Output folder",
        "Write 5 file(s) to ack?",
    ]
    assert asker.offered["App name"] == "websocket-server"
    assert asker.offered["Idle timeout"] == "3600"
    assert asker.offered["TLS Secret name"] == "websocket-server-tls"
    assert asker.offered["Output folder"] == "k8s"
    assert any(
        "closes a WebSocket after this many seconds of silence" in line for line in asker.said
    )
    # The ACK example is exactly these answers.
    assert tree(hermetic / "ack") == {k: v for k, v in tree(EXAMPLES / "ack-echo").items()}
    assert "apply: kubectl apply -k ack" in result.notes
    assert "test:  wsgen probe wss://test.example.com/" in result.notes
    again = wsgen("render", "-f", "ack/wsgen.yaml", "-o", "ack", "--check")
    assert again.code == 0, again.err


def test_invalid_answers_are_asked_again_with_the_rule(hermetic: Path) -> None:
    asker = Scripted(
        "Chat_App",
        "chat",
        None,
        None,
        "70000",
        "8080",
        "bad host",
        "chat.example.com",
        "ws",
        "/ws",
        "forever",
        "1h",
        "none",
        "out",
        True,
    )
    run(asker)
    assert asker.errors == [
        "'Chat_App' is not a valid name (RFC 1035 label, as Service names need: at most 63 lower-case letters, digits and '-', starting with a letter, ending with a letter or digit)",
        "70000 is out of range for a port number (1-65535)",
        "'bad host' is not a valid host (RFC 1123 DNS name: lower-case letters, digits, '-' and '.', at most 63 between dots and 253 in all; a leading '*.' is allowed)",
        "'ws' is not a valid path (starts with '/'; only letters, digits, '/', '_', '-' and '.', as ingress-nginx allows for pathType Prefix)",
        "'forever' is not a timeout (whole seconds, or a duration such as 90s, 60m, 1h, 1h30m; 1 to 2147483 seconds)",
    ]
    ingress = yaml.safe_load((hermetic / "out/ingress.yaml").read_text())
    assert ingress["metadata"]["name"] == "chat"
    assert (
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
        == "3600"
    )


# The app questions up to the path answered by flags.
CHAT = ("--name", "chat", "--namespace", "prod", "--image", "me/chat:1", "--port", "8080",
        "--host", "chat.example.com")  # fmt: skip


def test_given_options_are_not_asked(hermetic: Path) -> None:
    asker = Scripted(None, "cert-manager", None, "le", True)
    run(asker, *CHAT, "--path", "/ws", out="k8s")
    assert asker.asked == [
        "Idle timeout",
        "TLS",
        "TLS Secret name",
        "cert-manager issuer name",
        "Write 5 file(s) to k8s?",
    ]
    assert asker.offered["TLS Secret name"] == "chat-tls"
    ingress = yaml.safe_load((hermetic / "k8s/ingress.yaml").read_text())
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "le"


def test_secret_name_offered_from_the_answered_name(hermetic: Path) -> None:
    asker = Scripted("game", None, None, None, None, None, None, "secret", None, None, True)
    run(asker)
    assert asker.offered["TLS Secret name"] == "game-tls"


def test_files_mode_checks_certificate_and_key_on_the_spot(hermetic: Path) -> None:
    cert, key = make_pair(["chat.example.com"], hermetic)
    _, other_key = make_pair(["chat.example.com"], hermetic, name="other")
    asker = Scripted(None, "files", None, "nope.crt", str(cert), str(other_key), str(key), True)
    run(asker, *CHAT, "--path", "/", out="k8s")
    assert asker.asked == [
        "Idle timeout",
        "TLS",
        "TLS Secret name",
        "Certificate file (PEM)",
        "Certificate file (PEM)",
        "Private key file (PEM)",
        "Private key file (PEM)",
        "Write 6 file(s) to k8s?",
    ]
    assert asker.errors == [
        "nope.crt: no such file",
        f"{other_key} does not belong to the certificate (their public keys differ)",
    ]
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["cert"] == str(cert)


def test_a_certificate_for_another_host_is_refused_on_the_spot(hermetic: Path) -> None:
    cert, _ = make_pair(["other.example.com"], hermetic)
    good, good_key = make_pair(["test.example.com"], hermetic, name="good")
    asker = Scripted(str(cert), str(good), str(good_key), True)
    flags = ("--tls", "files", "--tls-secret", "s", "--host", "test.example.com", "--timeout", "60")
    run(asker, *APP, *flags, out="k8s")
    assert asker.errors == [
        f"{cert} does not cover the host test.example.com (its DNS names: other.example.com)"
    ]


def test_overwrite_needs_an_explicit_yes(hermetic: Path) -> None:
    flags = ALL_BUT_TIMEOUT
    run(Scripted("60", True), *flags, out="k8s")
    before = tree(hermetic / "k8s")
    declined = Scripted("90", False)
    with pytest.raises(errors.Refused, match="nothing written"):
        run(declined, *flags, out="k8s")
    assert declined.asked[-1] == "Overwrite 2 changed file(s) in k8s?"
    assert declined.offered[declined.asked[-1]] is False
    assert tree(hermetic / "k8s") == before
    run(Scripted("90", True), *flags, out="k8s")
    assert 'proxy-read-timeout: "90"' in (hermetic / "k8s/ingress.yaml").read_text()


class RenderWhileAsked(Scripted):
    """Another wsgen run renders the same folder while the person is being asked."""

    def __init__(self, *answers: str | bool | None, flags: tuple[str, ...]) -> None:
        super().__init__(*answers)
        self.flags = flags
        self.other: subprocess.CompletedProcess[str] | None = None

    def confirm(self, message: str, default: bool) -> bool:
        self.other = subprocess.run(
            [*wsgen_exe(), "render", *self.flags, "-o", "k8s"],
            capture_output=True,
            text=True,
            timeout=30,  # well below the lock's wait: a run must not wait for a person
        )
        return super().confirm(message, default)


def test_no_lock_is_held_while_the_person_answers(hermetic: Path) -> None:
    """init plans, asks, then writes: another run meanwhile is not kept waiting, and init does
    not write over what that run wrote, which the person never saw."""
    flags = (*ALL_BUT_TIMEOUT, "--timeout", "90")
    asker = RenderWhileAsked("60", True, flags=flags)
    with pytest.raises(errors.Refused, match="changed while you were asked"):
        run(asker, *ALL_BUT_TIMEOUT, out="k8s")
    assert asker.asked[-1] == "Write 5 file(s) to k8s?"
    assert asker.other is not None and asker.other.returncode == 0, asker.other
    assert 'proxy-read-timeout: "90"' in (hermetic / "k8s/ingress.yaml").read_text()


def test_identical_folder_asks_no_confirmation(hermetic: Path) -> None:
    flags = (*ALL_BUT_TIMEOUT, "--timeout", "60")
    run(Scripted(True), *flags, out="k8s")
    asker = Scripted()
    result = run(asker, *flags, out="k8s")
    assert asker.asked == []
    assert "k8s: up to date (5 files)" in result.notes


def test_summary_lists_answers_and_file_actions(hermetic: Path) -> None:
    asker = Scripted(None, None, None, None, None, None, None, "none", None, True)
    run(asker)
    said = "\n".join(asker.said)
    assert (
        "Summary:" in said and "  idle timeout   3600 s" in said and "  TLS            none" in said
    )
    assert "Files in k8s:\n  create    deployment.yaml" in said


def test_without_a_terminal_every_missing_answer_is_named(hermetic: Path) -> None:
    with pytest.raises(errors.MissingAnswers) as missing:
        run(None, "--host", "a.example.com")
    assert missing.value.exit_code == 3
    assert missing.value.message == (
        "no terminal to ask on (stdin is not a terminal); missing: --name, --namespace, --image, --port, "
        "--path, --timeout, --tls, --out (give them as flags, or use --defaults)"
    )
    assert list(hermetic.iterdir()) == []


def test_defaults_without_a_terminal(wsgen, hermetic: Path) -> None:
    run(None, defaults=True)
    assert wsgen("render", "-o", "k8s", "--check").code == 0


def test_defaults_cannot_invent_certificate_files(hermetic: Path) -> None:
    with pytest.raises(
        errors.MissingAnswers,
        match=r"^--defaults: no default for --cert, --key \(give them as flags\)$",
    ):
        run(None, "--tls", "files", defaults=True)


def test_bad_flags_are_reported_before_any_question(hermetic: Path) -> None:
    asker = Scripted()
    with pytest.raises(errors.BadInput, match="--port: 'x' is not a port number"):
        run(asker, "--port", "x")
    assert asker.asked == []


# --------------------------------------------------------------------------- review of init


def test_tls_flags_without_a_mode_offer_the_mode_they_belong_to(hermetic: Path) -> None:
    cert, key = make_pair(["test.example.com"], hermetic)
    asker = Scripted(None, None, True)  # TLS: the offered default; secret name; write
    run(
        asker,
        *ALL_BUT_TIMEOUT[:-2],
        "--host",
        "test.example.com",
        "--timeout",
        "60",
        "--cert",
        str(cert),
        "--key",
        str(key),
        out="k8s",
    )
    assert asker.offered["TLS"] == "files"
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["mode"] == "files"
    run(None, "--issuer", "le", defaults=True, out="cm")
    assert yaml.safe_load((hermetic / "cm/wsgen.yaml").read_text())["tls"]["issuer"] == "le"


def test_tls_flags_that_do_not_fit_the_chosen_mode_are_an_error(hermetic: Path) -> None:
    with pytest.raises(
        errors.BadInput,
        match=r"^--issuer: only used with --tls cert-manager \(the TLS mode is 'self-signed'\)$",
    ):
        run(
            Scripted("self-signed", None, None),
            *ALL_BUT_TIMEOUT[:-2],
            "--timeout",
            "60",
            "--issuer",
            "le",
            out="k8s",
        )
    assert list(hermetic.iterdir()) == []


def test_given_certificate_is_checked_before_any_question(hermetic: Path) -> None:
    cert, _ = make_pair(["other.example.com"], hermetic)
    asker = Scripted()
    with pytest.raises(errors.BadInput, match=r"does not cover the host chat\.example\.com"):
        run(asker, "--host", "chat.example.com", "--cert", str(cert))
    assert asker.asked == []
    # and a host answered later is checked against it at once
    asker = Scripted(
        None,
        None,
        None,
        None,
        "chat.example.com",
        "other.example.com",
        None,
        None,
        None,
        None,
        None,
        False,
    )
    with pytest.raises(errors.Refused):
        run(asker, "--cert", str(cert), "--key", str(_.with_suffix(".key")))
    assert asker.errors == [
        f"{cert} does not cover the host chat.example.com (its DNS names: other.example.com)"
    ]


def test_certificate_from_a_values_file_is_found_from_its_folder(hermetic: Path) -> None:
    (hermetic / "conf").mkdir()
    make_pair(["chat.example.com"], hermetic / "conf")
    (hermetic / "conf/v.yaml").write_text(
        "host: chat.example.com\ntls:\n  mode: files\n  cert: user.crt\n"
    )
    layer, base = model.values_layer(Path("conf/v.yaml"))
    asker = Scripted(*[None] * 8, "conf/user.key", None, True)  # the Target first
    wizard.run([(layer, base)], None, asker, defaults=False, force=False)
    assert asker.errors == []
    assert "Private key file (PEM)" in asker.asked


def test_out_under_a_file_is_refused_before_any_question(hermetic: Path) -> None:
    (hermetic / "afile").write_text("x")
    asker = Scripted()
    with pytest.raises(errors.BadInput, match="--out: afile is a file"):
        run(asker, out="afile")
    assert asker.asked == []


def test_path_answers_expand_home_and_refuse_edge_spaces(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(hermetic / "home"))
    (hermetic / "home").mkdir(exist_ok=True)
    asker = Scripted("k8s ", "~/deploy", True)
    result = run(asker, *ALL_BUT_TIMEOUT, "--timeout", "60")
    assert asker.errors == ["has spaces at its start or end"]
    assert (hermetic / "home/deploy/wsgen.yaml").is_file()
    assert f"apply: kubectl apply -k {hermetic}/home/deploy" in result.notes


def test_apply_line_quotes_the_folder(hermetic: Path) -> None:
    result = run(Scripted(True), *ALL_BUT_TIMEOUT, "--timeout", "60", out="my k8s")
    assert "apply: kubectl apply -k 'my k8s'" in result.notes


def test_notes_come_before_the_confirmation(hermetic: Path) -> None:
    flags = (*APP, "--timeout", "60", "--tls", "self-signed", "--tls-secret", "s")
    run(Scripted(True), *flags, "--host", "a.example.com", out="k8s")
    asker = Scripted(False)
    with pytest.raises(errors.Refused):
        run(asker, *flags, "--host", "new.example.com", out="k8s")
    assert (
        "note: k8s/tls/tls.crt does not cover new.example.com (it has a.example.com): making a new key and certificate"
        in asker.said
    )
    assert asker.asked == ["Overwrite 4 changed file(s) in k8s?"]


def test_refusal_without_a_terminal_suggests_what_init_has(hermetic: Path) -> None:
    run(None, *ALL_BUT_TIMEOUT, "--timeout", "60", out="k8s")
    with pytest.raises(
        errors.Refused,
        match=r"\(use --force to replace them, or run init in a terminal to confirm\)$",
    ):
        run(None, *ALL_BUT_TIMEOUT, "--timeout", "61", out="k8s")


def test_a_named_pipe_is_not_read(hermetic: Path) -> None:
    import os

    os.mkfifo(hermetic / "fifo")
    good, good_key = make_pair(["a.example.com"], hermetic)
    asker = Scripted("fifo", str(good), str(good_key), True)
    run(
        asker,
        *ALL_BUT_TIMEOUT[:-2],
        "--timeout",
        "60",
        "--tls",
        "files",
        "--tls-secret",
        "s",
        out="k8s",
    )
    assert asker.errors == ["fifo: is not a regular file"]


def test_target_is_asked_first_then_only_its_questions(hermetic: Path) -> None:
    """The Target question comes first (ingress-nginx offered first); a Gateway API target then
    asks for the GatewayClass (offered: its own default), and not when --gateway names one."""
    asker = Scripted("envoy-gateway", *[None] * 7, "none", None, None, True)
    result = wizard.run([({}, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked[0] == "Target" and asker.offered["Target"] == "ingress-nginx"
    assert asker.asked[1:] == [
        *ALL_QUESTIONS,
        "GatewayClass",
        "Output folder",
        "Write 7 file(s) to k8s?",
    ]
    assert asker.offered["GatewayClass"] == "eg"
    assert any("Envoy's default is 300" in line for line in asker.said)
    assert any("envoy-gateway" in line and "target" in line for line in asker.said)  # summary
    assert (
        "check: kubectl -n default describe httproute websocket-server (Accepted and ResolvedRefs must be True)"
        in result.notes
    )
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert values["target"] == "envoy-gateway"
    assert "gatewayClass" not in values  # the default follows the target

    attach = Scripted(*[None] * 8, True)
    run(attach, "--target", "envoy-gateway", "--gateway", "shared", "--tls", "none", out="shared")
    assert "GatewayClass" not in attach.asked
    assert not (hermetic / "shared/gateway.yaml").exists()


def test_options_of_another_target_are_refused_not_dropped(hermetic: Path) -> None:
    """An option given to init belongs to some target: the Target question offers only the
    targets that take every option given; without a terminal the target is ingress-nginx, and
    an option it does not take is refused as render refuses it."""
    with pytest.raises(
        errors.BadInput,
        match=r"^--gateway: --target ingress-nginx does not use it \(it is for envoy-gateway, ",
    ):
        run(None, "--gateway", "shared", defaults=True, out="k8s")
    assert not (hermetic / "k8s").exists()
    asker = Scripted("nginx")  # no target takes both: every target is offered
    with pytest.raises(errors.BadInput, match="--namespace: --target nginx does not use it"):
        layer = model.flags_layer({"namespace": "prod", "upstream": "10.0.0.1:80"})
        wizard.run([(layer, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked == ["Target"]
    offered: dict[str, tuple[str, ...]] = {}

    class Recording(Scripted):
        def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
            offered[message] = tuple(value for value, _ in choices)
            return super().select(message, choices, default)

    gateway = Recording("envoy-gateway", *[None] * 7, None, True)
    wizard.run([(model.flags_layer({"gateway": "shared"}), Path.cwd())], None, gateway,
               defaults=False, force=False)  # fmt: skip
    assert offered["Target"] == ("envoy-gateway", "nginx-gateway-fabric", "istio")
    # with --gateway only TLS none can work: not asked, said
    assert "TLS" not in gateway.asked
    assert any(line.startswith("TLS: none (with --gateway") for line in gateway.said)
    cert_manager = Recording("ingress-nginx", *[None] * 9, True)
    layer = model.flags_layer({"tls.mode": "cert-manager", "tls.issuer": "le"})
    wizard.run([(layer, Path.cwd())], None, cert_manager, defaults=False, force=False)
    assert "nginx" not in offered["Target"]  # plain nginx has no cert-manager


def test_a_given_tls_mode_that_cannot_work_is_refused_before_the_questions(hermetic: Path) -> None:
    layer = model.flags_layer(
        {"target": "envoy-gateway", "gateway": "shared", "tls.mode": "secret"}
    )
    asker = Scripted()
    with pytest.raises(errors.BadInput, match="--tls: with --gateway, TLS is the Gateway owner's"):
        wizard.run([(layer, Path.cwd())], None, asker, defaults=False, force=False)
    assert asker.asked == []


def test_istio_is_not_asked_for_a_timeout_it_does_not_write(hermetic: Path) -> None:
    asker = Scripted(*[None] * 8, True)
    run(asker, "--target", "istio", "--tls", "none", out="k8s")
    assert "Idle timeout" not in asker.asked


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"target": "envoy-gateway", "gatewayNamespace": "infra"}, "--gateway-namespace: only with --gateway NAME"),
        ({"target": "envoy-gateway", "gateway": "shared", "gatewayClass": "x"}, "--gateway-class: only without --gateway"),
        ({"target": "istio", "gateway": "shared", "tls.secretName": "foo"}, "--tls: with --gateway, TLS is the Gateway owner's"),
        ({"target": "envoy-gateway", "path": "/" + "a" * 1024}, "--path: is 1025 characters"),
    ],
)  # fmt: skip
def test_what_was_given_is_checked_for_the_target_before_any_question(
    flags: dict[str, str], message: str, hermetic: Path
) -> None:
    asker = Scripted()
    with pytest.raises(errors.BadInput, match="^" + re.escape(message)):
        wizard.run(
            [(model.flags_layer(flags), Path.cwd())], None, asker, defaults=False, force=False
        )
    assert asker.asked == []
    assert list(hermetic.iterdir()) == []


def test_the_target_offered_first_is_one_that_takes_the_options_given(hermetic: Path) -> None:
    """--gateway leaves ingress-nginx out: the first Gateway API target is offered (questionary
    refuses a default that is not a choice; Scripted.select checks it too)."""
    asker = Scripted(None)
    with pytest.raises(AssertionError, match="no scripted answer left"):
        wizard.run([(model.flags_layer({"gateway": "shared"}), Path.cwd())], None, asker,
                   defaults=False, force=False)  # fmt: skip
    assert asker.offered["Target"] == "envoy-gateway"


def test_a_weaker_layers_option_of_another_target_does_not_narrow_the_choice(
    hermetic: Path,
) -> None:
    """WSGEN_INGRESS_CLASS exported: every target is offered, and choosing envoy-gateway leaves
    the variable out, as `render --target envoy-gateway` does."""
    offered: list[str] = []

    class Recording(Scripted):
        def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
            if message == "Target":
                offered.extend(value for value, _ in choices)
            return super().select(message, choices, default)

    environment = model.environ_layer({"WSGEN_INGRESS_CLASS": "public"})
    asker = Recording("envoy-gateway", *[None] * 7, "none", None, None, True)
    wizard.run(
        [(environment, Path.cwd()), ({}, Path.cwd())], None, asker, defaults=False, force=False
    )
    assert offered == list(targets.TARGETS)
    assert (hermetic / "k8s/httproute.yaml").is_file()


# --------------------------------------------------------------------------- issue 16


@pytest.mark.parametrize(
    ("pasted", "host", "path"),
    [
        ("https://chat.example.com/ws", "chat.example.com", "/ws"),
        ("wss://Chat.Example.com:443/x?y=1", "chat.example.com", "/x"),
        ("http://chat.example.com", "chat.example.com", None),  # no path: / stays offered
    ],
)
def test_a_url_as_the_host_gives_its_host_and_offers_its_path(
    pasted: str, host: str, path: str | None, hermetic: Path
) -> None:
    asker = Scripted(*[None] * 4, pasted, None, None, "none", None, True)
    run(asker)
    assert asker.errors == []
    assert asker.offered["Path"] == (path or "/")
    also = f"; its path {path} is offered as the path" if path else ""
    assert f"Host name: {host}, from the URL{also}" in asker.said
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert (values["host"], values["path"]) == (host, path or "/")


def test_a_url_host_with_the_path_given_says_only_the_host(hermetic: Path) -> None:
    asker = Scripted("https://chat.example.com/ws", None, "none", None, True)
    run(asker, *APP)  # --path / given
    assert "Host name: chat.example.com, from the URL" in asker.said
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["path"] == "/"


def test_a_url_whose_host_is_no_host_is_refused_with_the_host_rule(hermetic: Path) -> None:
    asker = Scripted(*[None] * 4, "https://bad_host/ws", "chat.example.com", None, None, "none", None, True)  # fmt: skip
    run(asker)
    assert asker.errors == [
        "'https://bad_host/ws' is not a valid host (RFC 1123 DNS name: lower-case letters, digits, '-' and '.', at most 63 between dots and 253 in all; a leading '*.' is allowed)"
    ]


def test_render_host_url_is_one_error_naming_the_host(wsgen, hermetic: Path) -> None:
    result = wsgen("render", "--host", "https://chat.example.com/ws", "-o", "k8s")
    refused(result, "--host: 'https://chat.example.com/ws' is a URL, not a host name: did you mean chat.example.com (and path /ws)?")  # fmt: skip
    assert result.err_lines[0].endswith("?")
    (hermetic / "v.yaml").write_text("host: wss://chat.example.com\n")
    refused(wsgen("render", "-f", "v.yaml", "-o", "k8s"), "v.yaml: host: 'wss://chat.example.com' is a URL, not a host name: did you mean chat.example.com?")  # fmt: skip


def test_the_issuer_question_offers_letsencrypt_prod(hermetic: Path) -> None:
    asker = Scripted(None, "cert-manager", None, None, True)
    run(asker, *CHAT, "--path", "/ws", out="k8s")
    assert asker.offered["cert-manager issuer name"] == "letsencrypt-prod"
    assert "The ClusterIssuer that signs the certificate (--issuer-kind Issuer for one in the namespace)." in asker.said  # fmt: skip
    ingress = yaml.safe_load((hermetic / "k8s/ingress.yaml").read_text())
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"  # fmt: skip


def test_defaults_take_the_issuer_offered_render_asks_for_it(wsgen, hermetic: Path) -> None:
    """render has no issuer default (a script's guess nobody sees); init offers one and, with
    --defaults, takes it, and wsgen.yaml records it."""
    refused(
        wsgen("render", "--tls", "cert-manager", "-o", "k8s"),
        "--issuer (values key tls.issuer): required with --tls cert-manager",
    )
    run(None, "--tls", "cert-manager", defaults=True)
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert (values["tls"]["issuer"], values["tls"]["issuerKind"]) == ("letsencrypt-prod", "ClusterIssuer")  # fmt: skip
    assert wsgen("render", "-f", "k8s/wsgen.yaml", "-o", "k8s", "--check").code == 0


def printed_command(refusal: errors.Refused) -> list[str]:
    """The command a declined confirmation prints, as a shell would split it."""
    (note,) = refusal.notes
    prefix = "the same answers, to write them later: wsgen "
    assert note.startswith(prefix), note
    return shlex.split(note.removeprefix(prefix))


def test_no_prints_the_command_with_file_paths_from_here_and_values_inlined(
    wsgen, hermetic: Path
) -> None:
    """A values file in another folder naming certificate files relative to itself, a
    variable, flags and answers: the printed command names the files from here (never their
    content) and writes what "yes" writes."""
    (hermetic / "conf").mkdir()
    make_pair(["chat.example.com"], hermetic / "conf", name="chat")
    (hermetic / "conf/values.yaml").write_text(
        "name: chat\nport: 8080\nannotations:\n  nginx.ingress.kubernetes.io/affinity: cookie\n"
        "tls:\n  mode: files\n  cert: chat.crt\n  key: chat.key\n"
    )
    layers = [
        model.values_layer(hermetic / "conf/values.yaml"),
        (model.environ_layer({"WSGEN_TIMEOUT": "90s"}), hermetic),
        (model.flags_layer({"host": "chat.example.com", "path": "/ws"}), hermetic),
    ]
    answers = ["prod", None, None, False]  # namespace, image, Secret, no (the cloud: none)
    with pytest.raises(errors.Refused, match=r"^nothing written \(not confirmed\)$") as declined:
        wizard.run(layers, Path("deploy"), Scripted(None, *answers), defaults=False, force=False)
    assert not (hermetic / "deploy").exists()
    command = printed_command(declined.value)
    assert command == [
        "render", "--target", "ingress-nginx", "--name", "chat", "--namespace", "prod",
        "--port", "8080", "--host", "chat.example.com", "--path", "/ws", "--timeout", "90s",
        "--tls", "files", "--cert", "conf/chat.crt", "--key", "conf/chat.key",
        "--annotation", "nginx.ingress.kubernetes.io/affinity=cookie", "-o", "deploy",
    ]  # fmt: skip
    printed = wsgen(*command)
    assert printed.code == 0, printed.err
    (hermetic / "deploy").rename(hermetic / "printed")
    wizard.run(layers, Path("deploy"), Scripted(None, *answers[:-1], True), defaults=False, force=False)  # fmt: skip
    assert tree(hermetic / "deploy") == tree(hermetic / "printed")


def test_no_to_an_overwrite_prints_the_command_with_force(wsgen, hermetic: Path) -> None:
    run(Scripted("60", True), *ALL_BUT_TIMEOUT, out="k8s")
    with pytest.raises(errors.Refused) as declined:
        run(Scripted("90", False), *ALL_BUT_TIMEOUT, out="k8s")
    command = printed_command(declined.value)
    assert command[-3:] == ["-o", "k8s", "--force"] and "--timeout" in command
    assert wsgen(*command).code == 0
    assert 'proxy-read-timeout: "90"' in (hermetic / "k8s/ingress.yaml").read_text()


def test_init_dry_run_is_render_dry_run_for_the_answers(wsgen, hermetic: Path) -> None:
    flags = ("--host", "chat.example.com", "--tls", "self-signed")
    plan = wsgen("init", "--defaults", "--dry-run", *flags)
    assert plan.code == 0, plan.err
    assert plan.out == wsgen("render", *flags, "-o", "k8s", "--dry-run").out
    assert plan.out.startswith("create    k8s/deployment.yaml\n")
    assert list(hermetic.iterdir()) == []


def test_init_check_exits_5_until_the_folder_is_written(wsgen, hermetic: Path) -> None:
    stale = wsgen("init", "--defaults", "--check", "--port", "81")
    assert stale.code == 5
    assert stale.err_lines[-1] == "wsgen: error: k8s: 5 of 5 files out of date"
    assert list(hermetic.iterdir()) == []
    assert wsgen("init", "--defaults", "--port", "81").code == 0
    fresh = wsgen("init", "--defaults", "--check", "--port", "81")
    assert (fresh.code, fresh.err) == (0, "wsgen: k8s: up to date (5 files)\n")
    assert wsgen("init", "--defaults", "--check", "--port", "82").code == 5


def test_init_dry_run_and_check_together_is_bad_usage(wsgen, hermetic: Path) -> None:
    refused(wsgen("init", "--defaults", "--dry-run", "--check"), "--dry-run and --check: give one")  # fmt: skip


def test_init_dry_run_without_a_terminal_still_names_missing_answers(wsgen, hermetic: Path) -> None:
    result = wsgen("init", "--dry-run", "--host", "a.example.com")
    assert result.code == 3
    assert "missing: --name" in result.err and list(hermetic.iterdir()) == []


class Offered(Scripted):
    """Takes every default offered, and answers the confirmation with `confirm`."""

    def __init__(self, confirm: bool) -> None:
        super().__init__()
        self.confirm_with = confirm

    def text(self, message: str, default: str, validate: wizard.Validate) -> str:
        assert validate(default) is None, (message, validate(default))
        return default

    def select(self, message: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
        return default

    def confirm(self, message: str, default: bool) -> bool:
        return self.confirm_with


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_the_printed_command_writes_what_yes_writes_for_every_target(
    target: str, wsgen, hermetic: Path
) -> None:
    layers = [(model.flags_layer({"target": target, "host": "chat.example.com"}), hermetic)]
    command = printed_writes_what_yes_writes(wsgen, hermetic, layers)
    assert command[:3] == ["render", "--target", target]


def printed_writes_what_yes_writes(wsgen, hermetic: Path, layers) -> list[str]:  # type: ignore[no-untyped-def]
    """init with `layers`, every default taken, declined: the command it prints (returned)
    runs and writes the folder that init, confirmed, writes."""
    with pytest.raises(errors.Refused) as declined:
        wizard.run(layers, Path("out"), Offered(False), defaults=False, force=False)
    command = printed_command(declined.value)
    printed = wsgen(*command)
    assert printed.code == 0, printed.err
    (hermetic / "out").rename(hermetic / "printed")
    wizard.run(layers, Path("out"), Offered(True), defaults=False, force=False)
    assert tree(hermetic / "out") == tree(hermetic / "printed")
    return command


# --------------------------------------------------------------------------- review of issue 16


def test_no_after_no_canary_prints_a_command_without_the_dropped_canary(
    wsgen, hermetic: Path
) -> None:
    """init -f k8s/wsgen.yaml --no-canary (the canary rolled back), declined: the printed
    command leaves the dropped canary out (with it and --no-canary, render refuses both)."""
    (hermetic / "v.yaml").write_text(
        "host: chat.example.com\ncanary:\n  image: a/b:2\n  weight: 5\n"
    )
    layers = [
        model.values_layer(hermetic / "v.yaml"),
        (model.flags_layer({"noCanary": "true"}), hermetic),
    ]
    command = printed_writes_what_yes_writes(wsgen, hermetic, layers)
    assert not [word for word in command if word.startswith(("--canary", "--no-canary"))]


def test_a_canary_stronger_than_no_canary_is_kept_in_the_printed_command(
    wsgen, hermetic: Path
) -> None:
    """WSGEN_NO_CANARY drops the values file's canary; a --canary-image flag (stronger) is a
    new canary, which the printed command keeps (and it says no --no-canary)."""
    (hermetic / "v.yaml").write_text("host: chat.example.com\ncanary:\n  image: a/b:2\n")
    layers = [
        model.values_layer(hermetic / "v.yaml"),
        (model.environ_layer({"WSGEN_NO_CANARY": "true"}), hermetic),
        (model.flags_layer({"canary.image": "a/b:3"}), hermetic),
    ]
    command = printed_writes_what_yes_writes(wsgen, hermetic, layers)
    assert [w for w in command if w.startswith(("--canary", "--no-canary", "a/b"))] == [
        "--canary-image",
        "a/b:3",
    ]


def test_the_printed_command_is_one_line_without_control_characters(hermetic: Path) -> None:
    """A values file's annotation of several lines, or with a terminal escape: the printed
    command stays one line of printable text (no escape reaches the terminal), quoted so that
    bash gives render the same values."""
    (hermetic / "v.yaml").write_text(
        "host: chat.example.com\nannotations:\n  example.com/note: |\n    a 'b';\n    c\\d\n"
        '  example.com/esc: "\\e[31mred\\u2028"\n'
    )
    layers = [model.values_layer(hermetic / "v.yaml")]
    with pytest.raises(errors.Refused) as declined:
        wizard.run(layers, Path("out"), Offered(False), defaults=False, force=False)
    (note,) = declined.value.notes
    assert note.isprintable(), note
    command = note.removeprefix("the same answers, to write them later: wsgen ")
    exe = " ".join(shlex.quote(word) for word in wsgen_exe())
    printed = subprocess.run(["bash", "-c", f"{exe} {command}"], capture_output=True, text=True)
    assert printed.returncode == 0, printed.stderr
    (hermetic / "out").rename(hermetic / "printed")
    wizard.run(layers, Path("out"), Offered(True), defaults=False, force=False)
    assert tree(hermetic / "out") == tree(hermetic / "printed")
    annotations = yaml.safe_load((hermetic / "printed/ingress.yaml").read_text())["metadata"]
    assert annotations["annotations"]["example.com/esc"] == "\x1b[31mred\u2028"


@pytest.mark.parametrize(
    ("flags", "url"),
    [
        # TLS ends at the load balancer: the endpoint is wss (the cloud note's own URL)
        (
            ("--cloud", "aws", "--lb-cert", "arn:aws:acm:us-east-1:123456789012:certificate/abc"),
            "wss://chat.example.com/",
        ),
        (
            ("--target", "envoy-gateway", "--http-listener-port", "8080"),
            "ws://chat.example.com:8080/",
        ),
        (
            ("--target", "istio", "--tls", "secret", "--https-listener-port", "8443"),
            "wss://chat.example.com:8443/",
        ),
        (("--target", "envoy-gateway"), "ws://chat.example.com/"),
    ],
)
def test_the_probe_line_names_the_endpoint_the_folder_serves(
    flags: tuple[str, ...], url: str, wsgen, hermetic: Path
) -> None:
    result = wsgen("init", "--defaults", "--host", "chat.example.com", *flags)
    assert result.code == 0, result.err
    assert f"wsgen: test:  wsgen probe {url}\n" in result.err


def test_a_default_over_a_variable_is_in_the_printed_command(
    wsgen, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WSGEN_PORT=8080 wsgen init --port 3000 --cloud none, with WSGEN_CLOUD=aws: 3000 and
    none are the defaults, but the command, pasted into the same shell, must still say them
    (without them the variables gave 8080 and aws again)."""
    variables = {"WSGEN_PORT": "8080", "WSGEN_CLOUD": "aws"}
    layers = [
        (model.environ_layer(variables), hermetic),
        (
            model.flags_layer({"host": "chat.example.com", "port": "3000", "cloud": "none"}),
            hermetic,
        ),
    ]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)  # where the printed command runs
    command = printed_writes_what_yes_writes(wsgen, hermetic, layers)
    assert command[command.index("--port") :][:2] == ["--port", "3000"]
    assert command[command.index("--cloud") :][:2] == ["--cloud", "none"]


def test_a_url_hosts_password_is_never_repeated(wsgen, hermetic: Path) -> None:
    """A URL pasted with credentials (https://user:pass@host/): the error names the URL
    without them (found by the final shell attack)."""
    result = wsgen("render", "--host", "https://user:s3cret@chat.example.com/ws", "-o", "k8s")
    refused(result, "--host: 'https://chat.example.com/ws' is a URL, not a host name: did you mean chat.example.com (and path /ws)?")  # fmt: skip
    assert "s3cret" not in result.err and "user" not in result.err
