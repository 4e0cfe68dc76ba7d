"""Named points of a run where the crash tests kill the process (``DOCGEN_CRASH_AT=<name>``).

A run killed at any moment must lose nothing and the next run must complete it; these points let a
test kill a real ``docgen run`` at a chosen moment (like SQLite's fault injection), not only at random.
Unset, a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DOCGEN_CRASH_AT"


def checkpoint(name: str) -> None:
    """Kill this process with SIGKILL if the environment names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
