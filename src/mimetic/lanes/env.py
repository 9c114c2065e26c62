"""The environment of a lane that runs on this machine: built from an allowlist, never `os.environ` wholesale.

Model keys, E2B keys and anything loaded from an `--env-file` never enter a lane (the actor runs on
the host). The only secret that may travel is a GitHub token, under a private name (see bootstrap.py).
"""

from __future__ import annotations

import os

# What a process on this machine needs to run git, node, a package manager and Chromium.
HOST_BASICS = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR",
    "PYTHONPATH", "MIMETIC_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
)
# The user's package-manager settings (registry, cache, corepack's sources) travel into lanes; credentials
# among them (an _authToken, a password) never do.
PASSED_PREFIXES = ("COREPACK_", "npm_config_", "NPM_CONFIG_")
NEVER_PASSED = ("auth", "token", "password", "_pass", "cert", "key")
GITHUB_TOKEN_NAMES = ("GH_TOKEN", "GITHUB_TOKEN", "GITHUB_PAT")
DEFAULT_GIT_BASE_URL = "https://github.com"


def git_base_url() -> str:
    return (os.environ.get("MIMETIC_GIT_BASE_URL") or DEFAULT_GIT_BASE_URL).rstrip("/")


def github_token() -> str | None:
    return next((os.environ[name] for name in GITHUB_TOKEN_NAMES if os.environ.get(name)), None)


def host_basics() -> dict[str, str]:
    """The allowlisted part of this machine's environment, for a lane that runs here."""
    basics = {name: os.environ[name] for name in HOST_BASICS if os.environ.get(name)}
    basics.update({name: value for name, value in os.environ.items()
                   if name.startswith(PASSED_PREFIXES) and value and not any(w in name.lower() for w in NEVER_PASSED)})
    return basics


def anonymous_git_env() -> dict[str, str]:
    """The allowlisted environment plus git isolation: no user or system config, no credential prompts.

    No token of any kind is in it; a caller that needs one adds an askpass helper explicitly."""
    return {**host_basics(), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
