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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autonote.corpus.html_markdown import html_to_markdown
from autonote.errors import UsageError
from autonote.notes.ids import issue_note_id
from autonote.notes.issue_format import parse_issue_body, remember_layout
from autonote.notes.kinds import kind_for_url
from autonote.schema import Note, Origin, Provenance, RelatedNote
from autonote.sources.arxiv_ids import arxiv_id_from_url
from autonote.textnorm import unix_newlines
from autonote.titleline import PREFIX, date_problem, parse_other_title_line, parse_title_line

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
            if entry.issue is not None:
                links.setdefault(
                    entry.issue,
                    RelatedNote(id=issue_note_id(entry.issue), title_line=entry.title, url=entry.issue_url),
                )
        return links

    def note(self, entry: SourceEntry, links: dict[int, RelatedNote]) -> Note | Skipped:
        return note_from_entry(entry, self.kind, links)

    @property
    def notes(self) -> list[tuple[str, Note]]:
        """Every entry's note (where, note), in file order; entries that cannot be notes are left out."""
        links = self.links()
        made = ((entry.where, self.note(entry, links)) for entry in self.entries)
        return [(where, note) for where, note in made if isinstance(note, Note)]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


# -- the paper-notes XML export ------------------------------------------------------------------

_ENTRY = re.compile(r"<paper-entry\b[^>]*>(?P<body>.*?)(?:</paper-entry>|(?=<paper-entry\b)|\Z)", re.S)


_FIELDS = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
    for name in ("title", "original-paper-blog-link", "repo-issue-link", "tags", "repo-issue-date",
                 "issue-body", "maintainer-comment-text")
}  # fmt: skip


def _field(entry: str, name: str) -> str | None:
    found = _FIELDS[name].search(entry)
    return found.group(1) if found else None


def _unescape_text(text: str) -> str:
    """Field text may or may not be XML-escaped; undo the escapes XML would have used."""
    if "&" not in text:
        return text
    for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(escaped, plain)
    return text


def read_paper_notes_xml(path: Path) -> Iterable[SourceEntry | Skipped]:
    text = _read_text(path)
    matches = list(_ENTRY.finditer(text))
    if not matches:
        raise UsageError(f"{path}: no <paper-entry> elements found (is this a paper-notes XML export?)")
    line, counted_to = 1, 0
    for number, match in enumerate(matches, 1):
        line += text.count("\n", counted_to, match.start())  # counted once: linear in the export
        counted_to = match.start()
        where = f"{path}: entry {number} (line {line})"
        raw = match.group(0)
        if not raw.rstrip().endswith("</paper-entry>"):
            yield Skipped(where, "entry is not closed by </paper-entry>")
            continue
        entry = match.group("body")
        raw_title = _unescape_text(_field(entry, "title") or "")
        title = " ".join(raw_title.split())
        if not title:
            yield Skipped(where, "no <title>")
            continue
        issue_url = (_field(entry, "repo-issue-link") or "").strip() or None
        link = _ISSUE_LINK.search(issue_url or "")
        date_text = (_field(entry, "repo-issue-date") or "").strip()
        try:
            issue_date = dt.date.fromisoformat(date_text) if date_text else None
        except ValueError:
            yield Skipped(where, f"issue date {date_text!r} is not YYYY-MM-DD")
            continue
        tags_text = _unescape_text(_field(entry, "tags") or "")
        yield SourceEntry(
            where=where + (f" (issue #{link['number']})" if link else ""),
            title=title,
            raw_title=raw_title,
            url=_unescape_text((_field(entry, "original-paper-blog-link") or "").strip()) or None,
            issue=int(link["number"]) if link else None,
            issue_url=issue_url,
            tags=[t.strip() for t in tags_text.split(",") if t.strip()],
            issue_date=issue_date,
            body=_unescape_text(_field(entry, "issue-body") or ""),
            comment_text=_field(entry, "maintainer-comment-text") or "",
            comment_is_html=True,
            fingerprint=_hash(raw),
        )


# -- gh issue list --json number,title,body,labels,createdAt,comments --------------------------


