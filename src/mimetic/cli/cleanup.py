"""`mimetic cleanup`: kill exactly the sandboxes a run's receipts name, and write cleanup.json."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt


def print_cleanup(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    lines(f"mimetic cleanup {'done' if data['ok'] else 'incomplete'}", f"run: {data['runId']}",
          f"killed: {len(data['killed'])}, already gone: {len(data['alreadyGone'])}, "
          f"failed: {len(data['failed'])}, skipped: {len(data['skipped'])}",
          f"receipt: {data['cleanupPath']}")
    lines(*(f"- failed {item['id']}: {item['reason']}" for item in data["failed"]))
    lines(*(f"- skipped {item['id']}: {item['reason']}" for item in data["skipped"]))
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("cleanup", help="Kill the sandboxes recorded in a run's sandbox-receipts.ndjson (exact ids only) and write cleanup.json.")
    def command(run: RunOpt = "latest", cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.lanes.cleanup import cleanup_run
        from mimetic.project import open_project

        def action() -> Outcome:
            result, exit_code = cleanup_run(open_project(cwd), run)
            return Outcome(result.to_json(), exit_code=exit_code, human=print_cleanup)

        execute(json_wanted(json), action)
