"""``github pull``'s progress on a terminal (rich, as regen shows its own): the issues listed so
far, then the comments read. Silent when stderr is not a terminal (piped, redirected, CI), so
nothing but autonote's lines reaches a log."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class PullProgress:
    def __init__(self, repo: str, stream: TextIO) -> None:
        self.console = Console(file=stream)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn(f"[bold]pull[/] {repo}: {{task.description}}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
            transient=True,
        )
        self._task = self.progress.add_task("reading the repository", total=None)

    def __enter__(self) -> PullProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, stage: str, done: int, total: int | None = None) -> None:
        """``stage`` ("listing issues", "reading comments"), how many so far, of how many if known."""
        self.progress.update(self._task, description=stage, completed=done, total=total)
