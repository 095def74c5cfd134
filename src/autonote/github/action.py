"""``autonote github action``: what a workflow in the corpus repository runs on an issue event.

- ``issues``/``opened`` by the owner (or a member or collaborator) with a body that is, or contains,
  a paper URL or id autonote accepts: pull the corpus (incrementally), draft the note, and write the
  issue's title, body and labels in one request (labels the owner set are kept).
- ``issues``/``labeled`` ``autonote:regen``: regenerate the summary and key points, post the proposed
  body as one comment (a diff against the current body, and the body itself), remove the label.
- ``issues``/``labeled`` ``autonote:accept``: apply the latest proposal, only while the body is
  still the one it was made from (the rule ``push`` follows), remove the label.
- ``issues``/``labeled`` ``action_wanted`` (the label the corpus's earlier workflow re-ran on):
  an issue that is not a note yet is drafted as an opened one; a note gets a proposal as with
  ``autonote:regen``. The label is removed.
- ``issues``/``labeled`` ``translation_required``: the passages marked ``__translate:`` in the body
  and in the owner's comments are translated into Japanese (:mod:`autonote.github.marked`); the
  body only while it is the one read, each comment in one write. The label is removed.
- Anything else: nothing to do, said on one line (exit 0).

Failures are one line and a non-zero exit, with nothing half-written to the issue: each outcome is
a single write (the label removal, after it, is the only second step).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autonote.app import Workspace
from autonote.bounded import json_object, load_json
from autonote.corpus.import_apply import record_import
from autonote.errors import AutonoteError, LLMError, UsageError
from autonote.github.connection import GitHub, parse_repo
from autonote.github.issues import TRUSTED
from autonote.github.proposal import body_sha256, parse_proposal, render_proposal
from autonote.github.store import GitHubIssues, RemoteChangedError
from autonote.notes.format import render_note
from autonote.notes.ids import issue_note_id
from autonote.notes.issue_format import render_issue
from autonote.notes.mirror import origin_seen
from autonote.notes.store import StoredNote
from autonote.schema import Note
from autonote.sources.base import PaperRef

REGEN_LABEL = "autonote:regen"
ACCEPT_LABEL = "autonote:accept"
RERUN_LABEL = "action_wanted"  # the corpus's earlier workflow: run the pipeline again
TRANSLATE_LABEL = "translation_required"  # the corpus's earlier workflow: translate `__translate:` text
LABELS = (REGEN_LABEL, ACCEPT_LABEL, RERUN_LABEL, TRANSLATE_LABEL)
WHAT_IT_DOES = f"autonote acts on issues opened, and on the labels {', '.join(LABELS)}"
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
_TOKEN = re.compile(r"(?:arXiv:)?[A-Za-z.-]*/?\d{4}\.?\d{3,5}(?:v\d+)?", re.I)


class ActionFailed(AutonoteError):
    """The event asked for something that could not be done (exit 1; nothing half-written)."""


@dataclass(frozen=True)
class Event:
    name: str  # GITHUB_EVENT_NAME: issues, issue_comment, ...
    action: str  # opened, labeled, ...
    repo: str
    number: int | None
    title: str
    body: str
    label: str | None
    author: str
    author_association: str


def read_event(environ: Mapping[str, str]) -> Event:
    """The event of this workflow run (``GITHUB_EVENT_PATH``, ``GITHUB_EVENT_NAME``)."""
    data = _event_payload(environ.get("GITHUB_EVENT_PATH"))
    issue = json_object(data.get("issue"))
    label = json_object(data.get("label")).get("name")
    repo = str(json_object(data.get("repository")).get("full_name") or environ.get("GITHUB_REPOSITORY") or "")
    number = issue.get("number")
    return Event(
        name=str(environ.get("GITHUB_EVENT_NAME") or ("issues" if issue else "")),
        action=str(data.get("action") or ""),
        repo=parse_repo(repo) if repo else "",
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        title=str(issue.get("title") or ""),
        body=str(issue.get("body") or ""),
        label=str(label) if label else None,
        author=str(json_object(issue.get("user")).get("login") or ""),
        author_association=str(issue.get("author_association") or "NONE"),
    )


def _event_payload(path: str | None) -> dict[str, Any]:
    """The event file's JSON object (a usage error, in one line, when there is none to read)."""
    if not path:
        raise UsageError(
            "GITHUB_EVENT_PATH is not set: `autonote github action` runs inside a GitHub Actions workflow"
        )
    try:
        data = load_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"cannot read the event at {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the event is not a JSON object")
    return data


