"""Render the self-contained Observer page (`observer/index.html`) and its data file for a run."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any, Literal

from mimetic.bundle.document import Placement, document, script_safe
from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.observer import ObserverResult
from mimetic.observer.data import build_observer_data, observer_head, observer_lanes
from mimetic.project import Project
from mimetic.safety.redact import Redactor, compact

TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX_PATH = "observer/index.html"
DATA_PATH = "observer/observer-data.json"
Mode = Literal["file", "served", "export"]

# The page loads nothing from the network: everything is inline; images are the run's own files (or
# data: URLs in an export); frames are only the runtime live views a served Observer overlays.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-src https: http://127.0.0.1:* http://localhost:*; base-uri 'none'; form-action 'none'")
# frame-ancestors only works as a header (browsers ignore it, noisily, in a <meta>): served pages only.
SERVED_CSP = CSP + "; frame-ancestors 'none'"

DRY_RUN_WARNING = "Observer renders local contract evidence only; dry-run lanes do not claim product behavior proof."
LIVE_WARNING = "Observer renders verified local evidence artifacts; runtime stream auth URLs are not persisted."
FEEDBACK_WARNING = ("Before filing public feedback, use `mimetic feedback issue` so redaction and public-safety "
                    "checks gate the payload.")


@cache
def _assets() -> tuple[Any, str, str, str, str]:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True)
    css = (TEMPLATES / "observer.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "observer.js").read_text(encoding="utf-8")
    # The display settings, run console, details popover and lane rail toggle (0.1.5's), kept apart.
    display_css = (TEMPLATES / "observer-display.css").read_text(encoding="utf-8")
    display_js = (TEMPLATES / "observer-display.js").read_text(encoding="utf-8")
    # Inline assets must not be able to close their own element.
    assert all("</style" not in text.lower() for text in (css, display_css))
    assert all("</script" not in text.lower() for text in (js, display_js))
    return env.get_template("index.html.j2"), css, js, display_css, display_js


def embed_json(data: Any) -> str:
    """JSON safe inside `<script type="application/json">`: no `<`, `>`, `&` or JS line separators survive."""
    return script_safe(compact(data))


def render_html(data: dict[str, Any], *, mode: Mode = "file") -> str:
    return page_html(data["run"], mode, embed_json(data))


def page_html(run: dict[str, Any], mode: Mode, data_json: str) -> str:
    """The page around `data_json` (already `<script>`-safe), titled from the data's `run`."""
    from markupsafe import Markup

    template, css, js, display_css, display_js = _assets()
    return template.render(mode=mode, run_id=run["runId"], title=run["title"], csp=CSP, css=Markup(css),
                           js=Markup(js), display_css=Markup(display_css), display_js=Markup(display_js),
                           data_json=Markup(data_json))


def observer_data(store: RunStore, bundle: RunBundle) -> dict[str, Any]:
    return build_observer_data(store.dir, bundle).to_json()


def write_observer(store: RunStore, bundle: RunBundle, redactor: Redactor | None = None) -> tuple[Path, Path]:
    """Write observer-data.json and index.html for a run: the lanes are redacted and serialised once, one
    lane at a time, and the page embeds the very text of the data file (`<script>`-safe)."""
    redactor = redactor or Redactor()
    head = observer_head(bundle)
    doc = document(head, ("streams",), redactor, records={"streams": observer_lanes(store.dir, bundle)})
    marker = f"\0{secrets.token_hex(8)}\0"
    before, found, after = page_html(redactor.value(head.run.to_json()), "file", marker).partition(marker)
    assert found, "the page template embeds the data once"
    index_path, data_path = store.write_document(
        doc, Placement(INDEX_PATH, around=(before, after), escape=script_safe, text=True),
        Placement(DATA_PATH, around=("", "\n"), text=True))
    return index_path, data_path


def observer_warnings(mode: str) -> list[str]:
    return [DRY_RUN_WARNING if mode == "dry-run" else LIVE_WARNING, FEEDBACK_WARNING]


def observer_result(project: Project, store: RunStore, bundle: RunBundle, *, warnings: list[str] | None = None) -> ObserverResult:
    return _result(project, store, bundle.review.verdict, len(bundle.streams), bundle.mode, warnings)


def _result(project: Project, store: RunStore, verdict: str, stream_count: int, mode: str,
            warnings: list[str] | None = None) -> ObserverResult:
    root = store.artifact_root
    return ObserverResult(
        ok=True, cwd=str(project.root), run=store.run_id, run_id=store.run_id, verdict=verdict,
        stream_count=stream_count, observer_path=f"{root}/{INDEX_PATH}", observer_data_path=f"{root}/{DATA_PATH}",
        events_path=f"{root}/events.ndjson", observer_url=(store.dir / INDEX_PATH).resolve().as_uri(),
        bundle_path=f"{root}/run.json", warnings=[*(warnings or []), *observer_warnings(mode)],
    )


def render_run(project: Project, run: str | None) -> tuple[RunStore, RunBundle, ObserverResult]:
    """Render the Observer of a verified run (MIMETIC_RUN_NOT_FOUND / MIMETIC_INVALID_RUN_BUNDLE otherwise)."""
    from mimetic.bundle.verify import require_verified

    store, bundle = require_verified(project, run)
    write_observer(store, bundle)
    return store, bundle, observer_result(project, store, bundle)


def observe_run(project: Project, run: str | None) -> tuple[RunStore, ObserverResult]:
    """`observe`: verify and render a run, unless every file of it is exactly as the last verified render
    left it (same names, sizes, modes and modification times, same mimetic and page templates): then
    it is served as it stands, without reading 10,000 lanes again."""
    from mimetic.bundle.store import atomic_write_json, resolve_run

    store = resolve_run(project, run)
    stamp_path = project.runtime_dir / "observer-stamps" / f"{store.run_id}.json"
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = None
    if isinstance(stamp, dict) and stamp.get("files") == _files_digest(store) and stamp.get("page") == _page_digest():
        return store, _result(project, store, stamp["verdict"], stamp["streamCount"], stamp["mode"])
    store, bundle, result = render_run(project, run)
    try:  # a cache: when it cannot be written, the next observe verifies again
        atomic_write_json(stamp_path, {"files": _files_digest(store), "page": _page_digest(), "verdict": result.verdict,
                                       "streamCount": result.stream_count, "mode": bundle.mode})
    except OSError:
        pass
    return store, result


def _files_digest(store: RunStore) -> str:
    """Every entry under the run directory (never following a link) with its size, mode and mtime."""
    entries = []
    for folder, dirs, files in os.walk(store.dir):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            entries.append(f"{os.path.relpath(path, store.dir)}\0{st.st_size}\0{st.st_mode}\0{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode("utf-8", "surrogateescape")).hexdigest()


@cache
def _page_digest() -> str:
    from mimetic import __version__

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(TEMPLATES.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()
