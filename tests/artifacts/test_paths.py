"""``clean_path``: the one gate every artifact path goes through."""

from __future__ import annotations

import pytest

from trackbook.artifacts import clean_path
from trackbook.errors import InvalidParameter

# Each row: a path an attacker sends (after the HTTP layer decoded the URL once) and
# the class of attack it stands for. MLflow's artifact handlers had advisories for
# most of these classes; the hostile-path test drives them through a real server too.
HOSTILE = [
    ("../etc/passwd", "parent traversal"),
    ("a/../../etc/passwd", "traversal after a real folder"),
    ("a/b/..", "trailing parent"),
    ("..", "bare parent"),
    ("./a", "dot component"),
    ("a/./b", "dot component inside"),
    ("/etc/passwd", "absolute path"),
    ("//etc/passwd", "protocol-relative / UNC-like"),
    ("C:/Windows/win.ini", "Windows drive"),
    ("c:secret", "Windows drive-relative"),
    ("..\\..\\etc\\passwd", "backslash traversal"),
    ("a\\b", "backslash separator"),
    ("%2e%2e/etc/passwd", "URL-encoded dots left for a second decoding"),
    ("..%2fetc%2fpasswd", "URL-encoded slash"),
    ("%252e%252e/etc", "double-encoded dots"),
    ("a/%2E%2E/%2E%2E/etc", "upper-case percent escapes"),
    ("\uff0e\uff0e/etc/passwd", "full-width dots that normalise to '..'"),
    ("a\x00.txt", "NUL byte"),
    ("a\n.txt", "control character"),
    ("a?x=../../etc", "query-string trick"),
    ("a#/../../etc", "fragment trick"),
    ("a//b", "empty component"),
    ("a/" + "x" * 256, "component longer than 255 bytes"),
    ("/".join(["abcdefgh"] * 120), "path longer than 1024 bytes"),
]

FINE = [
    ("model/MLmodel", "model/MLmodel"),
    ("plots/", "plots"),
    ("a b/c-d_e.f", "a b/c-d_e.f"),
    ("100%_done.txt", "100%_done.txt"),
    ("...", "..."),
    ("..hidden", "..hidden"),
    ("ünïcode/名前.txt", "ünïcode/名前.txt"),
    ("run:1/x", "run:1/x"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "attack"), HOSTILE, ids=[a for _, a in HOSTILE])
def test_hostile_paths_are_refused_naming_the_field(raw: str, attack: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        clean_path("path", raw)
    assert caught.value.message.startswith("path: ")
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(("raw", "clean"), FINE)
def test_ordinary_paths_pass_unchanged(raw: str, clean: str) -> None:
    assert clean_path("path", raw) == clean


def test_the_root_can_be_required_to_be_a_file_path() -> None:
    with pytest.raises(InvalidParameter, match="path: a non-empty artifact path is required"):
        clean_path("path", "", allow_root=False)
