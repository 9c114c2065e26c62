"""Pieces every kind of run shares: source info, persona/scenario selection, the event log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from mimetic.clock import now_iso
from mimetic.contracts.bundle import LifecycleEntry, PersonaRef, RunEvent, ScenarioRef, Source
from mimetic.contracts.manifests import Persona, Scenario
from mimetic.manifests import load_manifest
from mimetic.project import Project

BUILTIN_PERSONA = PersonaRef(id="builtin-synthetic-new-user", name="Synthetic new user", source="builtin",
                             source_digest="builtin")
BUILTIN_SCENARIO = ScenarioRef(id="builtin-first-run-smoke", title="First-run smoke",
                               goal="Reach the first meaningful screen without help.", source="builtin",
                               source_digest="builtin")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def source_info(project: Project) -> Source:
    package_name = None
    package_json = project.root / "package.json"
    if package_json.is_file():
        try:
            name = json.loads(package_json.read_text(encoding="utf-8")).get("name")
            package_name = name if isinstance(name, str) else None
        except (ValueError, OSError, AttributeError):
            package_name = None
    elif (project.root / "pyproject.toml").is_file():
        package_name = None
    return Source(package_name=package_name, mimetic_source="present" if project.source_dir.is_dir() else "missing")


def _rel(project: Project, path: Path) -> str:
    return project.relative(path)


def select_persona(project: Project, persona_id: str = "synthetic-new-user") -> tuple[PersonaRef, Persona | None, list[str]]:
    path = project.source_dir / "personas" / f"{persona_id}.yaml"
    if not path.is_file():
        warn = [f"Persona file {_rel(project, path)} was not found; using the built-in synthetic persona."] \
            if project.source_dir.is_dir() else []
        return BUILTIN_PERSONA, None, warn
    persona = load_manifest(path, Persona, display=_rel(project, path))
    ref = PersonaRef(id=persona.id, name=persona.name, source=_rel(project, path),
                     source_digest=digest(path.read_text(encoding="utf-8")))
    return ref, persona, []


def select_scenario(project: Project, scenario_id: str = "first-run-smoke") -> tuple[ScenarioRef, Scenario | None, list[str]]:
    path = project.source_dir / "scenarios" / f"{scenario_id}.yaml"
    if not path.is_file():
        warn = [f"Scenario file {_rel(project, path)} was not found; using the built-in first-run scenario."] \
            if project.source_dir.is_dir() else []
        return BUILTIN_SCENARIO, None, warn
    scenario = load_manifest(path, Scenario, display=_rel(project, path))
    ref = ScenarioRef(id=scenario.id, title=scenario.title, goal=scenario.goal, source=_rel(project, path),
                      source_digest=digest(path.read_text(encoding="utf-8")))
    return ref, scenario, []


def missing_source_warning(project: Project) -> list[str]:
    if project.source_dir.is_dir():
        return []
    return ["Committed mimetic/ source was not found; using built-in synthetic dry-run defaults."]


@dataclass
class EventLog:
    """Sequential `event-NNN` ids and lifecycle entries for one run."""

    events: list[RunEvent] = field(default_factory=list)
    lifecycle: list[LifecycleEntry] = field(default_factory=list)

    def add(self, type_: str, message: str, *, level: str = "info", sim_id: str | None = None,
            stream_id: str | None = None) -> RunEvent:
        event = RunEvent(id=f"event-{len(self.events):03d}", at=now_iso(), level=level, type=type_,
                         message=message, sim_id=sim_id, stream_id=stream_id)
        self.events.append(event)
        return event

    def mark(self, event: str, message: str) -> None:
        self.lifecycle.append(LifecycleEntry(at=now_iso(), event=event, message=message))
