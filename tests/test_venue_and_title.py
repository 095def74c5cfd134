"""Venue labels from arXiv comments and journal refs, as authors write them, and the corpus's
title-line convention."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import feedparser
import pytest

from autonote.sources.arxiv import ArxivClient
from autonote.sources.arxiv_ids import parse_arxiv_id
from autonote.state import StateDB
from autonote.textnorm import normalize_ws
from autonote.titleline import format_title_line, parse_title_line
from autonote.venue import VENUE_NAMES, detect_venue, parse_table, venue_label, venue_table
from tests.conftest import SHARED
from tests.loopback import ArxivServer

# Comments written in the shapes real arXiv comments take (the corpus's papers carry such
# comments; the recorded feeds in ../shared hold none that name a venue of the table).
NAMED_IN_COMMENT = [
    ("Accepted at COLM 2025", "COLM'25"),
    ("Findings of ACL 2023", "ACL'23 Findings"),
    ("Published as a conference paper at ICLR 2025", "ICLR'25"),
    ("Accepted to EMNLP 2024 Findings", "EMNLP'24 Findings"),
    ("In Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing", "EMNLP'23"),
    ("ACL2024 main", "ACL'24"),
    ("Accepted at ICML'24", "ICML'24"),
    ("NAACL 2025 (oral)", "NAACL'25"),  # presentation kinds the corpus never writes are dropped
    ("ICLR 2025 (Oral)", "ICLR'25"),
    ("neurips 2024, 12 pages", "NeurIPS'24"),
    ("Accepted at ACL 2024 (main conference)", "ACL'24"),
    ("Accepted to NeurIPS 2024 Datasets and Benchmarks Track", "NeurIPS'24"),
    ("Preprint of the article accepted at ICLR 2025", "ICLR'25"),
    ("Extended version of the paper accepted at AAAI 2024", "AAAI'24"),
    # tracks the corpus keeps as a suffix
    ("NeurIPS 2024 spotlight", "NeurIPS'24 Spotlight"),
    ("CVPR 2025 Highlight", "CVPR'25 Highlight"),
    ("Accepted to CVPR 2024 as a highlight", "CVPR'24 Highlight"),
    ("NeurIPS 2025 Best Paper Award", "NeurIPS'25 Best Paper"),
    ("NeurIPS 2025, best paper runner-up", "NeurIPS'25"),
    ("NeurIPS 2024 Workshop on Foundation Models", "NeurIPS'24 Workshop"),
    ("Workshop on Reasoning and Planning at ICLR 2025", "ICLR'25 Workshop"),
    # hyphenated and joint names
    ("Accepted to IJCAI-ECAI 2022", "IJCAI'22"),
    ("ACL-IJCNLP 2021 long paper", "ACL'21"),
    ("Long paper at NAACL-HLT 2019", "NAACL'19"),
    ("HLT-NAACL 2004", "NAACL'04"),
    ("EMNLP-IJCNLP 2019", "EMNLP'19"),
    ("IJCNLP-AACL 2023 Findings", "AACL'23 Findings"),
    ("Accepted at LREC-COLING 2024", "LREC-COLING'24"),
    ("Accepted to ACL-2020", "ACL'20"),
    ("AAAI-24 main track", "AAAI'24"),
    # words between name and year
    ("NAACL Findings 2024", "NAACL'24 Findings"),
    ("ICLR Tiny Paper 2024", "ICLR'24 Tiny Paper"),
    ("Accepted at ICML, July 2024", "ICML'24"),
    # workshops written as "<name> @ VENUE" or "VENUE <workshop acronym>"
    ("Accepted at ES-FoMo @ ICML 2026", "ICML'26 Workshop"),
    ("MATH-AI@NeurIPS2025", "NeurIPS'25 Workshop"),
    ("ICML 2026 AI4Science", "ICML'26 Workshop"),
    ("ICLR 2024 ME-FoMo workshop, poster", "ICLR'24 Workshop"),
    ("ACL 2024 SRW", "ACL'24 Workshop"),
    ("ICML 2024, PMLR 235", "ICML'24"),  # a proceedings series is not a workshop
    # an earlier workshop version does not make the main venue a workshop
    (
        "Accepted to NeurIPS 2023. An earlier version appeared at the ICML 2023 workshop on Efficient Systems",
        "NeurIPS'23",
    ),
    (
        "An earlier version of this work appeared at the ICML 2023 Workshop on Sampling, and the full "
        "paper is accepted at NeurIPS 2023",
        "NeurIPS'23",
    ),
    ("Accepted to ICLR 2024 and to a NeurIPS workshop", "ICLR'24"),
    # ordinal names: the year from the venue's first edition (data)
    ("The 38th AAAI Conference on Artificial Intelligence", "AAAI'24"),
    ("Accepted to the Thirty-Eighth AAAI Conference on Artificial Intelligence (AAAI-24)", "AAAI'24"),
    (
        "Proceedings of the 41st International Conference on Machine Learning, Vienna, Austria. PMLR 235",
        "ICML'24",
    ),
    (
        "Proceedings of the 62nd Annual Meeting of the Association for Computational Linguistics "
        "(Volume 1: Long Papers)",
        "ACL'24",
    ),
    ("Accepted at the Twelfth International Conference on Learning Representations", "ICLR'24"),
    ("Accepted at the first ICML workshop on Long Contexts", "ICML'25 Workshop"),  # no edition 1 of ICML
    # journals the paper appears in win over a conference it was presented at
    ("Published in Transactions on Machine Learning Research (2024). Presented at ICLR 2025", "TMLR'24"),
    ("Presented at ICLR 2025; published in TMLR", "TMLR'25"),
    ("Accepted to TACL; presented at ACL 2024", "TACL'25"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence, vol. 46, no. 3, 2024", "TPAMI'24"),
    ("Accepted by IEEE TPAMI", "TPAMI'25"),
    ("Journal of Machine Learning Research 25 (2024) 1-40", "JMLR'24"),
    ("To appear in Computational Linguistics", "CL'25"),
    ("Published in ACM Computing Surveys, 2022", "ACM Computing Surveys'22"),
    ("Nature Machine Intelligence (2025)", "Nature Machine Intelligence'25"),
    # a venue's name inside another phrase
    ("Findings of the Association for Computational Linguistics: EMNLP 2023", "EMNLP'23 Findings"),
    ("ICML 2015, JMLR W&CP volume 37", "ICML'15"),
    ("Accepted at AAAI 2024. Code: https://github.com/someone/acl2023-code", "AAAI'24"),
]


@pytest.mark.parametrize(("text", "label"), NAMED_IN_COMMENT)
def test_venue_named_in_comment_maps_to_corpus_label(text: str, label: str) -> None:
    assert detect_venue(text, 2025) == label


@pytest.mark.parametrize(
    "text",
    [
        "10 pages, 5 figures",
        "Submitted to NeurIPS 2025",
        "Under review at ICLR 2026",
        "NeurIPS 2025 submission",
        "ICLR 2026 Conference Submission",
        "In submission to ACL 2025",
        "Preprint. Under review.",
        "Preprint; work in progress",
        "Rejected from ICML 2024, now revised",
        "An earlier version appeared at the ICML 2023 Workshop on Efficient Systems",
        "Chi-square tests and RSS feeds",  # bare acronyms in prose, no venue context
        "We compare with the method of the ICLR paper",
        "",
        "   ",
    ],
)
def test_no_venue_or_not_yet_accepted_names_no_venue(text: str) -> None:
    assert detect_venue(text, 2025) is None


def test_a_bare_venue_takes_the_year_it_is_given() -> None:
    assert detect_venue("Accepted at ICLR", 2024) == "ICLR'24"
    assert detect_venue("Accepted at ICLR", None) is None


def test_venue_falls_back_to_arxiv_year_of_first_version() -> None:
    assert venue_label("12 pages", None, dt.date(2025, 4, 9)) == "arXiv'25"
    assert venue_label(None, None, None) == ""


def test_journal_ref_wins_over_comment() -> None:
    assert (
        venue_label("Submitted to NeurIPS", "Findings of ACL 2023", dt.date(2023, 6, 1)) == "ACL'23 Findings"
    )


def test_a_journal_ref_needs_no_accepted() -> None:
    assert venue_label(None, "ICML", dt.date(2024, 2, 1), dt.date(2024, 6, 3)) == "ICML'24"


def test_a_bare_venue_takes_the_year_of_the_version_carrying_the_comment() -> None:
    # First version in 2024, the version that says "Accepted at ICLR" in January 2025.
    assert venue_label("Accepted at ICLR", None, dt.date(2024, 9, 30), dt.date(2025, 1, 24)) == "ICLR'25"
    assert venue_label("Camera-ready", None, dt.date(2024, 9, 30), dt.date(2025, 1, 24)) == "arXiv'24"


ICLR_V2_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/2409.99904v2</id>
    <title>A Paper Whose Second Version Was Accepted</title>
    <updated>2025-01-24T10:00:00Z</updated>
    <summary>Written for this test: the comment names a venue without a year.</summary>
    <published>2024-09-30T10:00:00Z</published>
    <arxiv:comment>Accepted at ICLR; camera-ready version</arxiv:comment>
    <author><name>Ana Example</name></author>
  </entry>
"""


