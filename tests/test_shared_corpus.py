"""Checks against the real corpus sample in ../shared (skipped when it is absent)."""

from __future__ import annotations

import json
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


def test_the_sample_imports_completely_and_reads_back(run, tmp_path: Path) -> None:
    from autonote.corpus.importers import read_notes
    from autonote.notes.format import parse_note, render_note

    corpus = tmp_path / "c"

    corpus.mkdir()
    result = run("import", "paper-notes-xml", str(SAMPLE), "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert "30 new, 0 updated, 0 unchanged, 0 conflicts, 0 skipped" in result.stdout
    for _, made in read_notes("paper-notes-xml", [SAMPLE]).notes:
        path = corpus / "notes" / f"{made.id}.md"
        assert parse_note(path.read_text(encoding="utf-8"), str(path)) == made
        assert render_note(made) == path.read_text(encoding="utf-8")
    radio = parse_note((corpus / "notes" / "issue-1883.md").read_text(encoding="utf-8"))
    assert [r.id for r in radio.related] == ["issue-550", "issue-1884", "issue-1885", "issue-2111"]
    assert radio.comment.startswith(
        "元ポスト:\n\nhttps://twitter.com/pavlomolchanov/status/1910391609927360831"
    )
    # Bare '&' in the abstract survived the lenient reading.
    assert any("&" in n.abstract for _, n in read_notes("paper-notes-xml", [SAMPLE]).notes)
    # The duplicate paper in the sample is reported by lint, with both files named, as a warning
    # (the owner notes a paper again when new commentary on it appears).
    lint = run("lint", "--corpus", str(corpus))
    assert lint.exit_code == 0
    assert not [line for line in lint.stdout.splitlines() if ": error: " in line]
    duplicates = [line for line in lint.stdout.splitlines() if "[duplicate-paper]" in line]
    assert len(duplicates) == 2 and all(": warning: " in line for line in duplicates)


def test_suggestions_beat_both_baselines_on_the_sample(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    run("import", "paper-notes-xml", str(SAMPLE), "--corpus", str(corpus))
    result = run("eval", "--corpus", str(corpus), "--json")
    scores = json.loads(result.stdout)["methods"]
    ours = scores["autonote suggest"]
    for baseline in ("most frequent tags", "random notes"):
        for k in (5, 10):
            assert ours[f"tag_f1@{k}"] > scores[baseline][f"tag_f1@{k}"] + 0.05, (baseline, k, scores)
