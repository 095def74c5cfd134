"""Progress of long work, shown on a terminal and silent anywhere else.

The work reports through :func:`report_progress` (a no-op unless a command asked for progress);
a command wraps the work in :func:`terminal_progress`, which draws a rich progress bar on stderr
when stderr is a terminal (as ``regen`` does) and draws nothing when it is piped or redirected, so
scripts and logs get only the command's own lines.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TextIO

Reporter = Callable[[str, int, int], None]  # (stage, done, total)

_reporter: ContextVar[Reporter | None] = ContextVar("autonote_progress", default=None)


def report_progress(stage: str, done: int, total: int) -> None:
    """``done`` of ``total`` items of ``stage`` ("indexing", "importing") are finished."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(stage, done, total)


@contextlib.contextmanager
def terminal_progress(label: str, stream: TextIO | None = None) -> Iterator[None]:
    """A progress bar for ``label`` on ``stream`` (stderr) while the block runs, if it is a
    terminal; the bar is removed when the block ends."""
    from rich.console import Console

    console = Console(file=stream or sys.stderr)
    if not console.is_terminal:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn(f"[bold]{label}[/]"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("", total=None)

    def update(stage: str, done: int, total: int) -> None:
        progress.update(task, description=stage, completed=done, total=total)
        if done in (0, total):  # drawn at once; in between, rich redraws ten times a second
            progress.refresh()

    with progress:
        token = _reporter.set(update)
        try:
            yield
        finally:
            _reporter.reset(token)
