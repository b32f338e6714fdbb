"""environment.yml (conda) must list the same packages as pyproject.toml (pip)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[;]", spec.strip(), maxsplit=1)[0].lower()


def _pyproject_packages() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        specs += extra
    return {_name(s): s.replace(" ", "") for s in specs}


def _environment_packages() -> dict[str, str]:
    """Parse environment.yml's dependency lists without a YAML library."""
    out = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+[^#]*?)\s*(#.*)?$", line)
        if not m:
            continue
        spec = m.group(1).strip()
        name = _name(spec)
        if name in {"python", "pip", "pip:", "conda-forge"} or spec.startswith("-e"):
            continue
        name = CONDA_TO_PYPI.get(name, name)
        out[name] = spec.replace(" ", "")
    return out


def test_same_package_list():
    py = _pyproject_packages()
    env = _environment_packages()
    assert set(py) == set(env), f"only in pyproject: {set(py) - set(env)}; only in environment.yml: {set(env) - set(py)}"


def test_same_version_bounds():
    py = _pyproject_packages()
    env = _environment_packages()
    for name, spec in py.items():
        bound = spec[len(name):]
        assert env[name].endswith(bound), f"{name}: pyproject says {spec!r}, environment.yml says {env[name]!r}"


def test_installs_crmlib_itself():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s+-e\s+\.\s*$", text, re.M)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "make test" in readme
