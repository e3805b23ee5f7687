"""A probe Report as text (a line per step, then the result) or as JSON (schema wsgen-probe/1,
documented in the README)."""

from __future__ import annotations

import json
from typing import Any

from wsgen.probe import CLOSED, PASSED, Options, Report, Step

SCHEMA = "wsgen-probe/1"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"


def step_line(step: Step) -> str:
    status = "ok" if step.ok else ("closed" if step.closed else "FAILED")
    return f"{step.name:<8} {status:<6} {duration(step.seconds):>9}  {step.detail}"


def header(options: Options) -> str:
    via = f" via {options.resolve}" if options.resolve else ""
    return f"probe {options.url}{via}"


def result_line(report: Report) -> str:
    if report.exit_code == PASSED:
        return f"result: passed: {report.diagnosis}"
    if report.exit_code == CLOSED:
        return f"result: closed: {report.diagnosis}"
    return f"result: failed at {report.failed_step} (the line above says why)"


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
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
