"""Staying within GitHub's rate limits, and saying so, as extensions of PyGithub.

What PyGithub 2.x does on its own (read in its source, ``GithubRetry`` and ``Requester``, and
measured in ``bench/github_bench.py``): it retries 5xx and a 403 that carries ``Retry-After`` or a
rate-limit message, waiting until ``x-ratelimit-reset`` for the primary limit and 60 s for a
secondary one (logging "Setting next backoff" on its INFO logger; 5xx and timeouts are waited for
by urllib3 without a word). It never waits *before* a request when ``x-ratelimit-remaining`` is 0,
so a long pull spends its last request and then takes a 403 for every request until the reset. And
it retries POST like GET, so a 502 on "create issue" could make two issues.

The two extensions, through PyGithub's own extension points:

- :func:`paced_auth`: an ``Auth`` (called before every request PyGithub makes, pages included)
  that waits until the reset when the last answer said no request is left, counts requests, and
  adds the token;
- :func:`reporting_retry`: a ``GithubRetry`` that says what it waits for and how long, also
  retries 429, honours ``Retry-After`` (and ``x-ratelimit-reset`` on a 429 without it), and resends
  a POST only when GitHub refused it for a rate limit (so it was not carried out); 5xx and
  timeouts are retried for reads and idempotent writes (PATCH, PUT, DELETE), with backoff.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_ATTEMPTS = 7  # one request and six retries
BACKOFF_FACTOR = 1.0  # urllib3: 0, 2, 4, 8, 16, 32 s between consecutive failures
BACKOFF_MAX = 60.0
SECONDARY_WAIT = 60.0  # GitHub: "wait at least one minute" when a secondary limit gives no Retry-After
MAX_RATE_WAIT = 3700.0  # the primary limit resets within the hour
CONNECT_RETRIES = 2  # a refused connection is seldom a blip: a wrong GITHUB_API_URL should fail fast
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass
class Traffic:
    """What the client did: requests made (pages and writes, not counting retries), retries, and
    every wait with its reason."""

    requests: int = 0
    retries: int = 0
    waits: list[tuple[str, float]] = field(default_factory=list)

    @property
    def waited(self) -> float:
        return sum(seconds for _, seconds in self.waits)


def _clock(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def paced_auth(
    token: str | None, traffic: Traffic, say: Callable[[str], None], *,
    attach: Callable[[Any], None] | None = None, max_wait: float = MAX_RATE_WAIT,
) -> Any:  # fmt: skip
    """A PyGithub ``Auth`` that paces requests by the primary rate limit and sends ``token``.
    ``attach`` is called with each ``Requester`` PyGithub makes (see
    :func:`autonote.github.transport.install`); no wait is longer than ``max_wait`` seconds."""
    from github.Auth import Auth
    from github.Requester import WithRequester

    class PacedAuth(Auth, WithRequester):
        def __init__(self) -> None:
            WithRequester.__init__(self)
            self._requesters: list[Any] = []  # PyGithub makes a new Requester per API version / laziness

        def withRequester(self, requester: Any) -> PacedAuth:
            self._requesters.append(requester)
            if attach is not None:
                attach(requester)
            return super().withRequester(requester)  # type: ignore[return-value]

        @property
        def token_type(self) -> str:
            return "Bearer"

        @property
        def token(self) -> str:
            return token or ""

        @property
        def _masked_token(self) -> str:
            return "Bearer (token removed)"

        def authentication(self, headers: dict) -> None:
            self._wait_for_budget()
            traffic.requests += 1
            if token:
                headers["Authorization"] = f"Bearer {token}"

        def _wait_for_budget(self) -> None:
            """Wait for the reset when the latest answer left no request (the latest: the
            requester with the latest reset, the fewest remaining)."""
            known = [(r.rate_limiting_resettime, -r.rate_limiting[0], r) for r in self._requesters]
            known = [k for k in known if k[2].rate_limiting[1] > 0]
            if not known:
                return
            reset, minus_remaining, requester = max(known, key=lambda k: (k[0], k[1]))
            remaining, limit = -minus_remaining, requester.rate_limiting[1]
            wait = reset - time.time() + 1.0
            if remaining > 0 or wait <= 0:
                return
            capped = _capped(wait, max_wait, "the limit resets")
            wait = min(wait, max_wait)
            say(
                f"GitHub rate limit: 0 of {limit} requests left; waiting {wait:.0f} s, until {_clock(time.time() + wait)}"
                + (capped or " (when the limit resets)")
            )
            traffic.waits.append(("rate limit (x-ratelimit-remaining: 0)", wait))
            time.sleep(wait)
            for each in self._requesters:  # the budget is whole again; the next answer says how much
                each.rate_limiting = (limit, limit)

    return PacedAuth()


def _capped(wait: float, max_wait: float, what: str) -> str | None:
    """What to say when GitHub asked for a longer wait than autonote makes (None when it did not)."""
    if wait <= max_wait:
        return None
    return (
        f" (GitHub said to wait {wait:.0f} s, until {what}; capped at {max_wait:.0f} s,"
        " AUTONOTE_GITHUB_MAX_WAIT)"
    )


def reporting_retry(
    traffic: Traffic, say: Callable[[str], None], *, expired: Callable[[], bool] = lambda: False,
    max_wait: float = MAX_RATE_WAIT,
) -> Any:  # fmt: skip
    """A ``GithubRetry`` that reports each wait (see the module docstring for what it retries).
    An attempt that ran out of its deadline (``expired()``) is not retried; no wait is longer than
    ``max_wait`` seconds, and a longer one asked for is said to be capped."""
    from github.GithubRetry import GithubRetry
    from urllib3.exceptions import InvalidHeader

    from autonote.github.transport import DeadlineExceeded

    class ReportingRetry(GithubRetry):
        def increment(self, *args: Any, **kwargs: Any) -> Any:
            if expired():  # a server that trickles its answer is not having a blip
                raise DeadlineExceeded("the whole answer did not arrive in time") from kwargs.get("error")
            return super().increment(*args, **kwargs)

        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
            if method == "POST" and status_code in (403, 429):
                method = "GET"  # refused for a rate limit, so not carried out: safe to send again
            return super().is_retry(method, status_code, has_retry_after)

        def sleep(self, response: Any = None) -> None:
            try:
                wait = self.get_retry_after(response) if response is not None else None
            except InvalidHeader:  # a Retry-After that is not a time
                wait = None
            if wait is None and response is not None and response.status == 429:
                wait = _rate_wait(response.headers)
            if wait is None:
                wait = self.get_backoff_time()  # GithubRetry sets it for a rate-limited 403
            wait = max(wait, 0.0)
            told = response.headers.get("Retry-After") if response is not None else None
            asked = float(told) if told and told.strip().isdigit() else wait  # urllib3 caps it at 6 h
            capped = _capped(max(asked, wait), max_wait, "it allows a retry")
            wait = min(wait, max_wait)
            reason = _reason(response, self.history)
            attempt = len(self.history) + 1
            when = f"in {wait:.1f} s" if wait > 0 else "now"
            say(f"GitHub: {reason}; retrying {when} (attempt {attempt} of {MAX_ATTEMPTS}){capped or ''}")
            traffic.retries += 1
            if wait > 0:
                traffic.waits.append((reason, wait))
                time.sleep(wait)

    return ReportingRetry(
        total=MAX_ATTEMPTS - 1,
        connect=CONNECT_RETRIES,
        backoff_factor=BACKOFF_FACTOR,
        backoff_max=BACKOFF_MAX,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods=IDEMPOTENT,
        secondary_rate_wait=SECONDARY_WAIT,
        raise_on_status=True,
    )


def _rate_wait(headers: Any) -> float:
    """A 429 without Retry-After: until the reset when no request is left, else a minute."""
    remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
    if remaining == "0" and reset and reset.isdigit():
        return max(0.0, int(reset) - time.time() + 1.0)
    return SECONDARY_WAIT


def _reason(response: Any, history: tuple[Any, ...]) -> str:
    if response is None:
        error = history[-1].error if history else None
        return f"request failed ({type(error).__name__ if error else 'no answer'})"
    status = response.status
    headers = response.headers
    if status in (403, 429):
        if headers.get("x-ratelimit-remaining") == "0":
            return f"rate limit exhausted (HTTP {status})"
        if headers.get("Retry-After") is not None:
            return f"secondary rate limit (HTTP {status}, retry-after {headers.get('Retry-After')})"
        return f"secondary rate limit (HTTP {status})"
    return f"HTTP {status}"
