"""The name rules for web pages (sources/web_names.py): titles without the site's or writer's
name after them, people's names without URLs, placeholders, dates or account names, site names
without taglines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.sources.web_names import (
    Headings,
    choose_title,
    clean_author,
    clean_title,
    same_name,
    without_tagline,
)


@pytest.mark.parametrize(
    ("title", "headlines", "names", "expected"),
    [
        ("Post title - Gearworks", [], ["Gearworks.com"], "Post title"),
        ("Post title | Mara Quill", [], ["The Ledger", "Mara Quill"], "Post title"),
        ("Post - part two | Site", ["Post - part two"], [], "Post - part two"),
        ("記事 @ 小鹿的旅行手帳 :: 痞客邦 ::", ["記事"], [], "記事"),
        ("記事のタイトル｜テック通信", [], ["テック通信"], "記事のタイトル"),
        ("A title: with a colon", [], ["Other"], "A title: with a colon"),
        ("Only the site", [], ["Only the site"], "Only the site"),
    ],
)
def test_titles_lose_the_names_after_them(
    title: str, headlines: list[str], names: list[str], expected: str
) -> None:
    assert clean_title(title, Headings(primary=headlines), names) == expected


def test_a_lesser_heading_cuts_the_title_only_before_a_name_the_page_gives() -> None:
    # an <h2> "Rust" (a section's) and the title "Rust - the good parts": kept whole
    assert (
        clean_title("Rust - the good parts", Headings(others=["Rust"]), ["Ferris Blog"])
        == "Rust - the good parts"
    )
    assert clean_title("Rust - Ferris Blog :: x ::", Headings(others=["Rust"]), ["Ferris Blog"]) == "Rust"


@pytest.mark.parametrize(
    ("name", "site_names", "expected"),
    [
        ("https://www.facebook.com/harbourpost", [], ""),
        ("作者", [], ""),
        ("Editors", [], ""),
        ("Nathan Example March", [], "Nathan Example"),
        ("By Ada Writer · July 24, 2023", [], "Ada Writer"),
        ("Theresa May", [], "Theresa May"),  # a month that is also a name stays
        ("Gizmodojapan", ["GIZMODO JAPAN"], ""),
        ("LinkedInEditors", ["LinkedIn"], ""),
        ("Ada Writer", ["Acme"], "Ada Writer"),
    ],
)
def test_author_names_are_people(name: str, site_names: list[str], expected: str) -> None:
    assert clean_author(name, site_names) == expected


def test_a_site_name_loses_its_tagline() -> None:
    assert (
        without_tagline("Postlight — Digital Strategy, Design, and Engineering", ["postlight"]) == "Postlight"
    )
    assert without_tagline("Preferred Networks Research & Development", ["tech", "preferred"]) == (
        "Preferred Networks Research & Development"
    )
    assert without_tagline("Ai2", ["allenai"]) == "Ai2"


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=120),
    st.lists(st.text(max_size=30), max_size=4),
    st.lists(st.text(max_size=30), max_size=4),
)
def test_cleaning_a_title_never_raises_and_keeps_its_start(
    title: str, headlines: list[str], names: list[str]
) -> None:
    cleaned = clean_title(title, Headings(primary=headlines, others=names), names)
    assert isinstance(cleaned, str)
    assert cleaned == "" or title.strip().startswith(cleaned.strip()[:1])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=3))
def test_cleaning_an_author_never_raises_and_gives_a_part_of_it(name: str, site_names: list[str]) -> None:
    cleaned = clean_author(name, site_names)
    assert cleaned == "" or cleaned.split()[0] in name
    assert same_name(name, name) in (True, False)


def test_a_promo_heading_loses_to_the_title_that_starts_with_the_articles_heading() -> None:
    headings = Headings(primary=["Take your next trip with Voya"], others=["How we rank stays"])
    title = choose_title(
        "Take your next trip with Voya", [], ["How we rank stays - Voya Tech"], headings, ["Voya Tech"]
    )
    assert title == "How we rank stays"
    # a title the page declares for sharing (og:title) is kept even when <title> says otherwise
    assert choose_title(
        "Social title", ["Social title"], ["Real | Site"], Headings(others=["Real"]), ["Site"]
    ) == ("Social title")
