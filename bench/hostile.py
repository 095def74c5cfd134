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

Kinds other sessions own have hooks here: add cases with :func:`register` (or to ``CASES`` in a
module of your own, imported below ``_OWN_KINDS``). Each case is a :class:`Case`: a ``setup``
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

REPO = Path(__file__).resolve().parents[1]
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


# -- other sessions' kinds: hooks ---------------------------------------------------------------------
# network deadlines (net-policy), GitHub answers (gh-transport / gh-workflow), LLM answers (llm-regen),
# lint/review (lint-review): add cases with @register("<kind>", ...) in this section, or in a module
# listed in AUTONOTE_HOSTILE_EXTRA (comma-separated module names imported before the run).
_OWN_KINDS = ["nesting", "future-mtime", "state", "gh-entries", "xml-export", "reimport", "links", "publish"]
OTHER_KINDS = ["network-deadlines", "github-answers", "llm-answers", "lint-review"]


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
        [sys.executable, "-m", "autonote", *args, "--corpus", str(w.corpus)],
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
        shutil.copytree(FIXTURES / "corpus", w.corpus)
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
        outcome.secret = [k for k, v in written.items() if key in v] + (
            ["output"] if key in out + err else []
        )
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
