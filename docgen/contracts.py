"""Data contracts: ODCS v3 YAML files compiled to one validator per submission type.

A contract names each column (``name``), its Chinese header (``businessName``), its type and limits;
``customProperties`` add what ODCS lacks (how to parse a cell, registry rules, a hint for the unit).
Validation parses every cell first (so a bad cell is reported as such, and the column's other checks
still run on the good cells), then runs one lazy pandera pass that collects every problem of the file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty
from pandera.errors import SchemaErrors
from pydantic import ValidationError

from .errors import ContractError
from .formats import cells
from .formats.tables import RawTable, column_letter, header_key
from .models import Problem, Task
from .resources import contracts_dir

CONTRACTS_DIR = contracts_dir()  # package data in a wheel, else the repository's data_contracts/
LOGICAL_TYPES = {"string", "integer", "number", "date", "array", "boolean"}
PARSE_KINDS = {"text", "code", "percent", "codes"}


@dataclass(frozen=True)
class ValidationContext:
    """What the rules check against: the folder's unit and the registry."""

    unit: str | None = None
    tasks: Mapping[str, Task] | None = None
    unit_codes: Collection[str] | None = None


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

    @property
    def accepted(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Contract:
    """A compiled data contract: its fields and the validator built from them."""

    name: str
    title: str  # the Chinese name of the submission type, e.g. 月度进展报送表
    version: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def header_score(self, texts: list[str]) -> int:
        """How many of this contract's headers a row holds: the reader's way to find the header row."""
        keys = {header_key(t) for t in texts if t}
        return sum(1 for f in self.fields if any(header_key(h) in keys for h in f.headers))

    def is_percent_column(self, header: str) -> bool:
        key = header_key(header)
        return any(f.parse == "percent" and key in {header_key(h) for h in f.headers} for f in self.fields)

    def validate(
        self, table: RawTable, context: ValidationContext | None = None, *, require_rows: bool = True
    ) -> Validation:
        """Check every row and cell of ``table``; report every problem with its Excel row and header."""
        context = context or ValidationContext()
        problems: list[Problem] = []
        positions: dict[str, int] = {}
        for f in self.fields:
            idx = table.column_index(f.headers)
            if idx is not None:
                positions[f.name] = idx
            elif f.required:
                problems.append(
                    Problem(
                        row=table.header_row,
                        column=f.header,
                        message=f"缺少必填列“{f.header}”，请使用报送模板，不要删除或改动表头",
                    )
                )
        if problems:
            return Validation(rows=[], problems=problems, excel_rows=table.excel_rows)
        if not table.rows:
            if not require_rows:
                return Validation(rows=[], problems=[], excel_rows=[])
            problem = Problem(row=table.header_row + 1, message="表中没有数据行，请在表头下方逐行填写")
            return Validation(rows=[], problems=[problem], excel_rows=[])

        frame, raw, parse_problems = self._parse(table, positions)
        problems.extend(parse_problems)
        failed_cells = {(p.row, p.column) for p in parse_problems}
        schema = self._schema(frame, context, present=set(positions))
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            problems.extend(self._problems_from(exc.failure_cases, table, raw, positions, failed_cells))
        problems.sort(key=lambda p: (p.row or 0, self._order(p.column)))
        rows = [] if problems else frame.astype(object).where(frame.notna(), None).to_dict("records")
        return Validation(rows=rows, problems=problems, excel_rows=table.excel_rows)

    # -- internals ------------------------------------------------------------------------------

    def _order(self, header: str | None) -> int:
        return next((i for i, f in enumerate(self.fields) if f.header == header), -1)

    def _parse(
        self, table: RawTable, positions: dict[str, int]
    ) -> tuple[pd.DataFrame, dict[str, list[Any]], list[Problem]]:
        """Parse every cell; a cell that cannot be parsed becomes a problem and a missing value."""
        columns: dict[str, list[Any]] = {}
        raw: dict[str, list[Any]] = {}
        problems: list[Problem] = []
        for f in self.fields:
            if f.name not in positions:
                columns[f.name] = [None] * len(table.rows)
                raw[f.name] = [None] * len(table.rows)
                continue
            c = positions[f.name]
            values: list[Any] = []
            raw[f.name] = [row[c] for row in table.rows]
            for i, row in enumerate(table.rows):
                try:
                    values.append(f.read(row[c], (i, c) in table.percent_formatted))
                except cells.CellError as exc:
                    values.append(None)
                    problems.append(
                        Problem(
                            row=table.excel_rows[i],
                            column=f.header,
                            value=_shown(row[c]),
                            cell=f"{column_letter(c)}{table.excel_rows[i]}",
                            message=str(exc),
                        )
                    )
            columns[f.name] = values
        frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
        return frame, raw, problems

    def _schema(self, frame: pd.DataFrame, context: ValidationContext, present: set[str]) -> pa.DataFrameSchema:
        columns = {}
        for f in self.fields:
            checks = _checks_for(f)
            for rule in f.rules:
                check = RULES[rule](f, frame, context)
                if check is not None:
                    checks.append(check)
            columns[f.name] = pa.Column(
                nullable=not (f.required and f.name in present), checks=checks, required=True
            )
        return pa.DataFrameSchema(columns)

    def _problems_from(
        self,
        failures: pd.DataFrame,
        table: RawTable,
        raw: dict[str, list[Any]],
        positions: dict[str, int],
        failed_cells: set[tuple[int | None, str | None]],
    ) -> list[Problem]:
        problems: dict[tuple[int, str, str], Problem] = {}
        for case in failures.itertuples(index=False):
            f = self.field(str(case.column))
            i = int(case.index)
            excel_row = table.excel_rows[i]
            if (excel_row, f.header) in failed_cells:
                continue  # already reported as unreadable
            message = _BUILTIN_MESSAGES.get(str(case.check), str(case.check)).format(header=f.header)
            c = positions.get(f.name)
            problems[(excel_row, f.header, message)] = Problem(
                row=excel_row,
                column=f.header,
                value=_shown(raw[f.name][i]),
                cell=f"{column_letter(c)}{excel_row}" if c is not None else None,
                message=message,
            )
        return list(problems.values())


_BUILTIN_MESSAGES = {
    "not_nullable": "“{header}”为必填项，不能为空",
    "field_uniqueness": "“{header}”不能重复",
}


def _shown(value: Any) -> str | None:
    text = cells.parse_text(value)
    return None if text is None else text[:100]


def _checks_for(f: Field) -> list[pa.Check]:
    """The column's own checks, each with the Chinese message the unit will read."""
    checks: list[pa.Check] = []
    hint = f"，{f.hint}" if f.hint else ""
    if f.minimum is not None and f.maximum is not None:
        checks.append(
            pa.Check.in_range(f.minimum, f.maximum, error=f"应在 {_num(f.minimum)} 到 {_num(f.maximum)} 之间{hint}")
        )
    elif f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum, error=f"不能小于 {_num(f.minimum)}{hint}"))
    elif f.maximum is not None:
        checks.append(pa.Check.le(f.maximum, error=f"不能大于 {_num(f.maximum)}{hint}"))
    if f.max_length is not None:
        checks.append(
            pa.Check(lambda s: s.map(len) <= f.max_length, error=f"不能超过 {f.max_length} 个字，请精简{hint}")
        )
    if f.pattern is not None:
        regex = re.compile(f.pattern)
        checks.append(
            pa.Check(lambda s: s.map(lambda v: bool(regex.match(str(v)))), error=f"格式不正确{hint or '，请按模板填写'}")
        )
    if f.valid_values:
        allowed = set(f.valid_values)
        checks.append(pa.Check(lambda s: s.isin(allowed), error=f"只能填写：{'、'.join(f.valid_values)}"))
    if f.unique:
        checks.append(
            pa.Check(
                lambda s: ~s.duplicated(keep=False),
                error=f"同一“{f.header}”在表中出现多次，每个{f.header}只能填一行，请合并",
            )
        )
    return checks


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ---------------------------------------------------------------- rules against the registry and folder

