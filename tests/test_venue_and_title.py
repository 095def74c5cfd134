"""Venue labels from arXiv comments and the corpus title-line convention."""

import datetime as dt

import pytest

from autonote.titleline import format_title_line, parse_title_line
from autonote.venue import detect_venue, venue_label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Accepted at COLM 2025", "COLM'25"),
        ("Findings of ACL 2023", "ACL'23 Findings"),
        ("NeurIPS 2024 spotlight", "NeurIPS'24"),
        ("Published as a conference paper at ICLR 2025", "ICLR'25"),
        ("CVPR 2025 Highlight", "CVPR'25"),
        ("Accepted to EMNLP 2024 Findings", "EMNLP'24 Findings"),
        (
            "In Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing",
            "EMNLP'23",
        ),
        ("ACL2024 main", "ACL'24"),
        ("NeurIPS 2024 Workshop on Foundation Models", "NeurIPS'24 Workshop"),
        ("Accepted at ICML'24", "ICML'24"),
        ("NAACL 2025 (oral)", "NAACL'25"),
    ],
)
def test_venue_named_in_comment_maps_to_corpus_label(text: str, label: str) -> None:
    assert detect_venue(text, 2025) == label


@pytest.mark.parametrize(
    "text", ["10 pages, 5 figures", "Submitted to NeurIPS 2025", "Under review at ICLR 2026", ""]
)
def test_no_venue_or_not_yet_accepted_names_no_venue(text: str) -> None:
    assert detect_venue(text, 2025) is None


def test_venue_falls_back_to_arxiv_year_of_first_version() -> None:
    assert venue_label("12 pages", None, dt.date(2025, 4, 9)) == "arXiv'25"


def test_journal_ref_wins_over_comment() -> None:
    assert (
        venue_label("Submitted to NeurIPS", "Findings of ACL 2023", dt.date(2023, 6, 1)) == "ACL'23 Findings"
    )


def test_title_line_follows_the_corpus_convention() -> None:
    line = format_title_line("A Sober Look", ["Andreas Hochlehnert", "B"], "COLM'25", dt.date(2025, 4, 9))
    assert line == "[Paper Note] A Sober Look, Andreas Hochlehnert+, COLM'25, 2025.04"


def test_single_author_has_no_plus_and_unknown_date_is_left_out() -> None:
    assert format_title_line("T", ["Solo"], "arXiv'01", None) == "[Paper Note] T, Solo, arXiv'01"


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
