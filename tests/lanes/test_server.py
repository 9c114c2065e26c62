"""The lane server (lanes/server.py) started by the bootstrap's own `start_lane_server`, driven through its client.

Every step runs once through the server's client and once as its own `python -m mimetic` process; the two
must agree byte for byte. The server's parent is a bash that ran the bootstrap's function and then became
`cat` (the same process), so the server lives exactly as long as that bash does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CHROMIUM
from fixtures.loopback import free_port
from mimetic.lanes.bootstrap import bootstrap_script
from mimetic.lanes.processes import alive
from mimetic.lanes.server import Request, read_requests

pytestmark = pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="the lane server needs Linux /proc")

APP_PACKAGE = '{"name": "tiny", "scripts": {"dev": "node server.js"}}\n'


class LaneServer:
    def __init__(self, root: Path, mimetic: str = f"{sys.executable} -m mimetic"):
        script = bootstrap_script()
        start = script[script.index("start_lane_server() {"):script.index("\nstart_lane_server\n")]
        prelude = f'ROOT={root}; MIMETIC=({mimetic}); server_pid=""\n'
        # The pid goes out on fd 3 (our pipe); the server's own log goes to server.log, as a lane's goes to its log.
        self.parent = subprocess.Popen(
            ["bash", "-c", f'{prelude}{start}\nexec 3>&1 >>"$ROOT/server.log" 2>&1\nstart_lane_server\n'
                           'echo "$server_pid" >&3\nexec 3>&- cat'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = int(self.parent.stdout.readline())
        self.client = str(root / ".lane-server" / "client")
        self.log = root / "server.log"

    def stop(self) -> None:
        self.parent.stdin.close()
        self.parent.wait()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "lane"
    root.mkdir()
    running = LaneServer(root)
    yield running
    running.stop()
    if alive(running.pid):
        os.kill(running.pid, signal.SIGTERM)


def _ran(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _own_process(*args: str, cwd: Path) -> tuple[int, str, str]:
    return _ran([sys.executable, "-m", "mimetic", *args], cwd)



def test_steps_through_the_server_print_the_same_bytes_and_exit_codes_as_their_own_processes(server, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(APP_PACKAGE)
    steps = [
        ["--version"],
        ["lane", "plan-app", "--cwd", str(app), "--host", "127.0.0.1", "--port", "4123"],
        ["lane", "plan-app", "--cwd", str(app), "--json"],
        ["lane", "probe", "--port", str(free_port()), "--timeout", "0"],  # nothing listens: exit 1 and its reason
        ["verify", "--run", "no-such-run", "--json", "--cwd", str(app)],  # bad input: the error document, exit 2
        ["lane", "plan-app", "--no-such-option"],  # a usage error: exit 2 and click's message on stderr
    ]
    for step in steps:
        assert _ran([server.client, *step], tmp_path) == _own_process(*step, cwd=tmp_path), step
    exits = [line for line in server.log.read_text().splitlines() if line.startswith("[mimetic-lane server]")]
    assert exits == ["[mimetic-lane server] --version: exit 0", "[mimetic-lane server] lane plan-app: exit 0",
                     "[mimetic-lane server] lane plan-app: exit 0", "[mimetic-lane server] lane probe: exit 1",
                     "[mimetic-lane server] verify: exit 2", "[mimetic-lane server] lane plan-app: exit 2"]


def test_an_e2b_lanes_console_script_serves_the_steps_too(tmp_path):
    # An E2B lane's mimetic is `<root>/venv/bin/mimetic` from the wheel: the server and the client's fallback use it.
    console = Path(sys.executable).parent / "mimetic"
    if not console.is_file():
        pytest.skip("no mimetic console script beside this interpreter")
    root = tmp_path / "lane"
    root.mkdir()
    running = LaneServer(root, mimetic=str(console))
    try:
        assert f"{console} lane serve" in Path(f"/proc/{running.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        step = ["lane", "probe", "--port", str(free_port()), "--timeout", "0", "--json"]
        assert _ran([running.client, *step], tmp_path) == _ran([str(console), *step], tmp_path)
        assert "[mimetic-lane server] lane probe: exit 1" in running.log.read_text()
    finally:
        running.stop()


def test_a_step_redirected_to_a_file_or_captured_by_bash_gets_the_same_bytes_with_the_client_environment(server, tmp_path):
    served, own, fake_bin = tmp_path / "served", tmp_path / "own", tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "node").write_text("#!/bin/sh\necho v99.1.0\n")
    (fake_bin / "node").chmod(0o755)
    for repo in (served, own):
        repo.mkdir()
        (repo / "package.json").write_text('{"name": "t", "engines": {"node": ">=99"}, "scripts": {"dev": "node s.js"}}')
    # init writes its files under --cwd and its JSON to a `>file` redirect; plan-app's bash goes to a `$(…)` capture,
    # run in the repo (its default --cwd) with a PATH whose node is the one the repo asks for: the client's, not the
    # server's, environment and working directory.
    script = ('"$@" init --yes --json --cwd "$REPO" >"$REPO.json"; echo "init $?"; '
              'plan="$(cd "$REPO" && PATH="$FAKE_BIN:$PATH" "$@" lane plan-app)"; echo "plan $?"; '
              'printf %s "$plan" >"$REPO.plan"')
    for repo, mimetic in ((served, [server.client]), (own, [sys.executable, "-m", "mimetic"])):
        done = subprocess.run(["bash", "-c", script, "step", *mimetic], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "REPO": str(repo), "FAKE_BIN": str(fake_bin)})
        assert done.stdout == "init 0\nplan 0\n", done.stderr
    assert (tmp_path / "served.json").read_text().replace(str(served), "<repo>") == \
        (tmp_path / "own.json").read_text().replace(str(own), "<repo>")
    assert "node_provision=0" in (tmp_path / "served.plan").read_text()  # the fake node on the client's PATH fits
    assert (tmp_path / "served.plan").read_text() == (tmp_path / "own.plan").read_text()
    assert sorted(p.relative_to(served).as_posix() for p in served.rglob("*")) == \
        sorted(p.relative_to(own).as_posix() for p in own.rglob("*"))
    assert "[mimetic-lane server] init: exit 0" in server.log.read_text()


def test_the_server_keeps_no_signal_ignored_that_a_step_in_its_own_process_would_not(server):
    # A process's ignored signals pass to everything it starts (Chromium, the app's tools): only what Python itself
    # ignores (SIGPIPE, SIGXFSZ, restored for its children) may be, never SIGQUIT or SIGINT as a bash `&` job has them.
    def ignored(pid: int) -> int:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)

    subprocess.run([server.client, "--version"], capture_output=True, check=True, timeout=120)  # the server is up
    assert ignored(server.pid) & ~((1 << (signal.SIGPIPE - 1)) | (1 << (signal.SIGXFSZ - 1))) == 0


def test_a_dead_server_makes_the_client_run_the_step_as_its_own_process(server, tmp_path):
    os.kill(server.pid, signal.SIGKILL)  # its parent (cat) never reaps it: a zombie counts as gone
    assert _ran([server.client, "--version"], tmp_path) == _own_process("--version", cwd=tmp_path)
    assert "[mimetic-lane server]" not in server.log.read_text()


def test_a_server_that_dies_mid_step_fails_that_step_with_a_clear_reason_and_never_hangs(server, tmp_path):
    with socket.socket() as silent:  # accepts the probe's connection and never answers it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)  # a hang guard: the probe connects within its first attempt
        port = silent.getsockname()[1]
        client = subprocess.Popen([server.client, "lane", "probe", "--port", str(port), "--timeout", "120"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        connection, _ = silent.accept()  # the step is running inside the server now
        os.kill(server.pid, signal.SIGKILL)
        out, err = client.communicate(timeout=60)
        connection.close()
    assert client.returncode == 1 and out == ""
    assert f"the lane's mimetic server (pid {server.pid}) ended while running: mimetic lane probe --port {port}" in err


SLOW_SERVER = """import os, sys, time
from pathlib import Path
from mimetic.lanes.server import read_requests
folder = Path(sys.argv[sys.argv.index("--folder") + 1])
answers = os.open(folder / "answers", os.O_RDWR)
request = next(read_requests(os.open(folder / "requests", os.O_RDWR)))
for piece in (f"{request.pid} st", "art\\n", f"{request.pid} ", "7\\n"):
    os.write(answers, piece.encode())
    time.sleep(1.5)  # longer than the client's one-second read: each answer arrives across two reads
