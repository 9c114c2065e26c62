"""Canary secrets in the environment and in an `--env-file` never reach any file, page or output.

Every command that works without keys runs as a real process in one project, in the order a user
would run them; afterwards every file under the project, everything printed and the served Observer
are searched for each canary value. The canaries match no secret pattern, so only mimetic's
knowledge of the environment and of the env file can keep them out.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from fixtures.git_repos import make_mirror
from fixtures.processes import Background
from reliability.support import run_mimetic

CANARIES = {
    "E2B_API_KEY": "cnry-e2b-5b1f0d9a7c3e",
    "OPENAI_API_KEY": "cnry-openai-81c4e6f2a0d9",
    "GH_TOKEN": "cnry-ghtoken-2e7a9c5b1f04",
    "GITHUB_TOKEN": "cnry-githubtoken-6d3f8b0e2a71",
}
ENV_FILE_CANARY = "cnry-envfile-9a4c2e7f1b35"  # under a name that does not look secret at all
ENV = "--env-file", "app.env"

COMMANDS = [
    ("init", "--yes"),
    ("doctor",),
    ("run", "--dry-run", *ENV),
    ("lab", "list"),
    ("lab", "inspect", "oss"),
    ("lab", "run", "first-run", "--sims", "2", *ENV),
    ("lab", "run", "oss", "--dry-run", "--repos", "acme/app,acme/api", "--count", "4", *ENV),
    ("lab", "run", "oss-smoke", "--repos", "fixture/todo", "--limit", "1", *ENV),
    ("verify",),
    ("review",),
    ("runs",),
    ("watch", "--no-open", *ENV),
    ("watch", "--run", "latest", "--no-open"),
    ("export",),
    ("feedback", "list"),
    ("feedback", "draft"),
    ("feedback", "verify"),
    ("feedback", "issue", "--repo", "example/app"),
    ("feedback", "issue-url", "--repo", "example/app"),
    ("stats",),
    ("cleanup",),
    ("schema", "list"),
    ("schema", "show", "mimetic.run-bundle.v1"),
]
HUMAN = [("run", "--dry-run", *ENV), ("lab", "run", "oss", "--dry-run", "--repos", "acme/app", *ENV), ("doctor",),
         ("feedback", "issue", "--repo", "example/app"), ("runs",), ("stats",)]


@pytest.fixture
def canary_env(tmp_path, monkeypatch):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", make_mirror(tmp_path).base_url)  # oss-smoke clones from here


def _served(observer_url: str) -> bytes:
    pages = []
    for url in (observer_url, observer_url.replace("/index.html?", "/observer-data.json?")):
        with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
            pages.append(response.read())
    return b"".join(pages)


def _observe(project: Path) -> tuple[str, bytes]:
    """`mimetic observe --json` serves until Ctrl-C: read its document, fetch the page, then stop it."""
    background = Background("observe", "--json", cwd=project)
    try:
        background.wait_for(lambda line: line == "}")
        document = json.loads("\n".join(background.lines))
        served = _served(document["observerUrl"])
        assert background.interrupt() in (0, 130)
    finally:
        background.kill()
    return "\n".join(background.lines) + background.proc.stderr.read(), served


def test_no_canary_reaches_any_file_output_or_served_page(project, canary_env):
    # A canary that does reach the sinks: the package name (a secret pasted where it should not be) is copied
    # into every run's source section, so run.json, the review, drafts, exports and the served page all
    # carry it unless the redactor removes it. With redaction switched off this test fails.
    leaked_name = f"canary-app-{CANARIES['GH_TOKEN']}"
    (project / "package.json").write_text(json.dumps({"name": leaked_name, "scripts": {"dev": "node server.js"}}) + "\n")
    (project / "app.env").write_text(f"APP_GREETING={ENV_FILE_CANARY}\n")
    printed: list[str] = []
    for argv in COMMANDS:
        done = run_mimetic(*argv, "--json", cwd=project)
        assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
        json.loads(done.stdout)  # exactly one JSON document
        printed += [done.stdout, done.stderr]
    for argv in HUMAN:
        done = run_mimetic(*argv, cwd=project)
        assert done.returncode == 0, (argv, done.stderr[-2000:])
        printed += [done.stdout, done.stderr]
    observe_output, served = _observe(project)
    printed.append(observe_output)

    assert any("APP_GREETING" in text for text in printed)  # the env file was loaded (its name is shown)
    run_json = json.loads((project / ".mimetic/runs/latest.json").read_text())["path"] + "/run.json"
    assert json.loads((project / run_json).read_text())["source"]["packageName"] == "canary-app-[REDACTED_SECRET]"
    canaries = [*CANARIES.values(), ENV_FILE_CANARY]
    own = {project / "app.env", project / "package.json"}  # the user's files, which hold the canaries on purpose
    files = [path for path in project.rglob("*") if path.is_file() and path not in own]
    assert len(files) > 50  # the commands really wrote their runs, drafts, exports and reports
    leaks = [(path.relative_to(project).as_posix(), canary) for path in files for canary in canaries
             if canary.encode() in path.read_bytes()]
    leaks += [("output", canary) for canary in canaries if any(canary in text for text in printed)]
    leaks += [("served observer", canary) for canary in canaries if canary.encode() in served]
    assert leaks == []
