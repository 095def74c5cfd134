"""The note's layouts, rendered and parsed in one place: the markdown file (here) and the GitHub
issue (:mod:`autonote.notes.issue_format`, which builds on the block contents defined here).

On disk a note is YAML front matter (machine fields: ids, metadata, related ids, provenance) and a
body in the corpus style (tags line, ``Issue Date:``, title line, ``GPT Summary-``, key points,
``関連``, ``Comment``). Each field has one home:

- front matter: id, title, authors, venue, dates, URL, related ids, new tags, warnings, provenance;
  and the tags, only when the tags line cannot hold them exactly (a label ``ML #2`` or one with a
  line break: see :func:`tags_line`);
- body, inside ``<!-- autonote:NAME -->`` blocks: summary, key points, abstract, translation
  (machine-owned: regeneration replaces exactly these);
- body, free: the tags line and everything under ``## Comment`` (the owner's).

The title line, URL, authors and the titles of related notes are shown in the body but derived from
the front matter, so editing them there has no effect. ``parse_note(render_note(n)) == n``.

The layout is written once: :func:`render_note` assembles the body from the same block functions
(:func:`summary_block`, :func:`key_points_block`, …) that :func:`apply_fields` uses to edit a note
in place, so a regenerated field is written exactly as a new note would be.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from autonote.bounded import NestingTooDeepError, load_json, load_yaml
from autonote.errors import NoteFormatError
from autonote.notes.links import list_item
from autonote.schema import Note, RelatedNote

LLM_SUMMARY_LABEL = "GPT Summary"
OFFLINE_SUMMARY_LABEL = "Extractive Summary (offline, not LLM-generated)"

_FRONT_FIELDS = (
    "id", "kind", "title", "authors", "venue", "published", "url", "arxiv_id",
    "issue_date", "new_tags", "related", "warnings", "provenance", "origin", "translation_by", "update_of",
    "added_by", "tags",
)  # fmt: skip
_OMIT_WHEN_EMPTY = {"origin", "translation_by", "update_of", "added_by", "tags"}  # absent unless set
_OPEN = "<!-- autonote:"
_JSON_STARTS = set('"[{-0123456789tfn')
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_YAML_KEYWORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
_SUMMARY_LABEL = re.compile(
    rf"^(?:{re.escape(LLM_SUMMARY_LABEL)}|{re.escape(OFFLINE_SUMMARY_LABEL)}|Summary)-\s?", re.S
)
# One encoder for every front-matter value: json.dumps with these options builds a new encoder per
# call, and a note file has a dozen values (a bulk import renders 10,000 notes).
_JSON_VALUE = json.JSONEncoder(ensure_ascii=False, default=str)  # default: dates from YAML-style front matter


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def tags_line(tags: list[str]) -> str:
    """The visible tags line (``#NLP #Selected Papers/Blogs``): one line whatever the tags hold, and
    never a heading: a first tag ``#`` would make ``## …``, so its ``#`` is shown escaped (``#\\#``;
    the exact tags are then in the front matter, see :func:`tags_need_front_matter`)."""
    line = " ".join(f"#{_LINE_BREAKS.sub(' ', tag)}" for tag in tags)
    return "#\\" + line[1:] if line.startswith("## ") else line


def parse_tags_line(line: str) -> list[str]:
    """Tags may contain spaces (``#Selected Papers/Blogs``); they are separated by `` #``."""
    line = line.strip()
    if not line.startswith("#"):
        return []
    return [tag.strip() for tag in line[1:].split(" #") if tag.strip()]


def tags_need_front_matter(tags: list[str]) -> bool:
    """Whether the tags line cannot give ``tags`` back exactly (a tag holding `` #``, a line break,
    surrounding spaces): such tags are kept in the front matter too (GitHub labels may be any text)."""
    return bool(tags) and parse_tags_line(tags_line(tags)) != list(tags)


def _tags_from(line: str | None, front_tags: Any) -> list[str]:
    """The tags of a note: its visible line's, read with the front matter's exact tags (kept there
    when the line cannot hold them). An unedited line gives the front matter's tags; a line the
    owner edited keeps each exact tag it still shows, and takes what the owner typed as tags."""
    if not isinstance(front_tags, list) or not all(isinstance(t, str) for t in front_tags):
        return parse_tags_line(line or "")
    if line is None or line.strip() == tags_line(front_tags):
        return list(front_tags)
    shown = sorted(((f"#{_LINE_BREAKS.sub(' ', t)}", t) for t in front_tags), key=lambda p: -len(p[0]))
    rest, tags = line.strip(), []
    while rest.startswith("#"):
        for display, tag in shown:
            if rest == display or rest.startswith(display + " #"):
                tags.append(tag)
                rest = rest[len(display) :].lstrip(" ")
                break
        else:
            cut = rest.find(" #", 1)
            piece = (rest[1:cut] if cut >= 0 else rest[1:]).strip()
            if piece:
                tags.append(piece)
            rest = rest[cut + 1 :] if cut >= 0 else ""
    return tags


def _front_matter(note: Note) -> str:
    """One ``key: <JSON>`` line per field: valid YAML that :func:`split_front_matter` reads fast."""
    data = note.model_dump(mode="json", include=set(_FRONT_FIELDS))
    data["related"] = [item.id for item in note.related]
    data["tags"] = list(note.tags) if tags_need_front_matter(note.tags) else None
    lines = [
        f"{key}: {_front_value(data[key])}\n"
        for key in _FRONT_FIELDS
        if key in data and not (key in _OMIT_WHEN_EMPTY and data[key] is None)
    ]
    return "".join(lines)


def _is_plain_word(value: str) -> bool:
    """A string YAML reads back as the same string without quotes (``paper``, ``arxiv-2504.07086``)."""
    return _PLAIN_WORD.fullmatch(value) is not None and value.lower() not in _YAML_KEYWORDS


def _front_value(value: Any) -> str:
    if isinstance(value, str) and _is_plain_word(value):
        return value
    return _JSON_VALUE.encode(value)


def render_note(note: Note) -> str:
    """The note file: front matter, then the body in the corpus layout."""
    generator = note.provenance.generator if note.provenance else "llm"
    translation_by = note.translation_by or (note.provenance.model if note.provenance else None)
    parts = [
        "---\n" + _front_matter(note) + "---\n",
        tags_line(note.tags) + "\n\n",
        f"Issue Date: {note.issue_date.isoformat()}\n\n",
        note.title_line + "\n\n",
        block("summary", summary_block(note.summary, generator)) + "\n\n",
        "## Key Points\n" + block("key-points", key_points_block(note.key_points)) + "\n\n",
        "## URL\n" + (f"- {note.url}\n" if note.url else "") + "\n",
        "## Authors\n" + "".join(f"- {author}\n" for author in note.authors) + "\n",
        "## Abstract\n" + block("abstract", note.abstract) + "\n",
    ]
    if note.translation is not None:
        heading = f"## Translation (by {translation_by})" if translation_by else "## Translation"
        parts.append(f"\n{heading}\n\n" + block("translation", note.translation) + "\n")
    parts.append("\n## 関連\n" + block("related", related_block(note.related)) + "\n\n")
    parts.append("## Comment\n" + (note.comment + "\n" if note.comment else ""))
    return "".join(parts)


def block(name: str, content: str) -> str:
    """A machine-owned block: ``<!-- autonote:NAME -->``, the content, the closing marker."""
    body = content.strip("\n")
    return f"{_OPEN}{name} -->\n" + (body + "\n" if body else "") + f"<!-- /autonote:{name} -->"


def _fast_front_matter(block: str, where: str) -> dict[str, Any] | None:
    """Front matter as autonote writes it (``key: <JSON>`` per line); None for anything else,
    which then goes to the YAML parser. JSON is a subset of YAML, so both read it the same."""
    front: dict[str, Any] = {}
    if not block:
        return front
    # Lines end at "\n" only: a value may hold other characters str.splitlines() breaks at (U+0085,
    # U+2028 ...), which JSON leaves as they are and which YAML would fold into spaces.
    for number, line in enumerate(block.removesuffix("\n").split("\n"), 2):
        key, sep, value = line.partition(": ")
        if not sep or not key.isidentifier():
            return None
        if _is_plain_word(value):
            front[key] = value
            continue
        if value[:1] not in _JSON_STARTS:
            return None
        try:
            front[key] = load_json(value)
        except NestingTooDeepError as exc:
            raise NoteFormatError(f"{where}:{number}: invalid front matter: {key} is {exc}") from None
        except ValueError:
            return None
    return front


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line number where the body starts)."""
    if not text.startswith("---\n"):
        raise NoteFormatError(f"{where}:1: no front matter (a note starts with a '---' line)")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise NoteFormatError(f"{where}:1: front matter is not closed by a '---' line")
    block = text[4 : end + 1]
    front = _fast_front_matter(block, where)
    if front is None:
        import yaml  # only for front matter autonote did not write: the fast path reads its own

        try:
            front = load_yaml(block) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
            raise NoteFormatError(f"{where}:{line}: invalid front matter: {problem}") from None
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. a date 2026-13-01
            raise NoteFormatError(f"{where}:2: invalid front matter: {' '.join(str(exc).split())}") from None
    if not isinstance(front, dict):
        raise NoteFormatError(f"{where}:2: front matter is not a mapping")
    return front, text[end + 5 :], text[: end + 5].count("\n") + 1


_CLOSE = re.compile(r"<!-- /autonote:([\w-]+) -->")
_NAME = re.compile(r"[\w-]+")


def _blocks(body: str) -> tuple[dict[str, str], int]:
    """The ``<!-- autonote:NAME -->`` blocks of a body, and where the last one ends.

    Linear in the body: the closing markers are found in one pass (by name, in order) and each
    opening marker looks its close up there, rather than searching the rest of the body for it
    (50,000 unclosed markers took minutes)."""
    closes: dict[str, list[int]] = {}
    for found in _CLOSE.finditer(body):
        closes.setdefault(found.group(1), []).append(found.start())
    blocks: dict[str, str] = {}
    position, last_end = 0, 0
    while (start := body.find(_OPEN, position)) >= 0:
        name_end = body.find(" -->\n", start)
        if name_end < 0:
            break
        name = body[start + len(_OPEN) : name_end]
        close = f"<!-- /autonote:{name} -->"
        content_start = name_end + 5
        ends = closes.get(name, []) if _NAME.fullmatch(name) else []
        index = bisect.bisect_left(ends, content_start - 1)
        if index == len(ends):
            position = content_start
            continue
        end = ends[index]
        blocks.setdefault(name, body[content_start:end].strip("\n"))
        position = last_end = end + len(close)
    return blocks, last_end


def parse_note(text: str, where: str = "<note>") -> Note:
    """Parse a note's markdown; ``where`` names it in errors. Related notes keep the title lines
    shown in the note's own 関連 block."""
    front, body, body_line = split_front_matter(text, where)
    blocks, after_blocks = _blocks(body)
    missing = [name for name in ("summary", "key-points", "abstract") if name not in blocks]
    if missing:
        raise NoteFormatError(
            f"{where}:{body_line}: missing block(s) {', '.join(missing)} (autonote markers)"
        )

    tags_shown: str | None = None
    for line in body.split("\n"):
        if line.startswith("#") and not line.startswith("## "):
            tags_shown = line
            break
    tags = _tags_from(tags_shown, front.get("tags"))

    summary = _SUMMARY_LABEL.sub("", blocks["summary"].strip(), count=1).strip()
    key_points = [line[2:].strip() for line in blocks["key-points"].splitlines() if line.startswith("- ")]
    shown_related = _shown_related(blocks.get("related", ""))
    related_ids = front.get("related") or []
    if not isinstance(related_ids, list):
        raise NoteFormatError(f"{where}: front matter 'related' must be a list of note ids")
    related = []
    for index, note_id in enumerate(related_ids):
        title_line, url = shown_related[index] if index < len(shown_related) else (str(note_id), None)
        related.append(RelatedNote(id=str(note_id), title_line=title_line, url=url))

    # The owner's Comment is everything after the heading that follows the last machine block.
    comment_match = re.compile(r"^## Comment[ \t]*\n", re.M).search(body, after_blocks)
    comment = body[comment_match.end() :].strip("\n") if comment_match else ""
    fields = {key: value for key, value in front.items() if key not in ("related", "tags")}
    fields.update(
        tags=tags,
        summary=summary,
        key_points=key_points,
        abstract=blocks["abstract"].strip(),
        translation=blocks["translation"].strip() if "translation" in blocks else None,
        related=related,
        comment=comment.rstrip(),
    )
    from pydantic import ValidationError

    try:
        return Note.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise NoteFormatError(f"{where}: field {field}: {first['msg']}") from None