time.sleep(600)
"""


def test_an_answer_split_across_the_clients_timed_reads_still_reaches_it(tmp_path):
    # A loaded machine delivers an answer as a read times out; the part already read must not be lost with it.
    root = tmp_path / "lane"
    root.mkdir()
    (tmp_path / "slow_server.py").write_text(SLOW_SERVER)
    running = LaneServer(root, mimetic=f"{sys.executable} {tmp_path / 'slow_server.py'}")
    try:
        done = subprocess.run([running.client, "lane", "probe"], capture_output=True, text=True, timeout=60)
    finally:
        os.kill(running.pid, signal.SIGKILL)
        running.stop()
    assert (done.returncode, done.stderr) == (7, "")


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_a_proof_stopped_by_ctrl_c_ends_interrupted_with_130_and_the_server_ends_after_it(server, cli):
    assert cli("init", "--yes", "--json").exit_code == 0
    with socket.socket() as silent:  # the app: accepts the browser's connection and never answers it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(120)  # a hang guard: Chromium connects once it has started
        client = subprocess.Popen([server.client, "run", "--app-url", f"http://127.0.0.1:{silent.getsockname()[1]}/",
                                   "--sims", "1", "--json", "--cwd", str(cli.cwd)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        connection, _ = silent.accept()  # the proof is waiting for the page, inside the server
        os.kill(server.pid, signal.SIGINT)  # what ends a proof as `interrupted` in its own process too
        out, err = client.communicate(timeout=120)
        connection.close()
    assert client.returncode == 130, err
    assert json.loads(out)["verdict"] == "interrupted"
    deadline = time.monotonic() + 60  # a hang guard: the server returns right after its answer
    while alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(server.pid)
    assert server.log.read_text().splitlines()[-1] == "[mimetic-lane server] run: exit 130"


def test_the_server_ends_when_the_bootstrap_that_started_it_is_killed(server):
    assert alive(server.pid)
    server.parent.kill()
    server.parent.wait()
    deadline = time.monotonic() + 60  # a hang guard: the kernel sends SIGTERM as the parent dies
    while alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(server.pid)


def test_requests_are_read_across_partial_writes_and_what_no_client_wrote_is_skipped():
    readable, writable = os.pipe()
    for chunk in (b"junk\0-3\0", b"4\0" b"99999999\0" b"x\0", b"12\0" b"2\0la", b"ne\0probe\0", b"13\0" b"0\0"):
        os.write(writable, chunk)
    os.close(writable)
    assert list(read_requests(readable)) == [Request(12, ["lane", "probe"]), Request(13, [])]
    os.close(readable)
