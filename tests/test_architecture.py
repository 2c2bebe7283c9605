"""The package's import structure: subpackages by concern, imports only downward.

The layers, from the bottom: the shared base (``errors``, ``fileio``,
``paths``), ``sources`` (outside corpora: fetched, verified, read),
``data`` (records, corpus, the packaged dataset), ``scoring``,
``systems`` (extractors), then ``annotation`` and ``report`` side by side,
``run`` (the Hydra app and ``check``) and ``cli`` on top. A module may import
its own layer or the ones below it, never above, and no import circle exists
even inside a layer. Function-local imports of the package are for the CLI's
lazy dispatch only (so ``--help`` does not load spaCy); anywhere else they
hide a circle. The graph is read from the source with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "benchmark"
LAYERS = {
    "errors": 0, "fileio": 0, "paths": 0, "__init__": 0,
    "sources": 1, "data": 2, "scoring": 3, "systems": 4,
    "annotation": 5, "report": 5,
    "run": 6, "cli": 7, "__main__": 8,
}
LAZY_ALLOWED = {"cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "metrics" not in p.relative_to(PACKAGE).parts}


def imports(path: Path, name: str) -> list[tuple[str, bool, int]]:
    """(imported module, imported inside a function, line) for every import of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    local_lines = {n.lineno for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(f)
                   if isinstance(n, (ast.Import, ast.ImportFrom))}
    found = []
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("benchmark"):
                continue
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append((target if target in known else base, node.lineno in local_lines, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno in local_lines, node.lineno) for a in node.names if a.name.startswith("benchmark")]
    return found


def layer(name: str) -> tuple[int, str]:
    parts = name.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return LAYERS[top], top


def graph() -> dict[str, set[str]]:
    return {name: {target for target, _, _ in imports(path, name) if target != name} for name, path in modules().items()}


def test_every_module_has_a_layer():
    unknown = sorted({name.split(".")[1] for name in modules() if "." in name and name.split(".")[1] not in LAYERS})
    assert not unknown, f"modules outside the layer table of this test: {unknown}"


def test_no_import_runs_up_a_layer():
    upward = []
    for name, path in modules().items():
        own, own_top = layer(name)
        for target, _, line in imports(path, name):
            if target == "benchmark":
                continue
            other, other_top = layer(target)
            if other > own or (other == own and other_top != own_top and own > 0):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "\n".join(upward)


def test_no_import_circle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


def test_function_local_imports_only_in_the_cli():
    lazy = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} inside a function"
            for name, path in modules().items() if layer(name)[1] not in LAZY_ALLOWED
            for target, local, line in imports(path, name) if local]
    assert not lazy, "\n".join(lazy)


@pytest.mark.parametrize("source, expected", [
    ("from benchmark.report import leaderboard\n", "upward"),
    ("def f():\n    from benchmark.data import dataset\n", "lazy"),
])
def test_the_checks_catch_a_bad_import(tmp_path, monkeypatch, source, expected):
    """The rules above fail on a module that breaks them (so they are not vacuous)."""
    fake = PACKAGE / "data" / "_architecture_probe.py"
    name = "benchmark.data._architecture_probe"
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None, _real=Path.read_text: _real(probe if self == fake else self, encoding=encoding))
    found = imports(fake, name)
    if expected == "upward":
        assert any(layer(t)[0] > layer(name)[0] for t, _, _ in found)
    else:
        assert any(local for _, local, _ in found)
