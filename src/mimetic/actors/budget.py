"""What one actor may spend: steps, wall time and USD per lane, plus USD shared by every lane of a run.

Precedence: the environment (an operator's override at run time) over the lab's `actor` block over
the defaults. The run budget is one object shared by all lanes, so lanes on many threads draw on
the same total.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from mimetic.contracts.manifests import LabActor
from mimetic.errors import MimeticError

DEFAULT_MAX_STEPS = 30
DEFAULT_TIMEOUT_MS = 240_000
TIMEOUT_ENV = "MIMETIC_OSS_META_ACTOR_TIMEOUT_MS"


class RunBudget:
    """USD shared by every lane of one run; thread-safe. `max_usd=None` means no cap (spend is still summed)."""

    def __init__(self, max_usd: float | None = None):
        self.max_usd = max_usd
        self._spent = 0.0
        self._lock = threading.Lock()

    def charge(self, usd: float) -> float:
        """Add spend; returns the run's new total."""
        with self._lock:
            self._spent += usd
            return self._spent

    @property
    def spent(self) -> float:
        with self._lock:
            return self._spent

    def exhausted(self) -> bool:
        return self.max_usd is not None and self.spent >= self.max_usd


@dataclass(frozen=True)
class ActorBudget:
    max_steps: int = DEFAULT_MAX_STEPS
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    max_usd_per_lane: float | None = None
    run: RunBudget | None = None

    @property
    def caps_usd(self) -> bool:
        return self.max_usd_per_lane is not None or (self.run is not None and self.run.max_usd is not None)

    @classmethod
    def resolve(cls, lab_actor: LabActor | None = None, *, run: RunBudget | None = None,
                environ: Mapping[str, str] | None = None) -> ActorBudget:
        """The budget for one lane; a malformed environment value is a usage error (exit 2)."""
        environ = os.environ if environ is None else environ
        lab = lab_actor or LabActor()
        timeout_ms = _env_positive_int(environ, TIMEOUT_ENV) or lab.timeout_ms or DEFAULT_TIMEOUT_MS
        return cls(max_steps=lab.max_steps or DEFAULT_MAX_STEPS, timeout_ms=timeout_ms,
                   max_usd_per_lane=lab.max_usd_per_lane, run=run)


def run_budget_for(lab_actor: LabActor | None) -> RunBudget:
    """The one run budget every lane of a lab run shares."""
    return RunBudget(lab_actor.max_usd_per_run if lab_actor else None)


def _env_positive_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise MimeticError("MIMETIC_INVALID_ENV", f"{name} must be a positive whole number of milliseconds, got {raw!r}.")
    return int(raw)
