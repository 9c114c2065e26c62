"""pydantic models: the single source of every mimetic contract (JSON Schemas are generated from them)."""
