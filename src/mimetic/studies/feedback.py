"""Feedback candidates from study outcomes (stored in run.json by the study itself; `feedback` keeps them).

  study-task-<task>     target-app: most participants abandoned or failed the task while the app was
                        answering; cites the step where one of them diverged (its screenshot, action,
                        and the participant's note)
  study-harness-<task>  harness: attempts the harness or environment stopped (never the app's fault)
"""

from __future__ import annotations

from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import ActorName, FeedbackCandidate, FeedbackEvidence
from mimetic.contracts.study import StudyLane, StudySummary, TaskAttempt, TaskTally
from mimetic.feedback.candidates import adapter_id, common_proof
from mimetic.feedback.signals import public_text
from mimetic.safety.slugs import slug_token
from mimetic.studies.outcomes import outcome_counts

STUDY_PATH = "study.json"


def _evidence_attempt(summary: StudySummary, task_id: str, outcomes: set[str]) -> tuple[StudyLane, TaskAttempt] | None:
    for lane in summary.lanes:
        for attempt in lane.attempts:
            if attempt.task_id == task_id and attempt.outcome in outcomes:
                return lane, attempt
    return None


def _proof(bundle: RunBundle, summary: StudySummary) -> list[str]:
    if bundle.lab is not None:
        return [*common_proof(bundle.run_id), f"mimetic run --study {bundle.lab.id} --json"]
    return [*common_proof(bundle.run_id), f"mimetic run --study {summary.scenario_id} --app-url <app url> --json"]


def _candidate(bundle: RunBundle, summary: StudySummary, kind: str, lane: StudyLane, *, owner: str, severity: str,
               next_state: str, summary_text: str, expected: str, actual: str,
               evidence: list[FeedbackEvidence]) -> FeedbackCandidate:
    actor: ActorName = summary.actor if summary.actor in ("openai-cua", "scripted-browser") else "unknown"
    return FeedbackCandidate(
        id=kind, run_id=bundle.run_id, stream_id=lane.id, adapter_id=adapter_id(bundle), scenario_id=summary.scenario_id,
        persona_id=lane.persona_id, actor=actor, substrate="local-browser", failure_owner=owner, severity=severity,
        summary=public_text(summary_text, 200), expected=public_text(expected, 600), actual=public_text(actual, 1200),
        evidence=evidence[:8], idempotency_key=f"mimetic:{bundle.run_id}:{lane.id}:{kind}",
        proposed_next_state=next_state, acceptance_proof=_proof(bundle, summary))


def _divergence(attempt: TaskAttempt) -> tuple[str, list[FeedbackEvidence]]:
    evidence = [FeedbackEvidence(path=STUDY_PATH, kind="trace", note="Study outcomes: every attempt, action and check")]
    if attempt.divergence is None:
        return "", evidence
    action = attempt.actions[attempt.divergence]
    text = (f" The participant diverged at action {action.index + 1} ({action.action}"
            + (f" \"{action.label}\"" if action.label else "") + ")" + (f": {action.note}" if action.note else "."))
    if action.screenshot_path:
        evidence.append(FeedbackEvidence(path=action.screenshot_path, kind="screenshot",
                                         note=f"Screenshot after the diverging action ({action.action})"))
    if attempt.screenshot_path:
        evidence.append(FeedbackEvidence(path=attempt.screenshot_path, kind="screenshot",
                                         note="Screenshot when the attempt ended"))
    return text, evidence


def _task_candidate(bundle: RunBundle, summary: StudySummary, tally: TaskTally) -> FeedbackCandidate | None:
    gave_up = tally.failed + tally.abandoned
    if not gave_up or gave_up * 2 <= tally.n:
        return None
    found = _evidence_attempt(summary, tally.task_id, {"failed", "abandoned"})
    if found is None:
        return None
    lane, attempt = found
    where, evidence = _divergence(attempt)
    checks = "; ".join(f"expected {a.expected}, actual {a.actual}" for a in attempt.checks if a.status == "failed")
    actual = (f"{outcome_counts(tally)} for task {tally.task_id}. {lane.persona_id}: {attempt.outcome}"
              + (f" ({checks})" if checks else "") + "." + where)
    friction = [f.detail for f in attempt.friction]
    if friction:
        actual += " Friction: " + "; ".join(friction)
    return _candidate(bundle, summary, f"study-task-{slug_token(tally.task_id)}", lane, owner="target-app",
                      severity="high", next_state="watch",
                      summary_text=f"Task {tally.task_id}: {tally.text()} participants reached the goal",
                      expected=f"Participants can do this: {tally.goal or tally.task_id}", actual=actual, evidence=evidence)


def _harness_candidate(bundle: RunBundle, summary: StudySummary, tally: TaskTally) -> FeedbackCandidate | None:
    found = _evidence_attempt(summary, tally.task_id, {"blocked"})
    if not tally.blocked or found is None:
        return None
    lane, attempt = found
    return _candidate(bundle, summary, f"study-harness-{slug_token(tally.task_id)}", lane, owner="harness",
                      severity="medium", next_state="adapter-hardening",
                      summary_text=f"Task {tally.task_id}: {tally.blocked}/{tally.n} attempt(s) were stopped by the "
                                   "harness or environment",
                      expected="Every attempt runs until the participant finishes, gives up or a stop rule matches.",
                      actual=f"{lane.persona_id}: {attempt.reason}",
                      evidence=[FeedbackEvidence(path=STUDY_PATH, kind="trace", note="Study outcomes")])


def study_candidates(bundle: RunBundle, summary: StudySummary) -> list[FeedbackCandidate]:
    found = []
    for tally in summary.tasks:
        found += [c for c in (_task_candidate(bundle, summary, tally), _harness_candidate(bundle, summary, tally)) if c]
    return found