def test_the_arxiv_client_passes_the_version_date_to_the_venue(tmp_path: Path) -> None:
    with ArxivServer(extra_entries={"2409.99904": ICLR_V2_ENTRY}) as server:
        client = ArxivClient(server.api_url, StateDB(tmp_path / "state"), min_interval=0.05)
        paper = client.fetch([parse_arxiv_id("2409.99904")])["2409.99904"]
    assert (paper.published, paper.updated, paper.venue) == (
        dt.date(2024, 9, 30),
        dt.date(2025, 1, 24),
        "ICLR'25",
    )
    assert paper.title_line.endswith(", Ana Example, ICLR'25, 2024.09")


def test_real_comments_and_journal_refs_of_the_recorded_feeds() -> None:
    """The recorded feeds (physics journals, software-testing venues, "submitted to ...") name no
    venue of the table: every one of them falls back to arXiv'<yy> of its first version."""
    feeds = SHARED / "arxiv-feeds"
    if not feeds.is_dir():
        pytest.skip("no ../shared/arxiv-feeds")
    seen = 0
    for path in feeds.glob("*.xml"):
        for entry in feedparser.parse(path.read_bytes()).entries:
            comment = normalize_ws(entry.get("arxiv_comment", "")) or None
            journal_ref = normalize_ws(entry.get("arxiv_journal_ref", "")) or None
            if not (comment or journal_ref):
                continue
            published = dt.date(*entry.published_parsed[:3])
            updated = dt.date(*entry.updated_parsed[:3])
            label = venue_label(comment, journal_ref, published, updated)
            assert label == f"arXiv'{published.year % 100:02d}", (comment, journal_ref, label)
            seen += 1
    assert seen > 100


