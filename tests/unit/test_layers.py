"""The tree draws the flow: data → figures → pages → batch | live → command line.

A lower layer never imports a higher one (not even inside a function), batch and live never import
each other, and the package has no import cycle. Read from the source with `ast`, so a lazy import
cannot hide.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ips_nb"
RANK = {"root": -1, "data": 0, "figures": 1, "pages": 2, "batch": 3, "live": 3, "top": 4}


def layer_of(module: str) -> str:
    """The layer a module belongs to; `ips_nb` itself holds only the version, `ips_nb.settings`
    the environment variables and `ips_nb.resources` where the package's files are, which all may read."""
    parts = module.split(".")
    if module in ("ips_nb", "ips_nb.settings", "ips_nb.resources", "ips_nb.errors"):
        return "root"
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "top"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports_of(path: Path, name: str) -> set[str]:
    """Every ips_nb module this file imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("ips_nb")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if not base.startswith("ips_nb"):
                continue
            known = modules()
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else base)
    return out


MODULES = modules()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_higher_layer(name):
    mine = layer_of(name)
    for target in imports_of(MODULES[name], name):
        theirs = layer_of(target)
        assert RANK[theirs] <= RANK[mine], f"{name} ({mine}) imports {target} ({theirs})"
        if {mine, theirs} == {"batch", "live"}:
            pytest.fail(f"{name} imports {target}: batch and live stand side by side")


def test_the_layers_are_the_subpackages_and_few_modules_stay_on_top():
    # a package on top (ips_nb.demo and its modules) is one thing on top
    tops = sorted({".".join(n.split(".")[:2]) for n in MODULES if layer_of(n) == "top"})
    assert len(tops) <= 5, tops
    for layer in ("data", "figures", "pages", "batch", "live"):
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text()))
        assert doc and "May import" in doc, f"ips_nb/{layer}/__init__.py must say what it is for and may import"


def test_no_import_cycle():
    graph = {n: {t for t in imports_of(p, n) if t in MODULES and t != n} for n, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.count(".") == 1 and nxt in ("ips_nb.data", "ips_nb.figures", "ips_nb.pages",
                                                "ips_nb.batch", "ips_nb.live"):
                continue  # a package's __init__ holds only its docstring
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(trail + [node, nxt]))
            if not state.get(nxt):
                visit(nxt, trail + [node])
        state[node] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n, [])
