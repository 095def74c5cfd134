"""Fetching metadata from a loopback arXiv API: batching, caching, politeness, faults."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.sources.arxiv import ArxivClient
from autonote.sources.arxiv_ids import parse_arxiv_id
from autonote.state import StateDB
from tests.loopback import ArxivServer, Fault


def client(server: ArxivServer, tmp_path: Path, **options: float) -> ArxivClient:
    options.setdefault("min_interval", 0.05)
    return ArxivClient(server.api_url, StateDB(tmp_path / "state"), **options)  # type: ignore[arg-type]


def ids(*texts: str):
    return [parse_arxiv_id(t) for t in texts]


def test_metadata_is_normalised_and_complete(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    paper = client(arxiv_server, tmp_path).fetch(ids("2410.99902"))["2410.99902"]
    assert paper.title == (
        "Process Rewards without Process Labels: Verifier-Guided Reinforcement Learning for Mathematical Reasoning"
    )  # the feed hard-wraps the title and has a triple space
    assert "  " not in paper.abstract and "\n" not in paper.abstract
    assert paper.authors == ["Wei Zhang", "Priya Raman", "Tom Becker"]
    assert (paper.version, paper.published, paper.updated) == (2, dt.date(2024, 10, 3), dt.date(2024, 11, 20))
    assert paper.venue == "NeurIPS'24 Spotlight"  # the corpus keeps Spotlight (NeurIPS'25 Spotlight)
    assert paper.url == "https://arxiv.org/abs/2410.99902"


def test_journal_ref_venue_and_old_style_ids(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    papers = client(arxiv_server, tmp_path).fetch(ids("2306.99901", "cs/0112017", "hep-th/9901001v1"))
    assert papers["2306.99901"].venue == "ACL'23 Findings"
    assert papers["cs/0112017"].title_line.endswith("Ada Example, arXiv'01, 2001.12")
    assert papers["hep-th/9901001v1"].authors == ["Ann One", "Ben Two"]


def test_many_ids_share_one_request_and_the_cache_answers_the_second_time(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    arxiv = client(arxiv_server, tmp_path)
    arxiv.fetch(ids("2504.07086", "2410.99902", "2306.99901"))
    assert len(arxiv_server.requests) == 1
    query = arxiv_server.requests[0]["path"]
    assert (
        "id_list=2504.07086%2C2410.99902%2C2306.99901" in query
        and "start=0" in query
        and "max_results=3" in query
    )
    again = client(arxiv_server, tmp_path)  # a new process would see the same SQLite cache
    assert again.fetch(ids("2504.07086", "2504.07086v2"))["2504.07086v2"].version == 2
    assert len(arxiv_server.requests) == 1


def test_an_unknown_id_is_answered_with_its_own_error(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    found = client(arxiv_server, tmp_path).fetch(ids("2501.99903", "2501.99999"))
    assert found["2501.99903"].title  # the known paper is still fetched
    assert isinstance(found["2501.99999"], PaperNotFoundError)
    assert "2501.99999" in str(found["2501.99999"])


def test_a_version_arxiv_does_not_have_is_not_found(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    found = client(arxiv_server, tmp_path).fetch(ids("2410.99902v7"))
    assert isinstance(found["2410.99902v7"], PaperNotFoundError)


def test_error_entry_from_arxiv_is_a_usage_error(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    from autonote.sources.arxiv_ids import ArxivId

    with pytest.raises(UsageError, match=r"incorrect id format"):
        client(arxiv_server, tmp_path).fetch([ArxivId(base="9999.bogus")])


def test_503_and_rate_exceeded_are_retried_then_succeed(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    arxiv_server.faults += [Fault(503), Fault(200, body="Rate exceeded.")]
    paper = client(arxiv_server, tmp_path).fetch(ids("2504.07086"))["2504.07086"]
    assert paper.venue == "COLM'25"
    assert len(arxiv_server.requests) == 3


def test_429_retry_after_is_honoured(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    arxiv_server.faults.append(Fault(429, headers={"Retry-After": "1"}))
    client(arxiv_server, tmp_path).fetch(ids("2504.07086"))
    first, second = arxiv_server.requests
    assert second["time"] - first["time"] >= 0.95


def test_timeouts_are_retried_and_persistent_failure_is_clear(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    arxiv_server.faults += [Fault(delay=0.6), Fault(500), Fault(500)]
    with pytest.raises(SourceUnavailableError, match=r"3 attempts"):
        client(arxiv_server, tmp_path, timeout=0.3, retries=2).fetch(ids("2504.07086"))


def test_requests_are_spaced_by_the_minimum_interval_across_clients(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    first = client(arxiv_server, tmp_path, min_interval=0.6)
    second = client(arxiv_server, tmp_path, min_interval=0.6)  # shares the state folder, like another process
    first.fetch(ids("2504.07086"))
    second.fetch(ids("2410.99902"))
    first.fetch(ids("2306.99901"))
    times = [r["time"] for r in arxiv_server.requests]
    # The server stamps a request when its handler thread runs, which a loaded machine delays by
    # up to a tenth of a second or so; unpaced clients would arrive within milliseconds.
    assert all(later - earlier >= 0.45 for earlier, later in itertools.pairwise(times))
    assert times[-1] - times[0] >= 1.1


def test_unreachable_api_fails_fast_with_advice(tmp_path: Path) -> None:
    arxiv = ArxivClient("http://127.0.0.1:9/api/query", StateDB(tmp_path / "s"), min_interval=0.01)
    with pytest.raises(SourceUnavailableError, match=r"cannot reach the arXiv API.*local abstract"):
        arxiv.fetch(ids("2504.07086"))
