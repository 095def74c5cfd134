"""Draft one paper end to end: input → metadata → candidates → LLM (or offline) → Note → draft file.

This is the library behind ``autonote draft`` (and, later, ``regen``): the CLI parses arguments,
builds a :class:`Workspace` and calls :func:`draft_note` / :func:`save_draft`; tests do the same.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TextIO

from autonote.config import Settings, user_config_dir
from autonote.corpus.store import Corpus, load_corpus, note_id_for
from autonote.corpus.suggest import Suggestions, few_shot_examples, suggest
from autonote.errors import LLMOutputInvalidError, UsageError, WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.note_prompt import NotePrompt
from autonote.schema import Note, Paper, Provenance, RelatedNote
from autonote.sources.arxiv_ids import ArxivId, arxiv_id_from_url, looks_like_url, parse_arxiv_id
from autonote.state import StateDB, state_dir
from autonote.tokens import TokenCounter
from autonote.validation import CheckResult


@dataclass(frozen=True)
class InputSpec:
    """One thing the user asked to draft: an arXiv id, or a local abstract (file or stdin)."""

    raw: str
    arxiv_id: ArxivId | None = None
    path: Path | None = None

    @property
    def is_stdin(self) -> bool:
        return self.raw == "-"


def parse_input(raw: str) -> InputSpec:
    """Classify a command-line input; anything unrecognisable is a UsageError naming it."""
    text = raw.strip()
    if text == "-":
        return InputSpec(raw="-")
    if looks_like_url(text):
        found = arxiv_id_from_url(text)
        if found is None:
            raise UsageError(f"{raw!r}: not an arXiv, alphaxiv or Hugging Face papers URL with an arXiv id")
        return InputSpec(raw=raw, arxiv_id=found)
    found = parse_arxiv_id(text)
    if found is not None:
        return InputSpec(raw=raw, arxiv_id=found)
    path = Path(text).expanduser()
    if path.is_file():
        return InputSpec(raw=raw, path=path)
    if path.exists():
        raise UsageError(f"{raw!r}: not a file")
    raise UsageError(
        f"{raw!r}: not an arXiv id (e.g. 2504.07086, cs/0112017), a paper URL, or an existing file"
    )


@dataclass
class Workspace:
    """Settings plus the resources built from them, each made on first use."""

    settings: Settings
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    @cached_property
    def state(self) -> StateDB:
        return StateDB(state_dir(self.settings.corpus, user_config_dir()))

    @cached_property
    def corpus(self) -> Corpus:
        if self.settings.corpus is None:
            return Corpus(root=Path("."), extra_vocabulary=list(self.settings.tags))
        if self.settings.corpus.exists() and not self.settings.corpus.is_dir():
            raise UsageError(f"corpus {self.settings.corpus} is not a folder")
        corpus = load_corpus(self.settings.corpus, self.settings.tags)
        if corpus.index is not None and not corpus.index.persistent:
            self.warn(
                f"cannot write {self.settings.corpus / '.autonote'}; the index is rebuilt in memory each run"
            )
        for problem in corpus.problems[:5]:
            self.warn(f"skipped note: {problem}")
        if len(corpus.problems) > 5:
            self.warn(f"skipped {len(corpus.problems) - 5} more unreadable notes")
        return corpus

    @cached_property
    def arxiv(self):  # -> ArxivClient (imported lazily with feedparser)
        from autonote.sources.arxiv import ArxivClient

        s = self.settings
        return ArxivClient(
            s.arxiv_api_url, self.state, min_interval=s.arxiv_min_interval,
            timeout=s.arxiv_timeout, retries=s.arxiv_retries,
        )  # fmt: skip

    @cached_property
    def chat(self):  # -> ChatClient
        from autonote.llm.cache import ResponseCache
        from autonote.llm.client import ChatClient

        s = self.settings
        return ChatClient(
            model=s.model,
            api_key=s.api_key.get_secret_value() if s.api_key else None,
            base_url=s.base_url,
            timeout=s.llm_timeout,
            max_retries=s.llm_max_retries,
            temperature=s.temperature,
            max_completion_tokens=s.max_completion_tokens,
            cache=ResponseCache(self.state) if s.corpus is not None and s.llm_cache else None,
        )

    @cached_property
    def semantic(self):  # -> SemanticIndex | None
        """Embedding search when ``embeddings`` is on and a server is configured."""
        if not self.settings.embeddings or self.settings.corpus is None:
            return None
        if not self.settings.llm_configured:
            raise UsageError("embeddings need an LLM server: set OPENAI_API_KEY or OPENAI_BASE_URL")
        from autonote.corpus.embeddings import SemanticIndex

        return SemanticIndex(self.state, self.chat, self.settings.embedding_model)

    def warn(self, message: str) -> None:
        print(f"autonote: warning: {message}", file=self.stderr)


def collect_papers(
    specs: list[InputSpec],
    ws: Workspace,
    *,
    title: str | None = None,
    authors: str | None = None,
    url: str | None = None,
    stdin: TextIO | None = None,
    refresh: bool = False,
) -> list[Paper]:
    """Papers for the inputs, in order; all arXiv ids go to arXiv in as few requests as possible."""
    from autonote.sources.local import read_abstract_file, read_abstract_stream

    local_meta = {"title": title, "authors": authors, "url": url}
    arxiv_ids = [s.arxiv_id for s in specs if s.arxiv_id is not None]
    fetched = ws.arxiv.fetch(arxiv_ids, refresh=refresh) if arxiv_ids else {}
    papers = []
    for spec in specs:
        if spec.arxiv_id is not None:
            papers.append(fetched[str(spec.arxiv_id)])
        elif spec.is_stdin:
            papers.append(read_abstract_stream(stdin or sys.stdin, **local_meta))
        else:
            assert spec.path is not None
            papers.append(read_abstract_file(spec.path, **local_meta))
    return papers


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
    draft = ws.corpus.draft_path(note_id)
    if draft.exists():
        raise WriteRefusedError(f"a draft already exists: {draft} (review it, or use --force to replace it)")


def _related(ids: list[str], corpus: Corpus) -> list[RelatedNote]:
    notes = [note for note in (corpus.get(i) for i in ids) if note is not None]
    return [RelatedNote(id=n.id, title_line=n.title_line, url=n.link) for n in notes]


def _merge_tags(
    chosen: list[str], new: list[str], paper: Paper, corpus: Corpus
) -> tuple[list[str], list[str]]:
    """Final tags and the subset flagged as new (outside the vocabulary). The venue tag is added
    when the corpus uses it, since the owner tags every paper with its venue."""
    vocabulary = corpus.vocabulary
    tags = list(dict.fromkeys([*chosen, *new]))
    venue = paper.venue.split("'")[0] if paper.venue else ""
    if venue in vocabulary and venue not in tags:
        tags.append(venue)
    return tags, [t for t in tags if t not in vocabulary]


def draft_note(paper: Paper, ws: Workspace, *, translate: bool = False, today: dt.date | None = None) -> Note:
    """Make the note for one paper (LLM when configured, offline otherwise). Writes nothing."""
    from autonote.note_prompt import prompt_version

    today = today or dt.date.today()
    corpus, settings = ws.corpus, ws.settings
    suggestions = suggest(
        paper, corpus, k_tags=settings.tag_candidates, k_related=settings.related_candidates
    )
    note = Note(
        id=note_id_for(paper), title=paper.title, authors=paper.authors, venue=paper.venue,
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
    tags, new_tags = _merge_tags(chosen, [], paper, ws.corpus)
    return note.model_copy(
        update={
            "tags": tags,
            "new_tags": new_tags,
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
        }

    def logger(self):
        """An ``on_attempt`` that writes each attempt to the generations log."""
        from autonote.note_prompt import prompt_version

        settings, version, numbers = self.ws.settings, prompt_version(), itertools.count(1)
        note_id = self.note.id

        def log(attempt) -> None:
            self.ws.state.conn.execute(
                "INSERT INTO generations(created, note_id, model, prompt_version, messages_hash, response_format,"
                " attempt, raw_output, errors_json, prompt_tokens, completion_tokens, duration_s, ok, cached)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), note_id, settings.model, version, attempt.messages_hash, attempt.mode,
                 next(numbers), attempt.raw, json.dumps(attempt.errors, ensure_ascii=False),
                 attempt.prompt_tokens, attempt.completion_tokens, attempt.duration_s,
                 int(not attempt.errors), int(attempt.cached)),
            )  # fmt: skip

        return log


def prepare_llm_job(
    note: Note, paper: Paper, suggestions: Suggestions, ws: Workspace, *, translate: bool
) -> NoteJob:
    from autonote.llm.structured import schema_for_prompt
    from autonote.note_prompt import NotePrompt
    from autonote.schema import llm_output_model
    from autonote.tokens import counter_for

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
        output_model=output_model, translate=translate, counter=counter_for(settings.model),
        schema_text=schema_for_prompt(output_model), ws=ws,
    )  # fmt: skip


def finish_llm_note(job: NoteJob, result) -> Note:
    """The note made from a validated LLM result: tags merged, provenance with tokens and cost."""
    from autonote.llm.cost import estimate_cost
    from autonote.note_prompt import prompt_version

    settings, corpus, output = job.ws.settings, job.ws.corpus, result.output
    final_tags, new_tags = _merge_tags(list(output.tags), list(output.new_tags), job.paper, corpus)
    cost = estimate_cost(
        settings.model, result.prompt_tokens, result.completion_tokens,
        (settings.price_input_per_mtok, settings.price_output_per_mtok),
    )  # fmt: skip
    warnings = [*job.prompt.trimmed, *result.warnings]
    if new_tags:
        warnings.append("new tags (not in the vocabulary): " + ", ".join(f"#{t}" for t in new_tags))
    return job.note.model_copy(
        update={
            "tags": final_tags,
            "new_tags": new_tags,
            "summary": " ".join(output.summary.split()),
            "key_points": [" ".join(p.split()) for p in output.key_points if p.strip()],
            "translation": " ".join(output.translation.split()) if job.translate else job.note.translation,
            "related": _related(list(dict.fromkeys(output.related_ids)), corpus),
            "warnings": warnings,
            "provenance": Provenance(
                generator="llm",
                model=settings.model,
                prompt_version=prompt_version(),
                response_format=result.mode,
                attempts=len(result.attempts),
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                cost_usd=cost,
                tokens_exact=job.counter.exact,
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
    from autonote.render import render_note

    path = ws.corpus.draft_path(note.id)
    write_text_atomic(path, render_note(note), overwrite=force)
    return path


def keep_failed_output(note_id: str, error: LLMOutputInvalidError, ws: Workspace) -> Path | None:
    """Keep every attempt's raw output next to where the draft would have been."""
    if ws.settings.corpus is None:
        return None
    path = ws.corpus.draft_path(note_id).with_suffix(".failed.json")
    record = {"note_id": note_id, "error": str(error), "attempts": error.attempts}
    write_text_atomic(path, json.dumps(record, ensure_ascii=False, indent=2), overwrite=True)
    return path
