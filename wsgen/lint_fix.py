"""wsgen lint --fix and --diff: apply the findings' fixes, check the result, write it.

In rounds, as ruff does: the fixes asked for (safe; unsafe too with --unsafe-fixes) whose
edits do not overlap are applied to the text in memory, the changed documents are composed
again (the others keep their nodes, moved to their new place), and every file is linted again;
a fix that overlapped another waits for the next round. Before anything is written, the result
must parse, the findings fixed must be gone, and no new finding may have appeared: a file
that fails this keeps its text, and says why. Files are written atomically, keeping their mode
and their encoding (a BOM, UTF-16); an unchanged file is not touched.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from wsgen.errors import OutputFailed
from wsgen.lint import (
    _DOCUMENT_START,
    Document,
    Finding,
    Loaded,
    Options,
    Problem,
    Report,
    _compose,
    _no_gc,
    analyse,
    decode,
    documents,
    expand,
    load,
    read_file,
    released,
)
from wsgen.lint_edit import Edit, Fix
from wsgen.terminal import escape
from wsgen.unified_diff import Opcode, Tag, lines, quoted_name, unified

MAX_ROUNDS = 10  # a fix that makes another possible takes a round; ten is far more than any


@dataclass
class Outcome:
    """What --fix did: the report (findings left, and those fixed, marked so), the files'
    new texts (changed ones only), and why a file was left as it was."""

    report: Report
    texts: dict[str, str] = field(default_factory=dict)  # name -> fixed text
    originals: dict[str, Loaded] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def wanted(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.safe or unsafe)


Key = tuple[str, str, str, str]  # a finding as recognised across fixes: see _key
ANY = "*"  # in a hold: every Ingress of the file, or every file
UNSAFE, ALL = "unsafe", "all"  # what a hold holds back: the unsafe fixes, every fix, or a rule's
Hold = tuple[str, str, str]  # (file or ANY, Ingress or ANY, UNSAFE, ALL or a rule id)
Applied = tuple[Key, int, bool]  # a finding fixed, how many of its kind, whether safely
MAX_TRIALS = 6  # rules tried one by one for a failure before holding back more at once


@dataclass
class _Attempt:
    current: list[Loaded]
    report: Report
    applied: list[Applied]
    failures: dict[tuple[str, str], str]


def fix(paths: Sequence[str], options: Options, stdin: BinaryIO | None, unsafe: bool) -> Outcome:
    """Lint PATHs, fix what can be fixed in memory, and check it; nothing is written here.

    When the result fails the checks for an Ingress (a new finding, or one whose fix was
    applied still there), fixes are held back and the files fixed again from their first
    text: first one rule's fixes of that Ingress at a time (its unsafe ones first), kept if
    that clears it; else, a little more each time, that Ingress's unsafe fixes, all its fixes,
    the file's unsafe ones, the file's, and at last every file's. So --unsafe-fixes never
    loses a safe fix that checks out, and one bad fix does not cost the rest of the file."""
    with _no_gc():
        # its nodes are let go when _fixed returns, while the garbage collector is still off:
        # turned on, its first full collection would walk the millions of them (3 s)
        return _fixed([load(name, path, stdin) for name, path in expand(paths)], options, unsafe)


def _fixed(loaded: list[Loaded], options: Options, unsafe: bool) -> Outcome:
    """fix, on the files read."""
    first = analyse(loaded, options)

    def attempt(held: set[Hold]) -> _Attempt:
        current, report, applied = _rounds(loaded, first, options, unsafe, held)
        return _Attempt(current, report, applied, _failures(first, report, applied))

    held: set[Hold] = set()
    tried: set[Hold] = set()
    trials_made: Counter[tuple[str, str]] = Counter()
    refused: dict[Hold, str] = {}
    state = attempt(held)
    while state.failures:
        # every failing Ingress at once (one at a time re-ran every file for each: a
        # folder of refusals was quadratic): its next rule to hold back, tried together
        index = _Index(state.applied)
        trials: dict[tuple[str, str], Hold] = {}
        proposed: set[Hold] = set()
        for pair in state.failures:
            if trials_made[pair] >= MAX_TRIALS:
                continue
            hold = _trial(*pair, index, (held, tried, proposed))
            if hold is not None:
                trials[pair] = hold
                proposed.add(hold)
                trials_made[pair] += 1
        changed = False
        if trials:
            tried.update(proposed)
            trial = attempt(held | proposed)
            for (file, ingress), hold in trials.items():
                if (file, ingress) not in trial.failures:
                    held.add(hold)
                    why = state.failures[(file, ingress)]
                    refused[hold] = f"{file}:{_shown(hold[1])} {hold[2]} not fixed: {why}"
                    changed = True
        for (file, ingress), why in state.failures.items():
            if (file, ingress) in trials:
                continue  # its next rule is tried next time
            hold = _next_hold(file, ingress, index, held)
            held.add(hold)
            what = "unsafe fixes not applied" if hold[2] == UNSAFE else "not fixed"
            if hold[0] == ANY:
                what = "no file fixed"
            refused.setdefault(hold, f"{file}:{_shown(hold[1])} {what}: {why}")
            changed = True
        if changed:
            state = attempt(held)
    texts = {
        new.name: new.text
        for old, new in zip(loaded, state.current, strict=True)
        if new.text is not None and new.text != old.text
    }
    return Outcome(
        released(_merged(first, state.report, texts)),
        texts,
        {file.name: replace(file, documents=[]) for file in loaded},  # nodes let go
        list(refused.values()),
    )


def _shown(ingress: str) -> str:
    return "" if ingress in ("", ANY) else f" {ingress}:"


class _Index:
    """The fixes applied, by file and by (file, Ingress): (Ingress, rule, safe) each."""

    def __init__(self, applied: list[Applied]) -> None:
        self.by_file: dict[str, list[tuple[str, str, bool]]] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
        for key, _count, safe in applied:
            mine = (key[2], key[1], safe)
            self.by_file.setdefault(key[0], []).append(mine)
            self.by_pair.setdefault((key[0], key[2]), []).append(mine)


def _trial(file: str, ingress: str, index: _Index, skip: tuple[set[Hold], ...]) -> Hold | None:
    """One rule's fixes of one Ingress to hold back, not held or tried yet: of the rules
    applied to this Ingress (to the file's, for a finding of the file), unsafe first."""
    mine = index.by_pair.get((file, ingress)) or index.by_file.get(file, [])
    for i, rule, _safe in sorted(mine, key=lambda m: (m[2], m[1], m[0])):
        hold = (file, i, rule)
        if not any(hold in s for s in skip):
            return hold
    return None


def _next_hold(file: str, ingress: str, index: _Index, held: set[Hold]) -> Hold:
    """The smallest hold not made yet that holds back some fix applied this time."""
    pair, mine = index.by_pair.get((file, ingress), []), index.by_file.get(file, [])
    candidates: list[tuple[Hold, bool]] = [
        ((file, ingress, UNSAFE), any(not safe for _i, _rule, safe in pair)),
        ((file, ingress, ALL), bool(pair)),
        ((file, ANY, UNSAFE), any(not safe for _i, _rule, safe in mine)),
        ((file, ANY, ALL), bool(mine)),
    ]
    for hold, useful in candidates:
        if useful and hold not in held:
            return hold
    return (ANY, ANY, ALL)


def _held(finding: Finding, held: set[Hold]) -> bool:
    path, ingress = finding.path, finding.ingress
    if (path, ingress, ALL) in held or (path, ANY, ALL) in held:
        return True
    if (path, ingress, finding.rule) in held:
        return True
    safe = finding.fix is not None and finding.fix.safe
    return not safe and ((path, ingress, UNSAFE) in held or (path, ANY, UNSAFE) in held)


def _rounds(
    loaded: list[Loaded],
    first: Report,
    options: Options,
    unsafe: bool,
    held: set[Hold],
) -> tuple[list[Loaded], Report, list[Applied]]:
    """Fix in rounds from the files as read: their new state, its report, and the findings
    fixed (each with how many of its kind there were in its round)."""
    current, report = list(loaded), first
    applied: list[Applied] = []
    if (ANY, ANY, ALL) in held:
        return current, report, applied
    for _round in range(MAX_ROUNDS):
        done = _apply_round(current, report, unsafe, held)
        if not done:
            break
        counts = Counter(_key(f) for f in report.findings)
        applied.extend((_key(f), counts[_key(f)], f.fix is not None and f.fix.safe) for f in done)
        report = analyse(current, options)
    return current, report, applied


def _apply_round(
    current: list[Loaded], report: Report, unsafe: bool, held: set[Hold]
) -> list[Finding]:
    """Apply this round's fixes to `current` (in place); the findings they fix."""
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if wanted(finding.fix, unsafe) and not _held(finding, held):
            by_file.setdefault(finding.path, []).append(finding)
    done: list[Finding] = []
    for at, file in enumerate(current):
        findings = by_file.get(file.name)
        if not findings or file.text is None or not file.editable:
            continue
        chosen = choose([f.fix for f in findings if f.fix is not None])
        if chosen:
            edits = [e for c in chosen for e in c.edits]
            current[at] = recomposed(file, apply(file.text, edits))
            taken = {c.edits for c in chosen}
            done.extend(f for f in findings if f.fix is not None and f.fix.edits in taken)
    return done


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one place: their order is not known
    if a.start == a.end:
        return b.start <= a.start < b.end
    if b.start == b.end:
        return a.start <= b.start < a.end
    return a.start < b.end and b.start < a.end


def choose(fixes: Iterable[Fix]) -> list[Fix]:
    """The edits of the fixes that can be applied together: each fix whole or not at all, in
    the order of the file, one fix of each `alone` key; the same fix twice (an annotation
    shared through an alias) once."""
    taken: list[Edit] = []  # sorted by (start, end); they never overlap each other
    chosen: list[Fix] = []
    seen: set[tuple[Edit, ...]] = set()
    alone: set[int] = set()
    # what only adds goes first: a removal that overlaps it waits a round and then takes less
    # (the one pair of `{x}` after the timeouts went in, not the whole `annotations:`)
    fixes = list(fixes)
    adds = {id(f): all(e.start == e.end for e in f.edits) for f in fixes}
    for candidate in sorted(fixes, key=lambda f: (not adds[id(f)], min(e.start for e in f.edits))):
        if candidate.edits in seen:
            continue
        if candidate.alone is not None and candidate.alone in alone:
            continue
        if any(_overlaps_taken(e, taken) for e in candidate.edits):
            continue
        seen.add(candidate.edits)
        if candidate.alone is not None:
            alone.add(candidate.alone)
        for e in candidate.edits:
            bisect.insort(taken, e, key=lambda t: (t.start, t.end))
        chosen.append(candidate)
    return chosen


def _overlaps_taken(edit: Edit, taken: list[Edit]) -> bool:
    """Whether `edit` overlaps any of `taken` (sorted, disjoint): only its neighbours can."""
    at = bisect.bisect_left(taken, (edit.start, edit.end), key=lambda t: (t.start, t.end))
    return any(_overlap(edit, t) for t in taken[max(0, at - 2) : at + 2])


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with non-overlapping edits made."""
    parts: list[str] = []
    at = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        parts.extend((text[at : e.start], e.text))
        at = e.end
    parts.append(text[at:])
    return "".join(parts)


# --- composing again only what changed ----------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    """A stretch of a file from one `---` (or `...`) line to the next."""

    line: int  # its first line (0-based)
    start: int  # its first character
    text: str


def segments(text: str) -> list[_Segment]:
    """The file cut at its document lines, as lint.documents reads a broken file."""
    found: list[_Segment] = []
    cuts = [0, *(m.start() for m in _DOCUMENT_START.finditer(text) if m.start() > 0)]
    line = 0
    for start, end in zip(cuts, [*cuts[1:], len(text)], strict=True):
        found.append(_Segment(line, start, text[start:end]))
        line += text.count("\n", start, end)
    return found


def recomposed(file: Loaded, text: str) -> Loaded:
    """`file` with a new text: the documents of segments whose text is unchanged are kept
    (their marks moved), the others composed again. A file with directives (`%TAG`), or whose
    documents do not fall into segments one way, is composed again whole."""
    old_text = file.text or ""
    old, new = segments(old_text), segments(text)
    if (
        len(old) != len(new)
        or re.search(r"^%", text, re.MULTILINE)
        or any(isinstance(d, Problem) for d in file.documents)
    ):
        return _edited(file, text, documents(text))
    owner: dict[int, list[Document]] = {}
    lines = [s.line for s in old]
    for document in file.documents:
        assert not isinstance(document, Problem)  # noqa: S101 - checked above, for mypy
        line = document.offset + document.node.start_mark.line
        owner.setdefault(bisect.bisect_right(lines, line) - 1, []).append(document)
    changed = [i for i, (o, n) in enumerate(zip(old, new, strict=True)) if o.text != n.text]
    # the changed segments composed as one stream (one parser, not one a document): they are
    # slices of a stream cut at its document lines, so together they are a stream too
    lines_at, chars_at, line, char = [], [], 0, 0
    for i in changed:
        lines_at.append(line)
        chars_at.append(char)
        line += new[i].text.count("\n")
        char += len(new[i].text)
    stream = "".join(new[i].text for i in changed)
    composed = _compose(stream, 0, [sys.maxsize], whole=True, ends_file=True)
    if isinstance(composed, Problem):  # said where it is by lint's own reading of the file
        return _edited(file, text, documents(text))
    fresh: dict[int, list[Document]] = {}
    for d in composed:
        at = bisect.bisect_right(lines_at, d.node.start_mark.line) - 1
        segment = new[changed[at]]
        fresh.setdefault(changed[at], []).append(
            Document(d.node, segment.line - lines_at[at], segment.start - chars_at[at])
        )
    kept: list[Document | Problem] = []
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        if index in fresh or before.text != after.text:
            kept.extend(fresh.get(index, []))
            continue
        kept.extend(
            Document(
                d.node,
                d.offset + after.line - before.line,
                d.index + after.start - before.start,
                d.kept,
            )
            for d in owner.get(index, [])
        )
    return _edited(file, text, kept)


def _edited(file: Loaded, text: str, documents: list[Document | Problem]) -> Loaded:
    """`file` with its new text and documents. Whether it is editable is not searched again in
    megabytes of text: edits add LF or CRLF line breaks only (their Problems are seen anyway)."""
    new = replace(file, text=text, documents=documents)
    if file.editable:
        new.__dict__["editable"] = not any(isinstance(d, Problem) for d in documents)
    return new


# --- checking ---------------------------------------------------------------------------------

_LINE = re.compile(r"\bline \d+")


def _key(f: Finding) -> Key:
    """A finding as it is recognised after fixes moved it: not by its line."""
    return (f.path, f.rule, f.ingress, _LINE.sub("line N", f.message))


def _failures(first: Report, last: Report, applied: list[Applied]) -> dict[tuple[str, str], str]:
    """(file, Ingress) -> why its fixes fail the checks: a finding the first report did not
    have, or one a fix was applied for that is still there."""
    before = Counter(_key(f) for f in first.findings)
    after = Counter(_key(f) for f in last.findings)
    new = after - before
    why: dict[tuple[str, str], str] = {}
    for f in last.findings:
        if new[_key(f)] > 0:
            # its line is one of the text as fixed, which the person never sees: not said
            why.setdefault((f.path, f.ingress), f"a fix would add {f.rule}: {f.message}")
    for key, count, _safe in applied:
        if after[key] >= count:
            why.setdefault((key[0], key[2]), f"the fix for {key[1]} did not remove it: {key[3]}")
    return why


def _merged(first: Report, last: Report, texts: dict[str, str]) -> Report:
    """The last round's findings, and the first's that are gone from a changed file (fixed,
    shown where they were)."""
    left = Counter(_key(f) for f in last.findings)
    files = []
    for before, after in zip(first.files, last.files, strict=True):
        gone: list[Finding] = []
        if before.path in texts:
            for f in before.findings:
                key = _key(f)
                if left[key] > 0:
                    left[key] -= 1
                else:
                    gone.append(replace(f, fixed=True))
        merged = replace(after, findings=sorted([*after.findings, *gone], key=Finding.sort_key))
        files.append(merged)
    return Report(files, last.options, last.loaded)


# --- writing ----------------------------------------------------------------------------------


def write(outcome: Outcome) -> list[str]:
    """Write every changed file (not stdin) atomically; the names written. Every file is
    checked and its new bytes written beside it before any is replaced: one that cannot be
    written (read-only, changed, a full disk) leaves them all as they were."""
    staged: list[tuple[str, Path]] = []  # (temporary file, the file it replaces)
    written = []
    try:
        for name, text in outcome.texts.items():
            original = outcome.originals[name]
            if original.path is None or original.encoding is None:
                continue
            staged.append(_staged(original.path, original, original.encoding.encode(text), name))
            written.append(name)
        while staged:
            temp, real = staged[0]
            try:
                os.replace(temp, real)
            except OSError as error:
                shown = escape(written[len(written) - len(staged)])
                raise OutputFailed(f"{shown}: not fixed: {error.strerror or error}") from None
            staged.pop(0)
    finally:
        for temp, _real in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return written


def _staged(path: Path, original: Loaded, data: bytes, shown: str) -> tuple[str, Path]:
    """`data` written to a temporary file beside the file (the file a link points to), with
    the file's mode and owner, to replace it by a rename; refused if it changed since it was
    read. (The temporary file's name, the file's real path.)"""
    shown = escape(shown)
    real = Path(os.path.realpath(path))
    if (
        str(path) == "/dev/stdin"
        or str(path).startswith("/dev/fd/")
        or str(real).startswith("/proc/")
    ):  # what the shell redirected in: writing "back" would replace that file
        raise OutputFailed(
            f"{shown}: not fixed: it is a file descriptor, not a file to write back (give - "
            "to get the fixed text on standard output)"
        )
    try:
        now = decode(read_file(real, None))
    except Exception as error:
        raise OutputFailed(f"{shown}: not fixed: cannot read it again ({error})") from None
    if now != original.text:
        raise OutputFailed(f"{shown}: not fixed: it changed while lint ran")
    try:
        info = os.stat(real)
    except OSError as error:
        raise OutputFailed(f"{shown}: not fixed: {error.strerror or error}") from None
    mode = info.st_mode & 0o7777
    if not mode & 0o222:  # a rename would replace it all the same: as an editor does, refuse
        raise OutputFailed(f"{shown}: not fixed: the file is read-only (mode {mode:o})")
    try:  # a read-only folder fails here: nothing was made
        fd, temp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".wsgen", dir=real.parent)
    except OSError as error:
        raise OutputFailed(f"{shown}: not fixed: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                # root fixing a person's file (a container, a hook): it stays theirs
                with contextlib.suppress(OSError):
                    os.fchown(out.fileno(), info.st_uid, info.st_gid)
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise OutputFailed(f"{shown}: not fixed: {error.strerror or error}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp, real


def diff(outcome: Outcome) -> str:
    """A unified diff (a/ and b/ paths, as git shows) of every file --fix would change; a
    last line without a newline is marked as diff marks it, wherever it falls in the hunk."""
    parts: list[str] = []
    for name, text in outcome.texts.items():
        original = outcome.originals[name]
        before = original.text or ""
        if original.path is not None and "\ufffd" in name:  # named by its bytes: patch finds it
            given = str(original.path)
            if "\ufffd" not in given:
                name = given  # bytes that are not UTF-8 kept as surrogates (surrogateescape)
        a_name, b_name = quoted_name("a/", name), quoted_name("b/", name)
        for line in unified(before, text, a_name, b_name, _opcodes(before, text)):
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


def _opcodes(before: str, after: str) -> list[Opcode]:
    """difflib's opcodes of the two texts' lines, found document by document when they have
    as many (fixes never add or remove a `---` line): difflib on a whole file of thousands of
    documents, whose lines repeat, is quadratic."""
    old, new = segments(before), segments(after)
    if len(old) != len(new):
        return difflib.SequenceMatcher(None, lines(before), lines(after), False).get_opcodes()
    codes: list[Opcode] = []
    at_a = at_b = 0

    def add(tag: Tag, i1: int, i2: int, j1: int, j2: int) -> None:
        if tag == "equal" and codes and codes[-1][0] == "equal":
            codes[-1] = ("equal", codes[-1][1], i2, codes[-1][3], j2)
        elif i1 < i2 or j1 < j2:
            codes.append((tag, i1, i2, j1, j2))

    for a, b in zip(old, new, strict=True):
        lines_a, lines_b = lines(a.text), lines(b.text)
        if a.text == b.text:
            add("equal", at_a, at_a + len(lines_a), at_b, at_b + len(lines_b))
        else:
            matcher = difflib.SequenceMatcher(None, lines_a, lines_b, False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                add(tag, at_a + i1, at_a + i2, at_b + j1, at_b + j2)
        at_a, at_b = at_a + len(lines_a), at_b + len(lines_b)
    return codes or [("equal", 0, 0, 0, 0)]
