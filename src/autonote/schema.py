"""The data contract: what a paper is, what a note is, and what the LLM must return.

``Note`` is what everything after the LLM works with (render, drafts, review). ``LLMNoteOutput`` is
built per request by :func:`llm_output_model`, so that the tags and related-note ids the server may
choose are enums of the candidates known before the call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from autonote.titleline import format_title_line

NoteKind = Literal["paper", "blog", "oss"]  # the study-group pages' [論文], [blog], [oss]


class Paper(BaseModel):
    """Metadata of one paper, from arXiv or from a local abstract."""

    model_config = ConfigDict(frozen=True)

    source: str  # the source that fetched it: "arxiv", "local", ...
    kind: NoteKind = "paper"
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str
    url: str | None = None
    arxiv_id: str | None = None  # without version, e.g. "2504.07086" or "cs/0112017"
    version: int | None = None
    published: dt.date | None = None  # first version
    updated: dt.date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    categories: list[str] = Field(default_factory=list)
    venue: str = ""  # corpus label, e.g. "COLM'25", "ACL'23 Findings", "arXiv'25"

    @property
    def title_line(self) -> str:
        return format_title_line(self.title, self.authors, self.venue, self.published, self.kind)


class RelatedNote(BaseModel):
    """A link to another note of the corpus, shown by its title line."""

    id: str
    title_line: str
    url: str | None = None


class Provenance(BaseModel):
    """How a note's generated parts were made."""

    generator: Literal["llm", "offline"]
    model: str | None = None
    prompt_version: str
    response_format: str | None = None
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # of prompt_tokens, served from the provider's prompt cache
    cost_usd: float | None = None
    tokens_exact: bool = True  # False when tiktoken was unavailable and counts are estimates
    cached: bool = False  # every attempt was answered from the response cache: nothing was paid
    created: dt.datetime


class IssueLayout(BaseModel):
    """An imported issue's own title and body, where the note's fields render them differently
    (see :mod:`autonote.notes.issue_format`): each kept with a hash of what the fields rendered then."""

    title: str | None = None
    title_of: str | None = None
    body: str | None = None
    body_of: str | None = None


class Origin(BaseModel):
    """Where an imported note came from, so that links between notes survive the import.

    The field names are those notes already carry in their front matter (so every note on disk
    stays readable); they are not GitHub's alone: ``issue`` is the other store's number for the
    note, ``url`` its address there, ``body_sha256`` the revision of its text there
    (:func:`autonote.notes.store.revision_of`; also readable as :attr:`revision`), ``labels`` its
    tags there."""

    # what made the note: "paper-notes-xml" and "github-issues" (the exports), "github" (pull and
    # push); a new backend names itself here without a change to this model
    importer: str = Field(min_length=1)
    issue: int | None = None  # the source issue number (the corpus lives as GitHub issues today)
    url: str | None = None  # the source issue's link
    entry_hash: str  # hash of the source entry as imported; a re-import compares against it
    layout: IssueLayout | None = None
    # `autonote github pull/push` only: the issue body (sha256) and labels as autonote last saw them
    # on GitHub. A push updates the body only while GitHub still has that body, and adds only tags
    # the note gained since (a label the owner removed on GitHub is not put back).
    body_sha256: str | None = None
    labels: list[str] | None = None

    @property
    def revision(self) -> str | None:
        """The revision of the note's text in the other store when autonote last saw it."""
        return self.body_sha256


RegenField = Literal["summary", "keypoints", "tags"]


class UpdateOf(BaseModel):
    """What makes a draft an update-draft: regenerated fields for a note already in the corpus."""

    path: str  # the note's file, relative to the corpus root
    base_sha256: str  # that file when the draft was made: a note edited since is not overwritten
    fields: list[RegenField]
    journal_key: str | None = None  # the regen journal item that made it (see regen/journal.py)
    # The note's values of the regenerated fields when the draft was made ("summary", "key_points",
    # "tags"): accepting compares them with the note now, to tell an owner's edit from no change.
    base: dict[str, Any] = Field(default_factory=dict)


class Note(BaseModel):
    """One paper note, as written to markdown and parsed back."""

    id: str
    kind: NoteKind = "paper"
    title: str
    authors: list[str] = Field(default_factory=list)
    venue: str = ""
    published: dt.date | None = None
    url: str | None = None
    arxiv_id: str | None = None
    issue_date: dt.date
    tags: list[str] = Field(default_factory=list)
    new_tags: list[str] = Field(default_factory=list)  # tags outside the vocabulary, flagged
    summary: str = ""
    key_points: list[str] = Field(default_factory=list)
    translation: str | None = None
    translation_by: str | None = None  # model named in "## Translation (by …)" when not the provenance model
    abstract: str = ""
    related: list[RelatedNote] = Field(default_factory=list)
    comment: str = ""
    warnings: list[str] = Field(default_factory=list)
    provenance: Provenance | None = None
    origin: Origin | None = None
    update_of: UpdateOf | None = None  # set on update-drafts made by `autonote regen`
    added_by: str | None = None  # who added the note (a study-group member): @NAME in `autonote digest`

    @property
    def title_line(self) -> str:
        return format_title_line(self.title, self.authors, self.venue, self.published, self.kind)

    @property
    def link(self) -> str | None:
        """Where the note itself lives for a reader: its source issue when imported, else the paper."""
        return (self.origin.url if self.origin and self.origin.url else None) or self.url


def paper_from_note(note: Note) -> Paper:
    """The paper behind a note, as a new draft of it would know it: metadata and abstract, nothing
    the owner wrote (used by leave-one-out evaluation and by regen)."""
    return Paper(
        source="arxiv" if note.arxiv_id else "local",
        kind=note.kind,
        title=note.title,
        authors=note.authors,
        abstract=note.abstract,
        url=note.url,
        arxiv_id=note.arxiv_id,
        published=note.published,
        venue=note.venue,
    )


def _without_titles(schema: dict[str, Any]) -> None:
    """Field titles ("Key Points") repeat the names; every token of the schema is paid per request."""
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


class LLMNoteOutput(BaseModel):
    """The shape of the LLM's answer. Subclassed per request with enum-constrained fields
    (and a ``translation`` field when one is asked for). What each field means, and the numbers
    of :mod:`autonote.rules`, are said once, in the system prompt; the schema carries only the
    shape and the allowed values."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_titles)

    summary: str
    key_points: list[str]
    tags: list[str]
    new_tags: list[str]
    related_ids: list[str]


def llm_output_model(
    tag_candidates: list[str], related_ids: list[str], *, translate: bool
) -> type[LLMNoteOutput]:
    """Build the response model sent as JSON schema: tags and related ids are enums of candidates.

    An empty candidate list becomes a list that must stay empty (``max_length=0``), since an empty
    enum is not valid JSON schema.
    """

    def choice_list(options: list[str]) -> tuple[object, object]:
        if not options:
            return (list[str], Field(max_length=0))
        return (list[Literal[tuple(options)]], ...)  # type: ignore[misc]

    fields: dict[str, tuple[object, object]] = {
        "summary": (str, ...),
        "key_points": (list[str], ...),
        "tags": choice_list(tag_candidates),
        "new_tags": (list[str], ...),
        "related_ids": choice_list(related_ids),
    }
    if translate:
        fields["translation"] = (str, ...)
    return create_model("NoteOutput", __base__=LLMNoteOutput, **fields)  # type: ignore[call-overload]
