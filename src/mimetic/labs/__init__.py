"""Lab kinds: each turns a lab manifest plus options into a run."""
