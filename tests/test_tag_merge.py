"""One tag merge: a draft, an offline draft and a regenerated note keep the same rules."""

from __future__ import annotations

from autonote.tag_merge import draft_tags, merge_tags


def test_a_regenerated_note_keeps_the_owners_tags_first_and_adds_the_others_once() -> None:
    merged = merge_tags(["RL", "Own"], ["Own"], ["LLM", "RL", "LLM", "Fresh"], ["Fresh"])
    assert merged.tags == ["RL", "Own", "LLM", "Fresh"]
    assert merged.new_tags == ["Own", "Fresh"]
    assert merged.added == ["LLM", "Fresh"]


def test_a_draft_gets_its_venue_tag_when_the_corpus_uses_it_and_flags_tags_outside_the_vocabulary() -> None:
    merged = draft_tags(["LLM"], ["NewIdea", "not a tag!"], "ACL'23 Findings", {"LLM", "ACL"})
    assert merged.tags == ["LLM", "NewIdea", "ACL"]
    assert merged.new_tags == ["NewIdea"]


def test_a_draft_gets_no_venue_tag_the_corpus_does_not_use() -> None:
    assert draft_tags(["LLM"], [], "COLM'25", {"LLM"}).tags == ["LLM"]


def test_a_draft_under_a_venues_older_name_gets_the_tag_the_corpus_uses_for_it() -> None:
    """The draft's venue tag follows the same rule as the suggestions (NIPS'17 is NeurIPS)."""
    assert draft_tags(["LLM"], [], "NIPS'17", {"LLM", "NeurIPS"}).tags == ["LLM", "NeurIPS"]
