"""The LLM response cache: an identical request is never paid for twice.

The key is the SHA-256 of the request body exactly as sent (model, messages, response format,
temperature, token limit) in canonical JSON, so anything that changes the answer changes the key:
a new prompt template, a different model, other candidates. ``draft`` and ``regen`` (direct and
Batch API) share it; it lives in ``state.sqlite`` with the rest of what autonote remembers.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from autonote.bounded import load_json
from autonote.llm.structured import ChatReply, ChatRequest
from autonote.state import StateDB


def request_body(
    model: str,
    request: ChatRequest,
    *,
    temperature: float,
    max_completion_tokens: int,
    max_tokens: bool = False,
) -> dict[str, Any]:
    """The chat-completions body for a request (the same for a direct call and a batch line).

    ``max_tokens`` also sends the completion limit under its older name: OpenAI reads
    ``max_completion_tokens`` (and refuses ``max_tokens`` for its reasoning models), while several
    OpenAI-compatible servers read only ``max_tokens`` (llama-cpp-python 0.3 ignores the other and
    generates until its context is full, long past any timeout)."""
    body: dict[str, Any] = {
        "model": model,
        "messages": request.messages,
        "temperature": temperature,
        "max_completion_tokens": max_completion_tokens,
    }
    if max_tokens:
        body["max_tokens"] = max_completion_tokens
    if request.response_format is not None:
        body["response_format"] = request.response_format
    return body


_LIMITS = ("max_completion_tokens", "max_tokens")


def request_key(body: dict[str, Any]) -> str:
    """The cache key of a request: its body, without the completion limit (an answer that fits
    does not depend on it, and one cut off by it never validates, so it is never cached)."""
    asked = {key: value for key, value in body.items() if key not in _LIMITS}
    canonical = json.dumps(asked, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, state: StateDB) -> None:
        self.conn = state.conn

    def get(self, key: str) -> ChatReply | None:
        row = self.conn.execute("SELECT reply_json FROM llm_cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            data = load_json(row[0])
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("content"), str):
            return None  # a damaged entry is a miss: the request is asked again and the entry replaced
        return ChatReply(
            content=data["content"],
            prompt_tokens=data.get("prompt_tokens"),
            completion_tokens=data.get("completion_tokens"),
            finish_reason=data.get("finish_reason"),
            cached=True,
            cached_prompt_tokens=data.get("cached_prompt_tokens"),
        )

    def put(self, key: str, model: str, reply: ChatReply) -> None:
        data = {
            "content": reply.content,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "finish_reason": reply.finish_reason,
            "cached_prompt_tokens": reply.cached_prompt_tokens,
        }
        self.conn.execute(
            "INSERT OR REPLACE INTO llm_cache(key, model, created, reply_json) VALUES (?, ?, ?, ?)",
            (key, model, time.time(), json.dumps(data, ensure_ascii=False)),
        )
