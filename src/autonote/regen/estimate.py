"""``regen --dry-run``: what a run would send and cost, without sending anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from autonote import generations
from autonote.progress import report_progress
from autonote.regen.engine import Outcome, RegenEngine
from autonote.regen.select import Candidate

DEFAULT_COMPLETION_TOKENS = 450  # until the generations log knows better


@dataclass
class Estimate:
    selected: int = 0
    to_request: int = 0
    already: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    completion_basis: str = ""
    cost_direct: float | None = None
    cost_batch: float | None = None
    exact_tokens: bool = True
    request_ids: list[str] = field(default_factory=list)


def expected_completion_tokens(engine: RegenEngine) -> tuple[int, str]:
    """Mean completion tokens of this model's successful attempts so far, else a default."""
    return generations.expected_completion_tokens(
        engine.ws.state, engine.ws.settings.model, DEFAULT_COMPLETION_TOKENS
    )


def estimate(engine: RegenEngine, candidates: list[Candidate]) -> Estimate:
    result = Estimate(selected=len(candidates))
    per_answer, result.completion_basis = expected_completion_tokens(engine)
    mode = engine.ws.settings.response_format
    first_mode = "json_schema" if mode == "auto" else mode
    for done, candidate in enumerate(candidates):
        report_progress("estimating", done, len(candidates))  # a bar on a terminal only
        planned = engine.plan(candidate, record=False)
        if isinstance(planned, Outcome):
            if planned.status == "already":
                result.already += 1
            else:
                reason = planned.detail.split(" (")[0]
                result.skipped[reason] = result.skipped.get(reason, 0) + 1
            continue
        job = engine.job_for(planned.note)
        result.prompt_tokens += job.counter.count_messages(job.build(first_mode))
        result.exact_tokens = result.exact_tokens and job.counter.exact
        result.to_request += 1
        result.request_ids.append(planned.note.id)
    report_progress("estimating", len(candidates), len(candidates))
    result.completion_tokens = per_answer * result.to_request
    result.cost_direct = engine.ws.cost_of(result.prompt_tokens, result.completion_tokens)
    if result.cost_direct is not None:
        result.cost_batch = result.cost_direct * engine.ws.provider.batch_discount
    return result
