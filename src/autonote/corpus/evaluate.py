"""Leave-one-out evaluation of the suggester against what the owner actually chose, and fitting
its weights on the owner's corpus.

For each note with an abstract: hide it, suggest from its title, authors, venue, abstract and issue
date alone, and compare

- the top-k tags with the note's own tags (precision, recall, F1 at k, averaged over notes);
- the top-k related notes with the notes its owner linked (recall at k, over notes that link at least
  one other note present in the corpus).

Hiding is complete: the note is out of the index statistics, the tag counts, the neighbours in time,
the authors' statistics, and every link from or to it (see :func:`autonote.corpus.suggest.gather`);
the text of links between notes is never indexed (a link's text is the linked note's title).

Two baselines run on the same protocol: the k most frequent tags, and random notes (their tags
voted like neighbours', averaged over several draws; for related notes, the exact expectation of a
random ranking, k / (N - 1)).

Fitting (``autonote eval --fit``): the tag model is a logistic regression over the evidence of
every (note, tag) pair, each note's evidence gathered with the note hidden; the related-note weights
are chosen on a small grid by recall. The fitted weights are scored honestly by cross-fitting: the
notes are split into folds, and each fold is scored with weights fitted on the other folds, whose
evidence was gathered with the whole scored fold hidden too, so no scored note contributes to the
weights it is scored with.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autonote.corpus.embeddings import SemanticIndex
from autonote.corpus.suggest import RELATED_FEATURES, Evidence, gather, related_scores, tag_scores
from autonote.corpus.view import Corpus
from autonote.corpus.weights import DEFAULT_WEIGHTS, RELATED_WEIGHTS, TAG_FEATURES, Weights
from autonote.schema import Note, paper_from_note

if TYPE_CHECKING:
    from autonote.sources.references import Reference

RANDOM_DRAWS = 20
FOLDS = 5
MAX_FIT_ROWS = 400_000  # (note, tag) rows a fit uses at most; notes are sampled beyond that
MIN_LINKED = 10  # notes with links needed to fit the related-note weights
L2 = 1.0  # ridge penalty of the tag model, on standardised features
NAME_GRID = (0.0, 0.5, 1.0, 2.0)
AUTHORS_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)
GRAPH_GRID = (0.0, 0.1, 0.25, 0.5)
TITLE_MATCH_GRID = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
NAMED_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
CITED_GRID = (0.0, 0.5, 1.0, 2.0)
GRIDS = {
    "name": NAME_GRID,
    "authors": AUTHORS_GRID,
    "graph": GRAPH_GRID,
    "title_match": TITLE_MATCH_GRID,
    "named": NAMED_GRID,
    "cited": CITED_GRID,
}
# The related weights are searched in two passes (a grid over all six at once is too many points):
# first the first three, then the other three with the first ones fixed.
GRID_PASSES = (("name", "authors", "graph"), ("title_match", "named", "cited"))


@dataclass
class MethodScores:
    """Sums over evaluated notes; divide by the counts for means."""

    tag_precision: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    tag_recall: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    tag_f1: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    related_recall: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    # the same, over only the linked notes with an abstract, and only those without one
    related_recall_with_abstract: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    related_recall_without_abstract: defaultdict[int, float] = field(
        default_factory=lambda: defaultdict(float)
    )
    ranks_related: bool = True

    def add_tags(self, k: int, ranked: list[str], truth: set[str]) -> None:
        hits = len(set(ranked[:k]) & truth)
        precision, recall = hits / k, hits / len(truth)
        self.tag_precision[k] += precision
        self.tag_recall[k] += recall
        self.tag_f1[k] += 2 * precision * recall / (precision + recall) if hits else 0.0

    def add_related(
        self, k: int, ranked: list[str], linked: set[str], bare: frozenset[str] | set[str] = frozenset()
    ) -> None:
        """Recall of ``linked`` in the top ``k``; ``bare`` are the linked notes without an abstract."""
        top = set(ranked[:k])
        self.related_recall[k] += len(top & linked) / len(linked)
        for part, total in (
            (linked - bare, self.related_recall_with_abstract),
            (bare & linked, self.related_recall_without_abstract),
        ):
            if part:
                total[k] += len(top & part) / len(part)


RELATED_METRICS = ("related_recall", "related_recall_with_abstract", "related_recall_without_abstract")


@dataclass
class EvalReport:
    ks: tuple[int, ...]
    notes: int = 0  # notes evaluated for tags
    notes_with_links: int = 0  # notes evaluated for related notes
    links_with_abstract: int = 0  # ... of which link a note with an abstract
    links_without_abstract: int = 0  # ... of which link a note without one (a blog post, a stub)
    corpus_size: int = 0
    mean_tags: float = 0.0
    unreachable_tags: int = 0  # owner's tags used by no other note: no suggester can find them
    methods: dict[str, MethodScores] = field(default_factory=dict)

    def mean(self, method: str, metric: str, k: int) -> float | None:
        if metric.startswith("related_recall") and not self.methods[method].ranks_related:
            return None
        total = getattr(self.methods[method], metric)[k]
        count = {
            "related_recall": self.notes_with_links,
            "related_recall_with_abstract": self.links_with_abstract,
            "related_recall_without_abstract": self.links_without_abstract,
        }.get(metric, self.notes)
        return total / count if count else None

    def to_json(self) -> dict[str, object]:
        metrics = ("tag_precision", "tag_recall", "tag_f1", *RELATED_METRICS)
        return {
            "notes": self.notes,
            "notes_with_links": self.notes_with_links,
            "notes_linking_notes_with_abstract": self.links_with_abstract,
            "notes_linking_notes_without_abstract": self.links_without_abstract,
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


@dataclass
class Case:
    """One note to evaluate: what the owner chose, and the evidence gathered with it hidden."""

    note: Note
    tags: set[str]
    linked: set[str]
    evidence: Evidence
    bare: set[str] = field(default_factory=set)  # the linked notes without an abstract
    _arrays: tuple[Any, ...] | None = field(default=None, repr=False)
    _matrix: tuple[Any, Any] | None = field(default=None, repr=False)

    def tag_matrix(self) -> tuple[Any, Any]:
        """Every vocabulary tag's evidence as a matrix (columns: :data:`TAG_FEATURES`) and whether
        the owner chose it, in the order of ``evidence.tags``."""
        if self._matrix is None:
            import numpy as np

            found = self.evidence.tags
            x = np.zeros((len(found), len(TAG_FEATURES)))
            column = {name: i for i, name in enumerate(TAG_FEATURES)}
            for row, features in enumerate(found.values()):
                for name, value in features.items():
                    x[row, column[name]] = value
            y = np.array([tag in self.tags for tag in found], dtype=np.float64)
            self._matrix = (x, y)
        return self._matrix

    def related_arrays(self) -> tuple[Any, ...]:
        """The candidates' evidence as arrays (:data:`RELATED_FEATURES`, then linked?), for
        scoring many weights fast; the same order as ``evidence.candidates``."""
        if self._arrays is None:
            import numpy as np

            found = self.evidence.candidates
            columns = [[getattr(c, name) for c in found] for name in RELATED_FEATURES]
            linked = np.array([c.note_id in self.linked for c in found], dtype=bool)
            self._arrays = (*(np.asarray(column, dtype=np.float64) for column in columns), linked)
        return self._arrays


def evaluable(corpus: Corpus) -> list[Note]:
    """Notes with an abstract and tags or links to other notes of the corpus."""
    present = set(corpus.paths)
    found = []
    for note in corpus.notes:
        linked = {r.id for r in note.related if r.id in present and r.id != note.id}
        if note.abstract.strip() and (note.tags or linked):
            found.append(note)
    return found


def gather_cases(
    corpus: Corpus,
    notes: Iterable[Note],
    *,
    hide: Iterable[str] = (),
    semantic: SemanticIndex | None = None,
    progress: Callable[[], None] | None = None,
    references_of: Callable[[Note], Sequence[Reference]] | None = None,
) -> list[Case]:
    """Each note's evidence with the note hidden (and ``hide``, e.g. a fold being scored);
    ``progress`` is called after each note. ``references_of`` gives a note's reference list
    (none by default: ``autonote eval`` fetches nothing, so its scores have no reference signal;
    ``bench/suggest_quality.py`` passes a simulated one, and says so)."""
    present = set(corpus.paths)
    also = tuple(hide)
    cases = []
    for note in notes:
        evidence = gather(
            paper_from_note(note),
            corpus,
            exclude_ids=(note.id, *also),
            semantic=semantic,
            when=note.issue_date,
            references=references_of(note) if references_of is not None else (),
        )
        linked = {r.id for r in note.related if r.id in present and r.id != note.id and r.id not in also}
        bare = {i for i in linked if (other := corpus.get(i)) is not None and not other.abstract.strip()}
        cases.append(Case(note, set(note.tags), linked, evidence, bare))
        if progress is not None:
            progress()
    return cases


def _score(
    cases: Sequence[Case], ks: tuple[int, ...], method: MethodScores, weights_of: Callable[[Case], Weights]
) -> None:
    for case in cases:
        weights = weights_of(case)
        if case.tags:
            ranked = [tag for tag, _ in tag_scores(case.evidence, weights)]
            for k in ks:
                method.add_tags(k, ranked, case.tags)
        if case.linked:
            found = [c.note_id for c, _ in related_scores(case.evidence, weights)]
            for k in ks:
                method.add_related(k, found, case.linked, case.bare)


def evaluate(
    corpus: Corpus,
    ks: tuple[int, ...] = (5, 10),
    seed: int = 0,
    semantic: SemanticIndex | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    cases: list[Case] | None = None,
    progress: Callable[[], None] | None = None,
) -> EvalReport:
    """Scores of the suggester with ``weights`` and of the baselines, leave-one-out
    (``progress`` is called after each note's evidence is gathered)."""
    rng = random.Random(seed)
    notes = corpus.notes
    corpus.by_id  # noqa: B018 - parse once; suggestions then read notes from memory
    if cases is None:
        cases = gather_cases(corpus, evaluable(corpus), semantic=semantic, progress=progress)
    report = EvalReport(ks=ks, corpus_size=len(notes))
    ours, frequent, random_notes = MethodScores(), MethodScores(ranks_related=False), MethodScores()
    report.methods = {"autonote suggest": ours, "most frequent tags": frequent, "random notes": random_notes}
    _score(cases, ks, ours, lambda _: weights)
    tag_totals = 0
    for case in cases:
        others = [n for n in notes if n.id != case.note.id]
        if case.tags:
            report.notes += 1
            tag_totals += len(case.tags)
            counts = case.evidence.counts
            report.unreachable_tags += sum(1 for tag in case.tags if counts[tag] <= 0)
            by_frequency = [tag for tag, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])) if n > 0]
            for k in ks:
                frequent.add_tags(k, by_frequency, case.tags)
                draws = MethodScores()
                for _ in range(RANDOM_DRAWS):
                    draws.add_tags(k, _random_note_tags(rng, others, k), case.tags)
                for metric in ("tag_precision", "tag_recall", "tag_f1"):
                    getattr(random_notes, metric)[k] += getattr(draws, metric)[k] / RANDOM_DRAWS
        if case.linked:
            report.notes_with_links += 1
            report.links_with_abstract += bool(case.linked - case.bare)
            report.links_without_abstract += bool(case.bare)
            candidates = len(notes) - 1
            for k in ks:
                expected = min(k, candidates) / candidates if candidates else 0.0
                random_notes.related_recall[k] += expected
                random_notes.related_recall_with_abstract[k] += expected * bool(case.linked - case.bare)
                random_notes.related_recall_without_abstract[k] += expected * bool(case.bare)
    report.mean_tags = tag_totals / report.notes if report.notes else 0.0
    return report


