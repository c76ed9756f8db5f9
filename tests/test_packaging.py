"""Honest packaging and a layout that keeps its rules: what the code imports is declared,
importing the package pulls in no test tool, only site/ makes HTML, modules stay small."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "scripts" / "educat"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
MAX_LINES = 500


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every absolute import in a file, including those inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
    return found


def distribution_names(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = requirement.split(";")[0]
        for stop in "<>=!~[ ":
            name = name.split(stop)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


def test_every_imported_package_is_declared():
    declared = distribution_names(PYPROJECT["project"]["dependencies"])
    extras = PYPROJECT["project"]["optional-dependencies"]
    test_only = distribution_names(extras["test"])
    # an extra a user installs for one feature (pip install 'educat[spark]'): that feature's code
    # imports it, and says how to install it when it is missing
    optional = distribution_names([r for name, reqs in extras.items() if name != "test" for r in reqs])
    owners = packages_distributions()
    missing = []
    for path in modules():
        dev_tool = path.relative_to(PACKAGE).parts[0] == "dev"
        for module, line in imports(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top == "educat":
                continue
            dists = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
            allowed = declared | optional | (test_only if dev_tool else set())
            if not dists & allowed:
                missing.append(f"{path.relative_to(REPO)}:{line} imports {top} ({', '.join(sorted(dists))})")
    assert missing == []


def test_package_data_exists():
    data = PYPROJECT.get("tool", {}).get("setuptools", {}).get("package-data", {})
    for package, patterns in data.items():
        folder = REPO / "scripts" / package.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"package-data {package}: {pattern} matches no file"


def test_importing_the_package_imports_no_test_tool():
    """Every module, imported in a fresh interpreter, leaves the test tools unimported."""
    test_only = sorted(distribution_names(PYPROJECT["project"]["optional-dependencies"]["test"]))
    code = (
        "import importlib, json, pkgutil, sys, educat\n"
        "for m in pkgutil.walk_packages(educat.__path__, 'educat.'):\n"
        "    if m.name != 'educat.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout))
    owners = packages_distributions()
    tops = {name.split(".")[0] for name in loaded}
    pulled = sorted(top for top in tops if {d.lower() for d in owners.get(top, [])} & set(test_only))
    assert pulled == []
    assert len([n for n in loaded if n.startswith("educat.")]) > 40  # the walk really imported the package


def test_only_site_makes_html():
    """No module outside site/ imports it; the command line and the developer tools are entry points."""
    offenders = []
    for path in modules():
        part = path.relative_to(PACKAGE).parts[0]
        if part in ("site", "cli", "dev"):
            continue
        offenders += [f"{path.relative_to(REPO)}:{line}" for module, line in imports(path) if module.startswith("educat.site")]
        if "markupsafe" in {module.split(".")[0] for module, _ in imports(path)}:
            offenders.append(f"{path.relative_to(REPO)} imports markupsafe")
    assert offenders == []


def test_modules_stay_small():
    long = {str(p.relative_to(REPO)): n for p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_one_finding_class():
    """Every 'one thing wrong' is educat.core.findings.Finding: no other class of that kind."""
    kinds = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Problem", "Finding", "Change", "Issue")):
                kinds.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert kinds == ["core/findings.py:Finding"]
