"""Polite fetching (sources/http.py) against a loopback site: pacing per host across clients,
retries with Retry-After, time and size caps, redirects, and URLs that never leak their secrets."""

from __future__ import annotations

import email.utils
import itertools
import time
from pathlib import Path

import pytest

from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.sources.http import USER_AGENT, FetchPolicy, HttpClient, retry_after_seconds, shown_url
from autonote.state import StateDB
from tests.loopback import Fault, Trickle, WebServer


def client(tmp_path: Path, **policy: float) -> HttpClient:
    options = {"min_interval": 0.02, "timeout": 5.0, "retries": 2} | policy
    return HttpClient(StateDB(tmp_path / "state"), FetchPolicy(**options), service="web page")  # type: ignore[arg-type]


def test_a_page_is_fetched_with_autonotes_user_agent(web_server: WebServer, tmp_path: Path) -> None:
    response = client(tmp_path).get(web_server.page_url("minimal.html"), accept="text/html")
    assert (
        response.ok and response.content_type == "text/html" and b"Attention Is Off By One" in response.body
    )
    headers = web_server.requests[0]["headers"]
    assert headers["User-Agent"] == USER_AGENT and headers["Accept"] == "text/html"


def test_requests_to_one_host_are_spaced_across_clients_sharing_the_state(
    web_server: WebServer, tmp_path: Path
) -> None:
    first, second = client(tmp_path, min_interval=0.3), client(tmp_path, min_interval=0.3)
    for fetcher in (first, second, first):  # two clients on one state folder, as two processes would be
        fetcher.get(web_server.page_url("minimal.html"))
    times = [r["time"] for r in web_server.requests]
    assert all(later - earlier >= 0.25 for earlier, later in itertools.pairwise(times))


def test_other_hosts_are_not_held_back(tmp_path: Path) -> None:
    with WebServer() as one, WebServer() as other:
        fetcher = client(tmp_path, min_interval=2.0)
        started = time.monotonic()
        fetcher.get(one.page_url("minimal.html"))
        fetcher.get(other.page_url("minimal.html"))  # another port: another host key
        assert time.monotonic() - started < 1.5


def test_429_waits_for_retry_after_then_succeeds(web_server: WebServer, tmp_path: Path) -> None:
    web_server.faults.append(Fault(429, headers={"Retry-After": "1"}))
    warnings: list[str] = []
    fetcher = client(tmp_path)
    fetcher.warn = warnings.append
    assert fetcher.get(web_server.page_url("minimal.html")).ok
    first, second = web_server.requests
    assert second["time"] - first["time"] >= 0.95
    assert len(warnings) == 1 and "HTTP 429" in warnings[0] and "attempt 2 of 3" in warnings[0]


def test_retry_after_as_an_http_date_is_understood() -> None:
    now = time.time()
    later = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_after_seconds(later, now) <= 31  # type: ignore[operator]
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None) is None
    assert retry_after_seconds(email.utils.formatdate(now - 60, usegmt=True), now) == 0.0


def test_5xx_is_retried_and_persistent_failure_says_how_often(web_server: WebServer, tmp_path: Path) -> None:
    web_server.faults += [Fault(503), Fault(502), Fault(500)]
    with pytest.raises(SourceUnavailableError, match=r"kept failing after 3 attempts \(HTTP 500\)"):
        client(tmp_path).get(web_server.page_url("minimal.html"))
    assert len(web_server.requests) == 3


def test_a_timeout_is_retried(web_server: WebServer, tmp_path: Path) -> None:
    web_server.faults.append(Fault(delay=0.8))
    response = client(tmp_path, timeout=0.4).get(web_server.page_url("minimal.html"))
    assert response.ok and len(web_server.requests) == 2


def test_a_body_that_trickles_past_the_time_limit_is_cut_off(web_server: WebServer, tmp_path: Path) -> None:
    web_server.routes["/slow"] = (200, Trickle(b"<html>" + b"x" * 2000, chunk=100, pause=0.1), {"Content-Type": "text/html"})  # fmt: skip
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError, match=r"took longer than 0.5 s"):
        client(tmp_path, timeout=0.5, retries=1).get(f"{web_server.url}/slow")
    assert time.monotonic() - started < 3.5  # two attempts of 0.5 s and a short backoff, not 2 s each


def test_a_body_over_the_size_cap_is_refused(web_server: WebServer, tmp_path: Path) -> None:
    web_server.routes["/big"] = (200, b"<html>" + b"a" * 5000, {"Content-Type": "text/html"})
    with pytest.raises(SourceUnavailableError, match=r"more than the 1,000 autonote reads"):
        client(tmp_path, max_bytes=1000).get(f"{web_server.url}/big")
    chunked = Trickle(b"<html>" + b"b" * 5000, chunk=500, pause=0.0)
    web_server.routes["/big2"] = (200, chunked, {"Content-Type": "text/html"})
    assert client(tmp_path, max_bytes=10_000).get(f"{web_server.url}/big2").body == chunked.body


def test_redirects_are_followed_and_each_hop_is_paced(tmp_path: Path) -> None:
    with WebServer() as site, WebServer() as mirror:
        site.routes["/old"] = (301, b"", {"Location": "/new"})
        site.routes["/new"] = (302, b"", {"Location": mirror.page_url("minimal.html")})
        response = client(tmp_path).get(f"{site.url}/old?utm_source=x")
        assert response.url == mirror.page_url("minimal.html") and b"Off By One" in response.body
        assert [r["path"] for r in site.requests] == ["/old?utm_source=x", "/new"]
        assert len(mirror.requests) == 1


def test_redirect_loops_and_redirects_to_other_schemes_are_refused(
    web_server: WebServer, tmp_path: Path
) -> None:
    web_server.routes["/loop"] = (302, b"", {"Location": "/loop"})
    with pytest.raises(SourceUnavailableError, match=r"more than 5 redirects"):
        client(tmp_path, min_interval=0.0).get(f"{web_server.url}/loop")
    web_server.routes["/away"] = (301, b"", {"Location": "file:///etc/passwd"})
    with pytest.raises(SourceUnavailableError, match=r"redirects to a URL that is not fetched"):
        client(tmp_path).get(f"{web_server.url}/away")


def test_not_found_is_its_own_error_and_messages_hide_queries(web_server: WebServer, tmp_path: Path) -> None:
    with pytest.raises(PaperNotFoundError) as raised:
        client(tmp_path).get(f"{web_server.url}/posts/gone.html?token=s3cr3t#x")
    assert "s3cr3t" not in str(raised.value) and "/posts/gone.html" in str(raised.value)
    assert shown_url("https://user:pw@example.org:8443/a/b?key=1#f") == "https://example.org:8443/a/b"


def test_an_unreachable_host_fails_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError, match=r"cannot reach the web page at http://127.0.0.1:9/x"):
        client(tmp_path).get("http://127.0.0.1:9/x?token=s3cr3t")
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "http:///nohost", "https://u:p@example.org/", "http://h:99999/"]
)
def test_urls_that_are_not_fetched_are_usage_errors(tmp_path: Path, url: str) -> None:
    with pytest.raises(UsageError):
        client(tmp_path).get(url)
