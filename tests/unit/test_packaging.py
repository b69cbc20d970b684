"""The conda route and the pip route install the same thing; the package ships and finds its own
files (tests/packaging/test_wheel.py installs the wheel); workbooks stay thin and clean."""
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_environment_yml_installs_the_project_from_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-e .[test]"], "environment.yml must install the project itself, not a second list"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11" and python.split("=")[1] >= "3.11"


def test_the_conda_route_brings_the_hub_its_proxy_and_node():
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    names = {d.split("=")[0].split(">")[0] for d in deps if isinstance(d, str)}
    assert {"nodejs", "configurable-http-proxy"} <= names


# pyproject's package-dir: the checkout's folders and the names the package finds them by
MAPPED = {"templates": "ips_nb.templates", "workbooks": "ips_nb.workbooks", "dashboards": "ips_nb.dashboards",
          "params": "ips_nb.demo_params", "ips_nb/pages/locale": "ips_nb.pages.locale"}


def test_every_folder_with_a_shipped_file_is_a_package_with_that_file_as_its_data():
    """setuptools ships (and stops warning about) data only in folders listed as packages."""
    import fnmatch

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages, data = set(setup["packages"]), setup["package-data"]
    for folder, package in MAPPED.items():
        if folder in setup.get("package-dir", {}).values():
            assert setup["package-dir"][package] == folder
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".py":
                continue
            rel = path.relative_to(ROOT / folder)
            assert ".".join([package, *rel.parent.parts]) in packages, f"{path.parent} is not in packages"
            assert any(fnmatch.fnmatch(rel.as_posix(), g) for g in data[package]), f"{path} matches no package-data"


def test_the_package_finds_its_files_in_the_checkout_by_the_names_the_wheel_uses():
    from ips_nb import resources

    assert resources.templates_dir() == ROOT / "templates"
    assert resources.workbook("agenda") == ROOT / "workbooks" / "agenda.ipynb"
    assert resources.dashboards_dir() == ROOT / "dashboards"
    assert resources.demo_params_dir() == ROOT / "params"
    assert (resources.locale_dir() / "da" / "LC_MESSAGES" / "ips_nb.po").is_file()
    assert (resources.static_dir() / "plotly-basic.min.js").is_file()
    assert resources.hub_config_file().is_file()


def test_no_module_finds_files_by_its_own_location():
    """`Path(__file__).parents[…]` holds only in a checkout; ips_nb.resources finds files anywhere."""
    found = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "ips_nb").rglob("*.py"))
             if "__file__" in p.read_text(encoding="utf-8").replace("`Path(__file__)", "")]
    assert found == []


def test_the_hub_keeps_out_of_the_package_and_names_its_config_file_by_its_whole_path(tmp_path, monkeypatch):
    """Installed, the package's folder is site-packages: the hub's service must not run there,
    and `jupyterhub -f` relative to it would name no file from where the operator stands."""
    from traitlets.config import Config

    from ips_nb.live import hub
    from ips_nb.resources import hub_config_file

    monkeypatch.setattr(hub, "proxy_command", lambda: "/usr/bin/true")
    c = Config()
    hub.configure(c, params_dir=ROOT / "params", db="sqlite:///x.db", state_dir=tmp_path / "state")
    (service,) = c.JupyterHub.services
    assert service["cwd"] == str(tmp_path / "state")
    assert c.JupyterHub.template_paths == [str(ROOT / "templates" / "hub")]
    assert hub.equivalent_command(hub.HubOptions()).endswith(f"jupyterhub -f {hub_config_file()}")


def test_the_demo_writes_its_params_into_an_empty_folder_and_keeps_what_is_there(tmp_path):
    from ips_nb.demo import write_demo_params

    written = write_demo_params(tmp_path / "params")
    names = ["aarhus.yaml", "access.yaml", "jonkoping.yaml", "malmo.yaml", "odense.yaml"]
    assert sorted(p.name for p in written) == names
    assert (tmp_path / "params" / "odense.yaml").read_bytes() == (ROOT / "params" / "odense.yaml").read_bytes()
    (tmp_path / "params" / "access.yaml").write_text("# a region's own\n", encoding="utf-8")
    (tmp_path / "params" / "malmo.yaml").unlink()
    assert [p.name for p in write_demo_params(tmp_path / "params")] == ["malmo.yaml"]
    assert (tmp_path / "params" / "access.yaml").read_text(encoding="utf-8") == "# a region's own\n"
    assert write_demo_params(ROOT / "params") == []  # the checkout's params/ is where they come from


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
