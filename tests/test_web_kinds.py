"""Web pages in the shapes where title lines went wrong on real pages (fixtures/web/kinds/, written
for these tests; expected.toml says what each shows and what its title line should be), fetched
from a loopback site through the web source, and the name and date rules they exercise."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.sources.registry import parse_input
from autonote.sources.web import WebSource
from autonote.sources.web_page import read_page
from tests.loopback import FIXTURES, WebServer
from tests.sources_support import context

KINDS = FIXTURES / "web" / "kinds"
EXPECTED = tomllib.loads((KINDS / "expected.toml").read_text(encoding="utf-8"))


@pytest.fixture
def kinds_server() -> Iterator[WebServer]:
    with WebServer(KINDS) as server:
        yield server


def canonical_host(page: str) -> str:
    body = (KINDS / f"{page}.html").read_text(encoding="utf-8")
    found = re.search(r'rel="canonical" href="https?://(?:www\.)?([^/"]+)', body)
    assert found, page
    return found[1]


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_each_kind_of_page_gets_the_title_line_it_should(
    kinds_server: WebServer, tmp_path: Path, page: str
) -> None:
    want = EXPECTED[page]
    ref = parse_input(kinds_server.page_url(f"{page}.html"))
    paper = WebSource(context(tmp_path)).fetch([ref])[ref.key]
    assert not isinstance(paper, Exception), paper
    # a page that names nobody gets the host it was fetched from (here the loopback's)
    byline = "127.0.0.1" if want["byline"] == canonical_host(page) else want["byline"]
    month = f", {want['month'].replace('-', '.')}" if want["month"] else ""
    assert paper.title_line == f"{want['title']}, {byline}{month}", want["kind"]
    assert paper.abstract and "<" not in paper.abstract


def test_a_japanese_page_with_a_short_body_is_not_refused() -> None:
    page = read_page((KINDS / "author-ja-short-body.html").read_bytes(), "https://techtsushin.example/x")
    assert page.lead.startswith("研究機関の共同プロジェクトが12日")


def test_a_date_the_text_mentions_is_not_the_pages() -> None:
    # "on March 3, 2016" in the second paragraph, far from the headline
    page = read_page(
        (KINDS / "date-only-in-text.html").read_bytes(), "https://marginalia.example/essays/why-logs"
    )
    assert page.published is None
    # "2017年5月20日" quoted in the body; the dateline under the headline is the page's
    page = read_page((KINDS / "date-ja-dateline.html").read_bytes(), "https://www.minato-shimbun.example/a")
    assert page.published == dt.date(2019, 4, 3)


DATELINES = st.sampled_from(
    [
        "2019年4月3日",
        "2019年13月40日",
        "By Ada · July 24, 2023",
        "March 99, 2015",
        "1999/02/30",
        "",
        "15時20分",
        "2030年1月1日",
    ]
)
NAMES = st.sampled_from(
    ["Author", "作者", "https://x.example/a", "Ada Writer March", "Medium", "Site — a, b, c", ""]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=40),
    DATELINES,
    NAMES,
    NAMES,
    st.lists(
        st.sampled_from(["sidebar", "related", "recent-posts", "entry", "category-recent-news"]), max_size=3
    ),
    st.sampled_from(["h1", "h2", "h3"]),
)
def test_any_headline_dateline_names_and_sidebars_read_without_raising(
    headline: str, line: str, author: str, site: str, classes: list[str], tag: str
) -> None:
    sidebars = "".join(
        f'<div class="{c}"><time datetime="2025-01-0{i + 1}">x</time></div>' for i, c in enumerate(classes)
    )
    page = (
        f'<html><head><title>{headline} | {site}</title><meta property="og:site_name" content="{site}">'
        f'<meta name="author" content="{author}"></head><body>{sidebars}<div><{tag}>{headline}</{tag}>'
        f"<p>{line}</p></div><p>Some text of the article that goes on for a while.</p></body></html>"
    )
    meta = read_page(page.encode("utf-8", "surrogatepass"), "https://example.org/post")
    assert meta.published is None or dt.date(1995, 1, 1) <= meta.published
    assert all(a and not a.startswith("http") for a in meta.authors)
