"""How far the tag suggester is from what its evidence allows: a ceiling analysis of tag F1@5.

For each sample in ../shared/corpus (imported into a temporary corpus with `autonote import
paper-notes-xml`), the notes are hidden one at a time as `autonote eval` hides them, and the
owner's tags are ranked by the built-in weights (the `eval` row), then by *oracles* that know the
owner's tags and move some of them to the top, the rest of the ranking kept:

- text evidence first: every owner's tag that the paper's title or abstract names (a tag word, a
  phrase, a tag word beginning a title word) or that is the paper's venue;
- any evidence first: every owner's tag with any evidence beyond its share of the corpus (the
  nearest notes', the notes nearest in time', shared authors' tags, or text evidence);
- workflow tags first: the owner's reading-workflow tags (:data:`WORKFLOW`: `read-later`,
  `Selected Papers/Blogs`, ...), which no text signals;
- every reachable tag first: all the owner's tags some other note has (what a perfect suggester
  restricted to the vocabulary would score);
- every tag first: the bound set by the notes with fewer than 5 tags (precision at 5 is hits / 5,
  whatever the number of tags suggested: suggesting fewer cannot raise it).

It also counts the owner's tag uses missed in the top 5, by the evidence they have. An oracle row is
an upper bound on what re-weighing that evidence could reach, not a result.

Run: `.venv/bin/python bench/tag_ceiling.py [--sample dev|cvpr|both]`. Takes about a minute.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autonote.corpus.evaluate import Case, MethodScores, evaluable, gather_cases
from autonote.corpus.suggest import tag_scores
from autonote.corpus.view import load_corpus
from autonote.corpus.weights import DEFAULT_WEIGHTS
from suggest_quality import import_sample, run_samples

TEXT = frozenset({"mention", "phrase", "title_phrase", "title_word", "venue"})
# The owner's tags about the reading workflow, not the paper's content (from the dev sample's
# vocabulary: the tags that are no topic).
WORKFLOW = frozenset(
    {
        "Selected Papers/Blogs",
        "read-later",
        "One-Line Notes",
        "action_wanted",
        "KeyPoint Notes",
        "Initial Impression Notes",
        "Author Thread-Post",
        "Reference Collection",
        "Reading Reflections",
        "needs-revision",
        "reading",
        "translation_required",
    }
)
K = 5


def _features(case: Case, tag: str) -> set[str]:
    found = set(case.evidence.tags.get(tag, {}))
    return found | {"venue"} if tag == case.evidence.venue else found


def _has_text(case: Case, tag: str) -> bool:
    return bool(TEXT & _features(case, tag))


def _has_any(case: Case, tag: str) -> bool:
    return bool(_features(case, tag) - {"prior"})


def _reachable(case: Case, tag: str) -> bool:
    return case.evidence.counts[tag] > 0


ORACLES: list[tuple[str, Callable[[Case, str], bool]]] = [
    ("oracle: owner's tags with text evidence first", _has_text),
    ("oracle: owner's tags with any evidence first", _has_any),
    ("oracle: owner's workflow tags first", lambda _, tag: tag in WORKFLOW),
    ("oracle: owner's text-evidence and workflow tags first", lambda c, t: _has_text(c, t) or t in WORKFLOW),
    ("oracle: every reachable owner's tag first", _reachable),
    ("oracle: every owner's tag first", lambda *_: True),
]


def _row(name: str, method: MethodScores, notes: int) -> str:
    cells = [method.tag_precision[K], method.tag_recall[K], method.tag_f1[K]]
    return f"| {name} | " + " | ".join(f"{v / notes:.3f}" for v in cells) + " |"


def run(name: str, xml: Path, folder: Path) -> None:
    started = time.perf_counter()
    corpus = load_corpus(import_sample(xml, folder))
    cases = [c for c in gather_cases(corpus, evaluable(corpus)) if c.tags]
    ranked = {c.note.id: [tag for tag, _ in tag_scores(c.evidence, DEFAULT_WEIGHTS)] for c in cases}
    print(f"## {name}: {xml.name} ({len(cases)} notes with an abstract and tags)")
    print()
    print(f"| ranking | tag P@{K} | tag R@{K} | tag F1@{K} |")
    print("|---|---:|---:|---:|")
    now = MethodScores()
    for case in cases:
        now.add_tags(K, ranked[case.note.id], case.tags)
    print(_row("built-in weights (what `eval` shows)", now, len(cases)))
    for label, lifted in ORACLES:
        method = MethodScores()
        for case in cases:
            order = ranked[case.note.id]
            first = [t for t in order if t in case.tags and lifted(case, t)]
            first += [t for t in sorted(case.tags - set(order)) if lifted(case, t)]
            method.add_tags(K, first + [t for t in order if t not in first], case.tags)
        print(_row(label, method, len(cases)))
    print()
    missed: Counter[str] = Counter()
    for case in cases:
        top = set(ranked[case.note.id][:K])
        for tag in case.tags - top:
            if tag in WORKFLOW:
                missed["a workflow tag"] += 1
            elif not _reachable(case, tag):
                missed["no other note has it"] += 1
            elif _has_text(case, tag):
                missed["text evidence"] += 1
            elif _has_any(case, tag):
                missed["other evidence only (neighbours, time, authors)"] += 1
            else:
                missed["no evidence but the corpus share"] += 1
    total = sum(len(c.tags) for c in cases)
    print(f"Owner's tag uses missed in the top {K}: {sum(missed.values())} of {total}:")
    print()
    for label, count in missed.most_common():
        print(f"- {label}: {count}")
    print()
    print(f"({time.perf_counter() - started:.0f} s)")
    print()


def main() -> None:
    run_samples("tag_ceiling", (__doc__ or "").splitlines()[0], run)


if __name__ == "__main__":
    main()
