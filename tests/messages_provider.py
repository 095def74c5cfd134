"""A second LLM provider, written the way issue 19's seam asks: one module and one registration.

It speaks a Messages-style protocol (``POST /v1/messages`` with ``x-api-key`` and
``anthropic-version`` headers; the answer's ``content`` is a list of text blocks and its ``usage``
counts ``input_tokens`` / ``output_tokens``), which is not OpenAI-compatible: no
``response_format`` (the only structured-output rung is the schema in the prompt), no batch
interface, no tiktoken encoding (approximate counts), prices of its own. It is registered by
``tests/test_provider_seam.py`` with ``PROVIDER_MODULES["messages"] = "tests.messages_provider"``
and drives ``autonote draft`` through the real CLI against :class:`MessagesServer`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from autonote import secrets
from autonote.errors import LLMError, LLMFatalError
from autonote.llm.cache import ResponseCache, request_key
from autonote.llm.formats import FormatMemory
from autonote.llm.limiter import RateLimiter
from autonote.llm.providers import RequestStats
from autonote.llm.structured import ChatReply, ChatRequest
from autonote.tokens import TokenCounter
from tests.loopback import _Server, cooperative_reply

API_VERSION = "2023-06-01"
PRICES_PER_MTOK = {"messages-small": (0.80, 4.00)}


class MessagesChat:
    """The blocking client: one POST per request, its errors as one-line LLMErrors."""

    def __init__(self, settings: Any, completion_limit: int, cache: ResponseCache | None) -> None:
        self.model = settings.model
        self.url = (settings.base_url or "").rstrip("/") + "/v1/messages"
        self._key = settings.api_key.get_secret_value() if settings.api_key else ""
        secrets.register(self._key)
        self.max_tokens = completion_limit
        self.temperature = settings.temperature
        self.timeout = settings.llm_timeout
        self.cache = cache
        self.formats = FormatMemory(("none",), server=self.url, model=self.model)

    def body(self, request: ChatRequest) -> dict[str, Any]:
        system = "\n\n".join(m["content"] for m in request.messages if m["role"] == "system")
        turns = [m for m in request.messages if m["role"] != "system"]
        body: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": turns}
        if system:
            body["system"] = system
        body["temperature"] = self.temperature
        return body

    def cached(self, request: ChatRequest) -> ChatReply | None:
        return self.cache.get(request_key(self.body(request))) if self.cache is not None else None

    def remember(self, request: ChatRequest, reply: ChatReply) -> None:
        if self.cache is not None and not reply.cached:
            self.cache.put(request_key(self.body(request)), self.model, reply)

    def complete(self, request: ChatRequest) -> ChatReply:
        if (hit := self.cached(request)) is not None:
            return hit
        return self.send(request)

    def send(self, request: ChatRequest) -> ChatReply:
        """One POST (touches no state: the async client runs it in a worker thread)."""
        data = json.dumps(self.body(request)).encode()
        headers = {
            "x-api-key": self._key,
            "anthropic-version": API_VERSION,
            "content-type": "application/json",
        }
        try:
            with urllib.request.urlopen(
                urllib.request.Request(self.url, data=data, headers=headers), timeout=self.timeout
            ) as answer:
                payload = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            said = secrets.redact(exc.read().decode("utf-8", "replace"))[:200]
            error = LLMFatalError if exc.code in (401, 403) else LLMError
            raise error(f"the Messages API answered HTTP {exc.code}: {said}") from None
        except OSError as exc:
            raise LLMError(f"cannot reach the Messages API: {secrets.redact(str(exc))}") from None
        text = "".join(
            block.get("text", "") for block in payload.get("content", []) if block.get("type") == "text"
        )
        usage = payload.get("usage") or {}
        return ChatReply(
            content=secrets.redact(text),
            prompt_tokens=usage.get("input_tokens"),
            completion_tokens=usage.get("output_tokens"),
            finish_reason="length" if payload.get("stop_reason") == "max_tokens" else "stop",
        )

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        raise LLMFatalError("the Messages API has no embeddings endpoint; turn embeddings off")


@dataclass(frozen=True)
class InFlight:
    workers: int


class AsyncMessagesChat(MessagesChat):
    """The async client: the blocking send in a worker thread, under the rate limiter."""

    def __init__(
        self, settings: Any, completion_limit: int, cache: ResponseCache | None, limiter: RateLimiter
    ):
        super().__init__(settings, completion_limit, cache)
        self.limiter = limiter
        self.stats = RequestStats()

    async def complete(self, request: ChatRequest) -> ChatReply:  # type: ignore[override]
        if (hit := self.cached(request)) is not None:
            self.stats.cached += 1
            return hit
        prompt = PROVIDER.token_counter(self.model).count_messages(request.messages)
        ticket = await self.limiter.acquire(prompt, self.max_tokens)
        self.limiter.left(ticket)
        self.stats.sent += 1
        reply = await asyncio.to_thread(self.send, request)
        self.limiter.settle(ticket, {}, prompt_tokens=reply.prompt_tokens)
        self.stats.answered += 1
        self.stats.prompt_tokens += reply.prompt_tokens or 0
        self.stats.completion_tokens += reply.completion_tokens or 0
        return reply

    async def follow_slots(self, concurrency: int | None) -> InFlight:
        return InFlight(concurrency or 4)  # the protocol says nothing of slots: a fixed number

    async def close(self) -> None:
        self.stats.limits = self.limiter.describe()


class MessagesProvider:
    name = "messages"
    batch_discount = 1.0  # no batch interface
    preload = ()

    def chat_client(self, settings: Any, *, completion_limit: int, cache: Any, formats: Any) -> MessagesChat:
        return MessagesChat(settings, completion_limit, cache)

    def async_chat_client(
        self, settings: Any, *, completion_limit: int, limiter: Any, cache: Any, retries: int, formats: Any
    ) -> AsyncMessagesChat:
        return AsyncMessagesChat(settings, completion_limit, cache, limiter)

    def token_counter(self, model: str) -> TokenCounter:
        return TokenCounter(encoding=None, model=model)  # no public encoding: approximate counts

    def estimate_cost(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        override: tuple[float | None, float | None] = (None, None),
        cached_prompt_tokens: int = 0,
    ) -> float | None:
        price = PRICES_PER_MTOK.get(model)
        if override[0] is not None and override[1] is not None:
            price = (override[0], override[1])
        return None if price is None else (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6

    def batches(self, chat: Any) -> None:
        return None


PROVIDER = MessagesProvider()


class MessagesServer(_Server):
    """A loopback server speaking the Messages protocol: the note JSON any request's schema asks
    for (the schema is in the prompt), usage counted in words, 401 for a wrong key."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.answered: list[dict[str, Any]] = []

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, dict[str, str]]:
        headers = {k.lower(): v for k, v in self.request_headers.value.items()}
        if method != "POST" or path != "/v1/messages":
            return (
                404,
                json.dumps({"type": "error", "error": {"type": "not_found_error", "message": path}}),
                {},
            )
        if headers.get("x-api-key") != self.key or headers.get("anthropic-version") != API_VERSION:
            error = {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            }
            return 401, json.dumps(error), {"Content-Type": "application/json"}
        request = json.loads(body)
        self.answered.append(request)
        text = cooperative_reply({"response_format": _schema_in_prompt(request["messages"][-1]["content"])})
        prompt_words = sum(len(m["content"].split()) for m in request["messages"]) + len(
            request.get("system", "").split()
        )
        payload = {
            "id": f"msg_{len(self.answered)}",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": prompt_words, "output_tokens": len(text) // 2},
        }
        return 200, json.dumps(payload, ensure_ascii=False), {"Content-Type": "application/json"}


def _schema_in_prompt(prompt: str) -> dict[str, Any]:
    """The schema the prompt spells out (the only structured-output rung of this protocol), as the
    response format an OpenAI-compatible request would have carried it."""
    marker = "follow this JSON schema:"
    at = prompt.index(marker) + len(marker)
    schema, _ = json.JSONDecoder().raw_decode(prompt[at:].lstrip())
    return {"type": "json_schema", "json_schema": {"name": "note", "schema": schema}}
