"""The ``docgen`` command: validate a file, run a cycle, or see who has reported.

Exit codes: 0 success (for ``validate``: accepted), 1 rejected, 2 unusable arguments or workspace.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import cycles
from .errors import DocgenError
from .storage import is_url


def workspace_arg(text: str) -> Path | str:
    """``--root``: a folder, or a bucket's URL kept as written (a Path would fold its ``//``)."""
    return text if is_url(text) else Path(text)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
ROOT_HELP = "工作区目录，或对象存储地址（s3://连接名@桶名/前缀）"

def description() -> str:
    """The command's help, with one ``run`` line per declared cycle."""
    runs = "".join(
        f"  docgen run {name} --root 工作区 --period {c.period_example}\n"
        f"      运行{c.label}周期：接收文件、写回执、统计，生成{c.document_title}等公文和 summary.json。\n"
        for name, c in cycles.declared().items()
    )
    first = next(iter(cycles.declared().values()))
    return (
        "docgen：创建工作材料的接收、校验与公文生成。\n\n"
        f"  docgen validate FILE --root 工作区 --contract {first.kinds[0].name} --unit 单位代码 "
        f"--period {first.period_example}\n"
        "      按数据契约校验一个文件，列出全部问题（行号、列名、填写的值、说明）。\n"
        f"{runs}"
        f"  docgen status --root 工作区 --cycle {first.name} --period {first.period_example}\n"
        "      列出每个应报单位的报送状态。\n"
        f"  docgen return --root 工作区 --cycle {first.name} --period {first.period_example} --unit 单位代码 "
        "--comment 退回意见 [--by 审核人]\n"
        "      审核退回一个单位已接收的报送：写退回回执，重新报送前按“已退回”统计。\n"
        "  docgen ledger --root 工作区 [--unit 单位代码] [--open] [--item 问题编号]\n"
        "      查看台账：全部事项、某单位的事项、未销号的事项，或一个事项的全部变更记录。\n"
        f"  docgen forms --root 工作区 --cycle {first.name} --period {first.period_example} [--unit 单位代码]\n"
        "      为每个应报单位和报送角色生成预填的空白报送表，写入 forms/<周期>/<期次>/。\n"
        "  docgen doctor\n"
        "      检查本机生成 PDF 的条件：LibreOffice，以及每种公文字体将以哪种字体排印。\n"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docgen", description=description(), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="显示详细日志")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="按数据契约校验一个文件（不写入工作区）",
                       description="按数据契约校验一个文件，打印全部问题。退出码：0 通过，1 退回，2 参数或工作区不可用。")
    v.add_argument("file", type=Path, help="要校验的 .xlsx 或 .csv 文件")
    v.add_argument("--root", type=workspace_arg, required=True, help="工作区目录（含 campaign.yaml 和 registry/）")
    v.add_argument("--contract", required=True, help="数据契约名称，如 "
                   + "、".join(k.name for c in cycles.declared().values() for k in c.kinds) + "（见 data_contracts/）")
    v.add_argument("--unit", help="报送单位代码：检查表中单位代码与任务是否属于该单位")
    v.add_argument("--period", help="期次，如 2026-10（用于显示）")
    v.add_argument("--json", action="store_true", help="以 JSON 输出问题清单")

    r = sub.add_parser("run", help="运行一个周期", description="运行一个周期的全部步骤：接收 → 校验与回执 → 统计 → 生成 → 发布。")
    r.add_argument("cycle", choices=list(cycles.declared()), help="周期：" + _cycle_help())
    r.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    r.add_argument("--period", required=True, help="期次，如 2026-10")
    r.add_argument("--draft", action="store_true",
                   help="只生成草稿（outbox/<周期>/<期次>/drafts/<n>/）待审核，不发布；审核后用 docgen publish 发布")

    p = sub.add_parser("publish", help="签发最新的草稿", description="把本期最新一份待审核的草稿发布到 outbox（签发）。")
    p.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    p.add_argument("--cycle", choices=list(cycles.declared()), required=True, help="周期：" + _cycle_help())
    p.add_argument("--period", required=True, help="期次，如 2026-10")
    p.add_argument("--by", help="签发人（默认为当前系统用户）")
    p.add_argument("--comment", default="", help="审核意见")

    t = sub.add_parser("return", help="审核退回某单位已接收的报送",
                       description="把一个单位本期最新的已接收报送退回（审核退回）：写退回回执，该单位在重新报送前"
                       "按“已退回”统计；原文件和原回执保留。退出码：0 已退回，2 无可退回或参数不可用。")
    t.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    t.add_argument("--cycle", choices=list(cycles.declared()), required=True, help="周期：" + _cycle_help())
    t.add_argument("--period", required=True, help="期次，如 2026-10")
    t.add_argument("--unit", required=True, help="单位代码")
    t.add_argument("--comment", required=True, help="退回意见：需要修改的地方（写入退回回执）")
    t.add_argument("--by", help="审核人（默认为当前系统用户）")

    s = sub.add_parser("status", help="查看各单位的报送状态", description="列出每个应报单位的报送状态（不生成公文）。")
    s.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    s.add_argument("--cycle", choices=list(cycles.declared()), default=next(iter(cycles.declared())),
                   help="周期（默认 %(default)s）：" + _cycle_help())
    s.add_argument("--period", required=True, help="期次，如 2026-10")
    s.add_argument("--refresh", action="store_true", help="先接收并校验新放入的文件")

    ledgers = [name for name, c in cycles.declared().items() if c.keeps_ledger]
    g = sub.add_parser("ledger", help="查看整改台账", description="列出台账中的问题及其当前状态，或一个问题的全部变更记录。")
    g.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    g.add_argument("--cycle", choices=ledgers, default=ledgers[0] if ledgers else None, help="周期（默认 %(default)s）")
    g.add_argument("--unit", help="只列出该单位的问题")
    g.add_argument("--open", action="store_true", help="只列出未销号的问题")
    g.add_argument("--item", help="列出该问题的全部变更记录")

    f = sub.add_parser("forms", help="生成预填的空白报送表",
                       description="为一个期次的每个应报单位和报送角色生成预填的空白报送表（.xlsx），"
                       "写入 forms/<周期>/<期次>/；每次运行重新生成。")
    f.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    f.add_argument("--cycle", choices=list(cycles.declared()), required=True, help="周期：" + _cycle_help())
    f.add_argument("--period", required=True, help="期次，如 2026-10")
    f.add_argument("--unit", help="只生成该单位的报送表")

    m = sub.add_parser("remind", help="生成催报通知", description="列出截止前尚未报送或被退回未重报的单位，"
                       "生成催报通知（.docx）和 reminder.json，写入 outbox/<周期>/<期次>/催报/<日期>/。")
    m.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    m.add_argument("--cycle", choices=list(cycles.declared()), required=True, help="周期：" + _cycle_help())
    m.add_argument("--period", required=True, help="期次，如 2026-11")

    d = sub.add_parser("deliver", help="发送待发的消息", description="把待发送和到了重试时间的消息（回执、催报、"
                       "审核提醒、公文）按 campaign.yaml 的 delivery 发出（邮件、企业微信、钉钉），并列出未送达的消息和原因。")
    d.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)
    d.add_argument("--retry-failed", action="store_true",
                   help="已放弃的消息（发送失败）也重新发送：如改正了连接的密钥或名册中的邮箱之后")

    lv = sub.add_parser("levels", help="与上级、下级工作区同步",
                        description="按 campaign.yaml 的 levels：向各下级（县区）下发任务清单、截止时间、报送模板和回执，"
                        "把本级已签发而尚未报送的报告报送上级；列出写入的文件数和无法连接的一方（下次同步时补做）。"
                        "接收文件时（回执 DAG 每 10 分钟）和签发、生成报送模板后会自动同步。")
    lv.add_argument("--root", type=workspace_arg, required=True, help=ROOT_HELP)

    sub.add_parser("doctor", help="检查生成 PDF 的条件与字体",
                   description="说明本机能否生成 PDF，以及仿宋_GB2312、方正小标宋简体、黑体、楷体_GB2312、宋体"
                   "各将以哪种字体排印（已安装的公文字体优先，否则用免费的简体中文替代字体）。"
                   "退出码：0 可以生成、且每种公文字体都有字体排印，1 缺少某项。")
    return parser


