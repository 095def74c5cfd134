"""The owner's comment HTML (as the corpus export stores it) → markdown that means the same.

The export's comments are GitHub-rendered HTML wrapped in Jekyll ``{% raw %}`` markers: paragraphs,
unclosed ``<br>``, links, images (some with a stray ``/"`` inside the tag), and embedded tweets whose
``data-embed`` attribute holds a whole ``<blockquote>``. Text is kept word for word; markup becomes
its markdown equivalent; an embedded tweet becomes its URL; placeholders ("Loading…") are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_LIQUID = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_EMBED_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""")
_BLOCK_TAGS = {"p", "div", "ul", "ol", "blockquote", "pre", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
_EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "del": "~~", "s": "~~"}
_SKIPPED = {"script", "style"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str, int]] = []  # (href, position in out) of open <a>
        self.skip_depth = 0  # inside a placeholder or script: text is dropped
        self.div_stack: list[bool] = []  # for each open <div>: does it start a skipped region?
        self.lists: list[str] = []
        self.pre = 0
        self.has_text = False  # does out hold more than whitespace (once true, it stays true)
        self.scanned = 0  # the pieces of out looked at for has_text

    # -- helpers
    def _newlines(self, count: int) -> None:
        """End the output with at least ``count`` newlines (none before any text). Looks back only
        over the last pieces, never the whole output: a comment of 100,000 paragraphs stays linear."""
        if not self._has_text():
            return
        existing = 0
        for piece in reversed(self.out):
            stripped = piece.rstrip("\n")
            existing += len(piece) - len(stripped)
            if stripped or existing >= count:
                break
        if existing < count:
            self.out.append("\n" * (count - existing))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "div":
            self._start_div(attributes)
            return
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if not self._start_block(tag):
            self._start_inline(tag, attributes)

    def _start_div(self, attributes: dict[str, str]) -> None:
        """A div: a tweet's placeholder is skipped, a tweet embed leaves its link."""
        classes = attributes.get("class", "").split()
        skipped = "tweet-placeholder" in classes
        self.div_stack.append(skipped)
        if "tweet-embed" in classes:
            found = _EMBED_HREF.search(attributes.get("data-embed", ""))
            if found:
                self.out.append(found.group(1))
        if skipped:
            self.skip_depth += 1

    def _start_block(self, tag: str) -> bool:
        """The start of a line-level element (paragraph, list, heading, row, rule); False for others."""
        if tag == "br":
            self.out.append("\n")
        elif tag in {"p", "blockquote", "table", "pre"}:
            self._newlines(2)
            self.pre += tag == "pre"
            if tag == "blockquote":
                self.out.append("> ")
        elif tag in {"ul", "ol"}:
            self._newlines(1)
            self.lists.append(tag)
        elif tag == "li":
            self._newlines(1)
            indent = "  " * max(0, len(self.lists) - 1)
            self.out.append(indent + ("1. " if self.lists and self.lists[-1] == "ol" else "- "))
        elif re.fullmatch(r"h[1-6]", tag):
            self._newlines(2)
            self.out.append("#" * int(tag[1]) + " ")
        elif tag == "tr":
            self._newlines(1)
        elif tag == "hr":
            self._newlines(2)
            self.out.append("---\n")
        else:
            return False
        return True

    def _start_inline(self, tag: str, attributes: dict[str, str]) -> None:
        if tag in {"td", "th"}:
            self.out.append("| ")
        elif tag == "img":
            src = attributes.get("src", "")
            if src:
                self.out.append(f"![{attributes.get('alt', '')}]({src})")
        elif tag == "a":
            self.links.append((attributes.get("href", ""), len(self.out)))
        elif tag in _EMPHASIS:
            self.out.append(_EMPHASIS[tag])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "div":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            if self.div_stack and self.div_stack.pop():
                self.skip_depth -= 1
            return
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            del self.out[start:]
            if not href:
                if text:
                    self.out.append(text)
            elif not text or text == href:
                self.out.append(href)
            else:
                self.out.append(f"[{text}]({href})")
        elif tag in _EMPHASIS:
            self.out.append(_EMPHASIS[tag])
        elif tag in {"ul", "ol"}:
            if self.lists:
                self.lists.pop()
            self._newlines(2)
        elif tag in _BLOCK_TAGS or tag in {"li", "tr"}:
            self.pre -= tag == "pre"
            self._newlines(2 if tag in _BLOCK_TAGS else 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth or not data:
            return
        self.out.append(data)

    def _has_text(self) -> bool:
        if not self.has_text:
            self.scanned = min(self.scanned, len(self.out))  # a link's text may have been taken out
            self.has_text = any(not piece.isspace() for piece in self.out[self.scanned :] if piece)
            self.scanned = len(self.out)
        return self.has_text


def html_to_markdown(html: str) -> str:
    """Convert one comment. Returns "" for an empty comment (the export writes ``None``)."""
    if html.strip() in {"", "None"}:
        return ""
    converter = _Converter()
    converter.feed(_LIQUID.sub("", html))
    converter.close()
    text = "".join(converter.out)
    lines = [line.rstrip() for line in text.splitlines()]
    # Collapse runs of blank lines left by removed markup; keep single blank lines (paragraphs).
    collapsed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return collapsed.strip()
