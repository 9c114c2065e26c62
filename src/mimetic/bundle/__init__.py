"""Run bundles on disk: atomic writes, the latest pointer, containment, verification."""
