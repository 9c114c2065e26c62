"""Reading mimetic's own JSON and YAML files without trusting what sits at their path.

`run.json`, `latest.json` and manifests are files a user (or a repository a lane ran) could replace
with a FIFO, a device such as `/dev/zero`, a huge file or a deeply nested document. Read through here,
each of those is a ValueError (a clear message, exit 2) instead of a hang, an exhausted memory or a
RecursionError traceback.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_DOCUMENT_BYTES = 64 << 20  # far above any bundle or manifest mimetic writes


def read_regular(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError when missing, ValueError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # a FIFO opens without a writer
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name} is larger than {limit >> 20} MiB")
    return data


def read_json(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """A JSON document from a regular file (see `read_regular`); nesting too deep is a ValueError too."""
    data = read_regular(path, limit)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply") from None
