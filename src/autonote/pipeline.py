"""Draft one paper end to end: metadata → candidates → LLM (or offline) → Note → draft file.

This is the library behind ``autonote draft`` (and, for the LLM part, ``regen``): the CLI parses
arguments, builds an :class:`autonote.app.Workspace`, fetches papers through
:mod:`autonote.sources.registry` and calls :func:`draft_one`; tests and the bench do the same.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

from autonote.app import Workspace
from autonote.corpus.suggest import Suggestions, few_shot_examples, suggest
from autonote.corpus.view import Corpus
from autonote.errors import LLMOutputInvalidError, WriteRefusedError
from autonote.note_prompt import NotePrompt
from autonote.notes.links import link_to
from autonote.schema import Note, Paper, Provenance, RelatedNote
from autonote.sources.registry import note_id_for
from autonote.tag_merge import draft_tags
from autonote.tokens import TokenCounter
from autonote.validation import CheckResult

LEASE_WAIT = 600.0  # how long a draft waits for another process drafting the same paper


def candidate_tags(suggestions: Suggestions, corpus: Corpus, limit: int) -> list[str]:
    """Tags offered to the LLM: the suggester's ranking, topped up with the most used tags."""
    chosen = [t.tag for t in suggestions.tags][:limit]
    for tag, _ in corpus.tag_counts().most_common():
        if len(chosen) >= limit:
            break
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def ensure_draftable(note_id: str, ws: Workspace, force: bool, arxiv_id: str | None = None) -> None:
    """Refuse before any paid work if the paper is already a note or a pending draft."""
    if force or ws.settings.corpus is None:
        return
    existing = ws.corpus.paths.get(note_id)
    if existing is None and arxiv_id:
        same_paper = ws.corpus.ids_with_arxiv(arxiv_id)
        existing = ws.corpus.paths.get(same_paper[0]) if same_paper else None
    if existing is not None:
        raise WriteRefusedError(
            f"{note_id} is already in the corpus ({existing}); use --force to draft it again"
        )
    if ws.drafts.has_draft(note_id):
        draft = ws.drafts.draft_path(note_id)
        raise WriteRefusedError(f"a draft already exists: {draft} (review it, or use --force to replace it)")


class DraftedElsewhere(WriteRefusedError):
    """Another autonote process drafted this paper while this one waited for it: nothing to do."""

    exit_code = 0


def draft_one(
    paper: Paper, ws: Workspace, *, force: bool = False, translate: bool = False
) -> tuple[Note, Path | None]:
    """Draft one paper and save it (when there is a corpus): the note and where it was written.

    The paper is leased in the state database while it is drafted, so a second process asked for
    the same paper waits, then finds the draft made and pays nothing (:class:`DraftedElsewhere`)."""
    note_id = note_id_for(paper)
    if ws.settings.corpus is None:
        return draft_note(paper, ws, translate=translate), None
    from autonote.leases import Leases

    leases = Leases(ws.state)
    waited: list[object] = []

    def say_waiting(holder: object) -> None:
        waited.append(holder)
        ws.warn(f"{note_id}: another autonote process ({holder}) is drafting it; waiting")

    holder = leases.acquire(f"note:{note_id}", wait=LEASE_WAIT, on_wait=say_waiting)
    if holder is not None:
        raise WriteRefusedError(f"{note_id}: still being drafted by another autonote process ({holder})")
    try:
        if waited and not force and ws.drafts.has_draft(note_id):
            raise DraftedElsewhere(
                f"{note_id}: drafted meanwhile by another autonote process ({ws.drafts.draft_path(note_id)})"
            )
        ensure_draftable(note_id, ws, force, paper.arxiv_id)
        note = draft_note(paper, ws, translate=translate)
        return note, save_draft(note, ws, force=force)
    finally:
        leases.release(f"note:{note_id}")


def _related(ids: list[str], corpus: Corpus) -> list[RelatedNote]:
    notes = [note for note in (corpus.get(i) for i in ids) if note is not None]
    return [link_to(n) for n in notes]


