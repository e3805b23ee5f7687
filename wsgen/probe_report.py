"""A probe Report as text (a line per step, then the result) or as JSON (schema wsgen-probe/1,
documented in docs/probe.md).

Much of a report comes from the network (close reasons, the HTTP reason phrase, headers,
certificate names). Every text line goes through wsgen.terminal.escape on its way out, so that no
control or invisible character reaches the terminal whatever a step put in its detail; the
JSON keeps the exact text, with the characters a terminal would act on written as \\u escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wsgen.probe import CLOSED, PASSED, Options, Report, Step
from wsgen.terminal import escape

SCHEMA = "wsgen-probe/1"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"


def step_line(step: Step) -> str:
    status = "ok" if step.ok else ("closed" if step.closed else "FAILED")
    return escape(f"{step.name:<8} {status:<6} {duration(step.seconds):>9}  {step.detail}")


def header(options: Options) -> str:
    via = f" via {options.resolve}" if options.resolve else ""
    return escape(f"probe {options.url}{via}")


def result_line(report: Report) -> str:
    if report.exit_code == PASSED:
        return escape(f"result: passed: {report.diagnosis}")
    if report.exit_code == CLOSED:
        return escape(f"result: closed: {report.diagnosis}")
    return f"result: failed at {report.failed_step} (the line above says why)"


# json.dumps writes C0 controls as \u escapes; with ensure_ascii=False it leaves the rest of
# what a terminal acts on (DEL, C1 controls such as U+009B CSI, bidi overrides, separators).
# Outside strings a JSON document is ASCII, so these can only be inside strings.
_TERMINAL_UNSAFE = re.compile(r"[^\x20-\x7e\n]")


def _as_escape(match: re.Match[str]) -> str:
    char = match[0]
    # json.dumps of one character with ensure_ascii: \uXXXX (a surrogate pair above U+FFFF)
    return char if char.isprintable() else json.dumps(char)[1:-1]


def _unsafe_as_escapes(text: str) -> str:
    return _TERMINAL_UNSAFE.sub(_as_escape, text)


def as_json(report: Report) -> str:
    result = {PASSED: "passed", CLOSED: "closed"}.get(report.exit_code, "failed")
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "url": report.url,
        "result": result,
        "exit_code": report.exit_code,
        "failed_step": report.failed_step,
        "diagnosis": report.diagnosis,
        "steps": [
            {
                "step": step.name,
                "ok": step.ok,
                "seconds": round(step.seconds, 4),
                "detail": step.detail,
                **step.data,
            }
            for step in report.steps
        ],
    }
    return _unsafe_as_escapes(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
