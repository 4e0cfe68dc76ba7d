"""A campaign's workspace: one folder holding its settings, registry, intake, receipts and outbox.

```
campaign.yaml
registry/                     成员单位名册, 任务清单, 测评体系 (.xlsx or .csv)
intake/<cycle>/<period>/<unit_code>/    where units drop files (never modified by docgen)
receipts/<cycle>/<period>/<unit_code>/  回执 (.docx, .json) and annotated copies
outbox/<cycle>/<period>/                the documents issued; earlier versions under versions/
archive/                      every dropped file, by SHA-256
.docgen/state.sqlite          the state database (unless DOCGEN_DB_URL says otherwise)
```
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .config import Campaign
from .cycles import check_campaign
from .errors import WorkspaceError
from .state import State

DB_URL_ENV = "DOCGEN_DB_URL"


class Workspace:
    """Paths and shared resources of one campaign folder."""

    def __init__(self, root: Path | str, *, db_url: str | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise WorkspaceError(f"工作区目录不存在：{self.root}")
        self.campaign: Campaign = check_campaign(Campaign.load(self.root / "campaign.yaml"))
        self._db_url = db_url or os.environ.get(DB_URL_ENV) or None

    @property
    def registry_dir(self) -> Path:
        return self.root / "registry"

    @property
    def intake_root(self) -> Path:
        return self.root / "intake"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def templates_dir(self) -> Path:
        """Templates a secretariat edited for this campaign override the shipped ones."""
        return self.root / "templates"

    def intake_dir(self, cycle: str, period: str) -> Path:
        return self.intake_root / cycle / period

    def receipts_dir(self, cycle: str, period: str, unit: str) -> Path:
        return self.root / "receipts" / cycle / period / unit

    def outbox_dir(self, cycle: str, period: str) -> Path:
        return self.root / "outbox" / cycle / period

    def staging_dir(self, *parts: str) -> Path:
        """Where a run writes before it publishes (``.docgen/staging/…``): inside the workspace, so moving
        a finished folder into the outbox is one rename on the same disk."""
        return self.root / ".docgen" / "staging" / Path(*parts)

    @property
    def db_url(self) -> str:
        if self._db_url:
            return self._db_url
        (self.root / ".docgen").mkdir(exist_ok=True)
        return f"sqlite:///{self.root / '.docgen' / 'state.sqlite'}"

    @functools.cached_property
    def state(self) -> State:
        return State(self.db_url)
