"""Client-side rate limiting for requests/min and tokens/min, given in advance or learned from headers.

Providers count requests and tokens over a sliding minute, and charge a request its prompt plus its
completion-token limit (they reserve what the answer may use). The limiter keeps the same books:

- a *window* of every request sent in the last minute (plus :data:`MARGIN`, because a request reaches
  the provider a little after it leaves), each charged its prompt tokens (counted with tiktoken before
  sending) plus its completion limit; the prompt part is corrected by the ``usage`` that comes back.
  A request is sent only when the window has room for it under both limits. Every request is in the
  window, including those sent before any limit was known, so learning the limits from the first
  answers never leaves earlier requests uncharged.
- a *bucket* per limit that refills at ``limit / 60`` per second and holds :data:`BURST_SECONDS`
  worth: it spreads the minute's allowance evenly, since providers also enforce their per-minute
  limits over shorter intervals (OpenAI documents this) and a whole minute's allowance sent at once
  is a burst of 429s there.
- a *short window*: the same books over the last :data:`SHORT_WINDOW` seconds (plus
  :data:`SHORT_MARGIN`), holding at most that interval's share of each limit (rpm / 6 per 10 s).
  A provider enforcing its per-minute limit over 10 s intervals sees no 429 (the bucket alone let a
  second's burst on top of ten seconds' refill into some of them), and requests delayed by a busy
  event loop may catch up within the interval, so throughput stays at the limit's pace.
- the provider's ``x-ratelimit-*`` headers on every answer: ``limit-*`` sets a limit that was not
  given, and ``remaining-*`` is compared with the window as it was when that request left (give or
  take :data:`MARGIN`, as requests do not all reach the provider equally late). When the provider counts
  more than the window holds (another process using the same key, a prompt counted
  differently), the difference is charged to the window at that time, so it expires when the
  provider's own charge does. A 429 pauses every request for its ``retry-after-ms`` / ``retry-after``.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autonote.retry_after import retry_after_seconds

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1h2m3.5s"`` → seconds (the format of ``x-ratelimit-reset-*``)."""
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(v + u for v, u in parts) != text.strip():
        return None
    return sum(float(value) * _UNIT_SECONDS[unit] for value, unit in parts)


