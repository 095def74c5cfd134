"""Every timeout setting follows one rule (config.py's ``_seconds``): a finite number of seconds above
0 and at most an hour. ``inf``, ``nan``, ``1e9`` or ``0`` would bound nothing (or everything), so
each is refused before any request with one line naming the setting, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loopback import ArxivServer, WebServer


@pytest.mark.parametrize("setting", ["ARXIV_TIMEOUT", "FETCH_TIMEOUT", "LLM_TIMEOUT"])
@pytest.mark.parametrize("value", ["inf", "nan", "1e9", "0"])
def test_a_timeout_that_bounds_nothing_is_refused_before_any_request(
    run, corpus: Path, arxiv_server: ArxivServer, web_server: WebServer, monkeypatch: pytest.MonkeyPatch,
    setting: str, value: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(f"AUTONOTE_{setting}", value)
    for source in ("2504.07086", web_server.page_url("minimal.html")):
        result = run("draft", source, "--offline", "--corpus", str(corpus))
        assert result.exit_code == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and setting.lower() in lines[0] and "environment" in lines[0], result.stderr
    assert arxiv_server.requests == [] and web_server.requests == []


def test_a_timeout_in_autonote_toml_is_held_to_the_same_rule(run, corpus: Path) -> None:
    (corpus / "autonote.toml").write_text("fetch_timeout = inf\n", encoding="utf-8")
    result = run("list", "--corpus", str(corpus))
    assert result.exit_code == 2 and "fetch_timeout" in result.stderr and "autonote.toml" in result.stderr


def test_an_hour_is_still_a_valid_timeout(run, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOTE_FETCH_TIMEOUT", "3600")
    monkeypatch.setenv("AUTONOTE_ARXIV_TIMEOUT", "0.5")
    assert run("list", "--corpus", str(corpus)).exit_code == 0
