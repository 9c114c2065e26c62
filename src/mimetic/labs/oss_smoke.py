"""The disposable OSS clone smoke lab (not built yet: says so and exits 2)."""

from __future__ import annotations

from mimetic.errors import MimeticError


def run_smoke(project, resolved, repos, limit, options, warnings):
    raise MimeticError("MIMETIC_LIVE_LANES_UNAVAILABLE", "The oss-smoke lab is not available in this build yet.")
