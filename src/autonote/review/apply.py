"""Accept, reject and edit a draft.

Accepting a **new** draft writes it to ``notes/<id>.md`` (never over an existing note). Accepting an
**update-draft** edits the current note's file in place: only the regenerated blocks, the tags line
and the provenance change, so the owner's Comment and any hand edits stay byte for byte. If the note
changed since the draft was made, each regenerated field is compared three ways (the value then, the
note's value now, the draft's): a field the owner did not touch takes the draft's value; a field both
changed is a conflict, resolved by the caller (keep the note's, take the draft's) or refused.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autonote.corpus.store import NOTES_DIR, Corpus
from autonote.errors import AutonoteError, NoteFormatError, UsageError, WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.regen.update import FIELD_ATTRIBUTES, file_sha256
from autonote.render import (
    key_points_block,
    parse_note,
    replace_block,
    replace_front_matter,
    replace_tags_line,
    summary_block,
)
from autonote.review.drafts import PendingDraft
from autonote.state import STATE_DIR_NAME

REJECTED_DIR = "rejected"
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
    target: Path
    current_text: str | None  # None for a new note
    fields: list[str] = field(default_factory=list)  # note attributes the draft regenerates
    conflicts: list[FieldConflict] = field(default_factory=list)

    def text(self, resolutions: dict[str, Resolution] | None = None) -> str:
        """The note as it will be written, with conflicts resolved as given."""
        note = self.draft.note
        assert note is not None
        if self.current_text is None:  # a new note: the draft itself, review warnings dropped
            return replace_front_matter(self.draft.text, {"warnings": []}, str(self.draft.path))
        resolutions = resolutions or {}
        unresolved = [c.name for c in self.conflicts if c.name not in resolutions]
        if unresolved:
            raise ConflictError(f"unresolved conflict in {', '.join(unresolved)}", self.conflicts)
        text, taken = self.current_text, []
        where = str(self.target)
        current = parse_note(text, where)
        for name in self.fields:
            if resolutions.get(name) == "mine":
                continue
            value = getattr(note, name)
            if value == getattr(current, name):
                continue
            taken.append(name)
            if name == "summary":
                generator = note.provenance.generator if note.provenance else "llm"
                text = replace_block(text, "summary", summary_block(value, generator), where)
            elif name == "key_points":
                text = replace_block(text, "key-points", key_points_block(value), where)
            elif name == "tags":
                text = replace_tags_line(text, value, where)
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


def plan_accept(draft: PendingDraft, corpus: Corpus) -> AcceptPlan:
    """What accepting would write, and the conflicts to resolve first. Writes nothing."""
    if draft.note is None:
        raise NoteFormatError(
            f"the draft does not parse, fix it first (autonote review edit {draft.id}): {draft.error}"
        )
    note = draft.note
    of = note.update_of
    if of is None:
        existing = corpus.paths.get(note.id)
        target = corpus.root / NOTES_DIR / f"{note.id}.md"
        if existing is not None or target.exists():
            raise WriteRefusedError(
                f"a note {note.id} already exists ({existing or target}); nothing was written"
            )
        return AcceptPlan(draft, target, None)
    target = corpus.root / of.path
    try:
        current_text = target.read_text(encoding="utf-8")
    except OSError:
        raise WriteRefusedError(f"the note this draft updates is gone ({target}); reject the draft") from None
    current = parse_note(current_text, str(target))
    names = [FIELD_ATTRIBUTES[f] for f in of.fields]
    plan = AcceptPlan(draft, target, current_text, names)
    if file_sha256(current_text) != of.base_sha256:
        for name in names:
            mine, theirs, base = getattr(current, name), getattr(note, name), of.base.get(name)
            if mine != base and mine != theirs:
                plan.conflicts.append(FieldConflict(name, mine, theirs, base))
    return plan


def write_accepted(plan: AcceptPlan, text: str) -> None:
    """Write the note atomically, then drop the draft (the note now holds it)."""
    write_text_atomic(plan.target, text, overwrite=plan.current_text is not None)
    plan.draft.path.unlink(missing_ok=True)


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


def reject(draft: PendingDraft, corpus: Corpus) -> Path:
    """Move the draft out of the queue into ``.autonote/rejected/`` (kept, not deleted)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = corpus.root / STATE_DIR_NAME / REJECTED_DIR / f"{draft.id}.{stamp}.md"
    write_text_atomic(kept, draft.text, overwrite=True)
    draft.path.unlink(missing_ok=True)
    return kept


def editor_command() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def edit(draft: PendingDraft, run_editor: Callable[[list[str]], int] | None = None) -> str | None:
    """Open the draft in ``$EDITOR``; returns the parse error of the edited draft, or None.

    The edit is made on a copy: an editor that exits non-zero leaves the draft unchanged. A saved
    edit is kept even when it no longer parses, so that the next edit can fix it.
    """
    copy = draft.path.with_name(f".{draft.path.name}.edit.md")
    copy.write_text(draft.text, encoding="utf-8")
    try:
        command = [*editor_command(), str(copy)]
        try:
            code = (run_editor or _run)(command)
        except FileNotFoundError:
            raise UsageError(f"editor {command[0]!r} not found; set EDITOR") from None
        if code != 0:
            raise AutonoteError(f"the editor exited with status {code}; the draft is unchanged")
        edited = copy.read_text(encoding="utf-8")
    finally:
        copy.unlink(missing_ok=True)
    if edited != draft.text:
        write_text_atomic(draft.path, edited, overwrite=True)
        draft.text = edited
    try:
        draft.note, draft.error = parse_note(edited, str(draft.path)), None
    except NoteFormatError as exc:
        draft.note, draft.error = None, str(exc)
    return draft.error


def _run(command: list[str]) -> int:
    return subprocess.call(command)
