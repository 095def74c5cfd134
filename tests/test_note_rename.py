"""NoteFolder.rename: a note takes a new id (the issue it became), its file is renamed and every
link to it is rewritten, all or nothing; the owner's text stays byte for byte."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autonote.corpus.view import load_corpus
from autonote.errors import WriteRefusedError
from autonote.notes.folder import NoteFolder
from autonote.notes.format import parse_note, render_note
from autonote.schema import Note, Origin, RelatedNote

ROOT = Path(__file__).resolve().parents[1]


def store_of(root: Path) -> NoteFolder:
    """The corpus's note store, which finds notes through the index (as in every command)."""
    return NoteFolder(root, load_corpus(root).index)


def make(folder: Path, note_id: str, *, related: list[str] = (), comment: str = "", sub: str = "") -> Path:
    note = Note(id=note_id, kind="blog", title=f"Title of {note_id}", authors=["Someone"], url=f"https://example.org/{note_id}",
                issue_date="2026-01-02", summary="要約。", related=[RelatedNote(id=r, title_line=f"Title of {r}",
                url=f"https://example.org/{r}") for r in related], comment=comment)  # fmt: skip
    path = folder / "notes" / sub / f"{note_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_note(note), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    make(root, "local-a", comment="私のメモ\n\n- 箇条書き", sub="2026")
    make(root, "local-b", related=["local-a", "local-c"], comment="local-a についての私の文章")
    make(root, "local-c", related=["local-a"])
    make(root, "local-d")
    return root


def test_rename_moves_the_file_and_rewrites_every_link(folder: Path) -> None:
    b_path = folder / "notes" / "local-b.md"
    b_path.write_text(b_path.read_text(encoding="utf-8").replace("## URL\n", "## URL\nthe owner's line\n"))
    d_before = (folder / "notes" / "local-d.md").read_text(encoding="utf-8")
    origin = Origin(importer="github", issue=7, url="https://github.com/o/r/issues/7", entry_hash="x")
    store = store_of(folder)
    stored = store.rename("local-a", "issue-7", front={"origin": origin.model_dump(mode="json")},
                          link="https://github.com/o/r/issues/7")  # fmt: skip

    assert (
        stored.location == "notes/2026/issue-7.md" and not (folder / "notes" / "2026" / "local-a.md").exists()
    )
    renamed = parse_note((folder / stored.location).read_text(encoding="utf-8"))
    assert (
        renamed.id == "issue-7" and renamed.origin == origin and renamed.comment == "私のメモ\n\n- 箇条書き"
    )
    b = parse_note(b_path.read_text(encoding="utf-8"))
    assert [r.id for r in b.related] == ["issue-7", "local-c"]
    assert (
        b.related[0].url == "https://github.com/o/r/issues/7"
        and b.related[1].url == "https://example.org/local-c"
    )
    assert b.comment == "local-a についての私の文章"  # the owner's words are not rewritten
    assert "the owner's line" in b_path.read_text(encoding="utf-8")
    assert [r.id for r in parse_note((folder / "notes" / "local-c.md").read_text()).related] == ["issue-7"]
    assert (folder / "notes" / "local-d.md").read_text(encoding="utf-8") == d_before


def test_rename_refuses_a_taken_id_or_a_missing_note_and_changes_nothing(folder: Path) -> None:
    before = {p: p.read_bytes() for p in folder.rglob("*.md")}
    store = store_of(folder)
    with pytest.raises(WriteRefusedError, match="exists; nothing was changed"):
        store.rename("local-a", "local-d")
    with pytest.raises(WriteRefusedError, match="no note local-x"):
        store.rename("local-x", "issue-1")
    assert {p: p.read_bytes() for p in folder.rglob("*.md")} == before


def test_a_rename_that_fails_half_way_is_undone(folder: Path) -> None:
    """The file system refuses the third write (a file size limit): the two before are undone."""
    big = make(folder, "local-e", related=["local-a"], comment="長い文章。" * 3000)
    before = {p: p.read_bytes() for p in folder.rglob("*.md")}
    limit = max(len(p.read_bytes()) for p in before if p != big) + 200
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from pathlib import Path
        from autonote.errors import WriteRefusedError
        from autonote.corpus.view import load_corpus
        from autonote.notes.folder import NoteFolder
        try:
            root = Path(sys.argv[1])
            store = NoteFolder(root, load_corpus(root).index)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
            store.rename("local-a", "issue-7")
        except WriteRefusedError as exc:
            print(exc)
            sys.exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert (
        done.stdout.startswith("cannot rename local-a to issue-7 (cannot write")
        and "every change was undone" in done.stdout
    )
    assert {p: p.read_bytes() for p in folder.rglob("*.md")} == before
    assert not list(folder.rglob("issue-7*"))


def test_a_pending_update_draft_follows_the_renamed_note(run, corpus: Path, llm_server) -> None:
    """An update-draft made before the note took its issue number is accepted onto the new file."""
    dpo = "arxiv-2305.18290"
    assert run("regen", "--ids", dpo, "--corpus", str(corpus)).exit_code == 0
    store_of(corpus).rename(dpo, "issue-77")
    assert not (corpus / "drafts" / f"{dpo}.md").exists()
    draft = parse_note((corpus / "drafts" / "issue-77.md").read_text(encoding="utf-8"))
    assert draft.id == "issue-77" and draft.update_of and draft.update_of.path == "notes/issue-77.md"
    accepted = run("review", "accept", "issue-77", "--corpus", str(corpus))
    assert accepted.exit_code == 0, accepted.stderr
    note = parse_note((corpus / "notes" / "issue-77.md").read_text(encoding="utf-8"))
    assert note.summary == draft.summary and note.id == "issue-77"
