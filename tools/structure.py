"""Figures of the package's structure: modules, import edges, cycles, deferred imports, docstring lines.

Usage (from the project folder)::

    .venv/bin/python tools/structure.py [--package agentsmith] [--construct agentsmith/redis.py:EphemeralRedis]

Read from the source with ``ast``; nothing is imported. An edge is one module importing another of the
package (each ordered pair once, at module level, inside a function or under ``TYPE_CHECKING``); a
deferred import is one inside a function or under ``TYPE_CHECKING``, the usual way around a cycle. "What a
default reader opens" is every module the construct's module reaches through imports, except ``errors``,
the package's face (``__init__.py`` files that only hand names on) and the validation primitives
(``core/``), which a reader takes on trust like a library.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _modules(package: Path) -> dict[str, Path]:
    root = package.parent
    return {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
        for path in sorted(package.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, bool]]:
    """``(module imported, deferred)`` for each import of a module of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    deferred_nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or (
            isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        ):
            deferred_nodes.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, id(node) in deferred_nodes


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _docstring_lines(path: Path) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    total = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                total += doc.count("\n") + 1
    return total


def _class_docstring_lines(path: Path, cls: str) -> int:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            doc = ast.get_docstring(node, clean=False)
            return 0 if doc is None else doc.count("\n") + 1
    raise SystemExit(f"error: no class {cls} in {path}")


def _is_face(path: Path) -> bool:
    """An ``__init__.py`` that defines nothing: it only hands names on."""
    if path.name != "__init__.py":
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return not any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in tree.body)


@dataclass(frozen=True)
class Figures:
    """What :func:`measure` found."""

    modules: dict[str, Path]
    edges: dict[str, set[str]]
    cycles: list[list[str]]
    deferred: list[tuple[str, str]]


def measure(package: Path) -> Figures:
    """The modules of ``package`` (a folder), its import edges, cycles and deferred imports."""
    modules = _modules(package)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    deferred: set[tuple[str, str]] = set()
    for name, path in modules.items():
        for target, is_deferred in _imports(name, path, modules):
            edges[name].add(target)
            if is_deferred:
                deferred.add((name, target))
    return Figures(modules, edges, _cycles(edges), sorted(deferred))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="agentsmith")
    parser.add_argument("--construct", default="agentsmith/redis.py:EphemeralRedis")
    args = parser.parse_args()
    package = Path(args.package)
    figures = measure(package)
    modules, edges, cycles, deferred = figures.modules, figures.edges, figures.cycles, figures.deferred
    module_files = [path for path in modules.values() if not _is_face(path)]
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in modules.values())
    construct_file, _, cls = args.construct.partition(":")
    construct_module = ".".join(Path(construct_file).with_suffix("").parts)
    reached: set[str] = set()
    todo = [construct_module]
    while todo:
        for target in edges[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    trusted = {f"{args.package}", f"{args.package}.errors"}
    opened = sorted(
        m for m in reached if m not in trusted and not _is_face(modules[m]) and not m.startswith(f"{args.package}.core")
    )
    print(
        f"modules: {len(modules)} ({len(module_files)} with code; faces that only hand names on: "
        f"{len(modules) - len(module_files)})"
    )
    print(f"folders: {len({path.parent for path in modules.values()})}")
    print(f"lines: {lines}")
    print(f"import edges inside the package: {sum(len(targets) for targets in edges.values())}")
    print(f"import cycles: {len(cycles)}" + "".join(f"\n  {' '.join(c)}" for c in cycles))
    print(
        f"deferred imports (in a function or under TYPE_CHECKING): {len(deferred)}"
        + "".join(f"\n  {a} -> {b}" for a, b in deferred)
    )
    print(f"docstring lines: {sum(_docstring_lines(path) for path in modules.values())}")
    print(f"{cls} class docstring lines: {_class_docstring_lines(Path(construct_file), cls)}")
    print(f"{construct_file} lines: {len(Path(construct_file).read_text(encoding='utf-8').splitlines())}")
    print(
        f"modules a reader of {cls} opens (its imports, transitively, without errors, faces and core/): "
        f"{len(opened)}" + "".join(f"\n  {m}" for m in opened)
    )


if __name__ == "__main__":
    main()
