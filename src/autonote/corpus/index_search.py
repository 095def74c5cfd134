"""Searching the index: BM25 over the postings of a query's terms (:mod:`autonote.corpus.bm25`),
the terms a hit shares with the query and how much of a note's field a query covers (the notes
that share authors: :mod:`autonote.corpus.index_authors`). A leave-one-out evaluation can hide notes from a search: their documents are
dropped from the statistics too (N, document frequencies, average length), so a hidden note leaves
no trace. What is cached here holds for one state of the index: a new :class:`IndexSearch` is made
when the index changes."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autonote.corpus.index_docs import DocNumbers
from autonote.corpus.index_schema import chunks, marks
from autonote.corpus.postings import PostingsCache
from autonote.corpus.terms import CJK_RUN, terms

if TYPE_CHECKING:
    import numpy as np

QUERY_TF_CAP = 3  # a word repeated in the query counts at most this many times


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
class Stats:
    """Document lengths and BM25 normalisers for one state of the index (nothing hidden)."""

    lengths: np.ndarray  # text terms by docno (0 where no document has that number), padded
    total: int
    length_sum: float
    norm: np.ndarray  # K1 * (1 - B + B * length / average length)


class IndexSearch:
    """The index's searches, with what they keep between calls (for one state of the index)."""

    def __init__(self, db: sqlite3.Connection, docs: DocNumbers, postings: PostingsCache) -> None:
        self.db = db
        self.docs = docs
        self.postings = postings
        self._stats: Stats | None = None
        self._held_cache: list[tuple[frozenset[int], Counter[str]]] = []
        self._norm_cache: tuple[tuple[int, ...], np.ndarray] | None = None

    def statistics(self) -> Stats:
        if self._stats is None:
            import numpy as np

            from autonote.corpus.bm25 import norms, padded_size

            row = self.db.execute("SELECT entries FROM doc_lengths").fetchone()
            rows = np.frombuffer(row[0], dtype=np.int64).reshape(-1, 2) if row else np.zeros((0, 2), np.int64)
            lengths = np.zeros(padded_size(int(rows[:, 0].max(initial=0)) + 1), dtype=np.float64)
            lengths[rows[:, 0]] = rows[:, 1]
            total, length_sum = len(rows), float(lengths.sum())
            self._stats = Stats(
                lengths, total, length_sum, norms(lengths, length_sum / total if total else 1.0)
            )
        return self._stats

    def held(self, hidden: list[int]) -> Counter[str]:
        """How many of the hidden documents hold each term (their stored term lists). The last few
        answers are kept: a leave-one-out evaluation asks for the same set, or one that differs by
        a note or two (a fold plus the note), again and again."""
        wanted = frozenset(hidden)
        base: Counter[str] = Counter()
        extra = wanted
        for known, counts in self._held_cache:
            if known == wanted:
                return counts
            if known <= wanted and len(wanted - known) < len(extra):
                base, extra = counts, wanted - known
        held = Counter(base)
        for chunk in chunks(sorted(extra)):
            for (terms_text,) in self.db.execute(
                f"SELECT terms FROM docs WHERE docno IN ({marks(chunk)})", chunk
            ):
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
        """See :meth:`autonote.corpus.index.CorpusIndex.search`."""
        weights = query_terms(query) if isinstance(query, str) else query
        if k <= 0 or not any(w > 0 for w in weights.values()):
            return []
        import numpy as np

        from autonote.corpus.bm25 import accumulate, top_documents

        stats = self.statistics()
        hidden = self.docs.hidden(exclude_ids)
        if stats.total - len(hidden) <= 0:
            return []
        held: Counter[str] | None = None
        postings: dict[str, tuple[Any, Any]] | None = None
        if not hidden:
            gains = self.postings.weighted_gains(weights, stats.norm, stats.total, len(stats.lengths))
            scores = accumulate(np.zeros(len(stats.lengths)), gains)
        else:
            postings = self.postings.load(t for t, w in weights.items() if w > 0)
            held = self.held(hidden)
            scores = self._hidden_scores(weights, postings, held, hidden, stats)
        top = top_documents(scores, k)
        count = len(top)
        if count <= 0:
            return []
        if not explain:
            shared: list[list[str]] = [[] for _ in range(count)]
        else:
            if postings is None:
                postings = self.postings.load(t for t, w in weights.items() if w > 0)
            shared = shared_terms_of(top, postings, held)
        docnos = top.tolist()
        id_of = self.docs.ids_of(docnos)
        return [
            Hit(id_of[d], score, shared[i])
            for i, (d, score) in enumerate(zip(docnos, scores[top].tolist(), strict=True))
        ]

    def _hidden_scores(
        self,
        weights: Mapping[str, float],
        postings: dict[str, tuple[Any, Any]],
        held: Counter[str],
        hidden: list[int],
        stats: Stats,
    ) -> np.ndarray:
        """BM25 scores with the ``hidden`` documents out of the statistics (and scored 0)."""
        import numpy as np

        from autonote.corpus.bm25 import K1, idf

        total = stats.total - len(hidden)
        norm = self._hidden_norm(hidden, stats)
        scores = np.zeros(len(stats.lengths))
        for term, (docs, tf) in postings.items():
            df = len(docs) - held[term]
            if df > 0:
                gains = tf / (tf + norm[docs]) * (idf(total, df) * (K1 + 1))
                np.add.at(scores, docs, weights[term] * gains)
        scores[hidden] = 0.0
        return scores

    def _hidden_norm(self, hidden: list[int], stats: Stats) -> np.ndarray:
        """BM25's length norms with ``hidden`` out of the average length; the last one is kept,
        since one suggestion searches several times with the same notes hidden."""
        from autonote.corpus.bm25 import norms

        key = tuple(hidden)
        if self._norm_cache is None or self._norm_cache[0] != key:
            total = stats.total - len(hidden)
            average = (stats.length_sum - float(stats.lengths[hidden].sum())) / total
            self._norm_cache = (key, norms(stats.lengths, average))
        return self._norm_cache[1]

    def shared_terms(
        self, query: Mapping[str, float], note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, list[str]]:
        """See :meth:`autonote.corpus.index.CorpusIndex.shared_terms`."""
        import numpy as np

        wanted = list(dict.fromkeys(note_ids))
        docno_of = self.docs.docnos_of(wanted)
        ids = [i for i in wanted if i in docno_of]
        if not ids:
            return {}
        query_words = {t for t, w in query.items() if w > 0}
        hidden = self.docs.hidden(exclude_ids)
        shared = shared_terms_of(
            np.asarray([docno_of[i] for i in ids]),
            self.postings.load(query_words),
            self.held(hidden) if hidden else None,
        )
        return dict(zip(ids, shared, strict=True))

    def field_coverage(
        self, query: Mapping[str, float], field: str, note_ids: Iterable[str], exclude_ids: Iterable[str] = ()
    ) -> dict[str, float]:
        """See :meth:`autonote.corpus.index.CorpusIndex.field_coverage`."""
        from autonote.corpus.bm25 import idf

        fields = self._field_terms(field, note_ids)
        if not any(CJK_RUN.search(t) for t in query):  # an English query: its titles' English words
            fields = {
                n: kept
                for n, found in fields.items()
                if (kept := [t for t in found if not CJK_RUN.search(t)])
            }
        if not fields:
            return {}
        hidden = self.docs.hidden(exclude_ids)
        held = self.held(hidden) if hidden else Counter()
        total = self.docs.size() - len(hidden)
        postings = self.postings.load({t for found in fields.values() for t in found})
        rarity = {t: idf(total, max(1, len(docs) - held[t])) for t, (docs, _) in postings.items()}
        coverage = {}
        for note_id, found in fields.items():
            weights = [rarity.get(t, idf(total, 1)) for t in found]
            matched = sum(w for t, w in zip(found, weights, strict=True) if query.get(t, 0.0) > 0)
            coverage[note_id] = matched / sum(weights) if sum(weights) > 0 else 0.0
        return coverage

    def _field_terms(self, field: str, note_ids: Iterable[str]) -> dict[str, list[str]]:
        """Each given note's terms of ``field`` (notes without it left out)."""
        docno_of = self.docs.docnos_of(note_ids)
        id_of = {docno: note_id for note_id, docno in docno_of.items()}
        fields: dict[str, list[str]] = {}
        pattern = re.compile(f"(?:^|\x1f){re.escape(field)}([^\x1f]*)")
        for chunk in chunks(sorted(id_of)):
            for docno, terms_text in self.db.execute(
                f"SELECT docno, terms FROM docs WHERE docno IN ({marks(chunk)})", chunk
            ):
                found = pattern.findall(terms_text)
                if found:
                    fields[id_of[docno]] = found
        return fields


def shared_terms_of(
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
