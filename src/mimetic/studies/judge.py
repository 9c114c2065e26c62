"""The optional model judge: grades a task's final screenshot against its rubric (`judge: model`).

Its verdict is stored beside the deterministic checks and the participant's self-report, never
instead of them: a task is `reached` only when mimetic's checks pass, whatever the judge says.
The judge is the only party that sees the rubric; the participant never does. A missing key or a
failed call is recorded on the attempt (`skipped` / `error`), never a crash. The key stays in this
process (registered with the redactor).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from mimetic.actors.providers.base import ImageQuestions, ProviderError
from mimetic.actors.rates import cost_usd
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import LabJudge, ScenarioTask
from mimetic.contracts.study import JudgeVerdict
from mimetic.safety.redact import compact_error

TIMEOUT_S = 60.0
MAX_OUTPUT_TOKENS = 400
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"  # grading one screenshot needs no computer-use model
_JSON_BLOCK = re.compile(r"\{.*\}", re.S)


def judge_prompt(task: ScenarioTask) -> str:
    return ("You grade one task of a usability study from the final screenshot of the participant's screen.\n"
            f"The participant was asked: {task.goal}\n"
            f"Rubric (what counts as done): {task.rubric}\n"
            'Reply with only a JSON object: {"verdict": "pass" or "fail", "rationale": "<one sentence>"}.')


def parse_grade(text: str) -> tuple[str, str] | None:
    match = _JSON_BLOCK.search(text or "")
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None
    verdict = data.get("verdict") if isinstance(data, dict) else None
    if verdict not in ("pass", "fail"):
        return None
    return verdict, str(data.get("rationale") or "")[:400]


def grader(provider: str, model: str | None) -> tuple[ImageQuestions, str]:
    """The actor provider that grades, and the name of its key; the key is read (and registered with the
    redactor) by the provider, as for an actor."""
    if provider == "anthropic":
        from mimetic.actors.providers import anthropic_computer as module

        chosen = model or module.DEFAULT_MODEL
        return module.AnthropicComputer(chosen, (os.environ.get(module.KEY_ENV) or "").strip()), module.KEY_ENV
    from mimetic.actors.providers import openai_computer as module

    chosen = model or DEFAULT_OPENAI_MODEL
    return module.OpenAIComputer(chosen, (os.environ.get(module.KEY_ENV) or "").strip()), module.KEY_ENV


@dataclass(frozen=True)
class Judge:
    provider: str
    model: str | None  # None: the provider's default

    @classmethod
    def from_lab(cls, judge: LabJudge | None) -> Judge:
        return cls(judge.provider if judge else "openai", judge.model if judge else None)

    def grade(self, task: ScenarioTask, screenshot: str | None, store: RunStore) -> JudgeVerdict:
        provider, key_name = grader(self.provider, self.model)
        base: dict[str, Any] = {"provider": self.provider, "model": provider.model}
        if not (os.environ.get(key_name) or "").strip():
            return JudgeVerdict(status="skipped", rationale=f"{key_name} is not set; the judge was not asked.",
                                cost_usd=0.0, **base)
        if screenshot is None:
            return JudgeVerdict(status="skipped", rationale="No final screenshot to grade.", cost_usd=0.0, **base)
        try:
            text, usage = provider.ask(judge_prompt(task), (store.dir / screenshot).read_bytes(),
                                       max_output_tokens=MAX_OUTPUT_TOKENS, timeout_s=TIMEOUT_S)
        except ProviderError as error:  # recorded on the attempt, never a crash
            return JudgeVerdict(status="error", rationale=f"The judge call failed: {error.reason}", **base)
        cost = cost_usd(provider.model, usage)
        grade = parse_grade(text)
        if grade is None:
            return JudgeVerdict(status="error", rationale=compact_error(f"The judge gave no verdict: {text}", 300),
                                cost_usd=cost, **base)
        return JudgeVerdict(status="graded", verdict=grade[0], rationale=grade[1], cost_usd=cost, **base)
