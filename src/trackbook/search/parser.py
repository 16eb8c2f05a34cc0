"""Recursive-descent parser of the filter language and of order-by clauses.

Grammar (keywords are case-insensitive; AND binds tighter than OR)::

    filter     := disjunct ( OR disjunct )*
    disjunct   := term ( AND term )*
    term       := '(' filter ')' | comparison
    comparison := key op value
                | key [NOT] IN '(' value ( ',' value )* ')'
                | key IS [NOT] NULL
    key        := [prefix '.'] name
    name       := a bare word (dots allowed: tags.mlflow.runName), "double-quoted" or `backticked`
    order_by   := key [ ASC | DESC ]

Which keys exist, which operators they take and how their values are written is
the :class:`~trackbook.search.keys.Vocabulary`'s business. Every error names the
field and the column where the text went wrong, e.g.
``filter: col 23: expected a value after '>'``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from trackbook.errors import InvalidParameter
from trackbook.search.ast import And, Comparison, Key, KeyKind, Node, Op, Or, OrderBy, Scalar
from trackbook.search.keys import (
    EXPERIMENTS,
    PREFIXES,
    RUNS,
    KeyType,
    UnknownKey,
    Vocabulary,
)
from trackbook.search.lexer import Token, tokenize, unquote

_OP_SPELLINGS: dict[str, Op] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
}


class FilterParser:
    """One parse of one text against one vocabulary."""

    def __init__(self, field: str, text: str, vocabulary: Vocabulary) -> None:
        self.field = field
        self.text = text
        self.vocabulary = vocabulary
        self.tokens = tokenize(field, text)
        self.i = 0

    # -- hooks: what keys mean ------------------------------------------------
    def resolve(self, kind: KeyKind, name: str, tok: Token) -> Key:
        try:
            return self.vocabulary.resolve(kind, name)
        except UnknownKey as exc:
            raise self.error(tok, str(exc)) from None

    def key_type(self, key: Key) -> KeyType:
        return self.vocabulary.key_type(key)

    def check_orderable(self, key: Key, tok: Token) -> None:
        try:
            self.vocabulary.check_orderable(key)
        except UnknownKey as exc:
            raise self.error(tok, str(exc)) from None

    # -- token helpers ----------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, kind: str, *texts: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == kind and (not texts or tok.text in texts)

    def error(self, tok: Token, message: str) -> InvalidParameter:
        return InvalidParameter(f"{self.field}: col {tok.pos + 1}: {message}")

    # -- filter -------------------------------------------------------------------
    def parse_filter(self) -> Node | None:
        if self.at("end"):
            return None
        node = self.disjunction()
        tok = self.peek()
        if tok.kind != "end":
            if tok.kind == "punct" and tok.text == ")":
                raise self.error(tok, "')' without a matching '('")
            raise self.error(
                tok, f"expected AND, OR or the end of the filter, got {tok.describe()}"
            )
        return node

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.at("kw", "OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.term()]
        while self.at("kw", "AND"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def term(self) -> Node:
        if self.at("punct", "("):
            opening = self.take()
            node = self.disjunction()
            if not self.at("punct", ")"):
                raise self.error(
                    self.peek(),
                    f"expected ')' to close the '(' at col {opening.pos + 1},"
                    f" got {self.peek().describe()}",
                )
            self.take()
            return node
        return self.comparison()

    # -- keys -----------------------------------------------------------------------
    def key(self) -> tuple[Key, Token]:
        """A key and the token it starts at (for later messages about it)."""
        tok = self.take()
        if tok.kind == "word":
            prefix, dot, rest = tok.text.partition(".")
            kind = PREFIXES.get(prefix.lower()) if dot else None
            if kind is None:
                return self.resolve("attribute", tok.text, tok), tok
            if rest:
                return self.resolve(kind, rest, tok), tok
            return self.resolve(kind, self.quoted_name(tok), tok), tok
        if tok.kind in ("dquoted", "backtick"):
            name = unquote(tok)
            if self.at("punct", ".") and name.lower() in PREFIXES:  # `metrics`.`my key`
                self.take()
                return self.resolve(PREFIXES[name.lower()], self.name_after(), tok), tok
            return self.resolve("attribute", name, tok), tok
        if tok.kind == "string":
            raise self.error(
                tok, "a key cannot be in single quotes; use double quotes or backticks"
            )
        raise self.error(tok, f"expected a key such as metrics.loss, got {tok.describe()}")

    def quoted_name(self, prefix: Token) -> str:
        """The name after ``metrics.``: a quoted token directly after the dot."""
        tok = self.peek()
        if tok.kind in ("dquoted", "backtick") and tok.pos == prefix.pos + len(prefix.text):
            self.take()
            return unquote(tok)
        raise self.error(tok, f"expected a key name right after {prefix.text!r}")

    def name_after(self) -> str:
        tok = self.take()
        if tok.kind in ("dquoted", "backtick"):
            return unquote(tok)
        if tok.kind in ("word", "kw"):
            return tok.text if tok.kind == "word" else self.text[tok.pos : tok.pos + len(tok.text)]
        raise self.error(tok, f"expected a key name after '.', got {tok.describe()}")

    # -- comparisons -----------------------------------------------------------------
    def comparison(self) -> Comparison:
        key, _ = self.key()
        ktype = self.key_type(key)
        tok = self.take()
        if tok.kind == "kw" and tok.text == "IS":
            op: Op = "IS NULL"
            if self.at("kw", "NOT"):
                self.take()
                op = "IS NOT NULL"
            null = self.take()
            if not (null.kind == "kw" and null.text == "NULL"):
                raise self.error(null, f"expected NULL after {op[:-5]}, got {null.describe()}")
            self.check_op(key, ktype, op, tok)
            return Comparison(key, op, None)
        if tok.kind == "kw" and tok.text in ("IN", "NOT"):
            op = "IN"
            if tok.text == "NOT":
                nxt = self.take()
                if nxt.kind == "kw" and nxt.text in ("LIKE", "ILIKE"):
                    raise self.error(
                        tok, f"NOT {nxt.text} is not supported; use != or a positive pattern"
                    )
                if not (nxt.kind == "kw" and nxt.text == "IN"):
                    raise self.error(nxt, f"expected IN after NOT, got {nxt.describe()}")
                op = "NOT IN"
            self.check_op(key, ktype, op, tok)
            return Comparison(key, op, self.value_list(key, ktype))
        if tok.kind == "kw" and tok.text in ("LIKE", "ILIKE"):
            op = "LIKE" if tok.text == "LIKE" else "ILIKE"
            self.check_op(key, ktype, op, tok)
            pattern = self.take()
            if pattern.kind not in ("string", "dquoted"):
                raise self.error(
                    pattern, f"expected a quoted pattern after {op}, got {pattern.describe()}"
                )
            return Comparison(key, op, unquote(pattern))
        if tok.kind != "op":
            raise self.error(tok, f"expected an operator after {key}, got {tok.describe()}")
        op = _OP_SPELLINGS[tok.text]
        self.check_op(key, ktype, op, tok)
        return Comparison(key, op, self.scalar(key, ktype, tok))

    def check_op(self, key: Key, ktype: KeyType, op: Op, tok: Token) -> None:
        if op in ktype.ops:
            return
        allowed = ", ".join(o for o in _OP_ORDER if o in ktype.ops)
        raise self.error(tok, f"operator {op} is not supported for {key}; use {allowed}")

    def scalar(self, key: Key, ktype: KeyType, after: Token) -> Scalar:
        tok = self.take()
        if tok.kind == "end":
            raise self.error(tok, f"expected a value after {after.text!r}")
        if ktype.values == "number":
            if tok.kind == "number":
                return _number(tok.text, as_float=key.kind == "metric")
            hint = " (numbers are written without quotes)" if tok.quoted else ""
            raise self.error(tok, f"expected a number for {key}, got {tok.describe()}{hint}")
        if ktype.values == "id":
            text = unquote(tok) if tok.kind in ("string", "dquoted") else tok.text
            if tok.kind in ("number", "string", "dquoted") and text.strip().isdigit():
                return int(text)
            raise self.error(
                tok, f"expected an id (a whole number) for {key}, got {tok.describe()}"
            )
        if tok.kind in ("string", "dquoted"):
            return unquote(tok)
        raise self.error(
            tok, f"expected a quoted string for {key} (e.g. 'my-value'), got {tok.describe()}"
        )

    def value_list(self, key: Key, ktype: KeyType) -> tuple[Scalar, ...]:
        opening = self.take()
        if not (opening.kind == "punct" and opening.text == "("):
            raise self.error(
                opening, f"expected '(' to start a list of values, got {opening.describe()}"
            )
        values = [self.scalar(key, ktype, opening)]
        while True:
            tok = self.take()
            if tok.kind == "punct" and tok.text == ")":
                return tuple(values)
            if not (tok.kind == "punct" and tok.text == ","):
                raise self.error(
                    tok, f"expected ',' or ')' in the list of values, got {tok.describe()}"
                )
            values.append(self.scalar(key, ktype, tok))

    # -- order by ----------------------------------------------------------------------
    def order_by(self) -> OrderBy:
        if self.at("end"):
            raise self.error(self.peek(), "expected a key to order by, got nothing")
        key, key_tok = self.key()
        self.check_orderable(key, key_tok)
        ascending = True
        if self.at("kw", "ASC", "DESC"):
            ascending = self.take().text == "ASC"
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(
                tok, f"expected ASC, DESC or the end of the clause, got {tok.describe()}"
            )
        return OrderBy(key, ascending)


_OP_ORDER: tuple[Op, ...] = (
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
)


def _number(text: str, *, as_float: bool) -> int | float:
    """Metrics compare as doubles; an integral literal on other keys stays an integer."""
    if not as_float and text.lstrip("+-").isdigit():
        return int(text)
    return float(text)


@functools.lru_cache(maxsize=512)
def _parse_filter(text: str | None, field: str, vocabulary: Vocabulary) -> Node | None:
    """Parses are kept (the trees are immutable): a UI or a script repeats its searches."""
    if text is None or not text.strip():
        return None
    return FilterParser(field, text, vocabulary).parse_filter()


def _parse_order_by(
    clauses: Sequence[str] | None, field: str, vocabulary: Vocabulary
) -> list[OrderBy]:
    out: list[OrderBy] = []
    seen: dict[Key, int] = {}
    for i, clause in enumerate(clauses or []):
        item_field = f"{field}[{i}]"
        if not clause.strip():
            raise InvalidParameter(f"{item_field}: empty clause; expected a key such as start_time")
        ob = FilterParser(item_field, clause, vocabulary).order_by()
        if ob.key in seen:
            raise InvalidParameter(
                f"{item_field}: {ob.key} is already ordered on by {field}[{seen[ob.key]}]"
            )
        seen[ob.key] = i
        out.append(ob)
    return out


def parse_run_filter(text: str | None, field: str = "filter") -> Node | None:
    """Parse a runs filter; ``None`` or blank text means "every run"."""
    return _parse_filter(text, field, RUNS)


def parse_experiment_filter(text: str | None, field: str = "filter") -> Node | None:
    return _parse_filter(text, field, EXPERIMENTS)


def parse_run_order_by(clauses: Sequence[str] | None, field: str = "order_by") -> list[OrderBy]:
    return _parse_order_by(clauses, field, RUNS)


def parse_experiment_order_by(
    clauses: Sequence[str] | None, field: str = "order_by"
) -> list[OrderBy]:
    return _parse_order_by(clauses, field, EXPERIMENTS)


__all__ = [
    "FilterParser",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]
