"""The real site in a real browser: Debian's headless Chromium driven by Playwright.

The site built from this repository's own content is served on 127.0.0.1. Chromium comes
from the project's set-up (``make test`` installs the Debian package); Playwright never
downloads a browser of its own.
"""

from __future__ import annotations

import functools
import json
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

from educat.site.build import build_site

from .conftest import REPO

CHROMIUM = os.environ.get("EDUCAT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def real_site(real_site_dir, real_content):
    repo, _ = real_content
    site = real_site_dir
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield repo, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} 不存在:请用 make test 安装 Debian 的 chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.requests = []
    pg.console_errors = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


def search(page, base: str, query: str) -> list[str]:
    page.goto(base)
    page.fill("input.md-search__input", query)
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    page.wait_for_function("document.querySelectorAll('.md-search-result__item').length >= 5", timeout=15000)
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.getAttribute('href'))")
    return [urlparse(h).path.lstrip("/") for h in hrefs]


def test_chinese_search_finds_math_micro_lectures(real_site, page):
    repo, base = real_site
    expected = {f"catalog/r/{r.id}/" for r in repo.records if r.data.get("subject") == "math" and r.data.get("resource_type") == "weike"}
    assert len(expected) >= 5
    found = search(page, base, "数学 微课")
    top = found[: min(10, len(expected))]
    assert set(top) <= expected, top


def test_chinese_search_multi_character_word(real_site, page):
    repo, base = real_site
    expected = {f"catalog/r/{r.id}/" for r in repo.records if "有理数" in r.title}
    assert expected
    found = search(page, base, "有理数")
    assert found[0] in expected
    assert expected <= set(found)


