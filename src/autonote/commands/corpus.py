"""Corpus commands: import, index, suggest, eval, lint."""

from __future__ import annotations

import sys

import click

from autonote.commands.common import EXIT_FAILURE, corpus_option, echo_import_problems, resolve_settings


@click.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False), metavar="[DIR]")
def init_command(folder: str | None) -> None:
    """Make DIR (default: the current folder) a corpus: notes/ and autonote.toml.

    Every other command needs an existing corpus, so a mistyped --corpus is an error rather than a
    new, empty corpus.
    """
    from pathlib import Path

    from autonote.config import CONFIG_FILE_NAME
    from autonote.errors import UsageError
    from autonote.notes.folder import init_corpus

    root = Path(folder or ".").expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder")
    made = init_corpus(root, CONFIG_FILE_NAME)
    if made:
        click.echo(f"made a corpus in {root}: {', '.join(made)}")
    else:
        click.echo(f"{root} is a corpus already; nothing changed")


@click.group("import")
def import_group() -> None:
    """Import existing notes from the corpus's exports (idempotent; owner edits are kept)."""


def _run_import(
    kind: str, files: tuple[str, ...], corpus: str | None, repo: str | None, dry_run: bool
) -> None:
    from pathlib import Path

    from autonote.app import Workspace, require_corpus
    from autonote.corpus.import_apply import apply_import, recorded_entry_hashes
    from autonote.corpus.importers import read_notes
    from autonote.notes.links import issue_links
    from autonote.progress import terminal_progress
    from autonote.schema import RelatedNote

    settings = resolve_settings(corpus=corpus)
    root = require_corpus(settings.corpus)
    ws = Workspace(settings)
    if not dry_run:
        ws.require_writable("import")

    def known() -> dict[int, RelatedNote]:
        """Links to the corpus's imported notes (parsed only when a note has to be made)."""
        return issue_links(ws.corpus.notes)

    read = read_notes(kind, [Path(f) for f in files], repo=repo, settled=recorded_entry_hashes(ws.state))
    with terminal_progress("import"):  # a bar on a terminal only; nothing when piped
        report = apply_import(read, ws.corpus, ws.folder, ws.state, known=known, dry_run=dry_run)
    echo_import_problems(report)
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} into {root}: {len(report.created)} new, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts, {len(report.skipped)} skipped"
    )
    if report.skipped or report.conflicts:
        sys.exit(EXIT_FAILURE)


@import_group.command("paper-notes-xml")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@corpus_option
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_paper_notes_xml(files: tuple[str, ...], corpus: str | None, dry_run: bool) -> None:
    """Import the paper-notes XML export (<paper-entry> elements)."""
    _run_import("paper-notes-xml", files, corpus, None, dry_run)


