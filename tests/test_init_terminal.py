"""The real `wsgen init` as a person meets it: in a pseudo-terminal (pexpect) typing answers and
arrow keys, and without one (/dev/null, a closed pipe, a pipe with text): never a hang."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte
import pytest
import yaml
from cryptography import x509

from conftest import wsgen_exe
from wsgen import model

TIMEOUT = 20
DOWN = "\x1b[B"
CLEAR = "\x15"  # Ctrl-U: clear the line (after a rejected answer, which stays for editing)


def clean_env(columns: int = 120) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}
    env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(columns), LINES="40")
    return env


class Terminal:
    """The screen a person sees: the pty's output through a terminal emulator (pyte)."""

    def __init__(self, columns: int) -> None:
        self.screen = pyte.Screen(columns, 40)
        self.stream = pyte.Stream(self.screen)

    def write(self, data: str) -> None:  # pexpect's logfile_read
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]


def spawn(
    args: str, cwd: Path, columns: int = 120, env: dict[str, str] | None = None
) -> pexpect.spawn:
    # stdout goes to a file, so the test can check that nothing but prompts reach the terminal
    # on stderr, and that stdout stays empty, as it is for `render -o`.
    command = f"{' '.join(wsgen_exe())} init {args} > stdout.txt"
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", command],
        cwd=str(cwd),
        env={**clean_env(columns), **(env or {})},
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, columns),
    )
    child.logfile_read = Terminal(columns)
    return child


def shown(child: pexpect.spawn, wanted: Callable[[list[str]], bool], what: str) -> list[str]:
    """The screen's lines once `wanted` holds for them (reading on for TIMEOUT at most)."""
    terminal: Terminal = child.logfile_read
    deadline = time.monotonic() + TIMEOUT
    while not wanted(terminal.lines()):
        if time.monotonic() > deadline:
            raise AssertionError(f"never shown: {what}\n" + "\n".join(terminal.lines()))
        with contextlib.suppress(pexpect.TIMEOUT):
            child.expect(r"[\s\S]", timeout=0.5)  # read what comes next
    return terminal.lines()


def below(lines: list[str], line: str) -> str:
    """The lines under `line` on the screen, up to the first empty one, joined by spaces."""
    if line not in lines:
        return ""
    rest = lines[lines.index(line) + 1 :]
    return " ".join(rest[: rest.index("")] if "" in rest else rest)


def answer(child: pexpect.spawn, prompt: str, text: str | None = None) -> None:
    """Type `text` (the offered default is a placeholder: typing replaces it), or take it."""
    child.expect(prompt)
    child.send("\r" if text is None else text + "\r")


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None
    return child.exitstatus


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def render(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wsgen_exe(), "render", *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_wizard_self_signed_as_a_person_types_it(hermetic: Path) -> None:
    child = spawn("", hermetic)
    answer(child, "Target")  # the first choice: ingress-nginx
    answer(child, "App name", "chat")
    answer(child, "Namespace", "team-a")
    answer(child, "Container image", "registry.example.com/chat:2")
    answer(child, "Container port", "http")
    child.expect("is not a port number")
    child.send(CLEAR + "8080\r")
    answer(child, "Host name", "chat.example.com")
    answer(child, "Path", "/ws")
    child.expect("seconds of silence")
    answer(child, "Idle timeout", "2h")
    child.expect("TLS")
    child.send(DOWN)  # none -> self-signed
    child.send("\r")
    child.expect("TLS Secret name")
    # the answer alone is echoed, as a typed one is: not the list, its padding, its explanation
    screen = shown(child, lambda lines: "? TLS self-signed" in lines, "the TLS mode echoed")
    assert not any("browsers will warn" in line or "plain ws://" in line for line in screen)
    child.send("\r")
    answer(child, "Cloud load balancer in front")  # none (test_cloud.py chooses one)
    answer(child, "Output folder", "deploy")
    child.expect("Summary:")
    answer(child, r"Write 8 file\(s\) to deploy\?")
    # the certificate is self-signed: trusted with --ca; --resolve until DNS has the host
    child.expect(
        r"wsgen: test:  wsgen probe wss://chat.example.com/ws --ca deploy/tls/tls.crt "
        r"\(before DNS has the host: --resolve the controller's address\)\r\n"
    )
    assert finish(child) == 0
    assert (hermetic / "stdout.txt").read_text() == ""
    # The folder is what render writes for the same answers (the certificate aside, which is
    # random: it is checked by parsing), and the answers file reproduces it.
    (hermetic / "same").mkdir()
    flags = ["--name", "chat", "-n", "team-a", "--image", "registry.example.com/chat:2", "--port", "8080",
             "--host", "chat.example.com", "--path", "/ws", "--timeout", "7200", "--tls", "self-signed", "-o", "../same"]  # fmt: skip
    assert render(hermetic / "same", *flags).returncode == 0
    made, same = tree(hermetic / "deploy"), tree(hermetic / "same")
    for name in ("tls/tls.crt", "tls/tls.key"):
        made.pop(name), same.pop(name)
    assert made == same
    cert = x509.load_pem_x509_certificate((hermetic / "deploy/tls/tls.crt").read_bytes())
    assert cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName) == ["chat.example.com"]
    assert render(hermetic, "-f", "deploy/wsgen.yaml", "-o", "deploy", "--check").returncode == 0


