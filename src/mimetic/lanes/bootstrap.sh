#!/usr/bin/env bash
# mimetic lane bootstrap: the one script both substrates run (local: a temp dir on this machine;
# e2b: a hosted desktop). It clones the assigned repo, runs `mimetic init`, starts the app, proves it
# with a nested `mimetic run --app-url`, verifies, renders the nested Observer, and its EXIT trap
# writes completion.json + setup-quality.json through `mimetic lane complete`. Those nested steps run in one
# long-lived mimetic process, the lane server (`start_lane_server`, lanes/server.py), not one start-up each.
#
# Inputs, only through the environment (no secret values except the one private token):
#   MIMETIC_LANE_ROOT              absolute lane root: bootstrap.log, lane-state.txt, completion.json, repo/
#   MIMETIC_LANE_SLUG              GitHub owner/repo to clone
#   MIMETIC_GIT_BASE_URL           replaces https://github.com in the clone URL (mirrors, tests)
#   MIMETIC_LANE_RUN_ID            nested run id (nested-<token>)
#   MIMETIC_LANE_PYTHON            an interpreter with mimetic installed (nested commands: "$PY -m mimetic"),
#                                  or the base interpreter for the venv when MIMETIC_LANE_WHEEL is set
#   MIMETIC_LANE_WHEEL             a mimetic wheel to install into <root>/venv; nested commands then call
#                                  <root>/venv/bin/mimetic by absolute path (never a bare `mimetic`)
#   MIMETIC_LANE_HOST              address the app listens on (127.0.0.1 locally, 0.0.0.0 in a desktop sandbox)
#   MIMETIC_LANE_PORT              port to start the app on (optional; else the script's own port)
#   MIMETIC_LANE_APP_TIMEOUT_S     readiness timeout in seconds (default 120)
#   MIMETIC_LANE_INSTALL_TIMEOUT_S dependency install timeout in seconds (default 600)
#   MIMETIC_LANE_DISPOSABLE=1      the lane is a throwaway sandbox (pnpm build scripts allowed)
#   MIMETIC_LANE_GATES             a folder of `<phase>-<n>.lock` files shared by the run's lanes: the CPU-heavy
#                                  phases (install, proof) hold one of their phase's locks (flock) while they run
#   MIMETIC_LANE_GATE_INDEX        which lock of a phase this lane uses (its index modulo the phase's lock count)
#   MIMETIC_LANE_NODE_CACHE        a read-only cache of Node releases (`node-<version>/`) looked in before fetching
#   MIMETIC_LANE_SERVER=0          every nested step as its own mimetic process, not in the lane server (lanes/server.py)
#   COREPACK_* / npm_config_*      the user's package-manager settings, passed through
#   MIMETIC_LANE_DESKTOP=1         a desktop with Chrome + xdotool: show app and nested Observer windows
#   MIMETIC_LANE_PRIVATE=1         private run: setup-quality carries no raw previews
#   MIMETIC_LANE_LOG_TO_TERMINAL=1 also print the log on the terminal (a visible desktop terminal)
#   MIMETIC_OSS_META_ACTOR_FIRST, _ACTOR_MODEL, _HOST_CODEX_ACTOR, _ACTOR_TIMEOUT_MS, _REQUIRE_ACTOR
#                                  forwarded flags, for information only: the actor runs on the host
#   MIMETIC_ENABLE_LOCAL_CODEX_EXEC, MIMETIC_CODEX_ACTOR_COMMAND, MIMETIC_CODEX_ACTOR_TIMEOUT_MS
#                                  the setup actor (lanes/setup_actor.py): opt-in, command, wall time; its
#                                  credential arrives only as <root>/setup-actor-credentials.json, taken and
#                                  deleted by the setup-actor step (and by the EXIT trap if never reached)
#   <root>/.github-token           private (a file, never the environment): read into an unexported shell
#                                  variable and deleted before any repo code runs; it reaches git only
#                                  through an askpass helper that reads it from git's env
set -u -o pipefail
umask 077

