"""`mimetic feedback list|draft|verify|issue|issue-url|export`: evidence -> candidates -> public-safe issue drafts.

Drafts, Markdown and URLs only: nothing is ever posted to GitHub and no token is read.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt

CandidateOpt = Annotated[Optional[str], typer.Option("--candidate", help="Candidate id (see `mimetic feedback list`); default: the strongest.")]
IssueRepoOpt = Annotated[str, typer.Option("--repo", help="GitHub owner/repo the issue is meant for (nothing is posted).")]
FormatOpt = Annotated[str, typer.Option("--format", help="Issue format; only markdown is supported.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace a draft (or export folder) that already holds something else.")]


def print_list(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    lines("mimetic feedback ready", f"run: {data['runId']} ({data['mode']})")
    if not data["candidates"]:
        lines("candidates: none (draft falls back to the dry-run contract-proof follow-up)")
    for entry in data["candidates"]:
        c = entry["candidate"]
        verdict = "passes verify" if entry["usable"] else "fails verify: " + "; ".join(entry["problems"])
        lines(f"{entry['rank']}. {c['id']} [{c['failure_owner']}, {c['severity']}, next {c['proposed_next_state']}; "
              f"{verdict}]", f"   {c['summary']}")
    lines(*([f"draft: {d['path']} ({d['idempotencyKey']})" for d in data["drafts"]] or ["drafts: none"]))
    warnings_block(data["warnings"])


def print_draft(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    draft = data["draft"]
    source = "dry-run contract-proof fallback" if data["fallback"] else f"candidate {data['candidateId']}"
    title = "mimetic feedback ready" if data["command"] == "draft" else "mimetic feedback verified"
    lines(title, f"run: {data['runId']}", f"draft: {data['draftPath']}", f"from: {source}",
          f"owner: {draft['failure_owner']} ({draft['severity']})", f"summary: {draft['summary']}")
    warnings_block(data["warnings"])


def _run(json: bool, action, cwd: str, run: str) -> None:
    from mimetic.cli._output import execute, json_wanted, resolved_cwd

    execute(json_wanted(json), action,
            lambda: {"schema": "mimetic.feedback-result.v1", "cwd": resolved_cwd(cwd), "run": run})


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Turn a run's evidence into public-safe issue drafts (never posted).", no_args_is_help=True)
    app.add_typer(group, name="feedback")

    @group.command("list", help="List the run's feedback candidates (ranked) and existing drafts.")
    def list_(run: RunOpt = "latest", cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome
        from mimetic.feedback.workflow import list_feedback
        from mimetic.project import open_project

        _run(json, lambda: Outcome(list_feedback(open_project(cwd), run).to_json(), human=print_list), cwd, run)

    @group.command("draft", help="Write feedback/<candidate-id>/draft.json from the strongest candidate (or --candidate, or the dry-run fallback).")
    def draft(run: RunOpt = "latest", candidate: CandidateOpt = None, force: ForceOpt = False, cwd: CwdOpt = ".",
              json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome
        from mimetic.feedback.workflow import draft_feedback
        from mimetic.project import open_project

        _run(json, lambda: Outcome(draft_feedback(open_project(cwd), run, candidate, force).to_json(), human=print_draft), cwd, run)

    @group.command("verify", help="Check a draft: evidence inside the run, redaction scan, no dry-run product claims, required fields.")
    def verify(run: RunOpt = "latest", candidate: CandidateOpt = None, force: ForceOpt = False, cwd: CwdOpt = ".",
               json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome
        from mimetic.feedback.workflow import verify_feedback
        from mimetic.project import open_project

        _run(json, lambda: Outcome(verify_feedback(open_project(cwd), run, candidate, force).to_json(), human=print_draft), cwd, run)

    @group.command("issue", help="Verify, then write feedback/<candidate-id>/issue.md and print it (nothing is posted); --all: one per usable candidate.")
    def issue(repo: IssueRepoOpt, fmt: FormatOpt = "markdown", run: RunOpt = "latest", candidate: CandidateOpt = None,
              all_: Annotated[bool, typer.Option("--all", help="Write a draft and issue.md for every usable candidate.")] = False,
              force: ForceOpt = False, cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome
        from mimetic.errors import MimeticError
        from mimetic.feedback.workflow import issue_all_feedback, issue_feedback
        from mimetic.project import open_project

        def show(data: dict) -> None:
            from mimetic.cli._output import console, lines

            if data.get("issueMarkdown"):
                console().print(data["issueMarkdown"], markup=False, end="")
            lines(*(f"{entry['issuePath']}: {entry['summary']}" for entry in data.get("drafts") or []))

        def action() -> Outcome:
            if all_ and candidate:
                raise MimeticError("MIMETIC_FEEDBACK_OPTION_CONFLICT", "Pass --all or --candidate, not both.")
            project = open_project(cwd)
            result = issue_all_feedback(project, run, repo, fmt, force) if all_ else \
                issue_feedback(project, run, candidate, repo, fmt, force)
            return Outcome(result.to_json(), human=show)

        _run(json, action, cwd, run)

    @group.command("issue-url", help="Verify, write feedback/<candidate-id>/issue.md, and print a prefilled GitHub new-issue URL.")
    def issue_url(repo: IssueRepoOpt, run: RunOpt = "latest", candidate: CandidateOpt = None, force: ForceOpt = False,
                  cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome
        from mimetic.feedback.workflow import issue_url_feedback
        from mimetic.project import open_project

        def show(data: dict) -> None:
            from mimetic.cli._output import lines

            lines(data["issueUrl"])

        _run(json, lambda: Outcome(issue_url_feedback(open_project(cwd), run, candidate, repo, force).to_json(), human=show), cwd, run)

    @group.command("export", help="Verify, then copy the draft and only its redacted evidence files into a small folder a person may attach.")
    def export(run: RunOpt = "latest", candidate: CandidateOpt = None,
               out: Annotated[Optional[str], typer.Option("--out", help="Folder to write (default .mimetic/exports/feedback-<run>-<candidate>).")] = None,
               force: ForceOpt = False, cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, lines, warnings_block
        from mimetic.feedback.workflow import export_feedback
        from mimetic.project import open_project

        def show(data: dict) -> None:
            lines("mimetic feedback exported", f"folder: {data['exportPath']}", *(f"  {f}" for f in data["exported"]))
            warnings_block(data["warnings"])

        _run(json, lambda: Outcome(export_feedback(open_project(cwd), run, candidate, out, force).to_json(), human=show), cwd, run)
