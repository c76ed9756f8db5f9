"""Dataset pages: profile, downloads, JSON-LD, privacy gate, charts."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics

import pytest
from frictionless import Package
from openpyxl import load_workbook
from pyld import jsonld

from educat.core import urls
from educat.site.build import build_site
from educat.site.pages import SiteContent
from educat.validate import validate_repo

from .conftest import GOOD_USCC, build_past_the_html_check, make_mini_repo, write

ORGS = [("0001", GOOD_USCC, "12"), ("0002", GOOD_USCC, "3"), ("0003", "", "7"), ("0004", GOOD_USCC, "")]
ORGS_CSV = "org_id,uscc,staff\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ORGS)


@pytest.fixture
def orgs_repo(mini_repo):
    write(mini_repo / "datasets/orgs/data/orgs.csv", ORGS_CSV)
    return mini_repo


@pytest.fixture(scope="module")
def orgs_site(tmp_path_factory):
    """The orgs dataset built once for the module's read-only tests."""
    root = make_mini_repo(tmp_path_factory.mktemp("orgs") / "repo")
    write(root / "datasets/orgs/data/orgs.csv", ORGS_CSV)
    return root, build_site(root, root / "site")


def test_profile_numbers_match_an_independent_computation(orgs_repo):
    repo, report = validate_repo(orgs_repo)
    assert report.valid, [p.render() for p in report.errors]
    content = SiteContent(repo)
    ds = repo.datasets["orgs"]
    res = ds.resources[0]
    html = content.datasets.profile_table(content.datasets.frame(ds, res), res, {})
    staff = [int(c) for _, _, c in ORGS if c]
    uscc_missing = sum(1 for _, b, _ in ORGS if not b)
    row = re.search(r"<code>staff</code>.*?</tr>", str(html)).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[0:7] == [
        "人数", str(len(ORGS)), f"1({100 / len(ORGS):.1f}%)", str(len(set(staff))), str(min(staff)), str(max(staff)), f"{statistics.mean(staff):.2f}",
    ]
    uscc_row = re.findall(r"<td>(.*?)</td>", re.search(r"<code>uscc</code>.*?</tr>", str(html)).group(0))
    assert uscc_row[2] == f"{uscc_missing}({100 * uscc_missing / len(ORGS):.1f}%)"
    assert uscc_row[3] == "1"


def test_top_values_use_code_names(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("        - {name: staff}\n", "        - {name: gender}\n        - {name: staff}\n"), encoding="utf-8")
    entity = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("sensitivity: 内部", "sensitivity: 公开"), encoding="utf-8")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},2,1\n0002,{GOOD_USCC},2,2\n0003,{GOOD_USCC},1,3\n")
    repo, report = validate_repo(mini_repo)
    assert report.valid
    content = SiteContent(repo)
    ds = repo.datasets["orgs"]
    res = ds.resources[0]
    html = str(content.datasets.profile_table(content.datasets.frame(ds, res), res, repo.field_codelists(res.fields, res.standard)))
    assert "2 女(2)、1 男(1)" in html
    preview = str(content.datasets.preview(content.datasets.frame(ds, res), res, repo.field_codelists(res.fields, res.standard)))
    assert "<td>2 女</td>" in preview


def test_downloads_round_trip(orgs_site):
    root, site = orgs_site
    base = site / "datasets/orgs/downloads"
    source = list(csv.reader(io.StringIO((root / "datasets/orgs/data/orgs.csv").read_text(encoding="utf-8"))))
    raw = (base / "orgs.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == source
    records = json.loads((base / "orgs.json").read_text(encoding="utf-8"))
    assert records == [{"org_id": a, "uscc": b or None, "staff": int(c) if c else None} for a, b, c in ORGS]
    sheet = load_workbook(base / "orgs.xlsx")["数据"]
    assert [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)] == [source[0]] + [[a, b, int(c) if c else ""] for a, b, c in ORGS]
    package = Package(str(base / "datapackage.json"))
    assert package.resources[0].schema.field_names == ["org_id", "uscc", "staff"]
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])
    assert package.resources[0].read_rows()[1]["staff"] == 3


def _schema_org_loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": "https://schema.org/"}}}
    raise AssertionError(f"JSON-LD must not need network access: {url}")


def test_dcat_catalogue_is_valid_json_ld(orgs_site):
    _, site = orgs_site
    doc = json.loads((site / "datasets.json").read_text(encoding="utf-8"))
    expanded = jsonld.expand(doc, {"documentLoader": _schema_org_loader})
    [catalog] = [n for n in expanded if "http://www.w3.org/ns/dcat#Catalog" in n.get("@type", [])]
    for prop in ("http://purl.org/dc/terms/title", "http://purl.org/dc/terms/description", "http://purl.org/dc/terms/publisher", "http://www.w3.org/ns/dcat#dataset"):
        assert catalog.get(prop), prop
    [dataset] = catalog["http://www.w3.org/ns/dcat#dataset"]
    assert dataset["@type"] == ["http://www.w3.org/ns/dcat#Dataset"]
    assert dataset["http://purl.org/dc/terms/title"][0]["@value"] == "机构名录(示例)"
    distributions = dataset["http://www.w3.org/ns/dcat#distribution"]
    assert len(distributions) == 3 and all(d.get("http://www.w3.org/ns/dcat#accessURL") for d in distributions)
    assert dataset["http://www.w3.org/ns/dcat#contactPoint"][0]["http://www.w3.org/2006/vcard/ns#fn"][0]["@value"] == "示例中心"


