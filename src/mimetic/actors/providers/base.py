"""The model-provider interface: how the provider-neutral computer-use loop (`actors/session.py`) talks to
one model API.

A `Provider` is one API (OpenAI Responses, Anthropic Messages, an OpenAI-compatible chat endpoint) with a
chosen model. Per lane it opens a `Conversation`, which the loop drives:

    conversation = provider.open(instructions=brief_text, screen=Screen(1440, 960, "browser"), history=policy)
    turn = conversation.begin(first_message, screenshot_png, timeout_s)
    while turn.actions:
        ...the loop performs turn.actions on the computer, waits for the screen to settle...
        turn = conversation.after(screenshot_png, timeout_s)     # answers every action of the last turn
    ...a turn without actions is the model's final message (the loop may `say` a nudge once)...

Contract, for every provider:
- Actions come back in mimetic's own vocabulary (`actors.computer.Action`) and in the computer's pixel
  space (`Screen.width` x `Screen.height`); a provider that shows the model a resized screenshot maps the
  model's coordinates back before returning them.
- The conversation history lives in this process (no server-side state): at most `HistoryPolicy.keep_screenshots`
  screenshots are sent per request, older ones are replaced by a short text note, so a request stays bounded.
- Each turn reports its `Usage` (input, cached input, output tokens); the loop prices it (`actors/rates.py`).
- Every failure is a `ProviderError` with a `kind` the loop acts on: it retries `rate_limited`, `server`,
  `timeout` and `connection` with backoff inside the lane's deadline (a provider never retries on its own:
  SDK clients are built with `max_retries=0`), and ends the lane for the others.
- `timeout_s` is the most a single request may take; the loop never passes one beyond the lane's deadline.
- `check_model` answers "is the configured model available to this key?" without a model turn (preflight
  and `mimetic doctor`).

Keys are read by the provider from the environment, registered with the redactor, and never written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from mimetic.actors.computer import Action

ErrorKind = Literal[
    "rate_limited",  # 429 / overloaded: retry after a backoff
    "server",  # 5xx: retry after a backoff
    "timeout",  # the request took longer than its timeout: retry while the deadline allows
    "connection",  # the endpoint could not be reached: retry while the deadline allows
    "quota",  # the account's quota or credit is exhausted: the lane is blocked
    "auth",  # missing or rejected key, no permission: the lane is blocked
    "model",  # the model does not exist, is shut down or is not available to this key: blocked
    "invalid",  # the API rejected the request (400) or answered with something unusable: failed
]
RETRYABLE: frozenset[str] = frozenset({"rate_limited", "server", "timeout", "connection"})
BLOCKING: frozenset[str] = frozenset({"quota", "auth", "model"})

DEFAULT_KEEP_SCREENSHOTS = 3
OMITTED_SCREENSHOT = "[An earlier screenshot was here; it was left out to keep the request small.]"


class ProviderError(Exception):
    """A failed model call, classified. `reason` is safe to store (no key, no request body)."""

    def __init__(self, kind: ErrorKind, reason: str, *, retry_after_s: float | None = None):
        super().__init__(reason)
        self.kind: ErrorKind = kind
        self.reason = reason
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0  # every input token billed, the cached ones included
    cached_tokens: int = 0  # the part of input_tokens read from a prompt cache (billed at the cached rate)
    output_tokens: int = 0  # reasoning tokens included


@dataclass(frozen=True)
class ModelTurn:
    """One model reply. No actions = the model is talking (its final message, or a question)."""

    actions: tuple[Action, ...] = ()
    text: str = ""  # the assistant's words
    reasoning: str = ""  # reasoning summaries, when the provider gives them
    safety_checks: tuple[str, ...] = ()  # "code: message" the provider asks the operator to acknowledge
    usage: Usage = Usage()


@dataclass(frozen=True)
class Screen:
    """What the model is told about the computer. `environment` is `browser` for a page, `linux` for a desktop."""

    width: int
    height: int
    environment: str = "linux"


@dataclass(frozen=True)
class HistoryPolicy:
    keep_screenshots: int = DEFAULT_KEEP_SCREENSHOTS  # the newest N screenshots stay in every request


@dataclass(frozen=True)
class ModelCheck:
    """The preflight answer. `available` is None when it could not be decided (network, 5xx)."""

    available: bool | None
    reason: str
    kind: ErrorKind | None = None


class Conversation(Protocol):
    def begin(self, text: str, screenshot: bytes, timeout_s: float) -> ModelTurn:
        """The first request: the brief's opening message and the first screenshot."""
        ...

    def after(self, screenshot: bytes, timeout_s: float) -> ModelTurn:
        """Answer every action of the last turn with the screenshot taken after them."""
        ...

    def say(self, text: str, timeout_s: float) -> ModelTurn:
        """A plain user message (a nudge toward the verdict)."""
        ...


class Provider(Protocol):
    name: str  # "openai", "anthropic", "openai-compatible": names the API, for reasons and the trace
    model: str

    def open(self, *, instructions: str, screen: Screen, history: HistoryPolicy) -> Conversation: ...

    def check_model(self, timeout_s: float) -> ModelCheck: ...


class ImageQuestions(Protocol):
    """A provider that can also answer one question about one image, without tools or history (the study
    judge grades a final screenshot this way). Raises `ProviderError` like a turn does."""

    name: str
    model: str

    def ask(self, prompt: str, image_png: bytes, *, max_output_tokens: int, timeout_s: float) -> tuple[str, Usage]: ...


# --- shared by providers --------------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    """How a screenshot was resized for a model: `factor` = model pixels per screen pixel."""

    factor: float = 1.0

    def to_screen(self, x: float, y: float, screen: Screen) -> tuple[int, int]:
        """A model coordinate back in screen pixels, clamped to the screen."""
        sx = min(max(round(x / self.factor), 0), screen.width - 1)
        sy = min(max(round(y / self.factor), 0), screen.height - 1)
        return sx, sy

    def map_action(self, action: Action, screen: Screen) -> Action:
        if self.factor == 1.0:
            return action
        if action.kind in ("click", "double_click", "move", "scroll"):
            x, y = self.to_screen(action.x, action.y, screen)
            return replace(action, x=x, y=y)
        if action.kind == "drag":
            return replace(action, path=tuple(self.to_screen(px, py, screen) for px, py in action.path))
        return action


def retry_after_s(exc: Any) -> float | None:
    """The server's `retry-after-ms` / `retry-after` on an SDK error (both SDKs keep the `response`), in
    seconds, when it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        try:
            return max(float(raw) / scale, 0.0) if raw is not None else None
        except ValueError:
            continue
    return None


def summaries(parts: Sequence[str]) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())
