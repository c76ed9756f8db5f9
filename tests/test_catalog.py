"""The catalog: rubric, collections, related resources, LearningResource JSON-LD, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from pyld import jsonld

from educat.catalog.records import Rubric, load_rubric, months_between, rubric_problems
from educat.cli import cli
from educat.catalog.exports import atom_feed, catalog_csv, catalog_json
from educat.core.loader import load_repo
from educat.site.pages import SiteContent
from educat.validate import validate_repo

from .conftest import REPO, write
from .test_datasets import _schema_org_loader

FEATURED = {"featured": True, "featured_reason": "好", "reviewer": "张老师", "review_date": "2026-01-10", "license": "cc-by-4.0", "access": "free"}


def kinds(data, today=dt.date(2026, 11, 24)):
    return [(p.field, p.type) for p in rubric_problems(data, 2, Rubric(), today, {"access"})]


def test_rubric_rules():
    assert kinds(FEATURED) == []
    assert kinds({**FEATURED, "license": "copyright"}) == [("license", "rubric-error")]
    assert kinds({**FEATURED, "access": "login"}) == [("access", "rubric-error")]
    assert kinds({**FEATURED, "review_date": "2024-11-24"}) == [("review_date", "rubric-error")]
    assert kinds({**FEATURED, "review_date": "2024-11-25"}) == []
    assert kinds({**FEATURED, "reviewer": ""}) == [("reviewer", "rubric-error")]
    assert kinds({**FEATURED, "featured": False, "license": "copyright"}) == []
    assert months_between(dt.date(2024, 11, 25), dt.date(2026, 11, 24)) == 23


def test_rubric_age_comes_from_the_rubric_file(mini_repo):
    path = mini_repo / "catalog/resources/junior.yaml"
    text = path.read_text(encoding="utf-8").replace("featured: false", "featured: true\n  featured_reason: 好\n  reviewer: 张老师\n  review_date: 2026-01-10\n  access: free")
    path.write_text(text, encoding="utf-8")
    _, report = validate_repo(mini_repo, today=dt.date(2026, 11, 24))
    assert report.errors == []
    write(mini_repo / "catalog/rubric.yaml", "review_max_age_months: 6\n")
    _, report = validate_repo(mini_repo, today=dt.date(2026, 11, 24))
    assert [(p.path, p.field, p.type) for p in report.errors] == [("catalog/resources/junior.yaml", "review_date", "rubric-error")]
    write(mini_repo / "catalog/rubric.yaml", "review_max_age_months: 6\nmonths: 3\n")
    _, report = validate_repo(mini_repo, today=dt.date(2026, 11, 24))
    assert ("catalog/rubric.yaml", 2, "unknown-field") in [(p.path, p.line, p.type) for p in report.errors]


@pytest.mark.parametrize(
    ("text", "line", "type_"),
    [
        ("review_max_age_months: 十二\n", 1, "type-error"),
        ("review_max_age_months: 0\n", 1, "schema-error"),
        ("title: 标准\nexcluded_licenses: 5\n", 2, "type-error"),
        ("criteria: 一条\n", 1, "type-error"),
        ("criteria:\n  - [嵌套]\n", 2, "type-error"),
        ("required_access: {a: 1}\n", 1, "type-error"),
    ],
)
def test_wrong_types_in_the_rubric_are_located_and_the_site_still_loads(mini_repo, text, line, type_):
    write(mini_repo / "catalog/rubric.yaml", text)
    _, report = validate_repo(mini_repo, today=dt.date(2026, 11, 24))
    assert ("catalog/rubric.yaml", line, type_) in [(p.path, p.line, p.type) for p in report.errors]
    assert load_rubric(mini_repo)[0] == Rubric()  # the site and import fall back to the defaults, never crash


def test_collections_must_list_existing_resources(mini_repo):
    write(mini_repo / "catalog/collections/demo.yaml", "title: 演示专题\ndescription: 演示。\ncurator: 示例\nitems:\n  - demo-math-weike\n  - no-such-resource\n")
    _, report = validate_repo(mini_repo)
    assert [(p.path, p.line, p.type) for p in report.errors] == [("catalog/collections/demo.yaml", 6, "dangling-reference")]
    write(mini_repo / "catalog/collections/demo.yaml", "title: 演示专题\ndescription: 演示。\ncurator: 示例\nitems: [demo-math-weike]\n")
    repo, report = validate_repo(mini_repo)
    assert report.valid
    pages = {p.url: p.markdown for p in SiteContent(repo).pages()}
    assert "有理数的加法" in pages["catalog/collections/demo/"]
    assert "演示专题" in pages[""]


def test_related_resources_same_subject_then_next_grade():
    repo, _ = load_repo(REPO)
    content = SiteContent(repo)
    record = next(r for r in repo.records if r.id == "junior-math-g7-pep-rational-add-weike")
    related = content.catalog.related(record)
    assert related and record not in related and len(related) <= 6
    for other in related:
        assert other.data["subject"] == "math"
        assert set(other.data.get("grades") or []) & {"g7", "g8"}
    same_grade = [r for r in related if "g7" in (r.data.get("grades") or [])]
    assert related[: len(same_grade)] == same_grade  # same grade first


def test_learning_resource_json_ld():
    repo, _ = load_repo(REPO)
    content = SiteContent(repo)
    record = next(r for r in repo.records if r.id == "junior-math-g7-pep-rational-add-weike")
    page = content.catalog.record_page(record).markdown
    payload = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(payload)
    [node] = jsonld.expand(data, {"documentLoader": _schema_org_loader})
    assert node["@type"] == ["https://schema.org/LearningResource"]
    alignments = {(a["https://schema.org/alignmentType"][0]["@value"], a["https://schema.org/targetName"][0]["@value"]) for a in node["https://schema.org/educationalAlignment"]}
    assert alignments == {("educationalLevel", "初中"), ("educationalLevel", "七年级"), ("educationalSubject", "数学")}
    subject = next(a for a in data["educationalAlignment"] if a["alignmentType"] == "educationalSubject")
    assert subject["educationalFramework"] == "人教版"


def test_exports_round_trip(tmp_path):
    repo, _ = load_repo(REPO)
    data = json.loads(catalog_json(repo))
    assert data["count"] == len(repo.records) == len(data["resources"])
    assert data["resources"][0]["id"] == repo.records[0].id
    raw = catalog_csv(repo)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [r.id for r in repo.records]
    first = next(r for r in rows if r["id"] == "junior-math-g7-pep-rational-add-weike")
    assert (first["subject"], first["subject_name"], first["grades"], first["featured"]) == ("math", "数学", "g7", "true")
    feed = ET.fromstring(atom_feed(repo, "测试站"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    newest = max(str(r.data["published"]) for r in repo.records)
    assert len(entries) == min(50, len(repo.records))
    assert entries[0].find("a:published", ns).text.startswith(newest)


def test_cli_export_writes_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "catalog.csv"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--root", str(REPO), "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == catalog_csv(load_repo(REPO)[0])
    again = runner.invoke(cli, ["export", "--root", str(REPO), "--format", "csv", "-o", str(target)])
    assert again.exit_code == 1
    assert "已存在,没有覆盖" in again.output


def test_stage_lists_are_paged(monkeypatch):
    import educat.site.catalog_pages as catalog_pages

    monkeypatch.setattr(catalog_pages, "STAGE_PAGE_SIZE", 20)
    repo, _ = load_repo(REPO)
    pages = [p for p in SiteContent(repo).pages() if p.url.startswith("catalog/stage/junior/")]
    junior = sum(1 for r in repo.records if r.data["stage"] == "junior")
    assert [p.url for p in pages] == ["catalog/stage/junior/"] + [f"catalog/stage/junior/p{n}/" for n in range(2, -(-junior // 20) + 1)]
    assert sum(p.markdown.count('<tr><td><a href="') for p in pages) == junior
    assert 'href="../p2/"' not in pages[0].markdown and 'href="p2/"' in pages[0].markdown
