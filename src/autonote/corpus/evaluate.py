"""Leave-one-out evaluation of the suggester against what the owner actually chose.

For each note with an abstract: hide it (from the index statistics too), suggest from its title,
authors, venue and abstract alone, and compare

- the top-k tags with the note's own tags (precision, recall, F1 at k, averaged over notes);
- the top-k related notes with the notes its owner linked (recall at k, over notes that link at least
  one other note present in the corpus).

Two baselines run on the same hidden-note protocol: the k most frequent tags, and random notes (their
tags voted like neighbours', averaged over several draws; for related notes, the exact expectation
of a random ranking, k / (N - 1)).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from autonote.corpus.embeddings import SemanticIndex
from autonote.corpus.suggest import suggest
from autonote.corpus.view import Corpus
from autonote.schema import Note, paper_from_note

RANDOM_DRAWS = 20


@dataclass
class MethodScores:
    """Sums over evaluated notes; divide by the counts for means."""

    tag_precision: Counter[int] = field(default_factory=Counter)
    tag_recall: Counter[int] = field(default_factory=Counter)
    tag_f1: Counter[int] = field(default_factory=Counter)
    related_recall: Counter[int] = field(default_factory=Counter)
    ranks_related: bool = True

    def add_tags(self, k: int, ranked: list[str], truth: set[str]) -> None:
        hits = len(set(ranked[:k]) & truth)
        precision, recall = hits / k, hits / len(truth)
        self.tag_precision[k] += precision
        self.tag_recall[k] += recall
        self.tag_f1[k] += 2 * precision * recall / (precision + recall) if hits else 0.0


@dataclass
class EvalReport:
    ks: tuple[int, ...]
    notes: int = 0  # notes evaluated for tags
    notes_with_links: int = 0  # notes evaluated for related notes
    corpus_size: int = 0
    mean_tags: float = 0.0
    unreachable_tags: int = 0  # owner's tags used by no other note: no suggester can find them
    methods: dict[str, MethodScores] = field(default_factory=dict)

    def mean(self, method: str, metric: str, k: int) -> float | None:
        if metric == "related_recall" and not self.methods[method].ranks_related:
            return None
        total = getattr(self.methods[method], metric)[k]
        count = self.notes_with_links if metric == "related_recall" else self.notes
        return total / count if count else None

    def to_json(self) -> dict[str, object]:
        metrics = ("tag_precision", "tag_recall", "tag_f1", "related_recall")
        return {
            "notes": self.notes,
            "notes_with_links": self.notes_with_links,
            "corpus_size": self.corpus_size,
            "mean_tags_per_note": round(self.mean_tags, 2),
            "unreachable_tags": self.unreachable_tags,
            "methods": {
                name: {
                    f"{metric}@{k}": _round(self.mean(name, metric, k)) for metric in metrics for k in self.ks
                }
                for name in self.methods
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def evaluate(
    corpus: Corpus, ks: tuple[int, ...] = (5, 10), seed: int = 0, semantic: SemanticIndex | None = None
) -> EvalReport:
    rng = random.Random(seed)
    notes = corpus.notes
    corpus.by_id  # noqa: B018 - parse once; suggest() then reads notes from memory
    ids = [note.id for note in notes]
    present = set(ids)
    report = EvalReport(ks=ks, corpus_size=len(notes))
    ours, frequent, random_notes = MethodScores(), MethodScores(ranks_related=False), MethodScores()
    report.methods = {"autonote suggest": ours, "most frequent tags": frequent, "random notes": random_notes}
    depth = max(ks)
    tag_totals = 0

    for note in notes:
        if not note.abstract.strip():
            continue
        truth_tags = set(note.tags)
        linked = {r.id for r in note.related if r.id in present and r.id != note.id}
        if not truth_tags and not linked:
            continue
        suggestions = suggest(
            paper_from_note(note), corpus, k_tags=depth, k_related=depth, exclude_ids=(note.id,)
        )
        if truth_tags:
            report.notes += 1
            tag_totals += len(truth_tags)
            counts = corpus.tag_counts(exclude_ids=(note.id,))
            report.unreachable_tags += sum(1 for tag in truth_tags if counts[tag] <= 0)
            ranked = [t.tag for t in suggestions.tags]
            by_frequency = [tag for tag, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])) if n > 0]
            others = [n for n in notes if n.id != note.id]
            for k in ks:
                ours.add_tags(k, ranked, truth_tags)
                frequent.add_tags(k, by_frequency, truth_tags)
                draws = MethodScores()
                for _ in range(RANDOM_DRAWS):
                    draws.add_tags(k, _random_note_tags(rng, others, k), truth_tags)
                for metric in ("tag_precision", "tag_recall", "tag_f1"):
                    getattr(random_notes, metric)[k] += getattr(draws, metric)[k] / RANDOM_DRAWS
        if linked:
            report.notes_with_links += 1
            found = [r.note.id for r in suggestions.related]
            candidates = len(notes) - 1
            for k in ks:
                ours.related_recall[k] += len(set(found[:k]) & linked) / len(linked)
                random_notes.related_recall[k] += min(k, candidates) / candidates if candidates else 0.0
    report.mean_tags = tag_totals / report.notes if report.notes else 0.0
    return report


def _random_note_tags(rng: random.Random, others: list[Note], k: int) -> list[str]:
    """Tags voted by k random notes, most voted first (ties in random order)."""
    votes: Counter[str] = Counter()
    for other in rng.sample(others, min(k, len(others))):
        votes.update(set(other.tags))
    tags = list(votes)
    rng.shuffle(tags)
    return sorted(tags, key=lambda t: -votes[t])


def format_table(report: EvalReport) -> str:
    """A markdown table: one row per method."""
    columns = [("tag_precision", "tag P"), ("tag_recall", "tag R"), ("tag_f1", "tag F1")]
    header = [f"{label}@{k}" for k in report.ks for _, label in columns]
    header += [f"related R@{k}" for k in report.ks]
    lines = ["| method | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for name in report.methods:
        cells = [_cell(report.mean(name, metric, k)) for k in report.ks for metric, _ in columns]
        cells += [_cell(report.mean(name, "related_recall", k)) for k in report.ks]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
