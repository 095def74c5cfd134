"""How many requests the LLM server works on at once, and a gate that sends no more than that.

A local server (llama-cpp-python, llama.cpp's ``llama-server``, Ollama) generates a fixed number of
answers at once (its *slots*; llama-cpp-python has one) and queues the rest. Requests sent beyond
its slots wait in that queue with their timeout running, time out, and are sent again while the
server still generates the abandoned ones: paid twice. So requests beyond the server's slots wait
here, where no timeout runs, and ``llm_timeout`` covers generation, not queueing.

The number of slots comes from, in order:

1. ``concurrency`` set to a number: the user's word, kept as it is;
2. OpenAI's own API (no base URL, or an OpenAI host): ``concurrency = "auto"`` means
   :data:`DEFAULT_CONCURRENCY` (a provider queues nothing per client; the rate limiter paces);
3. llama.cpp's ``GET /props`` (``total_slots``), asked once per run at the server's root;
4. otherwise learned from the answers (:class:`SlotGate` with ``adaptive``): start with one request
   in flight; after each round of answers compare their mean time with the fastest round seen. When
   the server serialises (``n`` requests in flight each take ``n`` times as long) the estimate
   ``n × fastest / mean`` falls and the gate shrinks to it; when answers stay as fast, the gate grows
   by one, but only while ``(n + 1) ×`` the slowest answer seen fits in half of ``llm_timeout``, so
   that even a server that serialises everything cannot make a request time out in its queue.

A request that timed out against a local server keeps its slot (a *ghost*) until the server has
plausibly finished it: with one request in flight, an answer arrives for a request sent after it
(the server answers its queue in order), else ``llm_timeout`` more seconds pass. Its re-send waits
for that, so against a one-slot server nothing is sent again while the server still works on the
abandoned request. The gate also halves (its queue was longer than the timeout), also when the
concurrency was given: a given number is then the most in flight, not the least.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from autonote.bounded import load_json

DEFAULT_CONCURRENCY = 8  # "auto" against OpenAI, and the ceiling of the learned gate
PROBE_TIMEOUT = 3.0  # seconds for GET /props


@dataclass(eq=False)  # each ghost is itself: compared by identity
class _Ghost:
    sent: float  # when the timed-out request was sent
    until: float  # when its slot is given back at the latest


class SlotGate:
    """At most :attr:`limit` requests in flight (plus timed-out requests the server may still run)."""

    def __init__(
        self,
        limit: int,
        *,
        ceiling: int | None = None,
        adaptive: bool = False,
        timeout: float = 120.0,
        hold_timed_out: bool = True,
        source: str = "given",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = max(1, limit)
        self.ceiling = max(self.limit, ceiling or self.limit)
        self.adaptive = adaptive
        self.timeout = timeout
        self.hold_timed_out = hold_timed_out
        self.source = source
        self.clock = clock
        self.in_flight = 0
        self.ghosts: list[_Ghost] = []
        self._changed = asyncio.Condition()
        self._round: list[float] = []  # answer times at the current limit
        self.fastest: float | None = None  # the lowest mean answer time of a round
        self.slowest = 0.0  # the longest single answer time
        self.too_many: int | None = None  # a limit that made the server serialise: never tried again
        self.peak = self.limit

    @property
    def workers(self) -> int:
        """How many requests callers may prepare at once (the most this gate will ever let through)."""
        return self.ceiling

    def _busy(self, now: float) -> int:
        self.ghosts = [g for g in self.ghosts if g.until > now]
        return self.in_flight + len(self.ghosts)

    async def acquire(self) -> float:
        """Wait for a free slot; returns the time the request leaves (for :meth:`release`)."""
        async with self._changed:
            while True:
                now = self.clock()
                if self._busy(now) < self.limit:
                    self.in_flight += 1
                    return now
                wake = min((g.until for g in self.ghosts), default=now + 1.0) - now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=max(0.01, wake))

    async def release(self, sent: float, *, answered: bool, timed_out: bool = False) -> _Ghost | None:
        """The request sent at ``sent`` is over: answered (its time counts), timed out, or failed.
        A timed-out request's ghost is returned: its re-send waits for it (:meth:`settled`)."""
        now = self.clock()
        ghost = None
        async with self._changed:
            self.in_flight -= 1
            if answered:
                if self.limit == 1:  # one at a time: the server finished whatever was sent before
                    self.ghosts = [g for g in self.ghosts if g.sent > sent]
                self._learn(now - sent)
            elif timed_out and self.hold_timed_out:
                ghost = _Ghost(sent, now + self.timeout)
                self.ghosts.append(ghost)
                # Its queue is longer than the timeout: halve (a given concurrency is then a ceiling).
                self.too_many = self.limit if self.limit > 1 else self.too_many
                self.limit = max(1, self.limit // 2)
                self._round.clear()
            self._changed.notify_all()
        return ghost

    async def settled(self, ghost: _Ghost) -> None:
        """Wait until the server has plausibly finished a request that timed out (its ghost is gone),
        so that its re-send is not generated while the server still generates the first one."""
        async with self._changed:
            while ghost in self.ghosts and ghost.until > self.clock():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait(), timeout=max(0.01, ghost.until - self.clock())
                    )

    def _learn(self, seconds: float) -> None:
        self.slowest = max(self.slowest, seconds)
        if not self.adaptive:
            return
        self._round.append(seconds)
        if len(self._round) < self.limit:
            return
        mean = sum(self._round) / len(self._round)
        self._round.clear()
        self.fastest = mean if self.fastest is None else min(self.fastest, mean)
        estimate = self.limit * self.fastest / mean if mean > 0 else self.limit
        if estimate < self.limit - 0.5:  # the server serialises part of what is in flight
            self.too_many = self.limit
            self.limit = max(1, round(estimate))
            return
        grow = self.limit + 1
        fits = grow * self.slowest <= self.timeout / 2
        if grow <= self.ceiling and fits and (self.too_many is None or grow < self.too_many):
            self.limit = grow
            self.peak = max(self.peak, grow)

    def describe(self) -> str:
        """The final table's row: what the gate did."""
        if self.adaptive:
            return f"learned: {self.limit} at the end (at most {self.peak}; ceiling {self.ceiling})"
        if self.limit < self.ceiling:
            return f"{self.limit} at the end, halved after timeouts ({self.ceiling}, {self.source})"
        return f"{self.limit}, {self.source}"


