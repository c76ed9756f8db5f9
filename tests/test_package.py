"""``educat check`` outside the content repository, with a standard package (standards/package.py):
from a downloaded package file, from the published site over HTTP, and from a wheel installed into
a fresh virtual environment. Each must give the findings the same check gives in the repository."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.core.loader import load_repo
from educat.standards.package import PackageError, build_package, load_package, package_url

from .conftest import REPO

# (example file, standard, entity): every example of every standard version, valid and invalid
EXAMPLES = sorted((std.path / "examples" / ex.file, std.ref, ex.entity) for std in load_repo(REPO, standards_only=True)[0].all_standards() for ex in std.examples)


def findings(output: str) -> dict:
    data = json.loads(output)
    data["context"].pop("file")  # the same file, named as the command was given it
    return data


def check_json(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["check", *args, "--format", "json"])
    finally:
        os.chdir(old)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Every standard version's package, written as the site publishes it."""
    repo, _ = load_repo(REPO)
    folder = tmp_path_factory.mktemp("packages")
    for std in repo.all_standards():
        (folder / f"{std.slug}-{std.version}.json").write_text(build_package(repo, std), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("example", "standard", "entity"), EXAMPLES, ids=[f"{s}/{p.name}" for p, s, _ in EXAMPLES])
def test_a_package_file_checks_as_the_repository_does(packages, tmp_path, example, standard, entity):
    slug, version = standard.split("@")
    inside = check_json([str(example), "--standard", standard, "--entity", entity, "--root", str(REPO)], REPO)
    outside = check_json([str(example), "--standard", str(packages / f"{slug}-{version}.json"), "--entity", entity], tmp_path)
    assert outside[0] == inside[0]
    assert findings(outside[1]) == findings(inside[1])


def test_outside_a_repository_without_a_package_the_error_says_what_to_do(tmp_path):
    code, output = check_json([str(EXAMPLES[0][0]), "--standard", "edu-basic-data", "--entity", "student"], tmp_path)
    assert code == 2 and "不是内容仓库" in output and "标准包文件(.json)或标准版本页的网址" in output


@pytest.mark.parametrize("text", ["{", "[]", '{"format": "other"}', '{"format": "educat-standard-package/1", "standard": "x@1", "standards": {"x@1": {"files": {"../evil.yaml": "a: 1"}}}}'])
def test_a_broken_package_is_refused_with_a_reason(tmp_path, text):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackageError):
        load_package(str(path))
    assert not (tmp_path / "evil.yaml").exists()


def test_the_package_address_follows_from_the_version_page():
    assert package_url("https://edu.example.cn/site/standards/edu-basic-data/1.1.0/") == "https://edu.example.cn/site/standards/edu-basic-data/1.1.0/edu-basic-data-1.1.0.json"
    assert package_url("http://127.0.0.1:8000/standards/a/1.0.0/a-1.0.0.json") == "http://127.0.0.1:8000/standards/a/1.0.0/a-1.0.0.json"


@pytest.fixture(scope="module")
def served(real_site_dir):
    """The built site of this repository on 127.0.0.1, as a bureau publishes it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(real_site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_the_site_publishes_a_package_for_every_version_and_lists_it(real_site_dir):
    registry = json.loads((real_site_dir / "standards.json").read_text(encoding="utf-8"))
    for standard in registry["standards"]:
        for version in standard["versions"]:
            package = real_site_dir / version["files"]["package"]
            assert json.loads(package.read_text(encoding="utf-8"))["standard"] == f"{standard['slug']}@{version['version']}"
            page = (real_site_dir / version["url"] / "index.html").read_text(encoding="utf-8")
            assert package.name in page


def test_the_site_address_checks_as_the_repository_does(served, tmp_path):
    example, standard, entity = next(e for e in EXAMPLES if e[0].name == "student-invalid.csv" and e[1].endswith("1.1.0"))
    slug, version = standard.split("@")
    inside = check_json([str(example), "--standard", standard, "--entity", entity, "--root", str(REPO)], REPO)
    outside = check_json([str(example), "--standard", f"{served}standards/{slug}/{version}/", "--entity", entity], tmp_path)
    assert outside[0] == inside[0] == 1
    assert findings(outside[1]) == findings(inside[1])
    missing = check_json([str(example), "--standard", f"{served}standards/{slug}/9.9.9/", "--entity", entity], tmp_path)
    assert missing[0] == 1 and "HTTP 404" in missing[1] and "标准版本页" in missing[1]


def test_a_wheel_installed_outside_the_repository_checks_as_the_repository_does(served, tmp_path):
    """pip install of the built wheel into a fresh virtual environment (its dependencies from the
    package registry), then both forms of --standard, run from an empty folder."""
    dist, venv, empty = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)], check=True, env=env, timeout=600)
    wheel = next(dist.glob("educat-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True, env=env, timeout=1200)
    example, standard, entity = next(e for e in EXAMPLES if e[0].name == "student-invalid.csv" and e[1].endswith("1.1.0"))
    slug, version = standard.split("@")
    shutil.copy(example, empty / example.name)
    inside = check_json([str(example), "--standard", standard, "--entity", entity, "--root", str(REPO)], REPO)
    educat = str(venv / "bin" / "educat")
    by_url = subprocess.run([educat, "check", example.name, "--standard", f"{served}standards/{slug}/{version}/", "--entity", entity, "--format", "json"], cwd=empty, capture_output=True, text=True, env=env, timeout=300)
    assert by_url.returncode == 1, by_url.stderr
    assert findings(by_url.stdout) == findings(inside[1])
    (empty / f"{slug}-{version}.json").write_bytes(_download(f"{served}standards/{slug}/{version}/{slug}-{version}.json"))
    by_file = subprocess.run([educat, "check", example.name, "--standard", f"{slug}-{version}.json", "--entity", entity, "--format", "json"], cwd=empty, capture_output=True, text=True, env=env, timeout=300)
    assert by_file.returncode == 1, by_file.stderr
    assert findings(by_file.stdout) == findings(inside[1])


def _download(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()
