"""The search index's SQLite file: its tables, its version, and what every part of the index uses
to query it in chunks. A file of another version is emptied and made again (the index is a cache:
the next refresh rebuilds it)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from autonote.corpus.fields import FIELDS_VERSION
from autonote.corpus.terms import TERMS_VERSION

INDEX_FILE_NAME = "index.sqlite"
INDEX_VERSION = f"index.12+{TERMS_VERSION}+{FIELDS_VERSION}"
SQL_CHUNK = 900  # stay under SQLite's default limit of host parameters

DATA_TABLES = ("files", "docs", "doc_tags", "tag_counts", "doc_lengths", "doc_links", "postings")
SCHEMA = """
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


def ensure_schema(db: sqlite3.Connection) -> None:
    """Make the tables (a new file), or drop and make them again (a file of another version)."""
    row = None
    with contextlib.suppress(sqlite3.OperationalError):  # a new file has no meta table yet
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    if row is not None and row[0] == INDEX_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    if row is not None:
        for table in ("meta", *DATA_TABLES, "doc_authors"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in SCHEMA.split(";"):
        db.execute(statement)
    with contextlib.suppress(sqlite3.OperationalError):  # no FTS5 here: no author matching
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS doc_authors"
            " USING fts5(keys, tokenize = \"unicode61 tokenchars '_'\", detail = none)"
        )
    db.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
    db.execute("COMMIT")


def author_table(db: sqlite3.Connection) -> tuple[str, ...]:
    """("doc_authors",) when this SQLite has FTS5 (and so the table), else ()."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'doc_authors'").fetchone()
    return ("doc_authors",) if found else ()


def chunks(items: list, size: int = SQL_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(chunk: list) -> str:
    """The ``?, ?, ...`` of an ``IN (...)`` over ``chunk``."""
    return ",".join("?" * len(chunk))
