"""verify's public-safety scan: every byte of every file, streamed, and the non-pixel bytes of images."""

from __future__ import annotations

import base64
import os
import struct
import threading
import zlib
from pathlib import Path

import pytest
from conftest import CHROMIUM

from mimetic.safety.scan import INFLATE_LIMIT, MIN_OVERLAP, WINDOW_BYTES, scan_run_dir

CANARY = "cnry-scan-4d2b9e7a1c03"
BENIGN = b'{"lane": "oss-01", "step": "clicked Add todo", "ok": true}\n'


@pytest.fixture
def canary(monkeypatch):
    monkeypatch.setenv("APP_API_TOKEN", CANARY)
    return CANARY


@pytest.fixture
def run_dir(tmp_path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    return path


def problems(run_dir: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in scan_run_dir(run_dir):
        found.setdefault(finding.path, []).append(finding.problem)
    return found


def filler(size: int) -> bytes:
    return (BENIGN * (size // len(BENIGN) + 1))[:size]


def test_a_secret_35_mb_into_a_large_file_is_found(run_dir, canary):
    with (run_dir / "run.json").open("wb") as out:
        out.write(filler(35 << 20))
        out.write(f'"leak": "{canary}"'.encode())
        out.write(filler(1 << 20))
    assert problems(run_dir) == {"run.json": ["known secret value"]}


@pytest.mark.parametrize("cut", [1, 7, 15, MIN_OVERLAP // 2])
def test_a_match_across_a_window_boundary_is_found(run_dir, canary, cut):
    # The stream is read in windows of WINDOW_BYTES: put the boundary inside the secret, and inside a
    # secret shape and a home path, which no known value lists.
    for name, secret in (("value.log", canary), ("shape.log", "ghp_" + "a1b2c3d4" * 4), ("path.log", "/home/alice/")):
        before = WINDOW_BYTES - min(cut, len(secret) - 1)
        (run_dir / name).write_bytes(filler(before - 1) + b" " + secret.encode() + b"\n")
    found = problems(run_dir)
    assert found["value.log"] == ["known secret value"]
    assert len(found["shape.log"]) == 1 and found["shape.log"][0].startswith("pattern")
    assert found["path.log"] == ["absolute home or temp path"]


def test_an_encoded_secret_in_an_app_log_is_found(run_dir, canary):
    encoded = base64.b64encode(b"export " + canary.encode() + b"\n").decode()
    (run_dir / "app.log").write_text(f"boot blob {encoded}\nhex {canary.encode().hex()}\n")
    assert problems(run_dir) == {"app.log": ["known secret value"]}


@pytest.mark.parametrize("name", [".env", ".env.local", ".env.production", "lanes/oss-01/.env.development.local",
                                  ".npmrc", "profile/.git/config"])
def test_env_git_and_npmrc_file_names_are_flagged_whatever_their_content(run_dir, name):
    target = run_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("NOTHING=secret-looking\n")
    found = problems(run_dir)
    assert any(problem.startswith("browser-profile, git or env") for problem in found[name]), found


def test_a_fifo_or_a_symlink_to_dev_zero_does_not_hang_the_scan_and_links_out_are_flagged(run_dir, tmp_path):
    os.mkfifo(run_dir / "pipe.log")
    os.symlink("/dev/zero", run_dir / "zero.log")
    (tmp_path / "elsewhere.txt").write_text("outside the run\n")
    os.symlink(tmp_path / "elsewhere.txt", run_dir / "link.txt")
    (run_dir / "inside.txt").write_text("fine\n")
    os.symlink("inside.txt", run_dir / "alias.txt")
    done: list = []
    worker = threading.Thread(target=lambda: done.append(problems(run_dir)), daemon=True)
    worker.start()
    worker.join(60)  # a hang would leave the worker blocked on the FIFO or reading /dev/zero forever
    assert done, "the scan hung"
    assert done[0] == {"zero.log": ["symbolic link out of the run"], "link.txt": ["symbolic link out of the run"]}


# --- images ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def screenshots() -> dict[str, bytes]:
    """A real PNG and a real JPEG, encoded by Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 320, "height": 200})
        page.set_content("<body style='background:linear-gradient(#3c8,#238)'><h1>/tmp/ Todo</h1></body>")
        shots = {"png": page.screenshot(type="png"), "jpeg": page.screenshot(type="jpeg", quality=80)}
        browser.close()
    return shots


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_png_chunk(png: bytes, chunk: bytes) -> bytes:
    """The chunk inserted right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    return png[:33] + chunk + png[33:]


@pytest.mark.browser
def test_real_screenshots_pass(run_dir, screenshots, canary):
    (run_dir / "desktop.png").write_bytes(screenshots["png"])
    (run_dir / "mobile.jpg").write_bytes(screenshots["jpeg"])
    assert problems(run_dir) == {}


@pytest.mark.browser
@pytest.mark.parametrize("where", ["tEXt", "zTXt", "iTXt compressed", "iTXt plain", "private chunk", "after IEND"])
def test_a_secret_in_png_metadata_or_after_the_image_is_found(run_dir, screenshots, canary, where):
    png, text = screenshots["png"], f"token {canary}".encode()
    forged = {
        "tEXt": with_png_chunk(png, png_chunk(b"tEXt", b"Comment\0" + text)),
        "zTXt": with_png_chunk(png, png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(text))),
        "iTXt compressed": with_png_chunk(png, png_chunk(b"iTXt", b"Comment\0\x01\0en\0\0" + zlib.compress(text))),
        "iTXt plain": with_png_chunk(png, png_chunk(b"iTXt", b"Comment\0\0\0en\0\0" + text)),
        "private chunk": with_png_chunk(png, png_chunk(b"scRt", text)),
        "after IEND": png + text,
    }[where]
    (run_dir / "oss-01-desktop.png").write_bytes(forged)
    assert problems(run_dir) == {"oss-01-desktop.png": ["known secret value"]}


@pytest.mark.browser
@pytest.mark.parametrize("where", ["COM", "EXIF", "after EOI"])
def test_a_secret_in_jpeg_metadata_or_after_the_image_is_found(run_dir, screenshots, canary, where):
    jpeg, text = screenshots["jpeg"], f"token {canary}".encode()
    segment = {"COM": b"\xff\xfe", "EXIF": b"\xff\xe1"}.get(where)
    if segment:
        payload = (b"Exif\0\0" if where == "EXIF" else b"") + text
        forged = jpeg[:2] + segment + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]
    else:
        forged = jpeg + text
    (run_dir / "shot.jpeg").write_bytes(forged)
    assert problems(run_dir) == {"shot.jpeg": ["known secret value"]}


def test_a_file_named_png_that_is_not_a_png_is_flagged_and_scanned_as_text(run_dir, canary):
    (run_dir / "desktop.png").write_bytes(f"OPENAI_API_KEY={canary}\n".encode())  # e.g. a copy of /proc/self/environ
    (run_dir / "empty.png").write_bytes(b"")
    found = problems(run_dir)
    assert found["desktop.png"] == ["named .png but is not a PNG image", "known secret value"]
    assert found["empty.png"] == ["named .png but is not a PNG image"]


def test_pixel_data_is_not_mistaken_for_text_and_metadata_bombs_are_flagged(run_dir):
    pixels = zlib.compress(b"/home/alice/ " * 100)  # stands in for IDAT bytes that happen to spell a path
    png = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    (run_dir / "pixels.png").write_bytes(png + png_chunk(b"IDAT", b"/home/alice/" + pixels) + png_chunk(b"IEND", b""))
    bomb = zlib.compress(b"\0" * (INFLATE_LIMIT + (1 << 20)), 9)
    (run_dir / "bomb.png").write_bytes(png + png_chunk(b"zTXt", b"Comment\0\0" + bomb) + png_chunk(b"IEND", b""))
    assert problems(run_dir) == {"bomb.png": [f"compressed image metadata inflates past {INFLATE_LIMIT >> 20} MiB"]}
