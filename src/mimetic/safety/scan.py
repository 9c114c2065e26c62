"""The public-safety scan `verify` runs over a whole run directory.

It claims only what it checks: secret/token shapes and known secret values (in every encoding the
redactor knows), auth-like URL parameters, absolute home/temp paths, and browser-profile, git or env
folders and files. It is not a PII detector.

Every byte is read, whatever the file's size: files are scanned as a stream of overlapping windows, so
a match that straddles two windows is still found. Files named as images must be the image they say
(a `.png` starts with the PNG signature; otherwise the whole file is scanned as text and flagged); in
a real image the metadata (PNG text chunks, inflated when compressed; JPEG APPn/EXIF/COM segments;
WebP EXIF/XMP chunks) and any bytes after the image's end are scanned; only the pixel data is not.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from mimetic.safety.redact import find_secrets, known_secret_forms

RISKY_SEGMENTS = frozenset(
    {".git", "Cookies", "Login Data", "Local Storage", "Preferences", "Secure Preferences", "profiles",
     "Default", "Session Storage", "IndexedDB", ".env", ".npmrc"}
)
ARCHIVE_SUFFIXES = frozenset({".tgz", ".gz", ".zip", ".whl"})
ABSOLUTE_LOCAL_PATH = re.compile(
    r"(?<![\w./-])(?:/home/[A-Za-z0-9._-]+/|/Users/[A-Za-z0-9._-]+/|/root/|/tmp/|/private/tmp/|/var/folders/|"
    r"[A-Za-z]:\\\\Users\\\\)"
)
# Literals every ABSOLUTE_LOCAL_PATH match contains: the pattern runs only on text holding one.
_LOCAL_PATH_LITERALS = ("/home/", "/Users/", "/root/", "/tmp/", "/var/folders/", ":\\\\Users\\\\")
MAX_FINDINGS = 50
WINDOW_BYTES = 1 << 20
MIN_OVERLAP = 4096  # longer than any secret shape a window must see whole (patterns need 12-40 chars)
INFLATE_LIMIT = 64 << 20  # compressed image metadata inflating past this is itself a finding

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_PIXELS = frozenset({b"IDAT"})
WEBP_PIXELS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANMF"})
JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
IMAGE_KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP", ".gif": "GIF"}


@dataclass(frozen=True)
class Finding:
    path: str  # run-relative
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class _Oversized(Exception):
    """Compressed metadata that inflates past INFLATE_LIMIT."""


def scan_text(text: str) -> list[str]:
    problems = list(find_secrets(text))
    if any(literal in text for literal in _LOCAL_PATH_LITERALS) and ABSOLUTE_LOCAL_PATH.search(text):
        problems.append("absolute home or temp path")
    return problems


def scan_stream(pieces: Iterable[bytes]) -> list[str]:
    """The problems of a byte stream read piece by piece, in windows that overlap by more than any match."""
    overlap = max(MIN_OVERLAP, 2 * max((len(form.encode()) for form in known_secret_forms()), default=0))
    problems: dict[str, None] = {}
    pending, fresh = bytearray(), False
    for piece in pieces:  # pieces are at most one window long; tiny ones are gathered first
        pending += piece
        fresh = fresh or bool(piece)
        if len(pending) >= WINDOW_BYTES:
            problems.update(dict.fromkeys(scan_text(pending.decode("utf-8", errors="replace"))))
            pending, fresh = pending[-overlap:], False
    if fresh:
        problems.update(dict.fromkeys(scan_text(pending.decode("utf-8", errors="replace"))))
    return list(problems)


def _read(handle: BinaryIO, length: int | None = None) -> Iterator[bytes]:
    """`length` bytes (all that is left when None) in pieces of at most one window."""
    while length is None or length > 0:
        piece = handle.read(WINDOW_BYTES if length is None else min(WINDOW_BYTES, length))
        if not piece:
            return
        if length is not None:
            length -= len(piece)
        yield piece


def _inflate(pieces: Iterable[bytes]) -> Iterator[bytes]:
    inflater, total = zlib.decompressobj(), 0
    try:
        for piece in pieces:
            while piece:
                out = inflater.decompress(piece, WINDOW_BYTES)
                total += len(out)
                if total > INFLATE_LIMIT:
                    raise _Oversized
                yield out
                piece = inflater.unconsumed_tail
    except zlib.error:
        return  # corrupt compressed text hides nothing a viewer could show either


def _png_text(data: Iterator[bytes], kind: bytes) -> Iterator[bytes]:
    """A text chunk's text: zTXt is always compressed, iTXt when its flag says so."""
    head = next(data, b"")
    keyword, _, rest = head.partition(b"\0")
    yield keyword
    if kind == b"zTXt":
        yield from _inflate(chain([rest[1:]], data))  # skip the compression-method byte
        return
    compressed = rest[:1] == b"\x01"
    language, _, rest = rest[2:].partition(b"\0")
    translated, _, text = rest.partition(b"\0")
    yield language + b"\n" + translated + b"\n"
    yield from (_inflate(chain([text], data)) if compressed else chain([text], data))


