"""What a GitHub repository URL names and what a README's lead is: the parsing half of the repository
source (kind ``oss``). The source itself, which asks the GitHub API (``GITHUB_API_URL``, the same
connection as ``autonote github``) and caches in the state database (``source_cache``) like the other
sources, is :class:`autonote.github.repo_source.GitHubRepoSource`: it talks to GitHub, so it lives
with the rest of what does, and sources/ never imports github/.

The corpus writes a repository's title line as ``<name>, <owner>, <yyyy>.<mm>``
(``simple-paged-attention, torotoki, 2025.06``; an organisation goes by its display name:
``LongCat-Video …, Meituan LongCat Team, 2025.10``), the date being when the repository was made.
Repository pages are taken (``/tree/…``, ``/blob/…``, ``#readme``); a PDF in a repository is a
paper, and issues, pull requests and other pages are not a repository's description, so those are
left to other sources.
"""

from __future__ import annotations

import re

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
