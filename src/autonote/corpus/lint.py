"""Check notes against the schema and against the rest of the corpus.

One :class:`Problem` per finding, located by file and line. Errors make ``autonote lint`` fail;
warnings are shown but pass (``--strict`` makes them fail too). Checks:

- the note parses (front matter, autonote blocks, field types) and its id is a note id (no path);
- the title line (derived from ``title``/``authors``/``venue``/``published``) follows the corpus
  convention, and the one shown in the body matches it;
- tags: outside the configured vocabulary (when ``tags`` is configured); otherwise a tag no other
  note uses that is a near-twin of one they do (``#Languagemodel``, ``#LanguageModle`` beside
  ``#LanguageModel``);
- related notes that do not exist (an error; only a warning for an imported link to a GitHub issue,
  which a partial import may simply not have brought in yet, and whose link still works);
- summaries that are not Japanese (thresholds shared with draft validation);
- the same paper in two notes (same arXiv id, or the same title), and two files with one id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autonote.corpus.view import Corpus
from autonote.errors import AutonoteError, NoteFormatError, UsageError
from autonote.notes.folder import NoteFolder
from autonote.notes.format import parse_note
from autonote.notes.ids import is_note_id
from autonote.rules import JAPANESE_MIN_SHARE, JAPANESE_SOFT_SHARE
from autonote.schema import Note
from autonote.textnorm import japanese_share
from autonote.titleline import parse_title_line

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
class _CorpusFacts:
    """What cross-note checks need, computed once."""

    ids: set[str]
    tag_users: dict[str, set[str]]
    by_arxiv: dict[str, list[str]]
    by_title: dict[str, list[str]]
    paths: dict[str, Path]
    vocabulary: frozenset[str]  # configured; empty when not configured

    @classmethod
    def of(cls, notes: Iterable[Note], paths: dict[str, Path], configured: list[str]) -> _CorpusFacts:
        facts = cls(
            set(), defaultdict(set), defaultdict(list), defaultdict(list), paths, frozenset(configured)
        )
        for note in notes:
            facts.ids.add(note.id)
            for tag in note.tags:
                facts.tag_users[tag].add(note.id)
            if note.arxiv_id:
                facts.by_arxiv[note.arxiv_id].append(note.id)
            facts.by_title[_title_key(note.title)].append(note.id)
        return facts


def lint_text(text: str, path: Path, facts: _CorpusFacts) -> list[Problem]:
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

    _check_title(note, text, add)
    _check_tags(note, text, facts, add)
    _check_related(note, text, facts, add)
    _check_summary(note, text, add)
    _check_duplicates(note, text, path, facts, add)
    return problems


def _check_title(note: Note, text: str, add) -> None:
    line = _line_of(text, r"^title:")
    if not note.title.strip():
        add(line, "error", "title-line", "empty title")
        return
    if re.search(r"\s{2,}", note.title) or note.title != note.title.strip():
        add(line, "error", "title-line", f"title has stray whitespace: {note.title!r}")
    if not note.authors:
        add(
            _line_of(text, r"^authors:"),
            "error",
            "title-line",
            "no authors: the title line needs a first author",
        )
    if not note.venue:
        add(
            _line_of(text, r"^venue:"),
            "error",
            "title-line",
            "no venue: the title line needs one, e.g. arXiv'25",
        )
    elif not _VENUE.match(note.venue):
        add(
            _line_of(text, r"^venue:"),
            "error",
            "title-line",
            f"venue {note.venue!r} is not like ACL'24 or arXiv'25",
        )
    elif note.authors and parse_title_line(note.title_line) is None:
        add(line, "error", "title-line", f"title line does not follow the convention: {note.title_line}")
    shown = re.search(r"^\[Paper Note\] .*$", text, re.M)
    if shown and shown.group(0).strip() != note.title_line:
        add(
            _line_of(text, r"^\[Paper Note\] "),
            "warning",
            "title-line",
            "the title line in the body differs from the one made from the front matter "
            "(edit title/authors/venue/published there; the body line is regenerated)",
        )


def _check_tags(note: Note, text: str, facts: _CorpusFacts, add) -> None:
    line = _line_of(text, r"^#[^#\s]")
    if not note.tags:
        add(line, "warning", "tags", "no tags")
    for tag in dict.fromkeys(note.tags):
        if facts.vocabulary and tag not in facts.vocabulary:
            twins = sorted(t for t in facts.vocabulary if _fold(t) == _fold(tag))
            hint = f"; did you mean #{twins[0]}?" if twins else ""
            add(line, "error", "unknown-tag", f"#{tag} is not in the configured vocabulary{hint}")
            continue
        others = facts.tag_users.get(tag, set()) - {note.id}
        if others or facts.vocabulary:
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


def _check_related(note: Note, text: str, facts: _CorpusFacts, add) -> None:
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
    line = _line_of(text, r"^<!-- autonote:summary -->") + 1
    if not note.summary.strip():
        add(line, "warning", "summary", "no summary")
        return
    share = japanese_share(note.summary)
    if share < JAPANESE_MIN_SHARE:
        add(line, "error", "summary-language", f"summary is not Japanese ({share:.0%} Japanese characters)")
    elif share < JAPANESE_SOFT_SHARE:
        add(
            line,
            "warning",
            "summary-language",
            f"summary is mostly not Japanese ({share:.0%} Japanese characters)",
        )


def _check_duplicates(note: Note, text: str, path: Path, facts: _CorpusFacts, add) -> None:
    line = _line_of(text, r"^id:")
    same_paper = [i for i in facts.by_arxiv.get(note.arxiv_id or "", []) if i != note.id]
    if same_paper:
        where = ", ".join(f"{i} ({facts.paths.get(i, '?')})" for i in same_paper)
        add(line, "error", "duplicate-paper", f"arXiv {note.arxiv_id} is also the subject of {where}")
    else:
        same_title = [i for i in facts.by_title.get(_title_key(note.title), []) if i != note.id]
        if same_title:
            where = ", ".join(f"{i} ({facts.paths.get(i, '?')})" for i in same_title)
            add(line, "error", "duplicate-paper", f"same title as {where}")
    owner = facts.paths.get(note.id)
    if owner is not None and owner.resolve() != path.resolve():
        add(line, "error", "duplicate-id", f"note id {note.id} is also used by {owner}")


def lint_paths(
    paths: list[Path], corpus: Corpus, store: NoteFolder, configured_tags: list[str]
) -> tuple[list[Problem], int]:
    """Lint the markdown files under ``paths`` (files or folders inside the corpus; none: the whole
    corpus) against the corpus. Returns the problems, sorted, and how many files were checked."""
    facts = _CorpusFacts.of(corpus.notes, corpus.paths, configured_tags)
    targets = _targets(paths) if paths else corpus.index.note_files() if corpus.index else []
    problems: list[Problem] = []
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
            continue  # a README or other markdown handed over by pre-commit: not a note
        problems.extend(lint_text(text, path, facts))
    return sorted(problems), len(targets)


def _targets(paths: list[Path]) -> list[Path]:
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*.md") if not any(part.startswith(".") for part in p.parts))
        else:
            found.add(path)
    return sorted(found)
