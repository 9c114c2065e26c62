"""Project trees and run bundles in the shapes mimetic-cli 0.1.5 writes, built here from reading its source.

Nothing is copied from 0.1.5: the field names and nesting follow its init templates, its run writer
and its authoring guide (SKILL.md asks personas for motivations, experience level, device assumptions
and risk tolerance, and scenarios for a surface, a start URL, intent, success and failure signals);
every value is invented for these tests.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

# 0.1.5 keeps the ISO stamp's upper-case T and Z in its default run ids.
LEGACY_DRY_RUN_ID = "dryrun-2026-06-05T05-01-02-003Z-0a1b2c3d"
LEGACY_BROWSER_RUN_ID = "browser-2026-06-05T05-09-10-011Z-4e5f6a7b"
STAMP = "2026-06-05T05:01:02.003Z"

PACKAGE_SCRIPTS = {
    "dev": "node server.js",
    "mimetic": "mimetic",
    "mimetic:doctor": "mimetic doctor",
    "mimetic:run": "mimetic run --dry-run",
    "mimetic:watch": "mimetic watch",
    "mimetic:watch:ci": "mimetic watch --json --no-open",
    "mimetic:verify": "mimetic verify",
}

SOURCE_FILES = {
    "config.ts": """export default {
  schema: "mimetic.config.v1",
  app: { name: "compat-app", baseUrl: "http://localhost:4100", startCommand: "npm run dev" },
  personasDir: "mimetic/personas",
  scenariosDir: "mimetic/scenarios",
  policiesDir: "mimetic/policies",
  artifactsDir: ".mimetic/runs"
};
""",
    "adapters/app.ts": """export const appAdapter = {
  schema: "mimetic.adapter.v1",
  id: "compat-app",
  name: "Compat App",
  routes: [{ id: "todos", path: "/", description: "Todo list" }]
};
""",
    "personas/synthetic-new-user.yaml": """schema: mimetic.persona.v1
id: synthetic-new-user
name: Evening list keeper
summary: Someone who jots down chores after work and wants them out of their head quickly.
traits:
  patience: medium
  technical_confidence: low
  accessibility_needs: large_text
constraints:
  - Invented person; no real data.
motivations:
  - Get tonight's chores written down in under a minute.
  - Trust that nothing typed is lost.
experience_level: first time with this app
device_assumptions:
  - Phone held in one hand
  - Desktop browser at work
risk_tolerance: low
""",
    "personas/skeptical-power-user.yaml": """schema: mimetic.persona.v1
id: skeptical-power-user
name: Keyboard-only organiser
summary: Moves fast with the keyboard and distrusts anything that silently changes input.
traits:
  patience: low
  technical_confidence: high
  accessibility_needs: keyboard_first
constraints:
  - Synthetic inputs only.
motivations: Finish the weekly list without touching the mouse.
device_assumptions: Laptop with a physical keyboard
""",
    "scenarios/first-run-smoke.yaml": """schema: mimetic.scenario.v1
id: first-run-smoke
title: Add the first chore
persona: synthetic-new-user
goal: Add one chore and see it in the list.
mode: dry-run
steps:
  - name: Open the list
    expectation: An empty list and an input for a new chore are visible.
  - name: Add a chore
    expectation: The chore appears in the list.
surface: todo list page
start_url: http://localhost:4100/
intent: Capture a chore before forgetting it.
success_signals:
  - The new chore is listed.
failure_signals:
  - The input clears but nothing is listed.
""",
    "scenarios/onboarding-regression.yaml": """schema: mimetic.scenario.v1
id: onboarding-regression
title: Filter the finished chores
persona: skeptical-power-user
goal: Show only finished chores.
mode: dry-run
steps:
  - name: Finish a chore
    expectation: It is marked done.
startUrl: /
successSignals: Only finished chores are shown.
""",
    "labs/first-run.yaml": """schema: mimetic.lab.v1
id: first-run
kind: synthetic
title: First-run synthetic Observer
description: Synthetic starter lab.
sims: 4
defaults:
  dryRun: true
  open: true
""",
    # 0.1.5 ignores fields it does not know in a lab; such a lab must stay listed here.
    "labs/nightly.yaml": """schema: mimetic.lab.v1
id: nightly
kind: synthetic
title: Nightly synthetic pass
sims: "2"
owner: release-team
defaults:
  dryRun: true
""",
    "policies/network.yaml": """schema: mimetic.network-policy.v1
default: local_only
allowed_hosts:
  - localhost
  - 127.0.0.1
notes:
  - Only the app on this machine is reached.
  - Widen one host at a time.
""",
    "policies/redaction.yaml": """schema: mimetic.redaction-policy.v1
deny: [pii, secrets, tokens]
allow: [synthetic_personas, env_var_names]
""",
    "policies/credentials.example.yaml": """schema: mimetic.credentials-policy.v1
env_names:
  openai: OPENAI_API_KEY
  e2b: E2B_API_KEY
rules:
  - Names only; values live outside the repository.
""",
    "review/vocabulary.yaml": """schema: mimetic.review-vocabulary.v1
verdicts: [pass, fail, blocked, needs_evidence]
labels:
  friction: Something slowed the person down.
