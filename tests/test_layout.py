"""The tree reads as the pipeline: no import cycles in etl/ and dashboard/, no module
importing another's underscore-private names, and the stages import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("etl", "dashboard")
# what each stage of etl may import from etl (besides itself); cli, refresh, lake and
# devtools sit on top and may use any stage
ALLOWED = {
    "etl.core": {"etl.core"},
    "etl.ingest": {"etl.core", "etl.ingest"},
    "etl.load": {"etl.core", "etl.ingest", "etl.load", "etl.warehouse"},
    "etl.warehouse": {"etl.core", "etl.warehouse"},
    "etl.query": {"etl.core", "etl.query"},
    "etl.alerts": {"etl.core", "etl.warehouse", "etl.query", "etl.alerts"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """(imported project module, names imported from it) for every import in the file,
    at module level or inside functions alike."""
    out: list[tuple[str, list[str]]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names if a.name.split(".")[0] in PACKAGES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            plain = []
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in modules:  # "from etl.core import sqlfiles" imports a module
                    out.append((sub, []))
                else:
                    plain.append(a.name)
            if plain:
                out.append((node.module, plain))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m, _ in _imports(path, modules) if m in modules and m != name}
            for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle() -> None:
    graph = _graph()
    assert len(graph) > 40  # the walk found the project's modules
    assert _cycle(graph) is None


def test_no_private_name_imported_across_modules() -> None:
    modules = _modules()
    found = []
    for name, path in modules.items():
        for target, names in _imports(path, modules):
            found.extend(f"{name} imports {target}.{n}" for n in names if n.startswith("_") and target != name)
    for path in (ROOT / "tests").glob("*.py"):
        for target, names in _imports(path, modules):
            found.extend(f"tests/{path.name} imports {target}.{n}" for n in names if n.startswith("_"))
    assert found == []


def test_stages_import_only_downwards() -> None:
    """ingest, warehouse and query stand on core only (and load on those below it); none of
    them reaches up to the command line, the refresh, the lake, the demo tools or the
    dashboard."""
    wrong = []
    for name, deps in _graph().items():
        stage = next((s for s in ALLOWED if name == s or name.startswith(s + ".")), None)
        if stage is None:
            continue
        for dep in deps:
            if dep.startswith("dashboard") or not any(dep == a or dep.startswith(a + ".") for a in ALLOWED[stage]):
                wrong.append(f"{name} → {dep}")
    assert wrong == []


def test_runtime_does_not_import_the_demo_tools() -> None:
    """The generator and the benchmark are reached only through the command line."""
    users = sorted(name for name, deps in _graph().items()
                   if any(d.startswith("etl.devtools") for d in deps)
                   and not name.startswith("etl.devtools") and name != "etl.cli")
    assert users == []
