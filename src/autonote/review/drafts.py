"""Pending drafts: new notes from ``draft`` and update-drafts from ``regen``, in the corpus
folder's queue (:class:`autonote.notes.draft_folder.DraftFolder`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autonote.corpus.lint import CorpusFacts, Problem, lint_text
from autonote.errors import NoteFormatError, UsageError
from autonote.notes.draft_folder import DraftFolder
from autonote.notes.folder import PathOutsideCorpusError
from autonote.notes.format import parse_note
from autonote.notes.ids import check_note_id
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


def read_draft(drafts: DraftFolder, draft_id: str) -> PendingDraft:
    path = drafts.draft_path(draft_id)
    text = drafts.read_draft(draft_id)
    try:
        note = parse_note(text, str(path))
        check_note_id(note.id, f"{path}: front matter id")
        if note.id != draft_id:
            raise NoteFormatError(f"{path}: the draft file is named {draft_id} but holds note {note.id}")
    except (NoteFormatError, UsageError) as exc:
        return PendingDraft(draft_id, path, text, None, str(exc))
    return PendingDraft(draft_id, path, text, note)


def pending_drafts(drafts: DraftFolder) -> list[PendingDraft]:
    """Every draft in the queue; one that cannot be read (a link out of the corpus) is listed as
    invalid, with the reason, and its target is never read."""
    pending = []
    for draft_id in drafts.draft_ids():
        try:
            pending.append(read_draft(drafts, draft_id))
        except PathOutsideCorpusError as exc:
            pending.append(PendingDraft(draft_id, drafts.draft_path(draft_id), "", None, str(exc)))
    return pending


def find_draft(drafts: DraftFolder, draft_id: str) -> PendingDraft:
    """A pending draft by id (``arxiv-2504.07086`` or ``arxiv-2504.07086.md``); anything that is
    not a draft id (a path, ``..``) is a usage error naming it."""
    draft_id = check_note_id(draft_id.removesuffix(".md"), "draft id")
    if not drafts.has_draft(draft_id):
        known = ", ".join(drafts.draft_ids()[:8]) or "none"
        raise UsageError(f"no pending draft {draft_id!r} (pending: {known})")
    return read_draft(drafts, draft_id)


def review_findings(draft: PendingDraft, facts: CorpusFacts) -> list[Problem]:
    """What a reviewer should look at, errors first: the findings ``autonote lint`` has on the
    draft (the same function, :func:`autonote.corpus.lint.lint_text`, checked again now since the
    draft may have been edited), with the reviewer's hints (the draft's own warnings, numbers the
    abstract does not contain, tags outside the vocabulary) as warnings."""
    if draft.note is None and not draft.text:  # never read: it leads outside the corpus
        return [Problem(draft.path, 1, "error", "unreadable", draft.error or "cannot be read")]
    found = lint_text(draft.text, draft.path, facts, pending=True)
    if draft.note is None and not errors_of(found):  # (lint names why a draft cannot be read)
        found.append(
            Problem(draft.path, 1, "error", "invalid-note", f"the draft does not parse: {draft.error}")
        )
    return sorted(found)


def errors_of(findings: list[Problem]) -> list[Problem]:
    return [p for p in findings if p.severity == "error"]


def warnings_of(findings: list[Problem]) -> list[Problem]:
    return [p for p in findings if p.severity != "error"]
