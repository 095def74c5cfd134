"""LLM servers that would hang autonote or blow its stack, through the real openai client: an
answer trickled a byte at a time (per-read timeouts never fire), ``llm_timeout`` values that bound
nothing, and JSON nested thousands of levels deep."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.loopback import FIXTURES, Fault, OpenAIServer, cooperative_reply
from tests.test_regen import drafts, journal, table

ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"


def completion(content: str) -> str:
    return json.dumps({
        "id": "chatcmpl-trickle", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    })  # fmt: skip


def trickled(seconds_per_byte: float = 0.05) -> Fault:
    """A complete answer (padded with the whitespace JSON allows) sent one byte every 50 ms: over two
    minutes in all, and never 50 ms without a byte."""
    body = completion('{"summary": "x"}') + " " * 2400
    return Fault(200, body=body, headers={"Content-Type": "application/json"}, trickle=seconds_per_byte)


@pytest.fixture
def short_timeout(llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    monkeypatch.setenv("AUTONOTE_LLM_TIMEOUT", "2")
    return llm_server


def test_draft_does_not_hang_on_a_trickled_answer(run, corpus: Path, short_timeout: OpenAIServer) -> None:
    short_timeout.faults = [trickled(), trickled()]  # the request and its one re-send
    started = time.monotonic()
    result = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert "did not answer within 2 s" in result.stderr and "Traceback" not in result.stderr
    assert elapsed < 30, f"took {elapsed:.0f} s: llm_timeout does not bound the whole request"


def test_regen_does_not_hang_on_a_trickled_answer(run, corpus: Path, short_timeout: OpenAIServer) -> None:
    short_timeout.faults = [trickled()]  # the first request only: its re-send is answered at once
    started = time.monotonic()
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "2")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert journal(corpus) == {"done": 9} and table(result.stdout)["retried (5xx, timeouts)"] == "1"
    assert elapsed < 40, f"took {elapsed:.0f} s: llm_timeout does not bound the whole request"


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e9"])
def test_a_timeout_that_bounds_nothing_is_refused(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AUTONOTE_LLM_TIMEOUT", value)
    result = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "llm_timeout" in lines[0] and "environment" in lines[0], result.stderr
    assert llm_server.chat_requests() == []


def deeply_nested(depth: int) -> str:
    """A note answer whose summary is a list nested ``depth`` levels deep."""
    answer = json.loads(cooperative_reply({"messages": [{"content": ""}]}))
    text = json.dumps(answer, ensure_ascii=False)
    return text.replace(json.dumps(answer["summary"], ensure_ascii=False), "[" * depth + "]" * depth, 1)


@pytest.mark.parametrize("depth", [900, 5000, 100_000])
def test_json_nested_thousands_deep_fails_that_item_in_one_line(
    run, corpus: Path, llm_server: OpenAIServer, depth: int
) -> None:
    llm_server.replies = [deeply_nested(depth)] * 3  # the ask and both re-asks of the first note
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("autonote: failed: ")]
    assert len(failed) == 1 and "arxiv-1706.03762" in failed[0]
    assert journal(corpus) == {"done": 8, "failed": 1} and len(drafts(corpus)) == 8


def test_draft_with_json_nested_thousands_deep_is_one_line(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    llm_server.replies = [deeply_nested(5000)] * 3
    result = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("autonote: error: ") and "Traceback" not in result.stderr, result.stderr


def nested_body(depth: int) -> Fault:
    """A completion whose HTTP body nests ``depth`` levels deep (in a field next to the content)."""
    body = completion(cooperative_reply({"messages": [{"content": ""}]}))
    return Fault(200, body=body[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}",
                 headers={"Content-Type": "application/json"})  # fmt: skip


@pytest.mark.parametrize("command", ["draft", "regen"])
def test_an_answer_body_nested_thousands_deep_is_one_failure_line(
    run, corpus: Path, llm_server: OpenAIServer, command: str
) -> None:
    llm_server.faults = [nested_body(100_000)] * 3  # the request and its two retries
    args = (
        ["draft", str(ABSTRACT), "--title", "T"]
        if command == "draft"
        else ["regen", "--all", "--concurrency", "1"]
    )
    result = run(*args, "--corpus", str(corpus))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr, result.stderr
    if command == "regen":
        failed = [line for line in result.stderr.splitlines() if line.startswith("autonote: failed: ")]
        assert len(failed) == 1 and "nested too deeply" in failed[0], result.stderr
        assert journal(corpus) == {"done": 8, "failed": 1}
    else:
        assert result.stderr.strip().splitlines()[-1].startswith("autonote: error: ")
        assert "nested too deeply" in result.stderr


# -- waits the server tells ----------------------------------------------------------------------------


def test_a_rate_limit_header_that_would_mean_endless_waits_is_not_followed(
    run, corpus: Path, serve_with_headers
) -> None:
    serve_with_headers({"x-ratelimit-limit-requests": "0.001", "x-ratelimit-remaining-requests": "0"})
    started = time.monotonic()
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert journal(corpus) == {"done": 9}
    assert table(result.stdout)["limit: requests/min"].startswith(
        "x-ratelimit-limit-requests said 0.001: not"
    )
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    "header", [{"retry-after": "86400"}, {"retry-after-ms": "1e15"}, {"x-ratelimit-reset-requests": "999h"}]
)
def test_a_server_told_wait_beyond_the_cap_stops_that_item_and_says_so(
    run, corpus: Path, llm_server: OpenAIServer, header: dict[str, str]
) -> None:
    body = '{"error": {"message": "quota", "type": "insufficient_quota"}}'
    llm_server.faults = [Fault(429, body=body, headers={"Content-Type": "application/json", **header})]
    started = time.monotonic()
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("autonote: failed: ")]
    assert len(failed) == 1 and "autonote waits at most 60 s" in failed[0], result.stderr
    assert journal(corpus) == {"done": 8, "failed": 1}
    assert time.monotonic() - started < 60


@pytest.fixture
def serve_with_headers(monkeypatch: pytest.MonkeyPatch):
    servers: list[OpenAIServer] = []

    def start(headers: dict[str, str]) -> OpenAIServer:
        server = OpenAIServer(extra_headers=headers).start()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        return server

    yield start
    for server in servers:
        server.stop()
