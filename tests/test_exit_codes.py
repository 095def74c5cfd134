"""The exit-code contract of docs/exit-codes.md, one row per code for every command: 0 done, 1 something
failed and is named, 2 the input or the usage is wrong. The commands are read from the click tree, so
a command added without its rows fails :func:`test_every_command_has_a_row_for_each_exit_code`.
Each row runs through the real CLI, with loopback servers (tests/loopback.py, tests/github_server.py)
where the command talks to one. Where a command cannot end with a code, the row says why."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest

from tests.github_helpers import REPO, SAMPLE_XML, export_entries, serve_entries, serve_github
from tests.loopback import FIXTURES, ArxivServer, Fault, OpenAIServer

ABSTRACT = str(FIXTURES / "abstracts" / "sample-abstract.txt")
DPO = "arxiv-2305.18290"


@dataclass
class Env:
    """What a row may use: the CLI, a copy of the demo corpus, a scratch folder, the environment,
    and loopback servers started on first use."""

    run: Callable[..., Any]
    corpus: Path
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    stack: contextlib.ExitStack
    started: dict[str, Any] = field(default_factory=dict)

    def llm(self, **options: Any) -> OpenAIServer:
        if "llm" not in self.started:
            server = self.stack.enter_context(OpenAIServer(**options))
            self.monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
            self.monkeypatch.setenv("OPENAI_API_KEY", "sk-exit-codes")
            self.monkeypatch.setenv("AUTONOTE_LLM_MAX_RETRIES", "0")
            self.started["llm"] = server
        return self.started["llm"]

    def arxiv(self) -> ArxivServer:
        if "arxiv" not in self.started:
            server = self.stack.enter_context(ArxivServer())
            self.monkeypatch.setenv("AUTONOTE_ARXIV_API_URL", server.api_url)
            self.monkeypatch.setenv("AUTONOTE_ARXIV_RETRIES", "0")
            self.started["arxiv"] = server
        return self.started["arxiv"]

    def github(self, pulled: bool = True) -> Any:
        """The loopback GitHub with the sample export's issues; the corpus is its mirror (pulled)."""
        if "github" not in self.started:
            serving = serve_github(self.monkeypatch)
            server = next(serving)
            self.stack.callback(serving.close)
            serve_entries(server, REPO, export_entries(SAMPLE_XML))
            self.monkeypatch.setenv("AUTONOTE_GITHUB_TIMEOUT", "2")
            self.monkeypatch.setenv("AUTONOTE_GITHUB_MAX_WAIT", "0")
            for note in (self.corpus / "notes").glob("*.md"):
                note.unlink()
            if pulled:
                done = self.run("github", "pull", "--repo", REPO, "--corpus", str(self.corpus))
                assert done.exit_code == 0, done.stderr
            self.started["github"] = server
        return self.started["github"]

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def draft(self) -> str:
        """An offline draft (its summary an English extract: accept refuses it)."""
        done = self.run("draft", ABSTRACT, "--offline", "--corpus", str(self.corpus))
        assert done.exit_code == 0, done.stderr
        return Path(done.stdout.strip()).stem


Row = Callable[[Env], list[str]]


def _edit(env: Env, note_id: str) -> None:
    path = env.corpus / "notes" / f"{note_id}.md"
    marker = "<!-- autonote:key-points -->\n"
    path.write_text(
        path.read_text(encoding="utf-8").replace(marker, marker + "- 追加\n", 1), encoding="utf-8"
    )


def _transferred(env: Env) -> list[str]:
    server = env.github()
    server.add_repo("example-owner/elsewhere")
    server.transfer_issue(REPO, 9101, "example-owner/elsewhere")
    _edit(env, "issue-9101")
    return ["github", "push", "--all-accepted", "--repo", REPO]


