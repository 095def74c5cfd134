"""Read the corpus's existing notes from its exports into :class:`Note` objects. Writes nothing.

Two sources: the paper-notes XML export (``<paper-entry>`` elements; not well-formed XML, so each
entry and field is found by pattern, leniently) and ``gh issue list --json
number,title,body,labels,createdAt,comments``. Both carry the same issue body (``# URL``,
``# Authors``, ``# Abstract``, ``# Translation (by …)``, ``# Summary (by …)``), parsed here once.

A bad entry never stops an import: it becomes a :class:`Skipped` with a reason naming the entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autonote.bounded import load_json
from autonote.corpus.html_markdown import html_to_markdown
from autonote.errors import UsageError
from autonote.limits import MAX_EXPORT_BYTES, MAX_NOTE_BYTES, size_text
from autonote.notes.ids import issue_note_id
from autonote.notes.issue_format import parse_issue_body, remember_layout
from autonote.notes.kinds import kind_for_url
from autonote.notes.links import issue_link
from autonote.notes.store import revision_of
from autonote.schema import Note, NoteKind, Origin, Provenance, RelatedNote
from autonote.sources.arxiv_ids import arxiv_id_from_url
from autonote.textnorm import unix_newlines
from autonote.titleline import (
    date_problem,
    is_paper_line,
    parse_other_title_line,
    parse_title_line,
    without_prefix,
)

IMPORTED_PROMPT_VERSION = "imported"
_ISSUE_LINK = re.compile(r"https?://github\.com/(?P<repo>[\w.-]+/[\w.-]+)/issues/(?P<number>\d+)")
_ISSUE_SHORTHAND = re.compile(r"(?<![\w/&#])#(?P<number>\d{1,6})\b")
_MD_LINK = re.compile(r"\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<url>[^()\s]+)\)")


@dataclass(frozen=True)
class SourceEntry:
    """One note as an export holds it, before interpretation."""

    where: str  # names the entry in messages: "export.xml: entry 3 (line 120)"
    title: str  # whitespace folded
    raw_title: str  # as the export has it (kept for the issue's own layout)
    url: str | None
    issue: int | None
    issue_url: str | None
    tags: list[str]
    issue_date: dt.date | None
    body: str  # markdown issue body
    comment_text: str  # the owner's comment as the export has it (HTML or markdown, see below)
    fingerprint: str  # hash of the entry's source text
    comment_is_html: bool = False
    # An entry the corpus already has as it is (its fingerprint is recorded): only its issue and
    # fingerprint are read, and this holds what :meth:`ReadResult.complete` parses if it is needed.
    unparsed: tuple[str, str] | None = None  # (where, entry text)

    @property
    def comment(self) -> str:
        """The comment as markdown (converted when asked: an unchanged re-import never needs it)."""
        return html_to_markdown(self.comment_text) if self.comment_is_html else self.comment_text


@dataclass(frozen=True)
class Skipped:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: skipped: {self.reason}"


@dataclass
class ReadResult:
    """The entries of one export kind, read; notes are made from them on demand (a re-import of
    an unchanged export makes none)."""

    kind: str
    entries: list[SourceEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def links(self, known: dict[int, RelatedNote] | None = None) -> dict[int, RelatedNote]:
        """Issue number → link, for the notes of the corpus (``known``) and of this export."""
        links = dict(known or {})
        for entry in self.entries:
            if entry.issue is not None and entry.issue not in links:
                complete = self.complete(entry)
                if isinstance(complete, Skipped):
                    continue
                links.setdefault(
                    entry.issue,
                    issue_link(entry.issue, complete.title, complete.issue_url),
                )
        return links

    def note(self, entry: SourceEntry, links: dict[int, RelatedNote]) -> Note | Skipped:
        complete = self.complete(entry)
        return complete if isinstance(complete, Skipped) else note_from_entry(complete, self.kind, links)

    def complete(self, entry: SourceEntry) -> SourceEntry | Skipped:
        """The entry with every field read (a settled entry is parsed now)."""
        if entry.unparsed is None:
            return entry
        where, text = entry.unparsed
        return _xml_entry(where, text, entry.fingerprint)

    @property
    def notes(self) -> list[tuple[str, Note]]:
        """Every entry's note (where, note), in file order; entries that cannot be notes are left out."""
        links = self.links()
        made = ((entry.where, self.note(entry, links)) for entry in self.entries)
        return [(where, note) for where, note in made if isinstance(note, Note)]


