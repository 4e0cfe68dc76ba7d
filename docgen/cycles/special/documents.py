"""The 专项督查 documents: a ``SpecialReport`` turned into the contexts of ``special_notice.docx``
(专项督查通报: findings by unit, their state at the deadline, who reported) and
``special_rectification.docx`` (整改通知书, one per unit with items still open), and the inspection's
own 整改台账.xlsx (its items only; the quarterly 台账 lists them among all, tagged with their source).

The shared facts and the workbook are the quarterly cycle's (``cycles.quarterly.documents``): the items
are of one ledger and are shown one way. Every number and date is formatted here, in Chinese.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ...filenames import safe_component
from ...render.engine import (
    channel_sentence,
    clean_text,
    format_date,
    format_datetime,
    keep_whole,
    number_suffix,
    requirement_lines,
    who_reported_context,
    zone,
)
from ...render.gbt import ISSUER_PT
from ..quarterly.documents import (
    LEDGER_WORKBOOK,
    _by_unit,
    _common,
    _counts,
    _grouped,
    _problem_type,
    _quoted,
    _remark,
    unit_name,
    write_ledger_workbook,
)
from .report import SpecialReport

__all__ = ["LEDGER_WORKBOOK", "NOTICE_TEMPLATE", "RECTIFICATION_TEMPLATE"]

NOTICE_TEMPLATE = "special_notice.docx"
RECTIFICATION_TEMPLATE = "special_rectification.docx"
RECTIFICATION_TITLE = "整改通知书"
REPORT_DAYS = 15  # a unit told to rectify reports within this many days of the notice's issue
PROBLEMS_NAMED = 5  # a unit's findings quoted in the notice's text, the rest counted


def notice_title(report: SpecialReport) -> str:
    return f"关于{clean_text(report.name)}情况的通报"


def notice_name(report: SpecialReport) -> str:
    """``背街小巷环境卫生专项督查通报（创建办专督〔2026〕1号）.docx``."""
    return f"{safe_component(clean_text(report.name), 60)}通报{number_suffix(report.doc_number)}.docx"


def rectification_name(report: SpecialReport, unit_code: str) -> str:
    unit = safe_component(unit_name(report, unit_code), 100)
    return f"专项督查整改通知书_{unit}{number_suffix(report.rectification_numbers.get(unit_code))}.docx"


def dates_text(report: SpecialReport) -> str:
    """2026年11月2日至13日 / 2026年11月30日至12月4日: the inspection's days."""
    start, end = report.start or report.period_end, report.period_end
    if start == end:
        return format_date(start)
    if start.year != end.year:
        return f"{format_date(start)}至{format_date(end)}"
    tail = f"{end.day}日" if start.month == end.month else f"{end.month}月{end.day}日"
    return f"{format_date(start)}至{tail}"


def ordinal_text(report: SpecialReport) -> str:
    """``2026年第1次专项督查``."""
    return f"{report.period[:4]}年第{int(report.period[-2:])}次专项督查"


def report_by(report: SpecialReport) -> datetime:
    """When a unit told to rectify reports: ``REPORT_DAYS`` after the issue day, at the deadline's hour."""
    local = report.deadline.astimezone(zone(report.timezone))
    issued = report.issue_date or local.date()
    day = issued + timedelta(days=REPORT_DAYS)
    return local.replace(year=day.year, month=day.month, day=day.day)


