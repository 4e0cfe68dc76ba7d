"""The quarterly documents: a ``QuarterlyReport`` turned into the contexts of ``quarterly_notice.docx``
(督查通报) and ``rectification_notice.docx`` (整改通知书, one per unit with open problems), the problem
chart, and the ledger workbook (整改台账.xlsx).

As in the monthly notice (``cycles/monthly/notice.py``), every number and date is formatted here, in
Chinese, so a template only places text and a secretariat editing it in Word never writes a Jinja filter. Unit text goes through
``clean_text``; rendering autoescapes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import pendulum
from docxtpl import InlineImage
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ...atomic import replacing
from ...filenames import safe_component
from ...formats import sheets
from ...render.chart import horizontal_bars
from ...render.engine import (
    channel_sentence,
    clean_text,
    format_date,
    format_datetime,
    keep_whole,
    number_suffix,
    requirement_lines,
    to_local,
    today_local,
    who_reported_context,
    zone,
)
from ...render.gbt import ISSUER_PT, IssuerMark, report_official_context, time_zone_text
from .calendar import DEFAULT_DEADLINE, QuarterCalendar
from .ledger import ITEM_STATE_LABELS, ItemState, source_of
from .report import LedgerItem, QuarterlyReport

NOTICE_TEMPLATE = "quarterly_notice.docx"
RECTIFICATION_TEMPLATE = "rectification_notice.docx"
LEDGER_WORKBOOK = "整改台账.xlsx"
CHART_WIDTH_MM = 140
DESCRIPTION_LIMIT = 120  # a problem quoted in the notice's text is cut after this many characters
UNCLASSIFIED = "（未分类）"

STATE_ORDER: tuple[ItemState, ...] = ("open", "rectifying", "awaiting_recheck", "closed")


# ---------------------------------------------------------------- names


def notice_name(report: QuarterlyReport) -> str:
    """``2026年第三季度督查通报（创建办〔2026〕5号）.docx``; without the number when there is none."""
    return f"{safe_component(clean_text(report.period_label), 60)}督查通报{number_suffix(report.doc_number)}.docx"


def rectification_name(report: QuarterlyReport, unit_code: str) -> str:
    """``整改通知书_青禾市教育局（创建办〔2026〕6号）.docx``: the unit's name made safe for a file name."""
    unit = safe_component(unit_name(report, unit_code), 100)
    return f"整改通知书_{unit}{number_suffix(report.rectification_numbers.get(unit_code))}.docx"


# ---------------------------------------------------------------- shared facts


def unit_name(report: QuarterlyReport, unit_code: str) -> str:
    """A unit's name as the registry has it, else as its items have it, else its code."""
    for unit in report.units:
        if unit.code == unit_code and clean_text(unit.name).strip():
            return clean_text(unit.name).strip()
    for item in report.items:
        if item.unit == unit_code and clean_text(item.unit_name).strip():
            return clean_text(item.unit_name).strip()
    return clean_text(unit_code)


def quarter_items(report: QuarterlyReport) -> list[LedgerItem]:
    """The items the quarter dealt with: not closed at its end, or closed during it.

    That is the items filed this quarter plus those carried over, so 问题数 = 已销号 + 未销号 in every
    count the notice shows; items closed in earlier quarters are history, not this quarter's news.
    """
    return [i for i in report.items if not i.closed or i.closed_in_quarter]


RECTIFICATION_TITLE = "整改通知书"


def notice_title(report: QuarterlyReport) -> str:
    """The notice's title, which the rectification notices cite."""
    return f"关于{clean_text(report.period_label)}{clean_text(report.campaign)}督查情况的通报"


