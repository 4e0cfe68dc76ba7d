"""Reminders (催报): who still owes what before a deadline, the 催报通知 and reminder.json, same-day
versions, the campaign's dates, and which reminders are due on which day. Expectations are written by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from docgen import cycles
from docgen.config import Campaign
from docgen.cycle import UNIT_FOLDER
from docgen.errors import WorkspaceError
from docgen.models import Unit, UnitStatus
from docgen.pipeline import run_cycle
from docgen.reminders import (
    NOTHING_DUE,
    MissingUnit,
    Reminder,
    ReminderRefused,
    ReturnedUnit,
    due_reminders,
    remind,
    reminder_context,
    reminder_cron,
    reminder_days,
    reminder_lists,
    reminder_settings,
    run_due,
)

from .builders import CST
from .builders.registry import write_campaign
from .conftest import Dropper, row
from .test_intake import docx_text

NOV2 = datetime(2026, 11, 2, 9, 0, tzinfo=CST)  # 3 days before the October deadline (2026-11-05 17:00)
BEFORE = datetime(2026, 10, 30, 10, 0, tzinfo=CST)
DROPPED = datetime(2026, 11, 1, 10, 0, tzinfo=CST)
DANGEROUS = "{{ 7*7 }} <b>加粗</b> & {% if 1 %}x{% endif %}"
FOLDER = Path("outbox/monthly/2026-10/催报/2026-11-02")
DOC_NAME = "2026年10月催报通知（2026-11-02）.docx"

# C01's latest returned file (又错了.xlsx): four problems, the first three told in the reminder
C01_PROBLEMS = [
    "第2行“完成进度(%)”列（填写的值：150）：应在 0 到 100 之间",
    "第2行“参与人数(人次)”列（填写的值：-5）：不能小于 0",
    "第2行“联系电话”列（填写的值：123）：格式不正确，请填写 11 位手机号，或带区号的座机号（写作“区号-号码”，如 区号-12345678）",
]


@pytest.fixture
def october(workspace: Path, drop: Dropper) -> Path:
    """October expects A01, B01 and C01 (their tasks run in October; D01's starts in November).

    A01: returned, then accepted (owes nothing); B01: nothing dropped; C01: returned twice, the later file
    with four problems.
    """
    drop("A01", [row("A01", "T1", 150)], name="先错了.xlsx", when=BEFORE)
    drop("A01", when=DROPPED)
    drop("C01", [row("C01", "T3", 101)], name="错误的表.xlsx", when=BEFORE)
    drop("C01", [row("C01", "T3", 150, 联系电话="123", **{"参与人数(人次)": -5}), row("C01", "T2", "八成")],
         name="又错了.xlsx", when=DROPPED)
    return workspace


# ---------------------------------------------------------------- the lists (pure)


def _row(unit: str, status: str, file: str, hour: int, kind: str | None = "monthly_progress", errors: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        unit=unit, kind=kind, file_name=file, status=status, received_at=datetime(2026, 11, 1, hour),
        errors=[{"message": f"问题{i}", "row": i + 1, "column": "完成进度(%)", "value": str(i), "cell": None}
                for i in range(1, errors + 1)],
    )


def _report(*codes: str) -> SimpleNamespace:
    return SimpleNamespace(units=[UnitStatus(code, f"单位{code}", "部门", "missing") for code in codes])


def test_reminder_lists_missing_and_returned_with_the_latest_files_first_problems() -> None:
    kinds = cycles.get("monthly").kinds_in(UNIT_FOLDER)
    rows = [
        _row("U1", "accepted", "好.xlsx", 1),
        _row("U2", "rejected", "早.xlsx", 1, errors=1),
        _row("U2", "rejected", "晚.xlsx", 3, errors=5),
        _row("U3", "rejected", "错.xlsx", 1, errors=2),
        _row("U3", "accepted", "对.xlsx", 2),
        _row("U5", "rejected", "错.xlsx", 1, errors=1),
        _row("U5", "received", "新.xlsx", 4),  # no receipt yet: the receipt will tell
        _row("_inspection", "rejected", "问题清单.xlsx", 1, kind="inspection_problems", errors=1),
        _row("X9", "rejected", "别人.xlsx", 1, errors=1),  # not expected
    ]
    units = {"U4": Unit("U4", "单位U4", "部门", "李明", "13800000001")}
    missing, returned = reminder_lists(_report("U1", "U2", "U3", "U4", "U5"), rows, kinds, units)
    assert missing == [MissingUnit("U4", "单位U4", "李明", "13800000001", ("月度进展报送表",))]
    assert returned == [ReturnedUnit(
        code="U2", name="单位U2", file="晚.xlsx",
        problems=("第2行“完成进度(%)”列（填写的值：1）：问题1", "第3行“完成进度(%)”列（填写的值：2）：问题2",
                  "第4行“完成进度(%)”列（填写的值：3）：问题3"),
        problem_count=5, received_at=datetime(2026, 11, 1, 3, tzinfo=UTC), kind="月度进展报送表",
    )]


def test_reminder_lists_each_kind_a_unit_owes() -> None:
    """The annual cycle takes two kinds from units: each is owed; the assessors' folder owes nothing."""
    kinds = cycles.get("annual").kinds_in(UNIT_FOLDER)
    rows = [
        _row("U1", "accepted", "自评表.xlsx", 1, kind="self_assessment"),
        _row("U1", "rejected", "总结.docx", 2, kind="annual_summary", errors=1),
        _row("U2", "accepted", "总结.docx", 2, kind="annual_summary"),
        _row("_assessors", "rejected", "评分.xlsx", 1, kind="assessor_scores", errors=1),
    ]
    missing, returned = reminder_lists(_report("U1", "U2", "U3"), rows, kinds)
    assert [(u.code, u.kinds) for u in missing] == [("U2", ("自评表",)), ("U3", ("自评表", "年度工作总结"))]
    assert [(u.code, u.file, u.kind, u.problem_count) for u in returned] == [("U1", "总结.docx", "年度工作总结", 1)]


# ---------------------------------------------------------------- remind on a workspace


def test_remind_names_the_missing_and_the_returned(october: Path) -> None:
    result = remind(october, "monthly", "2026-10", today=NOV2)
    assert result.issued
    assert result.message == "已发催报通知：未报送1家，已退回未重新报送1家（outbox/monthly/2026-10/催报/2026-11-02）"
    assert [p.relative_to(october) for p in result.paths] == [FOLDER / DOC_NAME, FOLDER / "reminder.json"]
    assert result.missing == [MissingUnit("B01", "市民族宗教事务局", "王芳", "0471-6600001", ("月度进展报送表",))]
    assert [(u.code, u.name, u.file, list(u.problems), u.problem_count) for u in result.returned] == [
        ("C01", "青禾市第一中学", "又错了.xlsx", C01_PROBLEMS, 4)
    ]

    data = json.loads((october / FOLDER / "reminder.json").read_text(encoding="utf-8"))
    assert {k: data[k] for k in ("cycle", "period", "deadline", "generated_at", "cutoff")} == {
        "cycle": "monthly", "period": "2026-10", "deadline": "2026-11-05T17:00:00+08:00",
        "generated_at": "2026-11-02T09:00:00+08:00", "cutoff": "2026-11-02T09:00:00+08:00",
    }
    assert [{k: u[k] for k in ("code", "name", "contact", "phone")} for u in data["missing"]] == [
        {"code": "B01", "name": "市民族宗教事务局", "contact": "王芳", "phone": "0471-6600001"}
    ]
    assert [{k: u[k] for k in ("code", "name", "file", "problems")} for u in data["returned"]] == [
        {"code": "C01", "name": "青禾市第一中学", "file": "又错了.xlsx", "problems": C01_PROBLEMS}
    ]

    text = docx_text(october / FOLDER / DOC_NAME)
    for expected in (
        "关于催报2026年10月\n月度进展报送表的通知", "有关成员单位：",
        "报送截止时间为2026年11月5日17:00（北京时间），距截止还有3天。截至2026年11月2日09:00，应报送单位3家，尚有2家",
        "1. 市民族宗教事务局",
        "1. 青禾市第一中学：2026年11月1日10:00报送的“又错了.xlsx”未通过审核，已退回，共4处问题",
        *(f"（{i}）{p}" for i, p in enumerate(C01_PROBLEMS, start=1)), "另有1处问题，详见回执。",
        "请以上单位于2026年11月5日17:00前报送月度进展报送表（.xlsx或.csv格式）。报送渠道不变，如有疑问请与"
        "青禾市创建全国民族团结进步示范市工作领导小组办公室联系。",
        "报送后请及时查看回执（与所报文件同名）。", "月通报",
        "青禾市创建全国民族团结进步示范市工作领导小组办公室", "2026年11月2日",
    ):
        assert expected in text, expected
    for not_named in ("青禾镇人民政府", "青禾乳业有限公司", "错误的表.xlsx", "八成", "B01", "C01", "intake", "/"):
        assert not_named not in text, not_named


def test_unit_text_comes_out_literally(workspace: Path, drop: Dropper) -> None:
    drop("B01", [row("B01", "T1", DANGEROUS)], when=DROPPED)
    remind(workspace, "monthly", "2026-10", today=NOV2)
    text = docx_text(workspace / FOLDER / DOC_NAME)
    assert f"（填写的值：{DANGEROUS}）" in text and "49" not in text


def test_nothing_issued_when_everyone_has_an_accepted_file(workspace: Path, drop: Dropper) -> None:
    for unit in ("A01", "B01", "C01"):
        drop(unit, when=DROPPED)
    result = remind(workspace, "monthly", "2026-10", today=NOV2)
    assert (result.issued, result.message, result.paths, result.missing, result.returned) == (
        False, "所有应报单位均已报送，无需催报", [], [], [])
    assert result.message == NOTHING_DUE
    assert not (workspace / "outbox").exists()


def test_same_day_rerun_keeps_the_earlier_reminder_as_a_version(october: Path, drop: Dropper) -> None:
    first = remind(october, "monthly", "2026-10", today=NOV2)
    earlier = {p.name: p.read_bytes() for p in first.paths}
    drop("B01", when=datetime(2026, 11, 2, 10, 0, tzinfo=CST))  # B01 reports; C01 is still owing
    second = remind(october, "monthly", "2026-10", today=datetime(2026, 11, 2, 15, 0, tzinfo=CST))
    folder = october / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted([DOC_NAME, "reminder.json", "versions"])
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["v1"]
    assert {p.name: p.read_bytes() for p in (folder / "versions/v1").iterdir()} == earlier
    assert [u.code for u in second.missing] == [] and [u.code for u in second.returned] == ["C01"]
    assert json.loads((folder / "reminder.json").read_text(encoding="utf-8"))["missing"] == []
    remind(october, "monthly", "2026-10", today=datetime(2026, 11, 2, 16, 0, tzinfo=CST))
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["v1", "v2"]

    other_day = remind(october, "monthly", "2026-10", today=datetime(2026, 11, 4, 9, 0, tzinfo=CST))
    assert other_day.paths[0].parent == october / "outbox/monthly/2026-10/催报/2026-11-04"
    assert not (other_day.paths[0].parent / "versions").exists()
    assert "距截止还有1天" in docx_text(other_day.paths[0])


def test_a_reminder_after_the_deadline_says_it_has_passed(october: Path) -> None:
    result = remind(october, "monthly", "2026-10", today=datetime(2026, 11, 6, 9, 0, tzinfo=CST))
    text = docx_text(result.paths[0])
    assert "应于2026年11月5日17:00（北京时间）前报送，报送截止时间已过" in text
    assert "请以上单位尽快报送月度进展报送表" in text


def test_annual_reminder_names_what_each_unit_owes(workspace: Path) -> None:
    result = remind(workspace, "annual", "2025", today=datetime(2026, 1, 12, 9, 0, tzinfo=CST))
    assert [(u.code, u.kinds) for u in result.missing] == [
        (code, ("自评表", "年度工作总结")) for code in ("A01", "B01", "C01", "D01")
    ]
    text = docx_text(result.paths[0])
    assert "关于催报2025年度\n自评表和年度工作总结的通知" in text  # what is owed stays whole
    assert "1. 青禾镇人民政府（自评表、年度工作总结）" in text
    assert "自评表为.xlsx或.csv格式，年度工作总结为.docx格式" in text
    assert result.paths[0].parent == workspace / "outbox/annual/2025/催报/2026-01-12"


def test_a_period_outside_the_campaign_is_refused(workspace: Path) -> None:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0},
                   reminders={"start": "2026-01-01", "end": "2027-12-31"})
    with pytest.raises(ReminderRefused, match=r"2025年12月（截至2025年12月31日）在创建活动开始日期（2026年1月1日）之前"):
        remind(workspace, "monthly", "2025-12", today=datetime(2026, 1, 2, 9, 0, tzinfo=CST))
    with pytest.raises(ReminderRefused, match="在创建活动结束日期（2027年12月31日）之后"):
        remind(workspace, "quarterly", "2028-Q1")
    assert not (workspace / "outbox").exists()
    assert remind(workspace, "monthly", "2026-01", today=datetime(2026, 2, 2, 9, 0, tzinfo=CST)).issued


