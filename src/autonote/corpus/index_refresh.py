"""Bringing the index up to date with the corpus's files: only the files whose size or mtime
changed are read again, the files that are gone are dropped, and a file refused for a duplicate id
is tried again once the id's owner is gone. The caller holds the write transaction."""

from __future__ import annotations

import sqlite3
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autonote.corpus.index_read import FileRead, read_many
from autonote.corpus.index_schema import DATA_TABLES, author_table
from autonote.corpus.postings import merge_postings
from autonote.notes.folder import scan_note_files
from autonote.progress import report_progress


@dataclass
class RefreshReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # files left out, one line each
    seconds: float = 0.0
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def refresh_locked(db: sqlite3.Connection, root: Path, report: RefreshReport, rebuild: bool) -> RefreshReport:
    """Compare the files on disk with those the index read (``rebuild``: forget those first) and
    apply the difference, inside the caller's transaction."""
    if rebuild:
        for table in (*DATA_TABLES, *author_table(db)):
            db.execute(f"DELETE FROM {table}")
    known = set(db.execute("SELECT path, mtime_ns, size FROM files"))  # (path, mtime_ns, size)
    scanned = set(scan_note_files(root))
    if scanned == known:  # nothing new, changed or gone
        report.unchanged = len(scanned)
        return report
    fresh = scanned - known  # new, or a different size or mtime
    report.unchanged = len(scanned) - len(fresh)
    on_disk = {path: (mtime_ns, size) for path, mtime_ns, size in scanned}
    changed = sorted(row[0] for row in fresh)
    removed = sorted({row[0] for row in known} - on_disk.keys())
    report.rebuilt = not known
    changes = _Changes(db, root, on_disk, report)
    changes.remove(removed)
    changes.read(changed)
    changes.finish()
    return report


@dataclass
class _Rows:
    """The rows one part of the read files adds to the index's tables."""

    files: list[tuple] = field(default_factory=list)
    docs: list[tuple] = field(default_factory=list)
    tags: list[tuple[int, str]] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)
    tag_uses: Counter[str] = field(default_factory=Counter)

    def add(self, docno: int, path: str, read: FileRead) -> None:
        assert read.note_id is not None
        self.docs.append(
            (docno, read.note_id, path, read.arxiv_id, read.issued, read.length, read.embed_hash, read.terms)
        )
        self.tags.extend((docno, tag) for tag in read.tags)
        self.tag_uses.update(read.tags)
        self.links.extend((docno, target) for target in read.links)
        if read.authors:
            self.authors.append((docno, read.authors))

    def write(self, db: sqlite3.Connection, authors_table: tuple[str, ...]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO files(path, mtime_ns, size, note_id, problem) VALUES (?, ?, ?, ?, ?)",
            self.files,
        )
        db.executemany(
            "INSERT INTO docs(docno, id, path, arxiv_id, issued, length, embed_hash, terms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            self.docs,
        )
        db.executemany("INSERT INTO doc_tags(docno, tag) VALUES (?, ?)", self.tags)
        db.executemany("INSERT INTO doc_links(docno, target) VALUES (?, ?)", self.links)
        for table in authors_table:
            db.executemany(f"INSERT INTO {table}(rowid, keys) VALUES (?, ?)", self.authors)