def test_wizard_cert_manager_with_flags_and_an_overwrite(hermetic: Path) -> None:
    flags = "--name game-ws-server -n games --image registry.example.com/games/game-ws-server:1.4.2 --port 8080 --replicas 2 --env LOG_LEVEL=info --annotation nginx.ingress.kubernetes.io/affinity=cookie --annotation nginx.ingress.kubernetes.io/session-cookie-name=game-ws-route -o game"
    child = spawn(flags, hermetic)
    answer(child, "Target")
    # a URL pasted as the host: its host is taken, its path offered by the next question
    answer(child, "Host name", "https://game.yourdomain.com/ws")
    child.expect(
        "Host name: game.yourdomain.com, from the URL; its path /ws is offered as the path\r\n"
    )
    answer(child, "Path")  # offered: /ws
    answer(child, "Idle timeout")
    child.expect("TLS")
    child.send(DOWN * 4 + "\r")  # none, self-signed, secret, files, cert-manager
    answer(child, "TLS Secret name")
    child.expect(r"The ClusterIssuer that signs the certificate \(--issuer-kind Issuer")
    answer(child, "cert-manager issuer name")  # offered: letsencrypt-prod
    answer(child, "Cloud load balancer in front")
    answer(child, r"Write 5 file\(s\) to game\?")
    assert finish(child) == 0
    # The game-ws example holds exactly these answers.
    example = Path(__file__).resolve().parent.parent / "examples/game-ws"
    assert tree(hermetic / "game") == tree(example)

    # Again with another timeout: two files change, and wsgen asks before overwriting them.
    child = spawn(
        flags
        + " --host game.yourdomain.com --path /ws --tls cert-manager --tls-secret game-ws-server-tls --issuer letsencrypt-prod",
        hermetic,
    )
    answer(child, "Target")
    answer(child, "Idle timeout", "90")
    answer(child, "Cloud load balancer in front")
    child.expect(r"Overwrite 2 changed file\(s\) in game\?.*\(y/N\)")
    child.send("\r")  # the default is no
    assert finish(child) == 4
    assert tree(hermetic / "game") == tree(example)


