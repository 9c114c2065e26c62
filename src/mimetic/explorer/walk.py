"""Breadth-first walk over the app's distinct states (route + fingerprint of the visible accessible tree).

At each state the persona tries every control it can use, in a seeded order: follows links, presses
buttons, fills a form's fields with synthetic data and submits it (a careless persona also submits it
empty and malformed), toggles and selects. Each step starts from its state: the walk goes back, or
reloads the state's route, or replays the state's path from the start page; if the app's own data has
moved on, the page it gets instead is a state of its own. The walk stays on the app's origin and stops
at the persona's budget of states, actions or time.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mimetic.contracts.explorer import ExplorerAction, ExplorerFinding, ExplorerState, ExplorerStep, ExplorerStyle, ExplorerTrace
from mimetic.contracts.manifests import Persona
from mimetic.explorer import findings as detect
from mimetic.explorer.driver import Driver
from mimetic.explorer.forms import value_for
from mimetic.explorer.persona_style import Budget, style_for

Shots = Callable[[str, bytes], "str | None"]  # (name, png) -> run-relative path written, or None
SPACE_KEYS = frozenset({"checkbox", "radio", "switch"})


@dataclass
class Node:
    state: ExplorerState
    path: list[ExplorerAction]


@dataclass
class Intent:
    control: dict
    kind: str  # activate | submit | submit-empty | submit-malformed | fill | select
    fields: list[dict] = field(default_factory=list)  # a submit's form fields


class Walk:
    def __init__(self, page: Any, *, app_url: str, style: ExplorerStyle, seed: int, shots: Shots | None):
        self.driver = Driver(page, app_url)
        self.style, self.seed, self.shots = style, seed, shots
        self.start_route = self.driver.route_of(app_url)
        self.nodes: dict[str, Node] = {}
        self.queue: deque[Node] = deque()
        self.steps: list[ExplorerStep] = []
        self.found: list[ExplorerFinding] = []
        self.current: str | None = None  # the state the page is in, when known
        self.last_route: str | None = None  # for going back: the state the last navigation left
        self.deadline = time.monotonic() + style.max_ms / 1000
        self.stopped_by: str | None = None

    # --- bookkeeping ------------------------------------------------------------------------------

    def _shot(self, name: str) -> str | None:
        if self.shots is None:
            return None
        data = self.driver.screenshot()
        return self.shots(name, data) if data else None

    def _budget_left(self) -> bool:
        if self.stopped_by is None:
            if time.monotonic() >= self.deadline:
                self.stopped_by = "time"
            elif len(self.steps) >= self.style.max_actions:
                self.stopped_by = "actions"
        return self.stopped_by is None

    def _register(self, path: list[ExplorerAction], depth: int) -> Node | None:
        """The node for the page as it is now; a new one is screenshotted, checked and queued."""
        fingerprint = self.driver.fingerprint()
        self.current = fingerprint
        if fingerprint in self.nodes:
            return self.nodes[fingerprint]
        if len(self.nodes) >= self.style.max_states:
            self.stopped_by = self.stopped_by or "states"
            return None
        index = len(self.nodes)
        controls = self.driver.call("controls")
        shot = self._shot(f"state-{index:03d}")
        state = ExplorerState(id=fingerprint, route=self.driver.route, title=self.driver.page.title()[:120],
                              depth=depth, controls=len(controls), screenshot_path=shot)
        node = Node(state=state, path=list(path))
        self.nodes[fingerprint] = node
        self.queue.append(node)
        self.found += detect.state_findings(self.driver, self.style, controls, route=state.route, path=path, shot=shot)
        return node

    # --- moving -----------------------------------------------------------------------------------

    def _do(self, action: ExplorerAction) -> bool:
        """Perform and settle one preparatory action; False if the persona could not do it."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            self.driver.perform(action)
        except PlaywrightError:
            return False
        self.current = None
        self.driver.settle(self.style.patience_ms)
        return True

    def _replay(self, path: list[ExplorerAction]) -> bool:
        return all(self._do(action) for action in path)

    def _reach(self, node: Node) -> Node | None:
        """Put the page in `node`'s state (back, reload its route, or replay its path); else the state it got."""
        attempts: list[Callable[[], bool]] = []
        if self.style.input == "keyboard":
            # Tab counts depend on where focus starts, so a keyboard step always starts as its replay will.
            attempts.append(lambda: self._replay(node.path))
        elif self.current == node.state.id:
            return node
        else:
            if self.last_route == node.state.route:
                attempts.append(self._back)
            attempts.append(lambda: self._do(ExplorerAction(kind="goto", value=node.state.route)))
            attempts.append(lambda: self._replay(node.path))
        for attempt in attempts:
            if attempt() and self.driver.on_app() and self.driver.fingerprint() == node.state.id:
                self.current = node.state.id
                return node
        if not self.driver.on_app():
            return None
        return self._register(node.path, node.state.depth)  # the app's data moved on: this is the state now

    def _back(self) -> bool:
        from playwright.sync_api import Error as PlaywrightError

        self.last_route = None
        try:
            self.driver.page.go_back(wait_until="domcontentloaded", timeout=self.style.patience_ms)
        except PlaywrightError:
            return False
        self.driver.settle(self.style.patience_ms)
        return True

    # --- what to try ------------------------------------------------------------------------------

    def _intents(self, node: Node, controls: list[dict]) -> list[Intent]:
        fields_of: dict[str, list[dict]] = {}
        for control in controls:
            if control["form"] and control["role"] in ("textbox", "combobox"):
                fields_of.setdefault(control["form"], []).append(control)
        submitters = {c["form"] for c in controls if c["form"] and c["role"] == "button" and c["type"] in ("submit", "button", "image")}
        intents: list[Intent] = []
        for control in controls:
            role, form = control["role"], control["form"]
            if self.style.input == "keyboard" and role == "clickable":
                continue  # a keyboard user cannot use it (reported as unreachable)
            if not self._usable(control):
                continue
            if role in ("textbox", "combobox"):
                if form in submitters:
                    continue  # filled as part of its form's submit
                if role == "textbox" and form:
                    kinds = ["submit"] + (["submit-empty", "submit-malformed"] if self.style.careless else [])
                    intents += [Intent(control, kind, fields_of[form]) for kind in kinds]  # submitted with Enter
                elif role == "textbox":
                    intents.append(Intent(control, "fill"))
                elif control["options"] and self.style.input != "keyboard":
                    intents.append(Intent(control, "select"))
                continue
            if role == "button" and form and control["type"] != "reset":
                kinds = ["submit"] + (["submit-empty", "submit-malformed"] if self.style.careless and fields_of.get(form) else [])
                intents += [Intent(control, kind, fields_of.get(form, [])) for kind in kinds]
            else:
                intents.append(Intent(control, "activate"))
        random.Random(f"{self.seed}:{node.state.id}").shuffle(intents)
        return intents

    def _usable(self, control: dict) -> bool:
        """A link off the app, or to this very page, is not something to try here."""
        if control["role"] != "link":
            return True
        href, url = control["href"], self.driver.page.url
        return bool(href) and self.driver.on_origin(href) and href not in (url, url.split("#")[0])

    def _focus(self, key: str, limit: int) -> ExplorerAction | None:
        """Tab until `key` has focus; the presses it took, or None if Tab never got there."""
        for count in range(1, limit + 1):
            self.driver.page.keyboard.press("Tab")
            if self.driver.call("focusKey") == key:
                return ExplorerAction(kind="press", value="Tab", count=count)
        return None

    def _prelude(self, intent: Intent, node: Node, limit: int) -> list[ExplorerAction] | None:
        """The actions before the activation: focus moves and the form's fields; None if impossible."""
        rng = random.Random(f"{self.seed}:{node.state.id}:{intent.control['key']}:{intent.kind}")
        actions: list[ExplorerAction] = []
        keyboard = self.style.input == "keyboard"
        for item in intent.fields:
            if item["role"] == "combobox":
                if keyboard or not item["options"]:
                    continue
                action = ExplorerAction(kind="select", target=item["key"], value=rng.choice(item["options"]))
            else:
                value = value_for(item, rng, intent=intent.kind, impatient=self.style.impatient)
                if keyboard:
                    focus = self._focus(item["key"], limit)
                    if focus is None:
                        return None
                    actions.append(focus)
                    action = ExplorerAction(kind="type", value=value)
                else:
                    action = ExplorerAction(kind="fill", target=item["key"], value=value)
            if not self._do(action):
                return None
            actions.append(action)
        return actions

    def _activation(self, intent: Intent, node: Node, limit: int, prelude: list[ExplorerAction]) -> ExplorerAction | None:
        control, keyboard = intent.control, self.style.input == "keyboard"
        if intent.kind == "fill":
            value = value_for(control, random.Random(f"{self.seed}:{node.state.id}:{control['key']}"), intent="submit",
                              impatient=self.style.impatient)
            return ExplorerAction(kind="fill", target=control["key"], value=value) if not keyboard else None
        if intent.kind == "select":
            rng = random.Random(f"{self.seed}:{node.state.id}:{control['key']}")
            return ExplorerAction(kind="select", target=control["key"], value=rng.choice(control["options"]))
        if control["role"] == "textbox":  # a form submitted with Enter from its field
            if keyboard:
                return ExplorerAction(kind="press", value="Enter")
            if not self._do(ExplorerAction(kind="click", target=control["key"])):
                return None
            prelude.append(ExplorerAction(kind="click", target=control["key"]))
            return ExplorerAction(kind="press", value="Enter")
        if keyboard:
            focus = self._focus(control["key"], limit)
            if focus is None:
                return None
            prelude.append(focus)
            return ExplorerAction(kind="press", value="Space" if control["role"] in SPACE_KEYS else "Enter")
        return ExplorerAction(kind="tap" if self.style.input == "touch" else "click", target=control["key"])

    # --- one step ---------------------------------------------------------------------------------

    def _step(self, node: Node, intent: Intent) -> None:
        from playwright.sync_api import Error as PlaywrightError

        here = self._reach(node)
        if here is None:
            return
        controls = self.driver.call("controls")
        if not any(c["key"] == intent.control["key"] and self._usable(c) for c in controls):
            return  # the app's data moved on: this control is not here, or leads where the page already is
        limit = len(controls) + 5
        prelude = self._prelude(intent, here, limit)
        activation = None if prelude is None else self._activation(intent, here, limit, prelude)
        if activation is None:
            return
        route, index = self.driver.route, len(self.steps)
        path = here.path + prelude + [activation]
        feedback_of = intent.control["key"] if intent.kind == "submit-empty" else None
        try:
            obs = detect.observe(self.driver, activation, self.style.patience_ms, feedback_of=feedback_of)
        except PlaywrightError:
            self.steps.append(ExplorerStep(index=index, from_state=here.state.id, control=detect.as_control(intent.control),
                                           intent=intent.kind, actions=prelude + [activation], outcome="failed"))
            self.current = None
            return
        self.current = None
        required = any(item["required"] for item in intent.fields)
        found = detect.activation_findings(obs, intent.control, intent.kind, self.style, route=route, path=path,
                                           shot=None, required=required)
        shot = self._shot(f"step-{index:03d}") if found else None  # evidence where something was found
        self.found += [item.model_copy(update={"screenshot_path": shot}) for item in found]
        reached = None
        if obs.left_origin:
            outcome = "left_origin"
        elif not obs.settled:
            outcome = "slow"  # the persona gives up on this page and goes on from the state it came from
        else:
            outcome = "changed" if obs.changed else "unchanged"
            new = self._register(path, here.state.depth + 1)
            reached = new.state.id if new else None
            if new is not None and new.state.route != route:
                self.last_route = route
        self.steps.append(ExplorerStep(index=index, from_state=here.state.id, to_state=reached,
                                       control=detect.as_control(intent.control), intent=intent.kind,
                                       actions=prelude + [activation], outcome=outcome, screenshot_path=shot))

    def run(self) -> str:
        start = ExplorerAction(kind="goto", value=self.start_route)
        from playwright.sync_api import Error as PlaywrightError

        try:
            obs = detect.observe(self.driver, start, self.style.patience_ms)
        except PlaywrightError:
            return "unreachable"
        self.found += detect.event_findings(obs, route=self.start_route, path=[start], shot=None)
        if not self.driver.on_app() or self._register([start], 0) is None:
            return "unreachable"
        while self.queue and self._budget_left():
            node = self.queue.popleft()
            if not self._reach(node) or self.current != node.state.id:
                continue
            for intent in self._intents(node, self.driver.call("controls")):
                if not self._budget_left():
                    break
                self._step(node, intent)
        return self.stopped_by or "exhausted"


def explore(page: Any, persona: Persona | None, budget: Budget | None = None, seed: int = 0, *, app_url: str | None = None,
            mobile: bool = False, surface: str = "desktop", shots: Shots | None = None) -> ExplorerTrace:
    """Walk the app open in `page` (or at `app_url`) as `persona` would; deterministic for a seed and app state."""
    style = style_for(persona, mobile=mobile, budget=budget)
    walk = Walk(page, app_url=app_url or page.url, style=style, seed=seed, shots=shots)
    stopped_by = walk.run()
    return ExplorerTrace(seed=seed, surface=surface, persona_id=persona.id if persona else None, style=style,
                         start_route=walk.start_route, stopped_by=stopped_by,
                         states=[node.state for node in walk.nodes.values()], steps=walk.steps,
                         findings=detect.ordered(walk.found), axe_version=detect.axe_version())
