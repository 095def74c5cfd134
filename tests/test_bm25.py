"""The BM25 arithmetic's shortcuts give exactly what the plain computation gives (hypothesis).

:func:`top_documents` sorts only the documents at or above a bound found from blocks' maxima; it
must pick the same documents, in the same order, as sorting every score. :func:`accumulate` adds a
common term's gains as a dense array; the sums must equal scattering every term's gains, bit for bit.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.corpus.bm25 import BLOCK, accumulate, padded_size, term_gains, top_documents

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plain_top(scores: np.ndarray, k: int) -> list[int]:
    """Every positive score sorted: best first, equal scores by document number."""
    ranked = sorted((-float(s), d) for d, s in enumerate(scores.tolist()) if s > 0)
    return [d for _, d in ranked[:k]]


@FAST
@given(
    st.integers(1, 4000), st.integers(1, 60), st.integers(1, 1000), st.floats(0, 1), st.integers(0, 2**32 - 1)
)
def test_top_documents_equals_sorting_every_score(
    count: int, k: int, distinct: int, zeros: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    scores = np.zeros(padded_size(count))
    values = rng.integers(0, distinct, count) / 7  # few distinct values: ties, also at the k-th place
    scores[:count] = np.where(rng.random(count) < zeros, 0.0, values)
    assert top_documents(scores, k).tolist() == plain_top(scores, k)


@FAST
@given(
    st.integers(1, 300),
    st.lists(st.sampled_from([1.0, 2.0, 0.5, 3.0]), min_size=1, max_size=8),
    st.integers(0, 2**32 - 1),
)
def test_dense_and_scattered_sums_are_the_same_numbers(count: int, weights: list[float], seed: int) -> None:
    size = padded_size(count + 1)
    rng = np.random.default_rng(seed)
    norm = rng.uniform(0.3, 3.0, size)
    terms = []
    for i in range(len(weights)):
        held = int(rng.integers(count // 4 + 1 if i == 0 else 1, count + 1))  # the first term: dense
        docs = np.sort(rng.choice(np.arange(1, count + 1, dtype=np.int32), held, replace=False))
        terms.append(term_gains(docs, rng.integers(1, 10, held).astype(np.float32), norm, count, size))
    scattered = np.zeros(size)
    for term, weight in zip(terms, weights, strict=True):
        np.add.at(scattered, term.docs, term.gains if weight == 1.0 else weight * term.gains)
    summed = accumulate(np.zeros(size), zip(terms, weights, strict=True))
    assert terms[0].dense is not None and size % BLOCK == 0
    assert summed.tobytes() == scattered.tobytes()
