"""Text made safe to show on a terminal: what a linted file, a server or a user wrote never
moves the cursor, recolours the screen or hides itself in wsgen's output."""

from __future__ import annotations

from typing import Any


def is_terminal(stream: Any) -> bool:
    """`stream` is open on a terminal (False for None and for a closed stream)."""
    try:
        return bool(stream is not None and stream.isatty())
    except (OSError, ValueError):  # closed
        return False


def escape(text: str) -> str:
    """`text` with every character that is not printable (C0 controls such as ESC, CR, LF and
    TAB, DEL, C1 controls such as CSI U+009B, bidi overrides and other invisible format
    characters, line and paragraph separators, lone surrogates, unassigned code points) written
    as Python writes it in a repr (\\x1b, \\r, \\u202e); the rest is kept. The result is
    printable, so escaping it again changes nothing."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
