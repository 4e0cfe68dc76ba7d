"""Test data builders: registry, campaign settings, each cycle's submission files and whole workspaces.

Tests, the committed demo (``examples/demo/generate.py``) and the benchmark (``bench/``) all need
spreadsheets that look like the ones units really drop: title rows, 填表说明 rows, trailing blank rows,
note columns, GB18030 CSVs. Keeping the writers in one place means every consumer exercises the same
messiness. They live with the tests, not in the library (the wheel carries none of them); the demo and
the benchmark import them from a clone, with the repository's root on ``sys.path``. The headers of the
tables they write are the data contracts' (``tables.contract_headers``), so a contract change cannot
leave a builder stale. Everything here is deterministic: randomness always comes from a
``random.Random`` seeded by the caller's ``seed``.

- ``tables``: one table as .xlsx or .csv, and cells typed the way people type them;
- ``registry``: ``registry/`` (名册, 任务清单, 测评体系) and ``campaign.yaml``;
- ``monthly``, ``quarterly``, ``annual``: each cycle's submission rows, headers and 填表说明;
- ``workspaces``: the demo's folder and the benchmark's synthetic campaign.
"""

from __future__ import annotations

from datetime import timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time as a fixed offset: drop times never depend on the machine's tz database."""
