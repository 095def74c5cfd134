"""Suggestion quality on the real samples in ../shared/corpus, feature by feature.

For each sample (the 398-note dev sample and the 30-note CVPR sample), imported into a temporary
corpus with `autonote import paper-notes-xml`, prints leave-one-out tables (see
autonote/corpus/evaluate.py for the protocol and how hiding stays complete):

1. the built-in weights (fitted on the dev sample: in-sample there, out-of-sample on CVPR), what
   `autonote eval --fit` would store and how it scores by cross-fitting, and the baselines;
2. each feature removed: the weights refitted without it, scored by cross-fitting (5 folds, each
   fold scored by weights fitted on the others, whose evidence was gathered with that fold hidden);
3. features added one group at a time, scored the same way.

Run: `.venv/bin/python bench/suggest_quality.py [--sample dev|cvpr|both]`. Takes about a minute.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
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
from autonote.corpus.view import load_corpus
from autonote.corpus.weights import DEFAULT_WEIGHTS, TAG_FEATURES

REPO = Path(__file__).resolve().parents[1]
SAMPLES = {
    "dev": REPO.parent / "shared" / "corpus" / "paper_notes_dev.xml",
    "cvpr": REPO.parent / "shared" / "corpus" / "paper_notes_CVPR.xml",
}
RELATED = ("name", "authors", "graph")
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
]
COLUMNS = [
    ("tag_f1", 5),
    ("tag_f1", 10),
    ("tag_precision", 5),
    ("tag_recall", 5),
    ("related_recall", 5),
    ("related_recall", 10),
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
    print(f"({time.perf_counter() - started:.0f} s)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", choices=["dev", "cvpr", "both"], default="both")
    args = parser.parse_args()
    chosen = list(SAMPLES) if args.sample == "both" else [args.sample]
    missing = [SAMPLES[n] for n in chosen if not SAMPLES[n].is_file()]
    if missing:
        sys.exit(f"suggest_quality: {missing[0]} not found (the samples live in ../shared/corpus)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            run(name, SAMPLES[name], Path(tmp))


if __name__ == "__main__":
    main()
