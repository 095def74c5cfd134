"""`autonote review`: every subcommand through the CLI, git commits, conflicts, bad input, and the
interactive loop driven with real key presses in a pseudo-terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note
from tests.loopback import GOOD_SUMMARY, OpenAIServer

REPO = Path(__file__).resolve().parents[1]
DPO = "arxiv-2305.18290"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def make_repo(corpus: Path) -> Path:
    git(corpus, "init", "-q", "-b", "main")
    git(corpus, "config", "user.name", "Reviewer")
    git(corpus, "config", "user.email", "reviewer@example.org")
    git(corpus, "add", "notes")
    git(corpus, "commit", "-q", "-m", "the corpus")
    return corpus


def regen_drafts(run, corpus: Path, *ids: str) -> None:
    result = run("regen", "--ids", ",".join(ids), "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr


def new_draft(run, corpus: Path) -> str:
    abstract = REPO / "fixtures" / "abstracts" / "sample-abstract.txt"
    result = run("draft", str(abstract), "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip()).stem


def test_list_show_diff(run, corpus: Path, llm_server: OpenAIServer) -> None:
    regen_drafts(run, corpus, DPO)
    new_id = new_draft(run, corpus)
    listed = json.loads(run("review", "--corpus", str(corpus), "list", "--json").stdout)
    assert [(d["id"], d["kind"]) for d in listed] == [(DPO, "update"), (new_id, "new")]
    assert set(listed[0]) == {"id", "kind", "title", "path", "errors", "warnings"}
    assert listed[0]["title"].startswith("[Paper Note] Direct Preference Optimization")
    plain = run("review", "list", "--corpus", str(corpus)).stdout
    assert f"{DPO}  update" in plain and f"{new_id}  new" in plain

    shown = run("review", "show", DPO, "--corpus", str(corpus))
    assert (
        shown.exit_code == 0
        and "provenance: llm gpt-4o-mini" in shown.stdout
        and GOOD_SUMMARY in shown.stdout
    )
    diff = run("review", "diff", DPO, "--corpus", str(corpus)).stdout
    assert f"--- a/notes/{DPO}.md" in diff and f"+GPT Summary- {GOOD_SUMMARY}" in diff
    assert "-GPT Summary- " in diff and "## Comment" not in [
        line[1:] for line in diff.splitlines() if line[:1] in "+-"
    ]
    new_diff = run("review", "diff", new_id, "--corpus", str(corpus)).stdout
    assert new_diff.startswith("--- /dev/null")


def test_accept_update_changes_only_regenerated_blocks_and_commits_just_that(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    note_path = corpus / "notes" / f"{DPO}.md"
    # A hand edit outside any block autonote models, made before the draft: it must survive.
    note_path.write_text(
        note_path.read_text(encoding="utf-8").replace("## URL\n", "## URL\n(手書きのメモ)\n"),
        encoding="utf-8",
    )
    git(corpus, "commit", "-q", "-am", "hand edit")
    before = note_path.read_text(encoding="utf-8")
    regen_drafts(run, corpus, DPO)
    (corpus / "unrelated.txt").write_text("staged but not ours\n", encoding="utf-8")
    git(corpus, "add", "unrelated.txt")

    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"accepted {DPO} → {note_path} (commit ")
    after = note_path.read_text(encoding="utf-8")
    assert f"GPT Summary- {GOOD_SUMMARY}" in after and "(手書きのメモ)" in after
    changed = [line for line in git(corpus, "diff", "HEAD~1", "HEAD", "--", str(note_path)).splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]  # fmt: skip
    assert all("GPT Summary" in line or line[1:].startswith(("- ", "provenance:")) for line in changed), (
        changed
    )
    assert before.split("## Comment")[1] == after.split("## Comment")[1]
    assert git(corpus, "log", "-1", "--format=%s").strip() == (
        "Regenerate summary, keypoints of note: Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    )
    assert git(corpus, "show", "--name-only", "--format=", "HEAD").split() == [f"notes/{DPO}.md"]
    assert "A  unrelated.txt" in git(corpus, "status", "--short")  # still staged, not committed
    assert not (corpus / "drafts" / f"{DPO}.md").exists()
    assert run("review", "list", "--json", "--corpus", str(corpus)).stdout.strip() == "[]"


def test_accept_new_note_one_commit_and_no_commit(run, corpus: Path, llm_server: OpenAIServer) -> None:
    make_repo(corpus)
    new_id = new_draft(run, corpus)
    regen_drafts(run, corpus, DPO, "arxiv-1706.03762")
    head = git(corpus, "rev-parse", "HEAD")
    staged = run("review", "accept", "arxiv-1706.03762", "--no-commit", "--corpus", str(corpus))
    assert staged.exit_code == 0 and staged.stdout.strip().endswith("(staged)")
    assert git(corpus, "rev-parse", "HEAD") == head and "M  notes/arxiv-1706.03762.md" in git(
        corpus, "status", "--short"
    )
    git(corpus, "commit", "-q", "-m", "by hand")

    both = run("review", "accept", "--all-valid", "--one-commit", "--corpus", str(corpus))
    assert both.exit_code == 0, both.stderr
    assert "committed 2 note(s) as" in both.stdout
    log = git(corpus, "log", "-1", "--format=%B")
    assert log.startswith("Accept 2 autonote draft(s)") and "Add note: Reward Models That Read" in log
    assert sorted(git(corpus, "show", "--name-only", "--format=", "HEAD").split()) == sorted(
        [f"notes/{DPO}.md", f"notes/{new_id}.md"]
    )
    note = parse_note((corpus / "notes" / f"{new_id}.md").read_text(encoding="utf-8"))
    assert note.warnings == [] and note.provenance is not None


def test_conflicting_edit_is_refused_then_resolved_either_way(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    regen_drafts(run, corpus, DPO, "arxiv-1706.03762")
    for note_id in (DPO, "arxiv-1706.03762"):
        path = corpus / "notes" / f"{note_id}.md"
        note = parse_note(path.read_text(encoding="utf-8"))
        path.write_text(
            render_note(note.model_copy(update={"summary": "私が書き直した要約。"})), encoding="utf-8"
        )
    refused = run("review", "accept", DPO, "--corpus", str(corpus))
    assert refused.exit_code == 1
    assert (
        "changed since the draft was made, in the same field(s): summary; nothing was written"
        in refused.stderr
    )
    assert "私が書き直した要約。" in (corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8")

    mine = run("review", "accept", DPO, "--on-conflict", "mine", "--corpus", str(corpus))
    assert mine.exit_code == 0
    kept = parse_note((corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8"))
    assert (
        kept.summary == "私が書き直した要約。" and len(kept.key_points) == 3
    )  # key points untouched by the owner: taken

    theirs = run("review", "accept", "arxiv-1706.03762", "--on-conflict", "draft", "--corpus", str(corpus))
    assert theirs.exit_code == 0
    assert (
        parse_note((corpus / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")).summary
        == GOOD_SUMMARY
    )


def test_owner_edit_in_another_field_merges_without_conflict(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    regen_drafts(run, corpus, DPO)
    path = corpus / "notes" / f"{DPO}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n追記: 著者の講演も良かった。\n", encoding="utf-8")
    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert GOOD_SUMMARY in text and text.endswith("追記: 著者の講演も良かった。\n")


def test_reject_is_recorded_and_regen_does_not_propose_it_again(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    regen_drafts(run, corpus, DPO)
    result = run("review", "reject", DPO, "--reason", "too generic", "--corpus", str(corpus))
    assert result.exit_code == 0 and "rejected" in result.stdout
    kept = list((corpus / ".autonote" / "rejected").glob(f"{DPO}.*.md"))
    assert len(kept) == 1 and not (corpus / "drafts" / f"{DPO}.md").exists()
    again = run("regen", "--ids", DPO, "--corpus", str(corpus))
    assert "skipped: rejected in review" in again.stdout and not (corpus / "drafts" / f"{DPO}.md").exists()
    forced = run("regen", "--ids", DPO, "--include-rejected", "--corpus", str(corpus))
    assert forced.exit_code == 0 and (corpus / "drafts" / f"{DPO}.md").exists()
    assert len(llm_server.chat_requests()) == 1  # proposed again from the cache: nothing paid twice


def test_edit_keeps_an_invalid_edit_and_a_failing_editor_changes_nothing(
    run, corpus: Path, llm_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regen_drafts(run, corpus, DPO)
    draft = corpus / "drafts" / f"{DPO}.md"
    original = draft.read_text(encoding="utf-8")
    failing = tmp_path / "failing-editor"
    failing.write_text('#!/bin/sh\necho broken >> "$1"\nexit 3\n')
    failing.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(failing))
    result = run("review", "edit", DPO, "--corpus", str(corpus))
    assert (
        result.exit_code == 1 and "the editor exited with status 3; the draft is unchanged" in result.stderr
    )
    assert draft.read_text(encoding="utf-8") == original

    breaking = tmp_path / "breaking-editor"
    breaking.write_text("#!/bin/sh\nsed -i 's/<!-- \\/autonote:summary -->//' \"$1\"\n")
    breaking.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(breaking))
    result = run("review", "edit", DPO, "--corpus", str(corpus))
    assert (
        result.exit_code == 1
        and "your edit is kept" in result.stderr
        and "missing block(s) summary" in result.stderr
    )
    assert draft.read_text(encoding="utf-8") != original  # the edit is kept, to be fixed
    listed = json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout)
    assert listed[0]["errors"][0].startswith("missing block(s) summary")  # as lint says it
    refused = run("review", "accept", DPO, "--corpus", str(corpus))
    assert refused.exit_code == 1 and "missing block(s) summary" in refused.stderr


def test_unknown_ids_and_bad_usage_exit_2(run, corpus: Path) -> None:
    for args in (
        ("show", "nope"),
        ("diff", "nope"),
        ("accept", "nope"),
        ("reject", "nope"),
        ("edit", "nope"),
    ):
        result = run("review", *args, "--corpus", str(corpus))
        assert result.exit_code == 2 and "no pending draft 'nope'" in result.stderr, args
    assert run("review", "accept", "--corpus", str(corpus)).exit_code == 2
    assert run("review", "accept", "x", "--all-valid", "--corpus", str(corpus)).exit_code == 2


def test_detached_head_or_unmerged_conflict_writes_nothing(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    regen_drafts(run, corpus, DPO)
    git(corpus, "checkout", "-q", "--detach")
    before = (corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8")
    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 1 and "HEAD is detached" in result.stderr
    assert (corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8") == before
    assert (corpus / "drafts" / f"{DPO}.md").exists()

    git(corpus, "checkout", "-q", "main")
    git(corpus, "checkout", "-q", "-b", "other")
    (corpus / "notes" / "x.txt").write_text("one\n")
    git(corpus, "add", "notes/x.txt")
    git(corpus, "commit", "-q", "-m", "one")
    git(corpus, "checkout", "-q", "main")
    (corpus / "notes" / "x.txt").write_text("two\n")
    git(corpus, "add", "notes/x.txt")
    git(corpus, "commit", "-q", "-m", "two")
    subprocess.run(["git", "-C", str(corpus), "merge", "-q", "other"], capture_output=True)
    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 1 and "unresolved merge conflict in notes/x.txt" in result.stderr
    assert (corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8") == before


# -- the interactive loop, as a person uses it ----------------------------------------------------


def test_interactive_review_with_real_key_presses(
    run, corpus: Path, llm_server: OpenAIServer, tmp_path: Path
) -> None:
    pexpect = pytest.importorskip("pexpect")
    make_repo(corpus)
    new_id = new_draft(run, corpus)  # 1: a new note → edited, then accepted
    regen_drafts(run, corpus, DPO, "arxiv-1706.03762")  # 2, 3: updates → accept one, reject one
    order = [d["id"] for d in json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout)]
    assert order == sorted([DPO, "arxiv-1706.03762", new_id])  # drafts come in file-name order

    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\npath = sys.argv[1]\ntext = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write(text.replace('## Comment\\n', '## Comment\\nレビューで追記。\\n'))\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))},
        "AUTONOTE_CONFIG_DIR": os.environ["AUTONOTE_CONFIG_DIR"], "EDITOR": f"{sys.executable} {editor}",
        "TERM": "xterm", "NO_COLOR": "1",
    }  # fmt: skip
    child = pexpect.spawn(sys.executable, ["-m", "autonote", "review", "--corpus", str(corpus)], env=env,
                          cwd=str(REPO), encoding="utf-8", timeout=30)  # fmt: skip
    decisions = {DPO: "a", "arxiv-1706.03762": "r", new_id: "e"}
    for _ in range(3):
        child.expect(r"\[(\d)/3\] (\S+)")
        current = child.match.group(2)
        child.expect(r"\[q\]uit \? ")
        key = decisions[current]
        child.send(key)
        if key == "r":
            child.expect("reason")
            child.sendline("not better than mine")
            child.expect(f"rejected {current}")
        elif key == "e":
            child.expect(r"\[q\]uit \? ")  # shown again after the edit
            child.send("a")
            child.expect(f"accepted {current}")
        else:
            child.expect(f"accepted {current}")
    child.expect(r"review: 2 accepted, 1 rejected, 0 skipped")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    subjects = git(corpus, "log", "--format=%s").splitlines()
    assert any(s.startswith("Add note: Reward Models That Read") for s in subjects)
    assert any(s.startswith("Regenerate summary, keypoints of note: Direct Preference") for s in subjects)
    assert len(subjects) == 3  # the corpus commit plus one per accepted note
    added = (corpus / "notes" / f"{new_id}.md").read_text(encoding="utf-8")
    assert "## Comment\nレビューで追記。" in added
    assert list((corpus / ".autonote" / "rejected").glob("arxiv-1706.03762.*.md"))
    assert json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout) == []


def test_quitting_keeps_the_decisions_made(run, corpus: Path, llm_server: OpenAIServer) -> None:
    pexpect = pytest.importorskip("pexpect")
    regen_drafts(run, corpus, DPO, "arxiv-1706.03762")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))},
        "AUTONOTE_CONFIG_DIR": os.environ["AUTONOTE_CONFIG_DIR"], "NO_COLOR": "1",
    }  # fmt: skip
    child = pexpect.spawn(sys.executable, ["-m", "autonote", "review", "--corpus", str(corpus)], env=env,
                          cwd=str(REPO), encoding="utf-8", timeout=30)  # fmt: skip
    child.expect(r"\[q\]uit \? ")
    child.send("x")
    child.expect("press a, e, r, s or q")
    child.expect(r"\[q\]uit \? ")
    child.send("a")
    child.expect(r"\[2/2\]")
    child.expect(r"\[q\]uit \? ")
    child.send("q")
    child.expect("review: 1 accepted, 0 rejected, 0 skipped")
    child.expect(pexpect.EOF)
    remaining = json.loads(run("review", "list", "--json", "--corpus", str(corpus)).stdout)
    assert len(remaining) == 1  # the accepted one is in the corpus, the other still pending
