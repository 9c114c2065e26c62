"""For `mimetic doctor`: is the configured actor model available, for each provider whose key is set?

Asked with a metadata call (`models.retrieve`, or the endpoint's model list), never a model turn, so doctor
spends nothing. Informational: an unavailable model never fails doctor, it says why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mimetic.actors.registry import make_actor

TIMEOUT_S = 10.0
# actor kind -> the setting that says the operator uses it (a key, or the endpoint of a keyless local server)
CONFIGURED_BY = {"openai-cua": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
                 "openai-compatible": "MIMETIC_ACTOR_BASE_URL"}


@dataclass(frozen=True)
class ModelAvailability:
    kind: str
    model: str | None
    available: bool
    message: str


def actor_models(environ: Mapping[str, str] | None = None) -> list[ModelAvailability]:
    environ = os.environ if environ is None else environ
    found = []
    for kind, setting in CONFIGURED_BY.items():
        if not (environ.get(setting) or "").strip():
            continue
        actor = make_actor(kind, environ=environ)
        check = actor.provider.check_model(TIMEOUT_S)
        state = "available" if check.available else "not available" if check.available is False else "unknown"
        found.append(ModelAvailability(kind, actor.model, bool(check.available),
                                       f"{state} ({setting} is set; no model turn spent): {check.reason}"))
    return found
