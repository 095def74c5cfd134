"""Optional semantic search: note embeddings from the LLM provider (OpenAI-compatible:
``/v1/embeddings``).

Vectors are cached in the state database keyed by (model, hash of the embedded text), so a note is
embedded once until its title, abstract or summary changes, and a rebuilt index costs nothing. The
index records each note's text hash at refresh time, so finding what needs embedding reads no files.
Ranking is cosine similarity; :func:`fuse` combines it with BM25 by reciprocal rank fusion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from autonote.corpus.terms import embedding_text, text_hash

if TYPE_CHECKING:
    import numpy as np

    from autonote.corpus.index import CorpusIndex, Hit
    from autonote.llm.providers import BlockingChat
    from autonote.schema import Note
    from autonote.state import StateDB


class NoteSource(Protocol):
    """What embedding needs of a corpus: its index (for the text hashes) and its notes."""

    index: CorpusIndex | None

    def get(self, note_id: str) -> Note | None: ...


BATCH = 64  # texts per embeddings request
RRF_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass(frozen=True)
class EmbeddingReport:
    embedded: int  # texts sent to the server now
    cached: int  # texts whose vectors were already known


class SemanticIndex:
    def __init__(self, state: StateDB, client: BlockingChat, model: str) -> None:
        self.state, self.client, self.model = state, client, model
        self._matrix: tuple[list[str], np.ndarray] | None = None

    def _cached(self, hashes: list[str]) -> dict[str, np.ndarray]:
        import numpy as np

        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 900):
            chunk = hashes[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.state.conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
                [self.model, *chunk],
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def vectors(self, texts: dict[str, str]) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for {hash: text}, from the cache or the server; (vectors, number embedded now).
        Each batch is stored as soon as it arrives, so an interrupted run keeps what it paid for."""
        import numpy as np

        found = self._cached(list(texts))
        missing = [key for key in texts if key not in found]
        for start in range(0, len(missing), BATCH):
            keys = missing[start : start + BATCH]
            vectors = self.client.embed([texts[key] for key in keys], self.model)
            rows = []
            for key, vector in zip(keys, vectors, strict=True):
                array = np.asarray(vector, dtype=np.float32)
                found[key] = array
                rows.append((self.model, key, len(array), array.tobytes()))
            self.state.conn.executemany(
                "INSERT OR REPLACE INTO embeddings(model, text_hash, dims, vector) VALUES (?, ?, ?, ?)", rows
            )
        return found, len(missing)

    def ensure_corpus(self, corpus: NoteSource) -> EmbeddingReport:
        """Embed every note whose current text has no vector yet."""
        assert corpus.index is not None
        wanted = corpus.index.embedding_hashes()  # note id → text hash
        known = self._cached(sorted(set(wanted.values())))
        texts = {}
        for note_id, key in wanted.items():
            if key not in known and key not in texts:
                note = corpus.get(note_id)
                if note is not None:
                    texts[key] = embedding_text(note.title, note.abstract, note.summary)
        _, embedded = self.vectors(texts)
        self._matrix = None
        return EmbeddingReport(embedded=embedded, cached=len(wanted) - len(texts))

    def _corpus_matrix(self, corpus: NoteSource) -> tuple[list[str], np.ndarray]:
        import numpy as np

        if self._matrix is None:
            self.ensure_corpus(corpus)
            assert corpus.index is not None
            wanted = corpus.index.embedding_hashes()
            vectors = self._cached(sorted(set(wanted.values())))
            ids = [note_id for note_id, key in wanted.items() if key in vectors]
            if ids:
                matrix = np.vstack([vectors[wanted[note_id]] for note_id in ids])
                matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            else:
                matrix = np.zeros((0, 0), dtype=np.float32)
            self._matrix = (ids, matrix)
        return self._matrix

    def nearest(
        self, corpus: NoteSource, text: str, k: int, exclude_ids: tuple[str, ...] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` notes most similar in meaning to ``text``: (note id, cosine)."""
        import numpy as np

        ids, matrix = self._corpus_matrix(corpus)
        if not ids:
            return []
        vectors, _ = self.vectors({text_hash(text): text})
        query = next(iter(vectors.values()))
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        if query.shape[0] != matrix.shape[1]:
            from autonote.errors import LLMError

            raise LLMError(
                f"embedding sizes differ ({query.shape[0]} vs {matrix.shape[1]}); run `autonote index --embeddings`"
            )
        scores = matrix @ query
        hidden = set(exclude_ids)
        order = np.argsort(-scores, kind="stable")
        return [(ids[i], float(scores[i])) for i in order.tolist() if ids[i] not in hidden][:k]


def fuse(lexical: list[Hit], semantic: list[tuple[str, float]], k: int) -> list[Hit]:
    """Reciprocal rank fusion of BM25 hits and embedding neighbours, best first."""
    from autonote.corpus.index import Hit

    fused: dict[str, float] = {}
    shared: dict[str, list[str]] = {}
    cosine = dict(semantic)
    for rank, hit in enumerate(lexical):
        fused[hit.note_id] = fused.get(hit.note_id, 0.0) + 1 / (RRF_K + rank + 1)
        shared[hit.note_id] = hit.shared
    for rank, (note_id, _) in enumerate(semantic):
        fused[note_id] = fused.get(note_id, 0.0) + 1 / (RRF_K + rank + 1)
    best = sorted(fused.items(), key=lambda item: -item[1])[:k]
    return [
        Hit(note_id=note_id, score=score * 1000, shared=shared.get(note_id, []), cosine=cosine.get(note_id))
        for note_id, score in best
    ]
