"""Which actor a name means: `--actor <kind>` and a lab's `actor.kind`.

Factories are imported lazily (SDKs are heavy; `mimetic --help` stays fast). A model actor is the one
computer-use loop (`actors/session.py`) around a `Provider`; another kind of actor (a keyless explorer)
registers its own factory here returning anything that satisfies `actors.actor.Actor`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

from mimetic.errors import MimeticError

if TYPE_CHECKING:
    from mimetic.actors.actor import Actor

MODEL_ENV = "MIMETIC_ACTOR_MODEL"
UPSTREAM_MODEL_ENV = "MIMETIC_OSS_META_ACTOR_MODEL"  # upstream's name for the same choice, still honoured

# kind -> "module:function"; the function takes (model: str | None, environ) and returns an Actor.
FACTORIES: dict[str, str] = {
    "openai-cua": "mimetic.actors.providers.openai_computer:make_actor",
    "anthropic": "mimetic.actors.providers.anthropic_computer:make_actor",
    "openai-compatible": "mimetic.actors.providers.openai_compatible:make_actor",
}
ACTOR_KINDS: tuple[str, ...] = tuple(FACTORIES)


def chosen_model(lab_model: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The operator's model choice: the environment over the lab's `actor.model`; None = the provider's default."""
    environ = os.environ if environ is None else environ
    chosen = (environ.get(MODEL_ENV) or environ.get(UPSTREAM_MODEL_ENV) or "").strip()
    return chosen or lab_model or None


def make_actor(kind: str, *, model: str | None = None, environ: Mapping[str, str] | None = None) -> Actor:
    """The actor for `kind`; `model` None = the environment's or the provider's default."""
    target = FACTORIES.get(kind)
    if target is None:
        raise MimeticError("MIMETIC_UNSUPPORTED_ACTOR",
                           f"Unknown actor {kind!r}; use one of: {', '.join(ACTOR_KINDS)}.")
    module, _, name = target.partition(":")
    factory: Callable[..., Actor] = getattr(import_module(module), name)
    environ = os.environ if environ is None else environ
    return factory(chosen_model(model, environ), environ)