Rule = Callable[[Field, pd.DataFrame, ValidationContext], pa.Check | None]


def _unit_matches_folder(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    if ctx.unit is None:
        return None
    return pa.Check(
        lambda s: s == ctx.unit,
        error=f"单位代码应为本单位代码“{ctx.unit}”（文件放在 {ctx.unit} 文件夹中），不能报送其他单位的数据",
    )


def _task_exists(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    if ctx.tasks is None:
        return None
    tasks = ctx.tasks
    return pa.Check(lambda s: s.isin(tasks.keys()), error="任务编号不在任务清单中，请核对任务编号")


def _task_involves_unit(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    if ctx.tasks is None or ctx.unit is None:
        return None
    tasks, unit = ctx.tasks, ctx.unit
    return pa.Check(
        lambda s: s.map(lambda t: t not in tasks or tasks[t].involves(unit)),
        error=f"本单位（{unit}）不是该任务的牵头单位或配合单位，请删除此行或核对任务编号",
    )


def _unit_exists(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    if ctx.unit_codes is None:
        return None
    codes = set(ctx.unit_codes)
    return pa.Check(lambda s: s.isin(codes), error="单位代码不在成员单位名册中，请先在名册中登记")


def _units_exist(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    if ctx.unit_codes is None:
        return None
    codes = set(ctx.unit_codes)
    return pa.Check(
        lambda s: s.map(lambda v: all(c in codes for c in v)),
        error="其中有不在成员单位名册中的单位代码，请核对（多个代码用 、 , ; 或空格分隔）",
    )


def _not_before_start(f: Field, frame: pd.DataFrame, ctx: ValidationContext) -> pa.Check | None:
    starts = frame["start_date"]

    def check(s: pd.Series) -> pd.Series:
        return pd.Series(
            [not (isinstance(a, date) and isinstance(b, date)) or a >= b for a, b in zip(s, starts[s.index], strict=True)],
            index=s.index,
        )

    return pa.Check(check, error="完成时限不能早于开始日期")


RULES: dict[str, Rule] = {
    "unit_matches_folder": _unit_matches_folder,
    "task_exists": _task_exists,
    "task_involves_unit": _task_involves_unit,
    "unit_exists": _unit_exists,
    "units_exist": _units_exist,
    "not_before_start": _not_before_start,
}


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
        unknown = [r for r in rules if r not in RULES]
        if unknown:
            raise ContractError(f"{source}: 字段 {prop.name} 引用了未知规则 {unknown}")
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