def next_deadline(report: QuarterlyReport) -> datetime:
    """When units next report rectification, as a notice tells them: the first quarterly reporting
    deadline that falls on a day after the notice's issue day.

    Quarterly deadlines fall on the same day and time of the month after each quarter (``periods``), so
    they are this quarter's deadline moved on by whole quarters. Issued on time (after this quarter's
    deadline, before the next), that is the next quarter's deadline; issued later (``late_issue``), a
    later one, so a notice never asks for a report by a day already past or by its own issue day.
    """
    local = pendulum.instance(to_local(report.deadline, report.timezone))
    issued = report.issue_date or local.date()
    quarters = 1
    while local.add(months=3 * quarters).date() <= issued:
        quarters += 1
    return local.add(months=3 * quarters)


def late_issue(report: QuarterlyReport) -> bool:
    """补发: issued on or after the day of the next quarter's reporting deadline, when the quarter's
    documents should long have gone out; they then say so, and keep the quarter's own cut-off."""
    local = pendulum.instance(to_local(report.deadline, report.timezone))
    return report.issue_date is not None and report.issue_date >= local.add(months=3).date()


def cutoff_text(report: QuarterlyReport) -> str:
    """The cut-off as every “截至” prints it: 2026年7月10日17:00 (the campaign's clock)."""
    return format_datetime(report.cutoff, tz=zone(report.timezone))


def _problem_type(item: LedgerItem) -> str:
    return clean_text(item.problem_type).strip() or UNCLASSIFIED


