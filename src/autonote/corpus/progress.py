"""A progress bar for the corpus's long computations (``autonote eval``, ``eval --fit``): drawn on
stderr when it is a terminal, silent when it is piped or redirected, as ``regen``'s is."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class NoteProgress:
    """Counts notes done out of ``total``; a no-op unless ``stream`` is a terminal."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.console = Console(file=stream or sys.stderr)
        self.progress = Progress(
            TextColumn(f"[bold]{label}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("notes"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
            transient=True,
        )
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> NoteProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def advance(self, count: int = 1) -> None:
        self.progress.update(self.task, advance=count)
