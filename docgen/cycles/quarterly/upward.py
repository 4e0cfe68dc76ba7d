"""What a county's issued quarter sends up to the city: its 整改情况报送表 on the city's items against it.

The city's form for the county lists the city's items not closed that concern it. The county hands each
to one of its units (转办) by filing it in its own 问题清单 under the same 问题编号, and follows it in its own
ledger; at the county's quarter the item's state there is reported up: 已销号 or 已整改待复查 as 已完成 (on
the day of its last change), 整改中 as 整改中, 挂号 as 未启动, with the unit that rectifies it named. An item
the county has not handed on gets no row (the city's receipt then says the county still owes it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ...cycle import Upward
from .report import LedgerItem, QuarterlyReport

KIND = "rectification_report"
STATUS_OF_STATE = {"closed": "已完成", "awaiting_recheck": "已完成", "rectifying": "整改中", "open": "未启动"}


def upward(report: QuarterlyReport, asked: Mapping[str, Sequence[Mapping[str, Any]]], unit: str) -> Upward | None:
    """The county's rows for the city's items it was asked about, and its own figures beside them."""
    if KIND not in asked:
        return None
    items = {i.problem_id: i for i in report.items}
    rows = [_row(items[a["problem_id"]], report) for a in asked[KIND] if a.get("problem_id") in items]
    s = report.summary()
    detail = {
        "unit": unit, "name": report.secretariat, "period": report.period, "doc_number": report.doc_number or "",
        "filed": len(s["filed"]), "closed": len(s["closed"]), "not_closed": len(report.open_items),
        "overdue": len(s["overdue"]),
        "overdue_items": [{"problem_id": i.problem_id, "unit": i.unit_name, "description": i.description}
                          for i in report.items if i.overdue],
    }
    return Upward(KIND, rows, detail)


def _row(item: LedgerItem, report: QuarterlyReport) -> dict[str, Any]:
    status = STATUS_OF_STATE[item.state]
    when = item.last_change.astimezone(ZoneInfo(report.timezone)).date() if item.last_change else None
    measures = f"已转办{item.unit_name}整改，县级台账状态：{item.state_label}"
    if item.closed:
        measures += "（县级复查通过）"
    return {"problem_id": item.problem_id, "measures": measures, "status": status,
            "completion_date": when if status == "已完成" else None,
            "evidence": f"{report.secretariat}整改台账" if status == "已完成" else ""}
