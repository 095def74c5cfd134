"""Write imported notes into the corpus: idempotent, and never over an owner's edit.

For each imported note:

- not in the corpus → written to ``notes/<id>.md`` (*created*);
- in the corpus with the same source entry (``origin.entry_hash``) → left alone (*unchanged*), even
  if the owner has edited it since;
- in the corpus from an older version of the entry, file untouched since autonote wrote it (its hash
  is recorded in the state DB) → replaced (*updated*);
- in the corpus from another route (the XML export, ``gh`` JSON, a pull, a push) whose issue is as
  that route last saw it (same issue, title, body and labels: ``origin.body_sha256``, ``origin.labels``) →
  left alone (*unchanged*), the local note kept whether or not the owner edited it; only the import
  record learns the new route's entry hash, so that the next import settles it at once. (Replaced
  when it is unedited and the new route makes a different note, e.g. a comment edited on GitHub.)
- otherwise the owner has edited it and the source changed too → the local note is kept, the
  incoming version is written to ``.autonote/import-conflicts/<id>.md`` and reported (*conflict*).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autonote.corpus.importers import ReadResult, Skipped, SourceEntry
from autonote.corpus.view import Corpus
from autonote.errors import NoteFormatError, WriteRefusedError
from autonote.notes.folder import NoteFolder, note_write, place_notes
from autonote.notes.format import render_note
from autonote.notes.ids import issue_note_id
from autonote.notes.issue_format import render_issue
from autonote.notes.store import StoredNote
from autonote.progress import report_progress
from autonote.schema import Note, RelatedNote
from autonote.state import StateDB, write_transaction


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


CHUNK = 500  # notes written with one flush to disk and recorded in one transaction


def _recorded(state: StateDB) -> dict[str, tuple[str, str]]:
    """note id → (entry hash, file hash) of every note an import wrote."""
    return {
        row[0]: (row[1], row[2])
        for row in state.conn.execute("SELECT note_id, entry_hash, file_sha256 FROM imports")
    }


def recorded_entry_hashes(state: StateDB) -> set[str]:
    """The fingerprints of the source entries imports wrote (an export's unchanged entries)."""
    return {row[0] for row in state.conn.execute("SELECT entry_hash FROM imports")}


def _record_all(state: StateDB, written: list[StoredNote]) -> None:
    now = time.time()
    rows = []
    for stored in written:
        assert stored.note.origin is not None
        rows.append((stored.note.id, stored.note.origin.entry_hash, stored.revision, now))
    with write_transaction(state.conn) as db:
        db.executemany(
            "INSERT INTO imports(note_id, entry_hash, file_sha256, imported) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(note_id) DO UPDATE SET entry_hash = excluded.entry_hash, "
            "file_sha256 = excluded.file_sha256, imported = excluded.imported",
            rows,
        )


def record_seen(state: StateDB, seen: list[tuple[str, str]]) -> None:
    """Record that each note's source entry (note id, entry hash) is known, without claiming its
    file as autonote's own: a note the owner edited stays edited (its recorded file hash is kept,
    or none is recorded), while the next import of the same entry settles it at once."""
    if not seen:
        return
    now = time.time()
    with write_transaction(state.conn) as db:
        db.executemany(
            "INSERT INTO imports(note_id, entry_hash, file_sha256, imported) VALUES (?, ?, '', ?) "
            "ON CONFLICT(note_id) DO UPDATE SET entry_hash = excluded.entry_hash, imported = excluded.imported",
            [(note_id, entry_hash, now) for note_id, entry_hash in seen],
        )


def same_issue_seen(local_note: Note, incoming_note: Note) -> bool:
    """Whether ``incoming_note`` saw the issue exactly as ``local_note`` last saw it (the same
    issue, title, body and labels), whatever route each came by: then the source has not changed
    since. (Comments are not compared: each route writes them its own way.)"""
    local, incoming = local_note.origin, incoming_note.origin
    if local is None or incoming is None or local.issue is None or local.issue != incoming.issue:
        return False
    if local.url and incoming.url and local.url.lower() != incoming.url.lower():
        return False
    if local.body_sha256 is None or local.body_sha256 != incoming.body_sha256:
        return False
    if sorted(set(local.labels or [])) != sorted(set(incoming.labels or [])):
        return False
    return render_issue(local_note).title == render_issue(incoming_note).title


def _same_content(a: Note, b: Note) -> bool:
    return a.model_copy(update={"origin": None}) == b.model_copy(update={"origin": None})


def record_import(state: StateDB, written: StoredNote) -> None:
    """Record a note file autonote wrote for its source entry (what a later import compares
    with), for writers other than :func:`apply_import` (``github push`` and ``pull``, which write a
    note that has just become an issue's)."""
    _record_all(state, [written])


def _record_or_undo(
    store: NoteFolder,
    state: StateDB,
    writes: list[tuple[Note, str, StoredNote | None]],
    written: list[StoredNote],
) -> None:
    """Record a chunk of notes just written, in one transaction; if the records cannot be written
    (a full disk), the files are put back as they were, so the records always describe the files
    autonote wrote."""
    try:
        _record_all(state, written)
    except sqlite3.Error as exc:
        store.undo_many(written, [current for _, _, current in writes])
        raise WriteRefusedError(
            f"cannot record the import in the state database ({exc}); the {len(writes)} notes of this"
            " step were put back, and nothing after them was imported"
        ) from None


class _ChunkWriter:
    """Writes an import's chunks in order, each recorded once its files are in place.

    With more than one chunk, a chunk's files are written by a worker process while the next chunk
    is made: writing is mostly the file system's time (a new file per note), making it is Python's,
    and threads would take turns on one core. A chunk starts only once the chunk before it is
    recorded, so a failure stops the import at the same chunk as writing in line would, with the
    same message; the file writes themselves are :func:`place_notes`'s (atomic, one flush)."""

    def __init__(self, store: NoteFolder, state: StateDB) -> None:
        self.store, self.state = store, state
        self.pool: Any = None
        self.in_flight: tuple[list[tuple[Note, str, StoredNote | None]], Any] | None = None

    def write(self, writes: list[tuple[Note, str, StoredNote | None]], *, last: bool) -> None:
        """Write a chunk (``last``: no chunk follows; it is written in line)."""
        self.settle()
        if not last and self.pool is None:
            self.pool = _writer_pool()
        plan = [note_write(note, text, current) for note, text, current in writes]
        if last or self.pool is None:
            self._record(writes, place_notes(self.store.root, plan))
        else:
            self.in_flight = (writes, self.pool.submit(place_notes, self.store.root, plan))

    def settle(self) -> None:
        """Wait for the chunk being written, and record it."""
        if self.in_flight is None:
            return
        writes, future = self.in_flight
        self.in_flight = None
        try:
            placed = future.result()
        except BrokenProcessPool as exc:
            raise WriteRefusedError(f"the process writing notes stopped ({exc})") from None
        self._record(writes, placed)

    def close(self) -> None:
        try:
            self.settle()
        finally:
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None

    def _record(
        self, writes: list[tuple[Note, str, StoredNote | None]], placed: list[tuple[str, str]]
    ) -> None:
        written = [
            StoredNote(note, text, revision, relpath)
            for (relpath, revision), (note, text, _) in zip(placed, writes, strict=True)
        ]
        _record_or_undo(self.store, self.state, writes, written)


def _writer_pool() -> Any:
    """One worker process (forked: it starts at once and needs nothing re-imported), or None
    (one core: nothing to overlap with)."""
    import gc
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    if (os.cpu_count() or 1) < 2:
        return None
    try:
        # gc.freeze: the collector leaves alone what the worker inherited (the export, the notes
        # made so far), which it would otherwise walk again and again, copying every page it touches.
        return ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=gc.freeze
        )
    except ValueError:  # no fork on this platform: chunks are written in line
        return None


