"""`mimetic lab list|inspect|run`: named, reusable runs from YAML manifests."""

from __future__ import annotations

from typing import Annotated

import typer

from mimetic.cli._options import (
    ConcurrencyOpt, CountOpt, CwdOpt, DetachOpt, DryRunOpt, EnvFileOpt, JsonOpt, KeepOpt, LimitOpt, OpenOpt, PortOpt,
    RedactOpt, RepoOpt, ReposOpt, RunIdOpt, SimsOpt, SubstrateOpt, UnsandboxedOpt, integer,
)

LabArg = Annotated[str, typer.Argument(help="Lab id (see `mimetic lab list`) or a path to a .yaml file.")]


def print_lab_run(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    schema = data.get("schema", "")
    if schema == "mimetic.oss-meta-lab-result.v1":
        mode = "dry-run" if data["dryRun"] else "live"
        lines(f"mimetic lab oss {mode}{'' if data['ok'] else ' failed'}", f"run: {data['runId']}",
              f"verdict: {data['verdict']}", f"repos: {', '.join(data['repos'])}", f"bundle: {data['bundlePath']}")
        if data.get("observer"):
            lines(f"observer: {data['observer']['observerPath']}")
        lines(*(f"- {a['index'] + 1:02d} {a['repo']}: top-level desktop lane -> nested Mimetic Observer"
                for a in data["assignments"][:50]))
        if len(data["assignments"]) > 50:
            lines(f"... and {len(data['assignments']) - 50} more lanes")
        warnings_block(data.get("warnings", []))
        return
    if schema == "mimetic.oss-lab-result.v1":
        print_smoke(data)
        return
    from mimetic.cli.run import print_run

    print_run(data)


def print_smoke(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    sandbox = "removed" if data["cleanup"]["sandboxRemoved"] else data["sandboxPath"]
    lines(f"mimetic lab oss-smoke {'passed' if data['ok'] else 'failed'}", f"run: {data['runId']}",
          f"report: {data['reportMarkdownPath']}", f"sandbox: {sandbox}")
    for repo in data["repos"]:
        passed = sum(1 for step in repo["steps"] if step["ok"])
        lines(f"- {'ok' if repo['ok'] else 'fail'} {repo['repo']}: {passed}/{len(repo['steps'])} steps, "
              f"{len(repo['changedFiles'])} changed files in disposable clone")
    warnings_block(data.get("warnings", []))


RESULT_SCHEMAS = {"synthetic": "mimetic.run-result.v1", "oss-meta": "mimetic.oss-meta-lab-result.v1",
                  "oss-smoke": "mimetic.oss-lab-result.v1"}


def lab_error_base(cwd: str, lab_ref: str, dry_run: bool | None = None) -> dict:
    """A failed lab run answers in its kind's schema; a lab that does not resolve has none (as in 0.1.5)."""
    from mimetic.cli._output import resolved_cwd
    from mimetic.errors import MimeticError
    from mimetic.labs.catalog import resolve_lab
    from mimetic.project import open_project
    from mimetic.safety.slugs import DEFAULT_REPOS

    base = {"cwd": resolved_cwd(cwd), "lab": lab_ref, "warnings": []}
    try:
        lab = resolve_lab(open_project(cwd), lab_ref).lab
    except MimeticError:
        return base
    if lab.kind == "oss-meta":  # 0.1.5 keeps the meta-lab's planning fields, empty, in its failures
        dry = dry_run if dry_run is not None else bool(lab.defaults and lab.defaults.dry_run)
        base.update(assignments=[], sandboxes=[], dryRun=dry, liveRequested=not dry,
                    repos=list(lab.repos or DEFAULT_REPOS))
    schema = RESULT_SCHEMAS.get(lab.kind)  # other kinds answer with the generic envelope
    return {"schema": schema, **base} if schema else base


def run_lab_outcome(project, lab_ref: str, options, env_warnings: list[str]):
    """Shared by `lab run`, `run <lab>`: resolve, run, and shape the outcome."""
    from mimetic.cli._output import Outcome
    from mimetic.labs.catalog import resolve_lab
    from mimetic.labs.dispatch import run_lab

    outcome = run_lab(project, resolve_lab(project, lab_ref), options)
    outcome.result.warnings[:0] = env_warnings
    return Outcome(outcome.result.to_json(), exit_code=outcome.exit_code, human=print_lab_run)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="List, inspect and run lab manifests.", no_args_is_help=True)
    app.add_typer(group, name="lab")

    @group.command("list", help="List labs: committed mimetic/labs, ignored .mimetic/labs, local overlays, and bundled labs.")
    def list_(cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, lines, warnings_block
        from mimetic.contracts.results import LabListResult
        from mimetic.labs.catalog import list_labs
        from mimetic.project import open_project

        def show(data: dict) -> None:
            if not data["labs"]:
                lines(f"No Mimetic labs found in {data['cwd']}", "Add one under mimetic/labs/<id>.yaml.")
            else:
                from rich.table import Table

                from mimetic.cli._output import console

                table = Table("id", "kind", "origin", "path", "title", title="mimetic labs")
                for lab in data["labs"]:
                    table.add_row(lab["id"], lab["kind"], lab["origin"], lab["path"], lab.get("title") or "")
                console().print(table)
            warnings_block(data["warnings"])

        def action() -> Outcome:
            project = open_project(cwd)
            labs, warnings = list_labs(project)
            from mimetic.manifests import strict

            # A lab that does not load is a warning in 0.1.5; strict mode (CI) fails on it instead.
            failed = strict() and bool(warnings)
            result = LabListResult(ok=not failed, cwd=str(project.root), labs=labs, warnings=warnings)
            return Outcome(result.to_json(), exit_code=2 if failed else 0, human=show)

        execute(json_wanted(json), action)

    @group.command("inspect", help="Validate and show one lab manifest.")
    def inspect(lab: LabArg, cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, lines, resolved_cwd, warnings_block
        from mimetic.contracts.results import LabInspectResult
        from mimetic.labs.catalog import resolve_lab
        from mimetic.project import open_project

        def show(data: dict) -> None:
            m = data["manifest"]
            lines("mimetic lab", f"id: {m['id']}", f"kind: {m['kind']}", f"title: {m.get('title', '')}",
                  f"description: {m.get('description', '')}", f"path: {data['path']}", f"origin: {data['origin']}")
            for key in ("sims", "count", "limit", "substrate", "concurrency"):
                if key in m:
                    lines(f"{key}: {m[key]}")
            if m.get("repos"):
                lines(f"repos: {', '.join(m['repos'])}")
            warnings_block(data["warnings"])

        def action() -> Outcome:
            project = open_project(cwd)
            resolved = resolve_lab(project, lab)
            result = LabInspectResult(ok=True, cwd=str(project.root), lab=lab, manifest=resolved.lab.to_json(),
                                      origin=resolved.origin, path=resolved.display, warnings=list(resolved.warnings))
            return Outcome(result.to_json(), human=show)

        execute(json_wanted(json), action, lambda: {"schema": "mimetic.lab-inspect.v1", "cwd": resolved_cwd(cwd),
                                                    "lab": lab, "warnings": []})

    @group.command("preflight", help="Check a lab before any spend: manifests, repos or app URL, keys, models, cost ceiling (exit 1 when something is missing).")
    def preflight(
        lab: LabArg,
        app_url: Annotated[str | None, typer.Option("--app-url", help="A study's app URL, when the lab does not name one.")] = None,
        env_file: EnvFileOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._common import project_with_env
        from mimetic.cli._output import Outcome, execute, json_wanted, lines, warnings_block
        from mimetic.labs.catalog import resolve_lab

        def show(data: dict) -> None:
            ceiling = data["costCeilingUsd"]
            lines(f"mimetic lab preflight {data['lab']} {'ok' if data['ok'] else 'needs attention'}",
                  f"kind: {data['kind']}", f"lanes: {data['lanes']}",
                  f"cost ceiling: {'no USD cap' if ceiling is None else f'${ceiling:g}'}")
            lines(*(f"- {c['status']:<7} {c['kind']} {c['name']}: {c['message']}" for c in data["checks"]))
            warnings_block(data["warnings"])

        def action() -> Outcome:
            from mimetic.studies.preflight import preflight_lab

            project, env_warnings = project_with_env(cwd, env_file)
            result = preflight_lab(project, resolve_lab(project, lab), app_url=app_url)
            result.warnings[:0] = env_warnings
            return Outcome(result.to_json(), exit_code=0 if result.ok else 1, human=show)

        execute(json_wanted(json), action)

    @group.command("run", help="Run a lab: synthetic dry-run, the OSS meta-lab, or the OSS clone smoke.")
    def run(
        lab: LabArg,
        dry_run: DryRunOpt = None,
        sims: SimsOpt = None,
        count: CountOpt = None,
        limit: LimitOpt = None,
        repo: RepoOpt = None,
        repos: ReposOpt = None,
        redact_repos: RedactOpt = None,
        keep: KeepOpt = False,
        substrate: SubstrateOpt = None,
        unsandboxed: UnsandboxedOpt = False,
        concurrency: ConcurrencyOpt = None,
        open_: OpenOpt = None,
        detach: Annotated[bool, typer.Option("--detach", help="Accepted as in 0.1.5: `lab run` always exits when the lab ends (serve with `mimetic watch <lab>`).")] = False,
        port: PortOpt = "0",
        run_id: RunIdOpt = None,
        env_file: EnvFileOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._common import project_with_env
        from mimetic.cli._output import execute, json_wanted
        from mimetic.labs.dispatch import LabRunOptions

        json_mode = json_wanted(json)

        def action():
            from mimetic.observer.session import open_in_browser, wants_open
            from mimetic.observer.watch import validate_port

            validate_port(integer(port, "--port"))
            project, env_warnings = project_with_env(cwd, env_file)
            options = LabRunOptions(dry_run=dry_run, sims=integer(sims, "--sims"), count=integer(count, "--count"),
                                    limit=integer(limit, "--limit"), run_id=run_id, repo=list(repo or []),
                                    repos=repos, redact_repos=redact_repos, keep=keep, substrate=substrate,
                                    unsandboxed=unsandboxed, concurrency=integer(concurrency, "--concurrency"),
                                    json=json_mode)
            outcome = run_lab_outcome(project, lab, options, env_warnings)
            observer = outcome.data.get("observer")
            if isinstance(observer, dict) and wants_open(open_, json_mode=json_mode):
                observer["opened"] = open_in_browser(observer["observerUrl"])
            return outcome

        execute(json_mode, action, lambda: lab_error_base(cwd, lab, dry_run))

    watch_command = next(info.callback for info in app.registered_commands if info.name == "watch")

    @group.command("oss", hidden=True, help="0.1.5 alias: watch the OSS meta-lab (`--smoke`: run the OSS clone smoke).")
    def oss(
        smoke: Annotated[bool, typer.Option("--smoke", help="Run the disposable clone smoke lab instead.")] = False,
        dry_run: DryRunOpt = None, sims: SimsOpt = None, count: CountOpt = None, limit: LimitOpt = None,
        repo: RepoOpt = None, repos: ReposOpt = None, redact_repos: RedactOpt = None, keep: KeepOpt = False,
        substrate: SubstrateOpt = None, unsandboxed: UnsandboxedOpt = False, concurrency: ConcurrencyOpt = None,
        open_: OpenOpt = None, detach: DetachOpt = False, port: PortOpt = "0", run_id: RunIdOpt = None,
        env_file: EnvFileOpt = None, cwd: CwdOpt = ".", json: JsonOpt = False,
    ) -> None:
        if smoke:  # run() exits (typer.Exit) when done
            run(lab="oss-smoke", dry_run=dry_run, sims=sims, count=count, limit=limit, repo=repo, repos=repos,
                redact_repos=redact_repos, keep=keep, substrate=substrate, unsandboxed=unsandboxed,
                concurrency=concurrency, open_=open_, detach=detach, port=port, run_id=run_id, env_file=env_file,
                cwd=cwd, json=json)
        # 0.1.5's `lab oss` follows like `watch`, except for a dry-run
        watch_command(lab="oss", lab_option=None, run=None, sims=sims, dry_run=dry_run, count=count, limit=limit,
                      repo=repo, repos=repos, redact_repos=redact_repos, keep=keep, substrate=substrate,
                      unsandboxed=unsandboxed, concurrency=concurrency, run_id=run_id, open_=open_, detach=detach or dry_run is True,
                      port=port, follow_=False, env_file=env_file, cwd=cwd, json=json)

    @group.command("oss-smoke", hidden=True, help="0.1.5 alias of `mimetic lab run oss-smoke`.")
    def oss_smoke(
        limit: LimitOpt = None, sims: SimsOpt = None, repo: RepoOpt = None, repos: ReposOpt = None,
        keep: KeepOpt = False, run_id: RunIdOpt = None, env_file: EnvFileOpt = None, cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        run(lab="oss-smoke", dry_run=None, sims=sims, count=None, limit=limit, repo=repo, repos=repos,
            redact_repos=None, keep=keep, substrate=None, unsandboxed=False, concurrency=None, open_=None, detach=False, port="0",
            run_id=run_id, env_file=env_file, cwd=cwd, json=json)
