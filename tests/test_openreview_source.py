"""OpenReview papers through a loopback OpenReview API v2: recognition, metadata, venue labels,
dates, replies, errors and the cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.notes.ids import check_note_id
from autonote.sources.openreview import OpenReviewSource, find_forum_id, venue_for
from autonote.sources.registry import note_id_for, parse_input
from tests.loopback import Fault, OpenReviewServer
from tests.sources_support import context


def fetch(tmp_path: Path, *keys: str, refresh: bool = False):
    refs = [parse_input(f"https://openreview.net/forum?id={key}") for key in keys]
    return OpenReviewSource(context(tmp_path, refresh=refresh)).fetch(refs)


@pytest.mark.parametrize(
    ("text", "forum"),
    [
        ("https://openreview.net/forum?id=90UrTTxp5O", "90UrTTxp5O"),
        ("https://openreview.net/forum?id=90UrTTxp5O#discussion", "90UrTTxp5O"),
        ("https://openreview.net/forum?id=r8H7xhYPwz&noteId=U0uk5A0VlT", "r8H7xhYPwz"),
        ("https://openreview.net/pdf?id=Q6PAnqYVpo", "Q6PAnqYVpo"),
        ("http://www.openreview.net/forum/?id=B1x_-nGgWC", "B1x_-nGgWC"),  # an API v1 id, with - and _
        ("openreview.net/forum?id=gZyEJ2kMow", "gZyEJ2kMow"),
    ],
)
def test_forum_and_pdf_urls_name_the_forum(text: str, forum: str) -> None:
    ref = parse_input(text)
    assert (ref.source, ref.key) == ("openreview", forum)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://openreview.net/group?id=ICLR.cc/2025/Conference", "names no paper"),
        ("https://openreview.net/forum", "names no paper"),
        ("https://openreview.net/forum?id=../../etc", "is not an OpenReview note id"),
        ("https://openreview.net/", "names no paper"),
    ],
)
def test_openreview_urls_without_a_paper_are_refused(text: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_input(text)


def test_other_text_is_not_openreviews() -> None:
    for text in (
        "2504.07086",
        "https://example.org/forum?id=abcdefghij",
        "openreview",
        "ftp://openreview.net/forum?id=abcdefghij",
    ):
        assert find_forum_id(text) is None


def test_an_accepted_paper_has_its_metadata_venue_and_first_public_month(
    openreview_server: OpenReviewServer, tmp_path: Path
) -> None:
    paper = fetch(tmp_path, "Xq7pL2mN4a")["Xq7pL2mN4a"]
    assert paper.title == "Sparse Memory Routing: Scaling Retrieval Heads Without Growing the Cache"
    assert paper.authors == ["Ilse Verhoeven", "Tomás Aguirre", "Naoko Hirata"]
    assert paper.abstract.startswith("Long-context language models spend") and "  " not in paper.abstract
    assert paper.venue == "ICLR'25"  # "ICLR 2025 Oral": the corpus drops Oral
    assert paper.published == dt.date(2024, 10, 4)  # odate: when it became public, not pdate (2025-01)
    assert paper.url == "https://openreview.net/forum?id=Xq7pL2mN4a" and paper.kind == "paper"
    assert paper.title_line == (
        "[Paper Note] Sparse Memory Routing: Scaling Retrieval Heads Without Growing the Cache,"
        " Ilse Verhoeven+, ICLR'25, 2024.10"
    )
    assert note_id_for(paper) == "openreview-Xq7pL2mN4a" == check_note_id("openreview-Xq7pL2mN4a")
    assert openreview_server.requests[0]["path"] == "/notes?id=Xq7pL2mN4a"
    assert openreview_server.requests[0]["headers"]["User-Agent"].startswith("autonote/")


def test_venue_labels_follow_the_corpus(openreview_server: OpenReviewServer, tmp_path: Path) -> None:
    papers = fetch(tmp_path, "Wd5nH8cK2e", "Rv3kT9sJ1b", "Tm2bF6gQ9z", "Jr8sVe4Lq0")
    assert papers["Wd5nH8cK2e"].venue == "NeurIPS'24 Spotlight"
    assert papers["Rv3kT9sJ1b"].venue == "OpenReview'25"  # "Submitted to ICLR 2026": not a venue yet
    assert papers["Tm2bF6gQ9z"].venue == "OpenReview'24"  # a withdrawn submission
    tmlr = papers["Jr8sVe4Lq0"]  # TMLR names no year, and the note has no odate: pdate's year and month
    assert (tmlr.venue, tmlr.published) == ("TMLR'24", dt.date(2024, 8, 14))
    assert tmlr.title_line.endswith("Henrik Solberg+, TMLR'24, 2024.08")


def test_venue_from_the_venue_id_when_the_note_has_no_venue_text() -> None:
    content = {"venueid": {"value": "ICML.cc/2024/Workshop/ES-FoMo"}}
    assert venue_for(content, dt.date(2024, 6, 1), None) == "ICML'24 Workshop"
    rejected = {"venue": {"value": "ICLR 2024 Conference Desk Rejected Submission"}}
    assert venue_for(rejected, dt.date(2023, 10, 1), None) == "OpenReview'23"
    assert venue_for({}, None, None) == ""


def test_a_reviews_id_drafts_the_paper_it_reviews(
    openreview_server: OpenReviewServer, tmp_path: Path
) -> None:
    paper = fetch(tmp_path, "U0uk5A0VlT")["U0uk5A0VlT"]
    assert paper.url == "https://openreview.net/forum?id=Xq7pL2mN4a"
    assert [r["path"] for r in openreview_server.requests] == ["/notes?id=U0uk5A0VlT", "/notes?id=Xq7pL2mN4a"]


def test_unknown_and_private_notes_get_their_own_errors(
    openreview_server: OpenReviewServer, tmp_path: Path
) -> None:
    openreview_server.forbidden.add("Jr8sVe4Lq0")
    found = fetch(tmp_path, "Nope123456", "Jr8sVe4Lq0", "Xq7pL2mN4a")
    assert isinstance(found["Nope123456"], PaperNotFoundError) and "no note with id Nope123456" in str(
        found["Nope123456"]
    )
    assert isinstance(found["Jr8sVe4Lq0"], PaperNotFoundError) and "is not public" in str(found["Jr8sVe4Lq0"])
    assert found["Xq7pL2mN4a"].venue == "ICLR'25"  # the others are still fetched


def test_a_broken_answer_is_a_source_failure(openreview_server: OpenReviewServer, tmp_path: Path) -> None:
    openreview_server.faults.append(Fault(200, body="<html>maintenance</html>"))
    found = fetch(tmp_path, "Xq7pL2mN4a")["Xq7pL2mN4a"]
    assert isinstance(found, SourceUnavailableError) and "did not answer with notes" in str(found)


def test_the_second_draft_comes_from_the_cache_and_refresh_asks_again(
    openreview_server: OpenReviewServer, tmp_path: Path
) -> None:
    fetch(tmp_path, "Xq7pL2mN4a")
    assert fetch(tmp_path, "Xq7pL2mN4a")["Xq7pL2mN4a"].venue == "ICLR'25"
    assert len(openreview_server.requests) == 1
    fetch(tmp_path, "Xq7pL2mN4a", refresh=True)
    assert len(openreview_server.requests) == 2


def test_a_503_is_retried_politely(openreview_server: OpenReviewServer, tmp_path: Path) -> None:
    openreview_server.faults.append(Fault(503, headers={"Retry-After": "0"}))
    warnings: list[str] = []
    refs = [parse_input("https://openreview.net/forum?id=Xq7pL2mN4a")]
    found = OpenReviewSource(context(tmp_path, warnings=warnings)).fetch(refs)
    assert found["Xq7pL2mN4a"].venue == "ICLR'25" and len(openreview_server.requests) == 2
    assert warnings and "OpenReview API" in warnings[0] and "HTTP 503" in warnings[0]