def test_wizard_other_target_asks_only_its_questions(hermetic: Path) -> None:
    """Choosing nginx (the second target) skips the Kubernetes questions and asks its own."""
    child = spawn("--name chat --port 8080 --host chat.example.com --path /ws", hermetic)
    child.expect("Target")
    child.expect("ingress-nginx")
    child.send(DOWN + "\r")  # ingress-nginx -> nginx
    child.expect("nginx's default is 60")
    answer(child, "Idle timeout", "2h")
    child.expect("TLS")
    child.send("\r")  # none
    answer(child, r"Backend \(HOST:PORT\)")  # offered: 127.0.0.1:8080
    answer(child, "Output folder")  # offered: nginx
    child.expect("Summary:")
    assert "Namespace" not in child.before and "Container image" not in child.before
    answer(child, r"Write 2 file\(s\) to nginx\?")  # nginx.conf, wsgen.yaml
    child.expect(r"wsgen: test:  wsgen probe ws://chat.example.com/ws\r\n")
    assert finish(child) == 0
    same = render(hermetic, "--target", "nginx", "--name", "chat", "--port", "8080", "--host",
                  "chat.example.com", "--path", "/ws", "--timeout", "7200", "-o", "nginx", "--check")  # fmt: skip
    assert same.returncode == 0, same.stderr


@pytest.mark.parametrize("leave", ["ctrl-c", "ctrl-d"])
def test_leaving_at_a_prompt_writes_nothing(leave: str, hermetic: Path) -> None:
    child = spawn("-o k8s", hermetic)
    answer(child, "Target")
    answer(child, "App name", "chat")
    child.expect("Namespace")
    if leave == "ctrl-c":
        child.sendintr()
    else:
        child.send(CLEAR)
        child.sendeof()
    child.expect("wsgen: interrupted")
    assert "Traceback" not in child.before
    assert finish(child) == 130
    assert sorted(p.name for p in hermetic.iterdir()) == ["stdout.txt"]


def run_without_terminal(
    hermetic: Path, *args: str, stdin: object = subprocess.DEVNULL, text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wsgen_exe(), "init", *args],
        cwd=hermetic,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=10,
        stdin=stdin if text is None else None,
        input=text,
    )  # type: ignore[arg-type]


MISSING = "wsgen: error: no terminal to ask on (stdin is not a terminal); missing: --name, --namespace, --image, --port, --host, --path, --timeout, --tls, --out (give them as flags, or use --defaults)\n"


def test_dev_null_stdin_exits_3_naming_every_missing_answer(hermetic: Path) -> None:
    result = run_without_terminal(hermetic)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", MISSING)
    assert list(hermetic.iterdir()) == []


def test_a_pipe_with_text_is_not_taken_as_answers(hermetic: Path) -> None:
    result = run_without_terminal(hermetic, text="prod\nchat\n")
    assert (result.returncode, result.stderr) == (3, MISSING)


