"""Text the owner marked for translation in an issue body or comment (the corpus's own convention,
acted on when the label ``translation_required`` is added).

A marked passage is a paragraph (lines up to a blank line) whose first line starts with
``__translate:``; the text after the marker is the passage. Translating it replaces the paragraph by
the passage without its marker, a blank line and the translation, so the original stays and a
second run finds nothing left to translate. Everything else (inside and outside code fences alike)
is kept byte for byte; a marker inside a fenced code block is not a marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MARK = "__translate:"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Marked:
    start: int  # offset of the paragraph in the text
    end: int  # offset just past its last line (its newline excluded)
    text: str  # the passage, marker removed, stripped


def find_marked(text: str) -> list[Marked]:
    """The marked passages of ``text``, in order."""
    found: list[Marked] = []
    lines = text.split("\n")
    offset, fence, index = 0, None, 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    while index < len(lines):
        line = lines[index]
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            index += 1
            continue
        if opening:
            fence = opening.group(1)
            index += 1
            continue
        if line.lstrip().startswith(MARK) and (index == 0 or not lines[index - 1].strip()):
            last = index
            while last + 1 < len(lines) and lines[last + 1].strip() and not _FENCE.match(lines[last + 1]):
                last += 1
            start, end = starts[index], starts[last] + len(lines[last])
            passage = text[start:end].strip()
            while passage.startswith(MARK):  # "__translate:" alone on its line, then another
                passage = passage[len(MARK) :].strip()
            if passage:
                found.append(Marked(start, end, passage))
            index = last + 1
            continue
        index += 1
    return found


def translate_marked(text: str, translate: Callable[[str], str]) -> str:
    """``text`` with each marked passage followed by its translation (``translate(passage)``)."""
    out, position = [], 0
    for marked in find_marked(text):
        out.append(text[position : marked.start])
        out.append(f"{marked.text}\n\n{translate(marked.text).strip()}")
        position = marked.end
    out.append(text[position:])
    return "".join(out)
