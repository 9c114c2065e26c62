"""`mimetic replay`: re-run an explorer lane's findings against the app and say which still reproduce."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


def print_replay(data: dict) -> None:
    from mimetic.cli._output import lines

    lines(f"mimetic replay {data['runId']} --lane {data['lane']}: {data['reproduced']} reproduced, {data['gone']} gone",
          *(f"- {'reproduced' if f['reproduced'] else 'gone'} [{f['severity']}] {f['title']}" for f in data["findings"]))


def register(app: typer.Typer) -> None:
    @app.command("replay", help="Re-execute an explorer lane's recorded action paths against the app; "
                                "exit 1 while any finding still reproduces.")
    def replay(
        run: Annotated[str, typer.Argument(help="Run id, or 'latest'.")] = "latest",
        lane: Annotated[Optional[str], typer.Option("--lane", help="Stream id of the explorer lane, e.g. browser-desktop-stream.")] = None,
        app_url: Annotated[Optional[str], typer.Option("--app-url", help="Where the app runs now (default: the URL the run used).")] = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.errors import MimeticError

        def action() -> Outcome:
            from mimetic.bundle.store import resolve_run
            from mimetic.explorer.replay import replay_lane, replay_target
            from mimetic.project import open_project

            if not lane:
                raise MimeticError("MIMETIC_REPLAY_LANE_REQUIRED", "--lane <stream id> is required (see the run's actors/).")
            project = open_project(cwd)
            store = resolve_run(project, run)
            url, chromium = replay_target(project, store, lane, app_url)
            result = replay_lane(store, lane, url, chromium)
            return Outcome(result.to_json(), exit_code=0 if result.ok else 1, human=print_replay)

        execute(json_wanted(json), action)
