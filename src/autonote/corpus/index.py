"""The corpus's search index: an SQLite file under ``<corpus>/.autonote/``, refreshed incrementally.

What it holds:

- ``files``: every markdown file seen, with size and mtime, so a refresh re-reads only what changed;
- ``docs``: one row per note (id, path, arXiv id, length, its distinct terms);
- ``postings``: an inverted index, one row per term with packed arrays of (doc, term frequency);
- ``doc_tags``: the tag vocabulary with counts.

Ranking is BM25 (k1=1.2, b=0.75) computed with numpy over the postings of the query's terms. A
leave-one-out evaluation can hide notes from a search: their documents are dropped from the
statistics too (N, document frequencies, average length), so a hidden note leaves no trace.

The index is a cache: deleting it loses nothing, the next command rebuilds it. If the corpus's
``.autonote/`` cannot be written, the index lives in memory for the one command.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autonote.corpus.embeddings import embedding_text, text_hash
from autonote.corpus.terms import TERMS_VERSION, terms
from autonote.errors import NoteFormatError
from autonote.notes.folder import PathOutsideCorpusError, note_file_text, scan_note_files
from autonote.notes.format import parse_note
from autonote.notes.ids import is_note_id
from autonote.schema import Note
from autonote.state import STATE_DIR_NAME, make_state_dir

INDEX_FILE_NAME = "index.sqlite"
INDEX_VERSION = f"index.5+{TERMS_VERSION}"
K1, B = 1.2, 0.75
_TF_BITS, _TF_MAX = 16, 0xFFFF
_SQL_CHUNK = 900  # stay under SQLite's default limit of host parameters

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
    length INTEGER NOT NULL,    -- number of terms
    embed_hash TEXT NOT NULL,   -- hash of the text the note is embedded by (see embeddings.py)
    terms TEXT NOT NULL         -- distinct terms, '\x1f'-separated (to update postings on change)
);
CREATE INDEX IF NOT EXISTS docs_arxiv ON docs(arxiv_id);
CREATE TABLE IF NOT EXISTS doc_tags (docno INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doc_tags_docno ON doc_tags(docno);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT PRIMARY KEY,
    entries BLOB NOT NULL       -- array('Q') of docno << 16 | term frequency
) WITHOUT ROWID
"""


def note_terms(note: Note) -> Counter[str]:
    """What a note is found by: title (twice: it is short and telling), abstract, summary, key
    points, the owner's comment, and the words of its tags."""
    tag_words = " ".join(tag.replace("-", " ") for tag in note.tags)
    text = "\n".join(
        [note.title, note.title, note.abstract, note.summary, *note.key_points, note.comment, tag_words]
    )
    return Counter(terms(text))


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


