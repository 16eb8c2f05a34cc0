"""The compare page's side-by-side table and the data behind its plots."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trackbook.models import Run
from trackbook.web.api.serialize import json_double

SYSTEM_TAG_PREFIX = "mlflow."


@dataclass(frozen=True, slots=True)
class CompareRow:
    section: str  # "params", "metrics" or "tags"
    key: str
    values: list[str]
    differs: bool


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.6g}"


def build(runs: list[Run]) -> list[CompareRow]:
    rows: list[CompareRow] = []
    sections: list[tuple[str, list[dict[str, str]]]] = [
        ("params", [{p.key: p.value for p in r.params} for r in runs]),
        ("metrics", [{m.key: _number(m.value) for m in r.metrics} for r in runs]),
        (
            "tags",
            [
                {t.key: t.value for t in r.tags if not t.key.startswith(SYSTEM_TAG_PREFIX)}
                for r in runs
            ],
        ),
    ]
    for section, per_run in sections:
        keys = sorted({k for values in per_run for k in values})
        for key in keys:
            values = [v.get(key, "") for v in per_run]
            rows.append(CompareRow(section, key, values, len(set(values)) > 1))
    return rows


def plot_data(runs: list[Run]) -> dict[str, Any]:
    """Per run: id, name, params (strings) and latest metrics (numbers), for the plots."""
    return {
        "runs": [
            {
                "id": r.info.run_id,
                "name": r.info.run_name,
                "params": {p.key: p.value for p in r.params},
                "metrics": {m.key: json_double(m.value) for m in r.metrics},
            }
            for r in runs
        ]
    }
