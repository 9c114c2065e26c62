"""Text shown in a terminal or written to a text file a person will `cat`: no control sequences.

A repository's log line, a manifest title or an error message can carry escape sequences that act on
the reader's terminal: OSC 52 writes the clipboard, OSC 0/2 set the window title, CSI sequences clear
the screen or move the cursor to overwrite what was printed. All of them (7- and 8-bit forms) and every
other control character but newline and tab are removed.
"""

from __future__ import annotations

import re

_SEQUENCES = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC ... BEL/ST (clipboard, title, hyperlinks)
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC strings
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI (clear, cursor moves, colours)
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    if not text or not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))
