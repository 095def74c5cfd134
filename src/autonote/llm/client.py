"""Structured output from any OpenAI-compatible server, validated, with bounded re-asks.

The ladder of response formats: ``json_schema`` (Structured Outputs, the schema generated from the
Pydantic model) → ``json_object`` (JSON mode, schema in the prompt) → ``none`` (schema in the prompt
only). A server that rejects a format with HTTP 400 moves the client down one rung for the rest of
its life. HTTP-level retries (429 with Retry-After, 5xx, timeouts) are the openai client's; this
module re-asks only when the output fails validation, at most ``max_reasks`` times, and a failure
carries every attempt's raw output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from autonote.errors import LLMError, LLMOutputInvalidError
from autonote.validation import CheckResult

T = TypeVar("T", bound=BaseModel)
MODES = ("json_schema", "json_object", "none")
_FORMAT_COMPLAINT = re.compile(r"response_format|json_schema|json_object|structured|schema|grammar", re.I)

Messages = list[dict[str, str]]


@dataclass
class Attempt:
    mode: str
    raw: str
    errors: list[str]
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    finish_reason: str | None = None
    messages_hash: str = ""  # sha256 of the exact messages sent, for the generations log

    def as_record(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class StructuredResult(Generic[T]):
    output: T
    warnings: list[str]
    mode: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the form Structured Outputs' strict mode accepts:
    every property required, no additional properties, no defaults."""
    schema = model.model_json_schema()

    def tighten(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            node.pop("default", None)
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    tighten(schema)
    return schema


def response_format_for(mode: str, model: type[BaseModel]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "paper_note", "schema": strict_json_schema(model), "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def extract_json(text: str) -> str:
    """The JSON object inside a reply that may wrap it in code fences or prose."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", stripped, re.S)
    if fenced:
        stripped = fenced.group(1).strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


def describe_validation_error(exc: ValidationError) -> list[str]:
    messages = []
    for error in exc.errors()[:8]:
        where = ".".join(str(p) for p in error["loc"]) or "output"
        messages.append(f"{where}: {error['msg']}"[:300])
    return messages


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
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.temperature = temperature
        self.max_completion_tokens = max_completion_tokens
        self._secret = api_key
        self._options = {"timeout": timeout, "max_retries": max_retries}
        self._client: Any = None

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

    def complete(
        self, messages: Messages, response_format: dict[str, Any] | None
    ) -> tuple[str, Any, str | None]:
        """One chat completion: (content, usage, finish_reason). Raises LLMError on HTTP failure."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_completion_tokens": self.max_completion_tokens,
        }
        if response_format is not None:
            request["response_format"] = response_format
        with self._errors_as_llm_errors(response_format):
            response = self._openai().chat.completions.create(**request)
        if not response.choices:
            raise LLMError("the LLM server returned no choices")
        choice = response.choices[0]
        return choice.message.content or "", response.usage, choice.finish_reason


class FormatRejected(LLMError):
    """The server refused the requested response_format (HTTP 400)."""


def generate_structured(
    client: ChatClient,
    build_messages: Callable[[str], Messages],
    output_model: type[T],
    check: Callable[[T], CheckResult],
    *,
    mode: str = "auto",
    max_reasks: int = 2,
    count_tokens: Callable[[Messages], int] | None = None,
    count_text: Callable[[str], int] | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> StructuredResult[T]:
    """Ask, validate (schema, then ``check``), re-ask with the errors; never mutates a message list.

    ``build_messages(mode)`` returns the conversation for a response-format mode (JSON and plain
    modes carry the schema in the prompt). Token counts come from the server's usage, or from the
    given counters when a server reports none.
    """
    ladder = list(MODES) if mode == "auto" else [mode]
    attempts: list[Attempt] = []
    rung = 0
    reasks = 0
    previous: tuple[str, list[str]] | None = None
    while True:
        current = ladder[rung]
        base = build_messages(current)
        messages = (
            base
            if previous is None
            else [
                *base,
                {"role": "assistant", "content": previous[0]},
                {"role": "user", "content": _reask_text(previous[1])},
            ]
        )
        started = time.monotonic()
        try:
            raw, usage, finish = client.complete(messages, response_format_for(current, output_model))
        except FormatRejected:
            if rung + 1 >= len(ladder):
                raise LLMError("the LLM server rejected every structured-output mode") from None
            rung += 1
            continue
        prompt_tokens = getattr(usage, "prompt_tokens", None) or (
            count_tokens(messages) if count_tokens else 0
        )
        completion_tokens = getattr(usage, "completion_tokens", None) or (
            count_text(raw) if count_text else 0
        )
        errors: list[str] = []
        warnings: list[str] = []
        output: T | None = None
        if finish == "length":
            errors.append("the answer was cut off (too long); answer more concisely")
        try:
            output = output_model.model_validate_json(extract_json(raw))
        except ValidationError as exc:
            errors.extend(describe_validation_error(exc))
        if output is not None and not errors:
            result = check(output)
            errors, warnings = result.errors, result.warnings
        sent_hash = hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()
        attempt = Attempt(
            current,
            raw,
            errors,
            prompt_tokens,
            completion_tokens,
            time.monotonic() - started,
            finish,
            sent_hash,
        )
        attempts.append(attempt)
        if on_attempt is not None:
            on_attempt(attempt)
        if output is not None and not errors:
            return StructuredResult(output=output, warnings=warnings, mode=current, attempts=attempts)
        if reasks >= max_reasks:
            raise LLMOutputInvalidError(
                f"LLM output failed validation after {len(attempts)} attempts: {errors[0]}",
                [a.as_record() for a in attempts],
            )
        reasks += 1
        previous = (raw, errors)


def _reask_text(errors: list[str]) -> str:
    from autonote.prompting import render_template

    return render_template("note.reask.j2", errors=errors).strip()


def schema_for_prompt(model: type[BaseModel]) -> str:
    return json.dumps(strict_json_schema(model), ensure_ascii=False)
