"""One fetch policy for every source, through the real CLI against loopback servers that misbehave
at the socket level: deadlines that bound whole requests, arXiv on the shared fetcher, capped
server-told waits, answers that lie about their length, redirect rules, secrets kept out of notes,
deeply nested JSON and hostile markup. Every failure is one line and exit 1 (the source failed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_helpers import init_corpus, serve_github
from tests.github_server import Fault as GitHubFault
from tests.github_server import GitHubServer
from tests.loopback import FIXTURES, ArxivServer, Fault, OpenReviewServer, Raw, WebServer, raw_answer
from tests.test_draft_cli import drafts

PAGE = (FIXTURES / "web" / "minimal.html").read_bytes()
FORUM = "https://openreview.net/forum?id=Xq7pL2mN4a"


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """One attempt, a one-second deadline, for every source."""
    for name, value in [
        ("FETCH_TIMEOUT", "1"),
        ("FETCH_RETRIES", "0"),
        ("ARXIV_TIMEOUT", "1"),
        ("ARXIV_RETRIES", "0"),
    ]:
        monkeypatch.setenv(f"AUTONOTE_{name}", value)


def one_line_failure(result, *needles: str) -> None:
    assert result.exit_code == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("autonote: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def feed_for(server: ArxivServer, arxiv_id: str) -> bytes:
    return server.answer("GET", f"/api/query?id_list={arxiv_id}", b"")[1].encode()


# -- deadlines: fetch_timeout bounds the whole request ---------------------------------------------


def test_a_page_whose_headers_arrive_a_byte_at_a_time_fails_at_the_deadline(
    run, corpus: Path, web_server: WebServer, quick: None
) -> None:
    answer = raw_answer(PAGE, headers={"Content-Type": "text/html", "X-Padding": "p" * 400})
    web_server.routes["/slowloris"] = (200, Raw(answer, chunk=1, pause=0.02), {})  # ~10 s of headers
    started = time.monotonic()
    result = run("draft", f"{web_server.url}/slowloris", "--corpus", str(corpus))
    one_line_failure(result, "took longer than 1 s")
    assert time.monotonic() - started < 4.0 and drafts(corpus) == []


def test_an_arxiv_feed_that_trickles_fails_at_the_deadline(
    run, corpus: Path, arxiv_server: ArxivServer, quick: None
) -> None:
    feed = feed_for(arxiv_server, "2504.07086")
    answer = raw_answer(feed, headers={"Content-Length": str(len(feed))})
    arxiv_server.faults.append(Fault(body=Raw(answer, chunk=8, pause=0.05)))  # ~15 s for the feed
    started = time.monotonic()
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    one_line_failure(result, "arXiv API", "took longer than 1 s")
    assert time.monotonic() - started < 4.0


def test_an_arxiv_feed_that_stalls_after_its_head_fails_at_the_deadline(
    run, corpus: Path, arxiv_server: ArxivServer, quick: None
) -> None:
    feed = feed_for(arxiv_server, "2504.07086")
    answer = raw_answer(feed[:300], headers={"Content-Length": str(len(feed))})
    arxiv_server.faults.append(Fault(body=Raw(answer, stall=6)))
    started = time.monotonic()
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    one_line_failure(result, "arXiv API")
    assert time.monotonic() - started < 4.0


# -- arXiv through the shared fetcher ---------------------------------------------------------------


def test_arxiv_does_not_follow_a_redirect_to_another_scheme(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    arxiv_server.faults.append(Fault(301, headers={"Location": "ftp://127.0.0.1/feed.xml"}))
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    one_line_failure(result, "redirects to a URL that is not fetched", "only http and https")


def test_arxiv_follows_an_http_redirect_to_its_mirror(
    run, corpus: Path, arxiv_server: ArxivServer, web_server: WebServer
) -> None:
    web_server.routes["/api/query"] = (200, feed_for(arxiv_server, "2504.07086"), {"Content-Type": "application/atom+xml"})  # fmt: skip
    arxiv_server.faults.append(
        Fault(301, headers={"Location": f"{web_server.url}/api/query?id_list=2504.07086"})
    )
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert drafts(corpus) == ["arxiv-2504.07086.md"] and len(web_server.requests) == 1


def test_an_arxiv_answer_over_the_size_limit_is_refused_naming_the_limit(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    feed = feed_for(arxiv_server, "2504.07086")
    huge = feed.replace(b"</summary>", b" padding" * 800_000 + b"</summary>", 1)  # 6.4 MB
    arxiv_server.faults.append(Fault(body=huge, headers={"Content-Type": "application/atom+xml"}))
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    one_line_failure(result, "more than the 5,000,000")


def test_arxivs_http_400_error_feed_is_a_usage_error(run, corpus: Path, arxiv_server: ArxivServer) -> None:
    error_feed = (Path(__file__).resolve().parents[2] / "shared" / "arxiv-feeds").joinpath(
        "arxivpy2026_id_abc_error_http400.xml"
    )
    if not error_feed.is_file():
        pytest.skip("the recorded arXiv error feed is not here")
    arxiv_server.faults.append(Fault(400, body=error_feed.read_bytes(), headers={"Content-Type": "application/atom+xml"}))  # fmt: skip
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert result.exit_code == 2 and "arXiv rejected the request: incorrect id format" in result.stderr


def test_arxiv_rate_exceeded_is_still_retried(run, corpus: Path, arxiv_server: ArxivServer) -> None:
    arxiv_server.faults.append(Fault(200, body="Rate exceeded."))
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert result.exit_code == 0 and "rate exceeded; waiting" in result.stderr
    assert len(arxiv_server.requests) == 2


# -- server-told waits ------------------------------------------------------------------------------


@pytest.mark.parametrize("told", ["100000", "Fri, 31 Dec 2060 23:59:59 GMT"])
def test_a_retry_after_beyond_the_cap_fails_at_once_saying_so(
    run, corpus: Path, web_server: WebServer, told: str
) -> None:
    web_server.faults.append(Fault(429, headers={"Retry-After": told}))
    started = time.monotonic()
    result = run("draft", web_server.page_url("minimal.html"), "--corpus", str(corpus))
    one_line_failure(result, "HTTP 429", "longer than the 60 s autonote waits")
    assert time.monotonic() - started < 5.0 and len(web_server.requests) == 1


def test_arxiv_keeps_to_the_same_cap(run, corpus: Path, arxiv_server: ArxivServer) -> None:
    arxiv_server.faults.append(Fault(503, headers={"Retry-After": "100000"}))
    started = time.monotonic()
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    one_line_failure(result, "arXiv API", "100,000 s", "60 s")
    assert time.monotonic() - started < 5.0


# -- answers that lie about their length ------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "needle"),
    [(len(PAGE) + 500, "ended after"), (60, "sent more than the 60 bytes its Content-Length announced")],
)
def test_a_content_length_that_lies_is_a_failure_of_the_source(
    run, corpus: Path, web_server: WebServer, quick: None, declared: int, needle: str
) -> None:
    answer = raw_answer(PAGE, headers={"Content-Type": "text/html", "Content-Length": str(declared)})
    web_server.routes["/liar"] = (200, Raw(answer), {})
    result = run("draft", f"{web_server.url}/liar", "--corpus", str(corpus))
    one_line_failure(result, needle)


def test_a_page_over_the_size_limit_is_refused_naming_the_limit(
    run, corpus: Path, web_server: WebServer
) -> None:
    body = b"<html><head><title>Big</title></head><body>" + b"<p>word</p>" * 500_000 + b"</body></html>"
    answer = raw_answer(body, headers={"Content-Type": "text/html"})  # no Content-Length: read until the end
    web_server.routes["/big"] = (200, Raw(answer), {})
    result = run("draft", f"{web_server.url}/big", "--corpus", str(corpus))
    one_line_failure(result, "larger than the 5,000,000 bytes autonote reads")


# -- redirects --------------------------------------------------------------------------------------


def test_a_redirect_to_an_invalid_url_is_one_line(run, corpus: Path, web_server: WebServer) -> None:
    web_server.routes["/bad"] = (302, b"", {"Location": "http://[::garbage"})
    result = run("draft", f"{web_server.url}/bad", "--corpus", str(corpus))
    one_line_failure(result, "redirects to a URL that is not fetched", "not a valid URL")


# Only addresses that stay on this machine even if the rule broke (0.0.0.0 and :: reach the local host):
# the test never sends traffic to a private or link-local network. How 169.254.169.254, 10.0.0.1 or
# fe80::1 are classified is tested without any network in test_fetch_policy_units.py.
@pytest.mark.parametrize("location", ["http://0.0.0.0:9/latest/meta-data/", "http://[::]:9/admin"])
def test_a_redirect_to_another_kind_of_private_address_is_not_followed(
    run, corpus: Path, web_server: WebServer, location: str
) -> None:
    web_server.routes["/away"] = (302, b"", {"Location": location})
    result = run("draft", f"{web_server.url}/away", "--corpus", str(corpus))
    one_line_failure(result, "redirects to a URL that is not fetched", "address")
    assert len(web_server.requests) == 1


def test_a_redirect_between_loopback_servers_is_followed_and_the_note_keeps_the_final_url(
    run, corpus: Path, web_server: WebServer
) -> None:
    with WebServer() as mirror:
        web_server.routes["/moved"] = (301, b"", {"Location": mirror.page_url("minimal.html")})
        result = run("draft", f"{web_server.url}/moved", "--corpus", str(corpus), "--json")
        assert result.exit_code == 0, result.stderr
        assert mirror.page_url("minimal.html") in result.stdout and len(mirror.requests) == 1


# -- secrets in URLs never reach a note ------------------------------------------------------------


def test_credentials_and_tokens_in_a_local_abstracts_url_are_left_out_of_the_draft(
    run, corpus: Path, tmp_path: Path
) -> None:
    abstract = tmp_path / "abstract.txt"
    abstract.write_text(
        "Title: Sparse Routing Notes\nAuthors: Ann One\n\nWe study sparse routing of attention heads"
        " and show that few heads carry retrieval.\n",
        encoding="utf-8",
    )
    url = "https://alice:Sup3rS3cretKey99@reports.example.org/paper?id=7&token=tok_ABCDEF123456&sig=zz99yy88"
    result = run("draft", str(abstract), "--url", url, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "https://reports.example.org/paper?id=7" in text
    for secret in ("alice", "Sup3rS3cretKey99", "tok_ABCDEF123456", "zz99yy88", "token=", "sig="):
        assert secret not in text and secret not in result.stderr
    assert result.stderr.count("left out of the note") == 1


def test_a_token_in_a_web_pages_query_is_fetched_with_but_not_kept(
    run, corpus: Path, web_server: WebServer
) -> None:
    result = run("draft", web_server.page_url("minimal.html") + "?access_token=abcdef0123456789&lang=en", "--corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "access_token=abcdef0123456789" in web_server.requests[0]["path"]  # the page needs it
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "abcdef0123456789" not in text and web_server.page_url("minimal.html") + "?lang=en" in text


# -- answers that nest too deeply ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [101, 100_000])
def test_an_openreview_answer_nested_too_deeply_is_one_line(
    run, corpus: Path, openreview_server: OpenReviewServer, depth: int
) -> None:
    body = '{"notes": ' + "[" * depth + "]" * depth + "}"
    openreview_server.faults.append(Fault(200, body=body, headers={"Content-Type": "application/json"}))
    result = run("draft", FORUM, "--corpus", str(corpus))
    one_line_failure(result, "OpenReview API", "nested more than 64 levels deep")


# -- hostile markup --------------------------------------------------------------------------------


def test_a_page_with_an_element_of_100k_attributes_is_refused_in_time(
    run, corpus: Path, web_server: WebServer
) -> None:
    attributes = b" ".join(b"a%d=x" % i for i in range(100_000))
    body = b"<html><head><title>T</title></head><body><p " + attributes + b">Some text.</p></body></html>"
    web_server.routes["/attrs"] = (200, body, {"Content-Type": "text/html"})
    started = time.monotonic()
    result = run("draft", f"{web_server.url}/attrs", "--corpus", str(corpus))
    one_line_failure(result, "more than 1,000 attributes")
    assert time.monotonic() - started < 10.0


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    for server in serve_github(monkeypatch):
        server.add_repo(
            "torotoki/simple-paged-attention", description="Paged attention, simply.", readme="# x"
        )
        yield server


def test_a_github_answer_nested_too_deeply_is_one_line(run, tmp_path: Path, github: GitHubServer) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    deep = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    github.faults.append(GitHubFault(200, raw=deep, path="/repos/"))
    result = run(
        "draft", "https://github.com/torotoki/simple-paged-attention", "--offline", "--corpus", str(corpus)
    )
    one_line_failure(result, "nested too deeply")
