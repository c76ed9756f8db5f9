"""Injected markup in every text field that reaches a page must come out escaped.

validate refuses HTML in content; these tests build past that check on purpose, to prove the
pages are safe even if markup gets into the files some other way.
"""

from __future__ import annotations

import re

import pytest

from .conftest import build_past_the_html_check, make_mini_repo, write

MARKER = "<script>window.__pwned=1</script>"
YAML_MARKER = "'" + MARKER + "'"


def plant(root):
    def edit(rel, old, new):
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    std = "standards/demo/1.0.0/"
    edit(std + "standard.yaml", "title: 演示标准", f"title: {YAML_MARKER}")
    edit(std + "standard.yaml", "scope: 演示用。", f"scope: {YAML_MARKER}")
    edit(std + "standard.yaml", "publisher: 示例局", f"publisher: {YAML_MARKER}")
    edit(std + "standard.yaml", "    title: 人的性别代码", f"    title: {YAML_MARKER}")
    edit(std + "standard.yaml", "    title: 性别\n", f"    title: {YAML_MARKER}\n")
    edit(std + "entities/org.yaml", "title: 机构\n", f"title: {YAML_MARKER}\n")
    edit(std + "entities/org.yaml", "description: 演示实体。", f"description: {YAML_MARKER}")
    edit(std + "entities/org.yaml", "    title: 机构编号", f"    title: {YAML_MARKER}")
    edit(std + "entities/org.yaml", "    description: 编号。", f"    description: {YAML_MARKER}")
    write(root / (std + "codelists/gender.csv"), f'code,name,description\n0,"{MARKER}","{MARKER}"\n1,男,\n2,女,\n9,未说明的性别,\n')
    dp = "datasets/orgs/datapackage.yaml"
    edit(dp, "title: 机构名录(示例)", f"title: {YAML_MARKER}")
    edit(dp, "description: 演示数据集。", f"description: {YAML_MARKER}\nkeywords: [{YAML_MARKER}]")
    edit(dp, "  provider: 示例局", f"  provider: {YAML_MARKER}")
    edit(dp, "  contact: {name: 示例中心}", f"  contact: {{name: {YAML_MARKER}}}")
    edit(dp, "    title: 机构\n", f"    title: {YAML_MARKER}\n")
    rec = "catalog/resources/junior.yaml"
    edit(rec, "title: 有理数的加法(示例)", f"title: {YAML_MARKER}")
    edit(rec, "description: 示例记录。", f"description: {YAML_MARKER}")
    edit(rec, "provider: 示例平台", f"provider: {YAML_MARKER}\n  author: {YAML_MARKER}")
    edit(rec, "keywords: [有理数]", f"keywords: [{YAML_MARKER}]")
    write(root / "catalog/collections/demo.yaml", f"title: {YAML_MARKER}\ndescription: {YAML_MARKER}\ncurator: {YAML_MARKER}\nitems: [demo-math-weike]\n")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The mini repository with markup planted in every text field, built once; both tests only read it."""
    root = make_mini_repo(tmp_path_factory.mktemp("hostile") / "repo")
    plant(root)
    return build_past_the_html_check(root)


def test_no_injected_markup_survives_in_any_page(hostile_site):
    site = hostile_site
    pages = list(site.rglob("*.html")) + list(site.rglob("*.xml"))
    assert len(pages) > 10
    leaks = [p.relative_to(site).as_posix() for p in pages if MARKER in p.read_text(encoding="utf-8", errors="replace")]
    assert leaks == []
    # and the text is really there, escaped, so the test is not passing on an empty site
    record = (site / "catalog/r/demo-math-weike/index.html").read_text(encoding="utf-8")
    assert record.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= 3
    assert "\\u003cscript\\u003ewindow.__pwned" in record  # inside the JSON-LD
    for page in ("standards/demo/1.0.0/index.html", "datasets/orgs/index.html", "catalog/collections/demo/index.html", "standards/demo/1.0.0/codelists/gender/index.html"):
        assert "&lt;script&gt;window.__pwned" in (site / page).read_text(encoding="utf-8"), page


def test_injected_markup_does_not_run_in_a_browser(hostile_site):
    from playwright.sync_api import sync_playwright

    from .test_browser import ARGS, CHROMIUM

    site = hostile_site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        for rel in ("catalog/r/demo-math-weike/index.html", "datasets/orgs/index.html", "standards/demo/1.0.0/index.html", "index.html"):
            page.goto((site / rel).as_uri())
            assert page.evaluate("typeof window.__pwned") == "undefined", rel
            assert re.search(r"<script>window.__pwned", page.content()) is None
        browser.close()
