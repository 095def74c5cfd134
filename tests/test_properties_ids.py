"""Property-based tests (hypothesis) for the parsers of identifiers, venues and title lines.

Each parser takes any text without a traceback: it gives a typed result, None, or (for ids) the one
typed error, InvalidArxivId, whose message is one line. Where a value can be written and read
back, writing then reading gives the value again.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.sources.arxiv_ids import (
    OLD_STYLE_ARCHIVES,
    ArxivId,
    InvalidArxivId,
    arxiv_id_from_url,
    canonical_abs_url,
    find_arxiv_id,
    parse_arxiv_id,
)
from autonote.titleline import TitleLine, format_title_line, parse_title_line
from autonote.venue import VENUE_NAMES, detect_venue, venue_label, venue_table

# Examples per property: enough to cover the grammar's branches, small enough for a fast suite.
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- identifiers -------------------------------------------------------------------------------------

ID_ALPHABET = "0123456789./:-_[]()vVxXarXivhepthmathGTcsdoiwrgsfhttps:@#?=%&+ ０１２٣\u200b\n\t"


def read(text: str) -> ArxivId | None:
    """find_arxiv_id, with the one error it may raise checked and turned into None."""
    try:
        found = find_arxiv_id(text)
    except InvalidArxivId as error:
        message = str(error)
        assert message and "\n" not in message and error.exit_code == 2
        return None
    assert found is None or isinstance(found, ArxivId)
    return found


@FAST
@given(st.text(max_size=200))
def test_any_text_is_an_id_none_or_one_typed_error(text: str) -> None:
    read(text)
    assert parse_arxiv_id(text) is None or isinstance(parse_arxiv_id(text), ArxivId)
    assert arxiv_id_from_url(text) is None or isinstance(arxiv_id_from_url(text), ArxivId)


@FAST
@given(st.text(alphabet=ID_ALPHABET, max_size=60))
def test_id_like_text_is_an_id_none_or_one_typed_error(text: str) -> None:
    found = read(text)
    if found is not None:  # whatever is accepted is a well-formed id, and reads back as itself
        assert parse_arxiv_id(str(found)) == found


new_style = st.builds(
    lambda year, month, number, version: ArxivId(
        f"{year % 100:02d}{month:02d}." + (f"{number:05d}" if year >= 2015 else f"{number % 10000 or 1:04d}"),
        version,
    ),
    st.integers(2007, 2099),
    st.integers(1, 12),
    st.integers(1, 99999),
    st.none() | st.integers(1, 40),
).filter(lambda i: i.base >= "0704" if i.base[:2] == "07" else True)
old_style = st.builds(
    lambda archive, yymm, number, version: ArxivId(f"{archive}/{yymm}{number:03d}", version),
    st.sampled_from(sorted(OLD_STYLE_ARCHIVES)),
    st.sampled_from(
        [
            f"{y % 100:02d}{m:02d}"
            for y in range(1991, 2008)
            for m in range(1, 13)
            if (1991, 8) <= (y, m) <= (2007, 3)
        ]
    ),
    st.integers(1, 999),
    st.none() | st.integers(1, 40),
)
arxiv_ids = new_style | old_style


def with_subject(arxiv_id: ArxivId, subject: str) -> str:
    archive, number = arxiv_id.base.split("/")
    return f"{archive}.{subject}/{number}" + (f"v{arxiv_id.version}" if arxiv_id.version else "")


WRITTEN_FORMS = [
    "{v}",
    "arXiv:{v}",
    "ARXIV: {v}",
    "{v}/",
    "{v} [cs.CL]",
    "arXiv:{v} [q-bio.CB] 1 Jun 2007",
    "https://arxiv.org/abs/{v}",
    "https://arxiv.org/abs/{v}/",
    "https://arxiv.org/abs/{v}?context=cs#S2",
    "http://export.arxiv.org/abs/{v}",
    "https://arxiv.org/pdf/{v}",
    "https://arxiv.org/pdf/{v}.pdf",
    "https://arxiv.org/html/{v}/",
    "arxiv.org/format/{v}",
    "https://www.alphaxiv.org/abs/{v}",
    "https://www.alphaxiv.org/overview/{v}.md",
    "https://www.alphaxiv.org/zh/abs/{v}",
    "alphaxiv.org/ja/pdf/{v}",
    "https://fetcher.alphaxiv.org/v2/pdf/{v}.pdf",
    "https://huggingface.co/papers/{v}",
    "hf.co/papers/{v}#community",
]
DOI_FORMS = [
    "10.48550/arXiv.{b}",
    "doi:10.48550/arXiv.{b}",
    "DOI: 10.48550/ARXIV.{b}",
    "https://doi.org/10.48550/arXiv.{b}",
    "http://dx.doi.org/10.48550/arXiv.{b}",
    "doi.org/10.48550/arXiv.{b}",
]


@FAST
@given(arxiv_ids, st.sampled_from(WRITTEN_FORMS))
def test_an_id_written_any_way_reads_back(arxiv_id: ArxivId, form: str) -> None:
    assert find_arxiv_id(form.format(v=arxiv_id.versioned)) == arxiv_id


@FAST
@given(arxiv_ids, st.sampled_from(DOI_FORMS))
def test_an_arxiv_doi_reads_back_as_its_paper(arxiv_id: ArxivId, form: str) -> None:
    assert find_arxiv_id(form.format(b=arxiv_id.base)) == ArxivId(arxiv_id.base)


@FAST
@given(old_style, st.sampled_from(["GT", "CO", "AI", "LG", "stat-mech", "mtrl-sci"]))
def test_an_old_style_id_with_a_subject_class_is_the_paper_without_it(
    arxiv_id: ArxivId, subject: str
) -> None:
    written = with_subject(arxiv_id, subject)
    assert find_arxiv_id(written) == arxiv_id
    assert find_arxiv_id(f"https://arxiv.org/abs/{written}") == arxiv_id


@FAST
@given(arxiv_ids)
def test_canonical_url_reads_back(arxiv_id: ArxivId) -> None:
    assert find_arxiv_id(canonical_abs_url(arxiv_id)) == ArxivId(arxiv_id.base)


def new_style_is_valid(yymm: str, number: str) -> bool:
    """arXiv's rule, written from its documentation independently of the parser."""
    year, month = 2000 + int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12 or (year, month) < (2007, 4):
        return False
    width = 4 if (year, month) <= (2014, 12) else 5
    return len(number) == width and int(number) > 0


