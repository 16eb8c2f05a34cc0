"""The filter language as tables: text -> AST, and text -> the error with its column."""

from __future__ import annotations

import pytest

from trackbook.errors import InvalidParameter
from trackbook.search import (
    And,
    Comparison,
    Key,
    Node,
    Or,
    OrderBy,
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)


def m(name: str) -> Key:
    return Key("metric", name)


def p(name: str) -> Key:
    return Key("param", name)


def t(name: str) -> Key:
    return Key("tag", name)


def a(name: str) -> Key:
    return Key("attribute", name)


def d(name: str) -> Key:
    return Key("dataset", name)


def cmp(key: Key, op: str, value: object) -> Comparison:
    return Comparison(key, op, value)  # type: ignore[arg-type]


RUN_FILTERS: list[tuple[str, Node | None]] = [
    ("", None),
    ("   ", None),
    ("metrics.loss < 0.5", cmp(m("loss"), "<", 0.5)),
    ("metric.loss<=1", cmp(m("loss"), "<=", 1.0)),
    ("metrics.acc >= -1.5e-3", cmp(m("acc"), ">=", -0.0015)),
    ("metrics.acc > .5", cmp(m("acc"), ">", 0.5)),
    ("metrics.acc != 3", cmp(m("acc"), "!=", 3.0)),
    ("metrics.acc <> 3", cmp(m("acc"), "!=", 3.0)),
    ("metrics.acc == 3", cmp(m("acc"), "=", 3.0)),
    ("params.model = 'resnet'", cmp(p("model"), "=", "resnet")),
    ('params.model = "resnet"', cmp(p("model"), "=", "resnet")),
    ("param.lr != '0.1'", cmp(p("lr"), "!=", "0.1")),
    ("parameters.lr = '0.1'", cmp(p("lr"), "=", "0.1")),
    ("parameter.lr = '0.1'", cmp(p("lr"), "=", "0.1")),
    ("tags.team LIKE 'vis%'", cmp(t("team"), "LIKE", "vis%")),
    ("tag.team ILIKE '%ION'", cmp(t("team"), "ILIKE", "%ION")),
    # keys with dots, quoted keys, MLflow's spellings of prefixes and attributes
    ("tags.mlflow.runName = 'a'", cmp(t("mlflow.runName"), "=", "a")),
    ("tags.\"mlflow.runName\" = 'a'", cmp(t("mlflow.runName"), "=", "a")),
    ("metrics.`my metric` > 1", cmp(m("my metric"), ">", 1.0)),
    ('metrics."my metric" > 1', cmp(m("my metric"), ">", 1.0)),
    ("`metrics`.`my metric` > 1", cmp(m("my metric"), ">", 1.0)),
    ("`metrics`.loss > 1", cmp(m("loss"), ">", 1.0)),
    ("params.`batch size` = '32'", cmp(p("batch size"), "=", "32")),
    ("metrics.val/loss < 2", cmp(m("val/loss"), "<", 2.0)),
    ("metrics.loss-smooth < 2", cmp(m("loss-smooth"), "<", 2.0)),
    ("attributes.run_id = 'abc'", cmp(a("run_id"), "=", "abc")),
    ("attribute.run_uuid = 'abc'", cmp(a("run_id"), "=", "abc")),
    ("attr.status = 'FAILED'", cmp(a("status"), "=", "FAILED")),
    ("run.status = 'FAILED'", cmp(a("status"), "=", "FAILED")),
    ("status != 'FAILED'", cmp(a("status"), "!=", "FAILED")),
    ("run_name = 'x'", cmp(a("run_name"), "=", "x")),
    ("`Run name` = 'x'", cmp(a("run_name"), "=", "x")),
    ("attributes.\"Run Name\" = 'x'", cmp(a("run_name"), "=", "x")),
    ("created > 1700000000000", cmp(a("start_time"), ">", 1700000000000)),
    ("Created > 5", cmp(a("start_time"), ">", 5)),
    ("attributes.start_time >= 1.5", cmp(a("start_time"), ">=", 1.5)),
    ("attributes.end_time IS NULL", cmp(a("end_time"), "IS NULL", None)),
    ("attributes.user_id = 'alice'", cmp(a("user_id"), "=", "alice")),
    ("attributes.artifact_uri LIKE 's3://%'", cmp(a("artifact_uri"), "LIKE", "s3://%")),
    ("attributes.lifecycle_stage = 'deleted'", cmp(a("lifecycle_stage"), "=", "deleted")),
    ("dataset.name = 'mnist'", cmp(d("name"), "=", "mnist")),
    ("datasets.digest != 'abc'", cmp(d("digest"), "!=", "abc")),
    ("dataset.context IN ('training', 'eval')", cmp(d("context"), "IN", ("training", "eval"))),
    # lists, null tests
    ("attributes.run_id IN ('a', 'b')", cmp(a("run_id"), "IN", ("a", "b"))),
    ("attributes.run_id in ('a')", cmp(a("run_id"), "IN", ("a",))),
    ("params.model NOT IN ('a','b')", cmp(p("model"), "NOT IN", ("a", "b"))),
    ("tags.x IS NULL", cmp(t("x"), "IS NULL", None)),
    ("tags.x is not null", cmp(t("x"), "IS NOT NULL", None)),
    ("metrics.loss IS NOT NULL", cmp(m("loss"), "IS NOT NULL", None)),
    # quoting inside values
    ("tags.q = 'it''s'", cmp(t("q"), "=", "it's")),
    ("tags.q = 'it\\'s'", cmp(t("q"), "=", "it's")),
    ('tags.q = "say \\"hi\\""', cmp(t("q"), "=", 'say "hi"')),
    ("tags.q LIKE '50\\%%'", cmp(t("q"), "LIKE", "50\\%%")),
    ("tags.q = ''", cmp(t("q"), "=", "")),
    ("tags.q = 'ünïcode ✓'", cmp(t("q"), "=", "ünïcode ✓")),
    # AND binds tighter than OR; parentheses
    (
        "metrics.a > 1 and params.b = 'x'",
        And((cmp(m("a"), ">", 1.0), cmp(p("b"), "=", "x"))),
    ),
    (
        "metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3",
        Or((cmp(m("a"), ">", 1.0), And((cmp(m("b"), ">", 2.0), cmp(m("c"), ">", 3.0))))),
    ),
    (
        "(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3",
        And((Or((cmp(m("a"), ">", 1.0), cmp(m("b"), ">", 2.0))), cmp(m("c"), ">", 3.0))),
    ),
    (
        "((metrics.a > 1))",
        cmp(m("a"), ">", 1.0),
    ),
    (
        "metrics.a > 1 AND metrics.b > 2 AND metrics.c > 3",
        And((cmp(m("a"), ">", 1.0), cmp(m("b"), ">", 2.0), cmp(m("c"), ">", 3.0))),
    ),
]


