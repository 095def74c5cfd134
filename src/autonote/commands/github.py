"""GitHub commands: pull, push, resolve, action (the corpus where it lives: one issue per note)."""

from __future__ import annotations

import sys
from typing import Any

import click

from autonote.commands.common import EXIT_FAILURE, corpus_option, echo_import_problems, resolve_settings

repo_option = click.option(
    "--repo",
    "repo",
    default=None,
    metavar="OWNER/NAME",
    help="The repository whose issues are the corpus (default: github_repo in autonote.toml, then"
    " GITHUB_REPOSITORY, then the corpus's git remote origin).",
)


def _connect(corpus: str | None, *, writes: bool, action: str) -> tuple[Any, Any]:
    """The workspace (an existing corpus) and the GitHub connection (from the environment)."""
    from autonote.app import Workspace, require_corpus
    from autonote.github.connection import GitHub, find_access

    settings = resolve_settings(corpus=corpus)
    require_corpus(settings.corpus)
    ws = Workspace(settings)
    if writes:
        ws.require_writable(action)
    return ws, GitHub(find_access(), warn=ws.warn)


def _repo(flag: str | None, ws: Any, gh: Any) -> str:
    """The repository, named once (see :func:`autonote.github.repository.resolve_repo`)."""
    import os

    from autonote.github.connection import _gh_host
    from autonote.github.repository import resolve_repo

    hosts = tuple(dict.fromkeys(("github.com", _gh_host(gh.access.api_url))))
    repo, _ = resolve_repo(flag, ws.settings.github_repo, os.environ, ws.settings.corpus, hosts)
    return repo


def _echo_moved(asked: str, moved_to: str | None, doing: str) -> None:
    if moved_to:
        click.echo(
            f"autonote: warning: {asked} is now {moved_to} on GitHub (renamed or transferred; GitHub redirects the"
            f" old name); {doing} {moved_to}: name it in the configuration (--repo {moved_to})",
            err=True,
        )


def _traffic(gh: Any, seconds: float | None = None) -> str:
    traffic = gh.traffic
    waited = f", waited {traffic.waited:.1f} s" if traffic.waits else ""
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    return f"{traffic.requests} requests{took} ({traffic.retries} retried{waited})"


@click.group("github")
def github_group() -> None:
    """Keep the corpus and the repository's GitHub issues as one corpus (one issue per note).

    The API root is GITHUB_API_URL (default https://api.github.com); the token GITHUB_TOKEN, then
    GH_TOKEN, then `gh auth token`.
    """


