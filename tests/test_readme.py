"""The README's developer part names what the code has: every data contract and every DAG (the issue that
added this found it listing 4 of 9 contracts and "both DAGs" of six)."""

from __future__ import annotations

import re
from pathlib import Path

from docgen.resources import contracts_dir

ROOT = Path(__file__).resolve().parents[1]


def section(title: str) -> str:
    """The text of a README section, from its heading to the next heading of any level."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n")
    following = re.search(r"\n#{1,3} ", text[start + len(title) + 2 :])
    return text[start : start + len(title) + 2 + following.start()] if following else text[start:]


def test_every_data_contract_is_in_the_readme() -> None:
    listed = re.findall(r"^\| `(\w+)` \|", section("### Data contracts"), re.MULTILINE)
    assert sorted(listed) == sorted(p.stem for p in contracts_dir().glob("*.yaml"))


def test_every_dag_is_in_the_readme() -> None:
    tests = section("### Tests")
    dags = sorted(p.stem for p in (ROOT / "dags").glob("*.py"))
    assert dags and [d for d in dags if f"`{d}`" not in tests] == []
