"""Tags every new run gets: who ran what, from where, at which commit, on which machine.

They use MLflow's system tag names so the UI's User and Source columns fill in.
Git is asked once per process, through one ``git status`` (and one
``git config``) with a short timeout; without git, or outside a repository,
the git tags are simply absent — finding them must never fail a run.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

USER = "mlflow.user"
SOURCE_NAME = "mlflow.source.name"
SOURCE_TYPE = "mlflow.source.type"
GIT_COMMIT = "mlflow.source.git.commit"
GIT_BRANCH = "mlflow.source.git.branch"
GIT_DIRTY = "mlflow.source.git.dirty"
GIT_REPO_URL = "mlflow.source.git.repoURL"
#: MLflow has no system tag for the machine; this one is ours.
HOST = "trackbook.host"

GIT_TIMEOUT_SECONDS = 3.0
#: Variables batch schedulers and CI systems set in the jobs they run.
JOB_VARIABLES = (
    "SLURM_JOB_ID",
    "PBS_JOBID",
    "LSB_JOBID",
    "AWS_BATCH_JOB_ID",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CI",
)


def context_tags() -> dict[str, str]:
    """The automatic tags of a new run (user-given tags override them)."""
    return dict(_resolved())


@functools.cache
def _resolved() -> tuple[tuple[str, str], ...]:
    tags = {
        USER: current_user(),
        SOURCE_NAME: source_name(),
        SOURCE_TYPE: source_type(),
        HOST: socket.gethostname(),
    }
    tags.update(git_tags(_source_dir()))
    return tuple(tags.items())


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules or "google.colab" in sys.modules


def _main_file() -> Path | None:
    main = sys.argv[0] if sys.argv else ""
    if main and main not in ("-c", "-m") and Path(main).is_file():
        return Path(main).resolve()
    return None


def source_name() -> str:
    if _in_notebook():
        return os.environ.get("JPY_SESSION_NAME") or "<notebook>"
    main = _main_file()
    if main is not None:
        return str(main)
    return sys.argv[0] if sys.argv and sys.argv[0] else "<console>"


def source_type() -> str:
    """NOTEBOOK in a Jupyter kernel, JOB under a scheduler or CI, otherwise LOCAL."""
    if _in_notebook():
        return "NOTEBOOK"
    if any(os.environ.get(name) for name in JOB_VARIABLES):
        return "JOB"
    return "LOCAL"


def _source_dir() -> Path:
    main = _main_file()
    return main.parent if main is not None else Path.cwd()


def _git(directory: Path, *args: str) -> str | None:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_tags(directory: Path) -> dict[str, str]:
    """Commit, branch and dirty flag of the repository holding ``directory``, if any."""
    status = _git(directory, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
    if status is None:
        return {}
    tags: dict[str, str] = {}
    dirty = False
    for line in status.splitlines():
        if line.startswith("# branch.oid "):
            commit = line.split(" ", 2)[2].strip()
            if commit != "(initial)":
                tags[GIT_COMMIT] = commit
        elif line.startswith("# branch.head "):
            branch = line.split(" ", 2)[2].strip()
            if branch != "(detached)":
                tags[GIT_BRANCH] = branch
        elif line and not line.startswith("#"):
            dirty = True
    if GIT_COMMIT not in tags:
        return {}
    tags[GIT_DIRTY] = "true" if dirty else "false"
    remote = _git(directory, "config", "--get", "remote.origin.url")
    if remote and remote.strip():
        tags[GIT_REPO_URL] = without_credentials(remote.strip())
    return tags


def without_credentials(url: str) -> str:
    """Drop a password or token from an https remote (``https://user:token@host/…``)."""
    split = urlsplit(url)
    if not split.scheme or "@" not in split.netloc:
        return url
    host = split.netloc.rsplit("@", 1)[1]
    return urlunsplit((split.scheme, host, split.path, split.query, split.fragment))
