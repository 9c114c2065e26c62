"""Actor preflight, before any sandbox starts: is the actor able to run at all (key set, model available
to that key)? For a model actor this is a metadata call (`models.retrieve(<actor model>)`), never a model
turn, so an unknown or shut-down model, a bad key or an exhausted account becomes a clear `blocked`
reason instead of lanes that launch, cost money and then fail. Skipped with
`MIMETIC_OSS_META_SKIP_ACTOR_PREFLIGHT=1`.
"""

from __future__ import annotations

from mimetic.actors.actor import Preflight
from mimetic.actors.registry import make_actor
from mimetic.actors.session import SKIP_PREFLIGHT_ENV as SKIP_ENV

__all__ = ["SKIP_ENV", "Preflight", "preflight_actor"]


def preflight_actor(kind: str = "openai-cua", model: str | None = None) -> Preflight:
    return make_actor(kind, model=model).preflight()
