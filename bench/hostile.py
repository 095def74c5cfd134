"""Hostile input through the real CLI: every case runs ``python -m autonote`` in a fresh corpus, under
a time limit, and is judged on what a user would see and what is left on disk.

    python bench/hostile.py            # every case, full sizes
    python bench/hostile.py --short    # the CI variant (tests/test_hostile.py), under a minute
    python bench/hostile.py --kind xml-export --kind nesting

For each kind it reports: cases, tracebacks, hangs (past the time limit), writes outside the corpus
(a sibling folder and everything beside the corpus are snapshot before and compared after), notes
lost (a note there before that is gone or emptied, or changed where the case must not change it),
secrets written (a fake API key is in the environment; every file written and the output are
searched for it) and exit codes that do not follow docs/exit-codes.md (0 done, 1 something failed
and is named, 2 the input or usage is wrong).

Kinds: nesting, future-mtime, state, gh-entries, xml-export, reimport, links, publish (inputs on
disk); network-deadlines, github-answers, llm-answers (loopback servers from tests/loopback.py and
tests/github_server.py, started by the case's setup with :meth:`Work.serve` and stopped when it
ends; the fake key is also the GitHub token and the LLM key); lint-review; url-secrets.
Add cases with :func:`register` (or to ``CASES`` in a module listed in AUTONOTE_HOSTILE_EXTRA). Each case is a :class:`Case`: a ``setup``
that builds its input in the work folder and returns the command's arguments, the exit codes the
table allows, and optionally a ``check`` that names what went wrong on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests/loopback.py and tests/github_server.py: the servers
FIXTURES = REPO / "fixtures"
SAMPLE_XML = FIXTURES / "exports" / "paper-notes-sample.xml"
ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"
FAKE_KEY = "sk-hostile-FAKE-0123456789abcdef0123456789abcdef"
DEEP = 3000


@dataclass
class Work:
    """A case's folder: ``corpus/`` (a copy of the demo corpus), ``sibling/`` (must never change),
    ``out/`` (where the case may write outputs)."""

    root: Path
    short: bool
    servers: dict[str, Any] = field(default_factory=dict)  # loopback servers the case runs against
    output: bytes = b""  # the command's stdout and stderr, for a case's check

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def file(self, name: str, text: str | bytes) -> Path:
        path = self.root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return path

    def serve(self, name: str, server: Any) -> Any:
        """Start a loopback server (tests/loopback.py, tests/github_server.py) for this case; it is
        stopped when the case ends."""
        self.servers[name] = server.__enter__()  # (stopped with __exit__ when the case ends)
        return server

    def env(self, **values: str) -> None:
        """Variables for the command (and for commands a setup runs after this call)."""
        extra = self.root / "env.json"
        known = json.loads(extra.read_text()) if extra.is_file() else {}
        extra.write_text(json.dumps({**known, **values}))

    def note_line(self, note_id: str, line: str, source: str = "arxiv-1706.03762") -> Path:
        """A copy of a demo note with another id and its ``warnings`` line replaced."""
        text = (self.corpus / "notes" / f"{source}.md").read_text(encoding="utf-8")
        text = text.replace("\nwarnings: []\n", f"\n{line}\n", 1).replace(
            f"id: {source}", f"id: {note_id}", 1
        )
        path = self.corpus / "notes" / f"{note_id}.md"
        path.write_text(text, encoding="utf-8")
        return path


Setup = Callable[[Work], list[str]]
Check = Callable[[Work, dict[str, bytes]], str | None]


@dataclass
class Case:
    kind: str
    name: str
    setup: Setup
    exits: frozenset[int]  # what docs/exit-codes.md allows for it
    check: Check | None = None
    short: bool = True  # part of the CI variant
    timeout: float = 30.0
    env: dict[str, str] = field(default_factory=dict)


CASES: list[Case] = []


def register(
    kind: str, name: str, exits: set[int] | frozenset[int], **options: object
) -> Callable[[Setup], Setup]:
    """Decorator: add the decorated setup as a case of ``kind``."""

    def add(setup: Setup) -> Setup:
        CASES.append(Case(kind, name, setup, frozenset(exits), **options))  # type: ignore[arg-type]
        return setup

    return add


# -- 1. nesting -------------------------------------------------------------------------------------


@register("nesting", "note front matter, JSON, list", {0})
def _deep_json_note(w: Work) -> list[str]:
    w.note_line("deep-json", "warnings: " + "[" * DEEP + "]" * DEEP)
    return ["list"]


@register("nesting", "note front matter, YAML blocks, lint", {1})
def _deep_yaml_note(w: Work) -> list[str]:
    w.note_line("deep-yaml", "warnings:\n" + "".join(" " * i + "-\n" for i in range(1000)))  # 500 kB
    return ["lint"]


@register("nesting", "autonote.toml", {2})
def _deep_toml(w: Work) -> list[str]:
    (w.corpus / "autonote.toml").write_text("tags = " + "[" * DEEP + "]" * DEEP + "\n")
    return ["list"]


@register("nesting", "suggest-weights.json", {0})
def _deep_weights(w: Work) -> list[str]:
    (w.corpus / ".autonote").mkdir(exist_ok=True)
    (w.corpus / ".autonote" / "suggest-weights.json").write_text("[" * DEEP + "]" * DEEP)
    return ["suggest", str(ABSTRACT)]


@register("nesting", "gh issue export", {2})
def _deep_gh(w: Work) -> list[str]:
    return ["import", "github-issues", str(w.file("issues.json", "[" * DEEP + "]" * DEEP))]


@register("nesting", "Actions event file", {2})
def _deep_event(w: Work) -> list[str]:
    event = w.file("event.json", '{"issue": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}")
    w.root.joinpath("env.json").write_text(
        json.dumps({"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "issues"})
    )
    return ["github", "action"]


# -- 2. a note dated after 2262 ---------------------------------------------------------------------


def _future(w: Work) -> None:
    stamp = 10413792000 * 10**9  # 2300-01-01
    os.utime(w.corpus / "notes" / "arxiv-1706.03762.md", ns=(stamp, stamp))


@register("future-mtime", "list", {0})
def _future_list(w: Work) -> list[str]:
    _future(w)
    return ["list"]


@register("future-mtime", "index --rebuild", {0})
def _future_index(w: Work) -> list[str]:
    _future(w)
    return ["index", "--rebuild"]


# -- 3. state database -------------------------------------------------------------------------------


def _state(w: Work, sql: str) -> None:
    import sqlite3

    run(w, ["import", "paper-notes-xml", str(SAMPLE_XML)])
    with sqlite3.connect(w.corpus / ".autonote" / "state.sqlite") as db:
        db.execute(sql)


@register("state", "newer schema", {1})
def _newer(w: Work) -> list[str]:
    _state(w, "INSERT INTO _migrations VALUES ('m999_future', 0)")
    export = w.file("one.xml", "<paper-list>\n" + _entry(9001) + "</paper-list>\n")
    return ["import", "paper-notes-xml", str(export)]  # alone: 0


@register("state", "missing table", {1})  # 1: the sample export has entries to skip
def _missing(w: Work) -> list[str]:
    _state(w, "DROP TABLE imports")
    return ["import", "paper-notes-xml", str(SAMPLE_XML)]


@register("state", "not a database", {0})
def _garbage_state(w: Work) -> list[str]:
    (w.corpus / ".autonote").mkdir(exist_ok=True)
    (w.corpus / ".autonote" / "state.sqlite").write_bytes(b"not sqlite" * 100)
    (w.corpus / ".autonote" / "index.sqlite").write_bytes(b"not sqlite" * 100)
    return ["list"]


# -- 4. bad entries of a gh issue export ------------------------------------------------------------


def _issue(number: object) -> str:
    return json.dumps(
        {"number": number, "title": "[Paper Note] A Paper, Ada Lovelace+, arXiv'26, 2026.03",
         "body": "# URL\n- https://arxiv.org/abs/2603.99999\n# Summary (by m)\n- 要約です。",
         "createdAt": "2026-03-20T00:00:00Z"}
    )  # fmt: skip


def _gh_with(bad: str) -> Setup:
    def setup(w: Work) -> list[str]:
        return [
            "import",
            "github-issues",
            str(w.file("issues.json", f"[{_issue(9301)}, {bad}, {_issue(9303)}]")),
        ]

    return setup


def _both_imported(w: Work, _: dict[str, bytes]) -> str | None:
    missing = [n for n in (9301, 9303) if not (w.corpus / "notes" / f"issue-{n}.md").is_file()]
    strange = [p.name for p in (w.corpus / "notes").glob("issue-*.md") if not p.stem[6:].isdigit()]
    if missing or strange:
        return f"good entries not imported: {missing}; notes with no issue number: {strange}"
    return None


for _name, _bad in (
    ("lone surrogate", '{"number": 9302, "title": "x \\ud800 y", "createdAt": "2026-03-20T00:00:00Z"}'),
    ("300-digit number", '{"number": ' + "9" * 300 + ', "title": "t"}'),
    ('"number": true', '{"number": true, "title": "t"}'),
):
    CASES.append(Case("gh-entries", _name, _gh_with(_bad), frozenset({1}), check=_both_imported))


# -- 5. the XML export -------------------------------------------------------------------------------

ENTRY = """<paper-entry>
<title>[Paper Note] {title}, Ada Lovelace+, arXiv'26, 2026.03</title>
<original-paper-blog-link>https://arxiv.org/abs/2603.{number:05d}</original-paper-blog-link>
<repo-issue-link>https://github.com/o/r/issues/{number}</repo-issue-link>
<tags>NLP</tags>
<repo-issue-date>2026-03-20</repo-issue-date>
<issue-body># URL
- https://arxiv.org/abs/2603.{number:05d}
# Summary (by gpt-4o-mini)
- 要約です。</issue-body>
<maintainer-comment-text>{comment}</maintainer-comment-text>
</paper-entry>
"""


def _entry(number: int, title: str = "A Paper", comment: str = "") -> str:
    return ENTRY.format(number=number, title=title, comment=comment)


def _xml(make: Callable[[Work], str]) -> Setup:
    def setup(w: Work) -> list[str]:
        return [
            "import",
            "paper-notes-xml",
            str(w.file("export.xml", "<paper-list>\n" + make(w) + "</paper-list>\n")),
        ]

    return setup


def _fifo(w: Work) -> list[str]:
    path = w.root / "in" / "export.fifo"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return ["import", "paper-notes-xml", str(path)]


CASES += [
    Case("xml-export", "/dev/zero", lambda w: ["import", "paper-notes-xml", "/dev/zero"], frozenset({2})),
    Case("xml-export", "a FIFO", _fifo, frozenset({2})),
    Case("xml-export", "unclosed fields (ReDoS)", _xml(
        lambda w: _entry(9001, title="<maintainer-comment-text>" * (20000 if w.short else 100000))
        .replace("<maintainer-comment-text></maintainer-comment-text>", "")), frozenset({0})),
    Case("xml-export", "unclosed entry tags", _xml(
        lambda w: "<paper-entry a" * (30000 if w.short else 200000) + _entry(9001)), frozenset({0})),
    Case("xml-export", "100k-paragraph comment", _xml(
        lambda w: _entry(9001, comment="<br>" * 20000 + "<p>段落</p>" * 100000)), frozenset({0})),
    Case("xml-export", "one entry of 20 MB" , _xml(
        lambda w: _entry(9001, comment="<p>" + "y" * (20 << 20) + "</p>") + _entry(9002)), frozenset({1})),
    Case("xml-export", "one entry of 200 MB", _xml(
        lambda w: _entry(9001, comment="<p>" + "y" * (200 << 20) + "</p>") + _entry(9002)), frozenset({1}),
        short=False, timeout=120),
]  # fmt: skip


# -- 6. re-import after an owner edit, with a duplicate ----------------------------------------------


def _dup_setup(w: Work) -> list[str]:
    run(w, ["import", "paper-notes-xml", str(SAMPLE_XML)])
    edited = w.corpus / "notes" / "issue-9101.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nowner's line\n", encoding="utf-8")
    export = SAMPLE_XML.read_text(encoding="utf-8").replace(
        "64の専門家を使い続ける", "65の専門家を使い続ける", 1
    )
    export = export.replace("issues/9101<", "issues/9102<", 1)
    return ["import", "paper-notes-xml", str(w.file("changed.xml", export))]


CASES.append(Case("reimport", "edit + changed entry + duplicate", _dup_setup, frozenset({1})))


# -- 7. links where autonote writes --------------------------------------------------------------------


def _link(name: str, command: list[str]) -> Setup:
    def setup(w: Work) -> list[str]:
        target = w.root / "sibling"
        path = w.corpus / name
        path.parent.mkdir(exist_ok=True)
        if path.suffix:
            path.symlink_to(target / "planted.sqlite")
        else:
            path.symlink_to(target, target_is_directory=True)
        return command

    return setup


CASES += [
    Case("links", ".autonote -> sibling, lint", _link(".autonote", ["lint"]), frozenset({2})),
    Case("links", "drafts -> sibling, draft", _link("drafts", ["draft", str(ABSTRACT), "--offline"]), frozenset({2})),
    Case("links", "dangling index.sqlite, list", _link(".autonote/index.sqlite", ["list"]), frozenset({2})),
    Case("links", "dangling state.sqlite, import", _link(
        ".autonote/state.sqlite", ["import", "paper-notes-xml", str(SAMPLE_XML)]), frozenset({2})),
]  # fmt: skip


# -- 8. reading others' corpora, pages, repeated inputs -----------------------------------------------


def _member(w: Work) -> list[str]:
    shutil.copytree(FIXTURES / "corpus", w.root / "sibling" / "member")
    return ["digest", "--member", f"Hana={w.root / 'sibling' / 'member'}", "--since", "2000-01-01",
            "-o", str(w.out / "digest.md")]  # fmt: skip


def _long_tag(w: Work) -> list[str]:
    note = w.corpus / "notes" / "arxiv-1706.03762.md"
    note.write_text(note.read_text(encoding="utf-8").replace("\n#NLP ", "\n#NLP #" + "x" * 300 + " ", 1))
    return ["list", "--all-tags", "-o", str(w.out / "pages")]


CASES += [
    Case("publish", "digest --member (sibling must not change)", _member, frozenset({0})),
    Case("publish", "list --all-tags, a 300-character tag", _long_tag, frozenset({0})),
    Case("publish", "draft the same abstract three times", lambda w: ["draft", *[str(ABSTRACT)] * 3, "--offline"],
         frozenset({0})),
]  # fmt: skip


# -- 9. network deadlines and redirects for sources (loopback servers that misbehave) ---------------

QUICK = dict(AUTONOTE_FETCH_TIMEOUT="1", AUTONOTE_FETCH_RETRIES="0", AUTONOTE_ARXIV_TIMEOUT="1",
             AUTONOTE_ARXIV_RETRIES="0", AUTONOTE_FETCH_MIN_INTERVAL="0.02", AUTONOTE_ARXIV_MIN_INTERVAL="0.05")  # fmt: skip
PAGE = (FIXTURES / "web" / "minimal.html").read_bytes()


def _page(route: Callable[[Any], tuple[int, Any, dict[str, str]]]) -> Setup:
    """``draft`` of a page the loopback web server answers with ``route(loopback module)``."""

    def setup(w: Work) -> list[str]:
        from tests import loopback

        web = w.serve("web", loopback.WebServer())
        web.routes["/page"] = route(loopback)
        w.env(**QUICK)
        return ["draft", f"{web.url}/page", "--offline"]

    return setup


def _raw(body: bytes, **raw: float) -> Callable[[Any], tuple[int, Any, dict[str, str]]]:
    return lambda lb: (200, lb.Raw(body, **raw), {})  # type: ignore[arg-type]


def _head(body: bytes, **headers: str) -> bytes:
    from tests.loopback import raw_answer

    return raw_answer(body, headers={"Content-Type": "text/html", **headers})


def _arxiv(fault: Callable[[Any, bytes], Any]) -> Setup:
    """``draft`` of an arXiv id whose feed the loopback arXiv answers with ``fault(loopback, feed)``."""

    def setup(w: Work) -> list[str]:
        from tests import loopback

        arxiv = w.serve("arxiv", loopback.ArxivServer())
        feed = arxiv.answer("GET", "/api/query?id_list=2504.07086", b"")[1].encode()
        arxiv.faults.append(fault(loopback, feed))
        w.env(AUTONOTE_ARXIV_API_URL=arxiv.api_url, **QUICK)
        return ["draft", "2504.07086", "--offline"]

    return setup


def _openreview_deep(w: Work) -> list[str]:
    from tests import loopback

    server = w.serve("openreview", loopback.OpenReviewServer())
    depth = 100_000
    server.faults.append(loopback.Fault(200, body='{"notes": ' + "[" * depth + "]" * depth + "}",
                                        headers={"Content-Type": "application/json"}))  # fmt: skip
    w.env(AUTONOTE_OPENREVIEW_API_URL=server.api_url, **QUICK)
    return ["draft", "https://openreview.net/forum?id=Xq7pL2mN4a", "--offline"]


def _no_draft(w: Work, _: dict[str, bytes]) -> str | None:
    drafts = (
        sorted(p.name for p in (w.corpus / "drafts").glob("*.md")) if (w.corpus / "drafts").is_dir() else []
    )
    lines = [
        line for line in w.output.decode(errors="replace").splitlines() if line.startswith("autonote: error:")
    ]
    if drafts or len(lines) != 1:
        return f"a failed fetch left drafts {drafts} and {len(lines)} error lines"
    return None


NET = dict(check=_no_draft, timeout=20.0)
CASES += [
    Case("network-deadlines", "slowloris web page (headers a byte at a time)", _page(_raw(
        _head(PAGE, **{"X-Padding": "p" * 400}), chunk=1, pause=0.02)), frozenset({1}), **NET),
    Case("network-deadlines", "arXiv feed trickled 8 bytes at a time", _arxiv(lambda lb, feed: lb.Fault(
        body=lb.Raw(lb.raw_answer(feed, headers={"Content-Length": str(len(feed))}), chunk=8, pause=0.05))),
        frozenset({1}), **NET),
    Case("network-deadlines", "arXiv feed that stalls after its head", _arxiv(lambda lb, feed: lb.Fault(
        body=lb.Raw(lb.raw_answer(feed[:300], headers={"Content-Length": str(len(feed))}), stall=6))),
        frozenset({1}), short=False, **NET),
    Case("network-deadlines", "redirect to an invalid URL", _page(
        lambda lb: (302, b"", {"Location": "http://[::garbage"})), frozenset({1}), **NET),
    Case("network-deadlines", "redirect to another scheme (arXiv)", _arxiv(
        lambda lb, feed: lb.Fault(301, headers={"Location": "ftp://127.0.0.1/feed.xml"})), frozenset({1}),
        short=False, **NET),
    Case("network-deadlines", "Retry-After: 100000 (arXiv 503)", _arxiv(
        lambda lb, feed: lb.Fault(503, headers={"Retry-After": "100000"})), frozenset({1}), **NET),
    Case("network-deadlines", "Content-Length longer than the body", _page(_raw(
        _head(PAGE, **{"Content-Length": str(len(PAGE) + 500)}))), frozenset({1}), **NET),
    Case("network-deadlines", "Content-Length shorter than the body", _page(_raw(
        _head(PAGE, **{"Content-Length": "60"}))), frozenset({1}), short=False, **NET),
    Case("network-deadlines", "an element with 100k attributes", _page(lambda lb: (200,
        b"<html><head><title>T</title></head><body><p " + b" ".join(b"a%d=x" % i for i in range(100_000))
        + b">Some text.</p></body></html>", {"Content-Type": "text/html"})), frozenset({1}), **NET),
    Case("network-deadlines", "a page over the 5 MB limit, no Content-Length", _page(_raw(
        _head(b"<html><body>" + b"<p>word</p>" * 500_000 + b"</body></html>"))), frozenset({1}), **NET),
    Case("network-deadlines", "OpenReview answer nested 100,000 deep", _openreview_deep, frozenset({1}), **NET),
]  # fmt: skip


# -- 10. GitHub answers -------------------------------------------------------------------------------

GH_REPO = "example-owner/paper_notes"


def _github(w: Work, **options: Any) -> Any:
    """A loopback GitHub (the fake key is its token) holding the sample export's issues."""
    from tests.github_helpers import export_entries, serve_entries
    from tests.github_server import GitHubServer

    for note in (w.corpus / "notes").glob("*.md"):  # the corpus is the repository's mirror: its notes only
        note.unlink()
    server = w.serve("github", GitHubServer(tokens=(FAKE_KEY,), **options))
    server.add_repo(GH_REPO)
    serve_entries(server, GH_REPO, export_entries(SAMPLE_XML))
    w.env(GITHUB_API_URL=server.url, AUTONOTE_GITHUB_WRITE_INTERVAL="0", PATH="/usr/bin:/bin",
          AUTONOTE_GITHUB_TIMEOUT="3", AUTONOTE_GITHUB_MAX_WAIT="1")  # fmt: skip
    return server


