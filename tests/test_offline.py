"""The built site opened from a folder (``file://``), as bureaus copy it onto a USB stick for
training days in schools with no network: tabs and links open pages (not folder listings), the
catalog filters, /find/ and the theme's search box all work, and nothing is requested from
outside the folder. The same output is served over http by the other browser tests.
"""

from __future__ import annotations

import json

import pytest

from educat.site.findindex import Doc, build_index, data_script

from .test_browser import browser, catalog_ids, expected_ids, page  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def folder(real_site_dir) -> str:
    """The real site's folder as a file:// address ending in '/'."""
    return real_site_dir.as_uri() + "/"


def only_local(page, folder: str) -> None:
    outside = [u for u in page.requests if not u.startswith(folder) and not u.startswith(("data:", "about:"))]
    assert outside == []
    assert page.console_errors == []


def heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def test_tabs_and_links_open_pages_not_folder_listings(real_content, folder, page):
    repo, _ = real_content
    page.set_default_timeout(10000)
    page.goto(folder + "index.html")
    page.click(".md-tabs__link >> text=数据标准")
    page.wait_for_url(folder + "standards/index.html")
    assert heading(page).startswith("数据标准")
    std = repo.latest("edu-basic-data")
    page.click(f"article a >> text={std.title}")
    page.wait_for_url(folder + f"standards/edu-basic-data/{std.version}/index.html")
    assert std.title in heading(page)
    # the latest/ alias is a redirect page: from a folder it goes to the version's index.html
    page.goto(folder + "standards/edu-basic-data/latest/index.html")
    page.wait_for_url(folder + f"standards/edu-basic-data/{std.version}/index.html")
    page.click(".md-tabs__link >> text=课程资源")
    page.wait_for_url(folder + "catalog/index.html")
    only_local(page, folder)


def test_catalog_filters_from_a_folder(real_content, folder, page):
    repo, _ = real_content
    page.set_default_timeout(10000)
    page.goto(folder + "catalog/index.html")
    catalog_ids(page)
    assert not page.locator(".educat-status").inner_text().startswith("索引载入失败")
    page.select_option("select[data-facet=stage]", "junior")
    page.select_option("select[data-facet=subject]", "math")
    page.select_option("select[data-facet=grades]", "g7")
    want = expected_ids(repo, stage="junior", grades="g7", subject="math")
    assert len(want) >= 4 and set(catalog_ids(page)) == want
    assert "stage=junior" in page.url and "subject=math" in page.url  # still shareable
    first = page.locator(".educat-results li a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/catalog/r/*/index.html")
    assert heading(page).startswith(title)
    only_local(page, folder)


def test_full_text_search_from_a_folder(folder, page):
    page.set_default_timeout(10000)
    page.goto(folder + "find/index.html")
    page.fill("#educat-find-text", "勾股定理")
    page.click("#educat-find button[type=submit]")
    page.wait_for_selector(".educat-find-result")
    link = page.locator(".educat-find-result > a").first
    assert "勾股定理" in link.inner_text()
    title = link.inner_text()
    link.click()
    page.wait_for_url("**/catalog/r/*/index.html")
    assert heading(page).startswith(title)
    only_local(page, folder)


def test_theme_search_box_from_a_folder(real_content, folder, page):
    repo, _ = real_content
    page.set_default_timeout(10000)
    page.goto(folder + "index.html")
    page.fill("input.md-search__input", "有理数")
    page.wait_for_selector(".md-search-result__item")
    expected = {f"catalog/r/{r.id}/index.html": r.title for r in repo.records if "有理数" in r.title}
    first = page.locator(".md-search-result__item > a").first
    target = first.get_attribute("href").split("?")[0].removeprefix(folder)
    assert target in expected  # a page, not a folder
    first.click()
    page.wait_for_url(folder + target + "?*")  # the theme adds ?h=有理数 to highlight the word
    assert heading(page).startswith(expected[target])
    only_local(page, folder)


def test_every_index_file_has_a_script_twin_with_the_same_data(mini_site, tmp_path):
    """find.js and catalog.js read the .js twins (a folder allows scripts, not fetch); programs
    and the published addresses keep the JSON. Both must hold the same data."""
    _, site = mini_site
    build_index([Doc(f"课{n}", f"r/{n}/", "", "", False, "勾股定理") for n in range(25)], tmp_path)
    folders = [site / "catalog" / "index", site / "find" / "idx", tmp_path / "find" / "idx"]
    checked = 0
    for folder in folders:
        for path in folder.rglob("*.json"):
            twin = path.with_suffix(".js")
            assert twin.read_text(encoding="utf-8") == data_script(path.read_text(encoding="utf-8")), twin
            checked += 1
        assert len(list(folder.rglob("*.js"))) == len(list(folder.rglob("*.json")))
    assert checked > 10
    prefix = "(self.educatIndex=self.educatIndex||{})[document.currentScript.src]="
    script = data_script('{"a":[1,"勾"]}')
    assert script.startswith(prefix) and json.loads(script.removeprefix(prefix).rstrip(";\n")) == {"a": [1, "勾"]}


def test_the_theme_index_is_also_a_script(mini_site):
    """The theme loads search/search_index.js (not the JSON) when opened from a folder."""
    _, site = mini_site
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith("var __index = ")
    assert json.loads(script.removeprefix("var __index = ").rstrip(";\n")) == json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    head = (site / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert '<script src="javascripts/offline.js"></script>' in head  # before the theme's bundle, at the end of <body>
