"""Splitting search text into tokens, each with the column it starts at.

Quoting, as in MLflow: values are in single or double quotes; keys with special
characters are in double quotes or backticks. Inside a quoted value the quote
itself is written twice (``'it''s'``) or with a backslash (``'it\\'s'``); every
other backslash is kept as it is, so ``LIKE 'a\\_b'`` still escapes the ``_``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trackbook.errors import InvalidParameter

KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.|'')*')
  | (?P<dquoted>"(?:[^"\\]|\\.|"")*")
  | (?P<backtick>`[^`]*`)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])
  | (?P<op>!=|<>|>=|<=|==|=|>|<)
  | (?P<punct>[(),.])
  | (?P<word>[^\W\d][\w.\-/:]*)
    """,
    re.VERBOSE,
)

_CLOSING = {"'": "'", '"': '"', "`": "`"}


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is string, dquoted, backtick, number, op, punct, word, kw (a keyword) or end."""

    kind: str
    text: str
    pos: int  # 0-based offset into the text; messages show it 1-based as "col N"

    @property
    def quoted(self) -> bool:
        return self.kind in ("string", "dquoted", "backtick")

    def describe(self) -> str:
        """The token as a message quotes it: ``'x'`` for a string, ``x`` for a word."""
        if self.kind == "end":
            return "the end of the text"
        if self.kind in ("op", "punct"):
            return f"'{self.text}'"
        return self.text


def tokenize(field: str, text: str) -> list[Token]:
    """The tokens of ``text`` followed by an ``end`` token; bad characters raise with a column."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            char = text[pos]
            if char in _CLOSING:
                raise InvalidParameter(
                    f"{field}: col {pos + 1}: the quote {char} that starts here is never closed"
                )
            raise InvalidParameter(f"{field}: col {pos + 1}: unexpected character {char!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            word = m.group()
            if kind == "word" and word.upper() in KEYWORDS:
                tokens.append(Token("kw", word.upper(), pos))
            else:
                tokens.append(Token(kind, word, pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def unquote(token: Token) -> str:
    """The text inside a quoted token, with an escaped or doubled quote made single."""
    body = token.text[1:-1]
    if token.kind == "backtick":
        return body
    quote = token.text[0]
    return re.sub(r"\\" + quote + "|" + quote * 2, quote, body)


__all__ = ["KEYWORDS", "Token", "tokenize", "unquote"]
