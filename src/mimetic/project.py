"""The two planes of a target project: committed source `mimetic/` and ignored runtime `.mimetic/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mimetic.errors import MimeticError

RUNTIME_DIRS = (
    ".mimetic/runs", ".mimetic/cache", ".mimetic/tmp", ".mimetic/logs", ".mimetic/labs",
    ".mimetic/local/labs", ".mimetic/local/personas", ".mimetic/local/policies", ".mimetic/secrets",
)


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def source_dir(self) -> Path:
        return self.root / "mimetic"

    @property
    def runtime_dir(self) -> Path:
        return self.root / ".mimetic"

    @property
    def runs_dir(self) -> Path:
        return self.runtime_dir / "runs"

    @property
    def tmp_dir(self) -> Path:
        return self.runtime_dir / "tmp"

    def relative(self, path: Path) -> str:
        """A project-relative POSIX path (what results and bundles report instead of absolute paths)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.name


PLANE_DIRS = ("mimetic", ".mimetic", ".mimetic/runs", ".mimetic/tmp")


def refuse_symlinked_planes(project: Project) -> None:
    """A committed `mimetic -> /elsewhere` or `.mimetic/runs -> /elsewhere` would make mimetic write outside the
    project: a plane folder that is a symbolic link stops the command before anything is written."""
    for relative in PLANE_DIRS:
        if (project.root / relative).is_symlink():
            raise MimeticError("MIMETIC_SYMLINKED_PLANE",
                               f"{relative} is a symbolic link; mimetic never writes through one. Replace it with a "
                               "real folder.")


def open_project(cwd: str | Path = ".") -> Project:
    path = Path(cwd).expanduser()
    if not path.exists():
        raise MimeticError("MIMETIC_INVALID_CWD", f"--cwd does not exist: {cwd}")
    if not path.is_dir():
        raise MimeticError("MIMETIC_INVALID_CWD", f"--cwd is not a directory: {cwd}")
    return Project(path.resolve())