def _pulled(w: Work) -> Any:
    server = _github(w)
    done = run(w, ["github", "pull", "--repo", GH_REPO])
    if done.returncode != 0:
        raise RuntimeError(f"the setup's pull failed: {done.stderr.decode(errors='replace')}")
    return server


def _change(w: Work, note_id: str) -> None:
    path = w.corpus / "notes" / f"{note_id}.md"
    marker = "<!-- autonote:key-points -->\n"
    path.write_text(path.read_text(encoding="utf-8").replace(marker, marker + "- 追加したポイント\n", 1),
                    encoding="utf-8")  # fmt: skip


def _gh_renamed(w: Work) -> list[str]:
    _github(w).rename_repo(GH_REPO, GH_REPO + "-renamed")
    return ["github", "pull", "--repo", GH_REPO]


def _gh_307(w: Work) -> list[str]:
    server = _pulled(w)
    _change(w, "issue-9104")
    server.rename_repo(GH_REPO, GH_REPO + "-renamed")
    return ["github", "push", "--all-accepted", "--repo", GH_REPO]


def _gh_pushed_where(w: Work, _: dict[str, bytes]) -> str | None:
    body = w.servers["github"].issue(GH_REPO + "-renamed", 9104).body
    return None if "追加したポイント" in body else "the edit did not reach the renamed repository"