def _random_note_tags(rng: random.Random, others: list[Note], k: int) -> list[str]:
    """Tags voted by k random notes, most voted first (ties in random order)."""
    votes: Counter[str] = Counter()
    for other in rng.sample(others, min(k, len(others))):
        votes.update(list(dict.fromkeys(other.tags)))  # not a set: its order changes with the hash seed
    tags = list(votes)
    rng.shuffle(tags)
    return sorted(tags, key=lambda t: -votes[t])


# -- fitting --------------------------------------------------------------------------------------


def fit_weights(
    cases: Sequence[Case],
    base: Weights | None = DEFAULT_WEIGHTS,
    *,
    features: Sequence[str] = TAG_FEATURES,
    related: Sequence[str] = RELATED_WEIGHTS,
    seed: int = 0,
) -> Weights:
    """Weights fitted on ``cases``: the tag model over ``features`` (the others get 0) and the
    related-note weights named in ``related`` (the others 0).

    Each part is kept only if it beats ``base``'s in an inner cross-validation over ``cases``
    (a small corpus fits noise: its notes say less than the defaults, fitted on 300 notes, do);
    the related part needs at least :data:`MIN_LINKED` notes with links. ``base`` None fits
    without that check (what the defaults themselves were made with). ``fitted`` records which
    parts were fitted."""
    check = base is not None
    base = base or DEFAULT_WEIGHTS
    tagged = [c for c in cases if c.tags]
    linked = [c for c in cases if c.linked]
    grid = {name: values if name in related else (0.0,) for name, values in GRIDS.items()}
    reduced = base.with_changes(
        tag={name: base.tag.get(name, 0.0) if name in features else 0.0 for name in TAG_FEATURES},
        **{k: getattr(base, k) if k in related else 0.0 for k in grid},
    )

    def fit_tags(train: Sequence[Case]) -> Weights:
        bias, tag = _fit_tags(train, list(features), seed)
        return reduced.with_changes(tag_bias=bias, tag={name: tag.get(name, 0.0) for name in TAG_FEATURES})

    tags_fitted = len(tagged) >= FOLDS and (not check or _beats(tagged, fit_tags, reduced, _tag_f1, seed))
    weights = fit_tags(tagged) if tags_fitted else reduced

    def fit_related(train: Sequence[Case]) -> Weights:
        return _fit_related(train, weights, grid)

    related_fitted = len(linked) >= MIN_LINKED and (
        not check or _beats(linked, fit_related, weights, _recall, seed)
    )
    if related_fitted:
        weights = fit_related(linked)
    return weights.with_changes(
        fitted={
            "notes": len(tagged),
            "notes_with_links": len(linked),
            "tags": "fitted" if tags_fitted else "defaults",
            "related": "fitted" if related_fitted else "defaults",
        }
    )