def apply_import(
    read: ReadResult,
    corpus: Corpus,
    store: NoteFolder,
    state: StateDB,
    *,
    known: Callable[[], dict[int, RelatedNote]] = dict,
    dry_run: bool = False,
    chunk: int = CHUNK,
) -> ImportReport:
    """Import the entries: unchanged entries (the same source entry as last imported) are settled
    from the import records without building or reading anything; the others become notes,
    written in chunks of ``chunk``. ``known`` gives links to the corpus's notes (asked for only when a note
    has to be made)."""
    report = ImportReport(skipped=list(read.skipped))
    first_seen: dict[str, str] = {}
    recorded = _recorded(state)
    links: dict[int, RelatedNote] | None = None
    pending: list[tuple[Note, str, StoredNote | None]] = []
    seen: list[tuple[str, str]] = []  # notes as last seen by another route: (id, new entry hash)
    places = store.note_relpaths([issue_note_id(e.issue) for e in read.entries if e.issue is not None])

    chosen = _chosen_entries(read, recorded, places)
    writer = _ChunkWriter(store, state)

    def flush(*, last: bool = False) -> None:
        if pending and not dry_run:
            writer.write(list(pending), last=last)
        pending.clear()

    run = _ImportRun(read, corpus, store, report, recorded, places, chosen, pending, seen, writer, dry_run)
    try:
        for done, entry in enumerate(read.entries):
            report_progress("importing", done, len(read.entries))
            note_id = issue_note_id(entry.issue) if entry.issue is not None else None
            duplicate = _duplicate(entry, note_id, chosen, first_seen)
            if duplicate is not None:
                report.skipped.append(duplicate)
                continue
            relpath = places[note_id] if note_id is not None else None
            if note_id is not None:
                first_seen[note_id] = entry.where
                if relpath is not None and recorded.get(note_id, ("", ""))[0] == entry.fingerprint:
                    report.unchanged.append(note_id)
                    continue
            if links is None:
                links = read.links(known())
            run.entry(entry, relpath, links)
            if len(pending) >= chunk:
                flush()
        flush(last=True)
        report_progress("importing", len(read.entries), len(read.entries))
    finally:
        writer.close()
    if not dry_run:
        record_seen(state, seen)
    return report


