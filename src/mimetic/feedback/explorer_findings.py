"""The explorer's findings as `target-app` feedback candidates: one per defect across every lane of the run.

A finding's id names the defect (kind, page, control or rule), not the lane, so the same dead button
seen by the keyboard and the touch persona is one candidate. Candidates come strongest first: by
severity, then by how many personas (then lanes) hit the defect, then in the order they were first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mimetic.contracts.explorer import SEVERITY_RANK, ExplorerFinding
from mimetic.contracts.feedback import FeedbackCandidate, FeedbackEvidence
from mimetic.explorer.findings import EXPECTED
from mimetic.feedback.signals import public_text

if TYPE_CHECKING:
    from mimetic.feedback.candidates import Lane

MAX_EXPLORER_CANDIDATES = 12
SEVERITY = {"error": "high", "warning": "medium", "info": "low"}


@dataclass
class Seen:
    finding: ExplorerFinding
    lanes: list[tuple[Lane, str]] = field(default_factory=list)  # (lane, report path)
    personas: set[str] = field(default_factory=set)

    def strength(self, order: int) -> tuple[int, int, int, int]:
        return SEVERITY_RANK[self.finding.severity], -len(self.personas), -len(self.lanes), order


def _path_text(finding: ExplorerFinding) -> str:
    steps = []
    for action in finding.path:
        what = action.value if action.kind in ("goto", "press") else action.target
        steps.append(f"{action.kind} {what or ''}".strip() + (f" x{action.count}" if action.count > 1 else ""))
    return " → ".join(steps)


def explorer_candidates(lanes: Sequence[Lane]) -> list[FeedbackCandidate]:
    seen: dict[str, Seen] = {}
    for lane in lanes:
        for path, report in lane.evidence.actors:
            if report.exploration is None:
                continue
            persona = report.exploration.persona_id or (lane.sim.persona_id if lane.sim else lane.bundle.persona.id)
            for finding in report.exploration.findings:
                entry = seen.setdefault(finding.id, Seen(finding))
                entry.lanes.append((lane, path))
                entry.personas.add(f"{persona}/{report.exploration.style.input}")
    ordered = sorted(enumerate(seen.values()), key=lambda item: item[1].strength(item[0]))
    return [_candidate(entry) for _, entry in ordered[:MAX_EXPLORER_CANDIDATES]]


def _candidate(entry: Seen) -> FeedbackCandidate:
    finding, (lane, report_path) = entry.finding, entry.lanes[0]
    run_id = lane.bundle.run_id
    evidence = [FeedbackEvidence(path=report_path, kind="trace", note="Explorer trace with the reproducing path")]
    if finding.screenshot_path:
        evidence.append(FeedbackEvidence(path=finding.screenshot_path, kind="screenshot", note="Where it was seen"))
    hit_by = f"{len(entry.personas)} persona/input combination(s) in {len(entry.lanes)} lane(s)"
    detail = finding.detail.rstrip(".") + ". " if finding.detail else ""
    actual = f"{detail}Seen by {hit_by}. Path: {_path_text(finding)}"
    candidate = lane.candidate(
        "explorer", "target-app", SEVERITY[finding.severity], "watch",
        summary=f"{finding.title} ({finding.route})", expected=EXPECTED[finding.kind], actual=public_text(actual, 1200),
        evidence=evidence, proof=[f"mimetic replay {run_id} --lane {lane.stream.id} --json"])
    return candidate.model_copy(update={"id": f"explorer-{finding.id}",
                                        "idempotency_key": f"mimetic:{run_id}:explorer:{finding.id}"})
