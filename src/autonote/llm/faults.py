"""What a failed request to the LLM server means, and what to do next: one policy for every client.

:func:`classify` turns an exception of the openai client (or an unusable answer) into a
:class:`Verdict`: retry (5xx, connection errors, HTTP 200 with a body that is not a completion),
wait for the rate limit (429), a refused response format (a 400 or 422 complaining about the format,
or llama-cpp-python's HTTP 500 naming ``response_format`` in a validation message), a failure of
this request (other 4xx), or a fatal one that every further request would repeat (401, 403, an
unknown model). Every message is one line, with secrets masked and long server text shortened in the
middle.

:class:`RetryPolicy` bounds the retries: ``retries`` failures (5xx, unusable answers, connection
errors), :data:`RATE_LIMIT_WAITS` 429s (flow control: each waits for the server's Retry-After), and a
request that timed out is sent again at most :data:`TIMEOUT_RESENDS` time(s) — the server may still be
generating the first answer, so re-sending without bound would pay for the same answer again and again.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autonote.errors import LLMError, LLMFatalError
from autonote.llm.excerpt import shorten_middle
from autonote.llm.limiter import retry_after
from autonote.llm.structured import FormatRejected, UnusableResponse
from autonote.retry_after import shown_seconds

BACKOFF_BASE = 0.5
BACKOFF_MAX = 20.0
MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait (a daily quota) fails the request instead
TIMEOUT_RESENDS = 1
RATE_LIMIT_WAITS = 10  # 429s are flow control, not failures: they have their own bound
DETAIL_CHARS = 300

RETRY, RATE_LIMITED, TIMEOUT, FORMAT, FAILED, FATAL, NO_MAX_TOKENS = (
    "retry", "rate_limited", "timeout", "format", "failed", "fatal", "no_max_tokens",
)  # fmt: skip

_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|structured output|schema|grammar", re.I)
_VALIDATION_WORDS = re.compile(
    r"validation error|literal_error|input should be|not supported|unsupported|invalid|unknown", re.I
)
_MAX_TOKENS_REFUSED = re.compile(
    r"max_tokens.{0,80}(not supported|unsupported|use .?max_completion_tokens)", re.I
)


@dataclass(frozen=True)
class Verdict:
    kind: str
    message: str  # one line, secrets masked
    wait: float | None = None  # seconds the server asked for (Retry-After), when it did
    status: int | None = None
    headers: Mapping[str, str] | None = None


def is_format_complaint(status: int, message: str) -> bool:
    """Does this error answer refuse the response format? A 400/422 that names the format, or a 500
    whose validation message names ``response_format`` (llama-cpp-python 0.3 answers so)."""
    if status in (400, 422):
        return bool(_FORMAT_WORDS.search(message))
    if status == 500:
        return "response_format" in message and bool(_VALIDATION_WORDS.search(message))
    return False


def server_detail(exc: Any, redact: Callable[[str], str]) -> str:
    """The server's own words for an error answer (its ``error.message`` when it sent JSON)."""
    body = getattr(exc, "body", None)
    text = ""
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        message = inner.get("message") if isinstance(inner, dict) else None
        text = message if isinstance(message, str) and message else (str(body) if body else "")
    elif isinstance(body, str | bytes) and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text:
        text = str(exc)
        if re.fullmatch(r"Error code: \d+", text.strip()):
            return ""  # the server said nothing more than its status
    return shorten_middle(redact(text), DETAIL_CHARS)


def classify(
    exc: BaseException,
    *,
    redact: Callable[[str], str],
    what: str = "the LLM server",
    model: str = "",
    server: str = "",
    format_sent: bool = False,
    timeout: float | None = None,
) -> Verdict:
    """The meaning of ``exc`` for a request to ``what`` (a phrase: "the LLM server", "the Batch API
    (uploading the batch file)", ...)."""
    import openai

    if isinstance(exc, UnusableResponse):
        return Verdict(RETRY, f"{what} sent an unusable answer: {redact(str(exc))}")
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        limit = f" within {timeout:g} s" if timeout else ""
        return Verdict(TIMEOUT, f"{what} did not answer{limit}")
    if isinstance(exc, openai.APIConnectionError):
        where = f" at {server}" if server else ""
        return Verdict(RETRY, f"cannot reach {what}{where}")
    if isinstance(exc, openai.APIStatusError):
        return _status_verdict(exc, redact=redact, what=what, model=model, format_sent=format_sent)
    if isinstance(exc, RecursionError):  # JSON nested thousands of levels deep: the parser gives up
        return Verdict(RETRY, f"{what} sent an unusable answer: JSON nested too deeply to read")
    if isinstance(exc, openai.APIError | ValueError):  # a body that is not JSON at all
        return Verdict(
            RETRY, f"{what} sent an unusable answer: {shorten_middle(redact(str(exc)), DETAIL_CHARS)}"
        )
    raise exc


