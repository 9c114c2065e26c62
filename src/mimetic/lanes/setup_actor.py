"""The OSS meta-lab's setup actor: a coding agent that adopts mimetic for the lane's app, inside the lane.

After clone and `mimetic init`, the bootstrap runs `mimetic lane setup-actor --root <lane root>`, which runs
`codex exec --json` (or MIMETIC_CODEX_ACTOR_COMMAND) in the clone with a brief: learn what this product is
and who uses it, then replace the starter personas, scenarios and coverage map under `mimetic/` with ones
about this app. The study-quality rating (lanes/study_quality.py) then judges what it really wrote.

Opt-in only: without `MIMETIC_ENABLE_LOCAL_CODEX_EXEC=1` on the host nothing runs and the lane records why.
With it, the host writes the user's Codex credential (CODEX_API_KEY / OPENAI_API_KEY, CODEX_ACCESS_TOKEN,
the Codex login's auth.json) into `setup-actor-credentials.json` (0600) in the lane root before the
bootstrap starts -- never into the bootstrap's environment, where the app's processes could read it from
/proc. The lane takes the file at the start of this step and deletes it; the credential lives only in the
agent's environment and a private CODEX_HOME that is removed when the agent ends, before the app is
installed or started. docs/safety.md says what the agent itself can do with it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from mimetic.actors.codex_command import COMMAND_ENV, TIMEOUT_ENV, actor_timeout_ms, resolve_command, run_command
from mimetic.actors.codex_exec import ENABLE_ENV, default_argv
from mimetic.bundle.store import atomic_write_bytes
from mimetic.errors import MimeticError
from mimetic.lanes.bootstrap import write_secret_file
from mimetic.lanes.untrusted import read_lane_file

CREDENTIALS_FILE = "setup-actor-credentials.json"
STATE_FILE = "lane-state.txt"
LOG_FILE = "actor.log"
LAST_MESSAGE_FILE = "actor-last-message.txt"
CODEX_HOME = "codex-home"
MODEL_ENV = "MIMETIC_OSS_META_ACTOR_MODEL"
# The non-secret settings a lane needs to run the setup actor (forwarded by lanes/bootstrap.py).
FORWARDED = (ENABLE_ENV, COMMAND_ENV, TIMEOUT_ENV)
CREDENTIAL_LIMIT = 256 * 1024
NOT_OPTED_IN = (f"The setup actor (a Codex coding agent that adopts mimetic for this app) did not run: {ENABLE_ENV}=1 "
                "was not set, and without it no Codex credential enters a lane. The setup is `mimetic init` only.")

NO_CREDENTIAL = ("no Codex credential reached this lane (set CODEX_API_KEY or OPENAI_API_KEY, or log in with `codex login`, "
                 "on the host; E2B lanes never receive it).")

BRIEF = " ".join([
    "You are mimetic's setup actor, working in a disposable clone of {slug} (the current directory).",
    "mimetic simulates real users trying a product; `mimetic init` just wrote starter files under mimetic/.",
    "Adopt mimetic for THIS product: read the README, package.json scripts, routes, pages and components to learn",
    "what the product does, who uses it and which journeys matter. Then, writing only under mimetic/:",
    "(1) replace the starter personas in mimetic/personas/ with at least two YAML personas of this product's real",
    "kinds of users (schema: mimetic.persona.v1; id, name, summary, traits {{patience, technicalConfidence}},",
    "constraints; invented people only);",
    "(2) replace the starter scenarios in mimetic/scenarios/ with at least two YAML scenarios of this product's own",
    "journeys, one happy path and one friction or error path (schema: mimetic.scenario.v1; id, title, persona, goal,",
    "mode: dry-run, steps of name and expectation, naming this app's real screens, routes and states);",
    "(3) rewrite mimetic/coverage-map.md as a table of this app's screens, routes, roles and states and which",
    "scenario covers each. Run `{mimetic} doctor --json` to check the files load.",
    "Do not edit anything outside mimetic/, install nothing, start no servers, never print secrets, commit or push.",
    "End with a summary: the personas and scenarios you wrote, the journeys covered, and one friction or improvement",
    "you observed in the product (or 'none observed').",
])


# --- host side ---------------------------------------------------------------------------------------


def _codex_auth(environ: Mapping[str, str]) -> str | None:
    home = Path(environ.get("CODEX_HOME") or Path(environ.get("HOME") or Path.home()) / ".codex")
    try:
        path = home / "auth.json"
        return path.read_text(encoding="utf-8") if path.is_file() and path.stat().st_size <= CREDENTIAL_LIMIT else None
    except OSError:
        return None


def write_credentials(lane_root: Path, environ: Mapping[str, str] | None = None) -> bool:
    """Under the opt-in only: the user's Codex credential, for the lane's setup actor to take. True when written."""
    environ = os.environ if environ is None else environ
    if environ.get(ENABLE_ENV) != "1":
        return False
    found = {
        "apiKey": (environ.get("CODEX_API_KEY") or environ.get("OPENAI_API_KEY") or "").strip() or None,
        "accessToken": (environ.get("CODEX_ACCESS_TOKEN") or "").strip() or None,
        "authJson": _codex_auth(environ),
    }
    credentials = {name: value for name, value in found.items() if value}
    if not credentials:
        return False
    write_secret_file(lane_root / CREDENTIALS_FILE, json.dumps(credentials))
    return True


# --- lane side ---------------------------------------------------------------------------------------


def _take_credentials(root: Path) -> dict[str, str]:
    """Read the credential file (never through a symlink) and delete it at once, whatever happens next."""
    raw = read_lane_file(root, CREDENTIALS_FILE, limit=CREDENTIAL_LIMIT)
    try:
        (root / CREDENTIALS_FILE).unlink()
    except FileNotFoundError:
        pass
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}


def _note(root: Path, **values: str) -> None:
    """`key=value` lines in lane-state.txt, the format the bootstrap's `note` writes (one line per value)."""
    with open(root / STATE_FILE, "a", encoding="utf-8") as state:
        for key, value in values.items():
            state.write(f"{key}={' '.join(str(value).split())}\n")