def find_paper(body: str) -> PaperRef | None:
    """The first paper URL or id in an issue body that a source (not a local file) takes."""
    from autonote.sources.registry import parse_input

    candidates = [body.strip()] if body.strip() and "\n" not in body.strip() else []
    candidates += [m.group(0).rstrip(".,;:!?") for m in _URL.finditer(body)]
    candidates += [m.group(0) for m in _TOKEN.finditer(_URL.sub(" ", body))]
    for text in candidates:
        try:
            ref = parse_input(text)
        except UsageError:
            continue
        if ref.source != "local":
            return ref
    return None


def nothing_to_do(event: Event) -> str | None:
    """Why this event asks nothing of autonote (None when it does)."""
    if event.name != "issues" or event.number is None or not event.repo:
        return f"nothing to do: event {event.name or '(none)'}/{event.action or '-'} ({WHAT_IT_DOES})"
    if event.action == "opened" or (event.action == "labeled" and event.label in LABELS):
        return None
    what = f"label {event.label}" if event.action == "labeled" else f"issues/{event.action}"
    return f"nothing to do: {what} on issue #{event.number} ({WHAT_IT_DOES})"


class Action:
    def __init__(
        self, ws: Workspace, gh: GitHub, event: Event, *, create_labels: bool = False, translate: bool = False
    ) -> None:
        self.ws, self.gh, self.event = ws, gh, event
        self.create_labels, self.translate = create_labels, translate
        self.store = GitHubIssues(gh, event.repo)
        self.number = event.number or 0

    def run(self) -> str:
        """The one line to print; raises on failure."""
        idle = nothing_to_do(self.event)
        if idle is not None:
            return idle
        if self.ws.settings.llm_configured and self.event.label != ACCEPT_LABEL:
            _ = self.ws.provider  # an unknown one is one line and exit 2 before the pull and any fetch
        if self.event.action == "opened":
            return self.opened()
        if self.event.label == RERUN_LABEL:
            return self.rerun()
        if self.event.label == TRANSLATE_LABEL:
            return self.translate_marked()
        return self.regen() if self.event.label == REGEN_LABEL else self.accept()

    def _pull(self) -> None:
        from autonote.github.sync import pull

        report = pull(self.ws, self.gh, self.event.repo)
        done = report.imported
        print(
            f"autonote: pulled {self.event.repo}: {report.listed} issues listed, {len(done.created)} new,"
            f" {len(done.updated)} updated, {len(done.conflicts)} conflicts",
            file=self.ws.stderr,
        )
        # What comes next (tag vocabulary, related notes, the note's own file) is read from the
        # corpus as the pull left it: on a first run (or after the cache was evicted) the corpus
        # read before the pull was empty.
        self.ws.reopen_corpus()

    # -- opened -----------------------------------------------------------------------------------

    def opened(self, *, label: str | None = None) -> str:
        """Draft the issue's note (``label``: the label that asked for it, removed once written;
        adding a label takes triage access, so the issue's author is not asked about then)."""
        from autonote import pipeline
        from autonote.sources.registry import fetch_papers

        event, n = self.event, self.number
        if label is None and event.author_association not in TRUSTED:
            return (
                f"nothing to do: issue #{n} was opened by {event.author or 'someone'} ({event.author_association});"
                " autonote drafts only for the repository's owner, members and collaborators"
            )
        ref = find_paper(event.body)
        if ref is None:
            return f"nothing to do: issue #{n} names no paper autonote can draft (an arXiv id or a supported URL)"
        self.gh.require_token("write the issue")
        self.ws.require_writable("draft into this corpus")
        self._pull()
        (paper,) = fetch_papers([ref], self.ws.sources())
        if isinstance(paper, AutonoteError):
            raise ActionFailed(f"issue #{n}: {ref.raw}: {paper}; nothing was written")
        if not self.ws.settings.llm_configured:
            self.ws.warn(
                "no OPENAI_API_KEY or OPENAI_BASE_URL: an offline draft (extracts, not an LLM summary)"
            )
        for other in self.ws.corpus.ids_with_arxiv(paper.arxiv_id) if paper.arxiv_id else []:
            if other != issue_note_id(n):
                self.ws.warn(f"the corpus already has this paper as {other}")
        translate = self.translate and self.ws.settings.llm_configured
        note = pipeline.draft_note(paper, self.ws, translate=translate).model_copy(
            update={"id": issue_note_id(n)}
        )
        view = render_issue(note)
        current = self.store.issue(n)
        if current.body != event.body or current.title != event.title:
            raise ActionFailed(f"issue #{n} was edited while autonote drafted it; nothing was written")
        wanted, missing = self._labels(view.labels)
        labels = list(dict.fromkeys([*current.labels, *wanted]))
        if label is not None:
            labels = [name for name in labels if name != label]  # removed in the same write
        written = self.store.edit(n, title=view.title, body=view.body, labels=labels)
        self._keep_locally(note, self.store.stored(written))
        extra = f"; labels not in {event.repo}, left off: {', '.join(missing)}" if missing else ""
        return f"issue #{n}: wrote the note for {paper.title_line} (title, body, {len(wanted)} labels){extra}"

    def _labels(self, wanted: list[str]) -> tuple[list[str], list[str]]:
        known = self.store.label_names()
        missing = [label for label in wanted if label not in known]
        if missing and self.create_labels:
            for label in missing:
                self.store.create_label(label)
            return wanted, []
        return [label for label in wanted if label in known], missing

    def _keep_locally(self, note: Note, published: StoredNote) -> None:
        """The drafted note as ``notes/issue-<n>.md``, knowing the issue it wrote."""
        note = note.model_copy(update={"origin": origin_seen(note, published)})
        text = render_note(note)
        existing = self.ws.store.get(note.id)
        if existing is not None:
            written = self.ws.store.update_at(existing.location, text, revision=existing.revision)
        else:
            written = self.ws.store.add_text(note.id, text)
        record_import(self.ws.state, written)

    # -- regen ------------------------------------------------------------------------------------

    def rerun(self) -> str:
        """``action_wanted``: draft an issue that is not a note yet; propose a new body for a note."""
        from autonote.notes.issue_format import parse_issue_body

        current = self.store.issue(self.number)
        if parse_issue_body(current.body).summary:
            return self.regen(label=RERUN_LABEL)
        return self.opened(label=RERUN_LABEL)

    def regen(self, *, label: str = REGEN_LABEL) -> str:
        n = self.number
        if not self.ws.settings.llm_configured:
            raise ActionFailed(
                f"issue #{n}: {label} needs an LLM: set the OPENAI_API_KEY secret (or OPENAI_BASE_URL);"
                " nothing was written"
            )
        self.gh.require_token("comment on the issue")
        self.ws.require_writable("regenerate")
        self._pull()
        local = self.ws.store.get(issue_note_id(n))
        if local is None:
            raise ActionFailed(
                f"issue #{n} is not a note of the corpus (the pull found none); nothing was written"
            )
        if not local.note.abstract:
            raise ActionFailed(f"issue #{n} has no abstract to regenerate from; nothing was written")
        current = self.store.issue(n)
        proposed = regenerate(self.ws, local.note)
        body = render_issue(proposed).body
        if body == current.body:
            self.store.remove_label(n, label)
            return f"issue #{n}: the regenerated body is the current one; no proposal posted"
        model = proposed.provenance.model if proposed.provenance else "the LLM"
        comment = self.store.comment(
            n, render_proposal(current.body, body, f"summary and key points by {model}")
        )
        self.store.remove_label(n, label)
        return f"issue #{n}: proposed a new body (comment {comment.id}); add the label {ACCEPT_LABEL} to apply it"

    # -- translation_required --------------------------------------------------------------------

    def translate_marked(self) -> str:
        from autonote.github.marked import find_marked, translate_marked

        n = self.number
        if not self.ws.settings.llm_configured:
            raise ActionFailed(
                f"issue #{n}: {TRANSLATE_LABEL} needs an LLM: set the OPENAI_API_KEY secret (or OPENAI_BASE_URL);"
                " nothing was written"
            )
        self.gh.require_token("write the issue")
        current = self.store.issue(n)
        comments = self.store.comments(n) if current.comment_count else []
        marked_comments = [c for c in comments if c.by_owner and find_marked(c.body)]
        # Every passage is translated before anything is written: a failure writes nothing.
        body = (
            translate_marked(current.body, lambda text: translate_text(self.ws, text))
            if find_marked(current.body)
            else None
        )
        edited = [
            (c.id, translate_marked(c.body, lambda text: translate_text(self.ws, text)))
            for c in marked_comments
        ]
        done = []
        if body is not None:
            try:
                self.store.update(issue_note_id(n), body, revision=body_sha256(current.body))
            except RemoteChangedError:
                raise ActionFailed(
                    f"issue #{n}: the body changed while autonote translated it; nothing was written"
                    f" (add {TRANSLATE_LABEL} again)"
                ) from None
            done.append("the body")
        for comment_id, text in edited:
            self.store.edit_comment(n, comment_id, text)
            done.append(f"comment {comment_id}")
        self.store.remove_label(n, TRANSLATE_LABEL)
        if not done:
            return f"issue #{n}: nothing is marked {MARKER_TEXT} in the body or the owner's comments"
        return f"issue #{n}: translated the passages marked {MARKER_TEXT} in {', '.join(done)}"

    # -- accept -----------------------------------------------------------------------------------

    def accept(self) -> str:
        n = self.number
        self.gh.require_token("write the issue")
        current = self.store.issue(n)
        comments = self.store.comments(n) if current.comment_count else []
        proposals = [(c, p) for c in comments if c.may_propose and (p := parse_proposal(c.body)) is not None]
        if not proposals:
            raise ActionFailed(
                f"issue #{n} has no autonote proposal to accept (add {REGEN_LABEL} first); nothing was written"
            )
        comment, proposal = max(proposals, key=lambda cp: (cp[0].created, cp[0].id))
        if current.body == proposal.body:
            self.store.remove_label(n, ACCEPT_LABEL)
            return f"issue #{n}: the proposal of comment {comment.id} is already the body"
        if body_sha256(current.body) != proposal.base_sha256:
            raise ActionFailed(self._conflict(current.body))
        try:
            self.store.update(issue_note_id(n), proposal.body, revision=proposal.base_sha256)
        except RemoteChangedError as exc:
            raise ActionFailed(self._conflict(exc.body)) from None
        self.store.remove_label(n, ACCEPT_LABEL)
        return f"issue #{n}: applied the proposal of comment {comment.id} to the body"

    def _conflict(self, body: str) -> str:
        n = self.number
        saved = ""
        relpath = self.ws.store.note_relpath(issue_note_id(n)) if self.ws.settings.corpus else None
        if relpath is not None:
            saved = f"; GitHub's body is saved in {self.ws.store.keep_remote_body(relpath, body)}"
        return (
            f"issue #{n}: the body changed since the proposal was made; nothing was written{saved}"
            f" (add {REGEN_LABEL} for a new proposal)"
        )


