"""Shared helpers for the explorer's tests: fresh fixture apps, Chromium, personas."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.todo_app import serve_todo_app

from mimetic.browser.chromium import DESKTOP, MOBILE, launch_chromium
from mimetic.contracts.explorer import ExplorerTrace
from mimetic.contracts.manifests import Persona
from mimetic.explorer.persona_style import Budget
from mimetic.explorer.walk import explore

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}")


def persona(persona_id: str, **traits: str) -> Persona:
    return Persona.model_validate({"schema": "mimetic.persona.v1", "id": persona_id, "name": persona_id.title(),
                                   "traits": traits})


def persona_yaml(root: Path, persona_id: str, **traits: str) -> None:
    folder = root / "mimetic" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"schema: mimetic.persona.v1", f"id: {persona_id}", f"name: {persona_id.title()}", "traits:"]
    lines += [f"  {key}: {value}" for key, value in traits.items()]
    (folder / f"{persona_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextmanager
def explored(variant: str, who: Persona | None, *, seed: int = 0, mobile: bool = False,
             budget: Budget | None = None) -> Iterator[ExplorerTrace]:
    """One walk of a fresh fixture app (fresh server data, so walks are comparable)."""
    with serve_todo_app(variant) as url, launch_chromium(CHROMIUM) as launched:
        context = launched.new_context(MOBILE if mobile else DESKTOP)
        try:
            yield explore(context.new_page(), who, budget or Budget(max_actions=10), seed, app_url=url + "/",
                          mobile=mobile, surface="mobile" if mobile else "desktop")
        finally:
            context.close()
