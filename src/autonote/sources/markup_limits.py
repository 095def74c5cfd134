"""Structural limits on a fetched page's markup, checked before any HTML parser sees it.

Parsers pay more than linearly for some shapes of markup: lxml (under trafilatura and the metadata
readers) checks each attribute of an element against the others, so one element with a hundred
thousand attributes takes minutes. No real page comes near :data:`MAX_ATTRIBUTES`; a page past it
is refused in one line rather than parsed.
"""

from __future__ import annotations

import re

from autonote.errors import SourceUnavailableError

MAX_ATTRIBUTES = 1_000  # attributes on one element (real pages: a few dozen at most)
_LONG_TAG = 8_000  # only tags longer than this (bytes) are counted: short ones cannot hold that many
_TAG = re.compile(rb"<[A-Za-z][^>]*")  # up to the next '>': matches never overlap, so the scan is linear
_QUOTED = re.compile(rb"\"[^\"]*\"|'[^']*'")
_ATTRIBUTE = re.compile(rb"[\s/]+[^\s/=>]")


def check_markup(body: bytes, shown: str) -> None:
    """A SourceUnavailableError when an element of ``body`` has more than :data:`MAX_ATTRIBUTES`
    attributes (quoted values are not counted, so a long SVG path or data URI is fine)."""
    for tag in _TAG.finditer(body):
        if tag.end() - tag.start() < _LONG_TAG:
            continue
        count = len(_ATTRIBUTE.findall(_QUOTED.sub(b'""', tag.group())))
        if count > MAX_ATTRIBUTES:
            raise SourceUnavailableError(
                f"{shown}: an element with more than {MAX_ATTRIBUTES:,} attributes ({count:,});"
                " autonote does not parse such markup"
            )
