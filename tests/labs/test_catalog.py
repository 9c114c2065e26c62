import json
from pathlib import Path

LAB = "schema: mimetic.lab.v1\nid: {id}\nkind: synthetic\nsims: 2\n"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_bundled_labs_are_listed_in_an_empty_directory(cli, project):
    data = cli("lab", "list", "--json").json()
    assert {(lab["id"], lab["origin"]) for lab in data["labs"]} >= {
        ("first-run", "bundled"), ("oss", "bundled"), ("oss-smoke", "bundled")}


def test_resolution_prefers_committed_then_ignored_then_local_then_bundled(cli, project):
    _write(project, ".mimetic/local/labs/first-run.yaml", LAB.format(id="first-run"))
    assert cli("lab", "inspect", "first-run", "--json").json()["origin"] == "local"
    _write(project, ".mimetic/labs/first-run.yaml", LAB.format(id="first-run"))
    assert cli("lab", "inspect", "first-run", "--json").json()["origin"] == "ignored"
    _write(project, "mimetic/labs/first-run.yaml", LAB.format(id="first-run"))
    data = cli("lab", "inspect", "first-run", "--json").json()
    assert data["origin"] == "committed" and data["path"] == "mimetic/labs/first-run.yaml"
    listed = [lab for lab in cli("lab", "list", "--json").json()["labs"] if lab["id"] == "first-run"]
    assert [lab["origin"] for lab in listed] == ["committed", "ignored", "local"]


def test_local_overlay_labs_warn_that_they_are_not_reproducible(cli, project):
    _write(project, ".mimetic/labs/private.yaml", LAB.format(id="private"))
    warnings = cli("lab", "inspect", "private", "--json").json()["warnings"]
    assert any("not reproducible" in w for w in warnings)


def test_explicit_path_and_yml_suffix_are_accepted_with_a_warning(cli, project):
    _write(project, "labs/x.yml", LAB.format(id="x"))
    data = cli("lab", "inspect", "labs/x.yml", "--json").json()
    assert data["origin"] == "explicit" and any(".yml" in w for w in data["warnings"])


def test_unknown_field_is_a_warning_with_file_line_field_and_did_you_mean(cli, project):
    _write(project, "mimetic/labs/odd.yaml", "schema: mimetic.lab.v1\nid: odd\nkind: synthetic\nsimz: 2\n")
    result = cli("lab", "run", "odd", "--json")
    assert result.exit_code == 0, result.stdout
    assert "mimetic/labs/odd.yaml:4: simz: unknown field (did you mean 'sims'?)" in result.json()["warnings"]
    listed = cli("lab", "list", "--json").json()
    assert "odd" in [lab["id"] for lab in listed["labs"]]


def test_strict_mode_makes_an_unknown_field_exit_2_and_write_nothing(cli, project):
    _write(project, "mimetic/labs/bad.yaml", "schema: mimetic.lab.v1\nid: bad\nkind: synthetic\nsurprise: 1\n")
    for argv, env in ((("--strict", "lab", "run", "bad", "--json"), None),
                      (("lab", "run", "bad", "--json"), {"MIMETIC_STRICT": "1"})):
        result = cli(*argv, env=env)
        assert result.exit_code == 2
        error = result.json()["error"]
        assert error["code"] == "MIMETIC_LAB_INVALID"
        assert error["message"].startswith("mimetic/labs/bad.yaml:4: surprise: unknown field")
    assert cli("--strict", "lab", "list", "--json").exit_code == 2
    assert not (project / ".mimetic").exists()


def test_yaml_syntax_error_names_the_line(cli, project):
    _write(project, "mimetic/labs/broken.yaml", "schema: mimetic.lab.v1\nid: broken\nkind: [synthetic\n")
    result = cli("lab", "run", "broken")
    assert result.exit_code == 2 and "MIMETIC_LAB_INVALID" in result.stderr
    assert "mimetic/labs/broken.yaml:" in result.stderr and "YAML syntax error" in result.stderr


def test_non_positive_count_is_a_field_error(cli, project):
    _write(project, "mimetic/labs/x.yaml", "schema: mimetic.lab.v1\nid: x\nkind: oss-meta\ncount: 0\n")
    message = cli("lab", "inspect", "x", "--json").json()["error"]["message"]
    assert message == "mimetic/labs/x.yaml:4: count: must be a positive integer"


def test_invalid_lab_files_become_list_warnings_not_failures(cli, project):
    _write(project, "mimetic/labs/bad.yaml", "schema: nope\n")
    data = cli("lab", "list", "--json").json()
    assert data["ok"] and any("mimetic/labs/bad.yaml" in w for w in data["warnings"])


def test_unknown_lab_is_not_found(cli, project):
    result = cli("lab", "run", "nope", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_LAB_NOT_FOUND"


def test_synthetic_lab_run_uses_flag_then_manifest_sims(cli, project):
    assert cli("lab", "run", "first-run", "--json").json()["simCount"] == 4
    assert cli("lab", "run", "first-run", "--sims", "2", "--json").json()["simCount"] == 2


def test_a_lab_names_its_persona_and_scenario_and_a_missing_one_is_an_error(cli, project):
    _write(project, "mimetic/personas/pat.yaml", "schema: mimetic.persona.v1\nid: pat\nname: Pat the power user\n")
    _write(project, "mimetic/labs/named.yaml", LAB.format(id="named") + "persona: pat\n")
    result = cli("lab", "run", "named", "--run-id", "named", "--json")
    assert result.exit_code == 0
    bundle = json.loads((project / ".mimetic/runs/named/run.json").read_text())
    assert bundle["persona"]["id"] == "pat" and bundle["persona"]["source"] == "mimetic/personas/pat.yaml"
    _write(project, "mimetic/labs/ghost.yaml", LAB.format(id="ghost") + "scenario: nowhere\n")
    missing = cli("lab", "run", "ghost", "--json")
    assert missing.exit_code == 2 and missing.json()["error"]["code"] == "MIMETIC_SCENARIO_NOT_FOUND"
    assert sorted(p.name for p in (project / ".mimetic/runs").iterdir() if p.is_dir()) == ["named"]