def test_the_deadline_run_leaves_the_reminders_where_they_are(october: Path) -> None:
    remind(october, "monthly", "2026-10", today=NOV2)
    run_cycle(october, "monthly", "2026-10")
    assert (october / FOLDER / DOC_NAME).is_file()
    assert not (october / "outbox/monthly/2026-10/versions").exists()


# ---------------------------------------------------------------- settings and what is due when


def _campaign(**reminders: object) -> Campaign:
    base = Campaign(name="创建", secretariat="创建办", doc_number_prefix="创建办〔{year}〕")
    return Campaign(**{**base.__dict__, "settings": {"reminders": reminders}}) if reminders else base


def test_reminder_settings_defaults_and_errors(tmp_path: Path) -> None:
    assert reminder_days(_campaign()) == [3, 1]
    assert reminder_settings(_campaign()).at == "09:00"
    custom = reminder_settings(_campaign(days_before=[5, 0], at="8:30", start="2026-01-01"))
    assert (custom.days_before, custom.at, str(custom.start), custom.end) == ((5, 0), "08:30", "2026-01-01", None)
    for bad in ({"days_before": [-1]}, {"days_before": "三天"}, {"at": "9点"}, {"start": "明年"},
                {"start": "2027-01-01", "end": "2026-01-01"}):
        with pytest.raises(WorkspaceError, match="campaign.yaml 的 reminders"):
            reminder_settings(_campaign(**bad))

    path = write_campaign(tmp_path, reminders={"days_before": [2], "at": "08:30", "start": "2026-01-01"})
    loaded = Campaign.load(path)
    assert loaded.settings["reminders"] == {"days_before": [2], "at": "08:30", "start": "2026-01-01"}
    assert reminder_days(loaded) == [2] and str(reminder_settings(loaded).start) == "2026-01-01"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["reminders"]["at"] == "08:30"


