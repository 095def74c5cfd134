"""What the blocking and the async client share about an OpenAI-compatible server: one code path
for everything but the wait on the network.

A request goes through the same steps whichever client sends it: its body (:meth:`body`), the
response cache (:meth:`cached`), the send itself (the only step that differs: blocking in
``llm/client.py``, awaited in ``llm/aclient.py``), the meaning of a failure (:meth:`judge`, which
also adapts the next body when the server refuses ``max_tokens``), the wait the retry policy asks
for (:class:`~autonote.llm.faults.RetryPolicy`), and remembering an answer that validated
(:meth:`remember`). Secrets are registered for masking the moment the client is made.
"""

from __future__ import annotations

from typing import Any

from autonote import secrets
from autonote.llm.cache import ResponseCache, request_body, request_key
from autonote.llm.faults import NO_MAX_TOKENS, Verdict, classify
from autonote.llm.formats import FormatMemory, is_openai_url
from autonote.llm.structured import ChatReply, ChatRequest


class OpenAICompatible:
    """The request side of an OpenAI-compatible chat server, independent of the HTTP transport."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        temperature: float,
        max_completion_tokens: int,
        cache: ResponseCache | None = None,
        formats: FormatMemory | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.temperature = temperature
        self.max_completion_tokens = max_completion_tokens
        self.cache = cache
        # Servers other than OpenAI also get max_tokens (llama-cpp-python reads only that).
        self.send_max_tokens = not is_openai_url(base_url)
        self.formats = formats if formats is not None else FormatMemory.for_settings("auto", base_url, model)
        self.server = secrets.safe_url(base_url) or "api.openai.com"
        secrets.register(api_key)
        secrets.register_url(base_url)

    @staticmethod
    def redact(text: str) -> str:
        return secrets.redact(text)

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The chat-completions body of a request (also a batch line's)."""
        return request_body(
            self.model,
            request,
            temperature=self.temperature,
            max_completion_tokens=self.max_completion_tokens,
            max_tokens=self.send_max_tokens,
        )

    def cached(self, request: ChatRequest) -> ChatReply | None:
        """The answer this exact request was given before, when the response cache has it."""
        if self.cache is None:
            return None
        return self.cache.get(request_key(self.body(request)))

    def judge(
        self, exc: BaseException, *, format_sent: bool, what: str = "the LLM server", model: str | None = None
    ) -> Verdict:
        """What a failed send means (one line, secrets masked); a refused ``max_tokens`` is left out
        of the next body. Raises ``exc`` itself when it is no failure of the request."""
        verdict = classify(
            exc, redact=secrets.redact, what=what, model=self.model if model is None else model,
            server=self.server, format_sent=format_sent, timeout=self.timeout,
        )  # fmt: skip
        if verdict.kind == NO_MAX_TOKENS:
            self.send_max_tokens = False
        return verdict

    def remember(self, request: ChatRequest, reply: ChatReply) -> None:
        """Keep an answer that passed validation (invalid ones are not cached: a re-run asks again)."""
        if self.cache is not None and not reply.cached:
            self.cache.put(request_key(self.body(request)), self.model, reply)
