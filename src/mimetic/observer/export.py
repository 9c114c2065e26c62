"""`mimetic export`: one shareable HTML file per verified run, screenshots and setup evidence inlined."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from mimetic.bundle.store import RunStore, atomic_write_text, contained
from mimetic.contracts.evidence import SETUP_QUALITY_SCHEMA, SetupQuality
from mimetic.contracts.observer import ExportResult
from mimetic.errors import MimeticError
from mimetic.observer.data import run_relative
from mimetic.observer.render import observer_data, render_html
from mimetic.project import Project

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif"}
INLINE_ARTIFACT_MAX_BYTES = 512 * 1024
SHARE_WARNING = ("The export embeds lane logs, screenshots and setup evidence. `verify` passed, but read it "
                 "before sharing it publicly: the scan covers secrets, tokens and local paths, not PII.")


def _data_url(path: Path) -> str:
    return f"data:{IMAGE_TYPES[path.suffix.lower()]};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_screenshots(store: RunStore, data: dict[str, Any], warnings: list[str]) -> int:
    """Replace each lane's screenshot path by a data: URL so the file needs nothing beside it."""
    urls: dict[str, str | None] = {}
    for stream in data["streams"]:
        rel = run_relative(stream.get("screenshot"))
        if not rel:
            continue
        if rel not in urls:
            try:
                path = contained(store.dir, rel)
                urls[rel] = _data_url(path) if path.suffix.lower() in IMAGE_TYPES and path.is_file() else None
            except (MimeticError, OSError):
                urls[rel] = None
            if urls[rel] is None:
                warnings.append(f"Screenshot {rel} could not be inlined; lane {stream['id']} shows without it.")
        stream["screenshot"] = urls[rel]
    return sum(1 for url in urls.values() if url)


def inline_setup_quality(store: RunStore, data: dict[str, Any]) -> int:
    """Embed setup-quality artifacts (kind filesystem) so the Files tab renders them offline."""
    inlined: dict[str, Any] = {}
    for stream in data["streams"]:
        for artifact in stream.get("artifacts") or []:
            rel = run_relative(artifact["path"]) if artifact["kind"] == "filesystem" else None
            if not rel or rel in inlined:
                continue
            try:
                path = contained(store.dir, rel)
                if path.stat().st_size > INLINE_ARTIFACT_MAX_BYTES:
                    continue
                content = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(content, dict) and content.get("schema") == SETUP_QUALITY_SCHEMA:
                    inlined[rel] = SetupQuality.model_validate(content).to_json()
            except (MimeticError, OSError, ValueError):
                continue  # not inlined: the row says "not in export"
    data["inlineArtifacts"] = inlined
    return len(inlined)


def _out_path(project: Project, run_id: str, out: str | None) -> Path:
    if not out:
        return project.runtime_dir / "exports" / f"{run_id}.html"
    path = Path(out).expanduser()
    path = path if path.is_absolute() else project.root / path
    if path.is_dir():
        return path / f"{run_id}.html"
    return path


def _shown(project: Project, path: Path) -> str:
    try:
        return path.resolve().relative_to(project.root).as_posix()
    except ValueError:
        return str(path)


def export_run(project: Project, run: str | None, out: str | None) -> ExportResult:
    """Refused (MIMETIC_INVALID_RUN_BUNDLE, exit 2) unless the run verifies."""
    from mimetic.bundle.verify import require_verified

    store, bundle = require_verified(project, run)
    data = observer_data(store, bundle)
    warnings: list[str] = []
    screenshots = inline_screenshots(store, data, warnings)
    artifacts = inline_setup_quality(store, data)
    html = render_html(data, mode="export")
    path = _out_path(project, store.run_id, out)
    try:
        atomic_write_text(path, html)
    except OSError as exc:
        raise MimeticError("MIMETIC_EXPORT_WRITE_FAILED", f"Cannot write {_shown(project, path)}: {exc.strerror or exc}") from None
    return ExportResult(ok=True, cwd=str(project.root), run=run or "latest", run_id=store.run_id,
                        out_path=_shown(project, path), bytes=path.stat().st_size, screenshots_inlined=screenshots,
                        artifacts_inlined=artifacts, warnings=[*warnings, SHARE_WARNING])
