"""The regen command (its work is in autonote.regen)."""

from __future__ import annotations

import sys

import click

from autonote.commands.common import corpus_option, resolve_settings


@click.command("regen")
@corpus_option
@click.option("--all", "select_all", is_flag=True, help="Every note.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Notes with this tag (repeatable).")
@click.option("--since", metavar="DATE", help="Notes issued on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Notes issued on or before DATE.")
@click.option(
    "--ids", "ids", multiple=True, metavar="ID", help="These notes (repeatable, or comma-separated)."
)
@click.option("--missing", is_flag=True, help="Only notes that lack one of the --fields.")
@click.option(
    "--fields",
    default="summary,keypoints",
    show_default=True,
    help="What to regenerate: summary,keypoints,tags.",
)
@click.option("--dry-run", is_flag=True, help="Show notes, tokens and estimated cost; send nothing.")
@click.option("--via", type=click.Choice(["direct", "batch"]), default="direct", show_default=True)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    help="Requests in flight (default: config, else auto: 8 for OpenAI, the server's slots otherwise).",
)
@click.option(
    "--rpm",
    type=click.FloatRange(min=0, min_open=True),
    help="Requests per minute allowed (default: learn from headers).",
)
@click.option(
    "--tpm",
    type=click.FloatRange(min=0, min_open=True),
    help="Tokens per minute allowed (default: learn from headers).",
)
@click.option("--resume", is_flag=True, help="Collect batches submitted earlier and finish their notes.")
@click.option(
    "--no-wait", is_flag=True, help="With --via batch: submit and exit; collect later with --resume."
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds between batch polls.",
)
@click.option("--batch-max-requests", type=click.IntRange(1, 50_000), default=50_000, hidden=True)
@click.option("--force", is_flag=True, help="Replace drafts pending review.")
@click.option("--include-rejected", is_flag=True, help="Propose again what was rejected in review.")
@click.option("--model", help="Chat model (default from config).")
@click.option("--no-cache", "no_cache", is_flag=True, help="Ask again even for requests answered before.")
def regen_command(
    corpus: str | None, select_all: bool, tags: tuple[str, ...], since: str | None, until: str | None,
    ids: tuple[str, ...], missing: bool, fields: str, dry_run: bool, via: str, concurrency: int | None,
    rpm: float | None, tpm: float | None, resume: bool, no_wait: bool, poll_interval: float,
    batch_max_requests: int, force: bool, include_rejected: bool, model: str | None, no_cache: bool,
) -> None:  # fmt: skip
    """Regenerate summaries, key points or tags across the corpus, as update-drafts for review.

    Uses the same prompt, schema and validation as `draft`. Finished items are journaled in
    .autonote/state.sqlite: run the same command again after an interruption and only the rest is
    requested. Identical requests are answered from the response cache.
    """
    from autonote.regen.command import RegenArgs, run_regen

    args = RegenArgs(
        corpus=corpus, select_all=select_all, tags=tags, since=since, until=until, ids=ids, missing=missing,
        fields=fields, dry_run=dry_run, via=via, concurrency=concurrency, rpm=rpm, tpm=tpm, resume=resume,
        wait=not no_wait, poll_interval=poll_interval, batch_max_requests=batch_max_requests, force=force,
        include_rejected=include_rejected, model=model, no_cache=no_cache,
    )  # fmt: skip
    sys.exit(run_regen(args, resolve_settings))