def server_root(base_url: str) -> str:
    """The server's root, where llama.cpp answers ``/props`` (``…/v1`` removed)."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


async def probe_total_slots(base_url: str, api_key: str | None) -> int | None:
    """``total_slots`` from llama.cpp's ``GET /props``; None when the server does not say (404, an
    error, not JSON, a timeout: llama-cpp-python, vLLM and Ollama have no such endpoint)."""
    from openai import DefaultAsyncHttpxClient

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        async with DefaultAsyncHttpxClient(timeout=PROBE_TIMEOUT) as client:
            async with asyncio.timeout(PROBE_TIMEOUT):
                answer = await client.get(server_root(base_url) + "/props", headers=headers)
            if answer.status_code != 200:
                return None
            slots = load_json(answer.text).get("total_slots")
    except Exception:  # any failure only means: not known
        return None
    return slots if isinstance(slots, int) and not isinstance(slots, bool) and 1 <= slots <= 1024 else None


async def gate_for(
    concurrency: int | None, base_url: str | None, api_key: str | None, timeout: float, *, openai: bool
) -> SlotGate:
    """The gate for a run: ``concurrency`` None means ``auto`` (see the module's docstring)."""
    local = not openai
    if concurrency is not None:
        return SlotGate(concurrency, timeout=timeout, hold_timed_out=local, source="given")
    if openai or base_url is None:
        return SlotGate(DEFAULT_CONCURRENCY, timeout=timeout, hold_timed_out=False, source="auto (OpenAI)")
    slots = await probe_total_slots(base_url, api_key)
    if slots is not None:
        return SlotGate(slots, timeout=timeout, source="the server's /props (total_slots)")
    return SlotGate(1, ceiling=DEFAULT_CONCURRENCY, adaptive=True, timeout=timeout)
