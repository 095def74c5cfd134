"""``autonote list``: the corpus site's listing pages, as markdown, one HTML page, or JSON.

Two layouts, each the one of a page kind of the corpus site:

- ``tag`` (its per-tag pages): tags, ``Issue Date``, the title line linked to the note, ``Summary``,
  and ``Comment``: the whole comment as the tag pages show it (see :mod:`.comment_view`).
- ``in-depth`` (its In-Depth Notes page): ``Paper/Blog Link`` and ``My Issue`` links, tags, issue
  date, title line, ``GPT Summary-``, and the comment rendered in full.

Memory stays flat in the corpus size: notes are read one at a time, each becomes a small record
(:mod:`.records`) and is rendered at once into its entry fragment; only the fragment and what the
page needs to order and group entries are kept. A page is its template around a join of fragments,
so a note on eight tag pages costs one rendering, not eight, and a page is built in one copy.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autonote.errors import ConfigError, UsageError, WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.notes.format import LLM_SUMMARY_LABEL, OFFLINE_SUMMARY_LABEL
from autonote.prompting import environment, render_template
from autonote.publish.comment_view import (
    Line,
    Segment,
    comment_html,
    demote_headings,
    display_lines,
    lines_html,
    lines_markdown,
)
from autonote.publish.common import tag_slug
from autonote.publish.records import ListingRecord, RelatedRef

EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}
_ENTRY_TEMPLATES = {"tag": "listing-entry", "in-depth": "listing-entry-in-depth"}
COMMENT_HEADING_LEVEL = 3  # the page title is level 1, an entry's title line level 2
_BODY = "\x00autonote:body\x00"  # where the entries go in a rendered page


@dataclass(frozen=True)
class TagLink:
    tag: str
    href: str


@dataclass(frozen=True)
class EntryView:
    """One entry as its template sees it; made while rendering that entry and then dropped."""

    id: str
    anchor: str
    tags: list[TagLink]
    tags_line: str  # the tags as links, ready to place (markdown, or escaped HTML)
    issue_date: str
    title_line: str
    link: str | None
    url: str | None  # "Paper/Blog Link"
    issue_link: str | None  # "My Issue"
    summary_label: str
    summary: str
    comment: str  # ready to place: markdown, or HTML (already escaped)
    related: tuple[RelatedRef, ...]  # in-depth: related notes the comment does not link to already


@dataclass(frozen=True, slots=True)
class PageEntry:
    """What a page keeps of one note once its entry is rendered."""

    sort_key: tuple[int, int, str, str]
    id: str
    title_line: str
    issue_date: str
    tags: tuple[str, ...]
    fragment: str

    @property
    def anchor(self) -> str:
        return f"note-{self.id}"


def _related_lines(related: tuple[RelatedRef, ...]) -> tuple[Line, ...]:
    """``関連:`` and a ``・`` line per related note, by issue number when it has one, as the tag
    pages show the owner's own ``関連:`` lists."""
    lines: list[Line] = [(Segment("関連:"),)]
    for ref in related:
        text = str(ref.number) if ref.number is not None else ref.title_line
        lines.append((Segment("・"), Segment(text, ref.url)))
    return tuple(lines)


def _view(record: ListingRecord, fmt: str, layout: str, tag_href: Callable[[str], str]) -> EntryView:
    from markupsafe import Markup

    related = record.unmentioned_related()
    if layout == "tag":
        label = "Summary"
        lines = display_lines(record.comment, record.is_note_link)
        if related:
            lines = (*lines, *_related_lines(related))
        comment = Markup(lines_html(lines)) if fmt == "html" else lines_markdown(lines)
        related = ()
    else:
        label = f"{OFFLINE_SUMMARY_LABEL if record.offline_summary else LLM_SUMMARY_LABEL}-"
        if fmt == "html":
            comment = Markup(comment_html(record.comment, COMMENT_HEADING_LEVEL))  # escaped by markdown-it
        else:
            comment = demote_headings(record.comment, COMMENT_HEADING_LEVEL)
    tags = [TagLink(tag, tag_href(tag)) for tag in record.tags]
    return EntryView(
        id=record.id,
        anchor=f"note-{record.id}",
        tags=tags,
        tags_line=_tags_line(tags, fmt),
        issue_date=record.issue_date,
        title_line=record.title_line,
        link=record.link,
        url=record.url,
        issue_link=record.issue_link,
        summary_label=label,
        summary=record.summary,
        comment=comment,
        related=related,
    )


def _tags_line(tags: list[TagLink], fmt: str) -> str:
    """``#A #B`` with each tag linked to its page or section (rendered here rather than in the
    template: a loop over eight tags in the sandboxed template cost more than the rest of an entry)."""
    if fmt == "html":
        from markupsafe import Markup, escape

        return Markup("".join(f'<a href="{escape(t.href)}">#{escape(t.tag)}</a>' for t in tags))
    return " ".join(f"#{t.tag}" if t.href.startswith("#") else f"[#{t.tag}]({t.href})" for t in tags)


def _kind(fmt: str) -> str:
    return "html" if fmt == "html" else "md"


def _template(name: str) -> Callable[..., str]:
    """A template loaded once and rendered many times (one entry per note)."""
    from jinja2 import TemplateError

    try:
        template = environment().get_template(name)
    except TemplateError as exc:
        raise ConfigError(f"template {name}: {type(exc).__name__}: {exc}") from exc

    def render(**context: Any) -> str:
        try:
            return template.render(**context)
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {type(exc).__name__}: {exc}") from exc

    return render


