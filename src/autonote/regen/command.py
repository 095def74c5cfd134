"""``autonote regen`` from parsed arguments to exit code (kept out of cli.py, which only parses)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from autonote.app import Workspace, require_corpus
from autonote.errors import UsageError
from autonote.progress import terminal_progress
from autonote.regen.batch import BatchOptions, batches_of, collect_open_batches, submit_and_collect
from autonote.regen.direct import RunOptions, make_client, run_direct
from autonote.regen.engine import RegenEngine
from autonote.regen.estimate import estimate
from autonote.regen.report import RegenProgress, Tally, final_table
from autonote.regen.select import Selection, iter_selected, parse_fields, validate
from autonote.textnorm import parse_date


@dataclass(frozen=True)
class RegenArgs:
    corpus: str | None
    select_all: bool
    tags: tuple[str, ...]
    since: str | None
    until: str | None
    ids: tuple[str, ...]
    missing: bool
    fields: str
    dry_run: bool
    via: str
    concurrency: int | None
    rpm: float | None
    tpm: float | None
    resume: bool
    wait: bool
    poll_interval: float
    batch_max_requests: int
    force: bool
    include_rejected: bool
    model: str | None
    no_cache: bool


def _console() -> Console:
    return Console(file=sys.stdout, width=100)


def _say(message: str) -> None:
    print(f"autonote: {message}", file=sys.stderr, flush=True)


def run_regen(args: RegenArgs, settings_factory: Callable[..., Any]) -> int:
    settings = settings_factory(
        corpus=args.corpus, model=args.model, llm_cache=False if args.no_cache else None,
        concurrency=args.concurrency, rpm=args.rpm, tpm=args.tpm,
    )  # fmt: skip
    require_corpus(settings.corpus)
    selection = Selection(
        all=args.select_all,
        tags=args.tags,
        since=parse_date(args.since, "--since"),
        until=parse_date(args.until, "--until"),
        ids=tuple(part.strip() for value in args.ids for part in value.split(",") if part.strip()),
        missing=args.missing,
        fields=parse_fields(args.fields),
    )
    ws = Workspace(settings, stderr=sys.stderr)
    _ = ws.provider  # an unknown one is one line and exit 2 before the corpus is indexed (as in draft)
    concurrency = None if settings.concurrency == "auto" else settings.concurrency
    options = RunOptions(concurrency=concurrency, rpm=settings.rpm, tpm=settings.tpm, force=args.force)
    limits = _limits_text(settings.rpm, settings.tpm)
    if args.resume:
        return _resume(ws, args, selection, options, limits)
    selection = validate(selection, ws.corpus)
    candidates = list(iter_selected(ws.corpus, selection))
    if not candidates:
        _say("no note matches the selection; nothing to do")
        return 0
    engine = RegenEngine(ws, selection.fields, force=args.force, include_rejected=args.include_rejected)
    if args.dry_run:
        with terminal_progress("regen --dry-run"):  # a bar on a terminal only; nothing when piped
            result = estimate(engine, candidates)
        _console().print(_estimate_table(result, settings.model, args.via))
        if result.request_ids:
            print(f"notes that would be requested ({len(result.request_ids)}):")
            print("\n".join(result.request_ids))
        return 0
    ws.require_writable("regenerate")
    if not settings.llm_configured:
        raise UsageError(
            "regen needs an LLM: set OPENAI_API_KEY or OPENAI_BASE_URL (or look first with --dry-run)"
        )
    if args.via == "direct":
        tally, stats = asyncio.run(run_direct(ws, engine, candidates, options, sys.stderr))
    else:
        batch_options = BatchOptions(
            wait=args.wait, poll_interval=args.poll_interval, max_requests=args.batch_max_requests
        )
        tally, client, run = asyncio.run(
            submit_and_collect(
                ws, engine, candidates, options, batch_options, selection.describe(), sys.stderr
            )
        )
        stats = client.stats
        if run.waiting:
            _say(f"{run.waiting} requests wait in batches; run `autonote regen --resume` to collect them")
    return _finish(tally, stats, args.via, limits)


def _resume(ws: Workspace, args: RegenArgs, selection: Selection, options: RunOptions, limits: str) -> int:
    if not selection.is_empty:
        raise UsageError("--resume takes no selection: it finishes the batches the journal knows")
    from autonote.regen.journal import Journal

    open_batches = Journal(ws.state).open_batches()
    if not open_batches:
        _say("no submitted batch is waiting; nothing to resume")
        return 0
    ws.require_writable("collect batches")
    if not ws.settings.llm_configured:
        raise UsageError("--resume needs the LLM server: set OPENAI_API_KEY or OPENAI_BASE_URL")
    fields = Selection.from_json(open_batches[0][1]).fields
    engine = RegenEngine(ws, fields, force=args.force)
    batch_options = BatchOptions(wait=args.wait, poll_interval=args.poll_interval)
    batches = batches_of(
        ws, f"the {len(open_batches)} batch(es) waiting are collected with the provider that submitted them"
    )

    async def go() -> tuple[Tally, Any, int]:
        client = make_client(ws, options)
        total = sum(len(engine.journal.items_of_batch(b)) for b, _ in open_batches)
        tally = Tally(selected=total)
        try:
            with RegenProgress(total, client.stats, sys.stderr) as progress:
                waiting = await collect_open_batches(
                    ws,
                    engine,
                    client,
                    batches,
                    batch_options,
                    tally,
                    progress,
                    sys.stderr,
                )
        finally:
            await client.close()
        return tally, client.stats, waiting

    tally, stats, waiting = asyncio.run(go())
    if waiting:
        _say(f"{waiting} requests still wait in batches; run `autonote regen --resume` again later")
    return _finish(tally, stats, "batch, resumed", limits)


def _finish(tally: Tally, stats: Any, via: str, limits: str) -> int:
    _console().print(final_table(tally, stats, via=via, limits=limits))
    for note_id, reason in tally.failures[:10]:
        _say(f"failed: {note_id}: {reason}")
    if len(tally.failures) > 10:
        _say(
            f"… and {len(tally.failures) - 10} more failures (see .autonote/state.sqlite, table regen_items)"
        )
    return 1 if tally.failures else 0


def _limits_text(rpm: float | None, tpm: float | None) -> str:
    if rpm is None and tpm is None:
        return "learned from x-ratelimit headers"
    return f"{rpm or '∞'} requests/min, {tpm or '∞'} tokens/min"


def _estimate_table(result: Any, model: str, via: str) -> Table:
    table = Table(title=f"autonote regen --dry-run ({model})", header_style="bold")
    table.add_column("measure")
    table.add_column("value", justify="right")
    approx = "" if result.exact_tokens else " (approximate: no tiktoken encoding)"
    rows = [
        ("notes selected", str(result.selected)),
        ("would request", str(result.to_request)),
        ("already done (journal)", str(result.already)),
        *((f"skipped: {reason}", str(n)) for reason, n in result.skipped.items()),
        ("prompt tokens (tiktoken)" + approx, f"{result.prompt_tokens:,}"),
        (f"expected completion tokens ({result.completion_basis})", f"{result.completion_tokens:,}"),
        ("estimated cost, direct", _money(result.cost_direct)),
        ("estimated cost, --via batch", _money(result.cost_batch)),
        ("requests sent", "0 (dry run)"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _money(value: float | None) -> str:
    return "unknown (no price for this model)" if value is None else f"${value:.4f}"
