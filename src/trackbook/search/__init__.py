"""The search language of runs and experiments: text in, typed AST out (no SQL here)."""

from trackbook.search.ast import And, Comparison, Key, Node, Op, Or, OrderBy, Value
from trackbook.search.keys import EXPERIMENTS, RUNS, KeyType, Vocabulary
from trackbook.search.parser import (
    FilterParser,
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)

__all__ = [
    "EXPERIMENTS",
    "RUNS",
    "And",
    "Comparison",
    "FilterParser",
    "Key",
    "KeyType",
    "Node",
    "Op",
    "Or",
    "OrderBy",
    "Value",
    "Vocabulary",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]
