"""Papers on OpenReview: forum and PDF URLs, fetched from the OpenReview API v2 (``GET /notes?id=``).

A note's fields are in ``content``, each as ``{"value": ...}`` (API v2; a plain value, as API v1
wrote them, is read too). What a draft takes from it:

- title, abstract (the TL;DR when there is no abstract), authors;
- the venue from ``content.venue`` ("ICLR 2025 Oral" → ``ICLR'25``, "ICLR 2025 Spotlight" →
  ``ICLR'25 Spotlight``, read by :mod:`autonote.venue` with its table); a paper not (or not yet)
  accepted ("Submitted to ICLR 2025", a withdrawn or rejected submission) gets ``OpenReview'<yy>``,
  as an arXiv paper without a venue gets ``arXiv'<yy>``;
- the date: ``odate`` (when the note became public; OpenReview's docs: "used to show when the Note
  first becomes public"), else ``pdate`` (when it was accepted), else ``cdate`` (when it was
  posted). The title line's month is when the paper first appeared, as an arXiv paper's is its
  first version's.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any

from autonote.bounded import NestingTooDeepError, load_json
from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.schema import Paper
from autonote.sources.base import PaperRef
from autonote.sources.http import PoliteSource, shown_url
from autonote.textnorm import normalize_ws
from autonote.venue import detect_venue

HOSTS = frozenset({"openreview.net", "www.openreview.net"})
_ID = re.compile(
    r"[A-Za-z0-9_-]{4,64}"
)  # API v2 ids are 10 characters of [0-9A-Za-z]; v1 ids also use - and _
_PAPER_PATHS = {"/forum", "/pdf", "/attachment", "/revisions"}
_NOT_ACCEPTED = re.compile(r"\b(?:submitted|submission|withdrawn|rejected|under review)\b", re.I)
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def forum_url(note_id: str) -> str:
    return f"https://openreview.net/forum?id={note_id}"


def find_forum_id(text: str) -> str | None:
    """The note id an OpenReview URL names (``forum?id=…``, ``pdf?id=…``); None for other text.
    An OpenReview URL that names no note, or a malformed id, raises UsageError."""
    text = text.strip()
    candidate = text if _URL_SCHEME.match(text) else "https://" + text
    try:
        parts = urllib.parse.urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host not in HOSTS or parts.scheme.lower() not in ("http", "https"):
        return None
    if not _URL_SCHEME.match(text) and not text.lower().startswith(tuple(HOSTS)):
        return None
    shown = repr(shown_url(candidate))
    path = parts.path.rstrip("/") or "/"
    ids = urllib.parse.parse_qs(parts.query).get("id", [])
    if path not in _PAPER_PATHS or not ids:
        raise UsageError(
            f"{shown}: an OpenReview URL that names no paper (use its forum?id=… or pdf?id=… URL)"
        )
    note_id = ids[0].strip()
    if not _ID.fullmatch(note_id):
        raise UsageError(f"{shown}: {note_id[:40]!r} is not an OpenReview note id")
    return note_id


def _value(content: dict[str, Any], name: str) -> Any:
    """A content field's value, in API v2's ``{"value": …}`` shape or API v1's plain one."""
    field = content.get(name)
    if isinstance(field, dict):
        return field.get("value")
    return field


def _text(value: Any) -> str:
    return normalize_ws(value) if isinstance(value, str) else ""


def _date(note: dict[str, Any]) -> dt.date | None:
    for name in ("odate", "pdate", "cdate"):
        stamp = note.get(name)
        if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and 0 < stamp < 32503680000000:
            return dt.datetime.fromtimestamp(stamp / 1000, tz=dt.UTC).date()
    return None