@pytest.mark.parametrize(("text", "expected"), RUN_FILTERS)
def test_run_filter_ast(text: str, expected: Node | None) -> None:
    assert parse_run_filter(text) == expected


RUN_FILTER_ERRORS = [
    ("metrics.loss >", "col 15: expected a value after '>'"),
    ("metrics.loss > 0.5 and params.model =", "col 38: expected a value after '='"),
    ("metrics.loss = '1'", "col 16: expected a number for metrics.loss, got '1'"),
    ("metrics.loss = abc", "col 16: expected a number for metrics.loss, got abc"),
    ("params.lr = 0.1", "col 13: expected a quoted string for params.lr"),
    ("tags.t = abc", "col 10: expected a quoted string for tags.t"),
    ("params.lr > '0.1'", "col 11: operator > is not supported for params.lr"),
    ("metrics.m LIKE '1%'", "col 11: operator LIKE is not supported for metrics.m"),
    ("metrics.m IN (1, 2)", "col 11: operator IN is not supported for metrics.m"),
    ("attributes.start_time LIKE '1%'", "col 23: operator LIKE is not supported"),
    ("attributes.status > 'A'", "col 19: operator > is not supported for attributes.status"),
    ("attributes.start_time = 'x'", "col 25: expected a number for attributes.start_time"),
    ("attributes.foo = 'x'", "col 1: unknown run attribute 'foo'"),
    ("lifecycle = 'x'", "col 1: unknown run attribute 'lifecycle'"),
    ("attributes.experiment_id = '1'", "col 1: unknown run attribute 'experiment_id'"),
    ("dataset.size = 'x'", "col 1: unknown dataset field 'size'"),
    ("metrics. = 1", "col 10: expected a key name right after 'metrics.'"),
    ("metrics.loss > 1 metrics.acc > 2", "col 18: expected AND, OR or the end of the filter"),
    ("metrics.loss > 1 AND", "col 21: expected a key such as metrics.loss"),
    ("(metrics.loss > 1", "col 18: expected ')' to close the '(' at col 1"),
    ("metrics.loss > 1)", "col 17: ')' without a matching '('"),
    ("()", "col 2: expected a key such as metrics.loss, got ')'"),
    ("params.a = 'x", "col 12: the quote ' that starts here is never closed"),
    ('params."a = 1', 'col 8: the quote " that starts here is never closed'),
    ("params.a = 'x'; drop table runs", "col 15: unexpected character ';'"),
    ("'params.a' = 'x'", "col 1: a key cannot be in single quotes"),
    ("params.a IS 'x'", "col 13: expected NULL after IS, got 'x'"),
    ("params.a IS NOT 1", "col 17: expected NULL after IS NOT, got 1"),
    ("params.a NOT LIKE 'x'", "col 10: NOT LIKE is not supported"),
    ("params.a NOT = 'x'", "col 14: expected IN after NOT, got '='"),
    ("params.a IN 'x'", "col 13: expected '(' to start a list of values, got 'x'"),
    ("params.a IN ('x' 'y')", "col 18: expected ',' or ')' in the list of values, got 'y'"),
    ("params.a IN ('x',)", "col 18: expected a quoted string for params.a"),
    ("params.a IN ()", "col 14: expected a quoted string for params.a"),
    ("params.a LIKE x", "col 15: expected a quoted pattern after LIKE, got x"),
    ("params.a", "col 9: expected an operator after params.a, got the end of the text"),
    ("params.a 'x'", "col 10: expected an operator after params.a, got 'x'"),
    ("metrics.a > 1 OR", "col 17: expected a key such as metrics.loss, got the end of the text"),
]


