"""Live OSS meta-lab lanes (not built yet: says so and exits 2, never pretends)."""

from __future__ import annotations

from mimetic.errors import MimeticError


def run_meta_live(project, store, resolved, lanes, repos, redact, options, warnings):
    raise MimeticError(
        "MIMETIC_LIVE_LANES_UNAVAILABLE",
        "Live lanes are not available in this build yet. Run `mimetic lab run oss --dry-run` for contract evidence.",
    )
