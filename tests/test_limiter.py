"""The rate limiter's books (a sliding window, charged like a provider charges) and the loopback
provider model it is measured against. Throughput is the benchmark's business (bench/regen_bench.py);
these tests check the accounting: who is charged what, when, and that nothing goes over."""

from __future__ import annotations

import asyncio
import time

import pytest

from autonote.llm.limiter import MARGIN, SHORT_MARGIN, RateLimiter
from tests.loopback import ServerRateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# Tests of the minute's books give ``short_window=60``: no shorter interval binds.


def charge(limiter: RateLimiter, prompt: int = 0, completion: int = 0):
    """Acquire when the limiter says the request may go now (the fake clock never sleeps)."""
    assert limiter.delay(limiter.clock(), prompt, completion) <= 0
    return asyncio.run(limiter.acquire(prompt, completion))


def headers(limit_requests: int, remaining_requests: int, limit_tokens: int = 0, remaining_tokens: int = 0):
    found = {
        "x-ratelimit-limit-requests": str(limit_requests),
        "x-ratelimit-remaining-requests": str(remaining_requests),
    }
    if limit_tokens:
        found |= {
            "x-ratelimit-limit-tokens": str(limit_tokens),
            "x-ratelimit-remaining-tokens": str(remaining_tokens),
        }
    return found


def test_the_window_holds_a_minute_of_requests() -> None:
    clock = Clock()
    limiter = RateLimiter(
        rpm=10, clock=clock, burst_seconds=60, short_window=60
    )  # a bucket of a whole minute: only the window binds
    for _ in range(10):
        charge(limiter)
        clock.now += 1
    assert limiter.delay(clock.now, 0, 0) == pytest.approx(60 + MARGIN - 10)
    clock.now += 60 + MARGIN - 10
    charge(limiter)  # the first request has left the window


def test_tokens_are_the_prompt_plus_the_completion_limit_corrected_by_usage() -> None:
    clock = Clock()
    limiter = RateLimiter(tpm=1000, clock=clock, burst_seconds=60, short_window=60)
    ticket = charge(limiter, prompt=400, completion=300)
    assert limiter.window.used["tokens"] == 700 and limiter.delay(clock.now, 200, 300) > 0
    limiter.settle(ticket, prompt_tokens=150)  # the server counted fewer prompt tokens
    assert limiter.window.used["tokens"] == 450
    assert limiter.delay(clock.now, 200, 300) <= 0  # 450 + 500 fits
    assert limiter.delay(clock.now, 300, 300) > 0


def test_requests_sent_before_the_limits_are_known_are_charged() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, short_window=60)
    tickets = [charge(limiter) for _ in range(5)]  # nothing known: nothing holds them back
    assert limiter.window.used["requests"] == 5 and not limiter.known
    limiter.settle(tickets[0], headers(6, 1))  # the server counted all five
    assert limiter.limit("requests") == 6 and limiter.phantoms["requests"] == 0
    clock.now += 1
    limiter.buckets["requests"].level = 1  # past the smoothing: only the window decides here
    charge(limiter)  # the sixth fits
    clock.now += 1
    limiter.buckets["requests"].level = 1
    assert limiter.delay(clock.now, 0, 0) == pytest.approx(60 + MARGIN - 2)  # the seventh waits for the first


def test_usage_the_window_does_not_know_of_is_charged_from_the_remaining_headers() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, burst_seconds=60, short_window=60)
    first = charge(limiter, prompt=100, completion=100)
    second = charge(limiter, prompt=100, completion=100)
    # Another process used 5 requests and 3,000 tokens of the same key: the server counts 7 and 3,400.
    limiter.settle(first, headers(10, 3, 10_000, 10_000 - 3_400))
    assert limiter.phantoms == {"requests": 5, "tokens": 3_000}
    limiter.settle(second, headers(10, 3, 10_000, 10_000 - 3_400))  # the same news twice is charged once
    assert limiter.phantoms == {"requests": 5, "tokens": 3_000}
    assert limiter.window.used == {"requests": 7, "tokens": 3_400}
    clock.now += 30  # the limits were learned just now: the smoothing bucket starts empty
    charge(limiter)
    charge(limiter)
    charge(limiter)
    assert limiter.delay(clock.now, 0, 0) > 0  # 10 counted: the eleventh waits


def test_a_request_counts_from_when_it_leaves_not_from_when_it_was_allowed() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=2, clock=clock, burst_seconds=60, short_window=60)
    early = charge(limiter)
    late = charge(limiter)
    clock.now += 1.5  # the event loop was busy preparing other notes before this one was written
    limiter.left(late)
    assert [t.time for t in limiter.window.entries] == [early.time, clock.now]
    clock.now = early.time + 60 + MARGIN
    assert limiter.delay(clock.now, 0, 0) == 0  # the early one has left the window...
    charge(limiter)
    assert limiter.delay(clock.now, 0, 0) == pytest.approx(1.5)  # ...the late one counts 1.5 s longer


