"""Notes that share authors, matched through the index's ``doc_authors`` table (SQLite FTS5: its
inverted index is built in C, one row per note). Without FTS5 in the local SQLite, notes are not
matched by author."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from autonote.corpus.fields import SURNAME
from autonote.corpus.index_docs import DocNumbers
from autonote.corpus.index_read import author_terms
from autonote.corpus.index_schema import author_table


class AuthorSearch:
    """Author matching over one state of the index."""

    def __init__(self, db: sqlite3.Connection, docs: DocNumbers) -> None:
        self.db = db
        self.docs = docs
        self._surname_docs: dict[str, set[int]] | None = None
        self._authors: tuple[str, ...] | None = None

    def table(self) -> tuple[str, ...]:
        """("doc_authors",) when this SQLite has FTS5 (and so the table), else ()."""
        if self._authors is None:
            self._authors = author_table(self.db)
        return self._authors

    def _surnames(self) -> dict[str, set[int]]:
        """Each last name (the last word of an author key) with the documents of its bearers; read
        once per process, and only when a note known by a surname alone matched."""
        if self._surname_docs is None:
            found: defaultdict[str, set[int]] = defaultdict(set)
            for docno, keys in self.db.execute("SELECT rowid, keys FROM doc_authors"):
                for key in keys.split():
                    found[key.rsplit("_", 1)[-1]].add(docno)
            self._surname_docs = dict(found)
        return self._surname_docs

    def matches(
        self, authors: Iterable[str], exclude_ids: Iterable[str] = (), *, surnames: bool = True
    ) -> dict[str, float]:
        """See :meth:`autonote.corpus.index.CorpusIndex.author_matches`."""
        keys = author_terms(authors)
        if surnames:
            lasts = dict.fromkeys(f"{SURNAME}_{key.rsplit('_', 1)[-1]}" for key in keys)
            keys += [k for k in lasts if k not in keys]
        if not keys or not self.table():
            return {}
        from autonote.corpus.bm25 import idf

        hidden = set(self.docs.hidden(exclude_ids))
        total = self.docs.size() - len(hidden)
        if total <= 0:
            return {}
        sums: defaultdict[int, float] = defaultdict(float)
        match = "SELECT rowid FROM doc_authors WHERE doc_authors MATCH ?"
        matched = [[d for (d,) in self.db.execute(match, (f'"{key}"',))] for key in keys]
        id_of = self.docs.ids_of({d for rows in matched for d in rows})
        for key, rows in zip(keys, matched, strict=True):
            holders = [d for d in rows if d not in hidden and d in id_of]
            if holders:
                rarity = idf(total, self._holders_count(key, holders, hidden))
                for d in holders:
                    sums[d] += rarity
        unique = idf(total, 1)
        return {id_of[d]: min(1.0, value / unique) for d, value in sums.items()}

    def _holders_count(self, key: str, holders: list[int], hidden: set[int]) -> int:
        """How many documents an author key counts as held by, for its rarity: a surname is as
        rare as the name is among all authors' names."""
        if not key.startswith(SURNAME + "_"):
            return len(holders)
        bearers = self._surnames().get(key.removeprefix(SURNAME + "_"), set()) - hidden
        return max(len(holders), len(bearers))
