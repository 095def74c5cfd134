"""Short excerpts of long texts for one-line messages: keep both ends, cut the middle."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def shorten_middle(text: str, limit: int = 300, marker: str = " … ") -> str:
    """``text`` on one line, at most about ``limit`` characters: the beginning and the end are kept
    (where the offending value or the server's reason usually is), the middle is cut."""
    flat = one_line(text)
    if len(flat) <= limit:
        return flat
    keep = max(2, limit - len(marker))
    head = (keep * 3) // 5
    tail = keep - head
    return flat[:head].rstrip() + marker + flat[len(flat) - tail :].lstrip()