def _shown_related(block: str) -> list[tuple[str, str | None]]:
    shown = []
    for line in block.splitlines():
        if not line.startswith("- "):
            continue
        item = line[2:].strip()
        link = re.fullmatch(r"\[(?P<title>.*)\]\((?P<url>[^()\s]+)\)", item)
        shown.append((link["title"], link["url"]) if link else (item, None))
    return shown


# -- changing a note in place ---------------------------------------------------------------------
# Accepting an update-draft must keep everything the owner wrote, including text autonote does not
# model (a paragraph added under "## URL", a reworded heading). So the file is edited, not re-rendered:
# machine blocks, the tags line and front-matter fields are replaced in the text; nothing else moves.


def summary_block(summary: str, generator: str = "llm") -> str:
    label = OFFLINE_SUMMARY_LABEL if generator == "offline" else LLM_SUMMARY_LABEL
    return f"{label}- {summary}"


def key_points_block(points: list[str]) -> str:
    return "\n".join(f"- {point}" for point in points)


def related_block(related: list[RelatedNote]) -> str:
    return "\n".join(list_item(item) for item in related)


# What ``regen --fields`` names, and the note attribute each one is.
REGEN_FIELDS = {"summary": "summary", "keypoints": "key_points", "tags": "tags"}


def apply_fields(text: str, note: Note, attributes: list[str], where: str = "<note>") -> str:
    """``text`` (a note file) with the given attributes (``summary``, ``key_points``, ``tags``)
    replaced by ``note``'s values; nothing else in the file moves."""
    for name in attributes:
        if name == "summary":
            generator = note.provenance.generator if note.provenance else "llm"
            text = replace_block(text, "summary", summary_block(note.summary, generator), where)
        elif name == "key_points":
            text = replace_block(text, "key-points", key_points_block(note.key_points), where)
        elif name == "tags":
            text = replace_tags_line(text, note.tags, where)
        else:
            raise ValueError(f"not an editable field: {name}")
    return text