def test_reminder_cron_from_campaign_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_ROOT", raising=False)
    assert reminder_cron() == ("0 9 * * *", "Asia/Shanghai")
    write_campaign(tmp_path, timezone="Asia/Urumqi", reminders={"at": "08:30"})
    monkeypatch.setenv("DOCGEN_ROOT", str(tmp_path))
    assert reminder_cron() == ("30 8 * * *", "Asia/Urumqi")


@pytest.mark.parametrize(("now", "due"), [
    (datetime(2026, 11, 2, 9, 0, tzinfo=CST), [("monthly", "2026-10")]),  # deadline 2026-11-05: 3 days ahead
    (datetime(2026, 11, 4, 9, 0, tzinfo=CST), [("monthly", "2026-10")]),  # 1 day ahead
    (datetime(2026, 11, 1, 23, 30, tzinfo=UTC), [("monthly", "2026-10")]),  # already 11-02 in Shanghai
    (datetime(2026, 11, 3, 9, 0, tzinfo=CST), []),
    (datetime(2026, 11, 5, 9, 0, tzinfo=CST), []),
    # a Friday: the week 2026-W40 (09-28 … 10-04) is due on Monday 10-05, 3 days ahead
    (datetime(2026, 10, 2, 9, 0, tzinfo=CST), [("monthly", "2026-09"), ("weekly", "2026-W40")]),
    (datetime(2026, 10, 7, 9, 0, tzinfo=CST), [("quarterly", "2026-Q3")]),  # deadline 2026-10-10
    (datetime(2026, 10, 9, 9, 0, tzinfo=CST), [("quarterly", "2026-Q3"), ("weekly", "2026-W41")]),  # Friday
    (datetime(2027, 1, 2, 9, 0, tzinfo=CST), [("monthly", "2026-12")]),
    (datetime(2027, 1, 12, 9, 0, tzinfo=CST), [("annual", "2026")]),  # deadline 2027-01-15
    (datetime(2027, 1, 14, 9, 0, tzinfo=CST), [("annual", "2026")]),
])
def test_due_reminders_on_chosen_days(now: datetime, due: list[tuple[str, str]]) -> None:
    assert due_reminders(_campaign(), now) == due


