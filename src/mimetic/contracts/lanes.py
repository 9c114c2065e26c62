"""What a live lane leaves behind: the bootstrap's completion record and the app-runner plan."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.bundle import ActorStatus, AppStatus, VisualStatus
from mimetic.contracts.evidence import SetupQuality

BOOTSTRAP_COMPLETION_SCHEMA = "mimetic.oss-meta-bootstrap-completion.v1"
APP_RUNNER_PLAN_SCHEMA = "mimetic.lab-app-runner-plan.v1"

StepStatus = Literal["passed", "failed", "not_run"]


class BootstrapCompletion(Record):
    """`completion.json` in a lane root, written by the bootstrap's EXIT trap (upstream §4.2).

    Every text field is redacted and path-scrubbed (`[lane-root]`) before it is written.
    """

    SCHEMA_ID: ClassVar[str] = BOOTSTRAP_COMPLETION_SCHEMA
    schema_: Literal["mimetic.oss-meta-bootstrap-completion.v1"] = Field(BOOTSTRAP_COMPLETION_SCHEMA, alias="schema")
    status: Literal["passed", "failed", "blocked", "timed_out"]
    reason: str
    exit_code: int | None = None
    step: str | None = None  # the last bootstrap step reached
    package_manager: str | None = None
    package_manager_version: str | None = None  # what `<manager> --version` said in the lane
    package_manager_via: str | None = None  # binary | corepack | yarnPath | npm-registry (a lane-local install)
    node_version: str | None = None  # the Node the lane ran (`node --version`)
    node_source: str | None = None  # host | provisioned (fetched because the repo asked for another)
    app_script: str | None = None
    app_framework: str | None = None
    app_status: AppStatus = "not_started"
    app_reason: str | None = None
    app_url: str | None = None
    app_pid: int | None = None
    app_log_path: str | None = None
    app_log_tail: str = ""
    actor_status: ActorStatus = "not_started"  # the lane's setup actor (lanes/setup_actor.py)
    actor_reason: str | None = None  # what it did, or why it did not run
    actor_pid: int | None = None
    actor_log_path: str | None = None
    actor_log_tail: str = ""
    actor_last_message_tail: str = ""
    nested_run_id: str | None = None
    nested_proof: Literal["app-url", "dry-run", "not_run"] = "not_run"
    nested_proof_status: StepStatus = "not_run"
    nested_verify_status: StepStatus = "not_run"
    nested_observer_present: bool = False
    setup_quality: SetupQuality | None = None
    visual_status: VisualStatus = "not_started"
    visual_reason: str | None = None
    visual_window_count: int = 0
    log_tail: str = ""
    completed_at: str


class AppRunnerPlan(Record):
    """How a lane installs and starts the target app (upstream §4.5); fails closed when nothing is runnable."""

    SCHEMA_ID: ClassVar[str] = APP_RUNNER_PLAN_SCHEMA
    schema_: Literal["mimetic.lab-app-runner-plan.v1"] = Field(APP_RUNNER_PLAN_SCHEMA, alias="schema")
    ok: bool
    reason: str = ""
    package_manager: str | None = None
    package_manager_source: Literal["packageManager", "lockfile", "default", "none"] = "none"
    package_manager_version: str | None = None  # the exact version packageManager pins
    package_manager_berry: bool = False  # Yarn 2+ (berry)
    yarn_path: str | None = None  # the checked-in Yarn release (.yarnrc.yml yarnPath), run with node
    runner: list[str] = Field(default_factory=list)  # argv prefix of install/start that reaches the manager
    node_requirement: str | None = None  # the Node range the repo asks for
    node_requirement_source: str | None = None  # engines.node | volta.node | .nvmrc | .node-version
    node_pinned: bool = False  # asked for by a version file or volta (the same major satisfies it)
    node_provision: bool = False  # this machine's Node does not fit: the lane fetches one
    install_mode: Literal["run", "skip"] = "skip"
    install: list[str] = Field(default_factory=list)  # argv
    install_env: dict[str, str] = Field(default_factory=dict)
    script: str | None = None
    framework: Literal["next", "vite", "astro", "generic", "static", "none"] = "none"
    port: int | None = None  # the port the app is started on
    script_port: int | None = None  # the port the script itself names (or the framework default)
    start: list[str] = Field(default_factory=list)  # argv
    start_env: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
