"""Client-side rate limiting for requests/min and tokens/min, known in advance or learned from headers.

Each limit is a bucket that refills continuously at ``limit / 60`` per second and holds at most
``burst_seconds`` worth: providers enforce per-minute limits in small quanta (about a second's
worth), so a client that spends a whole minute's allowance at once gets 429s. The client's bucket
holds half a second's worth and runs at 97% of the limit, so the provider's bucket always has room
for requests that leave the client later than planned and arrive bunched together. A request waits until both buckets
can pay for it (its prompt tokens, counted with tiktoken before sending, plus its completion-token
limit, which is what providers count for tokens/min).

When the limits are not configured, the provider's ``x-ratelimit-*`` headers on every response set
them (``limit-*`` gives the rate, ``remaining-*`` corrects the bucket level), and a 429 pauses every
request until its ``retry-after-ms`` / ``retry-after`` has passed.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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
    per_minute: float | None  # None: no limit known
    burst_seconds: float
    level: float = 0.0
    stamp: float = 0.0

    @property
    def capacity(self) -> float:
        return (self.per_minute or 0.0) * self.burst_seconds / 60.0

    def refill(self, now: float) -> None:
        if self.per_minute:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.per_minute / 60.0)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` can be paid (a request larger than the bucket waits for a full one)."""
        if not self.per_minute:
            return 0.0
        need = min(amount, self.capacity)
        return max(0.0, (need - self.level) * 60.0 / self.per_minute)

    def pay(self, amount: float) -> None:
        if self.per_minute:
            self.level -= amount  # may go below zero: a large request is paid back before the next


HEADROOM = 0.97  # aim just under the limits: requests arrive with jitter, a little early is a 429


class RateLimiter:
    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        burst_seconds: float = 0.5,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.headroom = headroom
        now = clock()
        self.requests = Bucket(rpm * headroom if rpm else None, burst_seconds, stamp=now)
        self.tokens = Bucket(tpm * headroom if tpm else None, burst_seconds, stamp=now)
        self.requests.level, self.tokens.level = self.requests.capacity, self.tokens.capacity
        self.learn = rpm is None and tpm is None  # adapt to the provider's headers
        self.paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting for the limits, for the final table

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of ``tokens`` tokens fits in both limits, then pay for it."""
        async with self._lock:  # first come, first served: no request overtakes a waiting one
            while True:
                now = self.clock()
                self.requests.refill(now)
                self.tokens.refill(now)
                delay = max(self.paused_until - now, self.requests.wait_for(1), self.tokens.wait_for(tokens))
                if delay <= 0:
                    self.requests.pay(1)
                    self.tokens.pay(tokens)
                    return
                self.waited += delay
                await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """After a 429: nobody sends before ``seconds`` from now; the buckets restart empty."""
        now = self.clock()
        self.paused_until = max(self.paused_until, now + seconds)
        self.requests.level = min(self.requests.level, 0.0)
        self.tokens.level = min(self.tokens.level, 0.0)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn limits from ``x-ratelimit-*`` headers (only when none were configured)."""
        if not self.learn:
            return
        now = self.clock()
        for bucket, kind in ((self.requests, "requests"), (self.tokens, "tokens")):
            limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
            if limit:
                limit *= self.headroom
                if bucket.per_minute != limit:
                    bucket.refill(now)
                    bucket.per_minute = limit
                    bucket.level = min(bucket.level, bucket.capacity)
                remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
                if remaining is not None:
                    bucket.refill(now)
                    bucket.level = min(bucket.level, remaining)

    @property
    def known(self) -> bool:
        return bool(self.requests.per_minute or self.tokens.per_minute)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429 asks us to wait: ``retry-after-ms`` first, then ``retry-after`` (seconds)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = _number(headers.get(name))
        if value is not None and value >= 0:
            return value / divisor
    reset = headers.get("x-ratelimit-reset-requests") or headers.get("x-ratelimit-reset-tokens")
    return parse_duration(reset) if reset else None