def _gh_moved(w: Work) -> list[str]:
    server = _pulled(w)
    server.add_repo("example-owner/elsewhere")
    server.transfer_issue(GH_REPO, 9101, "example-owner/elsewhere")
    server.delete_issue(GH_REPO, 9102)
    for note_id in ("issue-9101", "issue-9102", "issue-9104"):
        _change(w, note_id)
    return ["github", "push", "--all-accepted", "--repo", GH_REPO]


def _gh_moved_check(w: Work, _: dict[str, bytes]) -> str | None:
    text = w.output.decode(errors="replace")
    named = all(f"issue-{n}: not pushed" in text for n in (9101, 9102))
    went_on = "追加したポイント" in w.servers["github"].issue(GH_REPO, 9104).body
    return (
        None if named and went_on else f"moved/deleted issues not named, or the others stopped: {text[-400:]}"
    )


def _gh_fault(**fault: Any) -> Setup:
    def setup(w: Work) -> list[str]:
        server = _github(w)
        server.fail(**fault, method="GET", path=r"/issues$", times=99)
        w.env(AUTONOTE_GITHUB_TIMEOUT="1")
        return ["github", "pull", "--repo", GH_REPO, "--full"]

    return setup


def _gh_labels(w: Work) -> list[str]:
    server = _github(w)
    server.add_issue(GH_REPO, "A post, Someone, 2025.01", "https://example.org/a\r\nline two\r\n",
                     ["ML #2", "Line\nBreak", "#Hash", "a #b #c", "日本語 ラベル"], number=7)  # fmt: skip
    done = run(w, ["github", "pull", "--repo", GH_REPO])
    if done.returncode != 0:
        raise RuntimeError(f"the setup's pull failed: {done.stderr.decode(errors='replace')}")
    w.output = b""
    return ["github", "push", "--all-accepted", "--create-labels", "--repo", GH_REPO]