MAX_ISSUE_NUMBER = 2**31 - 1  # GitHub's issue numbers are 32-bit signed integers


def issue_number_problem(number: object) -> str | None:
    """Why ``number`` (from an export) is not an issue number; None when it is one. A JSON
    ``true`` is not 1, and a 300-digit number is no issue."""
    if isinstance(number, bool) or not isinstance(number, int):
        return f"issue number {_shown(number)} is not a whole number"
    if not 1 <= number <= MAX_ISSUE_NUMBER:
        return f"issue number {_shown(number)} is outside 1..{MAX_ISSUE_NUMBER}"
    return None


def _shown(value: object) -> str:
    text = json.dumps(value) if isinstance(value, bool | None) else repr(value)
    return text if len(text) <= 24 else text[:20] + "…"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read_text(path: Path) -> str:
    """An export's text. Only a regular file of at most MAX_EXPORT_BYTES is read: a FIFO, a device
    (``/dev/zero``) or a larger file is refused before reading (opened without blocking, checked
    on the open file, read no further than the limit)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_EXPORT_BYTES:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: not a regular file (a folder, FIFO or device); an export is a file")
        raise UsageError(f"{path}: larger than the {size_text(MAX_EXPORT_BYTES)} limit for an export")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_EXPORT_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_EXPORT_BYTES:  # it grew while being read
        raise UsageError(f"{path}: larger than the {size_text(MAX_EXPORT_BYTES)} limit for an export")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None


# -- the paper-notes XML export ------------------------------------------------------------------

# Entries and fields are found with str.find, each search starting where the last one ended or
# reusing its answer, so reading an export is linear in its size whatever it holds (a pattern
# such as ``<title>(.*?)</title>`` retried at every unclosed ``<title>`` is quadratic).
_OPENER, _CLOSER = "<paper-entry", "</paper-entry>"


def _opener_at(text: str, start: int) -> int:
    """The next ``<paper-entry`` that is a whole tag name (not ``<paper-entry-x``), or -1."""
    while (at := text.find(_OPENER, start)) >= 0:
        after = text[at + len(_OPENER) : at + len(_OPENER) + 1]
        if not (after.isalnum() or after == "_"):
            return at
        start = at + 1
    return -1


def _entries(text: str) -> Iterator[tuple[int, int, int, bool]]:
    """(start, body start, end, closed) of each ``<paper-entry …>``: it ends at its
    ``</paper-entry>`` (closed), else at the next entry or the end of the text."""
    closer = -2  # the next </paper-entry> at or after the current body (-1: none left)
    start = _opener_at(text, 0)
    while start >= 0:
        following = _opener_at(text, start + len(_OPENER))
        limit = following if following >= 0 else len(text)
        tag_end = text.find(">", start + len(_OPENER), limit)
        if tag_end < 0:  # not a tag: not an entry
            start = following
            continue
        body = tag_end + 1
        if closer != -1 and closer < body:
            closer = text.find(_CLOSER, body)
        if 0 <= closer < limit:
            yield start, body, closer, True
        else:
            yield start, body, limit, False
        start = following


def _field(entry: str, name: str) -> str | None:
    """The text of the first ``<name>…</name>`` of an entry."""
    opening = entry.find(f"<{name}>")
    if opening < 0:
        return None
    content = opening + len(name) + 2
    closing = entry.find(f"</{name}>", content)
    return entry[content:closing] if closing >= 0 else None


def _unescape_text(text: str) -> str:
    """Field text may or may not be XML-escaped; undo the escapes XML would have used."""
    if "&" not in text:
        return text
    for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(escaped, plain)
    return text


def read_paper_notes_xml(
    path: Path, settled: Container[str] = frozenset()
) -> Iterable[SourceEntry | Skipped]:
    """The entries of an export. An entry whose fingerprint is in ``settled`` (the corpus has it as
    it is) is only hashed and its issue link read: a re-import of an unchanged export parses nothing."""
    text = _read_text(path)
    found = False
    line, counted_to = 1, 0
    for number, (start, body, end, closed) in enumerate(_entries(text), 1):
        found = True
        line += text.count("\n", counted_to, start)  # counted once: linear in the export
        counted_to = start
        where = f"{path}: entry {number} (line {line})"
        if not closed:
            yield Skipped(where, "entry is not closed by </paper-entry>")
            continue
        if end - start > MAX_NOTE_BYTES:  # characters: at least as many bytes
            yield Skipped(where, f"entry is larger than the {size_text(MAX_NOTE_BYTES)} limit for one note")
            continue
        fingerprint = _hash(text[start : end + len(_CLOSER)])
        if fingerprint in settled:
            issue_url = (_field(text[body:end], "repo-issue-link") or "").strip() or None
            link = _ISSUE_LINK.search(issue_url or "")
            if link and len(link["number"]) <= len(str(MAX_ISSUE_NUMBER)):
                yield SourceEntry(
                    where=f"{where} (issue #{link['number']})", title="", raw_title="", url=None,
                    issue=int(link["number"]), issue_url=issue_url, tags=[], issue_date=None, body="",
                    comment_text="", fingerprint=fingerprint, unparsed=(where, text[body:end]),
                )  # fmt: skip
                continue
        yield _xml_entry(where, text[body:end], fingerprint)
    if not found:
        raise UsageError(f"{path}: no <paper-entry> elements found (is this a paper-notes XML export?)")


def _xml_entry(where: str, entry: str, fingerprint: str) -> SourceEntry | Skipped:
    """One entry's fields (``entry``: the text inside ``<paper-entry>``)."""
    raw_title = _unescape_text(_field(entry, "title") or "")
    title = " ".join(raw_title.split())
    if not title:
        return Skipped(where, "no <title>")
    issue = _xml_issue(where, entry)
    if isinstance(issue, Skipped):
        return issue
    issue_url, link, number, issue_date = issue
    tags_text = _unescape_text(_field(entry, "tags") or "")
    return SourceEntry(
        where=where + (f" (issue #{link['number']})" if link else ""),
        title=title,
        raw_title=raw_title,
        url=_unescape_text((_field(entry, "original-paper-blog-link") or "").strip()) or None,
        issue=number,
        issue_url=issue_url,
        tags=[t.strip() for t in tags_text.split(",") if t.strip()],
        issue_date=issue_date,
        body=_unescape_text(_field(entry, "issue-body") or ""),
        comment_text=_field(entry, "maintainer-comment-text") or "",
        comment_is_html=True,
        fingerprint=fingerprint,
    )


