"""`autonote lint` outside a corpus writes nothing and says so in one line; inside one, a folder
thousands of levels deep is read like any other."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under root: its mode and its bytes (a link: its target)."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            if path.is_symlink():
                found[str(path.relative_to(root))] = (info.st_mode, os.readlink(path))
            elif path.is_file():
                found[str(path.relative_to(root))] = (info.st_mode, path.read_bytes())
            else:
                found[str(path.relative_to(root))] = (info.st_mode, b"")
    return found


def random_folder(root: Path, seed: int) -> None:
    """Files of every sort a folder that is not a corpus holds: markdown with and without front
    matter, a note-like file, binary data, nested folders, a link loop."""
    rng = random.Random(seed)
    note = (FIXTURES / "corpus" / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")
    for index in range(40):
        folder = root.joinpath(*(f"d{rng.randrange(4)}" for _ in range(rng.randrange(3))))
        folder.mkdir(parents=True, exist_ok=True)
        kind = rng.randrange(4)
        if kind == 0:
            (folder / f"f{index}.md").write_text(note, encoding="utf-8")
        elif kind == 1:
            (folder / f"f{index}.md").write_text("# just a readme\n", encoding="utf-8")
        elif kind == 2:
            (folder / f"f{index}.bin").write_bytes(rng.randbytes(rng.randrange(1, 200)))
        else:
            (folder / f"f{index}.md").write_bytes(rng.randbytes(50))
    (root / "loop").symlink_to(root, target_is_directory=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lint_outside_a_corpus_writes_nothing_and_fails_in_one_line(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    folder = tmp_path / "not-a-corpus"
    folder.mkdir()
    random_folder(folder, seed)
    before = snapshot(folder)
    monkeypatch.chdir(folder)
    for args in (("lint",), ("lint", "--corpus", str(folder)), ("lint", str(folder / "d0"))):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("autonote: error: ")
    assert snapshot(folder) == before
    assert not (folder / ".autonote").exists()


def test_a_note_thousands_of_folders_deep_is_linted(
    run, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Run in /tmp, lint once read a tree like this and died of a RecursionError.)"""
    monkeypatch.chdir(corpus / "notes")  # put back afterwards
    try:
        for _ in range(1500):  # one level at a time: the whole path is past what some calls take
            os.mkdir("d")
            os.chdir("d")
        text = (FIXTURES / "corpus" / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")
        Path("x.md").write_text(text.replace("id: arxiv-1706.03762", "id: deep-note"), encoding="utf-8")
        os.chdir(corpus)
        result = run("lint", "--corpus", str(corpus))
        assert result.exit_code == 0, result.stderr
        assert "10 notes checked: 0 errors" in result.stderr
        assert any("deep-note" in line and "[duplicate-paper]" in line for line in result.stdout.splitlines())
        folder = run("lint", str(corpus / "notes"), "--corpus", str(corpus))  # a folder given, walked
        assert folder.exit_code == 0 and "10 notes checked: 0 errors" in folder.stderr, folder.stderr
    finally:
        remove_deep(corpus / "notes")


def remove_deep(folder: Path) -> None:
    """Remove the chain of ``d`` folders iteratively (shutil.rmtree recurses, and pytest's clean-up
    of its temporary folders would die of it)."""
    os.chdir(folder)
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d")
        depth += 1
    for name in os.listdir("."):
        if not os.path.isdir(name):
            os.remove(name)
    for _ in range(depth):
        os.chdir("..")
        os.rmdir("d")