def _gh_unchanged(w: Work, _: dict[str, bytes]) -> str | None:
    server = w.servers["github"]
    issue = server.issue(GH_REPO, 7)
    if issue.labels != ["ML #2", "Line\nBreak", "#Hash", "a #b #c", "日本語 ラベル"]:
        return f"labels changed: {issue.labels}"
    if issue.body != "https://example.org/a\r\nline two\r\n" or server.count("PATCH") or server.count("POST"):
        return f"an unchanged issue was written: body {issue.body!r}, {server.count('PATCH')} PATCH"
    return None


GH_HTML = b"<!DOCTYPE html>\n<html><head><title>Unicorn! \xc2\xb7 GitHub</title></head><body></body></html>\n"
CASES += [
    Case("github-answers", "renamed repository (301), pull", _gh_renamed, frozenset({0})),
    Case("github-answers", "renamed between pull and push (PATCH 307)", _gh_307, frozenset({0}),
         check=_gh_pushed_where),
    Case("github-answers", "transferred (301) and deleted (410) issues, push", _gh_moved, frozenset({1}),
         check=_gh_moved_check),
    Case("github-answers", "an HTML page with 200", _gh_fault(
        status=200, raw=GH_HTML, content_type="text/html; charset=utf-8"), frozenset({1})),
    Case("github-answers", "JSON nested 100,000 deep", _gh_fault(
        status=200, raw=b"[" * 100_000 + b"]" * 100_000), frozenset({1})),
    Case("github-answers", "an answer trickled a byte at a time", _gh_fault(
        status=200, body={"message": "x" * 400}, trickle=0.05), frozenset({1})),
    Case("github-answers", "an error answer echoing the token", _gh_fault(
        status=422, body={"message": f"Validation Failed for token {FAKE_KEY}"}), frozenset({1})),
    Case("github-answers", "labels 'ML #2', a newline; a CRLF body: push changes nothing", _gh_labels,
         frozenset({0}), check=_gh_unchanged),
]  # fmt: skip


