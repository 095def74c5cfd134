"""Small text helpers shared across the pipeline: whitespace, Japanese share, numbers, sentences."""

from __future__ import annotations

import re
import unicodedata

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f\u3000-\u303f\uff01-\uff5e]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_EN = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_SENTENCE_JA = re.compile(r"(?<=[。！？])")


def normalize_ws(text: str) -> str:
    """Collapse runs of whitespace (arXiv hard-wraps titles and abstracts) into single spaces."""
    return " ".join(text.split())


def unix_newlines(text: str) -> str:
    """``text`` with CRLF and lone CR line endings as LF. GitHub's web editor saves issue bodies and
    comments with CRLF; a note file holds LF only (it is read with universal newlines), so a field
    read from an issue must be in LF to read back from the note file unchanged."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def japanese_share(text: str) -> float:
    """Share of non-space characters that are Japanese script or full-width punctuation."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if _JAPANESE.match(c)) / len(chars)


def numbers_in(text: str) -> set[str]:
    """Numbers as written (full-width digits folded, thousands separators dropped)."""
    folded = unicodedata.normalize("NFKC", text)
    found = set()
    for raw in _NUMBER.findall(folded):
        value = raw.replace(",", "")
        found.add(value.rstrip("."))
    return found


def split_sentences(text: str) -> list[str]:
    """Split English or Japanese prose into sentences (good enough for extractive key points)."""
    parts: list[str] = []
    for chunk in _SENTENCE_EN.split(text.strip()):
        parts.extend(p for p in _SENTENCE_JA.split(chunk) if p.strip())
    return [p.strip() for p in parts if p.strip()]


def parse_date(text: str | None, option: str):  # -> dt.date | None
    """A command-line date (YYYY-MM-DD); a usage error naming the option otherwise."""
    import datetime as dt

    from autonote.errors import UsageError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date like 2025-01-31") from None
