"""Named points of a run where the crash tests kill the process (``DOCGEN_CRASH_AT=<name>``).

A run killed at any moment must lose nothing and the next run must complete it; these points let a
test kill a real ``docgen run`` at a chosen moment (like SQLite's fault injection), not only at random.
Unset, a checkpoint costs one dictionary lookup.

``DOCGEN_PAUSE_AT=<name>:<seconds>[,<name>:<seconds>…]`` is the sibling test hook: the process sleeps that
long the first time it reaches each point named, so a test can kill it from outside there (a Celery worker
with the task running on it).
"""

from __future__ import annotations

import os
import signal
import time

CRASH_ENV = "DOCGEN_CRASH_AT"
PAUSE_ENV = "DOCGEN_PAUSE_AT"
_paused: set[str] = set()  # points this process has paused at already


def checkpoint(name: str) -> None:
    """Kill this process with SIGKILL if the environment names this point; sleep if it says to pause here."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get(PAUSE_ENV)
    if pause and name not in _paused:
        for point, _, seconds in (p.rpartition(":") for p in pause.split(",")):
            if point == name:
                _paused.add(name)
                time.sleep(float(seconds))
