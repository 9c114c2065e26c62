"""The `e2b` substrate: one hosted E2B desktop per lane, driven through the e2b-desktop SDK.

The actor runs on the host; the sandbox only ever receives non-secret bootstrap inputs, the mimetic
wheel and the bootstrap script. The live stream requires auth; its URL (which carries the password)
is kept in memory and registered with the redactor so no sink can persist it.

Provider failures become `MimeticError`s whose messages are redacted:
`MIMETIC_E2B_AUTH` (key missing or refused), `MIMETIC_E2B_BUSY` (no capacity),
`MIMETIC_E2B_UNREACHABLE` (network to the control plane), `MIMETIC_E2B_SANDBOX` (the sandbox or a
command in it failed). `e2b_desktop` is imported lazily: `mimetic --help` must not pay for it.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shlex
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from mimetic.actors.computer import Action, canonical_key
from mimetic.errors import EXIT_VERDICT, MimeticError
from mimetic.lanes.claims import ClaimCheck
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project
from mimetic.safety.redact import compact_error, find_secrets, register_secret

RESOLUTION = (1440, 960)
DPI = 96
MAX_LIFETIME_S = 3600  # E2B rejects lifetimes over 1 h on some plans (upstream §9.1 item 9)
DEFAULT_REQUEST_TIMEOUT_S = 60.0
LANES_HOME = "/home/user/mimetic-lab"
# What bootstrap.sh should assume on a desktop unless the runner says otherwise.
DESKTOP_DEFAULTS = {"MIMETIC_LANE_DESKTOP": "1", "MIMETIC_LANE_LOG_TO_TERMINAL": "1", "MIMETIC_LANE_HOST": "0.0.0.0",
                    "MIMETIC_LANE_DISPOSABLE": "1", "MIMETIC_LANE_PYTHON": "python3"}
SANDBOX_ID = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")
# Names that hold credentials; matched on whole `_`-separated words so PATH or *_PATH stay public.
SECRET_NAME = re.compile(r"(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PAT|CREDENTIALS?|AUTH)(_|$)", re.IGNORECASE)

KillOutcome = Literal["killed", "already_gone"]


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise MimeticError("MIMETIC_INVALID_ENV", f"{name} must be a positive whole number of milliseconds.")
    return value / 1000


def public_env(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The entries safe to send into a sandbox, and the names withheld (credential names or secret values)."""
    kept, withheld = {}, []
    for name, value in env.items():
        if SECRET_NAME.search(name) or find_secrets(str(value)):
            withheld.append(name)
        else:
            kept[name] = str(value)
    return kept, withheld


def provider_error(exc: BaseException, doing: str) -> MimeticError | None:
    """The MimeticError for an E2B SDK failure, or None when `exc` is not a provider failure."""
    import httpx
    from e2b import AuthenticationException, SandboxException, ServiceBusyException

    detail = compact_error(f"{type(exc).__name__}: {exc}", limit=200)
    if isinstance(exc, AuthenticationException):
        code, message = "MIMETIC_E2B_AUTH", f"E2B refused the request to {doing}; check E2B_API_KEY. ({detail})"
    elif isinstance(exc, ServiceBusyException):
        code, message = "MIMETIC_E2B_BUSY", f"E2B has no capacity to {doing} right now; try again later. ({detail})"
    elif isinstance(exc, httpx.HTTPError):
        code, message = "MIMETIC_E2B_UNREACHABLE", f"Could not reach the E2B API to {doing}. ({detail})"
    elif isinstance(exc, SandboxException):
        code, message = "MIMETIC_E2B_SANDBOX", f"The E2B sandbox failed to {doing}. ({detail})"
    else:
        return None
    return MimeticError(code, compact_error(message, limit=400), exit_code=EXIT_VERDICT)


