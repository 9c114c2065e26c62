"""Any vision model behind an OpenAI-compatible chat-completions endpoint (vLLM, Ollama, LM Studio, a hosted
gateway): `--actor openai-compatible`, `MIMETIC_ACTOR_BASE_URL`, any model name (`MIMETIC_ACTOR_MODEL` or the
lab's `actor.model`), an optional `MIMETIC_ACTOR_API_KEY`.

Such models have no computer tool, so mimetic offers one function of its own, `computer`, whose arguments are
`{"actions": [{"action": "click", "x": .., "y": ..}, {"action": "type", "text": ..}, ...]}` in the pixel space
of the screenshot the model was sent. Screenshots are scaled into 1280x800 and coordinates scaled back.
Local models often break JSON: arguments are repaired when the intent is unambiguous (code fences, trailing
commas, one bare action object, a JSON object in the message text instead of a tool call); otherwise the model is
told what was wrong and asked once more, and a second malformed answer ends the lane `failed` with the reason.
The preflight lists the endpoint's models (`GET /models`) and looks for the configured one.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from mimetic.actors.computer import Action
from mimetic.actors.instructions import objects_in
from mimetic.actors.providers.base import (
    OMITTED_SCREENSHOT, HistoryPolicy, ModelCheck, ModelTurn, ProviderError, Scale, Screen, Usage,
)
from mimetic.actors.providers.images import fit_png
from mimetic.actors.providers.openai_common import classify, make_client
from mimetic.safety.redact import compact_error

BASE_URL_ENV = "MIMETIC_ACTOR_BASE_URL"
KEY_ENV = "MIMETIC_ACTOR_API_KEY"
NO_KEY = "not-needed"  # local servers ignore the key; the SDK insists on one
MODEL_BOX = (1280, 800)
MAX_TOKENS = 1024
API = "The OpenAI-compatible endpoint"
KINDS = ("click", "double_click", "right_click", "move", "drag", "scroll", "type", "key", "wait")
FUNCTION = {
    "type": "function",
    "function": {
        "name": "computer",
        "description": "Act on the screen shown in the latest screenshot. Coordinates are pixels of that screenshot "
                       "(x from the left, y from the top). Give one or more actions; they run in order, then you get "
                       "a new screenshot.",
        "parameters": {
            "type": "object",
            "properties": {"actions": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "properties": {
                    "action": {"type": "string", "enum": list(KINDS)},
                    "x": {"type": "integer"}, "y": {"type": "integer"},
                    "to_x": {"type": "integer", "description": "drag end"},
                    "to_y": {"type": "integer", "description": "drag end"},
                    "text": {"type": "string", "description": "text to type"},
                    "keys": {"type": "array", "items": {"type": "string"},
                             "description": "a key combination, e.g. [\"ctrl\", \"a\"] or [\"Enter\"]"},
                    "scroll_y": {"type": "integer", "description": "pixels; positive scrolls down"},
                    "scroll_x": {"type": "integer"},
                    "ms": {"type": "integer", "description": "how long to wait"},
                },
                "required": ["action"]}}},
            "required": ["actions"],
        },
    },
}
GUIDE = ("\n\nYou see the screen as screenshots. To act, call the `computer` function. When you are finished, "
         "do not call it: answer with your summary and the verdict block instead.")
FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")
TRAILING_COMMA = re.compile(r",\s*([}\]])")


def make_actor(model: str | None, environ: Mapping[str, str]) -> Any:
    from mimetic.actors.session import ModelActor

    provider = CompatibleComputer(model or "", (environ.get(BASE_URL_ENV) or "").strip(),
                                  (environ.get(KEY_ENV) or "").strip())
    return ModelActor("openai-compatible", provider)


class CompatibleComputer:
    name = "openai-compatible"

    def __init__(self, model: str, base_url: str, api_key: str):
        self.model, self._base_url, self._key = model, base_url, api_key

    def _client(self) -> Any:
        if not self._base_url:
            raise ProviderError("auth", f"{BASE_URL_ENV} is not set: the openai-compatible actor needs the endpoint "
                                        "(e.g. http://127.0.0.1:8000/v1 for vLLM, http://127.0.0.1:11434/v1 for Ollama).")
        if not self.model:
            raise ProviderError("model", "The openai-compatible actor needs a model name: set MIMETIC_ACTOR_MODEL or "
                                         "the lab's actor.model to the name the endpoint serves.")
        return make_client(self._key or NO_KEY, base_url=self._base_url)

    def check_model(self, timeout_s: float) -> ModelCheck:
        try:
            client = self._client()
            served = [m.id for m in client.models.list(timeout=timeout_s)]
        except ProviderError as error:
            return ModelCheck(False, error.reason, error.kind)
        except Exception as exc:  # classified; nothing raw leaves
            error = classify(exc, API)
            return ModelCheck(False if error.kind in ("model", "auth", "quota") else None, error.reason, error.kind)
        if self.model not in served:
            return ModelCheck(False, compact_error(f"{API} does not serve {self.model}; it serves: "
                                                   f"{', '.join(served) or 'nothing'}", 300), "model")
        return ModelCheck(True, f"{API} serves {self.model}")

    def open(self, *, instructions: str, screen: Screen, history: HistoryPolicy) -> _Conversation:
        return _Conversation(self._client(), self.model, instructions, screen, history)


class _Conversation:
    def __init__(self, client: Any, model: str, instructions: str, screen: Screen, history: HistoryPolicy):
        self._client, self.model, self._screen, self._keep = client, model, screen, history.keep_screenshots
        self._messages: list[dict[str, Any]] = [{"role": "system", "content": instructions + GUIDE}]
        self._pending: list[str] = []
        self._scale = Scale(1.0)

    def _user(self, text: str, png: bytes | None) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": text}]
        if png is not None:
            scaled, self._scale = fit_png(png, *MODEL_BOX)
            content.append({"type": "image_url", "image_url": {
                "url": "data:image/png;base64," + base64.b64encode(scaled).decode("ascii")}})
        return {"role": "user", "content": content}

    def begin(self, text: str, screenshot: bytes, timeout_s: float) -> ModelTurn:
        return self._request(lambda: self._messages.append(self._user(text, screenshot)), timeout_s)

    def after(self, screenshot: bytes, timeout_s: float) -> ModelTurn:
        def stage() -> None:
            self._answer("Done.")
            self._messages.append(self._user("The screen after your actions.", screenshot))

        return self._request(stage, timeout_s)

    def say(self, text: str, timeout_s: float) -> ModelTurn:
        def stage() -> None:
            self._answer("Done.")
            self._messages.append(self._user(text, None))

        return self._request(stage, timeout_s)

    def _request(self, stage: Callable[[], None], timeout_s: float) -> ModelTurn:
        """Stage the new message and ask; a failed request leaves the history as it was, so a retry sends it once."""
        saved = copy.deepcopy((self._messages, self._pending, self._scale))
        try:
            stage()
            return self._turn(timeout_s)
        except ProviderError:
            self._messages, self._pending, self._scale = saved
            raise

    def _answer(self, text: str) -> None:
        self._messages += [{"role": "tool", "tool_call_id": call_id, "content": text} for call_id in self._pending]
        self._pending = []

    def request_messages(self) -> list[dict[str, Any]]:
        """The newest `keep` screenshots; older image parts become a one-line note."""
        places = [(m, p) for m, message in enumerate(self._messages) if isinstance(message.get("content"), list)
                  for p, part in enumerate(message["content"]) if part.get("type") == "image_url"]
        old = set(places[:-self._keep] if self._keep > 0 else places)
        note = {"type": "text", "text": OMITTED_SCREENSHOT}
        return [dict(message, content=[note if (m, p) in old else part for p, part in enumerate(message["content"])])
                if isinstance(message.get("content"), list) else message for m, message in enumerate(self._messages)]

    def _turn(self, timeout_s: float) -> ModelTurn:
        usage = Usage()
        for attempt in (1, 2):
            message, spent = self._create(timeout_s)
            usage = Usage(usage.input_tokens + spent.input_tokens, usage.cached_tokens + spent.cached_tokens,
                          usage.output_tokens + spent.output_tokens)
            try:
                actions = self._actions(message)
            except ValueError as problem:
                if attempt == 2:
                    raise ProviderError("invalid", compact_error(f"The model sent malformed actions twice: {problem}",
                                                                 300)) from None
                feedback = (f"Your actions could not be used: {problem}. Call `computer` again with valid JSON "
                            "arguments as its schema describes.")
                if self._pending:
                    self._answer(feedback)
                else:
                    self._messages.append(self._user(feedback, None))
                continue
            return ModelTurn(actions=tuple(actions), text=message.get("content") or "", usage=usage)
        raise AssertionError("unreachable")

    def _create(self, timeout_s: float) -> tuple[dict[str, Any], Usage]:
        try:
            completion = self._client.chat.completions.create(
                model=self.model, messages=self.request_messages(), tools=[FUNCTION], max_tokens=MAX_TOKENS,
                timeout=timeout_s)
        except Exception as exc:  # every SDK failure is classified; nothing raw leaves this adapter
            raise classify(exc, API) from None
        if not completion.choices:
            raise ProviderError("invalid", f"{API} answered with no choices")
        message = completion.choices[0].message.model_dump(mode="json", exclude_none=True)
        message.pop("refusal", None)
        message.pop("annotations", None)
        self._messages.append(message)
        self._pending = [call["id"] for call in message.get("tool_calls") or []]
        raw = completion.usage
        details = getattr(raw, "prompt_tokens_details", None)
        return message, Usage(getattr(raw, "prompt_tokens", 0) or 0, getattr(details, "cached_tokens", 0) or 0,
                              getattr(raw, "completion_tokens", 0) or 0)

    def _actions(self, message: dict[str, Any]) -> list[Action]:
        """The actions of a reply, repaired where the intent is clear; ValueError says what was wrong."""
        calls = message.get("tool_calls") or []
        if not calls:
            found = _json_in_text(message.get("content") or "")
            return [self._action(item) for item in _action_list(found)] if found is not None else []
        actions = []
        for call in calls:
            name = call.get("function", {}).get("name")
            if name != "computer":
                raise ValueError(f"there is no function named {name!r}; the only one is `computer`")
            actions += [self._action(item) for item in _action_list(repair(call["function"].get("arguments", "")))]
        return actions

    def _action(self, item: Any) -> Action:
        if not isinstance(item, dict) or item.get("action") not in KINDS:
            raise ValueError(f"each action needs an `action` of {', '.join(KINDS)}; got {str(item)[:80]!r}")
        kind = item["action"]

        def point(xk: str = "x", yk: str = "y") -> tuple[int, int]:
            try:
                return self._scale.to_screen(float(item[xk]), float(item[yk]), self._screen)
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"`{kind}` needs numeric `{xk}` and `{yk}`") from None

        if kind in ("click", "right_click"):
            x, y = point()
            return Action("click", x=x, y=y, button="right" if kind == "right_click" else "left",
                          keys=tuple(item.get("keys") or ()))
        if kind in ("double_click", "move"):
            x, y = point()
            return Action(kind, x=x, y=y)
        if kind == "drag":
            return Action("drag", path=(point(), point("to_x", "to_y")))
        if kind == "scroll":
            x, y = point() if "x" in item else (self._screen.width // 2, self._screen.height // 2)
            return Action("scroll", x=x, y=y, scroll_x=int(item.get("scroll_x") or 0),
                          scroll_y=int(item.get("scroll_y") or 0))
        if kind == "type":
            if not isinstance(item.get("text"), str):
                raise ValueError("`type` needs a `text` string")
            return Action("type", text=item["text"])
        if kind == "key":
            keys = item.get("keys") or ([item["text"]] if isinstance(item.get("text"), str) else [])
            if not keys or not all(isinstance(k, str) for k in keys):
                raise ValueError("`key` needs `keys`, a list of key names")
            flat = tuple(part for key in keys for part in (key.split("+") if len(key) > 1 else [key]) if part)
            return Action("keypress", keys=flat)
        return Action("wait", ms=min(int(item.get("ms") or 1000), 10_000))


def repair(arguments: Any) -> Any:
    """Tool-call arguments as JSON: as sent, or with code fences and trailing commas removed."""
    if isinstance(arguments, (dict, list)):
        return arguments
    text = str(arguments)
    for candidate in (text, TRAILING_COMMA.sub(r"\1", FENCE.sub("", text))):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ValueError(f"the arguments are not JSON ({text[:80]!r})")


def _action_list(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("actions"), list) and value["actions"]:
        return value["actions"]
    if isinstance(value, dict) and "action" in value:  # one bare action instead of {"actions": [...]}
        return [value]
    if isinstance(value, list) and value:
        return value
    raise ValueError("the arguments need a non-empty `actions` list")


def _json_in_text(text: str) -> Any:
    """A `{"actions": [...]}` object written in the message text by a model that skipped the tool call."""
    return next((found for found in objects_in(text) if "actions" in found), None)