MARKER_TEXT = "`__translate:`"


def translate_text(ws: Workspace, text: str) -> str:
    """``text`` in Japanese, by the configured LLM (structured output: one field)."""
    from pydantic import BaseModel

    from autonote.llm.structured import generate_structured
    from autonote.rules import CheckResult

    class Translated(BaseModel):
        translation: str

    schema = json.dumps(Translated.model_json_schema(), ensure_ascii=False)

    def build(mode: str) -> list[dict[str, str]]:
        system = (
            "You translate a researcher's note into natural Japanese, as the researcher would write it."
            ' Keep technical terms, names, numbers and URLs. Answer with a JSON object {"translation": ...}.'
        )
        user = (
            text
            if mode == "json_schema"
            else f"{text}\n\nThe JSON object must follow this JSON schema:\n{schema}"
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def check(output: Translated) -> CheckResult:
        return CheckResult(errors=[] if output.translation.strip() else ["translation: empty"])

    options = {
        "mode": ws.settings.response_format,
        "max_reasks": ws.settings.max_reasks,
        "formats": ws.chat.formats,
    }
    try:
        result = generate_structured(ws.chat, build, Translated, check, **options)
    except LLMError as exc:
        raise ActionFailed(f"translating a marked passage: {exc}; nothing was written") from None
    return result.output.translation


def regenerate(ws: Workspace, note: Note) -> Note:
    """``note`` with its summary and key points regenerated (the same prompt, schema and checks as
    ``autonote regen``; the note hidden from its own candidates)."""
    from autonote.llm.structured import generate_structured
    from autonote.pipeline import finish_llm_note
    from autonote.regen.engine import RegenEngine

    job = RegenEngine(ws, ("summary", "keypoints")).job_for(note)
    try:
        result = generate_structured(
            ws.chat, job.build, job.output_model, job.check, **job.options(job.logger())
        )
    except LLMError as exc:
        raise ActionFailed(f"{note.id}: {exc}; nothing was written") from None
    generated = finish_llm_note(job, result)
    return note.model_copy(
        update={
            "summary": generated.summary,
            "key_points": generated.key_points,
            "provenance": generated.provenance,
        }
    )


def run_action(
    ws: Workspace, gh: GitHub, event: Event, *, create_labels: bool = False, translate: bool = False
) -> str:
    """Handle one event; the line to print (failures raise, as one line)."""
    return Action(ws, gh, event, create_labels=create_labels, translate=translate).run()