def _written(repo: Path) -> tuple[int, int, list[str]]:
    """(personas, scenarios, problems): what the agent left under mimetic/, checked as mimetic will load it."""
    from mimetic.contracts.manifests import Persona, Scenario
    from mimetic.manifests import load_manifest

    counts, problems = [], []
    for folder, model in (("personas", Persona), ("scenarios", Scenario)):
        files = sorted(p for p in (repo / "mimetic" / folder).glob("*.y*ml") if p.is_file() and not p.is_symlink())
        counts.append(len(files))
        for path in files:
            try:
                load_manifest(path, model, display=f"mimetic/{folder}/{path.name}")
            except MimeticError as exc:
                problems.append(exc.message)
    return counts[0], counts[1], problems


def run_setup_actor(root: Path, environ: Mapping[str, str] | None = None, *, mimetic: str = "mimetic") -> str:
    """Run the setup actor for the lane at `root`; notes actor_status and actor_reason; returns the status."""
    from mimetic.lanes.scrub import lane_scrubber
    from mimetic.safety.redact import register_secret

    environ = dict(os.environ if environ is None else environ)
    root = root.resolve()
    credentials = _take_credentials(root)
    if environ.get(ENABLE_ENV) != "1":
        _note(root, actor_status="not_started", actor_reason=NOT_OPTED_IN)
        return "not_started"
    repo = root / "repo"
    if not (repo / "mimetic").is_dir() or (repo / "mimetic").is_symlink():
        _note(root, actor_status="blocked", actor_reason="The setup actor did not run: the clone has no mimetic/ from init.")
        return "blocked"
    slug = environ.get("MIMETIC_LANE_SLUG") or "this repository"
    brief = BRIEF.format(slug=slug, mimetic=mimetic)
    try:
        command = resolve_command(default_argv(repo, brief, sandbox="bypass", model=environ.get(MODEL_ENV) or None,
                                               last_message=root / LAST_MESSAGE_FILE), environ)
        timeout = actor_timeout_ms(None, environ)
    except MimeticError as exc:
        _note(root, actor_status="blocked", actor_reason=f"The setup actor did not run: {exc.message}")
        return "blocked"
    missing = command.missing(environ.get("PATH"), "the lane's PATH")
    if not missing and not command.custom and not credentials:
        # Codex runs with a fresh CODEX_HOME here, so without a credential it could only fail to log in.
        missing = NO_CREDENTIAL
    if missing:
        _note(root, actor_status="blocked", actor_reason=f"The setup actor did not run: {missing}")
        return "blocked"
    home = root / CODEX_HOME
    home.mkdir(mode=0o700, exist_ok=True)
    env = {**environ, "CODEX_HOME": str(home)}
    if credentials.get("authJson"):
        (home / "auth.json").unlink(missing_ok=True)  # one left by an earlier attempt in this lane
        write_secret_file(home / "auth.json", credentials["authJson"])
    if credentials.get("apiKey"):
        env["CODEX_API_KEY"] = env["OPENAI_API_KEY"] = credentials["apiKey"]
    if credentials.get("accessToken"):
        env["CODEX_ACCESS_TOKEN"] = credentials["accessToken"]
    for value in credentials.values():
        register_secret(value)  # the transcript is redacted of the exact values too
    scrub = lane_scrubber(lane_root=root, project_root=None, home=environ.get("HOME")).text
    _note(root, actor_status="running", actor_command=command.name)
    try:
        outcome = run_command(command, cwd=repo, timeout_ms=timeout, env=env, scrub=scrub)
    finally:
        shutil.rmtree(home, ignore_errors=True)  # the login goes with the agent, before the app is installed
    atomic_write_bytes(root / LOG_FILE, outcome.transcript.encode("utf-8"))
    personas, scenarios, problems = _written(repo)
    reason = (f"{outcome.reason}; mimetic/ now holds {personas} persona(s) and {scenarios} scenario(s)"
              + (f"; {len(problems)} do not load: {'; '.join(problems)[:400]}" if problems else "."))
    status = outcome.status if not (outcome.status == "passed" and problems) else "failed"
    _note(root, actor_status=status, actor_reason=scrub(reason))
    return status
