"""Candidates for a new paper, from the corpus alone (no LLM): tags, related notes, few-shot notes.

Retrieval is BM25 over words (English) and character bigrams (Japanese has no spaces), across title,
abstract, summary and key points. Tag scores combine three signals: the tags of the nearest notes
(weighted by similarity), the venue tag, and tag names that the paper's own text mentions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from autonote.corpus.store import Corpus
from autonote.schema import Note, Paper
from autonote.venue import VENUE_NAMES

_WORD = re.compile(r"[a-z][a-z0-9+\-]*[a-z0-9+]|[a-z]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")
_STOP = set(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "this",
        "to",
        "we",
        "with",
        "which",
        "while",
        "these",
        "those",
        "than",
        "then",
        "can",
        "also",
        "more",
        "most",
        "such",
        "using",
        "use",
        "used",
        "via",
        "not",
        "both",
        "each",
        "how",
        "what",
        "when",
        "where",
        "who",
        "will",
        "been",
        "was",
        "were",
        "show",
        "shows",
        "propose",
        "proposed",
        "paper",
        "approach",
        "method",
        "methods",
        "results",
        "new",
    ]
)


def tokenize(text: str) -> list[str]:
    lowered = text.lower()
    tokens = [w for w in _WORD.findall(lowered) if w not in _STOP and len(w) > 1]
    for run in _CJK_RUN.findall(text):
        tokens.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return tokens


def note_text(note: Note) -> str:
    return " ".join([note.title, note.title, note.abstract, note.summary, *note.key_points])


@dataclass(frozen=True)
class TagSuggestion:
    tag: str
    score: float


@dataclass(frozen=True)
class RelatedSuggestion:
    note: Note
    score: float
    why: str


@dataclass(frozen=True)
class Suggestions:
    tags: list[TagSuggestion]
    related: list[RelatedSuggestion]


class LexicalIndex:
    """An in-memory BM25 index over the notes of a corpus."""

    k1 = 1.2
    b = 0.75

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self.doc_terms = [Counter(tokenize(note_text(n))) for n in notes]
        self.lengths = [sum(terms.values()) for terms in self.doc_terms]
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        df: Counter[str] = Counter()
        for terms in self.doc_terms:
            df.update(terms.keys())
        total = len(notes)
        self.idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def search(
        self, text: str, k: int, exclude: set[str] | None = None
    ) -> list[tuple[Note, float, list[str]]]:
        query = Counter(tokenize(text))
        scored = []
        for index, terms in enumerate(self.doc_terms):
            note = self.notes[index]
            if exclude and note.id in exclude:
                continue
            norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.avg_length)
            score, shared = 0.0, []
            for term in query:
                tf = terms.get(term)
                if tf:
                    weight = self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
                    score += weight
                    shared.append((weight, term))
            if score > 0:
                shared.sort(reverse=True)
                scored.append((note, score, [t for _, t in shared[:4]]))
        scored.sort(key=lambda item: -item[1])
        return scored[:k]


def _tag_words(tag: str) -> list[str]:
    """``ReinforcementLearning`` → [reinforcement, learning]; ``Supervised-FineTuning (SFT)`` → …"""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tag)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def suggest(
    paper: Paper,
    corpus: Corpus,
    *,
    k_tags: int = 30,
    k_related: int = 8,
    neighbours: int = 20,
    index: LexicalIndex | None = None,
) -> Suggestions:
    index = index or LexicalIndex(corpus.notes)
    text = " ".join([paper.title, paper.title, paper.abstract])
    hits = index.search(text, max(neighbours, k_related), exclude=_same_paper_ids(paper, corpus))
    counts = corpus.tag_counts()

    scores: Counter[str] = Counter()
    if hits:
        top = hits[0][1]
        for note, score, _ in hits[:neighbours]:
            for tag in note.tags:
                scores[tag] += score / top
    normaliser = max(scores.values(), default=1.0) or 1.0
    tag_scores = {tag: value / normaliser for tag, value in scores.items()}

    paper_words = set(_WORD.findall(f"{paper.title} {paper.abstract}".lower()))
    for tag in counts:
        words = _tag_words(tag)
        if words and all(w in paper_words for w in words) and not _is_venue_tag(tag):
            tag_scores[tag] = tag_scores.get(tag, 0.0) + 0.5
    venue = paper.venue.split("'")[0] if paper.venue else ""
    if venue and venue != "arXiv" and venue in counts:
        tag_scores[venue] = max(tag_scores.get(venue, 0.0), 1.0)
    for tag, value in list(tag_scores.items()):
        if _is_venue_tag(tag) and tag != venue:
            tag_scores[tag] = value * 0.3  # a neighbour's venue says little about this paper's venue

    ranked_tags = sorted(tag_scores.items(), key=lambda item: (-item[1], -counts[item[0]], item[0]))
    tags = [TagSuggestion(tag, round(score, 4)) for tag, score in ranked_tags[:k_tags]]
    related = [
        RelatedSuggestion(note, round(score, 4), "shared terms: " + ", ".join(shared))
        for note, score, shared in hits[:k_related]
    ]
    return Suggestions(tags=tags, related=related)


def _is_venue_tag(tag: str) -> bool:
    return tag in VENUE_NAMES


def _same_paper_ids(paper: Paper, corpus: Corpus) -> set[str]:
    """Notes about the very paper being drafted are not 'related' to it."""
    if not paper.arxiv_id:
        return set()
    return {n.id for n in corpus.notes if n.arxiv_id == paper.arxiv_id}


def few_shot_examples(suggestions: Suggestions, count: int) -> list[Note]:
    """The most similar notes that have a summary and key points to imitate."""
    examples = []
    for item in suggestions.related:
        note = item.note
        offline = note.provenance is not None and note.provenance.generator == "offline"
        if note.summary and len(note.key_points) >= 3 and not offline:
            examples.append(note)
        if len(examples) >= count:
            break
    return examples
