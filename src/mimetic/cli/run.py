"""`mimetic run`: a dry-run contract bundle, a browser proof against a loopback app, or a lab."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, EnvFileOpt, JsonOpt, RunIdOpt, SimsOpt, integer

DEFAULT_TIMEOUT_MS = 240000


def print_run(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    title = "mimetic run " + data.get("mode", "?") + ("" if data.get("ok") else " failed")
    lines(title, f"run: {data['runId']}", f"sims: {data['simCount']}", f"verdict: {data['verdict']}",
          f"bundle: {data['bundlePath']}", f"review: {data['reviewPath']}")
    for surface in data.get("surfaces", []):
        where = f" at step {surface['failedStep']}" if surface.get("failedStep") else ""
        lines(f"{surface['surface']}: {surface['status']}{where} - {surface['reason']} (actor: {surface['actor']})")
    if data.get("error"):  # why a finished run did not pass (for example the browser proof's first failure)
        lines(f"{data['error']['code']}: {data['error']['message']}", stderr=True)
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("run", help="Write a dry-run bundle (--dry-run), prove a loopback app in Chromium (--app-url), or run a lab.")
    def run(
        lab: Annotated[Optional[str], typer.Argument(help="Lab id or path (same as `mimetic lab run`).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Write synthetic contract evidence only.")] = False,
        app_url: Annotated[Optional[str], typer.Option("--app-url", help="Loopback URL of the app to prove, e.g. http://127.0.0.1:5173.")] = None,
        actor: Annotated[Optional[str], typer.Option("--actor", help="Actor that uses the app: explore (keyless, seeded), openai-cua, anthropic, openai-compatible, or auto (openai-cua with a model key, else explore); a study also takes scripted. Local Codex actors (your own Codex login, in the terminal): codex-exec (several lanes) or codex-tui (one).")] = None,
        persona: Annotated[Optional[str], typer.Option("--persona", help="Persona id (mimetic/personas/<id>.yaml) the actor plays.")] = None,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the explorer's walk (--actor explore): same seed and app state, same findings.", min=0)] = 0,
        scenario: Annotated[Optional[str], typer.Option("--scenario", help="With --app-url: run only this mode: browser scenario id (default: every one, in filename order).")] = None,
        study: Annotated[Optional[str], typer.Option("--study", help="Run a study: a lab of kind study, or a scenario with tasks (personas x tasks, k/n reached).")] = None,
        require: Annotated[Optional[float], typer.Option("--require", help="With --study: exit 1 when a required task's success rate is below this (0-1).")] = None,
        sims: SimsOpt = None,
        timeout_ms: Annotated[Optional[str], typer.Option("--timeout-ms", help="Per-viewport budget in milliseconds (1..600000, default 240000): page loads and steps share it (a cold dev server's first compile included). A local Codex actor's wall time (default MIMETIC_CODEX_ACTOR_TIMEOUT_MS, else 240000).", metavar="MS")] = None,
        run_id: RunIdOpt = None,
        env_file: EnvFileOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        import os

        from mimetic.cli._common import project_with_env
        from mimetic.cli._output import Outcome, execute, json_wanted, resolved_cwd
        from mimetic.cli.lab import lab_error_base
        from mimetic.errors import MimeticError

        json_mode = json_wanted(json)

        def action() -> Outcome:
            sims_n, timeout_flag = integer(sims, "--sims"), integer(timeout_ms, "--timeout-ms")
            timeout = DEFAULT_TIMEOUT_MS if timeout_flag is None else timeout_flag
            if sims_n is not None and sims_n < 1:
                raise MimeticError("MIMETIC_INVALID_SIM_COUNT", f"--sims must be a positive integer, got {sims_n}.")
            if not 1 <= timeout <= 600000:
                raise MimeticError("MIMETIC_INVALID_TIMEOUT", f"--timeout-ms must be between 1 and 600000, got {timeout}.")
            project, env_warnings = project_with_env(cwd, env_file)
            if lab is not None:
                if app_url or actor or persona or scenario or study or require is not None:
                    raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT",
                                       "A lab run takes no --app-url, --actor, --persona, --scenario, --study or --require; the lab decides.")
                from mimetic.cli.lab import run_lab_outcome
                from mimetic.labs.dispatch import LabRunOptions

                return run_lab_outcome(project, lab, LabRunOptions(dry_run=dry_run or None, sims=sims_n, run_id=run_id,
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
                    from mimetic.explorer.choice import resolve_actor
                    from mimetic.labs import local_codex

                    if require is not None:
                        raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--require only applies to --study.")
                    codex = actor if actor in local_codex.LOCAL_CODEX_KINDS else None
                    if codex:  # 0.1.5: the --app-url proof runs; here a Codex lane then reviews the running app
                        local_codex.check_beside_proof(project, codex, timeout_flag)
                    result, exit_code = run_app_url(project, app_url, sims=sims_n, run_id=run_id, timeout_ms=timeout,
                                                    actor=None if codex else resolve_actor(actor), persona=persona,
                                                    seed=seed, scenario=scenario)
                    if codex:
                        local_codex.add_to_proof(project, result, codex, app_url, timeout_flag)
                result.warnings[:0] = env_warnings
                return Outcome(result.to_json(), exit_code=exit_code, human=print_run)
            if require is not None:
                raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--require only applies to --study.")
            if scenario is not None:
                raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--scenario needs --app-url (the app it should use).")
            codex, codex_kinds = None, ()
            if not dry_run or actor is not None:  # a plain dry run starts no Codex actor: it skips their imports
                from mimetic.labs.local_codex import LOCAL_CODEX_KINDS as codex_kinds, requested_kind

                codex = requested_kind(actor, dry_run, os.environ)
            if codex is not None:
                from mimetic.labs.local_codex import run_local_codex

                result, exit_code = run_local_codex(project, codex, sims=sims_n, run_id=run_id, timeout_ms=timeout_flag)
                result.warnings[:0] = env_warnings
                return Outcome(result.to_json(), exit_code=exit_code, human=print_run)
            if actor in ("openai-cua", "explore", "auto") or persona is not None:
                raise MimeticError("MIMETIC_APP_URL_OPTION_CONFLICT", "--actor and --persona need --app-url (the app to use).")
            if actor is not None and actor not in codex_kinds:  # with --dry-run a Codex actor waits (0.1.5)
                raise MimeticError("MIMETIC_UNSUPPORTED_ACTOR", f"--actor {actor} is not an actor here (use openai-cua or explore).")
            if not dry_run:
                raise MimeticError(
                    "MIMETIC_LIVE_RUN_UNIMPLEMENTED",
                    "mimetic run needs --dry-run, --app-url <loopback URL>, or a lab (mimetic run <lab>). Nothing was written.",
                )
            from mimetic.labs.synthetic import run_synthetic

            _, _, result = run_synthetic(project, sims=sims_n, run_id=run_id, default_sims=1)
            result.warnings[:0] = env_warnings
            return Outcome(result.to_json(), human=print_run)

        execute(json_mode, action, lambda: lab_error_base(cwd, lab, dry_run or None) if lab else
                {"schema": "mimetic.run-result.v1", "cwd": resolved_cwd(cwd), "warnings": []})