def test_page_embeds_schema_org_dataset(orgs_site):
    _, site = orgs_site
    html = (site / "datasets/orgs/index.html").read_text(encoding="utf-8")
    [payload] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(payload)
    expanded = jsonld.expand(data, {"documentLoader": _schema_org_loader})
    [node] = expanded
    assert node["@type"] == ["https://schema.org/Dataset"]
    for prop in ("name", "description", "license", "distribution", "publisher"):
        assert node.get(f"https://schema.org/{prop}"), prop
    base = urls.LOCAL_SITE_URL  # no site_url in the mini repo: the documented local default
    assert data["distribution"][0]["contentUrl"] == base + "datasets/orgs/downloads/orgs.csv"
    # every download (CSV, XLSX, JSON) is a distribution, as in datasets.json, and each exists
    assert sorted(d["encodingFormat"] for d in data["distribution"]) == ["application/json", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"]
    assert all((site / d["contentUrl"].removeprefix(base)).is_file() for d in data["distribution"])
    catalog = json.loads((site / "datasets.json").read_text(encoding="utf-8"))
    [entry] = [d for d in catalog["dcat:dataset"] if d["dct:identifier"] == "orgs"]
    assert sorted(d["dcat:mediaType"]["@id"].removeprefix("http://www.iana.org/assignments/media-types/") for d in entry["dcat:distribution"]) == sorted(d["encodingFormat"] for d in data["distribution"])


def test_json_ld_cannot_break_out_of_the_script(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 机构名录(示例)", "title: '机构</script><script>alert(1)</script>'"), encoding="utf-8")
    site = build_past_the_html_check(mini_repo)
    html = (site / "datasets/orgs/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    [payload] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(payload)["name"] == "机构</script><script>alert(1)</script>"


def _errors(root):
    _, report = validate_repo(root)
    return [(p.path, p.row, p.field, p.type) for p in report.sorted() if p.severity == "error"], [(p.row, p.field, p.type) for p in report.warnings]


def test_privacy_gate_blocks_id_number_and_mobile(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    text = path.read_text(encoding="utf-8").replace("        - {name: staff}\n", "        - {name: staff}\n        - name: note\n          title: 备注\n          type: string\n          description: 备注。\n          sensitivity: 公开\n")
    path.write_text(text, encoding="utf-8")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,staff,note\n0001,{GOOD_USCC},12,联系人 13812345678\n0002,{GOOD_USCC},30,11010519491231002X\n0003,{GOOD_USCC},30,编号 110105194912310021\n0004,{GOOD_USCC},30,zhang.san@163.com\n")
    errors, _ = _errors(mini_repo)
    assert errors == [
        ("datasets/orgs/data/orgs.csv", 2, "note", "privacy-error"),
        ("datasets/orgs/data/orgs.csv", 3, "note", "privacy-error"),
        ("datasets/orgs/data/orgs.csv", 5, "note", "privacy-error"),
    ]  # row 4 is not a valid ID number (wrong check digit), so it is not flagged; x@example.org would not be either (a reserved domain)
    path.write_text(text.replace("          sensitivity: 公开\n", "          sensitivity: 公开\n          allow_personal: [email, mobile, id-card]\n"), encoding="utf-8")
    assert _errors(mini_repo)[0] == []


def test_small_counts_are_errors_unless_the_field_says_why(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    text = path.read_text(encoding="utf-8").replace("        - {name: staff}\n", "        - {name: staff}\n        - name: student_count\n          title: 学生数\n          type: integer\n          description: 人数。\n          sensitivity: 公开\n          statistic: count\n          statistic_kind: stock\n")
    path.write_text(text, encoding="utf-8")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,staff,student_count\n0001,{GOOD_USCC},12,1200\n0002,{GOOD_USCC},3,3\n0003,{GOOD_USCC},3,0\n")
    errors, warnings = _errors(mini_repo)
    assert (errors, warnings) == ([("datasets/orgs/data/orgs.csv", 3, "student_count", "small-cell")], [])
    path.write_text(text.replace("          statistic: count\n", "          statistic: count\n          small_counts: 全校汇总的人数,不按班级或个人拆分(示例)\n"), encoding="utf-8")
    assert _errors(mini_repo) == ([], [])


def test_non_public_dataset_is_not_scanned(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("open_type: 无条件开放", "open_type: 不予开放"), encoding="utf-8")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,staff\n0001,{GOOD_USCC},13812345678\n")
    assert _errors(mini_repo)[0] == []


def test_charts_are_static_svg_with_chinese_titles(orgs_site):
    _, site = orgs_site
    html = (site / "datasets/orgs/index.html").read_text(encoding="utf-8")
    svgs = re.findall(r'<svg [^>]*role="img".*?</svg>', html, re.S)
    assert svgs and "<title>人数的分布</title>" in svgs[-1]
    assert "<script" not in "".join(svgs)
