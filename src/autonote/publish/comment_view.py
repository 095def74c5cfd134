"""The owner's Comment (markdown) as the corpus's pages show it.

Two views, measured on the corpus's own pages (see the README, ``autonote list``):

- :func:`display_lines` — the tag pages' view: the whole comment as lines of plain text and links.
  Images are dropped, list items become ``・`` lines (nesting flattened), paragraphs become lines,
  a link to another note shows that note's issue number, and bare URLs are links.
- :func:`comment_html` — the In-Depth pages' and study-group pages' view: the markdown rendered
  (headings, nested lists, images kept), raw HTML shown as text, bare URLs linked.

Both go through one CommonMark parser (markdown-it-py), so emphasis, code and links are read the
way a markdown renderer reads them rather than by regexes over the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, NamedTuple

# A URL as the corpus writes it in running Japanese text: ASCII only, so that ``…-Q学習`` ends at
# ``Q``; trailing punctuation is not part of it.
BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRAILING = ".,;:!?)]'"
_ISSUE_NUMBER = re.compile(r"/issues/(\d+)/?(?:[#?]|$)")
_HEADING = re.compile(r"^(#{1,6})(?=[ \t]|$)")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


class Segment(NamedTuple):
    """A run of text; ``href`` makes it a link."""

    text: str
    href: str | None = None


Line = tuple[Segment, ...]


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False})  # raw HTML in a comment is shown as text
    parser.core.ruler.push("bare_urls", _link_bare_urls)
    return parser


def split_urls(text: str) -> list[Segment]:
    """``text`` as plain runs and bare-URL links."""
    found: list[Segment] = []
    position = 0
    for match in BARE_URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if url.count("(") > url.count(")") and match.group(0)[len(url) : len(url) + 1] == ")":
            url += ")"  # a URL that itself holds parentheses: https://en.wikipedia.org/wiki/A_(b)
        if len(url) <= len("https://"):
            continue
        if match.start() > position:
            found.append(Segment(text[position : match.start()]))
        found.append(Segment(url, url))
        position = match.start() + len(url)
    if position < len(text):
        found.append(Segment(text[position:]))
    return found


def _link_bare_urls(state: Any) -> None:
    """Core rule: bare URLs in text (outside links) become links, as on the corpus's pages."""
    from markdown_it.token import Token

    md = state.md
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, depth = [], 0
        for token in block.children:
            depth += token.type == "link_open"
            depth -= token.type == "link_close"
            if token.type != "text" or depth or "://" not in token.content:
                children.append(token)
                continue
            for segment in split_urls(token.content):
                href = md.normalizeLink(segment.href) if segment.href else None
                if href is None or not md.validateLink(href):
                    children.append(_text_token(Token, segment.text, token.level))
                    continue
                opening = Token("link_open", "a", 1, attrs={"href": href}, level=token.level)
                children += [opening, _text_token(Token, segment.text, token.level + 1)]
                children.append(Token("link_close", "a", -1, level=token.level))
        block.children = children


def _text_token(token_class: Any, text: str, level: int) -> Any:
    token = token_class("text", "", 0, level=level)
    token.content = text
    return token


def note_number(href: str | None, is_note: Callable[[int, str], bool]) -> str | None:
    """The issue number a link to another note is shown by, when ``is_note`` says it is one."""
    if not href:
        return None
    match = _ISSUE_NUMBER.search(href)
    if match and is_note(int(match.group(1)), href):
        return match.group(1)
    return None


