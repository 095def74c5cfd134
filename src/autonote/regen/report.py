"""What a regen run shows: a live progress bar (on a terminal) and a final table."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from autonote.llm.providers import RequestStats
from autonote.regen.engine import Outcome


@dataclass
class Tally:
    selected: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failed_prompt_tokens: int = 0  # of which spent on items that failed (re-asks that never validated)
    failed_completion_tokens: int = 0
    cost_usd: float = 0.0
    cached_prompt_tokens: int = 0  # served from the provider's prompt cache (billed at its cached price)
    started: float = field(default_factory=time.monotonic)

    def add(self, outcome: Outcome) -> None:
        self.outcomes[outcome.status] += 1
        if outcome.status == "skipped":
            self.skip_reasons[outcome.detail.split(" (")[0]] += 1
        if outcome.status == "failed":
            self.failures.append((outcome.note_id, outcome.detail))
            self.failed_prompt_tokens += outcome.prompt_tokens
            self.failed_completion_tokens += outcome.completion_tokens
        self.prompt_tokens += outcome.prompt_tokens
        self.completion_tokens += outcome.completion_tokens
        self.cost_usd += outcome.cost_usd
        self.cached_prompt_tokens += outcome.cached_prompt_tokens

    @property
    def finished(self) -> int:
        return sum(self.outcomes.values())

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class RegenProgress:
    """A progress bar on stderr when it is a terminal; silent otherwise (the table still prints)."""

    def __init__(self, total: int, stats: RequestStats, stream: TextIO) -> None:
        self.console = Console(file=stream)
        self.stats = stats
        self.progress = Progress(
            TextColumn("[bold]regen[/]"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[line]}"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
            transient=False,
        )
        self.task = self.progress.add_task("regen", total=total, line="")

    def __enter__(self) -> RegenProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def update(self, tally: Tally) -> None:
        rate = tally.finished / tally.elapsed if tally.elapsed > 0 else 0.0
        line = (
            f"done {tally.outcomes['done']} · failed {tally.outcomes['failed']} · "
            f"skipped {tally.outcomes['skipped'] + tally.outcomes['already']} · {rate:.1f}/s · "
            f"{tally.prompt_tokens + tally.completion_tokens:,} tok · ${tally.cost_usd:.4f}"
        )
        self.progress.update(self.task, completed=tally.finished, line=line)


def final_table(tally: Tally, stats: RequestStats, *, via: str, limits: str) -> Table:
    """The run's figures. ``limits`` is shown only when the client did not describe the limits it
    actually worked with (given, learned from the server's headers, or none known)."""
    table = Table(title=f"autonote regen ({via})", show_header=True, header_style="bold")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rate = tally.outcomes["done"] / tally.elapsed if tally.elapsed > 0 else 0.0
    rows = [
        ("notes selected", str(tally.selected)),
        ("update-drafts written", str(tally.outcomes["done"])),
        ("already done (journal)", str(tally.outcomes["already"])),
        ("failed", str(tally.outcomes["failed"])),
        ("skipped", str(tally.outcomes["skipped"])),
        *((f"  skipped: {reason}", str(n)) for reason, n in tally.skip_reasons.most_common()),
        ("requests sent", str(stats.sent)),
        ("answered from cache", str(stats.cached)),
        ("429 responses", str(stats.rate_limited)),
        ("retried (5xx, timeouts)", str(stats.retried)),
        ("prompt / completion tokens", f"{tally.prompt_tokens:,} / {tally.completion_tokens:,}"),
        (
            "  of which on failed items",
            f"{tally.failed_prompt_tokens:,} / {tally.failed_completion_tokens:,}",
        ),
        (
            "  prompt tokens from the provider's prompt cache",
            _share(tally.cached_prompt_tokens, tally.prompt_tokens),
        ),
        ("estimated cost", f"${tally.cost_usd:.4f}"),
        ("elapsed", f"{tally.elapsed:.2f} s"),
        ("waiting for answers (sum over requests)", f"{stats.http_seconds:.2f} s"),
        ("drafts per second", f"{rate:.2f}"),
        *(stats.limits or [("limits", limits)]),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.0%})" if whole else f"{part:,}"
