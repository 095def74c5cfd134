"""Checks against the real corpus sample in ../shared (skipped when it is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autonote.schema import LLMNoteOutput, Paper
from autonote.titleline import parse_title_line
from autonote.validation import check_output

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "paper_notes_CVPR.xml"
pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared/corpus is not present")


def entries() -> list[str]:
    # The export is not well-formed XML; read it leniently, entry by entry.
    return re.findall(r"<paper-entry>(.*?)</paper-entry>", SAMPLE.read_text(encoding="utf-8"), re.S)


def field(entry: str, name: str) -> str:
    match = re.search(rf"<{name}>(.*?)</{name}>", entry, re.S)
    return match.group(1) if match else ""


def test_every_title_line_of_the_sample_parses() -> None:
    titles = [field(e, "title") for e in entries()]
    assert len(titles) == 30
    parsed = [parse_title_line(t) for t in titles]
    assert all(parsed), [t for t, p in zip(titles, parsed, strict=True) if p is None]
    assert {p.venue for p in parsed if p} >= {"CVPR'26", "arXiv'26", "CVPR'25 Highlight"}


def test_validation_accepts_the_owners_real_summaries() -> None:
    """Thresholds must not reject what the corpus itself contains."""
    for entry in entries():
        body = field(entry, "issue-body")
        abstract = re.search(r"# Abstract\n\s*- (.*?)\n# ", body, re.S).group(1)  # type: ignore[union-attr]
        summary = re.search(r"# Summary \(by [^)]*\)\n- (.*)", body, re.S).group(1).strip()  # type: ignore[union-attr]
        output = LLMNoteOutput(summary=summary, key_points=["要点一", "要点二", "要点三"], tags=["CVPR"],
                               new_tags=[], related_ids=[])  # fmt: skip
        result = check_output(output, Paper(source="local", title="t", abstract=abstract), vocabulary={"CVPR"},
                              tag_candidates=["CVPR"], related_candidates=[], translate=False)  # fmt: skip
        assert result.errors == [], (field(entry, "title"), result.errors)
