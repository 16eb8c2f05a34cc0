"""Every setting is documented: docs/*.md name each TRACKBOOK_* variable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from trackbook.config import ENV_PREFIX, Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Settings)])
def test_setting_is_documented(field: str) -> None:
    text = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    assert f"{ENV_PREFIX}{field.upper()}" in text, f"document {ENV_PREFIX}{field.upper()}"


def test_settings_come_from_environment_then_overrides() -> None:
    env = {"TRACKBOOK_PORT": "6001", "TRACKBOOK_ACCESS_LOG": "yes", "TRACKBOOK_HOST": "0.0.0.0"}
    s = Settings.from_env(env, host="127.0.0.2")
    assert (s.port, s.access_log, s.host) == (6001, True, "127.0.0.2")
    assert Settings.from_env(s.to_env()) == s
    with pytest.raises(ValueError, match="TRACKBOOK_PORT"):
        Settings.from_env({"TRACKBOOK_PORT": "many"})
