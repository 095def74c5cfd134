"""What an LLM server or the state database hands back is read with the nesting limit
(``autonote.bounded.load_json``), the same as every other outside input."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from autonote.llm.cache import ResponseCache
from autonote.llm.structured import ChatReply, parse_output
from autonote.state import StateDB


class Summary(BaseModel):
    summary: list[str]


def test_a_model_answer_nested_past_the_limit_is_invalid_json_naming_the_limit() -> None:
    depth = 300  # below Python's recursion limit: json.loads alone would return it
    value, errors = parse_output('{"summary": ' + "[" * depth + "]" * depth + "}", Summary)
    assert value is None and len(errors) == 1 and "nested more than 64 levels deep" in errors[0], errors


def test_a_model_answer_within_the_limit_is_read() -> None:
    value, errors = parse_output('{"summary": ["一", "二"]}', Summary)
    assert errors == [] and value is not None and value.summary == ["一", "二"]


@pytest.mark.parametrize("stored", ["not json", "[" * 300 + "]" * 300, '{"no": "content"}', "[]"])
def test_a_damaged_response_cache_entry_is_a_miss(tmp_path: Path, stored: str) -> None:
    state = StateDB(tmp_path)
    cache = ResponseCache(state)
    cache.put("k", "m", ChatReply(content="ok", prompt_tokens=1, completion_tokens=1, finish_reason="stop"))
    assert cache.get("k") is not None and cache.get("k").content == "ok"
    state.conn.execute("UPDATE llm_cache SET reply_json = ? WHERE key = 'k'", (stored,))
    assert cache.get("k") is None


def test_toml_with_exactly_the_limits_brackets_is_one_level_past_it() -> None:
    """The root table is a level without a bracket (found by hypothesis in test_hostile_input.py)."""
    from autonote.bounded import MAX_NESTING, NestingTooDeepError, load_toml

    with pytest.raises(NestingTooDeepError):
        load_toml("x = " + "[" * MAX_NESTING + "]" * MAX_NESTING)
    assert load_toml("x = " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1))["x"]
