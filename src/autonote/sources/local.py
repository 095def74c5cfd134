"""Papers from a local abstract: a text file or stdin, with optional metadata.

A file may start with ``Title:``, ``Authors:``, ``URL:`` header lines followed by a blank line;
command-line options win over the header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from autonote.errors import AutonoteError, UsageError
from autonote.notes.ids import local_note_id
from autonote.schema import Paper
from autonote.sources.base import Fetched, PaperRef, SourceContext
from autonote.textnorm import normalize_ws

_HEADER = re.compile(r"^(title|authors?|url)\s*:\s*(.*)$", re.I)
MAX_ABSTRACT_CHARS = 20_000


def split_authors(text: str) -> list[str]:
    """Authors separated by ``;``, ``,`` or `` and ``."""
    parts = re.split(r"\s*;\s*|\s*,\s*|\s+and\s+", text.strip())
    return [normalize_ws(p) for p in parts if p.strip()]


def read_local_abstract(
    label: str,
    text: str,
    *,
    title: str | None = None,
    authors: str | None = None,
    url: str | None = None,
) -> Paper:
    """Build a Paper from abstract text; ``label`` names the source in error messages."""
    header: dict[str, str] = {}
    lines = text.splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if match is None:
            body_start = index + 1 if not line.strip() and header else index
            break
        header[match.group(1).lower().rstrip("s")] = match.group(2).strip()
    else:
        body_start = len(lines)
    abstract = normalize_ws("\n".join(lines[body_start:]))
    title = normalize_ws(title or header.get("title", ""))
    if not abstract:
        raise UsageError(f"{label}: the abstract is empty")
    if len(abstract) > MAX_ABSTRACT_CHARS:
        raise UsageError(
            f"{label}: {len(abstract)} characters is not an abstract (limit {MAX_ABSTRACT_CHARS})"
        )
    if not title:
        raise UsageError(f"{label}: no title; pass --title or start the file with a 'Title: ...' line")
    author_text = authors if authors is not None else header.get("author", "")
    return Paper(
        source="local",
        title=title,
        authors=split_authors(author_text) if author_text else [],
        abstract=abstract,
        url=url or header.get("url") or None,
    )


def _decode(label: str, data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); binary data (not UTF-8, or with NUL bytes) is a usage error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{label}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise UsageError(f"{label}: not a text file (it contains NUL bytes)")
    return text


def read_abstract_file(path: Path, **metadata: str | None) -> Paper:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    return read_local_abstract(str(path), _decode(str(path), data), **metadata)


def read_abstract_stream(stream: TextIO, **metadata: str | None) -> Paper:
    """The abstract on ``stream`` (stdin), read as bytes where the stream has them, so that binary
    input is refused by what it is rather than by the locale's decoder."""
    buffer = getattr(stream, "buffer", None)
    try:
        data = buffer.read() if buffer is not None else stream.read().encode("utf-8", "surrogateescape")
    except UnicodeDecodeError:
        raise UsageError("stdin: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"stdin: cannot read: {exc.strerror or exc}") from None
    return read_local_abstract("stdin", _decode("stdin", data), **metadata)


class LocalSource:
    """An abstract in a local text file, or on stdin (``-``)."""

    name = "local"
    supports = "a local abstract file, or '-' for stdin"

    def __init__(self, context: SourceContext) -> None:
        self.context = context

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        if text.strip() == "-":
            return PaperRef("local", "-", text)
        try:
            path = Path(text.strip()).expanduser()
            is_file, exists = path.is_file(), path.exists()
        except (OSError, ValueError, RuntimeError):  # a name too long, a NUL byte, no home folder
            return None
        if is_file:
            return PaperRef("local", str(path), text)
        if exists:
            raise UsageError(f"{text!r}: not a file")
        return None

    @staticmethod
    def note_id(paper: Paper) -> str | None:
        """A stable id for a paper known only by its text."""
        return local_note_id(paper.title, paper.abstract)

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        import sys

        metadata = self.context.local_metadata
        found: Fetched = {}
        for ref in refs:
            try:
                if ref.key == "-":
                    found[ref.key] = read_abstract_stream(self.context.stdin or sys.stdin, **metadata)
                else:
                    found[ref.key] = read_abstract_file(Path(ref.key), **metadata)
            except AutonoteError as exc:
                found[ref.key] = exc
        return found
