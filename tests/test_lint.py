"""`autonote lint`: one located line per problem, exit codes, and the pre-commit hook definition."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from autonote.notes.format import parse_note, render_note

REPO = Path(__file__).resolve().parents[1]


def rewrite(path: Path, **changes: object) -> None:
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(render_note(note.model_copy(update=changes)), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_a_clean_corpus_passes(run, corpus: Path) -> None:
    result = run("lint", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "" and "9 notes checked: 0 errors, 0 warnings" in result.stderr


def test_each_kind_of_problem_is_one_located_line(run, corpus: Path) -> None:
    notes = corpus / "notes"
    rewrite(notes / "arxiv-1706.03762.md", venue="NeurIPS 2017")  # malformed title line
    math = parse_note((notes / "arxiv-2402.03300.md").read_text(encoding="utf-8"))
    rewrite(notes / "arxiv-2402.03300.md", tags=[*math.tags, "ReinforcementLearnig"])  # a typo
    rewrite(notes / "arxiv-2212.10560.md", summary="This summary was left in English by mistake.")
    dpo = parse_note((notes / "arxiv-2305.18290.md").read_text(encoding="utf-8"))
    rewrite(
        notes / "arxiv-2305.18290.md",
        related=[*dpo.related, dpo.related[0].model_copy(update={"id": "gone"})],
    )
    shutil.copy(notes / "arxiv-2402.03300.md", notes / "copy.md")  # (after the typo: rewritten below)
    rewrite(notes / "copy.md", id="math-again", tags=math.tags)  # the same paper under another id
    (notes / "broken.md").write_text("---\nid: broken\ntitle: [unclosed\n---\n", encoding="utf-8")

    result = run("lint", "--corpus", str(corpus))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    expected = [
        f"{notes / 'arxiv-1706.03762.md'}:{line_of(notes / 'arxiv-1706.03762.md', 'venue:')}: error:"
        " venue 'NeurIPS 2017' is not like ACL'24 or arXiv'25 [title-line]",
        f"{notes / 'arxiv-2402.03300.md'}:{line_of(notes / 'arxiv-2402.03300.md', '#')}: error:"
        " #ReinforcementLearnig is used by no other note; did you mean #ReinforcementLearning? [unknown-tag]",
        f"{notes / 'arxiv-2212.10560.md'}:{line_of(notes / 'arxiv-2212.10560.md', '<!-- autonote:summary') + 1}:"
        " error: summary is not Japanese (0% Japanese characters); write it in Japanese [summary-language]",
        f"{notes / 'arxiv-2305.18290.md'}:{line_of(notes / 'arxiv-2305.18290.md', 'related:')}: error:"
        " related note gone does not exist [related-missing]",
        f"{notes / 'broken.md'}:4: error: invalid front matter: did not find expected ',' or ']' [invalid-note]",
    ]
    for line in expected:
        assert line in lines, "\n".join(lines)
    assert any("error: summary has 44 characters" in line for line in lines)
    # The same paper twice is a warning: the owner's corpus notes a paper again (issues 3790, 4280).
    duplicates = [line for line in lines if "[duplicate-paper]" in line]
    assert len(duplicates) == 2 and all("arXiv 2402.03300 is also the subject of" in d for d in duplicates)
    assert all(": warning: " in d for d in duplicates)
    assert len(lines) == 8 and "6 errors, 2 warnings" in result.stderr


def test_lint_given_paths_checks_only_those_files(run, corpus: Path) -> None:
    notes = corpus / "notes"
    rewrite(notes / "arxiv-2212.10560.md", summary="English only.")
    other = run("lint", str(notes / "arxiv-1706.03762.md"), "--corpus", str(corpus))
    assert other.exit_code == 0 and "1 notes checked" in other.stderr
    target = run("lint", str(notes / "arxiv-2212.10560.md"), "--corpus", str(corpus))
    assert target.exit_code == 1 and "[summary-language]" in target.stdout
    (corpus / "README.md").write_text("# notes\n", encoding="utf-8")  # pre-commit hands over all markdown
    assert run("lint", str(corpus / "README.md"), "--corpus", str(corpus)).exit_code == 0
    missing = run("lint", str(notes / "nope.md"), "--corpus", str(corpus))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_configured_vocabulary_makes_unknown_tags_errors_and_strict_fails_on_warnings(
    run, corpus: Path
) -> None:
    (corpus / "autonote.toml").write_text('tags = ["NLP", "LanguageModel"]\n', encoding="utf-8")
    result = run("lint", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert "#Transformer is not in the configured vocabulary [unknown-tag]" in result.stdout
    (corpus / "autonote.toml").unlink()
    rewrite(
        corpus / "notes" / "arxiv-1706.03762.md",
        summary="自己注意のみで構成したモデルを提案し、翻訳で高い性能を示した。再帰も畳み込みも使わない。"
        "Transformer architecture, encoder decoder",
    )
    assert run("lint", "--corpus", str(corpus)).exit_code == 0
    assert run("lint", "--corpus", str(corpus), "--strict").exit_code == 1


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "autonote-lint" and hook["entry"] == "autonote lint"
    assert hook["language"] == "python" and hook["types"] == ["markdown"]
