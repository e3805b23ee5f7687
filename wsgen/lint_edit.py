"""Fixes for wsgen lint's findings: edits of exact spans of a file's text.

A fix never re-dumps YAML: it replaces, inserts or removes the characters of the nodes it is
about (their marks give the spans), so every other byte of the file (comments, quoting, key
order, flow or block style, blank lines, CRLF, other documents) stays as it was. A builder
returns None where it cannot be sure of that (an anchor or a tag on the node, a multi-line
value, a merged key, a key that does not start its line): that finding then needs a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wsgen.lint import Source


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (characters of the file's text, without a BOM) by `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """What a fix does (one line, shown in reports) and its edits. A safe fix keeps what the
    person meant; an unsafe one removes or changes something they wrote (--unsafe-fixes)."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = True
    # fixes of one `alone` key are applied one per round (two removals from one mapping: the
    # second, alone then, takes the mapping's key with it)
    alone: int | None = None


def fix(title: str, *edits: Edit | None, safe: bool = True) -> Fix | None:
    """A Fix of these edits, or None when any of them could not be made."""
    if not edits or any(edit is None for edit in edits):
        return None
    return Fix(title, tuple(e for e in edits if e is not None), safe)


# --- scalars ----------------------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")  # written plain, read back as a string
# plain scalars YAML 1.1 (PyYAML, kubectl's go-yaml) reads as something else than a string
_NOT_STRING = re.compile(
    r"[-+]?[0-9][0-9_.:eE+-]*|0[xob][0-9a-fA-F_]+|y|Y|n|N|yes|Yes|YES|no|No|NO|true|True|TRUE"
    r"|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~"
)


def _plain(value: str) -> bool:
    """Whether `value` may be written as a plain scalar and read back as this string."""
    return _PLAIN_SAFE.fullmatch(value) is not None and _NOT_STRING.fullmatch(value) is None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff\\\"]")


