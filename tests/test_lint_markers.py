"""A note full of autonote markers lints in linear time, and the linear block reader reads what
the straightforward one does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.notes.format import _blocks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_lint_of_notes_with_50000_markers_finishes(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / "notes").mkdir(parents=True)
    note = (FIXTURES / "corpus" / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")
    summary = note.index("<!-- autonote:summary")
    shapes = {
        "unclosed-after": note + "<!-- autonote:x -->\n" * 50_000,
        "unclosed-before": note[:summary] + "<!-- autonote:x -->\n" * 50_000 + note[summary:],
        "sections": note + "## Comment\n## Key Points\n" * 50_000,
        "distinct": note[:summary]
        + "".join(f"<!-- autonote:n{i} -->\n" for i in range(50_000))
        + note[summary:],
    }
    for name, text in shapes.items():
        text = text.replace("id: arxiv-1706.03762", f"id: {name}")
        (corpus / "notes" / f"{name}.md").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTONOTE_")}
    # Generous: linear, this takes a few seconds; quadratic (before), well over a minute per note.
    done = subprocess.run(
        [sys.executable, "-m", "autonote", "lint", "--corpus", str(corpus)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 notes checked: 0 errors" in done.stderr


def reference_blocks(body: str) -> tuple[dict[str, str], int]:
    """The block reader as first written (quadratic on unclosed markers): the specification."""
    opening = "<!-- autonote:"
    blocks: dict[str, str] = {}
    position, last_end = 0, 0
    while (start := body.find(opening, position)) >= 0:
        name_end = body.find(" -->\n", start)
        if name_end < 0:
            break
        name = body[start + len(opening) : name_end]
        close = f"<!-- /autonote:{name} -->"
        content_start = name_end + 5
        end = body.find(close, content_start - 1)
        if end < 0 or not re.fullmatch(r"[\w-]+", name):
            position = content_start
            continue
        blocks.setdefault(name, body[content_start:end].strip("\n"))
        position = last_end = end + len(close)
    return blocks, last_end


PIECES = st.sampled_from(
    [
        "<!-- autonote:", "<!-- /autonote:", " -->\n", " -->", "\n", "a", "b", "a b", "-", "x\n",
        "<!-- autonote:a -->\n", "<!-- /autonote:a -->", "<!-- autonote:b -->\n", "<!-- /autonote:b -->",
        "<!-- autonote:a b -->\n", "## Comment\n", "é", "<!--",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_the_linear_block_reader_reads_what_the_reference_does(body: str) -> None:
    assert _blocks(body) == reference_blocks(body)
