"""The actor's brief (persona + scenario goal -> instructions) and the structured verdict it must end with.

The model is asked for one fenced JSON block; parsing is tolerant (any fence, bare JSON, synonyms
for verdicts, severities and owners) because a model's formatting drifts, but a reply with no
recognisable verdict is not guessed at: the caller records it as "actor gave no structured verdict".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from mimetic.contracts.evidence import Finding
from mimetic.contracts.manifests import Persona, Scenario

VerdictName = Literal["passed", "blocked", "failed"]
MAX_FINDINGS = 20
MAX_FIELD = 500

VERDICT_FORMAT = """When you stop, write a short summary in plain words, then exactly one fenced JSON block:
```json
{"verdict": "passed", "summary": "one sentence", "findings": [
  {"observed": "what you saw", "where": "the page URL or the step", "severity": "high", "owner": "product",
   "expected": "what you expected instead"}]}
```
- verdict: "passed" = you reached the goal; "failed" = the product did not let you reach it;
  "blocked" = something outside normal use stopped you (an account you were not given, a permission
  prompt, a page that never loads).
- severity: "high" (stops the goal), "medium" (slows or confuses), "low" (cosmetic).
- owner: "product" for a problem in the product; "actor" for your own mistake (a misclick, a misread).
- Report friction you noticed even when you reached the goal. An empty findings list means none observed."""

RULES = """Rules:
- Use only the screen, the mouse and the keyboard, the way this person would. No developer tools, no
  typed URLs you were not shown, no installing anything.
- Never type passwords, API keys or personal data. If the product asks for credentials you were not
  given, stop and report blocked.
- Do not ask for confirmation or permission; decide as this person would and keep going until you
  reach the goal or are stuck.
- Do not repeat an action that did nothing; try something else or stop and report."""


def build_instructions(persona: Persona | None, scenario: Scenario | None, goal: str) -> str:
    lines = ["You are a synthetic user trying a product for Mimetic, a user-research tool. Behave as the "
             "person described below, not as a tester or a developer."]
    if persona is not None:
        traits = persona.traits
        lines += ["", f"Persona: {persona.name}" + (f" - {persona.summary}" if persona.summary else ""),
                  f"- Patience: {traits.patience}; technical confidence: {traits.technical_confidence}; "
                  f"accessibility needs: {traits.accessibility_needs.replace('_', ' ')}."]
        lines += _profile_lines(persona)
        if persona.constraints:
            lines += ["- Constraints:"] + [f"  - {c}" for c in persona.constraints]
    lines += ["", f"Goal: {goal}"]
    if scenario is not None:
        lines.append(f"Scenario: {scenario.title}")
        lines += [f"- {step.name}: {step.expectation}" for step in scenario.steps]
        lines += _brief_lines(scenario)
    lines += ["", RULES, "", VERDICT_FORMAT]
    return "\n".join(lines)


def _profile_lines(persona: Persona) -> list[str]:
    """The persona fields 0.1.5's authoring guide asks for, when the author wrote them."""
    out = []
    for label, value in (("Experience", persona.experience_level), ("Risk tolerance", persona.risk_tolerance),
                         ("Accessibility", persona.accessibility_needs)):
        if value:
            out.append(f"- {label}: {value.replace('_', ' ')}.")
    for label, items in (("Motivations", persona.motivations), ("Device assumptions", persona.device_assumptions)):
        if items:
            out += [f"- {label}:"] + [f"  - {item}" for item in items]
    return out


def _brief_lines(scenario: Scenario) -> list[str]:
    out = [f"- {label}: {value}" for label, value in (("Surface", scenario.surface), ("Intent", scenario.intent))
           if value]
    for label, items in (("You succeeded if", scenario.success_signals), ("Signs of failure", scenario.failure_signals)):
        if items:
            out += [f"- {label}:"] + [f"  - {item}" for item in items]
    return out


def first_message(goal: str) -> str:
    return f"The product is open on the screen. Your goal: {goal}\nStart now."


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    summary: str
    findings: list[Finding] = field(default_factory=list)


VERDICTS: dict[str, VerdictName] = {
    "passed": "passed", "pass": "passed", "success": "passed", "succeeded": "passed", "ok": "passed",
    "done": "passed", "completed": "passed",
    "failed": "failed", "fail": "failed", "failure": "failed",
    "blocked": "blocked", "block": "blocked", "stuck": "blocked",
}
SEVERITIES = {"high": "high", "critical": "high", "blocker": "high", "major": "high", "severe": "high",
              "medium": "medium", "moderate": "medium", "normal": "medium",
              "low": "low", "minor": "low", "cosmetic": "low", "trivial": "low"}
OWNERS = {"product": "product", "app": "product", "target-app": "product", "target_app": "product",
          "application": "product", "site": "product",
          "actor": "actor", "agent": "actor", "me": "actor", "self": "actor", "user": "actor"}
FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)


def parse_verdict(text: str, *, default_where: str = "") -> Verdict | None:
    """The last JSON object in `text` that carries a recognisable verdict, or None."""
    for data in reversed(_json_objects(text or "")):
        verdict = VERDICTS.get(str(data.get("verdict", "")).strip().lower())
        if verdict is None:
            continue
        findings = [f for item in _as_list(data.get("findings")) if (f := _finding(item, default_where))]
        return Verdict(verdict=verdict, summary=_text(data.get("summary")), findings=findings[:MAX_FINDINGS])
    return None


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Objects from fenced blocks first; bare objects anywhere in the text when no fence holds one."""
    found = [obj for block in FENCE.findall(text) for obj in objects_in(block)]
    return found or objects_in(text)


def objects_in(text: str) -> list[dict[str, Any]]:
    """Every JSON object written anywhere in `text`, in order."""
    decoder, objects, index = json.JSONDecoder(), [], 0
    while (index := text.find("{", index)) != -1:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            index += 1
            continue
        if isinstance(value, dict):
            objects.append(value)
        index = end
    return objects


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return " ".join(str(value).split())[:MAX_FIELD] if value not in (None, "") else ""


def _finding(item: Any, default_where: str) -> Finding | None:
    if isinstance(item, str):
        item = {"observed": item}
    if not isinstance(item, dict):
        return None
    observed = _text(item.get("observed") or item.get("what") or item.get("description") or item.get("issue"))
    if not observed:
        return None
    where = _text(item.get("where") or item.get("url") or item.get("location") or item.get("step")) or default_where
    severity = SEVERITIES.get(str(item.get("severity", "")).strip().lower(), "medium")
    owner = OWNERS.get(str(item.get("owner", "")).strip().lower(), "product")
    expected = _text(item.get("expected")) or None
    return Finding(observed=observed, where=where, severity=severity, owner=owner, expected=expected)
