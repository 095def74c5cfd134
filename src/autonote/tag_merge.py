"""How a note's tags are merged: one rule for a draft, an offline draft and a regenerated note.

Tags already on the note come first and are never removed; the tags chosen for it are added after
them, each once; a tag flagged new (outside the corpus's vocabulary) stays flagged. A new draft
also gets its venue's tag when the corpus uses it (:func:`autonote.venue.venue_tag`), and drops the
new tags not shaped like tags (:func:`autonote.rules.tag_shape_problem`; validation warned).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from autonote.rules import tag_shape_problem
from autonote.venue import venue_tag


@dataclass(frozen=True)
class MergedTags:
    tags: list[str]
    new_tags: list[str]  # of tags, those outside the vocabulary
    added: list[str]  # of tags, those the note did not have


def merge_tags(
    kept: Sequence[str], kept_new: Sequence[str], chosen: Sequence[str], chosen_new: Sequence[str]
) -> MergedTags:
    """``kept`` (the note's tags) then ``chosen`` not already there; the new tags of both."""
    added = [t for t in dict.fromkeys(chosen) if t not in kept]
    return MergedTags(
        tags=[*kept, *added], new_tags=list(dict.fromkeys([*kept_new, *chosen_new])), added=added
    )


def draft_tags(
    chosen: Sequence[str], new: Sequence[str], venue: str, vocabulary: Collection[str]
) -> MergedTags:
    """A new draft's tags: the ones chosen for it, the new ones shaped like tags, and its venue's
    tag when the vocabulary has it; those outside the vocabulary flagged new."""
    new = [t for t in new if t in vocabulary or tag_shape_problem(t) is None]
    tags = list(dict.fromkeys([*chosen, *new]))
    tag = venue_tag(venue)
    if tag in vocabulary and tag not in tags:
        tags.append(tag)
    return merge_tags((), (), tags, [t for t in tags if t not in vocabulary])
