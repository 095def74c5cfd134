"""The corpus's title-line convention.

A paper: ``[Paper Note] <Title>, <FirstAuthor>+, <Venue>'<yy>, <yyyy>.<mm>`` — no ``+`` for a
single author, ``<yyyy>.<mm>`` is the first version's date (left out when unknown), the venue label
already carries its two-digit year (``COLM'25``, ``ACL'23 Findings``).

Anything else the corpus notes (a blog post, a repository, a model release) has no prefix and no
venue: ``<Title>, <Author or Org>, <yyyy>.<mm>`` (``Llama 3.2: …, Meta, 2024.09``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PREFIX = "[Paper Note] "
TEMPLATES: dict[str, str] = {  # each kind's title line, as messages show it
    "paper": PREFIX + "<Title>, <FirstAuthor>+, <Venue>'<yy>, <yyyy>.<mm>",
    "blog": "<Title>, <Author or Org>, <yyyy>.<mm>",
    "oss": "<Title>, <Author or Org>, <yyyy>.<mm>",
}
_SHOWN_PAPER_LINE = re.compile(r"^" + re.escape(PREFIX) + r".*$", re.M)

# ASCII digits only ("\d" would take "２０２５"), a real month, a year a date can hold.
_TITLE_LINE = re.compile(
    r"^(?:\[Paper Note\]\s*)?(?P<title>.+?), (?P<author>[^,]+?)(?P<plus>\+)?, "
    r"(?P<venue>[^,]*?'[0-9]{2}(?: [^,]+)?)(?:, (?P<date>[1-9][0-9]{3})\.(?P<month>0[1-9]|1[0-2]))?\s*$"
)
_LINE_BREAK = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


_OTHER_LINE = re.compile(
    r"^(?P<title>.+), (?P<author>[^,]+?), (?P<date>[1-9][0-9]{3})\.(?P<month>0[1-9]|1[0-2])\s*$"
)


@dataclass(frozen=True)
class TitleLine:
    title: str
    first_author: str
    more_authors: bool
    venue: str
    year: int | None
    month: int | None


def format_title_line(
    title: str, authors: list[str], venue: str, published: dt.date | None, kind: str = "paper"
) -> str:
    """The title line of a note of this kind; always one line (a line break in a field becomes a
    space)."""
    if kind != "paper":
        parts = [title, *authors[:1]]
    else:
        parts = [PREFIX + title]
        if authors:
            parts.append(authors[0] + ("+" if len(authors) > 1 else ""))
        if venue:
            parts.append(venue)
    if published is not None:
        parts.append(f"{published.year:04d}.{published.month:02d}")
    return _LINE_BREAK.sub(" ", ", ".join(parts))


_TRAILING_DATE = re.compile(r", (?P<year>[0-9]{4})\.(?P<month>[0-9]{2})\s*$")


def date_problem(line: str) -> str | None:
    """Why the ``, yyyy.mm`` a title line ends with is not a date (None when it is, or has none)."""
    found = _TRAILING_DATE.search(line)
    if found is None or 1 <= int(found["month"]) <= 12:
        return None
    return f"the title line's date {found['year']}.{found['month']} is not a month"


def parse_title_line(line: str) -> TitleLine | None:
    """Split a title line into its parts; None when it does not follow the convention (one line;
    a venue with its two-digit year; a date, when there is one, with a real month)."""
    match = _TITLE_LINE.match(line.strip())
    if match is None:
        return None
    return TitleLine(
        title=match["title"].strip(),
        first_author=match["author"].strip(),
        more_authors=bool(match["plus"]),
        venue=match["venue"].strip(),
        year=int(match["date"]) if match["date"] else None,
        month=int(match["month"]) if match["month"] else None,
    )


def is_paper_line(line: str) -> bool:
    """Whether a title line is a paper's (it starts with the ``[Paper Note]`` prefix)."""
    return line.startswith(PREFIX.strip())


def without_prefix(line: str) -> str:
    """The line without the paper prefix: an issue title read as a note's title."""
    return line.removeprefix(PREFIX.strip()).strip()


def find_paper_line(text: str) -> re.Match[str] | None:
    """The first line of ``text`` that is a paper's title line (a note body shows one)."""
    return _SHOWN_PAPER_LINE.search(text)


def parse_other_title_line(line: str) -> TitleLine | None:
    """``<Title>, <Author or Org>, <yyyy>.<mm>`` (a note that is not a paper); None otherwise."""
    if is_paper_line(line):
        return None
    match = _OTHER_LINE.match(line.strip())
    if match is None:
        return None
    return TitleLine(
        title=match["title"].strip(), first_author=match["author"].strip(), more_authors=False, venue="",
        year=int(match["date"]), month=int(match["month"]),
    )  # fmt: skip
