"""The OSS meta-lab ("Observer-of-Observers"): one lane per assigned GitHub repo.

This module plans lanes and writes the dry-run contract bundle; live lanes are run by
`mimetic.lanes` on a substrate and reuse the same plan and lane records.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mimetic.bundle.compose import EventLog, source_info
from mimetic.clock import now_iso
from mimetic.contracts.bundle import (
    Embed, LabRef, PersonaRef, Review, RunBundle, ScenarioRef, Simulation, Stream, StreamArtifact, StreamUi,
    Terminal, Viewport,
)
from mimetic.contracts.manifests import MAX_LANES
from mimetic.contracts.results import Assignment, RedactedRepo
from mimetic.errors import MimeticError
from mimetic.labs.synthetic import DRY_RUN_GAPS
from mimetic.project import Project
from mimetic.safety.slugs import slug_token

META_PERSONA = PersonaRef(id="oss-meta-codex-tui-operators", name="OSS meta-lab operators", source="builtin",
                          source_digest="builtin")
META_SCENARIO = ScenarioRef(id="oss-meta-observer-of-observers", title="Observer of Observers",
                            goal="Set up each assigned repo, prove its app in desktop and mobile browsers, and report friction.",
                            source="builtin", source_digest="builtin")


@dataclass(frozen=True)
class Lane:
    """One planned lane: which repo, under which public label, with which ids."""

    index: int
    repo: str
    label: str  # the slug, or repo-NN when redacting
    sim_id: str
    stream_id: str
    scenario_id: str

    @property
    def redacted(self) -> bool:
        return self.label != self.repo

    def assignment(self) -> Assignment:
        return Assignment(index=self.index, repo=self.label, scenario_id=self.scenario_id, sim_id=self.sim_id,
                          stream_id=self.stream_id)


def validate_count(count: int | None, name: str = "--count") -> int:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_LANES:
        raise MimeticError("MIMETIC_INVALID_OSS_COUNT", f"{name} must be a whole number from 1 to {MAX_LANES:,}, got {count}.")
    return count


def decide_redaction(explicit: bool | None, manifest_default: bool | None) -> bool | None:
    """The flag wins, then the manifest's default; None: decide per repo from the access preflight
    (`redacted_by_access`). Better than upstream, which redacted every --repos override, public or not."""
    if explicit is not None:
        return explicit
    return manifest_default


REDACTED_NEEDS_TOKEN = "it could only be read with a GitHub token (a private repo)"
REDACTED_UNREADABLE = "it could not be read anonymously, so it may be private"
REDACTED_BY_FLAG = "--redact-repos (or the lab's defaults.redactRepos) asked for every repo to be redacted"


def redacted_by_access(access: dict) -> dict[str, str]:
    """slug -> why it is redacted, for the repos an anonymous clone check could not read."""
    return {slug: REDACTED_NEEDS_TOKEN if result.with_token and result.ok else REDACTED_UNREADABLE
            for slug, result in access.items() if not result.ok or result.with_token}


def plan_lanes(repos: list[str], count: int, redact: bool | Collection[str]) -> list[Lane]:
    """One lane per slot; `redact` is True (every repo), False, or the slugs to redact."""
    lanes = []
    for index in range(count):
        repo = repos[index % len(repos)]
        number = f"{index + 1:02d}"
        hidden = redact if isinstance(redact, bool) else repo in redact
        label = f"repo-{number}" if hidden else repo
        lanes.append(Lane(index=index, repo=repo, label=label, sim_id=f"oss-{number}",
                          stream_id=f"oss-{number}-desktop", scenario_id=f"oss-meta-{slug_token(label)}"))
    return lanes


def bootstrap_prompt(lane: Lane) -> str:
    """The mission each lane's operator follows; shown as the lane's terminal tail before completion."""
    return "\n".join([
        f"Mimetic OSS meta-lab lane {lane.index + 1}: {lane.label}",
        "Mission: set this project up the way a new contributor would, then prove its app like a real user.",
        f" 1. Clone the assigned GitHub repo {lane.label} (anonymous first; a token only through askpass).",
        " 2. Read the README and package scripts; note anything confusing.",
        " 3. Create a virtual environment and install the mimetic wheel into it.",
        " 4. Run `mimetic init --yes` and keep every file it reports.",
        " 5. Run `mimetic doctor` and fix what it reports as missing.",
        " 6. Customise mimetic/coverage-map.md for this app's real screens, routes and states.",
        " 7. Write at least two personas and two desktop/mobile scenarios for this app.",
        " 8. Install dependencies with the lockfile's package manager.",
        " 9. Start the app's dev script and wait until it answers on localhost.",
        "10. Run `mimetic run --app-url http://127.0.0.1:<port> --sims 2` as the app proof.",
        "11. Run `mimetic verify --run latest` and render the nested Observer.",
        "12. `mimetic watch --sims` is NOT app proof; never report it as such.",
        "13. Report friction, blockers and improvements you observed, then exit.",
    ]) + "\n"


def lane_records(lane: Lane, at: str, *, status: str, step: str, progress: int) -> tuple[Simulation, Stream]:
    persona_id = f"codex-oss-operator-{lane.index + 1:02d}"
    stream = Stream(
        id=lane.stream_id, sim_id=lane.sim_id, kind="browser", label=f"E2B desktop - {lane.label}", status=status,
        transport="snapshot", updated_at=at, viewport=Viewport(width=1440, height=960),
        embed=Embed(kind="placeholder", title=f"E2B desktop {lane.index + 1}"),
        terminal=Terminal(title=f"Codex TUI bootstrap - {lane.label}", format="plain", stdin="planned",
                          tail=bootstrap_prompt(lane)),
        ui=StreamUi(route=f"e2b://desktop/{lane.label}", intent="Set up and prove the assigned repo's app.",
                    actor_status="not_started", app_status="not_started", visual_status="not_started", state=step),
        artifacts=[StreamArtifact(label="Run bundle", path="run.json", kind="bundle"),
                   StreamArtifact(label="Review", path="review.md", kind="review"),
                   StreamArtifact(label="Event log", path="events.ndjson", kind="events")],
    )
    sim = Simulation(id=lane.sim_id, index=lane.index, persona_id=persona_id, scenario_id=lane.scenario_id,
                     status=status, stream_kind="browser", mode="browser-sim", progress=progress, current_step=step,
                     summary=f"Top-level desktop lane for {lane.label} -> nested Mimetic Observer.",
                     stream_ids=[lane.stream_id], started_at=at, updated_at=at)
    return sim, stream


def build_dry_run_bundle(project: Project, run_id: str, lanes: list[Lane], lab: LabRef) -> RunBundle:
    at = now_iso()
    log = EventLog()
    log.add("oss-meta.contract.created", f"OSS meta-lab contract created with {len(lanes)} lane(s).")
    log.mark("oss-meta.run.created", f"Meta-lab run {run_id} created (dry-run).")
    simulations, streams = [], []
    for lane in lanes:
        sim, stream = lane_records(lane, at, status="contract_proof_only", progress=100,
                                   step="Contract proof only: no clone, no sandbox, no spend.")
        simulations.append(sim)
        streams.append(stream)
        log.add("oss-meta.repo.assigned", f"{lane.sim_id} assigned {lane.label}.", sim_id=lane.sim_id, stream_id=lane.stream_id)
        log.add("oss-meta.codex.prompt.ready", f"{lane.sim_id} bootstrap prompt ready.", sim_id=lane.sim_id,
                stream_id=lane.stream_id)
    log.mark("oss-meta.repos.assigned", f"{len(lanes)} lane(s) assigned.")
    review = Review(verdict="contract_proof_only",
                    summary=f"OSS meta-lab dry-run with {len(lanes)} lane(s): lanes, prompts and routes are planned; "
                            "nothing was cloned or launched.",
                    gaps=[*DRY_RUN_GAPS, "Nested live --app-url proof was not reached (dry-run)."])
    source = source_info(project)
    return RunBundle(run_id=run_id, mode="dry-run", sim_count=len(lanes), created_at=at,
                     artifact_root=f".mimetic/runs/{run_id}", lab=lab, source=source, persona=META_PERSONA,
                     scenario=META_SCENARIO, lifecycle=log.lifecycle, simulations=simulations, streams=streams,
                     events=log.events, review=review)


def assigned_repos_section(lanes: list[Lane]) -> dict[str, list[str]]:
    return {"Assigned Repos": [f"{lane.sim_id}: {lane.label}" for lane in lanes]}


def shown_repos(lanes: list[Lane], repos: list[str]) -> list[str]:
    """The repos a result may name, one per lane's repo: the slug, or its redacted label."""
    labels: dict[str, str] = {}
    for lane in lanes:
        labels.setdefault(lane.repo, lane.label)  # a repo's first lane names it
    return list(dict.fromkeys(labels.get(repo, repo) for repo in repos if repo in labels))


def redaction_records(lanes: list[Lane], redactions: dict[str, str]) -> list[RedactedRepo]:
    """Which lanes' repos are redacted and why (labels only: the slug of a redacted repo is never written)."""
    return [RedactedRepo(label=lane.label, reason=redactions[lane.repo]) for lane in lanes if lane.redacted]


def repo_labels(lanes: list[Lane]) -> dict[str, str]:
    """label -> slug for every lane whose repo is named (redacted labels never map to their slug)."""
    return {lane.label: lane.repo for lane in lanes if not lane.redacted}
