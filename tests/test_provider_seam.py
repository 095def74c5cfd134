"""The LLM provider seam (issue 19): a provider that is not OpenAI-compatible is one module and one
registration, and every command reaches the provider only through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.llm import providers
from autonote.notes.format import parse_note
from tests.loopback import FIXTURES, ArxivServer, OpenAIServer
from tests.messages_provider import MessagesServer

KEY = "msg-test-secret-key-7766554433"
ABSTRACT = str(FIXTURES / "abstracts" / "sample-abstract.txt")


@pytest.fixture
def messages_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    monkeypatch.setitem(providers.PROVIDER_MODULES, "messages", "tests.messages_provider")
    with MessagesServer(KEY) as server:
        monkeypatch.setenv("AUTONOTE_PROVIDER", "messages")
        monkeypatch.setenv("AUTONOTE_MODEL", "messages-small")
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield server


def test_a_provider_that_is_not_openai_compatible_drafts_through_the_real_cli(
    run, corpus: Path, messages_server: MessagesServer
) -> None:
    result = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    note = parse_note(Path(result.stdout.strip()).read_text(encoding="utf-8"))
    assert note.title == "Reward Models That Read Their Own Chains of Thought"
    assert note.summary and 3 <= len(note.key_points) <= 6
    # One request, in the provider's own protocol: the system prompt apart, no response_format.
    assert len(messages_server.answered) == 1
    sent = messages_server.answered[0]
    assert sent["model"] == "messages-small" and "response_format" not in sent and sent["system"]
    assert all(turn["role"] != "system" for turn in sent["messages"])
    # Tokens from the provider's usage, the price from the provider's own list.
    provenance = note.provenance
    assert provenance is not None and provenance.prompt_tokens and provenance.completion_tokens
    expected = (provenance.prompt_tokens * 0.80 + provenance.completion_tokens * 4.00) / 1e6
    assert provenance.cost_usd == pytest.approx(expected)
    assert KEY not in result.stdout + result.stderr


def test_the_same_request_is_answered_from_the_cache_whatever_the_provider(
    run, corpus: Path, messages_server: MessagesServer
) -> None:
    first = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert first.exit_code == 0, first.stderr
    again = run("draft", ABSTRACT, "--corpus", str(corpus), "--force")
    assert again.exit_code == 0, again.stderr
    assert len(messages_server.answered) == 1  # never paid twice


def test_regen_through_a_provider_without_a_batch_interface(
    run, corpus: Path, messages_server: MessagesServer
) -> None:
    note_id = sorted(path.stem for path in (corpus / "notes").glob("*.md"))[0]
    via_batch = run("regen", "--ids", note_id, "--via", "batch", "--corpus", str(corpus))
    assert via_batch.exit_code == 2
    assert via_batch.stderr.strip().splitlines() == [
        "autonote: error: the messages provider has no batch interface; use --via direct"
    ]
    assert messages_server.answered == []
    direct = run("regen", "--ids", note_id, "--via", "direct", "--corpus", str(corpus))
    assert direct.exit_code == 0, direct.stderr
    assert len(messages_server.answered) == 1
    drafted = list((corpus / "drafts").glob("*.md"))
    assert len(drafted) == 1 and parse_note(drafted[0].read_text(encoding="utf-8")).summary


def test_an_unknown_provider_is_one_line_and_exit_2_before_anything_is_fetched(
    run, corpus: Path, llm_server: OpenAIServer, arxiv_server: ArxivServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOTE_PROVIDER", "anthropic")
    result = run("draft", "2306.99901", "--corpus", str(corpus))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "autonote: error: unknown LLM provider 'anthropic'; known: openai-compatible"
    ]
    assert not (corpus / "drafts").exists() or not any((corpus / "drafts").iterdir())
    assert llm_server.chat_requests() == [] and arxiv_server.requests == []


def test_batches_submitted_with_one_provider_are_not_collected_with_another(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`regen --resume` after the provider setting changed says why it cannot collect (not "use
    --via direct", which does not apply to a resume), and the batches wait for the right provider."""
    submitted = run("regen", "--all", "--via", "batch", "--no-wait", "--corpus", str(corpus))
    assert submitted.exit_code == 0, submitted.stderr
    monkeypatch.setitem(providers.PROVIDER_MODULES, "messages", "tests.messages_provider")
    monkeypatch.setenv("AUTONOTE_PROVIDER", "messages")
    refused = run("regen", "--resume", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert refused.exit_code == 2
    assert refused.stderr.strip().splitlines() == [
        "autonote: error: the messages provider has no batch interface; the 1 batch(es) waiting are"
        " collected with the provider that submitted them"
    ]
    monkeypatch.setenv("AUTONOTE_PROVIDER", "openai-compatible")
    resumed = run("regen", "--resume", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert resumed.exit_code == 0, resumed.stderr
    assert llm_server.chat_requests() == []  # every answer came from the batch
