"""JSON from a server, read with a bound on how deeply it nests.

Python's parser recurses once per level: an answer of a hundred thousand ``[`` is a RecursionError,
and a merely deep one is a trap for every function that walks it afterwards. :func:`load_json`
refuses both with a ValueError naming the limit, as it refuses text that is not JSON. (Named apart
from any loader for local files so that the two can be merged into one.)
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 100  # an API answer nests a dozen levels; a hundred is far past any real one


class JsonTooDeep(ValueError):
    """The JSON nests deeper than the limit."""


def load_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The value ``data`` holds; a ValueError when it is not JSON, :class:`JsonTooDeep` (a ValueError)
    when it nests deeper than ``max_depth``."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:  # an explicit stack: the walk itself must not recurse
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value
