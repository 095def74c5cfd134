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
    "--layout",
    type=click.Choice(["tag", "in-depth"]),
    default="tag",
    show_default=True,
    help="The corpus site's tag pages (Summary, the comment as lines) or its In-Depth Notes page "
    "(GPT Summary-, the comment in full).",
)
@click.option(
    "-o", "--output", type=click.Path(), help="Write here (a folder with --all-tags) instead of stdout."
)
@click.option("--all-tags", is_flag=True, help="One page per tag and an index, into the folder given by -o.")
@click.option("--title", default=None, help="Page title (default: the tag, or 'Paper notes').")
def list_command(
    corpus: str | None, tags: tuple[str, ...], since: str | None, until: str | None, fmt: str, layout: str,
    output: str | None, all_tags: bool, title: str | None,
) -> None:  # fmt: skip
    """Render notes in the layout of the corpus site's pages, newest paper year first: tags, issue
    date, linked title line, summary, and your comment."""
    from pathlib import Path

    from autonote.app import Workspace, require_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.common import iter_records, resolve_tags
    from autonote.publish.listing import render_listing, render_tag_pages
    from autonote.textnorm import parse_date as parse_day

    settings = resolve_settings(corpus=corpus)
    require_corpus(settings.corpus)
    if all_tags and not output:
        raise UsageError("--all-tags writes one page per tag: give the folder with -o")
    start, end = parse_day(since, "--since"), parse_day(until, "--until")
    store = Workspace(settings).corpus  # unreadable notes are named; the others are listed
    tags = tuple(resolve_tags(tags, store))
    records = iter_records(store, tags=tags, since=start, until=end)
    if all_tags:
        skipped: list[str] = []
        assert output is not None  # checked above, before any work
        written = render_tag_pages(records, fmt, Path(output), layout, skipped=skipped)
        for reason in skipped:
            click.echo(f"autonote: skipped page: {reason}", err=True)
        if written:
            click.echo(f"wrote {len(written)} pages ({len(written) - 1} tags and an index) to {output}")
        else:
            click.echo("autonote: no note matches the selection; nothing written", err=True)
        if skipped:
            raise SystemExit(1)
        return
    text = render_listing(records, fmt, title or (", ".join(tags) if tags else "Paper notes"), layout)
    if text is None:
        click.echo("autonote: no note matches the selection; nothing written", err=True)
    elif output:
        write_text_atomic(Path(output), text, overwrite=True)
        click.echo(f"wrote a listing to {output}")
    else:
        click.echo(text, nl=False)


@click.command("digest")
@corpus_option
@click.option("--since", metavar="DATE", required=True, help="Notes issued on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Up to DATE (default: today).")
@click.option("--date", "meeting", metavar="DATE", help="The meeting date in the heading (default: --until).")
@click.option(
    "--presenter", metavar="NAME", help="@NAME for the notes of --corpus that do not name who added them."
)
@click.option(
    "--member",
    "members",
    multiple=True,
    metavar="NAME=CORPUS",
    help="Also read CORPUS, a member's notes presented as @NAME (unless a note names someone). Repeatable.",
)
@click.option(
    "--main", "main_spec", metavar="[MEMBER:]ID", help="The メインTOPIC: this note with its full comment."
)
@click.option("--title", default="機械学習勉強会", show_default=True, help="Page title after the date.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def digest_command(
    corpus: str | None, since: str, until: str | None, meeting: str | None, presenter: str | None,
    members: tuple[str, ...], main_spec: str | None, title: str, fmt: str, output: str | None,
) -> None:  # fmt: skip
    """A study-group page from the notes added in a period: 今週のTOPIC with each member's items
    ([論文]/[blog]/[oss], your comment or key points, the title as the link), and a メインTOPIC."""
    import datetime as dt
    from pathlib import Path

    from autonote.app import Workspace, require_corpus
    from autonote.corpus.view import load_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.digest import (
        Source,
        gather_topics,
        main_topic,
        parse_main,
        parse_member,
        render_digest,
    )
    from autonote.textnorm import parse_date as parse_day

    settings = resolve_settings(corpus=corpus)
    start = parse_day(since, "--since")
    end = parse_day(until, "--until") or dt.date.today()
    day = parse_day(meeting, "--date") or end
    assert start is not None
    if start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    folders: dict[Path, str | None] = {}  # corpus root → presenter, in the order given
    if settings.corpus is not None or not members:
        folders[require_corpus(settings.corpus).resolve()] = presenter
    for value in members:
        name, folder = parse_member(value)
        if not folder.is_dir():
            raise UsageError(f"--member {value}: {folder} is not a corpus folder")
        folders.pop(folder.resolve(), None)  # a member's own name wins over --presenter
        folders[folder.resolve()] = name
    # This corpus through its workspace (its index kept in its .autonote/); a member's corpus is
    # someone else's: read with its index in memory, nothing written into it.
    ws = Workspace(settings) if settings.corpus is not None else None
    own = ws.settings.corpus.resolve() if ws is not None and ws.settings.corpus is not None else None
    sources = []
    for root, shown_as in folders.items():
        if ws is not None and root == own:
            sources.append(Source(ws.corpus, shown_as))
            continue
        member = load_corpus(root, settings.tags, read_only=True)
        (ws or Workspace(settings)).warn_problems(member)
        sources.append(Source(member, shown_as))
    main, skip = None, None
    if main_spec:
        source, note = parse_main(main_spec, sources)
        main, skip = main_topic(note, fmt), (source.corpus.root, note.id)
    groups = gather_topics(sources, start, end, fmt, skip=skip)
    count = sum(len(group.topics) for group in groups)
    if not count and main is None:
        click.echo(f"autonote: no note was added between {start} and {end}; nothing written", err=True)
        return
    text = render_digest(groups, main, fmt, date=day, title=title)
    if output:
        write_text_atomic(Path(output), text, overwrite=True)
        click.echo(f"wrote a digest of {count} notes to {output}")
    else:
        click.echo(text, nl=False)
