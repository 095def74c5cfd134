"""Every bad input gets one clear line and the right exit code, never a traceback: the cases a
hostile trial found, each through the real CLI (as a separate process where a real terminal, pipe,
stdin or resource limit is what matters)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autonote.cli import main
from autonote.notes.format import parse_note
from tests.loopback import FIXTURES, OpenAIServer
from tests.test_regen import drafts
from tests.test_review import DPO, regen_drafts

REPO = Path(__file__).resolve().parents[1]
XML = FIXTURES / "exports" / "paper-notes-sample.xml"


def one_error_line(stderr: str) -> bool:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("autonote: error: ") and "Traceback" not in stderr


def autonote(*args: str, env: dict[str, str], stdin: bytes | None = None, cwd: Path = REPO, **options):
    return subprocess.run(
        [sys.executable, "-m", "autonote", *args], env=env, cwd=cwd, input=stdin, capture_output=True,
        timeout=120, **options,
    )  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
    return clean | {"AUTONOTE_CONFIG_DIR": str(tmp_path / "config"), "LC_ALL": "C.UTF-8"}


# -- click's own messages -----------------------------------------------------------------------------


def all_commands() -> list[list[str]]:
    found = []
    for name, command in main.commands.items():
        found.append([name])
        for sub in getattr(command, "commands", {}):
            found.append([name, sub])
    return found


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c))
def test_help_is_silent_on_stderr(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and result.stderr == "" and "Usage:" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["draft"], ["regen", "--concurrency", "abc"], ["regen", "--via", "carrier-pigeon"], ["nosuch"],
     ["review", "accept", "--on-conflict", "maybe"], ["list", "--format", "pdf"]],
)  # fmt: skip
def test_usage_errors_are_clicks_own_message_and_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "internal error" not in result.stderr and "Error:" in result.stderr and "Usage:" in result.stderr


# -- inputs --------------------------------------------------------------------------------------------


def test_long_binary_and_nul_inputs(env: dict[str, str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus)
    cases = [
        (["draft", "a" * 300, "--corpus", str(corpus)], None, "not an arXiv id"),
        (["draft", "x/" * 200, "--corpus", str(corpus)], None, "not an arXiv id"),
        (
            ["draft", "-", "--title", "T", "--corpus", str(corpus)],
            b"\xff\xfe\x00binary\x89PNG",
            "stdin: not UTF-8",
        ),
        (["draft", "-", "--title", "T", "--corpus", str(corpus)], b"an abstract\x00with a NUL", "NUL bytes"),
    ]
    for args, stdin, message in cases:
        done = autonote(*args, env=env, stdin=stdin)
        assert done.returncode == 2, (args, done.stderr)
        assert one_error_line(done.stderr.decode()) and message in done.stderr.decode(), done.stderr
    assert drafts(corpus) == []


def test_a_title_line_with_month_13_skips_that_entry_only(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    bad = tmp_path / "export.xml"
    bad.write_text(
        XML.read_text(encoding="utf-8").replace("2026.03</title>", "2026.13</title>", 1), encoding="utf-8"
    )
    result = run("import", "paper-notes-xml", str(bad), "--corpus", str(corpus))
    assert result.exit_code == 1
    assert "2026.13 is not a month" in result.stderr and "Traceback" not in result.stderr
    assert len(list((corpus / "notes").glob("*.md"))) >= 1

    issues = json.loads((FIXTURES / "exports" / "github-issues-sample.json").read_text(encoding="utf-8"))
    issues[0]["title"] = issues[0]["title"].replace("2025.04", "2025.13")
    issues.append({**issues[1], "number": 9301, "comments": "not a list"})
    issues.append({**issues[1], "number": 9302, "url": 12345})
    issues[1]["labels"] = {"name": "NLP"}  # an object, not a list
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(issues), encoding="utf-8")
    result = run("import", "github-issues", str(path), "--corpus", str(corpus))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    reasons = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert any("2025.13 is not a month" in r for r in reasons)
    assert any("'labels' is a dict, not a list" in r for r in reasons)
    assert any("'comments' is a str, not a list" in r for r in reasons)
    assert any("'url' is a int, not a str" in r for r in reasons)


def test_bad_settings_are_one_line(run, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (corpus / "autonote.toml").write_bytes(b'model = "gpt\xff"\n')
    result = run("config", "--corpus", str(corpus))
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr and result.stderr.count("\n") == 1
    (corpus / "autonote.toml").unlink()
    monkeypatch.setenv("AUTONOTE_ARXIV_API_URL", "export.arxiv.org/api/query")
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert (
        result.exit_code == 2 and "is not an http(s) URL" in result.stderr and one_error_line(result.stderr)
    )
    monkeypatch.setenv("AUTONOTE_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("AUTONOTE_CONCURRENCY", "-1")
    result = run("regen", "--all", "--dry-run", "--corpus", str(corpus))
    assert result.exit_code == 2 and "concurrency" in result.stderr


def test_regen_takes_concurrency_from_the_config_file(run, corpus: Path) -> None:
    (corpus / "autonote.toml").write_text("concurrency = 3\n")
    from autonote.config import load_settings

    settings, origin = load_settings({"corpus": str(corpus)})
    assert settings.concurrency == 3 and origin["concurrency"].endswith("autonote.toml")
    (corpus / "autonote.toml").write_text('concurrency = "many"\n')
    result = run("regen", "--all", "--dry-run", "--corpus", str(corpus))
    assert result.exit_code == 2 and "concurrency" in result.stderr and one_error_line(result.stderr)


def test_a_corpus_that_does_not_exist_is_an_error_and_init_makes_one(run, tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    for args in (["draft", str(FIXTURES / "abstracts" / "sample-abstract.txt")], ["list"], ["review", "list"],
                 ["import", "paper-notes-xml", str(XML)], ["regen", "--all"]):  # fmt: skip
        result = run(*args, "--corpus", str(missing))
        assert result.exit_code == 2 and "autonote init" in result.stderr, (args, result.stderr)
        assert not missing.exists()
    made = run("init", str(missing))
    assert made.exit_code == 0 and (missing / "notes").is_dir() and (missing / "autonote.toml").is_file()
    assert run("init", str(missing)).stdout.strip().endswith("nothing changed")


def test_commands_find_the_corpus_from_inside_it(env: dict[str, str], corpus: Path) -> None:
    (corpus / "notes" / "sub").mkdir()
    listed = autonote("list", "--format", "json", env=env, cwd=corpus / "notes" / "sub")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 9


# -- the editor, the terminal, the pipe ---------------------------------------------------------------


def test_editors_that_misbehave_leave_the_draft_as_it_was(
    run, corpus: Path, llm_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regen_drafts(run, corpus, DPO)
    draft = corpus / "drafts" / f"{DPO}.md"
    before = draft.read_text(encoding="utf-8")
    scripts = {
        "non-UTF-8": "import sys; open(sys.argv[1], 'wb').write(b'\\xff\\xfe broken')",
        "deleting": "import os, sys; os.remove(sys.argv[1])",
    }
    for name, code in scripts.items():
        editor = tmp_path / f"{name}.py"
        editor.write_text(code)
        monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
        result = run("review", "edit", DPO, "--corpus", str(corpus))
        assert result.exit_code == 1 and one_error_line(result.stderr), (name, result.stderr)
        assert "unchanged" in result.stderr and draft.read_text(encoding="utf-8") == before
    monkeypatch.setenv("EDITOR", 'vim "unclosed')
    result = run("review", "edit", DPO, "--corpus", str(corpus))
    assert result.exit_code == 2 and "cannot read the editor command" in result.stderr
    assert draft.read_text(encoding="utf-8") == before


def test_interactive_review_without_a_terminal_is_one_line(env: dict[str, str], corpus: Path) -> None:
    with open(os.devnull, "rb") as devnull:
        done = subprocess.run([sys.executable, "-m", "autonote", "review", "--corpus", str(corpus)], env=env,
                              stdin=devnull, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and one_error_line(done.stderr) and "needs a terminal" in done.stderr


def test_a_closed_pipe_is_quiet(env: dict[str, str], corpus: Path) -> None:
    for index in range(200):  # enough problems that lint outlives `head -1`
        (corpus / "notes" / f"broken-{index}.md").write_text("---\nid: x\n", encoding="utf-8")
    pipeline = subprocess.run(
        f"{sys.executable} -m autonote lint --corpus {corpus} | head -1", shell=True, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert pipeline.stdout.count("\n") == 1
    assert "Traceback" not in pipeline.stderr and "internal error" not in pipeline.stderr


# -- a full disk, a read-only corpus --------------------------------------------------------------------


def limited_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


CHECK_RECORDS = """
import json, sqlite3, sys, hashlib, pathlib
corpus = pathlib.Path(sys.argv[1])
notes = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in (corpus / "notes").glob("*.md")}
records = dict(sqlite3.connect(corpus / ".autonote" / "state.sqlite").execute("SELECT note_id, file_sha256 FROM imports"))
print(json.dumps({"notes": notes, "records": records, "temps": len(list((corpus / "notes").glob(".*.tmp")))}))
"""


def test_a_disk_that_fills_during_import_keeps_records_and_files_in_step(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The corpus on a small tmpfs (a real full disk, in a private mount namespace): the import
    stops with one line, and the import records describe exactly the files on disk."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if not (shared / "paper_notes_dev.xml").is_file():
        pytest.skip("../shared/corpus is not beside this checkout")
    disk = tmp_path / "disk"
    disk.mkdir()
    python = sys.executable
    script = (
        'mount -t tmpfs -o size=1500k tmpfs "$0" && mkdir "$0/corpus" && '
        f'"{python}" -m autonote import paper-notes-xml "{shared / "paper_notes_CVPR.xml"}" --corpus "$0/corpus" '
        f'> /dev/null && "{python}" -m autonote import paper-notes-xml "{shared / "paper_notes_dev.xml"}" '
        f'--corpus "$0/corpus"; echo "exit=$?" >&2; "{python}" -c "$1" "$0/corpus"'
    )
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script, str(disk), CHECK_RECORDS], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.strip()[:200]}")
    errors = [line for line in done.stderr.splitlines() if line.startswith("autonote: error: ")]
    assert "exit=1" in done.stderr and len(errors) == 1, done.stderr
    assert "Traceback" not in done.stderr and "cannot rollback" not in done.stderr
    found = json.loads(done.stdout)
    assert 30 <= len(found["notes"]) < 428 and found["records"] == found["notes"] and found["temps"] == 0


def test_a_full_disk_when_the_state_database_is_made_names_the_cause(
    env: dict[str, str], corpus: Path
) -> None:
    done = autonote("import", "paper-notes-xml", str(XML), "--corpus", str(corpus), env=env,
                    preexec_fn=limited_file_size(2048))  # fmt: skip
    stderr = done.stderr.decode()
    assert done.returncode == 1 and "cannot rollback" not in stderr and "Traceback" not in stderr
    assert "state.sqlite" in stderr and ("full" in stderr or "large" in stderr), stderr


def read_only_runner(folder: Path) -> list[str] | None:
    """A command prefix that runs a program with ``folder`` read-only. Root writes through file
    modes, so as root the folder is bind-mounted read-only in a private mount namespace; otherwise
    its modes are cleared. None when neither is possible here."""
    if os.getuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
        return []
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    prefix = ["unshare", "--mount", "sh", "-c", script, str(folder)]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_read_only_corpus_reads_and_refuses_to_write_before_paying(
    env: dict[str, str], corpus: Path, llm_server: OpenAIServer
) -> None:
    assert autonote("index", "--corpus", str(corpus), env=env).returncode == 0
    prefix = read_only_runner(corpus)
    if prefix is None:
        pytest.skip("cannot make a folder read-only here (root without mount namespaces)")
    llm = env | {"OPENAI_BASE_URL": llm_server.base_url, "OPENAI_API_KEY": "sk-test"}

    def run_ro(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-m", "autonote", *args, "--corpus", str(corpus)]
        return subprocess.run(command, env=llm, cwd=REPO, capture_output=True, text=True, timeout=120)

    try:
        for args in (["list", "--format", "json"], ["lint"], ["review", "list"], ["regen", "--all", "--dry-run"],
                     ["export", "--all", "--format", "issue", "--json"], ["eval"], ["digest", "--since", "2020-01-01"],
                     ["suggest", str(FIXTURES / "abstracts" / "sample-abstract.txt")]):  # fmt: skip
            done = run_ro(*args)
            assert done.returncode == 0, (args, done.stderr)
        for args in (["regen", "--all"], ["draft", str(FIXTURES / "abstracts" / "sample-abstract.txt")],
                     ["import", "paper-notes-xml", str(XML)], ["review", "reject", DPO]):  # fmt: skip
            done = run_ro(*args)
            assert done.returncode == 1 and "nothing was sent or written" in done.stderr, (args, done.stderr)
        assert llm_server.chat_requests() == []
    finally:
        for path in [corpus, *corpus.rglob("*")]:
            path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)
    assert parse_note((corpus / "notes" / f"{DPO}.md").read_text(encoding="utf-8")).id == DPO
