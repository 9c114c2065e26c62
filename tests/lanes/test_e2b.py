"""The e2b substrate against a duck-typed fake of `e2b_desktop.Sandbox` (E2B's cloud is beyond this machine)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from e2b import AuthenticationException, SandboxException, ServiceBusyException, TimeoutException
from fixtures.fake_e2b import make_fake_sandbox, stop_all

from mimetic.actors.computer import Action, Computer
from mimetic.bundle.store import RunStore
from mimetic.errors import MimeticError
from mimetic.lanes.e2b import E2BSubstrate, key_name
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project

CANARIES = {"E2B_API_KEY": "canary-e2b-7f3a9c1d", "OPENAI_API_KEY": "canary-openai-55aa0e",
            "GH_TOKEN": "canary-gh-0b1c2d3e"}

BOOTSTRAP = """#!/usr/bin/env bash
set -u
cd "$MIMETIC_LANE_ROOT"
env > env-seen.txt
if [ -f "$MIMETIC_LANE_WHEEL" ]; then wheel=present; else wheel=missing; fi
printf '{"status":"passed","wheel":"%s","flag":"%s"}' "$wheel" "${MIMETIC_OSS_META_ACTOR_MODEL:-}" > completion.json
"""


@pytest.fixture
def canaries(monkeypatch):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    return CANARIES


@pytest.fixture
def fake(tmp_path):
    cls = make_fake_sandbox(tmp_path / "e2b", canaries=CANARIES.values())
    yield cls
    stop_all(cls)


@pytest.fixture
def wheel(tmp_path) -> Path:
    path = tmp_path / "wheels" / "mimetic_cli-0.2.0-py3-none-any.whl"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 not a real wheel")
    return path


def substrate(project: Path, fake, wheel: Path, **kw) -> E2BSubstrate:
    return E2BSubstrate(project=Project(project), run_id="run-1", sandbox_factory=fake, wheel=lambda: wheel, **kw)


def spec(env: dict[str, str] | None = None, index: int = 0) -> LaneSpec:
    return LaneSpec(run_id="run-1", index=index, label="fixture/todo", repo="fixture/todo",
                    stream_id=f"oss-{index + 1:02d}-desktop", sim_id=f"oss-{index + 1:02d}", env=env or {})


def wait_for(read, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = read()
        if data is not None:
            return data
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the lane file")


def test_missing_requirements_names_the_e2b_key_only_when_unset(project, fake, wheel, monkeypatch):
    assert substrate(project, fake, wheel).missing_requirements() == ["E2B_API_KEY"]
    monkeypatch.setenv("E2B_API_KEY", "canary-e2b-7f3a9c1d")
    assert substrate(project, fake, wheel).missing_requirements() == []


def test_launch_creates_a_tagged_1440x960_desktop_with_only_public_env(project, fake, wheel, canaries, monkeypatch):
    monkeypatch.setenv("MIMETIC_E2B_TIMEOUT_MS", str(2 * 3600 * 1000))
    monkeypatch.setenv("MIMETIC_E2B_REQUEST_TIMEOUT_MS", "15000")
    env = {"MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test", "OPENAI_API_KEY": canaries["OPENAI_API_KEY"],
           "MIMETIC_GITHUB_TOKEN": canaries["GH_TOKEN"], "NOTE": f"key={canaries['E2B_API_KEY']}"}
    sub = substrate(project, fake, wheel)

    lane = sub.launch(spec(env))

    call = fake.create_calls[0]
    assert lane.id == fake.registry[lane.id].sandbox_id
    assert call["resolution"] == (1440, 960) and call["dpi"] == 96
    assert call["timeout"] == 3600  # capped at one hour
    assert call["request_timeout"] == 15.0
    assert call["metadata"] == {"mimetic_run": "run-1", "lane": "oss-01-desktop", "tool": "mimetic-cli"}
    assert call["envs"] == {"MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test"}
    assert sub.withheld_env == {"OPENAI_API_KEY", "MIMETIC_GITHUB_TOKEN", "NOTE"}


def test_lifetime_follows_mimetic_e2b_timeout_ms_below_the_cap(project, fake, wheel, monkeypatch):
    monkeypatch.setenv("MIMETIC_E2B_TIMEOUT_MS", "600000")
    substrate(project, fake, wheel).launch(spec())
    assert fake.create_calls[0]["timeout"] == 600
    assert fake.create_calls[0]["request_timeout"] == 60.0


def test_invalid_timeout_env_is_a_clear_input_error(project, fake, wheel, monkeypatch):
    monkeypatch.setenv("MIMETIC_E2B_TIMEOUT_MS", "soon")
    with pytest.raises(MimeticError) as err:
        substrate(project, fake, wheel)
    assert err.value.code == "MIMETIC_INVALID_ENV" and "MIMETIC_E2B_TIMEOUT_MS" in err.value.message


def test_bootstrap_uploads_wheel_and_script_streams_and_runs_in_a_visible_terminal(
        project, fake, wheel, canaries):
    sub = substrate(project, fake, wheel)
    lane = sub.launch(spec({"MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test", "GH_TOKEN": canaries["GH_TOKEN"]}))

    lane.start_bootstrap(BOOTSTRAP, {"MIMETIC_REPO": "fixture/todo", "OPENAI_API_KEY": canaries["OPENAI_API_KEY"],
                                     "MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test"})
    completion = wait_for(lambda: lane.read_file("completion.json"))

    sbx = fake.registry[lane.id]
    root = "/home/user/mimetic-lab/oss-01-desktop"
    assert sbx.files.written[f"{root}/{wheel.name}"] == wheel.read_bytes()
    assert sbx.files.written[f"{root}/bootstrap.sh"] == BOOTSTRAP.encode()
    assert b'"wheel":"present"' in completion and b'"flag":"gpt-test"' in completion
    terminal = next(c for c in sbx.commands.history if c["cmd"].startswith("xfce4-terminal"))
    assert terminal["background"] and terminal["timeout"] == 0  # never the SDK's 60 s default
    assert "'Mimetic 01 fixture/todo'" in terminal["cmd"]
    assert sbx.stream.started_with == {"require_auth": True, "window_id": None}
    url = lane.stream_url()
    assert url and "view_only=true" in url and f"password={sbx.stream.get_auth_key()}" in url
    seen_env = lane.read_file("env-seen.txt").decode()
    assert "MIMETIC_REPO=fixture/todo" in seen_env
    assert "MIMETIC_LANE_DESKTOP=1" in seen_env and "MIMETIC_LANE_HOST=0.0.0.0" in seen_env
    for value in canaries.values():
        assert value not in seen_env
    assert "OPENAI_API_KEY" in sub.withheld_env


def test_an_unsafe_stream_id_is_refused_before_any_sandbox_exists(project, fake, wheel):
    bad = LaneSpec(run_id="run-1", index=0, label="x", repo="a/b", stream_id="../escape", sim_id="oss-01")
    with pytest.raises(MimeticError) as err:
        substrate(project, fake, wheel).launch(bad)
    assert err.value.code == "MIMETIC_INVALID_STREAM_ID" and fake.create_calls == []


def test_read_file_is_none_for_missing_files_and_refuses_escaping_paths(project, fake, wheel):
    lane = substrate(project, fake, wheel).launch(spec())
    assert lane.read_file("completion.json") is None
    with pytest.raises(MimeticError):
        lane.read_file("../../etc/passwd")
    with pytest.raises(MimeticError):
        lane.read_file("/etc/passwd")


def test_stream_url_and_key_never_reach_a_file_under_dot_mimetic(project, fake, wheel, canaries):
    lane = substrate(project, fake, wheel).launch(spec())
    lane.start_bootstrap(BOOTSTRAP, {})
    url, key = lane.stream_url(), fake.registry[lane.id].stream.get_auth_key()
    store = RunStore(Project(project), "run-1")
    # A careless sink that copies the live-view URL and key into evidence.
    store.write_json("lane.json", {"stream": url, "reason": f"viewer password {key}", "id": lane.id})
    store.write_text("events.ndjson", f'{{"message": "stream at {url}"}}\n')

    for path in (project / ".mimetic").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert url not in text and key not in text, path
            assert not any(value in text for value in canaries.values()), path
    assert lane.id in (project / ".mimetic/runs/run-1/lane.json").read_text()


def test_screenshot_and_computer_return_png_and_satisfy_the_protocol(project, fake, wheel):
    lane = substrate(project, fake, wheel).launch(spec())
    computer = lane.computer()
    assert isinstance(computer, Computer)
    assert computer.size == (1440, 960) and computer.current_url() is None
    assert lane.screenshot().startswith(b"\x89PNG\r\n\x1a\n")


def acted(project, fake, wheel, *actions: Action):
    lane = substrate(project, fake, wheel).launch(spec())
    for action in actions:
        lane.computer().act(action)
    sbx = fake.registry[lane.id]
    return sbx.actions, [c["cmd"] for c in sbx.commands.history]


def test_click_at_coordinate_zero_moves_first_then_clicks_the_right_button(project, fake, wheel):
    actions, commands = acted(project, fake, wheel,
                              Action("click", x=0, y=5), Action("click", x=7, y=0, button="right"),
                              Action("click", x=3, y=4, button="wheel"), Action("click", x=1, y=1, button="back"),
                              Action("double_click", x=0, y=0))
    assert actions == [("move_mouse", 0, 5), ("left_click", None, None), ("move_mouse", 7, 0),
                       ("right_click", None, None), ("move_mouse", 3, 4), ("middle_click", None, None),
                       ("move_mouse", 1, 1), ("move_mouse", 0, 0), ("double_click", None, None)]
    assert "xdotool click 8" in commands


def test_unknown_button_is_an_invalid_action(project, fake, wheel):
    with pytest.raises(MimeticError) as err:
        acted(project, fake, wheel, Action("click", x=1, y=1, button="thumb"))
    assert err.value.code == "MIMETIC_ACTOR_ACTION_INVALID"


def test_scroll_is_vertical_by_wheel_and_horizontal_by_xdotool_buttons_6_and_7(project, fake, wheel):
    actions, commands = acted(project, fake, wheel,
                              Action("scroll", x=10, y=20, scroll_y=250),
                              Action("scroll", x=0, y=0, scroll_y=-40),
                              Action("scroll", x=5, y=5, scroll_x=-300),
                              Action("scroll", x=5, y=5, scroll_x=120))
    assert actions == [("move_mouse", 10, 20), ("scroll", "down", 3), ("move_mouse", 0, 0), ("scroll", "up", 1),
                       ("move_mouse", 5, 5), ("move_mouse", 5, 5)]
    assert commands == ["xdotool click --repeat 3 6", "xdotool click --repeat 2 7"]


def test_keypress_maps_openai_key_names_to_names_the_sdk_turns_into_x_keysyms(project, fake, wheel):
    from e2b_desktop.main import map_key

    actions, _ = acted(project, fake, wheel, Action("keypress", keys=("CTRL", "A")),
                       Action("keypress", keys=("ARROWLEFT",)), Action("keypress", keys=("ENTER",)),
                       Action("keypress", keys=("PAGEDOWN",)), Action("keypress", keys=("/",)))
    assert actions == [("press", ["ctrl", "a"]), ("press", "left"), ("press", "enter"), ("press", "page_down"),
                       ("press", "slash")]
    expected = {"ARROWLEFT": "Left", "ARROWDOWN": "Down", "ENTER": "Return", "ESC": "Escape", "CTRL": "Control_L",
                "PAGEUP": "Page_Up", "BACKSPACE": "BackSpace", "SPACE": "space", "CMD": "Super_L", "F5": "F5"}
    assert {name: map_key(key_name(name)) for name in expected} == expected


def test_drag_presses_moves_along_the_whole_path_and_releases(project, fake, wheel):
    actions, _ = acted(project, fake, wheel, Action("drag", path=((0, 0), (50, 60), (100, 120))))
    assert actions == [("move_mouse", 0, 0), ("mouse_press", "left"), ("move_mouse", 50, 60),
                       ("move_mouse", 100, 120), ("mouse_release", "left")]


def test_held_keys_wrap_a_pointer_action_and_type_writes_text(project, fake, wheel):
    actions, commands = acted(project, fake, wheel, Action("click", x=4, y=4, keys=("SHIFT",)),
                              Action("type", text="hello world"), Action("move", x=9, y=8))
    assert commands == ["xdotool keydown Shift_L", "xdotool keyup Shift_L"]
    assert actions == [("move_mouse", 4, 4), ("left_click", None, None), ("write", "hello world"),
                       ("move_mouse", 9, 8)]


def test_wait_sleeps_locally_without_a_sandbox_round_trip(project, fake, wheel):
    started = time.monotonic()
    actions, commands = acted(project, fake, wheel, Action("wait", ms=150), Action("screenshot"))
    assert time.monotonic() - started >= 0.15
    assert actions == [] and commands == []


@pytest.mark.parametrize(("error", "code"), [
    (AuthenticationException("401: Unauthorized, key {key}"), "MIMETIC_E2B_AUTH"),
    (ServiceBusyException("503: no capacity"), "MIMETIC_E2B_BUSY"),
    (httpx.ConnectError("tcp connect error for {key}"), "MIMETIC_E2B_UNREACHABLE"),
    (TimeoutException("Could not start XFCE"), "MIMETIC_E2B_SANDBOX"),
    (SandboxException("500: boom {key}"), "MIMETIC_E2B_SANDBOX"),
])
def test_provider_failures_become_redacted_mimetic_errors(project, fake, wheel, canaries, error, code):
    error.args = (str(error).replace("{key}", canaries["E2B_API_KEY"]),)
    fake.fail_create = error
    with pytest.raises(MimeticError) as err:
        substrate(project, fake, wheel).launch(spec())
    assert err.value.code == code
    assert "oss-01-desktop" in err.value.message
    assert canaries["E2B_API_KEY"] not in err.value.message and canaries["E2B_API_KEY"] not in str(err.value)


def test_a_failing_read_maps_to_a_sandbox_error_without_the_stream_url(project, fake, wheel):
    lane = substrate(project, fake, wheel).launch(spec())
    lane.start_bootstrap(BOOTSTRAP, {})
    url = lane.stream_url()
    fake.registry[lane.id].fail_read = SandboxException(f"envd gone while serving {url}")
    with pytest.raises(MimeticError) as err:
        lane.read_file("completion.json")
    assert err.value.code == "MIMETIC_E2B_SANDBOX" and url not in err.value.message
    assert fake.registry[lane.id].stream.get_auth_key() not in err.value.message


def test_close_kills_once_and_keep_leaves_the_sandbox_running(project, fake, wheel):
    lane = substrate(project, fake, wheel).launch(spec())
    lane.close()
    lane.close()
    assert [sid for sid, _ in fake.kill_calls] == [lane.id]
    assert not fake.registry[lane.id].alive

    kept = substrate(project, fake, wheel, keep=True).launch(spec(index=1))
    kept.close()
    assert fake.registry[kept.id].alive and len(fake.kill_calls) == 1


def test_close_never_raises_and_keeps_the_reason(project, fake, wheel):
    lane = substrate(project, fake, wheel).launch(spec())
    fake.fail_kill = httpx.ConnectError("network down")
    lane.close()
    assert lane.close_error and "MIMETIC_E2B_UNREACHABLE" in lane.close_error


def test_kill_by_id_counts_already_gone_as_done(project, fake, wheel):
    sub = substrate(project, fake, wheel)
    lane = sub.launch(spec())
    assert sub.kill_outcome(lane.id) == "killed"
    assert sub.kill_outcome(lane.id) == "already_gone"
    assert sub.kill("neverexisted") is True
    with pytest.raises(MimeticError) as err:
        sub.kill_outcome("../../v2/sandboxes")
    assert err.value.code == "MIMETIC_INVALID_SANDBOX_ID"