def _duplicate(
    entry: SourceEntry, note_id: str | None, chosen: dict[str, SourceEntry], first_seen: dict[str, str]
) -> Skipped | None:
    """Why an entry is a duplicate of another entry of the export, else None."""
    if note_id is not None and chosen.get(note_id, entry) is not entry:
        return Skipped(entry.where, f"duplicate of {note_id}: {chosen[note_id].where} is its own entry")
    if note_id is not None and note_id in first_seen:
        return Skipped(entry.where, f"duplicate of {note_id}, already read from {first_seen[note_id]}")
    return None


@dataclass
class _ImportRun:
    """One entry of an import at a time: made into a note, then created, updated, left unchanged
    or kept as a conflict (what :func:`apply_import` works with)."""

    read: ReadResult
    corpus: Corpus
    store: NoteFolder
    report: ImportReport
    recorded: dict[str, tuple[str, str]]
    places: dict[str, str | None]
    chosen: dict[str, SourceEntry]
    pending: list[tuple[Note, str, StoredNote | None]]
    seen: list[tuple[str, str]]
    writer: _ChunkWriter
    dry_run: bool

    def entry(self, entry: SourceEntry, relpath: str | None, links: dict[int, RelatedNote]) -> None:
        note = self.read.note(entry, links)
        if isinstance(note, Skipped):
            self.report.skipped.append(note)
            return
        twin = _native_twin(note, self.corpus)
        if twin is not None:
            self.report.skipped.append(
                Skipped(
                    entry.where,
                    f"the corpus already has this paper as {twin} ({self.corpus.paths[twin]}); not added twice",
                )
            )
            return
        text = render_note(note)
        if relpath is None:
            self.pending.append((note, text, None))
            self.report.created.append(note.id)
        else:
            self._existing(note, text, relpath)

    def _existing(self, note: Note, text: str, relpath: str) -> None:
        """An entry for a note the corpus has: unchanged, updated, or a conflict with local edits."""
        assert note.origin is not None
        try:
            current: StoredNote | None = self.store.read_at(relpath)
        except (NoteFormatError, WriteRefusedError) as exc:
            current, reason = None, f"the local file is not a valid note ({exc})"
        else:
            reason = "the source entry changed and the local note was edited since the last import"
        if (
            current is not None
            and current.note.origin is not None
            and (current.note.origin.entry_hash == note.origin.entry_hash)
        ):
            self.report.unchanged.append(note.id)
            return
        edited = current is None or self.recorded.get(note.id, ("", ""))[1] != current.revision
        if (
            current is not None
            and same_issue_seen(current.note, note)
            and (edited or _same_content(current.note, note))
        ):
            self.report.unchanged.append(note.id)
            self.seen.append((note.id, note.origin.entry_hash))
            return
        if not edited:
            self.pending.append((note, text, current))
            self.report.updated.append(note.id)
            return
        local = self.store.resolve(relpath)
        if not self.dry_run:
            self.writer.settle()  # nothing is written for an entry before the chunks before it are
        incoming = self.store.keep_import_conflict(note.id, text) if not self.dry_run else local
        self.report.conflicts.append(Conflict(note.id, local, incoming, reason))


def _chosen_entries(
    read: ReadResult, recorded: dict[str, tuple[str, str]], places: dict[str, str | None]
) -> dict[str, SourceEntry]:
    """For each note id that several differing entries of the export claim, when the corpus has
    the note and the entry it was last imported from is among them: that entry (the others are
    duplicates, whatever their order). A duplicate never displaces a note's own entry. For any
    other id the first entry wins and the others are reported as duplicates of it."""
    claims: dict[str, list[SourceEntry]] = {}
    for entry in read.entries:
        if entry.issue is not None:
            claims.setdefault(issue_note_id(entry.issue), []).append(entry)
    chosen: dict[str, SourceEntry] = {}
    for note_id, entries in claims.items():
        if len(entries) < 2 or places.get(note_id) is None:
            continue
        if len({entry.fingerprint for entry in entries}) == 1:
            continue  # the same entry repeated: the first wins, harmlessly
        last = recorded.get(note_id, ("", ""))[0]
        own = next((entry for entry in entries if entry.fingerprint == last), None)
        if own is not None:
            chosen[note_id] = own
    return chosen


def _native_twin(note: Note, corpus: Corpus) -> str | None:
    """A note of the corpus drafted by autonote (not imported) about the same arXiv paper."""
    for other in corpus.ids_with_arxiv(note.arxiv_id) if note.arxiv_id else []:
        found = corpus.get(other)
        if other != note.id and found is not None and found.origin is None:
            return other
    return None
