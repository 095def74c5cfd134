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


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    override: tuple[float | None, float | None] = (None, None),
) -> float | None:
    """USD, or None for a model whose price is unknown (local servers, unlisted models)."""
    price = price_for(model, override)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


BATCH_DISCOUNT = 0.5  # the Batch API bills half the list price
