"""One regen item from note to update-draft, the same for direct and Batch API runs.

``plan`` decides what an item needs (nothing, because the journal has it; a skip, with a reason; or
a request), ``job_for`` builds the same prompt, schema and checks as ``autonote draft`` (the note
itself hidden from its own candidates), and ``run`` drives the request through any async
``complete`` function, writes the draft atomically, then records the outcome in the journal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from autonote.corpus.suggest import suggest
from autonote.errors import AutonoteError, LLMError, LLMFatalError, LLMOutputInvalidError, NoteFormatError
from autonote.fsutil import write_text_atomic
from autonote.llm.cost import BATCH_DISCOUNT, estimate_cost
from autonote.llm.structured import ChatReply, ChatRequest, agenerate_structured
from autonote.pipeline import NoteJob, Workspace, finish_llm_note, prepare_llm_job
from autonote.regen.journal import DONE, SUBMITTED, Journal, item_key
from autonote.regen.select import Candidate
from autonote.regen.update import update_draft
from autonote.render import parse_note, render_note
from autonote.schema import Note, paper_from_note

Complete = Callable[[ChatRequest], Awaitable[ChatReply]]


@dataclass
class Planned:
    """A note that needs a request."""

    key: str
    note: Note
    text: str  # the note file as read (its hash goes into the update-draft)
    path: Path
    batch_reply: ChatReply | None = None  # the Batch API's answer to the first request, when there is one


@dataclass(frozen=True)
class Outcome:
    note_id: str
    status: str  # done | failed | skipped | already
    detail: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    paid: bool = True  # False when every answer came from the cache or an earlier batch


class RegenEngine:
    def __init__(
        self, ws: Workspace, fields: tuple[str, ...], *, force: bool = False, include_rejected: bool = False
    ) -> None:
        from autonote.note_prompt import prompt_version
        from autonote.review.decisions import Decisions

        self.ws, self.fields, self.force, self.include_rejected = ws, fields, force, include_rejected
        self.journal = Journal(ws.state)
        self.decisions = Decisions(ws.state)
        self.version = prompt_version()

    def plan(self, candidate: Candidate, *, record: bool = True) -> Planned | Outcome:
        """What the item needs. ``record`` False (a dry run) writes nothing to the journal."""
        corpus = self.ws.corpus
        path = corpus.paths.get(candidate.note_id)
        if path is None:
            return Outcome(candidate.note_id, "skipped", "the note is no longer in the corpus")
        try:
            text = path.read_text(encoding="utf-8")
            note = parse_note(text, str(path))
        except (OSError, UnicodeDecodeError, NoteFormatError) as exc:
            return Outcome(candidate.note_id, "skipped", f"unreadable note: {exc}")
        key = item_key(note, self.fields, self.ws.settings, self.version)
        if candidate.skip_reason:
            if record:
                self.journal.skipped(key, note.id, candidate.skip_reason)
            return Outcome(note.id, "skipped", candidate.skip_reason)
        item = self.journal.get(key)
        rejected = self.decisions.rejected(key)
        if rejected is not None and not self.include_rejected:
            return Outcome(
                note.id, "skipped", f"rejected in review ({rejected}); --include-rejected proposes it again"
            )
        if item is not None and item.status == DONE and rejected is None:
            return Outcome(note.id, "already", paid=False)
        draft = corpus.draft_path(note.id)
        if draft.exists() and not self.force:
            if self._is_our_draft(draft, key):
                if record:
                    self.journal.done(key, note.id, str(draft), prompt_tokens=0, completion_tokens=0,
                                  cost_usd=None, attempts=0)  # fmt: skip
                return Outcome(note.id, "already", paid=False)
            reason = f"a draft is pending review ({draft}); review it or use --force"
            return Outcome(note.id, "skipped", reason)
        reply = None
        if item is not None and item.status == SUBMITTED and item.batch_reply:
            reply = ChatReply(**item.batch_reply)
        return Planned(key, note, text, path, reply)

    @staticmethod
    def _is_our_draft(draft: Path, key: str) -> bool:
        """A draft this very item wrote (the run was killed before the journal heard of it)."""
        try:
            existing = parse_note(draft.read_text(encoding="utf-8"), str(draft))
        except (OSError, UnicodeDecodeError, NoteFormatError):
            return False
        return existing.update_of is not None and existing.update_of.journal_key == key

    def job_for(self, note: Note) -> NoteJob:
        settings = self.ws.settings
        paper = paper_from_note(note)
        suggestions = suggest(
            paper, self.ws.corpus, k_tags=settings.tag_candidates, k_related=settings.related_candidates,
            exclude_ids=(note.id,), semantic=self.ws.semantic,
        )  # fmt: skip
        base = note.model_copy(update={"warnings": []})
        return prepare_llm_job(base, paper, suggestions, self.ws, translate=False)

    async def run(
        self,
        planned: Planned,
        complete: Complete,
        remember: Callable[[ChatRequest, ChatReply], None] | None = None,
        job: NoteJob | None = None,
    ) -> Outcome:
        """Ask (through ``complete``; a batch answer is used for the first request), validate,
        re-ask within the bound, write the update-draft, record it. Failures are recorded, not raised;
        a draft that cannot be written raises (the run must stop)."""
        job = job or self.job_for(planned.note)
        first = planned.batch_reply

        async def ask(request: ChatRequest) -> ChatReply:
            nonlocal first
            if first is not None:
                reply, first = first, None
                return reply
            return await complete(request)

        note = planned.note
        try:
            result = await agenerate_structured(
                ask, job.build, job.output_model, job.check, remember=remember, **job.options(job.logger())
            )
        except LLMOutputInvalidError as exc:
            self.journal.failed(planned.key, note.id, str(exc))
            return Outcome(note.id, "failed", str(exc))
        except LLMFatalError:
            raise
        except LLMError as exc:
            self.journal.failed(planned.key, note.id, str(exc))
            return Outcome(note.id, "failed", str(exc))
        generated = finish_llm_note(job, result)
        relative = planned.path.relative_to(self.ws.corpus.root).as_posix()
        draft = update_draft(note, generated, self.fields, relative, planned.text, planned.key)
        target = self.ws.corpus.draft_path(note.id)
        # In a thread: the write ends with an fsync, which must not stall the other requests.
        await asyncio.to_thread(write_text_atomic, target, render_note(draft), overwrite=True)
        provenance = generated.provenance
        assert provenance is not None
        self.journal.done(
            planned.key, note.id, str(target), prompt_tokens=provenance.prompt_tokens,
            completion_tokens=provenance.completion_tokens, cost_usd=provenance.cost_usd,
            attempts=provenance.attempts,
        )  # fmt: skip
        paid = [(i, a) for i, a in enumerate(result.attempts) if not a.cached]
        settings = self.ws.settings
        override = (settings.price_input_per_mtok, settings.price_output_per_mtok)
        cost = 0.0
        for index, attempt in paid:
            price = (
                estimate_cost(settings.model, attempt.prompt_tokens, attempt.completion_tokens, override)
                or 0.0
            )
            cost += price * (BATCH_DISCOUNT if index == 0 and planned.batch_reply is not None else 1.0)
        return Outcome(
            note.id, "done",
            prompt_tokens=sum(a.prompt_tokens for _, a in paid),
            completion_tokens=sum(a.completion_tokens for _, a in paid),
            cost_usd=cost,
            paid=bool(paid),
        )  # fmt: skip


class RunStopped(AutonoteError):
    """A condition that stops the whole run (the corpus cannot be written); the journal is intact."""
