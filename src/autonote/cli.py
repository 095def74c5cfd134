"""The ``autonote`` command: parse arguments, call the library, print. No logic of its own.

Heavy modules (openai, tiktoken, feedparser, pydantic models) are imported inside the commands so
that ``autonote --help`` starts fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

EXIT_FAILURE = 1
EXIT_USAGE = 2


class AutonoteGroup(click.Group):
    """Turns autonote's errors into one line on stderr and the right exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from_debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("autonote: interrupted; nothing half-written was kept", err=True)
            ctx.exit(130)
        except Exception as exc:
            from autonote.errors import AutonoteError

            if from_debug or not isinstance(exc, AutonoteError):
                if not isinstance(exc, AutonoteError):
                    click.echo(f"autonote: internal error: {type(exc).__name__}: {exc}", err=True)
                raise
            click.echo(f"autonote: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=AutonoteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autonote")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Draft, regenerate and review Japanese paper notes in the style of your own corpus."""


def _settings(**overrides: Any):
    from autonote.config import load_settings

    settings, _ = load_settings(overrides)
    return settings


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--corpus", type=click.Path(file_okay=False), help="Corpus folder (default: AUTONOTE_CORPUS).")
@click.option("--title", help="Title of a local abstract.")
@click.option("--authors", help="Authors of a local abstract, separated by ';' or ','.")
@click.option("--url", help="URL of a local abstract.")
@click.option("--translate", is_flag=True, help="Also translate the abstract into Japanese.")
@click.option(
    "--force", is_flag=True, help="Replace an existing draft / draft a paper already in the corpus."
)
@click.option("--offline", is_flag=True, default=None, help="Do not call an LLM; write an extractive draft.")
@click.option("--model", help="Chat model (default from config: gpt-4o-mini).")
@click.option("--refresh", is_flag=True, help="Fetch arXiv metadata again instead of using the cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the validated note as JSON instead of the path.")
@click.option("--stdout", "as_markdown", is_flag=True, help="Print the markdown instead of the path.")
@click.option(
    "--no-cache", "no_cache", is_flag=True, help="Ask the LLM even if this exact request was answered before."
)
def draft(
    inputs: tuple[str, ...],
    corpus: str | None,
    title: str | None,
    authors: str | None,
    url: str | None,
    translate: bool,
    force: bool,
    offline: bool | None,
    model: str | None,
    refresh: bool,
    as_json: bool,
    as_markdown: bool,
    no_cache: bool,
) -> None:
    """Draft notes for papers: arXiv ids or URLs (arXiv, alphaxiv, Hugging Face), or a local
    abstract file ('-' reads stdin; give --title).

    Drafts are written to <corpus>/drafts/ and their paths printed. With no API key and no base URL
    configured, an offline draft is written (metadata, corpus tags and related notes, extracts).
    Without a corpus, the note is only printed.
    """
    from autonote import pipeline
    from autonote.errors import AutonoteError, LLMOutputInvalidError, UsageError

    if as_json and as_markdown:
        raise UsageError("--json and --stdout are exclusive")
    if inputs.count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once")
    specs = [pipeline.parse_input(raw) for raw in inputs]  # every input checked before any work
    if (title or authors or url) and not any(s.arxiv_id is None for s in specs):
        raise UsageError("--title/--authors/--url apply to local abstracts only")
    settings = _settings(corpus=corpus, offline=offline, model=model, llm_cache=False if no_cache else None)
    ws = pipeline.Workspace(settings)
    papers = pipeline.collect_papers(specs, ws, title=title, authors=authors, url=url, refresh=refresh)
    if not settings.llm_configured:
        reason = "--offline" if settings.offline else "no OPENAI_API_KEY or OPENAI_BASE_URL"
        ws.warn(
            f"offline mode ({reason}): summary and key points are extracts of the abstract, not LLM-generated"
        )
    failures = 0
    for paper in papers:
        note_id = pipeline.note_id_for(paper)
        try:
            pipeline.ensure_draftable(note_id, ws, force, paper.arxiv_id)
            note = pipeline.draft_note(paper, ws, translate=translate)
            path = pipeline.save_draft(note, ws, force=force) if settings.corpus else None
        except LLMOutputInvalidError as exc:
            kept = pipeline.keep_failed_output(note_id, exc, ws)
            where = f"; raw output kept in {kept}" if kept else ""
            click.echo(f"autonote: error: {note_id}: {exc}{where}", err=True)
            failures += 1
            continue
        except AutonoteError as exc:
            if len(papers) == 1:
                raise
            click.echo(f"autonote: error: {note_id}: {exc}", err=True)
            failures += 1
            continue
        _report(note, path, as_json=as_json, as_markdown=as_markdown)
    if failures:
        sys.exit(EXIT_FAILURE)


def _report(note: Any, path: Any, *, as_json: bool, as_markdown: bool) -> None:
    from autonote.render import render_note

    if as_json:
        click.echo(note.model_dump_json(indent=2))
    elif as_markdown or path is None:
        click.echo(render_note(note), nl=False)
    else:
        click.echo(str(path))
    p = note.provenance
    if p is not None and p.generator == "llm":
        cost = f"${p.cost_usd:.5f}" if p.cost_usd is not None else "cost unknown"
        if p.cached:
            cost += " (answered from the response cache: nothing paid)"
        approx = "" if p.tokens_exact else " (approx.)"
        click.echo(
            f"autonote: {note.id}: {p.prompt_tokens} prompt + {p.completion_tokens} completion tokens{approx},"
            f" {cost}, {p.attempts} attempt(s) via {p.response_format}",
            err=True,
        )
    for warning in note.warnings:
        click.echo(f"autonote: {note.id}: note: {warning}", err=True)


@main.command("config")
@click.option(
    "--corpus", type=click.Path(file_okay=False), help="Corpus folder whose autonote.toml to include."
)
def config_command(corpus: str | None) -> None:
    """Show the effective settings, where each comes from, with secrets masked."""
    from autonote.config import CONFIG_FILE_NAME, describe, load_settings, user_config_dir

    settings, origin = load_settings({"corpus": corpus})
    click.echo(f"# user config: {user_config_dir() / CONFIG_FILE_NAME}")
    width = max(len(name) for name in type(settings).model_fields)
    for name, shown, source in describe(settings, origin):
        click.echo(f"{name:<{width}}  {shown}  [{source}]")


@main.group("import")
def import_group() -> None:
    """Import existing notes from the corpus's exports (idempotent; owner edits are kept)."""