def _quoted(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A problem's description inside a sentence of the notice: no closing punctuation, cut if long."""
    text = clean_text(text).strip().rstrip("。；;，,. ")
    return text[:limit] + "……" if len(text) > limit else text


def _remark(item: LedgerItem, report: QuarterlyReport | None = None) -> str:
    """The 备注 of an open item: 已逾期, 复查未通过N次, and (given ``report``) 印发前已销号."""
    parts = []
    if item.overdue:
        parts.append("已逾期")
    if item.failed_rechecks:
        parts.append(f"复查未通过{item.failed_rechecks}次")
    if report is not None and report.closed_before_issue(item):
        parts.append("印发前已销号")
    return "；".join(parts)


def _counts(items: Sequence[LedgerItem]) -> dict[str, int]:
    closed = sum(1 for i in items if i.closed)
    return {
        "total": len(items),
        "closed": closed,
        "open": len(items) - closed,
        "overdue": sum(1 for i in items if i.overdue),
    }


def _grouped(items: Iterable[LedgerItem], key: Callable[[LedgerItem], str]) -> dict[str, list[LedgerItem]]:
    """Items by ``key``, the groups in the order their first item comes."""
    groups: dict[str, list[LedgerItem]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _by_unit(report: QuarterlyReport, items: Iterable[LedgerItem]) -> dict[str, list[LedgerItem]]:
    """Items by unit code, the units in the registry's order, then any others as they come."""
    groups = _grouped(items, lambda i: i.unit)
    order = [u.code for u in report.units if u.code in groups]
    return {code: groups[code] for code in order + [c for c in groups if c not in order]}


def _common(report: QuarterlyReport, doc_number: str | None, issuer_pt: float, title: str) -> dict[str, Any]:
    """What both documents say the same way: 版头, title, authority, period, dates, 版记."""
    tz = zone(report.timezone)
    secretariat = clean_text(report.secretariat)
    return {
        **report_official_context(report, title),
        "secretariat": secretariat,
        "issuer_mark": IssuerMark(f"{secretariat}文件", issuer_pt),
        "doc_number": clean_text(doc_number),
        "campaign": clean_text(report.campaign),
        "period_label": clean_text(report.period_label),
        "period_end_text": format_date(report.period_end),
        "cutoff_text": cutoff_text(report),
        "issue_date_text": format_date(report.issue_date or today_local(tz)),
        "time_zone_text": time_zone_text(report.timezone),
    }


# ---------------------------------------------------------------- the inspection notice


def notice_context(
    report: QuarterlyReport, chart: InlineImage | None = None, issuer_pt: float = ISSUER_PT
) -> dict[str, Any]:
    """Everything ``quarterly_notice.docx`` uses, as text.

    ``chart`` is the problem chart already bound to the template being rendered (an ``InlineImage``
    needs its template); without it the chart paragraph renders empty. ``issuer_pt`` is the size of the
    template's 发文机关标志 style (``render.gbt.issuer_size``), which the mark is fitted to.
    """
    tz = zone(report.timezone)
    scope = quarter_items(report)
    overdue = [i for i in report.items if i.overdue]
    failed = [i for i in report.items if i.failed_in_quarter]


    def named_item(no: int, item: LedgerItem, detail: str) -> dict[str, Any]:
        return {
            "no": no,
            "unit_name": unit_name(report, item.unit),
            "problem_id": keep_whole(item.problem_id),
            "description": _quoted(item.description),
            "detail": detail,
        }

    def since(item: LedgerItem) -> str:
        """Said of an item closed after the cut-off but before the issue day: nobody is asked to fix it."""
        return f"；该问题已于{format_date(item.closed_at, tz)}复查销号" if report.closed_before_issue(item) else ""

    def overdue_detail(item: LedgerItem) -> str:
        detail = (
            f"问题类型：{_problem_type(item)}；整改时限为{format_date(item.deadline)}；"
            f"当时状态为“{item.state_label}”"
        )
        return detail + (f"；复查未通过{item.failed_rechecks}次" if item.failed_rechecks else "") + since(item)

    def failed_detail(item: LedgerItem) -> str:
        detail = f"累计复查未通过{item.failed_rechecks}次；当时状态为“{item.state_label}”"
        return detail + ("；已逾期" if item.overdue else "") + since(item)

    by_type = _grouped(scope, _problem_type)
    by_unit = _by_unit(report, scope)
    return {
        **_common(report, report.doc_number, issuer_pt, notice_title(report)),
        "recipients": clean_text(report.recipients),
        "deadline_text": format_datetime(report.deadline, tz=tz),
        "late_issue_text": f"本通报为补发，所列情况均截至{cutoff_text(report)}。" if late_issue(report) else "",
        # 一、督查及整改总体情况
        "filed_count": sum(1 for i in report.items if i.filed_in_quarter),
        "carried_count": sum(1 for i in report.items if i.carried_over),
        "total_count": len(scope),
        "closed_count": sum(1 for i in report.items if i.closed_in_quarter),
        "open_count": len(report.open_items),
        "registered_count": len(report.items_in("open")),
        "rectifying_count": len(report.items_in("rectifying")),
        "awaiting_count": len(report.items_in("awaiting_recheck")),
        "overdue_count": len(overdue),
        "failed_count": len(failed),
        "type_rows": [
            {"no": no, "name": name, **_counts(items)}
            for no, (name, items) in enumerate(by_type.items(), start=1)
        ],
        "type_total": _counts(scope),
        "problem_chart": chart if chart is not None else "",
        # 二、逾期未整改问题; 三、复查未通过问题
        "overdue_items": [named_item(no, i, overdue_detail(i)) for no, i in enumerate(overdue, start=1)],
        "failed_items": [named_item(no, i, failed_detail(i)) for no, i in enumerate(failed, start=1)],
        # 四、未按时报送整改情况的单位
        **who_reported_context(report.units),
        # 五、下步要求
        "requirements": requirement_lines(report.requirements),
        # 附件1, 附件2
        "unit_rows": [
            {"no": no, "name": unit_name(report, code), **_counts(items)}
            for no, (code, items) in enumerate(by_unit.items(), start=1)
        ],
        "unit_total": _counts(scope),
        "open_rows": [
            {
                "no": no,
                "problem_id": keep_whole(i.problem_id),
                "unit_name": unit_name(report, i.unit),
                "problem_type": _problem_type(i),
                "description": clean_text(i.description),
                "deadline": format_date(i.deadline),
                "state": i.state_label,
                "remark": _remark(i, report),
            }
            for no, i in enumerate(report.open_items, start=1)
        ],
    }


# ---------------------------------------------------------------- the rectification notices


def rectification_context(
    report: QuarterlyReport,
    unit_code: str,
    issuer_pt: float = ISSUER_PT,
    *,
    report_by: datetime | None = None,
) -> dict[str, Any]:
    """Everything ``rectification_notice.docx`` uses for one unit: its items still owed and when to report.

    Meant for the units of ``report.units_to_notify``; another unit gets an empty table. The table lists
    only the items not closed at the cut-off nor before the issue day; those closed in between are named
    as closed, not demanded. ``report_by`` is the deadline the unit is told (default: ``next_deadline``).
    """
    tz = zone(report.timezone)
    at_cutoff = [i for i in report.open_items if i.unit == unit_code]
    items = [i for i in at_cutoff if not report.closed_before_issue(i)]
    closed_since = [i for i in at_cutoff if report.closed_before_issue(i)]
    overdue = sum(1 for i in at_cutoff if i.overdue)
    notice_number = clean_text(report.doc_number).strip()
    return {
        **_common(report, report.rectification_numbers.get(unit_code, ""), issuer_pt, RECTIFICATION_TITLE),
        "unit_name": unit_name(report, unit_code),
        "notice_title": notice_title(report),
        "notice_number_text": f"（{notice_number}）" if notice_number else "",
        "late_issue_text": "本通知书为补发。" if late_issue(report) else "",
        "open_count": len(at_cutoff),
        "overdue_count": overdue,
        "overdue_clause": f"，其中已超过整改时限{overdue}个" if overdue else "",
        "closed_since_clause": (
            f"。{'、'.join(clean_text(i.problem_id) for i in closed_since)}已于本通知书印发前复查销号，"
            f"不再列入下表，其余{len(items)}个问题仍须整改" if closed_since else ""
        ),
        "item_rows": [
            {
                "problem_id": keep_whole(i.problem_id),
                "problem_type": _problem_type(i),
                "description": clean_text(i.description),
                "requirement": clean_text(i.requirement),
                "deadline": format_date(i.deadline),
                "state": i.state_label,
                "remark": _remark(i),
            }
            for i in items
        ],
        "deadline_text": format_datetime(report_by or next_deadline(report), tz=tz),
        "channel": channel_sentence(report.channel, report.secretariat),
    }


# ---------------------------------------------------------------- the chart


CLOSED_COLOR = "#70AD47"
OPEN_COLOR = "#C55A11"


def problem_chart(report: QuarterlyReport, out_png: Path) -> Path:
    """Draw the quarter's problems by 问题类型, stacked 已销号 / 未销号, to ``out_png`` (reproducibly)."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    by_type = _grouped(quarter_items(report), _problem_type)
    names = list(by_type)
    closed = [sum(1 for i in items if i.closed) for items in by_type.values()]
    still_open = [len(items) - c for items, c in zip(by_type.values(), closed, strict=True)]
    top = max((c + o for c, o in zip(closed, still_open, strict=True)), default=0)
    right = max(top, 1) * 1.18  # room for the count after the longest bar
    with horizontal_bars(len(names), out_png, extra_height=1.5) as chart:
        ax = chart.ax
        if names:
            ax.barh(chart.positions, closed, height=0.6, color=CLOSED_COLOR, label="已销号")
            ax.barh(chart.positions, still_open, height=0.6, left=closed, color=OPEN_COLOR, label="未销号")
            for y, c, o in zip(chart.positions, closed, still_open, strict=True):
                ax.text(c + o + top * 0.02, y, f"{c + o}个", va="center", fontproperties=chart.small)
            # above the plot, where no bar can run under it
            ax.legend(prop=chart.small, loc="lower right", bbox_to_anchor=(1, 1), ncols=2, frameon=False)
        else:
            ax.text(right / 2, 0, "本季度无督查问题", ha="center", va="center", fontproperties=chart.font)
        ax.set_yticks(chart.positions, labels=names, fontproperties=chart.font)
        ax.set_xlim(0, right)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for label in ax.get_xticklabels():
            label.set_fontproperties(chart.small)
        ax.set_xlabel("问题数（个）", fontproperties=chart.font)
    return Path(out_png)


# ---------------------------------------------------------------- the ledger workbook


STATE_FILLS: dict[str, str] = {  # Excel's own "bad / neutral / good" tints, and an orange between
    "open": "FFC7CE",
    "rectifying": "F8CBAD",
    "awaiting_recheck": "FFEB9C",
    "closed": "C6EFCE",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
LEDGER_COLUMNS = (  # header, width in Excel's units (a CJK character takes two): 178, landscape at ≥ 75 %
    ("问题编号", 15), ("单位", 20), ("问题类型", 12), ("问题描述", 34), ("整改要求", 28), ("整改时限", 12),
    ("当前状态", 10), ("是否逾期", 9), ("复查不通过次数", 10), ("最近变更", 17), ("来源", 12),
)  # fmt: skip
HISTORY_COLUMNS = (
    ("问题编号", 15), ("单位", 20), ("原状态", 10), ("新状态", 10), ("变更时间", 17), ("文件", 30),
    ("变更类型", 24), ("期次", 14),
)  # fmt: skip
COUNT_HEADERS = ("问题总数", *(ITEM_STATE_LABELS[s] for s in STATE_ORDER), "逾期")
COUNT_WIDTHS = (26, *(10 for _ in COUNT_HEADERS))  # fits portrait at 100 %
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3


def ledger_title(report: QuarterlyReport) -> str:
    """``2026年第三季度整改台账``: the workbook's title, on its first sheet and in its properties."""
    return f"{clean_text(report.period_label)}整改台账"


def write_ledger_workbook(report: QuarterlyReport, path: Path) -> Path:
    """Write 整改台账.xlsx (sheets 台账, 历史, 统计) atomically to ``path`` and return it.

    Every sheet: its title in row 1, the header in row 2, set up for A4 (``formats.sheets``). Every text
    is stored as text: a description typed as ``=SUM(A1)`` must not become a formula that Excel runs
    when the secretariat opens the ledger.
    """
    tz = zone(report.timezone)
    name_of = functools.cache(lambda code: unit_name(report, code))
    title = ledger_title(report)
    wb = Workbook()
    ledger = wb.active
    ledger.title = "台账"
    sheets.title_row(ledger, title, len(LEDGER_COLUMNS))
    _header(ledger, LEDGER_COLUMNS)
    for item in report.items:
        row = ledger.max_row + 1
        values: list[Any] = [
            item.problem_id, name_of(item.unit), _problem_type(item), item.description, item.requirement,
            item.deadline, item.state_label, "是" if item.overdue else "否", item.failed_rechecks,
            _local_naive(item.last_change, tz), source_of(item.origin),
        ]  # fmt: skip
        _row(ledger, row, values, centered=(3, 6, 7, 8, 9, 10))
        sheets.fill(ledger.cell(row, 7), STATE_FILLS[item.state])
    _table_sheet(ledger, LEDGER_COLUMNS)

    history = wb.create_sheet("历史")
    sheets.title_row(history, f"{title}（状态变更记录）", len(HISTORY_COLUMNS))
    _header(history, HISTORY_COLUMNS)
    for entry in report.history:
        row = history.max_row + 1
        kind = clean_text(entry.kind)
        value = clean_text(entry.value).strip()
        values = [
            entry.problem_id, name_of(entry.unit), entry.from_label,
            entry.to_label, _local_naive(entry.at, tz), entry.file,
            f"{kind}（{value}）" if value and value not in kind else kind, _period_label(entry.period),
        ]  # fmt: skip
        _row(history, row, values, centered=(3, 4, 5, 8))
        if entry.from_state:
            sheets.fill(history.cell(row, 3), STATE_FILLS[entry.from_state])
        sheets.fill(history.cell(row, 4), STATE_FILLS[entry.to_state])
    _table_sheet(history, HISTORY_COLUMNS)

    stats = wb.create_sheet("统计")
    sheets.title_row(stats, f"{title}（统计）", len(COUNT_WIDTHS))
    by_unit = {name_of(code): items for code, items in _by_unit(report, report.items).items()}
    end = _count_table(stats, "单位", by_unit, start=HEADER_ROW)
    _count_table(stats, "问题类型", _grouped(report.items, _problem_type), start=end + 2)
    sheets.set_up_page(stats, COUNT_WIDTHS, header_rows=(HEADER_ROW, HEADER_ROW), freeze=f"A{FIRST_ROW}")

    sheets.set_properties(wb, title=title, creator=clean_text(report.secretariat),
                          issued=report.issue_date or today_local(tz))  # fmt: skip
    path = Path(path)
    with replacing(path) as tmp:
        sheets.save(wb, tmp)
    return path


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """One cell; text always as text (never a formula), dates with a date format."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # openpyxl takes a string starting with "=" for a formula otherwise
    elif isinstance(value, datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def _row(ws: Worksheet, row: int, values: Sequence[Any], centered: Collection[int] = ()) -> None:
    """A table row: bordered, wrapped, the short columns (``centered``: states, dates, counts) centred."""
    for col, value in enumerate(values, start=1):
        sheets.framed(_put(ws, row, col, value), center=col in centered)


def _header(ws: Worksheet, columns: Sequence[tuple[str, float]], row: int = HEADER_ROW) -> None:
    for col, (title, _width) in enumerate(columns, start=1):
        sheets.header_cell(_put(ws, row, col, title))


def _table_sheet(ws: Worksheet, columns: Sequence[tuple[str, float]]) -> None:
    """Rows as tall as their text, the header frozen and on every printed page, auto filter, A4."""
    widths = [width for _title, width in columns]
    sheets.fit_rows(ws, HEADER_ROW, ws.max_row, widths)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{ws.max_row}"
    sheets.set_up_page(ws, widths, header_rows=(HEADER_ROW, HEADER_ROW), freeze=f"A{FIRST_ROW}")


def _count_table(ws: Worksheet, first: str, groups: dict[str, list[LedgerItem]], start: int) -> int:
    """From row ``start``: a header (``first``, 问题总数, one column per state, 逾期), one row per group,
    a 合计 row. Returns the last row."""
    _header(ws, [(first, 0), *((h, 0) for h in COUNT_HEADERS)], row=start)
    row = start

    def counts(items: Sequence[LedgerItem]) -> list[int]:
        states = [sum(1 for i in items if i.state == s) for s in STATE_ORDER]
        return [len(items), *states, sum(1 for i in items if i.overdue)]

    for name, items in groups.items():
        row += 1
        _row(ws, row, [name, *counts(items)], centered=range(2, len(COUNT_HEADERS) + 2))
    row += 1
    _row(ws, row, ["合计", *counts([i for items in groups.values() for i in items])], centered=range(2, len(COUNT_HEADERS) + 2))
    ws.cell(row, 1).font = Font(bold=True)
    sheets.fit_rows(ws, start, row, COUNT_WIDTHS)
    return row


def _local_naive(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """A time as the campaign's clock shows it: Excel has no time zones."""
    return None if moment is None else to_local(moment, tz).replace(tzinfo=None)


def _period_label(period: str) -> str:
    """``2026-Q3`` → 2026年第三季度; anything else as written."""
    try:
        return QuarterCalendar("", "UTC", DEFAULT_DEADLINE).parse(period).label
    except ValueError:
        return clean_text(period)