@import_group.command("github-issues")
@click.argument("file", metavar="FILE")
@corpus_option
@click.option("--repo", metavar="OWNER/NAME", help="Repository the issues belong to (builds issue links).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_github_issues(file: str, corpus: str | None, repo: str | None, dry_run: bool) -> None:
    """Import `gh issue list --json number,title,body,labels,createdAt,comments` output (labels are tags)."""
    _run_import("github-issues", (file,), corpus, repo, dry_run)


@click.command("index")
@corpus_option
@click.option("--rebuild", is_flag=True, help="Drop the index and read every note again.")
@click.option(
    "--embeddings", is_flag=True, default=None, help="Also embed notes (cached) for semantic search."
)
def index_command(corpus: str | None, rebuild: bool, embeddings: bool | None) -> None:
    """Build or refresh the corpus's search index (only changed files are re-read)."""
    from autonote.app import Workspace, require_corpus
    from autonote.progress import terminal_progress

    settings = resolve_settings(corpus=corpus, embeddings=embeddings)
    require_corpus(settings.corpus)
    ws = Workspace(settings, rebuild_index=rebuild)
    ws.require_writable("index the corpus")  # an index only in memory is not what was asked for
    with terminal_progress("index"):  # a bar on a terminal only; nothing when piped
        index = ws.corpus.index
    assert index is not None
    for problem in ws.corpus.problems:
        click.echo(f"autonote: skipped note: {problem}", err=True)
    report = ws.corpus.refresh_report
    assert report is not None  # the index was just refreshed
    if not index.persistent:  # the state was writable but the index was not (a disk that filled up)
        from autonote.errors import AutonoteError

        raise AutonoteError(
            f"cannot index the corpus: cannot write {settings.corpus / '.autonote'}; nothing kept"
        )
    click.echo(
        f"indexed {len(index)} notes in {report.seconds:.2f} s: {report.added} added, {report.updated} updated,"
        f" {report.removed} removed, {report.unchanged} unchanged, {len(report.problems)} skipped; {index.path}"
    )
    if ws.semantic is not None:
        embedded = ws.semantic.ensure_corpus(ws.corpus)
        click.echo(
            f"embeddings ({settings.embedding_model}): {embedded.embedded} notes embedded now,"
            f" {embedded.cached} already cached"
        )


@click.command("suggest")
@click.argument("source", metavar="INPUT")
@corpus_option
@click.option(
    "-k", "count", type=click.IntRange(1, 200), default=10, show_default=True, help="How many of each."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"tags": [...], "related": [...]} as JSON.')
@click.option("--title", help="Title of a local abstract.")
@click.option("--authors", help="Authors of a local abstract, separated by ';' or ','.")
@click.option("--url", help="URL of a local abstract.")
@click.option("--refresh", is_flag=True, help="Fetch the paper's metadata again instead of using the cache.")
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

    INPUT is anything `autonote draft` takes: an arXiv, OpenReview, ACL Anthology, GitHub or web URL or id,
    an abstract file, or '-' for stdin.
    This is exactly what `draft` offers the LLM as candidates.
    """
    import json

    from autonote.app import Workspace, require_corpus
    from autonote.corpus.suggest import suggest
    from autonote.errors import AutonoteError
    from autonote.sources.references import references_for
    from autonote.sources.registry import fetch_papers, parse_input

    ref = parse_input(source)
    settings = resolve_settings(corpus=corpus, embeddings=embeddings)
    require_corpus(settings.corpus)
    ws = Workspace(settings)
    (paper,) = fetch_papers([ref], ws.sources(refresh=refresh, title=title, authors=authors, url=url))
    if isinstance(paper, AutonoteError):
        raise paper
    references = references_for(paper, ws.sources(refresh=refresh))
    result = suggest(
        paper, ws.corpus, k_tags=count, k_related=count, semantic=ws.semantic, references=references
    )
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


@click.command("eval")
@corpus_option
@click.option("-k", "ks", default="5,10", show_default=True, help="Cut-offs, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--embeddings", is_flag=True, default=None, help="Evaluate with embeddings fused in.")
@click.option(
    "--fit",
    is_flag=True,
    help="Fit the suggester's weights on this corpus, score them by cross-fitting, and store them"
    " in .autonote/suggest-weights.json (suggest and draft then use them).",
)
@click.option(
    "--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Folds for --fit's scoring."
)
def eval_command(
    corpus: str | None, ks: str, as_json: bool, embeddings: bool | None, fit: bool, folds: int
) -> None:
    """Measure tag and related-note suggestions on your corpus, leave-one-out, against baselines.

    Each note with an abstract is hidden in turn and suggested from its title, authors, venue,
    abstract and date; the suggestions are compared with the tags the owner chose and the notes the
    owner linked. The scores are those of the built-in weights; with --fit, also those of weights
    fitted on this corpus (each fold scored by weights fitted without it), which are then stored.
    """
    import json

    from autonote.app import Workspace, require_corpus
    from autonote.corpus.evaluate import cross_fit, evaluable, evaluate, format_table
    from autonote.corpus.progress import NoteProgress
    from autonote.corpus.weights import load_weights, save_weights, weights_path
    from autonote.errors import UsageError

    try:
        cutoffs = tuple(sorted({int(k) for k in ks.split(",") if k.strip()}))
    except ValueError:
        raise UsageError(f"-k {ks!r}: expected numbers separated by commas, e.g. 5,10") from None
    if not cutoffs or min(cutoffs) < 1:
        raise UsageError("-k: cut-offs must be positive")
    settings = resolve_settings(corpus=corpus, embeddings=embeddings)
    root = require_corpus(settings.corpus)
    ws = Workspace(settings)
    notes = len(evaluable(ws.corpus))
    folds_used = max(2, min(folds, notes))
    with NoteProgress("eval --fit" if fit else "eval", notes * folds_used if fit else notes) as bar:
        if fit:
            fitted = cross_fit(ws.corpus, cutoffs, folds=folds, semantic=ws.semantic, progress=bar.advance)
        else:
            fitted = None
        report = (
            fitted.report
            if fitted
            else evaluate(ws.corpus, cutoffs, semantic=ws.semantic, progress=bar.advance)
        )
    if report.notes == 0 and report.notes_with_links == 0:
        raise UsageError(f"{root}: no note with an abstract and tags or links to evaluate")
    stored = save_weights(root, fitted.weights) if fitted else None
    if as_json:
        data = report.to_json()
        if fitted:
            data["fitted"] = fitted.weights.to_json() | {"path": str(stored)}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"leave-one-out over {report.notes} notes with an abstract and tags ({report.corpus_size} in the corpus,"
        f" {report.mean_tags:.1f} tags each, {report.unreachable_tags} tags used by no other note);"
        f" related notes over {report.notes_with_links} notes that link another note of the corpus"
        f" ({report.links_with_abstract} link notes with an abstract, {report.links_without_abstract}"
        " notes without one)"
    )
    click.echo(format_table(report))
    if fitted:
        info = fitted.weights.fitted
        click.echo(
            f"stored in {stored}: tag weights {info['tags']}, related-note weights {info['related']}"
            " (a part is fitted only where it beat the built-in weights on this corpus's notes)"
        )
        return
    existing = load_weights(root)
    if existing is not None:
        scores = existing.fitted.get("cross_fitted", {})
        shown = ", ".join(f"{name} {value:.3f}" for name, value in scores.items() if value is not None)
        click.echo(
            f"this corpus has fitted weights ({weights_path(root)}, {existing.fitted.get('date', '?')}),"
            f" used by suggest and draft; cross-fitted when stored: {shown or 'n/a'}."
            " The table shows the built-in weights: fitted ones scored on the notes they were fitted on"
            " would look better than they are."
        )


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATH]...")
@corpus_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def lint_command(paths: tuple[str, ...], corpus: str | None, strict: bool) -> None:
    """Check notes: format, title lines, tags, related links, Japanese summaries, duplicates.

    PATHs are note files or folders (default: the whole corpus); they are checked against the
    corpus (--corpus, AUTONOTE_CORPUS, or the current folder). One line per problem; exit 1 on
    errors (or on warnings with --strict).
    """
    from pathlib import Path

    from autonote.app import Workspace, require_corpus
    from autonote.config import find_corpus
    from autonote.corpus.lint import lint_paths
    from autonote.errors import UsageError

    settings = resolve_settings(corpus=corpus)
    root = require_corpus(settings.corpus)  # never the current folder unless it is a corpus
    if find_corpus(root) != root.resolve():  # lint writes its index there: only into a corpus
        raise UsageError(f"{root} is not a corpus (no notes/ folder, no autonote.toml); see `autonote init`")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    ws = Workspace(settings.model_copy(update={"corpus": root}))
    problems, checked = lint_paths([Path(p) for p in paths], ws.corpus, ws.folder, settings.tags)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    click.echo(f"autonote: {checked} notes checked: {errors} errors, {warnings} warnings", err=True)
    if errors or (strict and warnings):
        sys.exit(EXIT_FAILURE)


@click.command("export")
@click.argument("note_ids", nargs=-1, metavar="[ID]...")
@corpus_option
@click.option("--all", "export_all", is_flag=True, help="Every note of the corpus.")
@click.option(
    "--format", "layout", type=click.Choice(["issue", "markdown"]), default="markdown", show_default=True,
    help="issue: the GitHub issue (title, body, labels); markdown: the note file.",
)  # fmt: skip
@click.option(
    "--json", "as_json", is_flag=True, help='With --format issue: [{"id", "title", "body", "labels"}].'
)
def export_command(
    note_ids: tuple[str, ...], corpus: str | None, export_all: bool, layout: str, as_json: bool
) -> None:
    """Print notes in one of their layouts: the markdown file, or the GitHub issue the corpus keeps."""
    import json

    from autonote.app import Workspace, require_corpus
    from autonote.errors import UsageError
    from autonote.notes.ids import check_note_id
    from autonote.notes.issue_format import render_issue

    if bool(note_ids) == export_all:
        raise UsageError("give note ids or --all (not both)")
    if as_json and layout != "issue":
        raise UsageError("--json goes with --format issue")
    ids = [check_note_id(i) for i in note_ids]
    settings = resolve_settings(corpus=corpus)
    require_corpus(settings.corpus)
    ws = Workspace(settings)
    ids = ids or list(ws.store.ids())
    stored = []
    for note_id in ids:
        found = ws.store.get(note_id)
        if found is None:
            raise UsageError(f"no note {note_id!r} in the corpus")
        stored.append(found)
    if layout == "markdown":
        for item in stored:
            click.echo(item.text, nl=False)
        return
    views = [render_issue(item.note) for item in stored]
    if as_json:
        click.echo(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return
    for view in views:
        click.echo(f"{view.title}\n\n{view.body}\n\nlabels: {', '.join(view.labels)}\n")
