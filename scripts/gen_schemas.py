"""Regenerate the JSON Schemas shipped in src/mimetic/schemas from the pydantic models."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from mimetic.contracts.registry import write_shipped_schemas  # noqa: E402

for path in write_shipped_schemas():
    print(path.name)