def _json(record: ListingRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "title": record.title,
        "title_line": record.title_line,
        "link": record.link,
        "url": record.url,
        "issue_date": record.issue_date,
        "tags": list(record.tags),
        "summary": record.summary,
        "comment": record.comment,
        "related": [{"id": r.id, "title_line": r.title_line, "url": r.url} for r in record.related],
    }


def build_entries(
    records: Iterable[ListingRecord], fmt: str, layout: str, tag_href: Callable[[str], str]
) -> list[PageEntry]:
    """Render each record's entry once, keep the fragment, drop the record; the pages' order."""
    render = _template(f"render/{_ENTRY_TEMPLATES[layout]}.{_kind(fmt)}.j2") if fmt != "json" else None
    entries = []
    for record in records:
        if render is None:
            dumped = json.dumps(_json(record), ensure_ascii=False, indent=2)
            fragment = "  " + dumped.replace("\n", "\n  ")
        else:
            fragment = render(entry=_view(record, fmt, layout, tag_href))
        entries.append(
            PageEntry(record.sort_key, record.id, record.title_line, record.issue_date, record.tags, fragment)
        )
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries


def _page(fmt: str, entries: list[PageEntry], page: Callable[[Any], str]) -> str:
    """The page around its entries, joined once. ``page(body)`` renders the page's template."""
    if fmt == "json":
        return "[\n" + ",\n".join(entry.fragment for entry in entries) + "\n]\n"
    from markupsafe import Markup

    marked = page(Markup(_BODY) if fmt == "html" else _BODY)
    if marked.count(_BODY) == 1:
        head, tail = marked.split(_BODY)
        return "".join([head, *(entry.fragment for entry in entries), tail])
    body = "".join(entry.fragment for entry in entries)  # a user's template without exactly one body
    return page(Markup(body) if fmt == "html" else body)


def _by_tag(entries: list[PageEntry]) -> dict[str, list[PageEntry]]:
    by_tag: dict[str, list[PageEntry]] = {}
    for entry in entries:
        for tag in dict.fromkeys(entry.tags):
            by_tag.setdefault(tag, []).append(entry)
    return by_tag


def _in_page(tag: str) -> str:
    return f"#tag-{tag_slug(tag)}"


def render_listing(records: Iterable[ListingRecord], fmt: str, title: str, layout: str = "tag") -> str | None:
    """One page: the notes in the pages' order, then (HTML) a section per tag that the tag links
    jump to. None when no record was given."""
    entries = build_entries(records, fmt, layout, _in_page)
    if not entries:
        return None
    sections = [
        {"tag": tag, "anchor": f"tag-{tag_slug(tag)}", "entries": members}
        for tag, members in sorted(_by_tag(entries).items(), key=lambda item: (-len(item[1]), item[0]))
    ]

    def page(body: Any) -> str:
        return render_template(
            f"render/listing.{_kind(fmt)}.j2", title=title, body=body, sections=sections,
            generated=dt.date.today().isoformat(), index_href=None, layout=layout,
        )  # fmt: skip

    return _page(fmt, entries, page)


def render_tag_pages(
    records: Iterable[ListingRecord], fmt: str, folder: Path, layout: str = "tag",
    skipped: list[str] | None = None,
) -> list[Path]:  # fmt: skip
    """One page per tag (``<slug>.<ext>``, headed by its tag) and ``index.<ext>``; tag links go from
    page to page. Folders are made with the umask's modes, so a static web server can serve them.
    Nothing is written (and [] returned) when no record was given. A page that cannot be written
    is left out (and its reason added to ``skipped``); the others are written."""
    extension = EXTENSIONS[fmt]
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--all-tags writes a folder of pages, and {folder} is a file")

    def href(tag: str) -> str:
        return f"{tag_slug(tag)}.{extension}"

    entries = build_entries(records, fmt, layout, href)
    if not entries:
        return []
    try:
        folder.mkdir(parents=True, exist_ok=True)  # mode 0o777 & ~umask, parents too
    except OSError as exc:
        raise UsageError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    by_tag = _by_tag(entries)
    index_href = f"index.{extension}"
    page_template = _template(f"render/listing.{_kind(fmt)}.j2")
    generated = dt.date.today().isoformat()
    written = []
    failed: set[str] = set()
    for tag, members in sorted(by_tag.items()):

        def page(body: Any, tag: str = tag) -> str:
            return page_template(
                title=tag, body=body, sections=[], generated=generated, index_href=index_href, layout=layout
            )

        path = folder / href(tag)
        try:
            write_text_atomic(path, _page(fmt, members, page), overwrite=True)
        except WriteRefusedError as exc:
            if skipped is None:
                raise
            skipped.append(f"tag {tag!r}: {exc}")
            failed.add(tag)
            continue
        written.append(path)
    index = [{"tag": tag, "href": href(tag), "count": len(members)} for tag, members in
             sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0])) if tag not in failed]  # fmt: skip
    if fmt == "json":
        index_text = json.dumps(index, ensure_ascii=False, indent=2) + "\n"
    else:
        index_text = render_template(
            f"render/tag-index.{_kind(fmt)}.j2", tags=index, generated=generated, total=len(entries)
        )
    index_path = folder / index_href
    write_text_atomic(index_path, index_text, overwrite=True)
    return [index_path, *written]
