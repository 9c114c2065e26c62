"""The optional model judge: grades a task's final screenshot against its rubric (`judge: model`).

Its verdict is stored beside the deterministic checks and the participant's self-report, never
instead of them: a task is `reached` only when mimetic's checks pass, whatever the judge says.
The judge is the only party that sees the rubric; the participant never does. A missing key or a
failed call is recorded on the attempt (`skipped` / `error`), never a crash. The key stays in this
process (registered with the redactor).
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from mimetic.actors.rates import cost_usd
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import LabJudge, ScenarioTask
from mimetic.contracts.study import JudgeVerdict
from mimetic.safety.redact import compact_error, register_secret

TIMEOUT_S = 60.0
MAX_OUTPUT_TOKENS = 400
KEY_NAMES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
DEFAULT_MODELS = {"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-4-5"}
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


def _ask_openai(key: str, model: str, prompt: str, png: bytes) -> tuple[str, int, int]:
    import openai

    image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    response = openai.OpenAI(api_key=key, max_retries=1).responses.create(
        model=model, max_output_tokens=MAX_OUTPUT_TOKENS, timeout=TIMEOUT_S,
        input=[{"role": "user", "content": [{"type": "input_text", "text": prompt},
                                            {"type": "input_image", "image_url": image, "detail": "auto"}]}])
    usage = response.usage
    return response.output_text or "", getattr(usage, "input_tokens", 0) or 0, getattr(usage, "output_tokens", 0) or 0


def _ask_anthropic(key: str, model: str, prompt: str, png: bytes) -> tuple[str, int, int]:
    import anthropic

    message = anthropic.Anthropic(api_key=key, max_retries=1).messages.create(
        model=model, max_tokens=MAX_OUTPUT_TOKENS, timeout=TIMEOUT_S,
        messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": base64.b64encode(png).decode("ascii")}},
            {"type": "text", "text": prompt}]}])
    text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
    return text, message.usage.input_tokens or 0, message.usage.output_tokens or 0


ASK = {"openai": _ask_openai, "anthropic": _ask_anthropic}


@dataclass(frozen=True)
class Judge:
    provider: str
    model: str

    @classmethod
    def from_lab(cls, judge: LabJudge | None) -> Judge:
        provider = judge.provider if judge else "openai"
        return cls(provider, (judge.model if judge else None) or DEFAULT_MODELS[provider])

    def grade(self, task: ScenarioTask, screenshot: str | None, store: RunStore) -> JudgeVerdict:
        base: dict[str, Any] = {"provider": self.provider, "model": self.model}
        key_name = KEY_NAMES[self.provider]
        key = (os.environ.get(key_name) or "").strip()
        if not key:
            return JudgeVerdict(status="skipped", rationale=f"{key_name} is not set; the judge was not asked.",
                                cost_usd=0.0, **base)
        if screenshot is None:
            return JudgeVerdict(status="skipped", rationale="No final screenshot to grade.", cost_usd=0.0, **base)
        register_secret(key)
        png = (store.dir / screenshot).read_bytes()
        try:
            text, tokens_in, tokens_out = ASK[self.provider](key, self.model, judge_prompt(task), png)
        except Exception as exc:  # noqa: BLE001 - a judge failure is recorded on the attempt, never a crash
            status = getattr(exc, "status_code", None)
            what = f"HTTP {status}" if status else type(exc).__name__
            return JudgeVerdict(status="error", rationale=f"The judge call failed ({what}).", **base)
        cost = cost_usd(self.model, tokens_in, tokens_out)
        grade = parse_grade(text)
        if grade is None:
            return JudgeVerdict(status="error", rationale=compact_error(f"The judge gave no verdict: {text}", 300),
                                cost_usd=cost, **base)
        return JudgeVerdict(status="graded", verdict=grade[0], rationale=grade[1], cost_usd=cost, **base)
