"""Pieces every kind of run shares: source info, persona/scenario selection, the event log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TypeVar

from mimetic.clock import now_iso
from mimetic.contracts.bundle import LifecycleEntry, PersonaRef, RunEvent, ScenarioRef, Source
from mimetic.contracts.manifests import Persona, Scenario
from mimetic.errors import MimeticError
from mimetic.manifests import load_manifest
from mimetic.project import Project

M = TypeVar("M", Persona, Scenario)

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
    return Source(package_name=package_name, mimetic_source="present" if project.source_dir.is_dir() else "missing")


def _load_source(project: Project, folder: str, source_id: str, model: type[M], what: str,
                 required: bool) -> tuple[M | None, str, str, list[str]]:
    """A committed persona or scenario by id: (model or None, display path, digest, warnings).

    `required`: a lab named it, so a missing file is an error rather than a fall-back to the built-in one."""
    path = project.source_dir / folder / f"{source_id}.yaml"
    display = project.relative(path)
    if not path.is_file():
        if required:
            raise MimeticError(f"MIMETIC_{what.upper()}_NOT_FOUND", f"{what} {source_id!r} is not in {display}.")
        warn = [f"{what} file {display} was not found; using the built-in one."] if project.source_dir.is_dir() else []
        return None, display, "builtin", warn
    return load_manifest(path, model, display=display), display, digest(path.read_text(encoding="utf-8")), []


def select_persona(project: Project, persona_id: str | None = None) -> tuple[PersonaRef, Persona | None, list[str]]:
    """The named persona (must exist), else the starter `synthetic-new-user` or the built-in one."""
    persona, source, source_digest, warnings = _load_source(project, "personas", persona_id or "synthetic-new-user",
                                                            Persona, "Persona", required=persona_id is not None)
    if persona is None:
        return BUILTIN_PERSONA, None, warnings
    return PersonaRef(id=persona.id, name=persona.name, source=source, source_digest=source_digest), persona, []


def select_scenario(project: Project, scenario_id: str | None = None) -> tuple[ScenarioRef, Scenario | None, list[str]]:
    """The named scenario (must exist), else the starter `first-run-smoke` or the built-in one."""
    scenario, source, source_digest, warnings = _load_source(project, "scenarios", scenario_id or "first-run-smoke",
                                                             Scenario, "Scenario", required=scenario_id is not None)
    if scenario is None:
        return BUILTIN_SCENARIO, None, warnings
    ref = ScenarioRef(id=scenario.id, title=scenario.title, goal=scenario.goal, source=source,
                      source_digest=source_digest)
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
