"""The documented ranking `feedback draft` uses to pick the strongest candidate.

0. Real failures before notes: a candidate that only says a model or provider key is missing (next state
   `actor-auth`) or that the Mimetic setup needs review (`setup-quality-review`, `study-quality-review`)
   comes after every other one, whoever owns it: neither says why a lane failed.
1. Owner: target-app, then environment, harness, actor, unknown — a broken product is the most
   valuable thing a simulated user can report; an actor's own setup gaps the least.
2. Severity: high, medium, low.
3. Stream order in the bundle (candidates without a stream come last), then the order the
   candidates were derived in.
"""

from __future__ import annotations

from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import FeedbackCandidate

OWNER_ORDER = ("target-app", "environment", "harness", "actor", "unknown")
SEVERITY_ORDER = ("high", "medium", "low")
NOTE_STATES = frozenset({"actor-auth", "setup-quality-review", "study-quality-review"})


def ranked(bundle: RunBundle, candidates: list[FeedbackCandidate]) -> list[FeedbackCandidate]:
    """Strongest first; ties keep their stored order, so the ranking is stable across calls."""
    stream_index = {stream.id: index for index, stream in enumerate(bundle.streams)}
    unplaced = len(stream_index)

    def key(item: tuple[int, FeedbackCandidate]) -> tuple[int, int, int, int, int]:
        position, candidate = item
        return (candidate.proposed_next_state in NOTE_STATES, OWNER_ORDER.index(candidate.failure_owner),
                SEVERITY_ORDER.index(candidate.severity), stream_index.get(candidate.stream_id or "", unplaced), position)

    return [candidate for _, candidate in sorted(enumerate(candidates), key=key)]