def _xml_issue(
    where: str, entry: str
) -> tuple[str | None, re.Match[str] | None, int | None, dt.date | None] | Skipped:
    """An entry's issue link, its match, the issue number and the issue date; or why they are wrong."""
    issue_url = (_field(entry, "repo-issue-link") or "").strip() or None
    link = _ISSUE_LINK.search(issue_url or "")
    if link and len(link["number"]) > len(str(MAX_ISSUE_NUMBER)):
        return Skipped(where, f"issue number {link['number'][:20]}… is outside 1..{MAX_ISSUE_NUMBER}")
    number = int(link["number"]) if link else None
    if number is not None and (problem := issue_number_problem(number)):
        return Skipped(where, problem)
    date_text = (_field(entry, "repo-issue-date") or "").strip()
    try:
        issue_date = dt.date.fromisoformat(date_text) if date_text else None
    except ValueError:
        return Skipped(where, f"issue date {date_text!r} is not YYYY-MM-DD")
    return issue_url, link, number, issue_date


# -- gh issue list --json number,title,body,labels,createdAt,comments --------------------------


def read_github_issues(path: Path, repo: str | None = None) -> Iterable[SourceEntry | Skipped]:
    """``repo`` (owner/name) builds each issue's link when the JSON has no ``url`` field."""
    for index, issue in enumerate(_issue_list(path)):
        yield _issue_entry(f"{path}: item {index}", issue, repo)


def _issue_list(path: Path) -> list[object]:
    """The JSON array of a ``gh issue list --json`` export; a UsageError naming the file otherwise."""
    text = _read_text(path)
    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # nested past the limit
        raise UsageError(f"{path}: {exc}") from None
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON array of issues (gh issue list --json ...)")
    return data


