"""Authored source under `mimetic/`: config, labs, personas, scenarios, policies, adapters, review.

Every model rejects unknown fields so a typo is an error with a file and line, not a silent default.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from mimetic.contracts.base import Manifest

TOKEN_PATTERN = r"^[A-Za-z0-9_.-]+$"


def _positive_int(value: Any) -> Any:
    # Upstream accepts digit strings ("4") as well as integers; booleans are not numbers here.
    if isinstance(value, bool):
        raise ValueError("must be a positive integer")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 1:
        raise ValueError("must be a positive integer")
    return value


PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
PublicToken = Annotated[str, Field(pattern=TOKEN_PATTERN, min_length=1, max_length=128)]


def _repo_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# --- config --------------------------------------------------------------------------------


class AppConfig(Manifest):
    name: str = "synthetic-app"
    base_url: str = "http://localhost:3000"
    start_command: str = "npm run dev"


class Config(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.config.v1"
    schema_: Literal["mimetic.config.v1"] = Field("mimetic.config.v1", alias="schema")
    app: AppConfig = Field(default_factory=AppConfig)
    personas_dir: str = "mimetic/personas"
    scenarios_dir: str = "mimetic/scenarios"
    policies_dir: str = "mimetic/policies"
    labs_dir: str = "mimetic/labs"
    artifacts_dir: str = ".mimetic/runs"


# --- labs ----------------------------------------------------------------------------------


class LabDefaults(Manifest):
    dry_run: bool | None = None
    open: bool | None = None
    redact_repos: bool | None = None


class LabActor(Manifest):
    kind: Literal["none", "openai-cua"] = "none"
    model: str | None = None
    max_steps: PositiveInt | None = None
    max_usd_per_lane: float | None = Field(None, gt=0)
    max_usd_per_run: float | None = Field(None, gt=0)
    timeout_ms: PositiveInt | None = None


class LabJudge(Manifest):
    """The model that grades final screenshots of tasks marked `judge: model` (any actor provider)."""

    provider: Literal["openai", "anthropic"] = "openai"
    model: str | None = None


class Lab(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.lab.v1"
    schema_: Literal["mimetic.lab.v1"] = Field(alias="schema")
    id: PublicToken
    kind: Literal["synthetic", "oss-meta", "oss-smoke", "study"]
    title: str | None = None
    description: str | None = None
    sims: PositiveInt | None = None
    count: PositiveInt | None = None
    limit: PositiveInt | None = None
    concurrency: PositiveInt | None = None
    substrate: Literal["e2b", "local"] | None = None
    repos: Annotated[list[str] | None, BeforeValidator(_repo_list)] = None
    persona: PublicToken | None = None
    scenario: PublicToken | None = None
    actor: LabActor | None = None
    defaults: LabDefaults | None = None
    # Studies (kind: study): who takes part, where the app is, and the CI threshold (docs/labs.md).
    personas: list[PublicToken] | None = None
    app_url: str | None = None
    require: float | None = Field(None, gt=0, le=1)
    judge: LabJudge | None = None


# --- personas and scenarios ----------------------------------------------------------------


class PersonaTraits(Manifest):
    patience: Literal["low", "medium", "high"] = "medium"
    technical_confidence: Literal["low", "medium", "high"] = "medium"
    accessibility_needs: str = "none_declared"


class PersonaBudget(Manifest):
    """Explicit patience: overrides the step and time budget `traits.patience` implies."""

    max_steps: PositiveInt | None = None
    time_ms: PositiveInt | None = None


class Persona(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.persona.v1"
    schema_: Literal["mimetic.persona.v1"] = Field(alias="schema")
    id: PublicToken
    name: str = Field(min_length=1)
    summary: str = ""
    traits: PersonaTraits = Field(default_factory=PersonaTraits)
    constraints: list[str] = Field(default_factory=list)
    # Behaviour in a study (docs/labs.md "Personas change behaviour"): unset means the default.
    device: Literal["desktop", "mobile", "tablet"] | None = None
    input_style: Literal["pointer", "keyboard-only"] | None = None
    reading_speed: Literal["fast", "average", "slow"] | None = None
    budget: PersonaBudget | None = None


class ScenarioStep(Manifest):
    name: str
    expectation: str


BrowserAction = Literal[
    "goto", "fill", "press", "click", "check", "selectOption", "assertText", "waitForText", "waitForSelector"
]


class BrowserExpectation(Manifest):
    text: str | None = None
    selector_visible: str | None = None
    url_includes: str | None = None
    state_changed: bool | None = None


class BrowserStep(Manifest):
    id: PublicToken
    label: str | None = None
    action: BrowserAction
    path: str | None = None
    selector: str | None = None
    value: str | None = None
    key: str | None = None
    expect: BrowserExpectation | None = None

    @model_validator(mode="after")
    def _needs(self) -> "BrowserStep":
        needs_selector = {"fill", "press", "click", "check", "selectOption", "waitForSelector"}
        if self.action in needs_selector and not self.selector:
            raise ValueError(f"{self.action} needs a selector")
        if self.action in {"fill", "selectOption"} and self.value is None:
            raise ValueError(f"{self.action} needs a value")
        if self.action == "press" and not (self.key or self.value):
            raise ValueError("press needs a key (for example Enter)")
        if self.action in {"assertText", "waitForText"} and not (self.value or (self.expect and self.expect.text)):
            raise ValueError(f"{self.action} needs expect.text or value")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError("path must start with / (it is joined to the app URL)")
        return self


class BrowserPlan(Manifest):
    start_path: str = "/"
    steps: list[BrowserStep] = Field(min_length=1)

    @field_validator("start_path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("startPath must start with /")
        return value


class TaskCheck(Manifest):
    """One deterministic check on the live page: the browser expectations of scripted steps.

    `selector` scopes `text` to the matching elements (the whole page when absent).
    """

    text: str | None = None
    selector: str | None = None
    selector_visible: str | None = None
    url_includes: str | None = None
    state_changed: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> "TaskCheck":
        if self.text is None and not self.selector_visible and not self.url_includes and self.state_changed is None:
            raise ValueError("a check needs text, selectorVisible, urlIncludes or stateChanged")
        if self.selector and self.text is None:
            raise ValueError("selector scopes text; give text too (or use selectorVisible)")
        return self


class CheckRule(Manifest):
    """Checks combined: every `allOf` check and, when `anyOf` is given, at least one of those."""

    all_of: list[TaskCheck] = Field(default_factory=list)
    any_of: list[TaskCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> "CheckRule":
        if not self.all_of and not self.any_of:
            raise ValueError("give allOf or anyOf (at least one check)")
        return self


class TaskSuccess(CheckRule):
    """What mimetic checks, never shown to the participant; `stopWhen` ends the attempt as soon as it matches."""

    stop_when: CheckRule | None = None


class ScenarioTask(Manifest):
    id: PublicToken
    title: str | None = None
    goal: str = Field(min_length=1)  # what the participant is told
    success: TaskSuccess  # what mimetic checks (hidden from the participant)
    required: bool = True  # counted against the lab's `require` threshold
    judge: Literal["model"] | None = None
    rubric: str | None = None  # what the judge grades the final screenshots against
    start_path: str | None = None  # open this path before the attempt (unordered tasks start here)
    steps: list[BrowserStep] = Field(default_factory=list)  # what the scripted actor does as the participant

    @model_validator(mode="after")
    def _judge(self) -> "ScenarioTask":
        if self.judge == "model" and not (self.rubric or "").strip():
            raise ValueError("judge: model needs a rubric")
        if self.start_path is not None and not self.start_path.startswith("/"):
            raise ValueError("startPath must start with /")
        return self


class Scenario(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.scenario.v1"
    schema_: Literal["mimetic.scenario.v1"] = Field(alias="schema")
    id: PublicToken
    title: str = Field(min_length=1)
    persona: PublicToken | None = None
    goal: str = Field(min_length=1)
    mode: Literal["dry-run", "browser", "study"] = "dry-run"
    steps: list[ScenarioStep] = Field(default_factory=list)
    browser: BrowserPlan | None = None
    tasks: list[ScenarioTask] = Field(default_factory=list)
    ordered: bool = False  # tasks build on each other in one session; reported as a funnel

    @model_validator(mode="after")
    def _browser_mode(self) -> "Scenario":
        if self.mode == "browser" and self.browser is None:
            raise ValueError("mode browser needs a browser block with steps")
        if self.mode == "study" and not self.tasks:
            raise ValueError("mode study needs tasks")
        ids = [task.id for task in self.tasks]
        if len(set(ids)) != len(ids):
            raise ValueError("task ids must be unique")
        return self


# --- policies, adapters, review vocabulary ---------------------------------------------------


class RedactionPolicy(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.redaction-policy.v1"
    schema_: Literal["mimetic.redaction-policy.v1"] = Field(alias="schema")
    deny: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    enforced: list[str] = Field(default_factory=list)
    author_responsibility: list[str] = Field(default_factory=list)


class NetworkPolicy(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.network-policy.v1"
    schema_: Literal["mimetic.network-policy.v1"] = Field(alias="schema")
    default: Literal["no_network", "local_only", "public_oss", "authorized_private", "provider_substrate",
                     "custom_allowlist"] = "local_only"
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1"])
    notes: str = ""

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[::1\]", host):
                raise ValueError(f"allowed host {host!r} must be a bare host name")
        return hosts


class CredentialsPolicy(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.credentials-policy.v1"
    schema_: Literal["mimetic.credentials-policy.v1"] = Field(alias="schema")
    env_names: dict[str, str] = Field(default_factory=dict)
    rules: list[str] = Field(default_factory=list)


class AdapterRoute(Manifest):
    id: PublicToken
    path: str
    description: str = ""


class Adapter(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.adapter.v1"
    schema_: Literal["mimetic.adapter.v1"] = Field(alias="schema")
    id: PublicToken
    routes: list[AdapterRoute] = Field(default_factory=list)


class ReviewVocabulary(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.review-vocabulary.v1"
    schema_: Literal["mimetic.review-vocabulary.v1"] = Field(alias="schema")
    verdicts: list[str]
    labels: dict[str, str] = Field(default_factory=dict)


class Milestone(Manifest):
    id: PublicToken
    description: str


class Milestones(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.milestones.v1"
    schema_: Literal["mimetic.milestones.v1"] = Field(alias="schema")
    milestones: list[Milestone]


class SyntheticFixture(Manifest):
    """State a scenario may start from. Always invented: `synthetic: true` is the author's promise."""

    SCHEMA_ID: ClassVar[str] = "mimetic.synthetic-fixture.v1"
    schema_: Literal["mimetic.synthetic-fixture.v1"] = Field(alias="schema")
    id: PublicToken
    synthetic: Literal[True]
    description: str = ""
    user: dict[str, str] = Field(default_factory=dict)
    session: dict[str, str] = Field(default_factory=dict)
