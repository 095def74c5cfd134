"""What a web page says about itself: title, description, lead text, authors, publisher, date.

Pure (no I/O). The page is read by trafilatura (OpenGraph, ``<meta>``, JSON-LD, the ``<title>``,
the main text with navigation and boilerplate removed; dates from the page's metadata by htmldate,
without guessing from the text). Two things trafilatura does not give are read from the page's
JSON-LD here: the publishing organisation (``publisher``, or an ``author`` that is an
``Organization``) and the people named as authors when it only names an organisation.

Any bytes give a :class:`PageMetadata` (fields empty when the page has nothing to say); nothing
here raises on a malformed page.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from autonote.textnorm import normalize_ws

LEAD_CHARS = 1200  # lead text kept after the description, at paragraph boundaries
MAX_JSON_LD_CHARS = 200_000
_SENTENCE_END = re.compile(r"[.!?。！？」』)）]\s*$")
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " · ", " : ", "｜", " ｜ ")
_ARTICLE_TYPES = {
    "article",
    "blogposting",
    "newsarticle",
    "techarticle",
    "scholarlyarticle",
    "report",
    "posting",
}


@dataclass(frozen=True)
class PageMetadata:
    title: str = ""
    description: str = ""
    lead: str = ""  # the main text's first paragraphs
    authors: list[str] = field(default_factory=list)  # people (or whoever the page names) as authors
    organisation: str = ""  # who published it, from JSON-LD
    site_name: str = ""  # og:site_name or its like ("" when the page names none)
    published: dt.date | None = None
    canonical_url: str = ""  # where the page says it lives (og:url, rel=canonical), when it says


# -- JSON-LD ------------------------------------------------------------------------------------


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _json_ld_items(scripts: list[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for script in scripts:
        try:
            data = json.loads(script[:MAX_JSON_LD_CHARS], strict=False)
        except (ValueError, RecursionError):
            continue
        stack = data if isinstance(data, list) else [data]
        for entry in stack[:200]:
            if not isinstance(entry, dict):
                continue
            graph = entry.get("@graph")
            if isinstance(graph, list):
                items.extend(g for g in graph[:200] if isinstance(g, dict))
            else:
                items.append(entry)
    return items


def _name(value: Any, by_id: dict[str, dict[str, Any]]) -> tuple[str, set[str]]:
    """(name, types) of a JSON-LD reference: an object, an ``{"@id"}`` pointing into the graph, or a string."""
    if isinstance(value, str):
        return normalize_ws(value), set()
    if not isinstance(value, dict):
        return "", set()
    target = by_id.get(value["@id"], value) if isinstance(value.get("@id"), str) else value
    name = target.get("name") or value.get("name")
    return (normalize_ws(name) if isinstance(name, str) else ""), _types(target) | _types(value)


def read_json_ld(scripts: list[str]) -> tuple[str, list[str]]:
    """(publishing organisation, people named as authors) from the page's JSON-LD scripts."""
    items = _json_ld_items(scripts)
    by_id = {item["@id"]: item for item in items if isinstance(item.get("@id"), str)}
    articles = [item for item in items if _types(item) & _ARTICLE_TYPES] or items
    organisation, people = "", []
    for item in articles:
        authors = item.get("author")
        for author in (authors if isinstance(authors, list) else [authors])[:50]:
            name, kinds = _name(author, by_id)
            if not name:
                continue
            if "organization" in kinds:
                organisation = organisation or name
            elif name not in people:
                people.append(name)
        publisher, kinds = _name(item.get("publisher"), by_id)
        if publisher and "person" not in kinds and not organisation:
            organisation = publisher
    return organisation, people


# -- the page -----------------------------------------------------------------------------------


def _strip_site(title: str, names: list[str]) -> str:
    """ "Post title - Site" → "Post title" when "Site" is the site's or publisher's name."""
    for name in filter(None, names):
        for separator in _TITLE_SEPARATORS:
            if title.endswith(separator + name) and len(title) > len(separator + name):
                return title[: -len(separator + name)].strip()
    return title


def _paragraphs(document: Any) -> list[str]:
    """The main text's paragraphs (trafilatura's ``<p>`` elements; its text lines otherwise)."""
    body = getattr(document, "body", None)
    if body is not None:
        found = ["".join(p.itertext()) for p in body.iter("p")]
        if found:
            return found
    return (document.text or "").splitlines()


def _lead(paragraphs: list[str], skip: set[str]) -> str:
    """The first paragraphs of the main text that are prose (end like a sentence), up to LEAD_CHARS."""
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs:
        paragraph = normalize_ws(paragraph)
        if not paragraph or paragraph in skip or not _SENTENCE_END.search(paragraph):
            continue
        if kept and size + len(paragraph) > LEAD_CHARS:
            break
        kept.append(paragraph)
        size += len(paragraph) + 1
    return " ".join(kept)[: LEAD_CHARS * 2]


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _split_authors(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return [normalize_ws(a) for a in re.split(r";|\s+and\s+", value) if normalize_ws(a)]


def _decoded(body: bytes, charset: str | None) -> bytes | str:
    """The page as text when the server named a charset Python knows, else the bytes (trafilatura
    then finds the encoding from the page itself)."""
    if charset:
        try:
            codecs.lookup(charset)
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body


def read_page(body: bytes, url: str, charset: str | None = None) -> PageMetadata:
    """Everything the page says about itself; empty fields when it says nothing."""
    from trafilatura import bare_extraction, extract_metadata
    from trafilatura.utils import load_html

    tree = load_html(_decoded(body, charset))
    if tree is None:
        return PageMetadata()
    scripts = [s.text_content() for s in tree.xpath('//script[@type="application/ld+json"]')]
    organisation, people = read_json_ld(scripts)
    dates = {"extensive_search": False, "original_date": True}
    document = bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, date_extraction_params=dates,
    )  # fmt: skip
    if document is None:  # too little text to extract: the metadata alone
        tree = load_html(_decoded(body, charset))
        if tree is None:
            return PageMetadata()
        document = extract_metadata(tree, default_url=url, date_config=dates, extensive=False)
    canonical = (
        document.url
        if isinstance(document.url, str) and document.url.startswith(("http://", "https://"))
        else ""
    )
    site_name = normalize_ws(document.sitename or "")
    hosts = {document.hostname or ""}
    for address in (url, canonical):
        try:
            parts = urlsplit(address)
            hosts |= {parts.hostname or "", parts.netloc}
        except ValueError:
            continue
    if site_name.lower().removeprefix("www.") in {h.lower().removeprefix("www.") for h in hosts if h}:
        site_name = ""  # trafilatura's fallback: the domain, not a name
    title = _strip_site(normalize_ws(document.title or ""), [site_name, organisation])
    description = normalize_ws(document.description or "")
    authors = _split_authors(document.author) or people
    return PageMetadata(
        title=title,
        description=description,
        lead=_lead(_paragraphs(document), {title, description}),
        authors=authors,
        organisation=organisation,
        site_name=site_name,
        published=_date(document.date),
        canonical_url=canonical,
    )