ROOT="${MIMETIC_LANE_ROOT:?MIMETIC_LANE_ROOT is required}"
SLUG="${MIMETIC_LANE_SLUG:?MIMETIC_LANE_SLUG is required}"
NESTED_RUN_ID="${MIMETIC_LANE_RUN_ID:-nested-lane}"
BASE_URL="${MIMETIC_GIT_BASE_URL:-https://github.com}"
REPO="$ROOT/repo"
LOG="$ROOT/bootstrap.log"
STATE="$ROOT/lane-state.txt"
APP_LOG="$ROOT/app.log"
NESTED_DIR="$REPO/.mimetic/runs/$NESTED_RUN_ID"

_github_token=""
token_file="$ROOT/.github-token"  # lanes/bootstrap.py TOKEN_FILE
if [ -f "$token_file" ] && [ ! -L "$token_file" ]; then
  _github_token="$(cat "$token_file")"
fi
rm -f "$token_file"
unset MIMETIC_GITHUB_TOKEN OPENAI_API_KEY CODEX_API_KEY CODEX_ACCESS_TOKEN E2B_API_KEY GH_TOKEN GITHUB_TOKEN GITHUB_PAT

mkdir -p "$ROOT" && cd "$ROOT" || exit 1
: >"$STATE"
if [ "${MIMETIC_LANE_LOG_TO_TERMINAL:-0}" = 1 ]; then
  exec > >(tee -a "$LOG") 2>&1
else
  exec >>"$LOG" 2>&1
fi

note() { printf '%s=%s\n' "$1" "$(printf '%s' "${2:-}" | tr '\n\r' '  ')" >>"$STATE"; }
say() { printf '[mimetic-lane %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
step() { note step "$1"; say "step: $1"; }
fail() { note fail_reason "$1"; say "failed: $1"; exit "${2:-1}"; }
with_timeout() {
  local seconds="$1"; shift
  if command -v timeout >/dev/null 2>&1; then timeout --kill-after=5 "$seconds" "$@"; else "$@"; fi
}

MIMETIC=()
server_pid=""
write_fallback_completion() {
  local tmp="$ROOT/.completion.json.tmp"
  printf '{"schema":"mimetic.oss-meta-bootstrap-completion.v1","status":"failed","reason":"%s","exitCode":%d,"completedAt":"%s"}\n' \
    "Bootstrap failed before mimetic could record the lane; see bootstrap.log." "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >"$tmp" && mv -f "$tmp" "$ROOT/completion.json"
}
finish() {
  local rc=$?
  trap - EXIT INT TERM
  rm -f "$ROOT/setup-actor-credentials.json"
  note exit_code "$rc"
  if [ "${#MIMETIC[@]}" -gt 0 ] && "${MIMETIC[@]}" lane complete --root "$ROOT" --exit-code "$rc" >/dev/null; then
    say "completion written (exit $rc)"
  else
    write_fallback_completion "$rc"
  fi
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
}
trap finish EXIT
trap 'exit 130' INT TERM

# 1. mimetic itself: the host's interpreter, or a wheel installed into a venv.
step mimetic
if [ -n "${MIMETIC_LANE_WHEEL:-}" ]; then
  base_python="${MIMETIC_LANE_PYTHON:-python3}"
  "$base_python" -m venv "$ROOT/venv" || fail "Could not create a Python venv for mimetic ($base_python -m venv)."
  "$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$MIMETIC_LANE_WHEEL" \
    || fail "Could not install the mimetic wheel into the lane venv."
  MIMETIC=("$ROOT/venv/bin/mimetic")
elif [ -n "${MIMETIC_LANE_PYTHON:-}" ]; then
  MIMETIC=("$MIMETIC_LANE_PYTHON" -m mimetic)
else
  fail "No mimetic for the lane: neither MIMETIC_LANE_PYTHON nor MIMETIC_LANE_WHEEL is set."
fi
MIMETIC_PROCESS=("${MIMETIC[@]}")  # one Python start-up per step

# The nested steps run in one long-lived mimetic process (lanes/server.py) through a client that falls back to
# MIMETIC_PROCESS when the server is gone; MIMETIC_LANE_SERVER=0 runs every step as its own process instead.
start_lane_server() {
  local folder="$ROOT/.lane-server"
  [ "${MIMETIC_LANE_SERVER:-1}" != 0 ] || return 0
  rm -rf "$folder"
  mkdir -p "$folder" && mkfifo "$folder/requests" "$folder/answers" || return 0
  "${MIMETIC[@]}" lane serve --folder "$folder" --parent "$$" </dev/null &
  server_pid=$!
  {
    printf '#!%s\n' "$BASH"
    printf 'folder=%q server=%q fallback=(' "$folder" "$server_pid"
    printf ' %q' "${MIMETIC[@]}"
    printf ' )\n'
    cat <<'CLIENT'
# mimetic "$@" through the lane server (protocol: lanes/server.py), or as its own process when the server is gone.
# The server adopts this process's fds 0-2 by /proc, so they are never redirected here, not even for a moment:
# a builtin's or function's redirection would swap them while the server looks (hence `exec {fd}`, the subshell
# and no `2>/dev/null`).
alive() {
  local fd stat
  [ -r "/proc/$server/stat" ] && exec {fd}<"/proc/$server/stat" || return 1
  read -r -u "$fd" stat
  exec {fd}<&-
  [[ "${stat##*) }" != [ZX]* ]]
}
started=0 line=""
if alive && exec {requests}<>"$folder/requests" {answers}<>"$folder/answers"; then
  (printf '%s\0' "$$" "$#" "$@" >&"$requests")
  while :; do
    # A read that times out keeps what it had read of a line in `part`, and those bytes are gone from the FIFO:
    # kept here, or an answer that arrives as the second ticks over would be cut and waited for forever.
    if IFS= read -r -t 1 -u "$answers" part; then
      line+="$part"
      who="${line%% *}" answer="${line#* }" line=""
      [ "$who" = "$$" ] || continue
      case "$answer" in
        start) started=1 ;;
        fallback) break ;;
        *) exit "$answer" ;;
      esac
    else
      line+="$part"
      alive && continue
      [ "$started" = 0 ] || { echo "the lane's mimetic server (pid $server) ended while running: mimetic $*" >&2; exit 1; }
      break
    fi
  done
  exec {requests}>&- {answers}>&-
