"""LLM servers that misbehave, through the real openai client: HTML with HTTP 200, llama-cpp-python's
and llama-server's ways with response formats and token limits, timeouts, failed items, a server
without the Batch API, and the limits the final table reports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.llm.cache import request_body
from autonote.llm.client import ChatClient
from autonote.llm.formats import ladder_for
from autonote.llm.structured import ChatRequest, parse_output
from autonote.notes.format import parse_note
from autonote.schema import llm_output_model
from tests.loopback import FIXTURES, Fault, OpenAIServer, ServerRateLimit
from tests.test_regen import drafts, journal, table

ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"
HTML = Fault(
    200, body="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"Content-Type": "text/html"}
)


@pytest.fixture
def serve(openai_servers):
    """Start an OpenAIServer with the given options and point autonote at it."""
    env = {"OPENAI_API_KEY": "sk-test-secret-key-123456", "AUTONOTE_LLM_MAX_RETRIES": "2"}
    return lambda **options: openai_servers(env, **options)


def formats_sent(server: OpenAIServer) -> list[str]:
    out = []
    for request in server.chat_requests():
        fmt = request.get("response_format") or {}
        out.append(fmt.get("type", "none") + ("+schema" if "schema" in fmt else ""))
    return out


# -- HTML (or anything else) with HTTP 200 ------------------------------------------------------------


def test_html_with_200_is_retried_then_fails_only_that_item(run, corpus: Path, serve) -> None:
    server = serve()
    server.faults = [HTML] * 3  # the first item's three tries (llm_max_retries 2)
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    assert "failed: arxiv-1706.03762: the LLM server sent an unusable answer" in result.stderr
    assert "502 Bad Gateway" in result.stderr and "Traceback" not in result.stderr
    assert journal(corpus) == {"done": 8, "failed": 1} and len(drafts(corpus)) == 8
    assert table(result.stdout)["retried (5xx, timeouts)"] == "2"


def test_html_once_is_retried_and_the_draft_succeeds(run, corpus: Path, serve) -> None:
    server = serve()
    server.faults = [HTML]
    result = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert len(server.chat_requests()) == 2


@pytest.mark.parametrize("command", ["draft", "suggest", "index"])
def test_html_with_200_is_one_line_for_every_command(run, corpus: Path, serve, command: str) -> None:
    server = serve()
    server.faults = [HTML] * 3
    args = {
        "draft": ["draft", str(ABSTRACT), "--title", "T"],
        "suggest": ["suggest", str(ABSTRACT), "--embeddings"],
        "index": ["index", "--embeddings"],
    }[command]
    result = run(*args, "--corpus", str(corpus))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("autonote: error: ") and "unusable answer" in lines[-1], result.stderr
    assert "Traceback" not in result.stderr and "has no attribute" not in result.stderr


# -- llama-cpp-python 0.3 and llama-server -----------------------------------------------------------------


def test_llama_cpp_python_json_mode_with_schema_is_learned_once_and_remembered(
    run, corpus: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An answer without max_tokens would take 30 s (it ignores max_completion_tokens): with a 5 s
    # timeout, any request that lacks max_tokens fails the test.
    server = serve(flavor="llama-cpp-python", unbounded_seconds=30)
    monkeypatch.setenv("AUTONOTE_LLM_TIMEOUT", "5")
    first = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert first.exit_code == 0, first.stderr
    assert formats_sent(server) == ["json_schema"] + ["json_object+schema"] * 9  # one refusal per run
    for request in server.chat_requests()[1:]:
        assert request["max_tokens"] == request["max_completion_tokens"] == 1500
        assert request["response_format"]["schema"]["properties"]["summary"]["type"] == "string"
    draft = parse_note((corpus / "drafts" / "arxiv-1706.03762.md").read_text(encoding="utf-8"))
    assert "\n" not in draft.summary and draft.summary.startswith(
        "本研究では"
    )  # raw control characters parsed
    assert draft.provenance and draft.provenance.response_format == "json_object+schema"  # the exact rung

    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        assert db.execute("SELECT server, rung FROM llm_formats").fetchall() == [
            (server.base_url, "json_object+schema")
        ]
    before = len(server.chat_requests())
    second = run(
        "regen", "--all", "--fields", "tags", "--force", "--no-cache", "--corpus", str(corpus)
    )  # a new run, new items
    assert second.exit_code == 0, second.stderr
    assert formats_sent(server)[before:] == ["json_object+schema"] * 9  # remembered: no refused request


def test_the_format_is_probed_once_before_a_run_fans_out(run, corpus: Path, serve) -> None:
    server = serve(flavor="llama-cpp-python", latency=0.05)
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "8")
    assert result.exit_code == 0, result.stderr
    assert server.refused == 1  # one probe, not one refused request per request in flight
    sent = formats_sent(server)
    assert sent.count("json_schema") == 1 and sent.count("json_object+schema") == 9
    # A second run starts at the remembered rung, still probing it once before fanning out.
    again = run("regen", "--all", "--fields", "tags", "--force", "--no-cache", "--corpus", str(corpus))
    assert again.exit_code == 0, again.stderr
    assert server.refused == 1 and formats_sent(server)[10:] == ["json_object+schema"] * 9


def test_draft_against_llama_cpp_python(run, corpus: Path, serve) -> None:
    server = serve(flavor="llama-cpp-python")
    result = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert formats_sent(server) == ["json_schema", "json_object+schema"]
    assert "via json_object+schema" in result.stderr
    again = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus), "--force", "--no-cache")
    assert again.exit_code == 0 and formats_sent(server)[2:] == ["json_object+schema"]


def test_llama_server_accepts_json_schema_and_its_500_stops_the_item_without_a_fallback(
    run, corpus: Path, serve
) -> None:
    server = serve(flavor="llama-server")
    body = '{"error": {"code": 500, "message": "Failed to parse input at pos 12", "type": "server_error"}}'
    server.faults = [Fault(500, body=body, headers={"Content-Type": "application/json"})] * 3
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    assert (
        "failed: arxiv-1706.03762: the LLM server failed with HTTP 500: Failed to parse input"
        in result.stderr
    )
    assert set(formats_sent(server)) == {"json_schema"}  # never moved down the ladder
    assert journal(corpus) == {"done": 8, "failed": 1}
    for request in server.chat_requests():
        assert request["max_tokens"] == request["max_completion_tokens"]


def test_openai_gets_no_max_tokens_and_no_schema_in_json_mode() -> None:
    request = ChatRequest([{"role": "user", "content": "x"}], None, "none")
    assert "max_tokens" not in request_body("m", request, temperature=0, max_completion_tokens=9)
    assert (
        request_body("m", request, temperature=0, max_completion_tokens=9, max_tokens=True)["max_tokens"] == 9
    )
    assert ladder_for("auto", None) == ("json_schema", "json_object", "none")
    assert ladder_for("auto", "https://api.openai.com/v1") == ("json_schema", "json_object", "none")
    assert ladder_for("auto", "http://127.0.0.1:8080/v1") == (
        "json_schema",
        "json_object+schema",
        "json_object",
        "none",
    )
    assert ladder_for("json_object", "http://localhost:8000/v1") == ("json_object+schema", "json_object")


def test_a_server_refusing_max_tokens_is_asked_again_without_it(serve) -> None:
    server = serve()
    refusal = (
        '{"error": {"message": "Unsupported parameter: \'max_tokens\' is not supported with this model. '
        'Use \'max_completion_tokens\' instead.", "type": "invalid_request_error"}}'
    )
    server.faults = [Fault(400, body=refusal, headers={"Content-Type": "application/json"})]
    chat = ChatClient(model="m", api_key="k", base_url=server.base_url, timeout=5, max_retries=2,
                      temperature=0, max_completion_tokens=50)  # fmt: skip
    reply = chat.complete(ChatRequest([{"role": "user", "content": "x"}], None, "none"))
    assert reply.content and "max_tokens" in server.chat_requests()[0]
    assert "max_tokens" not in server.chat_requests()[1] and not chat.send_max_tokens


# -- timeouts: never re-sent without bound -------------------------------------------------------------------


def test_a_timed_out_request_is_sent_again_at_most_once(
    run, corpus: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve()
    monkeypatch.setenv("AUTONOTE_LLM_TIMEOUT", "0.3")
    monkeypatch.setenv("AUTONOTE_LLM_MAX_RETRIES", "6")
    server.faults = [Fault(delay=1.0)] * 10
    result = run("regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert "did not answer within 0.3 s (2 time(s); not sent again" in result.stderr
    assert len(server.chat_requests()) == 2  # not 7, although 6 retries are allowed
    draft = run("draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus))
    assert draft.exit_code == 1 and "not sent again" in draft.stderr
    assert len(server.chat_requests()) == 4


# -- failed items: raw output kept, tokens counted ------------------------------------------------------------


def test_failed_regen_items_keep_their_raw_output_and_count_their_tokens(run, corpus: Path, serve) -> None:
    server = serve()
    server.replies = ['{"summary": "切れ', "I cannot help with that.", "still not JSON"]
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    kept = corpus / ".autonote" / "failed" / "arxiv-1706.03762.json"
    assert f"raw output kept in {kept}" in result.stderr
    record = json.loads(kept.read_text(encoding="utf-8"))
    assert [a["raw"] for a in record["attempts"]] == [
        '{"summary": "切れ',
        "I cannot help with that.",
        "still not JSON",
    ]
    assert all(a["prompt_tokens"] > 500 for a in record["attempts"])
    rows = table(result.stdout)
    failed_prompt, failed_completion = (
        int(v.replace(",", "")) for v in rows["of which on failed items"].split(" / ")
    )
    assert failed_prompt == sum(a["prompt_tokens"] for a in record["attempts"]) and failed_completion > 0
    total_prompt = int(rows["prompt / completion tokens"].split(" / ")[0].replace(",", ""))
    assert total_prompt > failed_prompt


def test_validation_errors_show_the_offending_value(run, corpus: Path, serve) -> None:
    server = serve()
    bad = json.dumps({"summary": "本研究では" * 20, "key_points": ["a", "b", "c"], "tags": ["NoSuchTagAnywhere"],
                      "new_tags": [], "related_ids": []}, ensure_ascii=False)  # fmt: skip
    server.replies = [bad] * 3
    result = run("regen", "--ids", "arxiv-1706.03762", "--fields", "tags", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert 'tags.0: "NoSuchTagAnywhere" is not valid: Input should be' in result.stderr


def test_long_values_and_long_enums_are_cut_in_the_middle_only() -> None:
    tags = [f"Tag{i:03d}WithALongName" for i in range(60)]
    model = llm_output_model(tags, [], translate=False)
    wrong = "Wrong" + "x" * 500 + "END"
    raw = json.dumps({"summary": "s", "key_points": [], "tags": [wrong], "new_tags": [], "related_ids": []})
    output, errors = parse_output(raw, model)
    assert output is None and len(errors) == 1
    message = errors[0]
    assert message.startswith('tags.0: "Wrongxxx') and 'xxxEND"' in message and " … " in message
    assert "Tag000WithALongName" in message and "Tag059WithALongName" in message and len(message) < 340


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_parse_output_never_raises(raw: str) -> None:
    model = llm_output_model(["A", "B"], ["x"], translate=False)
    output, errors = parse_output(raw, model)
    assert (output is None) != (errors == []) or (output is not None and errors == [])
    assert all(isinstance(e, str) and e for e in errors)


def test_raw_control_characters_in_json_strings_are_accepted() -> None:
    model = llm_output_model(["A"], [], translate=False)
    raw = '{"summary": "一行目\n二行目\tタブ", "key_points": ["a"], "tags": ["A"], "new_tags": [], "related_ids": []}'
    output, errors = parse_output(raw, model)
    assert errors == [] and output is not None and output.summary == "一行目\n二行目\tタブ"


# -- the Batch API where there is none -------------------------------------------------------------------------


def test_a_server_without_the_batch_api_is_one_line(run, corpus: Path, serve) -> None:
    serve(without=("files", "batches", "batch"))
    result = run("regen", "--all", "--via", "batch", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "autonote: error: the LLM server has no Batch API (uploading the batch file to /v1/files answered"
        " HTTP 404); use --via direct"
    )


# -- the limits the table reports ------------------------------------------------------------------------------


def test_the_limits_rows_say_what_the_client_knew(run, corpus: Path, serve) -> None:
    serve()
    plain = run("regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus))
    assert table(plain.stdout)["limits"] == "none known: none given, no x-ratelimit headers"
    assert "limit: requests/min" not in table(plain.stdout)
    given_limits = run("regen", "--ids", "arxiv-2305.18290", "--rpm", "600", "--corpus", str(corpus))
    assert table(given_limits.stdout)["limit: requests/min"] == "600, given"
    assert "limits" not in table(given_limits.stdout)
    serve(limits=ServerRateLimit(rpm=5000, tpm=9_000_000))
    learned = run("regen", "--ids", "arxiv-2010.11929", "--rpm", "600", "--corpus", str(corpus))
    rows = table(learned.stdout)
    assert rows["limit: requests/min"] == "600, given"
    assert rows["limit: tokens/min"] == "9,000,000, learned from x-ratelimit headers"


def test_prompt_tokens_from_the_providers_prompt_cache_are_reported_and_priced(
    run, corpus: Path, arxiv_server, monkeypatch
) -> None:
    """A provider that serves a repeated prompt prefix from its cache (usage.prompt_tokens_details
    .cached_tokens) is billed less: autonote reports those tokens and prices them as cached input."""
    from autonote.notes.format import parse_note
    from tests.loopback import OpenAIServer

    with OpenAIServer(prompt_cache_min=128) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-prompt-cache-0001")
        first = run("draft", "2504.07086", "--corpus", str(corpus), "--no-cache")
        assert first.exit_code == 0, first.stderr
        one = parse_note(Path(first.stdout.strip()).read_text(encoding="utf-8")).provenance
        again = run("draft", "2504.07086", "--corpus", str(corpus), "--no-cache", "--force")
        assert again.exit_code == 0, again.stderr
        two = parse_note(Path(again.stdout.strip()).read_text(encoding="utf-8")).provenance
    assert one and two and one.cached_prompt_tokens == 0 and two.cached_prompt_tokens >= 128
    assert "from the provider's prompt cache" in again.stderr
    assert two.cost_usd is not None and one.cost_usd is not None and two.cost_usd < one.cost_usd
