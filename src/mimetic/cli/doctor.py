"""`mimetic doctor`: the setup checks (manifests included), plus what this machine can run (informational)."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


def print_doctor(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    lines(f"mimetic doctor {'ok' if data['ok'] else 'needs setup'}", f"cwd: {data['cwd']}")
    lines(*(f"- {'ok' if c['ok'] else 'missing'} {c['name']}: {c['message']}" for c in data["checks"]))
    lines("environment (informational):")
    lines(*(f"- {'found' if e['present'] else 'absent'} {e['name']}: {e['message']}" for e in data["environment"]))
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("doctor", help="Check the project setup (exit 1 when something is missing) and report available keys and browser.")
    def doctor(cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.doctor import run_doctor

        def action() -> Outcome:
            result = run_doctor(cwd)
            return Outcome(result.to_json(), exit_code=0 if result.ok else 1, human=print_doctor)

        execute(json_wanted(json), action)
