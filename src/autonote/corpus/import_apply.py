"""Write imported notes into the corpus: idempotent, and never over an owner's edit.

For each imported note:

- not in the corpus → written to ``notes/<id>.md`` (*created*);
- in the corpus with the same source entry (``origin.entry_hash``) → left alone (*unchanged*), even
  if the owner has edited it since;
- in the corpus from an older version of the entry, file untouched since autonote wrote it (its hash
  is recorded in the state DB) → replaced (*updated*);
- otherwise the owner has edited it and the source changed too → the local note is kept, the
  incoming version is written to ``.autonote/import-conflicts/<id>.md`` and reported (*conflict*).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from autonote.corpus.importers import ReadResult, Skipped
from autonote.corpus.view import Corpus
from autonote.errors import NoteFormatError, WriteRefusedError
from autonote.notes.folder import NoteFolder
from autonote.notes.format import file_sha256, render_note
from autonote.notes.store import StoredNote
from autonote.schema import Note
from autonote.state import StateDB


@dataclass(frozen=True)
class Conflict:
    note_id: str
    local: Path
    incoming: Path
    reason: str


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)


def _recorded_file_hash(state: StateDB, note_id: str) -> str | None:
    row = state.conn.execute("SELECT file_sha256 FROM imports WHERE note_id = ?", (note_id,)).fetchone()
    return row[0] if row else None


def _record(state: StateDB, note: Note, text: str) -> None:
    assert note.origin is not None
    state.conn.execute(
        "INSERT INTO imports(note_id, entry_hash, file_sha256, imported) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(note_id) DO UPDATE SET entry_hash = excluded.entry_hash, "
        "file_sha256 = excluded.file_sha256, imported = excluded.imported",
        (note.id, note.origin.entry_hash, file_sha256(text), time.time()),
    )


def _write_and_record(
    store: NoteFolder, state: StateDB, note: Note, text: str, current: StoredNote | None
) -> None:
    """Write the note, then record it; if the record cannot be written (a full disk), the file is
    put back as it was, so the records always describe the files autonote wrote."""
    written = (
        store.update_at(current.location, text, revision=current.revision)
        if current is not None
        else store.add_text(note.id, text)
    )
    try:
        _record(state, note, text)
    except sqlite3.Error as exc:
        if current is not None:
            store.update_at(written.location, current.text, revision=written.revision)
        else:
            store.remove_at(written.location, revision=written.revision)
        raise WriteRefusedError(
            f"cannot record the import of {note.id} in the state database ({exc}); it was not written,"
            " and nothing after it was imported"
        ) from None


def apply_import(
    read: ReadResult, corpus: Corpus, store: NoteFolder, state: StateDB, *, dry_run: bool = False
) -> ImportReport:
    report = ImportReport(skipped=list(read.skipped))
    first_seen: dict[str, str] = {}

    for where, note in read.notes:
        if note.id in first_seen:
            report.skipped.append(
                Skipped(where, f"duplicate of {note.id}, already read from {first_seen[note.id]}")
            )
            continue
        first_seen[note.id] = where
        twin = _native_twin(note, corpus)
        if twin is not None:
            report.skipped.append(
                Skipped(
                    where,
                    f"the corpus already has this paper as {twin} ({corpus.paths[twin]}); not added twice",
                )
            )
            continue
        text = render_note(note)
        relpath = store.note_relpath(note.id)
        if relpath is None:
            if not dry_run:
                _write_and_record(store, state, note, text, None)
            report.created.append(note.id)
            continue

        assert note.origin is not None
        try:
            current: StoredNote | None = store.read_at(relpath)
        except (NoteFormatError, WriteRefusedError) as exc:
            current, reason = None, f"the local file is not a valid note ({exc})"
        else:
            reason = "the source entry changed and the local note was edited since the last import"
        if current is not None:
            origin = current.note.origin
            if origin is not None and origin.entry_hash == note.origin.entry_hash:
                report.unchanged.append(note.id)
                continue
            if _recorded_file_hash(state, note.id) == current.revision:
                if not dry_run:
                    _write_and_record(store, state, note, text, current)
                report.updated.append(note.id)
                continue

        local = store.resolve(relpath)
        incoming = store.keep_import_conflict(note.id, text) if not dry_run else local
        report.conflicts.append(Conflict(note.id, local, incoming, reason))
    return report


def _native_twin(note: Note, corpus: Corpus) -> str | None:
    """A note of the corpus drafted by autonote (not imported) about the same arXiv paper."""
    for other in corpus.ids_with_arxiv(note.arxiv_id) if note.arxiv_id else []:
        found = corpus.get(other)
        if other != note.id and found is not None and found.origin is None:
            return other
    return None