# Year-months and numbers at the scheme's edges, mixed with any others.
EDGE_YYMM = [
    "0000", "0612", "0700", "0703", "0704", "0705", "1412", "1413", "1500", "1501", "1512", "2513", "9012",
    "9107", "9108", "9109", "9912",
]  # fmt: skip
EDGE_NUMBERS = ["000", "001", "999", "0000", "0001", "00000", "00001", "9999", "99999", "000000"]
yymms = st.sampled_from(EDGE_YYMM) | st.builds("{:02d}{:02d}".format, st.integers(0, 99), st.integers(0, 13))
numbers = st.sampled_from(EDGE_NUMBERS) | st.from_regex(r"[0-9]{3,6}", fullmatch=True)


@FAST
@given(yymms, numbers)
def test_new_style_ids_are_accepted_exactly_when_arxiv_could_have_issued_them(yymm: str, number: str) -> None:
    check_against_the_scheme(f"{yymm}.{number}", new_style_is_valid(yymm, number))


def check_against_the_scheme(text: str, valid: bool) -> None:
    if valid:
        assert find_arxiv_id(text) == ArxivId(text)
    else:
        try:
            find_arxiv_id(text)
        except InvalidArxivId as error:
            assert str(error).startswith(f"'{text}': ")
        else:
            raise AssertionError(f"{text} was accepted")


@FAST
@given(
    st.sampled_from(sorted(OLD_STYLE_ARCHIVES)),
    yymms,
    st.sampled_from(["000", "001", "999"]) | st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_old_style_ids_are_accepted_exactly_when_arxiv_could_have_issued_them(
    archive: str, yymm: str, number: str
) -> None:
    check_against_the_scheme(f"{archive}/{yymm}{number}", old_style_is_valid(yymm, number))


def old_style_is_valid(yymm: str, number: str) -> bool:
    yy, month = int(yymm[:2]), int(yymm[2:])
    year = 1900 + yy if yy >= 91 else 2000 + yy
    return (
        len(number) == 3 and 1 <= month <= 12 and (1991, 8) <= (year, month) <= (2007, 3) and int(number) > 0
    )


def test_every_edge_of_the_scheme_against_its_rule() -> None:
    """The edges, exhaustively (random draws may miss one year-month)."""
    for yymm in EDGE_YYMM:
        for number in EDGE_NUMBERS:
            check_against_the_scheme(f"{yymm}.{number}", new_style_is_valid(yymm, number))
            check_against_the_scheme(f"hep-th/{yymm}{number}", old_style_is_valid(yymm, number))


FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}


@FAST
@given(arxiv_ids, st.data())
def test_a_non_ascii_digit_anywhere_is_refused(arxiv_id: ArxivId, data: st.DataObject) -> None:
    text = arxiv_id.versioned
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    where = data.draw(st.sampled_from(positions))
    bad = text[:where] + FULL_WIDTH[text[where]] + text[where + 1 :]
    try:
        find_arxiv_id(bad)
    except InvalidArxivId as error:
        assert "is not an ASCII digit" in str(error)
    else:
        raise AssertionError(f"{bad!r} was accepted")


# -- venues ------------------------------------------------------------------------------------------

TABLE = venue_table()
TRACK_LABELS = {label for label, _ in TABLE.tracks}
LABEL = re.compile(r"^(?P<name>[^']+)'(?P<yy>[0-9]{2})(?: (?P<suffix>.+))?$")


def check_label(label: str | None) -> None:
    if label is None:
        return
    match = LABEL.match(label)
    assert match, label
    assert match["name"] in VENUE_NAMES and (match["suffix"] is None or match["suffix"] in TRACK_LABELS), (
        label
    )


