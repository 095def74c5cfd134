"""What every review front end does (the scriptable subcommands and the interactive loop alike):
show, diff, accept (write, record, commit), reject (keep, record), with git checked first."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from autonote.pipeline import Workspace
from autonote.review.apply import (
    AcceptPlan,
    ConflictError,
    commit_message,
    plan_accept,
    reject,
    write_accepted,
)
from autonote.review.decisions import Decisions
from autonote.review.drafts import PendingDraft, review_warnings
from autonote.review.git import Repo

COMMIT_EACH, COMMIT_ONE, COMMIT_NONE = "each", "one", "none"


@dataclass
class Reviewer:
    ws: Workspace
    commit_mode: str = COMMIT_EACH
    on_conflict: str = "fail"  # fail | draft | mine
    repo: Repo | None = None
    deferred: list[tuple[Path, str]] = field(default_factory=list)  # for --one-commit
    accepted: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        self.repo = Repo.find(self.ws.corpus.root)
        self.decisions = Decisions(self.ws.state)

    def preflight(self) -> None:
        """Before anything is written: a detached HEAD or unresolved conflict stops the review."""
        if self.repo is not None and self.commit_mode != COMMIT_NONE:
            self.repo.check_writable()

    # -- showing ---------------------------------------------------------------------------------

    def summary(self, draft: PendingDraft) -> dict[str, Any]:
        return {
            "id": draft.id,
            "kind": draft.kind,
            "title": draft.title,
            "path": str(draft.path),
            "warnings": review_warnings(draft, self.ws.corpus),
        }

    def header(self, draft: PendingDraft) -> str:
        lines = [click.style(f"{draft.id}  ({draft.kind})  {draft.title}", bold=True)]
        note = draft.note
        if note is not None and note.provenance is not None:
            p = note.provenance
            cost = f"${p.cost_usd:.5f}" if p.cost_usd is not None else "cost unknown"
            lines.append(
                f"provenance: {p.generator} {p.model or ''} · prompt {p.prompt_version} · "
                f"{p.prompt_tokens}+{p.completion_tokens} tokens · {cost} · {p.attempts} attempt(s)"
            )
        if note is not None and note.update_of is not None:
            lines.append(f"updates {note.update_of.path}: {', '.join(note.update_of.fields)}")
        for warning in review_warnings(draft, self.ws.corpus):
            lines.append(click.style(f"warning: {warning}", fg="yellow"))
        return "\n".join(lines)

    def diff(self, draft: PendingDraft) -> str:
        """A coloured unified diff of the note now against the note after accepting (for a new
        note: against nothing)."""
        plan = plan_accept(draft, self.ws.corpus)
        before = plan.current_text or ""
        resolutions = {c.name: "draft" for c in plan.conflicts}
        after = plan.text(resolutions)
        name = str(plan.target.relative_to(self.ws.corpus.root))
        lines = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{name}" if plan.current_text is not None else "/dev/null", tofile=f"b/{name}",
        )  # fmt: skip
        return "".join(_colour(line) for line in lines)

    # -- deciding --------------------------------------------------------------------------------

    def accept(self, draft: PendingDraft, resolutions: dict[str, str] | None = None) -> str:
        """Write the note, record the decision, commit (per ``commit_mode``). Returns a one-line report."""
        plan = plan_accept(draft, self.ws.corpus)
        resolutions = dict(resolutions or {})
        if plan.conflicts and self.on_conflict in ("draft", "mine"):
            resolutions.update(
                {c.name: self.on_conflict for c in plan.conflicts if c.name not in resolutions}
            )
        if any(c.name not in resolutions for c in plan.conflicts):
            names = ", ".join(c.name for c in plan.conflicts)
            raise ConflictError(
                f"{draft.id}: {plan.target} changed since the draft was made, in the same field(s): {names};"
                " nothing was written (choose with --on-conflict draft|mine, or review it interactively)",
                plan.conflicts,
            )
        text = plan.text(resolutions)
        message = commit_message(draft)
        write_accepted(plan, text)
        note = draft.note
        assert note is not None
        key = note.update_of.journal_key if note.update_of else None
        self.decisions.record(note.id, "accepted", text, journal_key=key)
        self.accepted += 1
        return f"accepted {draft.id} → {plan.target}" + self._commit(plan, message)

    def _commit(self, plan: AcceptPlan, message: str) -> str:
        if self.repo is None:
            return ""
        if self.commit_mode == COMMIT_NONE:
            self.repo.stage([plan.target])
            return " (staged)"
        if self.commit_mode == COMMIT_ONE:
            self.deferred.append((plan.target, message.splitlines()[0]))
            return ""
        return f" (commit {self.repo.commit([plan.target], message)})"

    def finish(self) -> str | None:
        """With ``--one-commit``: one commit for everything accepted."""
        if self.repo is None or not self.deferred:
            return None
        paths = [path for path, _ in self.deferred]
        body = "\n".join(f"- {subject}" for _, subject in self.deferred)
        commit = self.repo.commit(paths, f"Accept {len(paths)} autonote draft(s)\n\n{body}")
        self.deferred.clear()
        return f"committed {len(paths)} note(s) as {commit}"

    def reject(self, draft: PendingDraft, reason: str) -> str:
        key = draft.note.update_of.journal_key if draft.note and draft.note.update_of else None
        kept = reject(draft, self.ws.corpus)
        self.decisions.record(
            draft.id, "rejected", draft.text, reason=reason, journal_key=key, kept_at=str(kept)
        )
        self.rejected += 1
        return f"rejected {draft.id} (kept in {kept})"


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)


def _colour(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    if line.startswith("+"):
        return click.style(line, fg="green")
    if line.startswith("-"):
        return click.style(line, fg="red")
    if line.startswith("@@"):
        return click.style(line, fg="cyan")
    return line
