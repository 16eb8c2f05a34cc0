"""Page sizes and page tokens.

Searches page by *keyset*: a token holds the sort values of the last row of its
page, and the next page starts strictly after that row in the search's total
order. Unlike an offset, that stays right while runs are being added or deleted
between two requests: no run of the original set is skipped or shown twice.

A token is opaque to clients (URL-safe base64 of a small JSON document) but not
trusted: it carries a fingerprint of the search it belongs to, and every value
is checked against the type of its sort term before it is bound as a parameter.
A metric's history pages by keyset too, on its points' primary key (store/metrics.py);
simpler listings (artifact files, logged-model searches) page by offset.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import sqlalchemy as sa

from trackbook.errors import InvalidParameter
from trackbook.store.engine import DriverSQL

TOKEN_FIELD = "page_token"
_TOKEN_VERSION = 1


def page_size(field: str, requested: int | None, default: int, maximum: int) -> int:
    """A missing or zero size means the default (clients send 0 for "unset")."""
    if requested is None or requested == 0:
        return default
    if requested < 0:
        raise InvalidParameter(f"{field}: must be a positive number, got {requested}")
    if requested > maximum:
        raise InvalidParameter(f"{field}: {requested} is more than the maximum of {maximum}")
    return requested


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a page of results is built.

    A page of 1,000 runs makes ~20,000 objects that all stay alive until the response
    is sent; the collector would scan them again and again as they age (15% of a page's
    instructions, measured) and can never free one. Reference counting still frees
    everything as usual; only the search for reference cycles waits until the end.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- keyset paging -----------------------------------------------------------------------


SortKind = Literal["int", "float", "str"]


@dataclass(frozen=True, slots=True)
class SortTerm:
    """One expression of an ORDER BY, and the type of the value a token keeps for it.

    ``nullable`` terms may hold NULL only where an earlier term (a "bucket" that sorts
    missing values last) already tells NULL rows apart, so two rows that agree on all
    earlier terms are either both NULL here or both not.
    """

    expr: Any
    ascending: bool
    kind: SortKind
    nullable: bool = False

    def clause(self) -> Any:
        return self.expr.asc() if self.ascending else self.expr.desc()


@dataclass(frozen=True, slots=True)
class Phase:
    """The rows of one bucket: where they come from and the condition that picks them.
    ``run_id`` is the run id column of the sort key's row when that row is inner-joined:
    the database then walks its index, and filters should test candidates through it."""

    source: Any
    condition: Any
    run_id: Any = None


@dataclass(frozen=True, slots=True)
class Ordering:
    """What a search selects from and the total order of its rows (the last terms make
    every row's position unique, which keyset paging needs).

    When the first term is a "bucket" (0 for rows with a value, then NaN, then missing),
    ``phases`` holds one :class:`Phase` per bucket value, and a search reads bucket by
    bucket, each with a plain ORDER BY on the value. Within the first bucket the sort
    key's row is an inner join, so the database can walk the (key, value) index in
    order and stop after one page, instead of sorting every run of the experiment.
    """

    source: Any
    terms: list[SortTerm]
    phases: list[Phase] = field(default_factory=list)

    def clauses(self, phase: int | None = None) -> list[Any]:
        terms = self.terms if phase is None else self.terms[1:]
        return [t.clause() for t in terms]

    def columns(self, phase: int | None = None) -> list[Any]:
        """The sort values to select; within a phase the bucket is a constant (reading it
        from the row would cost a table lookup that the index walk otherwise avoids)."""
        exprs = [t.expr for t in self.terms]
        if phase is not None:
            exprs[0] = sa.literal(phase)
        return [e.label(f"sort_{i}") for i, e in enumerate(exprs)]


def fingerprint(*parts: object) -> str:
    """A short digest of what defines a search, so a token cannot be used with another."""
    return hashlib.blake2b(orjson.dumps(parts), digest_size=9).hexdigest()


def encode_cursor(search: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps({"v": _TOKEN_VERSION, "s": search, "k": list(values)})
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


def cursor_values(terms: Sequence[SortTerm], row: Sequence[Any]) -> list[Any]:
    """A row's sort values as plain JSON types (drivers may hand back Decimal for a CASE)."""
    out: list[Any] = []
    for term, value in zip(terms, row, strict=True):
        if value is None:
            out.append(None)
        elif term.kind == "int":
            out.append(int(value))
        elif term.kind == "float":
            out.append(float(value))
        else:
            out.append(str(value))
    return out


def decode_cursor(token: str | None, search: str, terms: Sequence[SortTerm]) -> list[Any] | None:
    """The sort values a token carries, checked against ``terms``; None without a token."""
    if not token:
        return None
    state = _decode(token)
    values = state.get("k")
    if state.get("v") != _TOKEN_VERSION or not isinstance(values, list):
        raise bad_token()
    if state.get("s") != search:
        raise InvalidParameter(
            f"{TOKEN_FIELD}: this token belongs to a different search; send the same"
            " experiment ids, filter, order_by and view type as the request that returned it"
            " (or no token to start again)"
        )
    if len(values) != len(terms):
        raise bad_token()
    return [_checked(term, value) for term, value in zip(terms, values, strict=True)]


def _checked(term: SortTerm, value: Any) -> Any:
    if value is None:
        if term.nullable:
            return None
        raise bad_token()
    if term.kind == "str" and isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise bad_token()
    if term.kind == "int" and isinstance(value, int):
        return value
    if term.kind == "float" and isinstance(value, (int, float)):
        return float(value)
    raise bad_token()


def fetch(
    conn: sa.Connection,
    build: Callable[[int | None, Phase | None], Any],
    ordering: Ordering,
    after: Sequence[Any] | None,
    count: int,
    built: dict[int | None, Any] | None = None,
) -> list[Any]:
    """Up to ``count`` rows that come after the row whose sort values are ``after`` (from
    the start if None). ``build(index, phase)`` makes the SELECT (with
    ``ordering.columns(index)`` among its columns, its WHERE, but no FROM) of a phase, or
    of the whole order (None, None). ``built`` keeps the ordered statements of a search
    that is asked again (they do not depend on ``after``), so they are built once."""
    memo: dict[Any, Any] = {} if built is None else built

    def ordered(index: int | None) -> Any:
        stmt = memo.get(index)
        if stmt is None:
            if index is None:
                stmt = build(None, None).select_from(ordering.source)
            else:
                phase = ordering.phases[index]
                stmt = build(index, phase).select_from(phase.source).where(phase.condition)
            memo[index] = stmt
        return stmt

    def run(query: Callable[[], Any], fixed: tuple[int | None, int] | None) -> list[Any]:
        """Rows of ``query()``. A query without a keyset condition (``fixed`` is its phase
        and limit) is the same every time the search is asked: it is compiled once and
        sent through the driver, which saves SQLAlchemy's per-call work on a large
        statement (its cache key alone is a walk of the whole tree)."""
        if fixed is None:
            return list(conn.execute(query()).all())
        key = ("sql", conn.dialect.name, *fixed)
        compiled = memo.get(key)
        if compiled is None:
            compiled = memo[key] = DriverSQL.of(query(), conn.dialect)
        return list(conn.exec_driver_sql(*compiled.bind()).all())

    if not ordering.phases:
        stmt = ordered(None)
        if after is not None:
            stmt = stmt.where(keyset_condition(ordering.terms, after))
        return run(
            lambda: stmt.order_by(*ordering.clauses()).limit(count),
            None if after is not None else (None, count),
        )
    first = 0 if after is None else after[0]
    if not 0 <= first < len(ordering.phases):
        raise bad_token()
    rows: list[Any] = []
    for index in range(first, len(ordering.phases)):
        query = ordered(index)
        fixed: tuple[int | None, int] | None = (index, count - len(rows))
        if after is not None and index == first:
            query = query.where(keyset_condition(ordering.terms[1:], after[1:]))
            fixed = None

        def limited(q: Any = query, at: int = index, n: int = count - len(rows)) -> Any:
            return q.order_by(*ordering.clauses(at)).limit(n)

        rows += run(limited, fixed)
        if len(rows) >= count:
            break
    return rows


def keyset_condition(terms: Sequence[SortTerm], after: Sequence[Any]) -> Any:
    """Rows strictly after the row whose sort values are ``after``, in the order of ``terms``.

    Built from the last term backwards: ``t1 > v1 OR (t1 = v1 AND (t2 > v2 OR ...))``,
    with ``<`` for descending terms. A NULL value is skipped: the bucket before it already
    pins every candidate row to NULL there too. The leading term also gets a plain
    range bound (``t1 >= v1``) that an index can use.
    """
    cond: Any = None
    for term, value in reversed(list(zip(terms, after, strict=True))):
        if value is None:
            continue
        beyond = term.expr > value if term.ascending else term.expr < value
        cond = beyond if cond is None else sa.or_(beyond, sa.and_(term.expr == value, cond))
    if cond is None:
        return sa.false()
    first, first_value = terms[0], after[0]
    if first_value is None:
        return cond
    bound = first.expr >= first_value if first.ascending else first.expr <= first_value
    return sa.and_(bound, cond)


# -- offsets (history and artifact listings) ---------------------------------------------


def encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode("ascii")


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    return _decode(token)


def encode_offset(offset: int) -> str:
    return encode_token({"offset": offset})


def decode_offset(token: str | None) -> int:
    state = decode_token(token)
    if state is None:
        return 0
    offset = state.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise bad_token()
    return offset


def _decode(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        state = orjson.loads(raw)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise bad_token() from None
    if not isinstance(state, dict):
        raise bad_token()
    return state


def bad_token() -> InvalidParameter:
    return InvalidParameter(
        f"{TOKEN_FIELD}: not a valid page token; pass the next_page_token of the previous"
        " response unchanged"
    )
