"""Candidates for a paper from the corpus alone (no LLM): tags, related notes, few-shot notes.

This is what ``autonote suggest`` prints and what ``autonote draft`` offers the LLM. It works in two
steps, so that the evaluation can weigh the same evidence many ways (see :mod:`.evaluate`):

1. :func:`gather` collects the evidence from the index, with the hidden notes (a leave-one-out
   evaluation's note) left out of every part of it;
2. :func:`rank` weighs it with :class:`~autonote.corpus.weights.Weights`: the defaults, or weights
   that ``autonote eval --fit`` fitted on this corpus.

Related notes are ranked by BM25 over the corpus index (the paper's title and abstract; with
embeddings, fused with the nearest notes in meaning), plus the same search for the paper's short
names alone (the part of the title before a colon, names like ``MobileLLM-R1``), plus the rarity of
shared authors, plus links from the nearest notes (each weighted).

Tags come from the vocabulary only, scored by a logistic model over: the tags of the 25 nearest
notes (by similarity, nearer ones counting more), of the notes nearest by title alone, of
the notes issued nearest in time (the owner's habits change), of notes by the same authors; the
tag's share of the corpus; the tag's name in the title or abstract; a word of the tag's name
beginning a word of the title the same way (``Efficient`` and ``EfficiencyImprovement``); and the
venue. The tag of the paper's venue comes first when the vocabulary has it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from autonote.corpus.embeddings import SemanticIndex, fuse
from autonote.corpus.fields import NAME_FIELD, TITLE_FIELD, field_query, short_names
from autonote.corpus.index import Hit, query_terms
from autonote.corpus.terms import embedding_text, english_words
from autonote.corpus.view import Corpus
from autonote.corpus.weights import Weights, weights_for
from autonote.schema import Note, Paper
from autonote.venue import VENUE_NAMES, venue_tag

if TYPE_CHECKING:
    from autonote.sources.references import Reference

DEPTH = 100  # notes ranked by the main search: candidates for related notes
NEAR, BY_TITLE = 25, 10  # nearest notes whose tags vote
SHARPNESS = 2.0  # a neighbour's vote is (similarity / best similarity) ** SHARPNESS
RECENT, RECENT_WIDE = 10, 50  # notes issued nearest in time whose tags count
GRAPH_FROM = 5  # nearest notes whose links count


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


@dataclass
class Candidate:
    """A note that may be related, with each kind of evidence for it (0 when there is none)."""

    note_id: str
    lexical: float = 0.0  # BM25 of the paper's title and abstract, over the best note's
    name: float = 0.0  # BM25 of the paper's short names, on the same scale
    authors: float = 0.0  # rarity of the shared authors, 0..1
    graph: float = 0.0  # lexical similarity of the nearest notes that link it (or that it links)
    title_match: float = 0.0  # (share of a note's title, no abstract, the paper's words hold, by idf)²
    named: float = 0.0  # BM25 of the paper's words over the notes' short names, the best one's being 1
    cited: float = 0.0  # 1 when the paper's reference list cites the note's paper
    cosine: float | None = None


@dataclass
class Evidence:
    """Everything the corpus says about a paper, before weighing."""

    tags: dict[str, dict[str, float]]  # tag → feature → value (features not listed are 0)
    counts: Counter[str]  # tag uses, the hidden notes left out
    venue: str  # the paper's venue tag when the vocabulary has it, else ""
    candidates: list[Candidate]
    query: dict[str, float] = field(default_factory=dict)  # the main search's terms (to explain hits)
    hidden: tuple[str, ...] = ()


def paper_query(paper: Paper) -> str:
    """The text a paper is searched by: its title counts twice, as in the index."""
    return "\n".join([paper.title, paper.title, paper.abstract])


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")  # FineTuning → Fine Tuning; LoRA, MoE stay


@lru_cache(maxsize=8192)
def tag_forms(tag: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """A tag's words, and the phrases that name it: ``Supervised-FineTuning (SFT)`` →
    words (supervised, fine, tuning, sft); phrases "supervised fine tuning", "sft"."""
    words = tuple(english_words(_CAMEL.sub(" ", re.sub(r"[^A-Za-z0-9]+", " ", tag))))
    phrases = []
    for part in re.split(r"[()/]", tag):
        phrase = tuple(english_words(_CAMEL.sub(" ", re.sub(r"[^A-Za-z0-9]+", " ", part))))
        if phrase:
            phrases.append(phrase)
    return words, tuple(dict.fromkeys(phrases))


STEM = 5  # letters that make two words "the same word" for title_word: efficient ~ efficiency


def _stem(word: str) -> str:
    return word[:STEM]


@lru_cache(maxsize=8192)
def tag_stems(tag: str) -> frozenset[str]:
    """The beginnings of a tag's words of three letters or more: ``EfficiencyImprovement`` →
    {effic, impro}; ``3D (Video)`` → {video}."""
    return frozenset(_stem(w) for w in tag_forms(tag)[0] if len(w) > 2)


def _phrases(text: str) -> set[tuple[str, ...]]:
    """Every run of one to four words of a text, hyphens and slashes read as spaces."""
    words = english_words(re.sub(r"[-_/]", " ", text))
    return {tuple(words[i : i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}


def gather(
    paper: Paper,
    corpus: Corpus,
    *,
    exclude_ids: tuple[str, ...] = (),
    semantic: SemanticIndex | None = None,
    when: dt.date | None = None,
    references: Iterable[Reference] = (),
) -> Evidence:
    """Collect the evidence for ``paper``'s tags and related notes. Notes in ``exclude_ids`` are
    hidden completely: from the searches and their statistics, the tag counts, the neighbours in
    time, the authors' statistics and the links (a link to or from a hidden note is the owner's
    knowledge of it); notes on the same arXiv paper are hidden too. ``when`` is the date the note
    is made (today by default). ``references`` are the works the paper cites (see
    :mod:`autonote.sources.references`): the notes on them are candidates for related notes."""
    hidden = tuple(
        dict.fromkeys([*exclude_ids, *(corpus.ids_with_arxiv(paper.arxiv_id) if paper.arxiv_id else [])])
    )
    counts = corpus.tag_counts(exclude_ids=hidden)
    vocabulary = sorted({tag for tag, n in counts.items() if n > 0} | set(corpus.extra_vocabulary))
    index = corpus.index
    if index is None or not corpus.size:
        return Evidence({tag: {} for tag in vocabulary}, counts, "", [])

    query = query_terms(paper_query(paper))
    found = _search(paper, corpus, index, query, hidden, semantic, when)
    candidates = _candidates(found.hits, found.name_hits, found.by_name)
    _add_matches(candidates, found.named_hits, found.coverage, cited_ids(corpus, references, hidden))
    _add_graph(candidates, index, set(hidden))
    if not (found.hits[0].score if found.hits else 0.0):
        candidates.sort(
            key=lambda c: (-(c.name + c.authors + c.graph + c.title_match + c.named + c.cited), c.note_id)
        )
    features = _votes(found, index, vocabulary)
    venue = venue_tag(paper.venue)
    known_venue = bool(venue) and venue != "arXiv"
    _text_features(features, paper, counts, max(1, corpus.size - len(hidden)), venue if known_venue else "")
    known = venue if known_venue and venue in vocabulary else ""
    return Evidence(features, counts, known, candidates, query, hidden)


@dataclass
class _Searches:
    """What the index answers about a paper, the hidden notes left out."""

    hits: list[Hit]
    by_title: list[Hit]
    name_hits: list[Hit]
    coverage: dict[str, float]
    named_hits: list[Hit]
    authors: dict[str, float]
    by_name: dict[str, float]
    recent: list[str]


def _search(paper, corpus, index, query, hidden, semantic, when) -> _Searches:
    hits = index.search(query, DEPTH, hidden, explain=False)
    if semantic is not None:
        text = embedding_text(paper.title, paper.abstract)
        hits = fuse(hits, semantic.nearest(corpus, text, DEPTH, exclude_ids=hidden), DEPTH)
    names = short_names(paper.title)
    title_hits = index.search(field_query(query, TITLE_FIELD), NEAR, hidden, explain=False)
    return _Searches(
        hits=hits,
        by_title=index.search(query_terms(f"{paper.title}\n{paper.title}"), BY_TITLE, hidden, explain=False),
        name_hits=index.search({t: 1.0 for t in names}, NEAR, hidden, explain=False) if names else [],
        coverage=index.field_coverage(query, TITLE_FIELD, [h.note_id for h in title_hits], hidden),
        named_hits=index.search(field_query(query, NAME_FIELD), NEAR, hidden, explain=False),
        authors=index.author_matches(paper.authors, hidden, surnames=False),
        # a surname alone (a note known only by its title line's "Shao+") is a related note's
        # evidence, too weak a one for the tags (a common surname would vote with a whole note's tags)
        by_name=index.author_matches(paper.authors, hidden),
        recent=index.nearest_in_time(when or dt.date.today(), RECENT_WIDE, hidden),
    )


def _add_matches(
    candidates: list[Candidate], named_hits: list[Hit], coverage: dict[str, float], cited: list[str]
) -> None:
    """The notes found by name or by title, and the cited ones, on their candidates."""
    found = {c.note_id: c for c in candidates}
    named_top = named_hits[0].score if named_hits else 1.0  # its own scale: the best named note is 1
    matches = [(h.note_id, "named", h.score / named_top) for h in named_hits]
    # squared: a title the paper holds whole counts, one it holds a few common words of hardly
    # (on the dev sample, cross-fitted: recall at 5 0.712 instead of 0.683 with the plain share)
    matches += [(note_id, "title_match", share**2) for note_id, share in coverage.items()]
    matches += [(note_id, "cited", 1.0) for note_id in cited]
    for note_id, attribute, value in matches:
        if value <= 0:
            continue
        candidate = found.get(note_id)
        if candidate is None:
            candidate = found[note_id] = Candidate(note_id)
            candidates.append(candidate)
        setattr(candidate, attribute, value)


def _add_graph(candidates: list[Candidate], index, hidden: set[str]) -> None:
    """Notes linked with the nearest lexical candidates get their closeness as graph evidence."""
    nearest = [c for c in candidates[:GRAPH_FROM] if c.lexical > 0]
    for source, target in index.links([c.note_id for c in nearest]):
        if source in hidden or target in hidden:
            continue
        for near in nearest:
            other = target if source == near.note_id else source if target == near.note_id else None
            if other is not None and other != near.note_id:
                _candidate(candidates, other).graph += near.lexical


def _votes(found: _Searches, index, vocabulary: list[str]) -> dict[str, dict[str, float]]:
    """Each tag's votes from the notes near the paper (by text, title, time and coauthors)."""
    recent = found.recent
    wanted = {h.note_id for h in found.hits[:NEAR]} | {h.note_id for h in found.by_title}
    tags_of = index.tags_of_many(wanted | set(found.authors) | set(recent))
    features: dict[str, dict[str, float]] = {tag: {} for tag in vocabulary}

    def vote(name: str, weighted: list[tuple[str, float]]) -> None:
        total = sum(w for _, w in weighted)
        if total <= 0:
            return
        for note_id, weight in weighted:
            for tag in dict.fromkeys(tags_of.get(note_id, ())):
                if tag in features:
                    features[tag][name] = features[tag].get(name, 0.0) + weight / total

    vote("near", _similarity_weights(found.hits[:NEAR]))
    vote("title", _similarity_weights(found.by_title))
    vote("recent", [(note_id, 1.0) for note_id in recent[:RECENT]])
    vote("recent_wide", [(note_id, 1.0) for note_id in recent])
    vote("coauthors", sorted(found.authors.items()))
    return features