def file_sha256(text: str) -> str:
    """The hash a note file's text is known by (update-drafts, imports, sync)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replace_block(text: str, name: str, content: str, where: str = "<note>") -> str:
    """Replace the content of ``<!-- autonote:NAME -->`` … ``<!-- /autonote:NAME -->``."""
    opening, closing = f"<!-- autonote:{name} -->\n", f"<!-- /autonote:{name} -->"
    start = text.find(opening)
    end = text.find(closing, start + len(opening) - 1) if start >= 0 else -1
    if start < 0 or end < 0:
        raise NoteFormatError(f"{where}: no autonote:{name} block to replace")
    body = content.strip("\n")
    return text[: start + len(opening)] + (body + "\n" if body else "") + text[end:]


def replace_tags_line(text: str, tags: list[str], where: str = "<note>") -> str:
    """Replace the body's tags line (the first line starting with a single '#'), and the exact
    tags in the front matter when the line cannot hold them."""
    front, _, _ = split_front_matter(text, where)
    if "tags" in front or tags_need_front_matter(tags):
        text = replace_front_matter(
            text, {"tags": list(tags) if tags_need_front_matter(tags) else None}, where
        )
    _, body, _ = split_front_matter(text, where)
    head = text[: len(text) - len(body)]
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("#") and not line.startswith("## "):
            lines[index] = tags_line(tags)
            return head + "\n".join(lines)
    return head + tags_line(tags) + "\n\n" + body  # no tags line yet: it goes first


def replace_front_matter(text: str, changes: dict[str, Any], where: str = "<note>") -> str:
    """Set front-matter fields (JSON-able values; None removes optional ones), keeping the order
    of the fields and autonote's one-line format."""
    front, body, _ = split_front_matter(text, where)
    front.update(changes)
    keys = [k for k in _FRONT_FIELDS if k in front] + [k for k in front if k not in _FRONT_FIELDS]
    lines = [
        f"{key}: {_front_value(front[key])}\n"
        for key in keys
        if not (key in _OMIT_WHEN_EMPTY and front[key] is None)
    ]
    return "---\n" + "".join(lines) + "---\n" + body