# -- 11. LLM answers ----------------------------------------------------------------------------------


def _llm(faults: Callable[[Any], list[Any]], **env: str) -> Setup:
    def setup(w: Work) -> list[str]:
        from tests import loopback

        server = w.serve("llm", loopback.OpenAIServer())
        server.faults = faults(loopback)
        w.env(**{"OPENAI_BASE_URL": server.base_url, "AUTONOTE_LLM_MAX_RETRIES": "1", **env})
        return ["draft", str(ABSTRACT), "--title", "T"]

    return setup


def _completion(lb: Any, tail: str = "") -> str:
    reply = lb.cooperative_reply({"messages": [{"content": ""}]})
    body = json.dumps({"id": "c", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                    "finish_reason": "stop"}]})  # fmt: skip
    return body[:-1] + tail + "}"


def _llm_echo(w: Work) -> list[str]:
    from tests import loopback

    server = w.serve("llm", loopback.OpenAIServer(echo_errors={"chat": 500}))
    w.env(OPENAI_BASE_URL=server.base_url, AUTONOTE_LLM_MAX_RETRIES="1")
    return ["draft", str(ABSTRACT), "--title", "T"]


def _no_chat(w: Work, _: dict[str, bytes]) -> str | None:
    asked = w.servers["llm"].chat_requests()
    return f"{len(asked)} requests were sent with a refused setting" if asked else None


