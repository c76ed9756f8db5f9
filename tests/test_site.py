"""The generated site: pages, downloads, escaping, atomic builds, no third-party requests."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.site.build import build_site
from educat.validate import validate_repo

from .conftest import build_past_the_html_check, write


def checksums(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "site" not in p.relative_to(root).parts[:1]
    }


@pytest.fixture
def built(mini_repo):
    """A build of its own, for a test that changes the content or the site (read-only tests
    use the session's ``mini_site``)."""
    out = build_site(mini_repo, mini_repo / "site")
    return mini_repo, out


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_pages_exist_with_stable_urls(mini_site):
    root, site = mini_site
    assert "演示标准" in page(site, "standards/demo/1.0.0")
    assert "机构名录" in page(site, "datasets/orgs")
    assert "有理数的加法" in page(site, "catalog/r/demo-math-weike")
    assert "有理数的加法" in page(site, "catalog/stage/junior")
    redirect = (site / "standards/demo/latest/index.html").read_text(encoding="utf-8")
    assert 'content="0; url=../1.0.0/"' in redirect
    assert (site / ".educat-site").is_file()


def test_standard_page_has_dictionary_codelists_examples_downloads(mini_site):
    root, site = mini_site
    html = page(site, "standards/demo/1.0.0")
    for text in ("机构编号", "统一社会信用代码", "<code>org_id</code>", 'href="codelists/gender/"', "org-invalid.csv", "应报错:第 2 行 gender code-error", "GB 32100-2015"):
        assert text in html, text
    # the check section shows the real report on the invalid example
    assert "educat check 你的文件.xlsx --standard demo@1.0.0 --entity org" in html
    assert "org-invalid.csv (第 2 行 C 列, 字段 gender(负责人性别)): 错误 [code-error] “3” 不是代码表 gender(性别)中的代码" in html
    codes = page(site, "standards/demo/1.0.0/codelists/gender")
    assert "未说明的性别" in codes
    assert "演示标准 1.0.0 / 机构 · gender(负责人性别)" in codes
    schema = json.loads((site / "standards/demo/1.0.0/files/org.schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]] == ["org_id", "uscc", "gender", "staff"]
    codes = json.loads((site / "standards/demo/1.0.0/files/codelists/gender.json").read_text(encoding="utf-8"))
    assert [c["code"] for c in codes["codes"]] == ["0", "1", "2", "9"]
    assert (site / "standards/demo/1.0.0/files/codelists/gender.csv").read_bytes() == b"\xef\xbb\xbf" + (root / "standards/demo/1.0.0/codelists/gender.csv").read_bytes()  # published with a BOM


def test_dataset_page_shows_catalog_metadata_and_dictionary(mini_site):
    root, site = mini_site
    html = page(site, "datasets/orgs")
    for text in ("示例局", "无条件共享", "无条件开放", "每年", "演示标准 1.0.0 / 机构", "机构编号", "0002"):
        assert text in html, text
    assert "负责人性别" not in html  # the dataset uses only the fields it lists


def test_per_item_pages_stay_out_of_the_nav(mini_site):
    root, site = mini_site
    home = page(site, "")
    assert "有理数的加法" in page(site, "catalog/r/demo-math-weike")
    assert 'href="catalog/r/demo-math-weike/"' not in home.split('<div class="md-content"')[0]


def test_content_is_escaped(mini_repo):
    marker = '<script>alert("x")</script>'
    path = mini_repo / "catalog/resources/junior.yaml"
    text = path.read_text(encoding="utf-8").replace("title: 有理数的加法(示例)", f"title: '有理数 {marker}'")
    text = text.replace("description: 示例记录。", "description: '<img src=x onerror=alert(1)> **粗体**'")
    path.write_text(text, encoding="utf-8")
    site = build_past_the_html_check(mini_repo)
    html = page(site, "catalog/r/demo-math-weike")
    assert marker not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_unsafe_urls_are_not_links(mini_repo):
    path = mini_repo / "catalog/resources/junior.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("url: https://resources.example.org/a", "url: javascript:alert(1)"), encoding="utf-8")
    _, report = validate_repo(mini_repo)
    assert [(p.field, p.type) for p in report.errors] == [("url", "constraint-error")]


def test_failed_build_keeps_the_good_site(built):
    root, site = built
    before = checksums(site)
    write(root / "catalog/resources/junior.yaml", "- id: [\n")
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(site)])
    assert result.exit_code == 1
    assert checksums(site) == before
    assert not [p for p in root.iterdir() if p.name.startswith(".site-build-")]


def test_build_does_not_touch_sources(mini_repo):
    before = checksums(mini_repo)
    build_site(mini_repo, mini_repo / "site")
    build_site(mini_repo, mini_repo / "site")  # rebuilding over its own output is fine
    assert checksums(mini_repo) == before


def test_no_third_party_requests_in_html(mini_site):
    root, site = mini_site
    # a canonical link names the page's own address and loads nothing
    external = re.compile(r'<(?:script|link(?![^>]*rel="canonical")|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    offenders = [p for p in site.rglob("*.html") if external.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert "fonts.googleapis" not in page(site, "")


def test_search_index_segments_chinese(mini_site):
    root, site = mini_site
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    entries = [d for d in index["docs"] if d["location"].startswith("catalog/r/demo-math-weike/")]
    text = " ".join(d["title"] + " " + d["text"] for d in entries)
    tokens = set(re.split(r"[\s\u200b]+", text))
    assert {"数学", "微课", "有理数"} <= tokens


def test_registry_and_downloads(mini_site):
    root, site = mini_site
    registry = json.loads((site / "standards.json").read_text(encoding="utf-8"))
    demo = next(s for s in registry["standards"] if s["slug"] == "demo")
    assert (demo["latest"], demo["latest_url"]) == ("1.0.0", "standards/demo/latest/")
    files = demo["versions"][0]["files"]["entities"]["org"]
    for key in ("table_schema", "json_schema", "template", "sample_csv", "source"):
        assert (site / files[key]).is_file(), key
    sample = (site / files["sample_csv"]).read_bytes()
    assert sample.startswith(b"\xef\xbb\xbf\xe6\x9c\xba\xe6\x9e\x84\xe7\xbc\x96\xe5\x8f\xb7")  # BOM + 机构编号


def test_cross_list_tree_on_the_grade_page(real_content):
    from educat.site.pages import SiteContent

    repo, _ = real_content
    pages = {p.url: p.markdown for p in SiteContent(repo).pages()}
    grade = pages["standards/resource-metadata/1.0.0/codelists/grade/"]
    junior = grade.index("<code>junior</code> 初中")
    assert junior < grade.index("<code>g7</code> 七年级") < grade.index("<code>senior</code> 高中")


def test_every_csv_the_site_publishes_starts_with_a_utf8_bom(mini_site):
    """Excel on Windows reads a CSV as GBK unless it starts with a BOM: every CSV on the site has
    one, including copies of source files (code lists, examples, dataset files) that lack it in
    git, and the copy keeps the source's bytes after the BOM."""
    root, site = mini_site
    published = sorted(site.rglob("*.csv"))
    assert len(published) >= 5
    assert [p.relative_to(site) for p in published if not p.read_bytes().startswith(b"\xef\xbb\xbf")] == []
    served = {p.read_bytes() for p in published}
    bare = [p for p in (root / "standards").rglob("*.csv") if not p.read_bytes().startswith(b"\xef\xbb\xbf")]
    assert bare  # the mini repository's standard has source CSVs (code lists, examples) without a BOM
    assert [p.relative_to(root) for p in bare if b"\xef\xbb\xbf" + p.read_bytes() not in served] == []


def test_the_404_page_is_chinese_and_follows_a_sub_path(mini_repo):
    """Material's 404 page says "404 - Not found"; ours is in Chinese, and with a site_url under a
    sub-path every link and asset on it lives under that path (a 404 is served at any depth, so
    only site_url can tell it where the site is)."""
    config = mini_repo / "mkdocs.yml"
    config.write_text("site_url: https://edu.example.cn/bureau/data/\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    site = build_site(mini_repo, mini_repo / "site")
    text = (site / "404.html").read_text(encoding="utf-8")
    assert "页面不存在" in text and "Not found" not in text
    links = re.findall(r'(?:href|src)="(/[^"]*)"', text)
    assert links and [link for link in links if not link.startswith("/bureau/data/")] == []
    assert 'href="/bureau/data/find/"' in text


def test_stage_pages_link_back_to_the_catalog(mini_site):
    """A 学段 page (catalog/stage/<code>/) links to the catalog page, not to catalog/stage/,
    which has no page."""
    _, site = mini_site
    stage_pages = list((site / "catalog" / "stage").glob("*/index.html"))
    assert stage_pages
    for path in stage_pages:
        hrefs = re.findall(r'href="([^"#]*)"', path.read_text(encoding="utf-8"))
        targets = {(path.parent / h).resolve() for h in hrefs if h and "://" not in h and not h.startswith("/")}
        pages = {t / "index.html" if t.is_dir() else t for t in targets}
        assert (site / "catalog" / "index.html").resolve() in pages
        assert [t for t in pages if not t.is_file()] == []


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def test_no_internal_link_on_the_site_is_broken(mini_site):
    """Every relative href and src on every page resolves to a file of the built site (a folder
    to its index.html). Root-absolute links appear only on 404.html, which is served at any
    depth and follows site_url."""
    _, site = mini_site
    broken, absolute = [], set()
    pages = list(site.rglob("*.html"))
    for path in pages:
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if parts.path.startswith("/"):
                absolute.add(path.relative_to(site).as_posix())
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            if not (target / "index.html" if target.is_dir() else target).is_file():
                broken.append((path.relative_to(site).as_posix(), link))
    assert len(pages) > 20
    assert broken == []
    assert absolute <= {"404.html"}
