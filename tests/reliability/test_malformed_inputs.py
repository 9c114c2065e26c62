"""Every malformed input is refused the same way: exit 2, a MIMETIC_* code, a message that names the
problem (file:line:field for manifests, the line for env files), and not one byte written to the project.

Each case runs twice, with `--json` (one error document on stdout) and in human mode (`CODE: message`
on stderr, no traceback).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from reliability.support import tree_snapshot

TOKEN = "ghp_" + "Q7w" * 12  # a token-looking repo input that must never be echoed
LONG_RUN_ID = "a" * 129
LOOPBACK = "http://127.0.0.1:9"  # validation happens before anything connects


@dataclass(frozen=True)
class Bad:
    argv: tuple[str, ...]
    code: str
    says: tuple[str, ...]  # fragments the error message must contain
    files: dict[str, str] = field(default_factory=dict)
    with_run: bool = False  # a previous run exists and must stay untouched
    never_shown: str | None = None


def bad(name: str, argv: str | list[str], code: str, *says: str, files: dict[str, str] | None = None,
        with_run: bool = False, never_shown: str | None = None):
    args = tuple(argv.split()) if isinstance(argv, str) else tuple(argv)
    return pytest.param(Bad(args, code, says, files or {}, with_run, never_shown), id=name)


LAB_HEAD = "schema: mimetic.lab.v1\nid: broken\nkind: synthetic\n"
PERSONA_OK = "schema: mimetic.persona.v1\nid: synthetic-new-user\nname: New user\n"
SCENARIO_OK = "schema: mimetic.scenario.v1\nid: first-run-smoke\ntitle: First run\ngoal: Reach the first screen.\n"
BROWSER_SCENARIO = ("schema: mimetic.scenario.v1\nid: add-todo\ntitle: Add a todo\ngoal: Add one.\nmode: browser\n"
                    "browser:\n  steps:\n    - id: open\n      action: goto\n      path: /\n"
                    "    - id: type\n      action: fill\n      value: milk\n")


PADDING = "# " + "x" * (1 << 20) + "\n"  # valid YAML (a comment) that takes a manifest past its 1 MiB cap


def lab(text: str) -> dict[str, str]:
    return {"mimetic/labs/broken.yaml": text}


CASES = [
    # --- repository inputs: owner/repo slugs only -------------------------------------------------
    bad("repo-https-url", "lab run oss --dry-run --repos https://github.com/a/b", "MIMETIC_INVALID_OSS_REPO",
        "https://github.com/a/b", "owner/repo"),
    bad("repo-ssh-remote", "lab run oss --dry-run --repo git@github.com:a/b.git", "MIMETIC_INVALID_OSS_REPO",
        "git@github.com:a/b.git"),
    bad("repo-parent-path", "lab run oss --dry-run --repo ../x", "MIMETIC_INVALID_OSS_REPO", "'../x'"),
    bad("repo-three-segments", "lab run oss --dry-run --repo a/b/c", "MIMETIC_INVALID_OSS_REPO", "'a/b/c'"),
    bad("repo-token-looking", f"lab run oss --dry-run --repo {TOKEN}", "MIMETIC_INVALID_OSS_REPO", "owner/repo",
        never_shown=TOKEN),
    bad("repo-dot-git-suffix", "lab run oss --dry-run --repo a/b.git", "MIMETIC_INVALID_OSS_REPO", "'a/b.git'"),
    bad("repo-absolute-path", "lab run oss --dry-run --repo /etc/passwd", "MIMETIC_INVALID_OSS_REPO", "'/etc/passwd'"),
    bad("repo-double-slash", "lab run oss --dry-run --repo a//b", "MIMETIC_INVALID_OSS_REPO", "'a//b'"),
    bad("run-id-trailing-newline", ["run", "--dry-run", "--run-id", "nightly\n"], "MIMETIC_INVALID_RUN_ID", "'nightly\\n'"),
    bad("repo-empty", ["lab", "run", "oss", "--dry-run", "--repo", ""], "MIMETIC_INVALID_OSS_REPO", "no repository"),
    bad("repos-only-commas", ["lab", "run", "oss", "--dry-run", "--repos", " , ,"], "MIMETIC_INVALID_OSS_REPO",
        "no repository"),
    bad("repo-with-space", ["lab", "run", "oss", "--dry-run", "--repo", "my org/app"], "MIMETIC_INVALID_OSS_REPO",
        "'my org/app'"),
    bad("repo-bare-name", "lab run oss --dry-run --repos a/b,justname", "MIMETIC_INVALID_OSS_REPO", "'justname'"),
    bad("repo-backslash", ["lab", "run", "oss", "--dry-run", "--repo", "a\\b"], "MIMETIC_INVALID_OSS_REPO",
        "owner/repo"),
    bad("repo-via-watch", "watch oss --dry-run --repos http://127.0.0.1/a/b", "MIMETIC_INVALID_OSS_REPO",
        "http://127.0.0.1/a/b"),
    bad("feedback-issue-repo-url", "feedback issue --repo https://github.com/a/b", "MIMETIC_INVALID_OSS_REPO",
        "https://github.com/a/b", with_run=True),
    bad("feedback-issue-url-repo-path", "feedback issue-url --repo ../x", "MIMETIC_INVALID_OSS_REPO", "'../x'",
        with_run=True),
    # --- counts, sims, limits ------------------------------------------------------------------
    bad("oss-count-zero", "lab run oss --dry-run --count 0", "MIMETIC_INVALID_OSS_COUNT", "--count", "got 0"),
    bad("oss-count-negative", "lab run oss --dry-run --count -3", "MIMETIC_INVALID_OSS_COUNT", "got -3"),
    bad("dry-run-sims-zero", "run --dry-run --sims 0", "MIMETIC_INVALID_SIM_COUNT", "--sims", "got 0"),
    bad("lab-sims-negative", "lab run first-run --sims -1", "MIMETIC_INVALID_SIM_COUNT", "got -1"),
    bad("smoke-limit-zero", "lab run oss-smoke --limit 0", "MIMETIC_INVALID_OSS_LIMIT", "--limit", "got 0"),
    bad("app-url-sims-three", f"run --app-url {LOOPBACK} --sims 3", "MIMETIC_INVALID_SIM_COUNT", "1 (desktop) or 2"),
    bad("watch-sims-zero", "watch --sims 0", "MIMETIC_INVALID_SIM_COUNT", "got 0"),
    bad("sims-over-the-cap", "run --dry-run --sims 10001", "MIMETIC_INVALID_SIM_COUNT", "1 to 10,000", "got 10001"),
    bad("watch-sims-over-the-cap", "watch --sims 10001", "MIMETIC_INVALID_SIM_COUNT", "1 to 10,000"),
    bad("count-over-the-cap", "lab run oss --dry-run --count 10001", "MIMETIC_INVALID_OSS_COUNT", "1 to 10,000"),
    bad("lab-count-over-the-cap", "lab run broken", "MIMETIC_LAB_INVALID", "broken.yaml:4: count:",
        files=lab(LAB_HEAD + "count: 10001\n")),
    bad("live-concurrency-zero", "lab run oss --substrate local --repos a/b --concurrency 0",
        "MIMETIC_INVALID_CONCURRENCY", "--concurrency", "got 0"),
    bad("unknown-substrate", "lab run oss --substrate moon --repos a/b", "MIMETIC_INVALID_SUBSTRATE", "'moon'"),
    # --- run ids ------------------------------------------------------------------------------------
    bad("run-id-parent-escape", "run --dry-run --run-id ../../etc", "MIMETIC_INVALID_RUN_ID", "'../../etc'"),
    bad("run-id-upper-case", "run --dry-run --run-id Nightly", "MIMETIC_INVALID_RUN_ID", "'Nightly'"),
    bad("run-id-leading-dash", "run --dry-run --run-id=-nightly", "MIMETIC_INVALID_RUN_ID", "'-nightly'"),
    bad("run-id-slash", "lab run oss --dry-run --run-id a/b", "MIMETIC_INVALID_RUN_ID", "'a/b'"),
    bad("run-id-129-chars", f"run --dry-run --run-id {LONG_RUN_ID}", "MIMETIC_INVALID_RUN_ID", "at most 128"),
    bad("run-id-taken", "run --dry-run --run-id seed-run", "MIMETIC_RUN_EXISTS", "seed-run", with_run=True),
    bad("verify-run-escape", "verify --run ../../etc", "MIMETIC_INVALID_RUN_ID", "'../../etc'", with_run=True),
    bad("export-run-escape", "export --run ../seed-run", "MIMETIC_INVALID_RUN_ID", "'../seed-run'", with_run=True),
    bad("review-run-missing", "review --run nope", "MIMETIC_RUN_NOT_FOUND", "nope", with_run=True),
    # --- app URLs -----------------------------------------------------------------------------------
    bad("app-url-public-host", "run --app-url https://example.com/", "MIMETIC_INVALID_APP_URL", "example.com",
        "not loopback"),
    bad("app-url-token-param", "run --app-url http://127.0.0.1:5173/?token=abc123secret", "MIMETIC_INVALID_APP_URL",
        "'token'", never_shown="abc123secret"),
    bad("app-url-api-key-param", "run --app-url http://localhost:3000/app?api_key=k3y-v4lue", "MIMETIC_INVALID_APP_URL",
        "'api_key'", never_shown="k3y-v4lue"),
    bad("app-url-userinfo", "run --app-url http://admin:hunter22@127.0.0.1:3000/", "MIMETIC_INVALID_APP_URL",
        "credentials", never_shown="hunter22"),
    bad("app-url-ftp", "run --app-url ftp://127.0.0.1/", "MIMETIC_INVALID_APP_URL", "scheme"),
    bad("app-url-bad-port", "run --app-url http://127.0.0.1:99999/", "MIMETIC_INVALID_APP_URL", "does not parse"),
    bad("app-url-garbage", "run --app-url not-a-url", "MIMETIC_INVALID_APP_URL", "not-a-url"),
    bad("app-url-private-network", "run --app-url http://10.0.0.5:3000/", "MIMETIC_INVALID_APP_URL", "10.0.0.5"),
    bad("app-url-with-dry-run", f"run --app-url {LOOPBACK} --dry-run", "MIMETIC_APP_URL_OPTION_CONFLICT", "--dry-run"),
    bad("app-url-with-lab", f"run first-run --app-url {LOOPBACK}", "MIMETIC_APP_URL_OPTION_CONFLICT", "lab"),
    bad("app-url-unknown-actor", f"run --app-url {LOOPBACK} --actor codex", "MIMETIC_UNSUPPORTED_ACTOR", "'codex'"),
    bad("actor-without-app-url", "run --actor openai-cua", "MIMETIC_APP_URL_OPTION_CONFLICT", "--app-url"),
    bad("run-without-mode", "run", "MIMETIC_LIVE_RUN_UNIMPLEMENTED", "--dry-run", "Nothing was written"),
    # --- env files ----------------------------------------------------------------------------------
    bad("env-file-bad-line", "run --dry-run --env-file app.env", "MIMETIC_ENV_FILE_INVALID", "line 3",
        files={"app.env": "# comment\nGOOD=1\nthis is not an assignment\n"}),
    bad("env-file-unmatched-quote", "run --dry-run --env-file app.env", "MIMETIC_ENV_FILE_INVALID", "line 2",
        files={"app.env": "A=1\nB=\"never closed\nC=3\n"}),
    bad("env-file-bad-name", "lab run first-run --env-file app.env", "MIMETIC_ENV_FILE_INVALID", "line 1",
        files={"app.env": "1BAD=x\n"}),
    bad("env-file-missing", "run --dry-run --env-file missing.env", "MIMETIC_ENV_FILE_NOT_FOUND", "missing.env"),
    bad("env-file-value-not-echoed", "watch --env-file app.env", "MIMETIC_ENV_FILE_INVALID", "line 2",
        files={"app.env": "A_TOKEN=fine-value-1\nB_TOKEN='s3cr3t-value' trailing\n"}, never_shown="s3cr3t-value"),
    # --- lab manifests ------------------------------------------------------------------------------
    bad("lab-unknown-field-strict", "--strict lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:4: bogus:",
        "unknown field", files=lab(LAB_HEAD + "bogus: 1\n")),
    bad("lab-yaml-syntax-error", "lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:4:",
        "YAML syntax error", files=lab(LAB_HEAD + "title: a: b\nsims: 2\n")),
    bad("lab-bad-schema-id", "lab inspect broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:1: schema:",
        files=lab("schema: mimetic.lab.v9\nid: broken\nkind: synthetic\n")),
    bad("lab-bad-id", "lab run labs/custom.yaml", "MIMETIC_LAB_INVALID", "labs/custom.yaml:2: id:",
        files={"labs/custom.yaml": "schema: mimetic.lab.v1\nid: 'bad id!'\nkind: synthetic\n"}),
    bad("lab-bad-kind", "lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:3: kind:",
        files=lab("schema: mimetic.lab.v1\nid: broken\nkind: quantum\n")),
    bad("lab-count-zero", "lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:4: count:",
        "positive integer", files=lab(LAB_HEAD + "count: 0\n")),
    bad("lab-duplicate-key", "lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:3:", "duplicate key",
        files=lab("schema: mimetic.lab.v1\nid: broken\nid: again\nkind: synthetic\n")),
    bad("lab-not-a-mapping", "lab run broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:1:", "mapping",
        files=lab("- one\n- two\n")),
    bad("lab-negative-actor-budget", "lab run broken --dry-run", "MIMETIC_LAB_INVALID",
        "mimetic/labs/broken.yaml:6: actor -> maxUsdPerLane:",
        files=lab("schema: mimetic.lab.v1\nid: broken\nkind: oss-meta\nactor:\n  kind: openai-cua\n"
                  "  maxUsdPerLane: -1\n")),
    bad("lab-missing-kind", "lab inspect broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:1: kind:",
        "required", files=lab("schema: mimetic.lab.v1\nid: broken\n")),
    bad("lab-bad-repo-in-manifest", "lab run broken --dry-run", "MIMETIC_INVALID_OSS_REPO", "git@github.com:a/b",
        files=lab("schema: mimetic.lab.v1\nid: broken\nkind: oss-meta\nrepos: ['git@github.com:a/b']\n")),
    bad("lab-not-found", "lab run nowhere", "MIMETIC_LAB_NOT_FOUND", "nowhere"),
    bad("lab-over-the-manifest-cap", "lab inspect broken", "MIMETIC_LAB_INVALID", "mimetic/labs/broken.yaml:",
        "larger than 1 MiB", files=lab(LAB_HEAD + PADDING)),
    bad("lab-synthetic-live", "lab run first-run --live", "MIMETIC_LAB_OPTION_CONFLICT", "synthetic"),
    # --- committed personas and scenarios, loaded by run --dry-run and run --app-url ---------------
    bad("persona-unknown-field-strict", "--strict run --dry-run", "MIMETIC_PERSONA_INVALID",
        "mimetic/personas/synthetic-new-user.yaml:4: mood:", "unknown field",
        files={"mimetic/personas/synthetic-new-user.yaml": PERSONA_OK + "mood: grumpy\n"}),
    bad("persona-over-the-manifest-cap", "run --dry-run", "MIMETIC_PERSONA_INVALID",
        "mimetic/personas/synthetic-new-user.yaml:", "larger than 1 MiB",
        files={"mimetic/personas/synthetic-new-user.yaml": PERSONA_OK + PADDING}),
    bad("persona-empty-name", "run --dry-run", "MIMETIC_PERSONA_INVALID",
        "mimetic/personas/synthetic-new-user.yaml:3: name:",
        files={"mimetic/personas/synthetic-new-user.yaml": PERSONA_OK.replace("New user", "''")}),
    bad("scenario-missing-goal", "run --dry-run", "MIMETIC_SCENARIO_INVALID",
        "mimetic/scenarios/first-run-smoke.yaml:1: goal:", "required",
        files={"mimetic/scenarios/first-run-smoke.yaml": SCENARIO_OK.replace("goal: Reach the first screen.\n", "")}),
    bad("persona-bad-trait-on-app-url", f"run --app-url {LOOPBACK}", "MIMETIC_PERSONA_INVALID",
        "mimetic/personas/synthetic-new-user.yaml:5: traits -> patience:",
        files={"mimetic/personas/synthetic-new-user.yaml": PERSONA_OK + "traits:\n  patience: infinite\n"}),
    bad("browser-step-without-selector", f"run --app-url {LOOPBACK}", "MIMETIC_SCENARIO_INVALID",
        "mimetic/scenarios/add-todo.yaml:11: browser -> steps -> 1:", "needs a selector",
        files={"mimetic/scenarios/add-todo.yaml": BROWSER_SCENARIO}),
    bad("browser-scenario-yaml-tab", f"run --app-url {LOOPBACK}", "MIMETIC_SCENARIO_INVALID",
        "mimetic/scenarios/add-todo.yaml:", "YAML syntax error",
        files={"mimetic/scenarios/add-todo.yaml": "schema: mimetic.scenario.v1\nid: x\n\ttitle: tabbed\n"}),
    bad("network-policy-url-host", "run --app-url http://staging.internal:3000/", "MIMETIC_MANIFEST_INVALID",
        "mimetic/policies/network.yaml:3: allowedHosts:",
        files={"mimetic/policies/network.yaml": "schema: mimetic.network-policy.v1\ndefault: custom_allowlist\n"
                                                "allowedHosts: ['https://staging.internal']\n"}),
    # --- feedback -----------------------------------------------------------------------------------
    bad("feedback-format-html", "feedback issue --repo example/app --format html", "MIMETIC_UNSUPPORTED_FORMAT",
        "markdown", with_run=True),
    bad("feedback-draft-without-run", "feedback draft", "MIMETIC_RUN_NOT_FOUND", "latest.json"),
    bad("feedback-unknown-candidate", "feedback draft --candidate nope/none", "MIMETIC_FEEDBACK_CANDIDATE_NOT_FOUND",
        "nope/none", with_run=True),
    # --- watch and observe --------------------------------------------------------------------------
    bad("watch-run-with-sims", "watch --run latest --sims 4", "MIMETIC_WATCH_OPTION_CONFLICT", "--sims",
        with_run=True),
    bad("watch-lab-with-run", "watch first-run --run latest", "MIMETIC_WATCH_OPTION_CONFLICT", "--run",
        with_run=True),
    bad("watch-lab-twice", "watch first-run --lab first-run", "MIMETIC_WATCH_OPTION_CONFLICT", "--lab"),
    bad("watch-lab-flag-without-lab", "watch --count 2", "MIMETIC_WATCH_OPTION_CONFLICT", "--count"),
    bad("watch-port-out-of-range", "watch --port 70000", "MIMETIC_INVALID_PORT", "70000"),
    bad("observe-port-out-of-range", "observe --port 70000", "MIMETIC_INVALID_PORT", "70000", with_run=True),
    bad("observe-missing-run", "observe --run nope", "MIMETIC_RUN_NOT_FOUND", "nope", with_run=True),
    # --- the rest of the surface --------------------------------------------------------------------
    bad("schema-show-unknown", "schema show mimetic.nope.v1", "MIMETIC_SCHEMA_NOT_FOUND", "mimetic.nope.v1"),
    bad("init-without-yes", "init", "MIMETIC_CONFIRMATION_REQUIRED", "nothing was written"),
    bad("init-invalid-package-json", "init --yes", "MIMETIC_INVALID_PACKAGE_JSON", "package.json",
        files={"package.json": '{"name": "app", "scripts": {'}),
    bad("stats-since-garbage", "stats --since yesterday-ish", "MIMETIC_INVALID_SINCE", "yesterday-ish"),
    bad("cleanup-missing-run", "cleanup --run nope", "MIMETIC_RUN_NOT_FOUND", "nope", with_run=True),
]


def _prepare(project, cli, case: Bad) -> None:
    if case.with_run:
        assert cli("run", "--dry-run", "--run-id", "seed-run", "--json").exit_code == 0
    for relative, text in case.files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_catalogue_names_at_least_forty_distinct_malformed_inputs():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) >= 40


@pytest.mark.parametrize("case", CASES)
def test_malformed_input_exits_2_with_a_named_code_and_message_and_writes_nothing(case: Bad, cli, project):
    _prepare(project, cli, case)
    before = tree_snapshot(project)

    result = cli(*case.argv, "--json")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    error = result.json()["error"]
    assert error["code"] == case.code, error
    for fragment in case.says:
        assert fragment in error["message"], error
    assert tree_snapshot(project) == before

    human = cli(*case.argv)
    assert human.exit_code == 2
    assert f"{case.code}: " in human.stderr and "Traceback" not in human.stderr + human.stdout
    assert tree_snapshot(project) == before
    if case.never_shown:
        assert case.never_shown not in result.stdout + result.stderr + human.stdout + human.stderr


def test_a_manifest_just_under_the_cap_still_loads(cli, project):
    from mimetic.manifests import MAX_MANIFEST_BYTES

    text = LAB_HEAD + "sims: 1\n"
    _prepare(project, cli, Bad((), "", (), lab(text + "# " + "x" * (MAX_MANIFEST_BYTES - len(text) - 3) + "\n")))
    assert (project / "mimetic/labs/broken.yaml").stat().st_size == MAX_MANIFEST_BYTES
    shown = cli("lab", "inspect", "broken", "--json")
    assert shown.exit_code == 0, shown.stdout
