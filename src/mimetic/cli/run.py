"""`mimetic run`: a dry-run contract bundle, a browser proof against a loopback app, or a lab."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, EnvFileOpt, JsonOpt, RunIdOpt, SimsOpt


def print_run(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    title = "mimetic run " + data.get("mode", "?") + ("" if data.get("ok") else " failed")
    lines(title, f"run: {data['runId']}", f"sims: {data['simCount']}", f"verdict: {data['verdict']}",
          f"bundle: {data['bundlePath']}", f"review: {data['reviewPath']}")
    if data.get("error"):  # why a finished run did not pass (for example the browser proof's first failure)
        lines(f"{data['error']['code']}: {data['error']['message']}", stderr=True)
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("run", help="Write a dry-run bundle (--dry-run), prove a loopback app in Chromium (--app-url), or run a lab.")
    def run(
        lab: Annotated[Optional[str], typer.Argument(help="Lab id or path (same as `mimetic lab run`).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Write synthetic contract evidence only.")] = False,
        app_url: Annotated[Optional[str], typer.Option("--app-url", help="Loopback URL of the app to prove, e.g. http://127.0.0.1:5173.")] = None,
        actor: Annotated[Optional[str], typer.Option("--actor", help="Actor that uses the app: openai-cua (a study also takes scripted).")] = None,
        study: Annotated[Optional[str], typer.Option("--study", help="Run a study: a lab of kind study, or a scenario with tasks (personas x tasks, k/n reached).")] = None,
        require: Annotated[Optional[float], typer.Option("--require", help="With --study: exit 1 when a required task's success rate is below this (0-1).")] = None,
        sims: SimsOpt = None,
        timeout_ms: Annotated[int, typer.Option("--timeout-ms", help="Per-viewport budget in milliseconds: page loads and steps share it (a cold dev server's first compile included).", min=1, max=600000)] = 240000,
        run_id: RunIdOpt = None,
        env_file: EnvFileOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._common import project_with_env
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.errors import MimeticError

        json_mode = json_wanted(json)

        def action() -> Outcome:
            project, env_warnings = project_with_env(cwd, env_file)
            if lab is not None:
                if app_url or actor or study or require is not None:
                    raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT",
                                       "A lab run takes no --app-url, --actor, --study or --require; the lab decides.")
                from mimetic.cli.lab import run_lab_outcome
                from mimetic.labs.dispatch import LabRunOptions

                return run_lab_outcome(project, lab, LabRunOptions(dry_run=dry_run or None, sims=sims, run_id=run_id,
                                                                   json=json_mode), env_warnings)
            if study is not None or app_url is not None:
                if dry_run:
                    raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--app-url and --study run live; drop --dry-run.")
                if study is not None:
                    from mimetic.studies.study import run_study

                    result, exit_code = run_study(project, study, app_url=app_url, actor=actor, run_id=run_id,
                                                  require=require)
                else:
                    from mimetic.browser.proof import run_app_url

                    if require is not None:
                        raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--require only applies to --study.")
                    result, exit_code = run_app_url(project, app_url, sims=sims, run_id=run_id, timeout_ms=timeout_ms,
                                                    actor=actor)
                result.warnings[:0] = env_warnings
                return Outcome(result.to_json(), exit_code=exit_code, human=print_run)
            if require is not None:
                raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--require only applies to --study.")
            if actor is not None:
                raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--actor needs --app-url (the app it should use).")
            if not dry_run:
                raise MimeticError(
                    "MIMETIC_LIVE_RUN_UNIMPLEMENTED",
                    "mimetic run needs --dry-run, --app-url <loopback URL>, or a lab (mimetic run <lab>). Nothing was written.",
                )
            from mimetic.labs.synthetic import run_synthetic

            _, _, result = run_synthetic(project, sims=sims, run_id=run_id, default_sims=1)
            result.warnings[:0] = env_warnings
            return Outcome(result.to_json(), human=print_run)

        execute(json_mode, action)