def corpus_title_lines() -> list[str]:
    lines = []
    for path in sorted((SHARED / "corpus").glob("*.xml")):
        lines += re.findall(r"<title>([^<]*)</title>", path.read_text(encoding="utf-8"))
    return lines


def test_the_table_covers_the_venue_labels_the_corpus_uses() -> None:
    lines = corpus_title_lines()
    if not lines:
        pytest.skip("no ../shared/corpus")
    labels = [p.venue for p in map(parse_title_line, lines) if p is not None]
    assert len(labels) > 300
    suffixes = {label for label, _ in venue_table().tracks}
    for label in labels:
        name, _, rest = label.partition("'")
        suffix = rest[3:]
        # NIPS'20 is written NeurIPS in the table (the corpus writes NeurIPS for every other year);
        # Jxiv is a preprint server, like arXiv.
        assert name in VENUE_NAMES | {"arXiv", "NIPS", "Jxiv"}, label
        assert not suffix or suffix in suffixes, label


def test_the_venue_table_is_package_data() -> None:
    shipped = resources.files("autonote").joinpath("data/venues.toml")
    assert shipped.is_file()
    table = parse_table(shipped.read_text(encoding="utf-8"))
    assert table == venue_table() and {"NeurIPS", "LREC-COLING", "TMLR"} <= VENUE_NAMES


