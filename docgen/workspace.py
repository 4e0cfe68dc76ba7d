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

The workspace may live in an object-storage bucket instead (``Workspace("s3://bucket/campaign")``, or
``storage: s3://…`` in a local campaign.yaml): docgen then works on a local face of it (``docgen.storage``).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import yaml

from .config import Campaign
from .cycles import check_campaign
from .errors import WorkspaceError
from .state import State
from .storage import PUSHED, Bucket, bucket_of, is_url

DB_URL_ENV = "DOCGEN_DB_URL"


PARENT_DIR = "parent"  # in a child level: what its parent sent down (docgen.levels)
PARENT_CALENDAR = Path(PARENT_DIR) / "calendar.yaml"  # the parent level's deadlines, sent down
CHILDREN_DIR = "children"  # in a parent level: what each child sent beside its reports (docgen.levels)


def with_parent_calendar(root: Path, campaign: Campaign) -> Campaign:
    """``campaign`` with the deadlines its parent level sent down for the cycles it does not set itself."""
    path = root / PARENT_CALENDAR
    if campaign.levels.parent is None or not path.is_file():
        return campaign
    try:
        sent = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return campaign
    deadlines = sent.get("deadlines") if isinstance(sent, dict) else None
    if not isinstance(deadlines, dict):
        return campaign
    return dataclasses.replace(campaign, deadlines={**deadlines, **campaign.deadlines})


class Workspace:
    """Paths and shared resources of one campaign folder."""

    def __init__(self, root: Path | str, *, db_url: str | None = None, other_level: bool = False) -> None:
        """``other_level``: opened by another level's process (docgen.levels), which writes into its folders
        and never its state; a bucket's local face is then not that process's own."""
        self.bucket: Bucket | None = None
        if is_url(root):  # the bucket holds everything; this machine works on its local face
            self.bucket = Bucket(str(root))
            self.root = self.bucket.local_face(other_level=other_level)
            self.bucket.pull_settings(self.root)
        else:
            self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise WorkspaceError(f"工作区目录不存在：{self.root}")
        self.campaign: Campaign = check_campaign(with_parent_calendar(self.root, Campaign.load(self.root / "campaign.yaml")))
        self.bucket = self.bucket or bucket_of(self.root, self.campaign.storage)
        # another level's state is its own: never this process's DOCGEN_DB_URL
        self._db_url = db_url or (None if other_level else os.environ.get(DB_URL_ENV)) or None

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

    def local(self, relative: str) -> Path:
        """A file of the workspace (an archived copy) on this machine, fetched from the bucket if need be."""
        return self.bucket.fetch(self.root, relative) if self.bucket else self.root / relative

    def local_folder(self, relative: Path | str) -> Path:
        """A folder of the workspace on this machine (a staging folder), brought down from the bucket when
        this machine has none (another machine wrote it)."""
        path = self.root / relative
        if not path.is_dir():
            self.pull(self.relative(path))
        return path

    def push(self, *relative: str) -> None:
        """Copy what docgen wrote (default: receipts, outbox, forms, archive) up to the bucket; nothing on a
        local disk."""
        if self.bucket:
            self.bucket.push(self.root, relative or PUSHED)

    def pull(self, relative: str, *, exact: bool = False) -> None:
        """Bring down a folder another machine wrote to the bucket (a staging folder, a draft, the outbox);
        nothing on a local disk. ``exact``: the local copy's files the bucket no longer has go too."""
        if self.bucket:
            self.bucket.pull(self.root, relative, exact=exact)

    def forget(self, relative: str) -> None:
        """Remove a folder docgen wrote to the bucket and no longer needs (a spent staging folder)."""
        if self.bucket:
            self.bucket.remove_tree(relative)

    def relative(self, path: Path | str) -> str:
        """A path inside the workspace as the other machines name it (relative to the root)."""
        return (self.root / path).relative_to(self.root).as_posix()

    @property
    def db_url(self) -> str:
        if self._db_url:
            return self._db_url
        (self.root / ".docgen").mkdir(exist_ok=True)
        return f"sqlite:///{self.root / '.docgen' / 'state.sqlite'}"

    def state_is_local(self) -> bool:
        """Whether the state database is the workspace's own SQLite file and exists (nothing is created)."""
        return self._db_url is None and (self.root / ".docgen" / "state.sqlite").is_file()

    @functools.cached_property
    def state(self) -> State:
        return State(self.db_url)
