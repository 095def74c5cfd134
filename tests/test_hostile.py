"""The hostile suite's CI variant (bench/hostile.py --short): every case through the real CLI in a
fresh corpus, under a time limit; none may end in a traceback or a hang, write outside its corpus,
lose a note, write the fake key anywhere, or exit with a code docs/exit-codes.md does not give it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hostile():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import hostile

        yield hostile
    finally:
        sys.path.remove(str(REPO / "bench"))


def test_the_short_hostile_suite_has_no_failure_of_any_kind(hostile) -> None:
    cases = hostile.selected(None, short=True)
    assert {case.kind for case in cases} >= {
        "nesting", "future-mtime", "state", "gh-entries", "xml-export", "reimport", "links", "publish",
        "network-deadlines", "github-answers", "llm-answers", "lint-review", "url-secrets",
    }  # fmt: skip
    outcomes = [hostile.run_case(case, short=True) for case in cases]
    print(hostile.table(outcomes))
    assert hostile.failures(outcomes) == []


def test_the_suite_notices_a_write_outside_the_corpus_and_a_wrong_exit_code(hostile) -> None:
    """The judge itself: a command told to write into the sibling folder, given an exit code of 2."""

    def writes_outside(w) -> list[str]:
        return ["list", "-o", str(w.root / "sibling" / "page.md")]

    case = hostile.Case("probe", "writes outside", writes_outside, frozenset({2}))
    outcome = hostile.run_case(case, short=True)
    problems = hostile.failures([outcome])
    assert len(problems) == 1
    assert (
        "wrote outside the corpus: ['sibling/page.md']" in problems[0]
        and "exit 0, table allows [2]" in problems[0]
    )
