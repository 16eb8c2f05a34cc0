"""The search language of runs and experiments: text in, typed AST out."""

from trackbook.search.ast import And, Comparison, Key, Node, Or, OrderBy
from trackbook.search.parser import (
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)

__all__ = [
    "And",
    "Comparison",
    "Key",
    "Node",
    "Or",
    "OrderBy",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]
