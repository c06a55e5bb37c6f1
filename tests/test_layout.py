"""The layout rules of DESIGN.md, checked on the source: one concept per file, no import cycles.

* no import cycle among the modules of ``engine/`` and ``dashboard/`` (imports inside functions count too:
  a lazy import hides a cycle from the interpreter, not from the reader);
* the engine imports nothing from ``dashboard``; the trainer imports no model;
* no file of code over 500 lines (non-blank lines).

Imports are read with :mod:`ast`, so nothing is executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "dashboard")
MAX_LINES = 500
TRAINER = "engine.train.trainer"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in _source_files()}


def _known(name: str) -> str | None:
    """``name`` if it is one of our modules, else its longest prefix that is (``engine.lm.model.CharLM`` ->
    ``engine.lm.model``); None for modules outside engine/ and dashboard/."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in MODULES:
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (functions, methods, try blocks), except under ``if TYPE_CHECKING:``
    (those never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.If) and _is_type_checking(node):
            children = list(node.orelse)
        stack.extend(children)


def imports_of(module: str) -> set[str]:
    """The engine/dashboard modules that ``module`` imports by name."""
    path = MODULES[module]
    return imports_in(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> set[str]:
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:  # relative: `from . import x`, `from ..data import y`
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from engine.nn import cells` imports the module engine.nn.cells; `from engine.nn import LSTM` imports
            # whatever engine/nn/__init__.py is.
            targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin for a in node.names]
        out.update(t for t in map(_known, targets) if t is not None and t != module)
    return out


GRAPH: dict[str, set[str]] = {m: imports_of(m) for m in MODULES}


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def _a_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One concrete cycle inside a strongly connected group: a -> b -> ... -> a (shortest from its first module)."""
    members, start = set(group), group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    return paths[node] + [start]
                if child not in paths:
                    paths[child] = paths[node] + [child]
                    nxt.append(child)
        frontier = nxt
    raise AssertionError(f"no cycle through {start} in {group}")  # Tarjan's groups always have one


def _reachable(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports, directly or through others, with the chain of imports that gets there."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in paths:
                    paths[child] = paths[node] + [child]
                    nxt.append(child)
        frontier = nxt
    return paths


def test_the_import_graph_is_read_correctly():
    """The parser behind the other tests: absolute, relative, submodule and in-function imports all count."""
    assert "engine.train.trainer" in MODULES and "dashboard.i18n" in MODULES
    assert "engine.data.batch" in GRAPH[TRAINER]  # `from engine.data.batch import Batch, move_to`
    assert "engine.train.checkpoint" in GRAPH[TRAINER]  # imported inside Trainer.save
    assert _known("engine.lm.model.CharLM") == "engine.lm.model" and _known("torch.nn") is None
    source = """
import torch
from . import recipe
from ..nn import cells
from ..train.checkpoint import save_checkpoint
if TYPE_CHECKING:
    from engine.seq2seq.model import Translator
def f():
    import dashboard.i18n
"""
    assert imports_in(source, "engine.lm.model") == {"engine.lm.recipe", "engine.nn.cells", "engine.train.checkpoint",
                                                      "dashboard.i18n"}
    assert imports_in("from .model import CharLM", "engine.lm", is_package=True) == {"engine.lm.model"}
    toy = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _strongly_connected(toy) == [["a", "b", "c"], ["d"]]
    assert _a_cycle(toy, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    cycles = [_a_cycle(GRAPH, g) for g in _strongly_connected(GRAPH) if len(g) > 1]
    assert not cycles, "import cycles (break them by moving the shared piece into its own module):\n" + "\n".join(
        " -> ".join(c) for c in cycles)


def test_the_engine_never_imports_the_dashboard():
    bad = {m: sorted(t for t in GRAPH[m] if t.split(".")[0] == "dashboard") for m in MODULES if m.startswith("engine")}
    assert not {m: t for m, t in bad.items() if t}, "the engine must not import dashboard modules"


def test_the_trainer_imports_no_model():
    """The training loop knows models only through ``forward(inputs, targets, state)``: not by import,
    not even through another module (the checkpoint table imports model classes by name, on first use)."""
    from engine.train.checkpoint import MODEL_KINDS

    model_packages = {path.split(":")[0].rpartition(".")[0] for path in MODEL_KINDS.values()}
    model_packages |= {"engine.nn", "engine.ngram"}  # the cells every model is built from; the n-gram model
    reached = _reachable(GRAPH, TRAINER)
    bad = {m: p for m, p in reached.items() if any(m == pkg or m.startswith(pkg + ".") for pkg in model_packages)}
    assert not bad, "the trainer reaches model code: " + "; ".join(" -> ".join(p) for p in bad.values())


def _code_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_no_file_of_code_over_500_lines():
    """One concept per file: a module past 500 non-blank lines holds more than one; split it."""
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values() if (n := _code_lines(p)) > MAX_LINES}
    assert not long, f"files of code over {MAX_LINES} non-blank lines: " + ", ".join(
        f"{path} ({n})" for path, n in sorted(long.items()))
