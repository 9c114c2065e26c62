"""Model cost from the dated rate table shipped in the package (`rates.json`).

An unknown model has no cost (`None`), never 0: a report that says "$0" for a model we cannot
price would be a lie a budget could be built on. Dated snapshots (`gpt-4.1-2025-04-14`) use the
rate of their family name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}\Z")
PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class Rate:
    input_usd: float  # per 1M input tokens
    output_usd: float  # per 1M output tokens
    date: str  # the table's date: when these numbers were read


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(resources.files("mimetic.actors").joinpath("rates.json").read_text(encoding="utf-8"))


def rate_date() -> str:
    return _table()["date"]


def rate_for(model: str | None) -> Rate | None:
    if not model:
        return None
    models = _table()["models"]
    entry = models.get(model) or models.get(SNAPSHOT_SUFFIX.sub("", model))
    if entry is None:
        return None
    return Rate(input_usd=float(entry["input"]), output_usd=float(entry["output"]), date=_table()["date"])


def cost_usd(model: str | None, input_tokens: int, output_tokens: int) -> float | None:
    """USD for the tokens, or None when the model has no rate. No tokens spent costs 0 whatever the model."""
    if input_tokens == 0 and output_tokens == 0:
        return 0.0
    rate = rate_for(model)
    if rate is None:
        return None
    return round((input_tokens * rate.input_usd + output_tokens * rate.output_usd) / PER_TOKENS, 6)