def _cycle_help() -> str:
    return "、".join(f"{name}（{c.label}）" for name, c in cycles.declared().items())


def main(argv: Sequence[str] | None = None) -> int:
    started = datetime.now(UTC)  # before the heavy imports: when the secretariat asked for the run
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s")
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "run":
            return _run(args, started)
        if args.command == "ledger":
            return _ledger(args)
        if args.command == "forms":
            return _forms(args)
        if args.command == "remind":
            return _remind(args)
        if args.command == "publish":
            return _publish(args)
        if args.command == "return":
            return _return(args)
        if args.command == "doctor":
            return _doctor()
        if args.command == "deliver":
            return _deliver(args)
        if args.command == "levels":
            return _levels(args)
        return _status(args)
    except DocgenError as exc:
        _console(stderr=True).print(f"[red]错误：[/red]{exc}", highlight=False)
        return EXIT_USAGE
    except ValueError as exc:  # e.g. a period that does not parse
        _console(stderr=True).print(f"[red]参数错误：[/red]{exc}", highlight=False)
        return EXIT_USAGE
    finally:
        sys.unraisablehook = previous_hook


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An object that fails to clean up after an error already reported (a half-written document's zip
    on a full disk, closed when collected) is a line in the verbose log, not a traceback on stderr."""
    logging.getLogger("docgen").info("清理时出错（已忽略）：%r %s", unraisable.object, unraisable.exc_value)


def _console(stderr: bool = False):
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _validate(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    import pendulum  # noqa: PLC0415

    from .contracts import ValidationContext, load_contract  # noqa: PLC0415
    from .registry import load_registry, registers_of  # noqa: PLC0415
    from .validation import validate_file  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    ws = Workspace(args.root)
    if not args.file.is_file():
        raise DocgenError(f"找不到文件：{args.file}")
    owner = next((c for c in cycles.declared().values() if any(k.name == args.contract for k in c.kinds)), None)
    period = owner.parse_period(args.period, ws.campaign) if owner is not None and args.period else None
    registry = load_registry(ws.registry_dir)
    if args.unit and args.unit not in registry.units:
        raise DocgenError(f"单位代码“{args.unit}”不在成员单位名册中")
    contract = load_contract(args.contract)
    context = ValidationContext(unit=args.unit, tasks=registry.tasks, unit_codes=registry.units.keys(),
                                indicators=registry.indicators,
                                registers=registers_of(ws.registry_dir, owner) if owner is not None else None,
                                period=period, received_on=pendulum.now(ws.campaign.timezone).date())
    result = validate_file(args.file, contract, context, ws.campaign.intake)
    if args.json:
        print(json.dumps({"file": args.file.name, "accepted": result.accepted, "rows": len(result.rows),
                          "errors": [p.to_dict() for p in result.problems]}, ensure_ascii=False, indent=2))
        return EXIT_OK if result.accepted else EXIT_REJECTED
    out = _console()
    if result.accepted:
        out.print(f"[green]通过[/green]：{args.file.name}（{contract.title}，{len(result.rows)} 行）")
        return EXIT_OK
    out.print(f"[red]退回[/red]：{args.file.name}（{contract.title}）共 {len(result.problems)} 处问题：")
    for p in result.problems:
        out.print(f"  {args.file.name} {p.describe()}")
    return EXIT_REJECTED


def _doctor() -> int:
    """What the PDF step will use on this machine: LibreOffice and its UNO Python, and each official font's face."""
    from .render.faces import face_plan  # noqa: PLC0415
    from .render.pdf import NO_UNO, NOT_INSTALLED, find_soffice, find_uno_python  # noqa: PLC0415

    out = _console()
    soffice = find_soffice()
    python = find_uno_python(soffice) if soffice is not None else None
    if soffice is None:
        out.print(f"[red]PDF[/red]：{NOT_INSTALLED}")
    elif python is None:
        out.print(f"[red]PDF[/red]：{NO_UNO}")
    else:
        out.print(f"[green]PDF[/green]：LibreOffice {soffice}，接口 Python {python}")
    out.print("公文字体（PDF 中的排印字体）：")
    plan = face_plan()
    for choice in plan:
        colour = "green" if choice.installed or choice.face is not None else "red"
        out.print(f"  [{colour}]{choice.describe()}[/{colour}]")
    ready = python is not None and all(c.installed or c.face is not None for c in plan)
    return EXIT_OK if ready else EXIT_REJECTED


