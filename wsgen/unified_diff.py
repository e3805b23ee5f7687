"""Unified diffs as git writes them, for `lint --diff` and `render --diff`: names quoted as git
quotes them, and only "\n" ending a line (patch and git apply read them so)."""

from __future__ import annotations

import difflib
import re
from typing import Literal

Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]


def quoted_name(side: str, name: str) -> str:
    """A file's name in a diff's ---/+++ line, as git writes it: quoted with C escapes (bytes
    past ASCII in octal) when it holds a space, a tab, a newline, a quote, a backslash or a
    control character, so that patch reads the whole name (it ends a plain one at a space)."""
    raw = (side + name).encode("utf-8", "surrogateescape")
    if re.fullmatch(rb"[!#-\[\]-~]*", raw):
        return side + name
    escapes = {0x09: "\\t", 0x0A: "\\n", 0x22: '\\"', 0x5C: "\\\\"}
    shown = "".join(
        escapes.get(byte, chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03o}") for byte in raw
    )
    return f'"{shown}"'


def lines(text: str) -> list[str]:
    """The lines of `text`, each with its "\n" (the last one may have none); only "\n" ends
    a line, as for patch and git (str.splitlines also cuts at U+2028, U+0085, form feeds)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


class _Known(difflib.SequenceMatcher[str]):
    """A SequenceMatcher whose opcodes are known: for its get_grouped_opcodes."""

    def __init__(self, codes: list[Opcode]) -> None:
        super().__init__(None, [], [])
        self.codes = codes

    def get_opcodes(self) -> list[Opcode]:
        return self.codes


def unified(
    before: str, after: str, a_name: str, b_name: str, codes: list[Opcode] | None = None
) -> list[str]:
    """difflib.unified_diff's lines (3 lines of context), only "\n" ending a line; `codes`: the
    lines' opcodes when the caller knows them faster than difflib finds them (lint_fix)."""
    a, b = lines(before), lines(after)
    if codes is None:
        codes = difflib.SequenceMatcher(None, a, b, False).get_opcodes()
    matcher = _Known(codes)
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(3):
        if not out:
            out.extend((f"--- {a_name}\n", f"+++ {b_name}\n"))
        first, last = group[0], group[-1]
        old = difflib._format_range_unified(first[1], last[2])  # type: ignore[attr-defined]
        new = difflib._format_range_unified(first[3], last[4])  # type: ignore[attr-defined]
        out.append(f"@@ -{old} +{new} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    return out
