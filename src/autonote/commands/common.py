"""What the command modules share: settings from flags, the --corpus option, exit codes, how an
import's skipped entries and conflicts are reported."""

from __future__ import annotations

from typing import Any

import click

EXIT_FAILURE = 1
EXIT_USAGE = 2

corpus_option = click.option(
    "--corpus", type=click.Path(file_okay=False), help="Corpus folder (default: AUTONOTE_CORPUS)."
)


def resolve_settings(**overrides: Any):  # -> Settings (imported lazily: pydantic models cost start-up time)
    from autonote.config import load_settings

    loaded, _ = load_settings(overrides)
    return loaded


def echo_import_problems(report: Any) -> None:
    """One stderr line per skipped entry and per conflict of an import (``import`` and ``github pull``)."""
    for skipped in report.skipped:
        click.echo(f"autonote: {skipped}", err=True)
    for conflict in report.conflicts:
        click.echo(
            f"autonote: conflict: {conflict.note_id}: {conflict.reason}; kept {conflict.local},"
            f" incoming version in {conflict.incoming}",
            err=True,
        )