def _run(args: argparse.Namespace, started: datetime) -> int:
    from rich.progress import Progress  # noqa: PLC0415

    from .pipeline import NOTES, run_cycle  # noqa: PLC0415

    out = _console()
    with Progress(console=_console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done)

        run = run_cycle(args.root, args.cycle, args.period, progress=progress, started_at=started, draft=args.draft)
    for line in cycles.get(args.cycle).headline(run.report):
        out.print(line)
    if run.draft is not None:
        out.print(f"  [yellow]草稿[/yellow] 第 {run.draft.seq} 稿待审核，未发布：{run.draft.folder}")
        out.print(f"  审核后签发：docgen publish --root {args.root} --cycle {args.cycle} --period {args.period}")
    out.print(f"  本次新收文件 {run.intake['new']} 个，接收 {len(run.receipts['accepted'])}，退回 "
              f"{len(run.receipts['rejected'])}")
    for p in run.intake["pending"]:
        out.print(f"  [yellow]暂缓[/yellow] {p['path']}：{p['reason']}")
    for r in run.receipts["rejected"]:
        out.print(f"  [red]退回[/red] {r['unit']}/{r['file']}：{r['problem_count']} 处问题，如 {r['problems'][0]}")
    for path in run.outputs:
        out.print(f"  输出：{path}")
        if path.name == NOTES:
            for line in path.read_text(encoding="utf-8").splitlines():
                out.print(f"  [yellow]说明[/yellow] {line}")
    out.print("  用时：" + "，".join(f"{k} {v:.2f}s" for k, v in run.timings.items()))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from .approval import status_lines  # noqa: PLC0415
    from .delivery import status_lines as delivery_lines  # noqa: PLC0415
    from .pipeline import compute, intake_step, receipts_step  # noqa: PLC0415

    if args.refresh:
        intake_step(args.root, args.cycle, args.period)
        receipts_step(args.root, args.cycle, args.period)
    report = compute(args.root, args.cycle, args.period, number=False)
    table = Table(title=f"{report.period_label} 报送状态（截止 {report.deadline:%Y-%m-%d %H:%M}）")
    for header in ("单位代码", "单位名称", "单位类别", "状态", "接收时间", "文件"):
        table.add_column(header)
    for u in report.units:
        when = u.received_at.astimezone(report.deadline.tzinfo).strftime("%m-%d %H:%M") if u.received_at else ""
        colour = {"on_time": "green", "late": "yellow", "rejected": "red", "missing": "red"}[u.state]
        table.add_row(u.code, u.name, u.category, f"[{colour}]{u.state_label}[/{colour}]", when, u.file or "")
    out = _console()
    out.print(table)
    for u in report.units:
        if u.returned:
            out.print(f"  [red]审核退回[/red] {escape(u.code)} {escape(u.name)}《{escape(u.file or '')}》："
                      f"{escape(u.returned)}（重新报送前按“已退回”统计）")
    drafts = status_lines(args.root, args.cycle, args.period)
    if drafts:
        out.print("草稿与审核：")
        for line in drafts:
            out.print(f"  {line}")
    for line in delivery_lines(args.root, args.cycle, args.period):
        out.print(line, highlight=False)
    _levels_status(args, out)
    return EXIT_OK


