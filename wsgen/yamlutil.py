"""YAML helpers shared by rendering and by reading values files.

Imports nothing from the rest of wsgen.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml

# A string is written plain (unquoted) only when it is unmistakably a string to every YAML
# reader that matters: PyYAML (YAML 1.1) and Go's yaml used by kubectl and the API server
# (which also reads y/n as booleans). Everything else is double-quoted.
_PLAIN = re.compile(r"[A-Za-z/](?:[A-Za-z0-9._/@:-]*[A-Za-z0-9/_])?")
_GO_BOOLEANS = frozenset({"y", "n"})
_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _astral(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def scalar(value: object) -> str:
    """Render a str or int as one YAML scalar that reads back as exactly that value.

    Double-quoted strings come from json.dumps (ASCII only, so no character the YAML reader
    refuses can reach the stream); JSON's surrogate pairs become YAML's \\U escapes.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"only str and int are YAML scalars here, not {type(value).__name__}")
    if isinstance(value, int):
        return str(value)
    if (
        _PLAIN.fullmatch(value)
        and value.lower() not in _GO_BOOLEANS
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG  # type: ignore[no-untyped-call]
    ):
        return value
    return _SURROGATE_PAIR.sub(_astral, json.dumps(value))


def quoted(value: object) -> str:
    """Always double-quoted (annotation values and env values must be strings)."""
    return _SURROGATE_PAIR.sub(_astral, json.dumps(str(value)))


# libyaml's C parser when PyYAML was built with it (several times faster), keeping marks.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses a mapping which repeats a key (others silently keep the last)."""


_MERGE_TAG = "tag:yaml.org,2002:merge"
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # `<<: *anchor` merges; explicit keys beside it override, as YAML says
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"the key {key!r} appears twice (first on line {seen[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=True))


def _construct_int(loader: StrictLoader, node: yaml.ScalarNode) -> int:
    """Only plain decimal numbers: YAML 1.1 silently reads 010 as 8, 0x1F as 31, 1:30 as 90."""
    text = loader.construct_scalar(node)
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text) or len(text) > 20:
        shown = repr(text) if len(str(text)) <= 40 else f"a number of {len(str(text))} characters"
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{shown} is not a plain decimal number; quote it if it is text",
            node.start_mark,
        )
    return int(text)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class YamlProblem(ValueError):
    """A document that cannot be read; the message says where (line, column) and why."""


# How deep wsgen reads YAML, whatever PyYAML and libyaml do: PyYAML 6.0.4's libyaml refuses
# 1,000 levels with its own message, older ones recurse in C until the process crashes, and
# PyYAML's Python composer and constructors recurse in Python. Real manifests and values files
# stay far below; deeper input gets this one message (lint: a WS001 finding).
MAX_DEPTH = 500
TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels (wsgen's limit)"
_LIBRARY_TOO_DEEP = "exceeded maximum nesting depth"  # libyaml >= 0.2.5 as in PyYAML 6.0.4


@functools.lru_cache(maxsize=64)
def _indented(columns: int) -> re.Pattern[str]:
    return re.compile(rf"^[ \t?:-]{{{columns}}}", re.MULTILINE)


def may_be_too_deep(text: str) -> bool:
    """False when `text` surely nests at most MAX_DEPTH levels; cheap (no parsing).

    A flow collection needs a bracket of its own; a block collection starts at an indicator
    or a key right after a line's run of spaces and `- ? :`, and its column grows at least
    every second level (only a mapping's sequence may share its column). So the depth is at
    most the brackets plus twice the longest such run plus two.
    """
    flow = text.count("[") + text.count("{")
    if flow > MAX_DEPTH:
        return True
    columns = (MAX_DEPTH - flow) // 2 - 1
    return columns <= 0 or _indented(columns).search(text) is not None


def too_deep(text: str, loader: type[yaml.SafeLoader] | None = None) -> tuple[int, int] | None:
    """Where (0-based line, column) nesting passes MAX_DEPTH, or None; read as a stream of
    parser events, so nothing recurses. Raises yaml.YAMLError for a stream that is broken
    before that point."""
    depth = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in yaml.parse(text, Loader=loader or SafeLoader):
        if isinstance(event, starts):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                return (mark.line, mark.column) if mark is not None else (0, 0)
        elif isinstance(event, ends):
            depth -= 1
    return None


def library_too_deep(error: yaml.YAMLError) -> bool:
    """Whether the parser refused the input for its own nesting limit."""
    return getattr(error, "problem", None) == _LIBRARY_TOO_DEEP


@contextlib.contextmanager
def room_to_nest() -> Iterator[None]:
    """Enough Python stack for PyYAML's recursive composer and constructors (about three
    frames a level) on a document MAX_DEPTH levels deep, wherever the caller is."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(before + 4 * MAX_DEPTH)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def load_strict(text: str) -> Any:
    """Parse one YAML document: duplicate keys and ambiguous numbers are errors.

    Raises YamlProblem for anything the parser or the constructors refuse (PyYAML raises
    ValueError, not YAMLError, for e.g. a date like 2024-13-01).
    """
    try:
        if may_be_too_deep(text):
            where = too_deep(text, StrictLoader)
            if where is not None:
                raise YamlProblem(f"line {where[0] + 1}, column {where[1] + 1}: {TOO_DEEP}")
        with room_to_nest():
            return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise YamlProblem(describe_yaml_error(error)) from None
    except RecursionError:  # not expected within MAX_DEPTH; still never Python's text
        raise YamlProblem(TOO_DEEP) from None
    except AttributeError:  # PyYAML's !!timestamp on a text that is no date fails this way
        raise YamlProblem("a value does not fit its YAML tag (such as !!timestamp)") from None
    except (ValueError, TypeError, OverflowError) as error:
        raise YamlProblem(
            str(error).splitlines()[0] if str(error) else type(error).__name__
        ) from None


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """One line: what is wrong and where (line:column, 1-based)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or (str(error).splitlines() or ["unreadable"])[0]
    if library_too_deep(error):
        problem = TOO_DEEP
    elif problem == "but found another document":  # yaml.load of a stream of several
        problem = "a second document (---): a values file holds one"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"
