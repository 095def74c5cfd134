"""The corpus's search index: an SQLite file under ``<corpus>/.autonote/``, refreshed incrementally.

What it holds:

- ``files``: every markdown file seen, with size and mtime, so a refresh re-reads only what changed;
- ``docs``: one row per note (id, path, arXiv id, issue date, length, its distinct terms);
- ``postings``: an inverted index, one row per term with packed arrays of (doc, term frequency);
  field terms (a note's short names, the title of a note without abstract) are kept there too,
  under prefixes (see :mod:`autonote.corpus.fields`);
- ``doc_tags``: each note's tags; ``doc_links``: the notes each note links (its ``related`` ids);
- ``doc_authors``: each note's authors (``tri_dao``), an SQLite FTS5 table (its inverted index is
  built in C: one row per note, not per author), matched by :meth:`CorpusIndex.author_matches`.
  Without FTS5 in the local SQLite, notes are not matched by author.

Ranking is BM25 (k1=1.2, b=0.75) computed with numpy over the postings of the query's terms
(:mod:`autonote.corpus.bm25`). Each term's postings are decoded once per process and, with nothing
hidden, its BM25 weights too (they only change when the index does), so a query is a sum of cached
arrays. A leave-one-out evaluation can hide notes from a search: their documents are dropped from
the statistics too (N, document frequencies, average length), so a hidden note leaves no trace.

The index is a cache: deleting it loses nothing, the next command rebuilds it. If the corpus's
``.autonote/`` cannot be written, the index lives in memory for the one command.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import os
import re
import sqlite3
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autonote.corpus.fields import FIELDS_VERSION, SURNAME, author_entries, field_terms
from autonote.corpus.terms import CJK_RUN, TERMS_VERSION, embedding_text, terms, text_hash
from autonote.errors import NoteFormatError
from autonote.notes.folder import NoteFileReader, PathOutsideCorpusError, note_file_text, scan_note_files
from autonote.notes.format import parse_note
from autonote.notes.ids import is_note_id
from autonote.progress import report_progress
from autonote.schema import Note
from autonote.state import STATE_DIR_NAME, make_state_dir

if TYPE_CHECKING:
    import numpy as np

    from autonote.corpus.bm25 import TermGains

INDEX_FILE_NAME = "index.sqlite"
INDEX_VERSION = f"index.12+{TERMS_VERSION}+{FIELDS_VERSION}"
QUERY_TF_CAP = 3  # a word repeated in the query counts at most this many times
_TF_BITS, _TF_MAX = 16, 0xFFFF  # a posting is docno << 16 | term frequency, in an array('Q')
_SQL_CHUNK = 900  # stay under SQLite's default limit of host parameters
_CACHED_POSTINGS = 2_000_000  # decoded postings kept per process: 20 bytes each with weights (a dense
# copy of a common term's weights counts as its bytes / 20), 40 MB at most

_DATA_TABLES = ("files", "docs", "doc_tags", "tag_counts", "doc_lengths", "doc_links", "postings")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,      -- relative to the corpus root, '/'-separated
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    note_id TEXT,               -- NULL when the file is not a note or could not be read
    problem TEXT                -- why the file is not in the index, one line
);
CREATE TABLE IF NOT EXISTS docs (
    docno INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    arxiv_id TEXT,
    issued TEXT NOT NULL,       -- issue date, YYYY-MM-DD
    length INTEGER NOT NULL,    -- number of text terms (field terms do not count)
    embed_hash TEXT NOT NULL,   -- hash of the text the note is embedded by (see embeddings.py)
    terms TEXT NOT NULL         -- distinct terms, '\x1f'-separated (to update postings on change)
);
CREATE INDEX IF NOT EXISTS docs_arxiv ON docs(arxiv_id);
CREATE INDEX IF NOT EXISTS docs_issued ON docs(issued);
CREATE TABLE IF NOT EXISTS doc_tags (docno INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tag_counts (tag TEXT PRIMARY KEY, uses INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_lengths (entries BLOB NOT NULL);  -- one row: array('q') of (docno, length)
CREATE INDEX IF NOT EXISTS doc_tags_docno ON doc_tags(docno);
CREATE TABLE IF NOT EXISTS doc_links (docno INTEGER NOT NULL, target TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doc_links_docno ON doc_links(docno);
CREATE INDEX IF NOT EXISTS doc_links_target ON doc_links(target);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT PRIMARY KEY,
    entries BLOB NOT NULL       -- array('Q') of docno << 16 | term frequency, docno ascending
) WITHOUT ROWID
"""


def comment_text(note: Note) -> str:
    """The owner's comment as the index reads it: markdown links to related notes removed, text and
    all. A link's text is the linked note's title (the owner's knowledge of that note), so it says
    nothing about the linking note, and in a leave-one-out evaluation it would name the hidden one."""
    text = note.comment
    for url in {r.url for r in note.related if r.url}:
        text = _strip_links(text, "](" + url + ")")
    return text


def _strip_links(text: str, marker: str) -> str:
    """Remove every ``[text](url)`` ending in ``marker`` (``](url)``); brackets in the text nest."""
    while (end := text.find(marker)) >= 0:
        depth, start = 0, end
        for i in range(end - 1, -1, -1):
            if text[i] == "\n":
                break
            if text[i] == "]":
                depth += 1
            elif text[i] == "[":
                if depth == 0:
                    start = i
                    break
                depth -= 1
        text = text[:start] + " " + text[end + len(marker) :]
    return text


