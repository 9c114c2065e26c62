import json
import subprocess
import sys

from mimetic import __version__

HEAVY = ("openai", "e2b", "e2b_desktop", "playwright", "jinja2", "httpx", "httpx2", "pydantic")


def test_help_does_not_import_heavy_modules():
    code = ("import sys; sys.argv=['mimetic','--help']\n"
            "from mimetic.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED="


def loaded_command_modules(*argv: str, cwd) -> set[str]:
    code = (f"import sys; sys.argv=['mimetic', *{list(argv)!r}]\n"
            "from mimetic.cli import COMMAND_MODULES, main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED=' + ','.join(m for m in COMMAND_MODULES if 'mimetic.cli.' + m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd).stdout
    return set(out.strip().splitlines()[-1].removeprefix("LOADED=").split(","))


def test_a_command_builds_only_its_own_module_and_help_or_a_typo_builds_them_all(tmp_path):
    # `run` reaches into `lab` for the lab form; every other command module stays unimported.
    assert loaded_command_modules("--json", "run", "--dry-run", "--sims", "1", cwd=tmp_path) == {"run", "lab"}
    assert loaded_command_modules("lab", "list", "--json", cwd=tmp_path) == {"lab", "watch"}  # `lab oss` runs watch
    assert len(loaded_command_modules("help", "run", cwd=tmp_path)) == 17
    assert len(loaded_command_modules("runn", cwd=tmp_path)) == 17


def test_help_of_a_command_and_a_typo_answer_as_with_every_command_built(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mimetic", "help", "run"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("Usage: mimetic run [OPTIONS]")
    typo = subprocess.run([sys.executable, "-m", "mimetic", "runn"], capture_output=True, text=True)
    assert typo.returncode == 2 and "Did you mean 'run', 'runs'?" in typo.stderr


def test_help_lists_every_command(cli):
    out = cli("--help", cwd=False).stdout
    for name in ("init", "doctor", "run", "verify", "review", "runs", "watch", "lab", "feedback", "schema"):
        assert name in out


def test_version_prints_the_package_version(cli):
    result = cli("--version", cwd=False)
    assert result.exit_code == 0 and result.stdout.strip() == __version__


def test_python_dash_m_and_leading_separator_work(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mimetic", "--", "runs", "--json", "--cwd", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["schema"] == "mimetic.runs-result.v1"


def test_global_json_flag_applies_to_subcommands(cli):
    result = cli("--json", "runs")
    assert result.json()["schema"] == "mimetic.runs-result.v1"


def test_missing_cwd_is_invalid_cwd(cli, tmp_path):
    result = cli("runs", "--json", "--cwd", str(tmp_path / "missing"))
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_CWD"
