"""Authored source under `mimetic/`: config, labs, personas, scenarios, policies, adapters, review.

Every model forbids unknown fields; the loader (mimetic.manifests) reports them as warnings with a file,
a line and a did-you-mean, so a typo is visible, not a silent default.
"""

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
# Lanes one run may plan (`sims`, `count`, `limit`, --sims, --count, --limit): more is a typo or an attack,
# and every lane is a sandbox, a clone and a browser.
MAX_LANES = 10_000
LaneCount = Annotated[int, BeforeValidator(_positive_int), Field(le=MAX_LANES)]
PublicToken = Annotated[str, Field(pattern=TOKEN_PATTERN, min_length=1, max_length=128)]


def _text_list(value: Any) -> Any:
    # Prose lists may be written as one sentence or as a list of them.
    return [value] if isinstance(value, str) else value


TextList = Annotated[list[str], BeforeValidator(_text_list)]


def _repo_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# --- config --------------------------------------------------------------------------------


class AppConfig(Manifest):
    name: str = Field("synthetic-app", description="The app's name, used as the adapter id in feedback drafts.")
    base_url: str = Field("http://localhost:3000", description="Where the app answers when it runs locally.")
    start_command: str = Field("npm run dev", description="The command that starts the app (informational; lanes pick the start script themselves).")


