"""The SQLite index: incremental refresh that ends where a rebuild would, exact hiding, bad files."""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.corpus import index_read
from autonote.corpus.index import CorpusIndex
from autonote.corpus.terms import english_words, terms
from autonote.notes.format import parse_note, render_note

QUERIES = [
    "reinforcement learning from human feedback for reasoning models",
    "vision transformer image patches classification",
    "自己注意 翻訳 モデル",
    "segment anything promptable segmentation",
]


def ranking(index: CorpusIndex, text: str, exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    return [(hit.note_id, round(hit.score, 9)) for hit in index.search(text, 20, exclude)]


def fresh(root: Path) -> CorpusIndex:
    built = CorpusIndex(root, None)
    built.refresh()
    return built


def edit(path: Path, **changes: object) -> None:
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(render_note(note.model_copy(update=changes)), encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a later mtime even on coarse clocks
    os.utime(path, ns=(stamp, stamp))


def test_terms_mix_english_words_and_japanese_bigrams() -> None:
    found = terms("The Models use 自己注意 and GPT-4o, 2024")
    assert found == ["model", "gpt-4o", "gpt", "4o", "自己", "己注", "注意"]
    assert terms("学") == ["学"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("学習あア一豈﫿 a-b.\n"), max_size=40))
def test_a_lone_japanese_character_is_a_term_as_the_lookaround_pattern_finds_it(text: str) -> None:
    cjk = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    lone = re.findall(f"(?<![{cjk}])[{cjk}](?![{cjk}])", text)  # what terms() found before
    bigrams = re.findall(f"(?=([{cjk}]{{2}}))", text)
    assert terms(text) == english_words(text) + bigrams + lone


def test_refresh_reads_only_changed_files_and_matches_a_rebuild(corpus: Path) -> None:
    index = CorpusIndex.open(corpus)
    first = index.refresh()
    assert (first.added, first.rebuilt) == (9, True)
    assert (index.root / ".autonote" / "index.sqlite").is_file()
    assert (corpus / ".autonote" / ".gitignore").read_text().splitlines()[-1] == "*"

    again = index.refresh()
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 9)

    notes = sorted((corpus / "notes").glob("*.md"))
    edit(notes[0], abstract="A new abstract about quokka locomotion and wombat burrows.")
    notes[1].unlink()
    extra = corpus / "notes" / "sub" / "extra.md"
    extra.parent.mkdir()
    original = parse_note(notes[2].read_text(encoding="utf-8"))
    extra.write_text(
        render_note(original.model_copy(update={"id": "extra-note", "arxiv_id": None})), encoding="utf-8"
    )

    report = index.refresh()
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 7)
    assert index.search("quokka wombat", 3)[0].note_id == parse_note(notes[0].read_text()).id
    rebuilt = fresh(corpus)
    assert len(index) == len(rebuilt) == 9
    for query in [*QUERIES, "quokka wombat"]:
        assert ranking(index, query) == ranking(rebuilt, query)
    assert index.tag_counts() == rebuilt.tag_counts()
    assert index.tag_counts() == Counter(t for n in rebuilt.notes() for t in set(n.tags))


def test_hiding_a_note_equals_an_index_without_it(corpus: Path, tmp_path: Path) -> None:
    index = fresh(corpus)
    hidden = "arxiv-2203.02155"
    without = tmp_path / "without"
    shutil.copytree(corpus, without)
    (without / "notes" / f"{hidden}.md").unlink()
    reference = fresh(without)
    for query in QUERIES:
        assert ranking(index, query, (hidden,)) == ranking(reference, query)
        assert hidden not in [note_id for note_id, _ in ranking(index, query, (hidden,))]


def test_bad_files_are_reported_not_fatal_and_duplicates_resolve(corpus: Path) -> None:
    (corpus / "notes" / "broken.md").write_text("---\nid: x\nkind: [unclosed\n---\n", encoding="utf-8")
    (corpus / "notes" / "latin1.md").write_bytes(b"---\nid: y\n\xe9\n---\n")
    (corpus / "README.md").write_text("# My notes\n", encoding="utf-8")  # not a note: ignored silently
    twin = corpus / "notes" / "zz-twin.md"
    shutil.copy(corpus / "notes" / "arxiv-1706.03762.md", twin)
    index = CorpusIndex.open(corpus)
    report = index.refresh()
    assert report.added == 9
    problems = "\n".join(report.problems)
    assert "broken.md:4: invalid front matter" in problems
    assert "latin1.md: unreadable: not UTF-8" in problems
    assert "zz-twin.md: duplicate note id arxiv-1706.03762 (also in" in problems
    assert "README" not in problems

    (corpus / "notes" / "arxiv-1706.03762.md").unlink()  # the owner of the id goes: the twin takes over
    index.refresh()
    assert index.paths()["arxiv-1706.03762"] == twin
    assert not any("zz-twin" in p for p in index.problems())


def test_an_unwritable_state_folder_falls_back_to_memory(corpus: Path) -> None:
    (corpus / ".autonote").write_text("a file where the folder should be", encoding="utf-8")
    index = CorpusIndex.open(corpus)
    assert not index.persistent
    assert index.refresh().added == 9 and index.search("segmentation", 1)


def test_parallel_reading_gives_the_same_index(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = fresh(corpus)
    monkeypatch.setattr(index_read, "_PARALLEL_MIN", 1)
    parallel = fresh(corpus)
    for query in QUERIES:
        assert ranking(parallel, query) == ranking(serial, query)


def test_index_command_and_rebuild(run, corpus: Path) -> None:
    first = run("index", "--corpus", str(corpus))
    assert first.exit_code == 0 and "indexed 9 notes" in first.stdout and "9 added" in first.stdout
    second = run("index", "--corpus", str(corpus))
    assert "0 added, 0 updated, 0 removed, 9 unchanged" in second.stdout
    rebuilt = run("index", "--corpus", str(corpus), "--rebuild")
    assert "9 added" in rebuilt.stdout
    missing = run("index", "--corpus", str(corpus / "nope"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
