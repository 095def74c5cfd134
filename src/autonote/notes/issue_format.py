"""The note as the corpus keeps it on GitHub: an issue's title, body and labels.

The body has the corpus's sections, each a heading line and its items::

    # URL
    - https://arxiv.org/abs/2504.07086
    # Authors
      - Andreas Hochlehnert
    # Abstract
      - Reasoning benchmarks ...
    # Translation (by gpt-4o-mini)
    - 推論ベンチマークは ...
    # Summary (by gpt-4o-mini)
    - 数学的推論の ...

autonote's own additions follow in sections of their own (``# Key Points``, ``# Related``: the related
notes autonote chose; links the owner wrote in the Comment stay in the comments). A note
with nothing to say but its link (a blog post or a repository the owner pasted: no abstract, no
summary) is the bare link. The title
is the title line and the labels are the tags, in order.

:func:`parse_issue_body` reads a body into :class:`IssueFields` (what importers and ``github pull``
turn into a note); :func:`render_issue` writes a note back. Where an imported issue was laid out in
a way the fields cannot express (a title with stray spaces, an ``# Affiliations`` section, a body of
several links), the note keeps that text in ``origin.layout`` together with a hash of what the fields
rendered to when it was imported: as long as the fields render the same, the kept text is used, so an
unchanged note goes back to GitHub exactly as it came.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from autonote.notes.ids import issue_number
from autonote.notes.links import list_item
from autonote.schema import IssueLayout, Note, RelatedNote
from autonote.textnorm import unix_newlines

_BY = re.compile(r"^(?P<name>.*?)\s*\(by\s+(?P<model>[^)]*)\)\s*$")
_MD_LINK = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^()\s]+)\)$")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
OFFLINE_MODEL = "autonote offline extract"


@dataclass
class IssueFields:
    """What an issue body says, section by section (values as written, without the item marks)."""

    url: str | None = None
    links: list[str] = field(default_factory=list)  # every item of # URL (or every line of a bare body)
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    translation: str | None = None
    translation_model: str | None = None
    summary: str = ""
    summary_model: str | None = None
    key_points: list[str] = field(default_factory=list)
    related: list[tuple[str, str | None]] = field(default_factory=list)  # (title line, link)
    other_sections: list[str] = field(default_factory=list)  # headings autonote does not model


@dataclass(frozen=True)
class IssueView:
    """A note as a store that holds a title, a body and labels has it (a GitHub issue; what
    :meth:`autonote.notes.push.RemoteStore.render` answers)."""

    id: str
    title: str
    body: str
    labels: list[str]

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "body": self.body, "labels": self.labels}


def _heading_starts(body: str) -> list[int]:
    """Where each heading line (``# name``) starts. Found with ``str.find``: a regular expression
    anchored at line starts tries every position of the body, ten times slower on an import."""
    starts = [0] if body.startswith("# ") else []
    at = body.find("\n# ")
    while at >= 0:
        starts.append(at + 1)
        at = body.find("\n# ", at + 1)
    return starts


def _sections(body: str) -> list[tuple[str, str]]:
    """[(heading, content)], content without its final newline (text before the first heading,
    which the corpus's bodies never have, is not a section)."""
    starts = _heading_starts(body)
    sections = []
    for index, start in enumerate(starts):
        line_end = body.find("\n", start)
        if line_end < 0:
            line_end = len(body)
        end = starts[index + 1] if index + 1 < len(starts) else len(body)
        content = body[line_end + 1 : end] if line_end < len(body) else ""
        sections.append((body[start + 2 : line_end].strip(), content.removesuffix("\n")))
    return sections


def _text_item(content: str, mark: str) -> str:
    """A one-item section's value: the text after the item mark, as written (continuation lines kept)."""
    stripped = content.strip("\n")
    if stripped.startswith(mark):
        return stripped[len(mark) :].strip()
    lead = stripped.lstrip()
    return (lead[2:] if lead.startswith("- ") else lead).strip()


def _items(content: str) -> list[str]:
    """List items (``- x``, ``  - x``); a line that is not an item continues the one before."""
    items: list[str] = []
    for line in content.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("- ") or stripped == "-":
            items.append(stripped[2:].strip())
        elif items:
            items[-1] += " " + stripped
        else:
            items.append(stripped)
    return items


def parse_issue_body(body: str) -> IssueFields:
    """The fields of an issue body in the corpus's layout (any body: unknown parts are skipped).

    Line endings are read as LF (a body saved by GitHub's web editor has CRLF): the fields hold no
    CR, and the body itself, CRs included, is what :func:`remember_layout` keeps."""
    fields = IssueFields()
    body = unix_newlines(body)
    sections = _sections(body)
    if not sections:
        fields.links = [line.strip() for line in body.strip().splitlines() if line.strip()]
    for heading, content in sections:
        by = _BY.match(heading)
        name, model = (by["name"].strip(), by["model"].strip()) if by else (heading, None)
        key = name.lower()
        if key == "url":
            fields.links = _items(content)
        elif key == "authors":
            fields.authors = _items(content)
        elif key == "abstract":
            fields.abstract = _text_item(content, "  - ")
        elif key == "translation":
            fields.translation, fields.translation_model = _text_item(content, "- "), model
        elif key == "summary":
            fields.summary, fields.summary_model = _text_item(content, "- "), model
        elif key == "key points":
            fields.key_points = _items(content)
        elif key == "related":
            fields.related = [_related_item(item) for item in _items(content)]
        else:
            fields.other_sections.append(heading)
    for link in fields.links:
        found = _URL.search(link)
        if found:
            fields.url = found.group(0)
            break
    return fields


def _related_item(item: str) -> tuple[str, str | None]:
    link = _MD_LINK.match(item)
    return (link["text"], link["url"]) if link else (item, None)


def summary_model(note: Note) -> str | None:
    """Who wrote the summary, as the ``# Summary (by …)`` heading names it."""
    if note.provenance is None:
        return None
    if note.provenance.generator == "offline":
        return OFFLINE_MODEL
    return note.provenance.model


def canonical_body(note: Note) -> str:
    """The issue body the note's fields give, in the corpus's layout."""
    related = [r for r in note.related if not _in_comment(r, note.comment)]
    if note.url and not (note.abstract or note.summary or note.translation or note.key_points or related):
        return note.url  # a bare link, as the owner pastes one (its author lives in the title line)
    sections = [*_metadata_sections(note), *_generated_sections(note)]
    if related:
        sections.append("# Related\n" + "\n".join(list_item(r) for r in related))
    return "\n".join(sections)


def _metadata_sections(note: Note) -> list[str]:
    """The URL, Authors and Abstract sections (those the note has)."""
    sections: list[str] = []
    if note.url:
        sections.append(f"# URL\n- {note.url}")
    if note.authors:
        sections.append("# Authors\n" + "\n".join(f"  - {author}" for author in note.authors))
    if note.abstract:
        sections.append(f"# Abstract\n  - {note.abstract}")
    return sections


def _generated_sections(note: Note) -> list[str]:
    """The Translation, Summary and Key Points sections (those the note has)."""
    sections: list[str] = []
    if note.translation is not None:
        model = note.translation_by or (note.provenance.model if note.provenance else None)
        sections.append(_by("Translation", model) + f"\n- {note.translation}")
    if note.summary:
        sections.append(_by("Summary", summary_model(note)) + f"\n- {note.summary}")
    if note.key_points:
        sections.append("# Key Points\n" + "\n".join(f"- {point}" for point in note.key_points))
    return sections


def _in_comment(related: RelatedNote, comment: str) -> bool:
    """A link the owner wrote in their Comment (it lives in the issue's comments, not the body)."""
    if related.url and related.url in comment:
        return True
    number = issue_number(related.id)
    return number is not None and re.search(rf"(?<![\w/&#])#{number}\b", comment) is not None


def _by(name: str, model: str | None) -> str:
    return f"# {name} (by {model})" if model else f"# {name}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def remember_layout(note: Note, title: str, body: str) -> IssueLayout | None:
    """What to keep of an imported issue's own layout: the title and body as they were, where the
    note's fields render them differently (None when the fields reproduce both)."""
    canonical_title, canonical = note.title_line, canonical_body(note)
    layout = IssueLayout()
    if title != canonical_title:
        layout.title, layout.title_of = title, _digest(canonical_title)
    if body != canonical:
        layout.body, layout.body_of = body, _digest(canonical)
    return layout if layout.title is not None or layout.body is not None else None


def render_issue(note: Note) -> IssueView:
    """The note as an issue: kept layout where the fields still render what they rendered then."""
    title, body = note.title_line, canonical_body(note)
    layout = note.origin.layout if note.origin is not None else None
    if layout is not None:
        if layout.title is not None and layout.title_of == _digest(title):
            title = layout.title
        if layout.body is not None and layout.body_of == _digest(body):
            body = layout.body
    return IssueView(note.id, title, body, list(note.tags))
