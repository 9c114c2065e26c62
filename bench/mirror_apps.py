"""Build a `file://` GitHub mirror tree from snapshot git dirs, for real-app lab runs without GitHub.

    python bench/mirror_apps.py <snapshots-dir> <mirror-base> owner/repo ...

`<snapshots-dir>/<owner>+<repo>/repo` is a bare git dir (what the `fetch` tool brings); the mirror
gets `<mirror-base>/<owner>/<repo>.git`, the layout `MIMETIC_GIT_BASE_URL=file://<mirror-base>`
expects. A snapshot may lack some blobs of its newest commit; those files are replaced by empty ones
in a new commit on top (named in the commit message), so `git clone --depth 1` succeeds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EMPTY_BLOB = "e69de29bb2d1d6cb8e3e2a5a55e3f1a8a9a0c4f9"


def git(git_dir: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    done = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=True)
    return done.stdout


def missing_blobs(git_dir: Path) -> list[tuple[str, str, str]]:
    """(mode, sha, path) of every blob of HEAD's tree that the object store does not hold."""
    entries = []
    for line in git(git_dir, "ls-tree", "-r", "-z", "HEAD").split("\0"):
        if not line:
            continue
        meta, path = line.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob":
            entries.append((mode, sha, path))
    answers = git(git_dir, "cat-file", "--batch-check", stdin="".join(f"{sha}\n" for _, sha, _ in entries))
    return [entry for entry, answer in zip(entries, answers.splitlines()) if answer.endswith(" missing")]


def patch_missing(git_dir: Path, missing: list[tuple[str, str, str]]) -> None:
    empty = git(git_dir, "hash-object", "-w", "--stdin", stdin="").strip()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_AUTHOR_NAME": "mirror", "GIT_AUTHOR_EMAIL": "mirror@localhost",
               "GIT_COMMITTER_NAME": "mirror", "GIT_COMMITTER_EMAIL": "mirror@localhost"}
        git(git_dir, "read-tree", "HEAD", env=env)
        info = "".join(f"{'100644' if mode == '120000' else mode} {empty}\t{path}\n" for mode, _, path in missing)
        git(git_dir, "update-index", "--index-info", env=env, stdin=info)
        tree = git(git_dir, "write-tree", env=env).strip()
        message = "mirror: empty files in place of blobs missing from the snapshot\n\n" + "".join(
            f"- {path}\n" for _, _, path in missing)
        commit = git(git_dir, "commit-tree", tree, "-p", "HEAD", env=env, stdin=message).strip()
    head = git(git_dir, "symbolic-ref", "HEAD").strip()
    git(git_dir, "update-ref", head, commit)


def mirror(snapshots: Path, base: Path, slug: str) -> str:
    owner, repo = slug.split("/")
    source = snapshots / f"{owner}+{repo}" / "repo"
    if (source / ".git").is_dir():
        source = source / ".git"
    target = base / owner / f"{repo}.git"
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=True)
    git(target, "config", "core.bare", "true")
    missing = missing_blobs(target)
    if missing:
        patch_missing(target, missing)
    return f"{slug}: {len(missing)} missing blob(s) replaced" if missing else f"{slug}: complete"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshots", type=Path)
    parser.add_argument("base", type=Path)
    parser.add_argument("slugs", nargs="+")
    args = parser.parse_args()
    for slug in args.slugs:
        print(mirror(args.snapshots, args.base, slug), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
