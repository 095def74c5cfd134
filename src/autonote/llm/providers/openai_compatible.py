"""The OpenAI-compatible provider: OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp, llama-cpp-python.

Its chat clients are ``llm/client.py`` (blocking) and ``llm/aclient.py`` (async), which share the
request side (:mod:`autonote.llm.openai_request`); tokens are counted with tiktoken
(:mod:`autonote.tokens`), prices are OpenAI's list prices (:mod:`autonote.llm.cost`, overridable in
the settings), and the batch interface is the OpenAI Batch API (:mod:`autonote.llm.batch`; a server
without ``/v1/files`` is told so in one line when a batch is first uploaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autonote.llm import cost

if TYPE_CHECKING:
    from autonote.config import Settings
    from autonote.llm.aclient import AsyncChatClient
    from autonote.llm.batch import BatchClient
    from autonote.llm.cache import ResponseCache
    from autonote.llm.client import ChatClient
    from autonote.llm.formats import FormatMemory
    from autonote.llm.limiter import RateLimiter
    from autonote.llm.providers import BlockingChat, Provider
    from autonote.tokens import TokenCounter


def _key(settings: Settings) -> str | None:
    return settings.api_key.get_secret_value() if settings.api_key else None


class OpenAICompatibleProvider:
    name = "openai-compatible"
    batch_discount = cost.BATCH_DISCOUNT
    preload: tuple[str, ...] = ("openai",)

    def chat_client(
        self,
        settings: Settings,
        *,
        completion_limit: int,
        cache: ResponseCache | None,
        formats: FormatMemory | None,
    ) -> ChatClient:
        from autonote.llm.client import ChatClient

        return ChatClient(
            model=settings.model, api_key=_key(settings), base_url=settings.base_url,
            timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
            temperature=settings.temperature, max_completion_tokens=completion_limit, cache=cache,
            formats=formats,
        )  # fmt: skip

    def async_chat_client(
        self,
        settings: Settings,
        *,
        completion_limit: int,
        limiter: RateLimiter,
        cache: ResponseCache | None,
        retries: int,
        formats: FormatMemory | None,
    ) -> AsyncChatClient:
        from autonote.llm.aclient import AsyncChatClient

        return AsyncChatClient(
            model=settings.model, api_key=_key(settings), base_url=settings.base_url,
            timeout=settings.llm_timeout, temperature=settings.temperature,
            max_completion_tokens=completion_limit, limiter=limiter,
            count_messages=self.token_counter(settings.model).count_messages, cache=cache,
            retries=retries, formats=formats,
        )  # fmt: skip

    def token_counter(self, model: str) -> TokenCounter:
        from autonote.tokens import counter_for

        return counter_for(model)

    def estimate_cost(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        override: tuple[float | None, float | None] = (None, None),
        cached_prompt_tokens: int = 0,
    ) -> float | None:
        return cost.estimate_cost(model, prompt_tokens, completion_tokens, override, cached_prompt_tokens)

    def batches(self, chat: BlockingChat) -> BatchClient:
        from autonote.llm.batch import BatchClient

        return BatchClient(chat)


PROVIDER: Provider = OpenAICompatibleProvider()
