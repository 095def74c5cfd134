"""Note ids and the index's document numbers, both ways, read once per state of the index."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from autonote.corpus.index_schema import chunks, marks


class DocNumbers:
    """Note ids and their document numbers, both ways, for one state of the index."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._docno_of: dict[str, int] | None = None
        self._id_of: dict[int, str] | None = None
        self._count: int | None = None

    def every(self) -> tuple[dict[str, int], dict[int, str]]:
        """Every note id's document number and back (10,000 rows: read only when many are asked)."""
        if self._docno_of is None or self._id_of is None:
            rows = self.db.execute("SELECT id, docno FROM docs").fetchall()
            self._docno_of = dict(rows)
            self._id_of = {docno: note_id for note_id, docno in rows}
        return self._docno_of, self._id_of

    def docnos_of(self, note_ids: Iterable[str]) -> dict[str, int]:
        """The document numbers of the given notes that the index has (a few: asked of SQLite,
        unless every id was read already)."""
        return self._look_up(note_ids, self._docno_of, "SELECT id, docno FROM docs WHERE id IN ({})")

    def ids_of(self, docnos: Iterable[int]) -> dict[int, str]:
        """The note ids of the given document numbers that the index has (see :meth:`docnos_of`)."""
        return self._look_up(docnos, self._id_of, "SELECT docno, id FROM docs WHERE docno IN ({})")

    def _look_up(self, keys: Iterable[Any], known: dict[Any, Any] | None, query: str) -> dict[Any, Any]:
        if known is not None:
            return {k: known[k] for k in keys if k in known}
        found: dict[Any, Any] = {}
        for chunk in chunks(sorted(set(keys))):
            found.update(self.db.execute(query.format(marks(chunk)), chunk))
        return found

    def size(self) -> int:
        """How many notes the index has."""
        if self._count is None:
            self._count = (
                len(self._docno_of)
                if self._docno_of is not None
                else self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
            )
        return self._count

    def hidden(self, exclude_ids: Iterable[str]) -> list[int]:
        """The document numbers of the notes to hide, ascending."""
        exclude_ids = tuple(exclude_ids)
        if not exclude_ids:
            return []
        docno_of, _ = self.every()  # a leave-one-out evaluation hides a note in every search
        return sorted({docno_of[i] for i in exclude_ids if i in docno_of})
