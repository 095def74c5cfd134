"""Suggestion quality on the real samples in ../shared/corpus, feature by feature.

For each sample (the 398-note dev sample and the 30-note CVPR sample), imported into a temporary
corpus with `autonote import paper-notes-xml`, prints leave-one-out tables (see
autonote/corpus/evaluate.py for the protocol and how hiding stays complete):

1. the built-in weights (fitted on the dev sample: in-sample there, out-of-sample on CVPR), what
   `autonote eval --fit` would store and how it scores by cross-fitting, and the baselines;
2. each feature removed: the weights refitted without it, scored by cross-fitting (5 folds, each
   fold scored by weights fitted on the others, whose evidence was gathered with that fold hidden);
3. features added one group at a time, scored the same way;
4. the related-note signals one at a time, before and after (built-in weights, the others as
   built in), with related recall at 10 split by whether the linked note has an abstract.

The reference signal needs each paper's reference list, which `eval` does not fetch (it runs
offline) and which is not recorded for the samples. Its row is therefore a *simulation*, labelled
as one: the reference list of a hidden note is taken to be every note it links whose arXiv id is
older than its own (what a perfect reference list would give: an upper bound on what the signal
can add, not a measurement of Semantic Scholar's lists).

Run: `.venv/bin/python bench/suggest_quality.py [--sample dev|cvpr|both]`. Takes a few minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from autonote.corpus.evaluate import (
    FITTED,
    EvalReport,
    cross_fit,
    evaluable,
    evaluate,
    fold_evidence,
    gather_cases,
)
from autonote.corpus.view import Corpus, load_corpus
from autonote.corpus.weights import DEFAULT_WEIGHTS, RELATED_WEIGHTS, TAG_FEATURES
from autonote.schema import Note
from autonote.sources.references import Reference

REPO = Path(__file__).resolve().parents[1]
SAMPLES = {
    "dev": REPO.parent / "shared" / "corpus" / "paper_notes_dev.xml",
    "cvpr": REPO.parent / "shared" / "corpus" / "paper_notes_CVPR.xml",
}
RELATED = RELATED_WEIGHTS
# Features added one group at a time, starting from what the suggester used before (the 25 nearest
# notes' tags, the corpus share, tag words in the text, the venue).
GROUPS = [
    ("near notes, corpus share, tag words, venue", ("near", "prior", "mention", "venue", "other_venue"), ()),
    ("+ nearest by title", ("title",), ()),
    ("+ tag names as phrases (title, text)", ("phrase", "title_phrase"), ()),
    ("+ tag words beginning title words", ("title_word",), ()),
    ("+ notes nearest in time (10, 50)", ("recent", "recent_wide"), ()),
    ("+ shared authors", ("coauthors",), ("authors",)),
    ("+ short names (related)", (), ("name",)),
    ("+ links of the nearest notes (related)", (), ("graph",)),
    ("+ title match of notes without abstract (related)", (), ("title_match",)),
    ("+ short names the abstract mentions (related)", (), ("named",)),
]
NEW_SIGNALS = ("title_match", "named", "cited")
COLUMNS = [
    ("tag_f1", 5),
    ("tag_f1", 10),
    ("tag_precision", 5),
    ("tag_recall", 5),
    ("related_recall", 5),
    ("related_recall", 10),
    ("related_recall_with_abstract", 10),
    ("related_recall_without_abstract", 10),
]


def import_sample(xml: Path, folder: Path) -> Path:
    root = folder / xml.stem
    root.mkdir()
    autonote = Path(sys.executable).with_name("autonote")
    subprocess.run(
        [str(autonote), "import", "paper-notes-xml", str(xml), "--corpus", str(root)],
        check=True,
        capture_output=True,
    )
    return root


def row(name: str, report: EvalReport, method: str) -> str:
    cells = []
    for metric, k in COLUMNS:
        value = report.mean(method, metric, k)
        cells.append("n/a" if value is None else f"{value:.3f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def header() -> str:
    labels = {
        "tag_f1": "tag F1",
        "tag_precision": "tag P",
        "tag_recall": "tag R",
        "related_recall": "related R",
        "related_recall_with_abstract": "R to notes with abstract",
        "related_recall_without_abstract": "R to notes without",
    }
    names = [f"{labels[m]}@{k}" for m, k in COLUMNS]
    return "| weights | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names)


def run(name: str, xml: Path, folder: Path) -> None:
    started = time.perf_counter()
    corpus = load_corpus(import_sample(xml, folder))
    cases = gather_cases(corpus, evaluable(corpus))
    folds = fold_evidence(corpus, cases)
    report = evaluate(corpus, cases=cases)
    print(f"## {name}: {xml.name}")
    print()
    print(
        f"{report.notes} notes with an abstract and tags ({report.corpus_size} in the corpus, {report.mean_tags:.1f} tags"
        f" each, {report.unreachable_tags} tag uses no other note has); {report.notes_with_links} notes link another"
        " note of the sample."
    )
    print()
    as_eval = cross_fit(corpus, cases=cases, fold_cases=folds)
    free = cross_fit(corpus, cases=cases, fold_cases=folds, base=None)
    print(header())
    print(row("built-in weights", report, "autonote suggest"))
    print(row("`eval --fit` (cross-fitted; keeps built-in parts it cannot beat)", as_eval.report, FITTED))
    print(row("fitted on the sample alone (cross-fitted)", free.report, FITTED))
    print(row("most frequent tags", report, "most frequent tags"))
    print(row("random notes", report, "random notes"))
    print()
    kept = as_eval.weights.fitted.get("folds_fitted", {})
    print(
        f"`eval --fit` fitted the tag weights in {kept.get('tags')} of 5 folds, the related weights in {kept.get('related')}."
    )
    print()
    print("Each feature removed (refitted without it, cross-fitted):")
    print()
    print(header())
    print(row("all features", free.report, FITTED))
    for feature in (*TAG_FEATURES, *RELATED):
        tags = tuple(f for f in TAG_FEATURES if f != feature)
        related = tuple(f for f in RELATED if f != feature)
        fitted = cross_fit(corpus, cases=cases, fold_cases=folds, base=None, features=tags, related=related)
        print(row(f"− {feature}", fitted.report, FITTED))
    print()
    print("Features added one group at a time (cross-fitted):")
    print()
    print(header())
    tags, related = (), ()
    for label, more_tags, more_related in GROUPS:
        tags, related = (*tags, *more_tags), (*related, *more_related)
        fitted = cross_fit(corpus, cases=cases, fold_cases=folds, base=None, features=tags, related=related)
        print(row(label, fitted.report, FITTED))
    print()
    print("Built-in weights with one feature's weight set to 0 (no refit):")
    print()
    print(header())
    for feature in (*TAG_FEATURES, *RELATED):
        if feature in RELATED:
            weights = DEFAULT_WEIGHTS.with_changes(**{feature: 0.0})
        else:
            weights = DEFAULT_WEIGHTS.with_changes(tag={**DEFAULT_WEIGHTS.tag, feature: 0.0})
        print(row(f"− {feature}", evaluate(corpus, cases=cases, weights=weights), "autonote suggest"))
    print()
    signals(corpus, cases)
    print(f"({time.perf_counter() - started:.0f} s)")
    print()


def _arxiv_month(arxiv_id: str | None) -> int | None:
    """The year and month of an arXiv id as one number: ``2305.18290`` → 202305, ``cs/9901001``
    → 199901; None without an id."""
    number = (arxiv_id or "").split("/")[-1]
    if not number[:4].isdigit():
        return None
    year = int(number[:2])
    return (1900 + year if year >= 91 else 2000 + year) * 100 + int(number[2:4])


def simulated_references(corpus: Corpus) -> Callable[[Note], list[Reference]]:
    """A note's simulated reference list: the notes it links that are on an earlier arXiv paper
    (what a perfect reference list holds of them). An upper bound: see the module docstring."""

    def references_of(note: Note) -> list[Reference]:
        month = _arxiv_month(note.arxiv_id)
        found = []
        for related in note.related:
            target = corpus.get(related.id)
            other = _arxiv_month(target.arxiv_id) if target is not None else None
            if target is not None and month and other and other <= month and target.arxiv_id:
                found.append(Reference(title=target.title, arxiv_id=target.arxiv_id))
        return found

    return references_of


def signals(corpus: Corpus, cases: list) -> None:
    """The related-note signals one at a time: before (every new signal's weight 0, which is the
    suggester before them) and with each added, built-in weights."""
    linked = [c for c in cases if c.linked]
    if not linked:
        print("Related-note signals: no note links another note of the sample (n/a).")
        print()
        return
    none = {name: 0.0 for name in NEW_SIGNALS}
    print("Related-note signals, one at a time (built-in weights; the reference row is simulated):")
    print()
    print(header())
    before = DEFAULT_WEIGHTS.with_changes(**none)
    print(
        row(
            "before (no title match, named, references)",
            evaluate(corpus, cases=cases, weights=before),
            "autonote suggest",
        )
    )
    for name in ("title_match", "named"):
        weights = before.with_changes(**{name: getattr(DEFAULT_WEIGHTS, name)})
        print(row(f"+ {name} only", evaluate(corpus, cases=cases, weights=weights), "autonote suggest"))
    weights = DEFAULT_WEIGHTS.with_changes(cited=0.0)
    print(
        row(
            "+ title_match + named (what `eval` measures)",
            evaluate(corpus, cases=cases, weights=weights),
            "autonote suggest",
        )
    )
    simulated = gather_cases(corpus, [c.note for c in cases], references_of=simulated_references(corpus))
    reachable = sum(bool(simulated_references(corpus)(c.note)) for c in linked)
    print(row("+ references, SIMULATED (upper bound)", evaluate(corpus, cases=simulated), "autonote suggest"))
    print()
    print(
        f"{reachable} of {len(linked)} notes with links link a note on an earlier arXiv paper (only those"
        " a reference list can reach); the simulated row assumes each such link is in the paper's"
        " reference list and nothing else is."
    )
    print()


def run_samples(tool: str, description: str, each: Callable[[str, Path, Path], None]) -> None:
    """``--sample dev|cvpr|both`` from the command line; ``each(name, export, scratch folder)`` for
    every sample chosen (the benches that read the real samples share this)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sample", choices=["dev", "cvpr", "both"], default="both")
    args = parser.parse_args()
    chosen = list(SAMPLES) if args.sample == "both" else [args.sample]
    missing = [SAMPLES[n] for n in chosen if not SAMPLES[n].is_file()]
    if missing:
        sys.exit(f"{tool}: {missing[0]} not found (the samples live in ../shared/corpus)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            each(name, SAMPLES[name], Path(tmp))


def main() -> None:
    run_samples("suggest_quality", __doc__.splitlines()[0], run)


if __name__ == "__main__":
    main()