def _tag_f1(cases: Sequence[Case], weights: Weights) -> float:
    method = MethodScores()
    for case in cases:
        method.add_tags(5, [tag for tag, _ in tag_scores(case.evidence, weights)], case.tags)
    return method.tag_f1[5] / len(cases)


def _recall(cases: Sequence[Case], weights: Weights) -> float:
    """Mean of recall at 5 and 10 (the ranking of :func:`related_scores`, computed on arrays)."""
    import numpy as np

    total = 0.0
    for case in cases:
        *features, linked = case.related_arrays()
        scores = weights.related_score(*features)
        order = np.argsort(-scores, kind="stable")[:10]
        order = order[scores[order] > 0]
        hits = linked[order]
        total += (hits[:5].sum() + hits.sum()) / (2 * len(case.linked))
    return float(total / len(cases))


def _beats(
    cases: Sequence[Case],
    fit: Callable[[Sequence[Case]], Weights],
    base: Weights,
    measure: Callable[[Sequence[Case], Weights], float],
    seed: int,
) -> bool:
    """Whether fitting on part of ``cases`` scores better on the rest than ``base`` does
    (an inner cross-validation)."""
    order = list(range(len(cases)))
    random.Random(seed + 1).shuffle(order)
    fitted = kept = 0.0
    for fold in range(FOLDS):
        held = [cases[i] for j, i in enumerate(order) if j % FOLDS == fold]
        train = [cases[i] for j, i in enumerate(order) if j % FOLDS != fold]
        if not held or not train:
            continue
        fitted += measure(held, fit(train)) * len(held)
        kept += measure(held, base) * len(held)
    return fitted > kept


