"""Where labs come from: committed, ignored, local overlays, an explicit path, then the bundled ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mimetic.contracts.manifests import Lab
from mimetic.contracts.results import LabEntry
from mimetic.errors import MimeticError
from mimetic.manifests import load_manifest
from mimetic.project import Project

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "labs"
YML_WARNING = "Prefer .yaml for Mimetic-authored lab source; .yml is accepted for compatibility only."
LOCAL_WARNING = "Lab {id} comes from an ignored local overlay; it is not reproducible in CI or public drafts."


@dataclass(frozen=True)
class ResolvedLab:
    lab: Lab
    origin: str  # committed | ignored | local | explicit | bundled
    path: Path
    display: str
    warnings: tuple[str, ...] = ()


def search_dirs(project: Project) -> list[tuple[str, Path]]:
    return [
        ("committed", project.source_dir / "labs"),
        ("ignored", project.runtime_dir / "labs"),
        ("local", project.runtime_dir / "local" / "labs"),
        ("bundled", BUNDLED_DIR),
    ]


def _display(project: Project, origin: str, path: Path) -> str:
    return f"(bundled)/{path.name}" if origin == "bundled" else project.relative(path)


def _load(project: Project, origin: str, path: Path) -> ResolvedLab:
    display = _display(project, origin, path)
    lab = load_manifest(path, Lab, display=display)
    warnings = []
    if path.suffix == ".yml":
        warnings.append(YML_WARNING)
    if origin in {"ignored", "local"}:
        warnings.append(LOCAL_WARNING.format(id=lab.id))
    return ResolvedLab(lab, origin, path, display, tuple(warnings))


def _looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or ref.startswith(".")


def resolve_lab(project: Project, ref: str) -> ResolvedLab:
    if _looks_like_path(ref):
        path = Path(ref) if Path(ref).is_absolute() else project.root / ref
        if not path.is_file():
            raise MimeticError("MIMETIC_LAB_NOT_FOUND", f"Lab file not found: {ref}")
        return _load(project, "explicit", path)
    for origin, folder in search_dirs(project):
        for suffix in (".yaml", ".yml"):
            path = folder / f"{ref}{suffix}"
            if path.is_file():
                return _load(project, origin, path)
    raise MimeticError("MIMETIC_LAB_NOT_FOUND",
                       f"Lab not found: {ref}. Look in mimetic/labs/ or pass a .yaml path (see `mimetic lab list`).")


def list_labs(project: Project) -> tuple[list[LabEntry], list[str]]:
    """Every lab a project can run, in resolution order; a project lab hides the bundled lab of its id."""
    entries: list[LabEntry] = []
    warnings: list[str] = []
    for origin, folder in search_dirs(project):
        paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
        for path in paths:
            try:
                resolved = _load(project, origin, path)
            except MimeticError as error:
                warnings.append(error.message)
                continue
            entries.append(LabEntry(id=resolved.lab.id, kind=resolved.lab.kind, origin=origin,
                                    path=resolved.display, title=resolved.lab.title))
    project_ids = {e.id for e in entries if e.origin != "bundled"}
    return [e for e in entries if e.origin != "bundled" or e.id not in project_ids], warnings