@dataclass
class Bucket:
    """Refills continuously at ``limit`` per ``period`` seconds; holds ``burst_seconds`` worth."""

    per_minute: float | None  # the limit per period (a minute for providers); None: no limit known
    burst_seconds: float
    level: float = 0.0
    stamp: float = 0.0
    period: float = 60.0

    @property
    def capacity(self) -> float:
        return (self.per_minute or 0.0) * self.burst_seconds / self.period

    def refill(self, now: float) -> None:
        if self.per_minute:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.per_minute / self.period)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` can be paid (a request larger than the bucket waits for a full one).
        Never more than one period: a request larger than a minute's allowance has paid it back then
        (the window keeps such a request alone in its minute)."""
        if not self.per_minute:
            return 0.0
        need = min(amount, self.capacity)
        return min(self.period, max(0.0, (need - self.level) * self.period / self.per_minute))

    def pay(self, amount: float) -> None:
        if self.per_minute:
            self.level -= amount  # may go below zero: a large request is paid back before the next


WINDOW = 60.0  # seconds over which providers count
SHORT_WINDOW = 10.0  # a shorter interval over which providers may enforce their per-minute limits
SHORT_MARGIN = 0.1  # a request stays in the short window this much longer than in the provider's
MARGIN = 0.5  # a request stays in our window this much longer than in the provider's
BURST_SECONDS = 1.0  # the buckets hold this many seconds' worth: no minute's allowance at once
MIN_LEARNED_RPM = 1.0  # a header limit below one request a minute (waits over a minute) is not followed
KINDS = ("requests", "tokens")


@dataclass
class Ticket:
    """One charge in the window: a request sent (or, ``phantom``, usage the provider reported that
    the window did not know of)."""

    time: float
    prompt: int = 0
    completion: int = 0  # the completion limit the provider reserves
    requests: int = 1
    phantom: bool = False

    @property
    def tokens(self) -> int:
        return self.prompt + self.completion

    def amount(self, kind: str) -> int:
        return self.requests if kind == "requests" else self.tokens


class Window:
    """Charges of the last ``span`` seconds, oldest first, with running sums."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.entries: list[Ticket] = []
        self.used = {"requests": 0, "tokens": 0}

    def add(self, ticket: Ticket) -> None:
        bisect.insort(self.entries, ticket, key=lambda t: t.time)
        for kind in KINDS:
            self.used[kind] += ticket.amount(kind)

    def expire(self, now: float) -> None:
        cut = 0
        while cut < len(self.entries) and self.entries[cut].time + self.span <= now:
            for kind in KINDS:
                self.used[kind] -= self.entries[cut].amount(kind)
            cut += 1
        if cut:
            del self.entries[:cut]

    def move(self, ticket: Ticket, time: float) -> None:
        """A ticket's charge now counts from ``time`` (when the request actually left)."""
        for index, entry in enumerate(self.entries):
            if entry is ticket:
                del self.entries[index]
                ticket.time = time
                bisect.insort(self.entries, ticket, key=lambda t: t.time)
                return
        ticket.time = time

    def reprice(self, ticket: Ticket, prompt: int) -> None:
        """Count ``prompt`` tokens for a ticket's prompt (from the usage the server reported), if still
        counted here; the caller then sets ``ticket.prompt`` (a ticket may be in several windows)."""
        if any(entry is ticket for entry in self.entries):
            self.used["tokens"] += prompt - ticket.prompt

    def used_between(self, start: float, end: float) -> dict[str, int]:
        found = {"requests": 0, "tokens": 0}
        for entry in self.entries:
            if start < entry.time <= end:
                for kind in KINDS:
                    found[kind] += entry.amount(kind)
        return found

    def wait_for_room(self, now: float, limits: Mapping[str, float | None], need: dict[str, int]) -> float:
        """Seconds until charges expire enough for ``need`` to fit under ``limits`` (a charge larger
        than its limit fits only in an empty window)."""
        excess = {}
        for kind in KINDS:
            limit = limits[kind]
            if limit is None:
                excess[kind] = 0.0
            elif need[kind] > limit:
                excess[kind] = float(self.used[kind])  # alone, or not at all
            else:
                excess[kind] = self.used[kind] + need[kind] - limit
        if all(value <= 0 for value in excess.values()):
            return 0.0
        for entry in self.entries:
            for kind in KINDS:
                excess[kind] -= entry.amount(kind)
            if all(value <= 0 for value in excess.values()):
                return max(0.0, entry.time + self.span - now)
        return 0.0  # nothing left to expire (cannot happen with consistent sums)


class RateLimiter:
    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        window: float = WINDOW,
        margin: float = MARGIN,
        burst_seconds: float = BURST_SECONDS,
        short_window: float = SHORT_WINDOW,
        short_margin: float = SHORT_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.provider_window = window
        self.margin = margin
        self.window = Window(window + margin)
        # The same limits, pro rata, over every ``short_window`` seconds: providers may enforce a
        # per-minute limit over shorter intervals (OpenAI documents it), and a bucket alone lets
        # 11/10 of a 10 s share through some 10 s intervals (its burst on top of its refill).
        self.short_share = short_window / window
        self.short = Window(short_window + short_margin)
        self.given: dict[str, float | None] = {"requests": rpm, "tokens": tpm}
        self.learned: dict[str, float | None] = {"requests": None, "tokens": None}
        now = clock()
        self.buckets = {
            kind: Bucket(self.given[kind], burst_seconds, stamp=now, period=window) for kind in KINDS
        }
        for bucket in self.buckets.values():
            bucket.level = bucket.capacity
        self.paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting for the limits, for the final table
        self.phantoms = {"requests": 0, "tokens": 0}  # charged from the provider's remaining-* headers
        self.not_followed: dict[str, float] = {}  # header limits that would make waits unbounded

    def limit(self, kind: str) -> float | None:
        """The limit in force: the one given, or the provider's when it is lower or none was given."""
        known = [value for value in (self.given[kind], self.learned[kind]) if value]
        return min(known) if known else None

    @property
    def limits(self) -> dict[str, float | None]:
        return {kind: self.limit(kind) for kind in KINDS}

    @property
    def known(self) -> bool:
        return any(self.limits.values())

    def delay(self, now: float, prompt: int, completion: int) -> float:
        """Seconds before a request of this charge may be sent (0: now)."""
        self.window.expire(now)
        self.short.expire(now)
        need = {"requests": 1, "tokens": prompt + completion}
        short_limits = {
            kind: None if limit is None else math.floor(limit * self.short_share) or 1
            for kind, limit in self.limits.items()
        }
        waits = [
            self.paused_until - now,
            self.window.wait_for_room(now, self.limits, need),
            self.short.wait_for_room(now, short_limits, need),
        ]
        for kind in KINDS:
            self.buckets[kind].refill(now)
            waits.append(self.buckets[kind].wait_for(need[kind]))
        return max(waits)

    async def acquire(self, prompt: int, completion: int = 0) -> Ticket:
        """Wait until a request of ``prompt`` + ``completion`` tokens fits both limits, then charge it."""
        async with self._lock:  # first come, first served: no request overtakes a waiting one
            while True:
                now = self.clock()
                delay = self.delay(now, prompt, completion)
                if delay <= 0:
                    ticket = Ticket(now, prompt, completion)
                    self.window.add(ticket)
                    self.short.add(ticket)
                    for kind in KINDS:
                        self.buckets[kind].pay(ticket.amount(kind))
                    return ticket
                step = min(delay, 0.25)  # look again soon: answers may correct the books meanwhile
                self.waited += step
                await asyncio.sleep(step)

    def left(self, ticket: Ticket) -> None:
        """The request is on the wire now: it counts from now. Between being allowed and leaving, other
        work on the event loop (preparing other notes) may have taken a while, and the provider counts
        a request from when it arrives."""
        now = self.clock()
        if now > ticket.time:
            self.window.move(ticket, now)
            self.short.move(ticket, now)

    def settle(
        self, ticket: Ticket, headers: Mapping[str, str] | None = None, *, prompt_tokens: int | None = None
    ) -> None:
        """Book an answer: the prompt tokens the server counted, and its rate-limit headers."""
        if prompt_tokens is not None and prompt_tokens >= 0:
            bucket = self.buckets["tokens"]
            if bucket.per_minute:
                bucket.level = min(bucket.capacity, bucket.level + ticket.prompt - prompt_tokens)
            self.window.reprice(ticket, prompt_tokens)
            self.short.reprice(ticket, prompt_tokens)
            ticket.prompt = prompt_tokens
        if headers is not None:
            self.observe(headers, sent=ticket.time)

    def pause(self, seconds: float) -> None:
        """After a 429: nobody sends before ``seconds`` from now; the buckets restart empty."""
        now = self.clock()
        self.paused_until = max(self.paused_until, now + seconds)
        for bucket in self.buckets.values():
            bucket.refill(now)
            bucket.level = min(bucket.level, 0.0)

    def observe(self, headers: Mapping[str, str], *, sent: float | None = None) -> None:
        """Learn limits not given from ``x-ratelimit-limit-*``; reconcile the window with
        ``x-ratelimit-remaining-*`` as it was when the request answered was ``sent``."""
        now = self.clock()
        for kind in KINDS:
            limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
            if not limit or limit <= 0:
                continue
            if kind == "requests" and limit < MIN_LEARNED_RPM:
                self.not_followed[kind] = limit  # each request would wait more than a minute
                continue
            if self.learned[kind] != limit:
                bucket = self.buckets[kind]
                bucket.refill(now)
                first = bucket.per_minute is None
                self.learned[kind] = limit
                bucket.per_minute = self.limit(kind)
                bucket.level = 0.0 if first else min(bucket.level, bucket.capacity)
            remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
            if remaining is None or sent is None:
                continue
            # Requests reach the provider a little after they leave, not all equally late: one sent
            # just after this one may be in its count, and one sent just over a minute before it may
            # still be. Both count as known, within the margin.
            start, end = sent - self.provider_window - self.margin, sent + self.margin
            counted = self.window.used_between(start, end)[kind]
            missing = int(limit - remaining) - counted
            if missing >= 1:
                phantom = Ticket(sent, requests=0)
                if kind == "requests":
                    phantom.requests = missing
                else:
                    phantom.prompt = missing
                phantom.phantom = True
                self.window.add(phantom)
                self.phantoms[kind] += missing

    def describe(self) -> list[tuple[str, str]]:
        """Rows for the final table: each limit in force and where it came from, or none known."""
        rows = [
            (
                f"limit: {kind}/min",
                f"x-ratelimit-limit-{kind} said {value:g}: not followed (waits of over a minute)",
            )
            for kind, value in self.not_followed.items()
        ]
        for kind in KINDS:
            limit = self.limit(kind)
            if limit is None:
                continue
            source = "given" if self.given[kind] == limit else "learned from x-ratelimit headers"
            rows.append((f"limit: {kind}/min", f"{limit:,.0f}, {source}"))
        return rows or [("limits", "none known: none given, no x-ratelimit headers")]


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429 asks us to wait: ``retry-after-ms`` first, then ``retry-after`` (seconds or an
    HTTP date), then the reset of the exhausted limit."""
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None and milliseconds >= 0:
        return milliseconds / 1000.0
    seconds = retry_after_seconds(headers.get("retry-after"))
    if seconds is not None:
        return seconds
    reset = headers.get("x-ratelimit-reset-requests") or headers.get("x-ratelimit-reset-tokens")
    return parse_duration(reset) if reset else None
