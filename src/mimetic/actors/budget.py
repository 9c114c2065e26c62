"""What one actor may spend: model turns, actions, wall time and USD per lane, plus USD shared by every lane
of a run; and how much history each request carries and how long the screen may take to settle.

Precedence: the environment (an operator's override at run time) over the lab's `actor` block over
the defaults. The run budget is one object shared by all lanes, so lanes on many threads draw on
the same total.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from mimetic.actors.providers.base import DEFAULT_KEEP_SCREENSHOTS
from mimetic.actors.settle import DEFAULT_QUIET_MS, Settle
from mimetic.contracts.manifests import LabActor
from mimetic.errors import MimeticError

DEFAULT_MAX_STEPS = 30  # model turns
DEFAULT_MAX_ACTIONS = 150  # a batched turn may carry several actions
DEFAULT_TIMEOUT_MS = 240_000
TIMEOUT_ENV = "MIMETIC_OSS_META_ACTOR_TIMEOUT_MS"
KEEP_SCREENSHOTS_ENV = "MIMETIC_ACTOR_KEEP_SCREENSHOTS"
SETTLE_ENV = "MIMETIC_ACTOR_SETTLE_MS"  # the quiet window of the settle wait; 0 turns it off


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
    max_steps: int = DEFAULT_MAX_STEPS  # model turns
    max_actions: int = DEFAULT_MAX_ACTIONS
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    max_usd_per_lane: float | None = None
    run: RunBudget | None = None
    keep_screenshots: int = DEFAULT_KEEP_SCREENSHOTS
    settle: Settle = Settle()

    @property
    def caps_usd(self) -> bool:
        return self.max_usd_per_lane is not None or (self.run is not None and self.run.max_usd is not None)

    @classmethod
    def resolve(cls, lab_actor: LabActor | None = None, *, run: RunBudget | None = None,
                environ: Mapping[str, str] | None = None) -> ActorBudget:
        """The budget for one lane; a malformed environment value is a usage error (exit 2)."""
        environ = os.environ if environ is None else environ
        lab = lab_actor or LabActor()
        timeout_ms = _env_int(environ, TIMEOUT_ENV, "milliseconds") or lab.timeout_ms or DEFAULT_TIMEOUT_MS
        keep = _env_int(environ, KEEP_SCREENSHOTS_ENV, "screenshots") or lab.keep_screenshots or DEFAULT_KEEP_SCREENSHOTS
        quiet = _env_int(environ, SETTLE_ENV, "milliseconds", minimum=0)
        return cls(max_steps=lab.max_steps or DEFAULT_MAX_STEPS, max_actions=lab.max_actions or DEFAULT_MAX_ACTIONS,
                   timeout_ms=timeout_ms, max_usd_per_lane=lab.max_usd_per_lane, run=run, keep_screenshots=keep,
                   settle=Settle(quiet_ms=DEFAULT_QUIET_MS if quiet is None else quiet))


def run_budget_for(lab_actor: LabActor | None) -> RunBudget:
    """The one run budget every lane of a lab run shares."""
    return RunBudget(lab_actor.max_usd_per_run if lab_actor else None)


def _env_int(environ: Mapping[str, str], name: str, unit: str, *, minimum: int = 1) -> int | None:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number of at least {minimum}"
        raise MimeticError("MIMETIC_INVALID_ENV", f"{name} must be {what} of {unit}, got {raw!r}.")
    return int(raw)