def _text_features(
    features: dict[str, dict[str, float]], paper: Paper, counts: Counter[str], notes_total: int, venue: str
) -> None:
    """Each tag's prior, its venue match (``venue``: the paper's known venue, else ""), and how
    the paper's text names it."""
    text_phrases = _phrases(f"{paper.title}\n{paper.abstract}")
    title_phrases = _phrases(paper.title)
    title_stems = {_stem(w) for w in english_words(re.sub(r"[-_/]", " ", paper.title))}
    words = set(english_words(f"{paper.title}\n{paper.abstract}"))
    for tag, found in features.items():
        found["prior"] = counts[tag] / notes_total
        if tag in VENUE_NAMES:
            if venue:
                found["venue" if tag == venue else "other_venue"] = 1.0
            continue
        tag_words, phrases = tag_forms(tag)
        if tag_words and all(w in words for w in tag_words):
            found["mention"] = 1.0
        if any(p in text_phrases for p in phrases):
            found["phrase"] = 1.0
        if any(p in title_phrases for p in phrases):
            found["title_phrase"] = 1.0
        if not tag_stems(tag).isdisjoint(title_stems):
            found["title_word"] = 1.0


ARXIV_DOI = "10.48550/arxiv."
ACL_DOI = "10.18653/v1/"