def draft_note(paper: Paper, ws: Workspace, *, translate: bool = False, today: dt.date | None = None) -> Note:
    """Make the note for one paper (LLM when configured, offline otherwise). Writes nothing."""
    from autonote.note_prompt import prompt_version

    today = today or dt.date.today()
    corpus, settings = ws.corpus, ws.settings
    from autonote.sources.references import references_for

    suggestions = suggest(
        paper, corpus, k_tags=settings.tag_candidates, k_related=settings.related_candidates,
        references=references_for(paper, ws.sources()) if corpus.size else (),
    )  # fmt: skip
    note = Note(
        id=note_id_for(paper), kind=paper.kind, title=paper.title, authors=paper.authors, venue=paper.venue,
        published=paper.published, url=paper.url, arxiv_id=paper.arxiv_id, issue_date=today,
        abstract=paper.abstract,
    )  # fmt: skip
    if not settings.llm_configured:
        return _offline_note(note, paper, suggestions, ws, prompt_version())
    return _llm_note(note, paper, suggestions, ws, translate=translate)


def _offline_note(note: Note, paper: Paper, suggestions: Suggestions, ws: Workspace, version: str) -> Note:
    from autonote.offline import extractive_key_points, extractive_summary

    # Without an LLM to choose, keep the clearly supported candidates only.
    top = suggestions.tags[0].score if suggestions.tags else 0.0
    chosen = [t.tag for t in suggestions.tags if t.score >= max(0.35, 0.5 * top)][:6]
    best = suggestions.related[0].score if suggestions.related else 0.0
    related_ids = [r.note.id for r in suggestions.related if r.score >= 0.5 * best][:3]
    merged = draft_tags(chosen, [], paper.venue, ws.corpus.vocabulary)
    return note.model_copy(
        update={
            "tags": merged.tags,
            "new_tags": merged.new_tags,
            "summary": extractive_summary(paper),
            "key_points": extractive_key_points(paper),
            "related": _related(related_ids, ws.corpus),
            "warnings": [
                "offline draft: no LLM was called; summary and key points are extracts of the abstract"
            ],
            "provenance": Provenance(
                generator="offline", prompt_version=version, created=dt.datetime.now().replace(microsecond=0)
            ),
        }
    )


@dataclass
class NoteJob:
    """One prepared LLM request for a note: prompt, schema and checks, ready for any driver
    (blocking for ``draft``, async or Batch API for ``regen``)."""

    note: Note  # the note so far: metadata (a new draft) or the whole existing note (regen)
    paper: Paper
    tag_candidates: list[str]
    related_notes: list[Note]
    prompt: NotePrompt
    output_model: type
    translate: bool
    counter: TokenCounter
    schema_text: str
    ws: Workspace

    def build(self, mode: str) -> list[dict[str, str]]:
        from autonote.note_prompt import fit_to_budget

        in_prompt = None if mode == "json_schema" else self.schema_text
        return fit_to_budget(
            self.prompt, self.counter, self.ws.settings.max_prompt_tokens, schema_json=in_prompt
        )

    def check(self, output) -> CheckResult:
        from autonote.validation import check_output

        return check_output(
            output,
            self.paper,
            vocabulary=self.ws.corpus.vocabulary,
            tag_candidates=self.tag_candidates,
            related_candidates=[n.id for n in self.related_notes],
            translate=self.translate,
        )

    def options(self, on_attempt=None) -> dict:
        """Keyword arguments for ``structured_steps`` and its drivers."""
        settings = self.ws.settings
        return {
            "mode": settings.response_format,
            "max_reasks": settings.max_reasks,
            "count_tokens": self.counter.count_messages,
            "count_text": self.counter.count,
            "on_attempt": on_attempt,
            "formats": self.ws.chat.formats if settings.llm_configured else None,
        }

    def logger(self):
        """An ``on_attempt`` that writes each attempt to the generations log."""
        from autonote.generations import log_attempt
        from autonote.note_prompt import prompt_version

        settings, version, numbers = self.ws.settings, prompt_version(), itertools.count(1)
        note_id = self.note.id

        def log(attempt) -> None:
            log_attempt(self.ws.state, note_id=note_id, model=settings.model, prompt_version=version,
                        number=next(numbers), attempt=attempt)  # fmt: skip

        return log


