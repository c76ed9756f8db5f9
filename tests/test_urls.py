"""The public URL contract: every page path and download file name, spelled literally here.

A change to ``core/urls.py`` that renames a published path fails these tests; change them only
together with a redirect for the old address and a note in the README.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from educat.core import urls


def test_page_paths_are_pinned():
    assert urls.standard("edu-basic-data") == "standards/edu-basic-data/"
    assert urls.standard_version("edu-basic-data", "1.0.0") == "standards/edu-basic-data/1.0.0/"
    assert urls.standard_latest("edu-basic-data") == "standards/edu-basic-data/latest/"
    assert urls.standard_api("app-access", "1.0.0") == "standards/app-access/1.0.0/api/"
    assert urls.codelist("edu-basic-data", "1.0.0", "gender") == "standards/edu-basic-data/1.0.0/codelists/gender/"
    assert urls.dataset("school-directory") == "datasets/school-directory/"
    assert urls.record("junior-math-g7-rational-add") == "catalog/r/junior-math-g7-rational-add/"
    assert urls.collection("top-ten") == "catalog/collections/top-ten/"
    assert urls.stage("junior") == "catalog/stage/junior/"
    assert urls.stage("junior", 2) == "catalog/stage/junior/p2/"
    assert (urls.STANDARDS, urls.DATASETS, urls.CATALOG, urls.FIND) == ("standards/", "datasets/", "catalog/", "find/")
    assert (urls.CATALOG_LINKS, urls.CATALOG_RUBRIC, urls.CATALOG_INDEX, urls.FIND_INDEX) == ("catalog/links/", "catalog/rubric/", "catalog/index/", "find/idx/")
    assert (urls.CATALOG_LICENSES, urls.CATALOG_STATS, urls.license("free-use")) == ("catalog/licenses/", "catalog/stats/", "catalog/licenses/#free-use")


def test_download_names_are_pinned():
    assert urls.STANDARDS_JSON == "standards.json"
    assert urls.DATASETS_JSON == "datasets.json"
    assert urls.CATALOG_EXPORTS == {"json": "catalog.json", "csv": "catalog.csv", "jsonld": "catalog.jsonld", "atom": "feed.xml"}
    assert urls.standard_files("edu-basic-data", "1.0.0") == "standards/edu-basic-data/1.0.0/files/"
    assert {kind: urls.entity_download(kind, "student") for kind in urls.ENTITY_DOWNLOADS} == {
        "table_schema": "student.schema.json",
        "json_schema": "student.json-schema.json",
        "source": "entities/student.yaml",
        "template": "templates/student.xlsx",
        "sample_csv": "samples/student.csv",
        "check_bundle": "checks/student.json",
    }
    assert urls.codelist_download("csv", "gender") == "codelists/gender.csv"
    assert urls.codelist_download("json", "gender") == "codelists/gender.json"
    assert urls.OPENAPI_FILE == "openapi.yaml"
    assert urls.DATAPACKAGE == "downloads/datapackage.json"
    assert urls.dataset_files() == "files/"
    assert urls.dataset_download("schools", "csv") == "downloads/schools.csv"
    assert urls.absolute("https://edu.example.org/", "catalog/r/a/") == "https://edu.example.org/catalog/r/a/"
    assert urls.absolute("", "catalog/r/a/") == "catalog/r/a/"


def every_published_path(root: Path) -> list[str]:
    """What the map says the mini repository publishes (pages end in '/', downloads do not)."""
    from educat.core.loader import load_repo

    repo, _ = load_repo(root)
    paths = [urls.STANDARDS, urls.DATASETS, urls.CATALOG, urls.CATALOG_LINKS, urls.CATALOG_RUBRIC, urls.CATALOG_LICENSES, urls.CATALOG_STATS, urls.FIND, urls.STANDARDS_JSON, urls.DATASETS_JSON]
    paths += list(urls.CATALOG_EXPORTS.values()) + [urls.CATALOG_INDEX + "meta.json", urls.FIND_INDEX + "meta.json"]
    for std in repo.all_standards():
        paths += [urls.standard(std.slug), urls.standard_latest(std.slug), urls.standard_version(std.slug, std.version)]
        files = urls.standard_files(std.slug, std.version)
        paths += [files + urls.entity_download(kind, e) for e in std.entities for kind in urls.ENTITY_DOWNLOADS]
        paths += [urls.codelist(std.slug, std.version, c) for c in std.codelists]
        paths += [files + urls.codelist_download(fmt, c) for c in std.codelists for fmt in urls.CODELIST_DOWNLOADS]
    for ds in repo.datasets.values():
        paths += [urls.dataset(ds.slug), urls.dataset(ds.slug) + urls.DATAPACKAGE]
        paths += [urls.dataset(ds.slug) + urls.dataset_download(res.name, fmt) for res in ds.resources for fmt in ("csv", "json", "xlsx")]
        paths += [urls.dataset(ds.slug) + urls.dataset_files() + "datapackage.yaml"]
    for record in repo.records:
        paths += [urls.record(record.id), urls.stage(record.data["stage"])]
    return paths


def test_the_built_site_has_every_path_of_the_map(mini_site):
    root, site = mini_site
    missing = []
    for path in every_published_path(root):
        target = site / path / "index.html" if path.endswith("/") else site / path
        if not target.is_file():
            missing.append(path)
    assert missing == []


def test_links_and_registries_use_the_map(mini_site):
    """standards.json, the JSON-LD of a record page and the feed point at paths of the map."""
    root, site = mini_site
    registry = json.loads((site / urls.STANDARDS_JSON).read_text(encoding="utf-8"))
    demo = next(s for s in registry["standards"] if s["slug"] == "demo")
    assert demo["latest_url"] == urls.standard_latest("demo")
    entity = demo["versions"][0]["files"]["entities"]["org"]
    assert entity["template"] == urls.standard_files("demo", "1.0.0") + urls.entity_download("template", "org")
    for url in entity.values():
        assert (site / url).is_file(), url
    feed = (site / urls.CATALOG_EXPORTS["atom"]).read_text(encoding="utf-8")
    assert f'<link href="{urls.record("demo-math-weike")}"/>' in feed
    page = (site / urls.record("demo-math-weike") / "index.html").read_text(encoding="utf-8")
    stage = urls.stage("junior")
    assert f'href="../../../{stage}"' in page or 'href="../../stage/junior/"' in page, "the record links its 学段 page"


@pytest.mark.parametrize("fmt", sorted(urls.CATALOG_EXPORTS))
def test_export_writes_the_same_bytes_as_the_site(mini_site, tmp_path, fmt):
    from click.testing import CliRunner

    from educat.cli import cli

    root, site = mini_site
    out = tmp_path / urls.CATALOG_EXPORTS[fmt]
    result = CliRunner().invoke(cli, ["export", "--root", str(root), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (site / urls.CATALOG_EXPORTS[fmt]).read_bytes()
