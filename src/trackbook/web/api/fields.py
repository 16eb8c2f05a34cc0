"""Reading protobuf-JSON request fields with errors that name the field.

Requests arrive as a JSON body (POST) or a query string (GET). Protobuf-JSON
lets 64-bit integers arrive as strings and enums as their names; query-string
values are always strings. ``Fields`` accepts all of that and rejects the rest
with ``InvalidParameter("<field>: ...")``.
"""

from __future__ import annotations

import re
from typing import Any

from trackbook import validation
from trackbook.errors import InvalidParameter

_MISSING = object()

# MLflow's own rule for run ids; ours are 32 hex digits, imported ones may differ.
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_ID = re.compile(r"^[0-9]+$")


class Fields:
    __slots__ = ("data", "from_query", "prefix")

    def __init__(self, data: dict[str, Any], prefix: str = "", *, from_query: bool = False) -> None:
        self.data = data
        self.prefix = prefix
        # A query string may repeat a scalar parameter; then the last one counts.
        self.from_query = from_query

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise InvalidParameter(f"{self.name(key)}: missing value for a required field")
            return None
        if self.from_query and isinstance(value, list):
            return value[-1]
        return value

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidParameter(f"{self.name(key)}: expected a string, got {_kind(value)}")
        if required and value == "":
            raise InvalidParameter(f"{self.name(key)}: missing value for a required field")
        return _no_nul(self.name(key), value)

    def int64(self, key: str, *, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool):
            raise InvalidParameter(f"{self.name(key)}: expected an integer, got a boolean")
        if isinstance(value, int):
            return _in_int64(self.name(key), value)
        if isinstance(value, float) and value.is_integer():
            return _in_int64(self.name(key), int(value))
        if isinstance(value, str):
            text = value.strip()
            if _INTEGER.match(text):
                return _in_int64(self.name(key), int(text))
        raise InvalidParameter(f"{self.name(key)}: expected an integer, got {_short(value)}")

    def double(self, key: str, *, required: bool = False) -> float | None:
        value = self._get(key, required)
        if value is None:
            return None
        return validation.check_metric_value(self.name(key), value)

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidParameter(f"{self.name(key)}: expected true or false, got {_short(value)}")

    def enum(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._get(key, False)
        if value is None or value == "":
            return default
        if isinstance(value, str) and _ID.match(value.strip()):
            value = int(value)  # a number in a query string
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(choices):
            # Protobuf enums of these messages number their values from 1.
            return choices[value - 1]
        if isinstance(value, str) and value.upper() in choices:
            return value.upper()
        raise InvalidParameter(
            f"{self.name(key)}: {_short(value)} is not one of {', '.join(choices)}"
        )

    def optional_enum(self, key: str, choices: tuple[str, ...]) -> str | None:
        if self._get(key, False) in (None, ""):
            return None
        return self.enum(key, choices, "")

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [_no_nul(self.name(key), value)]
        if not isinstance(value, list):
            raise InvalidParameter(f"{self.name(key)}: expected a list of strings")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise InvalidParameter(
                    f"{self.name(key)}[{i}]: expected a string, got {_kind(item)}"
                )
            _no_nul(f"{self.name(key)}[{i}]", item)
        return value

    def ids(self, key: str) -> list[str]:
        """A repeated id field: strings, or integers from lenient clients."""
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise InvalidParameter(f"{self.name(key)}[{i}]: expected an id, got {_kind(item)}")
            out.append(_no_nul(f"{self.name(key)}[{i}]", str(item)))
        return out

    def experiment_id(self, key: str = "experiment_id", *, required: bool = True) -> str | None:
        """An experiment id: a decimal 64-bit integer, sent as a string (or a number)."""
        value = self._get(key, required)
        if value is None:
            return None
        if value == "":
            if required:
                raise InvalidParameter(f"{self.name(key)}: missing value for a required field")
            return None
        return _experiment_id(self.name(key), value)

    def experiment_ids(self, key: str = "experiment_ids") -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [_experiment_id(f"{self.name(key)}[{i}]", item) for i, item in enumerate(items)]

    def run_ids(self, key: str = "run_ids") -> list[str]:
        return [_check_run_id(f"{self.name(key)}[{i}]", v) for i, v in enumerate(self.ids(key))]

    def messages(self, key: str) -> list[Fields]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidParameter(f"{self.name(key)}: expected a list of objects")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise InvalidParameter(
                    f"{self.name(key)}[{i}]: expected an object, got {_kind(item)}"
                )
            out.append(Fields(item, f"{self.name(key)}[{i}]."))
        return out

    def message(self, key: str, *, required: bool = False) -> Fields | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InvalidParameter(f"{self.name(key)}: expected an object, got {_kind(value)}")
        return Fields(value, f"{self.name(key)}.")

    def run_id(self) -> str:
        """``run_id``, or the older ``run_uuid`` that clients still send."""
        value = self.string("run_id") or self.string("run_uuid")
        if not value:
            raise InvalidParameter(f"{self.name('run_id')}: missing value for a required field")
        return _check_run_id(self.name("run_id"), value)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _in_int64(field: str, value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise InvalidParameter(f"{field}: {value} does not fit in a 64-bit integer")
    return value


def _no_nul(field: str, value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it everywhere so every backend agrees.
    if "\x00" in value:
        raise InvalidParameter(f"{field}: contains a NUL character")
    return value


def _experiment_id(field: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(_in_int64(field, value))
    if isinstance(value, str) and _ID.match(value.strip()):
        return str(_in_int64(field, int(value)))
    raise InvalidParameter(f"{field}: {_short(value)} is not a valid experiment id")


def _check_run_id(field: str, value: str) -> str:
    if not _RUN_ID.match(value):
        raise InvalidParameter(f"{field}: {_short(value)} is not a valid run id")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
