"""``autonote github pull`` and ``autonote github push``: the corpus folder and the repository's
issues kept as one corpus.

Pull is an import (:func:`autonote.corpus.import_apply.apply_import`): every issue (not pull
requests) becomes note ``issue-<n>``; a note the owner edited locally is never overwritten (the
incoming version goes to ``.autonote/import-conflicts/``). A later pull asks only for issues
updated since the last one (``since``: see :func:`_next_since`). Comments are read per changed
issue, or, when more than :data:`PER_ISSUE_COMMENT_LIMIT` issues need theirs, in one
repository-wide listing.

Push publishes notes: a note that is no issue yet becomes one and adopts its number (renamed to
``issue-<n>``, every link to it rewritten, in one step: :meth:`NoteFolder.rename`); a note whose
rendered body differs from the body autonote last saw (``origin.body_sha256``) updates the issue,
only if GitHub still has that body; otherwise nothing is written and GitHub's body is saved beside
the note. Labels: tags the note gained since autonote last saw the issue are added (never
removed); a label the repository lacks is created only with ``--create-labels``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from autonote.app import Workspace
from autonote.corpus.import_apply import ImportReport, apply_import, record_import
from autonote.corpus.importers import ReadResult, Skipped, SourceEntry
from autonote.errors import AutonoteError, UsageError
from autonote.github.connection import GitHub, GitHubError, IssueGoneError
from autonote.github.issues import (
    IMPORTER,
    CommentData,
    IssueData,
    comment_data,
    entry_for,
    issue_data,
    note_for_entry,
    owner_comments,
    repo_of_issue_url,
)
from autonote.github.proposal import body_sha256
from autonote.github.store import GitHubIssues, RemoteChangedError
from autonote.notes import mirror
from autonote.notes.ids import issue_note_id
from autonote.notes.issue_format import render_issue
from autonote.notes.store import StoredNote
from autonote.schema import Note, RelatedNote
from autonote.sources.arxiv_ids import arxiv_id_from_url
from autonote.state import StateDB

PER_ISSUE_COMMENT_LIMIT = 100  # more issues with comments than this: one repository-wide listing
SINCE_MARGIN = dt.timedelta(minutes=5)


# -- what is remembered between runs (tables github_pulls and github_pushes) --------------------


class SyncState:
    def __init__(self, state: StateDB) -> None:
        self.conn = state.conn

    def since(self, repo: str) -> dt.datetime | None:
        row = self.conn.execute("SELECT since FROM github_pulls WHERE repo = ?", (repo.lower(),)).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row else None

    def pulled(self, repo: str, since: dt.datetime) -> None:
        self.conn.execute(
            "INSERT INTO github_pulls(repo, since, pulled_at) VALUES (?, ?, ?) ON CONFLICT(repo) DO UPDATE"
            " SET since = excluded.since, pulled_at = excluded.pulled_at",
            (repo.lower(), since.isoformat(), time.time()),
        )

    def intend(self, note_id: str, repo: str, title: str, body: str, started: dt.datetime) -> None:
        """Before creating an issue: if autonote stops before the note adopts it, the next push
        finds the issue instead of creating a second one."""
        self.conn.execute(
            "INSERT OR REPLACE INTO github_pushes(note_id, repo, title, body_sha256, started) VALUES (?, ?, ?, ?, ?)",
            (note_id, repo.lower(), title, body_sha256(body), started.isoformat()),
        )

    def intents(self, repo: str) -> list[tuple[str, str, str, dt.datetime]]:
        rows = self.conn.execute(
            "SELECT note_id, title, body_sha256, started FROM github_pushes WHERE repo = ?", (repo.lower(),)
        )
        return [(r[0], r[1], r[2], dt.datetime.fromisoformat(r[3])) for r in rows]

    def done(self, note_id: str, repo: str) -> None:
        self.conn.execute("DELETE FROM github_pushes WHERE note_id = ? AND repo = ?", (note_id, repo.lower()))


def known_links(ws: Workspace) -> dict[int, RelatedNote]:
    """Issue numbers of the notes the corpus has, for links in comments (``#1234``)."""
    return {
        n.origin.issue: RelatedNote(id=n.id, title_line=n.title_line, url=n.link)
        for n in ws.corpus.notes
        if n.origin and n.origin.issue is not None
    }


# -- adoption: a local note becomes issue N -------------------------------------------------------


def adopt(ws: Workspace, note_id: str, published: StoredNote) -> StoredNote:
    """Give the local note ``note_id`` the id of the issue it now is (:func:`mirror.adopt`)."""
    return mirror.adopt(ws.store, note_id, published, record=partial(record_import, ws.state))


# -- pull -------------------------------------------------------------------------------------------


@dataclass
class PullReport:
    imported: ImportReport
    listed: int = 0
    pull_requests: int = 0
    adopted: list[tuple[str, str]] = field(default_factory=list)  # (local id, issue id)
    since: dt.datetime | None = None
    seconds: float = 0.0
    moved_to: str | None = None  # the repository's name now, when GitHub answered under a new one
    gone: list[tuple[int, str]] = field(default_factory=list)  # (issue, why) issues moved away or deleted


Progress = Callable[[str, int, "int | None"], None]  # (stage, done, total if known)


def _quiet(stage: str, done: int, total: int | None = None) -> None:
    pass


def _list_issues(
    store: GitHubIssues, since: dt.datetime | None, progress: Progress = _quiet
) -> list[IssueData]:
    """Issues (and pull requests) updated since ``since``, each once. Listed in order of creation,
    which an update during the listing does not change (in order of update, an issue edited
    meanwhile would move to the end and shift one not yet read onto a page already read)."""
    options = {"state": "all", "sort": "created", "direction": "asc"}
    if since is not None:
        options["since"] = since  # type: ignore[assignment]
    listed: dict[int, IssueData] = {}
    with store.gh.failures(store.name, "listing issues"):
        for issue in map(issue_data, store.repo.get_issues(**options)):
            listed[issue.number] = issue
            progress("listing issues", len(listed), None)
    return list(listed.values())


def _next_since(
    listed: list[IssueData], started: dt.datetime, previous: dt.datetime | None
) -> dt.datetime | None:
    """What the next pull asks for: the latest ``updated_at`` GitHub reported, but no later than
    this pull's start by this machine's clock less :data:`SINCE_MARGIN` (an issue changed while
    the pull ran is then asked for again; a clock running ahead cannot skip one, since GitHub's
    own time bounds it)."""
    latest = max((i.updated for i in listed), default=None)
    if latest is None:
        return previous
    return min(latest, started - SINCE_MARGIN)


def _comments(
    store: GitHubIssues, issues: list[IssueData], gone: list[tuple[int, str]], progress: Progress = _quiet
) -> dict[int, list[CommentData]]:
    wanted = {i.number for i in issues if i.comment_count}
    found: dict[int, list[CommentData]] = {number: [] for number in wanted}
    if not wanted:
        return found
    if len(wanted) > PER_ISSUE_COMMENT_LIMIT:
        with store.gh.failures(store.name, "listing comments"):
            for comment in store.repo.get_issues_comments(sort="created", direction="asc"):
                data = comment_data(comment)
                if data.issue in found:
                    found[data.issue].append(data)
        return found
    for done, number in enumerate(sorted(wanted)):
        progress("reading comments", done, len(wanted))
        try:
            found[number] = store.comments(number)
        except IssueGoneError as exc:  # moved away or deleted while the pull ran: that issue only
            gone.append((number, str(exc)))
            del found[number]
    return found


@dataclass
class IssuesRead(ReadResult):
    """The issues of one pull, as import entries; each note knows what autonote saw on GitHub."""

    kind: str = IMPORTER

    def note(self, entry: SourceEntry, links: dict[int, RelatedNote]) -> Note | Skipped:
        return note_for_entry(entry, links)


def pull(
    ws: Workspace,
    gh: GitHub,
    repo: str,
    *,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> PullReport:
    started, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    sync = SyncState(ws.state)
    store = GitHubIssues(gh, repo)
    moved_to = store.resolve()
    repo = store.name
    since = None if full else sync.since(repo)
    listed = _list_issues(store, since, progress)
    issues = [i for i in listed if not i.is_pull_request]
    gone: list[tuple[int, str]] = []
    comments = _comments(store, issues, gone, progress)
    progress("writing notes", 0, None)
    issues = [i for i in issues if i.number not in {number for number, _ in gone}]
    read = IssuesRead(
        entries=[entry_for(repo, i, owner_comments(comments.get(i.number, []))) for i in issues]
    )

    adopted = _adopt_twins(ws, read, dry_run=dry_run)
    foreign = _of_other_repositories(ws, read, repo)
    report = apply_import(read, ws.corpus, ws.store, ws.state, known=lambda: known_links(ws), dry_run=dry_run)
    report.skipped.extend(foreign)
    following = _next_since(listed, started_at, since)
    if not dry_run and following is not None:
        sync.pulled(repo, following)
    return PullReport(
        report, len(issues), len(listed) - len(issues) - len(gone), adopted, since,
        time.perf_counter() - started, moved_to, gone,
    )  # fmt: skip


def _of_other_repositories(ws: Workspace, read: IssuesRead, repo: str) -> list[Skipped]:
    """Entries whose note id the corpus already gives to an issue of another repository (a corpus
    imported from another repository's export): skipped, never written over. A note's identity is
    its repository and issue number, whatever route it came by."""
    known = dict(ws.state.conn.execute("SELECT note_id, entry_hash FROM imports").fetchall())
    ids = [issue_note_id(e.issue) for e in read.entries if e.issue is not None]
    places = ws.store.note_relpaths(ids)
    kept, skipped = [], []
    for entry in read.entries:
        note_id = issue_note_id(entry.issue) if entry.issue is not None else ""
        settled = known.get(note_id) == entry.fingerprint  # the same issue as last pulled
        found = ws.corpus.get(note_id) if places.get(note_id) is not None and not settled else None
        theirs = repo_of_issue_url(found.origin.url) if found is not None and found.origin else None
        if theirs is not None and theirs != repo.lower():
            reason = f"the corpus's {found.id} is issue #{entry.issue} of {theirs}, not of {repo}; not written over"  # type: ignore[union-attr]
            skipped.append(Skipped(entry.where, reason))
        else:
            kept.append(entry)
    read.entries = kept
    return skipped


def _adopt_twins(ws: Workspace, read: IssuesRead, *, dry_run: bool) -> list[tuple[str, str]]:
    """A note drafted here and posted by hand is the issue's note: it adopts the issue's number
    (its content kept, links to it rewritten) instead of the pull reporting the paper twice.
    Adopted entries leave the import (the note is in place already)."""
    adopted: list[tuple[str, str]] = []
    links: dict[int, RelatedNote] | None = None
    kept = []
    for entry in read.entries:
        twin = _native_twin(ws, entry)
        if twin is None:
            kept.append(entry)
            continue
        if links is None:
            links = read.links(known_links(ws))
        note = read.note(entry, links)
        if isinstance(note, Skipped):
            kept.append(entry)
            continue
        if not dry_run:
            adopt(ws, twin, StoredNote(note, entry.body, body_sha256(entry.body), entry.issue_url or ""))
        adopted.append((twin, note.id))
    read.entries = kept
    return adopted


def _native_twin(ws: Workspace, entry: SourceEntry) -> str | None:
    """The one note drafted here (no origin) about the entry's arXiv paper, when the corpus has
    no note of the entry's issue yet."""
    arxiv = arxiv_id_from_url(entry.url) if entry.url else None
    if arxiv is None or entry.issue is None or ws.store.note_relpath(issue_note_id(entry.issue)) is not None:
        return None
    twins = []
    for other in ws.corpus.ids_with_arxiv(str(arxiv.base)):
        found = ws.corpus.get(other)
        if found is not None and found.origin is None:
            twins.append(other)
    return twins[0] if len(twins) == 1 else None


# -- push -------------------------------------------------------------------------------------------


@dataclass
class PushReport:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (old id, new id, issue URL)
    updated: list[tuple[str, str]] = field(default_factory=list)  # (id, what changed)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, Path]] = field(default_factory=list)  # (id, where GitHub's body was saved)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    missing_labels: dict[str, list[str]] = field(default_factory=dict)  # label -> notes that wanted it
    planned: list[str] = field(default_factory=list)  # dry run: what would happen, one line each
    would_create: list[str] = field(default_factory=list)  # dry run: notes that would become issues
    would_update: list[str] = field(default_factory=list)  # dry run: notes whose issue would be updated
    not_pulled: list[str] = field(default_factory=list)  # notes of this repository never seen by pull
    stopped: str | None = None  # the error that stopped the push (what came before it is reported)
    moved_to: str | None = None  # the repository's name now, when GitHub answered under a new one

    @property
    def failed(self) -> bool:
        return bool(self.conflicts or self.refused or self.stopped)


def _belongs(note: Note, *names: str) -> bool | None:
    """True for a note of this repository's issues (under any of its ``names``), False for
    another's, None for a note that is no issue yet."""
    if note.origin is None or note.origin.issue is None:
        return None
    return repo_of_issue_url(note.origin.url) in {name.lower() for name in names}


def _selected(ws: Workspace, ids: tuple[str, ...], all_accepted: bool) -> list[str]:
    if ids and all_accepted:
        raise UsageError("give note ids or --all-accepted, not both")
    if not ids and not all_accepted:
        raise UsageError("name the notes to push (ID...), or --all-accepted for every note of the corpus")
    if all_accepted:
        return list(ws.store.ids())
    for note_id in ids:
        if ws.store.note_relpath(note_id) is None:
            hint = (
                " (a pending draft: accept it first with `autonote review accept`)"
                if ws.store.has_draft(note_id)
                else ""
            )
            raise UsageError(f"no note {note_id} in the corpus{hint}")
    return list(dict.fromkeys(ids))


class Pusher:
    def __init__(
        self, ws: Workspace, gh: GitHub, repo: str, *, create_labels: bool, dry_run: bool, force: bool
    ) -> None:
        self.ws, self.repo = ws, repo
        self.create_labels, self.dry_run, self.force = create_labels, dry_run, force
        self.store = GitHubIssues(gh, repo)
        self.sync = SyncState(ws.state)
        self.report = PushReport()
        self._labels: set[str] | None = None

    # labels ------------------------------------------------------------------------------------
    def usable_labels(self, note_id: str, wanted: list[str]) -> list[str]:
        """The labels of ``wanted`` the repository has (creating the others with
        --create-labels; otherwise they are reported and left off)."""
        if not wanted:
            return []
        if self._labels is None:
            self._labels = self.store.label_names()
        missing = [label for label in wanted if label not in self._labels]
        if missing and self.create_labels and not self.dry_run:
            for label in missing:
                self.store.create_label(label)
                self._labels.add(label)
            missing = []
        for label in missing:
            self.report.missing_labels.setdefault(label, []).append(note_id)
        return [label for label in wanted if label in self._labels or (self.dry_run and self.create_labels)]

    # run ---------------------------------------------------------------------------------------
    def run(self, ids: list[str]) -> PushReport:
        asked = self.repo
        self.report.moved_to = self.store.resolve()
        self.repo = self.store.name
        names = (asked, self.repo)
        if not self.dry_run:
            self._recover()
        notes = []
        for note_id in ids:
            found = self.ws.store.get(note_id)
            if found is None:
                if note_id in self.ws.store.ids():
                    self.report.refused.append(
                        (note_id, "the note file is not a valid note (see `autonote lint`)")
                    )
                continue
            notes.append(found.note)
        new = [n for n in notes if _belongs(n, *names) is None]
        for note in new:
            self._create(note.id)
        for note in notes:
            belongs = _belongs(note, *names)
            if belongs:
                try:
                    self._update(note.id)
                except IssueGoneError as exc:  # moved to another repository or deleted: this note only
                    self.report.refused.append((note.id, str(exc)))
            elif belongs is False:
                where = note.origin.url if note.origin else None
                reason = f"its issue is in another repository ({where}); not pushed to {self.repo}"
                self.report.refused.append((note.id, reason))
        return self.report

    def _recover(self) -> None:
        """Issues created by a push that stopped before its note adopted them."""
        for note_id, title, digest, started in self.sync.intents(self.repo):
            if self.ws.store.note_relpath(note_id) is None:
                self.sync.done(note_id, self.repo)
                continue
            found = self._find_created(title, digest, started)
            if found is not None:
                stored = adopt(self.ws, note_id, found)
                self.report.created.append((note_id, stored.note.id, found.location))
            self.sync.done(note_id, self.repo)

    def _find_created(self, title: str, digest: str, started: dt.datetime) -> StoredNote | None:
        since = started - dt.timedelta(minutes=5)
        with self.store.gh.failures(self.repo, "looking for an issue autonote may have created"):
            listed = [
                issue_data(i) for i in self.store.repo.get_issues(state="all", since=since, sort="created")
            ]
        for issue in listed:
            if issue.title == title and body_sha256(issue.body) == digest and issue.created >= since:
                return self.store.stored(issue, [])
        return None

    def _create(self, note_id: str) -> None:
        current = self.ws.store.get(note_id)  # read again: a rename before may have rewritten its links
        if current is None:
            return
        note = current.note
        view = render_issue(note)
        labels = self.usable_labels(note.id, list(dict.fromkeys(view.labels)))
        if self.dry_run:
            shown = ", ".join(labels) or "none"
            self.report.planned.append(
                f"would create an issue for {note.id}: {view.title!r} (labels: {shown})"
            )
            self.report.would_create.append(note.id)
            return
        started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.sync.intend(note.id, self.repo, view.title, view.body, started)
        try:
            published = self.store.add(note, labels=labels)
        except GitHubError:
            found = self._find_created(view.title, body_sha256(view.body), started)
            if found is None:
                self.sync.done(note.id, self.repo)
                raise
            published = found
        stored = adopt(self.ws, note.id, published)
        self.sync.done(note.id, self.repo)
        self.report.created.append((note.id, stored.note.id, published.location))

    def _update(self, note_id: str) -> None:
        current = self.ws.store.get(note_id)
        if current is None:
            return
        note, origin = current.note, current.note.origin
        assert origin is not None and origin.issue is not None
        if origin.body_sha256 is None:
            self.report.not_pulled.append(note.id)
            return
        view = render_issue(note)
        if not mirror.changed_since_seen(view.body, origin) and not mirror.tags_gained(note, origin):
            self.report.unchanged.append(note.id)
            return
        remote = self.store.issue(origin.issue)
        gained = mirror.tags_gained(note, origin, remote.labels)
        if mirror.changed_since_seen(remote.body, origin) and not self.force:
            saved = (
                self.ws.store.keep_remote_body(current.location, remote.body)
                if not self.dry_run
                else Path(current.location)
            )
            self.report.conflicts.append((note.id, saved))
            return
        body_changed = remote.body != view.body
        labels = self.usable_labels(note.id, gained)
        what = ", ".join(x for x in ("body" if body_changed else "", " ".join(f"+#{t}" for t in labels)) if x)
        if not body_changed and not labels:
            self._remember(current, self.store.stored(remote))
            self.report.unchanged.append(note.id)
            return
        if self.dry_run:
            self.report.planned.append(f"would update issue #{origin.issue} ({note.id}): {what}")
            self.report.would_update.append(note.id)
            return
        try:
            published = (
                self.store.update(note.id, view.body, revision=body_sha256(remote.body))
                if body_changed
                else self.store.stored(remote)
            )
        except RemoteChangedError as exc:  # changed between the read and the write
            self.report.conflicts.append(
                (note.id, self.ws.store.keep_remote_body(current.location, exc.body))
            )
            return
        if labels:
            self.store.add_labels(origin.issue, labels)
            published = self.store.stored(self.store.issue(origin.issue))
        self._remember(current, published)
        self.ws.store.drop_remote_body(current.location)
        self.report.updated.append((note.id, what))

    def _remember(self, current: StoredNote, published: StoredNote) -> None:
        """Record in the note what GitHub has now (:func:`mirror.remember`)."""
        mirror.remember(self.ws.store, current, published, record=partial(record_import, self.ws.state))


def push(
    ws: Workspace, gh: GitHub, repo: str, ids: tuple[str, ...], *, all_accepted: bool = False,
    create_labels: bool = False, dry_run: bool = False, force: bool = False,
) -> PushReport:  # fmt: skip
    selected = _selected(ws, ids, all_accepted)
    if not dry_run:
        gh.require_token("push to GitHub")
    pusher = Pusher(ws, gh, repo, create_labels=create_labels, dry_run=dry_run, force=force)
    try:
        return pusher.run(selected)
    except AutonoteError as exc:
        pusher.report.stopped = str(exc)
        return pusher.report
