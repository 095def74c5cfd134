"""Pending drafts: new notes from ``draft`` and update-drafts from ``regen``, in the store's queue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autonote.corpus.view import Corpus
from autonote.errors import NoteFormatError, UsageError
from autonote.notes.folder import NoteFolder
from autonote.notes.format import parse_note
from autonote.notes.ids import check_note_id
from autonote.rules import (
    KEY_POINT_MIN_SHARE,
    CheckResult,
    check_invented_numbers,
    check_japanese,
)
from autonote.schema import Note


@dataclass
class PendingDraft:
    id: str  # the file name without .md (the note id when the draft is valid)
    path: Path
    text: str
    note: Note | None  # None when the draft does not parse
    error: str | None = None

    @property
    def kind(self) -> str:
        return "update" if self.note is not None and self.note.update_of is not None else "new"

    @property
    def title(self) -> str:
        return self.note.title_line if self.note is not None else "(invalid draft)"


def read_draft(store: NoteFolder, draft_id: str) -> PendingDraft:
    path = store.draft_path(draft_id)
    text = store.read_draft(draft_id)
    try:
        note = parse_note(text, str(path))
        check_note_id(note.id, f"{path}: front matter id")
        if note.id != draft_id:
            raise NoteFormatError(f"{path}: the draft file is named {draft_id} but holds note {note.id}")
    except (NoteFormatError, UsageError) as exc:
        return PendingDraft(draft_id, path, text, None, str(exc))
    return PendingDraft(draft_id, path, text, note)


def pending_drafts(store: NoteFolder) -> list[PendingDraft]:
    return [read_draft(store, draft_id) for draft_id in store.draft_ids()]


def find_draft(store: NoteFolder, draft_id: str) -> PendingDraft:
    """A pending draft by id (``arxiv-2504.07086`` or ``arxiv-2504.07086.md``); anything that is
    not a draft id (a path, ``..``) is a usage error naming it."""
    draft_id = check_note_id(draft_id.removesuffix(".md"), "draft id")
    if not store.has_draft(draft_id):
        known = ", ".join(store.draft_ids()[:8]) or "none"
        raise UsageError(f"no pending draft {draft_id!r} (pending: {known})")
    return read_draft(store, draft_id)


def review_warnings(draft: PendingDraft, corpus: Corpus) -> list[str]:
    """What a reviewer should look at: the draft's own warnings (trimmed input, new tags, …) and
    the note rules checked again now (the draft may have been edited): Japanese share, invented
    numbers, tags outside the vocabulary."""
    if draft.note is None:
        return [f"does not parse: {draft.error}"]
    note = draft.note
    found = list(note.warnings)
    check = CheckResult()
    if note.summary:
        check_japanese("summary", note.summary, check)
    for index, point in enumerate(note.key_points, 1):
        check_japanese(f"key point {index}", point, check, KEY_POINT_MIN_SHARE, KEY_POINT_MIN_SHARE)
    check_invented_numbers([note.summary, *note.key_points], f"{note.title} {note.abstract}", check)
    found += [f"error: {e}" for e in check.errors] + check.warnings
    vocabulary = corpus.vocabulary
    outside = [t for t in note.tags if t not in vocabulary and t not in note.new_tags]
    if outside:
        found.append("tags not in the vocabulary: " + ", ".join(f"#{t}" for t in outside))
    return list(dict.fromkeys(found))


def is_valid(draft: PendingDraft, corpus: Corpus) -> bool:
    """Parses and has no error-level finding (warnings are fine): what ``accept --all-valid`` takes."""
    return draft.note is not None and not any(w.startswith("error: ") for w in review_warnings(draft, corpus))
