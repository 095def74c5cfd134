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

Its parts: :mod:`~autonote.corpus.index_schema` (the tables and their version),
:mod:`~autonote.corpus.index_read` (what a note file gives the index),
:mod:`~autonote.corpus.index_refresh` (bringing the index up to date),
:mod:`~autonote.corpus.postings` (the inverted index and its cache),
:mod:`~autonote.corpus.index_docs` (note ids and document numbers),
:mod:`~autonote.corpus.index_search` (BM25, shared terms, field coverage) and
:mod:`~autonote.corpus.index_authors` (notes sharing authors); :class:`CorpusIndex` holds them
together.

The index is a cache: deleting it loses nothing, the next command rebuilds it. If the corpus's
``.autonote/`` cannot be written, the index lives in memory for the one command.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from autonote.corpus.index_authors import AuthorSearch
from autonote.corpus.index_docs import DocNumbers
from autonote.corpus.index_read import author_key, author_terms, comment_text, note_terms
from autonote.corpus.index_refresh import RefreshReport, refresh_locked
from autonote.corpus.index_schema import INDEX_FILE_NAME, INDEX_VERSION, chunks, ensure_schema
from autonote.corpus.index_search import QUERY_TF_CAP, Hit, IndexSearch, query_terms
from autonote.corpus.postings import PostingsCache
from autonote.errors import NoteFormatError
from autonote.notes.folder import PathOutsideCorpusError, note_file_text
from autonote.notes.format import parse_note
from autonote.schema import Note
from autonote.state import STATE_DIR_NAME, make_state_dir

__all__ = [
    "INDEX_FILE_NAME",
    "INDEX_VERSION",
    "QUERY_TF_CAP",
    "CorpusIndex",
    "Hit",
    "RefreshReport",
    "author_key",
    "author_terms",
    "comment_text",
    "note_terms",
    "query_terms",
]


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
        ensure_schema(self.conn)

    def _forget(self) -> None:
        """Drop what is cached from the index's current state (after it changed)."""
        self._docs = DocNumbers(self.conn)
        self._search = IndexSearch(self.conn, self._docs, PostingsCache(self.conn))
        self._authors = AuthorSearch(self.conn, self._docs)

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
            report = refresh_locked(db, self.root, report, rebuild)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if report.changed or rebuild:
            self._forget()
        report.problems = self.problems()
        report.seconds = time.perf_counter() - started
        return report

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
        docno_of = self._docs.docnos_of(note_ids)
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        wanted = sorted(id_of)
        found: dict[str, list[str]] = {id_of[d]: [] for d in wanted}
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for docno, tag in self.conn.execute(
                f"SELECT docno, tag FROM doc_tags WHERE docno IN ({marks}) ORDER BY rowid", chunk
            ):
                found[id_of[docno]].append(tag)
        return found

    def links(self, note_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(source, target) of every link from or to the given notes, between notes of the index."""
        ids = sorted(set(note_ids))
        docno_of = self._docs.docnos_of(ids)
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        sources = [docno_of[i] for i in ids if i in docno_of]
        outgoing: list[tuple[str, str]] = []
        for chunk in chunks(sources):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT docno, target FROM doc_links WHERE docno IN ({marks})"
            outgoing.extend((id_of[d], t) for d, t in self.conn.execute(query, chunk))
        indexed = self._docs.docnos_of({t for _, t in outgoing})  # links to notes the index has
        edges = {(source, target) for source, target in outgoing if target in indexed}
        incoming: list[tuple[int, str]] = []
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT docno, target FROM doc_links WHERE target IN ({marks})"
            incoming.extend(self.conn.execute(query, chunk))
        names = self._docs.ids_of({d for d, _ in incoming})
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
        return self._search.search(query, k, exclude_ids, explain=explain)

    def shared_terms(
        self, query: Mapping[str, float], note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, list[str]]:
        """For each note, the rarest terms it shares with the query (at most four), read from the
        query terms' postings: what :attr:`Hit.shared` holds, for hits searched without ``explain``."""
        return self._search.shared_terms(query, note_ids, exclude_ids)

    def field_coverage(
        self, query: Mapping[str, float], field: str, note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, float]:
        """For each note, the share of its ``field`` terms (see :mod:`autonote.corpus.fields`)
        that the query holds, each term weighed by its idf over the corpus's text (the hidden notes
        left out): 1 when the query has every word of a note's title, little when it has only the
        common ones. Notes without the field are left out; for a query without Japanese, the
        Japanese terms of a field do not count (an English abstract cannot hold them)."""
        return self._search.field_coverage(query, field, note_ids, exclude_ids)

    def author_matches(
        self, authors: Iterable[str], exclude_ids: Iterable[str] = (), *, surnames: bool = True
    ) -> dict[str, float]:
        """Notes sharing authors with ``authors``: note id → the rarity of what they share, as
        the sum of the shared authors' idf over the idf of an author no other note has (at most 1:
        one shared author of few notes counts as much as several). ``surnames``: also the notes
        known only by their first author's surname (from a title line, ``Shao+``), which an author
        meets by the last word of their name, as rare as that name is among all authors'."""
        return self._authors.matches(authors, exclude_ids, surnames=surnames)