def prepare_llm_job(
    note: Note, paper: Paper, suggestions: Suggestions, ws: Workspace, *, translate: bool
) -> NoteJob:
    from autonote.llm.structured import schema_for_prompt
    from autonote.note_prompt import NotePrompt
    from autonote.schema import llm_output_model

    settings = ws.settings
    tags = candidate_tags(suggestions, ws.corpus, settings.tag_candidates)
    related_notes = [r.note for r in suggestions.related]
    output_model = llm_output_model(tags, [n.id for n in related_notes], translate=translate)
    prompt = NotePrompt(
        paper=paper, tag_candidates=tags, related_candidates=related_notes,
        examples=few_shot_examples(suggestions, settings.few_shot), translate=translate,
    )  # fmt: skip
    return NoteJob(
        note=note, paper=paper, tag_candidates=tags, related_notes=related_notes, prompt=prompt,
        output_model=output_model, translate=translate, counter=ws.provider.token_counter(settings.model),
        schema_text=schema_for_prompt(output_model), ws=ws,
    )  # fmt: skip


def finish_llm_note(job: NoteJob, result) -> Note:
    """The note made from a validated LLM result: tags merged, provenance with tokens and cost."""
    from autonote.note_prompt import prompt_version

    settings, corpus, output = job.ws.settings, job.ws.corpus, result.output
    merged = draft_tags(list(output.tags), list(output.new_tags), job.paper.venue, corpus.vocabulary)
    cost = job.ws.cost_of(result.prompt_tokens, result.completion_tokens, result.cached_prompt_tokens)
    warnings = [*job.prompt.trimmed, *result.warnings]
    if merged.new_tags:
        warnings.append("new tags (not in the vocabulary): " + ", ".join(f"#{t}" for t in merged.new_tags))
    return job.note.model_copy(
        update={
            "tags": merged.tags,
            "new_tags": merged.new_tags,
            "summary": " ".join(output.summary.split()),
            "key_points": [" ".join(p.split()) for p in output.key_points if p.strip()],
            "translation": " ".join(output.translation.split()) if job.translate else job.note.translation,
            "related": _related(list(dict.fromkeys(output.related_ids)), corpus),
            "warnings": warnings,
            "provenance": Provenance(
                generator="llm",
                model=settings.model,
                prompt_version=prompt_version(),
                response_format=result.rung or result.mode,
                attempts=len(result.attempts),
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                cached_prompt_tokens=result.cached_prompt_tokens,
                cost_usd=cost,
                tokens_exact=job.counter.exact_if_used,
                cached=all(a.cached for a in result.attempts),
                created=dt.datetime.now().replace(microsecond=0),
            ),
        }
    )


def _llm_note(note: Note, paper: Paper, suggestions: Suggestions, ws: Workspace, *, translate: bool) -> Note:
    from autonote.llm.structured import generate_structured

    job = prepare_llm_job(note, paper, suggestions, ws, translate=translate)
    result = generate_structured(ws.chat, job.build, job.output_model, job.check, **job.options(job.logger()))
    return finish_llm_note(job, result)


def save_draft(note: Note, ws: Workspace, *, force: bool = False) -> Path:
    """Write the note to ``<corpus>/drafts/<id>.md`` atomically; never replaces one without force."""
    from autonote.notes.format import render_note

    return ws.drafts.save_draft(note.id, render_note(note), replace=force)


def keep_failed_output(note_id: str, error: LLMOutputInvalidError, ws: Workspace) -> Path | None:
    """Keep every attempt's raw output next to where the draft would have been."""
    if ws.settings.corpus is None:
        return None
    record = {"note_id": note_id, "error": str(error), "attempts": error.attempts}
    return ws.drafts.keep_failed_output(note_id, record)
