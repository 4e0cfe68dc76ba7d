"""The declared cycles: one package each (``monthly``, ``quarterly`` …), found here by discovery.

A new cycle is a new package in this folder whose ``__init__`` sets ``CYCLE`` to an instance of its
``docgen.cycle.Cycle`` subclass; nothing else in docgen needs to change (see the README, "Adding a cycle").
A cycle declared in a package of one's own is found the same way through the entry point group
``docgen.cycles`` (its value: the module setting ``CYCLE``), or the modules listed in ``DOCGEN_CYCLES``.
Importing a cycle package is light (no pandas, docx or matplotlib), since DAG files import them to parse.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
from importlib.metadata import entry_points

from ..config import Campaign
from ..cycle import Cycle
from ..errors import DocgenError, WorkspaceError

ENTRY_POINTS = "docgen.cycles"
MODULES_ENV = "DOCGEN_CYCLES"


@functools.cache
def declared() -> dict[str, Cycle]:
    """Every declared cycle by name, in the order of their ``order`` attribute."""
    found: dict[str, Cycle] = {}
    modules = [f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__)]
    modules += [point.value for point in entry_points(group=ENTRY_POINTS)]
    modules += [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
    for name in modules:
        module = importlib.import_module(name)
        cycle = getattr(module, "CYCLE", None)
        if isinstance(cycle, Cycle):
            found[cycle.name] = cycle
    return dict(sorted(found.items(), key=lambda kv: kv[1].order))


def get(name: str) -> Cycle:
    """The cycle declared as ``name``; a Chinese message naming the declared ones otherwise."""
    cycles = declared()
    if name not in cycles:
        raise DocgenError(f"没有名为“{name}”的周期；已有：{'、'.join(cycles)}")
    return cycles[name]


def check_campaign(campaign: Campaign) -> Campaign:
    """``campaign`` once every declared cycle has checked its own settings (its ``deadlines`` entry and
    section); a ``deadlines`` entry for no declared cycle is refused. WorkspaceError in Chinese."""
    cycles = declared()
    unknown = [name for name in campaign.deadlines if name not in cycles]
    if unknown:
        raise WorkspaceError(f"{campaign.source} 的 deadlines 中有未声明的周期：{'、'.join(map(str, unknown))}；"
                             f"已有：{'、'.join(cycles)}")
    for cycle in cycles.values():
        try:
            cycle.check_settings(campaign)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(f"{campaign.source} 中{cycle.label}周期的设置有误：{exc}") from exc
    return campaign
