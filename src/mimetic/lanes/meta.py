"""The live OSS meta-lab: placeholder Observer first, then keys, repo access, lanes, verdict.

1. Write the placeholder bundle (lanes `queued`), latest pointer and Observer — before any provider work.
2. A substrate that is missing a requirement (E2B_API_KEY) blocks every lane with a waiting reason.
3. Repo-access preflight (`git ls-remote`); a repo that cannot be read fails only its own lanes.
4. Lanes run on the pool; every transition rewrites the bundle.
5. The verdict (upstream §4.2 run outcome), the final bundle and Observer; exit 0 pass, 1 otherwise,
   130 when interrupted.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from pathlib import Path

from mimetic.actors.lane_actor import LaneActorPlan
from mimetic.actors.preflight import Preflight
from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import LabRef, Review
from mimetic.contracts.manifests import Persona, Scenario
from mimetic.contracts.results import OssMetaLabResult, SandboxSummary
from mimetic.errors import MimeticError
from mimetic.labs.dispatch import LabRun, LabRunOptions
from mimetic.labs.oss_meta import Lane, redaction_records, repo_labels, shown_repos
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.bootstrap import bootstrap_inputs, bootstrap_script
from mimetic.lanes.env import git_base_url, github_token
from mimetic.lanes.gates import GATES_DIR, heavy_slots, make_gates
from mimetic.lanes.local import lane_tmp_root
from mimetic.lanes.pool import default_concurrency
from mimetic.lanes.processes import signals_ignored, signals_interrupt
from mimetic.lanes.runner import LaneJob, LaneResult, LaneRunner, RunnerSettings
from mimetic.lanes.scrub import Scrubber, lane_scrubber
from mimetic.lanes.status import exit_code_for, run_verdict
from mimetic.lanes.substrate import LaneSpec
from mimetic.lanes.substrates import SubstrateChoice, choose_substrate, open_substrate
from mimetic.project import Project

# A lane's whole life (clone, install, start, proof). On a small machine lanes take turns for installs and
# proofs, and that waiting counts too.
DEFAULT_TIMEOUT_S = 1800.0
DEFAULT_POLL_S = {"local": 0.5}
DEFAULT_TAIL_REFRESH_S = 2.0
DEFAULT_SCREENSHOT_REFRESH_S = 15.0  # 0.1.5's defaults for the screenshot refresh and settle
DEFAULT_SCREENSHOT_SETTLE_S = 2.5
FALLBACK_POLL_S = 5.0
NO_ACTOR_GAP = ("No actor used the lanes' apps (enable one with the lab's actor.kind openai-cua or "
                "MIMETIC_OSS_META_REQUIRE_ACTOR=1; it runs on the host, model keys never enter a lane).")


# The repo's own code runs in a hosted sandbox; a GitHub token sent there could be read by it.
PRIVATE_REPO_HOSTED = ("This repo can only be cloned with a GitHub token, and mimetic never sends tokens into a hosted "
                       "sandbox where the repo's code runs. Run private repos with --substrate local.")


def _env_ms(name: str) -> float | None:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return None
    return value / 1000 if value > 0 else None


def _settings(substrate: str, private: bool, actor: LaneActorPlan, preflight: Preflight | None, keep: bool,
              persona: Persona | None, scenario: Scenario | None) -> RunnerSettings:
    return RunnerSettings(
        script=bootstrap_script(), substrate_name=substrate, private=private, keep=keep, persona=persona,
        scenario=scenario,
        actor=actor if actor.enabled else None, actor_preflight=preflight,
        poll_interval_s=_env_ms("MIMETIC_OSS_META_COMPLETION_INTERVAL_MS") or DEFAULT_POLL_S.get(substrate, FALLBACK_POLL_S),
        timeout_s=_env_ms("MIMETIC_OSS_META_COMPLETION_TIMEOUT_MS") or DEFAULT_TIMEOUT_S,
        # 0.1.5's watch refresh variables: how often a running lane's terminal tail and screenshot are refreshed
        tail_refresh_s=_env_ms("MIMETIC_OSS_META_WATCH_REFRESH_MS") or DEFAULT_TAIL_REFRESH_S,
        screenshot_refresh_s=_env_ms("MIMETIC_OSS_META_SCREENSHOT_REFRESH_MS") or DEFAULT_SCREENSHOT_REFRESH_S,
        screenshot_settle_s=_env_ms("MIMETIC_OSS_META_SCREENSHOT_SETTLE_MS") or DEFAULT_SCREENSHOT_SETTLE_S,
    )


def _jobs(project: Project, board: LaneBoard, choice: SubstrateChoice, lanes: list[Lane],
          scrubbers: dict[int, Scrubber], warnings: list[str],
          actor_preflight: Preflight | None, actor_required: bool, access: dict | None,
          gates: Path | None) -> list[LaneJob]:
    """Decide, before any launch, which lanes wait (missing keys, a required actor that cannot run) or fail
    (repo access); build the rest."""
    token = github_token()
    presets: dict[int, tuple[str, str]] = {}
    lane_tokens: dict[int, str | None] = {lane.index: token for lane in lanes}
    if actor_required and actor_preflight is not None and not actor_preflight.ok:
        reason = f"A required actor cannot run: {actor_preflight.reason}"
        for lane in lanes:
            presets[lane.index] = ("blocked", reason)
        warnings.append(reason)
        board.event("oss-meta.actor.preflight_failed", reason, level="warn")
    elif choice.waiting_for or choice.unavailable:
        for lane in lanes:
            presets[lane.index] = ("blocked", choice.blocked_reason(lane.label))
        if choice.waiting_for:
            names = ", ".join(choice.waiting_for)
            warnings += [f"Live {choice.name} launch is waiting on env vars: {names}.",
                         "Observer lanes stay in the live waiting state until keys are present."]
            board.event("oss-meta.live.keys_missing", f"Live launch is waiting on: {names}.", level="warn")
        else:
            warnings.append(choice.unavailable)
            board.event("oss-meta.live.substrate_unavailable", choice.unavailable, level="warn")
    elif os.environ.get("MIMETIC_OSS_META_SKIP_REPO_ACCESS_PREFLIGHT") != "1":
        from mimetic.lanes.preflight import check_repo_access

        if access is None:  # not already checked (to decide which repos are named)
            access = check_repo_access([lane.repo for lane in lanes], base_url=git_base_url(), token=token,
                                       tmp_dir=project.tmp_dir)
        for lane in lanes:
            result = access[lane.repo]
            if not result.ok:
                presets[lane.index] = ("failed", scrubbers[lane.index].text(result.reason))
            elif result.with_token and choice.name != "local":
                presets[lane.index] = ("blocked", PRIVATE_REPO_HOSTED)
            lane_tokens[lane.index] = token if result.with_token else None
        failed = sum(1 for status, _ in presets.values() if status == "failed")
        board.event("oss-meta.repo_access.checked", f"Repo access preflight: {len(lanes) - failed} lane(s) readable, "
                                                    f"{failed} not.", level="warn" if failed else "info")
    jobs = []
    for lane in lanes:
        spec = LaneSpec(run_id=board.store.run_id, index=lane.index, label=lane.label, repo=lane.repo,
                        stream_id=lane.stream_id, sim_id=lane.sim_id,
                        env=bootstrap_inputs(slug=lane.repo, nested_run_id=f"nested-{lane.sim_id}",
                                             private=lane.redacted, token=lane_tokens[lane.index],
                                             gates=gates, gate_index=lane.index))
        jobs.append(LaneJob(lane, spec, presets.get(lane.index)))
    return jobs


def _remove_gates(project: Project, run_id: str) -> None:
    """The run's lock folder goes with its lanes (and the run's temp folder once it is empty)."""
    import shutil

    run_tmp = lane_tmp_root(project, run_id)
    shutil.rmtree(run_tmp / GATES_DIR, ignore_errors=True)
    with contextlib.suppress(OSError):
        run_tmp.rmdir()


def _review(board: LaneBoard, results: dict[int, LaneResult], substrate: str, verdict: str,
            choice: SubstrateChoice | None) -> Review:
    statuses = [sim.status for sim in board.bundle.simulations]
    counts = Counter(statuses)
    total = len(statuses)
    summary = (f"Live OSS meta-lab on the {substrate} substrate: "
               + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + f" of {total} lane(s).")
    completions = [r.completion for r in results.values() if r.completion is not None]
    ran = sum(1 for c in completions if c.nested_proof == "app-url")
    passed = sum(1 for c in completions if c.nested_proof == "app-url" and c.nested_proof_status == "passed")
    gaps = [f"The nested --app-url browser proof ran in {ran} of {total} lane(s) and passed in {passed}."]
    not_started = [r.reason for r in results.values() if r.completion is not None and r.completion.nested_proof != "app-url"]
    if not_started:
        gaps.append(f"{len(not_started)} lane(s) never reached the browser proof; first reason: {not_started[0]}")
    ratings = Counter(c.setup_quality.study_quality.rating for c in completions
                      if c.setup_quality is not None and c.setup_quality.study_quality is not None)
    if ratings.get("ceremonial"):
        gaps.append(f"{ratings['ceremonial']} lane(s) rated ceremonial: the setup ran init only; personas, scenarios "
                    "and coverage were not customised for the app.")
    if choice is not None and choice.waiting_for:
        gaps.append(f"Waiting for {' and '.join(choice.waiting_for)}: no sandbox was launched.")
    if verdict == "interrupted":
        gaps.append("The run was interrupted (Ctrl-C); unfinished lanes were stopped and marked interrupted.")
    if not any(r.actor is not None for r in results.values()):
        gaps.append(NO_ACTOR_GAP)
    return Review(verdict=verdict, summary=summary, gaps=gaps)


def _settle_interrupted(board: LaneBoard, results: dict[int, LaneResult]) -> None:
    """Lanes an interrupt left without a terminal state are marked interrupted (their sandboxes never started)."""
    for lane in board.lanes:
        if lane.index not in results and board.sim(lane.index).status in ("queued", "preparing", "running"):
            board.update(lane.index, status="interrupted", step="Cancelled before launch (interrupted).",
                         reason="Cancelled before launch (interrupted).", event="oss-meta.lane.interrupted",
                         message=f"{lane.sim_id} cancelled before launch (interrupted).", level="warn")


def _reporter(options: LabRunOptions):
    if options.json:
        return contextlib.nullcontext(None)
    from mimetic.cli.lane import LaneTable  # human mode only: the live table lives with the CLI (rich)

    return LaneTable()


def run_meta_live(project: Project, store: RunStore, resolved, lanes: list[Lane], repos: list[str],
                  redactions: dict[str, str], options: LabRunOptions, warnings: list[str], *,
                  persona: Persona | None = None, scenario: Scenario | None = None,
                  access: dict | None = None) -> LabRun:
    lab = resolved.lab
    substrate = choose_substrate(options.substrate, lab.substrate)
    local = substrate == "local"
    if local and not options.unsandboxed:
        from mimetic.lanes.local import require_sandbox

        require_sandbox()  # no repository code runs outside bubblewrap unless the user said --unsandboxed
    concurrency = default_concurrency(len(lanes), options.concurrency or lab.concurrency, cpu_bound=local)
    redact = any(lane.redacted for lane in lanes)
    actor = LaneActorPlan.resolve(lab.actor)  # a malformed actor flag is a usage error, before anything is written
    if actor.explorer and substrate == "e2b":
        raise MimeticError("MIMETIC_EXPLORER_UNAVAILABLE",
                           "actor.kind explore is not available on the e2b substrate yet (it needs the sandbox's browser "
                           "over CDP); use --substrate local, or actor.kind openai-cua. Nothing was started.")
    board = LaneBoard.create(project, store, lanes, LabRef(id=lab.id, kind=lab.kind, origin=resolved.origin), substrate)
    warnings = list(warnings)
    if github_token() is None:
        warnings.append("No GH_TOKEN/GITHUB_TOKEN/GITHUB_PAT: public repos can clone, but private GitHub repos will "
                        "fail access preflight.")
    scrubbers = {lane.index: lane_scrubber(lane_root=None, project_root=project.root, home=Path.home(),
                                           repos=[(lane.repo, lane.label)] if lane.redacted else [])
                 for lane in lanes}
    results: dict[int, LaneResult] = {}
    choice: SubstrateChoice | None = None
    runner: LaneRunner | None = None
    interrupted = False
    try:  # from the first write on, a Ctrl-C still ends in an interrupted bundle (never a bare error)
        with signals_interrupt(), _reporter(options) as table:
            board.publish()
            board.log.mark("oss-meta.observer.ready", "Placeholder Observer written before any provider work.")
            board.reporter = table
            choice = open_substrate(substrate, project=project, run_id=store.run_id, keep=options.keep,
                                    sandboxed=not options.unsandboxed)
            ready = choice.substrate is not None and not (choice.waiting_for or choice.unavailable)
            preflight = actor.preflight() if ready else None
            gates = make_gates(lane_tmp_root(project, store.run_id)) if ready and local else None
            jobs = _jobs(project, board, choice, lanes, scrubbers, warnings, preflight, actor.required, access, gates)
            if ready:
                heavy = f"; installs and browser proofs {heavy_slots()} at a time" if gates else ""
                board.event("oss-meta.live.substrate_started", f"Launching lanes on the {substrate} substrate "
                                                               f"({concurrency} at a time{heavy}).")
            runner = LaneRunner(board, choice.substrate, _settings(substrate, redact, actor, preflight, options.keep, persona, scenario), scrubbers)
            outcome = runner.run(jobs, concurrency=concurrency)
            results = {r.index: r for r in outcome.results}
            interrupted = outcome.interrupted
    except KeyboardInterrupt:
        interrupted = True
    finally:
        board.reporter = None
        _remove_gates(project, store.run_id)
    # A (second) Ctrl-C or SIGTERM must not cut the final bundle and result short: the run would exist
    # with no result document naming it.
    with signals_ignored():
        if interrupted:
            _settle_interrupted(board, results)
        if runner is not None:
            warnings += runner.warnings
        verdict = run_verdict([sim.status for sim in board.bundle.simulations], interrupted=interrupted)
        board.conclude(_review(board, results, substrate, verdict, choice),
                       ("oss-meta.run.completed", f"Meta-lab run ended with verdict {verdict}."))
        board.publish()
        for record in redaction_records(lanes, redactions):
            warnings.append(f"{record.label} is redacted: {record.reason}.")
        return LabRun(_result(project, store, board, results, repos, redactions, substrate, verdict, warnings, runner),
                      exit_code_for(verdict), store)


def _result(project: Project, store: RunStore, board: LaneBoard, results: dict[int, LaneResult], repos: list[str],
            redactions: dict[str, str], substrate: str, verdict: str, warnings: list[str],
            runner: LaneRunner | None) -> OssMetaLabResult:
    sandboxes = []
    for lane in board.lanes:
        result = results.get(lane.index)
        stream = board.stream(lane.index)
        sandboxes.append(SandboxSummary(
            stream_id=lane.stream_id, repo=lane.label,
            url_present=bool(runner and lane.stream_id in runner.live_views),
            completion_status=stream.status, completion_reason=board.reasons.get(lane.index),
            actor_status=stream.ui.actor_status, app_status=stream.ui.app_status,
            setup_actor_status=result.completion.actor_status if result and result.completion else None,
            setup_actor_reason=result.completion.actor_reason if result and result.completion else None,
            screenshot_present=bool(result and result.screenshot),
            sandbox_id=None if lane.redacted or result is None else result.sandbox_id,
        ))
    from mimetic.observer.render import observer_result

    observer = observer_result(project, store, board.bundle) if (store.dir / "observer" / "index.html").is_file() else None
    return OssMetaLabResult(
        ok=verdict == "pass", run_id=store.run_id, cwd=str(project.root), dry_run=False, live_requested=True,
        substrate=substrate, count=len(board.lanes), repos=shown_repos(board.lanes, repos),
        repo_labels=repo_labels(board.lanes), redact_repos=any(lane.redacted for lane in board.lanes),
        redacted=redaction_records(board.lanes, redactions), verdict=verdict, assignments=[lane.assignment() for lane in board.lanes],
        sandboxes=sandboxes, bundle_path=f"{store.artifact_root}/run.json",
        observer=observer.to_json() if observer else None, observer_url=observer.observer_url if observer else None,
        warnings=warnings,
    )
