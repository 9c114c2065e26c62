"""Anthropic's computer-use toolset over the Messages API (`anthropic` SDK, imported lazily): `--actor anthropic`.

The tool is the GA client toolset `{"type": "computer_toolset_20260801"}` (no beta header; the entry carries
only `type` and `configs`). Claude answers with `tool_use` blocks named after the member (`left_click`,
`type`, `key`, `scroll`, ...; `toolset_name: "computer"`), often several per turn; every one is answered by
a `tool_result` in the next user message, the last carrying the settled screenshot. Members mimetic cannot
perform (zoom, cursor position, held keys, raw button down/up, triple click) are disabled in `configs`.

Screenshots are scaled to fit the size Claude works at (WXGA, 1280x800, the computer-use guidance; the API
rejects an image over its limits instead of shrinking it), and Claude's coordinates, which are in that
scaled image, are mapped back to screen pixels. History is mimetic's: screenshots older than the newest
`keep_screenshots` are replaced by a one-line note.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from typing import Any

from mimetic.actors.computer import Action
from mimetic.actors.providers.base import (
    OMITTED_SCREENSHOT, HistoryPolicy, ModelCheck, ModelTurn, ProviderError, Scale, Screen, Usage, retry_after_s,
)
from mimetic.actors.providers.images import fit_png
from mimetic.safety.redact import compact_error, register_secret

KEY_ENV = "ANTHROPIC_API_KEY"
DEFAULT_MODEL = "claude-sonnet-5-5"
TOOLSET = "computer_toolset_20260801"
DISABLED = ("cursor_position", "hold_key", "left_mouse_down", "left_mouse_up", "triple_click", "zoom")
MODEL_BOX = (1280, 800)  # the largest screenshot sent; bigger screens are scaled down into it
MAX_TOKENS = 4096
SCROLL_PX = 100  # one wheel "click"
API = "Anthropic"


def make_actor(model: str | None, environ: Mapping[str, str]) -> Any:
    from mimetic.actors.session import ModelActor

    return ModelActor("anthropic", AnthropicComputer(model or DEFAULT_MODEL, (environ.get(KEY_ENV) or "").strip()))


def tool() -> dict[str, Any]:
    return {"type": TOOLSET, "configs": {name: {"enabled": False} for name in DISABLED}}


class AnthropicComputer:
    name = "anthropic"

    def __init__(self, model: str, api_key: str):
        self.model, self._key = model, api_key

    def _client(self) -> Any:
        if not self._key:
            raise ProviderError("auth", f"{KEY_ENV} is not set, so the Anthropic actor cannot run (no Anthropic call "
                                        "was made). Export it or load it with --env-file.")
        import anthropic

        register_secret(self._key)
        return anthropic.Anthropic(api_key=self._key, max_retries=0)  # ANTHROPIC_BASE_URL is read by the SDK

    def check_model(self, timeout_s: float) -> ModelCheck:
        try:
            found = self._client().models.retrieve(self.model, timeout=timeout_s)
        except ProviderError as error:
            return ModelCheck(False, error.reason, error.kind)
        except Exception as exc:  # classified; nothing raw leaves
            error = classify(exc)
            return ModelCheck(False if error.kind in ("model", "auth", "quota") else None, error.reason, error.kind)
        return ModelCheck(True, f"{API} model {getattr(found, 'id', self.model)} is available")

    def open(self, *, instructions: str, screen: Screen, history: HistoryPolicy) -> _Conversation:
        return _Conversation(self._client(), self.model, instructions, screen, history)

    def ask(self, prompt: str, image_png: bytes, *, max_output_tokens: int, timeout_s: float) -> tuple[str, Usage]:
        png, _ = fit_png(image_png, *MODEL_BOX)  # the API rejects an image over its limits instead of shrinking it
        try:
            message = self._client().messages.create(
                model=self.model, max_tokens=max_output_tokens, timeout=timeout_s,
                messages=[{"role": "user", "content": [_image(png), {"type": "text", "text": prompt}]}])
        except ProviderError:
            raise
        except Exception as exc:  # classified; nothing raw leaves this adapter
            raise classify(exc) from None
        return "\n".join(b.text for b in message.content or [] if b.type == "text"), _usage(message)


def classify(exc: BaseException) -> ProviderError:
    import anthropic

    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    message, kind = str(error.get("message") or ""), str(error.get("type") or "")
    detail = compact_error(message + (f" ({kind})" if kind else ""), 300)
    if isinstance(exc, anthropic.AuthenticationError):
        return ProviderError("auth", f"{API} rejected the API key (401)")
    if isinstance(exc, anthropic.PaymentRequiredError) or kind == "billing_error" or "credit balance" in message:
        return ProviderError("quota", f"{API} quota exhausted: the account's credit balance is too low ({detail}); "
                                      "add credit, retrying will not help")
    if isinstance(exc, anthropic.RateLimitError):
        return ProviderError("rate_limited", f"{API} rate limited the request (429): {detail}",
                             retry_after_s=retry_after_s(exc))
    if isinstance(exc, anthropic.PermissionDeniedError):
        return ProviderError("auth", compact_error(f"{API} denied access (403): {detail}", 300))
    if isinstance(exc, anthropic.NotFoundError):
        return ProviderError("model", compact_error(f"{API}: {detail or 'not found (404)'}", 300))
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError("timeout", f"{API} did not answer before the request timed out")
    if isinstance(exc, anthropic.InternalServerError):  # 5xx, 529 overloaded included
        return ProviderError("server", compact_error(f"{API} server error ({exc.status_code}): {detail}", 300),
                             retry_after_s=retry_after_s(exc))
    if isinstance(exc, anthropic.APIStatusError):
        return ProviderError("invalid", compact_error(f"{API} API error ({exc.status_code}): {detail}", 300))
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError("connection", compact_error(f"Could not reach the {API} API: {exc}", 300))
    return ProviderError("invalid", compact_error(f"{API} client error: {type(exc).__name__}: {exc}", 300))


def _usage(message: Any) -> Usage:
    usage = message.usage
    read = getattr(usage, "cache_read_input_tokens", 0) or 0
    written = getattr(usage, "cache_creation_input_tokens", 0) or 0
    return Usage(input_tokens=(usage.input_tokens or 0) + read + written, cached_tokens=read,
                 output_tokens=usage.output_tokens or 0)


def _image(png: bytes) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                        "data": base64.b64encode(png).decode("ascii")}}


class _Conversation:
    def __init__(self, client: Any, model: str, instructions: str, screen: Screen, history: HistoryPolicy):
        self._client, self.model, self._system = client, model, instructions
        self._screen, self._keep = screen, history.keep_screenshots
        self._messages: list[dict[str, Any]] = []
        self._pending: list[str] = []  # tool_use ids of the last turn, answered by the next `after`
        self._scale = Scale(1.0)
        self._cursor = (screen.width // 2, screen.height // 2)

    def _shot(self, png: bytes) -> dict[str, Any]:
        scaled, self._scale = fit_png(png, *MODEL_BOX)
        return _image(scaled)

    def begin(self, text: str, screenshot: bytes, timeout_s: float) -> ModelTurn:
        return self._request(lambda: self._messages.append(
            {"role": "user", "content": [{"type": "text", "text": text}, self._shot(screenshot)]}), timeout_s)

    def after(self, screenshot: bytes, timeout_s: float) -> ModelTurn:
        def stage() -> None:
            results = [{"type": "tool_result", "tool_use_id": use_id, "content": [{"type": "text", "text": "Done."}]}
                       for use_id in self._pending]
            results[-1]["content"].append(self._shot(screenshot))
            self._messages.append({"role": "user", "content": results})
            self._pending = []

        return self._request(stage, timeout_s)

    def say(self, text: str, timeout_s: float) -> ModelTurn:
        return self._request(lambda: self._messages.append({"role": "user", "content": [{"type": "text", "text": text}]}),
                             timeout_s)

    def _request(self, stage: Callable[[], None], timeout_s: float) -> ModelTurn:
        """Stage the new message and ask; a failed request leaves the history as it was, so a retry sends it once."""
        saved = copy.deepcopy((self._messages, self._pending, self._scale, self._cursor))
        try:
            stage()
            return self._create(timeout_s)
        except ProviderError:
            self._messages, self._pending, self._scale, self._cursor = saved
            raise

    def request_messages(self) -> list[dict[str, Any]]:
        """The messages of the next request: only the newest `keep` screenshots, older ones as a note."""
        places = [(m, b, r) for m, message in enumerate(self._messages) if message["role"] == "user"
                  for b, block in enumerate(message["content"])
                  for r in ([None] if block["type"] == "image" else
                            [i for i, inner in enumerate(block.get("content") or []) if inner["type"] == "image"])]
        old = set(places[:-self._keep] if self._keep > 0 else places)
        note = {"type": "text", "text": OMITTED_SCREENSHOT}
        out = []
        for m, message in enumerate(self._messages):
            content = []
            for b, block in enumerate(message["content"]):
                if (m, b, None) in old:
                    block = note
                elif block["type"] == "tool_result" and any((m, b, r) in old for r in range(len(block["content"]))):
                    block = dict(block, content=[note if (m, b, r) in old else inner
                                                 for r, inner in enumerate(block["content"])])
                content.append(block)
            out.append({"role": message["role"], "content": content})
        return out

    def _create(self, timeout_s: float) -> ModelTurn:
        try:
            message = self._client.messages.create(model=self.model, max_tokens=MAX_TOKENS, system=self._system,
                                                   tools=[tool()], messages=self.request_messages(),
                                                   timeout=timeout_s)
        except Exception as exc:  # every SDK failure is classified; nothing raw leaves this adapter
            raise classify(exc) from None
        blocks = [block.model_dump(mode="json", exclude_none=True) for block in message.content or []]
        self._messages.append({"role": "assistant", "content": blocks})
        texts, actions = [], []
        for block in message.content or []:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                self._pending.append(block.id)
                actions += self._actions(block.name, dict(block.input or {}))
        return ModelTurn(actions=tuple(actions), text="\n".join(texts), usage=_usage(message))

    def _point(self, raw: Any) -> tuple[int, int]:
        """A member's `coordinate` (scaled-image pixels) in screen pixels; omitted = where the pointer is."""
        if raw is None:
            return self._cursor
        if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, (int, float)) for v in raw)):
            raise ProviderError("invalid", compact_error(f"Anthropic sent a malformed coordinate: {raw!r}", 200))
        self._cursor = self._scale.to_screen(raw[0], raw[1], self._screen)
        return self._cursor

    def _actions(self, name: str, args: dict[str, Any]) -> list[Action]:
        held = tuple(k for k in str(args.get("text") or "").split("+") if k) if name != "type" else ()
        if name in ("left_click", "right_click", "middle_click"):
            x, y = self._point(args.get("coordinate"))
            return [Action("click", x=x, y=y, button={"left_click": "left", "right_click": "right",
                                                      "middle_click": "wheel"}[name], keys=held)]
        if name == "double_click":
            x, y = self._point(args.get("coordinate"))
            return [Action("double_click", x=x, y=y, keys=held)]
        if name == "mouse_move":
            x, y = self._point(args.get("coordinate"))
            return [Action("move", x=x, y=y, keys=held)]
        if name == "left_click_drag":
            start = self._point(args.get("start_coordinate"))
            end = self._point(args.get("coordinate"))
            return [Action("drag", path=(start, end), keys=held)]
        if name == "scroll":
            x, y = self._point(args.get("coordinate"))
            amount = int(args.get("scroll_amount") or 1) * SCROLL_PX
            dx, dy = {"up": (0, -amount), "down": (0, amount), "left": (-amount, 0),
                      "right": (amount, 0)}.get(str(args.get("scroll_direction")), (0, amount))
            return [Action("scroll", x=x, y=y, scroll_x=dx, scroll_y=dy, keys=held)]
        if name == "type":
            return [Action("type", text=str(args.get("text") or ""))]
        if name == "key":
            combo = tuple(k for k in str(args.get("text") or "").split("+") if k)
            return [Action("keypress", keys=combo)] * max(1, int(args.get("repeat") or 1))
        if name == "wait":
            return [Action("wait", ms=int(float(args.get("duration") or 1) * 1000))]
        if name == "screenshot":
            return [Action("screenshot")]
        raise ProviderError("invalid", compact_error(f"Anthropic asked for a member mimetic cannot perform: "
                                                     f"{name!r}", 200))