PAGES = {
    "home": "",
    "standards": "standards/",
    "standard": "standards/edu-basic-data/1.0.0/",
    "codelist": "standards/edu-basic-data/1.0.0/#codelist-ethnicity",
    "dataset": "datasets/school-directory/",
    "catalog": "catalog/",
    "stage": "catalog/stage/junior/",
    "resource": "catalog/r/junior-math-g7-pep-rational-add-weike/",
    "latest": "standards/edu-basic-data/latest/",
    "codelist-page": "standards/edu-basic-data/1.0.0/codelists/ethnicity/",
    "api": "standards/app-access/1.0.0/api/",
    "search": "find/?text=数学",
    "collection": "catalog/collections/golden-school/",
    "rubric": "catalog/rubric/",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_load_with_no_third_party_request(real_site, page, name):
    _, base = real_site
    response = page.goto(base + PAGES[name])
    assert response is not None and response.ok
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().strip()
    outside = [u for u in page.requests if not u.startswith(base) and not u.startswith("data:")]
    assert outside == []
    assert page.console_errors == []


def test_latest_redirects_to_newest_version(real_site, page):
    repo, base = real_site
    page.goto(base + "standards/edu-basic-data/latest/")
    page.wait_for_url(f"**/standards/edu-basic-data/{repo.latest('edu-basic-data').version}/")
    assert repo.latest("edu-basic-data").title in page.locator("h1").first.inner_text()


def test_dataset_index_filters_with_counts_and_url(real_site, page):
    repo, base = real_site
    page.goto(base + "datasets/")
    rows = page.locator("#dataset-table tbody tr")
    assert rows.count() == len(repo.datasets)
    cycle = next(iter(sorted({str(ds.catalog["update_cycle"]) for ds in repo.datasets.values()})))
    expected = sorted(ds.title for ds in repo.datasets.values() if ds.catalog["update_cycle"] == cycle)
    page.select_option("select[data-filter=update_cycle]", cycle)
    visible = sorted(t.strip() for t in page.locator("#dataset-table tbody tr:not([hidden]) td:first-child").all_inner_texts())
    assert visible == expected
    assert "update_cycle=" in page.url
    assert page.locator(".educat-filter-status").inner_text() == f"显示 {len(expected)} / {len(repo.datasets)} 个数据集"
    # the other filters now count only within the chosen cycle
    theme_all = page.locator("select[data-filter=theme] option").first.inner_text()
    assert theme_all == f"全部({len(expected)})"
    page.reload()
    visible_again = sorted(t.strip() for t in page.locator("#dataset-table tbody tr:not([hidden]) td:first-child").all_inner_texts())
    assert visible_again == expected
    assert page.console_errors == []


def catalog_ids(page) -> list[str]:
    page.wait_for_function("!document.querySelector('.educat-status').textContent.startsWith('正在')")
    return page.eval_on_selector_all(".educat-results li", "els => els.map(e => e.dataset.id)")


def expected_ids(repo, **want) -> set[str]:
    def ok(r):
        d = r.data
        for field, value in want.items():
            have = d.get(field)
            if isinstance(have, list) and value not in have or not isinstance(have, list) and have != value:
                return False
        return True

    return {r.id for r in repo.records if ok(r)}


def test_catalog_facets_narrow_to_exact_records_and_live_in_the_url(real_site, page):
    repo, base = real_site
    page.goto(base + "catalog/")
    catalog_ids(page)
    page.select_option("select[data-facet=stage]", "junior")
    assert set(catalog_ids(page)) <= expected_ids(repo, stage="junior")
    page.select_option("select[data-facet=grades]", "g7")
    page.select_option("select[data-facet=subject]", "math")
    want = expected_ids(repo, stage="junior", grades="g7", subject="math")
    assert len(want) >= 4
    assert set(catalog_ids(page)) == want
    assert "stage=junior" in page.url and "grade=g7" in page.url and "subject=math" in page.url
    # the grade list depends on the stage: only grades that junior records have
    grades = page.eval_on_selector_all("select[data-facet=grades] option", "os => os.map(o => o.value).filter(Boolean)")
    assert set(grades) == {g for r in repo.records if r.data["stage"] == "junior" for g in r.data.get("grades") or []}
    url = page.url
    page.goto(url)
    assert set(catalog_ids(page)) == want
    assert page.locator("select[data-facet=subject]").input_value() == "math"
    # a keyword narrows further
    word = "有理数"
    page.fill("input[data-facet=q]", word)
    page.wait_for_function("location.search.includes('q=')")
    narrowed = {i for i in want if word in next(r for r in repo.records if r.id == i).title or word in " ".join(next(r for r in repo.records if r.id == i).data.get("keywords") or [])}
    assert narrowed and set(catalog_ids(page)) == narrowed
    assert page.console_errors == []


def test_catalog_featured_filter_and_pages(real_site, page):
    repo, base = real_site
    page.goto(base + "catalog/?featured=1")
    featured = {r.id for r in repo.records if r.data.get("featured") is True}
    ids = catalog_ids(page)
    assert set(ids) <= featured and len(ids) == min(20, len(featured))
    assert page.locator(".educat-status").inner_text() == f"共 {len(featured)} 条符合条件"
    page.goto(base + "catalog/?stage=primary")
    first = catalog_ids(page)
    primary = expected_ids(repo, stage="primary")
    assert len(first) == min(20, len(primary))
    if len(primary) > 20:
        page.click("text=下一页")
        second = catalog_ids(page)
        assert not set(first) & set(second) and "page=2" in page.url
    # keyboard: the facets are labelled form controls reachable with Tab
    assert page.get_attribute("select[data-facet=stage]", "aria-label") == "按学段筛选"


@pytest.fixture(scope="module")
def narrow_site(tmp_path_factory):
    """The same content with the browse page's load limit set to 50 records (plugin option
    browse_max), as a big catalog would meet it."""
    import yaml

    folder = tmp_path_factory.mktemp("narrow")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["plugins"] = [p if p != "educat" else {"educat": {"root": str(REPO), "browse_max": 50}} for p in config["plugins"]]
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    site = build_site(folder, folder / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_catalog_never_loads_more_than_its_limit(real_site, narrow_site, page):
    repo, _ = real_site
    base = narrow_site
    page.goto(base + "catalog/?q=数学")
    catalog_ids(page)
    status = page.locator(".educat-status").inner_text()
    assert f"所选范围有 {len(repo.records)} 条资源,超过一次载入的上限 50 条" in status
    link = page.locator("a.educat-catalog-find")
    assert link.is_visible() and urlparse(link.get_attribute("href")).path.endswith("/find/")
    assert not [u for u in page.requests if "/catalog/index/" in u and not u.endswith("meta.js")]  # no shard loaded
    stages = {}
    for r in repo.records:
        stages[r.data.get("stage")] = stages.get(r.data.get("stage"), 0) + 1
    small = min(stages, key=stages.get)
    assert stages[small] <= 50
    page.goto(base + f"catalog/?stage={small}")
    ids = catalog_ids(page)
    assert len(ids) == min(20, stages[small]) and set(ids) <= expected_ids(repo, stage=small)
    assert page.locator(".educat-status").inner_text() == f"共 {stages[small]} 条符合条件"
    assert not page.locator("a.educat-catalog-find").is_visible()
    # a 学段 and a 学科 together always load, even where the 学段's shard passes the limit
    big = max(stages, key=stages.get)
    subject = max({r.data.get("subject") for r in repo.records if r.data.get("stage") == big}, key=lambda c: len(expected_ids(repo, stage=big, subject=c)))
    want = expected_ids(repo, stage=big, subject=subject)
    page.goto(base + f"catalog/?stage={big}&subject={subject}")
    ids = catalog_ids(page)
    assert len(ids) == min(20, len(want)) and set(ids) <= want
    assert page.locator(".educat-status").inner_text() == f"共 {len(want)} 条符合条件"


def test_full_text_search_is_chunked_local_and_small(real_site, browser):
    """/find/ over the split index: Chinese words are matched as words, one query downloads
    only a few small files, everything is local, and the theme's search box links to it."""
    repo, base = real_site
    context = browser.new_context()
    pg = context.new_page()
    sizes: dict[str, int] = {}
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def record(response):
        try:
            sizes[response.url] = len(response.body())
        except Exception:  # noqa: BLE001 - redirects have no body
            sizes[response.url] = 0

    pg.on("response", record)
    pg.goto(base + "find/?text=" + "数学 微课")
    pg.wait_for_selector(".educat-find-result", timeout=15000)
    pg.wait_for_load_state("networkidle")
    links = pg.eval_on_selector_all(".educat-find-result > a", "els => els.map(e => new URL(e.href).pathname.replace(/^\\//, ''))")
    expected = {f"catalog/r/{r.id}/" for r in repo.records if r.data.get("subject") == "math" and r.data.get("resource_type") == "weike"}
    assert links and set(links[:5]) <= expected, links[:5]
    total = int(pg.locator("#educat-find-status").inner_text().split("共 ")[1].split(" 条")[0])
    assert total >= len(expected)  # every math 微课 carries both words; the status counts all results
    assert len(links) == min(20, total)
    assert all(url.startswith(base) for url in sizes), [u for u in sizes if not u.startswith(base)]
    query_bytes = sum(size for url, size in sizes.items() if "/find/idx/" in url or url.endswith("/find.js"))
    assert 0 < query_bytes <= 500 * 1024, f"{query_bytes} bytes of search code and index fetched for one query"
    # 更多结果: a double click adds the next page once
    pg.fill("#educat-find-text", "数学")
    pg.click("#educat-find button[type=submit]")
    pg.wait_for_function("document.querySelector('#educat-find-status').textContent.indexOf('按词检索:数学)') >= 0")
    total = int(pg.locator("#educat-find-status").inner_text().split("共 ")[1].split(" 条")[0])
    assert total > 20
    pg.dblclick("#educat-find-more")
    pg.wait_for_function(f"document.querySelectorAll('.educat-find-result').length >= {min(40, total)}")
    pg.wait_for_load_state("networkidle")
    more = pg.eval_on_selector_all(".educat-find-result > a", "els => els.map(e => e.getAttribute('href'))")
    assert len(more) == min(40, total) == len(set(more))
    # a four-character word is searched as that word, not as its characters
    pg.fill("#educat-find-text", "勾股定理")
    pg.click("#educat-find button[type=submit]")
    pg.wait_for_function("document.querySelector('#educat-find-status').textContent.indexOf('勾股定理') >= 0")
    first = pg.eval_on_selector_all(".educat-find-result > a", "els => els.map(e => e.textContent)")
    assert first and "勾股定理" in first[0], first[:3]
    assert "text=%E5%8B%BE%E8%82%A1%E5%AE%9A%E7%90%86" in pg.url  # the query is in the address, ready to share
    # a word typed in part stands for the indexed words it begins
    pg.fill("#educat-find-text", "勾股")
    pg.click("#educat-find button[type=submit]")
    pg.wait_for_function("document.querySelector('#educat-find-status').textContent.indexOf('勾股…') >= 0")
    assert "勾股定理" in pg.eval_on_selector_all(".educat-find-result > a", "els => els.map(e => e.textContent)")[0]
    # the theme's search box offers the same words on the full-text page
    pg.goto(base)
    pg.click("label.md-search__icon, .md-search__input", timeout=5000)
    pg.fill("input.md-search__input", "有理数")
    link = pg.locator("a.educat-find-link")
    link.wait_for(state="visible", timeout=5000)
    assert urlparse(link.get_attribute("href")).path.endswith("/find/") and "text=" in link.get_attribute("href")
    assert errors == []
    context.close()


def test_more_results_only_when_there_are_more(real_site, page):
    """/find/'s 更多结果 shows only while results remain, and each click shows the next 20."""
    _, base = real_site
    page.set_default_timeout(10000)
    page.goto(base + "find/")
    more = page.locator("#educat-find-more")
    shown = page.locator(".educat-find-result")
    page.wait_for_load_state("networkidle")
    assert not more.is_visible()  # no query yet

    def run(query: str) -> int:
        page.fill("#educat-find-text", query)
        page.click("#educat-find button[type=submit]")
        page.wait_for_function(f"document.querySelector('#educat-find-status').textContent.indexOf('按词检索:{query})') >= 0")
        page.wait_for_function("document.querySelectorAll('.educat-find-result').length > 0")
        return int(page.locator("#educat-find-status").inner_text().split("共 ")[1].split(" 条")[0])

    assert run("勾股定理") <= 20
    assert not more.is_visible()
    total = run("数学")
    assert total > 20 and shown.count() == 20 and more.is_visible()
    while more.is_visible():
        before = shown.count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('.educat-find-result').length > {before}")
        assert shown.count() == min(before + 20, total)
    assert shown.count() == total
    links = page.eval_on_selector_all(".educat-find-result > a", "els => els.map(e => e.getAttribute('href'))")
    assert len(set(links)) == total  # each result once
    assert page.console_errors == []


AXE = REPO / ".cache/npm/node_modules/axe-core/axe.min.js"
ARTIFACTS = REPO / "test-artifacts"


@pytest.mark.parametrize("name", ["home", "standard", "dataset", "catalog", "resource", "codelist-page", "search"])
def test_accessibility_basics(real_site, page, name):
    _, base = real_site
    assert AXE.is_file(), "axe-core 未安装:make test 会用 npm 安装它"
    page.goto(base + PAGES[name])
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "zh-CN"
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(el => {
            if (getComputedStyle(el).display === 'none') return false;  // not exposed to assistive technology
            if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')) return false;
            return !(el.id && document.querySelector(`label[for="${el.id}"]`));
        }).map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    assert page.evaluate("[...document.querySelectorAll('svg[role=img]')].every(s => s.querySelector('title') && s.querySelector('title').textContent.trim())")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.nodes.length)")
    assert result == [], result


@pytest.mark.parametrize(
    "url, content_type",
    [
        ("standards/edu-basic-data/1.0.0/files/codelists/gender.csv", "text/csv"),
        ("standards/edu-basic-data/1.0.0/files/codelists/gender.json", "application/json"),
        ("standards/edu-basic-data/1.0.0/files/templates/student.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("datasets/school-directory/downloads/schools.csv", "text/csv"),
        ("datasets/school-directory/downloads/datapackage.json", "application/json"),
        ("datasets.json", "application/json"),
        ("feed.xml", "application/xml"),
    ],
)
def test_downloads_have_the_right_content_type(real_site, page, url, content_type):
    _, base = real_site
    response = page.request.get(base + url)
    assert response.ok
    assert response.headers["content-type"].split(";")[0] == content_type
    assert len(response.body()) > 0


def test_mobile_screenshot_artifact(real_site, browser):
    _, base = real_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(base + "catalog/r/junior-math-g7-pep-rational-add-weike/")
    pg.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "mobile-resource.png"
    pg.screenshot(path=str(target), full_page=False)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (780, 1688)
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling
    context.close()


def test_find_script_on_a_split_index(browser, tmp_path, monkeypatch):
    """find.js against an index whose term files are split (as a big catalog's are): partial
    words of a split prefix, words that are object keys in JavaScript, and a very long query."""
    import shutil

    from educat.site import findindex
    from educat.site.catalog_pages import FIND_FORM

    monkeypatch.setattr(findindex, "TERM_FILE_MAX", 100)
    docs = [findindex.Doc(f"xyz{i} 勾股定理", f"r/{i}/", "资源", "", False, "x" * i) for i in range(1, 9)]
    findindex.build_index(docs, tmp_path)
    meta = json.loads((tmp_path / "find/idx/meta.json").read_text(encoding="utf-8"))
    assert "xy" in meta["split"]  # the case under test: the prefix typed has been split
    (tmp_path / "javascripts").mkdir()
    for name in ("offline.js", "find.js"):  # offline.js (in every page's head) holds the index loader
        shutil.copy(REPO / "docs/javascripts" / name, tmp_path / "javascripts" / name)
    (tmp_path / "find/index.html").write_text(f'<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="../javascripts/offline.js"></script><body>{FIND_FORM}<script src="../javascripts/find.js"></script>', encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/find/"
    pg = browser.new_context().new_page()
    failures: list[str] = []
    pg.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
    pg.on("response", lambda r: failures.append(r.url) if r.status >= 400 else None)
    try:
        def status(query: str) -> str:
            pg.goto(base + "?text=" + query)
            pg.wait_for_function("/共|没有|无法/.test(document.getElementById('educat-find-status').textContent)", timeout=10000)
            return pg.locator("#educat-find-status").inner_text()

        assert status("xy").startswith(f"共 {findindex.PREFIX_TERMS} 条结果")  # the most frequent xyz* terms
        assert status("xyz5").startswith("共 1 条结果")
        assert status("constructor").startswith("没有找到结果")
        mixed = status("勾股定理 constructor")  # a word the index lacks is named and left out
        assert mixed.startswith("共 8 条结果") and "索引中没有:constructor" in mixed
        long = status("勾股定理 " + "股" * 2000)  # cut to 100 characters, answered at once
        assert long.startswith("共 8 条结果") and long.endswith("索引中没有:股。")
        assert failures == []
    finally:
        pg.context.close()
        server.shutdown()
