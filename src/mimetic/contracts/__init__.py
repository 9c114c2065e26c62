"""pydantic models: the single source of every mimetic contract (JSON Schemas are generated from them).

The model modules do not use `from __future__ import annotations`: pydantic would then compile and
evaluate every annotation string when a class is created (about 1,000 of them, ~20 ms of each command's
start-up); written as real types they cost nothing to resolve.
"""
