"""Host-side reads of lane files never follow a symlink, never leave the lane root, never block and are capped."""

from __future__ import annotations

import os

from mimetic.lanes.untrusted import lane_dir_exists, list_lane_dir, read_lane_file, read_lane_text


def lane(tmp_path):
    root = tmp_path / "lane"
    (root / "repo/.mimetic/runs/nested/screenshots").mkdir(parents=True)
    (root / "completion.json").write_text('{"status": "passed"}')
    return root


def test_a_regular_file_under_the_lane_root_is_read(tmp_path):
    root = lane(tmp_path)
    assert read_lane_file(root, "completion.json") == b'{"status": "passed"}'
    assert read_lane_text(root, "./completion.json") == '{"status": "passed"}'


def test_a_symlinked_file_is_refused_even_when_it_points_inside_the_lane(tmp_path):
    root = lane(tmp_path)
    shots = root / "repo/.mimetic/runs/nested/screenshots"
    (shots / "desktop.png").symlink_to("/proc/self/environ")
    (shots / "inside.png").symlink_to(root / "completion.json")
    assert read_lane_file(root, "repo/.mimetic/runs/nested/screenshots/desktop.png") is None
    assert read_lane_file(root, "repo/.mimetic/runs/nested/screenshots/inside.png") is None
    assert list_lane_dir(root, "repo/.mimetic/runs/nested/screenshots") == []


def test_a_symlinked_folder_anywhere_on_the_path_is_refused(tmp_path):
    root = lane(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "runs/nested/screenshots").mkdir(parents=True)
    (elsewhere / "runs/nested/screenshots/desktop.png").write_bytes(b"\x89PNG secret")
    (root / "repo/.mimetic/runs").rename(root / "old-runs")
    (root / "repo/.mimetic/runs").symlink_to(elsewhere / "runs")
    assert read_lane_file(root, "repo/.mimetic/runs/nested/screenshots/desktop.png") is None
    assert list_lane_dir(root, "repo/.mimetic/runs/nested/screenshots") == []
    assert not lane_dir_exists(root, "repo/.mimetic/runs")
    assert lane_dir_exists(root, "repo/.mimetic")


def test_paths_that_climb_out_or_are_absolute_are_refused_before_any_open(tmp_path):
    root = lane(tmp_path)
    (tmp_path / "host-secret").write_text("secret")
    for relative in ("../host-secret", "/etc/passwd", "repo/../../host-secret", "", "a\\b", "file:///etc/passwd"):
        assert read_lane_file(root, relative) is None, relative


def test_fifos_devices_and_hard_links_are_not_read_and_never_block(tmp_path):
    root = lane(tmp_path)
    os.mkfifo(root / "app.log")  # a reader that opened this without O_NONBLOCK would hang here
    assert read_lane_file(root, "app.log") is None
    outside = tmp_path / "outside.txt"
    outside.write_text("host file")
    os.link(outside, root / "linked.txt")
    assert read_lane_file(root, "linked.txt") is None
    assert list_lane_dir(root, ".") == [("completion.json", "file"), ("linked.txt", "file"), ("repo", "directory")]


def test_a_file_over_the_cap_is_refused_whole_or_read_from_its_tail(tmp_path):
    root = lane(tmp_path)
    (root / "bootstrap.log").write_bytes(b"a" * 100 + b"the end\n")
    assert read_lane_file(root, "bootstrap.log", limit=50) is None
    assert read_lane_file(root, "bootstrap.log", limit=8, oversize="tail") == b"the end\n"
    assert read_lane_file(root, "bootstrap.log", limit=3, oversize="head") == b"aaa"