def double_quoted(value: str) -> str:
    """A YAML double-quoted scalar that reads back as `value`: printable text as it is, the
    rest (controls, lone surrogates, the BOM) as escapes YAML 1.1 and 1.2 both read."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in '\\"':
            return "\\" + char
        return f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}"

    return '"' + _CONTROL.sub(escape, value) + '"'


def written(source: Source, node: Node) -> str | None:
    """The characters of a scalar as written, when a fix may replace them: one line, no
    anchor or tag before it, not a block scalar; else None."""
    if not isinstance(node, ScalarNode) or node.style not in (None, "", '"', "'"):
        return None
    said = source.text[source.start(node) : source.end(node)]
    if not said or "\n" in said or said[0] in "&!":
        return None
    if node.style in (None, "") and said != node.value:
        return None
    return said


def replace_scalar(source: Source, node: Node, value: str, plain: bool = False) -> Edit | None:
    """Write `value` in place of a scalar, in its quoting style (a plain one is double-quoted,
    so that "3600" stays a string; `plain` keeps it plain where the value reads as a string)."""
    said = written(source, node)
    if said is None:
        return None
    style = node.style if isinstance(node, ScalarNode) else None
    if style == "'" and "\n" not in value:
        new = "'" + value.replace("'", "''") + "'"
    elif style in (None, "") and plain and _plain(value):
        new = value
    else:
        new = double_quoted(value)
    return Edit(source.start(node), source.end(node), new)


def quote(source: Source, node: Node, value: str) -> Edit | None:
    """A plain scalar (a number, a boolean) written as the double-quoted string `value`."""
    if not isinstance(node, ScalarNode) or node.style not in (None, ""):
        return None
    return replace_scalar(source, node, value)


def key_text(source: Source, like: Node, key: str) -> str:
    """`key` written as a mapping key in the style of the key `like`."""
    style = like.style if isinstance(like, ScalarNode) else None
    if style == "'":
        return "'" + key.replace("'", "''") + "'"
    if style == '"' or not _plain(key):
        return double_quoted(key)
    return key


# --- lines ------------------------------------------------------------------------------------


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _line_end(text: str, at: int) -> int:
    """Where the line holding `at` ends: before its CRLF or LF, or at the end of the text."""
    end = text.find("\n", at)
    if end < 0:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def line_break(text: str, at: int = 0) -> str:
    """The line break of the line holding `at` (the file's last one on its last line): CRLF
    or LF, so a new line ends like the one it follows in a file that mixes them."""
    end = text.find("\n", at)
    if end < 0:
        end = text.rfind("\n", 0, at)
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def _indent(source: Source, key: Node) -> str | None:
    """The spaces before a key that starts its line (after a `- ` of a list item, as many
    spaces), or None."""
    before = source.text[_line_start(source.text, source.start(key)) : source.start(key)]
    if re.fullmatch(r"(?: *- +)* *", before) is None:
        return None
    return " " * len(before)


def _owns(mapping: Node | None, key: Node) -> bool:
    """Whether `key` is written in `mapping` itself (not merged into it from elsewhere)."""
    return isinstance(mapping, MappingNode) and any(k is key for k, _ in mapping.value)


def owns_value(mapping: Node | None, node: Node) -> bool:
    """Whether `node` is a value written in `mapping` itself (not merged in by `<<`)."""
    return isinstance(mapping, MappingNode) and any(v is node for _, v in mapping.value)


# between a key and its value: the colon, spaces, comments and line breaks (no anchor, tag)
_BETWEEN = re.compile(r"[ \t]*:(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*")


def in_place(source: Source, key: Node, value: Node) -> bool:
    """Whether `value` is written right after `key`: not an alias of a node written elsewhere
    (an edit there would change every place that names it), nor anchored or tagged."""
    start, end = source.end(key), source.start(value)
    if start > end or source.text[end : end + 1] in ("&", "!"):
        return False  # an alias (of a node written before), an anchor or a tag
    return _BETWEEN.fullmatch(source.text, start, end) is not None


def _one_line(source: Source, key: Node, value: Node) -> bool:
    return "\n" not in source.text[source.start(key) : source.end(value)]


def _content_end(source: Source, value: Node) -> int | None:
    """Where a value's own characters end: a block scalar's span runs on over blank lines, a
    block collection's over the comments after its last item (they are about what follows).
    None when its last item is an alias (written before it)."""
    start = source.start(value)
    while isinstance(value, (MappingNode, SequenceNode)) and not value.flow_style and value.value:
        last = value.value[-1]
        value = last[1] if isinstance(last, tuple) else last
        if source.start(value) < start:
            return None
    start, end = source.start(value), source.end(value)
    return start + len(source.text[start:end].rstrip(" \t\r\n"))


# --- pairs ------------------------------------------------------------------------------------


def insert_after(
    source: Source, mapping: Node | None, key: Node, value: Node, new_key: str, new_value: str
) -> Edit | None:
    """A new `new_key: new_value` pair right after the pair key: value, in the mapping's style
    (its line, indented like the key; or `, k: v` in a flow mapping). `new_value` is written
    as it is: pass it quoted."""
    if not isinstance(mapping, MappingNode) or not _owns(mapping, key):
        return None
    pair = f"{key_text(source, key, new_key)}: {new_value}"
    if mapping.flow_style:
        if not _one_line(source, key, value):
            return None
        return Edit(source.end(value), source.end(value), f", {pair}")
    indent = _indent(source, key)
    if indent is None or not _one_line(source, key, value):
        return None
    at = _line_end(source.text, source.end(value))
    return Edit(at, at, line_break(source.text, at) + indent + pair)


def insert_first(source: Source, mapping: Node | None, pairs: list[tuple[str, str]]) -> Edit | None:
    """New pairs (values written as given) first in a mapping: block, each on its own line,
    indented like the first key; flow, right after the `{`."""
    if not isinstance(mapping, MappingNode) or not pairs:
        return None
    if mapping.flow_style:
        start = source.start(mapping)
        if (
            source.text[start : start + 1] != "{"
            or "\n" in source.text[start : source.end(mapping)]
        ):
            return None
        like = mapping.value[0][0] if mapping.value else mapping
        new = ", ".join(f"{key_text(source, like, k)}: {v}" for k, v in pairs)
        return Edit(start + 1, start + 1, new + (", " if mapping.value else ""))
    if not mapping.value:
        return None
    first = mapping.value[0][0]
    at = _line_start(source.text, source.start(first))
    if _indent(source, first) != source.text[at : source.start(first)]:
        return None  # a `- key` list item: the new key cannot go before the dash
    indent, eol = source.text[at : source.start(first)], line_break(source.text, at)
    # above the comments on the lines over the first key (they are about it)
    while at > 0:
        above = _line_start(source.text, at - 1)
        line = source.text[above:at].rstrip("\r\n")
        if not line.startswith(indent + "#"):
            break
        at = above
    return Edit(
        at, at, "".join(f"{indent}{key_text(source, first, k)}: {v}{eol}" for k, v in pairs)
    )


def remove_pair(
    source: Source,
    mapping: Node | None,
    key: Node,
    value: Node,
    parent: tuple[Node, Node, Node] | None = None,
) -> Edit | None:
    """Remove the pair key: value (its whole lines in a block mapping, comments on them too;
    the pair and a comma in a flow one). When it is the mapping's only pair, the mapping's own
    pair in `parent` (mapping, key, value) goes instead, so no empty `annotations:` is left."""
    if not isinstance(mapping, MappingNode) or not _owns(mapping, key):
        return None
    if len(mapping.value) == 1 and parent is not None:
        return remove_pair(source, *parent)
    text = source.text
    if mapping.flow_style:
        if not _one_line(source, key, value):
            return None
        start, end = source.start(key), source.end(value)
        own_line = text[_line_start(text, start) : start].strip(" \t") == ""
        whole = re.compile(r"[ \t]*,[ \t]*(?:#[^\n]*)?\n").match(text, end)
        if own_line and whole is not None:  # the pair and its comma alone on their line
            return Edit(_line_start(text, start), whole.end(), "")
        after = re.compile(r"[ \t]*,\s*").match(text, end)
        if after is not None:
            if text.startswith("#", after.end()):
                return None  # `{# ...` would not be a comment
            return Edit(start, after.end(), "")
        before = re.search(r",\s*$", text[source.start(mapping) : start])
        comment = re.compile(r"[ \t]*#[^\r\n]*").match(text, end)
        if comment is not None:
            if not own_line or before is None:
                return None  # the comment is also about what else is on its line
            end = comment.end()  # the pair's own line, with its comment
        if before is not None:
            return Edit(source.start(mapping) + before.start(), end, "")
        if len(mapping.value) > 1:
            return None  # a comment between it and the comma before it
        return Edit(start, end, "")  # the only pair: {} is left
    if _indent(source, key) != text[_line_start(text, source.start(key)) : source.start(key)]:
        return None  # a `- key` list item, or a key after other text
    content_end = _content_end(source, value)
    if content_end is None:
        return None
    end = content_end
    rest = text[end : _line_end(text, end)]
    if rest.strip() and not rest.lstrip().startswith("#"):
        return None  # more on the line (a flow collection's next item)
    start = _line_start(text, source.start(key))
    stop = _line_end(text, end)
    if stop == len(text) and start > 0:
        # the last line, without a final line break: the break before it goes, so the file
        # still ends without one
        start -= 2 if text.startswith("\r\n", start - 2) else 1
        return Edit(start, stop, "")
    stop += 2 if text.startswith("\r\n", stop) else int(text.startswith("\n", stop))
    return Edit(start, stop, "")


def rename_key(source: Source, mapping: Node | None, key: Node, new_key: str) -> Edit | None:
    """The key of a pair of `mapping` renamed, in its quoting style."""
    if not _owns(mapping, key):
        return None
    return replace_scalar(source, key, new_key, plain=True)


def insert_block_after(
    source: Source,
    mapping: Node | None,
    key: Node,
    value: Node,
    new_key: str,
    pairs: list[tuple[str, str]],
) -> Edit | None:
    """A new `new_key:` holding a block mapping of `pairs` right after the pair key: value of a
    block mapping (`annotations:` after `name:`), indented two more than the key."""
    if not isinstance(mapping, MappingNode) or mapping.flow_style or not _owns(mapping, key):
        return None
    indent = _indent(source, key)
    if indent is None or not _one_line(source, key, value):
        return None
    at = _line_end(source.text, source.end(value))
    eol = line_break(source.text, at)
    step = " " * _step(source, mapping, indent)
    lines = [indent + f"{key_text(source, key, new_key)}:"]
    lines.extend(f"{indent}{step}{key_text(source, key, k)}: {v}" for k, v in pairs)
    return Edit(at, at, "".join(eol + line for line in lines))


def _step(source: Source, mapping: Node, indent: str) -> int:
    """How many spaces the file indents a block mapping by: its keys' column (`indent`) less
    the column of the key it is the value of (on the line above); 2 when that is unclear."""
    text = source.text
    at = _line_start(text, source.start(mapping))
    while at > 0:
        above = _line_start(text, at - 1)
        line = text[above:at].rstrip("\r\n")
        at = above
        if line.strip() and not line.lstrip().startswith("#"):
            column = re.match(r"(?: *- +)* *", line)
            step = len(indent) - (column.end() if column else 0)
            return step if 0 < step <= 8 else 2
    return 2


def as_value(value: str) -> str:
    """A scalar for a new pair: plain where it reads back as a string, else double-quoted."""
    return value if _plain(value) else double_quoted(value)