fi
exec "${fallback[@]}" "$@"
CLIENT
  } >"$folder/client" && chmod 700 "$folder/client" && MIMETIC=("$folder/client")
}
start_lane_server
if ! "${MIMETIC[@]}" --version; then
  MIMETIC=()
  fail "The lane's mimetic does not run."
fi

# The tool's own last error line in a log: npm's `ERR!`, pnpm's ERR_PNPM_…, yarn's error, git's fatal, a Rust
# CLI's `x …` (turbo). A manager's closing "Command failed with exit code 1" only wraps the real one.
last_error_line() {
  local line wrapper='complete log of this run|ELIFECYCLE|Command failed with exit code|^[[:space:]]*$'
  line="$(grep -aE 'ERR!|ERR_[A-Z_]+|YN0001|(^|[[:space:]])(error|Error|ERROR|fatal)([: ]|$)|^[[:space:]]*[x×] ' "$1" \
    2>/dev/null | grep -avE "$wrapper|(ERR!?|error)( +[A-Z0-9_]+)? *[][{}(),]* *\$" | tail -n 1)"
  [ -n "$line" ] || line="$(grep -avE "$wrapper" "$1" 2>/dev/null | tail -n 1)"
  printf '%s' "${line:-(no output)}" | tr -d '\r' | cut -c1-300
}

# gated <phase> cmd…: run a CPU-heavy phase holding one of the run's locks for it, so lanes on a small machine
# take turns instead of all timing out. `flock -o` keeps the lock out of the command's own processes.
gated() {
  local phase="$1" locks count
  shift
  if [ -z "${MIMETIC_LANE_GATES:-}" ] || ! command -v flock >/dev/null 2>&1; then "$@"; return; fi
  locks=("$MIMETIC_LANE_GATES/$phase"-*.lock)
  count="${#locks[@]}"
  if [ ! -e "${locks[0]}" ]; then "$@"; return; fi
  say "waiting for a $phase slot" >&2  # never on stdout: a phase's stdout may be its result (nested-run.json)
  flock -o "${locks[$(( ${MIMETIC_LANE_GATE_INDEX:-0} % count ))]}" "$@"
}

