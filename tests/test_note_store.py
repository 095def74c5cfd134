"""The note store as the one home of note files: ids and paths confined to the corpus, accept as a
transaction with git, concurrent runs that never pay twice, and file modes that follow the umask.
Each test is a damage case seen before the store existed, driven through the real CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note, replace_front_matter
from tests.loopback import ArxivServer, OpenAIServer
from tests.test_regen import drafts, process_env, regen_process
from tests.test_review import DPO, git, make_repo, regen_drafts

REPO = Path(__file__).resolve().parents[1]


def note_file(corpus: Path, note_id: str = DPO) -> Path:
    return corpus / "notes" / f"{note_id}.md"


# -- ids and paths stay inside the corpus ---------------------------------------------------------


def test_review_reject_refuses_paths_and_deletes_nothing(run, corpus: Path, tmp_path: Path) -> None:
    victim = tmp_path / "x.md"
    victim.write_text("not autonote's\n")
    before = note_file(corpus).read_text()
    for bad in (f"../notes/{DPO}", "../../x", "/etc/passwd", "..", "a/b"):
        result = run("review", "reject", bad, "--corpus", str(corpus))
        assert result.exit_code == 2, (bad, result.stderr)
        assert result.stderr.count("\n") == 1 and "not a note id" in result.stderr
    assert note_file(corpus).read_text() == before and victim.read_text() == "not autonote's\n"
    assert not (corpus / ".autonote" / "rejected").exists()


def test_a_note_whose_id_is_a_path_is_left_out_and_linted(
    run, corpus: Path, tmp_path: Path, llm_server: OpenAIServer
) -> None:
    outside = corpus.parent / "README.md"
    outside.write_text("the user's own file\n")
    hostile = note_file(corpus).read_text().replace(f"id: {DPO}\n", 'id: "../../README"\n')
    note_file(corpus).write_text(hostile)

    regen = run("regen", "--all", "--corpus", str(corpus))
    assert regen.exit_code == 0, regen.stderr
    assert outside.read_text() == "the user's own file\n"
    assert not list(corpus.parent.glob("*.md.*")) and "README" not in " ".join(drafts(corpus))
    assert "is not a note id" in regen.stderr  # reported as a skipped note

    lint = run("lint", "--corpus", str(corpus))
    assert lint.exit_code == 1
    assert f"{note_file(corpus)}:2: error: id '../../README' is not a note id" in lint.stdout
    assert "[invalid-id]" in lint.stdout


def test_an_update_draft_pointing_outside_the_corpus_is_refused(
    run, corpus: Path, tmp_path: Path, llm_server: OpenAIServer
) -> None:
    regen_drafts(run, corpus, DPO)
    victim = corpus.parent / "victim.md"
    victim.write_text(note_file(corpus).read_text())
    draft = corpus / "drafts" / f"{DPO}.md"
    note = parse_note(draft.read_text())
    assert note.update_of is not None
    for bad_path in ("../victim.md", str(victim), "drafts/../../victim.md"):
        hostile = note.model_copy(update={"update_of": note.update_of.model_copy(update={"path": bad_path})})
        draft.write_text(render_note(hostile))
        result = run("review", "accept", DPO, "--corpus", str(corpus))
        assert result.exit_code == 2, (bad_path, result.stderr)
        assert "update_of.path" in result.stderr and result.stderr.count("\n") == 1
    assert victim.read_text() == note_file(corpus).read_text()  # neither was touched
    assert draft.exists()


def test_an_update_draft_pointing_at_another_note_is_refused(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    regen_drafts(run, corpus, DPO)
    draft = corpus / "drafts" / f"{DPO}.md"
    other = note_file(corpus, "arxiv-1706.03762")
    before = other.read_text()
    text = draft.read_text()
    note = parse_note(text)
    draft.write_text(
        replace_front_matter(
            text,
            {"update_of": {**note.update_of.model_dump(mode="json"), "path": "notes/arxiv-1706.03762.md"}},
        )
    )
    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 1 and "holds note arxiv-1706.03762" in result.stderr
    assert other.read_text() == before


def test_a_symlink_out_of_the_corpus_is_not_read(run, corpus: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(note_file(corpus).read_text().replace(DPO, "stolen"))
    (corpus / "notes" / "stolen.md").symlink_to(secret)
    (corpus / "notes" / "loop").symlink_to(corpus / "notes" / "loop")
    listed = run("list", "--format", "json", "--corpus", str(corpus))
    assert listed.exit_code == 0, listed.stderr
    assert "stolen" not in listed.stdout


# -- accept is a transaction -----------------------------------------------------------------------


def failing_hook(corpus: Path) -> Path:
    hook = corpus / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'spell check failed in the note' >&2\nexit 1\n")
    hook.chmod(0o755)
    return hook


def test_a_failing_commit_puts_the_note_back_and_keeps_the_draft(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    regen_drafts(run, corpus, DPO)
    before = note_file(corpus).read_text()
    hook = failing_hook(corpus)

    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 1
    assert "spell check failed in the note" in result.stderr and "put back" in result.stderr
    assert note_file(corpus).read_text() == before
    assert (corpus / "drafts" / f"{DPO}.md").exists()
    assert git(corpus, "status", "--porcelain", "--", "notes") == ""  # nothing left staged
    assert "accepted" not in run("review", "list", "--corpus", str(corpus)).stderr

    hook.unlink()
    again = run("review", "accept", DPO, "--corpus", str(corpus))
    assert again.exit_code == 0, again.stderr
    assert "(commit " in again.stdout and not (corpus / "drafts" / f"{DPO}.md").exists()


def test_one_commit_that_fails_puts_every_note_back(run, corpus: Path, llm_server: OpenAIServer) -> None:
    make_repo(corpus)
    ids = [DPO, "arxiv-1706.03762"]
    regen_drafts(run, corpus, *ids)
    before = {i: note_file(corpus, i).read_text() for i in ids}
    failing_hook(corpus)
    result = run("review", "accept", *ids, "--one-commit", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert {i: note_file(corpus, i).read_text() for i in ids} == before
    assert sorted(drafts(corpus)) == sorted(f"{i}.md" for i in ids)


def test_relative_corpus_from_a_subfolder_commits(
    corpus: Path, tmp_path: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    (corpus / "sub").mkdir()
    env = process_env(llm_server, tmp_path)
    autonote = [sys.executable, "-m", "autonote"]
    done = subprocess.run([*autonote, "regen", "--ids", DPO, "--corpus", ".."], cwd=corpus / "sub", env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    accepted = subprocess.run([*autonote, "review", "accept", DPO, "--corpus", ".."], cwd=corpus / "sub",
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert git(corpus, "log", "-1", "--name-only", "--format=%s").splitlines()[-1] == f"notes/{DPO}.md"


@pytest.mark.parametrize("operation", ["cherry-pick", "revert", "rebase"])
def test_operations_in_progress_stop_accept_even_without_commit(
    run, corpus: Path, llm_server: OpenAIServer, operation: str
) -> None:
    make_repo(corpus)
    regen_drafts(run, corpus, DPO)
    marker = {"cherry-pick": "CHERRY_PICK_HEAD", "revert": "REVERT_HEAD", "rebase": "rebase-merge"}[operation]
    path = corpus / ".git" / marker
    if operation == "rebase":
        path.mkdir()
    else:
        path.write_text(git(corpus, "rev-parse", "HEAD"))
    before = note_file(corpus).read_text()
    for extra in ([], ["--no-commit"]):
        result = run("review", "accept", DPO, *extra, "--corpus", str(corpus))
        assert result.exit_code == 1 and "in progress" in result.stderr, result.stderr
    assert note_file(corpus).read_text() == before
    assert git(corpus, "diff", "--cached", "--name-only") == ""


def test_hand_edits_in_the_same_note_are_not_swept_into_the_commit(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    regen_drafts(run, corpus, DPO)
    path = note_file(corpus)
    path.write_text(path.read_text().replace("## Comment\n", "## Comment\nまだコミットしていないメモ\n"))
    edited = path.read_text()

    refused = run("review", "accept", DPO, "--corpus", str(corpus))
    assert refused.exit_code == 1 and "--include-my-edits" in refused.stderr
    assert path.read_text() == edited

    accepted = run("review", "accept", DPO, "--include-my-edits", "--corpus", str(corpus))
    assert accepted.exit_code == 0, accepted.stderr
    committed = git(corpus, "show", f"HEAD:notes/{DPO}.md")
    assert "まだコミットしていないメモ" in committed and git(corpus, "status", "--porcelain") == ""


# -- concurrent runs -------------------------------------------------------------------------------


def test_two_regen_runs_at_once_pay_once_per_note(corpus: Path, tmp_path: Path) -> None:
    server = OpenAIServer(latency=0.15).start()
    try:
        env = process_env(server, tmp_path)
        command = regen_process(corpus, concurrency=3)
        runs = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]  # fmt: skip
        outputs = [p.communicate(timeout=120) for p in runs]
        assert [p.returncode for p in runs] == [0, 0], outputs
        assert len(drafts(corpus)) == 9
        assert len(server.chat_requests()) == 9  # one request per note, whichever run made it
        again = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and len(server.chat_requests()) == 9
    finally:
        server.stop()


def test_three_draft_runs_at_once_pay_once_per_paper(corpus: Path, tmp_path: Path) -> None:
    papers = ["2504.07086", "2410.99902", "2306.99901", "2501.99903"]
    with ArxivServer() as arxiv, OpenAIServer(latency=0.2) as llm:
        env = process_env(llm, tmp_path) | {
            "AUTONOTE_ARXIV_API_URL": arxiv.api_url, "AUTONOTE_ARXIV_MIN_INTERVAL": "0.01"
        }  # fmt: skip
        command = [sys.executable, "-m", "autonote", "draft", *papers, "--corpus", str(corpus)]
        runs = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(3)]  # fmt: skip
        outputs = [p.communicate(timeout=120) for p in runs]
        codes = [p.returncode for p in runs]
        assert len(drafts(corpus)) == 4
        assert len(llm.chat_requests()) == 4, outputs
        # A run that found a paper taken by another either waited and said so, or was refused.
        assert all(code in (0, 1) for code in codes) and codes.count(0) >= 1, outputs


def test_an_index_rebuild_never_shows_readers_a_partial_corpus(run, corpus: Path) -> None:
    from autonote.corpus.view import load_corpus

    assert run("index", "--corpus", str(corpus)).exit_code == 0
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            view = load_corpus(corpus)
            seen.append(len(view.paths))
            assert view.index is not None
            view.index.close()

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(5):
            assert run("index", "--rebuild", "--corpus", str(corpus)).exit_code == 0
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert seen and set(seen) == {9}


# -- file modes ------------------------------------------------------------------------------------


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_get_the_umask_and_edited_notes_keep_their_mode(
    run, corpus: Path, llm_server: OpenAIServer, umask_022: None
) -> None:
    note_file(corpus).chmod(0o644)
    other = note_file(corpus, "arxiv-1706.03762")
    other.chmod(0o664)
    regen_drafts(run, corpus, DPO, "arxiv-1706.03762")
    assert mode(corpus / "drafts" / f"{DPO}.md") == 0o644
    assert mode(corpus / "drafts") == 0o755
    assert run("review", "accept", DPO, "arxiv-1706.03762", "--corpus", str(corpus)).exit_code == 0
    assert mode(note_file(corpus)) == 0o644 and mode(other) == 0o664

    os.umask(0o077)
    abstract = REPO / "fixtures" / "abstracts" / "sample-abstract.txt"
    drafted = run("draft", str(abstract), "--corpus", str(corpus))
    assert drafted.exit_code == 0, drafted.stderr
    assert mode(Path(drafted.stdout.strip())) == 0o600


def test_the_index_reader_reads_and_refuses_what_one_file_confined_does(tmp_path: Path) -> None:
    """The bulk reader (one system call per plain file) against note_file_text (the whole path
    resolved), for plain files, links inside and out of the corpus, and paths that leave it."""
    from autonote.notes.folder import NoteFileReader, note_file_text

    root, outside = tmp_path / "corpus", tmp_path / "outside"
    (root / "notes" / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "notes" / "a.md").write_text("a\r\nnote\n", encoding="utf-8")
    (root / "notes" / "sub" / "b.md").write_text("b", encoding="utf-8")
    (root / "notes" / "bad.md").write_bytes(b"\xff")
    (outside / "secret.md").write_text("secret", encoding="utf-8")
    (root / "notes" / "inner.md").symlink_to(root / "notes" / "a.md")
    (root / "notes" / "stolen.md").symlink_to(outside / "secret.md")
    (root / "notes" / "alias").symlink_to(root / "notes" / "sub")
    (root / "notes" / "away").symlink_to(outside)
    (root / "notes" / "loop.md").symlink_to(root / "notes" / "loop.md")
    paths = [
        "notes/a.md", "notes/sub/b.md", "notes/inner.md", "notes/alias/b.md", "notes/stolen.md",
        "notes/away/secret.md", "notes/loop.md", "notes/missing.md", "notes/bad.md", "notes/sub",
        "../outside/secret.md", "notes/../../outside/secret.md", "/etc/hostname", "notes//a.md",
        "notes/./a.md", "", "missing/a.md",
    ]  # fmt: skip

    def outcome(read, path: str) -> tuple[str, str]:
        try:
            return ("text", read(path))
        except Exception as exc:  # the kind of failure and its message must be the same
            return (type(exc).__name__, str(exc))

    reader = NoteFileReader(root)
    for path in paths:
        assert outcome(reader.text, path) == outcome(lambda p: note_file_text(root, p), path), path
    assert outcome(reader.text, "notes/a.md") == ("text", "a\nnote\n")
    assert outcome(reader.text, "notes/stolen.md")[0] == "PathOutsideCorpusError"
    assert outcome(reader.text, "notes/away/secret.md")[0] == "PathOutsideCorpusError"
