"""Actor preflight: one tiny Responses call before any sandbox starts, so a bad key or an exhausted
quota becomes a clear `blocked` reason instead of lanes that launch, cost money and then fail.

Skipped with `MIMETIC_OSS_META_SKIP_ACTOR_PREFLIGHT=1`; the model is
`MIMETIC_OSS_META_ACTOR_PREFLIGHT_MODEL` (default gpt-4.1-mini: the cheapest call that proves the
key, the account's quota and the network path).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mimetic.actors.openai_cua import ActorApiError, classify, make_client
from mimetic.safety.redact import register_secret

SKIP_ENV = "MIMETIC_OSS_META_SKIP_ACTOR_PREFLIGHT"
MODEL_ENV = "MIMETIC_OSS_META_ACTOR_PREFLIGHT_MODEL"
DEFAULT_MODEL = "gpt-4.1-mini"
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Preflight:
    status: Literal["passed", "blocked", "failed", "skipped"]
    reason: str
    model: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")


def preflight_actor(environ: Mapping[str, str] | None = None) -> Preflight:
    environ = os.environ if environ is None else environ
    if (environ.get(SKIP_ENV) or "").strip() == "1":
        return Preflight("skipped", f"Actor preflight skipped ({SKIP_ENV}=1).")
    api_key = (environ.get("OPENAI_API_KEY") or "").strip()
    if not api_key:
        return Preflight("blocked", "OPENAI_API_KEY is not set; the openai-cua actor cannot run (no OpenAI call was made).")
    register_secret(api_key)
    model = (environ.get(MODEL_ENV) or "").strip() or DEFAULT_MODEL
    try:
        make_client(api_key).responses.create(model=model, input="Reply with OK.", max_output_tokens=16,
                                              timeout=TIMEOUT_S)
    except Exception as exc:  # classified: 401/429/403 -> blocked, anything else -> failed
        error: ActorApiError = classify(exc)
        status = "blocked" if error.status == "blocked" else "failed"
        return Preflight(status, f"Actor preflight: {error.reason}", model)
    return Preflight("passed", f"Actor preflight passed ({model}).", model)
