"""No import circle in docgen: every module's imports of docgen modules, at the top or inside a function, form
no cycle. A circle hides which layer is lower and works only by the order of imports (or an import moved
into a function), so the next change breaks it.

Imports under ``if TYPE_CHECKING:`` are not counted (they never run); modules imported by name at run time
(``importlib.import_module``, as ``docgen.cycles`` finds its cycle packages) are not imports of the source.
``from pkg import name`` is an import of the submodule ``pkg.name`` when there is one, else of ``pkg``'s
``__init__``: a module that reaches a sibling through its package is no circle unless the sibling leads back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import docgen

Edge = tuple[str, str, int]  # (importing module, imported module, line)


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root`` by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at the top, in functions and classes, not under TYPE_CHECKING."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_edges(root: Path, package: str) -> list[Edge]:
    """(importer, imported, line) for every import of one of the package's modules by another."""
    modules = module_names(root, package)
    edges = []
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]  # what ``.`` means in it
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [_known(a.name, modules) for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else _known(base, modules)
                           for a in node.names]
            edges += [(name, t, node.lineno) for t in dict.fromkeys(targets) if t and t != name]
    return edges


def _known(dotted: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``dotted`` that is a module of the package (``import a.b.c`` runs ``a.b.c``)."""
    parts = dotted.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def circles(edges: list[Edge]) -> list[list[Edge]]:
    """One shortest circle through each strongly connected group of modules (Tarjan), as its edges."""
    graph: dict[str, list[Edge]] = {}
    for e in edges:
        graph.setdefault(e[0], []).append(e)
        graph.setdefault(e[1], [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for _, w, _ in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_shortest_circle(graph, sorted(g)[0], g) for g in groups]


def _shortest_circle(graph: dict[str, list[Edge]], start: str, group: set[str]) -> list[Edge]:
    """The shortest path of edges from ``start`` back to itself inside ``group`` (breadth first)."""
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for e in graph[v]:
                w = e[1]
                if w not in group or w in came:
                    continue
                came[w] = e
                if w == start:
                    path = [e]
                    while path[0][0] != start:
                        path.insert(0, came[path[0][0]])
                    return path
                following.append(w)
        frontier = following
    raise AssertionError(f"{start} has no circle in {group}")


def describe(circle: list[Edge]) -> str:
    return " → ".join(f"{a} (line {line})" for a, _, line in circle) + f" → {circle[0][0]}"


def test_docgen_has_no_import_circle() -> None:
    root = Path(docgen.__file__).parent
    found = circles(import_edges(root, "docgen"))
    assert not found, "import circles in docgen:\n" + "\n".join(describe(c) for c in found)


def test_the_check_finds_a_circle_through_a_function_level_and_a_relative_import(tmp_path: Path) -> None:
    """The check itself, on a package written here: a circle closed by an import inside a function and one
    through ``from . import`` are found; a TYPE_CHECKING import and a sibling reached through its package
    without a way back are not circles."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import low\n", encoding="utf-8")
    (pkg / "low.py").write_text("X = 1\n", encoding="utf-8")
    (pkg / "a.py").write_text("from .low import X\nfrom .sub import b\n", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import X\n    return X\n", encoding="utf-8")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nfrom pkg import low\nif TYPE_CHECKING:\n    from pkg.sub import d\n",
        encoding="utf-8")
    (pkg / "sub" / "d.py").write_text("import pkg.sub.c\n", encoding="utf-8")

    edges = import_edges(pkg, "pkg")
    assert ("pkg.sub.b", "pkg.a", 2) in edges and ("pkg.a", "pkg.sub.b", 2) in edges
    assert ("pkg.sub.c", "pkg.low", 2) in edges and ("pkg.sub.d", "pkg.sub.c", 1) in edges
    assert not any(e[:2] == ("pkg.sub.c", "pkg.sub.d") for e in edges)
    found = circles(edges)
    assert [describe(c) for c in found] == ["pkg.a (line 2) → pkg.sub.b (line 2) → pkg.a"]
