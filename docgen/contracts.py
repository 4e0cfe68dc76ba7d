"""Data contracts: ODCS v3 YAML files compiled to one validator per submission type.

A contract names each column (``name``), its Chinese header (``businessName``), its type and limits;
``customProperties`` add what ODCS lacks (how to parse a cell, registry rules, a hint for the unit).
Validation parses every cell first (so a bad cell is reported as such, and the column's other checks
still run on the good cells), then runs one lazy pandera pass that collects every problem. Many files are
checked in one pass (``Contract.validate_many``), each row knowing its file, since pandera's cost is
nearly all fixed per call; the problems then go back to their files.

A field's ``rules`` are names, registered with ``rule``: the rules any contract may use here (the unit
matches its folder, unit codes are in the roll, a date not before another), each cycle's own in its
package (the module its ``Cycle`` names as ``contract_rules``, imported when a contract first names a rule
not registered yet), so this module knows no cycle.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.pandas as pa
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty
from pandera.errors import SchemaErrors
from pydantic import ValidationError

from .errors import ContractError
from .formats import cells
from .formats.tables import RawTable, column_letter, header_key
from .models import Indicator, Problem, Task
from .resources import contracts_dir

if TYPE_CHECKING:
    from .periods import Period

CONTRACTS_DIR = contracts_dir()  # package data in a wheel, else the repository's data_contracts/
LOGICAL_TYPES = {"string", "integer", "number", "date", "array", "boolean"}
PARSE_KINDS = {"text", "code", "percent", "codes"}


@dataclass(frozen=True)
class ValidationContext:
    """What the rules check against: the folder's unit and the registry (its tasks, unit codes, 测评体系);
    for a file of a cycle, the rows of the cycle's registers (``Register.name`` → rows), the period it is
    for and the day it was received (in the campaign's zone), so a rule can check a row against the
    secretariat's own tables and refuse a date after the period or in the future."""

    unit: str | None = None
    tasks: Mapping[str, Task] | None = None
    unit_codes: Collection[str] | None = None
    indicators: Mapping[str, Indicator] | None = None
    registers: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
    period: Period | None = None
    received_on: date | None = None


@dataclass(frozen=True)
class Field:
    """One column of a contract, compiled from an ODCS property."""

    name: str
    header: str
    logical_type: str
    required: bool = False
    unique: bool = False
    parse: str = "text"
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    valid_values: tuple[str, ...] = ()
    decimals: int | None = None
    rules: tuple[str, ...] = ()
    hint: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    def read(self, value: Any, percent_formatted: bool = False) -> Any:
        """Parse one cell for this column; raises cells.CellError."""
        if self.logical_type == "date":
            return cells.parse_date(value)
        if self.logical_type == "integer":
            return cells.parse_integer(value)
        if self.logical_type == "number":
            if self.parse == "percent":
                return cells.parse_number(value, percent=True, percent_formatted=percent_formatted)
            if self.decimals is not None:
                return cells.parse_decimal(value, self.decimals)
            return cells.parse_number(value)
        if self.logical_type == "array" or self.parse == "codes":
            return cells.split_codes(value) or None
        if self.parse == "code":
            return cells.parse_code(value)
        return cells.parse_text(value)


@dataclass
class Validation:
    """The outcome for one file: typed rows (when accepted) and every problem found."""

    rows: list[dict[str, Any]]
    problems: list[Problem]
    excel_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # told in the receipt without refusing the file

    @property
    def accepted(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Contract:
    """A compiled data contract: its fields and the validator built from them."""

    name: str
    title: str  # the Chinese name of the submission type, e.g. 成员单位名册
    version: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def header_score(self, texts: list[str]) -> int:
        """How many of this contract's headers a row holds: the reader's way to find the header row."""
        keys = {header_key(t) for t in texts if t}
        return sum(1 for field_keys in self._header_keys if not field_keys.isdisjoint(keys))

    def missing_columns(self, table: RawTable) -> list[Problem]:
        """The required columns ``table`` lacks, as problems (empty: it has the shape of this contract)."""
        return self._locate(table)[1]

    def is_percent_column(self, header: str) -> bool:
        key = header_key(header)
        return any(f.parse == "percent" and key in keys for f, keys in zip(self.fields, self._header_keys, strict=True))

    @functools.cached_property
    def _header_keys(self) -> tuple[frozenset[str], ...]:
        """Each field's accepted headers, compared loosely, computed once per contract."""
        return tuple(frozenset(header_key(h) for h in f.headers) for f in self.fields)

    def validate(
        self, table: RawTable, context: ValidationContext | None = None, *, require_rows: bool = True
    ) -> Validation:
        """Check every row and cell of ``table``; report every problem with its Excel row and header."""
        return self.validate_many([(table, context)], require_rows=require_rows)[0]

    def validate_many(
        self,
        items: Sequence[tuple[RawTable, ValidationContext | None]],
        *,
        require_rows: bool = True,
    ) -> list[Validation]:
        """Validate many files in one pandera pass: its fixed cost (~4 ms a call) is paid once, not per file.

        Each result is what ``validate`` gives for that file alone: the rows of all files are checked
        together, each row against its own file's context (folder unit, tasks, unit codes; ``unique``
        holds within a file), and the problems go back to their file with its Excel rows. A file with a
        missing required column or no data rows is answered without the pass. Raises only where
        validating an item alone would raise (a fault in a check, not bad data: cells are parsed first).
        """
        results: list[Validation | None] = [None] * len(items)
        files: list[_File] = []
        for item, (table, context) in enumerate(items):
            positions, missing = self._locate(table)
            if missing:
                results[item] = Validation(rows=[], problems=missing, excel_rows=table.excel_rows)
            elif not table.rows:
                results[item] = _no_rows(table, require_rows)
            else:
                files.append(_File(item, table, context or _NO_CONTEXT, positions))
        if files:
            for file, result in zip(files, self._validate_together(files), strict=True):
                results[file.item] = result
        return [r for r in results if r is not None]

    # -- internals ------------------------------------------------------------------------------

    @functools.cached_property
    def _order(self) -> dict[str | None, int]:
        """Problems of a row are listed in the contract's column order."""
        return {f.header: i for i, f in reversed(list(enumerate(self.fields)))}

    @functools.cached_property
    def _field_order(self) -> dict[str, int]:
        return {f.name: i for i, f in enumerate(self.fields)}

    @functools.cached_property
    def _header_keys(self) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(header_key(h) for h in f.headers) for f in self.fields)

    def _locate(self, table: RawTable) -> tuple[dict[str, int], list[Problem]]:
        """Where each column is in the sheet; a required column that is missing is a problem.

        The rule of ``RawTable.column_index`` (the first column whose header is one of the field's),
        with each header normalized once per file instead of once per field.
        """
        first: dict[str, int] = {}
        for i, h in enumerate(table.headers):
            first.setdefault(header_key(h), i)
        positions: dict[str, int] = {}
        missing: list[Problem] = []
        for f, keys in zip(self.fields, self._header_keys, strict=True):
            idx = min((first[k] for k in keys if k in first), default=None)
            if idx is not None:
                positions[f.name] = idx
            elif f.required:
                missing.append(
                    Problem(
                        row=table.header_row,
                        column=f.header,
                        message=f"缺少必填列“{f.header}”，请使用报送模板，不要删除或改动表头",
                    )
                )
        return positions, missing

    def _validate_together(self, files: list[_File]) -> list[Validation]:
        """Parse the files' cells into one frame, run one lazy pandera pass, and split the problems back."""
        columns: dict[str, list[Any]] = {f.name: [] for f in self.fields}
        owner: list[int] = []  # the position in ``files`` of each row of the frame
        for n, file in enumerate(files):
            file.start = len(owner)
            self._parse_into(columns, file)
            owner.extend([n] * len(file.table.rows))
        frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
        batch = Batch(frame, pd.Series(owner).to_numpy(), [file.context for file in files])
        schema, messages = self._schema(batch)
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            self._split_failures(exc.failure_cases, files, batch, messages)
        results = []
        for file in files:
            problems = [*file.problems, *file.found.values()]
            problems.sort(key=lambda p: (p.row or 0, self._order.get(p.column, -1)))
            rows: list[dict[str, Any]] = []
            if not problems:
                end = file.start + len(file.table.rows)
                names = list(columns)
                rows = [dict(zip(names, values, strict=True))
                        for values in zip(*(columns[name][file.start:end] for name in names), strict=True)]
            results.append(Validation(rows=rows, problems=problems, excel_rows=file.table.excel_rows))
        return results

    def _parse_into(self, columns: dict[str, list[Any]], file: _File) -> None:
        """Parse every cell of ``file`` onto ``columns``; a cell that cannot be parsed becomes a problem
        and a missing value, so the column's other checks still run on the good cells."""
        table = file.table
        for f in self.fields:
            values = columns[f.name]
            c = file.positions.get(f.name)
            if c is None:
                values.extend([None] * len(table.rows))
                continue
            for i, row in enumerate(table.rows):
                try:
                    values.append(f.read(row[c], (i, c) in table.percent_formatted))
                except cells.CellError as exc:
                    values.append(None)
                    excel_row = table.excel_rows[i]
                    file.failed_cells.add((excel_row, f.header))
                    file.problems.append(
                        Problem(
                            row=excel_row,
                            column=f.header,
                            value=_shown(row[c]),
                            cell=f"{column_letter(c)}{excel_row}",
                            message=str(exc),
                        )
                    )

    def _schema(self, batch: Batch) -> tuple[pa.DataFrameSchema, dict[tuple[str, int], Message]]:
        """One schema per batch (building one costs ~1 ms); each check's message kept by its position."""
        columns = {}
        messages: dict[tuple[str, int], Message] = {}
        for f in self.fields:
            specs = _checks_for(f, batch)
            for name in f.rules:
                found = _find_rule(name)
                if found is None:
                    raise _unknown_rules(self.name, f.name, [name])
                spec = found.check(f, batch)
                if spec is not None:
                    specs.append(spec)
            for n, (_check, message) in enumerate(specs):
                messages[(f.name, n)] = message
            # a required column reaches this pass only when the file has it
            columns[f.name] = pa.Column(nullable=not f.required, checks=[c for c, _ in specs], required=True)
        return pa.DataFrameSchema(columns), messages

    def _split_failures(
        self,
        failures: pd.DataFrame,
        files: list[_File],
        batch: Batch,
        messages: dict[tuple[str, int], Message],
    ) -> None:
        """Give each failure back to its file, with that file's Excel row, cell, value and message.

        Sorted by row, column and check, so a cell's problems come in the order of its checks (pandera
        sorts its failure cases with an unstable sort).
        """
        if failures["index"].isna().any():
            errors = "；".join(str(v) for v in failures.loc[failures["index"].isna(), "failure_case"])
            raise RuntimeError(f"数据契约 {self.name} 的检查执行出错：{errors}")
        cases = sorted(
            (
                (int(index), self._field_order[str(column)], -1 if pd.isna(number) else int(number), str(check))
                for index, column, number, check in zip(
                    failures["index"], failures["column"], failures["check_number"], failures["check"], strict=True
                )
            ),
        )
        for index, position, number, check in cases:
            f = self.fields[position]
            file = files[batch.files[index]]
            i = index - file.start
            excel_row = file.table.excel_rows[i]
            if (excel_row, f.header) in file.failed_cells:
                continue  # already reported as unreadable
            message = messages.get((f.name, number)) if number >= 0 else None
            if message is None:
                text = _BUILTIN_MESSAGES.get(check, check).format(header=f.header)
            elif isinstance(message, RowMessage):
                text = message.text(index)
            else:
                text = message if isinstance(message, str) else message(file.context)
            c = file.positions.get(f.name)
            file.found[(excel_row, f.header, text)] = Problem(
                row=excel_row,
                column=f.header,
                value=_shown(file.table.rows[i][c]) if c is not None else None,
                cell=f"{column_letter(c)}{excel_row}" if c is not None else None,
                message=text,
            )


@dataclass(frozen=True)
class RowMessage:
    """A problem's Chinese text made for the row it is found in (e.g. naming that row's indicator)."""

    text: Callable[[int], str]  # the row's position in the batch's frame → its message


Message = str | Callable[[ValidationContext], str] | RowMessage
"""A problem's Chinese text: fixed, made for the file it is found in (e.g. naming its folder's unit), or
made for the row (``RowMessage``)."""

_NO_CONTEXT = ValidationContext()


@dataclass
class _File:
    """One file on its way through a batch: where its rows start in the batch and what was found."""

    item: int
    table: RawTable
    context: ValidationContext
    positions: dict[str, int]
    start: int = 0
    problems: list[Problem] = field(default_factory=list)  # cells that could not be parsed
    failed_cells: set[tuple[int, str]] = field(default_factory=set)
    found: dict[tuple[int, str, str], Problem] = field(default_factory=dict)  # from the pandera pass


@dataclass(frozen=True)
class Batch:
    """The parsed rows of many files one after another, as the checks see them.

    ``files[i]`` is the position in ``contexts`` of row ``i``'s file: each row is checked against its
    own file's folder unit and registry, so files with different registries still share the pass.
    """

    frame: pd.DataFrame
    files: Any  # numpy array of int, one per row
    contexts: list[ValidationContext]

    def row_contexts(self, s: pd.Series) -> list[ValidationContext]:
        """The context of each row of ``s`` (a column, or the part of it a check sees)."""
        contexts = self.contexts
        return [contexts[k] for k in self.files[s.index.to_numpy()]]

    @functools.cached_property
    def units(self) -> Any:
        """The folder unit of each row (None where its file's context names none)."""
        return pd.Series([self.contexts[k].unit for k in self.files], dtype=object).to_numpy()

    @functools.cached_property
    def code_sets(self) -> list[Collection[str] | None]:
        """Each file's unit codes as something with a fast ``in`` (a set or dict keys as given)."""
        made: dict[int, Collection[str]] = {}
        sets: list[Collection[str] | None] = []
        for context in self.contexts:
            codes = context.unit_codes
            if codes is not None and not isinstance(codes, AbstractSet):
                codes = made.setdefault(id(codes), frozenset(codes))
            sets.append(codes)
        return sets

    def any(self, attribute: str) -> bool:
        return any(getattr(c, attribute) is not None for c in self.contexts)


def _no_rows(table: RawTable, require_rows: bool) -> Validation:
    if not require_rows:
        return Validation(rows=[], problems=[], excel_rows=[])
    problem = Problem(row=table.header_row + 1, message="表中没有数据行，请在表头下方逐行填写")
    return Validation(rows=[], problems=[problem], excel_rows=[])


_BUILTIN_MESSAGES = {
    "not_nullable": "“{header}”为必填项，不能为空",
    "field_uniqueness": "“{header}”不能重复",
}


def _shown(value: Any) -> str | None:
    text = cells.parse_text(value)
    return None if text is None else text[:100]


CheckSpec = tuple[pa.Check, Message]


def _checks_for(f: Field, batch: Batch) -> list[CheckSpec]:
    """The column's own checks, each with the Chinese message the unit will read."""
    checks: list[CheckSpec] = []
    hint = f"，{f.hint}" if f.hint else ""

    def add(check: Callable[..., pa.Check], message: str, *args: Any) -> None:
        checks.append((check(*args, error=message), message))

    if f.minimum is not None and f.maximum is not None:
        add(pa.Check.in_range, f"应在 {number_text(f.minimum)} 到 {number_text(f.maximum)} 之间{hint}", f.minimum, f.maximum)
    elif f.minimum is not None:
        add(pa.Check.ge, f"不能小于 {number_text(f.minimum)}{hint}", f.minimum)
    elif f.maximum is not None:
        add(pa.Check.le, f"不能大于 {number_text(f.maximum)}{hint}", f.maximum)
    if f.max_length is not None:
        limit = f.max_length
        add(pa.Check, f"不能超过 {limit} 个字，请精简{hint}", lambda s: s.map(len) <= limit)
    if f.pattern is not None:
        regex = re.compile(f.pattern)
        add(pa.Check, f"格式不正确{hint or '，请按模板填写'}", lambda s: s.map(lambda v: bool(regex.match(str(v)))))
    if f.valid_values:
        allowed = set(f.valid_values)
        add(pa.Check, f"只能填写：{'、'.join(f.valid_values)}", lambda s: s.isin(allowed))
    if f.unique:
        files = batch.files
        add(
            pa.Check,
            f"同一“{f.header}”在表中出现多次，每个{f.header}只能填一行，请合并",
            lambda s: _unique_within_files(s, files),
        )
    return checks


def _unique_within_files(s: pd.Series, files: Any) -> pd.Series:
    """False for each value repeated in its own file; the same value in two files is fine."""
    keyed = pd.DataFrame({"file": files[s.index.to_numpy()], "value": s.to_numpy()})
    return pd.Series(~keyed.duplicated(keep=False).to_numpy(), index=s.index)


def number_text(x: float) -> str:
    """A limit or a score as a message shows it: 100, not 100.0."""
    return str(int(x)) if float(x).is_integer() else str(x)


# ---------------------------------------------------------------- rules, registered by name

Rule = Callable[[Field, Batch], CheckSpec | None]
"""A named rule of a contract: a check over the batch's rows, or None when the batch lacks what it needs."""


@dataclass(frozen=True)
class NamedRule:
    """A rule as registered: its check, and what it asks of the unit in a few words, told in the form's
    填表说明 and input message (empty: checked at intake all the same, told nowhere)."""

    name: str
    check: Rule
    explanation: str = ""


_RULES: dict[str, NamedRule] = {}


def rule(name: str, explain: str = "") -> Callable[[Rule], Rule]:
    """Register a rule under ``name``, the name a contract gives in a field's ``rules``.

    ``@rule("unit_exists", explain="按成员单位名册填写")`` on a function, or ``rule(name)(not_before(…))``.
    The rules any contract may use are registered here; a cycle registers the rules of its own contracts
    in its package, in the module its ``Cycle`` names as ``contract_rules``, imported when a contract names
    a rule not registered yet. A name belongs to one rule: registering another under it is refused.
    """

    def register(check: Rule) -> Rule:
        known = _RULES.get(name)
        if known is not None and known.check is not check:
            raise ContractError(f"规则“{name}”已由 {known.check.__module__} 注册，同一名字只能注册一个规则")
        _RULES[name] = NamedRule(name, check, explain)
        return check

    return register


def _find_rule(name: str) -> NamedRule | None:
    """The rule registered as ``name``; when there is none yet, the declared cycles' rules are imported
    first (a contract of shared rules only never imports a cycle)."""
    if name not in _RULES:
        from . import cycles  # noqa: PLC0415 - the cycles are a layer above: reached at run time, never at import

        for cycle in cycles.declared().values():
            module = cycle.contract_rules  # none: its contracts name shared rules only
            if module:
                importlib.import_module(module)
    return _RULES.get(name)


def _unknown_rules(contract: str, field_name: str, names: Sequence[str]) -> ContractError:
    told = "、".join(f"“{n}”" for n in names)
    return ContractError(
        f"数据契约 {contract} 的字段 {field_name} 引用了未注册的规则 {told}；已注册的规则：{'、'.join(sorted(_RULES))}"
    )


def rule_explanation(name: str) -> str:
    """What the rule ``name`` asks of the unit, as 填表说明 tells it ("" for a rule that tells nothing)."""
    found = _find_rule(name)
    return found.explanation if found is not None else ""


def rowwise(batch: Batch, test: Callable[[Any, ValidationContext], bool]) -> Callable[[pd.Series], pd.Series]:
    """A check that tests each value against its own file's context."""

    def check(s: pd.Series) -> pd.Series:
        return pd.Series([test(v, c) for v, c in zip(s, batch.row_contexts(s), strict=True)], index=s.index, dtype=bool)

    return check


def not_before(column: str, message: Message) -> Rule:
    """A date rule: this column's date is not before ``column``'s on the same row (blanks pass)."""

    def check_rule(f: Field, batch: Batch) -> CheckSpec | None:
        earlier = batch.frame[column]

        def check(s: pd.Series) -> pd.Series:
            return pd.Series(
                [not (isinstance(a, date) and isinstance(b, date)) or a >= b
                 for a, b in zip(s, earlier[s.index], strict=True)],
                index=s.index,
            )

        return pa.Check(check, error=message), message

    return check_rule


@rule("unit_matches_folder", explain="填本单位代码")
def _unit_matches_folder(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("unit"):
        return None
    units = batch.units

    def check(s: pd.Series) -> pd.Series:
        expected = units[s.index.to_numpy()]
        return pd.Series((s.to_numpy() == expected) | pd.isna(expected), index=s.index)

    def message(ctx: ValidationContext) -> str:
        return f"单位代码应为本单位代码“{ctx.unit}”，不能报送其他单位的数据"

    return pa.Check(check, error="单位代码应为本单位代码"), message


def _codes_check(batch: Batch, test: Callable[[Any, Collection[str]], bool]) -> Callable[[pd.Series], pd.Series]:
    """A check of each value against its own file's unit codes (a file without them passes)."""
    code_sets = batch.code_sets

    def check(s: pd.Series) -> pd.Series:
        sets = [code_sets[k] for k in batch.files[s.index.to_numpy()]]
        return pd.Series([c is None or test(v, c) for v, c in zip(s, sets, strict=True)], index=s.index, dtype=bool)

    return check


@rule("unit_exists", explain="按成员单位名册填写")
def _unit_exists(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("unit_codes"):
        return None
    message = "单位代码不在成员单位名册中，请先在名册中登记"
    return pa.Check(_codes_check(batch, lambda v, codes: v in codes), error=message), message


@rule("units_exist")
def _units_exist(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("unit_codes"):
        return None
    message = "其中有不在成员单位名册中的单位代码，请核对（多个代码用 、 , ; 或空格分隔）"
    check = _codes_check(batch, lambda v, codes: all(c in codes for c in v))
    return pa.Check(check, error=message), message


# 完成时限 of a task in the registry's task list
rule("not_before_start")(not_before("start_date", "完成时限不能早于开始日期"))


# ---------------------------------------------------------------- loading


def _custom(prop: SchemaProperty) -> dict[str, Any]:
    return {c.property: c.value for c in prop.customProperties or [] if c.property}


def compile_contract(doc: OpenDataContractStandard, source: str = "") -> Contract:
    """Turn an ODCS document into a Contract; refuse what this validator would silently ignore."""
    if doc.kind != "DataContract" or not (doc.apiVersion or "").startswith("v3"):
        raise ContractError(f"{source}: 应为 ODCS v3 数据契约（kind: DataContract, apiVersion: v3.x）")
    if not doc.schema_ or len(doc.schema_) != 1 or not doc.schema_[0].properties:
        raise ContractError(f"{source}: schema 中应有且只有一个表，并列出其字段")
    table = doc.schema_[0]
    compiled: list[Field] = []
    for prop in table.properties or []:
        custom = _custom(prop)
        if not prop.name or not prop.businessName:
            raise ContractError(f"{source}: 每个字段都要有 name（英文）和 businessName（中文表头）")
        if prop.logicalType not in LOGICAL_TYPES:
            raise ContractError(f"{source}: 字段 {prop.name} 的 logicalType “{prop.logicalType}” 不受支持")
        parse = str(custom.get("parse", "text"))
        if parse not in PARSE_KINDS:
            raise ContractError(f"{source}: 字段 {prop.name} 的 parse “{parse}” 不受支持")
        rules = tuple(custom.get("rules") or ())
        unknown = [r for r in rules if _find_rule(r) is None]
        if unknown:
            raise _unknown_rules(f"{doc.name}（{source}）" if source else str(doc.name), prop.name, unknown)
        options = prop.logicalTypeOptions or {}
        valid_values: tuple[str, ...] = ()
        for q in prop.quality or []:
            args = q.arguments or {}
            if (q.metric or q.rule) in {"invalidValues", "validValues"} and "validValues" in args:
                valid_values = tuple(str(v) for v in args["validValues"])
        compiled.append(
            Field(
                name=prop.name,
                header=prop.businessName,
                logical_type=prop.logicalType or "string",
                required=bool(prop.required),
                unique=bool(prop.unique),
                parse=parse,
                aliases=tuple(custom.get("aliases") or ()),
                minimum=options.get("minimum"),
                maximum=options.get("maximum"),
                max_length=options.get("maxLength"),
                pattern=options.get("pattern"),
                valid_values=valid_values,
                decimals=custom.get("decimals"),
                rules=rules,
                hint=str(custom.get("hint", "")),
            )
        )
    return Contract(
        name=doc.name or table.name or "",
        title=table.businessName or table.name or "",
        version=doc.version or "",
        fields=tuple(compiled),
    )


def load_contract(name: str, directory: Path | None = None) -> Contract:
    """Load ``<directory>/<name>.yaml`` (the repository's data_contracts/ by default)."""
    path = (directory or CONTRACTS_DIR) / f"{name}.yaml"
    if not path.is_file():
        raise ContractError(f"找不到数据契约 {path}")
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _load(path: Path, _mtime: int) -> Contract:
    try:
        doc = OpenDataContractStandard.from_file(str(path))
    except (ValidationError, ValueError) as exc:
        raise ContractError(f"数据契约 {path} 不符合 ODCS v3：{exc}") from exc
    return compile_contract(doc, source=str(path))


def available_contracts(directory: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (directory or CONTRACTS_DIR).glob("*.yaml"))
