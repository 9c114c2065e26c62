"""A wheel of the running mimetic, so a lane installs exactly this version (never a stale published one).

Built with `pip wheel --no-deps` from a copy of the source checkout this process runs from (a copy,
so the build never writes `build/` or `*.egg-info` into the working tree), and cached under
`.mimetic/tmp/wheels/<content hash>/` so every lane of a run, and later runs of the same code,
reuse one build.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from mimetic.bundle.store import atomic_write_bytes
from mimetic.errors import MimeticError
from mimetic.project import Project
from mimetic.safety.redact import compact_error

DISTRIBUTION = "mimetic-cli"
BUILD_TIMEOUT_S = 300
_build_lock = threading.Lock()


def source_checkout() -> Path | None:
    """The checkout root (holding pyproject.toml and src/mimetic) this mimetic runs from, if any."""
    package = Path(__file__).resolve().parent.parent
    root = package.parent.parent
    pyproject = root / "pyproject.toml"
    if package.parent.name != "src" or not pyproject.is_file():
        return None
    text = pyproject.read_text(encoding="utf-8", errors="replace")
    return root if f'name = "{DISTRIBUTION}"' in text else None


def _source_files(root: Path) -> list[Path]:
    package = root / "src" / "mimetic"
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [p for p in (root / "pyproject.toml", root / "README.md", root / "LICENSE") if p.is_file()]
    return sorted(files)


def _digest(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def build_wheel(project: Project) -> Path:
    """Path of a wheel of the running mimetic under `.mimetic/tmp/wheels/`, building it on first use."""
    root = source_checkout()
    if root is None:
        raise MimeticError(
            "MIMETIC_WHEEL_UNAVAILABLE",
            "E2B lanes install the running mimetic from a wheel built from its source checkout, but this mimetic "
            "is not running from a checkout. Install it from a checkout (pip install -e <checkout>) or use "
            "--substrate local.",
        )
    with _build_lock:
        files = _source_files(root)
        cache = project.tmp_dir / "wheels" / _digest(root, files)
        cached = sorted(cache.glob("*.whl")) if cache.is_dir() else []
        if cached:
            return cached[0]
        with tempfile.TemporaryDirectory(prefix="mimetic-wheel-") as scratch:
            built = _pip_wheel(root, files, Path(scratch))
            target = cache / built.name
            atomic_write_bytes(target, built.read_bytes())
        return target


def _pip_wheel(root: Path, files: list[Path], scratch: Path) -> Path:
    tree = scratch / "src-copy"
    for path in files:
        copy = tree / path.relative_to(root)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    # pyproject names README.md as the readme; a checkout without one still builds.
    (tree / "README.md").touch(exist_ok=True)
    out = scratch / "out"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(tree)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise MimeticError("MIMETIC_WHEEL_BUILD_FAILED",
                           f"Building the mimetic wheel took longer than {BUILD_TIMEOUT_S} s.") from None
    wheels = sorted(out.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise MimeticError("MIMETIC_WHEEL_BUILD_FAILED",
                           f"`pip wheel --no-deps` of the mimetic checkout failed: {compact_error(' '.join(tail))}")
    return wheels[0]
