"""Shared fixtures: an isolated environment, loopback servers, and a copy of the demo corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.loopback import (
    FIXTURES,
    AclAnthologyServer,
    ArxivServer,
    OpenAIServer,
    OpenReviewServer,
    WebServer,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TIKTOKEN_CACHE = SHARED / "tiktoken-cache"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's config, keys or corpus; arXiv pacing is shortened."""
    import os

    for name in list(os.environ):
        if name.startswith(("AUTONOTE_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AUTONOTE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AUTONOTE_ARXIV_MIN_INTERVAL", "0.05")
    monkeypatch.setenv(
        "AUTONOTE_ARXIV_API_URL", "http://127.0.0.1:9/api/query"
    )  # closed port: never the internet
    monkeypatch.setenv("AUTONOTE_OPENREVIEW_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AUTONOTE_ACL_ANTHOLOGY_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AUTONOTE_FETCH_MIN_INTERVAL", "0.02")
    monkeypatch.setenv("AUTONOTE_REFERENCES_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AUTONOTE_REFERENCES", "false")  # tests of references turn them on
    if TIKTOKEN_CACHE.is_dir():
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(TIKTOKEN_CACHE))


@pytest.fixture
def arxiv_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivServer]:
    with ArxivServer() as server:
        monkeypatch.setenv("AUTONOTE_ARXIV_API_URL", server.api_url)
        yield server


@pytest.fixture
def openreview_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenReviewServer]:
    with OpenReviewServer() as server:
        monkeypatch.setenv("AUTONOTE_OPENREVIEW_API_URL", server.api_url)
        yield server


@pytest.fixture
def acl_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AclAnthologyServer]:
    with AclAnthologyServer() as server:
        monkeypatch.setenv("AUTONOTE_ACL_ANTHOLOGY_URL", server.url)
        yield server


@pytest.fixture
def web_server() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-key-123456")
        monkeypatch.setenv("AUTONOTE_LLM_MAX_RETRIES", "2")
        yield server


@pytest.fixture
def openai_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., OpenAIServer]]:
    """``start(env, **options)``: a loopback OpenAI server made with ``options``, autonote pointed at
    it with the environment ``env`` besides; every server started is stopped after the test."""
    started: list[OpenAIServer] = []

    def start(env: dict[str, str], **options: Any) -> OpenAIServer:
        server = OpenAIServer(**options).start()
        started.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", target, ignore=shutil.ignore_patterns(".autonote", "drafts"))
    return target


@pytest.fixture
def run() -> object:
    """Invoke the CLI in-process (stdout and stderr kept apart)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        from autonote.cli import main

        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs filled to the last block (needs root and mount; skipped otherwise)."""
    mount = tmp_path / "full"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
