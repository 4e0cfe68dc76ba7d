"""The campaign's settings, read from ``campaign.yaml`` at the root of a workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .errors import WorkspaceError


@dataclass(frozen=True)
class IntakeLimits:
    """Bounds on what intake reads: a unit's file never costs more than this."""

    max_file_mb: float = 10.0
    max_unpacked_mb: float = 100.0  # total uncompressed size of an .xlsx (zip bomb guard)
    max_rows: int = 5000
    max_columns: int = 200  # content beyond this column is refused before the sheet is parsed
    max_cell_chars: int = 32767  # Excel's own limit for one cell
    settle_seconds: float = 60.0  # a file must be unchanged this long before it is read
    max_seconds_per_file: float = 60.0  # a reader that runs longer is stopped; the file is refused
    max_memory_mb: float = 1536.0  # memory a worker may add while reading one file


@dataclass(frozen=True)
class Parent:
    """The level above (a city's campaign): where its workspace is and this workspace's unit code there."""

    root: str  # a folder (relative to this workspace's root, or absolute) or a bucket's URL
    unit: str  # this campaign's 单位代码 in the parent's 成员单位名册


@dataclass(frozen=True)
class Levels:
    """``levels:`` of campaign.yaml: the campaign's place in a campaign of levels (city → counties).
    Empty: a campaign standing alone."""

    parent: Parent | None = None
    children: dict[str, str] = field(default_factory=dict)  # 单位代码 in this registry → the child's root
    drill: bool = False  # the documents name the children's lagging units (two levels down)
    documents: bool = False  # children send their issued documents up beside their report

    @property
    def any(self) -> bool:
        return self.parent is not None or bool(self.children)


@dataclass(frozen=True)
class Campaign:
    """Everything ``campaign.yaml`` says. Only ``name``, ``secretariat`` and ``doc_number_prefix`` are required."""

    name: str
    secretariat: str
    doc_number_prefix: str
    timezone: str = "Asia/Shanghai"
    deadlines: dict[str, Any] = field(default_factory=dict)  # by cycle, as written; each cycle's calendar reads its own
    intake: IntakeLimits = field(default_factory=IntakeLimits)
    submission_channel: str = ""  # how units send files, in their words; receipts and reminders tell it
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of every 公文's 版记 (none: no 抄送 line)
    printed_by: str = ""  # 印发机关 of the 版记; empty: the secretariat
    approval: str = "required"  # in Airflow, every draft waits for the secretariat's review (审核); "off": none
    approval_timeout_hours: float = 72.0  # a draft nobody reviewed in this time is returned, not issued
    storage: str = ""  # a bucket's URL (s3://conn@bucket/prefix) holding intake, receipts, outbox and archive
    levels: Levels = field(default_factory=Levels)  # the level above and the levels below (docgen.levels)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # other sections (a cycle's, reminders), as written
    source: str = field(default="campaign.yaml", compare=False)  # where it was read from, for messages

    def section(self, name: str) -> dict[str, Any]:
        """One section of campaign.yaml (a cycle's settings, ``reminders``) as written; {} when absent."""
        return self.settings.get(name) or {}

    @property
    def printer(self) -> str:
        """The 印发机关 the 版记 names: ``printed_by``, else the secretariat."""
        return self.printed_by or self.secretariat

    @classmethod
    def load(cls, path: Path) -> Campaign:
        """Read ``campaign.yaml``; raise WorkspaceError in Chinese when it is missing or malformed."""
        if not path.is_file():
            raise WorkspaceError(f"找不到活动配置文件 {path}：工作区根目录下应有 campaign.yaml")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"活动配置文件 {path} 无法解析：{exc}") from exc
        if not isinstance(raw, dict):
            raise WorkspaceError(f"活动配置文件 {path} 应为键值对（YAML 映射）")
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "campaign.yaml") -> Campaign:
        missing = [k for k in ("name", "secretariat", "doc_number_prefix") if not raw.get(k)]
        if missing:
            raise WorkspaceError(f"{source} 缺少必填项：{'、'.join(missing)}")
        deadlines = raw.get("deadlines") or {}
        if not isinstance(deadlines, dict):
            raise WorkspaceError(f"{source} 的 deadlines 应按周期分别写明，如 deadlines: {{<周期>: {{day: 5, time: \"17:00\"}}}}")
        intake = IntakeLimits(**(raw.get("intake") or {}))
        approval = str(raw.get("approval", "required")).strip().lower()
        if raw.get("approval") is False:  # YAML reads a bare `off` as false
            approval = "off"
        if approval not in ("required", "off"):
            raise WorkspaceError(f"{source} 的 approval 应为 required（发布前须审核）或 off（不审核）")
        try:
            timeout = float(raw.get("approval_timeout_hours", 72))
        except (TypeError, ValueError):
            timeout = -1.0
        if timeout <= 0:
            raise WorkspaceError(f"{source} 的 approval_timeout_hours 应为正数（小时），如 72")
        cc = _names(raw.get("cc"), f"{source} 的 cc（抄送机关）应为机关名称的列表，如 [市委办公室, 市政府办公室]")
        printed_by = raw.get("printed_by") or ""
        if not isinstance(printed_by, str) or "\n" in printed_by:
            raise WorkspaceError(f"{source} 的 printed_by（印发机关）应为一个机关名称，如 {raw['secretariat']}")
        storage = raw.get("storage") or ""
        if not isinstance(storage, str) or (storage and "://" not in storage):
            raise WorkspaceError(f"{source} 的 storage 应为对象存储地址，如 s3://桶名/前缀（或 s3://连接名@桶名/前缀）")
        return cls(
            name=str(raw["name"]),
            secretariat=str(raw["secretariat"]),
            doc_number_prefix=str(raw["doc_number_prefix"]),
            timezone=str(raw.get("timezone", "Asia/Shanghai")),
            deadlines=deadlines,
            intake=intake,
            submission_channel=str(raw.get("submission_channel") or "").strip(),
            recipients=str(raw.get("recipients", "各成员单位")),
            cc=cc,
            printed_by=printed_by.strip(),
            approval=approval,
            approval_timeout_hours=timeout,
            storage=storage.strip(),
            levels=_levels(raw.get("levels"), source),
            settings={k: v for k, v in raw.items()
                      if isinstance(v, dict) and k not in ("deadlines", "intake", "levels")},
            source=source,
        )


