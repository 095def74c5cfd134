"""The generations log's answers: the completion limit a request needs, from the answers so far,
and a response cache that does not depend on it."""

from __future__ import annotations

from pathlib import Path

from autonote.generations import completion_limit, log_attempt
from autonote.llm.cache import request_key
from autonote.llm.structured import Attempt
from autonote.state import StateDB


def logged(state: StateDB, completions: list[int], *, model: str = "gpt-4o-mini", ok: bool = True) -> None:
    for number, tokens in enumerate(completions, 1):
        attempt = Attempt("json_schema", "{}", [] if ok else ["bad"], 900, tokens, 1.0)
        log_attempt(state, note_id=f"n{number}", model=model, prompt_version="p", number=1, attempt=attempt)


def test_the_limit_follows_the_answers_so_far(tmp_path: Path) -> None:
    state = StateDB(tmp_path / "state")
    assert completion_limit(state, "gpt-4o-mini") == (1500, "default (fewer than 20 earlier answers)")
    logged(state, [180 + (n % 40) for n in range(200)])  # answers of 180-219 tokens
    limit, basis = completion_limit(state, "gpt-4o-mini")
    assert limit == 512 and "99th percentile of 200" in basis  # 1.5 x 219 = 329, at least 512
    logged(state, [700] * 10)
    assert completion_limit(state, "gpt-4o-mini")[0] == 1280  # 1.5 x 700 = 1050, up to a step of 256
    assert completion_limit(state, "gpt-4o-mini", translate=True)[0] == 2560
    logged(state, [5000] * 50, ok=False)  # answers that failed validation do not count
    logged(state, [9000] * 50, model="other-model")  # nor do another model's
    assert completion_limit(state, "gpt-4o-mini")[0] == 1280


def test_the_response_cache_key_does_not_depend_on_the_limit() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0.2}
    assert request_key({**body, "max_completion_tokens": 512}) == request_key(
        {**body, "max_completion_tokens": 1500, "max_tokens": 1500}
    )
    assert request_key(body) != request_key({**body, "temperature": 0.3})