def _run_import(
    kind: str, files: tuple[str, ...], corpus: str | None, repo: str | None, dry_run: bool
) -> None:
    from pathlib import Path

    from autonote import pipeline
    from autonote.corpus.import_apply import apply_import
    from autonote.corpus.importers import read_notes
    from autonote.corpus.store import require_corpus
    from autonote.schema import RelatedNote

    settings = _settings(corpus=corpus)
    root = require_corpus(settings.corpus)
    ws = pipeline.Workspace(settings)
    known = {
        n.origin.issue: RelatedNote(id=n.id, title_line=n.title_line, url=n.link)
        for n in ws.corpus.notes
        if n.origin and n.origin.issue is not None
    }
    read = read_notes(kind, [Path(f) for f in files], repo=repo, known=known)
    report = apply_import(read, ws.corpus, ws.state, dry_run=dry_run)
    for skipped in report.skipped:
        click.echo(f"autonote: {skipped}", err=True)
    for conflict in report.conflicts:
        click.echo(
            f"autonote: conflict: {conflict.note_id}: {conflict.reason}; kept {conflict.local},"
            f" incoming version in {conflict.incoming}",
            err=True,
        )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} into {root}: {len(report.created)} new, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts, {len(report.skipped)} skipped"
    )
    if report.skipped or report.conflicts:
        sys.exit(EXIT_FAILURE)


_corpus_option = click.option(
    "--corpus", type=click.Path(file_okay=False), help="Corpus folder (default: AUTONOTE_CORPUS)."
)


@import_group.command("paper-notes-xml")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_corpus_option
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_paper_notes_xml(files: tuple[str, ...], corpus: str | None, dry_run: bool) -> None:
    """Import the paper-notes XML export (<paper-entry> elements)."""
    _run_import("paper-notes-xml", files, corpus, None, dry_run)


