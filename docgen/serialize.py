"""One way for a report (any dataclass) to become JSON and come back, by its type hints.

A report crosses from the compute task to the render task as a JSON file; each cycle's report is a plain
dataclass, so nothing is written per report: ``jsonable`` turns it into what ``json.dumps`` takes, and
``from_jsonable`` rebuilds it from its class's type hints (nested dataclasses, lists, tuples, dicts,
optional values, dates and times, Decimals, enums).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def jsonable(value: Any) -> Any:
    """``value`` as JSON takes it, recursively: a dataclass as a dict of its fields, a date or time as ISO
    text (with its offset), a Decimal as its text (no float rounding), an enum as its value, a tuple or set
    as a list. Properties are not written: they are computed again from the fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, date | time):  # a datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {jsonable(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def from_jsonable(kind: type[T], data: Any) -> T:
    """The value of type ``kind`` that ``jsonable`` wrote as ``data``.

    A dataclass field missing from ``data`` takes its default (a report written before the field was
    added); a key that names no field is ignored.
    """
    hint: Any = kind  # a type, a hashable key of the readers' cache
    return _reader(hint)(data)


def _same(data: Any) -> Any:
    return data


@functools.cache
def _reader(hint: Any) -> Callable[[Any], Any]:
    """How to read a value of type ``hint`` back, worked out once per type (a ledger's events are read often)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Union or origin is types.UnionType:
        return _union_reader(args)
    if origin is Literal or hint is Any or isinstance(hint, TypeVar):
        return _same
    if origin in (list, Sequence, MutableSequence):
        item = _reader(args[0]) if args else _same
        return lambda data: [item(v) for v in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _reader(args[0])
            return lambda data: tuple(item(v) for v in data)
        items = [_reader(a) for a in args]
        return lambda data: tuple(read(v) for read, v in zip(items, data, strict=True))
    if origin in (set, frozenset):
        item, make = _reader(args[0]), origin
        return lambda data: make(item(v) for v in data)
    if origin in (dict, Mapping):
        key, value = (_reader(args[0]), _reader(args[1])) if args else (_same, _same)
        return lambda data: {key(k): value(v) for k, v in data.items()}
    if hint in (list, tuple, set, frozenset, dict):
        return hint
    if not isinstance(hint, type):
        return _same
    if dataclasses.is_dataclass(hint):
        return _dataclass_reader(hint)
    if issubclass(hint, enum.Enum):
        return hint
    for kind in (datetime, date, time):  # a datetime is a date: the most particular first
        if issubclass(hint, kind):
            return kind.fromisoformat
    if issubclass(hint, Decimal):
        return Decimal
    if hint in (int, float):  # a dict's key is text in JSON
        return lambda data: hint(data) if isinstance(data, str) else data
    return _same


def _union_reader(args: tuple[Any, ...]) -> Callable[[Any], Any]:
    arms = tuple(a for a in args if a is not type(None))
    optional = len(arms) < len(args)
    if len(arms) == 1:
        inner = _reader(arms[0])
        return (lambda data: None if data is None else inner(data)) if optional else inner
    readers = [_reader(a) for a in arms]

    def read(data: Any) -> Any:
        if (data is None and optional) or type(data) in arms:  # a plain value of one of the arms
            return data
        for reader in readers:
            try:
                return reader(data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"{data!r} is none of {args}")

    return read


def _dataclass_reader(cls: type) -> Callable[[Any], Any]:
    fields: list[tuple[str, Callable[[Any], Any]]] | None = None

    def read(data: Mapping[str, Any]) -> Any:
        nonlocal fields
        if fields is None:  # on first use: the class may refer to itself, or to one defined after it
            hints = get_type_hints(cls)
            fields = [(f.name, _reader(hints[f.name])) for f in dataclasses.fields(cls) if f.init]
        return cls(**{name: data[name] if reader is _same else reader(data[name])
                      for name, reader in fields if name in data})

    return read