def _event(env: Env, name: str, payload: object) -> None:
    env.monkeypatch.setenv("GITHUB_EVENT_PATH", env.file("event.json", json.dumps(payload)))
    env.monkeypatch.setenv("GITHUB_EVENT_NAME", name)
    env.monkeypatch.setenv("GITHUB_REPOSITORY", REPO)


def _action_fails(env: Env) -> list[str]:
    env.llm()
    server = env.github()
    _event(env, "issues", {"action": "labeled", "label": {"name": "autonote:regen"},
                           "repository": {"full_name": REPO},
                           "issue": {"number": 9101, "title": "t", "body": "b", "labels": [{"name": "autonote:regen"}],
                                     "user": {"login": "example-owner"}, "author_association": "OWNER"},
                           "sender": {"login": "example-owner"}})  # fmt: skip
    server.fail(500, {"message": "Server Error"}, method="GET", path=r"/issues", times=99)
    return ["github", "action"]


def _resolve_deleted(env: Env) -> list[str]:
    """A real conflict (the note and its issue both changed), then the issue deleted on GitHub."""
    server = env.github()
    path = env.corpus / "notes" / "issue-9101.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n私のメモ。\n", encoding="utf-8")
    server.advance(5)
    server.edit_issue(REPO, 9101, title=server.issue(REPO, 9101).title + " (edited)")
    assert env.run("github", "pull", "--repo", REPO, "--corpus", str(env.corpus)).exit_code == 1
    assert (env.corpus / ".autonote" / "import-conflicts" / "issue-9101.md").is_file()
    server.delete_issue(REPO, 9101)
    return ["github", "resolve", "issue-9101", "--take", "theirs", "--repo", REPO]


def _pull_fails(env: Env) -> list[str]:
    env.github(pulled=False).fail(500, {"message": "Server Error"}, method="GET", path=r"/issues$", times=99)
    return ["github", "pull", "--repo", REPO]


def _bad_gh_export(env: Env) -> list[str]:
    good = {"number": 9301, "title": "[Paper Note] A Paper, Ada Lovelace+, arXiv'26, 2026.03",
            "body": "# URL\n- https://arxiv.org/abs/2603.99999\n# Summary (by m)\n- 要約です。",
            "createdAt": "2026-03-20T00:00:00Z"}  # fmt: skip
    return ["import", "github-issues", env.file("issues.json", json.dumps([good, {"number": True}]))]


def _good_gh_export(env: Env) -> list[str]:
    good = {"number": 9301, "title": "[Paper Note] A Paper, Ada Lovelace+, arXiv'26, 2026.03",
            "body": "# URL\n- https://arxiv.org/abs/2603.99999\n# Summary (by m)\n- 要約です。",
            "createdAt": "2026-03-20T00:00:00Z"}  # fmt: skip
    return ["import", "github-issues", env.file("issues.json", json.dumps([good]))]


def _xml_one_entry(env: Env) -> list[str]:
    text = SAMPLE_XML.read_text(encoding="utf-8")
    first = text[: text.index("</paper-entry>") + len("</paper-entry>")]
    return ["import", "paper-notes-xml", env.file("export.xml", first + "\n</paper-list>\n")]


def _xml_with_bad_entry(env: Env) -> list[str]:
    text = SAMPLE_XML.read_text(encoding="utf-8").replace("issues/9101<", "issues/99999999999<", 1)
    return ["import", "paper-notes-xml", env.file("export.xml", text)]


def _lint_error(env: Env) -> list[str]:
    (env.corpus / "notes" / "broken.md").write_text("---\nid: [\n---\nbody\n", encoding="utf-8")
    return ["lint"]


def _link_state(env: Env) -> list[str]:
    outside = env.tmp / "outside"
    outside.mkdir()
    (env.corpus / ".autonote").symlink_to(outside, target_is_directory=True)
    return ["index"]


def _embeddings_down(env: Env) -> list[str]:
    env.llm(without=("embeddings",))
    return ["index", "--embeddings"]


def _regen_fails(env: Env) -> list[str]:
    env.llm(echo_errors={"chat": 500})
    return ["regen", "--ids", DPO]


