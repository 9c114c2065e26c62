"""How a persona behaves in a study: not only what its prompt says, but what mimetic lets it do.

  patience       the step and time budget of each task attempt (`traits.patience`, or `budget`)
  device         the viewport: desktop, mobile or tablet (named presets)
  input style    keyboard-only personas have every pointer action refused (recorded as friction)
  reading speed  how long the participant looks at the page after each action (the settle time)

Upstream persona fields map onto these when ours are unset (docs/labs.md): a device assumption
naming a phone or tablet picks that preset; an accessibility need or constraint that says
keyboard picks keyboard-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mimetic.browser.chromium import DESKTOP, MOBILE, Surface
from mimetic.contracts.evidence import TraceViewport
from mimetic.contracts.manifests import Persona

TABLET = Surface("tablet", "Tablet 820x1180", TraceViewport(width=820, height=1180, device_scale_factor=2,
                                                            is_mobile=True, has_touch=True))
DEVICES: dict[str, Surface] = {"desktop": DESKTOP, "mobile": MOBILE, "tablet": TABLET}
# (steps, milliseconds) per task attempt
PATIENCE: dict[str, tuple[int, int]] = {"low": (8, 60_000), "medium": (15, 120_000), "high": (30, 300_000)}
SETTLE_MS: dict[str, int] = {"fast": 250, "average": 500, "slow": 1200}
POINTER_ACTIONS = frozenset({"click", "double_click", "move", "drag", "scroll", "check", "selectOption"})


@dataclass(frozen=True)
class Behaviour:
    device: str
    surface: Surface
    keyboard_only: bool
    settle_ms: int
    max_steps: int
    time_ms: int

    @property
    def input_style(self) -> str:
        return "keyboard-only" if self.keyboard_only else "pointer"


def _upstream_texts(persona: Persona, name: str) -> list[str]:
    """Free-text upstream fields (motivations, deviceAssumptions, successSignals) when the model has them."""
    value = getattr(persona, name, None)
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list | tuple) else []


def _device(persona: Persona) -> str:
    if persona.device:
        return persona.device
    said = " ".join(_upstream_texts(persona, "device_assumptions")).lower()
    if any(word in said for word in ("tablet", "ipad")):
        return "tablet"
    if any(word in said for word in ("mobile", "phone", "iphone", "android")):
        return "mobile"
    return "desktop"


def _keyboard_only(persona: Persona) -> bool:
    if persona.input_style:
        return persona.input_style == "keyboard-only"
    said = " ".join([persona.traits.accessibility_needs, *persona.constraints]).lower()
    return "keyboard_only" in said or "keyboard-only" in said or "keyboard only" in said


def behaviour_of(persona: Persona | None) -> Behaviour:
    if persona is None:
        steps, time_ms = PATIENCE["medium"]
        return Behaviour("desktop", DESKTOP, False, SETTLE_MS["average"], steps, time_ms)
    steps, time_ms = PATIENCE[persona.traits.patience]
    if persona.budget is not None:
        steps = persona.budget.max_steps or steps
        time_ms = persona.budget.time_ms or time_ms
    device = _device(persona)
    return Behaviour(device=device, surface=DEVICES[device], keyboard_only=_keyboard_only(persona),
                     settle_ms=SETTLE_MS[persona.reading_speed or "average"], max_steps=steps, time_ms=time_ms)


def persona_brief(persona: Persona | None) -> list[str]:
    """What the participant knows about itself (its own motivations and what success feels like to it)."""
    if persona is None:
        return []
    lines = [f"You are {persona.name}." + (f" {persona.summary}" if persona.summary else "")]
    motivations = _upstream_texts(persona, "motivations")
    if motivations:
        lines.append("What drives you: " + "; ".join(motivations))
    signals = _upstream_texts(persona, "success_signals")
    if signals:
        lines.append("You feel you succeeded when: " + "; ".join(signals))
    if persona.constraints:
        lines.append("Your constraints: " + "; ".join(persona.constraints))
    return lines
