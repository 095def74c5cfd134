"""Prompt budget, trimming at character boundaries, and user overrides of templates."""

from __future__ import annotations

import datetime as dt

from autonote.note_prompt import NotePrompt, fit_to_budget, prompt_version
from autonote.prompting import template_version
from autonote.schema import Note, Paper
from autonote.tokens import TokenCounter, approximate_tokens, counter_for


def test_trim_never_cuts_inside_a_character() -> None:
    counter = counter_for("gpt-4o-mini")
    text = "日本語の文章です。" * 200 + "😀" * 50
    for budget in (7, 50, 333):
        trimmed = counter.trim(text, budget)
        assert counter.count(trimmed) <= budget + 2  # the " …" marker
        assert "\ufffd" not in trimmed and text.startswith(trimmed.removesuffix(" …"))


def test_approximate_counter_when_no_encoding() -> None:
    counter = TokenCounter(None)
    assert not counter.exact
    assert counter.count("日本語") == 3 and approximate_tokens("abcdefgh") == 2


def make_prompt(abstract: str) -> NotePrompt:
    example = Note(id="e1", title="Example", issue_date=dt.date(2025, 1, 1), abstract="x " * 400,
                   summary="例の要約。" * 20, key_points=["一", "二", "三"])  # fmt: skip
    paper = Paper(source="local", title="A Long Paper", abstract=abstract)
    return NotePrompt(
        paper=paper, tag_candidates=["NLP"], related_candidates=[example], examples=[example], translate=False
    )


def test_over_budget_prompts_drop_examples_then_trim_the_abstract() -> None:
    counter = counter_for("gpt-4o-mini")
    prompt = make_prompt("Sentence about methods. " * 1500)
    messages = fit_to_budget(prompt, counter, 1500, schema_json=None)
    assert counter.count_messages(messages) <= 1500
    assert "The owner's summary of a similar paper" not in messages[1]["content"]
    assert any("few-shot example e1 dropped" in t for t in prompt.trimmed)
    assert any("abstract cut" in t for t in prompt.trimmed)
    assert messages[0]["content"].startswith("You write notes for")  # static part first


def test_prompt_within_budget_is_untouched() -> None:
    prompt = make_prompt("A short abstract.")
    messages = fit_to_budget(prompt, counter_for("gpt-4o-mini"), 6000, schema_json=None)
    assert prompt.trimmed == [] and "The owner's summary of a similar paper" in messages[1]["content"]


def test_user_template_override_is_used_and_versioned(tmp_path, monkeypatch) -> None:
    from autonote import prompting

    config = tmp_path / "user-config"
    (config / "prompts").mkdir(parents=True)
    (config / "prompts" / "note.system.j2").write_text("{# version: mine.7 #}\nMy own system prompt.\n")
    monkeypatch.setenv("AUTONOTE_CONFIG_DIR", str(config))
    prompting._environment.cache_clear()
    messages = make_prompt("A short abstract.").messages(schema_json=None)
    assert messages[0]["content"] == "My own system prompt."
    assert template_version("note.system.j2") == "mine.7+user"
    assert prompt_version().startswith("mine.7+user+note-user.")
