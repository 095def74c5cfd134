"""The blocking client for OpenAI-compatible chat and embeddings endpoints (``draft``, ``suggest``,
and the Batch API's files and batches).

The openai client's own retries are off: every failure goes through :mod:`autonote.llm.faults`, the
same policy as ``regen``'s async client (429 waits for Retry-After, 5xx and unusable answers are
retried with backoff, a timed-out request is sent again at most once, a refused response format
moves down the ladder). Every error becomes a one-line :class:`LLMError` with secrets masked, and
every answer is masked before anything keeps it. With a :class:`ResponseCache`, an identical request
(same model, messages, format and parameters) is answered from the cache, never paid twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from autonote import secrets
from autonote.bounded import load_json
from autonote.errors import LLMError, LLMFatalError
from autonote.llm.cache import ResponseCache
from autonote.llm.deadline import deadline
from autonote.llm.excerpt import shorten_middle
from autonote.llm.faults import RetryPolicy
from autonote.llm.formats import FormatMemory
from autonote.llm.openai_request import OpenAICompatible
from autonote.llm.structured import (  # noqa: F401 - re-exported: the client's public API
    Attempt,
    ChatReply,
    ChatRequest,
    FormatRejected,
    StructuredResult,
    UnusableResponse,
    generate_structured,
    reply_from_completion,
    response_format_for,
    schema_for_prompt,
    strict_json_schema,
)

R = TypeVar("R")


class ChatClient(OpenAICompatible):
    """The openai client, built lazily (importing openai costs ~0.4 s)."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        temperature: float,
        max_completion_tokens: int,
        cache: ResponseCache | None = None,
        formats: FormatMemory | None = None,
    ) -> None:
        super().__init__(
            model=model, api_key=api_key, base_url=base_url, timeout=timeout, temperature=temperature,
            max_completion_tokens=max_completion_tokens, cache=cache, formats=formats,
        )  # fmt: skip
        self.max_retries = max_retries
        self._secret = api_key
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            from autonote.llm.deadline import http_client

            # Local servers (vLLM, Ollama, llama.cpp) need no key, but the client insists on one.
            self._client = OpenAI(
                api_key=self._secret or "no-key", base_url=self.base_url, timeout=self.timeout, max_retries=0,
                http_client=http_client(self.timeout, self.base_url),
            )  # fmt: skip
        return self._client

    def call(
        self,
        action: Callable[[Any], R],
        *,
        what: str = "the LLM server",
        format_sent: bool = False,
        model: str = "",
        not_found: str | None = None,
    ) -> R:
        """``action(openai_client)`` under the retry policy; its failures as one-line LLMErrors.
        ``not_found`` replaces the message of a 404 (an endpoint the server does not have)."""
        policy = RetryPolicy(
            self.max_retries, rate_limit_waits=self.max_retries
        )  # interactive: no long waits
        while True:
            try:
                with deadline(self.timeout):  # llm_timeout bounds each whole request, not each read
                    return action(self._openai())
            except Exception as exc:
                verdict = self.judge(exc, format_sent=format_sent, what=what, model=model)
            # Outside the except block: a final error carries no context (the server's raw message).
            if verdict.status == 404 and not_found is not None:
                raise LLMFatalError(not_found)
            time.sleep(policy.after(verdict))  # after() raises when the request must stop

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        """Embeddings for ``texts``, in order (one request; batching is the caller's)."""

        def ask(client: Any) -> list[Any]:
            raw = client.embeddings.with_raw_response.create(model=model, input=texts)
            try:  # look before the SDK parses: an HTML page with HTTP 200 is not an error to it
                body = load_json(raw.text)
            except ValueError:
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                excerpt = shorten_middle(secrets.redact(raw.text or "(empty)"), 160)
                raise UnusableResponse(f"the answer is not a list of embeddings: {excerpt}")
            return raw.parse().data

        data = self.call(ask, what="the embeddings server", model=model)
        try:
            vectors = sorted(data, key=lambda item: item.index)
            found = [list(item.embedding) for item in vectors]
        except (AttributeError, TypeError) as exc:
            raise LLMError(
                f"the embeddings server sent malformed vectors: {secrets.redact(str(exc))}"
            ) from None
        if len(found) != len(texts):
            raise LLMError(f"the embeddings server returned {len(found)} vectors for {len(texts)} texts")
        return found

    def complete(self, request: ChatRequest) -> ChatReply:
        """One chat completion, from the cache when this exact request was answered before.
        Raises LLMError (FormatRejected for a refused response format) on HTTP failure."""
        if (hit := self.cached(request)) is not None:
            return hit
        return self.call(
            lambda client: reply_from_completion(
                client.chat.completions.create(**self.body(request)), secrets.redact
            ),
            format_sent=request.response_format is not None,
            model=self.model,
        )
