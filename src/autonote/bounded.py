"""The one home for reading structured input (JSON, YAML, TOML) with a bounded nesting depth.

Python's JSON decoder, tomllib and PyYAML's composer each recurse once per level of nesting, so a
value nested a few thousand levels deep (``[[[[…]]]]``) ends in a RecursionError, or worse, deep
in whatever reads the value next. Every file autonote parses (note front matter, ``autonote.toml``,
``suggest-weights.json``, a ``gh issue list`` export, the Actions event file) goes through here:
input nested deeper than :data:`MAX_NESTING` is refused with :class:`NestingTooDeepError` (a
ValueError, so a caller that already reports malformed input reports it the same way) before
anything else sees the value. YAML's depth is measured on the parser's events, before any node is
built; JSON and TOML parsers stop at Python's recursion limit by themselves, and what they return
below it is measured without recursion.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autonote.limits import MAX_NESTING

__all__ = ["MAX_NESTING", "NestingTooDeepError", "load_json", "load_toml", "load_yaml"]


class NestingTooDeepError(ValueError):
    """Input nested deeper than :data:`MAX_NESTING`."""

    def __init__(self) -> None:
        super().__init__(
            f"nested more than {MAX_NESTING} levels deep (the nesting limit for JSON, YAML and TOML input)"
        )


def _deeper_than_limit(value: Any) -> bool:
    """Does ``value`` (lists and dicts, as a parser returns them) nest past MAX_NESTING? Walked
    without recursion, stopping at the first container past the limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_NESTING:
                    return True
                stack.append((child, depth + 1))
    return False


def _bounded(parse: Callable[[str], Any], text: str) -> Any:
    """``parse(text)``, refused past the nesting limit. A parser that recurses (the JSON decoder,
    tomllib) stops at Python's recursion limit with a RecursionError, which says the same; below
    it, the value is measured. Text with fewer brackets than the limit cannot be nested past it (a
    TOML document's root table is a level without a bracket: with exactly the limit's number of
    brackets it can be one past it)."""
    try:
        value = parse(text)
    except RecursionError:
        raise NestingTooDeepError() from None
    deep_enough = text.count("[") + text.count("{") >= MAX_NESTING and isinstance(value, dict | list)
    if deep_enough and _deeper_than_limit(value):
        raise NestingTooDeepError()
    return value


def load_json(text: str | bytes, *, strict: bool = True) -> Any:
    """``json.loads`` with the nesting limit. Raises ValueError (JSONDecodeError or
    NestingTooDeepError) for malformed input."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    return _bounded(lambda t: json.loads(t, strict=strict), text)


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with the nesting limit. Raises ValueError (TOMLDecodeError or
    NestingTooDeepError)."""
    import tomllib

    return _bounded(tomllib.loads, text)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with the nesting limit, measured on the parser's event stream (which
    libyaml produces without recursing) before any node is built. Raises yaml.YAMLError for
    malformed input and NestingTooDeepError past the limit."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise NestingTooDeepError()
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):  # a value may refer to itself: refuse them all
            raise ValueError("YAML aliases (*name) are not read")
    try:
        return yaml.load(text, Loader=loader)
    except RecursionError:
        raise NestingTooDeepError() from None


def json_object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: for reading optional parts of an
    answer (``json_object(line.get("response")).get("status_code")``) without a type check at
    every step."""
    return value if isinstance(value, dict) else {}
