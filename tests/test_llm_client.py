"""Structured output over a loopback OpenAI-compatible server, through the real openai client."""

from __future__ import annotations

import json

import pytest

from autonote.errors import LLMError, LLMOutputInvalidError
from autonote.llm.client import ChatClient, generate_structured, schema_for_prompt
from autonote.schema import LLMNoteOutput, Paper, llm_output_model
from autonote.validation import check_output
from tests.loopback import GOOD_POINTS, GOOD_SUMMARY, Fault, OpenAIServer

PAPER = Paper(source="local", title="T", abstract="A paper about reinforcement learning for reasoning.")
TAGS = ["NLP", "ReinforcementLearning", "Reasoning"]
RELATED = ["arxiv-2501.12948", "arxiv-2402.03300"]


def good(**changes: object) -> str:
    answer = {
        "summary": GOOD_SUMMARY,
        "key_points": GOOD_POINTS,
        "tags": ["NLP"],
        "new_tags": [],
        "related_ids": [],
    }
    answer.update(changes)
    return json.dumps(answer, ensure_ascii=False)


def generate(
    server: OpenAIServer, *, mode: str = "auto", timeout: float = 10, retries: int = 2, reasks: int = 2
):
    chat = ChatClient(model="gpt-4o-mini", api_key="sk-secret-xyz", base_url=server.base_url, timeout=timeout,
                      max_retries=retries, temperature=0.2, max_completion_tokens=800)  # fmt: skip
    model = llm_output_model(TAGS, RELATED, translate=False)
    schema = schema_for_prompt(model)

    def build(current: str) -> list[dict[str, str]]:
        extra = (
            ""
            if current == "json_schema"
            else f"\nThe JSON object must follow this JSON schema exactly:\n{schema}"
        )
        return [
            {"role": "system", "content": "Write a note."},
            {"role": "user", "content": "Paper: T" + extra},
        ]

    def check(output: LLMNoteOutput):
        return check_output(output, PAPER, vocabulary=set(TAGS), tag_candidates=TAGS,
                            related_candidates=RELATED, translate=False)  # fmt: skip

    return generate_structured(chat, build, model, check, mode=mode, max_reasks=reasks)


def test_schema_sent_constrains_tags_and_related_ids_to_candidates(llm_server: OpenAIServer) -> None:
    result = generate(llm_server)
    sent = llm_server.chat_requests()[0]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    props = sent["json_schema"]["schema"]["properties"]
    assert props["tags"]["items"]["enum"] == TAGS
    assert props["related_ids"]["items"]["enum"] == RELATED
    assert sent["json_schema"]["schema"]["additionalProperties"] is False
    assert result.mode == "json_schema" and result.output.tags == TAGS[:3]
    headers = {k.lower(): v for k, v in llm_server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-secret-xyz"


def test_server_without_structured_outputs_falls_back_to_json_mode() -> None:
    with OpenAIServer(accept_formats=("json_object",)) as server:
        result = generate(server)
        formats = [(r.get("response_format") or {}).get("type") for r in server.chat_requests()]
    assert formats == ["json_schema", "json_object"]
    assert result.mode == "json_object"
    assert "JSON schema exactly" in server.chat_requests()[1]["messages"][-1]["content"]


def test_server_accepting_no_response_format_gets_the_schema_in_the_prompt() -> None:
    with OpenAIServer(accept_formats=()) as server:
        server.replies.append("```json\n" + good() + "\n```")  # a chatty model wraps JSON in fences
        result = generate(server)
    assert result.mode == "none" and result.output.summary == GOOD_SUMMARY


def test_invalid_json_is_re_asked_with_the_errors_then_accepted(llm_server: OpenAIServer) -> None:
    llm_server.replies += [
        '{"summary": "途中で切れた',
        good(summary="This summary is in English and is not acceptable " * 3),
    ]
    result = generate(llm_server)
    requests = llm_server.chat_requests()
    assert len(requests) == 3 and len(result.attempts) == 3
    second, third = requests[1]["messages"], requests[2]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"summary": "途中で切れた'}
    assert "Invalid JSON" in second[-1]["content"]
    assert "not Japanese" in third[-1]["content"]
    assert len(requests[0]["messages"]) == 2  # the first request was not mutated by the re-asks


def test_re_asks_are_bounded_and_the_failure_keeps_every_raw_output(llm_server: OpenAIServer) -> None:
    llm_server.replies += ["not json at all", good(tags=["Invented"]), good(key_points=["一つだけ"])]
    with pytest.raises(LLMOutputInvalidError) as caught:
        generate(llm_server, reasks=2)
    assert len(llm_server.chat_requests()) == 3
    raws = [a["raw"] for a in caught.value.attempts]
    assert raws[0] == "not json at all" and "Invented" in raws[1]
    assert caught.value.attempts[2]["errors"] == ["1 key points; give 3-6"]


def test_429_with_retry_after_and_500_are_retried_by_the_client(llm_server: OpenAIServer) -> None:
    llm_server.faults += [
        Fault(
            429,
            body='{"error": {"message": "slow down"}}',
            headers={"Retry-After": "1", "Content-Type": "application/json"},
        ),
        Fault(500, body='{"error": {"message": "boom"}}', headers={"Content-Type": "application/json"}),
    ]
    result = generate(llm_server)
    times = [r["time"] for r in llm_server.requests]
    assert len(times) == 3 and times[1] - times[0] >= 0.95
    assert result.output.summary == GOOD_SUMMARY


def test_persistent_429_becomes_one_clear_error(llm_server: OpenAIServer) -> None:
    llm_server.faults += [Fault(429, body="{}", headers={"Retry-After": "0"}) for _ in range(3)]
    with pytest.raises(LLMError, match=r"rate limited.*429"):
        generate(llm_server, retries=2)


def test_slow_server_times_out_cleanly_without_leaking_the_key(llm_server: OpenAIServer) -> None:
    llm_server.faults += [Fault(delay=1.0), Fault(delay=1.0)]
    with pytest.raises(LLMError, match=r"did not answer within 0\.3 s") as caught:
        generate(llm_server, timeout=0.3, retries=1)
    assert "sk-secret" not in str(caught.value)


def test_malformed_http_body_is_an_llm_error(llm_server: OpenAIServer) -> None:
    llm_server.faults += [
        Fault(200, body="<html>proxy error</html>", headers={"Content-Type": "application/json"})
    ]
    with pytest.raises(LLMError):
        generate(llm_server, retries=0, reasks=0)
