"""BM25 arithmetic on decoded postings (k1=1.2, b=0.75, Lucene's idf), for the search index.

A term's contribution to each document holding it (its *gains*, ``tf / (tf + norm) * idf *
(k1 + 1)``) changes only when the index does, so the index keeps it per term and a query adds the
gains of its terms up (:func:`accumulate`). A common term (in more than a quarter of the documents)
is also kept as a dense array over all documents: adding 10,000 numbers in a row costs less than
scattering 2,500 of them into place. The sum is the same to the last bit either way: every
document receives its terms' gains in the query's order, and a term it lacks adds +0.0.

Score arrays are padded to a multiple of :data:`BLOCK` (the padding stays 0), so that
:func:`top_documents` can bound the k-th best score by the maxima of blocks before sorting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

K1, B = 1.2, 0.75
BLOCK = 64  # documents per block when looking for the best scores
DENSE_SHARE = 4  # a term in more than 1/DENSE_SHARE of the documents is kept dense too


def idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def padded_size(count: int) -> int:
    """The length of a score array for document numbers below ``count``."""
    return -(-count // BLOCK) * BLOCK


def norms(lengths: np.ndarray, average: float) -> np.ndarray:
    """Each document's ``k1 * (1 - b + b * length / average length)``."""
    return K1 * (1 - B + B * lengths / (average or 1.0))


@dataclass(frozen=True, slots=True)
class TermGains:
    """One term's BM25 gains with nothing hidden: by document (``docs`` ascending) and, for a
    common term, also ``dense``: the gains at their documents' places, 0 elsewhere."""

    docs: np.ndarray
    gains: np.ndarray
    dense: np.ndarray | None

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.gains.nbytes + (0 if self.dense is None else self.dense.nbytes)


def term_gains(docs: np.ndarray, tf: np.ndarray, norm: np.ndarray, total: int, size: int) -> TermGains:
    """The gains of a term found in ``docs`` ``tf`` times, among ``total`` documents; ``size`` is
    the length of the score arrays (:func:`padded_size`)."""
    gains = tf / (tf + norm[docs]) * (idf(total, len(docs)) * (K1 + 1))  # float64
    dense = None
    if len(docs) * DENSE_SHARE > total:
        dense = np.zeros(size, dtype=np.float64)
        dense[docs] = gains
    return TermGains(docs, gains, dense)


def accumulate(scores: np.ndarray, weighted: Iterable[tuple[TermGains, float]]) -> np.ndarray:
    """Add each term's gains times its weight to ``scores`` (in place), in the order given."""
    add_at = np.add.at
    for term, weight in weighted:
        if term.dense is not None:
            scores += term.dense if weight == 1.0 else weight * term.dense
        else:
            add_at(scores, term.docs, term.gains if weight == 1.0 else weight * term.gains)
    return scores


def top_documents(scores: np.ndarray, k: int) -> np.ndarray:
    """The (at most) ``k`` documents with the best positive scores, best first, equal scores by
    document number. ``len(scores)`` is a multiple of :data:`BLOCK`.

    The k-th best of the blocks' maxima is a lower bound of the k-th best score (they are k
    different documents), so only the documents at or above it are sorted: a few dozen, not all."""
    maxima = scores.reshape(-1, BLOCK).max(axis=1)
    bound = 0.0
    if len(maxima) > k:
        bound = float(np.partition(maxima, len(maxima) - k)[len(maxima) - k])
    found = np.flatnonzero(scores >= bound) if bound > 0 else np.flatnonzero(scores > 0)
    return found[np.lexsort((found, -scores[found]))][:k]
