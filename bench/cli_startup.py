"""CLI start-up: `mimetic --help` against `python -c "import typer"`, medians side by side."""

from _timing import median_seconds, row, run_quiet

typer_only = median_seconds(run_quiet("-c", "import typer"), repeat=11)
help_time = median_seconds(run_quiet("-m", "mimetic", "--help"), repeat=11)
row("python -c 'import typer' (median)", typer_only)
row("mimetic --help (median)", help_time)
print(f"ratio mimetic --help / import typer: {help_time / typer_only:.2f}x (budget 1.5x)")
