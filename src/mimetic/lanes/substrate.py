"""Where a live lane runs. Both substrates run the same bootstrap script and expose the same files.

A lane's *root* is a directory on the substrate (a temp dir under `.mimetic/tmp/` locally, a home
folder in an E2B desktop) where the bootstrap writes `bootstrap.log`, `completion.json`,
`setup-quality.json`, `app.log` and the nested run under `repo/.mimetic/runs/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mimetic.actors.computer import Computer
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.claims import ClaimCheck


@dataclass(frozen=True)
class LaneSpec:
    """What a substrate needs to start one lane; no secret values ever travel in here."""

    run_id: str
    index: int
    label: str  # public label: the slug or repo-NN
    repo: str  # the real slug (never persisted when redacting)
    stream_id: str
    sim_id: str
    env: Mapping[str, str] = field(default_factory=dict)  # non-secret bootstrap inputs


class LaneSandbox(Protocol):
    """One running lane on a substrate."""

    id: str  # substrate id (sandbox id, or a local token); recorded in sandbox-receipts.ndjson

    def start_bootstrap(self, script: str, env: Mapping[str, str]) -> None:
        """Upload/write the bootstrap script and start it (visible terminal on a desktop)."""
        ...

    def read_file(self, relative: str) -> bytes | None:
        """A file under the lane root, or None when it does not exist (yet)."""
        ...

    def screenshot(self) -> bytes | None:
        """A PNG of the lane's screen, or None when the substrate has no screen."""
        ...

    def audit(self, completion: BootstrapCompletion) -> ClaimCheck:
        """Why the host refuses what the lane's completion.json claims (a forged app URL, a "passed" the
        host's own probe or screenshot contradicts), or no problem when it holds up; with the host's own
        screenshot of the app when it took one."""
        ...

    def stream_url(self) -> str | None:
        """An auth-bearing live view URL (memory and served Observer only; never written)."""
        ...

    def computer(self) -> Computer | None:
        """The surface an actor drives in this lane, when there is one."""
        ...

    def close(self) -> None:
        """Stop everything the lane started (idempotent)."""
        ...


class Substrate(Protocol):
    name: str  # "e2b" | "local" | a fake's name in tests

    def missing_requirements(self) -> list[str]:
        """Names of what is missing before any lane may launch (for example E2B_API_KEY); empty when ready."""
        ...

    def launch(self, spec: LaneSpec) -> LaneSandbox:
        """Create the lane's sandbox; must return as soon as the sandbox id exists (for the receipt)."""
        ...

    def kill(self, sandbox_id: str) -> bool:
        """Kill a sandbox by id (cleanup); True when killed or already gone."""
        ...
