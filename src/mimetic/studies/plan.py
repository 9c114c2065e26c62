"""What a study runs, resolved and validated before anything is written or launched.

`--study` names a lab of kind `study` (its scenario, personas, app URL, actor, judge and `require`
threshold) or a scenario with tasks (its persona, else every committed persona). Flags win over
the lab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mimetic.bundle.compose import digest, select_persona
from mimetic.contracts.bundle import LabRef, PersonaRef, ScenarioRef
from mimetic.contracts.manifests import Lab, LabJudge, Persona, Scenario
from mimetic.errors import MimeticError
from mimetic.manifests import load_manifest
from mimetic.project import Project
from mimetic.safety.urls import validate_app_url

if TYPE_CHECKING:
    from mimetic.labs.catalog import ResolvedLab

STUDY_CODE = "MIMETIC_STUDY_INVALID"
SCRIPTED = "scripted"
STUDY_ACTORS = (SCRIPTED, "openai-cua")  # scripted: keyless; the others are model actors


@dataclass(frozen=True)
class StudyPersona:
    ref: PersonaRef
    model: Persona | None


@dataclass(frozen=True)
class StudyPlan:
    app_url: str
    scenario: Scenario
    scenario_ref: ScenarioRef
    personas: list[StudyPersona]
    actor: str
    require: float | None
    lab: LabRef | None = None
    lab_manifest: Lab | None = None
    judge: LabJudge | None = None
    warnings: list[str] = field(default_factory=list)


def _scenario_path(project: Project, ref: str) -> Path:
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        path = Path(ref) if Path(ref).is_absolute() else project.root / ref
    else:
        path = project.source_dir / "scenarios" / f"{ref}.yaml"
    if not path.is_file():
        raise MimeticError("MIMETIC_STUDY_NOT_FOUND", f"--study {ref!r} is neither a study lab nor a scenario "
                                                      f"(looked for {project.relative(path)}).")
    return path


def load_scenario(project: Project, ref: str) -> tuple[Scenario, ScenarioRef]:
    path = _scenario_path(project, ref)
    display = project.relative(path)
    scenario = load_manifest(path, Scenario, display=display)
    if not scenario.tasks:
        raise MimeticError(STUDY_CODE, f"{display}: scenario {scenario.id} has no tasks; a study needs tasks "
                                       "(each with a goal and success checks, see docs/labs.md).")
    ref_model = ScenarioRef(id=scenario.id, title=scenario.title, goal=scenario.goal, source=display,
                            source_digest=digest(path.read_text(encoding="utf-8")))
    return scenario, ref_model


def _committed_persona_ids(project: Project) -> list[str]:
    folder = project.source_dir / "personas"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _personas(project: Project, ids: list[str]) -> list[StudyPersona]:
    if not ids:
        ref, model, _ = select_persona(project, None)
        return [StudyPersona(ref, model)]
    found = []
    for persona_id in dict.fromkeys(ids):
        ref, model, _ = select_persona(project, persona_id)
        found.append(StudyPersona(ref, model))
    return found


def _study_lab(project: Project, ref: str, resolved: ResolvedLab | None) -> tuple[Lab, LabRef] | None:
    from mimetic.labs.catalog import resolve_lab

    try:
        resolved = resolved or resolve_lab(project, ref)
    except MimeticError as exc:
        if exc.code == "MIMETIC_LAB_NOT_FOUND":
            return None
        raise
    if resolved.lab.kind != "study":
        raise MimeticError(STUDY_CODE, f"Lab {resolved.lab.id} is kind {resolved.lab.kind}; --study needs a lab of "
                                       "kind study or a scenario with tasks.")
    return resolved.lab, LabRef(id=resolved.lab.id, kind=resolved.lab.kind, origin=resolved.origin)


def check_actor(actor: str) -> str:
    if actor not in STUDY_ACTORS:
        raise MimeticError("MIMETIC_UNSUPPORTED_ACTOR",
                           f"A study's actor is one of: {', '.join(STUDY_ACTORS)} (got {actor!r}).")
    return actor


def plan_study(project: Project, study: str, *, app_url: str | None, actor: str | None,
               require: float | None, resolved: ResolvedLab | None = None) -> StudyPlan:
    from mimetic.browser.proof import allowed_hosts

    found = _study_lab(project, study, resolved)
    lab, lab_ref = found if found else (None, None)
    if lab is not None:
        if not lab.scenario:
            raise MimeticError(STUDY_CODE, f"Study lab {lab.id} names no scenario (scenario: <id with tasks>).")
        scenario, scenario_ref = load_scenario(project, lab.scenario)
        persona_ids = list(lab.personas or ([lab.persona] if lab.persona else []))
    else:
        scenario, scenario_ref = load_scenario(project, study)
        persona_ids = [scenario.persona] if scenario.persona else _committed_persona_ids(project)
    url = app_url or (lab.app_url if lab else None)
    if not url:
        raise MimeticError("MIMETIC_INVALID_APP_URL", "A study needs the app's URL: --app-url, or appUrl in the lab.")
    if require is not None and not 0 < require <= 1:
        raise MimeticError("MIMETIC_INVALID_REQUIRE", f"--require is a success rate in (0, 1], got {require}.")
    lab_actor = lab.actor.kind if lab and lab.actor and lab.actor.kind != "none" else None
    return StudyPlan(
        app_url=validate_app_url(url, allowed_hosts(project)), scenario=scenario, scenario_ref=scenario_ref,
        personas=_personas(project, persona_ids), actor=check_actor(actor or lab_actor or SCRIPTED),
        require=require if require is not None else (lab.require if lab else None), lab=lab_ref, lab_manifest=lab,
        judge=lab.judge if lab else None)
