"""Structured output, validated, with bounded re-asks: the protocol without the I/O.

The ladder of response formats (see :mod:`autonote.llm.formats`): ``json_schema`` (Structured
Outputs, the schema generated from the Pydantic model) → JSON mode with the schema attached (local
servers) → plain JSON mode → ``none``; every rung below the first also carries the schema in the
prompt. A server that refuses a format moves the conversation (and, through a shared
:class:`~autonote.llm.formats.FormatMemory`, the whole run) down one rung. Output is parsed leniently
(raw control characters inside strings, as some local servers' grammars let through, are accepted)
and validated; output that fails validation is re-asked with the errors, at most ``max_reasks``
times; a final failure carries every attempt's raw output.

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

from autonote.bounded import NestingTooDeepError, load_json
from autonote.errors import LLMError, LLMOutputInvalidError
from autonote.llm.excerpt import shorten_middle
from autonote.llm.formats import FormatMemory, ladder_for, mode_of, strict_json_schema
from autonote.llm.formats import response_format_for as _format_for_rung
from autonote.validation import CheckResult

T = TypeVar("T", bound=BaseModel)
MAX_ERROR_CHARS = 300  # per validation message; long values are cut in the middle, never dropped

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
    cached_prompt_tokens: int = 0  # of prompt_tokens, those the provider's prompt cache served

    def as_record(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class StructuredResult(Generic[T]):
    output: T
    warnings: list[str]
    mode: str  # the prompt mode (json_schema, json_object, none)
    attempts: list[Attempt] = field(default_factory=list)
    rung: str = ""  # the exact rung that answered (``json_object+schema`` is not ``json_object``)

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)

    @property
    def cached_prompt_tokens(self) -> int:
        return sum(a.cached_prompt_tokens for a in self.attempts)


def response_format_for(mode: str, model: type[BaseModel]) -> dict[str, Any] | None:
    """The ``response_format`` of a mode or rung (``json_object+schema`` attaches the schema)."""
    needs_schema = mode in ("json_schema", "json_object+schema")
    return _format_for_rung(mode, strict_json_schema(model) if needs_schema else None)


def extract_json(text: str) -> str:
    """The JSON object inside a reply that may wrap it in code fences or prose."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", stripped, re.S)
    if fenced:
        stripped = fenced.group(1).strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One message per error (at most 8): where, the value that was wrong, and what was expected.
    Long values and long expectations (an enum of 30 tags) are shortened in the middle only."""
    messages = []
    for error in exc.errors()[:8]:
        where = ".".join(str(p) for p in error["loc"]) or "output"
        message = shorten_middle(error["msg"], MAX_ERROR_CHARS // 2)
        if error.get("type") not in ("missing", "json_invalid") and "input" in error:
            value = shorten_middle(_show(error["input"]), MAX_ERROR_CHARS // 2)
            messages.append(f"{where}: {value} is not valid: {message}")
        else:
            messages.append(f"{where}: {message}")
    return messages


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def parse_output(raw: str, output_model: type[T]) -> tuple[T | None, list[str]]:
    """The validated output, or the errors. JSON is parsed leniently (``strict=False``: raw control
    characters inside strings are accepted), then validated against the model."""
    text = extract_json(raw)
    try:
        data = load_json(text, strict=False)
    except NestingTooDeepError as exc:
        return None, [f"Invalid JSON: {exc}"]
    except json.JSONDecodeError as exc:
        near = shorten_middle(text[max(0, exc.pos - 40) : exc.pos + 40], 120) if text else "(empty)"
        return None, [f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (near {near})"]
    try:
        return output_model.model_validate(data), []
    except ValidationError as exc:
        return None, describe_validation_error(exc)


class FormatRejected(LLMError):
    """The server refused the requested response_format (HTTP 400, or llama-cpp-python's 500)."""


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
    cached_prompt_tokens: int | None = None  # prompt tokens the provider served from its prompt cache


class UnusableResponse(LLMError):
    """An answer that is not a chat completion (an HTML page from a proxy, a JSON error object with
    HTTP 200, no choices): a transient fault, retried within the bound."""


def reply_from_completion(response: Any, redact: Callable[[str], str] | None = None) -> ChatReply:
    """An openai ``ChatCompletion`` → :class:`ChatReply` (its content passed through ``redact``);
    anything else raises :class:`UnusableResponse`."""
    try:
        choices = response.choices
        if not isinstance(choices, list) or not choices:
            raise UnusableResponse("the LLM server returned no choices")
        choice, usage = choices[0], getattr(response, "usage", None)
        content = choice.message.content or ""
        finish_reason = choice.finish_reason
    except (AttributeError, TypeError, IndexError, KeyError):
        raise UnusableResponse(
            f"the LLM server's answer is not a chat completion: {_excerpt(response)}"
        ) from None
    if not isinstance(content, str):
        raise UnusableResponse(f"the LLM server's answer has no text content: {_excerpt(content)}")
    return ChatReply(
        content=redact(content) if redact is not None else content,
        prompt_tokens=_count(getattr(usage, "prompt_tokens", None)),
        completion_tokens=_count(getattr(usage, "completion_tokens", None)),
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        cached_prompt_tokens=_count(
            getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
        ),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _excerpt(value: Any) -> str:
    from autonote.secrets import redact

    text = value if isinstance(value, str) else repr(value)
    return redact(shorten_middle(text, 160)) or "(empty)"


def _with_reask(base: Messages, previous: tuple[str, list[str]] | None) -> Messages:
    """The conversation, with the answer before and what was wrong with it when re-asking."""
    if previous is None:
        return base
    return [
        *base,
        {"role": "assistant", "content": previous[0]},
        {"role": "user", "content": _reask_text(previous[1])},
    ]


def _judge(
    reply: ChatReply, output_model: type[T], check: Callable[[T], CheckResult]
) -> tuple[T | None, list[str], list[str]]:
    """The output an answer holds, its errors (cut off, schema, then ``check``) and warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    if reply.finish_reason == "length":
        errors.append("the answer was cut off (too long); answer more concisely")
    output, problems = parse_output(reply.content, output_model)
    errors.extend(problems)
    if output is not None and not errors:
        result = check(output)
        errors, warnings = result.errors, result.warnings
    return output, errors, warnings


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
    formats: FormatMemory | None = None,
) -> Generator[ChatRequest, ChatReply | FormatRejected, StructuredResult[T]]:
    """Ask, validate (schema, then ``check``), re-ask with the errors; never mutates a message list.

    ``build_messages(mode)`` returns the conversation for a response-format mode (JSON and plain
    modes carry the schema in the prompt). ``formats`` (shared by a run) says which rung to start
    from and learns from refusals; without it, the ladder of ``mode`` is walked for this request
    alone. Token counts come from the server's usage, or from the given counters when a server
    reports none.
    """
    memory = formats if formats is not None else FormatMemory(ladder_for(mode, "http://local"))
    attempts: list[Attempt] = []
    rung = memory.index
    reasks = 0
    previous: tuple[str, list[str]] | None = None
    while True:
        rung = max(rung, memory.index) if previous is None else rung
        if rung >= len(memory.ladder):
            raise LLMError("the LLM server rejected every structured-output mode") from None
        current_rung = memory.ladder[rung]
        current = mode_of(current_rung)
        messages = _with_reask(build_messages(current), previous)
        started = time.monotonic()
        reply = yield ChatRequest(messages, response_format_for(current_rung, output_model), current)
        if isinstance(reply, FormatRejected):
            if not memory.refused(rung):
                raise LLMError(
                    f"the LLM server rejected every structured-output mode (last: {reply})"
                ) from None
            rung = memory.index
            continue
        memory.accepted(rung)
        raw = reply.content
        prompt_tokens = reply.prompt_tokens or (count_tokens(messages) if count_tokens else 0)
        completion_tokens = reply.completion_tokens or (count_text(raw) if count_text else 0)
        output, errors, warnings = _judge(reply, output_model, check)
        sent_hash = hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()
        attempt = Attempt(
            current, raw, errors, prompt_tokens, completion_tokens, time.monotonic() - started,
            reply.finish_reason, sent_hash, reply.cached, min(reply.cached_prompt_tokens or 0, prompt_tokens),
        )  # fmt: skip
        attempts.append(attempt)
        if on_attempt is not None:
            on_attempt(attempt)
        if output is not None and not errors:
            return StructuredResult(
                output=output, warnings=warnings, mode=current, attempts=attempts, rung=current_rung
            )
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
    The answer that validated is handed to ``client.remember`` (the response cache keeps only those);
    the client's ``formats`` memory is used unless one is given."""
    if options.get("formats") is None and getattr(client, "formats", None) is not None:
        options["formats"] = client.formats
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
    that validated goes to ``remember``.

    With a shared ``formats`` memory whose rung is not yet confirmed in this run, one request probes
    the ladder while the others wait for it (see :class:`~autonote.llm.formats.FormatMemory`), so a
    run fans out only on a rung the server accepted."""
    memory: FormatMemory | None = options.get("formats")
    probe = None
    if memory is not None and not memory.confirmed:
        probe = memory.probe_lock()
        await probe.acquire()
        if memory.confirmed:  # another request found the rung while this one waited
            probe.release()
            probe = None
    try:
        steps = structured_steps(build_messages, output_model, check, **options)
        request = next(steps)  # built after the probe: at the rung the server accepted
        while True:
            outcome: ChatReply | FormatRejected
            try:
                outcome = await complete(request)
            except FormatRejected as exc:
                outcome = exc
            if probe is not None and isinstance(outcome, ChatReply):
                probe.release()  # a rung answered: the others may go (they start there)
                probe = None
            try:
                next_request = steps.send(outcome)
            except StopIteration as done:
                if isinstance(outcome, ChatReply) and remember is not None:
                    remember(request, outcome)
                return done.value
            request = next_request
    finally:
        if probe is not None:  # the probe failed otherwise (5xx, timeout): the next waiter probes
            probe.release()


def _reask_text(errors: list[str]) -> str:
    from autonote.prompting import render_template

    return render_template("note.reask.j2", errors=errors).strip()


def schema_for_prompt(model: type[BaseModel]) -> str:
    return json.dumps(strict_json_schema(model), ensure_ascii=False)