def test_due_reminders_follow_the_settings() -> None:
    on_the_day = _campaign(days_before=[0, 4])
    assert due_reminders(on_the_day, datetime(2026, 11, 5, 9, 0, tzinfo=CST)) == [
        ("monthly", "2026-10"), ("weekly", "2026-W45")]  # 2026-W45 is due on Monday 11-09, 4 days ahead
    assert due_reminders(on_the_day, datetime(2026, 10, 6, 9, 0, tzinfo=CST)) == [
        ("quarterly", "2026-Q3")]  # 4 days before 10-10; 10-05 (monthly 09) is not 0 or 4 days ahead
    bounded = _campaign(start="2026-01-01", end="2026-06-30")
    assert due_reminders(bounded, datetime(2026, 1, 2, 9, 0, tzinfo=CST)) == [  # 2025-12: before the start; but
        ("weekly", "2026-W01")]  # the week 12-29 … 01-04 ends after it, and is due on Monday 01-05
    assert due_reminders(bounded, datetime(2026, 7, 2, 9, 0, tzinfo=CST)) == [("monthly", "2026-06")]
    assert due_reminders(bounded, datetime(2026, 8, 2, 9, 0, tzinfo=CST)) == []  # 2026-07: after the end


def test_run_due_reminds_every_cycle_due(october: Path) -> None:
    done = run_due(october, NOV2)
    assert [(d["cycle"], d["period"], d["issued"], d["missing"], d["returned"]) for d in done] == [
        ("monthly", "2026-10", True, ["B01"], ["C01"])
    ]
    assert (october / FOLDER / "reminder.json").is_file()
    assert run_due(october, datetime(2026, 11, 3, 9, 0, tzinfo=CST)) == []


