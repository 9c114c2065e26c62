"""`mimetic review`: print a verified run's review."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt


def register(app: typer.Typer) -> None:
    @app.command("review", help="Print the review of a verified run.")
    def review(run: RunOpt = "latest", cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.bundle.verify import require_verified
        from mimetic.cli._output import Outcome, execute, json_wanted, lines, resolved_cwd
        from mimetic.contracts.results import ReviewResult
        from mimetic.project import open_project

        def show(data: dict) -> None:
            lines(f"mimetic review {data['verdict']}", f"run: {data['runId']}", data["summary"])
            if data.get("study"):
                from mimetic.cli._study import study_lines

                lines(*study_lines(data["study"]))
            lines(*(f"- gap: {gap}" for gap in data.get("gaps", [])))

        def action() -> Outcome:
            store, bundle = require_verified(open_project(cwd), run)
            review = bundle.review
            result = ReviewResult(verdict=review.verdict, summary=review.summary, gaps=review.gaps,
                                  run_id=bundle.run_id, path=f"{store.artifact_root}/review.json",
                                  study=bundle.study.to_json() if bundle.study else None)
            return Outcome(result.to_json(), human=show)

        # 0.1.5 answers a review it cannot verify with the verify result
        execute(json_wanted(json), action, lambda: {"schema": "mimetic.verify-result.v1", "cwd": resolved_cwd(cwd), "run": run, "checks": []})
