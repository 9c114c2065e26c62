"""`mimetic watch [lab]`: render a run's Observer and watch it live on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import (
    ConcurrencyOpt, CountOpt, CwdOpt, DetachOpt, DryRunOpt, EnvFileOpt, JsonOpt, KeepOpt, LimitOpt, OpenOpt,
    RedactOpt, RepoOpt, ReposOpt, RunIdOpt, SimsOpt, SubstrateOpt, UnsandboxedOpt,
)

# Validated by the domain (MIMETIC_INVALID_PORT) rather than by click, so the error has mimetic's shape.
ServePortOpt = Annotated[int, typer.Option("--port", help="Loopback port for the Observer server (0 = ephemeral).")]


def print_observer(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    lines("mimetic observer rendered", f"run: {data['runId']}", f"verdict: {data['verdict']}",
          f"lanes: {data['streamCount']}", f"observer: {data['observerPath']}", f"url: {data['observerUrl']}",
          f"opened: {'yes' if data['opened'] else 'no'}", f"bundle: {data['bundlePath']}")
    warnings_block(data.get("warnings", []))


def follow(server, *, stopped: str = "watch stopped") -> None:
    """Print the attached hint, serve until Ctrl-C, then say it stopped (exit code unchanged)."""
    from mimetic.cli._output import lines
    from mimetic.observer.session import serve_until_interrupted

    lines(f"watching: {server.observer_url}", "watching: press Ctrl-C to stop")
    serve_until_interrupted(server, on_stop=lambda: lines(stopped))


def register(app: typer.Typer) -> None:
    @app.command("watch", help="Render a run's Observer and serve it live on 127.0.0.1 (default: a fresh 4-lane dry-run).")
    def watch(
        lab: Annotated[Optional[str], typer.Argument(help="Lab id or .yaml path to run and watch.")] = None,
        lab_option: Annotated[Optional[str], typer.Option("--lab", help="Lab id or .yaml path (same as the argument).")] = None,
        run: Annotated[Optional[str], typer.Option("--run", help="Watch an existing run (id or 'latest') instead of making one.")] = None,
        sims: SimsOpt = None,
        dry_run: DryRunOpt = None,
        count: CountOpt = None,
        limit: LimitOpt = None,
        repo: RepoOpt = None,
        repos: ReposOpt = None,
        redact_repos: RedactOpt = None,
        keep: KeepOpt = False,
        substrate: SubstrateOpt = None,
        unsandboxed: UnsandboxedOpt = False,
        concurrency: ConcurrencyOpt = None,
        run_id: RunIdOpt = None,
        open_: OpenOpt = None,
        detach: DetachOpt = False,
        port: ServePortOpt = 0,
        follow_: Annotated[bool, typer.Option("--follow", hidden=True, help="Deprecated: following is the default.")] = False,
        env_file: EnvFileOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._common import project_with_env
        from mimetic.cli._output import Outcome, execute, json_wanted, lines
        from mimetic.errors import EXIT_INTERRUPTED

        json_mode = json_wanted(json)
        attached = not json_mode and not detach

        def action() -> Outcome:
            from mimetic.labs.dispatch import LabRunOptions
            from mimetic.observer.session import open_in_browser, wants_open
            from mimetic.observer.watch import WatchRequest, run_watch, validate_request

            options = LabRunOptions(dry_run=dry_run, sims=sims, count=count, limit=limit, run_id=run_id,
                                    repo=list(repo or []), repos=repos, redact_repos=redact_repos, keep=keep,
                                    substrate=substrate, unsandboxed=unsandboxed, concurrency=concurrency,
                                    json=json_mode)
            request = WatchRequest(lab=lab, lab_option=lab_option, run=run, port=port, options=options)
            validate_request(request)  # before --env-file or any write
            project, env_warnings = project_with_env(cwd, env_file)
            opened = False

            def serving(url: str) -> None:
                nonlocal opened
                if request.lab_ref:  # the lab is about to run: show where its lanes will appear
                    lines(f"serving: {url} (lanes appear as the lab writes them)")
                opened = wants_open(open_, json_mode=False) and open_in_browser(url)

            outcome = run_watch(project, request, follow=attached, on_serving=serving)
            result = outcome.result
            result.warnings[:0] = env_warnings
            if not attached and wants_open(open_, json_mode=json_mode):
                opened = open_in_browser(result.observer_url)
            result.opened = opened

            def show(data: dict) -> None:
                print_observer(data)
                if outcome.server is None:
                    return
                if outcome.interrupted:
                    outcome.server.stop()
                    lines("watch stopped")
                    return
                follow(outcome.server)

            # Attached, the operator's Ctrl-C ends a successful watch (exit 0) whatever the lab's verdict,
            # which the page and the printed result already show; a lab interrupted mid-run stays 130.
            exit_code = (EXIT_INTERRUPTED if outcome.interrupted else 0) if attached else outcome.exit_code
            return Outcome(result.to_json(), exit_code=exit_code, human=show)

        execute(json_mode, action)
