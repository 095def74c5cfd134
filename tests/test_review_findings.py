"""Review and lint judge a draft with one function: what accept refuses is exactly what lint fails,
errors are shown as errors, and every refusal names its findings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note
from autonote.schema import Note

REPO = Path(__file__).resolve().parents[1]
ABSTRACT = REPO / "fixtures" / "abstracts" / "sample-abstract.txt"
JAPANESE_SUMMARY = (
    "検証可能な報酬による強化学習では、長い思考の連鎖のどの段階が有用だったかが分からない。"
    "本研究は方策の推論を読み、各段階を採点する前に短い批評を書く生成型報酬モデルを学習する。"
    "過程報酬として用いると、結果のみの学習より数学の評価で精度が上がり、誤答も短くなる。"
)
JAPANESE_POINTS = ["推論を読む生成型報酬モデル", "段階ごとの批評と採点", "数学の評価で精度が向上"]


def offline_draft(run, corpus: Path) -> Path:
    result = run("draft", str(ABSTRACT), "--corpus", str(corpus), "--offline")
    assert result.exit_code == 0, result.stderr
    return corpus / result.stdout.strip()


def edit(path: Path, **changes: object) -> None:
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(render_note(note.model_copy(update=changes)), encoding="utf-8")


def test_accept_refuses_a_draft_with_errors_naming_each_unless_forced(run, corpus: Path) -> None:
    draft = offline_draft(run, corpus)  # an extract of the English abstract: not Japanese
    refused = run("review", "accept", draft.stem, "--corpus", str(corpus))
    assert refused.exit_code == 1
    lines = refused.stderr.splitlines()
    assert lines[0].startswith(f"autonote: error: {draft.stem}: not accepted, 4 error(s)")
    assert f"{draft}:" in lines[1] and ": error: summary is not Japanese" in lines[1]
    assert sum(": error: key point" in line for line in lines) == 3 and len(lines) == 5
    assert draft.is_file() and not (corpus / "notes" / draft.name).exists()
    forced = run("review", "accept", draft.stem, "--force", "--corpus", str(corpus))
    assert forced.exit_code == 0 and (corpus / "notes" / draft.name).is_file()


def test_review_list_shows_errors_as_errors_and_warnings_as_warnings(run, corpus: Path) -> None:
    draft = offline_draft(run, corpus)
    listed = run("review", "list", "--corpus", str(corpus))
    assert "[4 error(s), 2 warning(s)]" in listed.stdout
    (row,) = json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout)
    assert row["errors"][0].startswith("summary is not Japanese")
    assert not any("Japanese" in w for w in row["warnings"])
    assert any(w.startswith("offline draft") for w in row["warnings"])
    shown = run("review", "show", draft.stem, "--corpus", str(corpus))
    assert "error: summary is not Japanese" in shown.stdout


def test_accept_all_valid_names_each_skipped_draft_and_its_error(run, corpus: Path) -> None:
    draft = offline_draft(run, corpus)
    result = run("review", "accept", "--all-valid", "--corpus", str(corpus))
    lines = result.stderr.splitlines()
    skipped = [line for line in lines if line.startswith(f"autonote: skipped {draft.stem}: 4 error(s):")]
    assert (
        len(skipped) == 1 and "summary is not Japanese" in skipped[0] and "[summary-language]" in skipped[0]
    )
    assert "no valid drafts to accept (1 pending, each skipped above)" in lines
    edit(draft, summary=JAPANESE_SUMMARY, key_points=JAPANESE_POINTS)
    accepted = run("review", "accept", "--all-valid", "--corpus", str(corpus))
    assert accepted.exit_code == 0 and f"accepted {draft.stem}" in accepted.stdout


# Each case turns the offline draft into another draft a person or a model could leave behind.
CASES: dict[str, Callable[[Note], dict[str, object]]] = {
    "offline extract": lambda n: {},
    "japanese": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS},
    "short summary": lambda n: {"summary": "短い要約。", "key_points": JAPANESE_POINTS},
    "english key point": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": [*JAPANESE_POINTS[:2], "English"]},
    "missing related": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS,
                                  "related": [*n.related, n.related[0].model_copy(update={"id": "gone"})]},
    "stray whitespace": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS,
                                   "title": n.title + "  again"},
    "bad venue": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS, "venue": "NeurIPS 2024"},
    "no venue, no authors": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS,
                                       "authors": []},
    "typo tag": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS,
                           "tags": [*n.tags, "ReinforcementLearnig"]},
    "venue tag": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS, "tags": [*n.tags, "COLING"]},
    "id of a note": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS,
                               "id": "arxiv-1706.03762"},
    "blog": lambda n: {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS, "kind": "blog"},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_accept_refuses_exactly_when_lint_has_errors(run, corpus: Path, tmp_path: Path, case: str) -> None:
    draft = offline_draft(run, corpus)
    note = parse_note(draft.read_text(encoding="utf-8"))
    edit(draft, **CASES[case](note))
    linted = run("lint", str(draft), "--corpus", str(corpus))
    assert linted.exit_code in (0, 1), linted.stderr
    lint_errors = [line for line in linted.stdout.splitlines() if ": error: " in line]
    (row,) = json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout)
    before = sorted((corpus / "notes").iterdir())
    accepted = run("review", "accept", draft.stem, "--corpus", str(corpus))
    refused = accepted.exit_code != 0
    assert refused == bool(lint_errors) == bool(row["errors"]), (case, linted.stdout, accepted.stderr)
    if "not accepted" in accepted.stderr:  # each error lint named is named by accept too
        assert [line.split(": error: ")[1] for line in lint_errors] == [
            line.split(": error: ")[1] for line in accepted.stderr.splitlines()[1:]
        ]
    if refused:  # and nothing was written
        assert accepted.exit_code == 1 and accepted.stderr.startswith("autonote: error: ")
        assert sorted((corpus / "notes").iterdir()) == before and draft.is_file()
    else:  # what accept took lints clean in the corpus
        after = run("lint", "--corpus", str(corpus))
        assert after.exit_code == 0, after.stdout
    shutil.rmtree(corpus / "drafts", ignore_errors=True)
