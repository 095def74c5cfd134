"""The venue tag of a paper whose venue label uses an older name of the venue."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from autonote.notes.format import parse_note, render_note

NOTE = "arxiv-1706.03762"  # Attention Is All You Need: NeurIPS'17, tagged NeurIPS


def _eval_tags(run, corpus: Path) -> dict[str, float]:
    result = run("eval", "--corpus", str(corpus), "--json", "-k", "1,5")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["methods"]["autonote suggest"]


def test_a_venue_under_its_old_name_suggests_the_venues_tag(run, corpus: Path, tmp_path: Path) -> None:
    path = corpus / "notes" / f"{NOTE}.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    assert note.venue == "NeurIPS'17" and "NeurIPS" in note.tags
    old_name = tmp_path / "old-name"
    shutil.copytree(corpus, old_name)
    # the label the conference had in 2017, as an imported title line may still carry it
    renamed = note.model_copy(update={"venue": "NIPS'17"})
    (old_name / "notes" / f"{NOTE}.md").write_text(render_note(renamed), encoding="utf-8")

    today, before = _eval_tags(run, corpus), _eval_tags(run, old_name)
    assert today["tag_precision@1"] > 0
    assert before == today  # NIPS'17 is NeurIPS: the same tag first, the same scores
