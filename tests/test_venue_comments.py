"""arXiv comments in the shapes they really come in (written for these tests after the comments of
recent cs.CL / cs.LG papers): a venue alone, two-digit years, words run together, Findings in
parentheses after a conference's full name, a submission described as a "conference paper", a
workshop's name around the conference in parentheses, a journal with no year."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.venue import VENUE_NAMES, detect_venue, venue_label, venue_table

FIRST = dt.date(2025, 2, 3)  # the first version
LATER = dt.date(2026, 1, 12)  # the version carrying the comment


@pytest.mark.parametrize(
    ("comment", "label"),
    [
        # the venue alone, no year: the year of the version that carries the comment
        ("ICML", "ICML'26"),
        ("TMLR", "TMLR'26"),
        ("NeurIPS.", "NeurIPS'26"),
        # a journal with no year, said to be where it is published
        ("Published in TMLR", "TMLR'26"),
        # two-digit years after a space
        ("Accepted by NAACL 25 Main Conference", "NAACL'25"),
        ("Accepted at ICLR 26", "ICLR'26"),
        # words run together after the year are not a workshop's acronym
        ("ACL 2026 MainConference", "ACL'26"),
        # Findings in parentheses after the conference's full name
        (
            "Accepted to the 64th Annual Meeting of the Association for Computational Linguistics (ACL Findings 2026)",
            "ACL'26 Findings",
        ),
        # the workshop word after the parenthesis
        ("Accepted at the Efficient Reasoning (NeurIPS 2025) Workshop", "NeurIPS'25 Workshop"),
        ("(NeurIPS 2025) Workshop", "NeurIPS'25 Workshop"),
        # a submission is no venue, even described as a conference paper
        ("Submitted as conference paper to ICML 2024 and currently under review", "arXiv'25"),
        ("Submitted as a conference paper to ICLR 2026", "arXiv'25"),
        # ... while a conference paper said alone still is
        ("Published as a conference paper at ICLR 2025", "ICLR'25"),
    ],
)
def test_comments_as_they_really_come(comment: str, label: str) -> None:
    assert venue_label(comment, None, FIRST, LATER) == label


@pytest.mark.parametrize(
    ("comment", "label"),
    [
        ("ICML 25 pages, 4 figures", "arXiv'25"),  # a count, not a year
        ("Journal of Machine Learning Research 25 (2024) 1-40", "JMLR'24"),  # a volume, not a year
        ("We compare with ICML baselines", "arXiv'25"),  # a bare acronym inside prose is no venue
    ],
)
def test_numbers_and_prose_near_a_venue_are_not_taken_for_its_year(comment: str, label: str) -> None:
    assert venue_label(comment, None, FIRST, LATER) == label


def test_a_two_digit_year_far_from_the_version_is_not_a_year() -> None:
    # "NAACL 12" in a 2026 version: not 2012 (nor a venue of that year)
    assert venue_label("Accepted at NAACL 12", None, FIRST, LATER) == "NAACL'26"


LABEL = re.compile(r"^(?P<name>.+?)'(?P<yy>[0-9]{2})(?: (?P<suffix>.+))?$")
TRACKS = {label for label, _ in venue_table().tracks}
FRAGMENTS = [
    "Accepted", "accepted by", "Submitted as conference paper to", "currently under review", "and",
    "Main Conference", "MainConference", "Findings", "(", ")", "Workshop", "the 64th", "Annual Meeting of the",
    "Association for Computational Linguistics", "ACL", "NAACL", "ICML", "NeurIPS", "TMLR", "EMNLP", "25",
    "26", "2024", "2026", "'25", "pages", ".", ";", ",", "Published in", "Efficient Reasoning", "@",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(" ".join) | st.text(max_size=200),
    st.none() | st.integers(1990, 2035),
    st.booleans(),
)
def test_the_comment_parser_never_raises_and_names_a_known_venue_or_none(
    text: str, year: int | None, trusted: bool
) -> None:
    label = detect_venue(text, year, trusted=trusted)
    if label is None:
        return
    match = LABEL.match(label)
    assert match, label
    assert match["name"] in VENUE_NAMES, label
    assert match["suffix"] is None or match["suffix"] in TRACKS, label
