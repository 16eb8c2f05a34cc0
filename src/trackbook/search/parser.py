"""Tokenizer and recursive-descent parser of the filter language.

Grammar (keywords are case-insensitive)::

    filter     := disjunct ( OR disjunct )*
    disjunct   := term ( AND term )*
    term       := '(' filter ')' | comparison
    comparison := key op value | key [NOT] IN '(' value (',' value)* ')'
                | key IS [NOT] NULL
    key        := [prefix '.'] name     -- name bare, "double-quoted" or `backticked`

Errors name the column where the text went wrong, e.g.
``filter: col 23: expected a value after '>'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trackbook.errors import InvalidParameter
from trackbook.search.ast import And, Comparison, Key, Node, Or, OrderBy, Value

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")
  | (?P<backtick>`[^`]*`)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<op>!=|<>|>=|<=|=|>|<)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][\w.\-/:]*)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"}

_PREFIXES = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
    "dataset": "dataset",
    "datasets": "dataset",
}

RUN_STRING_ATTRIBUTES = {
    "run_id",
    "run_name",
    "status",
    "user_id",
    "artifact_uri",
    "lifecycle_stage",
}
RUN_NUMERIC_ATTRIBUTES = {"start_time", "end_time"}
_RUN_ATTRIBUTE_ALIASES = {"created": "start_time", "run_uuid": "run_id", "name": "run_name"}
DATASET_ATTRIBUTES = {"name", "digest", "context"}

EXPERIMENT_STRING_ATTRIBUTES = {"name"}
EXPERIMENT_NUMERIC_ATTRIBUTES = {"creation_time", "last_update_time", "experiment_id"}
_EXPERIMENT_ATTRIBUTE_ALIASES = {"id": "experiment_id"}

NUMERIC_OPS = ("=", "!=", ">", ">=", "<", "<=")
STRING_OPS = ("=", "!=", "LIKE", "ILIKE")


@dataclass(slots=True)
class _Token:
    kind: str  # string, backtick, number, op, punct, word, kw, end
    text: str
    pos: int


def _tokenize(field: str, text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise InvalidParameter(f"{field}: col {pos + 1}: unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            word = m.group()
            if kind == "word" and word.upper() in _KEYWORDS:
                tokens.append(_Token("kw", word.upper(), pos))
            else:
                tokens.append(_Token(kind, word, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unquote(token: _Token) -> str:
    body = token.text[1:-1]
    if token.kind == "backtick":
        return body
    quote = token.text[0]
    body = body.replace(quote * 2, quote) if quote == "'" else body
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, field: str, text: str, target: str) -> None:
        self.field = field
        self.text = text
        self.target = target  # "run" or "experiment"
        self.tokens = _tokenize(field, text)
        self.i = 0

    # -- helpers -------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, tok: _Token, message: str) -> InvalidParameter:
        return InvalidParameter(f"{self.field}: col {tok.pos + 1}: {message}")

    def at_kw(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "kw" and tok.text in words

    # -- grammar -------------------------------------------------------------
    def parse_filter(self) -> Node | None:
        if self.peek().kind == "end":
            return None
        node = self.disjunction()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, f"expected AND, OR or the end of the filter, got {tok.text!r}")
        return node

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.at_kw("OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.term()]
        while self.at_kw("AND"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def term(self) -> Node:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            node = self.disjunction()
            close = self.take()
            if close.kind != "punct" or close.text != ")":
                raise self.error(close, "expected ')' to close the '(' at col " + str(tok.pos + 1))
            return node
        return self.comparison()

    def key(self) -> tuple[Key, _Token]:
        tok = self.take()
        if tok.kind == "word":
            prefix, dot, rest = tok.text.partition(".")
            kind = _PREFIXES.get(prefix.lower()) if dot else None
            if kind is not None and rest == "":
                quoted = self.take()
                if quoted.kind not in ("string", "backtick"):
                    raise self.error(quoted, f"expected a key name after '{tok.text}'")
                return self.resolve(kind, _unquote(quoted), tok), tok
            if kind is not None:
                return self.resolve(kind, rest, tok), tok
            return self.resolve("attribute", tok.text, tok), tok
        if tok.kind in ("backtick", "string"):
            inner = _unquote(tok)
            prefix, dot, rest = inner.partition(".")
            kind = _PREFIXES.get(prefix.lower()) if dot else None
            if kind is not None and rest:
                return self.resolve(kind, rest, tok), tok
            return self.resolve("attribute", inner, tok), tok
        if tok.kind == "end":
            raise self.error(tok, "expected a key, got the end of the filter")
        raise self.error(tok, f"expected a key such as metrics.loss, got {tok.text!r}")

    def resolve(self, kind: str, name: str, tok: _Token) -> Key:
        if name == "":
            raise self.error(tok, "empty key name")
        if self.target == "experiment":
            if kind == "tag":
                return Key("tag", name)
            if kind != "attribute":
                raise self.error(
                    tok, f"experiments can be filtered by name, tags and times, not {kind}s"
                )
            attr = _EXPERIMENT_ATTRIBUTE_ALIASES.get(name.lower(), name.lower())
            if attr not in EXPERIMENT_STRING_ATTRIBUTES | EXPERIMENT_NUMERIC_ATTRIBUTES:
                raise self.error(
                    tok,
                    f"unknown experiment attribute {name!r}; expected one of "
                    "name, creation_time, last_update_time, experiment_id, tags.<key>",
                )
            return Key("attribute", attr)
        if kind == "attribute":
            attr = _RUN_ATTRIBUTE_ALIASES.get(name.lower(), name.lower())
            if attr not in RUN_STRING_ATTRIBUTES | RUN_NUMERIC_ATTRIBUTES:
                raise self.error(
                    tok,
                    f"unknown run attribute {name!r}; expected one of "
                    + ", ".join(sorted(RUN_STRING_ATTRIBUTES | RUN_NUMERIC_ATTRIBUTES))
                    + " (or a metrics., params. or tags. key)",
                )
            return Key("attribute", attr)
        if kind == "dataset":
            if name.lower() not in DATASET_ATTRIBUTES:
                raise self.error(
                    tok, f"unknown dataset field {name!r}; expected name, digest or context"
                )
            return Key("dataset", name.lower())
        return Key(kind, name)

    def is_numeric(self, key: Key) -> bool:
        if key.kind == "metric":
            return True
        if key.kind != "attribute":
            return False
        if self.target == "experiment":
            return key.name in EXPERIMENT_NUMERIC_ATTRIBUTES
        return key.name in RUN_NUMERIC_ATTRIBUTES

    def comparison(self) -> Comparison:
        key, _ = self.key()
        numeric = self.is_numeric(key)
        tok = self.take()
        if tok.kind == "kw" and tok.text == "IS":
            negate = self.at_kw("NOT")
            if negate:
                self.take()
            null = self.take()
            if not (null.kind == "kw" and null.text == "NULL"):
                raise self.error(null, "expected NULL after IS" + (" NOT" if negate else ""))
            return Comparison(key, "IS NOT NULL" if negate else "IS NULL", None)
        if tok.kind == "kw" and tok.text in ("IN", "NOT"):
            op = "IN"
            if tok.text == "NOT":
                nxt = self.take()
                if nxt.kind == "kw" and nxt.text in ("LIKE", "ILIKE"):
                    raise self.error(nxt, "NOT LIKE is not supported; use != or a positive pattern")
                if not (nxt.kind == "kw" and nxt.text == "IN"):
                    raise self.error(nxt, "expected IN after NOT")
                op = "NOT IN"
            if key.kind == "metric" or (numeric and key.name != "experiment_id"):
                raise self.error(tok, f"{op} is not supported for {_describe(key)}")
            return Comparison(key, op, self.value_list(numeric))
        if tok.kind == "kw" and tok.text in ("LIKE", "ILIKE"):
            if numeric:
                raise self.error(tok, f"{tok.text} is not supported for {_describe(key)}")
            value = self.take()
            if value.kind != "string":
                raise self.error(value, f"expected a quoted pattern after {tok.text}")
            return Comparison(key, tok.text, _unquote(value))
        if tok.kind != "op":
            raise self.error(
                tok,
                f"expected an operator after {_describe(key)}, got {tok.text!r}"
                if tok.kind != "end"
                else f"expected an operator after {_describe(key)}",
            )
        op = "!=" if tok.text == "<>" else tok.text
        if not numeric and op not in STRING_OPS:
            raise self.error(
                tok,
                f"operator {op!r} is not supported for {_describe(key)}; "
                "use =, !=, LIKE, ILIKE, IN or NOT IN",
            )
        return Comparison(key, op, self.scalar(numeric, tok))

    def scalar(self, numeric: bool, after: _Token) -> str | float:
        tok = self.take()
        if tok.kind == "end":
            raise self.error(tok, f"expected a value after '{after.text}'")
        if numeric:
            if tok.kind == "number":
                return float(tok.text)
            if tok.kind == "string":
                try:
                    return float(_unquote(tok))
                except ValueError:
                    pass
            raise self.error(tok, f"expected a number, got {tok.text!r}")
        if tok.kind == "string":
            return _unquote(tok)
        raise self.error(tok, f"expected a quoted string, got {tok.text!r}")

    def value_list(self, numeric: bool) -> tuple[str | float, ...]:
        open_ = self.take()
        if not (open_.kind == "punct" and open_.text == "("):
            raise self.error(open_, "expected '(' to start a list of values")
        values: list[str | float] = [self.scalar(numeric, open_)]
        while True:
            tok = self.take()
            if tok.kind == "punct" and tok.text == ")":
                return tuple(values)
            if not (tok.kind == "punct" and tok.text == ","):
                raise self.error(tok, "expected ',' or ')' in the list of values")
            values.append(self.scalar(numeric, tok))

    def order_by(self) -> OrderBy:
        key, _ = self.key()
        ascending = True
        if self.at_kw("ASC", "DESC"):
            ascending = self.take().text == "ASC"
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, f"expected ASC, DESC or the end of the clause, got {tok.text!r}")
        return OrderBy(key, ascending)


def _describe(key: Key) -> str:
    plural = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes"}
    return f"{plural.get(key.kind, key.kind)}.{key.name}"


def parse_run_filter(text: str | None, field: str = "filter") -> Node | None:
    """Parse a runs filter; ``None`` or blank means "every run"."""
    if text is None or not text.strip():
        return None
    return _Parser(field, text, "run").parse_filter()


def parse_experiment_filter(text: str | None, field: str = "filter") -> Node | None:
    if text is None or not text.strip():
        return None
    return _Parser(field, text, "experiment").parse_filter()


def parse_run_order_by(clauses: list[str] | None, field: str = "order_by") -> list[OrderBy]:
    return [_Parser(f"{field}[{i}]", c, "run").order_by() for i, c in enumerate(clauses or [])]


def parse_experiment_order_by(clauses: list[str] | None, field: str = "order_by") -> list[OrderBy]:
    return [
        _Parser(f"{field}[{i}]", c, "experiment").order_by() for i, c in enumerate(clauses or [])
    ]


__all__ = [
    "Value",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]
