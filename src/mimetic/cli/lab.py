"""`mimetic lab list|inspect|run`: named, reusable runs from YAML manifests."""

from __future__ import annotations

from typing import Annotated

import typer

from mimetic.cli._options import (
    ConcurrencyOpt, CountOpt, CwdOpt, DryRunOpt, EnvFileOpt, JsonOpt, KeepOpt, LimitOpt, RedactOpt, RepoOpt,
    ReposOpt, RunIdOpt, SimsOpt, SubstrateOpt, UnsandboxedOpt,
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
            lines(f"observer: {data['observer']}")
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
            return Outcome(LabListResult(cwd=str(project.root), labs=labs, warnings=warnings).to_json(), human=show)

        execute(json_wanted(json), action)

    @group.command("inspect", help="Validate and show one lab manifest.")
    def inspect(lab: LabArg, cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, lines, warnings_block
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

        execute(json_wanted(json), action)

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
        open_: Annotated[bool, typer.Option("--open/--no-open", help="Accepted for compatibility; `lab run` never opens a browser (use `mimetic watch <lab>`).")] = False,
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
            project, env_warnings = project_with_env(cwd, env_file)
            options = LabRunOptions(dry_run=dry_run, sims=sims, count=count, limit=limit, run_id=run_id,
                                    repo=list(repo or []), repos=repos, redact_repos=redact_repos, keep=keep,
                                    substrate=substrate, unsandboxed=unsandboxed, concurrency=concurrency,
                                    json=json_mode)
            return run_lab_outcome(project, lab, options, env_warnings)

        execute(json_mode, action)
