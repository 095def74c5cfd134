"""Accept, reject and edit a draft.

Accepting a **new** draft writes it to ``notes/<id>.md`` (never over an existing note). Accepting an
**update-draft** edits the current note's file in place: only the regenerated blocks, the tags line
and the provenance change, so the owner's Comment and any hand edits stay byte for byte. If the note
changed since the draft was made, each regenerated field is compared three ways (the value then, the
note's value now, the draft's): a field the owner did not touch takes the draft's value; a field both
changed is a conflict, resolved by the caller (keep the note's, take the draft's) or refused.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autonote.errors import AutonoteError, NoteFormatError, UsageError, WriteRefusedError
from autonote.notes.draft_folder import DraftFolder
from autonote.notes.folder import NOTES_DIR
from autonote.notes.format import REGEN_FIELDS, apply_fields, parse_note, replace_front_matter
from autonote.notes.store import LocalStore, StoredNote
from autonote.review.drafts import PendingDraft

Resolution = str  # "draft" | "mine"


class ConflictError(AutonoteError):
    """The note changed in the same field as the draft; nothing was written."""

    def __init__(self, message: str, conflicts: list[FieldConflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass(frozen=True)
class FieldConflict:
    name: str  # summary | key_points | tags
    mine: Any  # the note's value now
    draft: Any  # the draft's value
    base: Any  # the note's value when the draft was made


@dataclass
class AcceptPlan:
    draft: PendingDraft
    relpath: str  # the note's file, relative to the corpus
    current: StoredNote | None  # None for a new note
    fields: list[str] = field(default_factory=list)  # note attributes the draft regenerates
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def current_text(self) -> str | None:
        return self.current.text if self.current is not None else None

    def text(self, resolutions: dict[str, Resolution] | None = None) -> str:
        """The note as it will be written, with conflicts resolved as given."""
        note = self.draft.note
        assert note is not None
        if self.current is None:  # a new note: the draft itself, review warnings dropped
            return replace_front_matter(self.draft.text, {"warnings": []}, str(self.draft.path))
        resolutions = resolutions or {}
        unresolved = [c.name for c in self.conflicts if c.name not in resolutions]
        if unresolved:
            raise ConflictError(f"unresolved conflict in {', '.join(unresolved)}", self.conflicts)
        where = self.relpath
        current = self.current.note
        taken = [
            name
            for name in self.fields
            if resolutions.get(name) != "mine" and getattr(note, name) != getattr(current, name)
        ]
        text = apply_fields(self.current.text, note, taken, where)
        if taken:
            changes: dict[str, Any] = {}
            if {"summary", "key_points"} & set(taken) and note.provenance is not None:
                changes["provenance"] = note.provenance.model_dump(mode="json")
            if "tags" in taken:
                changes["new_tags"] = list(dict.fromkeys([*current.new_tags, *note.new_tags]))
            if changes:
                text = replace_front_matter(text, changes, where)
        parse_note(text, where)  # the result must be a valid note
        return text


def plan_accept(draft: PendingDraft, store: LocalStore) -> AcceptPlan:
    """What accepting would write, and the conflicts to resolve first. Writes nothing.

    Every path comes from the store: a new note goes to ``notes/<id>.md``; an update-draft's
    ``update_of.path`` must lead to the same note inside the corpus, or the draft is refused."""
    if draft.note is None:
        raise NoteFormatError(
            f"the draft does not parse, fix it first (autonote review edit {draft.id}): {draft.error}"
        )
    note = draft.note
    of = note.update_of
    if of is None:
        existing = store.note_relpath(note.id)
        if existing is not None:
            raise WriteRefusedError(
                f"a note {note.id} already exists ({store.root / existing}); nothing was written"
            )
        return AcceptPlan(draft, f"{NOTES_DIR}/{note.id}.md", None)
    try:
        current = store.read_at(of.path, f"{draft.path}: update_of.path")
    except WriteRefusedError:
        raise WriteRefusedError(
            f"the note this draft updates is gone ({of.path}); reject the draft"
        ) from None
    if current.note.id != note.id:
        raise WriteRefusedError(
            f"{draft.path}: update_of.path {of.path!r} holds note {current.note.id}, not {note.id}; nothing was written"
        )
    names = [REGEN_FIELDS[f] for f in of.fields]
    plan = AcceptPlan(draft, current.location, current, names)
    if current.revision != of.base_sha256:
        for name in names:
            mine, theirs, base = getattr(current.note, name), getattr(note, name), of.base.get(name)
            if mine != base and mine != theirs:
                plan.conflicts.append(FieldConflict(name, mine, theirs, base))
    return plan


def write_accepted(plan: AcceptPlan, text: str, store: LocalStore) -> StoredNote:
    """Write the accepted note (atomically; an update only over the file the plan read)."""
    if plan.current is None:
        return store.add_text(plan.draft.note.id if plan.draft.note else plan.draft.id, text)
    return store.update_at(plan.relpath, text, revision=plan.current.revision)


def undo_accepted(plan: AcceptPlan, written: StoredNote, store: LocalStore) -> None:
    """Put the note back as it was before :func:`write_accepted` (the commit failed)."""
    if plan.current is None:
        store.remove_at(written.location, revision=written.revision)
    else:
        store.update_at(written.location, plan.current.text, revision=written.revision)


def commit_message(draft: PendingDraft) -> str:
    note = draft.note
    assert note is not None
    where = f"arXiv {note.arxiv_id}" if note.arxiv_id else (note.url or note.id)
    if note.update_of is not None:
        fields = ", ".join(note.update_of.fields)
        subject = f"Regenerate {fields} of note: {note.title}"
    else:
        subject = f"Add note: {note.title}"
    provenance = note.provenance
    made_by = (
        f"{provenance.generator} {provenance.model or ''} (prompt {provenance.prompt_version})"
        if provenance
        else "by hand"
    )
    return f"{subject}\n\n{where}\nDraft made by {made_by.strip()}; accepted with autonote review."


def editor_command() -> list[str]:
    raw = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(raw)
    except ValueError as exc:
        raise UsageError(f"cannot read the editor command {raw!r} ({exc}); set EDITOR") from None
    if not command:
        raise UsageError("the editor command is empty; set EDITOR")
    return command


def edit(
    draft: PendingDraft, drafts: DraftFolder, run_editor: Callable[[list[str]], int] | None = None
) -> str | None:
    """Open the draft in ``$EDITOR``; returns the parse error of the edited draft, or None.

    The edit is made on a copy: an editor that exits non-zero leaves the draft unchanged. A saved
    edit is kept even when it no longer parses, so that the next edit can fix it.
    """
    with drafts.scratch_copy(draft.id, draft.text) as copy:
        command = [*editor_command(), str(copy)]
        try:
            code = (run_editor or _run)(command)
        except FileNotFoundError:
            raise UsageError(f"editor {command[0]!r} not found; set EDITOR") from None
        if code != 0:
            raise AutonoteError(f"the editor exited with status {code}; the draft is unchanged")
        try:
            edited = copy.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise AutonoteError("the editor removed the file; the draft is unchanged") from None
        except UnicodeDecodeError as exc:
            raise AutonoteError(
                f"the edit is not UTF-8 text (byte {exc.start}); the draft is unchanged"
            ) from None
    if edited != draft.text:
        drafts.save_draft(draft.id, edited, replace=True)
        draft.text = edited
    try:
        draft.note, draft.error = parse_note(edited, str(draft.path)), None
    except NoteFormatError as exc:
        draft.note, draft.error = None, str(exc)
    return draft.error


def _run(command: list[str]) -> int:
    return subprocess.call(command)
