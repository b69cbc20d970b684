"""The conda route and the pip route install the same thing; workbooks stay thin and clean."""
from pathlib import Path

import nbformat
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_environment_yml_installs_the_project_from_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-e .[test]"], "environment.yml must install the project itself, not a second list"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11" and python.split("=")[1] >= "3.11"


def test_workbooks_are_thin_parameterised_and_without_outputs():
    for path in sorted((ROOT / "workbooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), path.name
        assert nb.metadata.kernelspec.name == "python3"
        for cell in code:
            assert not cell.outputs and cell.execution_count is None, path.name
            # thin: a call or two per cell, no loops or function definitions
            assert len(cell.source.splitlines()) <= 6, (path.name, cell.source)
            assert not any(w in cell.source for w in ("def ", "for ", "while ", "class ")), path.name


def test_jsonschema_pin_keeps_the_import_tax_out():
    import importlib.util

    assert importlib.util.find_spec("rfc3987_syntax") is None
