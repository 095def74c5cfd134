"""The seam between autonote and an LLM provider: what every command asks of one, and the registry.

A provider (:class:`Provider`) is everything ``draft``, ``suggest``, ``regen`` and the estimate need
from whoever serves the model:

- a blocking chat client (:class:`BlockingChat`: ``draft``, ``suggest``, embeddings) and an async one
  (:class:`AsyncChat`: ``regen``). Both take one code path — the request body, the response cache,
  the meaning of a failure and the retry policy (:mod:`autonote.llm.faults`), remembering an answer
  that validated — and differ only in how they wait on the network;
- the structured-output rungs the server may be offered (``formats``,
  :class:`~autonote.llm.formats.FormatMemory`); the structured-output loop itself
  (:mod:`autonote.llm.structured`) is the same for every provider;
- token counting for the prompt budget and the rate limiter (``token_counter``);
- prices (``estimate_cost``) and the discount of its batch interface (``batch_discount``);
- its batch interface, when it has one (``batches``: :class:`Batches`, else None).

Adding a provider is one module in this package with a ``PROVIDER`` object of that shape, and its
name in :data:`PROVIDER_MODULES` (the ``provider`` setting chooses it). Modules are imported by name
when first used, so a command pays only for the provider it talks to.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from autonote.errors import UsageError
from autonote.llm.excerpt import shorten_middle

if TYPE_CHECKING:
    from autonote.config import Settings
    from autonote.llm.cache import ResponseCache
    from autonote.llm.formats import FormatMemory
    from autonote.llm.limiter import RateLimiter
    from autonote.llm.structured import ChatReply, ChatRequest
    from autonote.tokens import TokenCounter

# name → module holding ``PROVIDER``. OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp and
# llama-cpp-python all speak the OpenAI chat-completions protocol: one provider.
PROVIDER_MODULES: dict[str, str] = {
    "openai-compatible": "autonote.llm.providers.openai_compatible",
}


@dataclass
class RequestStats:
    """An async client's counts, for regen's progress bar and final table."""

    sent: int = 0  # HTTP requests made (each retry counts)
    answered: int = 0
    cached: int = 0
    rate_limited: int = 0  # 429s received
    retried: int = 0  # 5xx / timeouts / connection errors / unusable answers retried
    prompt_tokens: int = 0
    completion_tokens: int = 0
    http_seconds: float = 0.0  # time spent waiting for HTTP answers (for the client-overhead figure)
    limits: list[tuple[str, str]] = field(default_factory=list)  # the run's limits, as the table shows them


@dataclass(frozen=True)
class BatchState:
    """A submitted batch as its provider reports it."""

    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int
    total: int

    @property
    def final(self) -> bool:
        return self.status in ("completed", "failed", "expired", "cancelled")


@dataclass(frozen=True)
class LineResult:
    """One request's outcome in a finished batch (joined on ``custom_id``: order is not kept)."""

    custom_id: str
    body: dict[str, Any] | None  # the provider's answer, when the request succeeded
    error: str | None


class ChatProvider(Protocol):
    """What the structured-output drivers need of a chat client, blocking or async."""

    model: str
    formats: FormatMemory

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The provider's request body (a batch line carries the same)."""
        ...

    def cached(self, request: ChatRequest) -> ChatReply | None:
        """The answer this exact request had before, when the response cache holds it."""
        ...

    def remember(self, request: ChatRequest, reply: ChatReply) -> None:
        """Keep an answer that validated, so the same request is never paid twice."""
        ...


class BlockingChat(ChatProvider, Protocol):
    def complete(self, request: ChatRequest) -> ChatReply: ...

    def embed(self, texts: list[str], model: str) -> list[list[float]]: ...


class InFlight(Protocol):
    """How many requests an async client keeps in flight at once."""

    @property
    def workers(self) -> int: ...


class AsyncChat(ChatProvider, Protocol):
    """Runs in regen's event loop. The response cache and the state database belong to the loop's
    thread: a client that sends from worker threads looks up and remembers answers outside them."""

    stats: RequestStats

    async def complete(self, request: ChatRequest) -> ChatReply: ...

    async def follow_slots(self, concurrency: int | None) -> InFlight:
        """Gate requests in flight: ``concurrency`` as given, or (None) what the server allows."""
        ...

    async def close(self) -> None: ...


class Batches(Protocol):
    """A provider's batch interface: many requests in one upload, answers collected later."""

    max_requests: int
    max_bytes: int

    def line(self, custom_id: str, body: dict[str, Any]) -> bytes: ...

    def split(self, lines: list[bytes], max_requests: int, max_bytes: int) -> list[list[bytes]]: ...

    def submit(self, lines: list[bytes], metadata: dict[str, str] | None = None) -> tuple[str, str]:
        """Upload the lines and start a batch: (batch id, input file id)."""
        ...

    def state(self, batch_id: str) -> BatchState: ...

    def results(self, state: BatchState) -> list[LineResult]: ...

    def reply_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        """A line's answer → the fields of a :class:`~autonote.llm.structured.ChatReply`."""
        ...


class Provider(Protocol):
    name: str
    batch_discount: float  # the share of the list price a batched request costs
    preload: tuple[str, ...]  # slow imports of its clients: ``draft`` makes them while a paper is fetched

    def chat_client(
        self,
        settings: Settings,
        *,
        completion_limit: int,
        cache: ResponseCache | None,
        formats: FormatMemory | None,
    ) -> BlockingChat: ...

    def async_chat_client(
        self,
        settings: Settings,
        *,
        completion_limit: int,
        limiter: RateLimiter,
        cache: ResponseCache | None,
        retries: int,
        formats: FormatMemory | None,
    ) -> AsyncChat: ...

    def token_counter(self, model: str) -> TokenCounter: ...

    def estimate_cost(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        override: tuple[float | None, float | None] = (None, None),
        cached_prompt_tokens: int = 0,
    ) -> float | None:
        """USD, or None when the model's price is unknown (local servers, unlisted models)."""
        ...

    def batches(self, chat: BlockingChat) -> Batches | None:
        """The provider's batch interface through ``chat``, or None when it has none."""
        ...


def provider_named(name: str) -> Provider:
    """The registered provider ``name`` (UsageError naming the known ones otherwise)."""
    module = PROVIDER_MODULES.get(name)
    if module is None:
        known = ", ".join(sorted(PROVIDER_MODULES))
        raise UsageError(f"unknown LLM provider {shorten_middle(repr(name), 80)}; known: {known}")
    provider: Provider = importlib.import_module(module).PROVIDER
    return provider