@import_group.command("github-issues")
@click.argument("file", metavar="FILE")
@_corpus_option
@click.option("--repo", metavar="OWNER/NAME", help="Repository the issues belong to (builds issue links).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_github_issues(file: str, corpus: str | None, repo: str | None, dry_run: bool) -> None:
    """Import `gh issue list --json number,title,body,labels,createdAt,comments` output (labels are tags)."""
    _run_import("github-issues", (file,), corpus, repo, dry_run)


@main.command("index")
@_corpus_option
@click.option("--rebuild", is_flag=True, help="Drop the index and read every note again.")
@click.option(
    "--embeddings", is_flag=True, default=None, help="Also embed notes (cached) for semantic search."
)
def index_command(corpus: str | None, rebuild: bool, embeddings: bool | None) -> None:
    """Build or refresh the corpus's search index (only changed files are re-read)."""
    from autonote import pipeline
    from autonote.corpus.store import require_corpus

    settings = _settings(corpus=corpus, embeddings=embeddings)
    root = require_corpus(settings.corpus, existing=True)
    ws = pipeline.Workspace(settings)
    if rebuild:
        from autonote.corpus.index import CorpusIndex

        CorpusIndex.open(root).clear()
    index = ws.corpus.index
    assert index is not None
    for problem in ws.corpus.problems:
        click.echo(f"autonote: skipped note: {problem}", err=True)
    report = ws.corpus.refresh_report
    where = str(index.path) if index.persistent else "in memory (the corpus's .autonote/ is not writable)"
    click.echo(
        f"indexed {len(index)} notes in {report.seconds:.2f} s: {report.added} added, {report.updated} updated,"
        f" {report.removed} removed, {report.unchanged} unchanged, {len(report.problems)} skipped; {where}"
    )
    if ws.semantic is not None:
        embedded = ws.semantic.ensure_corpus(ws.corpus)
        click.echo(
            f"embeddings ({settings.embedding_model}): {embedded.embedded} notes embedded now,"
            f" {embedded.cached} already cached"
        )


@main.command("suggest")
@click.argument("source", metavar="INPUT")
@_corpus_option
@click.option(
    "-k", "count", type=click.IntRange(1, 200), default=10, show_default=True, help="How many of each."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"tags": [...], "related": [...]} as JSON.')
@click.option("--title", help="Title of a local abstract.")
@click.option("--authors", help="Authors of a local abstract, separated by ';' or ','.")
@click.option("--url", help="URL of a local abstract.")
@click.option("--refresh", is_flag=True, help="Fetch arXiv metadata again instead of using the cache.")
@click.option("--embeddings", is_flag=True, default=None, help="Also rank related notes by embeddings.")
def suggest_command(
    source: str,
    corpus: str | None,
    count: int,
    as_json: bool,
    title: str | None,
    authors: str | None,
    url: str | None,
    refresh: bool,
    embeddings: bool | None,
) -> None:
    """Candidate tags and related notes for a paper, from your corpus alone (no LLM).

    INPUT is what `autonote draft` takes: an arXiv id or URL, an abstract file, or '-' for stdin.
    This is exactly what `draft` offers the LLM as candidates.
    """
    import json

    from autonote import pipeline
    from autonote.corpus.store import require_corpus
    from autonote.corpus.suggest import suggest

    spec = pipeline.parse_input(source)
    settings = _settings(corpus=corpus, embeddings=embeddings)
    require_corpus(settings.corpus)
    ws = pipeline.Workspace(settings)
    (paper,) = pipeline.collect_papers([spec], ws, title=title, authors=authors, url=url, refresh=refresh)
    result = suggest(paper, ws.corpus, k_tags=count, k_related=count, semantic=ws.semantic)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(paper.title_line)
    click.echo("tags:")
    for tag in result.tags:
        click.echo(f"  {tag.score:6.3f}  #{tag.tag}")
    click.echo("related:")
    for item in result.related:
        click.echo(f"  {item.score:6.2f}  {item.note.id}  {item.note.title_line}")
        click.echo(f"          {item.note.link or ''}  ({item.why})")


@main.command("eval")
@_corpus_option
@click.option("-k", "ks", default="5,10", show_default=True, help="Cut-offs, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--embeddings", is_flag=True, default=None, help="Evaluate with embeddings fused in.")
def eval_command(corpus: str | None, ks: str, as_json: bool, embeddings: bool | None) -> None:
    """Measure tag and related-note suggestions on your corpus, leave-one-out, against baselines.

    Each note with an abstract is hidden in turn and suggested from its title and abstract; the
    suggestions are compared with the tags the owner chose and the notes the owner linked.
    """
    import json

    from autonote import pipeline
    from autonote.corpus.evaluate import evaluate, format_table
    from autonote.corpus.store import require_corpus
    from autonote.errors import UsageError

    try:
        cutoffs = tuple(sorted({int(k) for k in ks.split(",") if k.strip()}))
    except ValueError:
        raise UsageError(f"-k {ks!r}: expected numbers separated by commas, e.g. 5,10") from None
    if not cutoffs or min(cutoffs) < 1:
        raise UsageError("-k: cut-offs must be positive")
    settings = _settings(corpus=corpus, embeddings=embeddings)
    root = require_corpus(settings.corpus, existing=True)
    ws = pipeline.Workspace(settings)
    report = evaluate(ws.corpus, cutoffs, semantic=ws.semantic)
    if report.notes == 0 and report.notes_with_links == 0:
        raise UsageError(f"{root}: no note with an abstract and tags or links to evaluate")
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"leave-one-out over {report.notes} notes with an abstract and tags ({report.corpus_size} in the corpus,"
        f" {report.mean_tags:.1f} tags each, {report.unreachable_tags} tags used by no other note);"
        f" related notes over {report.notes_with_links} notes that link another note of the corpus"
    )
    click.echo(format_table(report))