def _arxiv_down(command: str) -> Row:
    def row(env: Env) -> list[str]:
        env.arxiv().faults.extend([Fault(500, body="down")] * 3)
        return [command, "2504.07086", *(["--offline"] if command == "draft" else [])]

    return row


def _accept_ok(env: Env) -> list[str]:
    return ["review", "accept", env.draft(), "--force", "--no-commit"]


def _with_draft(*args: str) -> Row:
    return lambda env: ["review", args[0], env.draft(), *args[1:]]


def _editor(command: str) -> Row:
    def row(env: Env) -> list[str]:
        env.monkeypatch.setenv("EDITOR", command)
        env.monkeypatch.setenv("VISUAL", command)
        return ["review", "edit", env.draft()]

    return row


def _unwritable_output(command: list[str]) -> Row:
    def row(env: Env) -> list[str]:
        (env.tmp / "a-file").write_text("x")
        return [*command, "-o", str(env.tmp / "a-file" / "out.md")]

    return row


def _setting(value: str) -> Row:
    def row(env: Env) -> list[str]:
        env.monkeypatch.setenv("AUTONOTE_FETCH_TIMEOUT", value)
        return ["config"]

    return row


CANNOT: dict[tuple[str, int], str] = {}


def cannot(command: str, code: int, why: str) -> str:
    CANNOT[(command, code)] = why
    return why


ROWS: dict[str, dict[int, Row | str]] = {
    "config": {0: _setting("20"), 2: _setting("inf"),
               1: cannot("config", 1, "only reads and shows settings: a bad one is exit 2, nothing else can fail")},
    "digest": {0: lambda env: ["digest", "--since", "2000-01-01", "-o", str(env.tmp / "d.md")],
               1: _unwritable_output(["digest", "--since", "2000-01-01"]),
               2: lambda env: ["digest", "--since", "last tuesday"]},
    "draft": {0: lambda env: ["draft", ABSTRACT, "--offline"], 1: _arxiv_down("draft"),
              2: lambda env: ["draft", str(env.tmp / "no-such-abstract.txt"), "--offline"]},
    "eval": {0: lambda env: ["eval"], 1: lambda env: (env.llm(without=("embeddings",)), ["eval", "--embeddings"])[1],
             2: lambda env: ["eval", "-k", "zero"]},
    "export": {0: lambda env: ["export", "--all"], 2: lambda env: ["export", DPO, "no-such-note"],
               1: cannot("export", 1, "only reads notes: a missing one is exit 2, an unreadable one is skipped and named")},
    "github action": {0: lambda env: (_event(env, "push", {}), ["github", "action"])[1], 1: _action_fails,
                      2: lambda env: ["github", "action"]},
    "github pull": {0: lambda env: (env.github(pulled=False), ["github", "pull", "--repo", REPO])[1], 1: _pull_fails,
                    2: lambda env: ["github", "pull", "--repo", "not a repository"]},
    "github push": {0: lambda env: (env.github(), ["github", "push", "--all-accepted", "--repo", REPO])[1],
                    1: _transferred, 2: lambda env: ["github", "push", "--all-accepted", "--repo", "a/b/c"]},
    "github resolve": {0: lambda env: (env.github(), ["github", "resolve", "--all", "--take", "mine", "--repo", REPO])[1],
                       1: _resolve_deleted, 2: lambda env: ["github", "resolve", "--all"]},
    "import github-issues": {0: _good_gh_export, 1: _bad_gh_export,
                             2: lambda env: ["import", "github-issues", env.file("issues.json", "[" * 3000)]},
    "import paper-notes-xml": {0: _xml_one_entry, 1: _xml_with_bad_entry,
                               2: lambda env: ["import", "paper-notes-xml", "/dev/zero"]},
    "index": {0: lambda env: ["index", "--rebuild"], 1: _embeddings_down, 2: _link_state},
    "init": {0: lambda env: ["init", str(env.tmp / "new")],
             1: lambda env: ["init", "/proc/autonote-exit-codes/corpus"],  # a folder that cannot be made
             2: lambda env: (env.file("taken", "x"), ["init", str(env.tmp / "taken")])[1]},
    "lint": {0: lambda env: ["lint"], 1: _lint_error, 2: lambda env: ["lint", "--corpus", str(env.tmp)]},
    "list": {0: lambda env: ["list"], 1: _unwritable_output(["list"]), 2: lambda env: ["list", "--since", "soon"]},
    "regen": {0: lambda env: (env.llm(), ["regen", "--ids", DPO])[1], 1: _regen_fails,
              2: lambda env: ["regen", "--fields", "no-such-field", "--all"]},
    "review accept": {0: _accept_ok, 1: _with_draft("accept", "--no-commit"),
                      2: lambda env: ["review", "accept", "no-such-draft"]},
    "review diff": {0: _with_draft("diff"), 2: lambda env: ["review", "diff", "no-such-draft"],
                    1: cannot("review diff", 1, "only reads the corpus: a missing or unreadable draft is exit 2")},
    "review edit": {0: _editor("true"), 1: _editor("false"), 2: lambda env: ["review", "edit", "no-such-draft"]},
    "review list": {0: lambda env: ["review", "list"], 2: lambda env: ["review", "list", "--no-such-option"],
                    1: cannot("review list", 1, "only reads the corpus: a bad draft is listed with its errors, exit 0")},
    "review reject": {0: _with_draft("reject"), 2: lambda env: ["review", "reject", "no-such-draft"],
                      1: cannot("review reject", 1, "moves one file within the corpus: refused (2) or done (0)")},
    "review show": {0: _with_draft("show"), 2: lambda env: ["review", "show", "no-such-draft"],
                    1: cannot("review show", 1, "only reads the corpus: a missing or unreadable draft is exit 2")},
    "suggest": {0: lambda env: ["suggest", ABSTRACT], 1: _arxiv_down("suggest"),
                2: lambda env: ["suggest", str(env.tmp / "no-such-abstract.txt")]},
}  # fmt: skip