# 2. Clone: anonymous first; a token only through an askpass helper that reads it from git's env.
step clone
clone_url="${BASE_URL%/}/$SLUG.git"
git_clone() {
  rm -rf "$REPO"
  GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
    git -c credential.helper= clone --depth 1 --quiet "$clone_url" "$REPO" 2>>"$ROOT/clone.log"
}
if GIT_ASKPASS= SSH_ASKPASS= git_clone; then
  note clone_auth anonymous
elif [ -n "$_github_token" ]; then
  rm -rf "$REPO"
  askpass="$ROOT/git-askpass.sh"
  printf '%s\n' '#!/bin/sh' \
    'case "$1" in Username*) echo x-access-token ;; *) printf "%s\n" "$MIMETIC_GIT_ASKPASS_SECRET" ;; esac' >"$askpass"
  chmod 700 "$askpass"
  if MIMETIC_GIT_ASKPASS_SECRET="$_github_token" GIT_ASKPASS="$askpass" git_clone; then
    rm -f "$askpass"
    note clone_auth token
  else
    rm -f "$askpass"
    fail "Clone of $SLUG failed (anonymously and with the GitHub token): $(last_error_line "$ROOT/clone.log")" 3
  fi
else
  fail "Clone of $SLUG failed: $(last_error_line "$ROOT/clone.log")" 3
fi
_github_token=""
say "cloned $SLUG at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# 3. mimetic init in the clone.
step init
if "${MIMETIC[@]}" init --yes --json --cwd "$REPO" >"$ROOT/init.json"; then
  note init passed
else
  note init failed
  fail "mimetic init --yes failed in the clone." 4
fi

# 3b. The setup actor: a coding agent adopts mimetic for this app (opt-in; it notes why when it does not run).
step setup-actor
# Opted in, it takes a credential: then it runs as its own process, so the credential ends with it.
setup_actor=("${MIMETIC[@]}")
[ "${MIMETIC_ENABLE_LOCAL_CODEX_EXEC:-0}" = 1 ] && setup_actor=("${MIMETIC_PROCESS[@]}")
"${setup_actor[@]}" lane setup-actor --root "$ROOT" || say "the setup actor step failed; see lane-state.txt"
rm -f "$ROOT/setup-actor-credentials.json"

# 4. How to run the app: package manager, script, framework, port.
step plan
# The registry the user's npm uses (read here, outside the clone, so not the repo's .npmrc): installs and corepack
# go to it, as a regional mirror a repo names may be out of this machine's reach.
user_registry=""
if command -v npm >/dev/null 2>&1; then
  user_registry="$(cd "$ROOT" && with_timeout 60 npm config get registry 2>/dev/null </dev/null)" || user_registry=""
fi
plan_args=(lane plan-app --cwd "$REPO" --host "${MIMETIC_LANE_HOST:-127.0.0.1}")
[ -n "$user_registry" ] && plan_args+=(--registry "$user_registry")
[ -n "${MIMETIC_LANE_PORT:-}" ] && plan_args+=(--port "$MIMETIC_LANE_PORT")
[ "${MIMETIC_LANE_DISPOSABLE:-0}" = 1 ] && plan_args+=(--disposable)
plan_text="$("${MIMETIC[@]}" "${plan_args[@]}")" || fail "Could not plan how to start the app." 5
eval "$plan_text"
note pm "$pm"
note app_script "$app_script"
note app_framework "$app_framework"

