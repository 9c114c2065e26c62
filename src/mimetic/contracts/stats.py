"""`mimetic stats --json` (`mimetic.stats-result.v1`): cost, tokens, outcomes and durations across runs.

Cost is summed over known costs only. When any actor's cost is unknown (a model with no rate),
`costUsd` is null and `unknownCostRuns` counts the runs affected; `knownCostUsd` is the part that
is known. Unknown is never counted as 0.
"""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.evidence import TokenUsage
from mimetic.contracts.results import ErrorInfo
from mimetic.contracts.study import PersonaTally, TaskTally

STATS_RESULT_SCHEMA = "mimetic.stats-result.v1"


class DurationSummary(Record):
    count: int = 0
    total_ms: int = 0
    mean_ms: int | None = None
    max_ms: int | None = None


class DurationStats(Record):
    runs: DurationSummary = Field(default_factory=DurationSummary)
    actors: DurationSummary = Field(default_factory=DurationSummary)


class ModelStats(Record):
    model: str
    actors: int = 0
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = 0.0


class RunStats(Record):
    run_id: str
    created_at: str | None = None
    lab: str | None = None
    mode: str | None = None
    verdict: str | None = None
    duration_ms: int | None = None
    actors: int = 0
    actor_statuses: dict[str, int] = Field(default_factory=dict)
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = 0.0  # null when an actor of this run used a model with no rate


class StatsResult(Record):
    SCHEMA_ID: ClassVar[str] = STATS_RESULT_SCHEMA
    schema_: Literal["mimetic.stats-result.v1"] = Field(STATS_RESULT_SCHEMA, alias="schema")
    ok: bool = True
    cwd: str
    lab: str | None = None
    since: str | None = None
    run_count: int = 0
    actor_count: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)  # run verdicts (pass, fail, blocked, ...)
    actor_outcomes: dict[str, int] = Field(default_factory=dict)  # actor statuses (passed, blocked, ...)
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = 0.0
    known_cost_usd: float = 0.0
    unknown_cost_runs: int = 0
    rate_dates: list[str] = Field(default_factory=list)
    model_turns: int = 0  # model turns of every actor, from their per-turn entries
    model_latency_ms: int = 0  # the models' answer time summed over those turns (retries included)
    durations: DurationStats = Field(default_factory=DurationStats)
    models: list[ModelStats] = Field(default_factory=list)
    # Studies: `reached` of `n` attempts per task and per persona, summed over the runs (by task id).
    tasks: list[TaskTally] = Field(default_factory=list)
    personas: list[PersonaTally] = Field(default_factory=list)
    runs: list[RunStats] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
