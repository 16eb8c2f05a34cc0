"""Where a run's files go, and turning Python objects into files.

A run's ``artifact_uri`` is ``mlflow-artifacts:/<experiment>/<run>/artifacts``
unless its experiment names its own location. Over HTTP such files go through
the server's artifact proxy; in local mode they go into the artifact store of
``artifacts_destination`` (``trackbook.artifacts``, the store the proxy
serves), so ``trackbook server`` shows them later. A location outside that
store that is a plain directory (or ``file://``) is written directly, as MLflow
does. Path checks are the proxy's own (``trackbook.artifacts.paths``).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from trackbook.errors import InvalidParameter

PROXY_SCHEME = "mlflow-artifacts"


def safe_relative_path(field: str, path: str) -> str:
    """A run-relative POSIX path that cannot leave the run's artifacts (the proxy's check)."""
    # Imported when used: the artifact stores are not needed to import trackbook.
    from trackbook.artifacts.paths import clean_path

    return clean_path(field, path, allow_root=False)


def join(*parts: str | None) -> str:
    return posixpath.join(*[p for p in parts if p]) if any(parts) else ""


def proxy_path(artifact_uri: str) -> str | None:
    """``mlflow-artifacts:/1/abc/artifacts`` → ``1/abc/artifacts``; None for other schemes."""
    split = urlsplit(artifact_uri)
    if split.scheme != PROXY_SCHEME:
        return None
    return split.path.strip("/")


def local_root(artifact_uri: str) -> Path | None:
    """The directory of a ``file://`` or plain-path artifact location; None for other schemes."""
    split = urlsplit(artifact_uri)
    if split.scheme == "file":
        if split.netloc not in ("", "localhost"):
            return None
        return Path(split.path)
    if split.scheme == "" or (len(split.scheme) == 1 and os.name == "nt"):
        return Path(artifact_uri)
    return None


def copy_into(root: Path, local_file: Path, artifact_path: str) -> None:
    """Copy a file into a location the client writes itself (a folder or ``file://`` URI)."""
    dest = root.joinpath(*safe_relative_path("artifact_path", artifact_path).split("/"))
    resolved_root = root.resolve()
    if resolved_root not in dest.resolve().parents:
        raise InvalidParameter(f"artifact_path: {artifact_path!r} leaves the run's artifacts")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(local_file, dest)


def files_under(local_dir: Path) -> Iterator[tuple[Path, str]]:
    """Every file below ``local_dir`` with its POSIX path relative to it, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(local_dir):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(filenames):
            path = base / name
            yield path, path.relative_to(local_dir).as_posix()


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_dict(path: Path, dictionary: Any) -> None:
    """YAML for ``.yml``/``.yaml`` files (needs PyYAML), JSON for anything else."""
    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            import yaml
        except ImportError:
            raise ImportError(
                f"log_dict: writing {path.name} needs PyYAML (pip install pyyaml);"
                " or use a .json file name"
            ) from None
        with path.open("w", encoding="utf-8") as f:
            yaml.safe_dump(dictionary, f, default_flow_style=False, sort_keys=False)
        return
    with path.open("w", encoding="utf-8") as f:
        json.dump(dictionary, f, indent=2)


def write_figure(path: Path, figure: Any, save_kwargs: dict[str, Any] | None) -> None:
    """A matplotlib figure (``savefig``) or a plotly figure (``write_html``/``write_image``)."""
    kwargs = dict(save_kwargs or {})
    if hasattr(figure, "savefig"):
        figure.savefig(path, **kwargs)
    elif path.suffix.lower() == ".html" and hasattr(figure, "write_html"):
        figure.write_html(str(path), **kwargs)
    elif hasattr(figure, "write_image"):
        figure.write_image(str(path), **kwargs)
    else:
        raise InvalidParameter(
            f"figure: {type(figure).__name__} is neither a matplotlib nor a plotly figure"
        )