class _Changes:
    """One refresh's changes to the index, gathered as files are dropped and read, the postings
    and tag counts written at the end (:meth:`finish`)."""

    def __init__(
        self, db: sqlite3.Connection, root: Path, on_disk: dict[str, tuple[int, int]], report: RefreshReport
    ) -> None:
        self.db, self.root, self.on_disk, self.report = db, root, on_disk, report
        self.owner: dict[str, str] = dict(db.execute("SELECT id, path FROM docs"))  # note id → path
        self.docno_of: dict[str, int] = dict(db.execute("SELECT path, docno FROM docs"))
        self.next_docno = (db.execute("SELECT max(docno) FROM docs").fetchone()[0] or 0) + 1
        self.authors_table = author_table(db)
        self.uses: Counter[str] = Counter()  # tag uses removed (subtracted below) and added
        self.gone: set[int] = set()  # documents whose postings must go
        self.affected: set[str] = set()  # terms whose postings change
        self.new_postings: list[dict[str, bytes]] = []

    def drop_path(self, path: str) -> None:
        """Take the document read from ``path`` (if any) out of every table but ``files``."""
        db = self.db
        docno = self.docno_of.pop(path, None)
        if docno is None:
            return
        self.gone.add(docno)
        note_id, old_terms = db.execute("SELECT id, terms FROM docs WHERE docno = ?", (docno,)).fetchone()
        self.affected.update(old_terms.split("\x1f") if old_terms else ())
        self.owner.pop(note_id, None)
        self.uses.update(tag for (tag,) in db.execute("SELECT tag FROM doc_tags WHERE docno = ?", (docno,)))
        for table in ("docs", "doc_tags", "doc_links"):
            db.execute(f"DELETE FROM {table} WHERE docno = ?", (docno,))
        for table in self.authors_table:
            db.execute(f"DELETE FROM {table} WHERE rowid = ?", (docno,))

    def remove(self, removed: list[str]) -> None:
        """Forget the files that are gone."""
        for path in removed:
            self.report.removed += path in self.docno_of
            self.drop_path(path)
            self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    def read(self, changed: list[str]) -> None:
        """Read the new and changed files, then again those refused as duplicates whose id's
        owner has gone meanwhile, until none is left to try."""
        pending = list(changed)
        retried: set[str] = set()
        read_so_far = 0
        report_progress("indexing", 0, len(changed))
        while True:  # once at least: a removed file may free the id of a refused duplicate
            numbered = list(zip(range(self.next_docno, self.next_docno + len(pending)), pending, strict=True))
            self.next_docno += len(pending)
            # Parts are kept as they come (in order), while the later parts are still being read.
            for part, reads, postings in read_many(self.root, numbered):
                read_so_far += len(part)
                report_progress("indexing", min(read_so_far, len(changed)), len(changed))
                self._store(part, reads, postings)
            pending = self._retries(retried)
            if not pending:
                return
            retried.update(pending)

    def _store(self, part: list[tuple[int, str]], reads: list[FileRead], postings: dict[str, bytes]) -> None:
        rows = _Rows()
        for (docno, path), read in zip(part, reads, strict=True):
            self._take(docno, path, read, rows)
        self.new_postings.append(postings)
        rows.write(self.db, self.authors_table)
        self.uses.subtract(rows.tag_uses)

    def _take(self, docno: int, path: str, read: FileRead, rows: _Rows) -> None:
        """One file read: its rows, or its problem (a duplicate id is one)."""
        was_indexed = path in self.docno_of
        self.drop_path(path)
        problem = read.problem
        if read.note_id is not None and self.owner.get(read.note_id, path) != path:
            problem = f": duplicate note id {read.note_id} (also in {self.root / self.owner[read.note_id]})"
            self.gone.add(docno)  # its postings were built by the reader; drop them
        indexed = read.note_id is not None and problem is None
        rows.files.append((path, *self.on_disk[path], read.note_id if indexed else None, problem))
        if not indexed:
            self.report.removed += was_indexed
            return
        assert read.note_id is not None
        rows.add(docno, path, read)
        self.owner[read.note_id] = path
        self.docno_of[path] = docno
        if was_indexed:
            self.report.updated += 1
        else:
            self.report.added += 1

    def _retries(self, retried: set[str]) -> list[str]:
        """A file refused as a duplicate gets another chance once the id's owner is gone."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT path, problem FROM files WHERE problem LIKE ': duplicate note id %'"
            )
            if row[0] not in retried and row[1].split()[4] not in self.owner
        ]

    def finish(self) -> None:
        """Write the postings, the tag counts and the documents' lengths."""
        db = self.db
        merge_postings(db, self.new_postings, self.gone, self.affected)
        # uses holds removed minus added: apply it as a change of each tag's count
        db.executemany(
            "INSERT INTO tag_counts(tag, uses) VALUES (?, ?) ON CONFLICT(tag) DO UPDATE SET uses = uses + excluded.uses",
            [(tag, -delta) for tag, delta in self.uses.items() if delta],
        )
        db.execute("DELETE FROM tag_counts WHERE uses <= 0")
        pairs = array(
            "q", [v for row in db.execute("SELECT docno, length FROM docs ORDER BY docno") for v in row]
        )
        db.execute("DELETE FROM doc_lengths")
        db.execute("INSERT INTO doc_lengths(entries) VALUES (?)", (pairs.tobytes(),))