def cited_ids(corpus: Corpus, references: Iterable[Reference], hidden: Iterable[str] = ()) -> list[str]:
    """The notes of the corpus on the works in ``references``, matched by arXiv id, by arXiv DOI
    (``10.48550/arXiv.<id>``) and by ACL Anthology DOI (``10.18653/v1/<id>``, the note
    ``acl-<id>``); ``hidden`` notes are left out."""
    gone = set(hidden)
    found: list[str] = []
    for reference in references:
        arxiv_id = reference.arxiv_id
        doi = (reference.doi or "").lower()
        if not arxiv_id and doi.startswith(ARXIV_DOI):
            arxiv_id = doi[len(ARXIV_DOI) :]
        ids = corpus.ids_with_arxiv(arxiv_id) if arxiv_id else []
        if doi.startswith(ACL_DOI):
            acl = "acl-" + reference.doi[len(ACL_DOI) :]  # type: ignore[index]
            if acl in corpus.paths:
                ids = [*ids, acl]
        found.extend(i for i in ids if i not in gone)
    return list(dict.fromkeys(found))


def _similarity_weights(hits: list[Hit]) -> list[tuple[str, float]]:
    top = hits[0].score if hits else 0.0
    return [(h.note_id, (h.score / top) ** SHARPNESS) for h in hits] if top > 0 else []