def test_the_minute_is_spread_evenly_not_spent_at_once() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=60, clock=clock)  # one a second, one second's worth of burst
    charge(limiter)
    assert limiter.delay(clock.now, 0, 0) == pytest.approx(1.0)
    clock.now += 1.0
    charge(limiter)


def test_no_ten_seconds_get_more_than_their_share_of_the_minute() -> None:
    """Providers may enforce a per-minute limit over 10 s intervals: with requests sent as fast as
    the limiter allows, no 10 s holds more than rpm / 6 (counted as the provider counts, by arrival,
    arriving up to SHORT_MARGIN later than they left), and no second more than two seconds' worth
    (the bucket's burst)."""
    clock = Clock()
    limiter = RateLimiter(rpm=600, clock=clock)
    sent: list[float] = []
    while len(sent) < 240:
        clock.now += max(0.0, limiter.delay(clock.now, 0, 0)) + 1e-9
        charge(limiter)
        sent.append(clock.now)
    arrived = [t + (SHORT_MARGIN * 0.99 if i % 2 else 0.0) for i, t in enumerate(sent)]  # uneven delays
    busiest = max(sum(1 for t in arrived if start <= t < start + 10) for start in arrived)
    assert busiest <= 100, f"{busiest} requests in 10 s (share 100)"
    assert max(sum(1 for t in sent if start <= t < start + 1) for start in sent) <= 20
    assert sent[-1] - sent[0] < 240 / 10 * 1.02  # at the limit's pace


def test_a_429_pauses_everyone_and_a_lower_limit_from_the_server_wins() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=600, clock=clock)
    ticket = charge(limiter)
    limiter.pause(2.5)
    assert limiter.delay(clock.now, 0, 0) == pytest.approx(2.5)
    limiter.settle(ticket, headers(300, 299))
    assert limiter.limit("requests") == 300
    assert limiter.describe() == [("limit: requests/min", "300, learned from x-ratelimit headers")]


def test_the_loopback_provider_counts_a_sliding_window() -> None:
    provider = ServerRateLimit(rpm=3, tpm=100, window=0.5)
    assert provider.admit(30)[0] and provider.admit(30)[0]
    ok, wait, sent = provider.admit(50)
    assert not ok and 0 < wait <= 0.5 and sent["x-ratelimit-remaining-tokens"] == "40"
    assert provider.admit(40)[0]
    ok, wait, sent = provider.admit(1)
    assert not ok and sent["x-ratelimit-remaining-requests"] == "0" and provider.rejected == 2
    time.sleep(wait + 0.01)
    assert provider.admit(1)[0]  # the oldest left the window
    time.sleep(0.5)
    assert provider.admit(500)[0]  # larger than the limit: admitted alone
    assert provider.accepted == 5


@pytest.mark.parametrize("given", [True, False])
def test_the_limiter_against_the_provider_model_sends_nothing_over_the_limits(given: bool) -> None:
    """Both on a 1.5 s window (a minute, scaled down): 60 requests, 8 at a time, prompts of varying
    size. Limits given, or learned from the provider's headers; zero 429s either way."""
    window, rpm, tpm = 1.5, 20, 20 * 450
    provider = ServerRateLimit(rpm=rpm, tpm=tpm, window=window)
    limiter = RateLimiter(rpm if given else None, tpm if given else None, window=window, margin=0.05)
    sizes = [150 + (i * 37) % 200 for i in range(60)]

    async def one(prompt: int, slots: asyncio.Semaphore) -> None:
        async with slots:
            ticket = await limiter.acquire(prompt, 100)
            ok, _, sent = provider.admit(prompt + 100)
            await asyncio.sleep(0.01)
            limiter.settle(ticket, sent, prompt_tokens=prompt)
            if not ok:
                limiter.pause(0.1)

    async def main() -> None:
        slots = asyncio.Semaphore(8)
        await asyncio.gather(*(one(size, slots) for size in sizes))

    asyncio.run(main())
    assert provider.rejected == 0 and provider.accepted == 60


def test_no_request_waits_more_than_a_minute_for_its_bucket() -> None:
    # A tokens/min limit smaller than one request: the request goes alone in its minute, and the
    # bucket's debt (2,000 tokens at 10 a minute would be 200 minutes) never holds the next longer.
    clock = Clock()
    limiter = RateLimiter(tpm=10, clock=clock)
    charge(limiter, prompt=500, completion=1500)
    assert 0 < limiter.delay(clock.now, 500, 1500) <= 60 + MARGIN
