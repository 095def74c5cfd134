"""Web pages (kind blog) through a loopback site: the page's own metadata read by trafilatura, the
corpus's title line, what is refused, and the cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.notes.ids import check_note_id
from autonote.sources.registry import note_id_for, parse_input
from autonote.sources.web import WebSource, byline, normalise_url, page_url
from autonote.sources.web_page import PageMetadata, read_page
from tests.loopback import FIXTURES, WebServer
from tests.sources_support import context

PAGES = FIXTURES / "web"


def fetch(tmp_path: Path, *urls: str, refresh: bool = False):
    refs = [parse_input(url) for url in urls]
    found = WebSource(context(tmp_path, refresh=refresh)).fetch(refs)
    return [found[ref.key] for ref in refs]


@pytest.mark.parametrize(
    ("page", "title_line"),
    [
        # a company's post: the organisation, as the corpus writes "…, Ai2, 2026.03"
        (
            "company-blog.html",
            "Introducing Loopback Hybrid: mixing attention and recurrence for cheaper long context, Ai2, 2026.03",
        ),
        # a company blog on WordPress: the publisher in its JSON-LD graph, not the long site name
        (
            "wordpress-ja.html",
            "大規模言語モデルの継続事前学習における学習率の再ウォームアップの検証, Preferred Networks, 2025.12",
        ),
        # a writing platform: the writer, not "Medium"
        ("medium-post.html", "MHA vs MQA vs GQA vs MLA, Zoe Abernathy, 2024.07"),
        # Hatena: the blog's name is cut from the title; the writer comes from the page
        ("hatena-ja.html", "アテンションの外挿はなぜ難しいのか, Joisino, 2025.09"),
        # an organisation as the JSON-LD author, the date only in JSON-LD
        ("nextjs-jsonld.html", "LFM3-8B: an efficient on-device mixture of experts, Liquid AI, 2025.10"),
        # nothing but <title> and a description: the host; the date from the dateline right under
        # the headline ("By Evan Example · July 24, 2023"), the only date the text may give
        ("minimal.html", "Attention Is Off By One, 127.0.0.1, 2023.07"),
        # Shift_JIS declared only in the page: the author from <meta name="author">, the date from
        # the dateline under the headline ("2019年4月2日 鈴木 一郎")
        ("shift-jis.html", "形態素解析器の辞書を自作する, 鈴木 一郎, 2019.04"),
    ],
)
def test_each_page_gets_the_corpus_title_line(
    web_server: WebServer, tmp_path: Path, page: str, title_line: str
) -> None:
    (paper,) = fetch(tmp_path, web_server.page_url(page))
    assert (paper.kind, paper.source, paper.venue) == ("blog", "web", "")
    assert paper.title_line == title_line
    assert paper.abstract and "<" not in paper.abstract


def test_the_abstract_is_the_description_then_the_lead_text(web_server: WebServer, tmp_path: Path) -> None:
    (paper,) = fetch(tmp_path, web_server.page_url("company-blog.html"))
    assert paper.abstract.startswith("Loopback Hybrid interleaves linear recurrent layers")
    assert "Today we release Loopback Hybrid" in paper.abstract  # the lead paragraph
    assert "Subscribe to our newsletter" not in paper.abstract and "All rights reserved" not in paper.abstract
    assert "Research · March 5, 2026" not in paper.abstract  # a dateline is not prose
    assert paper.published == dt.date(2026, 3, 5)


def test_the_id_is_the_host_and_a_hash_of_the_url(web_server: WebServer, tmp_path: Path) -> None:
    (paper,) = fetch(
        tmp_path, web_server.page_url("medium-post.html") + "?utm_source=twitter&utm_medium=social#top"
    )
    assert paper.url == web_server.page_url("medium-post.html")  # tracking and fragment dropped
    note_id = note_id_for(paper)
    assert note_id.startswith("web-127.0.0.1-") and check_note_id(note_id) == note_id
    assert web_server.requests[0]["path"] == "/posts/medium-post.html"


def test_a_redirect_gives_the_final_url(web_server: WebServer, tmp_path: Path) -> None:
    web_server.routes["/p/123"] = (301, b"", {"Location": "/posts/minimal.html"})
    (paper,) = fetch(tmp_path, f"{web_server.url}/p/123")
    assert paper.url == web_server.page_url("minimal.html") and paper.title == "Attention Is Off By One"


def test_a_model_page_is_an_oss_note() -> None:
    from autonote.sources.http import Response
    from autonote.sources.web import paper_from_page
    from tests.sources_support import headers

    body = (PAGES / "nextjs-jsonld.html").read_bytes()
    paper = paper_from_page(
        Response("https://huggingface.co/LiquidAI/LFM3-8B", 200, headers("text/html"), body), "x"
    )
    assert (
        paper.kind == "oss"
        and paper.title_line == "LFM3-8B: an efficient on-device mixture of experts, Liquid AI, 2025.10"
    )


def test_pages_that_are_not_html_are_refused_saying_what_they_are(
    web_server: WebServer, tmp_path: Path
) -> None:
    web_server.routes["/paper.pdf"] = (
        200,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        {"Content-Type": "application/pdf"},
    )
    web_server.routes["/api"] = (200, b'{"a": 1}', {"Content-Type": "application/json"})
    web_server.routes["/untyped"] = (200, b"%PDF-1.4 binary", {})
    web_server.routes["/sniffed"] = (
        200,
        (PAGES / "minimal.html").read_bytes(),
        {"Content-Type": "application/octet-stream"},
    )
    pdf, api, untyped, sniffed = fetch(
        tmp_path,
        f"{web_server.url}/paper.pdf",
        f"{web_server.url}/api",
        f"{web_server.url}/untyped",
        f"{web_server.url}/sniffed",
    )
    assert isinstance(pdf, UsageError) and "is a PDF, not a web page" in str(pdf)
    assert isinstance(api, UsageError) and "is application/json, not an HTML page" in str(api)
    assert isinstance(untyped, UsageError) and "is a PDF" in str(untyped)
    assert sniffed.title == "Attention Is Off By One"  # HTML served without its type is still read


def test_pages_without_a_title_or_text_and_missing_pages(web_server: WebServer, tmp_path: Path) -> None:
    web_server.routes["/blank"] = (
        200,
        b"<html><head></head><body></body></html>",
        {"Content-Type": "text/html"},
    )
    web_server.routes["/forbidden"] = (403, b"<html>no</html>", {"Content-Type": "text/html"})
    blank, forbidden, missing = fetch(
        tmp_path,
        f"{web_server.url}/blank",
        f"{web_server.url}/forbidden?session=s3cr3t",
        f"{web_server.url}/gone",
    )
    assert isinstance(blank, UsageError) and "has no title" in str(blank)
    assert isinstance(forbidden, SourceUnavailableError) and "answered HTTP 403" in str(forbidden)
    assert "s3cr3t" not in str(forbidden)
    assert isinstance(missing, PaperNotFoundError) and "not found (HTTP 404)" in str(missing)


def test_the_charset_the_server_names_is_used(web_server: WebServer, tmp_path: Path) -> None:
    body = (PAGES / "shift-jis.html").read_bytes()
    web_server.routes["/sjis"] = (200, body, {"Content-Type": "text/html; charset=Shift_JIS"})
    (paper,) = fetch(tmp_path, f"{web_server.url}/sjis")
    assert paper.title == "形態素解析器の辞書を自作する" and "ユーザー辞書" in paper.abstract


def test_the_cache_answers_again_and_refresh_fetches(web_server: WebServer, tmp_path: Path) -> None:
    url = web_server.page_url("company-blog.html")
    fetch(tmp_path, url)
    fetch(tmp_path, url)
    assert len(web_server.requests) == 1
    fetch(tmp_path, url, refresh=True)
    assert len(web_server.requests) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://allenai.org/blog/olmohybrid", "https://allenai.org/blog/olmohybrid"),
        ("www.together.ai/blog/flashattention-4", "https://www.together.ai/blog/flashattention-4"),
        ("HTTPS://Qwen.AI/blog?id=qwen3-coder-next&utm_source=x", "https://qwen.ai/blog?id=qwen3-coder-next"),
        (
            "https://huggingface.co/blog/nvidia/speed-bench?linkId=100000401175765",
            "https://huggingface.co/blog/nvidia/speed-bench",
        ),
        (
            "https://huggingface.co/blog/smollm3",
            "https://huggingface.co/blog/smollm3",
        ),  # not an arXiv paper page
        ("http://127.0.0.1:8000/posts/x.html", "http://127.0.0.1:8000/posts/x.html"),
    ],
)
def test_any_other_http_url_is_a_web_page(text: str, expected: str) -> None:
    ref = parse_input(text)
    assert (ref.source, ref.key) == ("web", expected)
    assert page_url(text) == normalise_url(expected)


def test_other_schemes_get_the_list_of_what_is_supported() -> None:
    with pytest.raises(UsageError) as raised:
        parse_input("ftp://user:hunter2@example.org/notes.txt?token=abc")
    message = str(raised.value)
    assert message.startswith("'ftp://example.org/notes.txt': not a supported URL (supported: arXiv ids")
    assert (
        "OpenReview forum" in message
        and "ACL Anthology" in message
        and "any other http(s) web page" in message
    )
    assert "hunter2" not in message and "token" not in message
    with pytest.raises(UsageError, match=r"with a user name or password is not fetched"):
        parse_input("https://user:hunter2@example.org/post")


def test_the_byline_rule() -> None:
    page = PageMetadata(title="T", authors=["Ada Writer"], organisation="Acme Labs", site_name="Acme Blog")
    assert byline(page, "https://acme.example/blog/t") == "Acme Labs"  # a company's post
    assert byline(page, "https://medium.com/@ada/t") == "Ada Writer"  # a writing platform
    assert byline(page, "https://ada.hatenablog.com/entry/t") == "Ada Writer"
    assert byline(PageMetadata(title="T", site_name="Acme Blog"), "https://acme.example/t") == "Acme Blog"
    assert byline(PageMetadata(title="T", authors=["Ada Writer"]), "https://ada.example/t") == "Ada Writer"
    assert byline(PageMetadata(title="T"), "https://www.evanmiller.example/t.html") == "evanmiller.example"


def test_reading_a_page_is_pure_and_tolerant() -> None:
    assert read_page(b"", "https://x.example/") == PageMetadata()
    assert read_page(b"\x00\xff\xfe garbage", "https://x.example/").title == ""
    meta = read_page(
        (PAGES / "wordpress-ja.html").read_bytes(), "https://tech.preferred.jp/ja/blog/rewarmup-cpt/"
    )
    assert meta.organisation == "Preferred Networks" and meta.authors == ["山田 花子"]
    assert meta.site_name == "Preferred Networks Research & Development"
