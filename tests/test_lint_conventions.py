"""`autonote lint` takes its rules from the owner's corpus: the real notes lint clean, each kind of
note follows its own title line, and a venue is never a typo."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "paper_notes_dev.xml"


def rewrite(path: Path, **changes: object) -> None:
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(render_note(note.model_copy(update=changes)), encoding="utf-8")


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/corpus is not present")
def test_the_owners_398_real_notes_lint_with_no_errors(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    assert run("init", str(corpus)).exit_code == 0
    imported = run("import", "paper-notes-xml", str(DEV), "--corpus", str(corpus))
    assert imported.exit_code == 0, imported.stderr
    result = run("lint", "--corpus", str(corpus))
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [] and result.exit_code == 0
    assert "398 notes checked: 0 errors" in result.stderr
    lines = result.stdout.splitlines()
    # A blog post's and a repository's title line has no venue: nothing said about one.
    for blog in ("issue-4811", "issue-1258"):  # Olmo Hybrid (Ai2), repeng (a repository)
        assert not any(f"{blog}.md" in line and "venue" in line for line in lines)
    # A title line the owner wrote without an author is worth a look, in the words of its kind.
    (retrieva,) = [line for line in lines if "issue-1323.md" in line and "[title-line]" in line]
    assert ": warning: no author or organisation: a blog post's title line is" in retrieva
    # Inline maths is not English: the owner's Japanese summary with formulas is Japanese.
    assert not any("issue-2356.md" in line and "not Japanese" in line for line in lines)


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/corpus is not present")
def test_the_pre_commit_hook_passes_the_owners_notes(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As pre-commit runs the hook: from the repository's root, with the staged markdown files."""
    corpus = tmp_path / "notes-repo"
    assert run("init", str(corpus)).exit_code == 0
    assert run("import", "paper-notes-xml", str(DEV), "--corpus", str(corpus)).exit_code == 0
    (corpus / "README.md").write_text("# my paper notes\n", encoding="utf-8")
    monkeypatch.chdir(corpus)
    files = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*.md") if ".autonote" not in p.parts)
    result = run("lint", *files)
    assert result.exit_code == 0, result.stdout
    assert "398 notes checked: 0 errors" in result.stderr


def test_blog_and_repository_notes_follow_their_own_title_line(run, corpus: Path) -> None:
    notes = corpus / "notes"
    rewrite(notes / "arxiv-2503.20783.md", kind="blog", venue="", authors=["Ai2"])
    rewrite(notes / "arxiv-2501.12948.md", kind="oss", venue="", authors=[])
    rewrite(notes / "arxiv-2402.03300.md", venue="")  # a paper without a venue: a technical report
    result = run("lint", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert not any("arxiv-2503.20783.md" in line for line in lines), lines
    (oss,) = [line for line in lines if "arxiv-2501.12948.md" in line]
    assert (
        ": warning: no author or organisation: a repository's title line is"
        " <Title>, <Author or Org>, <yyyy>.<mm> [title-line]" in oss
    )
    (paper,) = [line for line in lines if "arxiv-2402.03300.md" in line]
    assert ": warning: no venue: a paper's title line names one" in paper


def test_a_venue_of_the_venue_table_is_never_a_typo(run, corpus: Path) -> None:
    notes = corpus / "notes"
    for name in ("arxiv-2212.10560.md", "arxiv-2305.18290.md"):
        note = parse_note((notes / name).read_text(encoding="utf-8"))
        rewrite(notes / name, tags=[*note.tags, "Coding"])  # used by two notes
    note = parse_note((notes / "arxiv-2402.03300.md").read_text(encoding="utf-8"))
    rewrite(notes / "arxiv-2402.03300.md", tags=[*note.tags, "COLING"])  # one note, one edit away
    result = run("lint", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stdout
    assert "COLING" not in result.stdout
    rewrite(notes / "arxiv-2402.03300.md", tags=[*note.tags, "Cdoing"])  # a real typo still is one
    typo = run("lint", "--corpus", str(corpus))
    assert typo.exit_code == 1 and "#Cdoing is used by no other note; did you mean #Coding?" in typo.stdout