def _levels(args: argparse.Namespace) -> int:
    from .levels import sync  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    ws = Workspace(args.root)
    if not ws.campaign.levels.any:
        _console().print("campaign.yaml 未设置 levels（上级或下级），无需同步")
        return 0
    result = sync(args.root)
    out = _console()
    for code, n in result.written.items():
        out.print(f"{code}：写入 {n} 个文件" if n else f"{code}：已是最新")
    for code, why in result.unreachable.items():
        out.print(f"[yellow]{code}：{why}（下次同步时补做）[/yellow]")
    return 1 if result.unreachable else 0


def _levels_status(args: argparse.Namespace, out: Any) -> None:
    """For a campaign in levels: its reports to the level above as answered there (levels.parent), and each
    child's own figures (levels.children), as the board shows them."""
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from .board import board, children_section, parent_section  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    ws = Workspace(args.root)
    sections = [parent_section(ws, args.cycle, args.period)] if ws.campaign.levels.parent else []
    if ws.campaign.levels.children:  # the children's boards (this level's own only for what each reported)
        sections.append(children_section(board(args.root, args.cycle, args.period).children))
    for section in sections:
        table = Table(title=section.title, caption=section.note)
        for header in section.headers:
            table.add_column(header)
        for row in section.rows:
            table.add_row(*(escape(cell) for cell in row))
        out.print(table if section.rows else f"{section.title}：{section.empty}")


