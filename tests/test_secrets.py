"""No secret ever shows: a loopback server that echoes the API key in every error body and header,
on every endpoint autonote calls, for every error status; the key must appear in no output (with or
without --debug) and in no file of the corpus. Plus the masking rules themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from autonote.secrets import MASK, Redactor, safe_url, scrub_exception, url_secrets
from tests.loopback import FIXTURES, Fault, OpenAIServer

KEY = "sk-proj-CANARY-7f3a9c21e5d84b06a1f2"
ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"
STATUSES = (400, 401, 403, 404, 422, 429, 500)
REPO = Path(__file__).resolve().parents[1]

# (name, endpoint the server fails on, the command's arguments after the corpus is known)
COMMANDS = {
    "draft": ("chat", lambda c: ["draft", str(ABSTRACT), "--title", "T", "--corpus", str(c)]),
    "regen": ("chat", lambda c: ["regen", "--ids", "arxiv-1706.03762", "--corpus", str(c)]),
    "regen-batch-lines": ("chat", lambda c: [*BATCH, "--corpus", str(c)]),
    "regen-batch-upload": ("files", lambda c: [*BATCH, "--corpus", str(c)]),
    "regen-batch-create": ("batches", lambda c: [*BATCH, "--corpus", str(c)]),
    "regen-batch-poll": ("batch", lambda c: [*BATCH, "--corpus", str(c)]),
    "regen-batch-download": ("content", lambda c: [*BATCH, "--corpus", str(c)]),
    "suggest-embeddings": ("embeddings", lambda c: ["suggest", str(ABSTRACT), "--embeddings", "--corpus", str(c)]),
}  # fmt: skip
BATCH = ["regen", "--ids", "arxiv-1706.03762,arxiv-2305.18290", "--via", "batch", "--poll-interval", "0.01"]


def leaks(text: str | bytes) -> bool:
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return any(form.encode() in data for form in (KEY, quote(KEY, safe=""), KEY[8:]))


def leaking_files(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file() and leaks(path.read_bytes()):
                found.append(str(path))
    return found


@pytest.fixture
def echo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    server = OpenAIServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AUTONOTE_LLM_MAX_RETRIES", "1")
    yield server
    server.stop()


def fresh_corpus(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / "corpus", target, ignore=shutil.ignore_patterns(".autonote", "drafts"))
    return target


def invoke(args: list[str]) -> tuple[int, str, str, str]:
    """(exit code, stdout, stderr, the traceback a --debug run would print, if one propagated)."""
    from autonote.cli import main

    result = CliRunner().invoke(main, args, catch_exceptions=True)
    shown = ""
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(*result.exc_info))
    return result.exit_code, result.stdout, result.stderr, shown


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_key_never_shows_whatever_the_server_echoes(
    tmp_path: Path, echo_env: OpenAIServer, command: str, status: int
) -> None:
    endpoint, make_args = COMMANDS[command]
    echo_env.echo_errors = {endpoint: status}
    for debug in (False, True):
        corpus = fresh_corpus(tmp_path, f"corpus-{debug}")
        before = len(echo_env.requests)
        code, out, err, shown = invoke((["--debug"] if debug else []) + make_args(corpus))
        called = "content" if command == "regen-batch-lines" else endpoint  # batch lines come in a file
        answered = [
            r for r in echo_env.requests[before:] if echo_env.endpoint(r["method"], r["path"]) == called
        ]
        assert answered, f"{command}: the failing endpoint {called} was never called"
        assert code != 0, (command, status, debug, err)
        for text in (out, err, shown):
            assert not leaks(text), (command, status, debug, text[-2000:])
        if not debug:
            assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("autonote:"), err
        assert leaking_files(corpus, tmp_path / "config") == []
        replaced = status == 404 and endpoint in ("files", "batches", "batch", "content")  # our own words
        assert replaced or MASK in err + shown, (command, status, debug, err)  # the echo did reach us


def test_secrets_in_replies_and_html_pages_are_masked_before_they_are_kept(
    tmp_path: Path, echo_env: OpenAIServer
) -> None:
    """A 200 answer that echoes the key in its content (kept in the generations log, the failed
    record and the journal) and an HTML page that does (the failure reason)."""
    corpus = fresh_corpus(tmp_path, "corpus")
    echo_env.replies = [lambda request: f"not JSON; you sent Authorization: {echo_env.caller_key()[0]}"] * 3
    code, out, err, _ = invoke(["regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus)])
    assert code == 1 and "failed validation after 3 attempts" in err
    kept = json.loads((corpus / ".autonote" / "failed" / "arxiv-1706.03762.json").read_text(encoding="utf-8"))
    assert [a["raw"] for a in kept["attempts"]] == ["not JSON; you sent Authorization: Bearer ***"] * 3

    html = f"<html><body>proxy error for {KEY}</body></html>"
    echo_env.faults = [Fault(200, body=html, headers={"Content-Type": "text/html"})] * 10
    code, out, err, _ = invoke(["regen", "--ids", "arxiv-2305.18290", "--corpus", str(corpus)])
    assert code == 1 and "unusable answer" in err and "proxy error for ***" in err
    draft = invoke(["draft", str(ABSTRACT), "--title", "T", "--corpus", str(corpus)])
    assert draft[0] == 1 and "unusable answer" in draft[2]
    for text in (out, err, *draft[1:]):
        assert not leaks(text)
    assert leaking_files(corpus, tmp_path / "config") == []


def test_a_token_in_the_base_url_never_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://someone:url-password-42x@127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "x")  # one character: not a secret worth masking
    monkeypatch.setenv("AUTONOTE_LLM_MAX_RETRIES", "0")
    corpus = fresh_corpus(tmp_path, "corpus")
    code, out, err, _ = invoke(["draft", str(ABSTRACT), "--title", "xxx", "--corpus", str(corpus)])
    assert code == 1 and "cannot reach the LLM server at http://127.0.0.1:9/v1" in err
    shown = invoke(["config", "--corpus", str(corpus)])[1]
    assert "url-password-42x" not in out + err + shown and "someone:***@" not in shown
    assert "http://***@127.0.0.1:9/v1" in shown


def test_debug_traceback_of_a_real_process_shows_no_key(tmp_path: Path) -> None:
    with OpenAIServer(echo_errors={"files": 401}) as server:
        corpus = fresh_corpus(tmp_path, "corpus")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
        env.update(
            OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=KEY, AUTONOTE_CONFIG_DIR=str(tmp_path / "cfg")
        )
        done = subprocess.run(
            [sys.executable, "-m", "autonote", "--debug", *BATCH, "--corpus", str(corpus)],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1 and "Traceback" in done.stderr and "LLMFatalError" in done.stderr
    assert not leaks(done.stdout + done.stderr) and "Bearer ***" in done.stderr


# -- the masking rules ------------------------------------------------------------------------------


def test_a_one_character_key_is_not_masked_but_authorization_always_is() -> None:
    redactor = Redactor(["x"], environment=False)
    assert redactor.redact("xxx-ray box: x") == "xxx-ray box: x"
    assert redactor.redact("Authorization: Bearer x") == "Authorization: Bearer ***"
    assert redactor.redact('{"authorization": "Basic eDp5"}') == '{"authorization": "Basic ***"}'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET https://u:p4ss@host/v1/x?key=abc&limit=3", "GET https://***@host/v1/x?key=***&limit=3"),
        ("https://tok3n@host/v1", "https://***@host/v1"),
        ("see ?token=t0k&access_token=zz#frag", "see ?token=***&access_token=***#frag"),
        ("api-key: 0123456789", "api-key: ***"),
        ("a key sk-abcdefghijklmnopqrstuv in text", "a key sk-*** in text"),
        ("mail a@b.c from https://host/p?email=a@b.c", "mail a@b.c from https://host/p?email=a@b.c"),
    ],
)
def test_structural_patterns(text: str, shown: str) -> None:
    assert Redactor(environment=False).redact(text) == shown


def test_known_secrets_are_masked_in_every_encoding_and_urls_lose_their_credentials() -> None:
    secret = "pa ss/word+0123"
    redactor = Redactor([secret], environment=False)
    for form in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1]):
        assert secret not in redactor.redact(f"<{form}>") and MASK in redactor.redact(f"<{form}>")
    assert url_secrets("https://me:s3cret-value@h/v1?api_key=k3y-value-1&x=1") == [
        "s3cret-value",
        "k3y-value-1",
    ]
    assert safe_url("https://me:s3cret@h:8080/v1/?token=t") == "https://h:8080/v1"


def test_scrub_exception_masks_the_whole_chain() -> None:
    redactor = Redactor([KEY], environment=False)
    try:
        try:
            raise ValueError(f"inner {KEY}")
        except ValueError as inner:
            raise RuntimeError("outer", {"auth": f"Bearer {KEY}"}) from inner
    except RuntimeError as exc:
        scrub_exception(exc, redactor)
        text = "".join(traceback.format_exception(exc))
    assert KEY not in text and "inner ***" in text


@given(st.text(max_size=200), st.text(max_size=200))
def test_a_registered_secret_never_survives_redaction(before: str, after: str) -> None:
    redactor = Redactor([KEY], environment=False)
    shown = redactor.redact(before + KEY + after)
    assert KEY not in shown
    assert redactor.redact(before) == redactor.redact(redactor.redact(before))  # idempotent