@main.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATH]...")
@_corpus_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def lint_command(paths: tuple[str, ...], corpus: str | None, strict: bool) -> None:
    """Check notes: format, title lines, tags, related links, Japanese summaries, duplicates.

    PATHs are note files or folders (default: the whole corpus); they are checked against the
    corpus (--corpus, AUTONOTE_CORPUS, or the current folder). One line per problem; exit 1 on
    errors (or on warnings with --strict).
    """
    from pathlib import Path

    from autonote.corpus.lint import lint_paths
    from autonote.corpus.store import load_corpus
    from autonote.errors import UsageError

    settings = _settings(corpus=corpus)
    root = settings.corpus or Path.cwd()
    if not root.is_dir():
        raise UsageError(f"corpus {root} does not exist")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    problems, checked = lint_paths([Path(p) for p in paths], load_corpus(root, settings.tags), settings.tags)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    click.echo(f"autonote: {checked} notes checked: {errors} errors, {warnings} warnings", err=True)
    if errors or (strict and warnings):
        sys.exit(EXIT_FAILURE)


@main.command("regen")
@_corpus_option
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
    "--concurrency", type=click.IntRange(1, 256), default=8, show_default=True, help="Requests in flight."
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
    ids: tuple[str, ...], missing: bool, fields: str, dry_run: bool, via: str, concurrency: int,
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
    sys.exit(run_regen(args, _settings))


def _reviewer(corpus: str | None, **options: Any):
    from autonote import pipeline
    from autonote.corpus.store import require_corpus
    from autonote.review.actions import Reviewer

    settings = _settings(corpus=corpus)
    require_corpus(settings.corpus, existing=True)
    return Reviewer(pipeline.Workspace(settings), **options)


def _pick(ctx: click.Context, corpus: str | None) -> str | None:
    """A subcommand's --corpus, else the group's."""
    return corpus or (ctx.parent.params.get("corpus") if ctx.parent else None)


@main.group("review", invoke_without_command=True)
@_corpus_option
@click.pass_context
def review_group(ctx: click.Context, corpus: str | None) -> None:
    """Go through pending drafts: accept into the corpus (and git), edit, reject or skip.

    Without a subcommand: the interactive loop, one key per decision. Subcommands do the same
    from scripts. Exit codes: 0 done, 1 failed (a conflict, git), 2 bad usage or unknown draft.
    """
    if ctx.invoked_subcommand is not None:
        return
    from autonote.review.drafts import pending_drafts
    from autonote.review.session import run_session

    reviewer = _reviewer(corpus)
    run_session(reviewer, pending_drafts(reviewer.ws.corpus))


@review_group.command("list")
@_corpus_option
@click.option("--json", "as_json", is_flag=True, help="One JSON array: id, kind, title, path, warnings.")
@click.pass_context
def review_list(ctx: click.Context, corpus: str | None, as_json: bool) -> None:
    """List pending drafts."""
    from autonote.review.actions import as_json as to_json
    from autonote.review.drafts import pending_drafts

    reviewer = _reviewer(_pick(ctx, corpus))
    rows = [reviewer.summary(d) for d in pending_drafts(reviewer.ws.corpus)]
    if as_json:
        click.echo(to_json(rows))
        return
    for row in rows:
        flag = f"  [{len(row['warnings'])} warning(s)]" if row["warnings"] else ""
        click.echo(f"{row['id']}  {row['kind']:<6}  {row['title']}{flag}")
    if not rows:
        click.echo("no drafts pending review", err=True)