def _deliver(args: argparse.Namespace) -> int:
    from .delivery import deliver, delivery_settings  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    ws = Workspace(args.root)
    if delivery_settings(ws.campaign) is None:
        raise DocgenError(f"{ws.campaign.source} 没有 delivery 一节：未配置送达，没有消息可发")
    again = ws.state.retry_failed() if args.retry_failed else 0
    result = deliver(args.root)
    out = _console()
    if again:
        out.print(f"已把 {again} 条发送失败的消息重新排队")
    out.print(_delivered(result), highlight=False)
    for reason in result.reasons:
        out.print(f"  ✗ {reason}", highlight=False)
    return EXIT_OK if not result.failed else EXIT_REJECTED


def _delivered(result: Any) -> str:
    return (f"送达：已发送 {result.sent} 条，待重试 {result.retry} 条，发送失败 {result.failed} 条"
            + (f"，因限流顺延 {result.deferred} 条" if result.deferred else ""))


def _publish(args: argparse.Namespace) -> int:
    import getpass  # noqa: PLC0415

    from .approval import decide, latest_pending  # noqa: PLC0415

    draft = latest_pending(args.root, args.cycle, args.period)
    if draft is None:
        raise DocgenError(f"{args.cycle} {args.period} 没有待审核的草稿：请先运行 docgen run --draft")
    decision = decide(args.root, args.cycle, args.period, draft.seq, approve=True, by=args.by or getpass.getuser(),
                      comment=args.comment, trigger="cli")
    out = _console()
    out.print(f"已签发第 {draft.seq} 稿（{draft.doc_number or '无字号'}），签发人 {decision.by}")
    for path in decision.outputs:
        out.print(f"  输出：{path}")
    _deliver_after(args.root, out)
    return EXIT_OK


def _return(args: argparse.Namespace) -> int:
    import getpass  # noqa: PLC0415

    from .returning import return_submission  # noqa: PLC0415

    returned = return_submission(args.root, args.cycle, args.period, args.unit, comment=args.comment,
                                 by=args.by or getpass.getuser())
    out = _console()
    out.print(f"已退回 {returned.describe()}，审核人 {returned.by}", highlight=False)
    for path in returned.receipt_paths:
        out.print(f"  退回回执：{path}", highlight=False)
    out.print("  该单位重新报送前按“已退回”统计；重新运行本期即更新公文", highlight=False)
    _deliver_after(args.root, out)
    return EXIT_OK


def _deliver_after(root: Path, out: Any) -> None:
    """Send what a command queued, where delivery is set up; say so in one line."""
    from .delivery import deliver_quietly, delivery_settings  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    if delivery_settings(Workspace(root).campaign) is not None:
        out.print(_delivered(deliver_quietly(root)), highlight=False)


def _remind(args: argparse.Namespace) -> int:
    from .reminders import remind  # noqa: PLC0415

    result = remind(args.root, args.cycle, args.period)
    out = _console()
    out.print(result.message)
    for path in result.paths:
        out.print(f"  输出：{path}")
    _deliver_after(args.root, out)
    return EXIT_OK


def _ledger(args: argparse.Namespace) -> int:
    from rich.table import Table  # noqa: PLC0415

    from .pipeline import ledger_view  # noqa: PLC0415

    if not args.cycle:
        raise DocgenError("没有记台账的周期")
    view = ledger_view(args.root, args.cycle, unit=args.unit, open_only=args.open, item=args.item)
    table = Table(title=view.title)
    for header in view.headers:
        table.add_column(header)
    for row in view.rows:
        table.add_row(*row)
    _console().print(table)
    return EXIT_OK


def _forms(args: argparse.Namespace) -> int:
    from .issue_forms import issue_forms  # noqa: PLC0415
    from .levels import sync_quietly  # noqa: PLC0415

    written = issue_forms(args.root, args.cycle, args.period, unit=args.unit)
    sync_quietly(args.root)  # a city's forms go down to its counties at once (nothing without levels)
    out = _console()
    if not written:
        who = f"单位 {args.unit} " if args.unit else ""
        out.print(f"{who}本期没有需要报送的表，未生成报送表")
        return EXIT_OK
    out.print(f"已生成 {len(written)} 份报送表（空白模板，每次运行重新生成）：")
    for path in written:
        out.print(f"  {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
