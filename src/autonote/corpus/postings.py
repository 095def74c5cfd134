"""The index's postings: one row per term with a packed array of (document, term frequency), how a
refresh merges new documents into them, and the per-process cache of decoded postings and of their
BM25 weights (they only change when the index does)."""

from __future__ import annotations

import bisect
import sqlite3
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from autonote.corpus.index_schema import chunks, marks

if TYPE_CHECKING:
    import numpy as np

    from autonote.corpus.bm25 import TermGains

TF_BITS, TF_MAX = 16, 0xFFFF  # a posting is docno << 16 | term frequency, in an array('Q')
CACHED_POSTINGS = 2_000_000  # decoded postings kept per process: 20 bytes each with weights (a dense
# copy of a common term's weights counts as its bytes / 20), 40 MB at most


def without(blob: bytes, gone: list[int]) -> bytes:
    """A term's postings without the documents in ``gone`` (ascending), found by bisection."""
    entries = array("Q")
    entries.frombytes(blob)
    found = []
    for docno in gone:
        at = bisect.bisect_left(entries, docno << TF_BITS)
        if at < len(entries) and entries[at] >> TF_BITS == docno:
            found.append(at)
    if not found:
        return blob
    size, kept, start = entries.itemsize, [], 0
    for at in found:
        kept.append(blob[start * size : at * size])
        start = at + 1
    kept.append(blob[start * size :])
    return b"".join(kept)


def _stored(db: sqlite3.Connection, affected: set[str]) -> dict[str, bytes]:
    """The postings the index holds now for the ``affected`` terms (none asked of an empty index)."""
    current: dict[str, bytes] = {}
    if db.execute("SELECT 1 FROM postings LIMIT 1").fetchone() is None:
        return current
    for chunk in chunks(sorted(affected)):
        current.update(
            db.execute(f"SELECT term, entries FROM postings WHERE term IN ({marks(chunk)})", chunk)
        )
    return current


def merge_postings(
    db: sqlite3.Connection, new_postings: list[dict[str, bytes]], gone: set[int], affected: set[str]
) -> None:
    """Write postings: the new documents' entries plus, for each affected term, the old entries
    of documents that stay. New documents have higher numbers, so entries stay ascending."""
    merged: defaultdict[str, list[bytes]] = defaultdict(list)
    for postings in new_postings:
        for term, entries in postings.items():
            merged[term].append(entries)
    affected = affected | merged.keys()
    current = _stored(db, affected)
    rows, deleted = [], []
    gone_sorted = sorted(gone)
    for term in affected:
        parts = merged.get(term, [])
        if term in current:
            parts = [current[term], *parts]
        blob = parts[0] if len(parts) == 1 else b"".join(parts)
        if gone and blob:
            blob = without(blob, gone_sorted)
        if blob:
            rows.append((term, blob))
        elif term in current:
            deleted.append((term,))
    rows.sort()  # in key order, SQLite appends to its b-tree instead of splitting pages
    db.executemany("INSERT OR REPLACE INTO postings(term, entries) VALUES (?, ?)", rows)
    db.executemany("DELETE FROM postings WHERE term = ?", deleted)


class PostingsCache:
    """Decoded postings and BM25 weights (nothing hidden) of the terms asked so far, for one state
    of the index: a new one is made when the index changes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.postings: dict[str, tuple[Any, Any]] = {}  # term → (docnos, term frequencies)
        self.absent: set[str] = set()  # terms no document has
        self.gains: dict[str, TermGains] = {}  # term → BM25 weights with nothing hidden
        self.entries = 0  # what the cache holds, counted as postings

    def load(self, wanted: Iterable[str]) -> dict[str, tuple[Any, Any]]:
        """Decoded postings of the wanted terms that exist, from the cache or SQLite."""
        cache, absent = self.postings, self.absent
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
        for chunk in chunks(missing):
            for term, blob in self.db.execute(
                f"SELECT term, entries FROM postings WHERE term IN ({marks(chunk)})", chunk
            ):
                entries = np.frombuffer(blob, dtype=np.uint64)
                docs = (entries >> TF_BITS).astype(np.intp)  # numpy's index type: no conversion when used
                tf = (entries & TF_MAX).astype(np.float32)  # small integers: exact
                found[term] = (docs, tf)
                if self.entries + len(docs) <= CACHED_POSTINGS:
                    cache[term] = (docs, tf)
                    self.entries += len(docs)
        if len(absent) < 100_000:
            absent.update(term for term in missing if term not in found)
        return found

    def weighted_gains(
        self, weights: Mapping[str, float], norm: np.ndarray, total: int, size: int
    ) -> list[tuple[TermGains, float]]:
        """The BM25 gains (nothing hidden: ``norm``, ``total`` documents, arrays of ``size``) of
        the query's terms that some document has, with their weights, in the query's order: cached
        per term while the cache has room."""
        cache, found, missing = self.gains, [], []
        for term, weight in weights.items():
            if weight > 0:
                gains = cache.get(term)
                if gains is not None:
                    found.append((gains, weight))
                elif term not in self.absent:
                    missing.append(term)
        if not missing:
            return found
        from autonote.corpus.bm25 import term_gains

        fresh: dict[str, TermGains] = {}
        for term, (docs, tf) in self.load(missing).items():
            gains = term_gains(docs, tf, norm, total, size)
            extra = 0 if gains.dense is None else len(gains.dense) * 8 // 20
            if term in self.postings and self.entries + extra <= CACHED_POSTINGS:
                cache[term] = gains
                self.entries += extra
            else:
                fresh[term] = gains
        return [
            (gains, weight)
            for term, weight in weights.items()
            if weight > 0 and (gains := cache.get(term) or fresh.get(term)) is not None
        ]