def _issue_entry(where: str, issue: object, repo: str | None) -> SourceEntry | Skipped:
    """One issue of a gh JSON export as an entry, or why it is skipped."""
    if not isinstance(issue, dict):
        return Skipped(where, "not a JSON object")
    head = _issue_head(where, issue)
    if isinstance(head, Skipped):
        return head
    where, number, source_text = head
    parts = _issue_parts(where, issue)
    if isinstance(parts, Skipped):
        return parts
    raw_title, issue_date, labels, comments, body, url = parts
    tags = [
        str(label.get("name", "")).strip() if isinstance(label, dict) else str(label)
        for label in labels or []
    ]
    comments = [str(c.get("body") or "").strip() for c in comments or [] if isinstance(c, dict)]
    return SourceEntry(
        where=where,
        title=" ".join(raw_title.split()),
        raw_title=raw_title,
        url=None,  # the body's # URL, read when the note is made
        issue=number,
        issue_url=url or (f"https://github.com/{repo}/issues/{number}" if repo else None),
        tags=[t for t in tags if t],
        issue_date=issue_date,
        body=body or "",
        comment_text="\n\n".join(c for c in comments if c),
        fingerprint=_hash(source_text),
    )


def _issue_head(where: str, issue: dict) -> tuple[str, int, str] | Skipped:
    """An issue's place (``where`` with its number), number and canonical text, or why it has none."""
    number = issue.get("number")
    if number is None:
        return Skipped(where, "no issue number")
    problem = issue_number_problem(number)
    if problem:
        return Skipped(where, problem)
    where += f" (issue #{number})"
    try:
        source_text = _CANONICAL_JSON.encode(issue)
        source_text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800"): no file can hold it
        return Skipped(
            where, f"holds {exc.object[exc.start : exc.end]!a}, which is not text (a lone surrogate)"
        )
    return where, number, source_text


def _issue_parts(where: str, issue: dict) -> tuple[str, dt.date | None, Any, Any, Any, Any] | Skipped:
    """An issue's title, creation date, labels, comments, body and URL, each checked for its type."""
    raw_title = issue.get("title")
    if not isinstance(raw_title, str) or not raw_title.strip():
        return Skipped(where, "no title")
    created = str(issue.get("createdAt") or "")
    try:
        issue_date = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).date() if created else None
    except ValueError:
        return Skipped(where, f"createdAt {created!r} is not an ISO date")
    labels, comments, body, url = (issue.get(k) for k in ("labels", "comments", "body", "url"))
    problem = _wrong_type(labels, list, "labels") or _wrong_type(comments, list, "comments")
    problem = problem or _wrong_type(body, str, "body") or _wrong_type(url, str, "url")
    if problem:
        return Skipped(where, problem)
    return raw_title, issue_date, labels, comments, body, url


_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # what an issue's fingerprint hashes


def _wrong_type(value: object, expected: type, name: str) -> str | None:
    """Why a field of a gh JSON issue cannot be read (None when it is absent or of the right type)."""
    if value is None or isinstance(value, expected):
        return None
    return f"'{name}' is a {type(value).__name__}, not a {expected.__name__}"


# -- from an entry to a Note ---------------------------------------------------------------------


def related_from_comment(
    comment: str, own_issue: int | None, known: dict[int, RelatedNote]
) -> list[RelatedNote]:
    """Links to other notes in the owner's comment, in order of appearance, without repeats.

    Full issue links always count; ``#1234`` shorthand counts only for an issue known to the import
    or the corpus (a bare number could be anything else). A link shown by its URL alone gets the
    linked note's title line when that note is known.
    """
    related: dict[int, RelatedNote] = {}
    titled = {m["url"]: m["text"] for m in _MD_LINK.finditer(comment)}
    candidates: list[tuple[int, int, str | None]] = []  # (position, number, url)
    for match in _ISSUE_LINK.finditer(comment):
        if len(match["number"]) <= len(str(MAX_ISSUE_NUMBER)):  # no int() of a 5,000-digit string
            candidates.append((match.start(), int(match["number"]), match.group(0)))
    for match in _ISSUE_SHORTHAND.finditer(comment):
        number = int(match["number"])
        if number in known:
            candidates.append((match.start(), number, None))
    for _, number, url in sorted(candidates):
        if number == own_issue or number in related:
            continue
        text = " ".join(titled.get(url or "", "").split())
        other = known.get(number)
        if not text or text.startswith("http"):
            text = other.title_line if other else f"#{number}"
        related[number] = issue_link(number, text, url or (other.url if other else None))
    return list(related.values())


