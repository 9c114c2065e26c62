"""Which steps a browser proof runs: every committed `mode: browser` scenario (or the one `--scenario` names), else the built-in proof."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimetic.browser.builtin import BUILTIN_GOAL, BUILTIN_SCENARIO_ID, BUILTIN_TITLE, builtin_steps
from mimetic.browser.steps import ProofStep, scripted_steps
from mimetic.bundle.compose import digest
from mimetic.contracts.bundle import ScenarioRef
from mimetic.contracts.manifests import Scenario
from mimetic.errors import MimeticError
from mimetic.manifests import load_manifest, load_yaml
from mimetic.project import Project

SCENARIO_CODE = "MIMETIC_SCENARIO_INVALID"


@dataclass(frozen=True)
class ProofPlan:
    ref: ScenarioRef
    steps: list[ProofStep]
    scenarios: list[Scenario] = field(default_factory=list)  # empty when the built-in proof runs

    @property
    def builtin(self) -> bool:
        return not self.scenarios

    @property
    def goal(self) -> str:
        return self.scenarios[0].goal if self.scenarios else BUILTIN_GOAL


def scenario_files(project: Project) -> list[Path]:
    folder = project.source_dir / "scenarios"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml"})


def _check_unique_step_ids(path: Path, display: str, scenario: Scenario) -> None:
    seen: set[str] = set()
    for index, step in enumerate(scenario.browser.steps):
        if step.id in seen:
            steps_node = load_yaml(path, SCENARIO_CODE, display)["browser"]["steps"]
            line = steps_node.lc.item(index)[0] + 1 if hasattr(steps_node, "lc") else 1
            raise MimeticError(SCENARIO_CODE, f"{display}:{line}: browser -> steps -> {index} -> id: "
                                              f"step id {step.id!r} is used twice (it names the step's screenshot)")
        seen.add(step.id)


def load_browser_scenarios(project: Project) -> list[tuple[Path, Scenario]]:
    """Every committed scenario is validated strictly (a typo is an error with file:line); browser ones are kept."""
    found: list[tuple[Path, Scenario]] = []
    owners: dict[str, str] = {}
    for path in scenario_files(project):
        display = project.relative(path)
        scenario = load_manifest(path, Scenario, display=display)
        if scenario.mode != "browser":
            continue
        if scenario.id in owners:
            raise MimeticError(SCENARIO_CODE, f"{display}:1: id: scenario id {scenario.id!r} is also used by {owners[scenario.id]}")
        owners[scenario.id] = display
        _check_unique_step_ids(path, display, scenario)
        found.append((path, scenario))
    return found


def _only(loaded: list[tuple[Path, Scenario]], scenario_id: str) -> list[tuple[Path, Scenario]]:
    chosen = [(path, scenario) for path, scenario in loaded if scenario.id == scenario_id]
    if not chosen:
        known = ", ".join(scenario.id for _, scenario in loaded) or "none"
        raise MimeticError("MIMETIC_SCENARIO_NOT_FOUND",
                           f"No mode: browser scenario with id {scenario_id!r} under mimetic/scenarios/ (browser scenarios: {known}).")
    return chosen


def plan_proof(project: Project, app_url: str, scenario_id: str | None = None) -> ProofPlan:
    """Every browser scenario in filename order (or only `scenario_id`); the built-in proof when there is none.

    Every scenario file is validated first, even with `scenario_id`: one invalid file is an error
    (file:line: field) for every run, never a silently skipped journey.
    """
    loaded = load_browser_scenarios(project)
    if scenario_id is not None:
        loaded = _only(loaded, scenario_id)
    if not loaded:
        ref = ScenarioRef(id=BUILTIN_SCENARIO_ID, title=BUILTIN_TITLE, goal=BUILTIN_GOAL, source="builtin",
                          source_digest=digest(app_url))
        return ProofPlan(ref=ref, steps=builtin_steps(app_url))
    texts = [path.read_text(encoding="utf-8") for path, _ in loaded]
    scenarios = [scenario for _, scenario in loaded]
    if len(loaded) == 1:
        (path, scenario), = loaded
        ref = ScenarioRef(id=scenario.id, title=scenario.title, goal=scenario.goal, source=project.relative(path),
                          source_digest=digest(texts[0]))
        return ProofPlan(ref=ref, steps=scripted_steps(scenario, app_url), scenarios=scenarios)
    # Several scenarios run one after another in each viewport; step ids carry the scenario id so
    # their screenshots cannot collide.
    ref = ScenarioRef(id="browser-scenarios", title=f"{len(scenarios)} browser scenarios: " + ", ".join(s.id for s in scenarios),
                      goal=" ".join(s.goal for s in scenarios), source=project.relative(project.source_dir / "scenarios"),
                      source_digest=digest("".join(texts)))
    steps = [step for scenario in scenarios for step in scripted_steps(scenario, app_url, id_prefix=f"{scenario.id}.")]
    return ProofPlan(ref=ref, steps=steps, scenarios=scenarios)