@review_group.command("show")
@click.argument("draft_id", metavar="ID")
@_corpus_option
@click.pass_context
def review_show(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """Show a draft: provenance, warnings, and the note."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    draft = find_draft(reviewer.ws.corpus, draft_id)
    click.echo(reviewer.header(draft))
    click.echo(draft.text, nl=False)


@review_group.command("diff")
@click.argument("draft_id", metavar="ID")
@_corpus_option
@click.pass_context
def review_diff(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """The change accepting would make to the corpus, as a unified diff."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    click.echo(reviewer.diff(find_draft(reviewer.ws.corpus, draft_id)), nl=False)


@review_group.command("accept")
@click.argument("draft_ids", nargs=-1, metavar="ID...")
@_corpus_option
@click.option(
    "--all-valid", is_flag=True, help="Every draft that parses and has no error (warnings are fine)."
)
@click.option("--one-commit", is_flag=True, help="One commit for all accepted notes.")
@click.option("--no-commit", is_flag=True, help="Only stage the accepted notes.")
@click.option("--on-conflict", type=click.Choice(["fail", "draft", "mine"]), default="fail", show_default=True,
              help="When the note changed in a regenerated field: refuse, take the draft's, or keep the note's.")  # fmt: skip
@click.pass_context
def review_accept(
    ctx: click.Context, draft_ids: tuple[str, ...], corpus: str | None, all_valid: bool, one_commit: bool,
    no_commit: bool, on_conflict: str,
) -> None:  # fmt: skip
    """Accept drafts into the corpus (committed one per note if the corpus is a git repository)."""
    from autonote.errors import AutonoteError, UsageError
    from autonote.review.actions import COMMIT_EACH, COMMIT_NONE, COMMIT_ONE
    from autonote.review.drafts import find_draft, is_valid, pending_drafts

    if bool(draft_ids) == all_valid:
        raise UsageError("give draft ids or --all-valid (not both)")
    if one_commit and no_commit:
        raise UsageError("--one-commit and --no-commit are exclusive")
    mode = COMMIT_NONE if no_commit else COMMIT_ONE if one_commit else COMMIT_EACH
    reviewer = _reviewer(_pick(ctx, corpus), commit_mode=mode, on_conflict=on_conflict)
    corpus_ = reviewer.ws.corpus
    drafts = [find_draft(corpus_, i) for i in draft_ids] if draft_ids else [
        d for d in pending_drafts(corpus_) if is_valid(d, corpus_)
    ]  # fmt: skip
    reviewer.preflight()
    failures = 0
    try:
        for draft in drafts:
            try:
                click.echo(reviewer.accept(draft))
            except AutonoteError as exc:
                if len(drafts) == 1:
                    raise
                click.echo(f"autonote: error: {exc}", err=True)
                failures += 1
    finally:
        done = reviewer.finish()
        if done:
            click.echo(done)
    if not drafts:
        click.echo("no valid drafts to accept", err=True)
    if failures:
        sys.exit(EXIT_FAILURE)


@review_group.command("reject")
@click.argument("draft_ids", nargs=-1, required=True, metavar="ID...")
@_corpus_option
@click.option("--reason", default="", help="Why (kept with the decision; regen will not propose it again).")
@click.pass_context
def review_reject(ctx: click.Context, draft_ids: tuple[str, ...], corpus: str | None, reason: str) -> None:
    """Reject drafts: they leave the queue, are kept in .autonote/rejected/, and regen skips them."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    drafts = [find_draft(reviewer.ws.corpus, i) for i in draft_ids]  # every id checked first
    for draft in drafts:
        click.echo(reviewer.reject(draft, reason))


@review_group.command("edit")
@click.argument("draft_id", metavar="ID")
@_corpus_option
@click.pass_context
def review_edit(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """Edit a draft in $EDITOR (VISUAL first); the result is validated and its problems shown."""
    from autonote.errors import NoteFormatError
    from autonote.review.apply import edit
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    draft = find_draft(reviewer.ws.corpus, draft_id)
    error = edit(draft)
    if error:
        raise NoteFormatError(f"your edit is kept in {draft.path} but does not parse: {error}")
    click.echo(reviewer.header(draft))


@main.command("list")
@_corpus_option
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

    from autonote.corpus.store import load_corpus, require_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.common import check_tags, select_notes
    from autonote.publish.listing import render_listing, render_tag_pages
    from autonote.textnorm import parse_date as parse_day

    settings = _settings(corpus=corpus)
    root = require_corpus(settings.corpus, existing=True)
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


@main.command("digest")
@_corpus_option
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

    from autonote.corpus.store import load_corpus, require_corpus
    from autonote.errors import UsageError
    from autonote.fsutil import write_text_atomic
    from autonote.publish.common import select_notes
    from autonote.publish.digest import render_digest
    from autonote.textnorm import parse_date as parse_day

    settings = _settings(corpus=corpus)
    root = require_corpus(settings.corpus, existing=True)
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
