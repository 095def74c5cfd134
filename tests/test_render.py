"""Note ⇄ markdown: the corpus layout, and parsing back to the same note."""

import datetime as dt

import pytest

from autonote.errors import NoteFormatError
from autonote.notes.format import parse_note, parse_tags_line, render_note
from autonote.schema import Note, Provenance, RelatedNote


def sample_note(**changes: object) -> Note:
    note = Note(
        id="arxiv-2504.07086",
        title="A Sober Look at Progress, in Reasoning",
        authors=["Andreas Hochlehnert", "Hardik Bhatnagar"],
        venue="COLM'25",
        published=dt.date(2025, 4, 9),
        url="https://arxiv.org/abs/2504.07086",
        arxiv_id="2504.07086",
        issue_date=dt.date(2026, 11, 21),
        tags=["NLP", "Supervised-FineTuning (SFT)", "Selected Papers/Blogs", "COLM"],
        summary="数学的推論のベンチマークは実装の選択に敏感である。",
        key_points=["評価条件を揃えて再評価", "RLの改善は小さい", "SFTは汎化する"],
        abstract="Reasoning benchmarks are sensitive. ## Comment is not a heading here",
        translation="推論ベンチマークは敏感である。",
        related=[
            RelatedNote(
                id="arxiv-2501.12948",
                title_line="[Paper Note] DeepSeek-R1, DeepSeek-AI, arXiv'25",
                url="https://arxiv.org/abs/2501.12948",
            )
        ],
        comment="元ポスト:\n\n## Comment\nthe owner's own heading and text\n- a list",
        warnings=["numbers not found in the abstract: 10"],
        provenance=Provenance(
            generator="llm", model="gpt-4o-mini", prompt_version="p.1", created=dt.datetime(2026, 11, 21, 9)
        ),
    )
    return note.model_copy(update=changes)


def test_render_then_parse_gives_the_same_note() -> None:
    note = sample_note()
    assert parse_note(render_note(note)) == note


def test_offline_note_round_trips_and_is_not_labelled_gpt() -> None:
    note = sample_note(
        translation=None,
        provenance=Provenance(generator="offline", prompt_version="p.1", created=dt.datetime(2026, 11, 21)),
    )
    text = render_note(note)
    assert "GPT Summary-" not in text and "not LLM-generated" in text
    assert parse_note(text) == note


def test_body_has_the_corpus_layout() -> None:
    text = render_note(sample_note())
    body = text.split("\n---\n", 1)[1]
    lines = [line for line in body.splitlines() if line]
    assert lines[0] == "#NLP #Supervised-FineTuning (SFT) #Selected Papers/Blogs #COLM"
    assert lines[1] == "Issue Date: 2026-11-21"
    assert (
        lines[2]
        == "[Paper Note] A Sober Look at Progress, in Reasoning, Andreas Hochlehnert+, COLM'25, 2025.04"
    )
    assert "GPT Summary- 数学的推論" in body
    assert "## 関連\n<!-- autonote:related -->\n- [[Paper Note] DeepSeek-R1" in body
    assert body.rstrip().endswith("- a list")


def test_owner_edits_in_the_body_are_what_parse_returns() -> None:
    text = (
        render_note(sample_note())
        .replace("#NLP #", "#NLP #Evaluation #")
        .replace("RLの改善は小さい", "RLの改善は限定的")
    )
    parsed = parse_note(text)
    assert "Evaluation" in parsed.tags
    assert parsed.key_points[1] == "RLの改善は限定的"


def test_tags_with_spaces_split_on_space_hash() -> None:
    assert parse_tags_line("#Analysis #Selected Papers/Blogs #One-Line Notes") == [
        "Analysis", "Selected Papers/Blogs", "One-Line Notes",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda t: t.replace("---\n", "", 1), "no front matter"),
        (lambda t: t.replace("<!-- /autonote:summary -->", ""), "missing block"),
        (lambda t: t.replace('issue_date: "2026-11-21"', "issue_date: someday"), "issue_date"),
        (lambda t: t.replace("kind: paper", "kind: [unclosed"), "invalid front matter"),
    ],
)
def test_broken_notes_fail_with_a_located_message(breakage, message: str) -> None:
    with pytest.raises(NoteFormatError, match=message) as caught:
        parse_note(breakage(render_note(sample_note())), "notes/x.md")
    assert str(caught.value).startswith("notes/x.md")
