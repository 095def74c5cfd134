"""``autonote github resolve ID --take mine|theirs``: the way out of a conflict between a note and
its issue (both changed since autonote last saw the issue).

A conflict leaves files beside the corpus: ``.autonote/import-conflicts/<id>.md`` (a pull found the
issue changed and the note edited) and ``notes/<id>.remote.txt`` (a push found the issue body
changed). Resolving reads the issue as GitHub has it now and settles the note with it:

- ``mine``: the note is kept as it is, and autonote records GitHub's current body and labels as
  the ones it last saw. The next push then writes the note over the issue (only while GitHub
  still has that body, as every push does), and the next pull finds the issue unchanged.
- ``theirs``: the note becomes what a pull makes of the issue now (its body, labels and the
  owner's comments), recorded as autonote's own import: a later pull updates it, review, regen and
  lint work on it as on any note, and nothing is pushed for it.

Either way the conflict files are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autonote.app import Workspace
from autonote.corpus.import_apply import record_import, record_seen
from autonote.errors import AutonoteError, UsageError
from autonote.github.connection import GitHub
from autonote.github.issues import repo_of_issue_url
from autonote.github.store import GitHubIssues
from autonote.notes.folder import IMPORT_CONFLICTS_DIR, STATE_DIR
from autonote.notes.format import render_note, replace_front_matter
from autonote.notes.links import issue_links

Side = Literal["mine", "theirs"]


class NoConflictError(AutonoteError):
    """The note has no conflict to resolve (exit 1)."""


@dataclass(frozen=True)
class Resolved:
    note_id: str
    take: Side
    repo: str
    issue: int
    cleared: list[Path]


def conflict_files(ws: Workspace, note_id: str, relpath: str) -> list[Path]:
    """The files a conflict of ``note_id`` left (that exist)."""
    files = [
        ws.store.root / STATE_DIR / IMPORT_CONFLICTS_DIR / f"{note_id}.md",
        ws.store.resolve(relpath).with_suffix(".remote.txt"),
    ]
    return [path for path in files if path.exists()]


def conflicted_ids(ws: Workspace) -> list[str]:
    """Every note with conflict files, in order of id."""
    from autonote.notes.folder import NOTES_DIR

    found = {p.stem for p in (ws.store.root / STATE_DIR / IMPORT_CONFLICTS_DIR).glob("*.md")}
    found |= {p.name.removesuffix(".remote.txt") for p in (ws.store.root / NOTES_DIR).rglob("*.remote.txt")}
    return sorted(note_id for note_id in found if ws.store.note_relpath(note_id) is not None)


def resolve(ws: Workspace, gh: GitHub, note_id: str, take: Side, *, repo: str | None = None) -> Resolved:
    relpath = ws.store.note_relpath(note_id)
    if relpath is None:
        raise UsageError(f"no note {note_id} in the corpus")
    local = ws.store.get(note_id)
    if local is None:
        raise UsageError(f"{note_id}: the note file is not a valid note (see `autonote lint`)")
    origin = local.note.origin
    if origin is None or origin.issue is None:
        raise UsageError(f"{note_id} is no issue's note (it has no issue to be in conflict with)")
    own = repo_of_issue_url(origin.url)
    if repo is not None and own is not None and own != repo.lower():
        raise UsageError(f"{note_id} is an issue of {own}, not of {repo}")
    repo = repo or own
    if repo is None:
        raise UsageError(f"{note_id}: its origin names no repository; give --repo OWNER/NAME")
    files = conflict_files(ws, note_id, relpath)
    if not files:
        raise NoConflictError(
            f"{note_id} has no conflict to resolve (no {STATE_DIR}/{IMPORT_CONFLICTS_DIR}/{note_id}.md"
            f" and no {Path(relpath).with_suffix('.remote.txt').name})"
        )
    ws.require_writable("resolve a conflict in this corpus")
    published = GitHubIssues(gh, repo, known=issue_links(ws.corpus.notes)).get(note_id)
    if published is None:
        raise AutonoteError(f"{repo}#{origin.issue} is not on GitHub (deleted, or a pull request)")
    seen = published.note.origin
    assert seen is not None
    if take == "theirs":
        written = ws.store.update_at(local.location, render_note(published.note), revision=local.revision)
        record_import(ws.state, written)  # GitHub's note, as a pull writes it: not an owner's edit
    else:
        kept = origin.model_copy(
            update={"body_sha256": seen.body_sha256, "labels": seen.labels, "url": seen.url or origin.url}
        )
        text = replace_front_matter(local.text, {"origin": kept.model_dump(mode="json")}, local.location)
        ws.store.update_at(local.location, text, revision=local.revision)
        record_seen(ws.state, [(note_id, seen.entry_hash)])  # the note stays the owner's edit
    for path in files:
        path.unlink(missing_ok=True)
    return Resolved(note_id, take, repo, origin.issue, files)
