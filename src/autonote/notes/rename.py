"""Renaming a note of a corpus folder: its file, the links to it from other notes, and its pending
draft, all or nothing as far as the file system allows (see :func:`rename_note`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from autonote.errors import AutonoteError, NoteFormatError, WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.notes.draft_folder import DraftFolder
from autonote.notes.format import file_sha256, parse_note, related_block, replace_block, replace_front_matter
from autonote.notes.ids import check_note_id
from autonote.notes.store import StoredNote

Undo = list[Callable[[], object]]


class NoteFiles(Protocol):
    """What a rename needs of the folder's notes (:class:`autonote.notes.folder.NoteFolder`)."""

    root: Path

    def resolve(self, relpath: str, what: str = "path") -> Path: ...

    def note_relpath(self, note_id: str) -> str | None: ...

    def read_text(self, relpath: str, what: str = "note") -> str: ...

    def read_at(self, relpath: str, what: str = "note") -> StoredNote: ...

    def update_at(self, relpath: str, text: str, *, revision: str | None) -> StoredNote: ...

    def remove_at(self, relpath: str, *, revision: str) -> None: ...


def rename_note(
    notes: NoteFiles,
    drafts: DraftFolder,
    files: Iterable[tuple[str, int, int]],
    old_id: str,
    new_id: str,
    *,
    front: dict[str, Any] | None = None,
    link: str | None = None,
) -> StoredNote:
    """See :meth:`autonote.notes.folder.NoteFolder.rename`; ``files`` are the corpus's markdown
    files as :func:`autonote.notes.folder.scan_note_files` lists them (read only when needed)."""
    check_note_id(old_id)
    check_note_id(new_id)
    old_relpath = notes.note_relpath(old_id)
    if old_relpath is None:
        raise WriteRefusedError(f"no note {old_id} to rename")
    new_relpath = str(PurePosixPath(old_relpath).with_name(f"{new_id}.md"))
    taken = notes.note_relpath(new_id)
    if taken is not None or notes.resolve(new_relpath).exists():
        where = taken or new_relpath
        raise WriteRefusedError(
            f"cannot rename {old_id} to {new_id}: {notes.root / where} exists; nothing was changed"
        )
    current = notes.read_at(old_relpath)
    new_text = replace_front_matter(current.text, {**(front or {}), "id": new_id}, old_relpath)
    renamed = parse_note(new_text, new_relpath)
    edits = list(_links_to(notes, files, old_id, new_id, link, skip=old_relpath))

    undo: Undo = []
    try:
        target = notes.resolve(new_relpath)
        write_text_atomic(target, new_text, overwrite=False)
        undo.append(lambda: notes.remove_at(new_relpath, revision=file_sha256(new_text)))
        for relpath, before, after in edits:
            written = notes.update_at(relpath, after, revision=file_sha256(before))
            undo.append(functools.partial(notes.update_at, relpath, before, revision=written.revision))
        _rename_draft(drafts, old_id, new_id, new_relpath, undo)
        notes.remove_at(old_relpath, revision=current.revision)
    except (OSError, AutonoteError) as exc:
        left = _undone(undo)
        reason = getattr(exc, "strerror", None) or exc
        raise WriteRefusedError(f"cannot rename {old_id} to {new_id} ({reason}){left}") from None
    return StoredNote(renamed, new_text, file_sha256(new_text), new_relpath)


def _undone(undo: Undo) -> str:
    """Undo the steps done, last first; what to add to the message of the failure."""
    problems = []
    for step in reversed(undo):
        try:
            step()
        except (OSError, AutonoteError) as again:
            problems.append(str(again))
    return f"; undoing failed too: {'; '.join(problems)}" if problems else "; every change was undone"


def _rename_draft(drafts: DraftFolder, old_id: str, new_id: str, new_relpath: str, undo: Undo) -> None:
    """A draft pending for the renamed note follows it: ``drafts/<new_id>.md``, its id and (for
    an update-draft) the path of the note it updates changed; nothing else."""
    if not drafts.has_draft(old_id):
        return
    before = drafts.read_draft(old_id)
    changes: dict[str, Any] = {"id": new_id}
    try:
        of = parse_note(before, str(drafts.draft_path(old_id))).update_of
    except NoteFormatError:
        of = None  # an invalid draft keeps its text; only its file name follows the note
    if of is not None:
        changes["update_of"] = {**of.model_dump(mode="json"), "path": new_relpath}
    try:
        after = replace_front_matter(before, changes)
    except NoteFormatError:
        after = before
    drafts.save_draft(new_id, after)
    undo.append(lambda: drafts.remove_draft(new_id, text=after))
    drafts.remove_draft(old_id, text=before)
    undo.append(lambda: drafts.save_draft(old_id, before, replace=True))


def _links_to(
    notes: NoteFiles,
    files: Iterable[tuple[str, int, int]],
    old_id: str,
    new_id: str,
    link: str | None,
    *,
    skip: str,
) -> Iterator[tuple[str, str, str]]:
    """(relpath, text now, text with its links to ``old_id`` renamed) for every note linking it.
    Files are found on disk (not through the index, which may be behind within one command)."""
    for relpath, _, _ in files:
        if relpath == skip:
            continue
        try:
            text = notes.read_text(relpath)
        except AutonoteError:
            continue
        if old_id not in text:
            continue
        try:
            note = parse_note(text, relpath)
        except NoteFormatError:
            continue
        if not any(item.id == old_id for item in note.related):
            continue
        related = [
            item.model_copy(update={"id": new_id, "url": link or item.url}) if item.id == old_id else item
            for item in note.related
        ]
        edited = replace_front_matter(text, {"related": [item.id for item in related]}, relpath)
        edited = replace_block(edited, "related", related_block(related), relpath)
        yield relpath, text, edited