""",
    "review/milestones.yaml": """schema: mimetic.milestones.v1
milestones:
  - id: first-chore
    description: The first chore is listed.
""",
    "coverage-map.md": "# Coverage\n\n- Todo list route: happy path covered.\n",
    "coverage-matrix.md": "| route | desktop | mobile |\n| / | yes | yes |\n",
    "README.md": "# mimetic/\n\nSynthetic study source for the compat app.\n",
    "fixtures/synthetic-login-state.json": json.dumps({
        "schema": "mimetic.synthetic-fixture.v1", "kind": "login-state",
        "user": {"id": "synthetic-user-9", "email": "nobody@example.test"}, "notes": ["Invented."],
    }, indent=2) + "\n",
}


def write_project(root: Path) -> Path:
    """A project as `mimetic-cli init --yes` leaves it, with personas and scenarios filled in per its guide."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": "compat-app", "scripts": PACKAGE_SCRIPTS}, indent=2) + "\n")
    (root / ".gitignore").write_text("# Mimetic runtime and local secrets\n.mimetic/\n.env*\n!.env.example\n")
    for relative, text in SOURCE_FILES.items():
        path = root / "mimetic" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in ("runs", "cache", "tmp", "logs", "labs", "local/labs", "local/personas", "local/policies",
                   "secrets"):
        (root / ".mimetic" / folder).mkdir(parents=True, exist_ok=True)
    return root


