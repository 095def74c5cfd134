"""`github push` says what it did (or, with --dry-run, would do) one line per note, and its totals
agree with those lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_helpers import REPO, SAMPLE_XML, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer
from tests.loopback import ArxivServer

NEW_PAPER = "2504.07086"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def set_origin(corpus: Path, note_id: str, **changes: object) -> None:
    path = corpus / "notes" / f"{note_id}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        if line.startswith("origin: "):
            origin = json.loads(line.removeprefix("origin: "))
            origin.update(changes)
            lines[index] = "origin: " + json.dumps(origin, ensure_ascii=False)
    path.write_text("\n".join(lines), encoding="utf-8")


def totals(stdout: str) -> dict[str, int]:
    last = stdout.strip().splitlines()[-1]
    return {
        kind: int(count)
        for count, kind in re.findall(r"(\d+) (created|updated|unchanged|conflicts|refused)", last)
    }


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real"])
def test_push_totals_agree_with_the_lines_it_prints(
    run, tmp_path: Path, github: GitHubServer, arxiv_server: ArxivServer, dry_run: bool
) -> None:
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    assert run("github", "pull", "--repo", REPO, "--corpus", str(corpus)).exit_code == 0
    assert run("draft", NEW_PAPER, "--corpus", str(corpus), "--offline").exit_code == 0
    # an offline draft (English extracts) has error-level findings: accepted deliberately
    assert run("review", "accept", f"arxiv-{NEW_PAPER}", "--corpus", str(corpus), "--force").exit_code == 0
    path = corpus / "notes" / "issue-9104.md"
    marker = "<!-- autonote:key-points -->\n"
    path.write_text(
        path.read_text(encoding="utf-8").replace(marker, marker + "- 追加\n", 1), encoding="utf-8"
    )
    set_origin(
        corpus, "issue-9102", url="https://github.com/someone/else/issues/9102"
    )  # another repository's
    result = run("github", "push", "--all-accepted", *(["--dry-run"] if dry_run else []), "--repo", REPO,
                 "--corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the refused note
    said = totals(result.stdout)
    creates = [line for line in result.stdout.splitlines() if line.startswith(("would create ", "created "))]
    updates = [line for line in result.stdout.splitlines() if line.startswith(("would update ", "updated "))]
    refused = [line for line in result.stderr.splitlines() if ": not pushed: " in line]
    assert (said["created"], said["updated"], said["refused"]) == (len(creates), len(updates), len(refused))
    assert (len(creates), len(updates), len(refused)) == (1, 1, 1)
    assert (
        said["created"] + said["updated"] + said["unchanged"] + said["refused"] == 4
    )  # every note counted once
