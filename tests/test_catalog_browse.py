"""The catalog page as a teacher meets it, on a phone and on a desktop: results on the first
screen, the filters folded on a phone, a count beside every option, "共 N 条" only for a real
choice, results that say what each resource is; 学科 in the curriculum's order on the 学段 pages;
the distributions on a page of their own. Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .test_browser import ARTIFACTS, browser, catalog_ids, real_site  # noqa: F401  (fixtures)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(params=["phone", "desktop"])
def device(request, browser):  # noqa: F811
    context = browser.new_context(**(PHONE if request.param == "phone" else DESKTOP))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(10000)
    yield request.param, page
    context.close()


def test_results_come_first_and_the_filters_fold_on_a_phone(real_site, device):  # noqa: F811
    _, base = real_site
    name, page = device
    page.goto(base + "catalog/")
    catalog_ids(page)
    first = page.locator(".educat-results li").first
    box = first.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] + box["height"] <= height, f"{name}: the first result starts at {box and box['y']} px"
    folded = not page.eval_on_selector("details.educat-filterbox", "d => d.open")
    assert folded == (name == "phone")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"catalog-teacher-{name}.png"))
    if name == "phone":
        # the folded box opens with a tap and shows the filters
        page.click("details.educat-filterbox > summary")
        assert page.locator("select[data-facet=stage]").is_visible()
        page.select_option("select[data-facet=stage]", "junior")
        catalog_ids(page)
        assert "初中" in page.locator(".educat-chosen").inner_text()
    assert page.errors == []


def option_texts(page, field: str) -> list[str]:
    return page.eval_on_selector_all(f"select[data-facet={field}] option", "os => os.map(o => o.textContent)")


def test_counts_beside_every_option_and_a_total_only_for_a_choice(real_site, browser):  # noqa: F811
    repo, base = real_site
    page = browser.new_page(viewport=DESKTOP["viewport"])
    try:
        page.goto(base + "catalog/")
        catalog_ids(page)
        status = page.locator(".educat-status").inner_text()
        assert not status.startswith("共") and f"全部 {len(repo.records)} 条" in status  # nothing chosen: no "共 N 条符合条件"
        # with nothing chosen, every count is the whole catalog's (not the newest 40's)
        weike = sum(1 for r in repo.records if r.data.get("resource_type") == "weike")
        assert f"微课({weike})" in option_texts(page, "resource_type")
        for field in ("stage", "grades", "subject", "edition", "resource_type", "audience", "license"):
            texts = option_texts(page, field)
            assert texts[0] == f"全部({len(repo.records)})"
            assert all(re.fullmatch(r".+\(\d+\)", t) for t in texts), (field, texts)
        page.select_option("select[data-facet=stage]", "junior")
        page.select_option("select[data-facet=subject]", "math")
        catalog_ids(page)
        want = [r for r in repo.records if r.data.get("stage") == "junior" and r.data.get("subject") == "math"]
        assert page.locator(".educat-status").inner_text() == f"共 {len(want)} 条符合条件"
        types = {}
        for r in want:
            types[r.data["resource_type"]] = types.get(r.data["resource_type"], 0) + 1
        assert f"微课({types['weike']})" in option_texts(page, "resource_type")
        assert option_texts(page, "resource_type")[0] == f"全部({len(want)})"
    finally:
        page.close()


def test_a_result_says_type_grade_edition_and_what_it_is(real_site, browser):  # noqa: F811
    repo, base = real_site
    page = browser.new_page(viewport=DESKTOP["viewport"])
    try:
        record = next(r for r in repo.records if r.id == "junior-math-g7-pep-rational-add-weike")
        page.goto(base + "catalog/?stage=junior&subject=math&grade=g7&type=weike")
        catalog_ids(page)
        item = page.locator(f'.educat-results li[data-id="{record.id}"]')
        assert item.locator(".educat-result-info").inner_text().split(" · ") == ["微课", "七年级", "数学", "人教版"]
        description = item.locator(".educat-result-desc").inner_text()
        assert description and record.data["description"].startswith(description.rstrip("…"))
        # one line: the description does not wrap
        assert item.locator(".educat-result-desc").evaluate("p => p.getClientRects().length === 1 && p.scrollHeight <= parseFloat(getComputedStyle(p).lineHeight) * 1.5")
    finally:
        page.close()


class Cells(HTMLParser):
    """The text of the cells of the first table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_stage_pages_list_subjects_in_curriculum_order(real_content, real_site_dir):
    repo, _ = real_content
    codes = repo.catalog_standard.codelists["subject"].codes
    order = [c.name for c in codes.values()]
    for stage in ("primary", "junior", "senior"):
        parser = Cells()
        parser.feed((real_site_dir / "catalog" / "stage" / stage / "index.html").read_text(encoding="utf-8"))
        subjects = [row[2] for row in parser.rows if len(row) > 2]
        seen = list(dict.fromkeys(subjects))
        assert len(seen) > 2, (stage, seen)
        assert seen == sorted(seen, key=order.index), (stage, seen)  # 道德与法治, 语文, 数学, 英语 …, not by English code


def test_distributions_have_a_page_of_their_own(real_content, real_site_dir):
    repo, _ = real_content
    browse = (real_site_dir / "catalog" / "index.html").read_text(encoding="utf-8")
    stats = (real_site_dir / "catalog" / "stats" / "index.html").read_text(encoding="utf-8")
    assert "educat-bars" not in browse and 'href="stats/"' in browse
    assert stats.count('class="educat-bars"') == 2 and f"共 {len(repo.records)} 条课程资源" in stats


def test_the_find_page_speaks_to_teachers(real_site_dir):
    find = (real_site_dir / "find" / "index.html").read_text(encoding="utf-8")
    intro = find.split('<form id="educat-find"')[0]
    assert "勾股定理" in intro
    for jargon in ("jieba", "索引", "分块", "下载"):
        assert jargon not in intro.split("<h1")[-1], jargon