def _png() -> bytes:
    """A valid 1x1 PNG (verify wants non-empty screenshots; the Observer shows them)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def _artifact(label: str, path: str, kind: str) -> dict:
    return {"label": label, "path": path, "kind": kind}


BASE_ARTIFACTS = [_artifact("run bundle", "run.json", "bundle"), _artifact("review", "review.md", "review"),
                  _artifact("event log", "events.ndjson", "events")]


def _bundle(root: Path, run_id: str, mode: str, persona: dict, scenario: dict, simulations: list, streams: list,
            events: list, review: dict, notes: str) -> dict:
    return {
        "schema": "mimetic.run-bundle.v1", "runId": run_id, "mode": mode, "simCount": len(simulations),
        "createdAt": STAMP, "cwd": str(root), "artifactRoot": f".mimetic/runs/{run_id}",
        "source": {"packageName": "compat-app", "mimeticSource": "present",
                   "git": {"status": "not_captured", "note": "Not captured by this version."}},
        "persona": persona, "scenario": scenario,
        "lifecycle": [{"at": STAMP, "event": "run.created", "message": "Bundle created."}],
        "simulations": simulations, "streams": streams, "events": events,
        "redaction": {"status": "passed", "notes": notes},
        "artifacts": {"run": "run.json", "reviewJson": "review.json", "reviewMarkdown": "review.md",
                      "observerData": "observer/observer-data.json", "events": "events.ndjson"},
        "review": review, "feedbackCandidates": [],
    }


def _write_run(root: Path, bundle: dict) -> Path:
    run_dir = root / ".mimetic" / "runs" / bundle["runId"]
    run_dir.mkdir(parents=True, exist_ok=True)
    review = bundle["review"]
    (run_dir / "run.json").write_text(json.dumps(bundle, indent=2) + "\n")
    (run_dir / "review.json").write_text(json.dumps(review, indent=2) + "\n")
    (run_dir / "review.md").write_text(
        f"# Mimetic Run Review\n\n- Run: `{bundle['runId']}`\n- Mode: {bundle['mode']}\n- Verdict: {review['verdict']}\n\n"
        f"{review['summary']}\n\n## Public-Safety\n\n- Redaction: passed\n\n## Gaps\n\n"
        + "".join(f"- {gap}\n" for gap in review["gaps"]))
    (run_dir / "events.ndjson").write_text("".join(json.dumps(e) + "\n" for e in bundle["events"]))
    latest = {"schema": "mimetic.latest-run.v1", "runId": bundle["runId"], "path": bundle["artifactRoot"],
              "updatedAt": STAMP}
    (root / ".mimetic" / "runs" / "latest.json").write_text(json.dumps(latest, indent=2) + "\n")
    return run_dir


PERSONA_REF = {"id": "synthetic-new-user", "name": "Evening list keeper",
               "source": "mimetic/personas/synthetic-new-user.yaml", "sourceDigest": "0123456789ab"}


def write_dry_run(root: Path, run_id: str = LEGACY_DRY_RUN_ID) -> Path:
    """A 0.1.5 synthetic dry-run bundle: one `ui` lane, contract proof only, absolute cwd."""
    scenario = {"id": "first-run-smoke", "title": "Add the first chore", "goal": "Add one chore.",
                "source": "mimetic/scenarios/first-run-smoke.yaml", "sourceDigest": "ba9876543210"}
    sim = {"id": "sim-01", "index": 1, "personaId": "synthetic-new-user", "scenarioId": "first-run-smoke",
           "status": "contract_proof_only", "streamKind": "ui", "mode": "browser-sim", "progress": 100,
           "currentStep": "Contract captured", "summary": "Browser lane reserved.", "streamIds": ["sim-01-ui"],
           "startedAt": STAMP, "updatedAt": STAMP}
    stream = {"id": "sim-01-ui", "simId": "sim-01", "kind": "ui", "label": "UI journey",
              "status": "contract_proof_only", "transport": "polling", "updatedAt": STAMP,
              "embed": {"kind": "placeholder", "title": "UI journey"},
              "viewport": {"width": 1440, "height": 960, "deviceScaleFactor": 1},
              "terminal": {"title": "UI journey", "format": "plain", "stdin": "disabled", "tail": "open app\n"},
              "ui": {"route": "/first-run", "intent": "Reserved.", "state": "contract-only"},
              "artifacts": BASE_ARTIFACTS}
    events = [{"id": "event-000", "at": STAMP, "level": "info", "type": "observer.contract.created",
               "message": "Observer contract created."},
              {"id": "event-001-a", "at": STAMP, "level": "info", "type": "sim.contract.ready",
               "message": "Lane contract ready.", "simId": "sim-01", "streamId": "sim-01-ui"},
              {"id": "event-001-b", "at": STAMP, "level": "warn", "type": "sim.live-substrate.missing",
               "message": "No live actor in dry-run mode.", "simId": "sim-01", "streamId": "sim-01-ui"}]
    review = {"schema": "mimetic.review.v1", "verdict": "contract_proof_only",
              "summary": "Synthetic dry-run bundle; plumbing only.", "gaps": ["No browser was launched."]}
    return _write_run(root, _bundle(root, run_id, "dry-run", PERSONA_REF, scenario, [sim], [stream], events, review,
                                    "Dry-run bundle contains synthetic contract proof only."))


def write_browser_run(root: Path, run_id: str = LEGACY_BROWSER_RUN_ID, app_url: str = "http://127.0.0.1:4100/") -> Path:
    """A 0.1.5 `run --app-url` bundle: desktop and mobile screenshot lanes with 0.1.5-shaped traces."""
    scenario = {"id": "browser-app-surface-smoke", "title": "Browser app surface smoke", "goal": "Render the app.",
                "source": "builtin", "sourceDigest": "builtin"}
    sims, streams, events, traces = [], [], [], {}
    for index, (surface, width, height, mobile) in enumerate((("desktop", 1440, 960, False),
                                                              ("mobile", 390, 844, True)), start=1):
        sim_id, stream_id = f"browser-{surface}", f"browser-{surface}-stream"
        viewport = {"width": width, "height": height, "deviceScaleFactor": 3 if mobile else 1, "isMobile": mobile}
        sims.append({"id": sim_id, "index": index, "personaId": "synthetic-new-user",
                     "scenarioId": "browser-app-surface-smoke", "status": "passed", "streamKind": "browser",
                     "mode": "browser-sim", "progress": 100, "currentStep": f"{surface} captured",
                     "summary": f"{surface} screenshot captured.", "streamIds": [stream_id], "startedAt": STAMP,
                     "updatedAt": STAMP})
        shot, trace = f"screenshots/{surface}.png", f"traces/{surface}.json"
        streams.append({
            "id": stream_id, "simId": sim_id, "kind": "browser", "label": f"{surface.title()} browser surface",
            "status": "passed", "transport": "snapshot", "updatedAt": STAMP,
            "embed": {"kind": "screenshot", "url": f"../{shot}", "title": surface},
            "viewport": viewport,
            "ui": {"appStatus": "running", "appUrl": app_url, "route": app_url, "intent": "Render check.",
                   "screenshotUrl": f"../{shot}", "state": "captured", "visualStatus": "visible"},
            "completion": {"checkedAt": STAMP, "exitCode": 0, "reason": "Screenshot captured.", "status": "passed"},
            "artifacts": [*BASE_ARTIFACTS, _artifact(f"{surface} screenshot", shot, "screenshot"),
                          _artifact(f"{surface} browser trace", trace, "trace")]})
        events.append({"id": f"event-00{index}", "at": STAMP, "level": "info", "type": "browser.surface.captured",
                       "message": f"{surface} captured.", "simId": sim_id, "streamId": stream_id})
        traces[trace] = {"schema": "mimetic.browser-surface-trace.v1", "capturedAt": STAMP, "appUrl": app_url,
                         "browserCommand": "chromium", "durationMs": 812, "httpStatus": 200, "ok": True,
                         "reason": "Screenshot captured.", "screenshotPath": shot,
                         "surface": {"id": surface, "label": f"{surface} surface", "viewport": viewport},
                         "redaction": "passed"}
    review = {"schema": "mimetic.review.v1", "verdict": "pass", "summary": "Captured 2/2 browser surfaces.",
              "gaps": ["Render evidence only."]}
    run_dir = _write_run(root, _bundle(root, run_id, "live", PERSONA_REF, scenario, sims, streams, events, review,
                                       "Loopback app URL only."))
    for relative, trace in traces.items():
        (run_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (run_dir / relative).write_text(json.dumps(trace, indent=2) + "\n")
        (run_dir / "screenshots").mkdir(exist_ok=True)
        (run_dir / trace["screenshotPath"]).write_bytes(_png())
    return run_dir
