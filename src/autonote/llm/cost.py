"""Estimated cost of a request, from list prices per million tokens (override in config)."""

from __future__ import annotations

# USD per 1M tokens (input, output), standard tier list prices. Longest matching prefix wins,
# so dated snapshots ("gpt-4o-mini-2024-07-18") take their family's price.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
}


def price_for(
    model: str, override: tuple[float | None, float | None] = (None, None)
) -> tuple[float, float] | None:
    if override[0] is not None and override[1] is not None:
        return (override[0], override[1])
    matches = [name for name in PRICES_PER_MTOK if model == name or model.startswith(name + "-")]
    if not matches:
        return None
    return PRICES_PER_MTOK[max(matches, key=len)]


# The share of the input price that prompt tokens served from the provider's prompt cache cost
# (list prices: half for the 4o family, a quarter for 4.1 and o4, a tenth for 5).
CACHED_INPUT_SHARE: dict[str, float] = {
    "gpt-4o-mini": 0.5, "gpt-4o": 0.5, "gpt-4.1": 0.25, "gpt-5": 0.1, "o4-mini": 0.25,
}  # fmt: skip


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    override: tuple[float | None, float | None] = (None, None),
    cached_prompt_tokens: int = 0,
) -> float | None:
    """USD, or None for a model whose price is unknown (local servers, unlisted models). Prompt
    tokens the provider served from its prompt cache are billed at its cached-input price."""
    price = price_for(model, override)
    if price is None:
        return None
    families = [name for name in CACHED_INPUT_SHARE if model == name or model.startswith(name + "-")]
    share = CACHED_INPUT_SHARE[max(families, key=len)] if families else 1.0
    cached = min(max(cached_prompt_tokens, 0), prompt_tokens)
    uncached = prompt_tokens - cached
    return (uncached * price[0] + cached * price[0] * share + completion_tokens * price[1]) / 1_000_000


BATCH_DISCOUNT = 0.5  # the Batch API bills half the list price
