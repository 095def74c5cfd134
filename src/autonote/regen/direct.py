"""Regen through direct requests: many at once with the provider's async client, inside the rate limits."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from autonote.app import Workspace
from autonote.errors import LLMFatalError, WriteRefusedError
from autonote.llm.cache import ResponseCache
from autonote.llm.limiter import RateLimiter
from autonote.llm.providers import AsyncChat, RequestStats
from autonote.regen.engine import Outcome, Planned, RegenEngine, RunStopped
from autonote.regen.report import RegenProgress, Tally
from autonote.regen.select import Candidate


@dataclass(frozen=True)
class RunOptions:
    concurrency: int | None = None  # None: auto (see autonote.llm.slots)
    rpm: float | None = None
    tpm: float | None = None
    force: bool = False
    retries: int | None = None  # default: the llm_max_retries setting, as for draft


def make_client(ws: Workspace, options: RunOptions) -> AsyncChat:
    s = ws.settings
    return ws.provider.async_chat_client(
        s,
        completion_limit=ws.completion_limit(),
        limiter=RateLimiter(options.rpm, options.tpm),
        cache=ResponseCache(ws.state) if s.llm_cache else None,
        retries=s.llm_max_retries if options.retries is None else options.retries,
        formats=ws.chat.formats,
    )


async def run_items(
    engine: RegenEngine,
    items: Iterable[Candidate | Planned],
    client: AsyncChat,
    tally: Tally,
    progress: RegenProgress,
    concurrency: int,
) -> None:
    """Work through the items with ``concurrency`` workers; one bad item never stops the others, a
    corpus that cannot be written or a rejected key stops them all (finished items stay recorded)."""
    queue = iter(items)
    stop: list[BaseException] = []

    async def worker() -> None:
        for item in queue:
            if stop:
                return
            planned = engine.plan(item) if isinstance(item, Candidate) else item
            if isinstance(planned, Outcome):
                tally.add(planned)
                progress.update(tally)
                continue
            try:
                outcome = await engine.run(planned, client.complete, client.remember)
            except (WriteRefusedError, LLMFatalError, sqlite3.Error) as exc:
                stop.append(exc)
                return
            tally.add(outcome)
            progress.update(tally)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if stop:
        error = stop[0]
        if isinstance(error, WriteRefusedError | sqlite3.Error):
            what = f"cannot write the journal: {error}" if isinstance(error, sqlite3.Error) else str(error)
            raise RunStopped(
                f"{what}; stopped (the journal keeps the {tally.outcomes['done']} drafts written, re-run to continue)"
            )
        raise error


async def run_direct(
    ws: Workspace, engine: RegenEngine, candidates: list[Candidate], options: RunOptions, stream: TextIO
) -> tuple[Tally, RequestStats]:
    client = make_client(ws, options)
    tally = Tally(selected=len(candidates))
    try:
        gate = await client.follow_slots(options.concurrency)
        with RegenProgress(len(candidates), client.stats, stream) as progress:
            await run_items(engine, candidates, client, tally, progress, gate.workers)
    finally:
        await client.close()
    return tally, client.stats
