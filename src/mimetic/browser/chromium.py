"""Find Debian Chromium and launch it through Playwright: one browser per run, one context per viewport.

Playwright's own browser downloads are never used (`playwright install` is not part of mimetic);
the executable is `MIMETIC_CHROMIUM` or `/usr/bin/chromium`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimetic.contracts.evidence import TraceViewport
from mimetic.errors import MimeticError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
)
INSTALL_HINT = "Install Debian Chromium (apt-get install chromium) or set MIMETIC_CHROMIUM to a Chromium executable."


@dataclass(frozen=True)
class Surface:
    """A viewport the proof runs in; `name` is the surface in file names (`screenshots/<name>.png`)."""

    name: str
    label: str
    viewport: TraceViewport

    @property
    def sim_id(self) -> str:
        return f"browser-{self.name}"

    @property
    def stream_id(self) -> str:
        return f"{self.sim_id}-stream"

    @property
    def trace_path(self) -> str:
        return f"traces/{self.name}.json"


DESKTOP = Surface("desktop", "Desktop 1440x960", TraceViewport(width=1440, height=960, device_scale_factor=1))
MOBILE = Surface("mobile", "Mobile 390x844", TraceViewport(width=390, height=844, device_scale_factor=2,
                                                           is_mobile=True, has_touch=True))
SURFACES = (DESKTOP, MOBILE)


def find_chromium() -> str:
    """The Chromium executable to launch, or MIMETIC_BROWSER_UNAVAILABLE naming how to get one."""
    # MIMETIC_BROWSER_COMMAND is 0.1.5's name for the same setting
    configured = (os.environ.get("MIMETIC_CHROMIUM", "").strip()
                  or os.environ.get("MIMETIC_BROWSER_COMMAND", "").strip())
    candidate = configured or DEFAULT_CHROMIUM
    path = Path(candidate) if os.sep in candidate else Path(shutil.which(candidate) or candidate)
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    where = configured if configured else DEFAULT_CHROMIUM
    raise MimeticError("MIMETIC_BROWSER_UNAVAILABLE", f"No Chromium executable at {where}. {INSTALL_HINT}")


# Playwright's driver puts the throwaway browser profile in its own TMPDIR, read once when the driver
# starts. Pointing that at a private temp dir (outside the run dir) lets us delete the profile even
# if Chromium or the driver dies without cleaning up. The lock keeps concurrent starts from racing
# on the process environment.
_driver_env_lock = threading.Lock()
# Chromium also puts its singleton socket under TMPDIR, and a unix socket path must fit in 108 bytes:
# under a deep TMPDIR (a test's temp dir, macOS) the private root is made in /tmp instead; if even that
# is too long, Playwright's own temp dir is used (its profile is throwaway and removed on close too).
_SOCKET_SUFFIX = len("/org.chromium.Chromium.XXXXXX/SingletonSocket")
_SOCKET_PATH_MAX = 104


def _fits(root: str) -> bool:
    return len(root.encode()) + _SOCKET_SUFFIX <= _SOCKET_PATH_MAX


def _profile_root() -> str:
    root = tempfile.mkdtemp(prefix="mimetic-")
    if not _fits(root) and os.path.isdir("/tmp"):
        os.rmdir(root)
        root = tempfile.mkdtemp(prefix="mimetic-", dir="/tmp")
    return root


def _start_playwright(profile_root: str) -> Any:
    from playwright.sync_api import sync_playwright

    if not _fits(profile_root):
        return sync_playwright().start()
    with _driver_env_lock:
        previous = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = profile_root
        try:
            return sync_playwright().start()
        finally:
            if previous is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = previous


@dataclass
class LaunchedBrowser:
    browser: Any  # playwright.sync_api.Browser
    label: str  # "chromium <version>": what traces record (never the executable's path)

    def new_context(self, surface: Surface) -> Any:
        viewport = surface.viewport
        return self.browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height},
            device_scale_factor=viewport.device_scale_factor,
            is_mobile=viewport.is_mobile,
            has_touch=viewport.has_touch,
            accept_downloads=False,
            service_workers="block",
        )


def _browser_env(profile_root: str) -> dict[str, str]:
    """Chromium's environment: the user's, with its home, config, cache and temp files in the throwaway root,
    so a browser mimetic starts writes nothing into the user's HOME (dconf, fontconfig caches)."""
    return {**os.environ, "HOME": profile_root, "XDG_CONFIG_HOME": os.path.join(profile_root, "config"),
            "XDG_CACHE_HOME": os.path.join(profile_root, "cache"), "TMPDIR": profile_root}


@contextmanager
def launch_chromium(executable: str) -> Iterator[LaunchedBrowser]:
    """Launch headless Chromium with a fresh profile in a temp dir that is removed afterwards."""
    profile_root = _profile_root()
    playwright = None
    try:
        try:
            playwright = _start_playwright(profile_root)
            # The driver shares mimetic's process group: by default a Ctrl-C to the group makes it close Chromium
            # by itself, racing mimetic's own KeyboardInterrupt (the proof then met a closed browser and crashed
            # instead of ending interrupted). On Ctrl-C only mimetic closes the browser.
            browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS), headless=True,
                                                 handle_sigint=False, env=_browser_env(profile_root))
        except Exception as exc:  # the driver or Chromium failed to start: a setup problem, not a run result
            from mimetic.safety.redact import compact_error

            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MimeticError("MIMETIC_BROWSER_UNAVAILABLE",
                               f"Chromium at {executable} did not start ({compact_error(first_line, 160)}). {INSTALL_HINT}") from None
        try:
            yield LaunchedBrowser(browser, f"{Path(executable).name} {browser.version}")
        finally:
            close_quietly(browser.close)
    finally:
        if playwright is not None:
            close_quietly(playwright.stop)
        shutil.rmtree(profile_root, ignore_errors=True)


def close_quietly(close) -> None:
    # After Ctrl-C the browser and driver got the same SIGINT and may already be gone; closing them must
    # not replace the interrupt with a driver error.
    try:
        close()
    except Exception:  # noqa: BLE001
        pass