# ---------------------------------------------------------------- the template


def make_reminder(*, overdue: bool = False) -> Reminder:
    """A reminder as ``remind`` makes it: one unit missing, one returned (for test_templates too)."""
    return Reminder(
        cycle="monthly", period="2026-10", period_label="2026年10月", kind_titles=("月度进展报送表",),
        several_kinds=False, document_title="月通报", deadline=datetime(2026, 11, 5, 17, 0, tzinfo=CST),
        generated_at=datetime(2026, 11, 6 if overdue else 2, 9, 0, tzinfo=CST), expected_count=3,
        missing=(MissingUnit("B01", "市民族宗教事务局", "王芳", "0471-6600001", ("月度进展报送表",)),),
        returned=(ReturnedUnit("C01", "青禾市第一中学", "又错了.xlsx", tuple(C01_PROBLEMS), 4,
                               datetime(2026, 11, 1, 2, 0, tzinfo=UTC), "月度进展报送表"),),
        secretariat="青禾市创建办",
    )


def test_reminder_context() -> None:
    context = reminder_context(make_reminder())
    assert {k: context[k] for k in ("period_label", "kind_title", "deadline_text", "remaining_text", "owing_count",
                                    "report_by_text", "issue_date_text", "file_types")} == {
        "period_label": "2026年10月", "kind_title": "月度进展报送表", "deadline_text": "2026年11月5日17:00",
        "remaining_text": "距截止还有3天", "owing_count": 2, "report_by_text": "于2026年11月5日17:00前",
        "issue_date_text": "2026年11月2日", "file_types": ".xlsx或.csv格式",
    }
    assert context["missing_rows"] == [{"no": 1, "code": "B01", "name": "市民族宗教事务局", "detail": ""}]
    (returned,) = context["returned_rows"]
    assert (returned["received_text"], returned["problems"], returned["more"]) == ("2026年11月1日10:00", C01_PROBLEMS, 1)
    assert reminder_context(make_reminder(overdue=True))["overdue"] is True


def test_the_command(october: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from docgen.cli import main

    assert main(["remind", "--root", str(october), "--cycle", "monthly", "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "reminder.json" in out and "催报" in out
    assert main(["remind", "--root", str(october), "--cycle", "monthly", "--period", "2026-13"]) == 2
