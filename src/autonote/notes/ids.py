"""The note-id grammar: what a note id may be, and how ids are made.

An id names a note file (``notes/<id>.md``), a draft (``drafts/<id>.md``) and every link between
notes, so it is a single safe file-name component: ASCII letters, digits, ``.``, ``_`` and ``-``,
starting with a letter or digit, no ``..``, at most 128 characters. Every id that comes from the
command line, a note's front matter, a draft or a journal goes through :func:`check_note_id`.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from autonote.errors import UsageError

if TYPE_CHECKING:
    from autonote.schema import Paper

MAX_ID_CHARS = 128
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class InvalidIdError(UsageError):
    """A string that is not a note id (exit 2)."""


def is_note_id(text: object) -> bool:
    return (
        isinstance(text, str)
        and len(text) <= MAX_ID_CHARS
        and _ID.fullmatch(text) is not None
        and ".." not in text
    )


def check_note_id(text: object, what: str = "note id") -> str:
    """``text`` when it is a note id; otherwise an :class:`InvalidIdError` naming it."""
    if is_note_id(text):
        return text  # type: ignore[return-value]
    shown = repr(text) if not isinstance(text, str) or len(text) <= 80 else repr(text[:77] + "...")
    raise InvalidIdError(
        f"{what} {shown} is not a note id (letters, digits, '.', '_' and '-', at most {MAX_ID_CHARS};"
        " no '/', no '..')"
    )


def arxiv_note_id(arxiv_id: str) -> str:
    """``arxiv-2504.07086``; old-style ids keep their archive: ``arxiv-hep-th_9901001``."""
    return "arxiv-" + arxiv_id.replace("/", "_")


def local_note_id(title: str, abstract: str) -> str:
    """A stable id for a paper known only by its text."""
    digest = hashlib.sha1(f"{title}\n{abstract}".encode()).hexdigest()[:10]
    return f"local-{digest}"


def openreview_note_id(forum_id: str) -> str:
    """``openreview-<forum id>``: OpenReview's ids are letters, digits, ``-`` and ``_``."""
    return "openreview-" + forum_id


def acl_note_id(anthology_id: str) -> str:
    """``acl-2023.acl-long.123``, ``acl-P19-1001``: the ACL Anthology id as it is."""
    return "acl-" + anthology_id


def web_note_id(url: str) -> str:
    """``web-<host>-<hash of the URL>``: the host keeps the id readable, the hash tells pages apart."""
    host = re.sub(r"[^a-z0-9.-]+", "-", (urlsplit(url).hostname or "").lower().removeprefix("www."))
    host = re.sub(r"\.{2,}", ".", host)[:60].strip(".-") or "page"
    digest = hashlib.sha1(url.encode()).hexdigest()[:10]
    return f"web-{host}-{digest}"


def _source_key(paper: Paper) -> str | None:
    """The id a paper has at its source, read back from the canonical URL the source gave it."""
    parts = urlsplit(paper.url or "")
    if paper.source == "openreview":
        found = parse_qs(parts.query).get("id", [""])[0]
        return found if is_note_id(found) else None
    if paper.source == "acl":
        found = parts.path.strip("/")
        return found if is_note_id(found) else None
    return None


def issue_note_id(number: int) -> str:
    """Notes that live as GitHub issues are named after their issue: the id every link uses."""
    return f"issue-{number}"


def issue_number(note_id: str) -> int | None:
    """The issue number of an ``issue-<n>`` id, else None."""
    if note_id.startswith("issue-") and note_id[6:].isdigit():
        return int(note_id[6:])
    return None


_GITHUB_REPO = re.compile(r"https://github\.com/(?P<owner>[A-Za-z0-9-]+)/(?P<name>[A-Za-z0-9._-]+)")


def github_note_id(url: str) -> str | None:
    """``github-owner_name`` (lower case; GitHub logins have no ``_``, so it splits one way) for a
    repository URL, else None."""
    found = _GITHUB_REPO.fullmatch(url)
    if found is None:
        return None
    note_id = f"github-{found['owner']}_{found['name']}".lower()
    return note_id if is_note_id(note_id) else None


def note_id_for(paper: Paper) -> str:
    """The id a new draft of ``paper`` gets."""
    if paper.arxiv_id:
        return arxiv_note_id(paper.arxiv_id)
    if paper.source == "github" and paper.url and (repo_id := github_note_id(paper.url)):
        return repo_id
    key = _source_key(paper)
    if paper.source == "openreview" and key:
        return check_note_id(openreview_note_id(key))
    if paper.source == "acl" and key:
        return check_note_id(acl_note_id(key))
    if paper.source == "web" and paper.url:
        return check_note_id(web_note_id(paper.url))
    return local_note_id(paper.title, paper.abstract)