def _fit_tags(cases: Sequence[Case], features: list[str], seed: int) -> tuple[float, dict[str, float]]:
    """Logistic regression (Newton's method, ridge on standardised features) of 'the owner chose
    this tag' on the evidence, over every vocabulary tag of every case."""
    import numpy as np

    rows_per_case = max(1, len(cases[0].evidence.tags))
    if len(cases) * rows_per_case > MAX_FIT_ROWS:
        cases = random.Random(seed).sample(list(cases), max(1, MAX_FIT_ROWS // rows_per_case))
    columns = [TAG_FEATURES.index(name) for name in features]
    x = np.vstack([case.tag_matrix()[0][:, columns] for case in cases])
    y = np.concatenate([case.tag_matrix()[1] for case in cases])
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread[spread == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / spread])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -35, 35)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    coefficients = w[1:] / spread
    bias = float(w[0] - (coefficients * mean).sum())
    return bias, {name: float(c) for name, c in zip(features, coefficients, strict=True)}


def _fit_related(cases: Sequence[Case], weights: Weights, grid: dict[str, tuple[float, ...]]) -> Weights:
    """The grid point with the best mean of recall at 5 and 10, searched pass by pass
    (:data:`GRID_PASSES`); ties go to the current weights, then to smaller weights."""
    import itertools

    best = weights
    for names in GRID_PASSES:
        current = tuple(getattr(best, name) for name in names)
        best_key, chosen = None, best
        for point in itertools.product(*(grid[name] for name in names)):
            choice = best.with_changes(**dict(zip(names, point, strict=True)))
            key = (round(_recall(cases, choice), 9), point == current, -sum(point))
            if best_key is None or key > best_key:
                best_key, chosen = key, choice
        best = chosen
    return best


