"""`mimetic review`: print a verified run's review."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt


def register(app: typer.Typer) -> None:
    @app.command("review", help="Print the review of a verified run.")
    def review(run: RunOpt = "latest", cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.bundle.verify import require_verified
        from mimetic.cli._output import Outcome, execute, json_wanted, lines
        from mimetic.contracts.results import ReviewResult
        from mimetic.project import open_project

        def show(data: dict) -> None:
            review = data["review"]
            lines(f"mimetic review {review['verdict']}", f"run: {data['runId']}", review["summary"])
            if data.get("study"):
                from mimetic.cli._study import study_lines

                lines(*study_lines(data["study"]))
            lines(*(f"- gap: {gap}" for gap in review.get("gaps", [])))

        def action() -> Outcome:
            store, bundle = require_verified(open_project(cwd), run)
            result = ReviewResult(run_id=bundle.run_id, path=f"{store.artifact_root}/review.json",
                                  review=bundle.review.to_json(),
                                  study=bundle.study.to_json() if bundle.study else None)
            return Outcome(result.to_json(), human=show)

        execute(json_wanted(json), action)
