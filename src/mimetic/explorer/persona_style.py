"""How a persona walks: which input it uses, how long it waits, how carefully it types, how far it goes.

Derived from the persona manifest (traits and constraints) and the viewport: touch on mobile, the
keyboard for a persona whose accessibility needs or constraints say keyboard, a pointer otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from mimetic.contracts.explorer import ExplorerStyle
from mimetic.contracts.manifests import Persona

PATIENCE_MS = {"low": 2000, "medium": 5000, "high": 10000}
# (states, actions) a persona tries before it stops; a patient persona looks further.
REACH = {"low": (10, 40), "medium": (30, 100), "high": (60, 200)}
DEFAULT_MAX_MS = 60_000


@dataclass(frozen=True)
class Budget:
    """Overrides of the persona's own budget (None = the persona's)."""

    max_states: int | None = None
    max_actions: int | None = None
    max_ms: int = DEFAULT_MAX_MS


def _words(persona: Persona | None) -> str:
    if persona is None:
        return ""
    return " ".join([persona.traits.accessibility_needs, *persona.constraints, persona.summary]).lower()


def style_for(persona: Persona | None, *, mobile: bool, budget: Budget | None = None) -> ExplorerStyle:
    budget = budget or Budget()
    patience = persona.traits.patience if persona else "medium"
    words = _words(persona)
    if mobile:
        input_style = "touch"
    elif "keyboard" in words:
        input_style = "keyboard"
    else:
        input_style = "pointer"
    careless = "careless" in words or (persona is not None and persona.traits.technical_confidence == "low")
    states, actions = REACH[patience]
    return ExplorerStyle(input=input_style, impatient=patience == "low", careless=careless,
                         patience_ms=PATIENCE_MS[patience], max_states=budget.max_states or states,
                         max_actions=budget.max_actions or actions, max_ms=budget.max_ms)
