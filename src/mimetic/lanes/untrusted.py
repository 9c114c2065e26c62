"""Reading what a lane wrote: the one way the host (and the lane's own record-keeping) opens lane files.

A lane runs repository code nobody here has read, so every file under its root is hostile until read
safely: each path component is opened relative to the previous one with O_NOFOLLOW (a symlink
anywhere, `/proc/self/environ` or `../..`, is refused rather than followed), `.`/`..`/absolute parts
are refused before any open, only regular files with a single link are read (a hard link could name
a file outside the lane), FIFOs and devices never block the reader, and sizes are capped.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mimetic.bundle.store import is_relative_path

DEFAULT_LIMIT = 8 * 1024 * 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _parts(relative: str) -> list[str] | None:
    if relative in ("", "."):
        return []
    if not is_relative_path(relative):
        return None
    parts = [part for part in PurePosixPath(relative).parts if part != "."]
    return parts if all(parts) else None


@contextlib.contextmanager
def _open_dir(root: Path, parts: list[str]) -> Iterator[int | None]:
    """An fd of `root/<parts>` reached without following a symlink, or None when it cannot be."""
    try:
        fd = os.open(root, _DIR_FLAGS)  # the root itself is the host's own directory
    except OSError:
        yield None
        return
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError:  # ELOOP/ENOTDIR: a symlink or a file where a folder should be
                yield None
                return
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def read_lane_file(root: Path, relative: str, *, limit: int = DEFAULT_LIMIT, oversize: str = "refuse") -> bytes | None:
    """The bytes of `root/relative`, or None when it is missing, reached through a symlink, not a regular
    file or hard-linked. A file over `limit` bytes is refused (`oversize="refuse"`), or only its first
    (`"head"`) or last (`"tail"`) `limit` bytes are read."""
    parts = _parts(relative)
    if not parts:
        return None
    with _open_dir(root, parts[:-1]) as folder:
        if folder is None:
            return None
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
        except OSError:
            return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            return None
        if info.st_size > limit:
            if oversize == "refuse":
                return None
            if oversize == "tail":
                os.lseek(fd, info.st_size - limit, os.SEEK_SET)
        chunks, left = [], limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_lane_text(root: Path, relative: str, *, limit: int = DEFAULT_LIMIT, oversize: str = "refuse") -> str | None:
    raw = read_lane_file(root, relative, limit=limit, oversize=oversize)
    return raw.decode("utf-8", errors="replace") if raw is not None else None


def list_lane_dir(root: Path, relative: str) -> list[tuple[str, str]]:
    """(name, "file" | "directory") for the real entries of `root/relative`, sorted; symlinks, devices
    and FIFOs are left out, and a folder reached through a symlink lists as empty."""
    parts = _parts(relative)
    if parts is None:
        return []
    with _open_dir(root, parts) as folder:
        if folder is None:
            return []
        entries = []
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        for name in sorted(names):
            try:
                mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode):
                entries.append((name, "file"))
            elif stat.S_ISDIR(mode):
                entries.append((name, "directory"))
        return entries


def lane_dir_exists(root: Path, relative: str) -> bool:
    """Whether `root/relative` is a real folder, reached without a symlink."""
    parts = _parts(relative)
    if parts is None:
        return False
    with _open_dir(root, parts) as folder:
        return folder is not None
