"""What a web page says about itself: title, description, lead text, authors, publisher, date.

Pure (no I/O). The page is read by trafilatura (OpenGraph, ``<meta>``, JSON-LD, the ``<title>``,
the main text with navigation and boilerplate removed). Read from the page here: the JSON-LD's
publishing organisation (``publisher``, or an ``author`` that is an ``Organization``), the people it
names as authors, its headline and ``datePublished``; ``og:site_name``; the headings; and whether
the page is a writing platform's under a custom domain. The names are cleaned by
:mod:`autonote.sources.web_names` (a title without the site's or writer's name after it, authors
that are people, a site name without its tagline).

The date: the article's JSON-LD ``datePublished``; else htmldate (trafilatura's date library) on
the page's metadata and markup without its sidebars, never guessing from the text; else the
dateline right next to the headline (:mod:`autonote.sources.web_dates`).

Any bytes give a :class:`PageMetadata` (fields empty when the page has nothing to say); nothing
here raises on a malformed page.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from autonote.bounded import load_json
from autonote.sources.web_dates import dateline, without_asides
from autonote.sources.web_names import (
    Headings,
    choose_title,
    clean_authors,
    clean_title,
    host_labels,
    is_domain,
    publication,
    site_from_title,
    without_tagline,
)
from autonote.textnorm import normalize_ws

LEAD_CHARS = 1200  # lead text kept after the description, at paragraph boundaries
MAX_JSON_LD_CHARS = 200_000
MIN_BARE_PARAGRAPH = 20  # characters of a paragraph that ends no sentence, to be kept as lead text
_SENTENCE_END = re.compile(r"[.!?。！？」』)）]\s*$")
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " · ", " : ", "｜", " ｜ ")
# How writing platforms show themselves on a custom domain.
PLATFORM_NAMES = frozenset({"medium", "substack", "qiita", "zenn", "note", "はてなブログ", "hatena blog", "ameba", "tumblr", "blogger", "wordpress.com"})  # fmt: skip
PLATFORM_APPS = frozenset({"com.medium.reader", "com.substack.app"})
PLATFORM_GENERATORS = ("substack", "hatena", "blogger", "wordpress.com", "ghost.io")
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
    publication: str = ""  # who published it: the publisher, or the site when the publisher is its parent
    platform: bool = False  # the page says it is on a writing platform (Medium under its own domain)


# -- JSON-LD ------------------------------------------------------------------------------------


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _json_ld_items(scripts: list[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for script in scripts:
        try:
            data = load_json(script[:MAX_JSON_LD_CHARS], strict=False)
        except ValueError:
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


@dataclass(frozen=True)
class JsonLd:
    """What the page's JSON-LD says about the article."""

    organisation: str = ""  # the publisher, or an Organization as author
    people: list[str] = field(default_factory=list)  # persons (or plain names) as authors
    headline: str = ""
    published: dt.date | None = None  # the article's datePublished


