"""`mimetic verify`: check a run bundle and its public-safety gates."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt


def print_verify(data: dict) -> None:
    from mimetic.cli._output import lines

    lines(f"mimetic verify {'passed' if data['ok'] else 'failed'}", f"run: {data['runId']}")
    lines(*(f"- {'ok' if c['ok'] else 'fail'} {c['name']}: {c['message']}" for c in data["checks"]))


def register(app: typer.Typer) -> None:
    @app.command("verify", help="Verify a run bundle: schema, review files, evidence, containment and the public-safety scan.")
    def verify(run: RunOpt = "latest", cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.bundle.verify import verify_run
        from mimetic.cli._output import Outcome, execute, json_wanted, resolved_cwd
        from mimetic.project import open_project

        def action() -> Outcome:
            result = verify_run(open_project(cwd), run)
            return Outcome(result.to_json(), exit_code=0 if result.ok else 2, human=print_verify)

        execute(json_wanted(json), action, lambda: {"schema": "mimetic.verify-result.v1", "cwd": resolved_cwd(cwd), "run": run, "checks": []})
