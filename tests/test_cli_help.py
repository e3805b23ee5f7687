"""The command line's own help, as a new user meets it: shell completion through the protocol
the shells speak and in the real shells, `-V`, and `--help` that reads well (metavars that say
what is wanted, no `{URL}` braces, one-line summaries, and defaults that are the real ones)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from cryptography import x509

import wsgen
from conftest import Run, wsgen_exe
from oracles import missing, program
from wsgen import cli, cloud, lint, model, targets

BIN = str(Path(sys.executable).parent)


def shell_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell has: the console script on PATH (the completion
    scripts call `wsgen` by name), HOME the test's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WSGEN_", "_WSGEN_"))}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    return env | extra


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wsgen_exe(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env() if env is None else env,
    )


# --------------------------------------------------------------------------- completion protocol


def complete_bash(line: str) -> subprocess.CompletedProcess[str]:
    """What `wsgen` answers the bash script at a Tab after `line` (bash's COMP_WORDS and
    COMP_CWORD, as typer's script passes them)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return run(
        env=shell_env(_WSGEN_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(cword))
    )


CHOICES = [
    ("wsgen render --target ", list(targets.TARGETS)),
    ("wsgen init --target ", list(targets.TARGETS)),
    ("wsgen render --tls ", list(model.TLS_MODES)),
    ("wsgen render --issuer-kind ", list(model.ISSUER_KINDS)),
    ("wsgen render --cloud ", [cloud.NO_CLOUD, *cloud.PROVIDERS]),
    ("wsgen render --alb-scheme ", ["internet-facing", "internal"]),
    ("wsgen lint --format ", ["text", "json", "sarif"]),
    ("wsgen lint --fail-on ", list(lint.SEVERITIES)),
    ("wsgen lint --controller ", list(lint.CONTROLLERS)),
    ("wsgen cert --key-type ", list(model.KEY_TYPES)),
    # what was typed so far narrows them
    ("wsgen render --target nginx-", ["nginx-gateway-fabric"]),
    ("wsgen render --tls se", ["self-signed", "secret"]),
    ("wsgen render --port 80 --tls c", ["cert-manager"]),
]


@pytest.mark.parametrize(("line", "expected"), CHOICES, ids=[c[0] for c in CHOICES])
def test_bash_completion_offers_the_choices(line: str, expected: list[str]) -> None:
    result = complete_bash(line)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
    assert result.stderr == ""


@pytest.mark.parametrize(
    "line",
    [
        "wsgen render -f ",
        "wsgen render --values ",
        "wsgen render -o ",
        "wsgen init --out ",
        "wsgen render --cert ",
        "wsgen render --key ",
        "wsgen probe --ca ",
        "wsgen lint ",
        "wsgen cert -o ",
    ],
)
def test_bash_completion_leaves_paths_to_the_shell(line: str) -> None:
    """Nothing offered (an empty line: no word for COMPREPLY): typer's script (`complete -o
    default`) then completes file names."""
    result = complete_bash(line)
    assert (result.returncode, result.stdout, result.stderr) == (0, "\n", "")


def test_bash_completion_of_commands_and_flags() -> None:
    assert complete_bash("wsgen ").stdout.split() == ["render", "init", "cert", "lint", "probe"]
    assert complete_bash("wsgen render --ti").stdout.split() == ["--timeout"]
    assert sorted(complete_bash("wsgen -").stdout.split()) == [
        "--debug",
        "--help",
        "--install-completion",
        "--show-completion",
        "--version",
        "-V",
        "-h",
    ]


def test_zsh_and_fish_protocols() -> None:
    zsh = run(
        env=shell_env(
            _WSGEN_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="wsgen render --issuer-kind "
        )
    )
    assert zsh.stdout.strip() == """_arguments '*: :(("ClusterIssuer"\n"Issuer"))'"""
    files = run(env=shell_env(_WSGEN_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="wsgen lint "))
    assert files.stdout.strip() == "_files"
    fish = run(
        env=shell_env(
            _WSGEN_COMPLETE="complete_fish",
            _TYPER_COMPLETE_FISH_ACTION="get-args",
            _TYPER_COMPLETE_ARGS="wsgen render --target nginx-",
        )
    )
    about = targets.TARGETS["nginx-gateway-fabric"].about
    assert fish.stdout.splitlines() == [f"nginx-gateway-fabric\t{about}"]


