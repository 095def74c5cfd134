"""``autonote list``: the listing layout of the corpus site, as markdown, one HTML page, or JSON.

Each entry: the note's tags, issue date, title line linked to the note, GPT summary, and the start of
the owner's comment. ``render_tag_pages`` writes one page per tag plus an index, the way the corpus
site publishes its listings.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from autonote.fsutil import write_text_atomic
from autonote.prompting import render_template
from autonote.publish.common import excerpt, tag_slug
from autonote.schema import Note

EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}


@dataclass(frozen=True)
class TagLink:
    tag: str
    href: str


@dataclass(frozen=True)
class Entry:
    id: str
    anchor: str
    title: str
    title_line: str
    link: str | None
    issue_date: str
    tags: list[TagLink]
    summary: str
    comment_excerpt: str


def entries(notes: list[Note], tag_href) -> list[Entry]:
    return [
        Entry(
            id=note.id,
            anchor=f"note-{note.id}",
            title=note.title,
            title_line=note.title_line,
            link=note.link,
            issue_date=note.issue_date.isoformat(),
            tags=[TagLink(tag, tag_href(tag)) for tag in note.tags],
            summary=note.summary,
            comment_excerpt=excerpt(note.comment),
        )
        for note in notes
    ]


def _in_page(tag: str) -> str:
    return f"#tag-{tag_slug(tag)}"


def _kind(fmt: str) -> str:
    return "html" if fmt == "html" else "md"


def _fragments(items: list[Entry], fmt: str) -> dict[str, str]:
    """Each entry rendered once (``render/listing-entry.*.j2``); pages are joins of these, so a note
    on eight tag pages costs one rendering, not eight."""
    from markupsafe import Markup

    template = f"render/listing-entry.{_kind(fmt)}.j2"
    rendered = {entry.id: render_template(template, entry=entry) for entry in items}
    return {key: Markup(value) if fmt == "html" else value for key, value in rendered.items()}


def _page(fmt: str, title: str, body: str, sections: list[dict], index_href: str | None) -> str:
    from markupsafe import Markup

    joined = Markup(body) if fmt == "html" else body
    return render_template(
        f"render/listing.{_kind(fmt)}.j2", title=title, body=joined, sections=sections,
        generated=dt.date.today().isoformat(), index_href=index_href,
    )  # fmt: skip


def render_listing(notes: list[Note], fmt: str, title: str) -> str:
    """One page: the notes newest first, then (HTML) a section per tag that the tag links jump to."""
    items = entries(notes, _in_page)
    if fmt == "json":
        return json.dumps([_json(e) for e in items], ensure_ascii=False, indent=2) + "\n"
    by_tag: dict[str, list[Entry]] = {}
    for entry in items:
        for link in entry.tags:
            by_tag.setdefault(link.tag, []).append(entry)
    sections = [
        {"tag": tag, "anchor": f"tag-{tag_slug(tag)}", "entries": members}
        for tag, members in sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    fragments = _fragments(items, fmt)
    return _page(fmt, title, "".join(fragments[e.id] for e in items), sections, None)


def render_tag_pages(notes: list[Note], fmt: str, folder: Path) -> list[Path]:
    """One page per tag (``<slug>.<ext>``) and ``index.<ext>``; tag links go from page to page."""
    extension = EXTENSIONS[fmt]

    def href(tag: str) -> str:
        return f"{tag_slug(tag)}.{extension}"

    items = entries(notes, href)
    by_tag: dict[str, list[Entry]] = {}
    for entry in items:
        for link in entry.tags:
            by_tag.setdefault(link.tag, []).append(entry)
    fragments = _fragments(items, fmt) if fmt != "json" else {}
    index_href = f"index.{extension}"
    written = []
    for tag, members in sorted(by_tag.items()):
        path = folder / href(tag)
        if fmt == "json":
            text = json.dumps([_json(e) for e in members], ensure_ascii=False, indent=2) + "\n"
        else:
            text = _page(fmt, f"#{tag}", "".join(fragments[e.id] for e in members), [], index_href)
        write_text_atomic(path, text, overwrite=True)
        written.append(path)
    index = [{"tag": tag, "href": href(tag), "count": len(members)} for tag, members in
             sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))]  # fmt: skip
    if fmt == "json":
        index_text = json.dumps(index, ensure_ascii=False, indent=2) + "\n"
    else:
        index_text = render_template(
            f"render/tag-index.{_kind(fmt)}.j2",
            tags=index,
            generated=dt.date.today().isoformat(),
            total=len(items),
        )
    index_path = folder / index_href
    write_text_atomic(index_path, index_text, overwrite=True)
    return [index_path, *written]


def _json(entry: Entry) -> dict[str, object]:
    data = asdict(entry)
    data["tags"] = [link.tag for link in entry.tags]
    del data["anchor"]
    return data
