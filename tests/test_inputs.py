"""Recognising what the user pasted: arXiv ids as arXiv's identifier scheme defines them, cited ids,
arXiv DOIs and paper URLs; and refusing, before any request, what cannot be an id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autonote.errors import UsageError
from autonote.sources.arxiv_ids import (
    InvalidArxivId,
    arxiv_id_from_url,
    canonical_abs_url,
    find_arxiv_id,
    parse_arxiv_id,
)
from autonote.sources.registry import parse_input
from tests.conftest import SHARED
from tests.loopback import ArxivServer, OpenAIServer


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2504.07086", "2504.07086", None),
        ("2504.07086v2", "2504.07086", 2),
        ("arXiv:2504.07086", "2504.07086", None),
        ("1412.1234", "1412.1234", None),
        ("0704.0001", "0704.0001", None),
        ("1501.00001v12", "1501.00001", 12),
        ("cs/0112017", "cs/0112017", None),
        ("hep-th/9901001v1", "hep-th/9901001", 1),
        ("hep-th/9108001", "hep-th/9108001", None),  # the first month of arXiv
        ("math/0703999", "math/0703999", None),  # the last month of old-style ids
        ("math.GT/0309136", "math/0309136", None),  # the subject class is not part of the id
        ("cond-mat.stat-mech/0601001v2", "cond-mat/0601001", 2),
        ("HEP-TH/9901001", "hep-th/9901001", None),
    ],
)
def test_well_formed_ids_parse_to_base_and_version(text: str, base: str, version: int | None) -> None:
    parsed = parse_arxiv_id(text)
    assert parsed is not None
    assert (parsed.base, parsed.version) == (base, version)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # as papers and citations write them
        ("0706.0001v1 [q-bio.CB]", "0706.0001v1"),
        ("arXiv:0706.0001v1 [q-bio.CB] 1 Jun 2007", "0706.0001v1"),  # the PDF stamp
        ("arXiv:2504.07086 [cs.CL]", "2504.07086"),
        ("ARXIV: 2504.07086v3", "2504.07086v3"),
        ("arXiv 2504.07086", "2504.07086"),
        ("2504.07086/", "2504.07086"),
        ("  2504.07086\u200b ", "2504.07086"),  # pasted with a zero-width space
        ("math.GT/0309136v2 [math.GT]", "math/0309136v2"),
        # arXiv DOIs
        ("10.48550/arXiv.2504.07086", "2504.07086"),
        ("doi:10.48550/arXiv.2504.07086", "2504.07086"),
        ("DOI: 10.48550/ARXIV.2504.07086", "2504.07086"),
        ("https://doi.org/10.48550/arXiv.2504.07086", "2504.07086"),
        ("http://dx.doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001"),
        ("doi.org/10.48550/arXiv.2504.07086", "2504.07086"),
        ("https://doi.org/10.48550%2FarXiv.2504.07086", "2504.07086"),
        # arXiv URLs
        ("https://arxiv.org/abs/2504.07086v2", "2504.07086v2"),
        ("https://arxiv.org/abs/2504.07086v2?context=cs.CL#S3", "2504.07086v2"),
        ("https://arxiv.org/abs/2504.07086/", "2504.07086"),
        ("https://arxiv.org/pdf/2504.07086.pdf", "2504.07086"),
        ("https://arxiv.org/pdf/2504.07086v1", "2504.07086v1"),
        ("https://arxiv.org/pdf/2504.07086v1.pdf", "2504.07086v1"),
        ("https://arxiv.org/html/2504.07086v1/", "2504.07086v1"),
        ("https://arxiv.org/html/2504.07086v1/#S2", "2504.07086v1"),
        ("https://arxiv.org/format/2504.07086", "2504.07086"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://export.arxiv.org/pdf/hep-th/9901001v1.pdf", "hep-th/9901001v1"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),
        ("arxiv.org/abs/cs/0112017v2", "cs/0112017v2"),
        ("www.arxiv.org/abs/2504.07086", "2504.07086"),
        # alphaxiv
        ("https://www.alphaxiv.org/abs/2504.07086", "2504.07086"),
        ("https://www.alphaxiv.org/overview/2504.07086v3", "2504.07086v3"),
        ("https://www.alphaxiv.org/pdf/2504.07086", "2504.07086"),
        ("https://www.alphaxiv.org/html/2504.07086v1", "2504.07086v1"),
        ("https://www.alphaxiv.org/zh/abs/2504.07086", "2504.07086"),
        ("https://alphaxiv.org/ja/overview/2504.07086v2", "2504.07086v2"),
        ("alphaxiv.org/abs/2504.07086", "2504.07086"),
        ("https://www.alphaxiv.org/abs/2504.07086.md", "2504.07086"),
        ("https://www.alphaxiv.org/overview/2504.07086v2.md", "2504.07086v2"),
        ("https://fetcher.alphaxiv.org/v2/pdf/2504.07086v1.pdf", "2504.07086v1"),
        ("https://assets.alphaxiv.org/papers/2504.07086/paper.pdf", "2504.07086"),
        ("https://www.alphaxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        # Hugging Face
        ("https://huggingface.co/papers/2504.07086", "2504.07086"),
        ("hf.co/papers/2504.07086#community", "2504.07086"),
    ],
)
def test_identifiers_as_the_world_writes_them(text: str, expected: str) -> None:
    assert str(find_arxiv_id(text)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0713.0001", "month 13 is not a month"),
        ("2500.00001", "month 00 is not a month"),
        ("hep-th/9913001", "month 13 is not a month"),
        ("math/0300001", "month 00 is not a month"),
        ("hep-th/9901000", "number 000 is not used"),
        ("2504.00000", "number 00000 is not used"),
        ("hep-th/9107001", "old-style ids run from 9108 (August 1991) to 0703 (March 2007)"),
        ("math/0704001", "old-style ids run from 9108"),
        ("cs/01", "old-style ids have 7 digits"),
        ("1501.1234", "ids from 1501 on have a 5-digit number"),
        ("1412.12345", "ids from 0704 to 1412 have a 4-digit number"),
        ("2504.070", "have a 5-digit number, not 3 digits"),
        ("0612.1234", "new-style ids start in April 2007 (0704)"),
        ("2504.07086v0", "'v0' is not a version"),
        ("２５０４.０７０８６", "'２' is not an ASCII digit"),
        ("2504.０７０８６", "'０' is not an ASCII digit"),
        ("٢٥٠٤.٠٧٠٨٦", "is not an ASCII digit"),  # Arabic-Indic digits
        ("https://arxiv.org/abs/0713.0001", "month 13 is not a month"),
        ("https://www.alphaxiv.org/zh/abs/1501.1234", "5-digit number"),
        ("https://arxiv.org/list/cs.CL/recent", "an arXiv URL that names no paper"),
        ("https://www.alphaxiv.org/explore", "an alphaxiv URL that names no paper"),
        ("https://huggingface.co/papers/trending", "a Hugging Face papers URL that names no paper"),
    ],
)
def test_what_cannot_be_an_id_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidArxivId) as raised:
        find_arxiv_id(text)
    message = str(raised.value)
    assert reason in message and "\n" not in message
    assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2


@pytest.mark.parametrize(
    "text",
    [
        "not-a-paper",
        "abc",
        "data/0101001",
        "notes.txt",
        "",
        "3.14",
        "10.1145/3106237.3106277",  # another registrant's DOI
        "https://doi.org/10.1145/3106237.3106277",
        "https://example.com/papers/2504.07086",  # another site
        "www.example.org/2504.07086",
    ],
)
def test_what_is_not_arxivs_is_left_to_other_sources(text: str) -> None:
    assert find_arxiv_id(text) is None


def test_the_lenient_readers_never_raise() -> None:
    assert parse_arxiv_id("0713.0001") is None and parse_arxiv_id("２５０４.０７０８６") is None
    assert arxiv_id_from_url("https://arxiv.org/abs/0713.0001") is None
    assert arxiv_id_from_url("https://example.com/x") is None and arxiv_id_from_url("http://[::1") is None
    assert str(arxiv_id_from_url("https://doi.org/10.48550/arXiv.2504.07086")) == "2504.07086"


def test_a_refused_url_is_quoted_without_its_query_or_credentials() -> None:
    with pytest.raises(InvalidArxivId) as raised:
        find_arxiv_id("https://user:hunter2@arxiv.org/abs/0713.0001?token=s3cr3t#frag")
    assert str(raised.value) == "'https://arxiv.org/abs/0713.0001': month 13 is not a month"


def test_canonical_url_names_the_paper_without_version_or_subject_class() -> None:
    assert canonical_abs_url(find_arxiv_id("math.GT/0309136v2")) == "https://arxiv.org/abs/math/0309136"


def test_every_id_in_the_recorded_arxiv_feeds_is_recognised() -> None:
    feeds = SHARED / "arxiv-feeds"
    if not feeds.is_dir():
        pytest.skip("no ../shared/arxiv-feeds")
    ids = set()
    for path in feeds.glob("*.xml"):
        ids |= set(re.findall(r"<id>https?://arxiv\.org/abs/([^<]+)</id>", path.read_text(encoding="utf-8")))
    assert len(ids) > 100
    for text in ids:
        found = find_arxiv_id(text)
        assert found is not None and str(found) == text
        assert find_arxiv_id(f"https://arxiv.org/abs/{text}") == found


# -- parse_input: the draft command's inputs ------------------------------------------------------


def test_url_of_another_site_is_a_web_page_and_another_scheme_a_usage_error() -> None:
    assert parse_input("https://example.com/papers/2504.07086").source == "web"
    with pytest.raises(
        UsageError, match=r"'ftp://example\.com/papers/2504\.07086': not a supported URL \(supported: "
    ):
        parse_input("ftp://example.com/papers/2504.07086")


def test_an_existing_file_is_a_local_abstract(tmp_path: Path) -> None:
    path = tmp_path / "abstract.txt"
    path.write_text("Title: T\n\nAbstract.")
    ref = parse_input(str(path))
    assert (ref.source, ref.key) == ("local", str(path))


def test_garbage_names_what_was_wrong() -> None:
    with pytest.raises(UsageError, match=r"'not-a-paper'"):
        parse_input("not-a-paper")


def test_inputs_reach_the_draft_as_canonical_ids() -> None:
    for text, expected in [
        ("10.48550/arXiv.2410.99902", "2410.99902"),
        ("https://www.alphaxiv.org/zh/abs/2410.99902v2", "2410.99902v2"),
        ("math.GT/0309136", "math/0309136"),
    ]:
        ref = parse_input(text)
        assert (ref.source, ref.key) == ("arxiv", expected)


# -- through the CLI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("0713.0001", "month 13 is not a month"),
        ("hep-th/9901000", "number 000 is not used"),
        ("1501.1234", "5-digit number"),
        ("２５０４.０７０８６", "not an ASCII digit"),
        ("https://www.alphaxiv.org/abs/0713.0001", "month 13 is not a month"),
        ("https://arxiv.org/list/cs.CL/recent", "an arXiv URL that names no paper"),
        ("doi:10.1145/3106237.3106277", "not an arXiv id"),
    ],
)
def test_draft_of_an_impossible_id_exits_2_with_one_line_and_asks_arxiv_nothing(
    run, corpus: Path, arxiv_server: ArxivServer, bad: str, reason: str
) -> None:
    result = run("draft", bad, "--corpus", str(corpus))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("autonote: error:") and result.stderr.count("\n") == 1
    assert reason in result.stderr and "Traceback" not in result.stderr
    assert arxiv_server.requests == []
    assert not (corpus / "drafts").exists() or list((corpus / "drafts").iterdir()) == []


def test_draft_from_an_arxiv_doi_asks_arxiv_for_the_canonical_id(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    result = run("draft", "https://doi.org/10.48550/arXiv.2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()) == corpus / "drafts" / "arxiv-2410.99902.md"
    assert arxiv_server.requests[0]["path"].startswith("/api/query?id_list=2410.99902&")


def test_draft_of_an_old_style_id_with_its_subject_class_asks_for_the_paper(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    result = run("draft", "cs.AI/0112017 [cs.AI]", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert "id_list=cs%2F0112017&" in arxiv_server.requests[0]["path"]