def _candidates(hits: list[Hit], name_hits: list[Hit], authors: dict[str, float]) -> list[Candidate]:
    """Related-note candidates in the main search's order, then those found only by name or
    authors; lexical and name scores on the main search's scale (its best note is 1)."""
    top = hits[0].score if hits else 0.0
    scale = top or (name_hits[0].score if name_hits else 1.0)
    found = {
        h.note_id: Candidate(h.note_id, lexical=h.score / top if top else 0.0, cosine=h.cosine) for h in hits
    }
    for h in name_hits:
        candidate = found.setdefault(h.note_id, Candidate(h.note_id))
        candidate.name = h.score / scale
    for note_id, rarity in sorted(authors.items()):
        found.setdefault(note_id, Candidate(note_id)).authors = rarity
    return list(found.values())


def _candidate(candidates: list[Candidate], note_id: str) -> Candidate:
    for candidate in candidates:
        if candidate.note_id == note_id:
            return candidate
    candidates.append(Candidate(note_id))
    return candidates[-1]


def tag_scores(evidence: Evidence, weights: Weights) -> list[tuple[str, float]]:
    """Every vocabulary tag with its score, best first (ties: the more used tag, then by name)."""
    scores = {tag: weights.tag_probability(found) for tag, found in evidence.tags.items()}
    if evidence.venue:
        scores[evidence.venue] = max(scores.get(evidence.venue, 0.0), 1.0)
    counts = evidence.counts
    return sorted(scores.items(), key=lambda item: (-item[1], -counts[item[0]], item[0]))


