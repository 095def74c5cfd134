"""Candidates for a paper from the corpus alone (no LLM): tags, related notes, few-shot notes.

This is what ``autonote suggest`` prints and what ``autonote draft`` offers the LLM.

- Related notes: the nearest notes by BM25 over the corpus index (title, abstract, summary, key
  points, comment), the query being the paper's title and abstract; with embeddings, fused with the
  nearest notes in meaning (reciprocal rank fusion).
- Tags, from the vocabulary only, scored from three signals:
  1. a similarity-weighted vote of the nearest notes' tags (the main signal);
  2. the tag's own words appearing in the paper's title or abstract (``ReinforcementLearning`` ←
     "reinforcement learning");
  3. the venue: the tag of the paper's venue when the vocabulary has it. Other venues' tags carried
     in by neighbours are damped, since a neighbour's venue says little about this paper's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from autonote.corpus.embeddings import SemanticIndex, embedding_text, fuse
from autonote.corpus.index import Hit
from autonote.corpus.terms import english_words
from autonote.corpus.view import Corpus
from autonote.schema import Note, Paper
from autonote.venue import VENUE_NAMES

NEIGHBOURS = 25  # notes whose tags vote
VOTE_SHARPNESS = 2.0  # similarity ** sharpness: nearer notes count much more
NEIGHBOUR_WEIGHT = 0.7  # the rest is the tag's corpus-wide share
MENTION_BONUS = 0.25
OTHER_VENUE_DAMPING = 0.2


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

    def to_json(self) -> dict[str, list[dict[str, object]]]:
        """The shape ``autonote suggest --json`` prints."""
        return {
            "tags": [{"tag": t.tag, "score": t.score} for t in self.tags],
            "related": [
                {
                    "id": r.note.id,
                    "title": r.note.title_line,
                    "url": r.note.link,
                    "score": r.score,
                    "why": r.why,
                }
                for r in self.related
            ],
        }


def paper_query(paper: Paper) -> str:
    """The text a paper is searched by: its title counts twice, as in the index."""
    return "\n".join([paper.title, paper.title, paper.abstract])


def _tag_words(tag: str) -> list[str]:
    """``ReinforcementLearning`` → [reinforcement, learning]; ``Supervised-FineTuning (SFT)`` → …"""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tag)
    return english_words(re.sub(r"[^A-Za-z0-9]+", " ", spaced))


def venue_tag(paper: Paper) -> str:
    return paper.venue.split("'")[0] if paper.venue else ""


def suggest(
    paper: Paper,
    corpus: Corpus,
    *,
    k_tags: int = 30,
    k_related: int = 8,
    exclude_ids: tuple[str, ...] = (),
    semantic: SemanticIndex | None = None,
) -> Suggestions:
    """Rank tags and related notes for ``paper``. ``exclude_ids`` hides notes completely (the
    leave-one-out evaluation hides the note being predicted); notes on the same arXiv paper are
    never 'related' to it."""
    hidden = tuple(
        dict.fromkeys([*exclude_ids, *(corpus.ids_with_arxiv(paper.arxiv_id) if paper.arxiv_id else [])])
    )
    depth = max(NEIGHBOURS, k_related)
    hits = corpus.search(paper_query(paper), depth * (2 if semantic else 1), exclude_ids=hidden)
    if semantic is not None:
        text = embedding_text(paper.title, paper.abstract)
        hits = fuse(hits, semantic.nearest(corpus, text, depth * 2, exclude_ids=hidden), depth)
    counts = corpus.tag_counts(exclude_ids=hidden)
    vocabulary = {tag for tag, n in counts.items() if n > 0} | set(corpus.extra_vocabulary)

    votes: Counter[str] = Counter()
    neighbours = [(hit, corpus.get(hit.note_id)) for hit in hits[:NEIGHBOURS]]
    weights = 0.0
    if hits:
        top = hits[0].score
        for hit, note in neighbours:
            if note is None:
                continue
            weight = (hit.score / top) ** VOTE_SHARPNESS
            weights += weight
            for tag in dict.fromkeys(note.tags):
                votes[tag] += weight
    # A tag's share of the (weighted) neighbours, smoothed towards its share of the whole corpus:
    # with few or weak neighbours the corpus-wide habit (the owner's venue tag, broad field tags)
    # still counts.
    notes_total = max(1, corpus.size - len(hidden))
    scores = {}
    for tag in vocabulary:
        share = votes[tag] / weights if weights else 0.0
        prior = counts[tag] / notes_total
        score = NEIGHBOUR_WEIGHT * share + (1 - NEIGHBOUR_WEIGHT) * prior
        if score > 0:
            scores[tag] = score

    paper_words = set(english_words(f"{paper.title}\n{paper.abstract}"))
    venue = venue_tag(paper)
    for tag in vocabulary:
        words = _tag_words(tag)
        if words and tag not in VENUE_NAMES and all(w in paper_words for w in words):
            scores[tag] = scores.get(tag, 0.0) + MENTION_BONUS
    known_venue = bool(venue) and venue != "arXiv"
    for tag in list(scores):
        if known_venue and tag in VENUE_NAMES and tag != venue:
            scores[tag] *= OTHER_VENUE_DAMPING
    if known_venue and venue in vocabulary:
        scores[venue] = max(scores.get(venue, 0.0), 1.0)

    ranked = sorted(scores.items(), key=lambda item: (-item[1], -counts[item[0]], item[0]))
    tags = [TagSuggestion(tag, round(score, 4)) for tag, score in ranked[:k_tags]]
    loaded = {hit.note_id: note for hit, note in neighbours}
    related = []
    for hit in hits[:k_related]:
        note = loaded[hit.note_id] if hit.note_id in loaded else corpus.get(hit.note_id)
        if note is not None:
            related.append(RelatedSuggestion(note, round(hit.score, 3), _why(hit)))
    return Suggestions(tags=tags, related=related)


def _why(hit: Hit) -> str:
    reasons = ["shared terms: " + ", ".join(hit.shared)] if hit.shared else []
    if hit.cosine is not None:
        reasons.append(f"similar meaning (cosine {hit.cosine:.2f})")
    return "; ".join(reasons) or "similar"


def few_shot_examples(suggestions: Suggestions, count: int) -> list[Note]:
    """The most similar notes whose summary is worth imitating (LLM-written, not offline extracts)."""
    examples = []
    for item in suggestions.related:
        note = item.note
        offline = note.provenance is not None and note.provenance.generator == "offline"
        if note.summary and not offline:
            examples.append(note)
        if len(examples) >= count:
            break
    return examples