def _status_verdict(
    exc, *, redact: Callable[[str], str], what: str, model: str, format_sent: bool
) -> Verdict:
    """The meaning of an HTTP error status (exc: an ``openai.APIStatusError``)."""
    status = exc.status_code
    headers = exc.response.headers
    said = server_detail(exc, redact)
    detail = f": {said}" if said else ""
    wait = retry_after(headers)
    if status == 429:
        return Verdict(RATE_LIMITED, f"rate limited by {what} (HTTP 429){detail}", wait, status, headers)
    if format_sent and is_format_complaint(status, said):
        return Verdict(FORMAT, f"{what} refused the response format (HTTP {status}){detail}", None, status)
    if status == 400 and _MAX_TOKENS_REFUSED.search(said):
        return Verdict(NO_MAX_TOKENS, f"{what} refused max_tokens{detail}", None, status)
    refused = _refusal(status, what, model, detail)
    if refused is not None:
        return Verdict(FATAL, refused, None, status)
    if status in (408, 409) or status >= 500:
        return Verdict(RETRY, f"{what} failed with HTTP {status}{detail}", wait, status, headers)
    return Verdict(FAILED, f"{what} rejected the request (HTTP {status}){detail}", None, status)


def _refusal(status: int, what: str, model: str, detail: str) -> str | None:
    """What a status no retry helps with says (the server's ``detail`` in it); None for others."""
    if status == 401:
        return f"{what} rejected the API key (HTTP 401){detail}; check OPENAI_API_KEY"
    if status == 403:
        return f"{what} refused access (HTTP 403){detail}"
    if status == 404:
        thing = f"model {model!r} or the endpoint" if model else "the endpoint"
        return f"{what}: {thing} not found (HTTP 404){detail}"
    return None


def too_long(wait: float) -> str:
    """What the request's final error says about a server-told wait beyond :data:`MAX_RETRY_AFTER`."""
    return (
        f"the server asks to wait {shown_seconds(wait)} s; autonote waits at most {MAX_RETRY_AFTER:.0f} s,"
        " so it stopped"
    )


class RetryPolicy:
    """Counts the tries of one request and says how long to wait before the next (or raises)."""

    def __init__(
        self, retries: int, rng: random.Random | None = None, *, rate_limit_waits: int = RATE_LIMIT_WAITS
    ) -> None:
        self.retries = max(0, retries)
        self.rate_limit_waits = max(0, rate_limit_waits)
        self.rng = rng or random.Random()
        self.tries = 0
        self.failures = 0
        self.timeouts = 0
        self.rate_limited = 0
        self.dropped_max_tokens = False

    def backoff(self, count: int) -> float:
        """Jittered exponential backoff before the ``count``-th retry."""
        return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, count - 1)) * (0.5 + self.rng.random())

    def after(self, verdict: Verdict) -> float:
        """Seconds to wait before trying again; raises the final error when the request must stop."""
        self.tries += 1
        if verdict.kind == FORMAT:
            raise FormatRejected(verdict.message)
        if verdict.kind == FATAL:
            raise LLMFatalError(verdict.message)
        if verdict.kind == FAILED:
            raise LLMError(verdict.message)
        if verdict.kind == NO_MAX_TOKENS:
            if self.dropped_max_tokens:
                raise LLMError(verdict.message)
            self.dropped_max_tokens = True
            return 0.0  # the caller drops max_tokens and sends again at once
        if verdict.kind == RATE_LIMITED:
            self.rate_limited += 1
            if self.rate_limited > self.rate_limit_waits:
                raise LLMError(f"{verdict.message} (gave up after {self.rate_limited} rate-limited tries)")
            if verdict.wait is not None and verdict.wait > MAX_RETRY_AFTER:
                raise LLMError(f"{verdict.message} ({too_long(verdict.wait)})")
            return verdict.wait if verdict.wait is not None else self.backoff(self.rate_limited)
        self.failures += 1
        if verdict.kind == TIMEOUT:
            self.timeouts += 1
            if self.timeouts > TIMEOUT_RESENDS or self.failures > self.retries:
                raise LLMError(
                    f"{verdict.message} ({self.timeouts} time(s); not sent again, as the server may still be"
                    " generating the answer)"
                )
            return self.backoff(self.failures)
        if self.failures > self.retries:
            raise LLMError(f"{verdict.message} (gave up after {self.tries} tries)")
        if verdict.wait is not None:
            if verdict.wait > MAX_RETRY_AFTER:
                raise LLMError(f"{verdict.message} ({too_long(verdict.wait)})")
            return verdict.wait
        return self.backoff(self.failures)
