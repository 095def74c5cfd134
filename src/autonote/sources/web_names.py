"""The names a web page gives itself, cleaned: its title without the site's or writer's suffix, its
site's name without a tagline, the people it names as authors without URLs, placeholders or a date
run into the name, and which of publisher and site is the publication.

Pure functions over strings; :mod:`autonote.sources.web_page` reads the page and calls these.
Names are compared loosely (:func:`same_name`): case, spaces, punctuation and a domain ending are
ignored, and a name that starts with the other counts ("Cogsworth" and "Cogsworth Community",
"Gearworks" and "Gearworks.com", "GADGETLAB JAPAN" and the host ``gadgetlab.jp``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autonote.textnorm import normalize_ws

# Between a title and what follows it: the site, the section, the writer.
_SEPARATOR = re.compile(r"\s+[-|–—·:@/]\s+|\s*[｜|]\s*|\s+::\s+|\s+-{2}\s+")
_DECORATION = re.compile(r"\s*::\s*$")  # "Title @ blog :: 痞客邦 ::"
_TAGLINE_SEPARATOR = re.compile(r"\s+[-|–—·:]\s+|\s*[｜|]\s*|:\s+")
_DOMAIN_ENDING = re.compile(r"\.(?:com|net|org|io|co|jp|dev|ai|blog|info|me|example)(?:\.[a-z]{2})?$", re.I)
MIN_PREFIX = 4  # a name that only starts another counts from this many letters

# Words pages put where a name belongs.
PLACEHOLDERS = frozenset(
    {
        "author", "authors", "editor", "editors", "admin", "administrator", "staff", "guest", "user",
        "anonymous", "unknown", "webmaster", "posted by", "written by", "by", "contributor",
        "contributors", "作者", "著者", "筆者", "投稿者", "管理人", "管理者", "編集者", "匿名", "ゲスト",
    }
)  # fmt: skip
_URLISH = re.compile(r"^(?:https?://|www\.)|^[\w.-]+\.(?:com|net|org|io|jp)(?:/|$)", re.I)
# A date run into a byline: "Nathan Willis March 3, 2015", "Ada Writer | 2024-05-01". A month name
# alone is cut only when it is not also a given name (May, June, April, August).
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_GLUED_DATE = re.compile(
    rf"(?:\s*[|·•,–—-]\s*|\s+(?:on\s+)?)(?:{_MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,?\s+[0-9]{{4}})?"
    rf"|[0-9]{{1,2}}\s+{_MONTH}(?:\s+[0-9]{{4}})?|{_MONTH}\s+[0-9]{{4}}"
    r"|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{4}年[0-9]{1,2}月(?:[0-9]{1,2}日)?"
    r"|(?:January|February|March|July|September|October|November|December))\s*$",
    re.I,
)
_BY = re.compile(r"^(?:by|written by|posted by|text by|文[:：]?)\s+", re.I)


def _key(name: str) -> str:
    """A name for comparison: lower case, letters and digits only, no domain ending."""
    return "".join(ch for ch in _DOMAIN_ENDING.sub("", name.strip()).lower() if ch.isalnum())


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same site or person (see the module's docstring)."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    short, long_ = sorted((ka, kb), key=len)
    return ka == kb or (len(short) >= MIN_PREFIX and long_.startswith(short))


def host_labels(hosts: set[str]) -> list[str]:
    """The names in a host: ``engineering.lumenpay.example`` → ["engineering", "lumenpay"]."""
    labels: list[str] = []
    for host in hosts:
        parts = [p for p in host.lower().split(".") if p and not p.isdigit()]
        for part in parts[:-1]:
            if (
                part not in {"www", "blog", "blogs", "co", "com", "ne", "or", "ac", "m"}
                and part not in labels
            ):
                labels.append(part)
    return labels


def is_domain(name: str, hosts: set[str]) -> bool:
    """A "site name" that is only the host (trafilatura's fallback when a page names none)."""
    bare = name.lower().removeprefix("www.")
    return bare in {h.lower().removeprefix("www.") for h in hosts if h}


# -- titles ---------------------------------------------------------------------------------------


def _segments(title: str) -> list[tuple[str, int]]:
    """(the title up to a separator, where the rest starts), shortest first."""
    return [(title[: m.start()].strip(), m.end()) for m in _SEPARATOR.finditer(title) if m.start() > 0]


@dataclass(frozen=True)
class Headings:
    """The headings a page shows: ``primary`` (its JSON-LD headline, its ``<h1>``s) and ``others``
    (``<h2>``, ``<h3>``: a section's or a sidebar's as often as the article's)."""

    primary: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def headline_prefix(title: str, headings: Headings, names: list[str]) -> str:
    """The page's own headline when the title is that headline with something after a separator:
    "Post - Blog :: Platform", "Post | Writer". A primary heading is enough; another heading needs
    what follows it to be one of ``names``."""
    primary = {_key(h) for h in headings.primary if len(_key(h)) >= 2}
    others = {_key(h) for h in headings.others if len(_key(h)) >= 2}
    for head, rest_from in reversed(_segments(title)):
        key = _key(head)
        if key in primary:
            return head
        if key in others:
            following = _SEPARATOR.split(title[rest_from:], maxsplit=1)[0]
            if any(same_name(following, name) for name in names if name):
                return head
    return ""


def strip_names(title: str, names: list[str]) -> str:
    """ "Post title - Site" → "Post title" while the last part is one of ``names`` (the site, the
    publisher, a writer, the host), however it is spelled (:func:`same_name`)."""
    names = [n for n in names if n]
    while True:
        segments = _segments(title)
        if not segments:
            return title
        head, rest_from = segments[-1]
        rest = title[rest_from:].strip()
        if not head or not any(same_name(rest, name) for name in names):
            return title
        title = head


def clean_title(title: str, headings: Headings, names: list[str]) -> str:
    """The title without decorations, and without the site's or writer's name after it."""
    title = _DECORATION.sub("", title).strip()
    return headline_prefix(title, headings, names) or strip_names(title, names)


def choose_title(
    found: str, declared: list[str], alternatives: list[str], headings: Headings, names: list[str]
) -> str:
    """trafilatura's title, unless it is a lone ``<h1>`` that is not the article's (a promo banner,
    a greeting) while the page's ``<title>`` or JSON-LD headline starts with another heading. A
    title the page declares for sharing (``og:title``, ``twitter:title``) is kept."""
    found_key = _key(found)
    if found_key and any(found_key == _key(title) for title in declared):
        return found
    for alternative in filter(None, alternatives):
        if found_key and found_key in _key(alternative):
            return found  # the title the page gives elsewhere agrees
    every = Headings(others=[*headings.primary, *headings.others])
    for alternative in filter(None, alternatives):
        head = headline_prefix(_DECORATION.sub("", alternative).strip(), every, names)
        if head:
            return head
        if any(_key(alternative) == _key(h) for h in every.others):
            return alternative
    return found


# -- site names -----------------------------------------------------------------------------------


def without_tagline(site: str, labels: list[str]) -> str:
    """ "Postlight — Digital Strategy, Design, and Engineering" → "Postlight": the part before a
    separator when it is the host's name or what follows reads like a tagline."""
    parts = _TAGLINE_SEPARATOR.split(site, maxsplit=1)
    if len(parts) != 2 or not parts[0].strip():
        return site
    head, tail = parts[0].strip(), parts[1].strip()
    if any(same_name(head, label) for label in labels) or "," in tail or len(tail.split()) >= 3:
        return head
    return site


def site_from_title(title: str, labels: list[str]) -> str:
    """The site's name from the end of the ``<title>`` ("Post | GADGETLAB JAPAN") when it is the
    host's name (``gadgetlab.jp``); "" otherwise."""
    segments = _segments(_DECORATION.sub("", title).strip())
    if not segments:
        return ""
    rest = title[segments[-1][1] :].strip()
    if any(same_name(rest, label) for label in labels):
        return rest
    return ""


def publication(organisation: str, site: str, labels: list[str]) -> str:
    """Who published the page: the JSON-LD publisher, unless ``og:site_name`` names the site the
    page is on and the publisher does not (the parent company: "Condé Nast" for "WIRED.jp")."""
    if not organisation or not site or same_name(organisation, site) or _key(organisation) in _key(site):
        return organisation or site
    on_host = any(same_name(site, label) for label in labels)
    return site if on_host and not any(same_name(organisation, label) for label in labels) else organisation


# -- people -----------------------------------------------------------------------------------------


def clean_author(name: str, not_people: list[str]) -> str:
    """A person's name as a page gives it, or "" when it is not one: a URL, a placeholder word
    ("Author", "作者"), or an account named after the site ("Gizmodojapan", "LinkedInEditors")."""
    name = normalize_ws(_BY.sub("", normalize_ws(name)))
    name = normalize_ws(_GLUED_DATE.sub("", name))
    if not name or _URLISH.search(name) or name.lower().strip(".:") in PLACEHOLDERS:
        return ""
    if " " not in name and any(same_name(name, other) for other in not_people if other):
        return ""
    return name


def clean_authors(names: list[str], not_people: list[str]) -> list[str]:
    kept: list[str] = []
    for name in names:
        cleaned = clean_author(name, not_people)
        if cleaned and cleaned not in kept:
            kept.append(cleaned)
    return kept
