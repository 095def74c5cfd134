"""The review group: the interactive loop and its scriptable subcommands."""

from __future__ import annotations

import sys
from typing import Any

import click

from autonote.commands.common import EXIT_FAILURE, corpus_option, resolve_settings


def _reviewer(corpus: str | None, *, writes: bool = False, **options: Any):
    """The reviewer for the corpus; ``writes``: the command changes the corpus, which must then
    be writable (checked before anything happens)."""
    from autonote.app import Workspace, require_corpus
    from autonote.review.actions import Reviewer

    settings = resolve_settings(corpus=corpus)
    require_corpus(settings.corpus)
    ws = Workspace(settings)
    if writes:
        ws.require_writable("review drafts")
    return Reviewer(ws, **options)


def _pick(ctx: click.Context, corpus: str | None) -> str | None:
    """A subcommand's --corpus, else the group's."""
    return corpus or (ctx.parent.params.get("corpus") if ctx.parent else None)


@click.group("review", invoke_without_command=True)
@corpus_option
@click.pass_context
def review_group(ctx: click.Context, corpus: str | None) -> None:
    """Go through pending drafts: accept into the corpus (and git), edit, reject or skip.

    Without a subcommand: the interactive loop, one key per decision. Subcommands do the same
    from scripts. Exit codes: 0 done, 1 failed (a conflict, git), 2 bad usage or unknown draft.
    """
    if ctx.invoked_subcommand is not None:
        return
    from autonote.errors import UsageError
    from autonote.review.drafts import pending_drafts
    from autonote.review.session import run_session

    if not sys.stdin.isatty():
        raise UsageError(
            "the interactive review needs a terminal; from a script use `autonote review list`,"
            " `accept`, `reject` or `edit`"
        )
    reviewer = _reviewer(corpus, writes=True)
    run_session(reviewer, pending_drafts(reviewer.drafts))


@review_group.command("list")
@corpus_option
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON array: id, kind, title, path, errors, warnings."
)
@click.pass_context
def review_list(ctx: click.Context, corpus: str | None, as_json: bool) -> None:
    """List pending drafts, each with its error and warning counts (errors: what lint would fail,
    and what accept refuses)."""
    from autonote.review.actions import as_json as to_json
    from autonote.review.drafts import pending_drafts

    reviewer = _reviewer(_pick(ctx, corpus))
    rows = [reviewer.summary(d) for d in pending_drafts(reviewer.drafts)]
    if as_json:
        click.echo(to_json(rows))
        return
    for row in rows:
        counts = [f"{len(row[k])} {k[:-1]}(s)" for k in ("errors", "warnings") if row[k]]
        flag = f"  [{', '.join(counts)}]" if counts else ""
        click.echo(f"{row['id']}  {row['kind']:<6}  {row['title']}{flag}")
    if not rows:
        click.echo("no drafts pending review", err=True)


