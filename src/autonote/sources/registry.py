"""Which source takes an input, and fetching the papers for many inputs at once.

Sources are tried in the order of :data:`SOURCE_MODULES` (the URL and id sources first, local
files last); each module defines one class with the :class:`autonote.sources.base.Source` shape.
A new source is one new module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from functools import cache

from autonote.errors import AutonoteError, UsageError
from autonote.notes.ids import check_note_id, local_note_id
from autonote.schema import Paper
from autonote.sources.arxiv_ids import looks_like_url
from autonote.sources.base import PaperRef, Source, SourceContext
from autonote.sources.http import shown_url

# (module under autonote.sources, or a full module name, class name), in the order inputs are
# offered to them. A source that talks to a service with a package of its own lives there (the
# GitHub repository source is github/'s), named here by its full name.
SOURCE_MODULES: tuple[tuple[str, str], ...] = (
    ("arxiv", "ArxivSource"),
    ("openreview", "OpenReviewSource"),
    ("acl", "AclAnthologySource"),
    ("autonote.github.repo_source", "GitHubRepoSource"),
    ("web", "WebSource"),  # after every source of a particular site: it takes any other http(s) URL
    ("local", "LocalSource"),
)
MAX_INPUT_CHARS = 2048


@cache
def _source_type(module: str, name: str) -> type[Source]:
    return getattr(importlib.import_module(module if "." in module else f"autonote.sources.{module}"), name)


def source_types() -> Iterator[type[Source]]:
    """The source classes in order, each module imported only when the loop reaches it: an arXiv
    id is recognised, and its paper fetched, without importing the web, GitHub or local sources."""
    return (_source_type(module, name) for module, name in SOURCE_MODULES)


def note_id_for(paper: Paper) -> str:
    """The id a new draft of ``paper`` gets: the one the source that fetched it mints; a paper no
    source names (an unknown source, or one without what its id is made from) is named by its text."""
    minted = next((s.note_id(paper) for s in source_types() if s.name == paper.source), None)
    return check_note_id(minted) if minted else local_note_id(paper.title, paper.abstract)


def parse_input(raw: str) -> PaperRef:
    """The source and key for one command-line input; a UsageError naming it otherwise."""
    text = raw.strip()
    quoted = shown_url(text) if looks_like_url(text) else raw  # never a URL's query or credentials
    shown = repr(quoted) if len(quoted) <= 80 else repr(quoted[:77] + "...")
    if not text:
        raise UsageError("an empty input is not a paper")
    if len(text) > MAX_INPUT_CHARS or "\x00" in text:
        raise UsageError(f"{shown}: not a paper id, URL or file name")
    for source in source_types():
        found = source.recognise(raw)
        if found is not None:
            return found
    supported = "; ".join(source.supports for source in source_types())
    if looks_like_url(text):
        raise UsageError(f"{shown}: not a supported URL (supported: {supported})")
    raise UsageError(
        f"{shown}: not an arXiv id (e.g. 2504.07086, cs/0112017), a paper URL, or an existing file"
    )


def fetch_papers(refs: Sequence[PaperRef], context: SourceContext) -> list[Paper | AutonoteError]:
    """Papers for the refs, in order; each source gets all of its refs at once (arXiv answers
    many ids in one request). A ref whose paper cannot be had gets the error saying why."""
    by_source: dict[str, list[PaperRef]] = {}
    for ref in refs:
        by_source.setdefault(ref.source, []).append(ref)
    fetched: dict[tuple[str, str], Paper | AutonoteError] = {}
    for source_type in source_types():
        if not by_source:
            break
        wanted = by_source.pop(source_type.name, None)
        if not wanted:
            continue
        answers = source_type(context).fetch(wanted)
        for ref in wanted:
            answer = answers.get(ref.key)
            fetched[(ref.source, ref.key)] = (
                answer if answer is not None else UsageError(f"{ref.raw!r}: nothing fetched")
            )
    return _without_url_secrets([fetched[(ref.source, ref.key)] for ref in refs], context)


def _without_url_secrets(
    answers: list[Paper | AutonoteError], context: SourceContext
) -> list[Paper | AutonoteError]:
    """The papers with URLs fit to keep in a note (:func:`autonote.secrets.strip_url_secrets`: no
    credentials, no token-like query values), saying once when one was cleaned."""
    from autonote.secrets import strip_url_secrets

    cleaned: list[Paper | AutonoteError] = []
    said = False
    for answer in answers:
        if isinstance(answer, Paper) and answer.url:
            url, removed = strip_url_secrets(answer.url)
            if removed:
                answer = answer.model_copy(update={"url": url})
                if not said and context.warn is not None:
                    context.warn(
                        f"{shown_url(url)}: the credentials and token-like query values of the URL are"
                        " left out of the note"
                    )
                said = True
        cleaned.append(answer)
    return cleaned
