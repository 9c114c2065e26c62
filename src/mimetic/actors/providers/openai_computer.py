"""OpenAI's computer-use tool over the Responses API (`openai` SDK, imported lazily): `--actor openai-cua`.

Two tool shapes, chosen from the model:
- current models (GPT-5.4 and later; the default is `gpt-5.4-mini`, OpenAI's named replacement for the
  shut-down preview): the GA tool `{"type": "computer"}`; a `computer_call` carries a batch `actions[]`,
  screenshots are native pixels;
- `computer-use-preview*`: the preview tool `{"type": "computer_use_preview", display_width, display_height,
  environment}`; a `computer_call` carries one `action`.
The API rejects each tool with the other family's models, so the shape is never a user choice.

History is mimetic's: `store=false`, the whole input list is sent each turn (reasoning items replayed
with their `encrypted_content`), and turns older than the newest `keep_screenshots` screenshots are
replaced by a one-line note of what was done, so a request stays bounded however long the lane runs.
Each screenshot answers its `computer_call` as a `computer_call_output` with a `computer_screenshot`.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mimetic.actors.computer import Action
from mimetic.actors.providers.base import (
    HistoryPolicy, ModelCheck, ModelTurn, ProviderError, Screen, Usage, summaries,
)
from mimetic.actors.providers.openai_common import classify, make_client, retrieve_model
from mimetic.safety.redact import compact_error

KEY_ENV = "OPENAI_API_KEY"
DEFAULT_MODEL = "gpt-5.4-mini"
PREVIEW_PREFIX = "computer-use-preview"
DEFAULT_WAIT_MS = 1000
API = "OpenAI"
PREVIEW_ENVIRONMENTS = {"browser", "linux", "ubuntu", "mac", "windows"}


def is_preview(model: str) -> bool:
    return model.startswith(PREVIEW_PREFIX)


def tool_for(model: str, screen: Screen) -> dict[str, Any]:
    if is_preview(model):
        environment = screen.environment if screen.environment in PREVIEW_ENVIRONMENTS else "linux"
        return {"type": "computer_use_preview", "display_width": screen.width, "display_height": screen.height,
                "environment": environment}
    return {"type": "computer"}


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def make_actor(model: str | None, environ: Mapping[str, str]) -> Any:
    from mimetic.actors.session import ModelActor

    return ModelActor("openai-cua", OpenAIComputer(model or DEFAULT_MODEL, (environ.get(KEY_ENV) or "").strip()))


class OpenAIComputer:
    name = "openai"

    def __init__(self, model: str, api_key: str):
        self.model, self._key = model, api_key

    def _client(self) -> Any:
        if not self._key:
            raise ProviderError("auth", f"{KEY_ENV} is not set, so the OpenAI actor cannot run (no OpenAI call was "
                                        "made). Export it or load it with --env-file.")
        return make_client(self._key)

    def check_model(self, timeout_s: float) -> ModelCheck:
        try:
            client = self._client()
        except ProviderError as error:
            return ModelCheck(False, error.reason, error.kind)
        return retrieve_model(client, self.model, API, timeout_s)

    def open(self, *, instructions: str, screen: Screen, history: HistoryPolicy) -> _Conversation:
        return _Conversation(self._client(), self.model, instructions, screen, history)

    def ask(self, prompt: str, image_png: bytes, *, max_output_tokens: int, timeout_s: float) -> tuple[str, Usage]:
        content = [{"type": "input_text", "text": prompt},
                   {"type": "input_image", "image_url": data_url(image_png), "detail": "auto"}]
        try:
            response = self._client().responses.create(model=self.model, max_output_tokens=max_output_tokens,
                                                       input=[{"role": "user", "content": content}], store=False,
                                                       timeout=timeout_s)
        except ProviderError:
            raise
        except Exception as exc:  # classified; nothing raw leaves this adapter
            raise classify(exc, API) from None
        return response.output_text or "", _usage(response)


@dataclass
class _Group:
    """The input items of one stretch of history; `brief` replaces them once their screenshot is too old."""

    items: list[dict[str, Any]]
    brief: list[dict[str, Any]] | None = None  # None = holds no screenshot, never pruned
    pending: list[str] = field(default_factory=list)  # call ids this group's response left unanswered


class _Conversation:
    def __init__(self, client: Any, model: str, instructions: str, screen: Screen, history: HistoryPolicy):
        self._client, self.model, self._instructions = client, model, instructions
        self._screen, self._keep = screen, history.keep_screenshots
        self._tool = tool_for(model, screen)
        self._groups: list[_Group] = []
        self._turn = 0

    def begin(self, text: str, screenshot: bytes, timeout_s: float) -> ModelTurn:
        image = {"type": "input_image", "image_url": data_url(screenshot),
                 "detail": "auto" if is_preview(self.model) else "original"}
        message = {"role": "user", "content": [{"type": "input_text", "text": text}, image]}
        omitted = {"role": "user", "content": [{"type": "input_text", "text": text},
                                               {"type": "input_text", "text": _omitted(0, "")}]}
        return self._request(lambda: self._groups.append(_Group([message], brief=[omitted])), timeout_s)

    def after(self, screenshot: bytes, timeout_s: float) -> ModelTurn:
        output = {"type": "computer_screenshot", "image_url": data_url(screenshot)}

        def stage() -> None:
            group = self._groups[-1]
            group.items += [{"type": "computer_call_output", "call_id": call_id, "output": output}
                            for call_id in group.pending]
            group.pending = []

        return self._request(stage, timeout_s)

    def say(self, text: str, timeout_s: float) -> ModelTurn:
        message = {"role": "user", "content": [{"type": "input_text", "text": text}]}
        return self._request(lambda: self._groups.append(_Group([message])), timeout_s)

    def _request(self, stage: Callable[[], None], timeout_s: float) -> ModelTurn:
        """Stage the new input and ask; a failed request leaves the history as it was, so a retry sends it once."""
        saved = copy.deepcopy((self._groups, self._turn))
        try:
            stage()
            return self._create(timeout_s)
        except ProviderError:
            self._groups, self._turn = saved
            raise

    def request_input(self) -> list[dict[str, Any]]:
        """The input list of the next request: only the newest `keep` screenshots, older turns as notes."""
        with_images = [index for index, group in enumerate(self._groups) if group.brief is not None]
        old = set(with_images[:-self._keep] if self._keep > 0 else with_images)
        return [item for index, group in enumerate(self._groups)
                for item in (group.brief if index in old and group.brief is not None else group.items)]

    def _create(self, timeout_s: float) -> ModelTurn:
        params: dict[str, Any] = dict(
            model=self.model, instructions=self._instructions, tools=[self._tool], input=self.request_input(),
            store=False, include=["reasoning.encrypted_content"], truncation="auto",
            reasoning={"summary": "concise" if is_preview(self.model) else "auto"}, timeout=timeout_s)
        try:
            response = self._client.responses.create(**params)
        except Exception as exc:  # every SDK failure is classified; nothing raw leaves this adapter
            raise classify(exc, API) from None
        if getattr(response, "error", None) is not None:
            raise ProviderError("invalid", compact_error(f"OpenAI response failed: {response.error.message}", 300))
        self._turn += 1
        return self._remember(response)

    def _remember(self, response: Any) -> ModelTurn:
        items, actions, checks, reasoning, calls = [], [], [], [], []
        for item in response.output or []:
            items.append(item.model_dump(mode="json", exclude_none=True))
            if item.type == "computer_call":
                calls.append(item.call_id)
                actions += _actions(item, self.model)
                checks += [compact_error(": ".join(p for p in (c.code, c.message) if p) or c.id, 300)
                           for c in item.pending_safety_checks or []]
            elif item.type == "reasoning":
                reasoning += [part.text for part in (item.summary or []) if getattr(part, "text", None)]
        note = _omitted(self._turn, "; ".join(_describe(a) for a in actions))
        self._groups.append(_Group(items, brief=[_note(note)] if calls else None, pending=calls))
        return ModelTurn(actions=tuple(actions), text=response.output_text or "", reasoning=summaries(reasoning),
                         safety_checks=tuple(checks), usage=_usage(response))


def _usage(response: Any) -> Usage:
    usage = response.usage
    details = getattr(usage, "input_tokens_details", None)
    return Usage(input_tokens=getattr(usage, "input_tokens", 0) or 0,
                 cached_tokens=getattr(details, "cached_tokens", 0) or 0,
                 output_tokens=getattr(usage, "output_tokens", 0) or 0)


def _note(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "input_text", "text": text}]}


def _omitted(turn: int, actions: str) -> str:
    done = f" In turn {turn} you did: {actions}." if actions else ""
    return f"[Older history, summarised by the harness.{done} The screenshot was left out to keep the request small.]"


def _describe(action: Action) -> str:
    if action.kind in ("click", "double_click", "move", "scroll"):
        return f"{action.kind}({action.x},{action.y})"
    if action.kind == "type":
        return f"type({len(action.text)} characters)"
    if action.kind == "keypress":
        return "keypress(" + "+".join(action.keys) + ")"
    return action.kind


def _actions(item: Any, model: str) -> list[Action]:
    batched = getattr(item, "actions", None)
    single = getattr(item, "action", None)
    # The API pairs batches with the GA tool only; anything else means the wire format changed under us.
    if is_preview(model) and batched:
        raise ProviderError("invalid", "OpenAI sent batched actions for a preview model; mimetic does not trust "
                                       "a pairing the API never returns")
    sdk_actions = list(batched) if batched else ([single] if single is not None else [])
    if not sdk_actions:
        raise ProviderError("invalid", "OpenAI sent a computer call with no action")
    return [to_action(a) for a in sdk_actions]


def to_action(sdk: Any) -> Action:
    """An SDK action model (preview `action` or GA `actions[]`) as our Action."""
    kind = getattr(sdk, "type", None)
    keys = tuple(getattr(sdk, "keys", None) or ())
    if kind == "click":
        return Action("click", x=sdk.x, y=sdk.y, button=sdk.button, keys=keys)
    if kind in ("double_click", "move"):
        return Action(kind, x=sdk.x, y=sdk.y, keys=keys)
    if kind == "scroll":
        return Action("scroll", x=sdk.x, y=sdk.y, scroll_x=sdk.scroll_x, scroll_y=sdk.scroll_y, keys=keys)
    if kind == "drag":
        return Action("drag", path=tuple((p.x, p.y) for p in sdk.path), keys=keys)
    if kind == "type":
        return Action("type", text=sdk.text)
    if kind == "keypress":
        return Action("keypress", keys=keys)
    if kind == "wait":
        return Action("wait", ms=DEFAULT_WAIT_MS)
    if kind == "screenshot":
        return Action("screenshot")
    raise ProviderError("invalid", compact_error(f"OpenAI asked for an action mimetic cannot perform: {kind!r}", 200))

