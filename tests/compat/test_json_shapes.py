"""`--json` keeps every key mimetic-cli 0.1.5 prints, command by command; what we add is documented.

The 0.1.5 key sets below were recorded by running the built 0.1.5 CLI (Node 20, tag v0.1.5) on a fresh
`init --yes` project with this same command sequence and listing each document's keys: top level, plus
one level into objects and list items (`runs[].mode`). Only key names are kept, no values. Every key we
print beyond them is listed in ADDED and explained in docs/compat.md ("JSON additions").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli

# (name, argv) in the order they ran on both sides: later commands read the runs earlier ones wrote.
SEQUENCE = [
    ("init", "init --dry-run --json"),
    ("doctor", "doctor --json"),
    ("run-dry", "run --dry-run --json --run-id k1"),
    ("verify", "verify --json"),
    ("review", "review --json"),
    ("runs", "runs --json"),
    ("watch-run", "watch --run latest --json --no-open"),
    ("watch-new", "watch --json --no-open --sims 2"),
    ("watch-synthetic-lab", "watch first-run --json --no-open"),
    ("watch-oss", "watch oss --dry-run --json --no-open"),
    ("lab-list", "lab list --json"),
    ("lab-inspect", "lab inspect first-run --json"),
    ("lab-run-synthetic", "lab run first-run --json --no-open"),
    ("lab-run-oss", "lab run oss --dry-run --json --no-open"),
    ("feedback-draft", "feedback draft --json"),
    ("feedback-list", "feedback list --json"),
    ("feedback-verify", "feedback verify --json"),
    ("feedback-issue", "feedback issue --repo example/app --json"),
    ("feedback-issue-url", "feedback issue-url --repo example/app --json"),
    ("err-verify", "verify --run nope --json"),
    ("err-review", "review --run nope --json"),
    ("err-run-sims", "run --dry-run --sims abc --json"),
    ("err-run-timeout", "run --dry-run --timeout-ms 0 --json"),
    ("err-watch-port", "watch --port abc --json --no-open"),
    ("err-watch-run", "watch --run nope --json --no-open"),
    ("err-lab-inspect", "lab inspect nope --json"),
    ("err-feedback", "feedback draft --run nope --json"),
    ("err-oss-count", "lab run oss --dry-run --count abc --json --no-open"),
    # 0.1.5's local Codex actors (the command is MIMETIC_CODEX_ACTOR_COMMAND, set for the whole sequence)
    ("run-codex-exec", "run --actor codex-exec --sims 2 --json"),
    ("err-codex-tui-fanout", "run --actor codex-tui --sims 2 --json"),
]

_DRAFT = ("draft draft.acceptance_proof draft.actor draft.actual draft.adapter_id draft.evidence draft.expected "
          "draft.failure_owner draft.idempotency_key draft.persona_id draft.proposed_next_state draft.redaction "
          "draft.run_id draft.scenario_id draft.schema draft.source_bundle draft.substrate draft.summary draftPath")
_OBSERVER = "bundlePath cwd eventsPath observerDataPath observerPath observerUrl ok opened run schema warnings"
_META = ("assignments assignments[].index assignments[].repo assignments[].scenarioId assignments[].simId "
         "assignments[].streamId count cwd dryRun liveRequested observer " + " ".join(
             f"observer.{key}" for key in _OBSERVER.split()) + " ok repos runId sandboxes schema warnings")
_RUN = "artifactRoot bundlePath cwd latestPath mode ok reviewPath runId schema simCount warnings"

UPSTREAM_KEYS = {
    "init": "changes changes[].action changes[].path changes[].reason changes[].target cwd mode ok schema warnings",
    "doctor": "checks checks[].message checks[].name checks[].ok cwd ok schema",
    "run-dry": _RUN,
    "verify": "bundlePath checks checks[].message checks[].name checks[].ok cwd ok run schema",
    "review": "gaps path runId schema summary verdict",
    "runs": "cwd latest ok runs runs[].createdAt runs[].mode runs[].path runs[].runId schema",
    "watch-run": _OBSERVER,
    "watch-new": _OBSERVER,
    "watch-synthetic-lab": _OBSERVER,
    "watch-oss": _META,
    "lab-list": "cwd labs labs[].id labs[].kind labs[].origin labs[].path labs[].title ok schema warnings",
    "lab-inspect": "cwd lab manifest manifest.defaults manifest.description manifest.id manifest.kind manifest.schema "
                   "manifest.sims manifest.title ok origin path schema warnings",
    "lab-run-synthetic": _RUN,
    "lab-run-oss": _META,
    "feedback-draft": f"cwd {_DRAFT} ok run schema",
    "feedback-list": f"cwd {_DRAFT} ok run schema",
    "feedback-verify": f"cwd {_DRAFT} ok run schema",
    "feedback-issue": f"cwd {_DRAFT} issueMarkdown issuePath ok run schema",
    "feedback-issue-url": f"cwd {_DRAFT} issueMarkdown issuePath issueUrl ok run schema",
    "err-verify": "checks cwd error error.code error.message ok run schema",
    "err-review": "checks cwd error error.code error.message ok run schema",
    "err-run-sims": "cwd error error.code error.message ok schema warnings",
    "err-run-timeout": "cwd error error.code error.message ok schema warnings",
    "err-watch-port": "cwd error error.code error.message ok schema warnings",
    "err-watch-run": "cwd error error.code error.message ok run schema warnings",
    "err-lab-inspect": "cwd error error.code error.message lab ok schema warnings",
    "err-feedback": "cwd error error.code error.message ok run schema",
    "err-oss-count": "assignments cwd dryRun error error.code error.message liveRequested ok repos sandboxes schema "
                     "warnings",
    "run-codex-exec": _RUN,
    "err-codex-tui-fanout": "cwd error error.code error.message ok schema warnings",
}

# 0.1.5's error code for each failing command above.
UPSTREAM_ERROR_CODES = {
    "err-verify": "MIMETIC_RUN_NOT_FOUND", "err-review": "MIMETIC_RUN_NOT_FOUND",
    "err-run-sims": "MIMETIC_INVALID_SIM_COUNT", "err-run-timeout": "MIMETIC_INVALID_TIMEOUT",
    "err-watch-port": "MIMETIC_INVALID_PORT", "err-watch-run": "MIMETIC_RUN_NOT_FOUND",
    "err-lab-inspect": "MIMETIC_LAB_NOT_FOUND", "err-feedback": "MIMETIC_RUN_NOT_FOUND",
    "err-oss-count": "MIMETIC_INVALID_OSS_COUNT", "err-codex-tui-fanout": "MIMETIC_ACTOR_FANOUT_UNIMPLEMENTED",
}
UPSTREAM_SCHEMAS = {
    "review": "mimetic.review.v1", "watch-oss": "mimetic.oss-meta-lab-result.v1",
    "lab-run-oss": "mimetic.oss-meta-lab-result.v1", "err-verify": "mimetic.verify-result.v1",
    "err-review": "mimetic.verify-result.v1", "err-run-sims": "mimetic.run-result.v1",
    "err-run-timeout": "mimetic.run-result.v1", "err-watch-run": "mimetic.observer-result.v1",
    "err-lab-inspect": "mimetic.lab-inspect.v1", "err-feedback": "mimetic.feedback-result.v1",
    "err-oss-count": "mimetic.oss-meta-lab-result.v1", "run-codex-exec": "mimetic.run-result.v1",
    "err-codex-tui-fanout": "mimetic.run-result.v1",
}

# What we print beyond 0.1.5 (docs/compat.md, "JSON additions", says why for each top-level key).
_OURS_OBSERVER = "accessToken error lab runId serverUrl streamCount verdict"
_OURS_FEEDBACK = "candidateId candidates command draft.severity draft.source_candidate_id drafts error fallback mode " \
                 "problems repo runId warnings issueUrlShortened exported exportPath"
ADDED = {
    "init": "error",
    "doctor": "environment environment[].kind environment[].message environment[].name environment[].present warnings",
    "run-dry": "error lab verdict surfaces",
    "verify": "error relaxedRules runId",
    "review": "ok study",
    "runs": "runs[].verdict",
    "watch-run": _OURS_OBSERVER,
    "watch-new": _OURS_OBSERVER,
    "watch-synthetic-lab": _OURS_OBSERVER + " lab.artifactRoot lab.bundlePath lab.cwd lab.error lab.lab lab.latestPath "
                                            "lab.mode lab.ok lab.reviewPath lab.runId lab.schema lab.simCount "
                                            "lab.verdict lab.warnings lab.surfaces",
    "watch-oss": "bundlePath error observer.accessToken observer.error observer.runId observer.serverUrl observer.streamCount "
                 "observer.verdict observerUrl redactRepos substrate verdict redacted repoLabels repoLabels.*",
    # every field of the validated lab manifest (the lab contract grows; all of it is shown)
    "lab-inspect": "error manifest.*",
    "lab-run-synthetic": "error lab verdict surfaces",
    "lab-run-oss": "bundlePath error observer.accessToken observer.error observer.lab observer.runId observer.serverUrl "
                   "observer.streamCount observer.verdict observerUrl redactRepos substrate verdict redacted repoLabels "
                   "repoLabels.*",
    "feedback-draft": _OURS_FEEDBACK + " issueMarkdown issuePath issueUrl",
    "feedback-list": _OURS_FEEDBACK + " issueMarkdown issuePath issueUrl drafts[].failureOwner drafts[].idempotencyKey "
                                      "drafts[].path drafts[].sourceCandidateId drafts[].summary drafts[].issuePath",
    "feedback-verify": _OURS_FEEDBACK + " issueMarkdown issuePath issueUrl",
    "feedback-issue": _OURS_FEEDBACK + " issueUrl",
    "feedback-issue-url": _OURS_FEEDBACK,
    "err-watch-port": "run",
    "err-oss-count": "lab",
    "run-codex-exec": "error lab verdict surfaces",
    "err-codex-tui-fanout": "",
}


def key_set(document, depth: int = 2) -> set[str]:
    keys: set[str] = set()

    def walk(value, prefix: str, left: int) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                keys.add(prefix + key)
                if left > 1:
                    walk(inner, f"{prefix}{key}.", left - 1)
        elif isinstance(value, list):
            for item in value:
                walk(item, prefix.rstrip(".") + "[].", left)

    walk(document, "", depth)
    return keys


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("shapes") / "project"
    root.mkdir()
    (root / "package.json").write_text('{"name": "k"}\n')
    cli = Cli(root)
    env = {"MIMETIC_NO_OPEN": "1", "MIMETIC_CODEX_ACTOR_COMMAND": "true"}
    assert cli("init", "--yes", env=env).exit_code == 0
    found = {}
    for name, argv in SEQUENCE:
        result = cli(*argv.split(), env=env)
        found[name] = (result.exit_code, result.json())
    return found


@pytest.mark.parametrize("name", [name for name, _ in SEQUENCE])
def test_json_keeps_every_015_key_and_adds_only_documented_ones(documents, name):
    exit_code, document = documents[name]
    ours, upstream = key_set(document), set(UPSTREAM_KEYS[name].split())
    assert upstream - ours == set(), f"{name}: 0.1.5 keys we do not print"
    added = set(ADDED.get(name, "").split())
    prefixes = tuple(key[:-1] for key in added if key.endswith(".*"))
    extra = {key for key in ours - upstream if not (prefixes and key.startswith(prefixes))}
    assert extra == {key for key in added if not key.endswith(".*")}, f"{name}: undocumented additions"
    assert exit_code == (2 if name.startswith("err-") else 0)
    if name in UPSTREAM_ERROR_CODES:
        assert document["error"]["code"] == UPSTREAM_ERROR_CODES[name]
    if name in UPSTREAM_SCHEMAS:
        assert document["schema"] == UPSTREAM_SCHEMAS[name]


def test_every_added_top_level_key_is_explained_in_docs_compat():
    text = (Path(__file__).resolve().parents[2] / "docs" / "compat.md").read_text(encoding="utf-8")
    section = text.split("## JSON additions", 1)[1].split("\n## ", 1)[0]

    def explained(key: str) -> bool:  # by its own name, its top-level object, or its leaf name
        names = {key, key.split(".")[0].split("[]")[0], key.replace("[]", ".").split(".")[-1].rstrip("*")}
        return any(f"`{name}`" in section for name in names)

    assert sorted(key for keys in ADDED.values() for key in keys.split() if not explained(key)) == []
