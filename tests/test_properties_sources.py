"""Property-based tests (hypothesis) for the OpenReview, ACL Anthology and web sources' parsers.

Recognising an input never raises anything but UsageError (one line); whatever is recognised makes
a valid note id. Reading a page, a MODS record or an API note never raises anything but autonote's
own errors, whatever the bytes."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.errors import AutonoteError, UsageError
from autonote.notes.ids import check_note_id
from autonote.schema import Paper
from autonote.sources.acl import AclAnthologySource, acl_note_id, paper_from_mods, parse_anthology_id
from autonote.sources.http import Response, retry_after_seconds
from autonote.sources.openreview import OpenReviewSource, openreview_note_id, paper_from_note
from autonote.sources.registry import parse_input
from autonote.sources.web import WebSource, normalise_url, page_url, paper_from_page, web_note_id
from autonote.sources.web_page import PageMetadata, read_page
from tests.sources_support import headers

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAGES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTS = ["openreview.net", "www.openreview.net", "aclanthology.org", "www.aclweb.org", "doi.org", "example.org",
         "127.0.0.1:8000", "[::1]", "[::1", "huggingface.co", "medium.com", "", "u:p@example.org", "h:99999"]  # fmt: skip
SCHEMES = ["https://", "http://", "ftp://", "file://", "HTTPS://", "", "javascript:"]
PATH_ALPHABET = string.ascii_letters + string.digits + "./-_?=&#%:@ \t\n\u3042\uff10"
PATH_STARTS = ["", "/", "/forum?id=", "/pdf?id=", "/forum?noteId=x&id=", "/group?id=", "/anthology/", "/10.18653/v1/",
               "/2023.acl-long.", "/P19-", "/posts/", "/blog?id=", "/papers/"]  # fmt: skip
url_like = st.builds(
    lambda scheme, host, start, path: scheme + host + start + path,
    st.sampled_from(SCHEMES),
    st.sampled_from(HOSTS),
    st.sampled_from(PATH_STARTS),
    st.text(alphabet=PATH_ALPHABET, max_size=40)
    | st.from_regex(r"[A-Za-z0-9_-]{0,14}(&[a-z]+=[a-z]*)?(#\w*)?", fullmatch=True),
)
anthology_like = st.builds(
    lambda year, venue, volume, number, sep: f"{year}{sep}{venue}-{volume}.{number}",
    st.integers(0, 3000),
    st.sampled_from(["acl", "findings", "emnlp", "ACL", "", "x y"]),
    st.sampled_from(["long", "emnlp", "1", "", "main"]),
    st.integers(-1, 100000),
    st.sampled_from([".", "-", ""]),
) | st.from_regex(r"[A-Za-z][0-9]{1,3}-[0-9]{0,6}(v[0-9])?(\.pdf)?", fullmatch=True)
openreview_like = st.builds(
    lambda scheme, host, verb, note: f"{scheme}{host}/{verb}?id={note}",
    st.sampled_from(["https://", "http://", "", "ftp://"]),
    st.sampled_from(["openreview.net", "www.openreview.net", "OpenReview.net"]),
    st.sampled_from(["forum", "pdf", "forum/", "attachment", "group", "revisions"]),
    st.from_regex(r"[A-Za-z0-9_-]{0,70}", fullmatch=True) | st.text(max_size=20),
)
inputs = st.text(max_size=200) | url_like | anthology_like | openreview_like


def recognised_or_usage_error(recognise, text: str):
    try:
        return recognise(text)
    except UsageError as error:
        message = str(error)
        assert message and "\n" not in message and error.exit_code == 2
        return None


@FAST
@given(inputs)
def test_recognising_any_input_gives_a_ref_none_or_one_usage_error(text: str) -> None:
    for source in (OpenReviewSource, AclAnthologySource, WebSource):
        ref = recognised_or_usage_error(source.recognise, text)
        if ref is None:
            continue
        assert ref.source == source.name and ref.raw == text
        if source is OpenReviewSource:
            assert check_note_id(openreview_note_id(ref.key))
        elif source is AclAnthologySource:
            assert str(parse_anthology_id(ref.key)) == ref.key and check_note_id(acl_note_id(ref.key))
        else:
            assert ref.key.startswith(("http://", "https://")) and check_note_id(web_note_id(ref.key))
            assert page_url(ref.key) == ref.key  # normalising is idempotent
    recognised_or_usage_error(parse_input, text)


@FAST
@given(st.text(max_size=300))
def test_any_url_makes_a_valid_web_note_id(url: str) -> None:
    assert check_note_id(web_note_id(url))


@FAST
@given(url_like)
def test_normalised_urls_keep_their_page(text: str) -> None:
    try:
        url = page_url(text)
    except UsageError:
        return
    if url is not None:
        assert "#" not in url and "utm_" not in url.split("?", 1)[-1].lower() and normalise_url(url) == url


@FAST
@given(st.text(max_size=80))
def test_retry_after_never_raises(value: str) -> None:
    seconds = retry_after_seconds(value)
    assert seconds is None or seconds >= 0


# -- pages ----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["@type", "@id", "@graph", "name", "author", "publisher", "headline", "datePublished", "x"]), inner, max_size=5),
    max_leaves=15,
)  # fmt: skip
text_bits = st.text(max_size=40)


def meta(prop: str, content: str) -> str:
    return f'<meta property="{prop}" content="{content}">'


fragments = st.one_of(
    st.builds(lambda t: f"<title>{t}</title>", text_bits),
    st.builds(meta, st.sampled_from(["og:title", "og:site_name", "og:description", "article:published_time", "og:url"]), text_bits),
    st.builds(lambda n, c: f'<meta name="{n}" content="{c}">', st.sampled_from(["author", "description", "date", "title"]), text_bits),
    st.builds(lambda v: f'<script type="application/ld+json">{json.dumps(v)}</script>', json_values),
    st.builds(lambda t: f'<script type="application/ld+json">{t}</script>', text_bits),
    st.builds(lambda t: f"<p>{t}</p>", st.text(max_size=200)),
    st.builds(lambda t: f"<h1>{t}", text_bits),
    st.sampled_from(["<html>", "</html>", "<head>", "<body>", "</div>", "<article>", "<!--", "<![CDATA[", "<?xml version='1.0'?>",
                     '<meta charset="shift_jis">', '<meta charset="nonsense">', "\x00", "&#0;", "&bogus;"]),
)  # fmt: skip
words = st.text(alphabet=string.ascii_letters + " .,'\"<>&\u3042\u30a2\u6f22。", min_size=1, max_size=60)
skeletons = st.builds(
    lambda title, metas, scripts, paragraphs: (
        f"<html><head><title>{title}</title>{''.join(metas)}{''.join(scripts)}</head>"
        f"<body><article>{''.join(f'<p>{p}</p>' for p in paragraphs)}</article></body></html>"
    ),
    words,
    st.lists(st.builds(meta, st.sampled_from(["og:title", "og:site_name", "og:description", "article:published_time",
                                              "og:url", "article:author"]), words | st.sampled_from(
        ["2025-09-15T06:00:00Z", "1757916000", "https://medium.com/@x/y", "not a date", "2025-13-45"])), max_size=6),
    st.lists(st.builds(lambda v: f'<script type="application/ld+json">{json.dumps(v)}</script>', json_values), max_size=2),
    st.lists(words, max_size=5),
)  # fmt: skip
html_pages = skeletons | st.builds("".join, st.lists(fragments, max_size=12))


@PAGES
@given(html_pages, st.sampled_from([None, "utf-8", "shift_jis", "latin-1", "no-such-charset"]))
def test_reading_any_html_never_raises(page: str, charset: str | None) -> None:
    body = page.encode("utf-8", "surrogatepass")
    meta_data = read_page(body, "https://example.org/post", charset)
    assert isinstance(meta_data, PageMetadata)
    assert all(isinstance(v, str) for v in (meta_data.title, meta_data.description, meta_data.lead))
    response = Response("https://example.org/post", 200, headers("text/html"), body)
    try:
        paper = paper_from_page(response, "'https://example.org/post'")
    except UsageError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(paper, Paper) and paper.kind == "blog" and paper.title and paper.abstract


@PAGES
@given(
    st.binary(max_size=600), st.sampled_from(["text/html", "", "application/pdf", "image/png", "text/plain"])
)
def test_any_bytes_are_a_paper_or_one_usage_error(body: bytes, content_type: str) -> None:
    response = Response("http://127.0.0.1:8000/x", 200, headers(content_type), body)
    try:
        paper_from_page(response, "'http://127.0.0.1:8000/x'")
    except UsageError as error:
        assert "\n" not in str(error)


# -- MODS and API notes ---------------------------------------------------------------------------

mods_bits = st.one_of(
    st.sampled_from(['<modsCollection xmlns="http://www.loc.gov/mods/v3">', "</modsCollection>", "<mods>", "</mods>",
                     "<titleInfo>", "</titleInfo>", "<abstract>", "</abstract>", '<name type="personal">', "</name>",
                     '<namePart type="given">', '<namePart type="family">', "</namePart>", "<dateIssued>", "</dateIssued>",
                     "<originInfo>", "</originInfo>", '<relatedItem type="host">', "</relatedItem>", "<title>", "</title>",
                     '<!DOCTYPE x [<!ENTITY a "aaaa">]>', "&a;", "&amp;", "<![CDATA[x]]>"]),
    st.text(alphabet=string.printable + "éü\u3042", max_size=30),
)  # fmt: skip


@PAGES
@given(st.builds("".join, st.lists(mods_bits, max_size=25)))
def test_any_mods_text_is_a_paper_or_autonotes_error(text: str) -> None:
    anthology_id = parse_anthology_id("2023.acl-long.1")
    assert anthology_id is not None
    try:
        paper = paper_from_mods(text.encode("utf-8", "surrogatepass"), anthology_id)
    except AutonoteError as error:
        assert "\n" not in str(error)
        return
    assert paper.title and paper.abstract and paper.venue == "ACL'23"


@FAST
@given(st.dictionaries(st.sampled_from(["id", "forum", "content", "odate", "pdate", "cdate", "x"]), json_values | st.dictionaries(
    st.sampled_from(["title", "abstract", "authors", "venue", "venueid", "TLDR"]),
    json_values | st.builds(lambda v: {"value": v}, json_values), max_size=6), max_size=7))  # fmt: skip
def test_any_api_note_is_a_paper_or_autonotes_error(note: dict) -> None:
    try:
        paper = paper_from_note(note)
    except AutonoteError as error:
        assert "\n" not in str(error)
        return
    assert paper.title and paper.abstract and paper.kind == "paper"
