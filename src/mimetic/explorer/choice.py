"""Which actor `--actor auto` means: a model-driven one when a model key is set, else the keyless explorer.

The actors' provider interface decides which model keys count; until it names them, OPENAI_API_KEY is
the one key mimetic's model actor uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MODEL_KEY_ENVS = ("OPENAI_API_KEY",)


def has_model_key(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return any((environ.get(name) or "").strip() for name in MODEL_KEY_ENVS)


def resolve_actor(actor: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    if actor != "auto":
        return actor
    return "openai-cua" if has_model_key(environ) else "explore"
