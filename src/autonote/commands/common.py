"""What the command modules share: settings from flags, the --corpus option, exit codes."""

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