def _guarded(doing: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except MimeticError:
        raise
    except Exception as exc:
        mapped = provider_error(exc, doing)
        if mapped is None:
            raise
        raise mapped from None


class E2BSubstrate:
    name = "e2b"

    def __init__(
        self,
        *,
        project: Project,
        run_id: str,
        keep: bool = False,
        sandbox_factory: Any = None,
        wheel: Callable[[], Path] | None = None,
        timeout_s: float | None = None,
        api_params: Mapping[str, Any] | None = None,
    ):
        """`sandbox_factory` stands in for `e2b_desktop.Sandbox` (tests); `wheel` returns the wheel to
        install (default: build one of the running mimetic); `api_params` are e2b ApiParams
        (api_key, domain, api_url, retries, ...) passed to every control-plane call."""
        self.project = project
        self.run_id = run_id
        self.keep = keep
        self._factory = sandbox_factory
        self._wheel_source = wheel
        self._wheel: Path | None = None
        self._wheel_lock = threading.Lock()
        self.lifetime_s = int(min(timeout_s if timeout_s is not None
                                  else _env_seconds("MIMETIC_E2B_TIMEOUT_MS", MAX_LIFETIME_S), MAX_LIFETIME_S))
        self.request_timeout_s = _env_seconds("MIMETIC_E2B_REQUEST_TIMEOUT_MS", DEFAULT_REQUEST_TIMEOUT_S)
        self.api_params = dict(api_params or {})
        if self.api_params.get("api_key"):
            register_secret(str(self.api_params["api_key"]))
        self.withheld_env: set[str] = set()

    # --- substrate protocol -----------------------------------------------------------------

    def missing_requirements(self) -> list[str]:
        missing = self.missing_for_kill()
        if self._wheel_source is None:
            from mimetic.lanes.wheel import source_checkout

            if source_checkout() is None:
                missing.append("a mimetic source checkout (lanes install a wheel built from it)")
        return missing

    def launch(self, spec: LaneSpec) -> E2BLaneSandbox:
        root = f"{LANES_HOME}/{_safe_segment(spec.stream_id)}"  # checked before anything is created
        envs, withheld = public_env(spec.env)
        self.withheld_env.update(withheld)
        metadata = {"mimetic_run": self.run_id, "lane": spec.stream_id, "tool": "mimetic-cli"}
        sandbox = _guarded(f"create the desktop for {spec.stream_id}", lambda: self.factory().create(
            resolution=RESOLUTION, dpi=DPI, timeout=self.lifetime_s, metadata=metadata, envs=envs,
            **self._api_params(),
        ))
        return E2BLaneSandbox(self, sandbox, spec, root)

    def kill(self, sandbox_id: str) -> bool:
        self.kill_outcome(sandbox_id)
        return True

    # --- e2b specifics ----------------------------------------------------------------------

    def missing_for_kill(self) -> list[str]:
        """What killing a sandbox by id needs: the key and the SDK (no source checkout, unlike a launch)."""
        missing = []
        if not (os.environ.get("E2B_API_KEY") or self.api_params.get("api_key")):
            missing.append("E2B_API_KEY")
        if self._factory is None and importlib.util.find_spec("e2b_desktop") is None:
            missing.append("e2b-desktop (pip install 'e2b-desktop>=2.7,<3')")
        return missing

    def kill_outcome(self, sandbox_id: str) -> KillOutcome:
        """Kill one sandbox by exact id; a 404 (already gone) is not an error."""
        if not SANDBOX_ID.match(sandbox_id or ""):
            raise MimeticError("MIMETIC_INVALID_SANDBOX_ID",
                               f"Not an E2B sandbox id: {compact_error(sandbox_id, 60)!r}")
        killed = _guarded(f"kill sandbox {sandbox_id}", lambda: self.factory().kill(sandbox_id, **self._api_params()))
        return "killed" if killed else "already_gone"

    def factory(self) -> Any:
        if self._factory is None:
            import e2b_desktop

            self._factory = e2b_desktop.Sandbox
        return self._factory

    def wheel(self) -> Path:
        with self._wheel_lock:
            if self._wheel is None:
                if self._wheel_source is not None:
                    self._wheel = self._wheel_source()
                else:
                    from mimetic.lanes.wheel import build_wheel

                    self._wheel = build_wheel(self.project)
            return self._wheel

    def _api_params(self) -> dict[str, Any]:
        return {"request_timeout": self.request_timeout_s, **self.api_params}


class E2BLaneSandbox:
    """One lane's desktop. Its root is `/home/user/mimetic-lab/<stream id>`."""

    def __init__(self, substrate: E2BSubstrate, sandbox: Any, spec: LaneSpec, root: str):
        self._substrate = substrate
        self._sbx = sandbox
        self.spec = spec
        self.id: str = sandbox.sandbox_id
        self.root = root
        self._stream_url: str | None = None
        self.stream_error: str | None = None
        self.close_error: str | None = None
        self._closed = False
        self._computer: E2BComputer | None = None

    def start_bootstrap(self, script: str, env: Mapping[str, str]) -> None:
        wheel = self._substrate.wheel()
        remote_wheel = f"{self.root}/{wheel.name}"
        inputs, withheld = public_env(env)
        self._substrate.withheld_env.update(withheld)
        inputs = {**DESKTOP_DEFAULTS, **inputs, "MIMETIC_LANE_ROOT": self.root, "MIMETIC_LANE_WHEEL": remote_wheel}
        exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in sorted(inputs.items())
                          if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name))
        launcher = (f"#!/usr/bin/env bash\n# Non-secret bootstrap inputs only.\n{exports}"
                    f"cd {shlex.quote(self.root)}\nexec bash {shlex.quote(self.root + '/bootstrap.sh')}\n")
        files = self._sbx.files
        _guarded("upload the mimetic wheel", lambda: files.write(remote_wheel, wheel.read_bytes()))
        _guarded("upload the bootstrap", lambda: files.write(f"{self.root}/bootstrap.sh", script))
        _guarded("upload the terminal launcher", lambda: files.write(f"{self.root}/launch-terminal.sh", launcher))
        self._start_stream()
        title = f"Mimetic {self.spec.index + 1:02d} {self.spec.label}"
        terminal = (f"xfce4-terminal --disable-server --hold --geometry=110x34+0+0 --title={shlex.quote(title)} "
                    f"-x bash {shlex.quote(self.root + '/launch-terminal.sh')}")
        # timeout=0: the SDK's default 60 s would kill the bootstrap in the middle of an install.
        handle = _guarded("start the bootstrap terminal",
                          lambda: self._sbx.commands.run(terminal, background=True, timeout=0))
        handle.disconnect()

    def _start_stream(self) -> None:
        """An auth-required, view-only live view; a lane still runs without one (stream=missing)."""
        try:
            stream = self._sbx.stream
            stream.start(require_auth=True)
            key = stream.get_auth_key()
            register_secret(key)
            url = stream.get_url(view_only=True, auth_key=key)
            register_secret(url)
            self._stream_url = url
        except Exception as exc:  # noqa: BLE001 - the live view is optional; its reason is kept (redacted)
            self.stream_error = compact_error(f"{type(exc).__name__}: {exc}")

    def read_file(self, relative: str) -> bytes | None:
        from e2b import FileNotFoundException

        path = f"{self.root}/{_relative(relative)}"

        def read() -> bytearray | None:
            try:
                return self._sbx.files.read(path, format="bytes")
            except FileNotFoundException:
                return None

        data = _guarded(f"read {relative}", read)
        return None if data is None else bytes(data)

    def screenshot(self) -> bytes | None:
        return self.computer().screenshot()

    def audit(self, completion) -> ClaimCheck:
        return ClaimCheck()  # the app runs inside the desktop, out of the host's reach; its screenshot is the desktop's own

    def stream_url(self) -> str | None:
        return self._stream_url

    def computer(self) -> E2BComputer:
        if self._computer is None:
            self._computer = E2BComputer(self._sbx)
        return self._computer

    def close(self) -> None:
        """Kill the desktop unless --keep; never raises (the receipt lets `mimetic cleanup` retry)."""
        if self._closed:
            return
        self._closed = True
        if self._substrate.keep:
            return
        try:
            _guarded(f"kill sandbox {self.id}", self._sbx.kill)
        except Exception as exc:  # noqa: BLE001
            self.close_error = compact_error(str(exc))


