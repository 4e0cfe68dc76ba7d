"""The demo's weekly 调度 cycle (called by generate.py after it has written its own files).

Writes ``registry/重点项目节点.xlsx`` (five key projects of the demo's units with their reverse schedules),
the weeks 2026-W48 and 2026-W49 of ``intake/weekly/``, and appends their drop times to ``drop_times.yaml``
and what the cycle should find, worked out by hand below, to ``expected.yaml`` (under ``weekly:``).

W48 (11月23日—29日, due 11月30日 12:00): BM02 and XZ01 on time, each with a milestone done; BM04's first
file says 是 without a date and is returned, its fixed file comes the same day (on time); BM05 comes late
(a CSV in GB18030) and asks for 协调 on ZD03#1; BM03 never reports. W49 (11月30日—12月6日, due 12月7日
12:00): BM02, BM05 and BM04 finish a milestone each, XZ01 asks for 协调 on ZD02#2, BM03 again missing.
Every drop is before 2026-12-06 (a future drop would be taken as received when intake first sees it).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import yaml

from docgen.contracts import load_contract
from tests.builders import CST
from tests.builders.tables import write_table

HERE = Path(__file__).resolve().parent
REGISTER_HEADERS = [f.header for f in load_contract("key_projects").fields]
REPORT_HEADERS = [f.header for f in load_contract("weekly_progress").fields]
DROPS_BEFORE = datetime(2026, 12, 6, tzinfo=CST)

# 项目编号, 项目名称, 项目类别, 总投资(万元), 责任单位, [(节点名称, 计划完成日期)]
PROJECTS = [
    ("ZD01", "青禾市民族团结进步教育基地", "阵地建设", 3200, "BM02", [
        ("完成初步设计", date(2026, 11, 13)), ("主体结构封顶", date(2026, 11, 27)),
        ("布展完成", date(2026, 12, 18)), ("开馆运行", date(2026, 12, 31))]),
    ("ZD02", "城关街道“石榴籽家园”示范点", "阵地建设", 180, "XZ01", [
        ("完成改造方案", date(2026, 11, 20)), ("完成改造施工", date(2026, 12, 4)), ("验收投用", date(2026, 12, 25))]),
    ("ZD03", "民族特色产业园", "产业发展", 12800, "BM05", [
        ("完成立项", date(2026, 11, 25)), ("开工建设", date(2026, 12, 2)), ("首批企业入驻", date(2027, 1, 15))]),
    ("ZD04", "民族团结进步主题公园", "公共服务", 2600, "BM04", [
        ("完成规划设计", date(2026, 11, 30)), ("完成施工招标", date(2026, 12, 11))]),
    ("ZD05", "民族团结教育实践课程", "宣传教育", None, "BM03", [
        ("课程大纲定稿", date(2026, 11, 26)), ("首批学校开课", date(2026, 12, 7))]),
]

# What the cycle should find, by hand: W48 ends 11-29, W49 ends 12-06 (days behind = week end − planned).
EXPECTED = {
    "2026-W48": {
        "projects": 5, "milestones": 14,
        "done": ["ZD01#1", "ZD02#1"],
        "behind": {"ZD03#1": 4, "ZD05#1": 3, "ZD01#2": 2},  # 11-29 − 11-25, − 11-26, − 11-27
        "behind_projects": ["ZD03", "ZD05", "ZD01"],
        "finished": ["ZD01#1", "ZD02#1"],
        "blocked": {"ZD03#1": "请市自然资源局加快办理用地预审"},
        "expected_units": ["XZ01", "BM02", "BM03", "BM04", "BM05"],
        "on_time_units": ["XZ01", "BM02", "BM04"], "late_units": ["BM05"], "rejected_units": [],
        "missing_units": ["BM03"],
    },
    "2026-W49": {
        "projects": 5, "milestones": 14,
        "done": ["ZD01#1", "ZD01#2", "ZD02#1", "ZD03#1", "ZD04#1"],
        "behind": {"ZD05#1": 10, "ZD03#2": 4, "ZD02#2": 2},  # 12-06 − 11-26, − 12-02, − 12-04
        "behind_projects": ["ZD05", "ZD03", "ZD02"],
        "finished": ["ZD01#2", "ZD03#1", "ZD04#1"],
        "blocked": {"ZD02#2": "请市住房和城乡建设局协调增派施工力量"},
        "expected_units": ["XZ01", "BM02", "BM03", "BM04", "BM05"],
        "on_time_units": ["XZ01", "BM02", "BM04", "BM05"], "late_units": [], "rejected_units": [],
        "missing_units": ["BM03"],
    },
}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def row(project: str, no: int, done: str = "否", completed: object = None, progress: str = "", issues: str = "",
        needs: str = "否", coordination: str = "", reporter: str = "") -> list[object]:
    values = {"项目编号": project, "节点序号": no, "是否完成": done, "实际完成日期": completed, "当前进展": progress,
              "存在问题/堵点": issues, "是否需要协调": needs, "需协调事项": coordination, "填报人": reporter}
    return [values[h] for h in REPORT_HEADERS]


# (week, unit, file name, drop time, rows)
DROPS: list[tuple[str, str, str, datetime, list[list[object]]]] = [
    ("2026-W48", "BM02", "重点项目周调度表.xlsx", at(11, 27, 16), [
        row("ZD01", 1, "是", date(2026, 11, 12), "初步设计已批复", reporter="韩雪梅"),
        row("ZD01", 2, progress="主体结构施工至三层", issues="连续降温影响混凝土浇筑", reporter="韩雪梅"),
        row("ZD01", 3, reporter="韩雪梅"), row("ZD01", 4, reporter="韩雪梅")]),
    ("2026-W48", "XZ01", "石榴籽家园周调度.xlsx", at(11, 30, 10), [
        row("ZD02", 1, "是", "2026年11月18日", "改造方案已通过街道党工委会议审定", reporter="马文军"),
        row("ZD02", 2, progress="施工单位已进场"), row("ZD02", 3)]),
    ("2026-W48", "BM04", "周调度表.xlsx", at(11, 28, 9), [
        row("ZD04", 1, "是", progress="规划设计方案已完成"), row("ZD04", 2)]),
    ("2026-W48", "BM04", "周调度表（更正）.xlsx", at(11, 28, 15), [
        row("ZD04", 1, progress="规划设计方案征求意见中"), row("ZD04", 2)]),
    ("2026-W48", "BM05", "产业园周调度.csv", at(12, 1, 9, 30), [
        row("ZD03", 1, progress="立项材料已报送", issues="用地预审尚未批复", needs="是",
            coordination="请市自然资源局加快办理用地预审"),
        row("ZD03", 2), row("ZD03", 3)]),
    ("2026-W49", "BM04", "周调度表.xlsx", at(12, 2, 11), [
        row("ZD04", 1, "是", "2026-12-01", "规划设计方案已批复"), row("ZD04", 2, progress="招标文件编制中")]),
    ("2026-W49", "BM05", "产业园周调度.xlsx", at(12, 3, 17), [
        row("ZD03", 1, "是", "2026/12/1", "已取得立项批复"), row("ZD03", 2, progress="施工图审查中"), row("ZD03", 3)]),
    ("2026-W49", "BM02", "重点项目周调度表.xlsx", at(12, 4, 10), [
        row("ZD01", 2, "是", date(2026, 12, 3), "主体结构已封顶"), row("ZD01", 3, progress="布展方案设计中"),
        row("ZD01", 4)]),
    ("2026-W49", "XZ01", "石榴籽家园周调度.xlsx", at(12, 5, 9), [
        row("ZD02", 2, progress="完成工程量约六成", issues="施工队伍不足，进度滞后", needs="是",
            coordination="请市住房和城乡建设局协调增派施工力量"),
        row("ZD02", 3)]),
]


def write_weekly() -> None:
    """The register, the two weeks' files, their drop times and expected results (appended)."""
    register = [[values[h] for h in REGISTER_HEADERS] for values in (
        {"项目编号": pid, "项目名称": name, "项目类别": category, "总投资(万元)": money, "责任单位": unit,
         "节点序号": n, "节点名称": milestone, "计划完成日期": planned}
        for pid, name, category, money, unit, milestones in PROJECTS
        for n, (milestone, planned) in enumerate(milestones, start=1))]
    write_table(HERE / "registry" / "重点项目节点.xlsx", REGISTER_HEADERS, register, title="重点项目倒排工期节点表")
    drops = {}
    for week, unit, name, when, rows in DROPS:
        path = HERE / "intake" / "weekly" / week / unit / name
        write_table(path, REPORT_HEADERS, rows, title=f"重点项目周调度表（{week}）", encoding="gb18030")
        drops[path.relative_to(HERE).as_posix()] = when.isoformat()
    assert all(datetime.fromisoformat(w) < DROPS_BEFORE for w in drops.values()), "every drop is in the past"
    with (HERE / "drop_times.yaml").open("a", encoding="utf-8") as out:
        out.write("# The weekly cycle: 2026-W48 (BM05 late, after the 11-30 12:00 deadline) and 2026-W49.\n"
                  + yaml.safe_dump(drops, allow_unicode=True, sort_keys=False))
    with (HERE / "expected.yaml").open("a", encoding="utf-8") as out:
        out.write("# What the weekly cycle should find in each week, worked out by hand in generate_weekly.py\n"
                  "# (EXPECTED): milestones as 项目编号#节点序号; behind: days after the planned date at the week's end;\n"
                  "# blocked: 需协调事项 of this week's reports; units in registry order.\n"
                  + yaml.safe_dump({"weekly": EXPECTED}, allow_unicode=True, sort_keys=False))
