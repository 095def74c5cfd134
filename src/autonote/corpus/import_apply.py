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

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from autonote.corpus.importers import ReadResult, Skipped
from autonote.corpus.store import NOTES_DIR, Corpus
from autonote.fsutil import write_text_atomic
from autonote.render import render_note
from autonote.schema import Note
from autonote.state import STATE_DIR_NAME, StateDB

CONFLICTS_DIR = "import-conflicts"


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


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _recorded_file_hash(state: StateDB, note_id: str) -> str | None:
    row = state.conn.execute("SELECT file_sha256 FROM imports WHERE note_id = ?", (note_id,)).fetchone()
    return row[0] if row else None


def _record(state: StateDB, note: Note, text: str) -> None:
    assert note.origin is not None
    state.conn.execute(
        "INSERT INTO imports(note_id, entry_hash, file_sha256, imported) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(note_id) DO UPDATE SET entry_hash = excluded.entry_hash, "
        "file_sha256 = excluded.file_sha256, imported = excluded.imported",
        (note.id, note.origin.entry_hash, _sha256(text), time.time()),
    )


def apply_import(read: ReadResult, corpus: Corpus, state: StateDB, *, dry_run: bool = False) -> ImportReport:
    report = ImportReport(skipped=list(read.skipped))
    first_seen: dict[str, str] = {}
    native_by_arxiv = {n.arxiv_id: n.id for n in corpus.notes if n.arxiv_id and n.origin is None}
    conflicts_dir = corpus.root / STATE_DIR_NAME / CONFLICTS_DIR

    for where, note in read.notes:
        if note.id in first_seen:
            report.skipped.append(
                Skipped(where, f"duplicate of {note.id}, already read from {first_seen[note.id]}")
            )
            continue
        first_seen[note.id] = where
        twin = native_by_arxiv.get(note.arxiv_id or "")
        if twin is not None:
            report.skipped.append(
                Skipped(
                    where,
                    f"the corpus already has this paper as {twin} ({corpus.paths[twin]}); not added twice",
                )
            )
            continue
        text = render_note(note)
        existing = corpus.by_id.get(note.id)
        target = corpus.paths.get(note.id) or corpus.root / NOTES_DIR / f"{note.id}.md"

        if existing is None and not target.exists():
            if not dry_run:
                write_text_atomic(target, text)
                _record(state, note, text)
            report.created.append(note.id)
            continue

        assert note.origin is not None
        if existing is not None and existing.origin and existing.origin.entry_hash == note.origin.entry_hash:
            report.unchanged.append(note.id)
            continue

        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            current, reason = None, f"the local file cannot be read ({exc})"
        else:
            reason = "the source entry changed and the local note was edited since the last import"
            if existing is None:
                reason = "the local file is not a valid note (see `autonote lint`)"
        if (
            current is not None
            and existing is not None
            and _recorded_file_hash(state, note.id) == _sha256(current)
        ):
            if not dry_run:
                write_text_atomic(target, text, overwrite=True)
                _record(state, note, text)
            report.updated.append(note.id)
            continue

        incoming = conflicts_dir / f"{note.id}.md"
        if not dry_run:
            write_text_atomic(incoming, text, overwrite=True)
        report.conflicts.append(Conflict(note.id, target, incoming, reason))
    return report