# 4b. Toolchain: the Node the repo asks for (fetched when this machine's does not fit), then its package manager.
TOOLS="$ROOT/toolchain"
export COREPACK_ENABLE_DOWNLOAD_PROMPT="${COREPACK_ENABLE_DOWNLOAD_PROMPT:-0}"
# corepack fetches managers from the registry the user's npm uses, not only its built-in default
[ -z "${COREPACK_NPM_REGISTRY:-}" ] && [ -n "$user_registry" ] && export COREPACK_NPM_REGISTRY="${user_registry%/}"
host_node="$(command -v node 2>/dev/null || true)"
# host_tool <cli>: argv that runs a Node CLI (npm, corepack). On the repo's Node when it runs there cleanly, so
# npm checks the repo's engines/devEngines against the Node the app gets; else on this machine's own Node, the
# one it was installed for (npm 11 does not even start on the Node 18 an old .nvmrc asks for).
host_tool() {
  local bin tool complaint
  bin="$(command -v "$1" 2>/dev/null)" || return 1
  if [ "${node_provisioned:-0}" = 1 ] && [ -n "$host_node" ]; then
    tool="$(readlink -f "$bin")"
    if complaint="$(cd "$ROOT" && with_timeout 60 node "$tool" --version 2>&1 >/dev/null </dev/null)" \
        && [ -z "$complaint" ]; then
      printf '%s\n' "$(command -v node)" "$tool"
    else
      printf '%s\n' "$host_node" "$tool"
    fi
  else
    printf '%s\n' "$bin"
  fi
}
if [ "$app_runnable" = 1 ] && [ "$node_provision" = 1 ]; then
  step toolchain
  node_args=(lane node --spec "$node_spec" --source "$node_source" --cache "$TOOLS")
  [ "$node_pinned" = 1 ] && node_args+=(--pinned)
  [ -n "${MIMETIC_LANE_NODE_CACHE:-}" ] && node_args+=(--shared "$MIMETIC_LANE_NODE_CACHE")
  node_bin="$("${MIMETIC[@]}" "${node_args[@]}")" || fail "$node_bin" 5
  export PATH="$node_bin:$PATH"
  node_provisioned=1
  note node_source provisioned
  say "using the Node $node_source asks for ($node_spec): $(node --version)"
elif command -v node >/dev/null 2>&1; then
  note node_source host
fi
command -v node >/dev/null 2>&1 && note node_version "$(node --version 2>/dev/null)"
npm_cmd=() corepack_cmd=()
mapfile -t npm_cmd < <(host_tool npm)
mapfile -t corepack_cmd < <(host_tool corepack)

# resolve_pm: how this lane reaches the manager: a checked-in Yarn release, the host's binary (when it is the
# version asked for), corepack, else that exact version fetched from the npm registry into the lane.
resolve_pm() {
  pm_cmd=("${pm_runner[@]}")
  pm_via=binary
  if [ "$pm" = npm ] && [ "${#npm_cmd[@]}" -gt 0 ]; then pm_cmd=("${npm_cmd[@]}"); fi
  case "$pm" in pnpm|yarn) ;; *) return 0 ;; esac
  if [ -n "$yarn_path" ]; then
    pm_cmd=(node "$REPO/$yarn_path")
    pm_via=yarnPath
    return 0
  fi
  local have
  if command -v "$pm" >/dev/null 2>&1; then
    have="$(cd "$REPO" && with_timeout 60 "$pm" --version 2>/dev/null </dev/null)"
    if { [ -n "$pm_version" ] && [ "$have" = "$pm_version" ]; } || { [ -z "$pm_version" ] && [ -n "$have" ] \
        && { [ "$pm_berry" = 0 ] || [ "${have%%.*}" -ge 2 ] 2>/dev/null; }; }; then
      pm_cmd=("$pm")
      return 0
    fi
  fi
  if [ "${#corepack_cmd[@]}" -gt 0 ] \
      && (cd "$REPO" && with_timeout 300 "${corepack_cmd[@]}" "$pm" --version) >>"$ROOT/toolchain.log" 2>&1 </dev/null; then
    pm_cmd=("${corepack_cmd[@]}" "$pm")
    pm_via=corepack
    return 0
  fi
  local package="$pm" version="${pm_version:-latest}"
  [ "$pm" = yarn ] && [ "$pm_berry" = 1 ] && package="@yarnpkg/cli-dist"
  [ "$pm" = yarn ] && [ "$pm_berry" = 0 ] && [ -z "$pm_version" ] && version=1
  say "corepack could not provide $pm; fetching $package@$version from the npm registry into the lane"
  [ "${#npm_cmd[@]}" -gt 0 ] || return 1
  if (cd "$ROOT" && with_timeout 300 "${npm_cmd[@]}" install --prefix "$TOOLS/$pm-$version" --no-save --no-audit --no-fund \
        --ignore-scripts --no-package-lock "$package@$version") >>"$ROOT/toolchain.log" 2>&1 </dev/null \
      && [ -x "$TOOLS/$pm-$version/node_modules/.bin/$pm" ]; then
    pm_cmd=("$TOOLS/$pm-$version/node_modules/.bin/$pm")
    pm_via=npm-registry
    return 0
  fi
  return 1
}

