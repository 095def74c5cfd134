"""Parsers of the related-note signals: short names of titles, first authors of title lines,
reference lists in the Semantic Scholar Graph API's shape."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autonote.corpus.fields import author_entries, note_names, title_line_author
from autonote.sources.references import parse_references
from tests.loopback import FIXTURES

REFERENCES = FIXTURES / "references"


def test_short_names_of_a_title() -> None:
    assert note_names("Direct Preference Optimization: Your Language Model is Secretly a Reward Model") == [
        "dpo"
    ]
    assert note_names("DoRA: Weight-Decomposed Low-Rank Adaptation") == ["dora"]
    assert note_names("RLHF_DPO 小話") == ["rlhf", "dpo"]
    assert note_names("Recursive Language Models: the paradigm of 2026") == ["rlm"]  # not "language"
    assert note_names("Attention Is All You Need") == []


def test_title_line_authors() -> None:
    assert title_line_author("[Paper Note] Towards X, Ziyang Huang+, COLING'25, 2024.12") == "Ziyang Huang"
    assert (
        title_line_author("Spurious Rewards: Rethinking Training Signals in RLVR, Shao+, 2025.05") == "Shao"
    )
    assert title_line_author("Qwen3, Qwen Team, 2025.04") == "Qwen Team"
    assert title_line_author("Training LMs on narrow tasks, Nature 649, 2026.01") is None
    assert title_line_author("RetrievaBERTの公開, 2024") is None
    assert author_entries([], "X, Shao+, 2025.05") == ["surname Shao"]
    assert author_entries(["A B"], "X, Shao+, 2025.05") == ["A B"]  # the note's own authors win


@given(st.text(max_size=120))
def test_title_line_authors_never_fail(line: str) -> None:
    author = title_line_author(line)
    assert author is None or (author.strip() == author and author and not author.endswith("+"))
    assert isinstance(note_names(line), list)


def test_reference_lists_parse_as_the_api_writes_them() -> None:
    found = parse_references((REFERENCES / "arXiv_2410.99902.json").read_bytes())
    assert [r.arxiv_id for r in found] == ["1706.03762", None, None, None]
    assert found[1].doi == "10.48550/arXiv.2010.11929"
    assert found[2].doi == "10.18653/v1/2023.acl-long.999"
    assert found[3].title == "Deep Residual Learning for Image Recognition"
    assert parse_references('{"offset": 0, "data": null}') == []
    with pytest.raises(ValueError):
        parse_references("<html>rate limited</html>")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                    max_leaves=12))  # fmt: skip
def test_any_json_answer_parses_or_is_refused(value: object) -> None:
    for body in (json.dumps(value), json.dumps({"data": [value, {"citedPaper": value}]})):
        try:
            found = parse_references(body)
        except ValueError:
            continue
        assert all(r.arxiv_id or r.doi or r.title for r in found)
