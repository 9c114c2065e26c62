"""Model cost from a dated rate table: the one shipped in the package (`rates.json`), overlaid by the
operator's own file named by `MIMETIC_ACTOR_RATES` (same shape; its entries win).

An unknown model has no cost (`None`), never 0: a report that says "$0" for a model we cannot price
would be a lie a budget could be built on. Dated snapshots (`gpt-5.4-2026-03-05`, `claude-x-20261001`)
use the rate of their family name. Cached input is billed at its own (much lower) rate.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mimetic.actors.providers.base import Usage
from mimetic.errors import MimeticError

RATES_ENV = "MIMETIC_ACTOR_RATES"
SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})\Z")
PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class Rate:
    input_usd: float  # per 1M uncached input tokens
    cached_input_usd: float  # per 1M cached input tokens
    output_usd: float  # per 1M output tokens
    date: str  # when these numbers were read


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Any]:
    return json.loads(resources.files("mimetic.actors").joinpath("rates.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _operator_table(path: str, mtime: float) -> dict[str, Rate]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        date = str(data["date"])
        return {name: _rate(entry, date) for name, entry in data["models"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MimeticError("MIMETIC_INVALID_ENV",
                           f"{RATES_ENV} must name a JSON file like the shipped rates.json "
                           f'({{"date": "YYYY-MM-DD", "models": {{"<model>": {{"input": .., "cachedInput": .., '
                           f'"output": ..}}}}}}); {path} could not be used: {type(exc).__name__}') from None


def _rate(entry: dict[str, Any], date: str) -> Rate:
    input_usd = float(entry["input"])
    cached = entry.get("cachedInput")
    return Rate(input_usd=input_usd, cached_input_usd=input_usd if cached is None else float(cached),
                output_usd=float(entry["output"]), date=date)


def rates() -> dict[str, Rate]:
    """Every known rate: the shipped table, overlaid by the operator's file."""
    table = {name: _rate(entry, _builtin()["date"]) for name, entry in _builtin()["models"].items()}
    path = (os.environ.get(RATES_ENV) or "").strip()
    if path:
        try:
            mtime = Path(path).stat().st_mtime
        except OSError:
            mtime = -1.0
        table.update(_operator_table(path, mtime))
    return table


def rate_date() -> str:
    return _builtin()["date"]


def rate_for(model: str | None) -> Rate | None:
    if not model:
        return None
    table = rates()
    return table.get(model) or table.get(SNAPSHOT_SUFFIX.sub("", model))


def cost_usd(model: str | None, usage: Usage) -> float | None:
    """USD for one turn's tokens, or None when the model has no rate. No tokens spent costs 0 whatever the model."""
    if usage.input_tokens == 0 and usage.output_tokens == 0:
        return 0.0
    rate = rate_for(model)
    if rate is None:
        return None
    cached = min(usage.cached_tokens, usage.input_tokens)
    return ((usage.input_tokens - cached) * rate.input_usd + cached * rate.cached_input_usd
            + usage.output_tokens * rate.output_usd) / PER_TOKENS


def missing_rate_message(model: str) -> str:
    return (f"Model {model} has no rate in mimetic's rate table (dated {rate_date()}), so a USD budget cannot be "
            f"enforced. Give its price in a JSON file named by {RATES_ENV} "
            f'(shape: {{"date": "YYYY-MM-DD", "models": {{"{model}": {{"input": <USD per 1M>, "cachedInput": '
            f'<USD per 1M>, "output": <USD per 1M>}}}}}}), or drop the USD cap.')
