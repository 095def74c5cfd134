"""Regen through the Batch API: submit, remember the batch ids, collect later (``--resume``).

First requests go into batches (items whose request is already in the response cache are done
directly, at no cost). Each item is marked *submitted* with its batch id in the journal, so a run
killed after submitting, or finished with ``--no-wait``, is picked up by ``autonote regen --resume``
a day later. Collected answers are kept in the journal and go through the same validation as a
direct run; the rare re-ask is a direct request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TextIO

from autonote.app import Workspace
from autonote.errors import LLMError, UsageError
from autonote.llm.providers import AsyncChat, Batches, LineResult
from autonote.llm.structured import structured_steps
from autonote.regen.direct import RunOptions, make_client, run_items
from autonote.regen.engine import Outcome, Planned, RegenEngine
from autonote.regen.journal import SUBMITTED, Item
from autonote.regen.report import RegenProgress, Tally
from autonote.regen.select import Candidate


@dataclass(frozen=True)
class BatchOptions:
    wait: bool = True
    poll_interval: float = 30.0
    max_requests: int | None = None  # None: the provider's limit (also the upper bound of a number)
    max_bytes: int | None = None


@dataclass
class BatchRun:
    submitted: list[str]  # batch ids submitted now
    waiting: int  # items still in batches that are not finished


def batches_of(ws: Workspace, remedy: str = "use --via direct") -> Batches:
    """The provider's batch interface (one line ending in ``remedy``, and exit 2, when it has none)."""
    batches = ws.provider.batches(ws.chat)
    if batches is None:
        raise UsageError(f"the {ws.provider.name} provider has no batch interface; {remedy}")
    return batches


def _say(stream: TextIO, message: str) -> None:
    print(f"autonote: {message}", file=stream, flush=True)


async def submit_and_collect(
    ws: Workspace,
    engine: RegenEngine,
    candidates: list[Candidate],
    options: RunOptions,
    batch_options: BatchOptions,
    selection: dict,
    stream: TextIO,
) -> tuple[Tally, AsyncChat, BatchRun]:
    batches = batches_of(ws)
    client = make_client(ws, options)
    tally = Tally(selected=len(candidates))
    direct: list[Planned] = []
    lines: list[tuple[Planned, bytes]] = []
    in_flight = 0
    try:
        with RegenProgress(len(candidates), client.stats, stream) as progress:
            for candidate in candidates:
                planned = engine.plan(candidate)
                if isinstance(planned, Outcome):
                    if planned.batch_id is not None:
                        in_flight += 1  # already in a batch that has not finished: --resume collects it
                    else:
                        tally.add(planned)
                    continue
                if planned.batch_reply is not None:
                    direct.append(planned)
                    continue
                job = engine.job_for(planned.note)
                first = next(structured_steps(job.build, job.output_model, job.check, **job.options()))
                if client.cached(first) is not None:
                    direct.append(planned)  # answered before: costs nothing, no need to wait for a batch
                else:
                    lines.append((planned, batches.line(planned.key, client.body(first))))
            submitted = []
            groups = batches.split(
                [line for _, line in lines],
                min(batch_options.max_requests or batches.max_requests, batches.max_requests),
                min(batch_options.max_bytes or batches.max_bytes, batches.max_bytes),
            )
            position = 0
            for group in groups:
                members = lines[position : position + len(group)]
                position += len(group)
                batch_id, file_id = batches.submit(group, {"tool": "autonote regen"})
                engine.journal.add_batch(batch_id, file_id, len(group), selection)
                for planned, _ in members:
                    engine.journal.submitted(planned.key, planned.note.id, batch_id)
                submitted.append(batch_id)
                _say(stream, f"submitted batch {batch_id} with {len(group)} requests")
            await run_items(engine, direct, client, tally, progress, options.concurrency or 8)
            waiting = in_flight + len(lines)
            if batch_options.wait and waiting:
                waiting = await collect_open_batches(
                    ws, engine, client, batches, batch_options, tally, progress, stream
                )
    finally:
        await client.close()
    return tally, client, BatchRun(submitted, waiting)


def _record_replies(
    engine: RegenEngine, batches: Batches, batch_id: str, status: str, results: list[LineResult]
) -> dict[str, Item]:
    """Record in the journal each answer of a final batch, and a failure for each item it did not
    answer; the items that were waiting, by key."""
    # Only items still waiting take an answer: a resumed collection (the run before was killed
    # half-way) finds some items done already, and leaves them as they are.
    items = {
        i.key: i
        for i in engine.journal.items_of_batch(batch_id)
        if i.status == SUBMITTED and not i.batch_reply
    }
    for result in results:
        if result.custom_id not in items:
            continue
        if result.body is not None:
            try:
                engine.journal.batch_reply(result.custom_id, batches.reply_fields(result.body), None)
            except (LLMError, AttributeError, TypeError) as exc:  # one malformed answer fails one item
                engine.journal.batch_reply(result.custom_id, None, str(exc))
        else:
            engine.journal.batch_reply(result.custom_id, None, result.error)
    answered = {r.custom_id for r in results}
    for key in items:
        if key not in answered:
            engine.journal.batch_reply(key, None, f"no answer in batch {batch_id} ({status})")
    return items


async def collect_open_batches(
    ws: Workspace,
    engine: RegenEngine,
    client: AsyncChat,
    batches: Batches,
    batch_options: BatchOptions,
    tally: Tally,
    progress: RegenProgress,
    stream: TextIO,
) -> int:
    """Poll every open batch of the journal until all are final (or, without ``wait``, once);
    collect each as it finishes and complete its items. Returns items still waiting."""
    while True:
        open_batches = engine.journal.open_batches()
        waiting = 0
        for batch_id, _ in open_batches:
            state = batches.state(batch_id)
            engine.journal.set_batch_status(batch_id, state.status)
            if not state.final:
                waiting += len(engine.journal.items_of_batch(batch_id))
                continue
            _say(
                stream, f"batch {batch_id} {state.status}: {state.completed} answered, {state.failed} failed"
            )
            results = batches.results(state) if state.status == "completed" else []
            items = _record_replies(engine, batches, batch_id, state.status, results)
            members = engine.journal.items_of_batch(batch_id)
            ready = [Candidate(item.note_id) for item in members if item.status == SUBMITTED]
            for item in members:
                if item.status == "failed" and item.key in items:
                    tally.add(Outcome(item.note_id, "failed", item.detail or "failed in the batch"))
            await run_items(engine, ready, client, tally, progress, 8)
            # Collected only when every item is recorded: a run killed while completing the items
            # leaves the batch open, and `regen --resume` finishes it.
            if all(item.status != SUBMITTED for item in engine.journal.items_of_batch(batch_id)):
                engine.journal.set_batch_status(batch_id, "collected")
        if waiting == 0 or not batch_options.wait:
            return waiting
        await asyncio.sleep(batch_options.poll_interval)
