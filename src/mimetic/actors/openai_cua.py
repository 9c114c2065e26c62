"""One conversation with the OpenAI Responses API computer-use tool (openai 3.x).

`ResponsesActor` only speaks the wire protocol: the first turn (instructions, goal, screenshot as an
`input_image`), each `computer_call_output` (a `computer_screenshot` data URL, chained with
`previous_response_id` and `truncation="auto"`), and a plain user nudge. It turns every response
into a `Turn` and every SDK failure into an `ActorApiError` with a lane status and a redacted
reason. The loop, budgets and evidence live in `session.py`. `openai` is imported lazily.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mimetic.actors.computer import Action
from mimetic.contracts.manifests import LabActor
from mimetic.safety.redact import compact_error

DEFAULT_MODEL = "computer-use-preview"
MODEL_ENV = "MIMETIC_ACTOR_MODEL"
UPSTREAM_MODEL_ENV = "MIMETIC_OSS_META_ACTOR_MODEL"  # upstream's name for the same choice, still honoured
MAX_RETRIES = 2
REQUEST_TIMEOUT_CAP_S = 120.0
RETRY_MIN_S = 30.0  # closer to the deadline than this, a failed request is not retried (no time for it)
DEFAULT_WAIT_MS = 1000

ApiStatus = Literal["blocked", "failed", "timed_out"]


def resolve_model(lab_actor: LabActor | None = None, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    lab_model = lab_actor.model if lab_actor and lab_actor.model else None
    chosen = (environ.get(MODEL_ENV) or environ.get(UPSTREAM_MODEL_ENV) or "").strip()
    return chosen or lab_model or DEFAULT_MODEL


class ActorApiError(Exception):
    """A failed model call, already classified: the status the lane ends with and a reason safe to store."""

    def __init__(self, status: ApiStatus, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Call:
    call_id: str
    actions: list[Action]
    safety_checks: list[str] = field(default_factory=list)  # "code: message", never acknowledged for the model


@dataclass(frozen=True)
class Turn:
    response_id: str
    calls: list[Call]
    text: str  # the assistant's message text
    reasoning: str  # reasoning summaries, when the model gives them
    input_tokens: int = 0
    output_tokens: int = 0


def classify(exc: BaseException) -> ActorApiError:
    """An SDK exception as a lane outcome. Auth failures never echo the server's message (it quotes the key)."""
    import openai

    if isinstance(exc, openai.AuthenticationError):
        return ActorApiError("blocked", "OpenAI rejected the API key (401)")
    if isinstance(exc, openai.RateLimitError):
        return ActorApiError("blocked", "OpenAI rate limit or quota exhausted (429)")
    if isinstance(exc, openai.PermissionDeniedError):
        return ActorApiError("blocked", compact_error(f"OpenAI denied access (403): {_api_message(exc)}", 300))
    if isinstance(exc, openai.APITimeoutError):
        return ActorApiError("timed_out", "OpenAI did not answer before the request timed out")
    if isinstance(exc, openai.APIStatusError):
        return ActorApiError("failed", compact_error(f"OpenAI API error ({exc.status_code}): {_api_message(exc)}", 300))
    if isinstance(exc, openai.APIConnectionError):
        return ActorApiError("failed", compact_error(f"Could not reach the OpenAI API: {exc}", 300))
    return ActorApiError("failed", compact_error(f"OpenAI client error: {type(exc).__name__}: {exc}", 300))


def _api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(error.get("message"), str):
            return error["message"]
    return getattr(exc, "message", "") or type(exc).__name__


def make_client(api_key: str) -> Any:
    """The real SDK client; `OPENAI_BASE_URL` (read by the SDK) points it elsewhere, e.g. a test fake."""
    import openai

    return openai.OpenAI(api_key=api_key, max_retries=MAX_RETRIES)


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def tool_environment(computer: Any) -> str:
    """`browser` for a page, `linux` for a desktop (the default: E2B desktops are Linux)."""
    return getattr(computer, "environment", "linux")


class ResponsesActor:
    def __init__(self, client: Any, *, model: str, size: tuple[int, int], environment: str, instructions: str):
        self._client = client
        self.model = model
        self._instructions = instructions
        self._tool = {"type": "computer_use_preview", "display_width": int(size[0]), "display_height": int(size[1]),
                      "environment": environment}
        self._previous: str | None = None

    def begin(self, text: str, screenshot: bytes, timeout_s: float) -> Turn:
        content = [{"type": "input_text", "text": text},
                   {"type": "input_image", "image_url": data_url(screenshot), "detail": "auto"}]
        return self._create([{"role": "user", "content": content}], timeout_s)

    def after(self, outputs: Sequence[tuple[str, bytes]], timeout_s: float) -> Turn:
        """Answer every computer call of the last turn with the screenshot taken after its actions."""
        items = [{"type": "computer_call_output", "call_id": call_id,
                  "output": {"type": "computer_screenshot", "image_url": data_url(png)}}
                 for call_id, png in outputs]
        return self._create(items, timeout_s)

    def say(self, text: str, timeout_s: float) -> Turn:
        return self._create([{"role": "user", "content": text}], timeout_s)

    def _create(self, items: list[dict[str, Any]], timeout_s: float) -> Turn:
        params: dict[str, Any] = dict(model=self.model, instructions=self._instructions, tools=[self._tool],
                                      input=items, truncation="auto", timeout=min(timeout_s, REQUEST_TIMEOUT_CAP_S))
        if self._previous:
            params["previous_response_id"] = self._previous
        if self.model.startswith("computer-use"):
            params["reasoning"] = {"summary": "concise"}
        client = self._client if timeout_s >= RETRY_MIN_S else self._client.with_options(max_retries=0)
        try:
            response = client.responses.create(**params)
        except Exception as exc:  # every SDK failure is classified; nothing raw leaves this adapter
            raise classify(exc) from None
        if getattr(response, "error", None) is not None:
            raise ActorApiError("failed", compact_error(f"OpenAI response failed: {response.error.message}", 300))
        self._previous = response.id
        return _turn(response)


def _turn(response: Any) -> Turn:
    calls, reasoning = [], []
    for item in response.output or []:
        if item.type == "computer_call":
            calls.append(_call(item))
        elif item.type == "reasoning":
            reasoning += [part.text for part in (item.summary or []) if getattr(part, "text", None)]
    usage = response.usage
    return Turn(response_id=response.id, calls=calls, text=response.output_text or "", reasoning=" ".join(reasoning),
                input_tokens=getattr(usage, "input_tokens", 0) or 0,
                output_tokens=getattr(usage, "output_tokens", 0) or 0)


def _call(item: Any) -> Call:
    sdk_actions = list(item.actions) if item.actions else ([item.action] if item.action is not None else [])
    if not sdk_actions:
        raise ActorApiError("failed", "OpenAI sent a computer call with no action")
    checks = [compact_error(": ".join(p for p in (c.code, c.message) if p) or c.id, 300)
              for c in item.pending_safety_checks or []]
    return Call(call_id=item.call_id, actions=[to_action(a) for a in sdk_actions], safety_checks=checks)


def to_action(sdk: Any) -> Action:
    """An SDK action model (preview `action` or batched `actions`) as our Action."""
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
    raise ActorApiError("failed", compact_error(f"OpenAI asked for an action mimetic cannot perform: {kind!r}", 200))
