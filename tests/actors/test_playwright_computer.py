"""`PlaywrightComputer` turns computer-use actions into real input events in Chromium."""

from __future__ import annotations

import pytest

from mimetic.actors.computer import Action, Computer
from mimetic.actors.playwright_computer import PlaywrightComputer, key_name
from mimetic.errors import MimeticError

RECORDER = """<!doctype html><html><body style="margin:0;height:3000px">
<input id="field" style="position:absolute;left:10px;top:10px;width:300px;height:30px">
<div id="pad" style="position:absolute;left:10px;top:100px;width:400px;height:300px;background:#eee"></div>
<script>
window.events = [];
const pad = document.getElementById("pad");
const note = (e) => window.events.push([e.type, e.clientX ?? null, e.clientY ?? null, e.button ?? null,
                                        !!e.shiftKey, !!e.ctrlKey]);
for (const type of ["click", "dblclick", "mousedown", "mouseup", "auxclick", "contextmenu"]) pad.addEventListener(type, note);
pad.addEventListener("contextmenu", (e) => e.preventDefault());
document.addEventListener("keydown", (e) => window.events.push(["keydown", e.key, e.ctrlKey]));
</script></body></html>"""


@pytest.mark.parametrize(("given", "expected"), [
    ("ENTER", "Enter"), ("Return", "Enter"), ("esc", "Escape"), ("ARROWLEFT", "ArrowLeft"), ("left", "ArrowLeft"),
    ("PAGEDOWN", "PageDown"), ("ctrl", "Control"), ("CMD", "Meta"), ("space", "Space"), ("f5", "F5"),
    ("a", "a"), ("A", "A"), ("/", "/"),
])
def test_openai_key_names_map_to_playwright_keys(given, expected):
    assert key_name(given) == expected


def test_an_unknown_key_name_is_a_clear_error():
    with pytest.raises(MimeticError) as caught:
        key_name("HYPERSPACE")
    assert caught.value.code == "MIMETIC_ACTOR_ACTION_INVALID"


@pytest.mark.browser
def test_actions_become_real_input_events(chromium):
    from mimetic.browser.chromium import DESKTOP

    context = chromium.new_context(DESKTOP)
    try:
        page = context.new_page()
        page.set_content(RECORDER)
        computer = PlaywrightComputer(page)
        assert isinstance(computer, Computer) and computer.size == (1440, 960) and computer.environment == "browser"
        assert computer.screenshot().startswith(b"\x89PNG")

        computer.act(Action("click", x=20, y=20))
        computer.act(Action("type", text="hello"))
        computer.act(Action("keypress", keys=("CTRL", "A")))
        computer.act(Action("keypress", keys=("BACKSPACE",)))
        computer.act(Action("type", text="bye"))
        assert page.input_value("#field") == "bye"

        page.evaluate("window.events = []")
        computer.act(Action("click", x=50, y=150, keys=("SHIFT",)))
        computer.act(Action("click", x=60, y=160, button="right"))
        computer.act(Action("double_click", x=70, y=170))
        computer.act(Action("drag", path=((100, 200), (150, 250), (200, 300))))
        events = page.evaluate("window.events")
        clicks = [e for e in events if e[0] == "click"]
        assert clicks[0][1:3] == [50, 150] and clicks[0][4] is True  # shift held
        assert ["contextmenu", 60, 160, 2, False, False] in events
        assert any(e[0] == "dblclick" and e[1:3] == [70, 170] for e in events)
        downs = [e for e in events if e[0] == "mousedown"]
        ups = [e for e in events if e[0] == "mouseup"]
        assert downs[-1][1:3] == [100, 200] and ups[-1][1:3] == [200, 300]

        computer.act(Action("scroll", x=200, y=200, scroll_y=400))
        page.wait_for_function("window.scrollY === 400", timeout=5000)  # wheel scrolling lands asynchronously
        with pytest.raises(MimeticError):
            computer.act(Action("click", x=1, y=1, button="thumb"))
        assert computer.current_url() == page.url
    finally:
        context.close()
