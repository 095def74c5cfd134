"""Which notes ``regen`` works on, and which of them it must skip (with a reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

from autonote.corpus.view import Corpus
from autonote.errors import UsageError
from autonote.notes.ids import check_note_id
from autonote.schema import Note

ALL_FIELDS = ("summary", "keypoints", "tags")


@dataclass(frozen=True)
class Selection:
    all: bool = False
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    ids: tuple[str, ...] = ()
    missing: bool = False  # only notes that lack one of the selected fields
    fields: tuple[str, ...] = ("summary", "keypoints")

    @property
    def is_empty(self) -> bool:
        """No selector given (``--fields`` alone selects nothing)."""
        return not (self.all or self.tags or self.since or self.until or self.ids or self.missing)

    def describe(self) -> dict[str, object]:
        return {
            "all": self.all, "tags": list(self.tags), "since": str(self.since or ""), "until": str(self.until or ""),
            "ids": list(self.ids), "missing": self.missing, "fields": list(self.fields),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> Selection:
        return cls(
            all=bool(data.get("all")),
            tags=tuple(data.get("tags") or ()),
            since=dt.date.fromisoformat(data["since"]) if data.get("since") else None,
            until=dt.date.fromisoformat(data["until"]) if data.get("until") else None,
            ids=tuple(data.get("ids") or ()),
            missing=bool(data.get("missing")),
            fields=tuple(data.get("fields") or ("summary", "keypoints")),
        )


def parse_fields(text: str) -> tuple[str, ...]:
    fields = tuple(
        dict.fromkeys(
            part.strip().replace("key_points", "keypoints") for part in text.split(",") if part.strip()
        )
    )
    unknown = [f for f in fields if f not in ALL_FIELDS]
    if unknown or not fields:
        raise UsageError(f"--fields {text!r}: choose from {', '.join(ALL_FIELDS)} (comma-separated)")
    return fields


def validate(selection: Selection, corpus: Corpus) -> Selection:
    """The selection with tags as the corpus spells them; bad selections are usage errors (exit 2),
    found before anything is sent."""
    if selection.is_empty:
        raise UsageError("select notes: --all, --tag, --since/--until, --ids or --missing")
    if selection.since and selection.until and selection.since > selection.until:
        raise UsageError(f"--since {selection.since} is after --until {selection.until}")
    tags = tuple(corpus.resolve_tag(tag) for tag in selection.tags)
    for note_id in selection.ids:
        check_note_id(note_id, "--ids:")
    missing_ids = [i for i in selection.ids if i not in corpus.paths]
    if missing_ids:
        raise UsageError(f"--ids: no note {missing_ids[0]} in the corpus")
    return replace(selection, tags=tags)


@dataclass
class Candidate:
    """A selected note (ids only: notes are parsed again when their turn comes, to keep memory flat)."""

    note_id: str
    skip_reason: str | None = None


def _matches(note: Note, selection: Selection) -> bool:
    if selection.ids and note.id not in selection.ids:
        return False
    if selection.tags and not set(selection.tags) & set(note.tags):
        return False
    if selection.since and note.issue_date < selection.since:
        return False
    if selection.until and note.issue_date > selection.until:
        return False
    if selection.missing:
        lacks = {
            "summary": not note.summary.strip(),
            "keypoints": not note.key_points,
            "tags": not note.tags,
        }
        if not any(lacks[f] for f in selection.fields):
            return False
    return True


def iter_selected(corpus: Corpus, selection: Selection) -> Iterator[Candidate]:
    """Selected notes in corpus order; notes without an abstract come with a skip reason."""
    ids = selection.ids or tuple(corpus.paths)
    for note_id in sorted(ids, key=lambda i: str(corpus.paths.get(i, ""))):
        note = corpus.get(note_id)
        if note is None or not _matches(note, selection):
            continue
        if not note.abstract.strip():
            yield Candidate(note.id, "no abstract to summarise")
        else:
            yield Candidate(note.id)
