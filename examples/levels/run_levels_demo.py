"""``make demo-levels``: a city (青禾市) and two counties (河湾县, 石峡县), each a docgen workspace of its own,
run a month and a quarter through the DAGs at both levels; the city's review returns one county's report,
which the county corrects and sends again; the results are checked against ``expected.yaml``.

What it shows, step by step (each an ``airflow dags test`` run on one throwaway Airflow; every draft
waits for its 审核 and the demo answers it itself through the REST API, as a secretariat would on the
Required Actions page, and says so):

1. the city's ``forms`` DAG on 1 October and 1 July: the forms go out, and with them each county gets the
   city's tasks that concern it, its deadlines and what the forms ask (``parent/`` in the county);
2. each county's ``monthly_notice`` for 2026-10: its units' files, its own notice; once issued, its report
   goes up into the city's intake as the county's 月度进展报送表;
3. the city's ``monthly_notice``: the reviewer returns the draft and 石峡县's report (退回的报送: XQ02) with a
   comment; the 退回回执 goes down to 石峡县 at once (``parent/receipts/``);
4. 石峡县's 民宗局 corrects its file, 石峡县 runs its month again: its corrected report goes up (第2次上报);
5. the city's ``monthly_notice`` again: approved (签发);
6. the quarter: the city takes in its inspection's problem list (``intake_receipts``), each county runs
   2026-Q3 and reports the city's items it handed on to its units, then the city runs 2026-Q3.

The moments the files were dropped, and the moments each county's report reached the city, are the
scenario's (a replay of October and November 2026): the demo dates each file as it lands (``set_drop_time``).
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.builders: the scenario's files are written by the tests' builders

from docgen.airflow_local import USER, ApiServer, api_server, dags_test, run_reviewed  # noqa: E402
from docgen.approval import APPROVE, RETURN  # noqa: E402
from docgen.resources import set_drop_time  # noqa: E402
from tests.builders.levels import (  # noqa: E402
    MONTH,
    QUARTER,
    Levels,
    at,
    build_levels,
    corrected_t03,
    month_files,
    quarter_files,
)

HERE = Path(__file__).resolve().parent
RETURN_COMMENT = "石峡县T03民族特色产业帮扶完成进度与市督查组核实情况不符，请核实后重报"


class DemoFailed(RuntimeError):
    pass


class Demo:
    def __init__(self, root: Path, api: ApiServer, home: Path) -> None:
        self.root, self.api, self.home = root, api, home
        self.n = 0

    def cycle(self, dag_id: str, ws: Path, period: str, option: str = APPROVE, comment: str = "演示：自动签发",
              fields: dict[str, Any] | None = None) -> dict[str, Any] | None:
        self.n += 1
        log = self.root / f"airflow-{self.n:02d}-{ws.name}-{dag_id}.log"
        print(f"[{ws.name}] airflow dags test {dag_id} -c '{{\"period\": \"{period}\"}}' …", flush=True)
        code, text, action = run_reviewed(dag_id, self.home, ws, self.api, {"period": period}, option=option,
                                          comment=comment, log=log, fields=fields)
        if action is not None:
            verb = "签发" if option == APPROVE else f"退回（{comment}）"
            print(f"  演示自动审核：以 {USER} 身份通过 REST API {verb}「{action['subject']}」", flush=True)
        if code != 0:
            print(text[-6000:], file=sys.stderr)
            raise DemoFailed(f"{ws.name} 的 {dag_id} 运行失败，完整日志：{log}")
        return action

    def daily(self, dag_id: str, ws: Path, conf: dict[str, Any] | None = None) -> None:
        self.n += 1
        print(f"[{ws.name}] airflow dags test {dag_id} {json.dumps(conf or {}, ensure_ascii=False)} …", flush=True)
        done = dags_test(dag_id, self.home, ws, conf)
        (self.root / f"airflow-{self.n:02d}-{ws.name}-{dag_id}.log").write_text(done.stdout + done.stderr,
                                                                                   encoding="utf-8")
        if done.returncode != 0:
            print((done.stdout + done.stderr)[-6000:], file=sys.stderr)
            raise DemoFailed(f"{ws.name} 的 {dag_id} 运行失败")


def reached_city(levels: Levels, cycle: str, period: str, county: str, when: datetime) -> None:
    """Date the county's newest report in the city's intake as the scenario has it arrive."""
    newest = sorted((levels.city / "intake" / cycle / period / county).glob("*上报.xlsx"))[-1]
    set_drop_time(newest, when)
    print(f"  （情景时间）{newest.name} 于 {when:%m-%d %H:%M} 送达市创建办", flush=True)


def run(levels: Levels, demo: Demo) -> None:
    city, a, b = levels.city, levels.county_a, levels.county_b
    print("\n一、市创建办下发报送模板（随之向各县下发任务清单、截止时间和报送要求）", flush=True)
    demo.daily("forms", city, {"as_of": "2026-07-01T08:00:00+08:00"})
    demo.daily("forms", city, {"as_of": "2026-10-01T08:00:00+08:00"})
    print("\n二、各县 2026 年 10 月：收集本县单位报送，签发本县月通报，随即向市报送", flush=True)
    demo.cycle("monthly_notice", a, MONTH)
    reached_city(levels, "monthly", MONTH, "XQ01", at(11, 3, 17, 30))
    demo.cycle("monthly_notice", b, MONTH)
    reached_city(levels, "monthly", MONTH, "XQ02", at(11, 4, 9))
    print("\n三、市创建办审核月通报草稿：退回石峡县的报送", flush=True)
    demo.cycle("monthly_notice", city, MONTH, RETURN, RETURN_COMMENT, {"return_units": "XQ02"})
    print("  退回的报送：石峡县创建办（XQ02）；退回回执已下发到石峡县 parent/receipts/", flush=True)
    print("\n四、石峡县民宗局更正报送，石峡县重新签发并向市重报", flush=True)
    corrected_t03(levels, at(11, 5, 16))
    demo.cycle("monthly_notice", b, MONTH)
    reached_city(levels, "monthly", MONTH, "XQ02", at(11, 6, 10))
    print("\n五、市创建办重新生成月通报并签发", flush=True)
    demo.cycle("monthly_notice", city, MONTH)
    print("\n六、2026 年三季度：市督查问题清单转办到县，各县报送整改情况，市创建办签发督查通报", flush=True)
    demo.daily("intake_receipts", city)
    demo.cycle("quarterly_inspection", a, QUARTER)
    reached_city(levels, "quarterly", QUARTER, "XQ01", at(10, 8, 9))
    demo.cycle("quarterly_inspection", b, QUARTER)
    reached_city(levels, "quarterly", QUARTER, "XQ02", at(10, 8, 11))
    demo.cycle("quarterly_inspection", city, QUARTER)


def differences(levels: Levels, expected: dict[str, Any]) -> list[str]:
    """Every figure of expected.yaml that the issued summaries do not show."""
    found = []
    roots = {"青禾市": levels.city, "河湾县": levels.county_a, "石峡县": levels.county_b}
    for cycle, periods in expected["summaries"].items():
        for period, by_level in periods.items():
            for level, keys in by_level.items():
                path = roots[level] / "outbox" / cycle / period / "summary.json"
                summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
                for key, want in keys.items():
                    if summary.get(key) != want:
                        found.append(f"{level} {cycle} {period} {key}：应为 {want}，实为 {summary.get(key)}")
    back = expected["returned"]
    receipts = sorted((roots[back["county"]] / "parent" / "receipts" / "monthly" / MONTH).glob("*.json"))
    texts = [p.read_text(encoding="utf-8") for p in receipts]
    if not any(back["comment"] in t for t in texts):
        found.append(f"{back['county']} 没有收到写明退回意见的退回回执（parent/receipts/monthly/{MONTH}/）")
    versions = roots[back["county"]] / "outbox" / "monthly" / MONTH / "versions" / "v1"
    if not versions.is_dir():
        found.append(f"{back['county']} 重新签发后应把第一次签发的月通报保存为 versions/v1")
    return found


def main(dest: str = "build/demo-levels") -> int:
    root = Path(dest).resolve()
    shutil.rmtree(root, ignore_errors=True)
    levels = build_levels(root / "workspaces")
    month_files(levels)
    quarter_files(levels)
    home = root / "airflow_home"
    print(f"市工作区：{levels.city}\n县工作区：{levels.county_a}、{levels.county_b}\nAirflow：{home}")
    print("启动 Airflow API 服务（用于审核草稿）…", flush=True)
    try:
        with api_server(home, levels.city) as api:
            run(levels, Demo(root, api, home))
    except DemoFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    expected = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
    found = differences(levels, expected)
    if found:
        print("运行完成，但结果与 examples/levels/expected.yaml 不符：", *found, sep="\n  ", file=sys.stderr)
        return 1
    print("\n两级 DAG 运行成功，结果与 expected.yaml 一致。")
    for name, ws in (("青禾市", levels.city), ("河湾县", levels.county_a), ("石峡县", levels.county_b)):
        notice = next((ws / "outbox" / "monthly" / MONTH).glob("*月通报*.docx"))
        print(f"  {name}：月通报 {notice}")
    print(f"  各县上报的文件：{levels.city}/intake/monthly/{MONTH}/XQ01、XQ02/")
    print(f"  市创建办的回执和退回回执在各县：<县工作区>/parent/receipts/monthly/{MONTH}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
