"""Hostile local input, each kind through the real CLI: one bad file is that file's problem (named,
one line), never the corpus's, and never a traceback, a hang or a write outside the corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.bounded import MAX_NESTING, NestingTooDeepError, load_json, load_toml, load_yaml
from autonote.cli import main

REPO = Path(__file__).resolve().parents[1]
ABSTRACT = str(REPO / "fixtures" / "abstracts" / "sample-abstract.txt")
DEEP = 3000  # levels: far past the limit, and past Python's recursion limit


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=True)


def no_traceback(result: Result) -> bool:
    return result.exception is None or isinstance(result.exception, SystemExit)


def one_error_line(stderr: str, *needles: str) -> bool:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return (
        len(lines) == 1
        and lines[0].startswith("autonote: error: ")
        and all(n in lines[0] for n in needles)
        and "Traceback" not in stderr
    )


def with_front_line(corpus: Path, source: str, note_id: str, line: str) -> Path:
    """A copy of a fixture note with another id and one front-matter line replaced by ``line``."""
    text = (corpus / "notes" / source).read_text(encoding="utf-8")
    text = text.replace("\nwarnings: []\n", f"\n{line}\n", 1)
    old_id = source.removesuffix(".md")
    path = corpus / "notes" / f"{note_id}.md"
    path.write_text(text.replace(f"id: {old_id}", f"id: {note_id}", 1), encoding="utf-8")
    return path


# -- 1. nesting ------------------------------------------------------------------------------------

DEEP_JSON = "warnings: " + "[" * DEEP + "]" * DEEP
DEEP_YAML = "warnings:\n" + "".join(" " * i + "-\n" for i in range(1000))  # 500 kB: under the note limit
DEEP_FLOW_YAML = "warnings: " + "[" * DEEP + "]" * DEEP + " # not autonote's one-line JSON"


@pytest.mark.parametrize("front", [DEEP_JSON, DEEP_YAML, DEEP_FLOW_YAML], ids=["json", "yaml", "flow"])
@pytest.mark.parametrize(
    "command",
    [["lint"], ["index"], ["list"], ["export", "--all"], ["suggest", ABSTRACT], ["review", "list"]],
    ids=lambda c: c[0],
)
def test_a_deeply_nested_note_is_that_notes_problem_and_the_corpus_still_works(
    corpus: Path, front: str, command: list[str]
) -> None:
    bad = with_front_line(corpus, "arxiv-1706.03762.md", "deep-note", front)
    result = cli(*command, "--corpus", str(corpus))
    assert no_traceback(result), result.exception
    assert "RecursionError" not in result.output
    assert str(bad) in result.stderr and f"more than {MAX_NESTING} levels" in result.stderr
    if command[0] in ("list", "export"):
        assert "Attention Is All You Need" in result.stdout  # every other note still works
    if command[0] in ("list", "export", "suggest", "index"):
        assert result.exit_code == 0


def test_draft_and_digest_still_work_beside_a_deeply_nested_note(corpus: Path, tmp_path: Path) -> None:
    with_front_line(corpus, "arxiv-1706.03762.md", "deep-note", DEEP_JSON)
    drafted = cli("draft", ABSTRACT, "--corpus", str(corpus), "--offline")
    assert drafted.exit_code == 0, drafted.output
    digest = cli("digest", "--corpus", str(corpus), "--since", "2000-01-01", "-o", str(tmp_path / "d.md"))
    assert digest.exit_code == 0, digest.output
    assert "deep-note.md" in digest.stderr


def test_deeply_nested_suggest_weights_fall_back_to_the_defaults(corpus: Path) -> None:
    (corpus / ".autonote").mkdir(exist_ok=True)
    (corpus / ".autonote" / "suggest-weights.json").write_text("[" * DEEP + "]" * DEEP)
    result = cli("suggest", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 0 and no_traceback(result), result.output


def test_a_deeply_nested_autonote_toml_is_one_line_naming_the_limit(corpus: Path) -> None:
    (corpus / "autonote.toml").write_text("tags = " + "[" * DEEP + "]" * DEEP + "\n")
    result = cli("list", "--corpus", str(corpus))
    assert result.exit_code == 2 and one_error_line(result.stderr, "autonote.toml", f"{MAX_NESTING} levels")


def test_a_deeply_nested_actions_event_is_one_line_naming_the_limit(corpus: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"issue": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}")
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "issues", "GITHUB_TOKEN": "x"}
    result = cli("github", "action", "--corpus", str(corpus), env=env)
    assert result.exit_code == 2 and one_error_line(result.stderr, str(event), f"{MAX_NESTING} levels")


def test_a_deeply_nested_issue_export_is_one_line_naming_the_limit(corpus: Path, tmp_path: Path) -> None:
    export = tmp_path / "issues.json"
    export.write_text('[{"number": 1, "title": "t", "body": ' + "[" * DEEP + "]" * DEEP + "}]")
    result = cli("import", "github-issues", str(export), "--corpus", str(corpus))
    assert result.exit_code == 2 and one_error_line(result.stderr, str(export), f"{MAX_NESTING} levels")


nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet="[]{}\"'\\#ab \n"),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet="ab[]{}", max_size=3), children, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(nested)
def test_the_bounded_json_reader_reads_what_json_reads_up_to_the_limit(value: object) -> None:
    text = json.dumps(value)
    assert load_json(text) == value
    assert load_yaml(text) == value  # JSON is YAML


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.text(alphabet='[]{}"ab', max_size=20))
def test_nesting_past_the_limit_is_refused_and_at_it_read(depth: int, noise: str) -> None:
    """The root counts as a level: a TOML document is a table, so ``x = [...]`` is one deeper."""
    text = "[" * depth + json.dumps(noise) + "]" * depth
    for load, levels in (
        (load_json, depth),
        (load_yaml, depth),
        (lambda t: load_toml(f"x = {t}"), depth + 1),
    ):
        if levels > MAX_NESTING:
            with pytest.raises(NestingTooDeepError):
                load(text)
        else:
            loaded = load(text)
            assert _depth(loaded) == levels


# -- 2. a note dated after 2262 --------------------------------------------------------------------


@pytest.mark.parametrize("command", [["lint"], ["index"], ["list"], ["suggest", ABSTRACT]], ids=str)
def test_a_note_dated_after_2262_is_indexed_like_any_other(corpus: Path, command: list[str]) -> None:
    note = corpus / "notes" / "arxiv-1706.03762.md"
    year_2300 = 10413792000 * 10**9  # 2300-01-01, past 2**63 nanoseconds
    os.utime(note, ns=(year_2300, year_2300))
    result = cli(*command, "--corpus", str(corpus))
    assert no_traceback(result), result.exception
    assert "OverflowError" not in result.output
    again = cli("list", "--corpus", str(corpus))
    assert again.exit_code == 0 and "Attention Is All You Need" in again.stdout
    # touched again (another far-future time): re-read, not mistaken for unchanged
    note.write_text(note.read_text().replace("Attention Is All You Need", "Attention Is Still All"))
    os.utime(note, ns=(year_2300 + 10**9, year_2300 + 10**9))
    assert "Attention Is Still All" in cli("list", "--corpus", str(corpus)).stdout


def _python(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autonote", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


# -- 5. exports that are not files, too large, or built to make a reader slow -----------------------

ENTRY = """<paper-entry>
<title>[Paper Note] {title}, Ada Lovelace+, arXiv'26, 2026.03</title>
<original-paper-blog-link>https://arxiv.org/abs/2603.{number:05d}</original-paper-blog-link>
<repo-issue-link>https://github.com/o/r/issues/{number}</repo-issue-link>
<tags>NLP, LanguageModel</tags>
<repo-issue-date>2026-03-20</repo-issue-date>
<issue-body># URL
- https://arxiv.org/abs/2603.{number:05d}
# Summary (by gpt-4o-mini)
- {summary}</issue-body>
<maintainer-comment-text>{comment}</maintainer-comment-text>
</paper-entry>
"""


def xml_entry(number: int, *, title: str = "A Paper", summary: str = "要約です。", comment: str = "") -> str:
    return ENTRY.format(number=number, title=title, summary=summary, comment=comment)


def run_import(corpus: Path, export: Path | str, kind: str = "paper-notes-xml", timeout: float = 30):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
    env["AUTONOTE_CONFIG_DIR"] = str(corpus.parent / "config")
    return _python("import", kind, str(export), "--corpus", str(corpus), env=env, timeout=timeout)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "fifo", "folder"])
def test_an_export_that_is_not_a_regular_file_is_refused_before_reading(
    corpus: Path, tmp_path: Path, device: str
) -> None:
    if device == "fifo":
        device = str(tmp_path / "export.fifo")
        os.mkfifo(device)
    elif device == "folder":
        device = str(tmp_path)
    result = run_import(corpus, device, timeout=20)
    assert result.returncode == 2 and one_error_line(result.stderr, device, "not a regular file")


def test_an_export_over_the_size_limit_is_refused_before_reading(corpus: Path, tmp_path: Path) -> None:
    from autonote.limits import MAX_EXPORT_BYTES

    export = tmp_path / "huge.xml"
    with export.open("wb") as handle:  # sparse: no disk used
        handle.truncate(MAX_EXPORT_BYTES + 1)
    result = run_import(corpus, export, timeout=20)
    assert result.returncode == 2 and one_error_line(result.stderr, str(export), "256 MiB limit")


def test_an_entry_over_the_note_limit_is_skipped_and_the_rest_imported(corpus: Path, tmp_path: Path) -> None:
    from autonote.limits import MAX_NOTE_BYTES

    export = tmp_path / "export.xml"
    big = xml_entry(9001, comment="<p>" + "y" * MAX_NOTE_BYTES + "</p>")
    export.write_text("<paper-list>\n" + big + xml_entry(9002) + "</paper-list>\n")
    result = run_import(corpus, export)
    assert result.returncode == 1, result.stderr
    assert "entry 1" in result.stderr and "4 MiB limit for one note" in result.stderr
    assert (corpus / "notes" / "issue-9002.md").is_file() and not (
        corpus / "notes" / "issue-9001.md"
    ).exists()


@pytest.mark.parametrize(
    "case",
    ["unclosed-fields", "unclosed-entries", "long-attribute", "many-paragraphs", "many-breaks"],
)
def test_an_export_built_to_slow_the_reader_is_read_in_linear_time(
    corpus: Path, tmp_path: Path, case: str
) -> None:
    export = tmp_path / "export.xml"
    if case == "unclosed-fields":  # a field opened 20,000 times, never closed: a lazy pattern
        # retried at each opening is quadratic
        text = xml_entry(9001, title="<maintainer-comment-text>" * 20000 + "T")
        text = text.replace("<maintainer-comment-text></maintainer-comment-text>", "")
    elif case == "unclosed-entries":
        text = "<paper-entry><title>x" * 30000 + xml_entry(9001)
    elif case == "long-attribute":  # 30,000 entry tags that never end: each scanned to the next '>'
        text = "<paper-entry a" * 30000 + xml_entry(9001)
    elif case == "many-paragraphs":  # the owner's comment: 100,000 paragraphs
        text = xml_entry(9001, comment="<br>" * 20000 + "<p>段落</p>" * 100000)
    else:
        text = xml_entry(9001, comment="<p></p>" * 30000 + "<br>" * 30000 + "<p>x</p>" * 30000)
    export.write_text("<paper-list>\n" + text + "</paper-list>\n")
    result = run_import(corpus, export, timeout=30)  # each took minutes before
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert (corpus / "notes" / "issue-9001.md").is_file()


# -- 4. bad entries in a gh issue export are skipped and named; the rest is imported ----------------


def gh_issue(number: object, title: str = "A Paper", summary: str = "要約です。") -> dict[str, object]:
    return {
        "number": number,
        "title": f"[Paper Note] {title}, Ada Lovelace+, arXiv'26, 2026.03",
        "body": f"# URL\n- https://arxiv.org/abs/2603.99999\n# Summary (by gpt-4o-mini)\n- {summary}",
        "labels": [{"name": "NLP"}],
        "createdAt": "2026-03-20T00:00:00Z",
        "comments": [],
    }


@pytest.mark.parametrize(
    "bad, reason",
    [
        (
            '{"number": 9302, "title": "lone \\ud800 surrogate", "body": "", "createdAt": "2026-03-20T00:00:00Z"}',
            "lone surrogate",
        ),
        (
            '{"number": ' + "9" * 300 + ', "title": "t", "body": "", "createdAt": "2026-03-20T00:00:00Z"}',
            "outside 1..2147483647",
        ),
        (
            '{"number": true, "title": "t", "body": "", "createdAt": "2026-03-20T00:00:00Z"}',
            "issue number true is not a whole number",
        ),
        (
            '{"number": 9302, "title": "t", "body": "see https://github.com/o/r/issues/'
            + "1" * 5000
            + '", "createdAt": "2026-03-20T00:00:00Z", "comments": [{"body": "https://github.com/o/r/issues/'
            + "2" * 5000
            + '"}]}',
            None,
        ),
    ],
    ids=["surrogate", "300-digits", "true", "5000-digit-link"],
)
def test_a_bad_issue_is_skipped_and_named_and_the_others_imported(
    corpus: Path, tmp_path: Path, bad: str, reason: str | None
) -> None:
    export = tmp_path / "issues.json"
    export.write_text(
        "[" + json.dumps(gh_issue(9301)) + ", " + bad + ", " + json.dumps(gh_issue(9303)) + "]",
        encoding="utf-8",
    )
    result = cli("import", "github-issues", str(export), "--corpus", str(corpus))
    assert no_traceback(result), result.exception
    assert (corpus / "notes" / "issue-9301.md").is_file() and (corpus / "notes" / "issue-9303.md").is_file()
    assert not (corpus / "notes" / "issue-True.md").exists()
    if reason is not None:
        assert result.exit_code == 1 and f"{export}: item 1" in result.stderr and reason in result.stderr
    for written in (corpus / "notes").glob("issue-*.md"):
        written.read_text(encoding="utf-8")  # every file written is text


def test_an_xml_entry_with_a_300_digit_issue_number_is_skipped_and_named(
    corpus: Path, tmp_path: Path
) -> None:
    export = tmp_path / "export.xml"
    export.write_text("<paper-list>\n" + xml_entry(int("9" * 300)) + xml_entry(9002) + "</paper-list>\n")
    result = cli("import", "paper-notes-xml", str(export), "--corpus", str(corpus))
    assert result.exit_code == 1 and no_traceback(result), result.exception
    assert "entry 1" in result.stderr and "outside 1..2147483647" in result.stderr
    assert (corpus / "notes" / "issue-9002.md").is_file()


# -- 6. a re-import never takes a note from the entry it was imported from --------------------------

SAMPLE_XML = REPO / "fixtures" / "exports" / "paper-notes-sample.xml"


def test_a_duplicate_in_a_changed_export_does_not_replace_another_note(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / "notes").mkdir(parents=True)
    assert cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus)).exit_code == 1
    edited = corpus / "notes" / "issue-9101.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nthe owner's own line\n", encoding="utf-8")
    other = (corpus / "notes" / "issue-9102.md").read_text(encoding="utf-8")
    # The export changed 9101's entry, and that entry now also claims issue 9102 (a duplicate).
    export = SAMPLE_XML.read_text(encoding="utf-8")
    export = export.replace("64の専門家を使い続ける", "65の専門家を使い続ける", 1)
    export = export.replace("issues/9101<", "issues/9102<", 1)
    changed = tmp_path / "changed.xml"
    changed.write_text(export, encoding="utf-8")
    result = cli("import", "paper-notes-xml", str(changed), "--corpus", str(corpus))
    assert no_traceback(result) and result.exit_code == 1
    assert (corpus / "notes" / "issue-9102.md").read_text(encoding="utf-8") == other
    assert "the owner's own line" in edited.read_text(encoding="utf-8")
    assert "entry 1 (line 3) (issue #9102): skipped: duplicate of issue-9102" in result.stderr


# -- 7. links where autonote writes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "link", [".autonote", "drafts", ".autonote/state.sqlite", ".autonote/index.sqlite"], ids=str
)
@pytest.mark.parametrize(
    "command", [["lint"], ["list"], ["index"], ["draft", ABSTRACT, "--offline"]], ids=str
)
def test_a_link_where_autonote_writes_is_refused_and_nothing_is_written_through_it(
    corpus: Path, tmp_path: Path, link: str, command: list[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = corpus / link
    path.parent.mkdir(exist_ok=True)
    if path.suffix:  # a dangling link to a file outside
        path.symlink_to(outside / "planted.sqlite")
    else:
        path.symlink_to(outside, target_is_directory=True)
    result = cli(*command, "--corpus", str(corpus))
    assert result.exit_code == 2 and one_error_line(result.stderr, link, "symbolic link"), result.output
    assert list(outside.iterdir()) == []


# -- 3. a state database from elsewhere, a full disk -------------------------------------------------


def _state(corpus: Path) -> Path:
    assert cli("index", "--corpus", str(corpus)).exit_code == 0
    state = corpus / ".autonote" / "state.sqlite"
    assert cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus)).exit_code == 1
    assert state.is_file()
    return state


def test_a_state_database_from_a_newer_autonote_is_refused_saying_so(corpus: Path) -> None:
    import sqlite3

    state = _state(corpus)
    with sqlite3.connect(state) as db:
        db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 0)")
    result = cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus))
    assert result.exit_code == 1 and one_error_line(result.stderr, "newer autonote", "m999_from_the_future")


@pytest.mark.parametrize("table", ["imports", "generations", "llm_cache", "_migrations"])
def test_a_state_database_with_a_missing_table_is_repaired_or_refused_in_one_line(
    corpus: Path, table: str
) -> None:
    import sqlite3

    state = _state(corpus)
    with sqlite3.connect(state) as db:
        db.execute(f"DROP TABLE {table}")
    result = cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus))
    assert no_traceback(result), result.exception
    if table == "_migrations":
        assert result.exit_code == 1 and one_error_line(result.stderr, "no record of its schema")
    else:
        assert f"lacked table(s) {table}; made again" in result.stderr
        assert result.exit_code == 1 and "imported into" in result.stdout  # the import ran (with skips)
        with sqlite3.connect(state) as db:
            db.execute(f"SELECT * FROM {table}").fetchall()


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    "command, code",
    [
        (["import", "paper-notes-xml", str(SAMPLE_XML)], 1),
        (["draft", ABSTRACT, "--offline"], 1),
        (["list"], 0),
    ],
    ids=lambda c: c if isinstance(c, int) else c[0],
)
def test_a_full_disk_is_one_error_line_and_the_right_exit_code(
    full_disk: Path, corpus: Path, command: list[str], code: int
) -> None:
    import shutil

    target = full_disk / "corpus"
    shutil.copytree(corpus, target)
    _fill(full_disk)
    result = cli(*command, "--corpus", str(target))
    assert result.exit_code == code and no_traceback(result), result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("autonote: error:")]
    assert len(errors) == (1 if code else 0) and all("disk is full" in e or "No space" in e for e in errors)
    assert not list((target / "notes").glob("issue-*.md"))


# -- 8. reading is not writing; one bad page or a repeated input is not the run's failure ------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def test_a_digest_member_s_corpus_is_read_without_writing_into_it(corpus: Path, tmp_path: Path) -> None:
    import shutil

    member = tmp_path / "member"
    shutil.copytree(REPO / "fixtures" / "corpus", member)
    before = _snapshot(member)
    output = tmp_path / "digest.md"
    result = cli(
        "digest",
        "--corpus",
        str(corpus),
        "--member",
        f"Hana={member}",
        "--since",
        "2000-01-01",
        "-o",
        str(output),
    )
    assert result.exit_code == 0, result.output
    assert _snapshot(member) == before  # no .autonote/index.sqlite, no .gitignore
    assert "@Hana" in output.read_text(encoding="utf-8")


def _tagged(corpus: Path, *tags: str) -> None:
    note = corpus / "notes" / "arxiv-1706.03762.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(
        text.replace("\n#NLP ", "\n#NLP " + " ".join(f"#{t}" for t in tags) + " ", 1), encoding="utf-8"
    )


def test_list_all_tags_writes_a_page_for_a_tag_too_long_for_a_file_name(corpus: Path, tmp_path: Path) -> None:
    _tagged(corpus, "x" * 300, "長" * 200)
    out = tmp_path / "pages"
    result = cli("list", "--all-tags", "-o", str(out), "--corpus", str(corpus))
    assert result.exit_code == 0, result.output
    assert all(len(p.name.encode()) <= 255 for p in out.iterdir())
    assert sum("x" * 100 in p.name for p in out.iterdir()) == 1


def test_list_all_tags_writes_the_other_pages_and_names_the_one_it_could_not(
    corpus: Path, tmp_path: Path
) -> None:
    from autonote.publish.common import tag_slug

    out = tmp_path / "pages"
    (out / f"{tag_slug('Transformer')}.md").mkdir(parents=True)  # a folder where the page goes
    result = cli("list", "--all-tags", "-o", str(out), "--corpus", str(corpus))
    assert result.exit_code == 1 and no_traceback(result)
    assert "skipped page: tag 'Transformer'" in result.stderr
    assert (out / f"{tag_slug('NLP')}.md").is_file() and (out / "index.md").is_file()


def test_the_same_paper_given_three_times_is_drafted_once(corpus: Path) -> None:
    result = cli("draft", ABSTRACT, ABSTRACT, ABSTRACT, "--corpus", str(corpus), "--offline")
    assert result.exit_code == 0, result.output
    assert len(list((corpus / "drafts").glob("*.md"))) == 1


# -- 9. limits: past each, one line naming it ------------------------------------------------------


@pytest.mark.parametrize("command", [["lint"], ["list"], ["index"]], ids=lambda c: c[0])
def test_a_note_over_the_size_limit_is_not_read_and_named(corpus: Path, command: list[str]) -> None:
    from autonote.limits import MAX_NOTE_BYTES

    big = with_front_line(corpus, "arxiv-1706.03762.md", "big-note", "warnings: []")
    with big.open("a", encoding="utf-8") as handle:
        handle.write("x" * MAX_NOTE_BYTES)
    result = cli(*command, "--corpus", str(corpus))
    assert no_traceback(result), result.exception
    assert f"{big}: larger than the 4 MiB limit for a note" in result.stderr
    if command[0] == "list":
        assert result.exit_code == 0 and "Attention Is All You Need" in result.stdout


# -- 11. a re-import reads only what changed ------------------------------------------------------------


def test_a_reimport_remakes_a_deleted_note_from_an_entry_it_had_settled_unread(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / "notes").mkdir(parents=True)
    cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus))
    gone = corpus / "notes" / "issue-9101.md"
    before = gone.read_text(encoding="utf-8")
    gone.unlink()
    result = cli("import", "paper-notes-xml", str(SAMPLE_XML), "--corpus", str(corpus))
    assert "1 new, 0 updated, 2 unchanged" in result.stdout, result.output
    assert gone.read_text(encoding="utf-8") == before