@pytest.mark.parametrize(("text", "message"), RUN_FILTER_ERRORS)
def test_run_filter_errors_name_the_field_and_column(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as exc:
        parse_run_filter(text)
    assert exc.value.message.startswith(f"filter: {message}"), exc.value.message


def test_error_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidParameter, match=r"^search\.filter: col 3: unexpected"):
        parse_run_filter("a ; b", field="search.filter")


EXPERIMENT_FILTERS: list[tuple[str, Node | None]] = [
    ("name = 'x'", cmp(a("name"), "=", "x")),
    ("attribute.name LIKE 'proj-%'", cmp(a("name"), "LIKE", "proj-%")),
    ("name ILIKE '%Vision%'", cmp(a("name"), "ILIKE", "%Vision%")),
    ("tags.team = 'a'", cmp(t("team"), "=", "a")),
    ("tags.`owner email` IS NULL", cmp(t("owner email"), "IS NULL", None)),
    ("creation_time > 1700000000000", cmp(a("creation_time"), ">", 1700000000000)),
    ("last_update_time <= 5", cmp(a("last_update_time"), "<=", 5)),
    ("experiment_id = '7'", cmp(a("experiment_id"), "=", 7)),
    ("id IN ('1', '2', 3)", cmp(a("experiment_id"), "IN", (1, 2, 3))),
    ("experiment_id NOT IN ('0')", cmp(a("experiment_id"), "NOT IN", (0,))),
    (
        "name LIKE 'a%' OR tags.k = 'v'",
        Or((cmp(a("name"), "LIKE", "a%"), cmp(t("k"), "=", "v"))),
    ),
]