def note_terms(note: Note) -> Counter[str]:
    """What a note is found by: title (twice: it is short and telling), abstract, summary, key
    points, the owner's comment (without its links to other notes), and the words of its tags."""
    tag_words = " ".join(tag.replace("-", " ") for tag in note.tags)
    text = "\n".join(
        [note.title, note.title, note.abstract, note.summary, *note.key_points, comment_text(note), tag_words]
    )
    return Counter(terms(text))


@lru_cache(maxsize=65536)
def author_key(name: str) -> str | None:
    """``Tri Dao`` → ``tri_dao``; placeholders (``N/A``, ``N_A``, ``et al.``) are no author."""
    lowered = name.lower()
    words = lowered.split() if lowered.replace(" ", "").isalnum() else re.findall(r"[^\W_]+", lowered)
    if not words or "".join(words) in {"na", "etal", "others", "anonymous"}:
        return None
    return "_".join(words)


def author_terms(authors: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(key for key in map(author_key, authors) if key))


def query_terms(text: str) -> dict[str, float]:
    """A query text's terms with their weights (repeats count, up to :data:`QUERY_TF_CAP`)."""
    return {term: float(min(n, QUERY_TF_CAP)) for term, n in Counter(terms(text)).items()}


@dataclass(frozen=True)
class Hit:
    note_id: str
    score: float
    shared: list[str]  # the query terms that contributed most
    cosine: float | None = None  # similarity of meaning, when embeddings were used


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


def _looks_like_note(text: str) -> bool:
    return text.startswith("---\n") and "\nid:" in text[:400]


@dataclass
class _Stats:
    """Document lengths and BM25 normalisers for one state of the index (nothing hidden)."""

    lengths: np.ndarray  # text terms by docno (0 where no document has that number), padded
    total: int
    length_sum: float
    norm: np.ndarray  # K1 * (1 - B + B * length / average length)


