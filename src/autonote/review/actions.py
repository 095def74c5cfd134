"""What every review front end does (the scriptable subcommands and the interactive loop alike):
show, diff, accept (write, record, commit), reject (keep, record), with git checked first."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

import click

from autonote.app import Workspace
from autonote.corpus.lint import CorpusFacts, Problem, corpus_facts
from autonote.errors import AutonoteError
from autonote.review.apply import (
    AcceptPlan,
    ConflictError,
    commit_message,
    plan_accept,
    undo_accepted,
    write_accepted,
)
from autonote.review.decisions import Decisions
from autonote.review.drafts import PendingDraft, errors_of, review_findings, warnings_of
from autonote.review.git import GitError, Repo

COMMIT_EACH, COMMIT_ONE, COMMIT_NONE = "each", "one", "none"


class DraftHasErrorsError(AutonoteError):
    """The draft has error-level findings (what ``autonote lint`` would fail); nothing was written."""

    def __init__(self, draft: PendingDraft, errors: list[Problem]) -> None:
        lines = "\n".join(str(p) for p in errors)
        super().__init__(
            f"{draft.id}: not accepted, {len(errors)} error(s) (fix with `autonote review edit {draft.id}`,"
            f" or accept anyway with --force):\n{lines}"
        )
        self.errors = errors


@dataclass
class _Written:
    """A note written by an accept whose commit has not happened yet (``--one-commit``)."""

    draft: PendingDraft
    plan: AcceptPlan
    stored: Any  # StoredNote
    index_entry: tuple[str, str] | None
    subject: str


@dataclass
class Reviewer:
    """Accepting is a transaction: preflight, write, commit, then drop the draft and record the
    decision. If the commit fails, the note file and the git index are put back, the draft stays,
    nothing is recorded, and the error names the cause."""

    ws: Workspace
    commit_mode: str = COMMIT_EACH
    on_conflict: str = "fail"  # fail | draft | mine
    include_my_edits: bool = False
    force: bool = False  # accept a draft with error-level findings
    repo: Repo | None = None
    deferred: list[_Written] = field(default_factory=list)  # for --one-commit
    accepted: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        self.store = self.ws.store
        self.drafts = self.ws.drafts
        self.repo = Repo.find(self.store.root)
        self.decisions = Decisions(self.ws.state)
        self._facts: CorpusFacts | None = None

    def findings(self, draft: PendingDraft) -> list[Problem]:
        """The draft's findings: the ones ``autonote lint`` has on it, and the reviewer's hints."""
        if self._facts is None:
            self._facts = corpus_facts(self.ws.corpus, self.ws.settings.tags)
        return review_findings(draft, self._facts)

    def preflight(self) -> None:
        """Before anything is written: a detached HEAD, an unresolved conflict, or a merge, rebase,
        cherry-pick or revert in progress stops the review (with --no-commit too: staging into a
        rebase would fold the note into the user's own commit)."""
        if self.repo is not None:
            self.repo.check_writable()

    # -- showing ---------------------------------------------------------------------------------

    def summary(self, draft: PendingDraft) -> dict[str, Any]:
        found = self.findings(draft)
        return {
            "id": draft.id,
            "kind": draft.kind,
            "title": draft.title,
            "path": str(draft.path),
            "errors": [p.message for p in errors_of(found)],
            "warnings": [p.message for p in warnings_of(found)],
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
        for problem in self.findings(draft):
            colour = "red" if problem.severity == "error" else "yellow"
            lines.append(click.style(f"{problem.severity}: {problem.message} [{problem.code}]", fg=colour))
        return "\n".join(lines)

    def diff(self, draft: PendingDraft) -> str:
        """A coloured unified diff of the note now against the note after accepting (for a new
        note: against nothing)."""
        plan = plan_accept(draft, self.store)
        before = plan.current_text or ""
        resolutions = {c.name: "draft" for c in plan.conflicts}
        after = plan.text(resolutions)
        lines = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{plan.relpath}" if plan.current is not None else "/dev/null", tofile=f"b/{plan.relpath}",
        )  # fmt: skip
        return "".join(_colour(line) for line in lines)

    # -- deciding --------------------------------------------------------------------------------

    def accept(self, draft: PendingDraft, resolutions: dict[str, str] | None = None) -> str:
        """Write the note, commit it (per ``commit_mode``), then drop the draft and record the
        decision. Returns a one-line report. A draft with error-level findings is refused (each
        named) unless ``force``."""
        plan = plan_accept(draft, self.store)  # (refuses first what can never be accepted)
        errors = errors_of(self.findings(draft))
        if errors and not self.force:
            raise DraftHasErrorsError(draft, errors)
        resolutions = dict(resolutions or {})
        if plan.conflicts and self.on_conflict in ("draft", "mine"):
            resolutions.update(
                {c.name: self.on_conflict for c in plan.conflicts if c.name not in resolutions}
            )
        if any(c.name not in resolutions for c in plan.conflicts):
            names = ", ".join(c.name for c in plan.conflicts)
            raise ConflictError(
                f"{draft.id}: {plan.relpath} changed since the draft was made, in the same field(s): {names};"
                " nothing was written (choose with --on-conflict draft|mine, or review it interactively)",
                plan.conflicts,
            )
        text = plan.text(resolutions)
        target = self.store.root / plan.relpath
        if plan.current is not None and text == plan.current.text:
            # The note already says what the draft proposes: there is nothing to write or
            # commit, and the draft must not stay pending for ever.
            self._settle(_Written(draft, plan, plan.current, None, ""))
            return f"accepted {draft.id}: unchanged ({target} already says this; nothing to commit), draft dropped"
        message = commit_message(draft)
        entry = None
        if self.repo is not None:
            self.preflight()
            if plan.current is not None and self.repo.has_changes(target) and not self.include_my_edits:
                raise GitError(
                    f"{draft.id}: {plan.relpath} has changes of yours that are not committed; commit them"
                    " first, or accept with --include-my-edits to commit them with the note (nothing was written)"
                )
            entry = self.repo.index_entry(target)
        stored = write_accepted(plan, text, self.store)
        written = _Written(draft, plan, stored, entry, message.splitlines()[0])
        if self.repo is not None and self.commit_mode == COMMIT_ONE:
            self.deferred.append(written)
            return f"accepted {draft.id} → {target} (committed with the others at the end)"
        try:
            done = self._commit(written, message)
        except GitError as exc:
            self._undo(written)
            raise GitError(f"{draft.id}: {exc}; the note was put back and the draft kept") from None
        self._settle(written)
        return f"accepted {draft.id} → {target}" + done

    def _commit(self, written: _Written, message: str) -> str:
        if self.repo is None:
            return ""
        target = self.store.resolve(written.plan.relpath)
        if self.commit_mode == COMMIT_NONE:
            self.repo.stage([target])
            return " (staged)"
        return f" (commit {self.repo.commit([target], message)})"

    def _undo(self, written: _Written) -> None:
        undo_accepted(written.plan, written.stored, self.store)
        if self.repo is not None:
            self.repo.restore_index(self.store.resolve(written.plan.relpath), written.index_entry)

    def _settle(self, written: _Written) -> None:
        """The note is in the corpus (and committed): drop the draft, record the decision."""
        note = written.draft.note
        assert note is not None
        self.drafts.remove_draft(written.draft.id)
        key = note.update_of.journal_key if note.update_of else None
        self.decisions.record(note.id, "accepted", written.stored.text, journal_key=key)
        self.accepted += 1

    def finish(self) -> str | None:
        """With ``--one-commit``: one commit for everything accepted; if it fails, every note is
        put back and every draft kept."""
        if self.repo is None or not self.deferred:
            return None
        pending, self.deferred = self.deferred, []
        paths = [self.store.resolve(w.plan.relpath) for w in pending]
        body = "\n".join(f"- {w.subject}" for w in pending)
        try:
            commit = self.repo.commit(paths, f"Accept {len(paths)} autonote draft(s)\n\n{body}")
        except GitError as exc:
            for written in reversed(pending):
                self._undo(written)
            raise GitError(f"{exc}; the {len(pending)} note(s) were put back and their drafts kept") from None
        for written in pending:
            self._settle(written)
        return f"committed {len(paths)} note(s) as {commit}"

    def reject(self, draft: PendingDraft, reason: str) -> str:
        key = draft.note.update_of.journal_key if draft.note and draft.note.update_of else None
        kept = self.drafts.keep_rejected(draft.id, draft.text)
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
