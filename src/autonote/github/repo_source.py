"""A GitHub repository as a paper source (kind ``oss``): its name, owner, description and the lead
of its README, through the GitHub API (``GITHUB_API_URL``, the same connection as ``autonote
github``), cached in the state database (``source_cache``) like the other sources.

Which URLs name a repository and what a README's lead is are :mod:`autonote.sources.github_repo`'s
(no network); this module is the part that talks to GitHub, registered in
:data:`autonote.sources.registry.SOURCE_MODULES` by its full module name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from autonote.errors import AutonoteError, PaperNotFoundError, SourceUnavailableError
from autonote.schema import Paper
from autonote.sources.base import Fetched, PaperRef, SourceContext
from autonote.sources.cache import SourceCache
from autonote.sources.github_repo import readme_lead, repo_of_url
from autonote.textnorm import normalize_ws

if TYPE_CHECKING:
    from autonote.github.connection import GitHub


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

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        found: Fetched = {}
        gh = None
        for ref in refs:
            cached = None if self.context.refresh else self._cached(ref.key)
            if cached is not None:
                found[ref.key] = cached
                continue
            try:
                if gh is None:  # the connection (and urllib3) loads only when a repository is fetched
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


def describe(gh: GitHub, repo: str) -> Paper:
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
