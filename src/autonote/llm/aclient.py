"""The async chat client for bulk work (``regen``): rate-limited, retrying on its own terms, cached.

The openai client's own retries are off (``max_retries=0``) so that every answer is seen here: each
request is charged to the :class:`~autonote.llm.limiter.RateLimiter` before it leaves (its prompt,
counted with tiktoken, plus its completion limit), every answer's usage and ``x-ratelimit-*``
headers go back to it, and a 429 pauses all requests for the server's ``retry-after-ms`` /
``retry-after``. Other failures follow :mod:`autonote.llm.faults`, the same policy as the blocking
client: 5xx and unusable answers (an HTML page with HTTP 200) are retried with jittered backoff, at
most ``retries`` times; a timed-out request is sent again at most once.
"""

from __future__ import annotations

import asyncio
import random
import time
from contextvars import ContextVar
from typing import Any

from autonote import secrets
from autonote.llm.cache import ResponseCache
from autonote.llm.faults import RATE_LIMITED, RetryPolicy
from autonote.llm.formats import FormatMemory, is_openai_url
from autonote.llm.limiter import RateLimiter, Ticket
from autonote.llm.openai_request import OpenAICompatible
from autonote.llm.providers import RequestStats
from autonote.llm.slots import SlotGate, gate_for
from autonote.llm.structured import ChatReply, ChatRequest, reply_from_completion

_SENDING: ContextVar[Ticket | None] = ContextVar("autonote_request_ticket", default=None)


class AsyncChatClient(OpenAICompatible):
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
        formats: FormatMemory | None = None,
    ) -> None:
        from openai import APITimeoutError, AsyncOpenAI, DefaultAsyncHttpxClient

        super().__init__(
            model=model, api_key=api_key, base_url=base_url, timeout=timeout, temperature=temperature,
            max_completion_tokens=max_completion_tokens, cache=cache, formats=formats,
        )  # fmt: skip
        self.limiter, self.retries = limiter, retries
        self.count_messages = count_messages
        # The hook tells the limiter when each request actually leaves (see RateLimiter.left).
        sender = DefaultAsyncHttpxClient(event_hooks={"request": [self._leaving]})
        self._client = AsyncOpenAI(
            api_key=api_key or "no-key", base_url=base_url, timeout=timeout, max_retries=0, http_client=sender
        )
        self.stats = RequestStats()
        self.rng = rng or random.Random()
        self._key = api_key
        self._timeouts = (TimeoutError, APITimeoutError)
        self.gate: SlotGate | None = None  # requests in flight at once (see autonote.llm.slots)

    async def follow_slots(self, concurrency: int | None) -> SlotGate:
        """Gate the requests by the server's slots: ``concurrency`` as given, or (None) auto."""
        self.gate = await gate_for(
            concurrency, self.base_url, self._key, self.timeout, openai=is_openai_url(self.base_url)
        )
        return self.gate

    async def _leaving(self, request: Any) -> None:
        ticket = _SENDING.get()
        if ticket is not None:
            self.limiter.left(ticket)

    async def complete(self, request: ChatRequest) -> ChatReply:
        if (hit := self.cached(request)) is not None:
            self.stats.cached += 1
            return hit
        prompt = self.count_messages(request.messages)
        policy = RetryPolicy(self.retries, self.rng)
        while True:
            ticket = await self.limiter.acquire(prompt, self.max_completion_tokens)
            slot = await self.gate.acquire() if self.gate is not None else 0.0
            self.stats.sent += 1
            started = time.monotonic()
            error: Exception | None = None
            ghost = None
            sending = _SENDING.set(ticket)  # this task's request: the send hook finds its ticket here
            try:
                # llm_timeout bounds the whole request, headers and body: httpx's timeouts are per
                # read, and a server trickling its answer a byte at a time never trips them.
                async with asyncio.timeout(self.timeout):
                    raw = await self._client.chat.completions.with_raw_response.create(**self.body(request))
            except Exception as exc:
                error = exc
            finally:
                _SENDING.reset(sending)
                if self.gate is not None:
                    timed_out = isinstance(error, self._timeouts)
                    ghost = await self.gate.release(slot, answered=error is None, timed_out=timed_out)
            self.stats.http_seconds += time.monotonic() - started
            if error is None:
                try:
                    reply = reply_from_completion(raw.parse(), secrets.redact)
                except Exception as exc:
                    self.limiter.settle(ticket, raw.headers)
                    error = exc
            if error is not None:
                # Outside the except blocks: a final error carries no context (the server's raw message).
                await self._failed(error, ticket, policy, request)
                if ghost is not None and self.gate is not None:
                    await self.gate.settled(ghost)  # not sent again while the server may still run it
                continue
            self.limiter.settle(ticket, raw.headers, prompt_tokens=reply.prompt_tokens)
            self.stats.answered += 1
            self.stats.prompt_tokens += reply.prompt_tokens or 0
            self.stats.completion_tokens += reply.completion_tokens or 0
            return reply

    async def _failed(
        self, exc: Exception, ticket: Ticket, policy: RetryPolicy, request: ChatRequest
    ) -> None:
        """Wait as the failure asks before the next try, or raise the request's final error."""
        verdict = self.judge(exc, format_sent=request.response_format is not None)
        if verdict.headers is not None:
            self.limiter.settle(ticket, verdict.headers)
        if verdict.kind == RATE_LIMITED:
            self.stats.rate_limited += 1
        wait = policy.after(verdict)  # raises when this request must stop
        if verdict.kind == RATE_LIMITED:
            self.limiter.pause(wait)
            return
        self.stats.retried += 1
        await asyncio.sleep(wait)

    async def close(self) -> None:
        self.stats.limits = self.limiter.describe()
        if self.gate is not None:
            self.stats.limits.append(("requests in flight", self.gate.describe()))
        await self._client.close()