def notice_context(report: SpecialReport, issuer_pt: float = ISSUER_PT) -> dict[str, Any]:
    """Everything ``special_notice.docx`` uses, as text."""
    tz = zone(report.timezone)
    items = report.items
    overdue = [i for i in items if i.overdue]
    by_unit = _by_unit(report, items)

    def problems(unit_items: list[Any]) -> str:
        named = "；".join(f"{clean_text(i.problem_id)} {_quoted(i.description)}（{i.state_label}）"
                         for i in unit_items[:PROBLEMS_NAMED])
        more = f"等{len(unit_items)}个问题" if len(unit_items) > PROBLEMS_NAMED else ""
        return f"主要问题：{named}{more}。"

    def overdue_detail(item: Any) -> str:
        return f"问题类型：{_problem_type(item)}；整改时限为{format_date(item.deadline)}；当时状态为“{item.state_label}”"

    scope = [clean_text(n) for n in report.scope_names]
    method = clean_text(report.method).strip()
    return {
        **_common(report, report.doc_number, issuer_pt, notice_title(report)),
        "recipients": clean_text(report.recipients),
        "name": clean_text(report.name),
        "ordinal_text": ordinal_text(report),
        "dates_text": dates_text(report),
        "method_clause": f"采取{method}的方式" if method else "",
        "scope_text": f"{'、'.join(scope)}{len(scope)}个单位" if len(scope) <= 10
                      else f"{'、'.join(scope[:10])}等{len(scope)}个单位",
        "late_issue_text": "",
        "deadline_text": format_datetime(report.deadline, tz=tz),
        # 一、总体情况
        "filed_count": len(items),
        "involved_count": len(by_unit),
        "closed_count": sum(1 for i in items if i.closed),
        "open_count": len(report.open_items),
        "registered_count": len(report.items_in("open")),
        "rectifying_count": len(report.items_in("rectifying")),
        "awaiting_count": len(report.items_in("awaiting_recheck")),
        "overdue_count": len(overdue),
        "type_rows": [{"no": no, "name": name, **_counts(group)}
                      for no, (name, group) in enumerate(_grouped(items, _problem_type).items(), start=1)],
        "type_total": _counts(items),
        # 二、各单位问题及整改情况
        "unit_findings": [
            {"no": no, "name": unit_name(report, code), **_counts(group), "problems": problems(group)}
            for no, (code, group) in enumerate(by_unit.items(), start=1)
        ],
        # 三、逾期未整改问题
        "overdue_items": [
            {"no": no, "unit_name": unit_name(report, i.unit), "problem_id": keep_whole(i.problem_id),
             "description": _quoted(i.description), "detail": overdue_detail(i)}
            for no, i in enumerate(overdue, start=1)
        ],
        # 四、整改情况报送情况
        **who_reported_context(report.units),
        # 五、下步要求
        "requirements": requirement_lines(report.requirements),
        # 附件1, 附件2
        "unit_rows": [{"no": no, "name": unit_name(report, code), **_counts(group)}
                      for no, (code, group) in enumerate(by_unit.items(), start=1)],
        "unit_total": _counts(items),
        "item_rows": [
            {"no": no, "problem_id": keep_whole(i.problem_id), "unit_name": unit_name(report, i.unit),
             "problem_type": _problem_type(i), "description": clean_text(i.description),
             "deadline": format_date(i.deadline), "state": i.state_label,
             "remark": _remark(i, None if i.closed else report)}
            for no, i in enumerate(items, start=1)
        ],
    }


def rectification_context(report: SpecialReport, unit_code: str, issuer_pt: float = ISSUER_PT) -> dict[str, Any]:
    """Everything ``special_rectification.docx`` uses for one unit: its items of this inspection not
    closed at the deadline nor before the issue day, and when to report."""
    tz = zone(report.timezone)
    filed = [i for i in report.items if i.unit == unit_code]
    at_cutoff = [i for i in report.open_items if i.unit == unit_code]
    items = [i for i in at_cutoff if not report.closed_before_issue(i)]
    closed_since = [i for i in at_cutoff if report.closed_before_issue(i)]
    overdue = sum(1 for i in at_cutoff if i.overdue)
    notice_number = clean_text(report.doc_number).strip()
    return {
        **_common(report, report.rectification_numbers.get(unit_code, ""), issuer_pt, RECTIFICATION_TITLE),
        "unit_name": unit_name(report, unit_code),
        "name": clean_text(report.name),
        "notice_title": notice_title(report),
        "notice_number_text": f"（{notice_number}）" if notice_number else "",
        "late_issue_text": "",
        "filed_count": len(filed),
        "open_count": len(at_cutoff),
        "overdue_clause": f"，其中已超过整改时限{overdue}个" if overdue else "",
        "closed_since_clause": (
            f"。{'、'.join(clean_text(i.problem_id) for i in closed_since)}已于本通知书印发前复查销号，"
            f"不再列入下表，其余{len(items)}个问题仍须整改" if closed_since else ""
        ),
        "item_rows": [
            {"problem_id": keep_whole(i.problem_id), "problem_type": _problem_type(i),
             "description": clean_text(i.description), "requirement": clean_text(i.requirement),
             "deadline": format_date(i.deadline), "state": i.state_label, "remark": _remark(i)}
            for i in items
        ],
        "deadline_text": format_datetime(report_by(report), tz=tz),
        "channel": channel_sentence(report.channel, report.secretariat),
    }


def write_workbook(report: SpecialReport, path: Path) -> Path:
    """The inspection's own 整改台账.xlsx: its items only, as the shared ledger's workbook shows them."""
    return write_ledger_workbook(report, path)