def note_from_entry(entry: SourceEntry, importer: str, known: dict[int, RelatedNote]) -> Note | Skipped:
    if entry.issue is None:
        return Skipped(entry.where, "no issue number or issue link; the note would have no stable id")
    if entry.issue_date is None:
        return Skipped(entry.where, "no issue date")
    fields = parse_issue_body(entry.body)
    comment = unix_newlines(entry.comment)  # an issue comment edited on GitHub has CRLF
    authors = list(fields.authors)
    url = entry.url or fields.url
    heading = _title_line_parts(entry, url)
    if isinstance(heading, Skipped):
        return heading
    kind, title, venue, published, line_authors = heading
    authors = authors or line_authors
    arxiv = arxiv_id_from_url(url) if url else None
    provenance = _imported_provenance(fields, entry.issue_date)
    translation = fields.translation or None
    note = Note(
        id=issue_note_id(entry.issue),
        kind=kind,
        title=title,
        authors=authors,
        venue=venue,
        published=published,
        url=url,
        arxiv_id=str(arxiv.base) if arxiv else None,
        issue_date=entry.issue_date,
        tags=list(dict.fromkeys(entry.tags)),
        summary=fields.summary,
        key_points=fields.key_points,
        translation=translation,
        translation_by=(
            fields.translation_model
            if translation and fields.translation_model != fields.summary_model
            else None
        ),
        abstract=fields.abstract,
        related=related_from_comment(comment, entry.issue, known),
        comment=comment,
        provenance=provenance,
        # What the issue was when the export was made (its body and labels), whatever the route:
        # a pull or push compares GitHub's issue with it (one identity for the note).
        origin=Origin(
            importer=importer,
            issue=entry.issue,
            url=entry.issue_url,
            entry_hash=entry.fingerprint,
            body_sha256=revision_of(entry.body),
            labels=list(entry.tags),
        ),
    )
    # The issue's own layout is kept where the note's fields render it otherwise. (The note reads
    # back from its markdown file unchanged, which tests/test_shared_corpus.py checks on real data.)
    layout = remember_layout(note, entry.raw_title, entry.body)
    if layout is not None and note.origin is not None:
        note = note.model_copy(update={"origin": note.origin.model_copy(update={"layout": layout})})
    return note


def _title_line_parts(
    entry: SourceEntry, url: str | None
) -> tuple[NoteKind, str, str, dt.date | None, list[str]] | Skipped:
    """(kind, title, venue, published, [first author]) from the entry's title line, in the line's
    format for its kind; Skipped when the line's date is not a month."""
    problem = date_problem(entry.title)
    if problem:
        return Skipped(entry.where, problem)
    kind: NoteKind = "paper" if is_paper_line(entry.title) else kind_for_url(url)
    parsed = parse_title_line(entry.title) if kind == "paper" else parse_other_title_line(entry.title)
    if parsed is None:
        return kind, without_prefix(entry.title), "", None, []
    published = None
    if parsed.year and parsed.month:
        if not 1 <= parsed.month <= 12:
            return Skipped(
                entry.where, f"the title line's date {parsed.year}.{parsed.month:02d} is not a month"
            )
        published = dt.date(parsed.year, parsed.month, 1)
    return kind, parsed.title, parsed.venue, published, [parsed.first_author]


def _imported_provenance(fields: Any, issue_date: dt.date) -> Provenance | None:
    """Who wrote an imported summary, as the issue's `# Summary (by …)` heading says."""
    if not (fields.summary and fields.summary_model):
        return None
    return Provenance(
        generator="llm",
        model=fields.summary_model,
        prompt_version=IMPORTED_PROMPT_VERSION,
        created=dt.datetime.combine(issue_date, dt.time()),
    )


def read_notes(
    kind: str, paths: list[Path], *, repo: str | None = None, settled: Container[str] = frozenset()
) -> ReadResult:
    """Read every file of one export kind: its entries (and the ones skipped), in file order.
    ``settled``: fingerprints of entries the corpus has as they are (read no further than needed)."""
    result = ReadResult(kind)
    for path in paths:
        reader = (
            read_paper_notes_xml(path, settled)
            if kind == "paper-notes-xml"
            else read_github_issues(path, repo)
        )
        for item in reader:
            if isinstance(item, Skipped):
                result.skipped.append(item)
            else:
                result.entries.append(item)
    return result