CASES += [
    Case("llm-answers", "an answer trickled a byte at a time", _llm(
        lambda lb: [lb.Fault(200, body=_completion(lb) + " " * 2400, headers={"Content-Type": "application/json"},
                             trickle=0.05)] * 2, AUTONOTE_LLM_TIMEOUT="1", AUTONOTE_LLM_MAX_RETRIES="0"), frozenset({1}), check=_no_draft),
    Case("llm-answers", "a body nested 100,000 deep", _llm(
        lambda lb: [lb.Fault(200, body=_completion(lb, ', "x": ' + "[" * 100_000 + "]" * 100_000),
                             headers={"Content-Type": "application/json"})] * 2), frozenset({1}), check=_no_draft),
    Case("llm-answers", "AUTONOTE_LLM_TIMEOUT=inf", _llm(lambda lb: [], AUTONOTE_LLM_TIMEOUT="inf"),
         frozenset({2}), check=_no_chat),
    Case("llm-answers", "AUTONOTE_LLM_TIMEOUT=1e9", _llm(lambda lb: [], AUTONOTE_LLM_TIMEOUT="1e9"),
         frozenset({2}), check=_no_chat, short=False),
    Case("llm-answers", "error answers that echo the API key", _llm_echo, frozenset({1}), check=_no_draft),
]  # fmt: skip


# -- 12. lint and review ------------------------------------------------------------------------------