class CorpusIndex:
    def __init__(self, root: Path, db_path: Path | None = None) -> None:
        """``db_path`` None keeps the index in memory (a read-only corpus, or tests)."""
        self.root = root
        self.path = db_path
        self.persistent = db_path is not None
        self.conn = sqlite3.connect(db_path or ":memory:", timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL" if self.persistent else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self._lengths: np.ndarray | None = None
        self._ensure_schema()

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
        if row is not None and row[0] != INDEX_VERSION:
            for table in ("meta", "files", "docs", "doc_tags", "postings"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA.split(";"):
            db.execute(statement)
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
            self._lengths = None
        report.problems = self.problems()
        report.seconds = time.perf_counter() - started
        return report

    def _refresh_locked(self, report: RefreshReport, rebuild: bool) -> RefreshReport:
        db = self.conn
        if rebuild:
            for table in ("files", "docs", "doc_tags", "postings"):
                db.execute(f"DELETE FROM {table}")
        known = {row[0]: (row[1], row[2]) for row in db.execute("SELECT path, mtime_ns, size FROM files")}
        on_disk = {path: (mtime_ns, size) for path, mtime_ns, size in scan_note_files(self.root)}
        changed = sorted(p for p, stamp in on_disk.items() if known.get(p) != stamp)
        removed = sorted(set(known) - set(on_disk))
        report.unchanged = len(on_disk) - len(changed)
        if changed or removed:
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
            db.execute("DELETE FROM docs WHERE docno = ?", (docno,))
            db.execute("DELETE FROM doc_tags WHERE docno = ?", (docno,))

        for path in removed:
            report.removed += path in docno_of
            drop_path(path)
            db.execute("DELETE FROM files WHERE path = ?", (path,))

        pending = list(changed)
        retried: set[str] = set()
        while True:
            numbered = list(zip(range(next_docno, next_docno + len(pending)), pending, strict=True))
            next_docno += len(pending)
            reads, postings = _read_many(self.root, numbered)
            files_rows, docs_rows, tag_rows = [], [], []
            for (docno, path), read in zip(numbered, reads, strict=True):
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
                    (docno, read.note_id, path, read.arxiv_id, read.length, read.embed_hash, read.terms)
                )
                tag_rows.extend((docno, tag) for tag in read.tags)
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
                "INSERT INTO docs(docno, id, path, arxiv_id, length, embed_hash, terms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                docs_rows,
            )
            db.executemany("INSERT INTO doc_tags(docno, tag) VALUES (?, ?)", tag_rows)
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

    def _merge_postings(
        self, new_postings: list[dict[str, bytes]], gone: set[int], affected: set[str]
    ) -> None:
        """Write postings: the new documents' entries plus, for each affected term, the old entries
        of documents that stay."""
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
        for term in affected:
            parts = merged.get(term, [])
            if term in current:
                parts = [current[term], *parts]
            blob = b"".join(parts)
            if gone and blob:
                entries = array("Q")
                entries.frombytes(blob)
                blob = array("Q", [v for v in entries if v >> _TF_BITS not in gone]).tobytes()
            if blob:
                rows.append((term, blob))
            elif term in current:
                deleted.append((term,))
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
        return Counter(dict(self.conn.execute("SELECT tag, count(*) FROM doc_tags GROUP BY tag")))

    def embedding_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT id, embed_hash FROM docs ORDER BY path"))

    def tags_of(self, note_id: str) -> list[str]:
        return [
            tag
            for (tag,) in self.conn.execute(
                "SELECT tag FROM doc_tags JOIN docs USING (docno) WHERE docs.id = ?", (note_id,)
            )
        ]

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

    def _doc_lengths(self) -> np.ndarray:
        """Term counts by docno (0 where no document has that number)."""
        if self._lengths is None:
            rows = self.conn.execute("SELECT docno, length FROM docs").fetchall()
            lengths = np.zeros(max((d for d, _ in rows), default=0) + 1, dtype=np.float64)
            for docno, length in rows:
                lengths[docno] = length
            self._lengths = lengths
        return self._lengths

    def search(self, text: str, k: int, exclude_ids: Iterable[str] = ()) -> list[Hit]:
        """The ``k`` best notes for a query text by BM25; ``exclude_ids`` are hidden completely."""
        query = Counter(terms(text))
        lengths = self._doc_lengths()
        if not query or not len(lengths):
            return []
        hidden: dict[int, set[str]] = {}
        for note_id in exclude_ids:
            row = self.conn.execute("SELECT docno, terms FROM docs WHERE id = ?", (note_id,)).fetchone()
            if row:
                hidden[row[0]] = set(row[1].split("\x1f"))
        present = lengths > 0
        present[list(hidden)] = False
        total = int(present.sum())
        if total <= 0:
            return []
        norm = K1 * (1 - B + B * lengths / (lengths[present].sum() / total))

        docnos, gains = [], []
        idf_of: dict[str, float] = {}
        for chunk in _chunks(sorted(query), _SQL_CHUNK):
            marks = ",".join("?" * len(chunk))
            for term, blob in self.conn.execute(
                f"SELECT term, entries FROM postings WHERE term IN ({marks})", chunk
            ):
                entries = np.frombuffer(blob, dtype=np.uint64)
                df = len(entries) - sum(1 for held in hidden.values() if term in held)
                if df <= 0:
                    continue
                idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
                idf_of[term] = idf
                docs = (entries >> _TF_BITS).astype(np.intp)
                tf = (entries & _TF_MAX).astype(np.float64)
                docnos.append(docs)
                gains.append(idf * (K1 + 1) * min(query[term], 3) * tf / (tf + norm[docs]))
        if not docnos:
            return []
        scores = np.bincount(np.concatenate(docnos), weights=np.concatenate(gains), minlength=len(lengths))
        scores[~present] = 0.0
        count = min(k, int((scores > 0).sum()))
        if count <= 0:
            return []
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        hits = []
        for docno in top.tolist():
            note_id, doc_terms = self.conn.execute(
                "SELECT id, terms FROM docs WHERE docno = ?", (docno,)
            ).fetchone()
            shared = sorted((t for t in doc_terms.split("\x1f") if t in idf_of), key=lambda t: -idf_of[t])
            hits.append(Hit(note_id=note_id, score=float(scores[docno]), shared=shared[:4]))
        return hits