def _article_people(item: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> tuple[str, list[str]]:
    organisation, people = "", []
    authors = item.get("author")
    for author in (authors if isinstance(authors, list) else [authors])[:50]:
        name, kinds = _name(author, by_id)
        if not name:
            continue
        if "organization" in kinds:
            organisation = organisation or name
        elif name not in people:
            people.append(name)
    return organisation, people


def read_json_ld(scripts: list[str]) -> JsonLd:
    """The publishing organisation, the people named as authors, the headline and the date of
    publication, from the page's JSON-LD scripts."""
    items = _json_ld_items(scripts)
    by_id = {item["@id"]: item for item in items if isinstance(item.get("@id"), str)}
    articles = [item for item in items if _types(item) & _ARTICLE_TYPES] or items
    organisation, people, headline, published = "", [], "", None
    for item in articles:
        found, named = _article_people(item, by_id)
        organisation = organisation or found
        people += [name for name in named if name not in people]
        publisher, kinds = _name(item.get("publisher"), by_id)
        if publisher and "person" not in kinds and not organisation:
            organisation = publisher
        if not headline and isinstance(item.get("headline"), str):
            headline = normalize_ws(item["headline"])
        published = published or _date(item.get("datePublished"))
    return JsonLd(organisation, people, headline, published)


# -- the page -----------------------------------------------------------------------------------


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
    if not kept:  # no sentence ends ("…を公開"): the first paragraphs that are long enough
        kept = [p for p in map(normalize_ws, paragraphs) if len(p) >= MIN_BARE_PARAGRAPH and p not in skip][
            :3
        ]
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


def _meta(tree: Any, attribute: str, value: str) -> str:
    found = tree.xpath(f'//meta[@{attribute}="{value}"]/@content')
    return normalize_ws(str(found[0])) if found else ""


def _title_element(tree: Any) -> str:
    found = tree.xpath("//head/title")
    return normalize_ws(found[0].text_content()) if found else ""


def _headings(tree: Any, json_ld: JsonLd) -> Headings:
    """The headings a page shows: its JSON-LD headline and ``<h1>``s first, then ``<h2>``/``<h3>``."""

    def texts(path: str) -> list[str]:
        return [t for t in (normalize_ws(h.text_content()) for h in tree.xpath(path)[:40]) if t]

    return Headings(primary=[h for h in [json_ld.headline, *texts("//h1")] if h], others=texts("//h2|//h3"))


def _on_platform(tree: Any, site_name: str) -> bool:
    """A writing platform's page under a custom domain: the platform names itself as the site, or
    its app link, generator or admin domain is in the page."""
    if site_name.lower() in PLATFORM_NAMES:
        return True
    if _meta(tree, "property", "al:android:package") in PLATFORM_APPS:
        return True
    generator = _meta(tree, "name", "generator").lower()
    if any(name in generator for name in PLATFORM_GENERATORS):
        return True
    return any("hatena" in str(v) for v in tree.xpath("/html/@data-admin-domain"))


def _hosts(document: Any, url: str, canonical: str) -> set[str]:
    hosts = {document.hostname or ""}
    for address in (url, canonical):
        try:
            parts = urlsplit(address)
            hosts |= {parts.hostname or "", parts.netloc}
        except ValueError:
            continue
    return {h for h in hosts if h}


def _extract(tree: Any, url: str) -> Any:
    """trafilatura's document (main text and metadata); its metadata alone when the page has too
    little text. Its date is not used: see :func:`_page_date`."""
    from trafilatura import bare_extraction, extract_metadata

    dates = {"extensive_search": False, "original_date": True}
    document = bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, date_extraction_params=dates,
    )  # fmt: skip
    if document is None:  # too little text to extract: the metadata alone
        document = extract_metadata(tree, default_url=url, date_config=dates, extensive=False)
    return document


def _page_date(tree: Any, url: str, json_ld: JsonLd, title: str) -> dt.date | None:
    """The article's JSON-LD datePublished; else htmldate's reading of the page's metadata and
    markup without its sidebars (whose ``<time>`` elements date other pages), never guessing from
    the text; else the dateline next to the headline."""
    from htmldate import find_date

    if json_ld.published is not None:
        return json_ld.published
    try:
        found = find_date(without_asides(tree), url=url or None, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        found = None
    return _date(found) or dateline(tree, title)


@dataclass(frozen=True)
class _Names:
    title: str
    site_name: str
    publication: str
    authors: list[str]


def _names(tree: Any, document: Any, json_ld: JsonLd, hosts: set[str]) -> _Names:
    """Title, site, publication and authors, each cleaned (:mod:`autonote.sources.web_names`)."""
    labels = host_labels(hosts)
    title_element = _title_element(tree)
    site = _meta(tree, "property", "og:site_name") or normalize_ws(document.sitename or "")
    site = "" if is_domain(site, hosts) else without_tagline(site, labels)
    site = site or site_from_title(title_element, labels)
    organisation = json_ld.organisation
    people = [*_split_authors(document.author), *json_ld.people]
    authors = clean_authors(people, [site, organisation])
    headings = _headings(tree, json_ld)
    names = [site, organisation, *authors, *labels, *hosts]
    declared = [_meta(tree, "property", "og:title"), _meta(tree, "name", "twitter:title")]
    alternatives = [json_ld.headline, title_element]
    found = choose_title(normalize_ws(document.title or ""), declared, alternatives, headings, names)
    title = clean_title(found, headings, names)
    return _Names(title, site, publication(organisation, site, labels), authors)


def read_page(body: bytes, url: str, charset: str | None = None) -> PageMetadata:
    """Everything the page says about itself; empty fields when it says nothing."""
    from trafilatura.utils import load_html

    tree = load_html(_decoded(body, charset))
    if tree is None:
        return PageMetadata()
    scripts = [s.text_content() for s in tree.xpath('//script[@type="application/ld+json"]')]
    json_ld = read_json_ld(scripts)
    document = _extract(tree, url)
    canonical = (
        document.url
        if isinstance(document.url, str) and document.url.startswith(("http://", "https://"))
        else ""
    )
    names = _names(tree, document, json_ld, _hosts(document, url, canonical))
    description = normalize_ws(document.description or "")
    published = _page_date(tree, url, json_ld, names.title)
    return PageMetadata(
        title=names.title,
        description=description,
        lead=_lead(_paragraphs(document), {names.title, description}),
        authors=names.authors,
        organisation=json_ld.organisation,
        site_name=names.site_name,
        published=published,
        canonical_url=canonical,
        publication=names.publication,
        platform=_on_platform(tree, names.site_name),
    )