def test_a_closed_pipe(hermetic: Path) -> None:
    process = subprocess.Popen(
        [*wsgen_exe(), "init"],
        cwd=hermetic,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.close()
    assert process.wait(timeout=10) == 3
    assert (process.stdout.read(), process.stderr.read()) == ("", MISSING)


def test_defaults_without_a_terminal(hermetic: Path) -> None:
    result = run_without_terminal(hermetic, "--defaults", "--host", "chat.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "wsgen: apply: kubectl apply -k k8s" in result.stderr.splitlines()
    values = yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())
    assert values["host"] == "chat.example.com" and values["timeout"] == 3600
    assert render(hermetic, "--host", "chat.example.com", "-o", "k8s", "--check").returncode == 0


def test_defaults_refuse_to_overwrite_without_force(hermetic: Path) -> None:
    assert run_without_terminal(hermetic, "--defaults").returncode == 0
    changed = run_without_terminal(hermetic, "--defaults", "--port", "81")
    assert changed.returncode == 4
    assert "refusing to overwrite" in changed.stderr
    assert run_without_terminal(hermetic, "--defaults", "--port", "81", "--force").returncode == 0


@pytest.mark.parametrize("args", [["--port", "x"], ["--defaults", "--port", "x"]])
def test_bad_flags_are_exit_2_even_without_a_terminal(args: list[str], hermetic: Path) -> None:
    result = run_without_terminal(hermetic, *args)
    assert (result.returncode, result.stderr) == (
        2,
        "wsgen: error: --port: 'x' is not a port number (1-65535)\n",
    )


def test_https_listener_port_without_tls_asks_for_a_tls_mode(hermetic: Path) -> None:
    """--https-listener-port without --tls is not refused before the TLS question (the mode is
    not known yet): the question offers only the modes that give the HTTPS listener."""
    flags = "--target envoy-gateway --name chat -n team-a --image registry.example.com/chat:1 --port 8080 --host chat.example.com --path /ws --timeout 60 --gateway-class eg --http-listener-port 8000 --https-listener-port 8443 -o k8s"
    child = spawn(flags, hermetic)
    child.expect("TLS")
    child.expect("cert-manager issues and renews it")  # the last of the modes offered
    assert "none" not in child.before  # only modes that give the HTTPS listener
    child.send("\r")  # the first: self-signed
    answer(child, "TLS Secret name")
    answer(child, "Cloud load balancer in front")
    answer(child, r"Write \d+ file\(s\) to k8s\?")
    assert finish(child) == 0
    listeners = yaml.safe_load((hermetic / "k8s/gateway.yaml").read_text())["spec"]["listeners"]
    assert [(x["protocol"], x["port"]) for x in listeners] == [("HTTP", 8000), ("HTTPS", 8443)]
    assert yaml.safe_load((hermetic / "k8s/wsgen.yaml").read_text())["tls"]["mode"] == "self-signed"


def rule(check: Callable[[object], object], value: str) -> str:
    with pytest.raises(ValueError) as broken:
        check(value)
    return str(broken.value)


@pytest.mark.parametrize("columns", [80, 40])
def test_a_broken_rule_is_wrapped_to_the_terminal(columns: int, hermetic: Path) -> None:
    """The rule an answer breaks is shown whole under the answer, word-wrapped to the width
    (it was one line, cut at the terminal's edge)."""
    whole = rule(model.app_name, "Chat_App")
    assert len(whole) > 2 * columns  # it takes three lines or more
    child = spawn("", hermetic, columns=columns)
    answer(child, "Target")
    answer(child, "App name", "Chat_App")
    screen = shown(
        child, lambda lines: below(lines, "? App name Chat_App") == whole, "the whole rule"
    )
    under = screen[screen.index("? App name Chat_App") + 1 :]
    wrapped = under[: under.index("")]
    assert len(wrapped) >= 3 and all(len(line) <= columns for line in wrapped)
    assert all(not line.startswith(" ") for line in wrapped)  # cut between words only
    child.send(CLEAR + "chat\r")  # the answer stays for editing: corrected, asked on
    child.expect("Namespace")
    child.sendintr()
    assert finish(child) == 130


def test_no_at_the_confirmation_prints_the_command_that_writes_the_same_folder(
    hermetic: Path,
) -> None:
    """ "no" writes nothing and prints the render command of the answers (with what the values
    file, a variable and the flags gave, defaults left out): it writes what "yes" writes."""
    (hermetic / "values.yaml").write_text('replicas: 3\nenv:\n  A: "1"\n')

    def session(confirm: str) -> pexpect.spawn:
        child = spawn(
            "-f values.yaml --env B=2 -o deploy", hermetic, env={"WSGEN_NAMESPACE": "team-a"}
        )
        answer(child, "Target")
        answer(child, "App name", "chat")
        answer(child, "Container image")  # the default
        answer(child, "Container port", "8080")
        answer(child, "Host name", "chat.example.com")
        answer(child, "Path", "/ws")
        answer(child, "Idle timeout", "1h")  # the default, written otherwise
        child.expect("TLS")
        child.send("\r")  # none
        answer(child, "Cloud load balancer in front")
        answer(child, r"Write 5 file\(s\) to deploy\?", confirm)
        return child

    child = session("n")
    child.expect(r"wsgen: the same answers, to write them later: (wsgen render [^\r\n]*)\r\n")
    command = child.match.group(1)
    child.expect(r"wsgen: error: nothing written \(not confirmed\)\r\n")
    assert finish(child) == 4
    assert sorted(p.name for p in hermetic.iterdir()) == ["stdout.txt", "values.yaml"]
    assert command == (
        "wsgen render --target ingress-nginx --name chat --namespace team-a --port 8080 "
        "--replicas 3 --env A=1 --env B=2 --host chat.example.com --path /ws -o deploy"
    )
    # run as printed, in a shell without the variable
    printed = subprocess.run(
        ["/bin/sh", "-c", shlex.join(wsgen_exe()) + command.removeprefix("wsgen")],
        cwd=hermetic,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert printed.returncode == 0, printed.stderr
    (hermetic / "deploy").rename(hermetic / "printed")
    child = session("")  # yes, the default
    assert finish(child) == 0
    assert tree(hermetic / "deploy") == tree(hermetic / "printed")


@pytest.mark.parametrize("mode", ["--dry-run", "--check"])
def test_init_dry_run_and_check_ask_then_write_nothing(mode: str, hermetic: Path) -> None:
    """The questions as ever, then render's plan (stdout) or check (exit 5), and no
    confirmation: nothing is written."""
    flags = f"--name chat -n team-a --image registry.example.com/chat:2 --port 8080 --path /ws --timeout 60 --tls none -o deploy {mode}"
    child = spawn(flags, hermetic)
    answer(child, "Target")
    answer(child, "Host name", "chat.example.com")
    answer(child, "Cloud load balancer in front")
    if mode == "--check":
        child.expect(r"wsgen: out of date: deploy/ingress.yaml \(would create\)")
        child.expect(r"wsgen: error: deploy: 5 of 5 files out of date\r\n")
    assert finish(child) == (5 if mode == "--check" else 0)
    assert "Write" not in child.before  # nothing to confirm
    assert sorted(p.name for p in hermetic.iterdir()) == ["stdout.txt"]
    same = render(hermetic, *shlex.split(flags.replace("--host", "")), "--host", "chat.example.com")
    assert (hermetic / "stdout.txt").read_text() == same.stdout
    if mode == "--dry-run":
        assert same.stdout.splitlines()[0] == "create    deploy/deployment.yaml"


def test_the_summary_is_wrapped_between_words_never_at_a_hyphen(hermetic: Path) -> None:
    """At 50 columns the default image, the Secret's name and the folder are longer than what
    is left of a summary line: each is moved whole to a line of its own (the image, longer
    than the terminal, folded by the terminal), never cut after one of its hyphens."""
    image = model.DEFAULTS["image"]
    folder = "deploy/my-long-folder-name-for-chat"
    flags = "--name my-chat-app -n prod --host chat.example.com --port 8080 --path /ws"
    child = spawn(f"{flags} --timeout 1h --tls self-signed -o {folder}", hermetic, columns=50)
    answer(child, "Target")
    answer(child, "Container image")
    answer(child, "TLS Secret name")
    answer(child, "Cloud load balancer in front")
    screen = shown(child, lambda lines: any("Write 8 file" in x for x in lines), "the summary")
    summary = screen[screen.index("Summary:") : screen.index(f"Files in {folder}:")]
    assert not [line for line in summary if line.endswith("-")], "\n".join(summary)
    assert "  TLS            self-signed (Secret" in summary and "  my-chat-app-tls)" in summary
    at = summary.index("  image") + 1  # "image" alone: its value does not fit beside it
    assert "".join(summary[at : at + 2]) == f"  {image}"  # folded by the terminal only
    child.send("n\r")
    assert finish(child) == 4
