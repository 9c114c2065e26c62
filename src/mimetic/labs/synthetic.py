"""The synthetic dry-run: N contract-proof lanes cycling four templates (ui, terminal, tui, codex-ui)."""

from __future__ import annotations

from dataclasses import dataclass

from mimetic.bundle.compose import EventLog, missing_source_warning, select_persona, select_scenario, source_info
from mimetic.bundle.store import RunStore, review_markdown
from mimetic.clock import new_run_id, now_iso
from mimetic.contracts.bundle import (
    CodexBlock, Embed, LabRef, Review, RunBundle, Simulation, Stream, StreamArtifact, StreamUi, Terminal, Viewport,
)
from mimetic.contracts.manifests import MAX_LANES
from mimetic.contracts.results import RunResult
from mimetic.errors import MimeticError
from mimetic.project import Project

DRY_RUN_GAPS = [
    "No browser was launched.",
    "No product state was verified.",
    "No model, provider, or E2B substrate was used.",
]


@dataclass(frozen=True)
class LaneTemplate:
    kind: str
    mode: str
    transport: str
    label: str
    step: str


TEMPLATES = (
    LaneTemplate("ui", "browser-sim", "polling", "UI", "Synthetic UI lane ready; no browser launched."),
    LaneTemplate("terminal", "cli-sim", "snapshot", "CLI", "Synthetic CLI lane ready; no command executed."),
    LaneTemplate("tui", "tui-sim", "pty", "TUI", "Synthetic TUI lane ready; no terminal attached."),
    LaneTemplate("codex-ui", "codex-app-sim", "app-server", "Codex UI", "Synthetic Codex UI lane ready; not connected."),
)


def validate_sims(sims: int | None, default: int) -> int:
    value = default if sims is None else sims
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LANES:
        raise MimeticError("MIMETIC_INVALID_SIM_COUNT", f"--sims must be a whole number from 1 to {MAX_LANES:,}, got {sims}.")
    return value


def _stream(sim_id: str, index: int, template: LaneTemplate, at: str) -> Stream:
    stream_id = f"{sim_id}-{template.kind}"
    base = dict(id=stream_id, sim_id=sim_id, kind=template.kind, label=f"{template.label} lane {index + 1}",
                status="contract_proof_only", transport=template.transport, updated_at=at,
                artifacts=[StreamArtifact(label="Run bundle", path="run.json", kind="bundle"),
                           StreamArtifact(label="Event log", path="events.ndjson", kind="events")])
    if template.kind == "ui":
        return Stream(**base, viewport=Viewport(width=1440, height=960),
                      embed=Embed(kind="placeholder", title=f"UI lane {index + 1}"),
                      ui=StreamUi(route="/first-run", state="contract proof only", app_status="not_started",
                                  actor_status="not_started", visual_status="not_started"))
    if template.kind == "terminal":
        return Stream(**base, terminal=Terminal(title=f"CLI lane {index + 1}", format="plain",
                                                tail="$ mimetic run --dry-run\ncontract proof only: no command executed\n"))
    if template.kind == "tui":
        return Stream(**base, terminal=Terminal(title=f"TUI lane {index + 1}", format="ansi",
                                                tail="\x1b[1mmimetic\x1b[0m synthetic TUI lane\n\x1b[33mcontract proof only\x1b[0m\n"))
    return Stream(**base, viewport=Viewport(width=1280, height=900),
                  codex=CodexBlock(contract="Codex app-server lane planned; not connected in dry-run."))