@pytest.mark.parametrize(("text", "expected"), EXPERIMENT_FILTERS)
def test_experiment_filter_ast(text: str, expected: Node) -> None:
    assert parse_experiment_filter(text) == expected


EXPERIMENT_FILTER_ERRORS = [
    ("metrics.x > 1", "col 1: experiments have no metrics"),
    ("params.x = 'a'", "col 1: experiments have no params"),
    ("owner = 'a'", "col 1: unknown experiment attribute 'owner'"),
    ("experiment_id > '1'", "col 15: operator > is not supported for attributes.experiment_id"),
    ("experiment_id = 'x1'", "col 17: expected an id (a whole number)"),
    ("creation_time > '5'", "col 17: expected a number for attributes.creation_time"),
    ("name > 'a'", "col 6: operator > is not supported for attributes.name"),
]


@pytest.mark.parametrize(("text", "message"), EXPERIMENT_FILTER_ERRORS)
def test_experiment_filter_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as exc:
        parse_experiment_filter(text)
    assert exc.value.message.startswith(f"filter: {message}"), exc.value.message


RUN_ORDER_BY = [
    (["metrics.loss"], [OrderBy(m("loss"), True)]),
    (["metrics.loss DESC"], [OrderBy(m("loss"), False)]),
    (["metrics.`val loss` asc"], [OrderBy(m("val loss"), True)]),
    (["params.lr DESC", "start_time"], [OrderBy(p("lr"), False), OrderBy(a("start_time"))]),
    (["created DESC"], [OrderBy(a("start_time"), False)]),
    (["tags.mlflow.runName"], [OrderBy(t("mlflow.runName"))]),
    (["attributes.run_name ASC"], [OrderBy(a("run_name"))]),
    (["status", "end_time DESC"], [OrderBy(a("status")), OrderBy(a("end_time"), False)]),
]


@pytest.mark.parametrize(("clauses", "expected"), RUN_ORDER_BY)
def test_run_order_by(clauses: list[str], expected: list[OrderBy]) -> None:
    assert parse_run_order_by(clauses) == expected


ORDER_BY_ERRORS = [
    (["metrics.loss UP"], "order_by[0]: col 14: expected ASC, DESC or the end of the clause"),
    (["start_time", "metrics.x DESC x"], "order_by[1]: col 16: expected ASC, DESC or the end"),
    (["dataset.name"], "order_by[0]: col 1: runs cannot be ordered by dataset fields"),
    (["nope"], "order_by[0]: col 1: unknown run attribute 'nope'"),
    ([""], "order_by[0]: empty clause"),
    (["metrics.a", "metrics.a DESC"], "order_by[1]: metrics.a is already ordered on by"),
    (["start_time", "created"], "order_by[1]: attributes.start_time is already ordered on"),
]


@pytest.mark.parametrize(("clauses", "message"), ORDER_BY_ERRORS)
def test_run_order_by_errors(clauses: list[str], message: str) -> None:
    with pytest.raises(InvalidParameter) as exc:
        parse_run_order_by(clauses)
    assert exc.value.message.startswith(message), exc.value.message


def test_experiment_order_by() -> None:
    assert parse_experiment_order_by(["name", "id DESC", "last_update_time ASC"]) == [
        OrderBy(a("name")),
        OrderBy(a("experiment_id"), False),
        OrderBy(a("last_update_time")),
    ]
    with pytest.raises(InvalidParameter, match=r"order_by\[0\]: col 1: experiments can be ordered"):
        parse_experiment_order_by(["tags.team"])