def _png(handle: BinaryIO) -> Iterator[bytes]:
    handle.seek(len(PNG_SIGNATURE))
    while True:
        header = handle.read(8)
        if len(header) < 8:
            yield header
            return
        length, kind = struct.unpack(">I4s", header)
        yield kind  # a chunk type is four bytes anyone can choose
        if kind in PNG_PIXELS:
            handle.seek(length, os.SEEK_CUR)
        elif kind in (b"zTXt", b"iTXt"):
            yield from _png_text(_read(handle, length), kind)
        else:
            yield from _read(handle, length)
        handle.seek(4, os.SEEK_CUR)  # CRC
        if kind == b"IEND":
            yield from _read(handle)  # anything after the image's end
            return


def _skip_entropy_coded(handle: BinaryIO) -> None:
    """Move past a JPEG scan's compressed data to the next marker (0xFF not followed by 00, FF or RSTn)."""
    while True:
        start = handle.tell()
        block = handle.read(WINDOW_BYTES)
        if len(block) < 2:
            return
        if marker := JPEG_MARKER.search(block):
            handle.seek(start + marker.start())
            return
        handle.seek(start + len(block) - 1)  # the last byte may begin a marker


def _jpeg(handle: BinaryIO) -> Iterator[bytes]:
    handle.seek(2)  # SOI
    while True:
        marker = handle.read(2)
        if len(marker) < 2 or marker[0] != 0xFF or marker[1] == 0xD9:  # not a segment, or the image's end
            yield marker
            yield from _read(handle)
            return
        if marker[1] in (0x01, *range(0xD0, 0xD8)):  # markers without a payload
            continue
        size = handle.read(2)
        if len(size) < 2:
            return
        length = struct.unpack(">H", size)[0] - 2
        if marker[1] == 0xDA:  # start of scan: a small header, then pixels up to the next marker
            handle.seek(length, os.SEEK_CUR)
            _skip_entropy_coded(handle)
        else:  # APPn (EXIF, XMP, ICC), COM and the tables: everything but pixels
            yield from _read(handle, length)


def _webp(handle: BinaryIO) -> Iterator[bytes]:
    handle.seek(12)
    while len(header := handle.read(8)) == 8:
        kind, length = struct.unpack("<4sI", header)
        yield kind
        if kind in WEBP_PIXELS:
            handle.seek(length + (length & 1), os.SEEK_CUR)
        else:
            yield from _read(handle, length + (length & 1))
    yield header


def _is_image(head: bytes, kind: str) -> bool:
    return {
        "PNG": head.startswith(PNG_SIGNATURE),
        "JPEG": head.startswith(b"\xff\xd8\xff"),
        "WebP": head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        "GIF": head[:6] in (b"GIF87a", b"GIF89a"),
    }[kind]


def scan_file(handle: BinaryIO, suffix: str) -> list[str]:
    """The problems of one open file: images by their non-pixel bytes, anything else as text."""
    kind = IMAGE_KINDS.get(suffix)
    if kind is None:
        return scan_stream(_read(handle))
    head = handle.read(12)
    handle.seek(0)
    if not _is_image(head, kind):
        return [f"named {suffix} but is not a {kind} image", *scan_stream(_read(handle))]
    # GIF pixels are LZW codes with nothing to pick out cheaply; the whole file is scanned.
    parse = {"PNG": _png, "JPEG": _jpeg, "WebP": _webp}.get(kind, _read)
    try:
        return scan_stream(parse(handle))
    except _Oversized:
        return [f"compressed image metadata inflates past {INFLATE_LIMIT >> 20} MiB"]


def _open_regular(path: Path) -> BinaryIO | None:
    """The file opened without following a symlink and without blocking on a FIFO; None unless regular."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def _outside(path: Path, run_dir: Path) -> bool:
    try:
        path.resolve().relative_to(run_dir.resolve())
        return False
    except (ValueError, OSError, RuntimeError):
        return True


def _file_problems(path: Path, rel: Path, run_dir: Path) -> list[str]:
    risky = [part for part in rel.parts if part in RISKY_SEGMENTS or part.startswith(".env")]
    if risky:
        return [f"browser-profile, git or env folder/file ({risky[0]})"]
    if find_secrets(rel.as_posix()):
        return ["secret-looking file name"]
    if path.is_symlink():
        return ["symbolic link out of the run"] if _outside(path, run_dir) else []
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES or path.name.endswith(".tmp"):
        return []
    handle = _open_regular(path)
    if handle is None:
        return []
    with handle:
        return scan_file(handle, suffix)


def scan_run_dir(run_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    for path in sorted(run_dir.rglob("*")):
        if len(findings) >= MAX_FINDINGS:
            break
        rel = path.relative_to(run_dir)
        findings += [Finding(rel.as_posix(), problem) for problem in _file_problems(path, rel, run_dir)]
    return findings[:MAX_FINDINGS]
