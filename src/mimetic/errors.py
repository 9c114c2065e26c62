"""The one exception type domain code raises; the CLI turns it into output and an exit code."""

from __future__ import annotations

from typing import Any

# Exit codes shared by every command (spec: "Exit codes").
EXIT_OK = 0
EXIT_VERDICT = 1  # the run finished and its verdict is fail/blocked/timed_out
EXIT_INPUT = 2  # invalid input or usage
EXIT_INTERRUPTED = 130


class MimeticError(Exception):
    """A failure the user can act on: a stable code, a one-line message and an exit code.

    `result` optionally carries the command's own result document (with ok=false) so that
    `--json` prints that shape instead of the generic cli-response envelope.
    """

    def __init__(self, code: str, message: str, *, exit_code: int = EXIT_INPUT, result: Any = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.exit_code = exit_code
        self.result = result
