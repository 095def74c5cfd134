"""Pending drafts: new notes from ``draft`` and update-drafts from ``regen``, in ``<corpus>/drafts/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autonote.corpus.store import DRAFTS_DIR, Corpus
from autonote.errors import NoteFormatError, UsageError
from autonote.render import parse_note
from autonote.schema import Note, paper_from_note
from autonote.textnorm import numbers_in
from autonote.validation import CheckResult, check_japanese


@dataclass
class PendingDraft:
    id: str  # the file name without .md (the note id when the draft is valid)
    path: Path
    text: str
    note: Note | None  # None when the draft does not parse
    error: str | None = None

    @property
    def kind(self) -> str:
        return "update" if self.note is not None and self.note.update_of is not None else "new"

    @property
    def title(self) -> str:
        return self.note.title_line if self.note is not None else "(invalid draft)"


def _read(path: Path) -> PendingDraft:
    text = path.read_text(encoding="utf-8")
    try:
        return PendingDraft(path.stem, path, text, parse_note(text, str(path)))
    except NoteFormatError as exc:
        return PendingDraft(path.stem, path, text, None, str(exc))


def pending_drafts(corpus: Corpus) -> list[PendingDraft]:
    folder = corpus.root / DRAFTS_DIR
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))
    return [_read(path) for path in paths]


def find_draft(corpus: Corpus, draft_id: str) -> PendingDraft:
    path = corpus.root / DRAFTS_DIR / f"{draft_id.removesuffix('.md')}.md"
    if not path.is_file():
        known = ", ".join(d.id for d in pending_drafts(corpus)[:8]) or "none"
        raise UsageError(f"no pending draft {draft_id!r} (pending: {known})")
    return _read(path)


def review_warnings(draft: PendingDraft, corpus: Corpus) -> list[str]:
    """What a reviewer should look at: the draft's own warnings (trimmed input, new tags, …) and
    checks made again now (the draft may have been edited): Japanese share, invented numbers,
    tags outside the vocabulary."""
    if draft.note is None:
        return [f"does not parse: {draft.error}"]
    note = draft.note
    found = list(note.warnings)
    check = CheckResult()
    if note.summary:
        check_japanese("summary", note.summary, check)
    for index, point in enumerate(note.key_points, 1):
        check_japanese(f"key point {index}", point, check, 0.2, 0.2)
    found += [f"error: {e}" for e in check.errors] + check.warnings
    source = numbers_in(f"{note.title} {note.abstract}")
    invented = sorted(
        n for n in numbers_in(" ".join([note.summary, *note.key_points])) if n not in source and len(n) > 1
    )
    if invented:
        found.append("numbers not found in the abstract: " + ", ".join(invented))
    vocabulary = corpus.vocabulary
    outside = [t for t in note.tags if t not in vocabulary and t not in note.new_tags]
    if outside:
        found.append("tags not in the vocabulary: " + ", ".join(f"#{t}" for t in outside))
    return list(dict.fromkeys(found))


def is_valid(draft: PendingDraft, corpus: Corpus) -> bool:
    """Parses and has no error-level finding (warnings are fine): what ``accept --all-valid`` takes."""
    return draft.note is not None and not any(w.startswith("error: ") for w in review_warnings(draft, corpus))


__all__ = ["PendingDraft", "find_draft", "is_valid", "paper_from_note", "pending_drafts", "review_warnings"]
