"""Stop signals interrupt a run's work, and wait while a run that exists concludes and is reported.

The signal is sent by the code under test itself, at the exact moment named (a patched step of the
run), so each test lands it in one window deterministically instead of after a guessed delay.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from mimetic import interrupts
from mimetic.interrupts import command_scope, signals_held, signals_interrupt

LAB = ("lab", "run", "oss", "--substrate", "e2b", "--repos", "acme/app", "--count", "1", "--no-redact-repos", "--json")


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_inside_the_interrupting_block_a_stop_signal_raises_keyboard_interrupt_and_after_it_does_nothing():
    with signals_held():
        with pytest.raises(KeyboardInterrupt), signals_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
        _ctrl_c()  # held: the run is concluding
    with pytest.raises(KeyboardInterrupt):  # outside any command the handlers found come back at once
        _ctrl_c()


def test_a_command_keeps_the_signals_a_run_held_until_its_own_end_then_restores_them():
    before = signal.getsignal(signal.SIGINT)
    with command_scope():
        with signals_held():
            pass
        _ctrl_c()  # the result is being printed: still held
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before
    assert interrupts._in_command is False


def test_a_program_started_while_signals_are_held_gets_the_default_ctrl_c():
    show = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    with signals_held():
        shown = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "True"  # an ignored SIGINT would have been inherited (SIG_IGN survives exec)


@pytest.fixture
def meta_project(project, cli):
    assert cli("init", "--yes").exit_code == 0
    return project


def test_a_ctrl_c_between_the_lanes_and_the_conclusion_still_prints_the_result_naming_the_run(meta_project, cli,
                                                                                              monkeypatch):
    from mimetic.lanes import meta

    remove_gates = meta._remove_gates
    monkeypatch.setattr(meta, "_remove_gates", lambda *args: (_ctrl_c(), remove_gates(*args)))
    call = cli(*LAB, "--run-id", "ends")
    data = call.json()
    assert data["runId"] == "ends", data  # not the generic MIMETIC_INTERRUPTED envelope
    assert call.exit_code == 1 and data["verdict"] == "blocked"  # the lanes had ended: nothing left to interrupt
    assert (meta_project / ".mimetic/runs/ends/run.json").is_file()


def test_a_ctrl_c_after_the_run_returned_but_before_its_result_is_printed_does_not_replace_it(meta_project, cli,
                                                                                               monkeypatch):
    from mimetic.labs import dispatch

    run_lab = dispatch.run_lab

    def run_then_ctrl_c(*args, **kwargs):
        done = run_lab(*args, **kwargs)
        _ctrl_c()
        return done

    monkeypatch.setattr(dispatch, "run_lab", run_then_ctrl_c)
    call = cli(*LAB, "--run-id", "printed")
    assert json.loads(call.stdout)["runId"] == "printed"
    assert call.exit_code == 1


def test_a_ctrl_c_while_the_command_line_is_still_being_built_exits_130_quietly(project):
    # Lands the signal inside Typer's building of the command tree (after every import, before any command body).
    script = ("import os, signal, sys, typer.main\n"
              "from mimetic.cli import main\n"
              "build = typer.main.get_command\n"
              "def get_command(*args, **kwargs):\n"
              "    os.kill(os.getpid(), signal.SIGINT)\n"
              "    return build(*args, **kwargs)\n"
              "typer.main.get_command = get_command\n"
              f"sys.argv = ['mimetic', 'lab', 'run', 'oss', '--dry-run', '--json', '--cwd', {str(project)!r}]\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130 and done.stdout == "", (done.returncode, done.stdout)
    assert "Traceback" not in done.stderr, done.stderr


def test_a_ctrl_c_that_came_back_as_another_error_still_ends_the_command_interrupted(capsys):
    import typer

    from mimetic.cli._output import execute

    def action():
        try:
            _ctrl_c()
        except KeyboardInterrupt as interrupt:  # what pydantic-core did to one raised while it built a validator
            raise RuntimeError("Error building 'literal' validator") from interrupt

    with pytest.raises(typer.Exit) as ended:
        execute(True, action)
    assert ended.value.exit_code == 130
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "MIMETIC_INTERRUPTED"