# 5. Install dependencies, start the app, wait for it on loopback.
app_url=""
if [ "$app_runnable" != 1 ]; then
  note app_status "$app_unrunnable_status"
  note app_reason "$app_reason"
  say "app not started: $app_reason"
elif [ "$app_framework" != static ] && ! resolve_pm; then
  note app_status blocked
  note app_reason "Could not run $pm${pm_version:+ $pm_version} (corepack, then the npm registry): $(last_error_line "$ROOT/toolchain.log")"
  say "package manager unavailable; tail of toolchain.log:"
  tail -n 20 "$ROOT/toolchain.log"
else
  install_ok=1
  if [ "$app_framework" = static ]; then
    # Served by the lane's own Python: a `python3` on PATH may be a shim into a folder the sandbox hides.
    start_cmd=("${MIMETIC_LANE_PYTHON:-python3}" "${start_args[@]:1}")
  else
    note pm_via "$pm_via"
    note pm_version "$(cd "$REPO" && with_timeout 60 "${pm_cmd[@]}" --version 2>/dev/null </dev/null | tail -n 1)"
    say "package manager: ${pm_cmd[*]} ($pm_via)"
    if [ "$pm_via" != binary ]; then
      # Reachable by its own name too: turbo and package scripts call `pnpm …` / `yarn …` themselves.
      mkdir -p "$TOOLS/bin"
      { printf '#!%s\nexec' "$BASH"; printf ' %q' "${pm_cmd[@]}"; printf ' "$@"\n'; } >"$TOOLS/bin/$pm"
      chmod 700 "$TOOLS/bin/$pm"
      export PATH="$TOOLS/bin:$PATH"
    fi
    start_cmd=("${pm_cmd[@]}" "${start_args[@]}")
    step install
    install_budget="${MIMETIC_LANE_INSTALL_TIMEOUT_S:-600}"
    limit=()  # a binary, not with_timeout: flock runs a command, not a shell function
    command -v timeout >/dev/null 2>&1 && limit=(timeout --kill-after=5 "$install_budget")
    (cd "$REPO" && gated install ${limit[@]+"${limit[@]}"} \
        env ${install_env[@]+"${install_env[@]}"} "${pm_cmd[@]}" "${install_args[@]}") >>"$ROOT/install.log" 2>&1 </dev/null
    install_rc=$?
    if [ "$install_rc" -ne 0 ]; then
      install_ok=0
      note install failed
      note app_status failed
      if [ "$install_rc" -eq 124 ] || [ "$install_rc" -eq 137 ]; then
        note app_reason "Dependency install ($pm) did not finish within its ${install_budget} s budget (MIMETIC_LANE_INSTALL_TIMEOUT_S)."
      else
        note app_reason "Dependency install failed ($pm, exit $install_rc): $(last_error_line "$ROOT/install.log")"
      fi
      say "dependency install failed; tail of install.log:"
      tail -n 20 "$ROOT/install.log"
    else
      note install passed
    fi
  fi
  if [ "$install_ok" = 1 ]; then
    step start
    (cd "$REPO" && exec env ${start_env[@]+"${start_env[@]}"} "${start_cmd[@]}") >>"$APP_LOG" 2>&1 </dev/null &
    app_pid=$!
    note app_pid "$app_pid"
    step probe
    probe_budget="${MIMETIC_LANE_APP_TIMEOUT_S:-120}"
    if probe_out="$("${MIMETIC[@]}" lane probe --port "$app_port" --port "$app_script_port" \
        --timeout "$probe_budget" --pid "$app_pid")"; then
      app_url="$probe_out"
      note app_status running
      note app_url "$app_url"
      say "app answered at $app_url"
    else
      note app_status failed
      note app_reason "$probe_out (MIMETIC_LANE_APP_TIMEOUT_S=$probe_budget) Last app log line: $(last_error_line "$APP_LOG")"
      say "app not ready: $probe_out"
    fi
  fi