class CorpusIndex:
    def __init__(self, root: Path, db_path: Path | None = None) -> None:
        """``db_path`` None keeps the index in memory (a read-only corpus, or tests)."""
        self.root = root
        self.path = db_path
        self.persistent = db_path is not None
        self.conn = sqlite3.connect(db_path or ":memory:", timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL" if self.persistent else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self._forget()
        self._authors: tuple[str, ...] | None = None
        self._ensure_schema()

    def _forget(self) -> None:
        """Drop what is cached from the index's current state (after it changed)."""
        self._stats: _Stats | None = None
        self._postings: dict[str, tuple[Any, Any]] = {}  # term → (docnos, term frequencies)
        self._absent: set[str] = set()  # terms no document has
        self._gains: dict[str, TermGains] = {}  # term → BM25 weights with nothing hidden
        self._cached_entries = 0
        self._held_cache: list[tuple[frozenset[int], Counter[str]]] = []
        self._docno_of: dict[str, int] | None = None
        self._id_of: dict[int, str] | None = None
        self._count: int | None = None
        self._surname_docs: dict[str, set[int]] | None = None
        self._norm_cache: tuple[tuple[int, ...], np.ndarray] | None = None

    @classmethod
    def open(cls, root: Path) -> CorpusIndex:
        """The corpus's index file, or an in-memory index when ``.autonote/`` cannot be written."""
        folder = root / STATE_DIR_NAME
        try:
            make_state_dir(folder)
            index = cls(root, folder / INDEX_FILE_NAME)
            index.conn.execute("BEGIN IMMEDIATE")
            index.conn.execute("COMMIT")
            return index
        except (OSError, sqlite3.Error):
            return cls(root, None)

    def _ensure_schema(self) -> None:
        db = self.conn
        row = None
        with contextlib.suppress(sqlite3.OperationalError):  # a new file has no meta table yet
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row is not None and row[0] == INDEX_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        if row is not None:
            for table in ("meta", *_DATA_TABLES, "doc_authors"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _SCHEMA.split(";"):
            db.execute(statement)
        with contextlib.suppress(sqlite3.OperationalError):  # no FTS5 here: no author matching
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS doc_authors"
                " USING fts5(keys, tokenize = \"unicode61 tokenchars '_'\", detail = none)"
            )
        db.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
        db.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def pin_snapshot(self) -> None:
        """Read the index as it is now for the rest of this process, whatever other processes
        commit meanwhile (one read transaction; SQLite's WAL keeps the snapshot)."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT count(*) FROM docs").fetchone()

    def rebuild(self) -> RefreshReport:
        """Read every file again, in ONE transaction: a reader (another autonote command) sees the
        old index or the new one, never an empty or half-built one."""
        return self.refresh(rebuild=True)

    # -- refresh ---------------------------------------------------------------------------------

    def refresh(self, *, rebuild: bool = False) -> RefreshReport:
        """Bring the index up to date with the files: re-read only files whose size or mtime
        changed, drop files that are gone (``rebuild``: re-read everything). One transaction: an
        interrupted refresh leaves the previous index intact, and readers never see it half-done."""
        started = time.perf_counter()
        report = RefreshReport()
        db = self.conn
        db.execute("BEGIN IMMEDIATE")
        try:
            report = self._refresh_locked(report, rebuild)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if report.changed or rebuild:
            self._forget()
        report.problems = self.problems()
        report.seconds = time.perf_counter() - started
        return report

    def _refresh_locked(self, report: RefreshReport, rebuild: bool) -> RefreshReport:
        db = self.conn
        if rebuild:
            for table in (*_DATA_TABLES, *self._author_table()):
                db.execute(f"DELETE FROM {table}")
        known = set(db.execute("SELECT path, mtime_ns, size FROM files"))  # (path, mtime_ns, size)
        scanned = set(scan_note_files(self.root))
        if scanned == known:  # nothing new, changed or gone
            report.unchanged = len(scanned)
            return report
        fresh = scanned - known  # new, or a different size or mtime
        report.unchanged = len(scanned) - len(fresh)
        on_disk = {path: (mtime_ns, size) for path, mtime_ns, size in scanned}
        changed = sorted(row[0] for row in fresh)
        removed = sorted({row[0] for row in known} - on_disk.keys())
        report.rebuilt = not known
        self._apply(changed, removed, on_disk, report)
        return report

    def _apply(
        self,
        changed: list[str],
        removed: list[str],
        on_disk: dict[str, tuple[int, int]],
        report: RefreshReport,
    ) -> None:
        db = self.conn
        owner = dict(db.execute("SELECT id, path FROM docs"))  # note id → path
        docno_of = dict(db.execute("SELECT path, docno FROM docs"))
        next_docno = (db.execute("SELECT max(docno) FROM docs").fetchone()[0] or 0) + 1
        authors_table = self._author_table()
        uses: Counter[str] = Counter()  # tag uses removed (subtracted below) and added
        gone: set[int] = set()  # documents whose postings must go
        affected: set[str] = set()  # terms whose postings change
        new_postings: list[dict[str, bytes]] = []

        def drop_path(path: str) -> None:
            docno = docno_of.pop(path, None)
            if docno is None:
                return
            gone.add(docno)
            note_id, old_terms = db.execute("SELECT id, terms FROM docs WHERE docno = ?", (docno,)).fetchone()
            affected.update(old_terms.split("\x1f") if old_terms else ())
            owner.pop(note_id, None)
            uses.update(tag for (tag,) in db.execute("SELECT tag FROM doc_tags WHERE docno = ?", (docno,)))
            for table in ("docs", "doc_tags", "doc_links"):
                db.execute(f"DELETE FROM {table} WHERE docno = ?", (docno,))
            for table in authors_table:
                db.execute(f"DELETE FROM {table} WHERE rowid = ?", (docno,))

        for path in removed:
            report.removed += path in docno_of
            drop_path(path)
            db.execute("DELETE FROM files WHERE path = ?", (path,))

        pending = list(changed)
        retried: set[str] = set()
        read_so_far = 0
        report_progress("indexing", 0, len(changed))
        while True:
            numbered = list(zip(range(next_docno, next_docno + len(pending)), pending, strict=True))
            next_docno += len(pending)
            # Parts are kept as they come (in order), while the later parts are still being read.
            for part, reads, postings in _read_many(self.root, numbered):
                read_so_far += len(part)
                report_progress("indexing", min(read_so_far, len(changed)), len(changed))
                files_rows, docs_rows, tag_rows, link_rows = [], [], [], []
                author_rows = []
                added: Counter[str] = Counter()
                for (docno, path), read in zip(part, reads, strict=True):
                    was_indexed = path in docno_of
                    drop_path(path)
                    problem = read.problem
                    if read.note_id is not None and owner.get(read.note_id, path) != path:
                        problem = (
                            f": duplicate note id {read.note_id} (also in {self.root / owner[read.note_id]})"
                        )
                        gone.add(docno)  # its postings were built by the reader; drop them
                    indexed = read.note_id is not None and problem is None
                    files_rows.append((path, *on_disk[path], read.note_id if indexed else None, problem))
                    if not indexed:
                        report.removed += was_indexed
                        continue
                    assert read.note_id is not None
                    docs_rows.append(
                        (
                            docno,
                            read.note_id,
                            path,
                            read.arxiv_id,
                            read.issued,
                            read.length,
                            read.embed_hash,
                            read.terms,
                        )
                    )
                    tag_rows.extend((docno, tag) for tag in read.tags)
                    added.update(read.tags)
                    link_rows.extend((docno, target) for target in read.links)
                    if read.authors:
                        author_rows.append((docno, read.authors))
                    owner[read.note_id] = path
                    docno_of[path] = docno
                    if was_indexed:
                        report.updated += 1
                    else:
                        report.added += 1
                new_postings.append(postings)

                db.executemany(
                    "INSERT OR REPLACE INTO files(path, mtime_ns, size, note_id, problem) VALUES (?, ?, ?, ?, ?)",
                    files_rows,
                )
                db.executemany(
                    "INSERT INTO docs(docno, id, path, arxiv_id, issued, length, embed_hash, terms)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    docs_rows,
                )
                db.executemany("INSERT INTO doc_tags(docno, tag) VALUES (?, ?)", tag_rows)
                uses.subtract(added)
                db.executemany("INSERT INTO doc_links(docno, target) VALUES (?, ?)", link_rows)
                for table in authors_table:
                    db.executemany(f"INSERT INTO {table}(rowid, keys) VALUES (?, ?)", author_rows)
            # A file refused as a duplicate gets another chance once the id's owner is gone.
            pending = [
                row[0]
                for row in db.execute(
                    "SELECT path, problem FROM files WHERE problem LIKE ': duplicate note id %'"
                )
                if row[0] not in retried and row[1].split()[4] not in owner
            ]
            if not pending:
                break
            retried.update(pending)
        self._merge_postings(new_postings, gone, affected)
        # uses holds removed minus added: apply it as a change of each tag's count
        db.executemany(
            "INSERT INTO tag_counts(tag, uses) VALUES (?, ?) ON CONFLICT(tag) DO UPDATE SET uses = uses + excluded.uses",
            [(tag, -delta) for tag, delta in uses.items() if delta],
        )
        db.execute("DELETE FROM tag_counts WHERE uses <= 0")
        pairs = array(
            "q", [v for row in db.execute("SELECT docno, length FROM docs ORDER BY docno") for v in row]
        )
        db.execute("DELETE FROM doc_lengths")
        db.execute("INSERT INTO doc_lengths(entries) VALUES (?)", (pairs.tobytes(),))

    def _merge_postings(
        self, new_postings: list[dict[str, bytes]], gone: set[int], affected: set[str]
    ) -> None:
        """Write postings: the new documents' entries plus, for each affected term, the old entries
        of documents that stay. New documents have higher numbers, so entries stay ascending."""
        db = self.conn
        merged: defaultdict[str, list[bytes]] = defaultdict(list)
        for postings in new_postings:
            for term, entries in postings.items():
                merged[term].append(entries)
        affected = affected | merged.keys()
        empty_before = db.execute("SELECT 1 FROM postings LIMIT 1").fetchone() is None
        current: dict[str, bytes] = {}
        if not empty_before:
            for chunk in _chunks(sorted(affected), _SQL_CHUNK):
                marks = ",".join("?" * len(chunk))
                current.update(
                    db.execute(f"SELECT term, entries FROM postings WHERE term IN ({marks})", chunk)
                )
        rows, deleted = [], []
        gone_sorted = sorted(gone)
        for term in affected:
            parts = merged.get(term, [])
            if term in current:
                parts = [current[term], *parts]
            blob = parts[0] if len(parts) == 1 else b"".join(parts)
            if gone and blob:
                blob = _without(blob, gone_sorted)
            if blob:
                rows.append((term, blob))
            elif term in current:
                deleted.append((term,))
        rows.sort()  # in key order, SQLite appends to its b-tree instead of splitting pages
        db.executemany("INSERT OR REPLACE INTO postings(term, entries) VALUES (?, ?)", rows)
        db.executemany("DELETE FROM postings WHERE term = ?", deleted)

    # -- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def note(self, note_id: str) -> Note | None:
        """The note as its file says now (parsed on demand: the index keeps terms, not notes)."""
        row = self.conn.execute("SELECT path FROM docs WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            return None
        try:
            return parse_note(note_file_text(self.root, row[0]), str(self.root / row[0]))
        except (OSError, UnicodeDecodeError, NoteFormatError, PathOutsideCorpusError):
            return None  # changed since the last refresh; the next refresh reports it

    def notes(self) -> list[Note]:
        """Every indexed note, parsed from its file, in path order."""
        found = (self.note(note_id) for (note_id,) in self.conn.execute("SELECT id FROM docs ORDER BY path"))
        return [note for note in found if note is not None]

    def paths(self) -> dict[str, Path]:
        return {note_id: self.root / path for note_id, path in self.conn.execute("SELECT id, path FROM docs")}

    def relpath(self, note_id: str) -> str | None:
        """Where a note lives, relative to the corpus (the note store asks)."""
        row = self.conn.execute("SELECT path FROM docs WHERE id = ?", (note_id,)).fetchone()
        return row[0] if row else None

    def ids(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT id FROM docs ORDER BY path")]

    def ids_with_arxiv(self, arxiv_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM docs WHERE arxiv_id = ?", (arxiv_id,))]

    def tag_counts(self) -> Counter[str]:
        """How many notes use each tag (kept up to date by refresh; no scan of every note's tags)."""
        return Counter(dict(self.conn.execute("SELECT tag, uses FROM tag_counts")))

    def embedding_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT id, embed_hash FROM docs ORDER BY path"))

    def tags_of(self, note_id: str) -> list[str]:
        return [
            tag
            for (tag,) in self.conn.execute(
                "SELECT tag FROM doc_tags JOIN docs USING (docno) WHERE docs.id = ?", (note_id,)
            )
        ]

    def tags_of_many(self, note_ids: Iterable[str]) -> dict[str, list[str]]:
        """Each note's tags (from the index: no note file is read); unknown ids are left out."""
        docno_of = self._docnos_of(note_ids)
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        wanted = sorted(id_of)
        found: dict[str, list[str]] = {id_of[d]: [] for d in wanted}
        for chunk in _chunks(wanted, _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            for docno, tag in self.conn.execute(
                f"SELECT docno, tag FROM doc_tags WHERE docno IN ({marks}) ORDER BY rowid", chunk
            ):
                found[id_of[docno]].append(tag)
        return found

    def links(self, note_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(source, target) of every link from or to the given notes, between notes of the index."""
        ids = sorted(set(note_ids))
        docno_of = self._docnos_of(ids)
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        sources = [docno_of[i] for i in ids if i in docno_of]
        outgoing: list[tuple[str, str]] = []
        for chunk in _chunks(sources, _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT docno, target FROM doc_links WHERE docno IN ({marks})"
            outgoing.extend((id_of[d], t) for d, t in self.conn.execute(query, chunk))
        indexed = self._docnos_of({t for _, t in outgoing})  # links to notes the index has
        edges = {(source, target) for source, target in outgoing if target in indexed}
        incoming: list[tuple[int, str]] = []
        for chunk in _chunks(ids, _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT docno, target FROM doc_links WHERE target IN ({marks})"
            incoming.extend(self.conn.execute(query, chunk))
        names = self._ids_of({d for d, _ in incoming})
        edges.update((names[d], target) for d, target in incoming)
        return sorted(edges)

    def nearest_in_time(self, day: dt.date, count: int, exclude_ids: Iterable[str] = ()) -> list[str]:
        """The ``count`` notes issued nearest to ``day`` (ties: the earlier note first)."""
        hidden = set(exclude_ids)
        limit = count + len(hidden)
        key = day.isoformat()
        before = self.conn.execute(
            "SELECT id, issued FROM docs WHERE issued <= ? ORDER BY issued DESC, docno LIMIT ?", (key, limit)
        ).fetchall()
        after = self.conn.execute(
            "SELECT id, issued FROM docs WHERE issued > ? ORDER BY issued, docno LIMIT ?", (key, limit)
        ).fetchall()
        ordinal = day.toordinal()

        def distance(row: tuple[str, str]) -> int:
            return abs(dt.date.fromisoformat(row[1]).toordinal() - ordinal)

        merged = sorted(
            [(distance(r), 0, i, r[0]) for i, r in enumerate(before)]
            + [(distance(r), 1, i, r[0]) for i, r in enumerate(after)]
        )
        return [note_id for *_, note_id in merged if note_id not in hidden][:count]

    def note_files(self) -> list[Path]:
        """Every file that is a note or tried to be one (indexed, or left out with a problem)."""
        rows = self.conn.execute("SELECT path FROM files WHERE note_id IS NOT NULL OR problem IS NOT NULL")
        return sorted(self.root / path for (path,) in rows)

    def problems(self) -> list[str]:
        rows = self.conn.execute("SELECT path, problem FROM files WHERE problem IS NOT NULL ORDER BY path")
        # Stored as ": message" or "LINE: message": a line reads "path: message" or "path:LINE: message".
        return [
            f"{self.root / path}{'' if problem.startswith(':') else ':'}{problem}" for path, problem in rows
        ]

    # -- search ----------------------------------------------------------------------------------

    def _ids(self) -> tuple[dict[str, int], dict[int, str]]:
        """Every note id's document number and back (10,000 rows: read only when many are asked)."""
        if self._docno_of is None or self._id_of is None:
            rows = self.conn.execute("SELECT id, docno FROM docs").fetchall()
            self._docno_of = dict(rows)
            self._id_of = {docno: note_id for note_id, docno in rows}
        return self._docno_of, self._id_of

    def _docnos_of(self, note_ids: Iterable[str]) -> dict[str, int]:
        """The document numbers of the given notes that the index has (a few: asked of SQLite,
        unless every id was read already)."""
        return self._look_up(note_ids, self._docno_of, "SELECT id, docno FROM docs WHERE id IN ({})")

    def _ids_of(self, docnos: Iterable[int]) -> dict[int, str]:
        """The note ids of the given document numbers that the index has (see :meth:`_docnos_of`)."""
        return self._look_up(docnos, self._id_of, "SELECT docno, id FROM docs WHERE docno IN ({})")

    def _look_up(self, keys: Iterable[Any], known: dict[Any, Any] | None, query: str) -> dict[Any, Any]:
        if known is not None:
            return {k: known[k] for k in keys if k in known}
        found: dict[Any, Any] = {}
        for chunk in _chunks(sorted(set(keys)), _SQL_CHUNK):
            found.update(self.conn.execute(query.format(",".join("?" * len(chunk))), chunk))
        return found

    def _size(self) -> int:
        if self._count is None:
            self._count = len(self._docno_of) if self._docno_of is not None else len(self)
        return self._count

    def _statistics(self) -> _Stats:
        if self._stats is None:
            import numpy as np

            from autonote.corpus.bm25 import norms, padded_size

            row = self.conn.execute("SELECT entries FROM doc_lengths").fetchone()
            rows = np.frombuffer(row[0], dtype=np.int64).reshape(-1, 2) if row else np.zeros((0, 2), np.int64)
            lengths = np.zeros(padded_size(int(rows[:, 0].max(initial=0)) + 1), dtype=np.float64)
            lengths[rows[:, 0]] = rows[:, 1]
            total, length_sum = len(rows), float(lengths.sum())
            self._stats = _Stats(
                lengths, total, length_sum, norms(lengths, length_sum / total if total else 1.0)
            )
        return self._stats

    def _load_postings(self, wanted: Iterable[str]) -> dict[str, tuple[Any, Any]]:
        """Decoded postings of the wanted terms that exist, from the per-process cache or SQLite."""
        cache, absent = self._postings, self._absent
        found: dict[str, tuple[Any, Any]] = {}
        missing = []
        for term in wanted:
            entry = cache.get(term)
            if entry is not None:
                found[term] = entry
            elif term not in absent:
                missing.append(term)
        if not missing:
            return found
        import numpy as np

        missing.sort()
        for chunk in _chunks(missing, _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            for term, blob in self.conn.execute(
                f"SELECT term, entries FROM postings WHERE term IN ({marks})", chunk
            ):
                entries = np.frombuffer(blob, dtype=np.uint64)
                docs = (entries >> _TF_BITS).astype(np.intp)  # numpy's index type: no conversion when used
                tf = (entries & _TF_MAX).astype(np.float32)  # small integers: exact
                found[term] = (docs, tf)
                if self._cached_entries + len(docs) <= _CACHED_POSTINGS:
                    cache[term] = (docs, tf)
                    self._cached_entries += len(docs)
        if len(absent) < 100_000:
            absent.update(term for term in missing if term not in found)
        return found

    def _hidden_docnos(self, exclude_ids: Iterable[str]) -> list[int]:
        exclude_ids = tuple(exclude_ids)
        if not exclude_ids:
            return []
        docno_of, _ = self._ids()  # a leave-one-out evaluation hides a note in every search
        return sorted({docno_of[i] for i in exclude_ids if i in docno_of})

    def _held(self, hidden: list[int]) -> Counter[str]:
        """How many of the hidden documents hold each term (their stored term lists). The last few
        answers are kept: a leave-one-out evaluation asks for the same set, or one that differs by
        a note or two (a fold plus the note), again and again."""
        wanted = frozenset(hidden)
        base, extra = Counter(), wanted
        for known, counts in self._held_cache:
            if known == wanted:
                return counts
            if known <= wanted and len(wanted - known) < len(extra):
                base, extra = counts, wanted - known
        held = Counter(base)
        for chunk in _chunks(sorted(extra), _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            for (terms_text,) in self.conn.execute(f"SELECT terms FROM docs WHERE docno IN ({marks})", chunk):
                held.update(terms_text.split("\x1f") if terms_text else ())
        self._held_cache = [(wanted, held), *self._held_cache[:3]]
        return held

    def search(
        self,
        query: str | Mapping[str, float],
        k: int,
        exclude_ids: Iterable[str] = (),
        *,
        explain: bool = True,
    ) -> list[Hit]:
        """The ``k`` best notes for a query by BM25; ``exclude_ids`` are hidden completely.

        ``query`` is a text, or its terms with weights (see :func:`query_terms`): a term's BM25
        contribution is multiplied by its weight. ``explain`` False leaves ``Hit.shared`` empty
        (see :meth:`shared_terms` to explain only the hits shown)."""
        weights = query_terms(query) if isinstance(query, str) else query
        if k <= 0 or not any(w > 0 for w in weights.values()):
            return []
        import numpy as np

        from autonote.corpus.bm25 import K1, accumulate, idf, top_documents

        stats = self._statistics()
        hidden = self._hidden_docnos(exclude_ids)
        total = stats.total - len(hidden)
        if total <= 0:
            return []
        held: Counter[str] | None = None
        if not hidden:
            scores = accumulate(np.zeros(len(stats.lengths)), self._weighted_gains(weights, stats))
            postings: dict[str, tuple[Any, Any]] | None = None
        else:
            postings = self._load_postings(t for t, w in weights.items() if w > 0)
            norm = self._hidden_norm(hidden, stats)
            held = self._held(hidden)
            scores = np.zeros(len(stats.lengths))
            for term, (docs, tf) in postings.items():
                df = len(docs) - held[term]
                if df > 0:
                    gains = tf / (tf + norm[docs]) * (idf(total, df) * (K1 + 1))
                    np.add.at(scores, docs, weights[term] * gains)
            scores[hidden] = 0.0
        top = top_documents(scores, k)
        count = len(top)
        if count <= 0:
            return []
        if not explain:
            shared: list[list[str]] = [[] for _ in range(count)]
        else:
            if postings is None:
                postings = self._load_postings(t for t, w in weights.items() if w > 0)
            shared = self._shared_terms(top, postings, held)
        docnos = top.tolist()
        id_of = self._ids_of(docnos)
        return [
            Hit(id_of[d], score, shared[i])
            for i, (d, score) in enumerate(zip(docnos, scores[top].tolist(), strict=True))
        ]

    def _hidden_norm(self, hidden: list[int], stats: _Stats) -> np.ndarray:
        """BM25's length norms with ``hidden`` out of the average length; the last one is kept,
        since one suggestion searches several times with the same notes hidden."""
        from autonote.corpus.bm25 import norms

        key = tuple(hidden)
        if self._norm_cache is None or self._norm_cache[0] != key:
            total = stats.total - len(hidden)
            average = (stats.length_sum - float(stats.lengths[hidden].sum())) / total
            self._norm_cache = (key, norms(stats.lengths, average))
        return self._norm_cache[1]

    def _weighted_gains(self, weights: Mapping[str, float], stats: _Stats) -> list[tuple[TermGains, float]]:
        """The BM25 gains (nothing hidden) of the query's terms that some document has, with their
        weights, in the query's order: cached per term while the postings cache has room."""
        cache, found, missing = self._gains, [], []
        for term, weight in weights.items():
            if weight > 0:
                gains = cache.get(term)
                if gains is not None:
                    found.append((gains, weight))
                elif term not in self._absent:
                    missing.append(term)
        if not missing:
            return found
        from autonote.corpus.bm25 import term_gains

        fresh: dict[str, TermGains] = {}
        for term, (docs, tf) in self._load_postings(missing).items():
            gains = term_gains(docs, tf, stats.norm, stats.total, len(stats.lengths))
            extra = 0 if gains.dense is None else len(gains.dense) * 8 // 20
            if term in self._postings and self._cached_entries + extra <= _CACHED_POSTINGS:
                cache[term] = gains
                self._cached_entries += extra
            else:
                fresh[term] = gains
        found = []
        for term, weight in weights.items():
            if weight > 0 and (gains := cache.get(term) or fresh.get(term)) is not None:
                found.append((gains, weight))
        return found

    def shared_terms(
        self, query: Mapping[str, float], note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, list[str]]:
        """For each note, the rarest terms it shares with the query (at most four), read from the
        query terms' postings: what :attr:`Hit.shared` holds, for hits searched without ``explain``."""
        import numpy as np

        wanted = list(dict.fromkeys(note_ids))
        docno_of = self._docnos_of(wanted)
        ids = [i for i in wanted if i in docno_of]
        if not ids:
            return {}
        terms = {t for t, w in query.items() if w > 0}
        hidden = self._hidden_docnos(exclude_ids)
        shared = self._shared_terms(
            np.asarray([docno_of[i] for i in ids]),
            self._load_postings(terms),
            self._held(hidden) if hidden else None,
        )
        return dict(zip(ids, shared, strict=True))

    @staticmethod
    def _shared_terms(
        top: np.ndarray, postings: dict[str, tuple[Any, Any]], held: Counter[str] | None, most: int = 4
    ) -> list[list[str]]:
        """For each document, its ``most`` rarest query terms (fewest documents, the ``held`` ones
        of hidden documents not counted), from the postings already read."""
        import numpy as np

        held = held or Counter()
        rarity = {term: len(docs) - held[term] for term, (docs, _) in postings.items()}
        shared: list[list[str]] = [[] for _ in range(len(top))]
        waiting = len(top)
        for term in sorted((t for t in rarity if rarity[t] > 0), key=lambda t: (rarity[t], t)):
            docs = postings[term][0]
            at = np.minimum(np.searchsorted(docs, top), len(docs) - 1)
            for i in np.flatnonzero(docs[at] == top).tolist():
                if len(shared[i]) < most:
                    shared[i].append(term)
                    waiting -= len(shared[i]) == most
            if not waiting:
                break
        return shared

    def field_coverage(
        self, query: Mapping[str, float], field: str, note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, float]:
        """For each note, the share of its ``field`` terms (see :mod:`autonote.corpus.fields`)
        that the query holds, each term weighed by its idf over the corpus's text (the hidden notes
        left out): 1 when the query has every word of a note's title, little when it has only the
        common ones. Notes without the field are left out; for a query without Japanese, the
        Japanese terms of a field do not count (an English abstract cannot hold them)."""
        from autonote.corpus.bm25 import idf

        docno_of = self._docnos_of(note_ids)
        if not docno_of:
            return {}
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        fields: dict[str, list[str]] = {}
        pattern = re.compile(f"(?:^|\x1f){re.escape(field)}([^\x1f]*)")
        for chunk in _chunks(sorted(id_of), _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            for docno, terms_text in self.conn.execute(
                f"SELECT docno, terms FROM docs WHERE docno IN ({marks})", chunk
            ):
                found = pattern.findall(terms_text)
                if found:
                    fields[id_of[docno]] = found
        if not fields:
            return {}
        if not any(CJK_RUN.search(t) for t in query):  # an English query: its titles' English words
            fields = {
                n: kept
                for n, found in fields.items()
                if (kept := [t for t in found if not CJK_RUN.search(t)])
            }
        hidden = self._hidden_docnos(exclude_ids)
        held = self._held(hidden) if hidden else Counter()
        total = self._size() - len(hidden)
        postings = self._load_postings({t for found in fields.values() for t in found})
        rarity = {t: idf(total, max(1, len(docs) - held[t])) for t, (docs, _) in postings.items()}
        coverage = {}
        for note_id, found in fields.items():
            weights = [rarity.get(t, idf(total, 1)) for t in found]
            matched = sum(w for t, w in zip(found, weights, strict=True) if query.get(t, 0.0) > 0)
            coverage[note_id] = matched / sum(weights) if sum(weights) > 0 else 0.0
        return coverage

    def _author_table(self) -> tuple[str, ...]:
        """("doc_authors",) when this SQLite has FTS5 (and so the table), else ()."""
        if self._authors is None:
            found = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'doc_authors'").fetchone()
            self._authors = ("doc_authors",) if found else ()
        return self._authors

    def _surnames(self) -> dict[str, set[int]]:
        """Each last name (the last word of an author key) with the documents of its bearers; read
        once per process, and only when a note known by a surname alone matched."""
        if self._surname_docs is None:
            found: defaultdict[str, set[int]] = defaultdict(set)
            for docno, keys in self.conn.execute("SELECT rowid, keys FROM doc_authors"):
                for key in keys.split():
                    found[key.rsplit("_", 1)[-1]].add(docno)
            self._surname_docs = dict(found)
        return self._surname_docs

    def author_matches(
        self, authors: Iterable[str], exclude_ids: Iterable[str] = (), *, surnames: bool = True
    ) -> dict[str, float]:
        """Notes sharing authors with ``authors``: note id → the rarity of what they share, as
        the sum of the shared authors' idf over the idf of an author no other note has (at most 1:
        one shared author of few notes counts as much as several). ``surnames``: also the notes
        known only by their first author's surname (from a title line, ``Shao+``), which an author
        meets by the last word of their name, as rare as that name is among all authors'."""
        keys = author_terms(authors)
        if surnames:
            lasts = dict.fromkeys(f"{SURNAME}_{key.rsplit('_', 1)[-1]}" for key in keys)
            keys += [k for k in lasts if k not in keys]
        if not keys or not self._author_table():
            return {}
        from autonote.corpus.bm25 import idf

        hidden = set(self._hidden_docnos(exclude_ids))
        total = self._size() - len(hidden)
        if total <= 0:
            return {}
        unique = idf(total, 1)
        sums: defaultdict[int, float] = defaultdict(float)
        match = "SELECT rowid FROM doc_authors WHERE doc_authors MATCH ?"
        matched = [[d for (d,) in self.conn.execute(match, (f'"{key}"',))] for key in keys]
        id_of = self._ids_of({d for rows in matched for d in rows})
        for key, rows in zip(keys, matched, strict=True):
            holders = [d for d in rows if d not in hidden and d in id_of]
            if holders:
                if key.startswith(SURNAME + "_"):  # as rare as the name is among all authors' names
                    bearers = self._surnames().get(key.removeprefix(SURNAME + "_"), set()) - hidden
                    rarity = idf(total, max(len(holders), len(bearers)))
                else:
                    rarity = idf(total, len(holders))
                for d in holders:
                    sums[d] += rarity
        return {id_of[d]: min(1.0, value / unique) for d, value in sums.items()}


def _without(blob: bytes, gone: list[int]) -> bytes:
    """A term's postings without the documents in ``gone`` (ascending), found by bisection."""
    entries = array("Q")
    entries.frombytes(blob)
    found = []
    for docno in gone:
        at = bisect.bisect_left(entries, docno << _TF_BITS)
        if at < len(entries) and entries[at] >> _TF_BITS == docno:
            found.append(at)
    if not found:
        return blob
    size, kept, start = entries.itemsize, [], 0
    for at in found:
        kept.append(blob[start * size : at * size])
        start = at + 1
    kept.append(blob[start * size :])
    return b"".join(kept)


@dataclass(frozen=True)
class _FileRead:
    """What refresh keeps of one file; small, so it crosses process boundaries cheaply."""

    note_id: str | None = None
    arxiv_id: str | None = None
    issued: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    authors: str = ""  # author keys (see author_key), space-separated: one string to pickle
    length: int = 0
    terms: str = ""  # distinct terms, '\x1f'-separated
    embed_hash: str = ""
    problem: str | None = None


def _read_one(reader: NoteFileReader, path: str) -> tuple[_FileRead, Counter[str] | None]:
    where = str(reader.root / path)
    try:
        text = reader.text(path)
    except PathOutsideCorpusError as exc:
        return _FileRead(problem=f": {exc}"), None
    except UnicodeDecodeError as exc:
        return _FileRead(problem=f": unreadable: not UTF-8 (byte {exc.start})"), None
    except OSError as exc:
        return _FileRead(problem=f": unreadable: {exc.strerror or exc}"), None
    except NoteFormatError as exc:  # too large to read
        return _FileRead(problem=str(exc).removeprefix(where)), None
    if not _looks_like_note(text):
        return _FileRead(), None  # some other markdown file (README, ...): not a note, not a problem
    try:
        note = parse_note(text, where)
    except NoteFormatError as exc:
        message = str(exc).removeprefix(where)
        return _FileRead(
            problem=message[1:] if message.startswith(":") and message[1:2].isdigit() else message
        ), None
    if not is_note_id(note.id):
        return _FileRead(
            problem=f": front matter id {note.id!r} is not a note id (letters, digits, '.', '_', '-')"
        ), None
    counts = note_terms(note)
    length = sum(counts.values())
    counts.update(field_terms(note.title, bool(note.abstract.strip())))  # not part of the length
    embed_hash = text_hash(embedding_text(note.title, note.abstract, note.summary))
    read = _FileRead(
        note.id,
        note.arxiv_id,
        note.issue_date.isoformat(),
        tuple(dict.fromkeys(note.tags)),
        tuple(dict.fromkeys(r.id for r in note.related if r.id != note.id)),
        " ".join(author_terms(author_entries(note.authors, note.title))),
        length,
        "\x1f".join(counts),
        embed_hash,
    )
    return read, counts


def _read_batch(args: tuple[Path, list[tuple[int, str]]]) -> tuple[list[_FileRead], dict[str, bytes]]:
    """Read numbered files; return what to keep of each and their postings, packed per term."""
    root, numbered = args
    reader = NoteFileReader(root)
    reads = []
    lists: defaultdict[str, list[int]] = defaultdict(list)
    for docno, path in numbered:
        read, counts = _read_one(reader, path)
        reads.append(read)
        if counts:
            base = docno << _TF_BITS
            if max(counts.values()) > _TF_MAX:
                counts = Counter({term: min(tf, _TF_MAX) for term, tf in counts.items()})
            # Most terms occur once or twice in a note: their entries are made once per note and
            # shared (a new int per posting is half the time of this loop).
            small = [base | tf for tf in range(_SMALL_TF)]
            for term, tf in counts.items():
                lists[term].append(small[tf] if tf < _SMALL_TF else base | tf)
    return reads, {term: array("Q", entries).tobytes() for term, entries in lists.items()}


_SMALL_TF = 16
_PARALLEL_MIN = 1000  # below this, starting worker processes costs more than it saves
_PARTS_PER_WORKER = 4  # the caller stores a part while the workers read the next ones


def _read_many(
    root: Path, numbered: list[tuple[int, str]]
) -> Iterator[tuple[list[tuple[int, str]], list[_FileRead], dict[str, bytes]]]:
    """Read, parse and tokenize files, on every core when there are many (it is CPU-bound): yields
    (part of ``numbered``, what to keep of each file, their postings) for consecutive parts, in order."""
    workers = min(os.cpu_count() or 1, 8)
    if len(numbered) < _PARALLEL_MIN or workers < 2:
        yield (numbered, *_read_batch((root, numbered)))
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        yield (numbered, *_read_batch((root, numbered)))
        return
    size = -(-len(numbered) // (workers * _PARTS_PER_WORKER))
    parts = [numbered[i : i + size] for i in range(0, len(numbered), size)]
    # gc.freeze: a worker's collector leaves alone what it inherited (a caller may hold thousands
    # of notes), which it would otherwise walk again and again, copying every page it touches.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=gc.freeze) as pool:
        for part, (reads, postings) in zip(
            parts, pool.map(_read_batch, [(root, p) for p in parts]), strict=True
        ):
            yield part, reads, postings


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
