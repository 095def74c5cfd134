"""``autonote github pull`` and ``autonote github push``: the corpus folder and the repository's
issues kept as one corpus.

Pull is an import (:func:`autonote.corpus.import_apply.apply_import`): every issue (not pull
requests) becomes note ``issue-<n>``; a note the owner edited locally is never overwritten (the
incoming version goes to ``.autonote/import-conflicts/``). A later pull asks only for issues
updated since the last one (``since``: see :func:`_next_since`). Comments are read per changed
issue, or, when more than :data:`PER_ISSUE_COMMENT_LIMIT` issues need theirs, in one
repository-wide listing.

Push publishes notes through the loop every remote store shares (:mod:`autonote.notes.push`);
what is GitHub's is the store (:class:`autonote.github.store.GitHubIssues`); intents and records
are kept as for any remote (:mod:`autonote.remote_push`). A note that is no issue yet becomes one
and adopts its number (renamed to ``issue-<n>``, every link to it rewritten, in one step:
:meth:`NoteFolder.rename`); a note whose rendered body differs from the body autonote last saw
(``origin.body_sha256``) updates the issue, only if GitHub still has that body; otherwise nothing
is written and GitHub's body is saved beside the note. Labels: tags the note gained since autonote
last saw the issue are added (never removed); a label the repository lacks is created only with
``--create-labels``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from autonote.app import Workspace
from autonote.corpus.import_apply import ImportReport, apply_import, record_import
from autonote.corpus.importers import ReadResult, Skipped, SourceEntry
from autonote.github.connection import GitHub, IssueGoneError
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
from autonote.github.store import GitHubIssues
from autonote.notes import mirror
from autonote.notes.ids import issue_note_id
from autonote.notes.links import issue_links
from autonote.notes.push import PushOptions, PushReport, select_notes
from autonote.notes.store import StoredNote
from autonote.remote_push import push_workspace
from autonote.schema import Note, RelatedNote
from autonote.sources.arxiv_ids import arxiv_id_from_url
from autonote.state import StateDB

PER_ISSUE_COMMENT_LIMIT = 100  # more issues with comments than this: one repository-wide listing
SINCE_MARGIN = dt.timedelta(minutes=5)


# -- what is remembered between pulls (table github_pulls; a push's intents: remote_push.py) ------


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
    report = apply_import(
        read, ws.corpus, ws.folder, ws.state, known=lambda: issue_links(ws.corpus.notes), dry_run=dry_run
    )
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
            links = read.links(issue_links(ws.corpus.notes))
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


# -- push: the loop is notes/push.py's, run by remote_push.py; GitHub's part is GitHubIssues ------


def push(
    ws: Workspace, gh: GitHub, repo: str, ids: tuple[str, ...], *, all_accepted: bool = False,
    create_labels: bool = False, dry_run: bool = False, force: bool = False,
) -> PushReport:  # fmt: skip
    selected = select_notes(ws.store, ids, all_accepted, has_draft=ws.drafts.has_draft)
    if not dry_run:
        gh.require_token("push to GitHub")
    options = PushOptions(create_labels=create_labels, dry_run=dry_run, force=force)
    return push_workspace(ws, GitHubIssues(gh, repo), selected, options)
