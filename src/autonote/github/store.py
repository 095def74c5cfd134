"""Notes that live as GitHub issues: the note store's second backend.

A note is issue N of one repository (id ``issue-N``): the title line as its title, the tags as its
labels, the body in the corpus's sections (:mod:`autonote.notes.issue_format`), the owner's words
as its comments. What this store holds of a note is the issue *body* (``StoredNote.text``; its
sha256 is the revision), since that is all autonote ever writes: comments and labels the owner
added are never removed or edited. An update is compare-and-swap on the body: it is sent only while
GitHub still has the body the caller last saw (GitHub has no conditional PATCH for issues, so the
check is a read just before the write).

Issue numbers are GitHub's to give: ``add`` answers the note under its new id, and ``rename``
refuses. All access goes through :class:`autonote.github.connection.GitHub`. It lives in ``github/`` (not in
``notes/``, which knows no backend) and is mirrored into the corpus folder by :mod:`autonote.notes.mirror`.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from autonote.errors import WriteRefusedError
from autonote.github.connection import GitHub
from autonote.github.issues import (
    CommentData,
    IssueData,
    comment_data,
    issue_data,
    note_for,
    owner_comments,
    repo_of_issue_url,
)
from autonote.notes.ids import issue_note_id, issue_number
from autonote.notes.issue_format import IssueView, render_issue
from autonote.notes.push import Intent, Peek
from autonote.notes.store import RemoteChangedError as RemoteChangedError  # raised by update
from autonote.notes.store import StoredNote, revision_of
from autonote.schema import Note, RelatedNote

NEW_LABEL_COLOUR = "ededed"  # GitHub's own default grey
CREATED_MARGIN = dt.timedelta(minutes=5)  # an issue a push may have created is looked for this far back


class GitHubIssues:
    """The issues of one repository as a note store."""

    noun = "an issue"

    def __init__(self, gh: GitHub, repo: str, known: dict[int, RelatedNote] | None = None) -> None:
        self.gh = gh
        self.asked = repo  # the name given, which :meth:`resolve` may find changed
        self.name = repo
        self.known = dict(known or {})  # issue numbers of notes the corpus has, for links in comments

    @cached_property
    def repo(self) -> Any:
        return self.gh.repo(self.name)

    def resolve(self) -> str | None:
        """Ask GitHub for the repository (one request). When it answers under another name (the
        repository was renamed or transferred: GitHub redirects the old name), that name is used
        from then on and returned; None when the name is current."""
        with self.gh.failures(self.name, "reading the repository"):
            repo_id, current = self.repo.id, self.repo.full_name
        for name in (self.name, current):
            self.gh.wire.repo_ids[name.lower()] = repo_id
        if not current or current.lower() == self.name.lower():
            return None
        self.name = current
        return current

    def _number(self, note_id: str) -> int:
        number = issue_number(note_id)
        if number is None:
            raise WriteRefusedError(f"{note_id} is not a note of {self.name} (its id is not issue-<number>)")
        return number

    # -- reading ------------------------------------------------------------------------------------

    def ids(self) -> list[str]:

        with self.gh.failures(self.name, "listing issues"):
            listed = [issue_data(i) for i in self.repo.get_issues(state="all")]
        return [issue_note_id(i.number) for i in listed if not i.is_pull_request]

    def issue(self, number: int) -> IssueData:

        with self.gh.failures(self.name, f"reading issue #{number}"):
            return issue_data(self.repo.get_issue(number).complete())

    def comments(self, number: int) -> list[CommentData]:

        with self.gh.failures(self.name, f"reading the comments of issue #{number}"):
            return [comment_data(c) for c in self.repo.get_issue(number).get_comments()]

    def stored(self, issue: IssueData, comments: list[CommentData] | None = None) -> StoredNote:
        """The note an issue makes (its comments read when there are any and none were given)."""

        if comments is None:
            comments = self.comments(issue.number) if issue.comment_count else []
        made = note_for(self.name, issue, owner_comments(comments), self.known)
        if not isinstance(made, Note):
            raise WriteRefusedError(f"{self.name}#{issue.number} does not make a note: {made.reason}")
        return StoredNote(made, issue.body, revision_of(issue.body), issue.html_url)

    def get(self, note_id: str) -> StoredNote | None:
        from github import UnknownObjectException

        number = issue_number(note_id)
        if number is None:
            return None
        with self.gh.failures(self.name, f"reading issue #{number}"):
            try:
                issue = issue_data(self.repo.get_issue(number).complete())
            except UnknownObjectException:
                return None
        return None if issue.is_pull_request else self.stored(issue)

    # -- writing ------------------------------------------------------------------------------------

    def add(self, note: Note, *, labels: list[str] | None = None) -> StoredNote:
        """A new issue for ``note`` (title line, issue body, ``labels``: by default its tags); the
        note as stored, under its issue's id."""

        view = render_issue(note)
        with self.gh.failures(self.name, f"creating the issue for {note.id}"):
            created = self.repo.create_issue(
                title=view.title, body=view.body, labels=view.labels if labels is None else labels
            )
            data = issue_data(created)
        return self.stored(data, [])

    def update(self, note_id: str, text: str, *, revision: str) -> StoredNote:
        """Replace the issue body with ``text`` only while its sha256 is ``revision``."""

        number = self._number(note_id)
        current = self.issue(number)
        if revision_of(current.body) != revision:
            raise RemoteChangedError(
                f"{self.name}#{number}: the issue body changed on GitHub since autonote last saw it",
                current.body,
            )
        if current.body == text:
            return self.stored(current)
        with self.gh.failures(self.name, f"updating the body of issue #{number}"):
            edited = self.repo.get_issue(number)
            edited.edit(body=text)
            data = issue_data(edited)
        return self.stored(data)

    def edit(self, number: int, **fields: Any) -> IssueData:
        """One PATCH of the issue (title, body, labels together: nothing half-written)."""

        with self.gh.failures(self.name, f"writing issue #{number}"):
            issue = self.repo.get_issue(number)
            issue.edit(**fields)
            return issue_data(issue)

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        """Replace the text of a comment on issue ``number`` (one write)."""
        with self.gh.failures(self.name, f"editing comment {comment_id} of issue #{number}"):
            self.repo.get_issue(number).get_comment(comment_id).edit(body)

    def add_labels(self, number: int, labels: list[str]) -> None:
        if not labels:
            return
        with self.gh.failures(self.name, f"adding labels to issue #{number}"):
            self.repo.get_issue(number).add_to_labels(*labels)

    def remove_label(self, number: int, label: str) -> None:
        with self.gh.failures(self.name, f"removing the label {label} from issue #{number}"):
            self.repo.get_issue(number).remove_from_labels(label)

    def comment(self, number: int, body: str) -> CommentData:

        with self.gh.failures(self.name, f"commenting on issue #{number}"):
            return comment_data(self.repo.get_issue(number).create_comment(body))

    def label_names(self) -> set[str]:
        with self.gh.failures(self.name, "listing labels"):
            return {label.name for label in self.repo.get_labels()}

    def create_label(self, name: str) -> None:
        with self.gh.failures(self.name, f"creating the label {name}"):
            self.repo.create_label(name, NEW_LABEL_COLOUR)

    # -- what a push needs besides (:class:`autonote.notes.push.RemoteStore`) ------------------------

    def _here(self, note: Note) -> bool:
        """The note's origin is an issue of this repository (the name asked for or its name now)."""
        url = note.origin.url if note.origin is not None else None
        return repo_of_issue_url(url) in {self.asked.lower(), self.name.lower()}

    def belongs(self, note: Note) -> bool | None:
        """True for a note of this repository's issues whose id names the issue its origin names,
        False for another's (or one whose id and origin disagree: an update and a label would go to
        two issues), None for a note that is no issue yet."""
        if note.origin is None or note.origin.issue is None:
            return None
        return self._here(note) and issue_number(note.id) == note.origin.issue

    def elsewhere(self, note: Note) -> str:
        origin = note.origin
        if origin is not None and self._here(note):
            return (
                f"its origin names issue #{origin.issue}, but the note is {note.id}, not "
                f"{issue_note_id(origin.issue or 0)}; not pushed (mend the origin in its front matter)"
            )
        where = origin.url if origin else None
        return f"its issue is in another repository ({where}); not pushed to {self.name}"

    def describe(self, note: Note) -> str:
        return f"issue #{note.origin.issue if note.origin else None}"

    def render(self, note: Note) -> IssueView:
        return render_issue(note)

    def _origin_issue(self, note: Note) -> int:
        assert note.origin is not None and note.origin.issue is not None
        return note.origin.issue

    def peek(self, note: Note) -> Peek:
        """The issue of ``note`` as one read; its comments are read only when ``load`` is called."""
        issue = self.issue(self._origin_issue(note))
        return Peek(issue.body, issue.labels, lambda: self.stored(issue))

    def label(self, note: Note, labels: list[str]) -> StoredNote:
        number = self._origin_issue(note)
        self.add_labels(number, labels)
        return self.stored(self.issue(number))

    def find_created(self, intent: Intent) -> StoredNote | None:
        """The issue a push announced in ``intent``, if GitHub has it: created since it started (less
        :data:`CREATED_MARGIN`) with its title and body."""
        since = intent.started - CREATED_MARGIN
        with self.gh.failures(self.name, "looking for an issue autonote may have created"):
            listed = [issue_data(i) for i in self.repo.get_issues(state="all", since=since, sort="created")]
        for issue in listed:
            if (
                issue.title == intent.title
                and revision_of(issue.body) == intent.revision
                and issue.created >= since
            ):
                return self.stored(issue, [])
        return None

    def rename(
        self, old_id: str, new_id: str, *, front: dict[str, Any] | None = None, link: str | None = None
    ) -> StoredNote:
        raise WriteRefusedError(
            f"cannot rename {old_id} to {new_id}: GitHub numbers issues itself (a note becomes issue-<n>"
            " when it is published)"
        )