class Config(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.config.v1"
    schema_: Literal["mimetic.config.v1"] = Field("mimetic.config.v1", alias="schema", description="Always mimetic.config.v1.")
    app: AppConfig = Field(default_factory=AppConfig, description="The app under test.")
    personas_dir: str = Field("mimetic/personas", description="Folder of committed personas.")
    scenarios_dir: str = Field("mimetic/scenarios", description="Folder of committed scenarios.")
    policies_dir: str = Field("mimetic/policies", description="Folder of committed policies (network, redaction, credentials).")
    labs_dir: str = Field("mimetic/labs", description="Folder of committed labs.")
    artifacts_dir: str = Field(".mimetic/runs", description="Where run bundles are written (ignored by git).")


# --- labs ----------------------------------------------------------------------------------


class LabDefaults(Manifest):
    dry_run: bool | None = Field(None, description="Run the lab as a dry-run unless --live is given.")
    open: bool | None = Field(None, description="Open the Observer in a browser when the run starts.")
    redact_repos: bool | None = Field(None, description="Hide repository names (repo-01, ...) in results, Observer and review.")


class LabActor(Manifest):
    kind: Literal["none", "openai-cua", "anthropic", "openai-compatible", "explore"] = Field(
        "none", description="none: scripted lanes only; explore: the keyless explorer (local lanes); otherwise the provider of the AI persona that uses the app.")
    model: str | None = Field(None, description="The actor's model (MIMETIC_ACTOR_MODEL overrides it).")
    max_steps: PositiveInt | None = Field(None, description="At most this many model turns per lane.")
    max_actions: PositiveInt | None = Field(None, description="At most this many actions performed, over all turns.")
    keep_screenshots: PositiveInt | None = Field(None, description="Screenshots kept in each request's history.")
    max_usd_per_lane: float | None = Field(None, gt=0, description="USD budget of one lane's actor; it stops when spent.")
    max_usd_per_run: float | None = Field(None, gt=0, description="USD budget shared by every lane's actor in the run.")
    timeout_ms: PositiveInt | None = Field(None, description="The actor's wall-time budget per lane, in milliseconds.")


class LabJudge(Manifest):
    """The model that grades final screenshots of tasks marked `judge: model` (any actor provider)."""

    provider: Literal["openai", "anthropic"] = Field("openai", description="Which provider grades model-judged tasks.")
    model: str | None = Field(None, description="The judge model (default: the provider's).")


class Lab(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.lab.v1"
    schema_: Literal["mimetic.lab.v1"] = Field(alias="schema", description="Always mimetic.lab.v1.")
    id: PublicToken = Field(description="The lab id (`mimetic lab run <id>`).")
    kind: Literal["synthetic", "oss-meta", "oss-smoke", "study"] = Field(
        description="synthetic: dry-run lanes only; oss-meta: lanes clone, start and prove repos; oss-smoke: clone, init, doctor, dry-run, verify; study: personas x tasks against an app.")
    title: str | None = Field(None, description="A short human title.")
    description: str | None = Field(None, description="What the lab is for.")
    sims: LaneCount | None = Field(None, description="Synthetic labs: how many simulated lanes.")
    count: LaneCount | None = Field(None, description="oss-meta: how many lanes (repos are assigned round-robin).")
    limit: LaneCount | None = Field(None, description="oss-smoke: at most this many repos.")
    concurrency: PositiveInt | None = Field(None, description="At most this many lanes at once.")
    substrate: Literal["e2b", "local"] | None = Field(None, description="Where live lanes run: e2b hosted desktops or local (this machine).")
    repos: Annotated[list[str] | None, BeforeValidator(_repo_list)] = Field(
        None, description="GitHub owner/repo slugs (a list or a comma-separated string).")
    persona: PublicToken | None = Field(None, description="The persona id every lane's actor plays.")
    scenario: PublicToken | None = Field(None, description="The scenario id every lane's actor pursues.")
    actor: LabActor | None = Field(None, description="The AI actor and its budgets.")
    defaults: LabDefaults | None = Field(None, description="Defaults for run options.")
    # Studies (kind: study): who takes part, where the app is, and the CI threshold (docs/labs.md).
    personas: list[PublicToken] | None = Field(None, description="Study: the persona ids that take part.")
    app_url: str | None = Field(None, description="Study: the loopback URL of the app.")
    require: float | None = Field(None, gt=0, le=1, description="Study: exit 1 when a required task's success rate is below this (0-1).")
    judge: LabJudge | None = Field(None, description="Study: how outcomes are judged.")


# --- personas and scenarios ----------------------------------------------------------------


class PersonaTraits(Manifest):
    patience: Literal["low", "medium", "high"] = Field("medium", description="How long the persona tolerates friction before giving up.")
    technical_confidence: Literal["low", "medium", "high"] = Field("medium", description="How much the persona knows about software like this.")
    accessibility_needs: str = Field("none_declared", description="Needs the persona has (for example screen reader, large text).")


class PersonaBudget(Manifest):
    """Explicit patience: overrides the step and time budget `traits.patience` implies."""

    max_steps: PositiveInt | None = Field(None, description="At most this many actions per task.")
    time_ms: PositiveInt | None = Field(None, description="At most this much time per task, in milliseconds.")


class PersonaProfile(Manifest):
    """What 0.1.5's authoring guide asks a persona to describe beyond its traits; handed to the actor."""

    motivations: TextList = Field(default_factory=list, description="Why the persona uses the product.")
    experience_level: str | None = Field(None, description="How experienced the persona is with products like this.")
    device_assumptions: TextList = Field(default_factory=list, description="The devices and setups the persona uses.")
    risk_tolerance: str | None = Field(None, description="How readily the persona tries unfamiliar or risky actions.")
    accessibility_needs: str | None = Field(None, description="Needs the persona has (for example screen reader, large text).")


class Persona(PersonaProfile):
    SCHEMA_ID: ClassVar[str] = "mimetic.persona.v1"
    schema_: Literal["mimetic.persona.v1"] = Field(alias="schema", description="Always mimetic.persona.v1.")
    id: PublicToken = Field(description="The persona id scenarios and labs refer to.")
    name: str = Field(min_length=1, description="A display name (invented; never a real person).")
    summary: str = Field("", description="Who the persona is, in a sentence or two (given to the actor).")
    traits: PersonaTraits = Field(default_factory=PersonaTraits, description="Behaviour traits.")
    constraints: list[str] = Field(default_factory=list, description="Rules the persona keeps (for example never pays).")
    # Behaviour in a study (docs/labs.md "Personas change behaviour"): unset means the default.
    device: Literal["desktop", "mobile", "tablet"] | None = Field(None, description="Study: the device the persona uses.")
    input_style: Literal["pointer", "keyboard-only"] | None = Field(None, description="Study: pointer, or keyboard only.")
    reading_speed: Literal["fast", "average", "slow"] | None = Field(None, description="Study: how fast the persona reads.")
    budget: PersonaBudget | None = Field(None, description="Study: how much effort the persona spends before giving up.")


class ScenarioStep(Manifest):
    name: str = Field(description="A step of a dry-run scenario, in words.")
    expectation: str = Field(description="What should be true after it.")


BrowserAction = Literal[
    "goto", "fill", "press", "click", "check", "selectOption", "assertText", "waitForText", "waitForSelector"
]


class BrowserExpectation(Manifest):
    text: str | None = Field(None, description="This text appears on the page (whitespace-insensitive) within the settle time.")
    selector_visible: str | None = Field(None, description="An element matching this CSS/Playwright selector is visible.")
    url_includes: str | None = Field(None, description="The page URL contains this string (for example #/completed).")
    state_changed: bool | None = Field(
        None, description="true: the action changed the page's state (URL, visible text or form values); "
                          "false: it changed none of them.")


class BrowserStep(Manifest):
    id: PublicToken = Field(description="Unique within the scenario; names the step's screenshot (screenshots/<surface>-<id>.png).")
    label: str | None = Field(None, description="What the step does, in words (shown in results and drafts).")
    action: BrowserAction = Field(
        description="goto (path), fill (selector, value), press (selector, key), click (selector), check (selector), "
                    "selectOption (selector, value), assertText / waitForText (value or expect.text, optional selector), "
                    "waitForSelector (selector).")
    path: str | None = Field(None, description="goto: a path starting with /, joined to the app URL (default: startPath).")
    selector: str | None = Field(None, description="The element to act on or read: a CSS or Playwright selector.")
    value: str | None = Field(None, description="fill / selectOption: the value; assertText / waitForText: the text.")
    key: str | None = Field(None, description="press: the key, for example Enter.")
    expect: BrowserExpectation | None = Field(None, description="Checks after the action; every one given must hold.")

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
    start_path: str = Field("/", description="Where a goto without a path opens, relative to the app URL.")
    steps: list[BrowserStep] = Field(min_length=1, description="Run in order in every viewport; the first failure skips the rest of this scenario.")

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

    text: str | None = Field(None, description="This text is shown (in `selector` if given).")
    selector: str | None = Field(None, description="Where `text` must be shown.")
    selector_visible: str | None = Field(None, description="An element matching this selector is visible.")
    url_includes: str | None = Field(None, description="The page URL contains this string.")
    state_changed: bool | None = Field(None, description="The page's state (URL, text, form values) changed since the task began.")

    @model_validator(mode="after")
    def _something(self) -> "TaskCheck":
        if self.text is None and not self.selector_visible and not self.url_includes and self.state_changed is None:
            raise ValueError("a check needs text, selectorVisible, urlIncludes or stateChanged")
        if self.selector and self.text is None:
            raise ValueError("selector scopes text; give text too (or use selectorVisible)")
        return self


class CheckRule(Manifest):
    """Checks combined: every `allOf` check and, when `anyOf` is given, at least one of those."""

    all_of: list[TaskCheck] = Field(default_factory=list, description="Every one of these checks holds.")
    any_of: list[TaskCheck] = Field(default_factory=list, description="At least one of these checks holds.")

    @model_validator(mode="after")
    def _not_empty(self) -> "CheckRule":
        if not self.all_of and not self.any_of:
            raise ValueError("give allOf or anyOf (at least one check)")
        return self


class TaskSuccess(CheckRule):
    """What mimetic checks, never shown to the participant; `stopWhen` ends the attempt as soon as it matches."""

    stop_when: CheckRule | None = Field(None, description="End the attempt early (as not reached) when this holds.")


class ScenarioTask(Manifest):
    id: PublicToken = Field(description="The task id.")
    title: str | None = Field(None, description="A short human title.")
    goal: str = Field(min_length=1, description="What the participant is told.")
    success: TaskSuccess = Field(description="What mimetic checks (hidden from the participant).")
    required: bool = Field(True, description="Counted against the lab's `require` threshold.")
    judge: Literal["model"] | None = Field(None, description="model: a model grades the final screenshots against `rubric`.")
    rubric: str | None = Field(None, description="What the judge grades the final screenshots against.")
    start_path: str | None = Field(None, description="Open this path before the attempt (unordered tasks start here).")
    steps: list[BrowserStep] = Field(default_factory=list, description="What the scripted actor does as the participant.")

    @model_validator(mode="after")
    def _judge(self) -> "ScenarioTask":
        if self.judge == "model" and not (self.rubric or "").strip():
            raise ValueError("judge: model needs a rubric")
        if self.start_path is not None and not self.start_path.startswith("/"):
            raise ValueError("startPath must start with /")
        return self


class ScenarioBrief(Manifest):
    """What 0.1.5's authoring guide asks a scenario to define beyond its steps; handed to the actor.

    `startUrl` may be a path or a full URL; its path becomes the browser plan's start path."""

    surface: str | None = Field(None, description="Where the scenario happens (for example web, mobile web).")
    start_url: str | None = Field(None, description="Where the user starts.")
    intent: str | None = Field(None, description="What the user means to do, in their words.")
    success_signals: TextList = Field(default_factory=list, description="What shows the user succeeded.")
    failure_signals: TextList = Field(default_factory=list, description="What shows the user failed or gave up.")

    @property
    def start_path(self) -> str | None:
        if not self.start_url:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(self.start_url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return path if path.startswith("/") else f"/{path}"


class Scenario(ScenarioBrief):
    SCHEMA_ID: ClassVar[str] = "mimetic.scenario.v1"
    schema_: Literal["mimetic.scenario.v1"] = Field(alias="schema", description="Always mimetic.scenario.v1.")
    id: PublicToken = Field(description="The scenario id (`mimetic run --app-url URL --scenario <id>`).")
    title: str = Field(min_length=1, description="A short human title.")
    persona: PublicToken | None = Field(None, description="The persona id who plays it (default: the first persona).")
    goal: str = Field(min_length=1, description="What the user wants to get done (the actor's goal).")
    mode: Literal["dry-run", "browser", "study"] = Field(
        "dry-run", description="browser: `run --app-url` runs its browser steps (every browser scenario, in filename order); "
                               "study: tasks for `run --study`; dry-run: words only.")
    steps: list[ScenarioStep] = Field(default_factory=list, description="Dry-run steps in words.")
    browser: BrowserPlan | None = Field(None, description="The browser steps; required for mode browser.")
    tasks: list[ScenarioTask] = Field(default_factory=list, description="Study: tasks with hidden success criteria.")
    ordered: bool = Field(False, description="Study: tasks build on each other in one session (reported as a funnel).")

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
    schema_: Literal["mimetic.redaction-policy.v1"] = Field(alias="schema", description="Always mimetic.redaction-policy.v1.")
    deny: list[str] = Field(default_factory=list, description="What must never appear in evidence.")
    allow: list[str] = Field(default_factory=list, description="What may appear.")
    enforced: list[str] = Field(default_factory=list, description="What mimetic enforces itself.")
    author_responsibility: list[str] = Field(default_factory=list, description="What the author must keep out.")


class NetworkPolicy(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.network-policy.v1"
    schema_: Literal["mimetic.network-policy.v1"] = Field(alias="schema", description="Always mimetic.network-policy.v1.")
    default: Literal["no_network", "local_only", "public_oss", "authorized_private", "provider_substrate",
                     "custom_allowlist"] = Field("local_only", description="The project's network stance.")
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1"],
                                     description="Bare host names `run --app-url` may prove besides loopback.")
    notes: TextList = Field(default_factory=list, description="Free-text notes (one sentence or a list).")

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[::1\]", host):
                raise ValueError(f"allowed host {host!r} must be a bare host name")
        return hosts


class CredentialsPolicy(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.credentials-policy.v1"
    schema_: Literal["mimetic.credentials-policy.v1"] = Field(alias="schema", description="Always mimetic.credentials-policy.v1.")
    env_names: dict[str, str] = Field(default_factory=dict, description="Variable name -> what it is for (names only, never values).")
    rules: list[str] = Field(default_factory=list, description="Rules for handling them.")


class AdapterRoute(Manifest):
    id: PublicToken = Field(description="The route id.")
    path: str = Field(description="The route's path in the app.")
    description: str = Field("", description="What is there.")


class Adapter(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.adapter.v1"
    schema_: Literal["mimetic.adapter.v1"] = Field(alias="schema", description="Always mimetic.adapter.v1.")
    id: PublicToken = Field(description="The adapter id.")
    routes: list[AdapterRoute] = Field(default_factory=list, description="Routes of the app worth visiting.")


class ReviewVocabulary(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.review-vocabulary.v1"
    schema_: Literal["mimetic.review-vocabulary.v1"] = Field(alias="schema", description="Always mimetic.review-vocabulary.v1.")
    verdicts: list[str] = Field(description="The verdicts a review may give.")
    labels: dict[str, str] = Field(default_factory=dict, description="Verdict -> human label.")


class Milestone(Manifest):
    id: PublicToken = Field(description="The milestone id.")
    description: str = Field(description="What reaching it means.")


class Milestones(Manifest):
    SCHEMA_ID: ClassVar[str] = "mimetic.milestones.v1"
    schema_: Literal["mimetic.milestones.v1"] = Field(alias="schema", description="Always mimetic.milestones.v1.")
    milestones: list[Milestone] = Field(description="The product milestones a study may reach.")


class SyntheticFixture(Manifest):
    """State a scenario may start from. Always invented: `synthetic: true` is the author's promise."""

    SCHEMA_ID: ClassVar[str] = "mimetic.synthetic-fixture.v1"
    schema_: Literal["mimetic.synthetic-fixture.v1"] = Field(alias="schema", description="Always mimetic.synthetic-fixture.v1.")
    id: PublicToken = Field(description="The fixture id.")
    synthetic: Literal[True] = Field(description="Must be true: the author's promise that the data is invented.")
    description: str = Field("", description="What state the fixture describes.")
    user: dict[str, str] = Field(default_factory=dict, description="Invented user fields.")
    session: dict[str, str] = Field(default_factory=dict, description="Invented session fields.")
