"""`mimetic lane …`: hidden internal commands the lane bootstrap calls inside a lane, and the live lane table.

The bootstrap is bash; these give it the Python models: plan how to start the app, wait for it on
loopback, and write completion.json + setup-quality.json from its EXIT trap.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import JsonOpt


class LaneTable:
    """Human mode: a rich live table of lanes on stderr (never on stdout, which --json owns).

    The board reports the rows that changed. Up to `WINDOW` lanes every row is shown; above that, a
    bounded window (the running lanes, then the most recently changed ones) and the totals per status,
    so a redraw costs the same at 10,000 lanes as at 40."""

    WINDOW = 40
    ACTIVE = frozenset({"preparing", "running"})

    def __init__(self) -> None:
        self._live = None
        self._rows: dict[str, dict] = {}  # by sim id, in lane order
        self._changed: dict[str, None] = {}  # sim ids, least recently changed first (at most WINDOW)
        self._active: dict[str, None] = {}  # sim ids of running lanes
        self._counts: dict[str, int] = {}  # lanes per status

    def __enter__(self) -> LaneTable:
        from rich.live import Live

        from mimetic.cli._output import console

        self._live = Live(console=console(stderr=True), refresh_per_second=4, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def __call__(self, rows: list[dict]) -> None:
        for row in rows:
            sim_id, status = row["sim_id"], row["status"]
            old = self._rows.get(sim_id)
            if old is not None:
                self._counts[old["status"]] -= 1
            self._counts[status] = self._counts.get(status, 0) + 1
            self._rows[sim_id] = row
            self._changed.pop(sim_id, None)
            self._changed[sim_id] = None
            if status in self.ACTIVE:
                self._active[sim_id] = None
            else:
                self._active.pop(sim_id, None)
        while len(self._changed) > self.WINDOW:
            del self._changed[next(iter(self._changed))]
        if self._live is not None:
            self._live.update(self.table())

    def window(self) -> list[dict]:
        """The rows shown: all of them up to WINDOW lanes, else running lanes first, then recent changes."""
        if len(self._rows) <= self.WINDOW:
            return list(self._rows.values())
        shown = dict.fromkeys(list(self._active)[: self.WINDOW])
        for sim_id in reversed(self._changed):
            if len(shown) >= self.WINDOW:
                break
            shown[sim_id] = None
        return [self._rows[sim_id] for sim_id in shown]

    def totals(self) -> str:
        counts = sorted((status, count) for status, count in self._counts.items() if count)
        return f"{len(self._rows)} lanes: " + ", ".join(f"{count} {status}" for status, count in counts)

    def table(self):
        from rich.table import Table

        rows = self.window()
        caption = self.totals() + ("" if len(rows) == len(self._rows) else f" (showing {len(rows)}: running and recently changed)")
        table = Table("lane", "repo", "status", "progress", "step", title="mimetic lanes", caption=caption)
        for row in rows:
            table.add_row(row["sim_id"], row["label"], row["status"], f"{row['progress']}%", row["step"][:80])
        return table


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Internal: steps the lane bootstrap runs inside a lane.", no_args_is_help=True)
    app.add_typer(group, name="lane", hidden=True)

    @group.command("plan-app", help="Print how to install and start the app in --cwd (bash assignments, or --json).")
    def plan_app(
        cwd: Annotated[str, typer.Option("--cwd", help="The cloned repo.")] = ".",
        port: Annotated[Optional[int], typer.Option("--port", min=1, max=65535, help="Port to start the app on.")] = None,
        host: Annotated[str, typer.Option("--host", help="Address the app listens on.")] = "127.0.0.1",
        disposable: Annotated[bool, typer.Option("--disposable", help="The lane is a throwaway sandbox.")] = False,
        registry: Annotated[Optional[str], typer.Option("--registry", help="The npm registry installs use.")] = None,
        json: JsonOpt = False,
    ) -> None:
        from pathlib import Path

        from mimetic.lanes.app_plan import plan_app as plan, shell_assignments
        from mimetic.lanes.toolchain import host_node_version

        result = plan(Path(cwd), port=port, host=host, disposable=disposable, host_node=host_node_version(),
                      registry=registry or None)
        if json:
            from mimetic.cli._output import print_json

            print_json(result.to_json())
        else:
            typer.echo(shell_assignments(result), nl=False)

    @group.command("probe", help="Wait until the app answers on localhost/127.0.0.1/[::1]; print its URL.")
    def probe(
        port: Annotated[list[int], typer.Option("--port", min=1, max=65535, help="Candidate port (repeatable).")],
        timeout: Annotated[float, typer.Option("--timeout", min=0, help="Seconds to wait.")] = 120,
        pid: Annotated[Optional[int], typer.Option("--pid", help="Stop waiting if this process exits.")] = None,
        json: JsonOpt = False,
    ) -> None:
        from mimetic.lanes.probe import wait_ready

        url, reason = wait_ready(port, timeout_s=timeout, pid=pid)
        if json:
            from mimetic.cli._output import print_json

            print_json({"ok": url is not None, "url": url, "reason": reason})
        else:
            typer.echo(url or reason)
        raise typer.Exit(0 if url else 1)

    @group.command("node", help="Fetch the Node release the repo asks for into the lane's cache; print its bin dir.")
    def node(
        spec: Annotated[str, typer.Option("--spec", help="The version range the repo asks for.")],
        source: Annotated[str, typer.Option("--source", help="Where it asks (engines.node, .nvmrc, ...).")] = "engines.node",
        pinned: Annotated[bool, typer.Option("--pinned", help="A version file's pin: the same major satisfies it.")] = False,
        cache: Annotated[str, typer.Option("--cache", help="The lane's own per-version cache (writable).")] = ".",
        shared: Annotated[Optional[list[str]], typer.Option("--shared", help="A read-only cache to look in first.")] = None,
    ) -> None:
        from pathlib import Path

        from mimetic.lanes.node_version import NodeRequirement
        from mimetic.lanes.toolchain import ToolchainError, provision_node

        try:
            bin_dir, release = provision_node(NodeRequirement(spec, source, pinned), cache=Path(cache),
                                              shared=[Path(p) for p in shared or []])
        except ToolchainError as exc:
            typer.echo(f"Could not fetch the Node {source} asks for ({spec}): {exc}")
            raise typer.Exit(1) from None
        typer.echo(str(bin_dir))

    @group.command("complete", help="Write completion.json and setup-quality.json for the lane at --root.")
    def complete(
        root: Annotated[str, typer.Option("--root", help="The lane root.")],
        exit_code: Annotated[int, typer.Option("--exit-code", help="The bootstrap's exit code.")] = 0,
        json: JsonOpt = False,
    ) -> None:
        from pathlib import Path

        from mimetic.lanes.completion import write_completion

        completion = write_completion(Path(root), exit_code)
        if json:
            from mimetic.cli._output import print_json

            print_json(completion.to_json())
        else:
            typer.echo(f"lane {completion.status}: {completion.reason}")

    @group.command("serve", help="Run the lane's nested steps in this one process: requests on the FIFOs in --folder.")
    def serve(
        folder: Annotated[str, typer.Option("--folder", help="The folder of the requests and answers FIFOs.")],
        parent: Annotated[int, typer.Option("--parent", help="The bootstrap's pid: the server ends with it.")],
    ) -> None:
        from pathlib import Path

        from mimetic.cli import run_in_process
        from mimetic.interrupts import commands_in_turn
        from mimetic.lanes.server import serve as serve_steps

        with commands_in_turn():
            serve_steps(Path(folder), run_in_process, parent=parent)

    @group.command("setup-actor", help="Run the setup actor (a coding agent that adopts mimetic for the app) in the lane at --root.")
    def setup_actor(
        root: Annotated[str, typer.Option("--root", help="The lane root.")],
    ) -> None:
        import shlex
        import sys
        from pathlib import Path

        from mimetic.lanes.setup_actor import run_setup_actor

        status = run_setup_actor(Path(root), mimetic=shlex.join([sys.executable, "-m", "mimetic"]))
        typer.echo(f"setup actor: {status}")