def read_github_issues(path: Path, repo: str | None = None) -> Iterable[SourceEntry | Skipped]:
    """``repo`` (owner/name) builds each issue's link when the JSON has no ``url`` field."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON array of issues (gh issue list --json ...)")
    for index, issue in enumerate(data):
        where = f"{path}: item {index}"
        if not isinstance(issue, dict):
            yield Skipped(where, "not a JSON object")
            continue
        number = issue.get("number")
        if isinstance(number, int):
            where += f" (issue #{number})"
        else:
            yield Skipped(where, "no issue number")
            continue
        raw_title = issue.get("title")
        if not isinstance(raw_title, str) or not raw_title.strip():
            yield Skipped(where, "no title")
            continue
        title = " ".join(raw_title.split())
        created = str(issue.get("createdAt") or "")
        try:
            issue_date = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).date() if created else None
        except ValueError:
            yield Skipped(where, f"createdAt {created!r} is not an ISO date")
            continue
        labels, comments, body, url = (issue.get(k) for k in ("labels", "comments", "body", "url"))
        problem = _wrong_type(labels, list, "labels") or _wrong_type(comments, list, "comments")
        problem = problem or _wrong_type(body, str, "body") or _wrong_type(url, str, "url")
        if problem:
            yield Skipped(where, problem)
            continue
        tags = [
            str(label.get("name", "")).strip() if isinstance(label, dict) else str(label)
            for label in labels or []
        ]
        comments = [str(c.get("body") or "").strip() for c in comments or [] if isinstance(c, dict)]
        body = body or ""
        issue_url = url or (f"https://github.com/{repo}/issues/{number}" if repo else None)
        yield SourceEntry(
            where=where,
            title=title,
            raw_title=raw_title,
            url=None,  # the body's # URL, read when the note is made
            issue=number,
            issue_url=issue_url,
            tags=[t for t in tags if t],
            issue_date=issue_date,
            body=body,
            comment_text="\n\n".join(c for c in comments if c),
            fingerprint=_hash(_CANONICAL_JSON.encode(issue)),
        )


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
        related[number] = RelatedNote(
            id=issue_note_id(number), title_line=text, url=url or (other.url if other else None)
        )
    return list(related.values())


def note_from_entry(entry: SourceEntry, importer: str, known: dict[int, RelatedNote]) -> Note | Skipped:
    if entry.issue is None:
        return Skipped(entry.where, "no issue number or issue link; the note would have no stable id")
    if entry.issue_date is None:
        return Skipped(entry.where, "no issue date")
    fields = parse_issue_body(entry.body)
    comment = unix_newlines(entry.comment)  # an issue comment edited on GitHub has CRLF
    authors = list(fields.authors)
    problem = date_problem(entry.title)
    if problem:
        return Skipped(entry.where, problem)
    title = entry.title.removeprefix(PREFIX.strip()).strip()
    venue, published = "", None
    url = entry.url or fields.url
    kind = "paper" if entry.title.startswith(PREFIX.strip()) else kind_for_url(url)
    parsed = parse_title_line(entry.title) if kind == "paper" else parse_other_title_line(entry.title)
    if parsed is not None:
        title, venue = parsed.title, parsed.venue
        if parsed.year and parsed.month:
            if not 1 <= parsed.month <= 12:
                return Skipped(
                    entry.where, f"the title line's date {parsed.year}.{parsed.month:02d} is not a month"
                )
            published = dt.date(parsed.year, parsed.month, 1)
        if not authors:
            authors = [parsed.first_author]

    arxiv = arxiv_id_from_url(url) if url else None
    provenance = None
    if fields.summary and fields.summary_model:
        provenance = Provenance(
            generator="llm",
            model=fields.summary_model,
            prompt_version=IMPORTED_PROMPT_VERSION,
            created=dt.datetime.combine(entry.issue_date, dt.time()),
        )
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
        origin=Origin(
            importer=importer, issue=entry.issue, url=entry.issue_url, entry_hash=entry.fingerprint
        ),  # type: ignore[arg-type]
    )
    # The issue's own layout is kept where the note's fields render it otherwise. (The note reads
    # back from its markdown file unchanged, which tests/test_shared_corpus.py checks on real data.)
    layout = remember_layout(note, entry.raw_title, entry.body)
    if layout is not None:
        note = note.model_copy(update={"origin": note.origin.model_copy(update={"layout": layout})})
    return note


def read_notes(kind: str, paths: list[Path], *, repo: str | None = None) -> ReadResult:
    """Read every file of one export kind: its entries (and the ones skipped), in file order."""
    result = ReadResult(kind)
    for path in paths:
        reader = read_paper_notes_xml(path) if kind == "paper-notes-xml" else read_github_issues(path, repo)
        for item in reader:
            if isinstance(item, Skipped):
                result.skipped.append(item)
            else:
                result.entries.append(item)
    return result
