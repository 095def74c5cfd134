"""A GitHub repository as a source (kind ``oss``): its name, owner, description and the lead of its
README, through the GitHub API (``GITHUB_API_URL``, the same connection as ``autonote github``),
cached in the state database (``source_cache``) like the other sources.

The corpus writes a repository's title line as ``<name>, <owner>, <yyyy>.<mm>``
(``simple-paged-attention, torotoki, 2025.06``; an organisation goes by its display name:
``LongCat-Video …, Meituan LongCat Team, 2025.10``), the date being when the repository was made.
Repository pages are taken (``/tree/…``, ``/blob/…``, ``#readme``); a PDF in a repository is a
paper, and issues, pull requests and other pages are not a repository's description, so those are
left to other sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autonote.errors import AutonoteError, PaperNotFoundError, SourceUnavailableError
from autonote.notes.ids import is_note_id
from autonote.schema import Paper
from autonote.sources.base import Fetched, PaperRef, SourceContext
from autonote.sources.cache import SourceCache
from autonote.textnorm import normalize_ws

_REPO_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/"
    r"(?P<name>[A-Za-z0-9._-]{1,100}?)(?:\.git)?(?P<rest>/(?:tree|blob)/[^?#\s]*)?/?(?:[?#][^\s]*)?$",
    re.I,
)
# First path segments of github.com that are GitHub's own pages, not owners.
_NOT_OWNERS = frozenset(
    [
        "about",
        "apps",
        "codespaces",
        "collections",
        "customer-stories",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "new",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "search",
        "security",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    ]
)
LEAD_MIN_CHARS = 400  # README paragraphs are taken until the lead is this long ...
LEAD_MAX_CHARS = 1500  # ... and never longer than this
_PARAGRAPH_MIN_CHARS = 40  # shorter paragraphs are badges, link bars or taglines


def repo_of_url(text: str) -> str | None:
    """``owner/name`` of a repository URL autonote drafts from, else None."""
    found = _REPO_URL.match(text.strip())
    if found is None or found["owner"].lower() in _NOT_OWNERS:
        return None
    name = found["name"].removesuffix(".git")  # `github.com/o/.git` names no repository
    if name in ("", ".", "..") or (found["rest"] or "").lower().endswith(".pdf"):
        return None
    return f"{found['owner']}/{name}"


def readme_lead(markdown: str) -> str:
    """The opening prose of a README: its first paragraphs of text (not badges, images, headings,
    code, tables or link bars) up to the next heading, about :data:`LEAD_MIN_CHARS` long at most
    :data:`LEAD_MAX_CHARS`, cut at a sentence end."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    paragraphs: list[str] = []
    depth = 0  # inside lists, quotes and tables, paragraphs are not the lead
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and paragraphs:
            break  # the lead is what comes before the first section with a heading of its own
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close", "table_close"):
            depth -= 1
        elif token.type == "paragraph_open" and depth == 0:
            inline = tokens[index + 1]
            text = normalize_ws("".join(_inline_text(inline.children or [])))
            if len(text) >= _PARAGRAPH_MIN_CHARS:
                paragraphs.append(text)
                if sum(len(p) for p in paragraphs) >= LEAD_MIN_CHARS:
                    break
    return _cut(" ".join(paragraphs), LEAD_MAX_CHARS)


def _inline_text(children: list) -> list[str]:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return parts


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind("。"))
    return head[: end + 1] if end > limit // 2 else head.rsplit(" ", 1)[0] + " …"


_GITHUB_REPO = re.compile(r"https://github\.com/(?P<owner>[A-Za-z0-9-]+)/(?P<name>[A-Za-z0-9._-]+)")


def github_note_id(url: str) -> str | None:
    """``github-owner_name`` (lower case; GitHub logins have no ``_``, so it splits one way) for a
    repository URL, else None."""
    found = _GITHUB_REPO.fullmatch(url)
    if found is None:
        return None
    note_id = f"github-{found['owner']}_{found['name']}".lower()
    return note_id if is_note_id(note_id) else None


class GitHubRepoSource:
    """GitHub repository URLs, described through the GitHub API."""

    name = "github"
    supports = "GitHub repository URLs (https://github.com/OWNER/REPO)"

    def __init__(self, context: SourceContext) -> None:
        self.context = context

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        repo = repo_of_url(text)
        return PaperRef("github", repo, text) if repo is not None else None

    @staticmethod
    def note_id(paper: Paper) -> str | None:
        return github_note_id(paper.url) if paper.url else None

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        found: Fetched = {}
        gh = None
        for ref in refs:
            cached = None if self.context.refresh else self._cached(ref.key)
            if cached is not None:
                found[ref.key] = cached
                continue
            try:
                if gh is None:
                    from autonote.github.connection import GitHub, find_access

                    gh = GitHub(find_access(), warn=self.context.warn)
                paper = describe(gh, ref.key)
            except RecursionError:  # PyGithub reads answers with json.loads, which recurses per level
                found[ref.key] = SourceUnavailableError(
                    f"the GitHub API answered JSON nested too deeply to read for {ref.key}"
                )
                continue
            except AutonoteError as exc:
                found[ref.key] = exc
                continue
            self._store(ref.key, paper)
            found[ref.key] = paper
        return found

    def _cached(self, repo: str) -> Paper | None:
        return self._cache.get(repo.lower())

    def _store(self, repo: str, paper: Paper) -> None:
        self._cache.put(repo.lower(), paper)

    @property
    def _cache(self) -> SourceCache:
        return SourceCache(self.context.state, self.name)


def describe(gh, repo: str) -> Paper:  # gh: autonote.github.connection.GitHub
    """The repository as a paper: name, owner, description and README lead, date made."""
    from github import UnknownObjectException

    with gh.failures(repo, "reading the repository"):
        try:
            found = gh.repo(repo)
            name, full_name, description = found.name, found.full_name, found.description or ""
            created, owner = found.created_at, found.owner
        except UnknownObjectException:
            raise PaperNotFoundError(
                f"GitHub has no repository {repo} (or the token cannot see it)"
            ) from None
        author = owner.login
        if owner.type == "Organization":
            author = gh.client.get_user(owner.login).name or owner.login
        try:
            readme = found.get_readme().decoded_content.decode("utf-8", "replace")
        except UnknownObjectException:
            readme = ""
    lead = readme_lead(readme)
    description = normalize_ws(description)
    if lead.startswith(description):  # a README often opens with the description itself
        description = ""
    abstract = " ".join(part for part in (description, lead) if part)
    if not abstract:
        raise PaperNotFoundError(f"{full_name} has no description and no README text to draft a note from")
    return Paper(
        source="github", kind="oss", title=name, authors=[author], abstract=normalize_ws(abstract),
        url=f"https://github.com/{full_name}", published=created.date() if created else None,
    )  # fmt: skip