@github_group.command("pull")
@repo_option
@corpus_option
@click.option(
    "--full", is_flag=True, help="List every issue again, not only those updated since the last pull."
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def pull_command(repo: str | None, corpus: str | None, full: bool, dry_run: bool) -> None:
    """Fetch the repository's issues (not pull requests) into the corpus as notes issue-<number>.

    Labels are tags and the owner's comments the Comment, as `import github-issues` does. A later
    pull asks only for issues updated since the last one. A note you edited is never overwritten:
    when its issue changed too, the incoming version goes to .autonote/import-conflicts/.
    """
    from autonote.github.connection import parse_repo
    from autonote.github.sync import pull

    if repo is not None:
        parse_repo(repo)  # a bad --repo is a usage error before anything else
    ws, gh = _connect(corpus, writes=not dry_run, action="pull into this corpus")
    repo = _repo(repo, ws, gh)
    from autonote.github.progress import PullProgress

    with PullProgress(repo, sys.stderr) as progress:
        kept, ws.stderr = ws.stderr, sys.stderr  # on a terminal, rich's proxy: warnings print above the bar
        try:
            report = pull(ws, gh, repo, full=full, dry_run=dry_run, progress=progress)
        finally:
            ws.stderr = kept
    _echo_moved(repo, report.moved_to, "pulled from")
    done = report.imported
    echo_import_problems(done)
    for number, why in report.gone:
        click.echo(f"autonote: issue-{number}: not pulled: {why}", err=True)
    verb = "would adopt" if dry_run else "adopted"
    for local, issue in report.adopted:
        click.echo(
            f"autonote: {verb} {local} as {issue} (drafted here and posted by hand; its content kept)",
            err=True,
        )
    scope = f"issues updated since {report.since.isoformat()}" if report.since else "every issue"
    adopted = f", {len(report.adopted)} adopted" if report.adopted else ""
    click.echo(
        f"{'would pull' if dry_run else 'pulled'} {repo} ({scope}) into {ws.settings.corpus}: {report.listed} issues,"
        f" {len(done.created)} new, {len(done.updated)} updated, {len(done.unchanged)} unchanged,"
        f" {len(done.conflicts)} conflicts, {len(done.skipped)} skipped{adopted};"
        f" {_traffic(gh, report.seconds)}"
    )
    if done.conflicts and not dry_run:
        click.echo(
            "autonote: settle each conflict with `autonote github resolve ID --take mine` (your note goes"
            " to GitHub at the next push) or `--take theirs` (GitHub's issue replaces your note)",
            err=True,
        )
    if done.skipped or done.conflicts or report.gone:
        sys.exit(EXIT_FAILURE)


@github_group.command("push")
@click.argument("ids", nargs=-1, metavar="[ID...]")
@click.option(
    "--all-accepted", is_flag=True, help="Every note of the corpus (drafts are not in it until accepted)."
)
@repo_option
@corpus_option
@click.option(
    "--create-labels", is_flag=True, help="Create labels the repository lacks (else they are left off)."
)
@click.option("--dry-run", is_flag=True, help="Print what would be created and updated; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Update an issue body even if it changed on GitHub (its body is saved first).",
)
def push_command(
    ids: tuple[str, ...], all_accepted: bool, repo: str | None, corpus: str | None, create_labels: bool, dry_run: bool,
    force: bool,
) -> None:  # fmt: skip
    """Publish accepted notes as issues.

    A note with no issue becomes a new issue (title line, issue body, tags as labels) and adopts its
    number: it becomes issue-<number>, its file is renamed and every link to it is rewritten. A note
    whose issue exists and whose own sections changed updates the issue body, only if GitHub still
    has the body autonote last saw; otherwise nothing is written, GitHub's body is saved beside the
    note, and the exit code is 1. Comments and labels added on GitHub are never removed or edited.
    """
    from autonote.github.connection import parse_repo
    from autonote.github.sync import push

    if repo is not None:
        parse_repo(repo)  # a bad --repo is a usage error before anything else
    ws, gh = _connect(corpus, writes=not dry_run, action="push from this corpus")
    repo = _repo(repo, ws, gh)
    report = push(
        ws,
        gh,
        repo,
        ids,
        all_accepted=all_accepted,
        create_labels=create_labels,
        dry_run=dry_run,
        force=force,
    )
    _echo_moved(repo, report.moved_to, "pushed to")
    for line in report.planned:
        click.echo(line)
    for old, new, url in report.created:
        click.echo(f"created {url} for {old}: the note is now {new}")
    for note_id, what in report.updated:
        click.echo(f"updated the issue of {note_id}: {what}")
    for note_id, saved in report.conflicts:
        where = "(dry run: not saved)" if dry_run else f"GitHub's body is saved in {saved}"
        click.echo(
            f"autonote: conflict: {note_id}: the issue body changed on GitHub since autonote last saw it;"
            f" nothing was written; {where} (`autonote github resolve {note_id} --take mine` to push yours at"
            " the next push, `--take theirs` to take GitHub's, or push --force to replace it now)",
            err=True,
        )
    for note_id, reason in report.refused:
        click.echo(f"autonote: {note_id}: not pushed: {reason}", err=True)
    if report.not_pulled:
        shown = ", ".join(report.not_pulled[:5]) + (" ..." if len(report.not_pulled) > 5 else "")
        click.echo(
            f"autonote: {len(report.not_pulled)} note(s) of {repo} were never pulled, so autonote does not know"
            f" the issue body they last had ({shown}); run `autonote github pull --repo {repo}` first (and"
            " `autonote github resolve --all --take mine` for the ones it reports in conflict)",
            err=True,
        )
    for label, notes in report.missing_labels.items():
        click.echo(
            f"autonote: label {label!r} is not in {repo}; left off {', '.join(notes)} (--create-labels creates it)",
            err=True,
        )
    if report.stopped:
        click.echo(f"autonote: error: {report.stopped}", err=True)
    verb = "would push" if dry_run else "pushed"
    created, updated = (
        len(report.created) + len(report.would_create),
        len(report.updated) + len(report.would_update),
    )
    click.echo(
        f"{verb} to {repo}: {created} created, {updated} updated,"
        f" {len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts, {len(report.refused)} refused"
        + (f", {len(report.not_pulled)} never pulled" if report.not_pulled else "")
        + f"; {_traffic(gh)}"
    )
    if report.failed or (report.not_pulled and not all_accepted):
        sys.exit(EXIT_FAILURE)


@github_group.command("resolve")
@click.argument("note_ids", nargs=-1, metavar="[ID...]")
@click.option("--all", "every", is_flag=True, help="Every note with a conflict (its files in the corpus).")
@click.option(
    "--take",
    type=click.Choice(["mine", "theirs"]),
    required=True,
    help="mine: keep the note, and push it over the issue at the next push; theirs: the note becomes the issue as"
    " GitHub has it now.",
)
@click.option(
    "--repo",
    "repo",
    default=None,
    metavar="OWNER/NAME",
    help="The note's repository (default: its issue link's).",
)
@corpus_option
def resolve_command(
    note_ids: tuple[str, ...], every: bool, take: str, repo: str | None, corpus: str | None
) -> None:
    """Settle a conflict between a note and its issue (both changed since autonote last saw the issue).

    Reads the issue from GitHub. --take mine keeps the note and records GitHub's current body and
    labels as seen, so the next push writes the note over the issue; --take theirs replaces the
    note with the issue's body, labels and the owner's comments, as a pull writes them. The
    conflict files (.autonote/import-conflicts/ID.md, notes/ID.remote.txt) are removed.
    """
    from autonote.errors import AutonoteError, UsageError
    from autonote.github.connection import parse_repo
    from autonote.github.resolve import conflicted_ids, resolve

    if bool(note_ids) == every:
        raise UsageError("name the notes to resolve (ID...), or --all for every note with a conflict")
    ws, gh = _connect(corpus, writes=False, action="")
    ids = conflicted_ids(ws) if every else list(dict.fromkeys(note_ids))
    if every and not ids:
        click.echo("no conflict to resolve")
        return
    failed = 0
    for note_id in ids:
        try:
            done = resolve(ws, gh, note_id, take, repo=parse_repo(repo) if repo else None)  # type: ignore[arg-type]
        except AutonoteError as exc:
            if len(ids) == 1:
                raise
            click.echo(f"autonote: {note_id}: not resolved: {exc}", err=True)
            failed += 1
            continue
        what = (
            f"kept; the next `autonote github push {note_id} --repo {done.repo}` writes it over issue #{done.issue}"
            if take == "mine"
            else f"now issue #{done.issue} as GitHub has it (body, labels, comments)"
        )
        click.echo(f"resolved {note_id} ({take}): {what}; removed {len(done.cleared)} conflict file(s)")
    if failed:
        sys.exit(EXIT_FAILURE)


@github_group.command("action")
@corpus_option
@click.option(
    "--create-labels", is_flag=True, help="Create labels the repository lacks (else they are left off)."
)
@click.option(
    "--translate", is_flag=True, help="Also translate the abstract of a drafted note (needs an LLM)."
)
def action_command(corpus: str | None, create_labels: bool, translate: bool) -> None:
    """Handle the GitHub Actions event of this run (GITHUB_EVENT_PATH): draft an opened issue's note,
    propose a regenerated body on the label autonote:regen, apply it on autonote:accept; on
    action_wanted draft an issue not yet a note (or propose, for a note); on translation_required
    translate the passages marked __translate: in the body and the owner's comments.

    Any other event exits 0 and says why. See examples/github-action.yml and docs/github-action.md.
    """
    import os

    from autonote.github.action import nothing_to_do, read_event, run_action

    event = read_event(os.environ)
    idle = nothing_to_do(event)
    if idle is not None:
        click.echo(idle)
        return
    ws, gh = _connect(corpus, writes=False, action="")
    click.echo(run_action(ws, gh, event, create_labels=create_labels, translate=translate))
