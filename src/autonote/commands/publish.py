"""Publishing commands: list (listing pages) and digest (study-group pages)."""

from __future__ import annotations

import click

from autonote.commands.common import corpus_option, resolve_settings


@click.command("list")
@corpus_option
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Notes with this tag (repeatable: any of them)."
)
@click.option("--since", metavar="DATE", help="Issued on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Issued on or before DATE.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(), help="Write here (a folder with --all-tags) instead of stdout."
)
@click.option("--all-tags", is_flag=True, help="One page per tag and an index, into the folder given by -o.")
@click.option("--title", default=None, help="Page title (default: the tags, or 'Paper notes').")
def list_command(
    corpus: str | None, tags: tuple[str, ...], since: str | None, until: str | None, fmt: str,
    output: str | None, all_tags: bool, title: str | None,
) -> None:  # fmt: skip
    """Render notes in the listing layout, newest first: tags, issue date, linked title line,
    GPT summary, and the start of your comment."""
    from pathlib import Path

    from autonote.app import require_corpus
    from autonote.corpus.view import load_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.common import check_tags, select_notes
    from autonote.publish.listing import render_listing, render_tag_pages
    from autonote.textnorm import parse_date as parse_day

    settings = resolve_settings(corpus=corpus)
    root = require_corpus(settings.corpus)
    if all_tags and not output:
        raise UsageError("--all-tags writes one page per tag: give the folder with -o")
    start, end = parse_day(since, "--since"), parse_day(until, "--until")
    store = load_corpus(root, settings.tags)
    check_tags(tags, store)
    notes = select_notes(store, tags=tags, since=start, until=end)
    if not notes:
        click.echo("autonote: no note matches the selection; nothing written", err=True)
        return
    if all_tags:
        written = render_tag_pages(notes, fmt, Path(output))
        click.echo(f"wrote {len(written)} pages ({len(written) - 1} tags and an index) to {output}")
        return
    text = render_listing(notes, fmt, title or (" ".join(f"#{t}" for t in tags) if tags else "Paper notes"))
    if output:
        write_text_atomic(Path(output), text, overwrite=True)
        click.echo(f"wrote {len(notes)} notes to {output}")
    else:
        click.echo(text, nl=False)


@click.command("digest")
@corpus_option
@click.option("--since", metavar="DATE", required=True, help="Notes issued on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Up to DATE (default: today).")
@click.option("--presenter", metavar="NAME", help="Shown as @NAME under 今週のTOPIC.")
@click.option("--title", default="機械学習勉強会", show_default=True, help="Page title after the date.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def digest_command(
    corpus: str | None, since: str, until: str | None, presenter: str | None, title: str, fmt: str,
    output: str | None,
) -> None:  # fmt: skip
    """A study-group page from the notes added in a period: 今週のTOPIC, then per note its kind
    ([論文]/[blog]/[oss]), key points and link."""
    import datetime as dt
    from pathlib import Path

    from autonote.app import require_corpus
    from autonote.corpus.view import load_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.common import select_notes
    from autonote.publish.digest import render_digest
    from autonote.textnorm import parse_date as parse_day

    settings = resolve_settings(corpus=corpus)
    root = require_corpus(settings.corpus)
    start = parse_day(since, "--since")
    end = parse_day(until, "--until") or dt.date.today()
    assert start is not None
    if start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    notes = select_notes(load_corpus(root, settings.tags), since=start, until=end)
    if not notes:
        click.echo(f"autonote: no note was added between {start} and {end}; nothing written", err=True)
        return
    text = render_digest(notes, fmt, since=start, until=end, presenter=presenter, title=title)
    if output:
        write_text_atomic(Path(output), text, overwrite=True)
        click.echo(f"wrote a digest of {len(notes)} notes to {output}")
    else:
        click.echo(text, nl=False)
