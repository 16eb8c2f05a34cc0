"""Automatic context tags: user, source, git, host — and a script's life from start to exit."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import trackbook
from trackbook.client import context

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed on this machine")


def git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    git(path, "checkout", "-q", "-b", "feature/x")
    (path / "train.py").write_text("print('hi')\n")
    git(path, "add", "train.py")
    git(path, "commit", "-q", "-m", "first")
    git(path, "remote", "add", "origin", "https://alice:t0ken@git.example.com/team/repo.git")
    return path


@needs_git
def test_git_tags_name_commit_branch_dirtiness_and_remote(repo: Path) -> None:
    tags = context.git_tags(repo)
    assert tags == {
        context.GIT_COMMIT: git(repo, "rev-parse", "HEAD"),
        context.GIT_BRANCH: "feature/x",
        context.GIT_DIRTY: "false",
        context.GIT_REPO_URL: "https://git.example.com/team/repo.git",
    }
    (repo / "train.py").write_text("print('changed')\n")
    assert context.git_tags(repo)[context.GIT_DIRTY] == "true"


def test_no_git_tags_outside_a_repository_or_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert context.git_tags(tmp_path) == {}
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert context.git_tags(tmp_path) == {}


SCRIPT = """
import sys, trackbook
trackbook.set_experiment("ctx")
trackbook.start_run(run_name="script")
for step in range(2500):
    trackbook.log_metric("loss", step, step=step)
trackbook.log_param("mode", sys.argv[1])
if sys.argv[1] == "crash":
    raise RuntimeError("diverged")
if sys.argv[1] == "interrupt":
    raise KeyboardInterrupt
# "finish": exit without ending the run or flushing
"""


def run_script(script: Path, mode: str, data: Path, extra_env: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKBOOK_", "MLFLOW_"))}
    for name in context.JOB_VARIABLES:
        env.pop(name, None)
    env.update(TRACKBOOK_TRACKING_URI=str(data), **extra_env)
    subprocess.run([sys.executable, str(script), mode], env=env, capture_output=True, check=False)


@needs_git
@pytest.mark.parametrize(
    ("mode", "status", "source_type", "env"),
    [
        ("finish", "FINISHED", "LOCAL", {}),
        ("crash", "FAILED", "JOB", {"SLURM_JOB_ID": "42"}),
        ("interrupt", "KILLED", "LOCAL", {}),
    ],
)
def test_a_script_gets_context_tags_and_its_run_ends_at_exit(
    repo: Path, tmp_path: Path, mode: str, status: str, source_type: str, env: dict[str, str]
) -> None:
    script = repo / "train.py"
    script.write_text(SCRIPT)  # uncommitted: the checkout is dirty
    data = tmp_path / "data"
    run_script(script, mode, data, env)

    trackbook.set_tracking_uri(data)
    (run,) = trackbook.search_runs(experiment_names=["ctx"], output_format="list")
    assert run.info.status == status
    assert run.data.params == {"mode": mode}  # queued entries were delivered at exit
    assert len(trackbook.get_metric_history(run.info.run_id, "loss")) == 2500
    tags = run.data.tags
    assert tags["mlflow.user"] == getpass.getuser() == run.info.user_id
    assert tags["mlflow.source.name"] == str(script.resolve())
    assert tags["mlflow.source.type"] == source_type
    assert tags["mlflow.source.git.commit"] == git(repo, "rev-parse", "HEAD")
    assert tags["mlflow.source.git.branch"] == "feature/x"
    assert tags["mlflow.source.git.dirty"] == "true"
    assert tags["trackbook.host"] == socket.gethostname()
