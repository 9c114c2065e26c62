"""The keyless explorer: a seeded, deterministic walk of a running app that acts the way a persona would
and reports what it finds (errors, dead controls, keyboard traps, axe-core violations, mobile problems).

Entry point: `mimetic.explorer.walk.explore(page, persona, budget, seed) -> ExplorerTrace`.
"""
