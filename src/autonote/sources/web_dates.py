"""Where a web page's date may be read from, for htmldate (trafilatura's date library) to read it.

- The page without its sidebars and lists of other articles (a block holding the headline or the
  article stays) (``<aside>``, "related", "recent",
  "ranking" blocks): their ``<time>`` elements date other pages.
- The dateline that stands next to the headline ("2019年4月3日 15時20分" under the ``<h1>`` of a
  Japanese news page, "By Ada Writer · July 24, 2023"): the elements right before and after the
  headline, and nothing further into the text, so a date the article merely mentions is never the
  page's.

Pure functions over lxml trees; nothing here raises on a malformed page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from autonote.textnorm import normalize_ws

# class or id words of blocks that list other pages
_ASIDE_WORDS = re.compile(
    r"(?:^|[\s_-])(?:sidebar|side-bar|widget|widgets|related|recommend\w*|popular|ranking|recent[\w-]*|"
    r"more-stories|read-next|archive|trending)(?:$|[\s_-])",
    re.I,
)
MAX_DATELINE_CHARS = 80  # a dateline is short; a paragraph that mentions a date is not one
_HEADINGS = ("h1", "h2")


def without_asides(tree: Any) -> Any:
    """A copy of the page without sidebars and blocks that list other pages."""
    from copy import deepcopy

    pruned = deepcopy(tree)
    doomed = [
        element
        for element in pruned.iter("aside", "div", "section", "ul", "nav")
        if (
            element.tag == "aside"
            or _ASIDE_WORDS.search(f"{element.get('class') or ''} {element.get('id') or ''}")
        )
        and not _holds_the_article(element)
    ]
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return pruned


def _holds_the_article(element: Any) -> bool:
    """Whether a block holds the page's headline or article (a theme's class such as
    "category-recent-news" on the article's wrapper does not make it a sidebar)."""
    return bool(element.xpath(".//h1 | .//article | self::article"))


def _headline(tree: Any, title: str) -> Any | None:
    """The heading element whose text is the page's title."""
    wanted = normalize_ws(title)
    if not wanted:
        return None
    for element in tree.iter(*_HEADINGS):
        if normalize_ws(element.text_content()) == wanted:
            return element
    return None


def _neighbours(headline: Any) -> list[Any]:
    """The elements right next to the headline, and its wrapper's when the headline stands in a
    small one (``<div class="header"><h1>…</h1></div><p>date</p>``)."""
    found: list[Any] = []
    node = headline
    for _ in range(2):
        for sibling in (node.getnext(), node.getprevious()):
            if sibling is not None and isinstance(sibling.tag, str) and sibling not in found:
                found.append(sibling)
        parent = node.getparent()
        if parent is None or len(parent) > 3:
            break
        node = parent
    return found


def dateline(tree: Any, title: str) -> dt.date | None:
    """The date of the dateline next to the headline, read by htmldate; None when there is none."""
    headline = _headline(tree, title)
    if headline is None:
        return None
    for element in _neighbours(headline):
        text = normalize_ws(element.text_content())
        if not text or len(text) > MAX_DATELINE_CHARS or element.tag in _HEADINGS:
            continue
        found = _cjk_date(text) or _htmldate(text)
        if found is not None:
            return found
    return None


_CJK_DATE = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日"
)


def _cjk_date(text: str) -> dt.date | None:
    """ "2019年4月3日" (htmldate reads only its year)."""
    match = _CJK_DATE.search(text)
    if match is None:
        return None
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _htmldate(text: str) -> dt.date | None:
    """The date htmldate reads in a short text; a date whose day the text does not write (htmldate
    makes the 1st of January of a lone year) is not one."""
    from htmldate import find_date
    from lxml import html as lxml_html

    snippet = lxml_html.fromstring(f"<html><body><p>{_escape(text)}</p></body></html>")
    found = find_date(snippet, extensive_search=True, original_date=True)
    try:
        date = dt.date.fromisoformat(found[:10]) if found else None
    except ValueError:
        return None
    if date is None or not re.search(rf"(?<![0-9])0?{date.day}(?![0-9])", text):
        return None
    return date


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