fi

# 6. Nested proof: the browser proof when the app runs, else a dry-run contract proof.
step proof
note nested_run_id "$NESTED_RUN_ID"
if [ -n "$app_url" ]; then
  note nested_proof app-url
  proof=(run --app-url "$app_url" --sims 2 --run-id "$NESTED_RUN_ID" --json --cwd "$REPO")
else
  note nested_proof dry-run
  proof=(run --dry-run --sims 2 --run-id "$NESTED_RUN_ID" --json --cwd "$REPO")
fi
proof_gate=()
[ -n "$app_url" ] && proof_gate=(gated proof)  # only a browser proof is CPU-heavy; a dry run takes no turn
if ${proof_gate[@]+"${proof_gate[@]}"} "${MIMETIC[@]}" "${proof[@]}" >"$ROOT/nested-run.json"; then
  note nested_proof_status passed
  proof_passed=1
else
  note nested_proof_status failed
  proof_passed=0
fi

step verify
if "${MIMETIC[@]}" verify --run latest --json --cwd "$REPO" >"$ROOT/nested-verify.json"; then
  note nested_verify passed
else
  note nested_verify failed
fi

step observer
"${MIMETIC[@]}" watch --run latest --detach --no-open --json --cwd "$REPO" >"$ROOT/nested-observer.json" \
  || say "nested Observer not rendered by mimetic watch --detach (command failed or unavailable)"
if [ -f "$NESTED_DIR/observer/index.html" ]; then note nested_observer rendered; else note nested_observer not_rendered; fi

# 7. Visual: app and nested Observer windows on a desktop; headless, the proof's own screenshots.
step visual
show_desktop_windows() {
  local chrome
  chrome="$(command -v google-chrome || command -v chromium || command -v chromium-browser || true)"
  if [ -z "$chrome" ] || ! command -v xdotool >/dev/null 2>&1; then
    note visual_status blocked
    note visual_reason "The desktop has no Chrome or xdotool to show the app."
    return
  fi
  export DISPLAY="${DISPLAY:-:0}"
  "$chrome" --user-data-dir="$ROOT/chrome-desktop" --no-first-run --new-window --window-position=0,0 \
    --window-size=760,520 "$app_url" >/dev/null 2>&1 &
  "$chrome" --user-data-dir="$ROOT/chrome-compact" --no-first-run --new-window --window-position=0,520 \
    --window-size=430,420 "$app_url" >/dev/null 2>&1 &
  if [ -f "$NESTED_DIR/observer/index.html" ]; then
    "$chrome" --user-data-dir="$ROOT/chrome-observer" --no-first-run --new-window --window-position=760,0 \
      --window-size=680,940 "file://$NESTED_DIR/observer/index.html" >/dev/null 2>&1 &
  fi
  sleep 6
  local windows observer
  windows="$(xdotool search --onlyvisible --class chrom 2>/dev/null | wc -l | tr -d ' ')"
  observer="$(xdotool search --onlyvisible --name 'Mimetic Observer' 2>/dev/null | wc -l | tr -d ' ')"
  note visual_window_count "$windows"
  if [ "$windows" -ge 2 ] && [ "$observer" -ge 1 ]; then
    note visual_status visible
  else
    note visual_status blocked
    note visual_reason "Expected app windows and a Mimetic Observer window; saw $windows visible Chrome window(s)."
  fi
}
if [ -z "$app_url" ]; then
  note visual_status not_started
elif [ "${MIMETIC_LANE_DESKTOP:-0}" = 1 ]; then
  show_desktop_windows
elif [ "$proof_passed" = 1 ] && compgen -G "$NESTED_DIR/screenshots/*.png" >/dev/null; then
  note visual_status visible
else
  note visual_status blocked
  note visual_reason "The nested browser proof captured no screenshot of the app."
fi

step done
say "lane bootstrap finished"
exit 0