def display_lines(
    markdown: str, is_note: Callable[[int, str], bool] = lambda n, h: False
) -> tuple[Line, ...]:
    """The comment as the tag pages show it: one entry per line of text, never an empty line."""
    if not markdown.strip():
        return ()
    lines: list[Line] = []
    lists: list[int | None] = []  # per open list: the next number (ordered) or None (bullets)
    prefix, quote = "", 0
    for token in _parser().parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(int(token.attrGet("start") or 1) if kind == "ordered_list_open" else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            number = lists[-1] if lists else None
            prefix = "・" if number is None else f"{number}. "
            if number is not None:
                lists[-1] = number + 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "inline":
            for line in _inline_lines(token.children or [], is_note):
                lines.append(_prefixed(">" * quote + prefix, line))
                prefix = ""
        elif kind in ("fence", "code_block"):
            for text in token.content.splitlines():
                if text.strip():
                    lines.append(_prefixed(">" * quote + prefix, (Segment(text),)))
                    prefix = ""
    return tuple(lines)


def _prefixed(prefix: str, line: Line) -> Line:
    return (Segment(prefix), *line) if prefix else line


def _inline_lines(children: Iterable[Any], is_note: Callable[[int, str], bool]) -> list[Line]:
    lines: list[list[Segment]] = [[]]
    link: tuple[str, list[str]] | None = None  # (href, text parts) of the open link
    for child in children:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            lines.append([])
        elif kind == "link_open":
            link = (child.attrGet("href") or "", [])
        elif kind == "link_close" and link is not None:
            href, parts = link
            text = " ".join("".join(parts).split())
            lines[-1].append(Segment(note_number(href, is_note) or text or href, href or None))
            link = None
        elif kind in ("text", "code_inline"):  # bare URLs are links already (see _link_bare_urls)
            if link is not None:
                link[1].append(child.content)
            else:
                lines[-1].append(Segment(child.content))
        # images (and their alt text), emphasis markers: not shown
    return [tuple(_merged(line)) for line in lines if "".join(s.text for s in line).strip()]


def _merged(line: list[Segment]) -> list[Segment]:
    """Adjacent plain runs joined; the line's outer whitespace trimmed."""
    merged: list[Segment] = []
    for segment in line:
        if merged and segment.href is None and merged[-1].href is None:
            merged[-1] = Segment(merged[-1].text + segment.text)
        else:
            merged.append(segment)
    if merged and merged[0].href is None:
        merged[0] = Segment(merged[0].text.lstrip())
    if merged and merged[-1].href is None:
        merged[-1] = Segment(merged[-1].text.rstrip())
    return [segment for segment in merged if segment.text]


def comment_html(markdown: str, heading_level: int = 1) -> str:
    """The comment rendered to HTML (escaped: raw HTML shows as text); its headings start at
    ``heading_level`` (an ``h1`` in a comment must not outrank the page's own headings)."""
    if not markdown.strip():
        return ""
    parser = _parser()
    tokens = parser.parse(markdown)
    shift = _heading_shift((int(t.tag[1]) for t in tokens if t.type == "heading_open"), heading_level)
    if shift:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1]) + shift)}"
    return parser.renderer.render(tokens, parser.options, {})


def demote_headings(markdown: str, heading_level: int) -> str:
    """The markdown with its ``#`` headings moved down so that the highest is ``heading_level``
    (fenced code is left alone)."""
    lines = markdown.split("\n")
    fence: str | None = None
    found: list[tuple[int, int]] = []  # (line index, level)
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            found.append((index, len(heading.group(1))))
    shift = _heading_shift((level for _, level in found), heading_level)
    for index, level in found if shift else ():
        lines[index] = "#" * min(6, level + shift) + lines[index][level:]
    return "\n".join(lines)


def _heading_shift(levels: Iterable[int], heading_level: int) -> int:
    highest = min(levels, default=heading_level)
    return max(0, heading_level - highest)


def lines_markdown(lines: Iterable[Line]) -> str:
    """Display lines as markdown: links as ``[text](href)`` (``<url>`` for a bare URL), one line each
    (a hard line break between them)."""
    rendered = []
    for line in lines:
        parts = []
        for segment in line:
            if segment.href and segment.text == segment.href:
                parts.append(f"<{segment.href}>")
            elif segment.href:
                parts.append(f"[{segment.text}]({segment.href})")
            else:
                parts.append(segment.text)
        rendered.append("".join(parts))
    return "  \n".join(rendered)


def lines_html(lines: Iterable[Line]) -> str:
    """Display lines as escaped HTML: links as ``<a>``, a ``<br>`` between lines."""
    from markupsafe import escape

    rendered = []
    for line in lines:
        rendered.append(
            "".join(
                f'<a href="{escape(s.href)}">{escape(s.text)}</a>' if s.href else str(escape(s.text))
                for s in line
            )
        )
    return "<br>\n".join(rendered)
