"""The blocking client for OpenAI-compatible chat and embeddings endpoints (``draft``, ``suggest``).

HTTP-level retries (429 with Retry-After, 5xx, timeouts) are the openai client's. Every error becomes
a one-line :class:`LLMError` with the API key redacted. With a :class:`ResponseCache`, an identical
request (same model, messages, format and parameters) is answered from the cache, never paid twice.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from autonote.errors import LLMError
from autonote.llm.cache import ResponseCache, request_body, request_key
from autonote.llm.structured import (  # noqa: F401 - re-exported: the client's public API
    Attempt,
    ChatReply,
    ChatRequest,
    FormatRejected,
    StructuredResult,
    generate_structured,
    reply_from_completion,
    response_format_for,
    schema_for_prompt,
    strict_json_schema,
)

_FORMAT_COMPLAINT = re.compile(r"response_format|json_schema|json_object|structured|schema|grammar", re.I)


class ChatClient:
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
    ) -> None:
        self.model = model
        self.cache = cache
        self.base_url = base_url
        self.temperature = temperature
        self.max_completion_tokens = max_completion_tokens
        self._secret = api_key
        self._options = {"timeout": timeout, "max_retries": max_retries}
        self._client: Any = None

    def sdk(self) -> Any:
        """The underlying openai.OpenAI client (for the Batch API's files and batches)."""
        return self._openai()

    def _openai(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            # Local servers (vLLM, Ollama, llama.cpp) need no key, but the client insists on one.
            self._client = OpenAI(api_key=self._secret or "no-key", base_url=self.base_url, **self._options)
        return self._client

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @contextlib.contextmanager
    def _errors_as_llm_errors(self, response_format: dict[str, Any] | None = None) -> Iterator[None]:
        """openai's exceptions → one-line LLMErrors, with the key never in the message."""
        import openai

        try:
            yield
        except openai.BadRequestError as exc:
            detail = self.redact(str(exc))
            if response_format is not None and _FORMAT_COMPLAINT.search(detail):
                raise FormatRejected(detail) from None
            raise LLMError(f"the LLM server rejected the request: {detail[:300]}") from None
        except openai.AuthenticationError:
            raise LLMError("the LLM server rejected the API key (HTTP 401); check OPENAI_API_KEY") from None
        except openai.NotFoundError as exc:
            raise LLMError(
                f"model {self.model!r} not found on the LLM server: {self.redact(str(exc))[:200]}"
            ) from None
        except openai.RateLimitError:
            raise LLMError(
                f"rate limited by the LLM server (HTTP 429) after {self._options['max_retries']} retries"
            ) from None
        except openai.APITimeoutError:
            raise LLMError(f"the LLM server did not answer within {self._options['timeout']:g} s") from None
        except openai.APIConnectionError:
            raise LLMError(f"cannot reach the LLM server at {self.base_url or 'api.openai.com'}") from None
        except openai.APIStatusError as exc:
            raise LLMError(f"the LLM server failed with HTTP {exc.status_code} after retries") from None
        except (openai.APIError, ValueError) as exc:  # malformed bodies (ValueError: not JSON at all)
            raise LLMError(
                f"the LLM server sent an unusable response: {self.redact(str(exc))[:200]}"
            ) from None

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        """Embeddings for ``texts``, in order (one request; batching is the caller's)."""
        with self._errors_as_llm_errors():
            response = self._openai().embeddings.create(model=model, input=texts)
        vectors = sorted(response.data, key=lambda item: item.index)
        if len(vectors) != len(texts):
            raise LLMError(f"the embeddings server returned {len(vectors)} vectors for {len(texts)} texts")
        return [list(item.embedding) for item in vectors]

    def complete(self, request: ChatRequest) -> ChatReply:
        """One chat completion, from the cache when this exact request was answered before.
        Raises LLMError (FormatRejected for a refused response format) on HTTP failure."""
        body = request_body(
            self.model,
            request,
            temperature=self.temperature,
            max_completion_tokens=self.max_completion_tokens,
        )
        key = request_key(body) if self.cache is not None else ""
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit
        with self._errors_as_llm_errors(request.response_format):
            response = self._openai().chat.completions.create(**body)
        reply = reply_from_completion(response)
        return reply

    def remember(self, request: ChatRequest, reply: ChatReply) -> None:
        """Keep an answer that passed validation (invalid ones are not cached: a re-run asks again)."""
        if self.cache is not None and not reply.cached:
            body = request_body(
                self.model,
                request,
                temperature=self.temperature,
                max_completion_tokens=self.max_completion_tokens,
            )
            self.cache.put(request_key(body), self.model, reply)
