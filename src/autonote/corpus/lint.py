"""Check notes against the schema and against the rest of the corpus.

One :class:`Problem` per finding, located by file and line. Errors make ``autonote lint`` fail;
warnings are shown but pass (``--strict`` makes them fail too). Checks:

- the note parses (front matter, autonote blocks, field types) and its id is a note id (no path);
- the title line (derived from ``title``/``authors``/``venue``/``published``) follows the corpus
  convention of the note's kind (:data:`autonote.titleline.TEMPLATES`), and the one shown in the
  body matches it; a blog post or a repository names no venue. A part the owner's own notes sometimes leave
  out (the author of a post, the venue of a technical report) is a warning, never an error;
- tags: outside the configured vocabulary (when ``tags`` is configured; a warning for a tag the
  note flags as new); otherwise a tag no other note uses that is a near-twin of one they do
  (``#Languagemodel``, ``#LanguageModle`` beside ``#LanguageModel``). A venue of
  ``data/venues.toml`` (``#COLING``) is always a known tag;
- related notes that do not exist (an error; only a warning for an imported link to a GitHub issue,
  which a partial import may simply not have brought in yet, and whose link still works);
- the summary and key points against :mod:`autonote.rules` (length, Japanese share; the same
  functions that validate LLM output);
- the same paper in two notes (same arXiv id, or the same title: a warning, since the owner notes a
  paper again when new commentary appears), and two files with one id (an error).

:func:`lint_text` is the one home of a note's findings: ``autonote lint`` and ``autonote review``
(list, show, accept) both call it, so a draft that review would accept is one lint passes.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autonote.corpus.view import Corpus
from autonote.errors import AutonoteError, NoteFormatError, UsageError
from autonote.notes.folder import DRAFTS_DIR, NoteFolder
from autonote.notes.format import parse_note
from autonote.notes.ids import is_note_id
from autonote.rules import (
    CheckResult,
    check_invented_numbers,
    check_japanese,
    check_key_points,
    check_summary,
)
from autonote.schema import Note
from autonote.titleline import TEMPLATES, find_paper_line, parse_other_title_line, parse_title_line
from autonote.venue import VENUE_NAMES

Severity = Literal["error", "warning"]
_VENUE = re.compile(r"^[A-Za-z][\w.&/+-]*(?: [A-Za-z][\w.&/+-]*)*'\d{2}(?: \S.*)?$")
_ISSUE_URL = re.compile(r"^https?://github\.com/[^/]+/[^/]+/issues/\d+$")
_LOCATED = re.compile(r"^(?P<where>.*?):(?P<line>\d+): ")


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message} [{self.code}]"


def _line_of(text: str, pattern: str, default: int = 1) -> int:
    found = re.search(pattern, text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else default


def _fold(tag: str) -> str:
    return re.sub(r"[^0-9a-z\u3040-\u9fff]", "", tag.lower())


def _title_key(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


@dataclass
class CorpusFacts:
    """What cross-note checks need, computed once."""

    ids: set[str]
    tag_users: dict[str, set[str]]
    by_arxiv: dict[str, list[str]]
    by_title: dict[str, list[str]]
    paths: dict[str, Path]
    vocabulary: frozenset[str]  # configured; empty when not configured
    root: Path | None = None  # the corpus folder: tells drafts from notes

    @classmethod
    def of(
        cls, notes: Iterable[Note], paths: dict[str, Path], configured: list[str], root: Path | None = None
    ) -> CorpusFacts:
        facts = cls(
            set(), defaultdict(set), defaultdict(list), defaultdict(list), paths, frozenset(configured),
            root.resolve() if root is not None else None,
        )  # fmt: skip
        for note in notes:
            facts.ids.add(note.id)
            for tag in note.tags:
                facts.tag_users[tag].add(note.id)
            if note.arxiv_id:
                facts.by_arxiv[note.arxiv_id].append(note.id)
            facts.by_title[_title_key(note.title)].append(note.id)
        return facts


def corpus_facts(corpus: Corpus, configured_tags: list[str]) -> CorpusFacts:
    """What :func:`lint_text` needs to know of the corpus, computed once for many notes."""
    return CorpusFacts.of(corpus.notes, corpus.paths, configured_tags, corpus.root)


def lint_text(text: str, path: Path, facts: CorpusFacts, *, pending: bool = False) -> list[Problem]:
    """Every finding on the note (or draft) ``text`` at ``path``: the one home of the note rules.

    A draft (a file in ``drafts/``) is checked as the note it would become: an update-draft
    replaces the note it updates, a new one must not take an id the corpus has. ``pending`` adds
    hints for a reviewer that are only ever warnings (the draft's own warnings, numbers the
    abstract does not contain); errors never depend on it."""
    problems: list[Problem] = []

    def add(line: int, severity: Severity, code: str, message: str) -> None:
        problems.append(Problem(path, line, severity, code, message))

    try:
        note = parse_note(text, str(path))
    except NoteFormatError as exc:
        message = str(exc)
        located = _LOCATED.match(message)
        line = int(located["line"]) if located else 1
        add(
            line, "error", "invalid-note", message[located.end() :] if located else message.split(": ", 1)[-1]
        )
        return problems
    if not is_note_id(note.id):
        add(
            _line_of(text, r"^id:"), "error", "invalid-id",
            f"id {note.id!r} is not a note id (letters, digits, '.', '_', '-'; no '/', no '..'):"
            " autonote leaves this note out",
        )  # fmt: skip
        return problems

    draft = _draft_folder(facts) is not None and path.resolve().parent == _draft_folder(facts)
    if draft and path.stem != note.id:
        add(
            _line_of(text, r"^id:"), "error", "invalid-draft",
            f"the draft file is named {path.stem} but holds note {note.id}",
        )  # fmt: skip
    _check_title(note, text, add)
    _check_tags(note, text, facts, add)
    _check_related(note, text, facts, add)
    _check_summary(note, text, add)
    _check_duplicates(note, text, path, facts, add, draft=draft)
    if pending:
        _check_pending(note, text, facts, add)
    return problems


def _draft_folder(facts: CorpusFacts) -> Path | None:
    return facts.root / DRAFTS_DIR if facts.root is not None else None


def _check_title(note: Note, text: str, add) -> None:
    line = _line_of(text, r"^title:")
    if not note.title.strip():
        add(line, "error", "title-line", "empty title")
        return
    if re.search(r"\s{2,}", note.title) or note.title != note.title.strip():
        add(line, "error", "title-line", f"title has stray whitespace: {note.title!r}")
    if note.kind != "paper":
        _check_other_title(note, text, line, add)
        return
    # The owner's corpus has papers whose title line names no author or no venue (technical
    # reports, a journal article): worth a look, never a failure.
    if not note.authors:
        add(
            _line_of(text, r"^authors:"), "warning", "title-line",
            f"no authors: a paper's title line is {TEMPLATES['paper']}",
        )  # fmt: skip
    if not note.venue:
        add(
            _line_of(text, r"^venue:"), "warning", "title-line",
            "no venue: a paper's title line names one, e.g. arXiv'25 (a technical report may have none)",
        )  # fmt: skip
    elif not _VENUE.match(note.venue):
        add(
            _line_of(text, r"^venue:"),
            "error",
            "title-line",
            f"venue {note.venue!r} is not like ACL'24 or arXiv'25",
        )
    elif note.authors and parse_title_line(note.title_line) is None:
        add(line, "error", "title-line", f"title line does not follow the convention: {note.title_line}")
    _check_shown_title(note, text, add)


def _check_other_title(note: Note, text: str, line: int, add) -> None:
    """A blog post or a repository: ``<Title>, <Author or Org>, <yyyy>.<mm>``, no venue."""
    what = "a blog post's" if note.kind == "blog" else "a repository's"
    if note.venue:
        add(
            _line_of(text, r"^venue:"), "warning", "title-line",
            f"venue {note.venue!r} on a {note.kind} note: {what} title line is {TEMPLATES[note.kind]}"
            " (kind: paper if it is a paper)",
        )  # fmt: skip
    if not note.authors:
        add(
            _line_of(text, r"^authors:"), "warning", "title-line",
            f"no author or organisation: {what} title line is {TEMPLATES[note.kind]}",
        )  # fmt: skip
    elif note.published is not None and parse_other_title_line(note.title_line) is None:
        add(line, "error", "title-line", f"title line does not follow the convention: {note.title_line}")
    _check_shown_title(note, text, add)


def _check_shown_title(note: Note, text: str, add) -> None:
    if note.kind != "paper":
        return
    shown = find_paper_line(text)
    if shown and shown.group(0).strip() != note.title_line:
        add(
            text.count("\n", 0, shown.start()) + 1,
            "warning",
            "title-line",
            "the title line in the body differs from the one made from the front matter "
            "(edit title/authors/venue/published there; the body line is regenerated)",
        )


def _check_tags(note: Note, text: str, facts: CorpusFacts, add) -> None:
    line = _line_of(text, r"^#[^#\s]")
    if not note.tags:
        add(line, "warning", "tags", "no tags")
    for tag in dict.fromkeys(note.tags):
        if facts.vocabulary and tag not in facts.vocabulary and tag not in VENUE_NAMES:
            twins = sorted(t for t in facts.vocabulary if _fold(t) == _fold(tag))
            hint = f"; did you mean #{twins[0]}?" if twins else ""
            if tag in note.new_tags:
                add(line, "warning", "new-tag",
                    f"#{tag} is new: not in the configured vocabulary (add it to tags in autonote.toml){hint}")  # fmt: skip
            else:
                add(line, "error", "unknown-tag", f"#{tag} is not in the configured vocabulary{hint}")
            continue
        others = facts.tag_users.get(tag, set()) - {note.id}
        if others or facts.vocabulary or tag in VENUE_NAMES:
            continue
        # Used by this note alone: a typo of a tag the corpus uses more?
        own = len(facts.tag_users.get(tag, ()))
        used_more = [
            t
            for t, users in facts.tag_users.items()
            if t != tag and len(users - {note.id}) > own - 1 and len(users) > own
        ]
        twins = sorted(t for t in used_more if _near(_fold(t), _fold(tag)))
        if twins:
            add(line, "error", "unknown-tag", f"#{tag} is used by no other note; did you mean #{twins[0]}?")


def _near(a: str, b: str) -> bool:
    """Equal, or one edit apart (insert, delete, substitute, swap) for words long enough to tell."""
    if a == b:
        return True
    if min(len(a), len(b)) < 6 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
                                   and a[diffs[1]] == b[diffs[0]])  # fmt: skip
    short, long_ = sorted((a, b), key=len)
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1 :]


def _check_related(note: Note, text: str, facts: CorpusFacts, add) -> None:
    line = _line_of(text, r"^related:")
    for item in note.related:
        if item.id == note.id:
            add(line, "warning", "related", f"{note.id} lists itself as related")
        elif item.id not in facts.ids:
            if item.id.startswith("issue-") and item.url and _ISSUE_URL.search(item.url):
                add(line, "warning", "related-missing",
                    f"related note {item.id} is not in the corpus (its link {item.url} still works; import it)")  # fmt: skip
            else:
                add(line, "error", "related-missing", f"related note {item.id} does not exist")


def _check_summary(note: Note, text: str, add) -> None:
    """The summary and key points against :mod:`autonote.rules` (what LLM output is held to)."""
    line = _line_of(text, r"^<!-- autonote:summary -->") + 1
    if not note.summary.strip():
        add(line, "warning", "summary", "no summary")
    else:
        language, length = CheckResult(), CheckResult()
        check_japanese("summary", note.summary, language)
        check_summary(note.summary, length)
        length.errors = [e for e in length.errors if "Japanese" not in e]  # said once, by language
        length.warnings = [w for w in length.warnings if "Japanese" not in w]
        _add_checks(language, line, "summary-language", add)
        _add_checks(length, line, "summary-length", add)
    if note.key_points:
        check = CheckResult()
        check_key_points(note.key_points, check, require_count=False)
        _add_checks(check, _line_of(text, r"^<!-- autonote:key-points -->") + 1, "key-points", add)


def _add_checks(check: CheckResult, line: int, code: str, add) -> None:
    for message in check.errors:
        add(line, "error", code, message)
    for message in check.warnings:
        add(line, "warning", code, message)


def _check_pending(note: Note, text: str, facts: CorpusFacts, add) -> None:
    """What a reviewer should look at besides the rules: the draft's own warnings (trimmed input,
    new tags, an offline draft) and numbers the summary has that the abstract does not."""
    line = _line_of(text, r"^warnings:")
    for message in note.warnings:
        add(line, "warning", "draft", message)
    check = CheckResult()
    check_invented_numbers([note.summary, *note.key_points], f"{note.title} {note.abstract}", check)
    _add_checks(check, _line_of(text, r"^<!-- autonote:summary -->") + 1, "numbers", add)
    known = facts.tag_users.keys()  # (a configured vocabulary is checked by _check_tags)
    outside = [t for t in note.tags if t not in known and t not in note.new_tags and t not in VENUE_NAMES]
    if outside and not facts.vocabulary:
        add(_line_of(text, r"^#[^#\s]"), "warning", "new-tag",
            "tags not in the vocabulary: " + ", ".join(f"#{t}" for t in outside))  # fmt: skip


def _check_duplicates(
    note: Note, text: str, path: Path, facts: CorpusFacts, add, *, draft: bool = False
) -> None:
    """The same paper twice is a warning (the owner's corpus notes a paper again when new
    commentary on it appears); one id in two files is an error (links and commands need one)."""
    line = _line_of(text, r"^id:")
    same_paper = [i for i in facts.by_arxiv.get(note.arxiv_id or "", []) if i != note.id]
    if same_paper:
        where = ", ".join(f"{i} ({facts.paths.get(i, '?')})" for i in same_paper)
        add(line, "warning", "duplicate-paper", f"arXiv {note.arxiv_id} is also the subject of {where}")
    else:
        same_title = [i for i in facts.by_title.get(_title_key(note.title), []) if i != note.id]
        if same_title:
            where = ", ".join(f"{i} ({facts.paths.get(i, '?')})" for i in same_title)
            add(line, "warning", "duplicate-paper", f"same title as {where}")
    owner = facts.paths.get(note.id)
    if owner is None:
        return
    of = note.update_of
    if draft and of is not None and facts.root is not None:  # an update-draft replaces its note
        if owner.resolve() != (facts.root / of.path).resolve():
            add(_line_of(text, r"^update_of:"), "error", "invalid-draft",
                f"update_of.path {of.path!r} is not the file of note {note.id} ({owner})")  # fmt: skip
    elif draft or owner.resolve() != path.resolve():  # a new draft adds a file
        add(line, "error", "duplicate-id", f"note id {note.id} is also used by {owner}")


def lint_paths(
    paths: list[Path], corpus: Corpus, store: NoteFolder, configured_tags: list[str]
) -> tuple[list[Problem], int]:
    """Lint the markdown files under ``paths`` (files or folders inside the corpus; none: the whole
    corpus) against the corpus. Returns the problems, sorted, and how many files were checked."""
    facts = corpus_facts(corpus, configured_tags)
    targets = _targets(paths) if paths else corpus.index.note_files() if corpus.index else []
    problems: list[Problem] = []
    skipped = 0
    for path in targets:
        try:
            relpath = store.relative(path)
        except ValueError:
            raise UsageError(f"{path}: not inside the corpus {store.root}") from None
        try:
            text = store.read_text(relpath, "file")
        except NoteFormatError as exc:
            problems.append(
                Problem(path, 1, "error", "unreadable", str(exc).removeprefix(f"{store.resolve(relpath)}: "))
            )
            continue
        except AutonoteError as exc:
            problems.append(Problem(path, 1, "error", "unreadable", str(exc)))
            continue
        if (
            not text.startswith("---\n")
            and paths
            and path.suffix == ".md"
            and not relpath.startswith("notes/")
        ):
            skipped += 1
            continue  # a README or other markdown handed over by pre-commit: not a note
        problems.extend(lint_text(text, path, facts))
    return sorted(problems), len(targets) - skipped


def _targets(paths: list[Path]) -> list[Path]:
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(_markdown_under(path))
        else:
            found.add(path)
    return sorted(found)


def _markdown_under(folder: Path) -> Iterator[Path]:
    """The ``.md`` files under ``folder``, not in dot folders, not through folder links. A loop,
    not ``rglob``: Path.rglob recurses once per level and dies in a folder 1,000 levels deep."""
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".md"):
                    yield Path(entry.path)
            except OSError:
                continue