def _safe_segment(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", value or "") or ".." in value:
        raise MimeticError("MIMETIC_INVALID_STREAM_ID", f"Not a safe lane directory name: {value!r}")
    return value


def _relative(relative: str) -> str:
    rel = PurePosixPath(relative)
    if not relative or rel.is_absolute() or ".." in rel.parts:
        raise MimeticError("MIMETIC_PATH_OUTSIDE_RUN", f"Lane files are read by relative path only: {relative!r}")
    return rel.as_posix()


# --- the actor's computer -------------------------------------------------------------------

# Canonical key names (see actors.computer.canonical_key) -> the names e2b_desktop's `press` maps to X
# keysyms (its own table knows `enter`, `page_down`, `ctrl` ... but not `ARROWLEFT` or `PAGEDOWN`).
KEY_NAMES: dict[str, str] = {
    "ENTER": "enter", "ESCAPE": "esc", "TAB": "tab", "SPACE": "space", "BACKSPACE": "backspace",
    "DELETE": "delete", "INSERT": "insert", "ARROWLEFT": "left", "ARROWRIGHT": "right", "ARROWUP": "up",
    "ARROWDOWN": "down", "HOME": "home", "END": "end", "PAGEUP": "page_up", "PAGEDOWN": "page_down",
    "CTRL": "ctrl", "ALT": "alt", "SHIFT": "shift", "META": "super", "CAPSLOCK": "caps_lock",
    "NUMLOCK": "num_lock", "SCROLLLOCK": "scroll_lock", "PRINTSCREEN": "print", "PAUSE": "pause", "MENU": "menu",
    **{f"F{n}": f"f{n}" for n in range(1, 13)},
}
# Single characters xdotool wants by keysym name.
SYMBOL_KEYS: dict[str, str] = {
    " ": "space", "/": "slash", "\\": "backslash", ",": "comma", ".": "period", ";": "semicolon",
    "'": "apostrophe", "`": "grave", "-": "minus", "=": "equal", "[": "bracketleft", "]": "bracketright",
    "+": "plus", "*": "asterisk", "!": "exclam", "?": "question", ":": "colon", '"': "quotedbl",
    "<": "less", ">": "greater", "_": "underscore", "(": "parenleft", ")": "parenright", "#": "numbersign",
    "$": "dollar", "%": "percent", "&": "ampersand", "@": "at", "^": "asciicircum", "~": "asciitilde",
    "{": "braceleft", "}": "braceright", "|": "bar",
}
CLICK_BUTTONS = {"left": "left_click", "right": "right_click", "wheel": "middle_click", "middle": "middle_click"}
XDOTOOL_BUTTONS = {"back": 8, "forward": 9}
PIXELS_PER_NOTCH = 100  # computer-use scroll amounts are pixels; one wheel notch scrolls roughly this much
MAX_NOTCHES = 50
DEFAULT_WAIT_MS, MAX_WAIT_MS = 1000, 10_000


def key_name(key: str) -> str:
    """An OpenAI key name as an e2b_desktop `press` name (single characters and unknown names pass through)."""
    if len(key) == 1:
        return SYMBOL_KEYS.get(key, key.lower())
    return KEY_NAMES.get(canonical_key(key), key)


def notches(pixels: int) -> int:
    return min(MAX_NOTCHES, max(1, math.ceil(abs(pixels) / PIXELS_PER_NOTCH)))


class E2BComputer:
    """OpenAI computer-use actions on an E2B desktop."""

    size = RESOLUTION

    def __init__(self, sandbox: Any):
        self._sbx = sandbox

    def screenshot(self) -> bytes:
        return bytes(_guarded("take a screenshot", self._sbx.screenshot))

    def current_url(self) -> str | None:
        return None

    def act(self, action: Action) -> None:
        _guarded(f"perform {action.kind}", lambda: self._act(action))

    def _act(self, action: Action) -> None:
        sbx = self._sbx
        kind = action.kind
        if kind == "screenshot":
            return  # the caller takes the screenshot after every batch
        if kind == "wait":
            time.sleep(min(action.ms or DEFAULT_WAIT_MS, MAX_WAIT_MS) / 1000)
            return
        if kind == "type":
            sbx.write(action.text)
            return
        if kind == "keypress":
            names = [key_name(k) for k in action.keys]
            if not names:
                raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", "keypress needs at least one key.")
            sbx.press(names if len(names) > 1 else names[0])
            return
        with self._holding(action.keys):
            if kind == "move":
                sbx.move_mouse(action.x, action.y)
            elif kind == "click":
                # Always move first: the SDK's click methods skip the move when a coordinate is 0.
                sbx.move_mouse(action.x, action.y)
                if action.button in CLICK_BUTTONS:
                    getattr(sbx, CLICK_BUTTONS[action.button])()
                elif action.button in XDOTOOL_BUTTONS:
                    sbx.commands.run(f"xdotool click {XDOTOOL_BUTTONS[action.button]}")
                else:
                    raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", f"Unknown mouse button: {action.button!r}")
            elif kind == "double_click":
                sbx.move_mouse(action.x, action.y)
                sbx.double_click()
            elif kind == "scroll":
                sbx.move_mouse(action.x, action.y)
                if action.scroll_y:
                    sbx.scroll("down" if action.scroll_y > 0 else "up", notches(action.scroll_y))
                if action.scroll_x:
                    button = 7 if action.scroll_x > 0 else 6
                    sbx.commands.run(f"xdotool click --repeat {notches(action.scroll_x)} {button}")
            elif kind == "drag":
                if not action.path:
                    raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", "drag needs a path of at least one point.")
                (x0, y0), rest = action.path[0], action.path[1:]
                sbx.move_mouse(x0, y0)
                sbx.mouse_press()
                try:
                    for x, y in rest:
                        sbx.move_mouse(x, y)
                finally:
                    sbx.mouse_release()
            else:
                raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", f"Unknown computer action: {kind!r}")

    @contextmanager
    def _holding(self, keys: tuple[str, ...]) -> Iterator[None]:
        """Hold modifier keys (shift-click, ctrl-scroll) for the duration of a pointer action."""
        if not keys:
            yield
            return
        from e2b_desktop.main import map_key

        syms = " ".join(shlex.quote(map_key(key_name(k))) for k in keys)
        self._sbx.commands.run(f"xdotool keydown {syms}")
        try:
            yield
        finally:
            self._sbx.commands.run(f"xdotool keyup {syms}")