def test_completion_descriptions_fit_one_line() -> None:
    """zsh and fish show a line about each target and cloud; typer wraps one past 80 columns
    (a newline inside the menu)."""
    for option in (model.option("target"), model.option("cloud")):
        for value, about in cli.choices(option):
            assert 0 < len(about) <= 72, (value, about)


# --------------------------------------------------------------------------- the real shells


def need(name: str) -> str:
    found = program(name)
    if found is None:
        missing(f"{name} is not installed (apt-get install {name}; .ci/run installs it)")
    return found


def script(shell: str) -> str:
    result = run("--show-completion", shell)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


# A stand-in for wsgen defined after the script is sourced: Tab completion runs the real
# console script (the script calls it through env, which sees no shell function), Enter runs
# this, which prints the completed command line. "GOT" is split so that the shell's echo of
# the definition never matches.
STAND_IN = "wsgen() { printf '%s%s\\n' G \"OT<$*>\"; }"


def typed_in(argv: list[str], setup: str, typed: str, cwd: Path) -> str:
    """The command line an interactive shell runs after `typed` (Tabs included) and Enter."""
    shell = pexpect.spawn(
        argv[0],
        argv[1:],
        env=shell_env(TERM="dumb", HOME=str(cwd)),
        cwd=str(cwd),
        encoding="utf-8",
        timeout=30,
        dimensions=(24, 200),
    )
    try:
        shell.sendline(f"PS1='READY> '; {setup}; {STAND_IN}; echo SET''UP")
        shell.expect("SETUP")
        shell.expect("READY> ")
        shell.send(typed + "\r")
        shell.expect(r"GOT<([^>]*)>")
        return str(shell.match.group(1))
    finally:
        shell.close(force=True)