def related_scores(evidence: Evidence, weights: Weights) -> list[tuple[Candidate, float]]:
    """Candidates with their scores, best first (ties keep the search's order)."""
    scored = [(c, weights.related_score(*candidate_features(c))) for c in evidence.candidates]
    order = sorted(range(len(scored)), key=lambda i: -scored[i][1])
    return [scored[i] for i in order if scored[i][1] > 0]


RELATED_FEATURES = ("lexical", "name", "authors", "graph", "title_match", "named", "cited")


def candidate_features(candidate: Candidate) -> tuple[float, ...]:
    """A candidate's evidence in the order of :data:`RELATED_FEATURES` (what the weights weigh)."""
    return tuple(getattr(candidate, name) for name in RELATED_FEATURES)


def rank(
    evidence: Evidence, corpus: Corpus, weights: Weights, *, k_tags: int = 30, k_related: int = 8
) -> Suggestions:
    tags = [TagSuggestion(tag, round(score, 4)) for tag, score in tag_scores(evidence, weights)[:k_tags]]
    chosen: list[tuple[Candidate, float, Note]] = []
    for candidate, score in related_scores(evidence, weights):
        if len(chosen) >= k_related:
            break
        note = corpus.get(candidate.note_id)
        if note is not None:
            chosen.append((candidate, score, note))
    shared = (
        corpus.index.shared_terms(evidence.query, [c.note_id for c, _, _ in chosen], evidence.hidden)
        if corpus.index is not None and chosen
        else {}
    )
    related = [
        RelatedSuggestion(note, round(score, 3), _why(candidate, shared.get(candidate.note_id, [])))
        for candidate, score, note in chosen
    ]
    return Suggestions(tags=tags, related=related)


def suggest(
    paper: Paper,
    corpus: Corpus,
    *,
    k_tags: int = 30,
    k_related: int = 8,
    exclude_ids: tuple[str, ...] = (),
    semantic: SemanticIndex | None = None,
    weights: Weights | None = None,
    when: dt.date | None = None,
    references: Iterable[Reference] = (),
) -> Suggestions:
    """Rank tags and related notes for ``paper``. ``exclude_ids`` hides notes completely (the
    leave-one-out evaluation hides the note being predicted); notes on the same arXiv paper are
    never 'related' to it. ``weights`` default to those fitted on this corpus by
    ``autonote eval --fit``, else to :data:`~autonote.corpus.weights.DEFAULT_WEIGHTS`."""
    evidence = gather(
        paper, corpus, exclude_ids=exclude_ids, semantic=semantic, when=when, references=references
    )
    chosen = weights or weights_for(corpus.root if corpus.index is not None else None)
    return rank(evidence, corpus, chosen, k_tags=k_tags, k_related=k_related)


def _why(candidate: Candidate, shared: list[str]) -> str:
    reasons = ["shared terms: " + ", ".join(shared)] if shared else []
    if candidate.authors > 0:
        reasons.append("shared authors")
    if candidate.graph > 0:
        reasons.append("linked with a nearest note")
    if candidate.title_match > 0:
        reasons.append("its title's words")
    if candidate.named > 0:
        reasons.append("named in the abstract")
    if candidate.cited > 0:
        reasons.append("cited by the paper")
    if candidate.cosine is not None:
        reasons.append(f"similar meaning (cosine {candidate.cosine:.2f})")
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
