"""The one home for reading structured input (JSON, YAML, TOML) with a bounded nesting depth.

Python's JSON decoder, tomllib and PyYAML's composer each recurse once per level of nesting, so a
value nested a few thousand levels deep (``[[[[…]]]]``) ends in a RecursionError, or worse, deep
in whatever reads the value next. Every file autonote parses (note front matter, ``autonote.toml``,
``suggest-weights.json``, a ``gh issue list`` export, the Actions event file) goes through here:
the depth is measured first, by a linear scan that does not recurse, and input nested deeper than
:data:`MAX_NESTING` is refused with :class:`NestingTooDeepError` (a ValueError, so a caller that
already reports malformed input reports it the same way) before any parser sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from autonote.limits import MAX_NESTING

__all__ = ["MAX_NESTING", "NestingTooDeepError", "load_json", "load_toml", "load_yaml"]

# A JSON string (skipped whole), or a bracket. Linear: the string alternative cannot backtrack.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)
# TOML: basic and literal strings (multi-line ones first), comments, brackets.
_TOML_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?(?:"""|\Z)|\'\'\'.*?(?:\'\'\'|\Z)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*|[\[\]{}]',
    re.S,
)
_OPENERS = frozenset("[{")


class NestingTooDeepError(ValueError):
    """Input nested deeper than :data:`MAX_NESTING`."""

    def __init__(self, depth_seen: int | None = None) -> None:
        super().__init__(
            f"nested more than {MAX_NESTING} levels deep (the nesting limit for JSON, YAML and TOML input)"
        )
        self.depth_seen = depth_seen


def _bracket_depth(text: str, tokens: re.Pattern[str]) -> int:
    """The deepest bracket nesting in ``text``, strings (and TOML comments) skipped; stops as soon
    as it passes the limit."""
    if text.count("[") + text.count("{") <= MAX_NESTING:  # cannot be deeper (C speed)
        return 0
    depth = deepest = 0
    for match in tokens.finditer(text):
        token = match.group()
        if len(token) != 1:
            continue  # a string or comment
        if token in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    return deepest
        elif depth:
            depth -= 1
    return deepest


def check_json_nesting(text: str) -> None:
    if _bracket_depth(text, _JSON_TOKENS) > MAX_NESTING:
        raise NestingTooDeepError()


def load_json(text: str | bytes, *, strict: bool = True) -> Any:
    """``json.loads`` with the nesting limit. Raises ValueError (JSONDecodeError or
    NestingTooDeepError) for malformed input."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    check_json_nesting(text)
    try:
        return json.loads(text, strict=strict)
    except RecursionError:  # cannot happen below the limit; kept so that nothing recurses out
        raise NestingTooDeepError() from None


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with the nesting limit. Raises ValueError (TOMLDecodeError or
    NestingTooDeepError)."""
    import tomllib

    if _bracket_depth(text, _TOML_TOKENS) > MAX_NESTING:
        raise NestingTooDeepError()
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise NestingTooDeepError() from None


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