def venue_for(content: dict[str, Any], published: dt.date | None, accepted: dt.date | None) -> str:
    """The corpus label of where the paper was accepted, or ``OpenReview'<yy>`` when it was not."""
    venue = _text(_value(content, "venue"))
    venue_id = _text(_value(content, "venueid"))
    when = accepted or published
    year = when.year if when else None
    refused = _NOT_ACCEPTED.search(venue) or re.search(r"(?:^|/)(?:\w*_)?Submission$", venue_id)
    label = None if refused else detect_venue(venue, year, trusted=True)
    if label is None and not refused and venue_id and "/" in venue_id:
        # "ICLR.cc/2025/Conference" → "ICLR 2025 Conference"; "ICML.cc/2024/Workshop/ES-FoMo" too.
        parts = [p.removesuffix(".cc").replace("_", " ") for p in venue_id.split("/")]
        label = detect_venue(" ".join(parts), year, trusted=True)
    if label:
        return label
    return f"OpenReview'{published.year % 100:02d}" if published else ""


def paper_from_note(note: dict[str, Any]) -> Paper:
    """A Paper from one API v2 note (a submission); UsageError when it has no title or abstract."""
    content = note.get("content")
    if not isinstance(content, dict):
        raise SourceUnavailableError("the OpenReview API answered a note without content")
    note_id = str(note.get("forum") or note.get("id") or "")
    title = _text(_value(content, "title"))
    abstract = _text(_value(content, "abstract")) or _text(_value(content, "TLDR"))
    authors = _value(content, "authors")
    if not title:
        raise UsageError(f"OpenReview note {note_id} has no title (is it a paper's forum?)")
    if not abstract:
        raise UsageError(
            f"OpenReview note {note_id} has no abstract; draft it from a local abstract file instead"
        )
    published = _date(note)
    pdate = note.get("pdate")
    accepted = _date({"pdate": pdate}) if pdate else None
    return Paper(
        source="openreview",
        kind="paper",
        title=title,
        authors=[_text(a) for a in authors if _text(a)] if isinstance(authors, list) else [],
        abstract=abstract,
        url=forum_url(note_id),
        published=published,
        venue=venue_for(content, published, accepted),
    )


class OpenReviewSource(PoliteSource):
    """OpenReview forum and PDF URLs, through the OpenReview API v2."""

    name = "openreview"
    supports = "OpenReview forum or PDF URLs (openreview.net/forum?id=…)"
    service = "OpenReview API"

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        found = find_forum_id(text)
        return PaperRef("openreview", found, text) if found is not None else None

    @property
    def api_url(self) -> str:
        return self.context.settings.openreview_api_url.rstrip("/")

    def _note(self, note_id: str) -> dict[str, Any]:
        url = f"{self.api_url}/notes?{urllib.parse.urlencode({'id': note_id})}"
        try:
            response = self.http.get(url, accept="application/json")
        except PaperNotFoundError:
            raise PaperNotFoundError(f"OpenReview has no note with id {note_id}") from None
        try:
            answer = load_json(response.body)
        except NestingTooDeepError as exc:
            raise SourceUnavailableError(f"the OpenReview API at {shown_url(url)} answered {exc}") from None
        except (ValueError, UnicodeDecodeError):
            answer = None
        if response.status == 403:
            raise PaperNotFoundError(f"OpenReview note {note_id} is not public")
        if not response.ok:
            message = answer.get("message") if isinstance(answer, dict) else None
            detail = f": {normalize_ws(str(message))[:200]}" if message else ""
            raise SourceUnavailableError(f"the OpenReview API answered HTTP {response.status}{detail}")
        notes = answer.get("notes") if isinstance(answer, dict) else None
        if not isinstance(notes, list):
            raise SourceUnavailableError(f"the OpenReview API at {shown_url(url)} did not answer with notes")
        note = next((n for n in notes if isinstance(n, dict) and n.get("id") == note_id), None)
        if note is None:
            raise PaperNotFoundError(
                f"OpenReview has no note with id {note_id} (API v2; venues before 2024 may only be on API v1)"
            )
        return note

    def fetch_one(self, key: str) -> Paper:
        note = self._note(key)
        forum = note.get("forum")
        if isinstance(forum, str) and forum and forum != key:  # a review or comment: its paper
            note = self._note(forum)
        return paper_from_note(note)
