"""Which substrate live lanes run on: `--substrate`, else the lab's `substrate`, else e2b when E2B_API_KEY is set,
else local. A substrate that cannot start blocks every lane with a clear reason instead of crashing the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mimetic.errors import MimeticError
from mimetic.lanes.substrate import Substrate
from mimetic.project import Project
from mimetic.safety.redact import compact_error

SUBSTRATE_NAMES = ("e2b", "local")


def choose_substrate(flag: str | None, lab_value: str | None) -> str:
    name = flag or lab_value or ("e2b" if os.environ.get("E2B_API_KEY") else "local")
    if name not in SUBSTRATE_NAMES:
        raise MimeticError("MIMETIC_INVALID_SUBSTRATE", f"--substrate must be one of {', '.join(SUBSTRATE_NAMES)}, got {name!r}.")
    return name


@dataclass
class SubstrateChoice:
    name: str
    substrate: Substrate | None = None
    waiting_for: list[str] = field(default_factory=list)  # missing requirements: lanes wait, nothing launches
    unavailable: str | None = None  # why the substrate could not be built

    def blocked_reason(self, label: str) -> str | None:
        if self.waiting_for:
            return f"Waiting for {' and '.join(self.waiting_for)} before launching {label}."
        if self.unavailable:
            return self.unavailable
        return None


def open_substrate(name: str, *, project: Project, run_id: str, keep: bool, sandboxed: bool = True) -> SubstrateChoice:
    if name == "e2b":
        if not os.environ.get("E2B_API_KEY"):
            return SubstrateChoice(name, waiting_for=["E2B_API_KEY"])
        try:
            from mimetic.lanes.e2b import E2BSubstrate

            substrate = E2BSubstrate(project=project, run_id=run_id, keep=keep)
        except Exception as exc:  # noqa: BLE001 - an unusable substrate blocks lanes; it never crashes the run
            return SubstrateChoice(name, unavailable=f"The e2b substrate is not available: {compact_error(exc, 160)} "
                                                     "Use --substrate local to run lanes on this machine.")
    else:
        from mimetic.lanes.local import LocalSubstrate

        substrate = LocalSubstrate(project=project, run_id=run_id, keep=keep, sandboxed=sandboxed)
    return SubstrateChoice(name, substrate=substrate, waiting_for=list(substrate.missing_requirements()))