@dataclass(frozen=True)
class _FileRead:
    """What refresh keeps of one file; small, so it crosses process boundaries cheaply."""

    note_id: str | None = None
    arxiv_id: str | None = None
    tags: tuple[str, ...] = ()
    length: int = 0
    terms: str = ""  # distinct terms, '\x1f'-separated
    embed_hash: str = ""
    problem: str | None = None


def _read_one(root: Path, path: str) -> tuple[_FileRead, Counter[str] | None]:
    where = str(root / path)
    try:
        text = note_file_text(root, path)
    except PathOutsideCorpusError as exc:
        return _FileRead(problem=f": {exc}"), None
    except UnicodeDecodeError as exc:
        return _FileRead(problem=f": unreadable: not UTF-8 (byte {exc.start})"), None
    except OSError as exc:
        return _FileRead(problem=f": unreadable: {exc.strerror or exc}"), None
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
    embed_hash = text_hash(embedding_text(note.title, note.abstract, note.summary))
    read = _FileRead(
        note.id,
        note.arxiv_id,
        tuple(dict.fromkeys(note.tags)),
        sum(counts.values()),
        "\x1f".join(counts),
        embed_hash,
    )
    return read, counts


def _read_batch(args: tuple[Path, list[tuple[int, str]]]) -> tuple[list[_FileRead], dict[str, bytes]]:
    """Read numbered files; return what to keep of each and their postings, packed per term."""
    root, numbered = args
    reads = []
    lists: defaultdict[str, list[int]] = defaultdict(list)
    for docno, path in numbered:
        read, counts = _read_one(root, path)
        reads.append(read)
        if counts:
            base = docno << _TF_BITS
            for term, tf in counts.items():
                lists[term].append(base | (tf if tf <= _TF_MAX else _TF_MAX))
    return reads, {term: array("Q", entries).tobytes() for term, entries in lists.items()}


_PARALLEL_MIN = 1000  # below this, starting worker processes costs more than it saves


def _read_many(root: Path, numbered: list[tuple[int, str]]) -> tuple[list[_FileRead], dict[str, bytes]]:
    """Read, parse and tokenize files, on every core when there are many (it is CPU-bound)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(numbered) < _PARALLEL_MIN or workers < 2:
        return _read_batch((root, numbered))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return _read_batch((root, numbered))
    size = -(-len(numbered) // workers)
    batches = [(root, numbered[i : i + size]) for i in range(0, len(numbered), size)]
    reads: list[_FileRead] = []
    postings: defaultdict[str, list[bytes]] = defaultdict(list)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for batch_reads, batch_postings in pool.map(_read_batch, batches):
            reads.extend(batch_reads)
            for term, entries in batch_postings.items():
                postings[term].append(entries)
    return reads, {term: b"".join(parts) for term, parts in postings.items()}


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
