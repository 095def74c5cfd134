"""Prints the structure figures the seams issue asks for: import cycles between modules and between
packages (imports inside functions count), functions rated D or worse by radon, and the largest
module and class.

    python bench/structure.py            # a table
    python bench/structure.py --json     # the same figures as JSON (tests/test_structure.py reads it)
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "autonote"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every autonote module this one imports, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith(PACKAGE):
                found.add(target)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only components of two or more nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))
    return result


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def figures() -> dict[str, object]:
    mods = modules()
    known = set(mods)
    graph = {name: imports_of(name, path, known) for name, path in mods.items()}
    # a package's __init__ importing its own modules is not a cycle between packages
    packages: dict[str, set[str]] = defaultdict(set)
    for name, targets in graph.items():
        for target in targets:
            if package_of(target) != package_of(name):
                packages[package_of(name)].add(package_of(target))
        packages.setdefault(package_of(name), set())
    largest_module = max(mods.items(), key=lambda item: len(item[1].read_text(encoding="utf-8").splitlines()))
    classes = []
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes.append((node.end_lineno - node.lineno + 1, f"{name}.{node.name}"))  # type: ignore[operator]
    out: dict[str, object] = {
        "modules": len(mods),
        "module_cycles": strongly_connected(graph),
        "package_cycles": strongly_connected(dict(packages)),
        "largest_module": [module_name(largest_module[1]), len(largest_module[1].read_text().splitlines())],
        "largest_class": list(reversed(max(classes))),
    }
    try:
        from radon.complexity import cc_rank, cc_visit
    except ImportError:  # radon is a dev dependency
        out["rated_d_or_worse"] = None
        return out
    worst = []
    for name, path in mods.items():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if cc_rank(block.complexity) in "DEF":
                worst.append(
                    [f"{name}:{block.lineno} {block.name}", cc_rank(block.complexity), block.complexity]
                )
    out["rated_d_or_worse"] = sorted(worst, key=lambda row: -row[2])
    return out


def main() -> None:
    data = figures()
    if "--json" in sys.argv:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    worst = data["rated_d_or_worse"]
    print("| measure | value |\n| --- | --- |")
    print(f"| modules | {data['modules']} |")
    print(
        f"| module cycles (imports in functions count) | {len(data['module_cycles'])} {data['module_cycles'] or ''} |"
    )
    print(f"| package cycles | {len(data['package_cycles'])} {data['package_cycles'] or ''} |")
    print(f"| largest module (lines) | {data['largest_module'][0]} ({data['largest_module'][1]}) |")
    print(f"| largest class (lines) | {data['largest_class'][0]} ({data['largest_class'][1]}) |")
    print(f"| functions rated D or worse | {'radon not installed' if worst is None else len(worst)} |")
    for row in worst or []:
        print(f"|   {row[0]} | {row[1]}-{row[2]} |")


if __name__ == "__main__":
    main()