@review_group.command("show")
@click.argument("draft_id", metavar="ID")
@corpus_option
@click.pass_context
def review_show(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """Show a draft: provenance, warnings, and the note."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    draft = find_draft(reviewer.drafts, draft_id)
    click.echo(reviewer.header(draft))
    click.echo(draft.text, nl=False)


@review_group.command("diff")
@click.argument("draft_id", metavar="ID")
@corpus_option
@click.pass_context
def review_diff(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """The change accepting would make to the corpus, as a unified diff."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus))
    click.echo(reviewer.diff(find_draft(reviewer.drafts, draft_id)), nl=False)


@review_group.command("accept")
@click.argument("draft_ids", nargs=-1, metavar="ID...")
@corpus_option
@click.option(
    "--all-valid", is_flag=True, help="Every draft that parses and has no error (warnings are fine)."
)
@click.option("--force", is_flag=True, help="Accept the named drafts even with error-level findings.")
@click.option("--one-commit", is_flag=True, help="One commit for all accepted notes.")
@click.option("--no-commit", is_flag=True, help="Only stage the accepted notes.")
@click.option("--on-conflict", type=click.Choice(["fail", "draft", "mine"]), default="fail", show_default=True,
              help="When the note changed in a regenerated field: refuse, take the draft's, or keep the note's.")  # fmt: skip
@click.option("--include-my-edits", is_flag=True,
              help="Commit uncommitted changes of yours in the same note file with it (else refuse).")  # fmt: skip
@click.pass_context
def review_accept(
    ctx: click.Context, draft_ids: tuple[str, ...], corpus: str | None, all_valid: bool, one_commit: bool,
    no_commit: bool, on_conflict: str, include_my_edits: bool, force: bool,
) -> None:  # fmt: skip
    """Accept drafts into the corpus (committed one per note if the corpus is a git repository).

    A draft with error-level findings (those `autonote lint` fails on) is refused, each finding
    on its own line, unless --force."""
    from autonote.errors import AutonoteError, UsageError
    from autonote.review.actions import COMMIT_EACH, COMMIT_NONE, COMMIT_ONE
    from autonote.review.drafts import errors_of, find_draft, pending_drafts

    if bool(draft_ids) == all_valid:
        raise UsageError("give draft ids or --all-valid (not both)")
    if force and all_valid:
        raise UsageError("--force goes with named drafts, not --all-valid")
    if one_commit and no_commit:
        raise UsageError("--one-commit and --no-commit are exclusive")
    mode = COMMIT_NONE if no_commit else COMMIT_ONE if one_commit else COMMIT_EACH
    reviewer = _reviewer(
        _pick(ctx, corpus), writes=True, commit_mode=mode, on_conflict=on_conflict,
        include_my_edits=include_my_edits, force=force,
    )  # fmt: skip
    pending = []
    if draft_ids:
        drafts = [find_draft(reviewer.drafts, i) for i in draft_ids]
    else:
        drafts, pending = [], pending_drafts(reviewer.drafts)
        for draft in pending:
            errors = errors_of(reviewer.findings(draft))
            if not errors:
                drafts.append(draft)
                continue
            reasons = "; ".join(f"{p.message} [{p.code}]" for p in errors)
            click.echo(f"autonote: skipped {draft.id}: {len(errors)} error(s): {reasons}", err=True)
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
        click.echo(
            "no valid drafts to accept" + (f" ({len(pending)} pending, each skipped above)" if pending else
            " (no drafts pending)"), err=True,
        )  # fmt: skip
    if failures:
        sys.exit(EXIT_FAILURE)


@review_group.command("reject")
@click.argument("draft_ids", nargs=-1, required=True, metavar="ID...")
@corpus_option
@click.option("--reason", default="", help="Why (kept with the decision; regen will not propose it again).")
@click.pass_context
def review_reject(ctx: click.Context, draft_ids: tuple[str, ...], corpus: str | None, reason: str) -> None:
    """Reject drafts: they leave the queue, are kept in .autonote/rejected/, and regen skips them."""
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus), writes=True)
    drafts = [find_draft(reviewer.drafts, i) for i in draft_ids]  # every id checked first
    for draft in drafts:
        click.echo(reviewer.reject(draft, reason))


@review_group.command("edit")
@click.argument("draft_id", metavar="ID")
@corpus_option
@click.pass_context
def review_edit(ctx: click.Context, draft_id: str, corpus: str | None) -> None:
    """Edit a draft in $EDITOR (VISUAL first); the result is validated and its problems shown."""
    from autonote.errors import NoteFormatError
    from autonote.review.apply import edit
    from autonote.review.drafts import find_draft

    reviewer = _reviewer(_pick(ctx, corpus), writes=True)
    draft = find_draft(reviewer.drafts, draft_id)
    error = edit(draft, reviewer.drafts)
    if error:
        raise NoteFormatError(f"your edit is kept in {draft.path} but does not parse: {error}")
    click.echo(reviewer.header(draft))
