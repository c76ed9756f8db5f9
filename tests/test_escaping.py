"""Injected markup in every text field that reaches a page must come out escaped.

validate refuses HTML in content; these tests build past that check on purpose, to prove the
pages are safe even if markup gets into the files some other way.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading

import pytest

from .conftest import GOOD_USCC, build_past_the_html_check, make_mini_repo, replace_in, write
from .test_browser import QuietHandler

MARKER = "<script>window.__pwned=1</script>"
YAML_MARKER = "'" + MARKER + "'"


def plant(root):
    def edit(rel, old, new):
        replace_in(root, rel, old, new)

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


# -- the attack's injection cases, loaded in a real browser ---------------------------------------
# Each payload sets window.__pwned (or opens a dialog) if it ever runs: an entity-encoded
# javascript: link in Markdown, an event-handler attribute, a cell that closes the fence around
# the check report, the same written with entities, and a tab inside the scheme.
PAYLOADS = [
    "[点我](javascript&#58;window.__pwned=1)",
    '<img src=x onerror="window.__pwned=2;alert(2)">',
    "\n```\n</code></pre><img src=x onerror=window.__pwned=3>\n```\n",
    "&lt;img src=x onerror=window.__pwned=4&gt;",
    '<a href="jav&#x09;ascript:window.__pwned=5" id="pwn5">pwned</a>',
    "`` <svg onload=window.__pwned=6> ``",
]
PAYLOAD = " pwned ".join(PAYLOADS)


def yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON is YAML: one line, every character kept


@pytest.fixture(scope="module")
def injection_site(tmp_path_factory):
    """The mini repository with the attack's payloads in titles, descriptions, a code-list name,
    an example cell (inside the check report), the API page and catalog/linkcheck.json; built past
    validate's HTML check and served over HTTP so that the theme's search worker runs."""
    root = make_mini_repo(tmp_path_factory.mktemp("inject") / "repo")
    text = yaml_text(PAYLOAD)

    def edit(rel, old, new):
        replace_in(root, rel, old, new, 1)

    std = "standards/demo/1.0.0/"
    edit(std + "standard.yaml", "title: 演示标准", f"title: {text}")
    edit(std + "standard.yaml", "scope: 演示用。", f"scope: {text}")
    edit(std + "entities/org.yaml", "description: 演示实体。", f"description: {text}")
    cell = PAYLOAD.replace('"', '""')
    write(root / (std + "codelists/gender.csv"), f'code,name,description\n0,"{cell}","{cell}"\n1,男,\n2,女,\n9,未说明的性别,\n')
    write(root / (std + "examples/org-invalid.csv"), f'org_id,uscc,gender,staff\n0001,{GOOD_USCC},"{cell}",5\n')
    edit("datasets/orgs/datapackage.yaml", "title: 机构名录(示例)", f"title: {text}")
    edit("catalog/resources/junior.yaml", "title: 有理数的加法(示例)", f"title: {text}")
    edit("catalog/resources/junior.yaml", "description: 示例记录。", f"description: {text}")
    url = "https://resources.example.org/a"
    status = {"checked_at": "2026-12-01T00:00:00Z", "summary": {"broken": 1}, "links": {url: {"status": "broken", "http_status": 404, "final_url": url, "error": PAYLOAD[:500], "checked_at": "2026-12-01T00:00:00Z", "attempts": 1, "resources": ["demo-math-weike"]}}}
    write(root / "catalog/linkcheck.json", json.dumps(status, ensure_ascii=False))
    site = build_past_the_html_check(root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


# What a page must not have once the browser has parsed it: a javascript: link, an inline
# handler attribute anywhere, or the flag a payload sets.
PAGE_PROBE = """() => ({
    pwned: typeof window.__pwned,
    scriptLinks: [...document.querySelectorAll('a[href]')].filter(a => a.protocol === 'javascript:').map(a => a.outerHTML.slice(0, 80)),
    handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes].filter(at => /^on/i.test(at.name)).map(at => el.tagName + ' ' + at.name)),
})"""


def test_no_injection_case_runs_script_in_a_browser(injection_site):
    from playwright.sync_api import sync_playwright

    from .test_browser import ARGS, CHROMIUM

    site, base = injection_site
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    planted = [rel for rel in pages if "pwned" in (site / rel).read_text(encoding="utf-8")]
    # the payloads really reached the pages that show them (so the test cannot pass on an empty site)
    for rel in ("standards/demo/1.0.0/index.html", "catalog/r/demo-math-weike/index.html", "datasets/orgs/index.html", "standards/demo/1.0.0/codelists/gender/index.html", "catalog/links/index.html"):
        assert rel in planted, rel
    dialogs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for rel in planted:
            page.goto(base + rel[: -len("index.html")])
            page.wait_for_load_state("load")
            assert page.evaluate(PAGE_PROBE) == {"pwned": "undefined", "scriptLinks": [], "handlers": []}, rel
        # the theme's search renders snippets of the planted text: they must stay text as well
        page.goto(base)
        page.fill("input.md-search__input", "pwned")
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        assert page.evaluate(PAGE_PROBE) == {"pwned": "undefined", "scriptLinks": [], "handlers": []}, "search"
        # and so must the full-text search page (find/)
        page.goto(base + "find/?text=pwned")
        page.wait_for_selector("#educat-find-results li", timeout=15000)
        assert page.evaluate(PAGE_PROBE) == {"pwned": "undefined", "scriptLinks": [], "handlers": []}, "find"
        browser.close()
    assert dialogs == []