VENUE_WORDS = sorted({n for v in TABLE.venues for n in v.names} | {w for _, ws in TABLE.tracks for w in ws})
prose = st.lists(
    st.sampled_from(
        [
            *VENUE_WORDS,
            "2024",
            "'25",
            "-24",
            "accepted at",
            "submitted to",
            "under review",
            "an earlier version",
            "presented at",
            "published in",
            "@",
            "(",
            ")",
            ";",
            ".",
            ",",
            "the",
            "38th",
            "Thirty-Eighth",
            "ES-FoMo",
            "https://github.com/x/acl2024",
            "preprint",
            "10 pages",
        ]
    ),
    max_size=25,
).map(" ".join)


@SLOW
@given(st.text(max_size=300) | prose, st.none() | st.integers(1990, 2030))
def test_any_comment_gives_a_label_of_the_table_or_none(text: str, year: int | None) -> None:
    check_label(detect_venue(text, year))
    check_label(detect_venue(text, year, trusted=True))


@SLOW
@given(
    st.none() | st.text(max_size=120) | prose,
    st.none() | st.text(max_size=120) | prose,
    st.none() | st.dates(dt.date(1991, 1, 1), dt.date(2099, 12, 31)),
    st.none() | st.dates(dt.date(1991, 1, 1), dt.date(2099, 12, 31)),
)
def test_venue_label_is_always_a_label(
    comment: str | None, journal_ref: str | None, published: dt.date | None, updated: dt.date | None
) -> None:
    label = venue_label(comment, journal_ref, published, updated)
    if published is None and label == "":
        return
    if label.startswith("arXiv'"):
        assert published is not None and label == f"arXiv'{published.year % 100:02d}"
    else:
        check_label(label)


venues_and_names = st.sampled_from([(v, n) for v in TABLE.venues for n in v.names])


@SLOW
@given(
    venues_and_names,
    st.integers(1991, 2035),
    st.sampled_from(["Accepted at {n} {y}", "{n} {y}", "To appear in {n}, {y}"]),
)
def test_every_name_in_the_table_reads_back_as_its_label(venue_name, year: int, form: str) -> None:
    venue, name = venue_name
    text = form.format(n=name, y=year)
    assert detect_venue(text, 2000) == f"{venue.label}'{year % 100:02d}", text


@SLOW
@given(venues_and_names, st.integers(1991, 2035), st.sampled_from(sorted(TRACK_LABELS - {"Workshop"})))
def test_a_track_after_the_venue_is_kept(venue_name, year: int, track: str) -> None:
    venue, name = venue_name
    words = dict(TABLE.tracks)[track][0]
    assert detect_venue(f"{name} {year} {words}", None) == f"{venue.label}'{year % 100:02d} {track}"


@SLOW
@given(
    venues_and_names,
    st.integers(1991, 2035),
    st.sampled_from(["Submitted to {n} {y}", "Under review at {n} {y}", "{n} {y} submission"]),
)
def test_a_submission_is_never_a_venue(venue_name, year: int, form: str) -> None:
    _, name = venue_name
    assert detect_venue(form.format(n=name, y=year), 2025) is None


# -- title lines -------------------------------------------------------------------------------------

ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
titles = st.text(ONE_LINE, min_size=1, max_size=80).map(str.strip).filter(bool)
# Names hold no comma, do not end in "+" and never look like a venue's year ("'25").
names = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=","),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda n: n and not n.endswith("+") and not re.search(r"'[0-9]{2}", n))
)
labels = st.builds(
    lambda name, yy, suffix: f"{name}'{yy:02d}" + (f" {suffix}" if suffix else ""),
    st.sampled_from(sorted(VENUE_NAMES | {"arXiv"})),
    st.integers(0, 99),
    st.none() | st.sampled_from(sorted(TRACK_LABELS)),
)


@FAST
@given(titles, st.lists(names, min_size=1, max_size=4), labels, st.none() | st.dates(dt.date(1000, 1, 1)))
def test_a_title_line_reads_back(
    title: str, authors: list[str], venue: str, published: dt.date | None
) -> None:
    line = format_title_line(title, authors, venue, published)
    assert "\n" not in line
    assert parse_title_line(line) == TitleLine(
        title=title,
        first_author=authors[0],
        more_authors=len(authors) > 1,
        venue=venue,
        year=published.year if published else None,
        month=published.month if published else None,
    )


@FAST
@given(
    st.text(max_size=200)
    | st.builds(
        "[Paper Note] {}, {}+, {}'{}, {}.{}".format,
        titles,
        names,
        st.text(max_size=5),
        st.text(max_size=3),
        st.text(max_size=5),
        st.text(max_size=3),
    )
)
def test_any_line_parses_to_a_title_line_with_a_real_date_or_none(line: str) -> None:
    parsed = parse_title_line(line)
    if parsed is None:
        return
    assert re.search(r"'[0-9]{2}", parsed.venue)
    if parsed.month is not None:
        assert parsed.year is not None and 1 <= parsed.month <= 12 and dt.date(parsed.year, parsed.month, 1)
