"""检查我的文件: the check in the reader's browser, in Debian's Chromium (Playwright).

The site built from this repository is served on 127.0.0.1. Each file is chosen in the
entity's panel on the standard version page and checked there by Pyodide and DuckDB-WASM;
the report must equal ``educat check``'s for the same file (compared as in
tests/test_browser_check.py), and nothing may be requested from anywhere but the site.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path

import pytest
import yaml

from educat.tables.browser_check import bundle
from educat.tables.check import check_file, find_entity

from .conftest import REPO
from .test_bad_inputs import CASES, CORPUS, apply
from .test_browser import QuietHandler, browser  # noqa: F401 - the module's Chromium, as a fixture
from .test_browser_check import _comparable, partial_fields, variants

CHECKED = "el => ['valid', 'invalid', 'failed'].includes(el.dataset.state)"


@pytest.fixture(scope="module")
def served(real_site_dir, tmp_path_factory):
    """The site at / and, through a link, under the sub-path /sub/site/ of the same server."""
    top = tmp_path_factory.mktemp("served")
    (top / "sub").mkdir()
    (top / "sub" / "site").symlink_to(real_site_dir, target_is_directory=True)
    for item in real_site_dir.iterdir():
        (top / item.name).symlink_to(item, target_is_directory=item.is_dir())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(top)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


class Panel:
    """A standard version page in one tab; ``check`` chooses a file in an entity's panel."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.requests: list[tuple[str, str]] = []
        self.page.on("request", lambda r: self.requests.append((r.method, r.url)))
        self.page.goto(url)

    def check(self, entity: str, path: Path) -> dict:
        panel = self.page.locator(f'.educat-check[data-entity="{entity}"]')
        panel.evaluate("el => { delete el.educatReport; el.dataset.state = ''; }")
        panel.locator("input[type=file]").set_input_files(str(path))
        self.page.wait_for_function(CHECKED, arg=panel.element_handle(), timeout=180_000)
        assert panel.get_attribute("data-state") != "failed", panel.locator(".educat-check-status").inner_text()
        return panel.evaluate("el => el.educatReport")

    def close(self):
        self.context.close()


def invalid_examples():
    for doc in sorted(REPO.glob("standards/*/*/examples/examples.yaml")):
        std = doc.parent.parent
        for item in yaml.safe_load(doc.read_text(encoding="utf-8")):
            if item.get("errors"):
                yield std.parent.name, std.name, item["entity"], doc.parent / item["file"]


def same(web: dict, cli: dict, b: dict, name: str):
    partial = partial_fields(b)
    key = b["entity"]["descriptor"].get("primaryKey") or []
    key = {key} if isinstance(key, str) else set(key)
    assert _comparable(web, partial, key) == _comparable(cli, partial, key), name


def test_invalid_examples_in_every_format_as_the_command_line(browser, served, real_content, tmp_path):
    repo, _ = real_content
    examples = list(invalid_examples())
    assert len(examples) >= 5
    checked = 0
    for slug, version in dict.fromkeys((s, v) for s, v, _, _ in examples):
        tab = Panel(browser, f"{served}standards/{slug}/{version}/")  # one tab per page: the engine loads once
        try:
            for _, _, entity, path in (e for e in examples if e[:2] == (slug, version)):
                std, ent = find_entity(repo, f"{slug}@{version}", entity)
                b = bundle(repo, std, ent)
                folder = tmp_path / f"{slug}-{version}-{entity}"
                folder.mkdir()
                for file in [path, *variants(path, folder)]:
                    web = tab.check(entity, file)
                    assert web["context"]["engine"] == "duckdb-wasm"
                    same(web, check_file(file, repo, f"{slug}@{version}", entity).to_dict(), b, file.name)
                    checked += 1
        finally:
            tab.close()
    assert checked == 6 * len(examples)