def _markers(w: Work) -> list[str]:
    note = (w.corpus / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")
    count = 20_000 if w.short else 50_000
    for name, text in {"unclosed": note + "<!-- autonote:x -->\n" * count,
                       "sections": note + "## Comment\n## Key Points\n" * count}.items():  # fmt: skip
        path = w.corpus / "notes" / f"{name}.md"
        path.write_text(text.replace("id: arxiv-1706.03762", f"id: {name}"), encoding="utf-8")
    return ["lint"]


def _draft_to(target: str) -> Setup:
    def setup(w: Work) -> list[str]:
        (w.corpus / "drafts").mkdir(exist_ok=True)
        (w.corpus / "drafts" / "evil.md").symlink_to(target)
        return ["review", "show", "evil"]

    return setup


def _not_shown(w: Work, _: dict[str, bytes]) -> str | None:
    return "the linked file was shown" if b"root:x" in w.output else None


def _git(folder: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=o", "-c", "user.email=o@example.org", *args],
                   check=True, capture_output=True, env=env)  # fmt: skip


def _git_dir(w: Work) -> list[str]:
    from tests.test_review_findings import JAPANESE_POINTS, JAPANESE_SUMMARY

    from autonote.notes.format import parse_note, render_note

    _git(w.corpus, "init", "-q", "-b", "main")
    _git(w.corpus, "config", "user.name", "Reviewer")
    _git(w.corpus, "config", "user.email", "reviewer@example.org")
    _git(w.corpus, "add", "notes")
    _git(w.corpus, "commit", "-q", "-m", "the corpus")
    other = w.root / "sibling" / "other"
    other.mkdir()
    _git(other, "init", "-q", "-b", "main")
    _git(other, "commit", "-q", "--allow-empty", "-m", "x")
    done = run(w, ["draft", str(ABSTRACT), "--offline"])
    draft = w.corpus / done.stdout.decode().strip()
    note = parse_note(draft.read_text(encoding="utf-8"))
    update = {"summary": JAPANESE_SUMMARY, "key_points": JAPANESE_POINTS}
    draft.write_text(render_note(note.model_copy(update=update)), encoding="utf-8")
    w.env(GIT_DIR=str(other / ".git"), GIT_WORK_TREE=str(other), GIT_INDEX_FILE=str(other / ".git" / "index"))
    return ["review", "accept", draft.stem]


def _update_unchanged(w: Work) -> list[str]:
    from tests import loopback

    _git(w.corpus, "init", "-q", "-b", "main")
    _git(w.corpus, "add", "notes")
    _git(w.corpus, "commit", "-q", "-m", "the corpus")
    server = w.serve("llm", loopback.OpenAIServer())
    w.env(OPENAI_BASE_URL=server.base_url, GIT_AUTHOR_NAME="o", GIT_AUTHOR_EMAIL="o@example.org",
          GIT_COMMITTER_NAME="o", GIT_COMMITTER_EMAIL="o@example.org")  # fmt: skip
    dpo = "arxiv-2305.18290"
    draft = w.corpus / "drafts" / f"{dpo}.md"
    if run(w, ["regen", "--ids", dpo]).returncode != 0:
        raise RuntimeError("setup: regen failed")
    kept = draft.read_bytes()
    if run(w, ["review", "accept", dpo]).returncode != 0:
        raise RuntimeError("setup: the first accept failed")
    draft.write_bytes(kept)  # the same update-draft again: the note already says it
    return ["review", "accept", dpo]


def _committed_here(w: Work, _: dict[str, bytes]) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    log = subprocess.run(["git", "-C", str(w.corpus), "log", "-1", "--format=%s"], capture_output=True,
                         text=True, env=env).stdout  # fmt: skip
    return None if log.startswith("Add note: ") else f"the note was not committed to the corpus: {log!r}"


def _said_unchanged(w: Work, _: dict[str, bytes]) -> str | None:
    return (
        None if b": unchanged (" in w.output else "the unchanged update-draft was not accepted as unchanged"
    )


CASES += [
    Case("lint-review", "lint of a folder that is not a corpus", lambda w: ["lint", "--corpus", str(w.root / "sibling")],
         frozenset({2})),
    Case("lint-review", "notes with 20,000 (full: 50,000) unclosed markers and sections", _markers,
         frozenset({0}), timeout=60),
    Case("lint-review", "review show of a draft linked to /etc/passwd", _draft_to("/etc/passwd"), frozenset({2}),
         check=_not_shown),
    Case("lint-review", "review accept with GIT_DIR of another repository", _git_dir, frozenset({0}),
         check=_committed_here),
    Case("lint-review", "an update-draft that changes nothing", _update_unchanged, frozenset({0}),
         check=_said_unchanged),
]  # fmt: skip


# -- 13. secrets in a URL -------------------------------------------------------------------------------


def _url_secret(w: Work) -> list[str]:
    url = f"https://alice:{FAKE_KEY}@reports.example.org/paper?id=7&token={FAKE_KEY}&sig={FAKE_KEY}"
    return ["draft", str(ABSTRACT), "--offline", "--url", url]


def _page_token(w: Work) -> list[str]:
    from tests import loopback

    web = w.serve("web", loopback.WebServer())
    w.env(**QUICK)
    return ["draft", web.page_url("minimal.html") + f"?access_token={FAKE_KEY}&lang=en", "--offline"]


CASES += [
    Case("url-secrets", "--url https://u:KEY@host/x?token=KEY&sig=KEY", _url_secret, frozenset({0})),
    Case("url-secrets", "a page fetched with ?access_token=KEY", _page_token, frozenset({0})),
]  # fmt: skip


# -- kinds ---------------------------------------------------------------------------------------------
# More cases: @register("<kind>", ...) above, or a module listed in AUTONOTE_HOSTILE_EXTRA
# (comma-separated module names imported before the run).
_OWN_KINDS = [
    "nesting",
    "future-mtime",
    "state",
    "gh-entries",
    "xml-export",
    "reimport",
    "links",
    "publish",
    "network-deadlines",
    "github-answers",
    "llm-answers",
    "lint-review",
    "url-secrets",
]
OTHER_KINDS: list[str] = []


# -- running -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    code: int | None  # None: hung
    seconds: float
    traceback: bool = False
    outside: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    secret: list[str] = field(default_factory=list)
    problem: str | None = None  # the case's own check

    @property
    def exit_ok(self) -> bool:
        return self.code in self.case.exits


def environment(w: Work) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_", "GITHUB_"))}
    env.update(
        AUTONOTE_CONFIG_DIR=str(w.root / "config"), OPENAI_API_KEY=FAKE_KEY, GITHUB_TOKEN=FAKE_KEY,
        OPENAI_BASE_URL="http://127.0.0.1:9/v1", AUTONOTE_ARXIV_API_URL="http://127.0.0.1:9/api/query",
        AUTONOTE_OPENREVIEW_API_URL="http://127.0.0.1:9", AUTONOTE_ACL_ANTHOLOGY_URL="http://127.0.0.1:9",
        LC_ALL="C.UTF-8",
    )  # fmt: skip
    extra = w.root / "env.json"
    if extra.is_file():
        env.update(json.loads(extra.read_text()))
    return env


def run(w: Work, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "autonote", *args, *([] if "--corpus" in args else ["--corpus", str(w.corpus)])],
        env=environment(w), cwd=w.root, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def snapshot(folder: Path, skip: tuple[Path, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (outside ``skip``) → its bytes (a symlink → where it points)."""
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            if path in skip or path.is_fifo():
                continue
            try:
                found[str(path.relative_to(folder))] = (
                    b"-> " + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
                )
            except OSError:
                found[str(path.relative_to(folder))] = b"<unreadable>"
    return found


def run_case(case: Case, short: bool) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="autonote-hostile-") as tmp:
        w = Work(Path(tmp), short)
        try:
            return _run_case(case, w)
        finally:
            for server in w.servers.values():
                server.__exit__(None, None, None)


def _run_case(case: Case, w: Work) -> Outcome:
    shutil.copytree(FIXTURES / "corpus", w.corpus, ignore=shutil.ignore_patterns(".autonote", "drafts"))
    (w.root / "sibling").mkdir()
    (w.root / "sibling" / "keep.txt").write_text("a neighbour's file\n")
    args = case.setup(w)
    notes_before = {p.name: p.read_bytes() for p in (w.corpus / "notes").glob("*.md")}
    outside_before = snapshot(w.root, skip=(w.corpus, w.out, w.root / "config"))
    started = time.perf_counter()
    try:
        done = run(w, args, timeout=case.timeout)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = None, exc.stdout or b"", exc.stderr or b""
    outcome = Outcome(case, code, time.perf_counter() - started)
    w.output = out + err
    outcome.traceback = b"Traceback" in err or b"internal error" in err
    after = snapshot(w.root, skip=(w.corpus, w.out, w.root / "config"))
    outcome.outside = sorted(
        k for k in set(after) | set(outside_before) if after.get(k) != outside_before.get(k)
    )
    for name, text in notes_before.items():
        path = w.corpus / "notes" / name
        if not path.is_file() or (text.strip() and not path.read_bytes().strip()):
            outcome.lost.append(name)
    if case.kind == "reimport":
        text = (w.corpus / "notes" / "issue-9102.md").read_text(encoding="utf-8")
        if "Load Balancing Without Auxiliary Losses" not in text.split("---")[1]:
            outcome.lost.append("issue-9102.md (replaced by another paper)")
    written = snapshot(w.root)
    key = FAKE_KEY.encode()
    outcome.secret = [k for k, v in written.items() if key in v] + (["output"] if key in out + err else [])
    if case.check is not None:
        outcome.problem = case.check(w, notes_before)
    return outcome


def selected(kinds: list[str] | None, short: bool) -> list[Case]:
    for module in filter(None, os.environ.get("AUTONOTE_HOSTILE_EXTRA", "").split(",")):
        __import__(module)
    return [c for c in CASES if (not kinds or c.kind in kinds) and (c.short or not short)]


def table(outcomes: list[Outcome]) -> str:
    rows = [
        (
            "kind",
            "cases",
            "tracebacks",
            "hangs",
            "outside",
            "lost",
            "secrets",
            "exit≠table",
            "problems",
            "max s",
        )
    ]
    kinds = list(dict.fromkeys(o.case.kind for o in outcomes))
    for kind in kinds:
        mine = [o for o in outcomes if o.case.kind == kind]
        rows.append((
            kind, str(len(mine)), str(sum(o.traceback for o in mine)), str(sum(o.code is None for o in mine)),
            str(sum(bool(o.outside) for o in mine)), str(sum(bool(o.lost) for o in mine)),
            str(sum(bool(o.secret) for o in mine)), str(sum(not o.exit_ok for o in mine)),
            str(sum(o.problem is not None for o in mine)), f"{max(o.seconds for o in mine):.1f}",
        ))  # fmt: skip
    for kind in OTHER_KINDS:
        if kind not in kinds:
            rows.append((kind, "0", "-", "-", "-", "-", "-", "-", "-", "(owned elsewhere; add cases)"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)) for r in rows
    )


def failures(outcomes: list[Outcome]) -> list[str]:
    bad = []
    for o in outcomes:
        why = [
            *(["traceback"] if o.traceback else []), *(["hang"] if o.code is None else []),
            *([f"wrote outside the corpus: {o.outside}"] if o.outside else []),
            *([f"notes lost: {o.lost}"] if o.lost else []), *([f"secret in {o.secret}"] if o.secret else []),
            *([f"exit {o.code}, table allows {sorted(o.case.exits)}"] if not o.exit_ok else []),
            *([o.problem] if o.problem else []),
        ]  # fmt: skip
        if why:
            bad.append(f"{o.case.kind} / {o.case.name}: " + "; ".join(why))
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI variant: smaller inputs, fewer cases")
    parser.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    options = parser.parse_args(argv)
    outcomes = []
    for case in selected(options.kind, options.short):
        outcome = run_case(case, options.short)
        outcomes.append(outcome)
        status = "ok" if not failures([outcome]) else "FAIL"
        print(
            f"{status:4} {outcome.seconds:6.1f} s  exit {outcome.code}  {case.kind} / {case.name}", flush=True
        )
    print()
    print(table(outcomes))
    bad = failures(outcomes)
    for line in bad:
        print("FAIL", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
