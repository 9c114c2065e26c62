"""`mimetic watch`: make (or pick) a run, render its Observer, and optionally serve it live.

No lab and no --run: a fresh synthetic dry-run with 4 lanes. A lab: run it (in this thread, so
Ctrl-C reaches the lanes runner) while the server already answers with whatever the run has written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from mimetic.contracts.observer import ObserverResult
from mimetic.errors import MimeticError
from mimetic.labs.dispatch import LabRunOptions
from mimetic.observer.server import ObserverServer
from mimetic.project import Project

POLL_WARNING = "Live observer server is polling observer-data.json with no-store caching."
# Run-id prefixes by lab kind, as the lab runners name their runs.
RUN_ID_PREFIX = {"synthetic": "dryrun", "oss-meta": "oss-meta"}


@dataclass
class WatchRequest:
    """What to watch: a lab to run (with the same options as `lab run`), an existing run, or neither."""

    lab: str | None = None
    lab_option: str | None = None
    run: str | None = None
    port: int = 0
    options: LabRunOptions = field(default_factory=LabRunOptions)

    @property
    def lab_ref(self) -> str | None:
        return self.lab or self.lab_option

    def lab_only_flags(self) -> list[str]:
        o = self.options
        given = {
            "--live": o.dry_run is False, "--count": o.count is not None, "--limit": o.limit is not None,
            "--repo": bool(o.repo), "--repos": o.repos is not None, "--redact-repos": o.redact_repos is not None,
            "--keep": o.keep, "--substrate": o.substrate is not None, "--concurrency": o.concurrency is not None,
        }
        return [flag for flag, present in given.items() if present]


def _conflict(message: str) -> MimeticError:
    return MimeticError("MIMETIC_WATCH_OPTION_CONFLICT", message)


def validate_port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise MimeticError("MIMETIC_INVALID_PORT", f"--port must be an integer from 0 to 65535 (0 = ephemeral), got {port}.")
    return port


def validate_request(request: WatchRequest) -> None:
    """Upstream's conflicts, checked before anything is written."""
    if request.lab and request.lab_option:
        raise _conflict("Give the lab once: either as the argument or with --lab.")
    if request.lab_ref and request.run:
        raise _conflict("A lab makes a new run; --run renders an existing one. Use one of them.")
    options = request.options
    if request.run and options.sims is not None:
        raise _conflict("--sims sizes a new run; it cannot apply to an existing --run.")
    if request.run and options.run_id:
        raise _conflict("--run-id names a new run; it cannot apply to an existing --run.")
    if not request.lab_ref and (flags := request.lab_only_flags()):
        raise _conflict(f"{', '.join(flags)} only apply to a lab (mimetic watch <lab>).")
    validate_port(request.port)
    if options.sims is not None:
        from mimetic.labs.synthetic import validate_sims

        validate_sims(options.sims, 1)


@dataclass
class Watch:
    """What `watch` produced: the result, its exit code, and the running server when attached."""

    result: ObserverResult
    exit_code: int = 0
    server: ObserverServer | None = None
    interrupted: bool = False


def _lab_run(project: Project, request: WatchRequest, server_for: Callable[[str], None]):
    from mimetic.bundle.store import validate_run_id
    from mimetic.clock import new_run_id
    from mimetic.labs.catalog import resolve_lab
    from mimetic.labs.dispatch import run_lab

    resolved = resolve_lab(project, request.lab_ref)
    kind = resolved.lab.kind
    if kind not in RUN_ID_PREFIX:
        raise MimeticError("MIMETIC_WATCH_NO_OBSERVER",
                           f"Lab {resolved.lab.id} ({kind}) clones repos and writes a report, not an Observer; "
                           f"run it with `mimetic lab run {resolved.lab.id}`.")
    run_id = validate_run_id(request.options.run_id or new_run_id(RUN_ID_PREFIX[kind]))
    server_for(run_id)  # serving before the lab starts: the page fills in as lanes report
    return run_lab(project, resolved, replace(request.options, run_id=run_id))


def run_watch(project: Project, request: WatchRequest, *, follow: bool,
              on_serving: Callable[[str], None] | None = None) -> Watch:
    """Make or pick the run, render its Observer, and (when following) serve it on 127.0.0.1."""
    from mimetic.observer.render import render_run

    validate_request(request)
    server: ObserverServer | None = None

    def server_for(run_id: str) -> None:
        nonlocal server
        if follow and server is None:
            server = ObserverServer(project, run_id, port=request.port)
            server.start()
            if on_serving is not None:
                on_serving(server.observer_url)

    lab_result, exit_code, extra_warnings = None, 0, []
    try:  # a server started for a lab must not outlive a lab or render that failed
        if request.run:
            run = request.run
        elif request.lab_ref:
            lab_run = _lab_run(project, request, server_for)
            lab_result, exit_code = lab_run.result, lab_run.exit_code
            extra_warnings = list(getattr(lab_result, "warnings", []) or [])
            if lab_run.store is None:
                raise MimeticError("MIMETIC_WATCH_NO_OBSERVER", "The lab finished without writing a run to observe.",
                                   result=lab_result)
            run = lab_run.store.run_id
        else:
            from mimetic.labs.synthetic import run_synthetic

            store, _, synthetic = run_synthetic(project, sims=request.options.sims, run_id=request.options.run_id,
                                                   default_sims=4)
            run, extra_warnings = store.run_id, list(synthetic.warnings)
        store, bundle, result = render_run(project, run)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    result.warnings[:0] = extra_warnings
    if lab_result is not None:
        result.lab = lab_result.to_json()
    if follow:
        server_for(store.run_id)
        result.server_url, result.observer_url, result.access_token = server.url, server.observer_url, server.token
        result.warnings.insert(0, POLL_WARNING)
    return Watch(result=result, exit_code=exit_code, server=server,
                 interrupted=bundle.review.verdict == "interrupted")
