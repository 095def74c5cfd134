"""The interactive review loop: one key per decision, works in any terminal (and over SSH).

For each pending draft: the header (kind, title, provenance, warnings), then the note (new) or a
coloured diff against the current note (update), then a key: [a]ccept, [e]dit in $EDITOR (then
validated and shown again), [r]eject with a reason, [s]kip, [q]uit. Every decision is written as it
is made, so quitting (or losing the connection) keeps all of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from autonote.errors import AutonoteError
from autonote.notes.format import split_front_matter
from autonote.review.actions import Reviewer
from autonote.review.apply import ConflictError, FieldConflict, edit
from autonote.review.drafts import PendingDraft

KEYS = "[a]ccept  [e]dit  [r]eject  [s]kip  [q]uit"


def _echo(message: str = "", nl: bool = True) -> None:
    """click.echo, without colours when NO_COLOR is set (https://no-color.org)."""
    click.echo(message, nl=nl, color=False if os.environ.get("NO_COLOR") else None)


def _body(draft: PendingDraft) -> str:
    try:
        return split_front_matter(draft.text, str(draft.path))[1]
    except AutonoteError:
        return draft.text


def _show_value(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(f"    - {item}" for item in value) or "    (empty)"
    return f"    {value}"


def resolve_conflicts(conflicts: list[FieldConflict], getchar: Callable[[], str]) -> dict[str, str] | None:
    """Ask, field by field, which side to keep; None when the reviewer backs out."""
    choices: dict[str, str] = {}
    for conflict in conflicts:
        _echo(
            click.style(f"conflict in {conflict.name}: the note changed since the draft was made", fg="red")
        )
        _echo("  the note now:")
        _echo(_show_value(conflict.mine))
        _echo("  the draft:")
        _echo(_show_value(conflict.draft))
        _echo("keep [m]ine, take the [d]raft's, or [c]ancel? ", nl=False)
        while True:
            key = getchar().lower()
            if key in ("m", "d", "c"):
                _echo(key)
                break
        if key == "c":
            return None
        choices[conflict.name] = "mine" if key == "m" else "draft"
    return choices


def run_session(
    reviewer: Reviewer, drafts: list[PendingDraft], getchar: Callable[[], str] = click.getchar
) -> None:
    if not drafts:
        _echo("no drafts pending review")
        return
    reviewer.preflight()
    skipped = 0
    try:
        for index, draft in enumerate(drafts, 1):
            while True:
                _echo()
                _echo(f"[{index}/{len(drafts)}] " + reviewer.header(draft))
                if draft.note is None:
                    _echo(click.style(f"this draft does not parse: {draft.error}", fg="red"))
                else:
                    try:
                        _echo(reviewer.diff(draft) if draft.kind == "update" else _body(draft))
                    except AutonoteError as exc:
                        _echo(click.style(str(exc), fg="red"))
                _echo(KEYS + " ? ", nl=False)
                key = getchar().lower()
                _echo(key)
                if key == "a":
                    try:
                        _echo(reviewer.accept(draft))
                    except ConflictError as exc:
                        choices = resolve_conflicts(exc.conflicts, getchar)
                        if choices is None:
                            continue
                        _echo(reviewer.accept(draft, choices))
                    except AutonoteError as exc:
                        _echo(click.style(f"not accepted: {exc}", fg="red"))
                        continue
                    break
                if key == "e":
                    try:
                        error = edit(draft, reviewer.drafts)
                    except AutonoteError as exc:
                        _echo(click.style(str(exc), fg="red"))
                        continue
                    if error:
                        _echo(click.style(f"your edit is kept but does not parse: {error}", fg="red"))
                    continue
                if key == "r":
                    reason = click.prompt("reason (optional)", default="", show_default=False)
                    _echo(reviewer.reject(draft, reason.strip()))
                    break
                if key == "s":
                    skipped += 1
                    break
                if key == "q":
                    return
                _echo("press a, e, r, s or q")
    finally:
        done = reviewer.finish()
        if done:
            _echo(done)
        _echo(f"review: {reviewer.accepted} accepted, {reviewer.rejected} rejected, {skipped} skipped")