def test_hostile_check_cases_as_the_command_line(browser, served, real_content, tmp_path):
    repo, _ = real_content
    std, ent = find_entity(repo, "edu-basic-data@1.0.0", "student")
    b = bundle(repo, std, ent)
    tab = Panel(browser, f"{served}standards/edu-basic-data/1.0.0/")
    cases = [c for c in CASES if json.loads((CORPUS / c / "case.json").read_text(encoding="utf-8"))["command"] == "check"]
    try:
        for name in cases:
            root = tmp_path / name
            root.mkdir()
            path = apply(CORPUS / name, root)
            web = tab.check("student", path)
            same(web, check_file(path, repo, "edu-basic-data@1.0.0", "student").to_dict(), b, name)
            expect = json.loads((CORPUS / name / "case.json").read_text(encoding="utf-8"))["expect"]
            assert any(f["type"] == expect["type"] for f in web["findings"]), (name, web["findings"])
    finally:
        tab.close()
    assert len(cases) >= 15


def test_nothing_leaves_the_computer_and_the_engine_loads_only_when_used(browser, served, tmp_path):
    """Before a file is chosen, the page loads no engine file; after, every request goes to the
    site itself and none sends anything (GET only). Pages without the panel load none of it."""
    tab = Panel(browser, f"{served}datasets/")
    assert not [u for _, u in tab.requests if "/assets/check/" in u]
    tab.close()
    tab = Panel(browser, f"{served}standards/edu-basic-data/1.1.0/")
    try:
        before = list(tab.requests)
        assert not [u for _, u in before if "/assets/check/" in u and not u.endswith("check-panel.js")]
        path = tmp_path / "学生.csv"
        path.write_bytes((REPO / "standards/edu-basic-data/1.1.0/examples/student-invalid.csv").read_bytes())
        report = tab.check("student", path)
        assert not report["valid"]
        after = tab.requests[len(before):]
        assert any(u.endswith("duckdb-eh.wasm") for _, u in after) and any(u.endswith("pyodide.asm.wasm") for _, u in after)
        assert all(u.startswith(served) or u.startswith("blob:") for _, u in after), after
        assert {m for m, _ in after} == {"GET"}, after
        # the results download as CSV with a BOM (Excel) and as JSON, made in the page
        link = tab.page.locator('.educat-check[data-entity="student"] a[download$=".csv"]')
        with tab.page.expect_download() as info:
            link.click()
        data = Path(info.value.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and "student_id".encode() in data or "学号".encode() in data
    finally:
        tab.close()


def test_the_panel_works_under_a_sub_path(browser, served, tmp_path):
    tab = Panel(browser, f"{served}sub/site/standards/edu-basic-data/1.1.0/")
    try:
        path = REPO / "standards/edu-basic-data/1.1.0/examples/student-valid.csv"
        report = tab.check("student", path)
        assert report["valid"] and report["stats"]["rows"] > 0
        assert all(u.startswith(served + "sub/site/") for _, u in tab.requests if "/assets/" in u)
    finally:
        tab.close()


def test_from_a_folder_the_panel_says_to_use_an_address(browser, real_site_dir):
    """Opened as files (file://), a browser allows no WebAssembly worker: the panel says so."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto((real_site_dir / "standards/edu-basic-data/1.1.0/index.html").as_uri())
        panel = page.locator('.educat-check[data-entity="student"]')
        assert panel.locator("input[type=file]").is_disabled()
        assert "从文件夹直接打开" in panel.locator(".educat-check-status").inner_text()
    finally:
        context.close()


def test_edge_files_as_the_command_line(browser, served, real_content, tmp_path):
    """The files a reviewer found to differ, in DuckDB-WASM itself: it drops empty cells past the
    last column where DuckDB in Python refuses the row, which only this test can see."""
    from .test_browser_check import EDGE_FILES

    repo, _ = real_content
    std, ent = find_entity(repo, "edu-basic-data@1.0.0", "student")
    b = bundle(repo, std, ent)
    tab = Panel(browser, f"{served}standards/edu-basic-data/1.0.0/")
    try:
        for name, data in sorted(EDGE_FILES.items()):
            path = tmp_path / name
            path.write_bytes(data)
            same(tab.check("student", path), check_file(path, repo, "edu-basic-data@1.0.0", "student").to_dict(), b, name)
    finally:
        tab.close()
