"""The messages of a note request, built from templates and fitted to the token budget.

Order matters for provider prompt caching: the static system prompt comes first, then the parts that
change per paper. When the prompt is over budget, the least similar few-shot examples go first, then
the abstract is trimmed at a character boundary; each step is
recorded as a warning on the note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from autonote.prompting import render_template, template_version
from autonote.rules import prompt_numbers
from autonote.schema import Note, Paper
from autonote.tokens import TokenCounter

SYSTEM_TEMPLATE = "note.system.j2"
USER_TEMPLATE = "note.user.j2"
RELATED_TITLE_CHARS = 90  # a candidate's title is shown up to here: enough to choose, little to pay


def prompt_version() -> str:
    return "+".join(template_version(name) for name in (SYSTEM_TEMPLATE, USER_TEMPLATE, "note.reask.j2"))


@dataclass
class NotePrompt:
    """Everything a note request is made of, before it is fitted to the budget."""

    paper: Paper
    tag_candidates: list[str]
    related_candidates: list[Note]
    examples: list[Note]
    translate: bool
    trimmed: list[str] = field(default_factory=list)

    def messages(
        self,
        *,
        schema_json: str | None,
        abstract: str | None = None,
        examples: list[Note] | None = None,
    ) -> list[dict[str, str]]:
        related = [{"id": n.id, "title": _short(n.title)} for n in self.related_candidates]
        context: dict[str, Any] = {
            "paper": self.paper,
            "abstract": self.paper.abstract if abstract is None else abstract,
            "tag_candidates": self.tag_candidates,
            "related_candidates": related,
            "examples": self.examples if examples is None else examples,
            "translate": self.translate,
            "schema_json": schema_json,
        }
        return [
            {"role": "system", "content": render_template(SYSTEM_TEMPLATE, **prompt_numbers()).strip()},
            {"role": "user", "content": render_template(USER_TEMPLATE, **context).strip()},
        ]

    def parts(self, count: Callable[[str], int]) -> dict[str, int]:
        """Tokens of each part of the prompt (for the cost benchmark): each part is what leaving
        it out of the prompt saves."""
        full = self.messages(schema_json=None)
        system, user = count(full[0]["content"]), count(full[1]["content"])
        without = {
            "few-shot examples": self.messages(schema_json=None, examples=[]),
            "tag candidates": replace(self, tag_candidates=[]).messages(schema_json=None),
            "related candidates": replace(self, related_candidates=[]).messages(schema_json=None),
            "the abstract": self.messages(schema_json=None, abstract=""),
        }
        found = {"system": system}
        for name, messages in without.items():
            found[name] = user - count(messages[1]["content"])
        found["rest of the user message"] = user - sum(v for k, v in found.items() if k != "system")
        return found


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= RELATED_TITLE_CHARS else title[: RELATED_TITLE_CHARS - 1].rstrip() + "…"


def fit_to_budget(
    prompt: NotePrompt, counter: TokenCounter, budget: int, *, schema_json: str | None
) -> list[dict[str, str]]:
    """Messages within ``budget`` tokens; records what was trimmed in ``prompt.trimmed`` (once)."""
    examples = list(prompt.examples)
    notes: list[str] = []

    def build(abstract: str | None = None) -> list[dict[str, str]]:
        return prompt.messages(schema_json=schema_json, abstract=abstract, examples=examples)

    messages = build()
    if counter.fits(messages, budget):
        return messages
    while counter.count_messages(messages) > budget and examples:
        dropped = examples.pop()
        notes.append(f"trimmed input: few-shot example {dropped.id} dropped to fit {budget} tokens")
        messages = build()
    overflow = counter.count_messages(messages) - budget
    if overflow > 0:
        abstract_tokens = counter.count(prompt.paper.abstract)
        keep = max(50, abstract_tokens - overflow)
        abstract = counter.trim(prompt.paper.abstract, keep)
        notes.append(f"trimmed input: abstract cut from {abstract_tokens} to ~{keep} tokens")
        messages = build(abstract)
    for note in notes:
        if note not in prompt.trimmed:
            prompt.trimmed.append(note)
    return messages