def build_synthetic_bundle(project: Project, run_id: str, sims: int, lab: LabRef | None = None, *,
                           persona_id: str | None = None, scenario_id: str | None = None) -> tuple[RunBundle, list[str]]:
    persona, _, persona_warn = select_persona(project, persona_id)
    scenario, _, scenario_warn = select_scenario(project, scenario_id)
    warnings = missing_source_warning(project) + persona_warn + scenario_warn
    at = now_iso()
    log = EventLog()
    log.add("observer.contract.created", f"Synthetic Observer contract created with {sims} lane(s).")
    log.mark("run.created", f"Dry-run bundle {run_id} created.")
    log.mark("persona.selected", f"Persona {persona.id} selected.")
    log.mark("scenario.selected", f"Scenario {scenario.id} selected.")
    simulations, streams = [], []
    for index in range(sims):
        template = TEMPLATES[index % len(TEMPLATES)]
        sim_id = f"sim-{index + 1:02d}"
        stream = _stream(sim_id, index, template, at)
        streams.append(stream)
        simulations.append(Simulation(
            id=sim_id, index=index, persona_id=persona.id, scenario_id=scenario.id, status="contract_proof_only",
            stream_kind=template.kind, mode=template.mode, progress=100, current_step=template.step,
            summary="Contract proof only; no live substrate.", stream_ids=[stream.id], started_at=at, updated_at=at))
        log.add("sim.contract.ready", f"{sim_id} {template.label} lane contract ready.", sim_id=sim_id, stream_id=stream.id)
        log.add("sim.live-substrate.missing", f"{sim_id} has no live substrate in dry-run.", level="warn",
                sim_id=sim_id, stream_id=stream.id)
    log.mark("review.skeleton.created", "Review skeleton created with contract_proof_only verdict.")
    review = Review(verdict="contract_proof_only",
                    summary=f"Dry-run contract proof with {sims} synthetic lane(s); no product behaviour was observed.",
                    gaps=list(DRY_RUN_GAPS))
    bundle = RunBundle(run_id=run_id, mode="dry-run", sim_count=sims, created_at=at,
                       artifact_root=f".mimetic/runs/{run_id}", lab=lab, source=source_info(project),
                       persona=persona, scenario=scenario, lifecycle=log.lifecycle, simulations=simulations,
                       streams=streams, events=log.events, review=review)
    return bundle, warnings


def write_run(store: RunStore, bundle: RunBundle, extra_sections: dict[str, list[str]] | None = None) -> None:
    from mimetic.bundle.run_index import summary_of_bundle
    from mimetic.observer.render import write_observer
    from mimetic.safety.redact import Redactor

    redactor = Redactor()  # one redaction of each distinct string for run.json and the Observer both
    store.write_bundle(bundle, markdown=review_markdown(bundle, extra_sections), redactor=redactor)
    write_observer(store, bundle, redactor)
    store.point_latest()
    store.record_summary(summary_of_bundle(bundle))


def run_result(store: RunStore, bundle: RunBundle, warnings: list[str], *, ok: bool = True, lab: str | None = None) -> RunResult:
    return RunResult(ok=ok, run_id=bundle.run_id, mode=bundle.mode, sim_count=bundle.sim_count,
                     verdict=bundle.review.verdict, cwd=str(store.project.root), artifact_root=store.artifact_root,
                     bundle_path=f"{store.artifact_root}/run.json", review_path=f"{store.artifact_root}/review.md",
                     latest_path=".mimetic/runs/latest.json", lab=lab, warnings=warnings)


def run_synthetic(project: Project, *, sims: int | None, run_id: str | None, default_sims: int = 1,
                  lab: LabRef | None = None, persona_id: str | None = None,
                  scenario_id: str | None = None) -> tuple[RunStore, RunBundle, RunResult]:
    """Validate everything first (nothing is written on bad input), then write the dry-run bundle."""
    count = validate_sims(sims, default_sims)
    store = RunStore.new(project, run_id or new_run_id("dryrun"))
    bundle, warnings = build_synthetic_bundle(project, store.run_id, count, lab, persona_id=persona_id,
                                              scenario_id=scenario_id)
    write_run(store, bundle)
    return store, bundle, run_result(store, bundle, warnings, lab=lab.id if lab else None)
