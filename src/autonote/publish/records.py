"""What a listing keeps of a note: a small frozen record instead of the parsed note.

A 10,000-note listing holds 10,000 of these, not 10,000 notes with their abstracts, translations,
author lists and provenance. The record is built as each note is read, and the note is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass

from autonote.notes.ids import issue_number
from autonote.schema import Note

_VENUE_YEAR = re.compile(r"'(\d{2})\b")
_ISSUE_MENTION = re.compile(r"(?:/issues/|#)(\d+)(?!\d)")
_ISSUE_URL = re.compile(r"^(https?://[^?#]+/issues/)\d+/?$")


@dataclass(frozen=True, slots=True)
class RelatedRef:
    """A related note as a listing shows it: by its issue number when it is an issue, else by its
    title line."""

    id: str
    title_line: str
    url: str | None
    number: int | None


@dataclass(frozen=True, slots=True)
class ListingRecord:
    id: str
    issue_date: str  # YYYY-MM-DD
    year: int | None  # the year of the venue (``arXiv'25`` → 2025): the pages sort by it
    tags: tuple[str, ...]
    title: str
    title_line: str
    link: str | None  # the note itself for a reader: its source issue, else the paper
    url: str | None  # the paper, blog post or repository
    issue_link: str | None  # the note's issue when it has one ("My Issue" on the In-Depth pages)
    summary: str
    offline_summary: bool  # an extractive summary made without an LLM: never labelled "GPT"
    comment: str  # markdown, as the owner wrote it
    related: tuple[RelatedRef, ...]
    issues_prefix: str | None  # ``https://github.com/OWNER/REPO/issues/`` of the note's own issue

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        """Newest paper year first, then newest issue date; notes without a venue year (blog posts,
        articles) after every dated one, as the corpus's pages order them."""
        return (0 if self.year is None else 1, self.year or 0, self.issue_date, self.id)

    def is_note_link(self, number: int, href: str) -> bool:
        """Whether a link to issue ``number`` is a link to another note of the corpus: one of this
        note's related notes, or an issue of the repository the note itself lives in."""
        if any(ref.number == number for ref in self.related):
            return True
        return self.issues_prefix is not None and href.startswith(self.issues_prefix)

    def unmentioned_related(self) -> tuple[RelatedRef, ...]:
        """Related notes the comment does not link to already (shown after it, under ``関連:``)."""
        if not self.related:
            return ()
        numbers = {int(n) for n in _ISSUE_MENTION.findall(self.comment)}
        return tuple(
            ref
            for ref in self.related
            if not (
                (ref.url and ref.url in self.comment) or (ref.number is not None and ref.number in numbers)
            )
        )


def web_link(url: str | None) -> str | None:
    """``url`` when a page may link to it (http, https); None for anything else (``javascript:``)."""
    if url and re.match(r"https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def venue_year(venue: str, today: dt.date | None = None) -> int | None:
    """``ACL'23`` → 2023, ``ESWC'98`` → 1998; None when the venue names no year."""
    found = _VENUE_YEAR.findall(venue or "")
    if not found:
        return None
    short = int(found[-1])
    this_year = (today or dt.date.today()).year
    return 2000 + short if 2000 + short <= this_year + 1 else 1900 + short


def related_number(note_id: str, url: str | None) -> int | None:
    """The issue number a related note is shown by: its id's (``issue-1466``), else its link's."""
    number = issue_number(note_id)
    if number is None and url:
        found = re.search(r"/issues/(\d+)/?$", url)
        number = int(found.group(1)) if found else None
    return number


def title_line(note: Note) -> str:
    """The title line as the corpus's pages show it: for an imported note whose issue title the
    fields do not reproduce (no paper prefix on older notes and blog posts), the issue's own."""
    layout = note.origin.layout if note.origin is not None else None
    if layout is not None and layout.title is not None:
        from autonote.notes.issue_format import render_issue

        return " ".join(render_issue(note).title.split())  # a page shows runs of spaces as one
    return note.title_line


def record_from_note(note: Note) -> ListingRecord:
    issue_link = web_link(note.origin.url) if note.origin else None
    prefix = _ISSUE_URL.match(issue_link) if issue_link else None
    return ListingRecord(
        id=note.id,
        issue_date=note.issue_date.isoformat(),
        year=venue_year(note.venue),
        tags=tuple(sys.intern(tag) for tag in note.tags),  # thousands of notes share each tag
        title=note.title,
        title_line=title_line(note),
        link=web_link(note.link),
        url=web_link(note.url),
        issue_link=issue_link,
        summary=note.summary,
        offline_summary=bool(note.provenance and note.provenance.generator == "offline"),
        comment=note.comment,
        related=tuple(
            RelatedRef(item.id, item.title_line, web_link(item.url), related_number(item.id, item.url))
            for item in note.related
        ),
        issues_prefix=sys.intern(prefix.group(1)) if prefix else None,
    )
