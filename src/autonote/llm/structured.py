"""Structured output, validated, with bounded re-asks: the protocol without the I/O.

The ladder of response formats: ``json_schema`` (Structured Outputs, the schema generated from the
Pydantic model) → ``json_object`` (JSON mode, schema in the prompt) → ``none`` (schema in the prompt
only). A server that rejects a format with HTTP 400 moves the conversation down one rung. Output that
fails validation is re-asked with the errors, at most ``max_reasks`` times; a final failure carries
every attempt's raw output.

:func:`structured_steps` is that protocol as a generator: it yields each :class:`ChatRequest` and is
sent back a :class:`ChatReply` (or the :class:`FormatRejected` error). :func:`generate_structured`
drives it with the blocking client (``draft``), :func:`agenerate_structured` with the async one
(``regen``), so both follow exactly the same rules.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from autonote.errors import LLMError, LLMOutputInvalidError
from autonote.validation import CheckResult

T = TypeVar("T", bound=BaseModel)
MODES = ("json_schema", "json_object", "none")

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
    cached: bool = False  # answered from the response cache

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


class FormatRejected(LLMError):
    """The server refused the requested response_format (HTTP 400)."""


@dataclass(frozen=True)
class ChatRequest:
    messages: Messages
    response_format: dict[str, Any] | None
    mode: str


@dataclass(frozen=True)
class ChatReply:
    content: str
    prompt_tokens: int | None = None  # from the server's usage; None when it reports none
    completion_tokens: int | None = None
    finish_reason: str | None = None
    cached: bool = False  # answered from the response cache: nothing was paid


def reply_from_completion(response: Any) -> ChatReply:
    """An openai ``ChatCompletion`` → :class:`ChatReply`; a completion with no choices is an error."""
    if not response.choices:
        raise LLMError("the LLM server returned no choices")
    choice, usage = response.choices[0], response.usage
    return ChatReply(
        content=choice.message.content or "",
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        finish_reason=choice.finish_reason,
    )


def structured_steps(
    build_messages: Callable[[str], Messages],
    output_model: type[T],
    check: Callable[[T], CheckResult],
    *,
    mode: str = "auto",
    max_reasks: int = 2,
    count_tokens: Callable[[Messages], int] | None = None,
    count_text: Callable[[str], int] | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> Generator[ChatRequest, ChatReply | FormatRejected, StructuredResult[T]]:
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
        reply = yield ChatRequest(messages, response_format_for(current, output_model), current)
        if isinstance(reply, FormatRejected):
            if rung + 1 >= len(ladder):
                raise LLMError("the LLM server rejected every structured-output mode") from None
            rung += 1
            continue
        raw = reply.content
        prompt_tokens = reply.prompt_tokens or (count_tokens(messages) if count_tokens else 0)
        completion_tokens = reply.completion_tokens or (count_text(raw) if count_text else 0)
        errors: list[str] = []
        warnings: list[str] = []
        output: T | None = None
        if reply.finish_reason == "length":
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
            current, raw, errors, prompt_tokens, completion_tokens, time.monotonic() - started,
            reply.finish_reason, sent_hash, reply.cached,
        )  # fmt: skip
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


def generate_structured(
    client: Any, build_messages: Callable[[str], Messages], output_model: type[T], check: Callable[[T], CheckResult],
    **options: Any,
) -> StructuredResult[T]:  # fmt: skip
    """Run :func:`structured_steps` with a blocking client (``client.complete(request) -> ChatReply``).
    The answer that validated is handed to ``client.remember`` (the response cache keeps only those)."""
    steps = structured_steps(build_messages, output_model, check, **options)
    request = next(steps)
    while True:
        outcome: ChatReply | FormatRejected
        try:
            outcome = client.complete(request)
        except FormatRejected as exc:
            outcome = exc
        try:
            next_request = steps.send(outcome)
        except StopIteration as done:
            if isinstance(outcome, ChatReply) and hasattr(client, "remember"):
                client.remember(request, outcome)
            return done.value
        request = next_request


async def agenerate_structured(
    complete: Callable[[ChatRequest], Awaitable[ChatReply]],
    build_messages: Callable[[str], Messages], output_model: type[T], check: Callable[[T], CheckResult],
    *, remember: Callable[[ChatRequest, ChatReply], None] | None = None, **options: Any,
) -> StructuredResult[T]:  # fmt: skip
    """Run :func:`structured_steps` with an async ``complete(request) -> ChatReply``; the answer
    that validated goes to ``remember``."""
    steps = structured_steps(build_messages, output_model, check, **options)
    request = next(steps)
    while True:
        outcome: ChatReply | FormatRejected
        try:
            outcome = await complete(request)
        except FormatRejected as exc:
            outcome = exc
        try:
            next_request = steps.send(outcome)
        except StopIteration as done:
            if isinstance(outcome, ChatReply) and remember is not None:
                remember(request, outcome)
            return done.value
        request = next_request


def _reask_text(errors: list[str]) -> str:
    from autonote.prompting import render_template

    return render_template("note.reask.j2", errors=errors).strip()


def schema_for_prompt(model: type[BaseModel]) -> str:
    return json.dumps(strict_json_schema(model), ensure_ascii=False)
