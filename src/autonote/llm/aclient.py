"""The async chat client for bulk work (``regen``): rate-limited, retrying on its own terms, cached.

The openai client's own retries are off (``max_retries=0``) so that every 429 is seen here: it pauses
all requests for the server's ``retry-after-ms`` / ``retry-after`` and feeds the limiter. 5xx,
timeouts and connection errors retry with jittered exponential backoff, at most ``retries`` times.
Headers of every response go to the limiter, which learns the provider's limits when none are
configured.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from autonote.errors import LLMError, LLMFatalError
from autonote.llm.cache import ResponseCache, request_body, request_key
from autonote.llm.client import _FORMAT_COMPLAINT
from autonote.llm.limiter import RateLimiter, retry_after
from autonote.llm.structured import ChatReply, ChatRequest, FormatRejected, reply_from_completion

BACKOFF_BASE = 0.5
BACKOFF_MAX = 20.0


@dataclass
class RequestStats:
    """Counts for the progress bar and the final table."""

    sent: int = 0  # HTTP requests made (each retry counts)
    answered: int = 0
    cached: int = 0
    rate_limited: int = 0  # 429s received
    retried: int = 0  # 5xx / timeouts / connection errors retried
    prompt_tokens: int = 0
    completion_tokens: int = 0
    http_seconds: float = 0.0  # time spent waiting for HTTP answers (for the client-overhead figure)


class AsyncChatClient:
    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        temperature: float,
        max_completion_tokens: int,
        limiter: RateLimiter,
        count_messages: Any,
        cache: ResponseCache | None = None,
        retries: int = 6,
        rng: random.Random | None = None,
    ) -> None:
        from openai import AsyncOpenAI

        self.model, self.temperature, self.max_completion_tokens = model, temperature, max_completion_tokens
        self.limiter, self.cache, self.retries = limiter, cache, retries
        self.count_messages = count_messages
        self.base_url = base_url
        self.timeout = timeout
        self._secret = api_key
        self._client = AsyncOpenAI(
            api_key=api_key or "no-key", base_url=base_url, timeout=timeout, max_retries=0
        )
        self.stats = RequestStats()
        self.rng = rng or random.Random()

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def body(self, request: ChatRequest) -> dict[str, Any]:
        return request_body(
            self.model,
            request,
            temperature=self.temperature,
            max_completion_tokens=self.max_completion_tokens,
        )

    def estimated_tokens(self, request: ChatRequest) -> int:
        """What a provider counts against tokens/min: the prompt plus the completion limit."""
        return self.count_messages(request.messages) + self.max_completion_tokens

    def _backoff(self, attempt: int) -> float:
        return min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt) * (0.5 + self.rng.random())

    async def complete(self, request: ChatRequest) -> ChatReply:
        import openai

        body = self.body(request)
        key = request_key(body)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.stats.cached += 1
            return hit
        tokens = self.estimated_tokens(request)
        failure = "no attempt made"
        for attempt in range(self.retries + 1):
            await self.limiter.acquire(tokens)
            self.stats.sent += 1
            started = time.monotonic()
            try:
                raw = await self._client.chat.completions.with_raw_response.create(**body)
                self.stats.http_seconds += time.monotonic() - started
                self.limiter.observe(raw.headers)
                response = raw.parse()
            except openai.RateLimitError as exc:
                self.stats.http_seconds += time.monotonic() - started
                self.stats.rate_limited += 1
                self.limiter.observe(exc.response.headers)
                wait = retry_after(exc.response.headers)
                self.limiter.pause(wait if wait is not None else self._backoff(attempt))
                failure = "rate limited (HTTP 429)"
                continue
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                self.stats.retried += 1
                failure = "timed out" if isinstance(exc, openai.APITimeoutError) else "connection failed"
                await asyncio.sleep(self._backoff(attempt))
                continue
            except openai.BadRequestError as exc:
                detail = self.redact(str(exc))
                if request.response_format is not None and _FORMAT_COMPLAINT.search(detail):
                    raise FormatRejected(detail) from None
                raise LLMError(f"the LLM server rejected the request: {detail[:300]}") from None
            except openai.AuthenticationError:
                raise LLMFatalError(
                    "the LLM server rejected the API key (HTTP 401); check OPENAI_API_KEY"
                ) from None
            except openai.NotFoundError as exc:
                raise LLMFatalError(
                    f"model {self.model!r} not found: {self.redact(str(exc))[:200]}"
                ) from None
            except openai.APIStatusError as exc:
                if exc.status_code in (408, 409) or exc.status_code >= 500:
                    self.stats.retried += 1
                    failure = f"HTTP {exc.status_code}"
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                raise LLMError(f"the LLM server failed with HTTP {exc.status_code}") from None
            except (openai.APIError, ValueError) as exc:  # a body that is not JSON at all
                self.stats.retried += 1
                failure = f"unusable response ({self.redact(str(exc))[:80]})"
                await asyncio.sleep(self._backoff(attempt))
                continue
            reply = reply_from_completion(response)
            self.stats.answered += 1
            self.stats.prompt_tokens += reply.prompt_tokens or 0
            self.stats.completion_tokens += reply.completion_tokens or 0
            return reply
        raise LLMError(f"the LLM server request failed after {self.retries + 1} tries: {failure}")

    def remember(self, request: ChatRequest, reply: ChatReply) -> None:
        """Keep an answer that passed validation (invalid ones are not cached: a re-run asks again)."""
        if self.cache is not None and not reply.cached:
            self.cache.put(request_key(self.body(request)), self.model, reply)

    async def close(self) -> None:
        await self._client.close()
