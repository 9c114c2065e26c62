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
