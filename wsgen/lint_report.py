"""wsgen lint's output: text for people, JSON for scripts, SARIF 2.1.0 for code scanning.

Pure functions from a Report to a string; the JSON and SARIF shapes are documented in docs/lint.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from wsgen.lint import STDIN_NAME, Finding, Report, fix_status
from wsgen.lint_edit import Fix
from wsgen.lint_rules import RULES
from wsgen.terminal import escape

JSON_SCHEMA = "wsgen-lint/1"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def summary(report: Report) -> str:
    """`2 files, 3 Ingresses: 1 error, 0 warnings, 2 infos`, then what was or can be fixed:
    `; 2 fixed, 1 fixable with --fix, 1 with --fix --unsafe-fixes`"""
    ingresses = sum(f.ingresses for f in report.files)
    said = (
        f"{_plural(len(report.files), 'file')}, {_plural(ingresses, 'Ingress', 'Ingresses')}: "
        f"{_plural(report.count('error'), 'error')}, "
        f"{_plural(report.count('warning'), 'warning')}, {_plural(report.count('info'), 'info')}"
    )
    fixes = [
        f"{count} {words}"
        for count, words in (
            (report.fixes("fixed"), "fixed"),
            (report.fixes("safe"), "fixable with --fix"),
            (report.fixes("unsafe"), "with --fix --unsafe-fixes"),
        )
        if count
    ]
    return said + ("; " + ", ".join(fixes) if fixes else "")


_STATUS_SHOWN = {"fixed": " [fixed]", "safe": " [fixable]", "unsafe": " [unsafe fix]", "": ""}


def text(report: Report) -> str:
    """One line a finding, `file:line:col: severity RULE message (hint) [fixable]`, then the
    summary. A fixed finding says [fixed] and where it was."""
    lines = []
    for f in report.findings:
        hint = f" ({f.hint})" if f.hint else ""
        status = _STATUS_SHOWN[fix_status(f)]
        lines.append(
            escape(f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message}{hint}{status}")
        )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "endLine": f.end_line,
        "endColumn": f.end_column,
        "ingress": f.ingress,
        "message": f.message,
        "hint": f.hint,
        "fix": None
        if not fix_status(f)
        else {
            "status": fix_status(f),
            "safe": f.fix.safe if f.fix is not None else True,
            "title": f.fix.title if f.fix is not None else "",
        },
    }


def as_json(report: Report, failed: bool | None = None) -> str:
    """The JSON report; `failed` as the run's exit says (--fix: a fix held back fails it)."""
    document = {
        "schema": JSON_SCHEMA,
        "summary": {
            "files": len(report.files),
            "documents": sum(f.documents for f in report.files),
            "ingresses": sum(f.ingresses for f in report.files),
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "infos": report.count("info"),
            "failOn": report.options.fail_on,
            "failed": report.failed if failed is None else failed,
            "fixed": report.fixes("fixed"),
            "fixable": report.fixes("safe"),
            "unsafeFixable": report.fixes("unsafe"),
        },
        "files": [
            {
                "path": f.path,
                "documents": f.documents,
                "ingresses": f.ingresses,
                "findings": len(f.findings),
            }
            for f in report.files
        ],
        "findings": [_finding(f) for f in report.findings],
    }
    return _dumps(document)


def _dumps(document: dict[str, Any]) -> str:
    """JSON as UTF-8 text; the exact strings of the file. A lone surrogate (Python's YAML
    reader takes `"\\ud800"`) has no UTF-8: then every non-ASCII character is a JSON escape."""
    out = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:
        out = json.dumps(document, indent=2) + "\n"
    return out


def _uri(path: str) -> str:
    """A SARIF artifact URI relative to the current folder (run lint from the repository root:
    code scanning resolves paths from there); a file outside it keeps a file:// URI."""
    if path == STDIN_NAME:
        return "stdin"
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return absolute.as_uri()
    return quote(PurePosixPath(relative.as_posix()).as_posix())


def _position(text: str, at: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a character offset."""
    line_start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - line_start + 1


def _sarif_fix(f: Finding, fix: Fix, text: str) -> dict[str, Any]:
    """A SARIF fix: each edit a replacement of a region (empty for an insertion)."""
    replacements = []
    for e in fix.edits:
        (start_line, start_column), (end_line, end_column) = (
            _position(text, e.start),
            _position(text, e.end),
        )
        replacements.append(
            {
                "deletedRegion": {
                    "startLine": start_line,
                    "startColumn": start_column,
                    "endLine": end_line,
                    "endColumn": end_column,
                },
                "insertedContent": {"text": e.text},
            }
        )
    return {
        "description": {"text": fix.title + ("" if fix.safe else " (unsafe: --unsafe-fixes)")},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(f.path)}, "replacements": replacements}
        ],
    }


def sarif(report: Report, version: str) -> str:
    ids = list(RULES)
    rules = [
        {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.title},
            "help": {
                "text": f"{rule.id}: {rule.title}. docs/lint.md (Rules) shows an example "
                "and the fix."
            },
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        }
        for rule in RULES.values()
    ]
    texts = {file.name: file.text for file in report.loaded if file.text is not None}
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": ids.index(f.rule),
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message + (f" ({f.hint})" if f.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": max(f.end_line, f.line),
                            "endColumn": f.end_column
                            if f.end_line > f.line
                            else max(f.end_column, f.column),
                        },
                    }
                }
            ],
        }
        if f.fixed:  # --fix removed it: the check passes now
            result.update(kind="pass", level="none", properties={"fix": "fixed"})
        elif f.fix is not None and f.path in texts:
            result["fixes"] = [_sarif_fix(f, f.fix, texts[f.path])]
            result["properties"] = {"fix": fix_status(f)}
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "wsgen", "version": version, "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return _dumps(document)