@dataclass
class FitReport:
    report: EvalReport  # defaults and cross-fitted weights, with the baselines
    weights: Weights  # fitted on every note, to be stored
    folds: int


FITTED = "autonote suggest, fitted (cross-fitted)"


def cross_fit(
    corpus: Corpus,
    ks: tuple[int, ...] = (5, 10),
    *,
    folds: int = FOLDS,
    seed: int = 0,
    semantic: SemanticIndex | None = None,
    features: Sequence[str] = TAG_FEATURES,
    related: Sequence[str] = RELATED_WEIGHTS,
    base: Weights | None = DEFAULT_WEIGHTS,
    cases: list[Case] | None = None,
    fold_cases: list[list[Case]] | None = None,
    progress: Callable[[], None] | None = None,
) -> FitReport:
    """Fit weights on the corpus, and score the fitting honestly by cross-fitting (see the module
    docstring). ``cases`` / ``fold_cases`` reuse evidence already gathered (see :func:`fold_evidence`);
    ``features``, ``related`` and ``base`` are passed to :func:`fit_weights`."""
    if cases is None:
        cases = gather_cases(corpus, evaluable(corpus), semantic=semantic, progress=progress)
    report = evaluate(corpus, ks, seed, semantic, DEFAULT_WEIGHTS, cases)
    folds = max(2, min(folds, len(cases)))
    if fold_cases is None:
        fold_cases = fold_evidence(
            corpus, cases, folds=folds, seed=seed, semantic=semantic, progress=progress
        )
    assignment = _folds(cases, folds, seed)
    fitted_per_fold = [
        fit_weights(train, base, features=features, related=related, seed=seed) for train in fold_cases
    ]
    chosen: dict[str, Weights] = {case.note.id: fitted_per_fold[assignment[case.note.id]] for case in cases}
    method = MethodScores()
    _score(cases, ks, method, lambda case: chosen[case.note.id])
    report.methods = {"autonote suggest": report.methods["autonote suggest"], FITTED: method} | {
        k: v for k, v in report.methods.items() if k != "autonote suggest"
    }
    weights = fit_weights(cases, base, features=features, related=related, seed=seed)
    fitted = dict(weights.fitted)
    fitted.update(
        date=dt.date.today().isoformat(),
        folds=folds,
        folds_fitted={
            part: sum(1 for w in fitted_per_fold if w.fitted.get(part) == "fitted")
            for part in ("tags", "related")
        },
        cross_fitted={
            metric: report.mean(FITTED, metric, k)
            for metric, k in (("tag_f1", 5), ("related_recall", 10))
            if k in ks
        },
    )
    return FitReport(report, weights.with_changes(fitted=fitted), folds)


def _folds(cases: Sequence[Case], folds: int, seed: int) -> dict[str, int]:
    order = sorted(case.note.id for case in cases)
    random.Random(seed).shuffle(order)
    return {note_id: i % folds for i, note_id in enumerate(order)}


def fold_evidence(
    corpus: Corpus,
    cases: Sequence[Case],
    *,
    folds: int = FOLDS,
    seed: int = 0,
    semantic: SemanticIndex | None = None,
    progress: Callable[[], None] | None = None,
) -> list[list[Case]]:
    """For each fold, the other folds' cases with their evidence gathered with the fold hidden:
    what the weights scoring that fold may be fitted on."""
    assignment = _folds(cases, folds, seed)
    found = []
    for fold in range(folds):
        scored = [c.note.id for c in cases if assignment[c.note.id] == fold]
        train = [c.note for c in cases if assignment[c.note.id] != fold]
        found.append(gather_cases(corpus, train, hide=scored, semantic=semantic, progress=progress))
    return found


def format_table(report: EvalReport) -> str:
    """A markdown table: one row per method."""
    columns = [("tag_precision", "tag P"), ("tag_recall", "tag R"), ("tag_f1", "tag F1")]
    header = [f"{label}@{k}" for k in report.ks for _, label in columns]
    header += [f"related R@{k}" for k in report.ks]
    last = max(report.ks)
    header += [f"R@{last} to notes with abstract", f"R@{last} to notes without"]
    lines = ["| method | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for name in report.methods:
        cells = [_cell(report.mean(name, metric, k)) for k in report.ks for metric, _ in columns]
        cells += [_cell(report.mean(name, "related_recall", k)) for k in report.ks]
        cells += [_cell(report.mean(name, metric, last)) for metric in RELATED_METRICS[1:]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
