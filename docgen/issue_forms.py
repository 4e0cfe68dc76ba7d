"""Blank forms (报送模板) pre-filled for each submitter of a period: ``docgen forms``.

For each kind of a cycle that is a spreadsheet, and each submitter the cycle expects of it for the period
(``Cycle.form_submitters``: a unit code, or a role folder such as ``_inspection``), one .xlsx is written to
``forms/<cycle>/<period>/``, named ``<单位代码>_<单位名称>_<报送表>_<期次>.xlsx`` (a role form:
``<文件夹>_<角色>_<报送表>_<期次>.xlsx``) and titled ``<单位名称> <报送表>（<期次>）``. What it is
pre-filled with is the cycle's (``Cycle.form``): the unit's code and tasks with their names beside them, its
problems not closed, every indicator … so a unit fills in only what it knows, and cannot mistype a code.

Forms are blank templates, not issued documents: they carry no issuing number, are not recorded in the
state database, and are written again on every call (a form of a unit no longer expected, say one whose
problems were all closed, is removed by a call for the whole period). What a unit drops back is read like
any other file of its kind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pendulum

from . import cycles
from .config import Campaign
from .cycle import Cycle, FormContent, Inputs, Kind
from .errors import DocgenError
from .filenames import safe_component
from .periods import Period
from .workspace import Workspace

FORMS_DIR = "forms"
FORM_SUFFIX = ".xlsx"


def forms_dir(ws: Workspace, cycle: str, period: str) -> Path:
    """``forms/<cycle>/<period>/`` of the workspace."""
    return ws.root / FORMS_DIR / cycle / period


def form_file_name(who: str, name: str, kind: Kind, period: Period) -> str:
    """``<单位代码>_<单位名称>_<报送表>_<期次>.xlsx`` (``BM03_青禾市教育局_…``), safe on every file system."""
    return safe_component(f"{who}_{name}_{kind.title}_{period.key}{FORM_SUFFIX}")


def form_title(name: str, kind: Kind, period: Period) -> str:
    """``<单位名称> <报送表>（<期次>）``: the period as documents name it."""
    return f"{name} {kind.title}（{period.label}）"


def has_form(kind: Kind) -> bool:
    """A kind read by a data contract from a spreadsheet (not a Word document checked by its own reader)."""
    return kind.reader is None and FORM_SUFFIX in kind.suffixes


def planned_forms(
    declared: Cycle, inputs: Inputs, *, unit: str | None = None
) -> list[tuple[Kind, str, str, FormContent]]:
    """(kind, submitter, the submitter's name, content) of every form of the period, in the cycle's kind
    order and each kind's submitter order; ``unit``: only that unit's own forms (no role forms)."""
    registry = inputs.registry
    planned = []
    for kind in declared.kinds:
        if not has_form(kind) or (unit is not None and kind.folder is not None):
            continue
        for who in declared.form_submitters(kind, inputs):
            if unit is not None and who != unit:
                continue
            content = declared.form(kind, who, inputs)
            if content is None:
                continue
            if kind.folder is not None:
                name = kind.role
            else:
                found = registry.units.get(who)
                name = found.name if found else who
            planned.append((kind, who, name, content))
    return planned


def issue_forms(root: str | Path, cycle: str, period: str, *, unit: str | None = None) -> list[Path]:
    """Write the period's pre-filled blank forms to ``forms/<cycle>/<period>/``; the paths written.

    ``unit``: only that unit's forms (a code not in the registry is refused; a unit the period does not
    expect gets none). Each file is replaced whole (written beside it first), so nobody opens half a form;
    a call for the whole period also removes the .xlsx forms of that folder it did not write again.
    """
    from .contracts import load_contract  # noqa: PLC0415 - pandas and pandera
    from .forms import FormSpec, write_form  # noqa: PLC0415 - openpyxl
    from .inputs import inputs_for  # noqa: PLC0415

    ws = Workspace(root)
    declared = cycles.get(cycle)
    per = declared.parse_period(period, ws.campaign)
    inputs = inputs_for(ws, declared, per)
    if unit is not None and unit not in inputs.registry.units:
        raise DocgenError(f"单位代码“{unit}”不在成员单位名册中")

    folder = forms_dir(ws, declared.name, per.key)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".writing-"))
    try:
        for kind, who, name, content in planned_forms(declared, inputs, unit=unit):
            spec = FormSpec(
                contract=load_contract(kind.name),
                title=form_title(name, kind, per),
                rows=content.rows,
                locked_fields=content.locked_fields,
                hints=content.hints,
                issuer=ws.campaign.secretariat,
            )
            file_name = form_file_name(who, name, kind, per)
            made = write_form(spec, scratch / file_name)
            target = folder / file_name
            os.replace(made, target)
            written.append(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if unit is None:
        kept = {p.name for p in written}
        for old in folder.glob(f"*{FORM_SUFFIX}"):
            if old.name not in kept and not old.name.startswith("."):
                old.unlink(missing_ok=True)
    ws.push()
    return written


def forms_due(moment: datetime, campaign: Campaign) -> list[tuple[str, str]]:
    """(cycle, period) of every declared cycle whose period starts on ``moment``'s day: its forms go out then."""
    day = pendulum.instance(moment).in_timezone(campaign.timezone).date()
    due = []
    for name, cycle in cycles.declared().items():
        period = cycle.calendar(campaign).containing(day)
        if period is not None and period.start == day:
            due.append((name, period.key))
    return due


def issue_due_forms(root: str | Path, moment: datetime | None = None) -> dict[str, list[str]]:
    """Issue the forms of every period starting today (what the ``forms`` DAG runs each morning)."""
    ws = Workspace(root)
    issued: dict[str, list[str]] = {}
    for cycle, period in forms_due(moment or datetime.now(UTC), ws.campaign):
        issued[f"{cycle}:{period}"] = [str(p.relative_to(ws.root)) for p in issue_forms(root, cycle, period)]
    return issued
