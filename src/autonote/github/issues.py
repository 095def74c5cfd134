"""A GitHub issue and its comments, as plain data, and as the import entry a note is made from.

Pulling is importing: an issue becomes a :class:`autonote.corpus.importers.SourceEntry` (title,
body, labels as tags, the owner's comments as the Comment) and goes through the same
``note_from_entry`` as the exports do. Only attributes present in GitHub's list answers are read
from PyGithub objects, so reading a listed issue never costs a request of its own.

The owner's comments are those by the repository's owner, members and collaborators; anyone else's
comment on a public repository, and autonote's own proposals, are not part of the note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from autonote.corpus.importers import Skipped, SourceEntry, note_from_entry
from autonote.github.proposal import body_sha256, is_proposal
from autonote.notes.issue_format import parse_issue_body
from autonote.schema import Note, RelatedNote

IMPORTER = "github"
TRUSTED = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


@dataclass(frozen=True)
class IssueData:
    number: int
    title: str
    body: str
    labels: list[str]
    created: dt.datetime
    updated: dt.datetime
    html_url: str
    comment_count: int
    is_pull_request: bool
    author_association: str


@dataclass(frozen=True)
class CommentData:
    id: int
    issue: int
    body: str
    login: str
    user_type: str
    author_association: str
    created: dt.datetime

    @property
    def by_owner(self) -> bool:
        """Written by the repository's owner, a member or a collaborator."""
        return self.author_association in TRUSTED

    @property
    def may_propose(self) -> bool:
        """A proposal autonote may apply: written by the owner's side, or by a bot (an app installed
        on the repository, such as the workflow that runs autonote); never by a passer-by."""
        return self.by_owner or self.user_type == "Bot"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _required(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        from autonote.github.transport import BadAnswer

        raise BadAnswer(200, f"an issue or comment without {what} (not the shape of GitHub's API)")
    return value


def issue_data(issue: Any) -> IssueData:
    """The fields of a PyGithub ``Issue`` autonote uses (all present in list answers). Nulls are
    GitHub's for ``body`` (and ``html_url`` never is); an answer without a number or dates is not
    an issue (:class:`~autonote.github.transport.BadAnswer`)."""
    html_url = issue.html_url or ""
    _required(issue.number, int, "a number")
    _required(issue.created_at, dt.datetime, "created_at")
    _required(issue.updated_at, dt.datetime, "updated_at")
    return IssueData(
        number=issue.number, title=issue.title or "", body=issue.body or "",
        labels=[label.name for label in issue.labels or []], created=_utc(issue.created_at),
        updated=_utc(issue.updated_at), html_url=html_url, comment_count=issue.comments or 0,
        is_pull_request="/pull/" in html_url, author_association=issue.author_association or "NONE",
    )  # fmt: skip


def comment_data(comment: Any) -> CommentData:
    issue_url = comment.issue_url or ""
    number = issue_url.rstrip("/").rsplit("/", 1)[-1]
    user = comment.user
    _required(comment.id, int, "an id")
    _required(comment.created_at, dt.datetime, "created_at")
    return CommentData(
        id=comment.id, issue=int(number) if number.isdigit() else 0, body=comment.body or "",
        login=user.login if user else "", user_type=(user.type if user else None) or "User",
        author_association=comment.author_association or "NONE", created=_utc(comment.created_at),
    )  # fmt: skip


def owner_comments(comments: list[CommentData]) -> list[str]:
    """The texts that make a note's Comment: the owner's side's comments, not autonote's
    proposals, in order."""
    ordered = sorted(comments, key=lambda c: (c.created, c.id))
    return [c.body.strip() for c in ordered if c.by_owner and not is_proposal(c.body) and c.body.strip()]


def fingerprint(issue: IssueData, comments: list[str]) -> str:
    """What the note is made of, hashed: a pull compares it with ``origin.entry_hash``."""
    data = {
        "number": issue.number, "title": issue.title, "body": issue.body, "labels": sorted(issue.labels),
        "comments": comments, "created": issue.created.date().isoformat(),
    }  # fmt: skip
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def entry_for(repo: str, issue: IssueData, comments: list[str]) -> SourceEntry:
    return SourceEntry(
        where=f"{repo}#{issue.number}", title=" ".join(issue.title.split()), raw_title=issue.title,
        url=parse_issue_body(issue.body).url, issue=issue.number, issue_url=issue.html_url,
        tags=[t.strip() for t in issue.labels if t.strip()], issue_date=issue.created.date(), body=issue.body,
        comment_text="\n\n".join(comments), fingerprint=fingerprint(issue, comments),
    )  # fmt: skip


def note_for_entry(entry: SourceEntry, known: dict[int, RelatedNote]) -> Note | Skipped:
    """The note an issue's entry makes, with what autonote saw of the issue (body hash, labels)
    in its origin."""
    made = note_from_entry(entry, IMPORTER, known)
    if isinstance(made, Skipped) or made.origin is None:
        return made
    seen = made.origin.model_copy(update={"body_sha256": body_sha256(entry.body), "labels": list(entry.tags)})
    return made.model_copy(update={"origin": seen})


def note_for(
    repo: str, issue: IssueData, comments: list[str], known: dict[int, RelatedNote]
) -> Note | Skipped:
    """The note an issue makes (``comments``: the owner's, in order)."""
    return note_for_entry(entry_for(repo, issue, comments), known)


def repo_of_issue_url(url: str | None) -> str | None:
    """``owner/name`` of an issue link (``https://github.com/owner/name/issues/12``), lower case."""
    if not url:
        return None
    from urllib.parse import urlparse

    parts = urlparse(url).path.strip("/").split("/")
    if len(parts) >= 4 and parts[2] == "issues":
        return f"{parts[0]}/{parts[1]}".lower()
    return None
