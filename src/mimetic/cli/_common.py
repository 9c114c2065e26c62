"""Small steps several commands share: opening the project and loading an env file."""

from __future__ import annotations

from mimetic.project import Project, open_project


def project_with_env(cwd: str, env_file: str | None) -> tuple[Project, list[str]]:
    """Open the project, then load `--env-file` before anything else; returns warnings naming only names."""
    project = open_project(cwd)
    if not env_file:
        return project, []
    from mimetic.safety.envfile import load_env_file

    result = load_env_file(env_file, project.root)
    warnings = []
    if result.loaded:
        warnings.append(f"Loaded {len(result.loaded)} variable name(s) from {env_file}: {', '.join(result.loaded)}")
    if result.skipped:
        warnings.append(f"Kept existing environment for: {', '.join(result.skipped)}")
    return project, warnings
