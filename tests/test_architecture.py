"""The import structure: the library never loads the web app or the Dask engine, and no module imports form a circle.

The web app (``outcomes_qual_web``) and the Dask engine (``outcomes_qual_dask``)
sit above the library: they import it, never the reverse (only the thin
``outcomes-qual serve`` and ``--workers`` entry points load them, lazily, when
run). The import graph is read from the source (every ``import`` and
``from ... import``, at module level or inside a function, and
``importlib.import_module("...")`` with a literal name; not those under
``if TYPE_CHECKING:``), so a lazy import that closes a circle is found too.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("outcomes_qual", "outcomes_qual_web", "outcomes_qual_dask")
ABOVE = ("outcomes_qual_web", "outcomes_qual_dask")


def module_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of ``packages`` (a package is its ``__init__``)."""
    mods = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = path
    return mods


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            for stmt in node.body:
                skip.update(id(n) for n in ast.walk(stmt))
    return skip


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of ``mods`` it imports (edges to the named module, not to its parent packages)."""
    graph: dict[str, set[str]] = {}
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_nodes(tree)
        targets: list[str] = []
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, path.name == "__init__.py", node.level, node.module)
                for alias in node.names:  # `from pkg import sub` imports the module pkg.sub
                    targets.append(f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else base)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                targets.append(node.args[0].value)
        edges = set()
        for target in targets:
            while target not in mods and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in mods and target != module:
                edges.add(target)
        graph[module] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module, as ``[a, b, ..., a]``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan; the graph is a few hundred modules, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_one_circle(graph, comp) for comp in components]


def _one_circle(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start, members = comp[0], set(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp  # pragma: no cover - a component always has a circle


def test_the_cycle_finder_reports_a_circle_and_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_relative_lazy_and_importlib_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n    return b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text(
        "import importlib\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n"
        "def g():\n    return importlib.import_module('pkg.a')\n"
    )
    graph = import_graph(module_files(tmp_path, ("pkg",)))
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub.b"}, "pkg.sub": set(), "pkg.sub.b": {"pkg.a"}}
    assert find_cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.a"]]


@functools.cache
def project_graph() -> dict[str, set[str]]:
    """The import graph of the three packages in this checkout (read once per test session)."""
    return import_graph(module_files())


def test_no_import_circle_between_modules():
    cycles = find_cycles(project_graph())
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_library_modules_do_not_import_the_packages_above_it_except_the_cli_entry_points():
    graph = project_graph()
    up = {
        m: sorted(t for t in edges if t.split(".")[0] in ABOVE)
        for m, edges in graph.items()
        if m.split(".")[0] == "outcomes_qual"
    }
    assert {m: t for m, t in up.items() if t} == {
        "outcomes_qual.cli._scale": ["outcomes_qual_dask"],  # --workers / --scheduler, lazily
        "outcomes_qual.cli._scale_report": ["outcomes_qual_dask", "outcomes_qual_dask.report"],  # report OUT_FOLDER, lazily
        "outcomes_qual.cli.serve": ["outcomes_qual_web"],  # outcomes-qual serve, lazily
    }


def test_importing_every_library_module_loads_neither_the_web_app_nor_the_dask_engine():
    code = (
        "import json, pkgutil, sys, outcomes_qual\n"
        "names = []\n"
        "for info in pkgutil.walk_packages(outcomes_qual.__path__, 'outcomes_qual.'):\n"
        "    if info.name.rsplit('.', 1)[-1] == '__main__':\n"
        "        continue\n"
        "    __import__(info.name)\n"
        "    names.append(info.name)\n"
        "print(json.dumps([len(names), sorted(m for m in sys.modules\n"
        "                  if m.split('.')[0] in ('outcomes_qual_web', 'outcomes_qual_dask'))]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    n_modules, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert n_modules == sum(1 for m in module_files() if m.split(".")[0] == "outcomes_qual") - 2  # less the package, __main__
    assert loaded == []
