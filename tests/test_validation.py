"""Checks on LLM output that catch what LLMs really get wrong."""

from autonote.schema import LLMNoteOutput, Paper
from autonote.validation import check_output

PAPER = Paper(
    source="local",
    title="T",
    abstract="We improve accuracy from 41.2% to 48.9% on 3 benchmarks with 7B models.",
)
SUMMARY = (
    "本研究は強化学習による推論の改善を扱う。検証器の報酬を使うことで精度が41.2%から48.9%に向上した。" * 2
)


def check(**changes: object):
    fields = {"summary": SUMMARY, "key_points": ["報酬を密にする", "精度が向上", "サンプル効率が改善"],
              "tags": ["NLP"], "new_tags": [], "related_ids": []}  # fmt: skip
    fields.update(changes)
    output = LLMNoteOutput.model_validate(fields)
    return check_output(output, PAPER, vocabulary={"NLP", "RL"}, tag_candidates=["NLP", "RL"],
                        related_candidates=["arxiv-1"], translate=False)  # fmt: skip


def test_good_output_passes_without_errors() -> None:
    result = check()
    assert result.errors == [] and result.warnings == []


def test_english_summary_is_an_error() -> None:
    result = check(
        summary="This paper improves reasoning with verifier rewards and reports better accuracy " * 2
    )
    assert any("not Japanese" in e for e in result.errors)


def test_summary_length_outside_the_corpus_range() -> None:
    assert any("characters" in e for e in check(summary="短すぎる要約。").errors)
    long_warning = check(summary="長めの要約である。" * 50)
    assert long_warning.errors == [] and any("450 characters" in w for w in long_warning.warnings)


def test_key_points_out_of_range_is_an_error() -> None:
    assert any("2 key points" in e for e in check(key_points=["一つ目", "二つ目"]).errors)
    assert any("7 key points" in e for e in check(key_points=["点"] * 7).errors)


def test_tags_outside_candidates_are_errors_but_new_tags_are_flagged() -> None:
    assert any("'Vision'" in e for e in check(tags=["Vision"]).errors)
    flagged = check(new_tags=["WorldModels"])
    assert flagged.errors == [] and any("#WorldModels" in w for w in flagged.warnings)


def test_related_ids_outside_candidates_are_never_allowed() -> None:
    assert any("arxiv-999" in e for e in check(related_ids=["arxiv-999"]).errors)


def test_numbers_absent_from_the_abstract_are_flagged() -> None:
    result = check(summary=SUMMARY + "さらに73.5%の削減を達成した。")
    assert any("73.5" in w for w in result.warnings)
    assert not any("41.2" in w for w in result.warnings)