SHELL_CASES = [
    ("wsgen render --tls sec\t", "render --tls secret"),
    ("wsgen render --tar\tgk\t", "render --target gke"),
    ("wsgen render -f val\t", "render -f values.yaml"),
    ("wsgen render -o fol\t", "render -o folder/"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    where = tmp_path / "shell"
    where.mkdir()
    (where / "values.yaml").write_text("port: 8080\n")
    (where / "folder").mkdir()
    return where


@pytest.mark.parametrize(("typed", "expected"), SHELL_CASES)
def test_completion_in_a_real_bash(folder: Path, typed: str, expected: str) -> None:
    bash = need("bash")
    (folder / "wsgen.bash").write_text(script("bash"))
    got = typed_in([bash, "--norc", "--noprofile", "-i"], "source ./wsgen.bash", typed, folder)
    assert got == expected


@pytest.mark.parametrize(("typed", "expected"), SHELL_CASES[::2])
def test_completion_in_a_real_zsh(folder: Path, typed: str, expected: str) -> None:
    zsh = need("zsh")
    (folder / "wsgen.zsh").write_text(script("zsh"))
    setup = "autoload -Uz compinit; compinit -u -D; source ./wsgen.zsh"
    assert typed_in([zsh, "-f", "-i"], setup, typed, folder) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("wsgen render --tls s", ["secret", "self-signed"]),
        ("wsgen lint --fail-on ", sorted(lint.SEVERITIES)),
        ("wsgen render -f val", ["values.yaml"]),  # files, when wsgen offers nothing
    ],
)
def test_completion_in_a_real_fish(folder: Path, line: str, expected: list[str]) -> None:
    fish = need("fish")
    (folder / "wsgen.fish").write_text(script("fish"))
    result = subprocess.run(
        [fish, "--no-config", "-c", f"source ./wsgen.fish; complete -C '{line}'"],
        env=shell_env(HOME=str(folder)),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert [entry.split("\t")[0] for entry in result.stdout.splitlines()] == expected


def test_install_completion_for_bash(tmp_path: Path) -> None:
    bash = need("bash")
    home = tmp_path / "home"
    result = run("--install-completion", "bash", env=shell_env(HOME=str(home)))
    assert result.returncode == 0, result.stderr
    installed = home / ".bash_completions" / "wsgen.sh"
    assert result.stdout == (
        f"wsgen: bash completion installed in {installed}; it works in shells started now\n"
    )
    assert installed.read_text() + "\n" == script("bash")
    # a new interactive bash reads ~/.bashrc, which now sources the script
    shell = subprocess.run(
        [bash, "-i", "-c", "complete -p wsgen"],
        env=shell_env(HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert shell.stdout == "complete -o default -F _wsgen_completion wsgen\n"
    again = run("--install-completion", "bash", env=shell_env(HOME=str(home)))
    assert again.returncode == 0
    assert (home / ".bashrc").read_text().count(f"source '{installed}'") == 1


def test_install_completion_escapes_the_folder_it_names(tmp_path: Path) -> None:
    """HOME as set, with a control character: the line names it escaped, never raw (found
    by the final shell attack)."""
    home = tmp_path / "h\x1bq"
    home.mkdir()
    result = run("--install-completion", "bash", env=shell_env(HOME=str(home)))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout == (
        f"wsgen: bash completion installed in {tmp_path}/h\\x1bq/.bash_completions/wsgen.sh; "
        "it works in shells started now\n"
    )
    assert (home / ".bash_completions" / "wsgen.sh").is_file()


def test_install_completion_for_zsh_and_fish(tmp_path: Path) -> None:
    zsh, fish = need("zsh"), need("fish")
    home = tmp_path / "home"
    env = shell_env(HOME=str(home))
    assert run("--install-completion", "zsh", env=env).returncode == 0
    assert run("--install-completion", "fish", env=env).returncode == 0
    # a new zsh: compinit (in ~/.zshrc now) finds _wsgen on its fpath
    shell = subprocess.run(
        [zsh, "-i", "-c", "print -r -- $_comps[wsgen]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert shell.stdout == "_wsgen\n", shell.stderr
    # fish loads ~/.config/fish/completions/wsgen.fish by itself
    answer = subprocess.run(
        [fish, "-c", "complete -C 'wsgen render --issuer-kind '"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.stdout.splitlines() == list(model.ISSUER_KINDS)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_show_completion_finds_the_shell_it_runs_in(shell: str) -> None:
    """No shell named: the one wsgen was started from (`; true` keeps the shell from
    replacing itself with wsgen)."""
    found = need(shell)
    result = subprocess.run(
        [found, "-c", "wsgen --show-completion; true"],
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == script(shell)


def test_a_shell_wsgen_cannot_complete_in_is_one_line() -> None:
    for flag in ("--show-completion", "--install-completion"):
        result = run(flag, "tcsh")
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr == (
            f"wsgen: error: {flag}: 'tcsh' is not a shell wsgen completes in "
            "(one of: bash, zsh, fish)\n"
        )


def test_a_shell_found_that_wsgen_cannot_complete_in_is_one_line() -> None:
    sh = need("dash")
    result = subprocess.run(
        [sh, "-c", "wsgen --show-completion; exit $?"],
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "wsgen: error: --show-completion: wsgen runs in dash, which it does not complete in; "
        "name one: --show-completion bash, zsh or fish\n"
    )


def test_the_shell_is_the_word_after_the_flag_among_wsgens_own_options() -> None:
    assert run("--debug", "--show-completion", "fish").stdout == script("fish")
    # a command's own values are its own: here the probe's message, then its URL
    probed = run("probe", "--message", "--show-completion", "zsh")
    assert probed.returncode == 2
    assert probed.stderr.startswith("wsgen: error: URL: 'zsh' is not a ws:// or wss:// URL")


# --------------------------------------------------------------------------- -V


def test_dash_v_is_the_version() -> None:
    for flag in ("-V", "--version"):
        result = run(flag)
        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            f"wsgen {wsgen.__version__}\n",
            "",
        )


# --------------------------------------------------------------------------- --help

COMMANDS = ["render", "init", "cert", "lint", "probe"]


def help_of(*command: str, columns: int = 80) -> str:
    result = run(*command, "--help", env=shell_env(COLUMNS=str(columns)))
    assert result.returncode == 0, result.stderr
    return result.stdout


def records(text: str) -> dict[str, tuple[str, str]]:
    """An options section's rows, by each long flag: (what follows the flags, the help) with
    the wrapped lines joined (a line cut after a hyphen joined without a space)."""
    rows: list[list[str]] = []  # [flags and value, help]
    for line in text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0].splitlines():
        if re.match(r"  -", line):
            rows.append([*re.split(r" {2,}", line.strip(), maxsplit=1), ""][:2])
        else:
            joiner = "" if re.search(r"\w-$", rows[-1][1]) or not rows[-1][1] else " "
            rows[-1][1] += joiner + line.strip()
    result = {}
    for flags, about in rows:
        long_flag = next(word for word in flags.replace(",", " ").split() if word[:2] == "--")
        result[long_flag] = (flags.split(long_flag, 1)[1].strip(), about)
    return result


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_no_type_placeholders_or_braces(command: list[str]) -> None:
    text = help_of(*command)
    usage = text.splitlines()[0]
    assert "{" not in usage and "}" not in usage, usage
    assert "<str>" not in text and "<text>" not in text
    for flag, (shown, _about) in records(text).items():
        # a value is named in capitals (FILE, DIR, SECONDS|DURATION, N, 'NAME: VALUE')
        assert shown == "" or re.fullmatch(r"[A-Z\['][A-Z_|:=.,\[\]' ]*", shown), flag


def test_usage_lines() -> None:
    assert help_of("probe").splitlines()[0] == "Usage: wsgen probe [OPTIONS] URL"
    assert help_of("lint").splitlines()[0] == "Usage: wsgen lint [OPTIONS] PATH..."


METAVARS = {
    ("render",): {
        "--values": "FILE",
        "--out": "DIR",
        "--cert": "FILE",
        "--key": "FILE",
        "--timeout": "SECONDS|DURATION",
        "--lb-timeout": "SECONDS|DURATION",
        "--replicas": "N",
        "--days": "N",
        "--canary-weight": "N",
        "--canary-replicas": "N",
        "--port": "PORT",
        "--http-listener-port": "PORT",
        "--lb-port": "PORT",
        "--name": "NAME",
        "--tls-secret": "NAME",
        "--host": "HOST",
        "--upstream": "HOST:PORT",
        "--tls": "MODE",
        "--target": "TARGET",
        "--env": "KEY=VALUE",
    },
    ("init",): {"--values": "FILE", "--out": "DIR", "--timeout": "SECONDS|DURATION"},
    ("cert",): {"--out": "DIR", "--days": "N", "--host": "HOST", "--key-type": "TYPE"},
    ("lint",): {"--min-timeout": "SECONDS", "--format": "FORMAT", "--fail-on": "SEVERITY"},
    ("probe",): {"--ca": "FILE", "--idle": "SECONDS", "--step-timeout": "SECONDS"},
}


@pytest.mark.parametrize("command", list(METAVARS), ids=lambda c: c[0])
def test_metavars_say_what_is_wanted(command: tuple[str, ...]) -> None:
    rows = records(help_of(*command))
    assert {flag: rows[flag][0] for flag in METAVARS[command]} == METAVARS[command]


@pytest.mark.parametrize("columns", [80, 120])
def test_the_command_summaries_fit_one_line(columns: int) -> None:
    text = help_of(columns=columns)
    listed = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listed] == COMMANDS
    for line in listed:
        assert len(line) <= 80 and not line.endswith("..."), line
        assert line.split(None, 1)[1] == cli.SUMMARIES[line.split()[0]]


# --------------------------------------------------------------------------- defaults

# The help's default of every option that has one, proved by rendering: with nothing given,
# the output is what the default given explicitly gives (and another value changes it, so the
# option is not simply ignored). Each case: the option's key, what --help must say, the
# command line around it, the flags that spell the default out, another value's flags.
SECRET = ["--tls", "secret"]
CANARY = ["--canary-image", "ghcr.io/example/chat:2"]
DEFAULT_CASES: list[tuple[str, str, list[str], list[str], list[str]]] = [
    ("name", "websocket-server", [], ["--name", "websocket-server"], ["--name", "chat"]),
    ("namespace", "default", [], ["-n", "default"], ["-n", "apps"]),
    ("image", model.DEFAULT_IMAGE, [], ["--image", model.DEFAULT_IMAGE], ["--image", "nginx:1"]),
    ("port", "3000", [], ["--port", "3000"], ["--port", "8080"]),
    ("replicas", "1", [], ["--replicas", "1"], ["--replicas", "2"]),
    ("host", "test.example.com", [], ["--host", "test.example.com"], ["--host", "a.example"]),
    ("path", "/", [], ["--path", "/"], ["--path", "/ws"]),
    ("timeout", "3600", [], ["--timeout", "3600"], ["--timeout", "60"]),
    ("tls.mode", "none", [], ["--tls", "none"], SECRET),
    ("tls.secretName", "<name>-tls", ["--name", "chat", *SECRET], ["--tls-secret", "chat-tls"],
     ["--tls-secret", "other"]),
    ("tls.issuerKind", "ClusterIssuer", ["--tls", "cert-manager", "--issuer", "le"],
     ["--issuer-kind", "ClusterIssuer"], ["--issuer-kind", "Issuer"]),
    ("target", "ingress-nginx", [], ["--target", "ingress-nginx"], ["--target", "traefik"]),
    ("cloud", "none", [], ["--cloud", "none"], ["--cloud", "aws"]),
    ("ingressClass", "nginx", [], ["--ingress-class", "nginx"], ["--ingress-class", "internal"]),
    ("lbTimeout", "--timeout", ["--cloud", "aws", "--timeout", "120"], ["--lb-timeout", "120"],
     ["--lb-timeout", "300"]),
    ("canary.weight", "0", CANARY, ["--canary-weight", "0"], ["--canary-weight", "10"]),
    ("canary.replicas", "--replicas", [*CANARY, "--replicas", "3"], ["--canary-replicas", "3"],
     ["--canary-replicas", "1"]),
    ("albScheme", "internet-facing", ["--target", "aws-alb"], ["--alb-scheme", "internet-facing"],
     ["--alb-scheme", "internal"]),
    ("gatewayNamespace", "--namespace",
     ["--target", "envoy-gateway", "--gateway", "gw", "-n", "apps"],
     ["--gateway-namespace", "apps"], ["--gateway-namespace", "edge"]),
    ("gatewayClass", "eg, nginx or istio, by target", ["--target", "envoy-gateway"],
     ["--gateway-class", "eg"], ["--gateway-class", "other"]),
    ("gatewayClass", "eg, nginx or istio, by target", ["--target", "nginx-gateway-fabric"],
     ["--gateway-class", "nginx"], ["--gateway-class", "other"]),
    ("gatewayClass", "eg, nginx or istio, by target", ["--target", "istio"],
     ["--gateway-class", "istio"], ["--gateway-class", "other"]),
    ("httpListenerPort", "80", ["--target", "envoy-gateway"], ["--http-listener-port", "80"],
     ["--http-listener-port", "8000"]),
    ("httpsListenerPort", "443", ["--target", "envoy-gateway", *SECRET],
     ["--https-listener-port", "443"], ["--https-listener-port", "8443"]),
    ("entryPoint", "websecure with TLS, web without", ["--target", "traefik"],
     ["--entrypoint", "web"], ["--entrypoint", "other"]),
    ("entryPoint", "websecure with TLS, web without", ["--target", "traefik", *SECRET],
     ["--entrypoint", "websecure"], ["--entrypoint", "other"]),
    ("upstream", "127.0.0.1:<port>", ["--target", "nginx", "--port", "8080"],
     ["--upstream", "127.0.0.1:8080"], ["--upstream", "127.0.0.1:9000"]),
    ("listen", "80, or 443 with TLS", ["--target", "nginx"], ["--listen", "80"],
     ["--listen", "8080"]),
    ("lbPorts", "80, or 443 with --lb-cert", ["--target", "loadbalancer"], ["--lb-port", "80"],
     ["--lb-port", "8080"]),
    ("lbPorts", "80, or 443 with --lb-cert",
     ["--target", "loadbalancer", "--cloud", "aws", "--lb-cert",
      "arn:aws:acm:us-east-1:123456789012:certificate/abc"],
     ["--lb-port", "443"], ["--lb-port", "443", "--lb-port", "8443"]),
]  # fmt: skip
# tls.days: below (a certificate differs on every run); TLS with files: below (a certificate)
OTHER_DEFAULT_TESTS = {"tls.days": "365", "listen": "80, or 443 with TLS"}


@pytest.fixture(scope="module")
def render_help() -> dict[str, tuple[str, str]]:
    return records(help_of("render"))


def help_default(rows: dict[str, tuple[str, str]], key: str) -> str | None:
    about = rows[model.option(key).flag][1]
    found = re.search(r"\[default: (.*?); env ", about)
    return None if found is None else found.group(1)


@pytest.mark.parametrize(
    ("key", "said", "around", "spelled", "other"),
    DEFAULT_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(DEFAULT_CASES)],
)
def test_the_help_default_is_the_real_default(
    wsgen,
    render_help: dict[str, tuple[str, str]],
    key: str,
    said: str,
    around: list[str],
    spelled: list[str],
    other: list[str],
) -> None:
    assert help_default(render_help, key) == said
    implicit: Run = wsgen("render", *around)
    explicit: Run = wsgen("render", *around, *spelled)
    changed: Run = wsgen("render", *around, *other)
    assert implicit.code == explicit.code == changed.code == 0, (implicit.err, changed.err)
    # stdout and stderr: some settings are notes (a cloud's annotations on a chart's Service)
    assert (explicit.out, explicit.err) == (implicit.out, implicit.err)
    assert (changed.out, changed.err) != (implicit.out, implicit.err)


def test_every_default_shown_is_proved(render_help: dict[str, tuple[str, str]]) -> None:
    """A default added to the help without a case above fails here."""
    proved = {case[0]: case[1] for case in DEFAULT_CASES} | OTHER_DEFAULT_TESTS
    shown = {
        key: said for key in model.options() if (said := help_default(render_help, key)) is not None
    }
    assert shown == proved


def test_init_help_shows_the_same_defaults() -> None:
    rows = records(help_of("init"))
    for key in ("name", "port", "timeout", "tls.mode", "target", "tls.secretName"):
        assert help_default(rows, key) == cli.default_text(model.option(key)), key


def validity_days(folder: Path) -> float:
    cert = x509.load_pem_x509_certificate((folder / "tls" / "tls.crt").read_bytes())
    span: dt.timedelta = cert.not_valid_after_utc - cert.not_valid_before_utc
    return span / dt.timedelta(days=1)


def test_the_days_default_is_the_certificates_validity(
    wsgen, render_help: dict[str, tuple[str, str]]
) -> None:
    assert help_default(render_help, "tls.days") == "365"
    for out, days in (
        ("implicit", []),
        ("explicit", ["--days", "365"]),
        ("other", ["--days", "30"]),
    ):
        result = wsgen("render", "--tls", "self-signed", "-o", out, *days)
        assert result.code == 0, result.err
    assert validity_days(Path("implicit")) == validity_days(Path("explicit")) == 365
    assert validity_days(Path("other")) == 30


def test_nginx_listens_on_443_with_tls(wsgen, render_help: dict[str, tuple[str, str]]) -> None:
    assert help_default(render_help, "listen") == "80, or 443 with TLS"
    made = wsgen("cert", "--host", "test.example.com", "-o", "certs")
    assert made.code == 0, made.err
    tls = [
        "--target",
        "nginx",
        "--tls",
        "files",
        "--cert",
        "certs/tls.crt",
        "--key",
        "certs/tls.key",
    ]
    implicit = wsgen("render", *tls, "-o", "implicit")
    explicit = wsgen("render", *tls, "--listen", "443", "-o", "explicit")
    assert implicit.code == explicit.code == 0, implicit.err
    for name in ("nginx.conf",):
        assert (Path("implicit") / name).read_text() == (Path("explicit") / name).read_text()
    assert "listen 443 ssl" in (Path("implicit") / "nginx.conf").read_text()


# --------------------------------------------------------------------------- review of issue 16


def test_install_completion_only_appends_to_the_start_up_file(tmp_path: Path) -> None:
    """A ~/.bashrc in Latin-1 without a last line break, a ~/.zshrc that starts with blanks:
    each keeps its bytes, the loading lines are added once at its end (typer's install was an
    internal error on the first, stripped the second, added a blank line on every run)."""
    home = tmp_path / "home"  # made empty by conftest's hermetic
    bashrc, zshrc = b"# caf\xe9\nalias x=y", b"  # mine\n\nzstyle ':completion:*' list-colors ''\n"
    (home / ".bashrc").write_bytes(bashrc)
    (home / ".zshrc").write_bytes(zshrc)
    env = shell_env(HOME=str(home))
    for _ in range(2):
        for shell in ("bash", "zsh"):
            result = run("--install-completion", shell, env=env)
            assert (result.returncode, result.stderr) == (0, "")
    source = f"source '{home / '.bash_completions/wsgen.sh'}'\n".encode()
    assert (home / ".bashrc").read_bytes() == bashrc + b"\n" + source
    zsh_line = b"fpath+=~/.zfunc; autoload -Uz compinit; compinit\n"
    assert (home / ".zshrc").read_bytes() == zshrc + zsh_line  # it has a zstyle: none added


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_install_completion_with_home_empty_or_relative_is_one_line(
    home: str, hermetic: Path
) -> None:
    """HOME="" was taken as / (the script went into /.config/fish); relative, as a folder of
    wherever wsgen runs."""
    result = subprocess.run(
        [*wsgen_exe(), "--install-completion", "fish"],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env(HOME=home),
        cwd=hermetic,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"wsgen: error: --install-completion: HOME is {home!r}, not an absolute folder; set "
        "it, or install the script by hand: wsgen --show-completion fish\n"
    )
    assert list(hermetic.iterdir()) == []


def test_install_completion_with_a_start_up_file_no_regular_file_writes_nothing(
    tmp_path: Path,
) -> None:
    """~/.bashrc a named pipe (typer wrote into it: blocked until a reader came) or a folder:
    one line, exit 1, no script written."""
    for make in (os.mkfifo, os.mkdir):
        home = tmp_path / make.__name__
        home.mkdir()
        make(home / ".bashrc")
        result = run("--install-completion", "bash", env=shell_env(HOME=str(home)))
        assert result.returncode == 1
        assert result.stderr == (
            f"wsgen: error: --install-completion: {home / '.bashrc'}: is not a regular file\n"
        )
        assert sorted(p.name for p in home.iterdir()) == [".bashrc"]


def test_the_shell_may_follow_a_completion_flag_after_an_equals_sign() -> None:
    """--show-completion=zsh, as a long option's value is often written (it was "Option
    '--show-completion' does not take a value")."""
    assert run("--show-completion=zsh").stdout == script("zsh")
    result = run("--install-completion=tcsh")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "wsgen: error: --install-completion: 'tcsh' is not a shell wsgen completes in "
        "(one of: bash, zsh, fish)\n"
    )


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_init_help_names_the_folder_init_writes(target: str, wsgen) -> None:
    """init -o's default is the target's (nginx for --target nginx: the help said k8s)."""
    about = records(help_of("init"))["--out"][1]
    folder = targets.TARGETS[target].default_out
    said = f"default {folder}" if folder == "k8s" else f"{folder} with --target {target}"
    assert said in about, about
    plan = wsgen("init", "--defaults", "--target", target, "--dry-run")
    assert plan.code == 0, plan.err
    assert plan.out.startswith(f"create    {folder}/"), plan.out