@pytest.mark.parametrize(
    "text",
    [
        '[[venue]]\nlabel = "X"\nnames = []\n',
        '[[venue]]\nlabel = "X"\nnames = ["X"]\nkind = "magazine"\n',
        '[[venue]]\nlabel = "X"\nnames = [3]\n',
        '[[venue]]\nnames = ["X"]\n',
        '[[venue]]\nlabel = "X\'s"\nnames = ["X"]\n',
        '[[venue]]\nlabel = "X"\nnames = ["X"]\nfirst_edition = "1987"\n',
        '[[track]]\nlabel = "Oral"\n',
    ],
)
def test_a_malformed_table_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"^venues\.toml: "):
        parse_table(text)
    with pytest.raises(ValueError):  # tomllib's own error is a ValueError too
        parse_table("[[venue]\n")


# -- title lines ------------------------------------------------------------------------------------


def test_title_line_follows_the_corpus_convention() -> None:
    line = format_title_line("A Sober Look", ["Andreas Hochlehnert", "B"], "COLM'25", dt.date(2025, 4, 9))
    assert line == "[Paper Note] A Sober Look, Andreas Hochlehnert+, COLM'25, 2025.04"


def test_single_author_has_no_plus_and_unknown_date_is_left_out() -> None:
    assert format_title_line("T", ["Solo"], "arXiv'01", None) == "[Paper Note] T, Solo, arXiv'01"


def test_a_title_line_is_one_line() -> None:
    line = format_title_line("Two\nLines", ["A\r\nB"], "ICLR'24", dt.date(2024, 1, 1))
    assert line == "[Paper Note] Two Lines, A B, ICLR'24, 2024.01"


def test_title_line_parses_back_even_with_commas_in_the_title() -> None:
    parsed = parse_title_line(
        "[Paper Note] Shadows, Lines, and Geometry, Ayush Sarkar+, CVPR'25 Highlight, 2024.12"
    )
    assert parsed is not None
    assert (parsed.title, parsed.first_author, parsed.more_authors) == (
        "Shadows, Lines, and Geometry",
        "Ayush Sarkar",
        True,
    )
    assert (parsed.venue, parsed.year, parsed.month) == ("CVPR'25 Highlight", 2024, 12)


@pytest.mark.parametrize(
    "line",
    [
        "[Paper Note] T, A+, CVPR'25, 2025.13",  # month 13
        "[Paper Note] T, A+, CVPR'25, 2025.00",
        "[Paper Note] T, A+, CVPR'25, 0000.01",  # no date has year 0
        "[Paper Note] T, A+, CVPR'２５, 2025.01",  # full-width digits
        "[Paper Note] T, A+, CVPR 2025",
        "[Paper Note] T\nU, A+, CVPR'25",
    ],
)
def test_title_lines_with_impossible_parts_do_not_parse(line: str) -> None:
    assert parse_title_line(line) is None


def test_labels_with_spaces_and_hyphens_parse() -> None:
    for venue in (
        "LREC-COLING'24",
        "ACM Computing Surveys'22",
        "NeurIPS'25 Best Paper",
        "ICLR'24 Tiny Paper",
    ):
        parsed = parse_title_line(format_title_line("T, U", ["A", "B"], venue, dt.date(2024, 5, 1)))
        assert parsed is not None and parsed.venue == venue and parsed.title == "T, U"