def _levels(raw: Any, source: str) -> Levels:
    """``levels:`` checked: a parent with its root and this campaign's unit code there, children by unit code."""
    if raw in (None, {}):
        return Levels()
    example = ("如 levels: {parent: {root: ../市创建办, unit: XQ01}} 或 "
               "levels: {children: {XQ01: ../甲县, XQ02: s3://桶名/乙县}}")
    if not isinstance(raw, dict) or set(raw) - {"parent", "children", "drill", "documents"}:
        raise WorkspaceError(f"{source} 的 levels 应写明上级（parent）和/或下级（children），{example}")
    parent = raw.get("parent")
    if parent is not None:
        if (not isinstance(parent, dict) or not isinstance(parent.get("root"), str) or not parent["root"].strip()
                or not isinstance(parent.get("unit"), str | int) or not str(parent["unit"]).strip()):
            raise WorkspaceError(f"{source} 的 levels.parent 应写明上级工作区（root）和本级在上级名册中的单位代码"
                                 f"（unit），{example}")
        parent = Parent(root=parent["root"].strip(), unit=str(parent["unit"]).strip())
    children = raw.get("children") or {}
    if not isinstance(children, dict) or not all(isinstance(v, str) and v.strip() for v in children.values()):
        raise WorkspaceError(f"{source} 的 levels.children 应按下级在本级名册中的单位代码写明其工作区，{example}")
    flags = {k: raw.get(k, False) for k in ("drill", "documents")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise WorkspaceError(f"{source} 的 levels.{key} 应为 true 或 false")
    return Levels(parent=parent, children={str(k).strip(): v.strip() for k, v in children.items()}, **flags)


NO_SETTINGS = Campaign(name="", secretariat="", doc_number_prefix="")  # every default: where no workspace is read


def _names(value: Any, message: str) -> tuple[str, ...]:
    """A list of authority names (``[市委办公室, 市政府办公室]``); None or [] is none; anything else refused."""
    if value in (None, "", []):
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in value):
        raise WorkspaceError(message)
    return tuple(dict.fromkeys(v.strip() for v in value))


def as_date(value: Any) -> date:
    """A day of campaign.yaml as YAML gives it (a date, a date and time, or text like 2026-11-02);
    ValueError for anything else: the caller says, in Chinese, which key it was."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())
