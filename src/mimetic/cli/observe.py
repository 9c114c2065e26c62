"""`mimetic observe`: serve a finished run's Observer on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, OpenOpt, PortOpt, RunOpt, integer


def register(app: typer.Typer) -> None:
    @app.command("observe", help="Serve a finished run's Observer on 127.0.0.1 until Ctrl-C (--json prints the URLs first).")
    def observe(
        run: RunOpt = "latest",
        port: PortOpt = "0",
        open_: OpenOpt = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, resolved_cwd
        from mimetic.cli.watch import follow, issued, print_observer

        json_mode = json_wanted(json)
        served = []

        def action() -> Outcome:
            from mimetic.observer.render import observe_run
            from mimetic.observer.server import ObserverServer
            from mimetic.observer.session import open_in_browser, wants_open
            from mimetic.observer.watch import validate_port
            from mimetic.project import open_project

            port_number = validate_port(integer(port, "--port"))
            store, result = observe_run(open_project(cwd), run)
            server = ObserverServer(store.project, store.run_id, port=port_number)
            server.start()
            served.append(server)
            result.server_url, result.observer_url, result.access_token = server.url, server.observer_url, server.token
            result.opened = wants_open(open_, json_mode=json_mode) and open_in_browser(server.observer_url)

            def show(data: dict) -> None:
                print_observer(data)
                follow(server, stopped="observe stopped")

            return Outcome(result.to_json(), human=show, issued=issued(result))

        try:
            execute(json_mode, action, lambda: {"schema": "mimetic.observer-result.v1", "cwd": resolved_cwd(cwd),
                                                "run": run, "warnings": []})
        except typer.Exit as done:
            # JSON mode printed its one document (with the server URL); now stay attached like human mode.
            if json_mode and served and done.exit_code == 0:
                from mimetic.observer.session import serve_until_interrupted

                serve_until_interrupted(served[0])
            raise
