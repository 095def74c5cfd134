"""An update-draft: the existing note with only the regenerated fields replaced.

The owner's parts are never touched: the Comment, the related links, the translation and every
field not asked for stay as they are. Regenerated tags are *added* to the owner's (new ones are
listed in the warnings), never removed.
"""

from __future__ import annotations

from autonote.notes.format import REGEN_FIELDS, file_sha256
from autonote.schema import Note, UpdateOf
from autonote.tag_merge import merge_tags


def update_draft(
    original: Note, generated: Note, fields: tuple[str, ...], path: str, base_text: str, journal_key: str
) -> Note:
    attributes = [REGEN_FIELDS[f] for f in fields]
    of = UpdateOf(
        path=path,
        base_sha256=file_sha256(base_text),
        fields=list(fields),  # type: ignore[arg-type]
        journal_key=journal_key,
        base={name: getattr(original, name) for name in attributes},
    )
    update: dict[str, object] = {
        "update_of": of,
        "provenance": generated.provenance,
        "warnings": list(generated.warnings),
    }
    if "summary" in fields:
        update["summary"] = generated.summary
    if "keypoints" in fields:
        update["key_points"] = generated.key_points
    if "tags" in fields:
        merged = merge_tags(original.tags, original.new_tags, generated.tags, generated.new_tags)
        update["tags"], update["new_tags"] = merged.tags, merged.new_tags
        if merged.added:
            update["warnings"] = [
                *generated.warnings,
                "tags added: " + ", ".join(f"#{t}" for t in merged.added),
            ]
    return original.model_copy(update=update)