def commands() -> list[str]:
    from autonote.cli import main

    found: list[str] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append(" ".join(path))

    walk(main, [])
    return sorted(found)


def test_every_command_has_a_row_for_each_exit_code() -> None:
    assert sorted(ROWS) == commands()
    assert all(sorted(rows) == [0, 1, 2] for rows in ROWS.values())


RUNNABLE = [
    (command, code) for command, rows in ROWS.items() for code, row in sorted(rows.items()) if callable(row)
]


@pytest.fixture
def env(run, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("AUTONOTE_REFERENCES", "false")
    with contextlib.ExitStack() as stack:
        yield Env(run, corpus, scratch, monkeypatch, stack)


@pytest.mark.parametrize(("command", "code"), RUNNABLE, ids=[f"{c} -> {k}" for c, k in RUNNABLE])
def test_each_command_ends_with_the_code_its_row_says(env: Env, command: str, code: int) -> None:
    row = ROWS[command][code]
    assert callable(row)
    args = row(env)
    if command != "init" and "--corpus" not in args:
        args = [*args, "--corpus", str(env.corpus)]
    result = env.run(*args)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.exit_code == code, (args, result.stdout[-500:], result.stderr[-1500:])
    if code:  # what failed, or what is wrong, is said
        assert result.stderr.strip(), "a non-zero exit with nothing said"


def test_the_rows_that_cannot_happen_say_why() -> None:
    assert all(len(why) > 20 for why in CANNOT.values())
    for (command, code), why in CANNOT.items():
        assert ROWS[command][code] == why


def test_the_docs_table_is_the_one_these_rows_follow() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for code, meaning in ((0, "done"), (1, "something failed"), (2, "the input or the usage is wrong")):
        assert f"| {code} | {meaning}" in text
