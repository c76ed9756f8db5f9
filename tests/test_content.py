"""The shipped starter content: valid, complete, and labelled."""

from __future__ import annotations

from collections import Counter

import pytest




@pytest.fixture(scope="module")
def content(real_content):
    return real_content


def test_shipped_content_is_valid(content):
    _, report = content
    assert [p.render() for p in report.errors] == []


def test_four_standards_with_the_required_slugs(content):
    repo, _ = content
    assert sorted(repo.standards) == ["app-access", "edu-basic-data", "edu-basic-data-demo-district", "resource-metadata", "school-code"]
    assert {std.ref: std.level for std in repo.all_standards()}["edu-basic-data-demo-district@1.0.0"] == "区"
    assert repo.latest("edu-basic-data-demo-district").parent is repo.standard("edu-basic-data", "1.1.0")
    assert sorted(repo.latest("edu-basic-data").entities) == ["equipment", "school", "student", "teacher"]
    assert repo.latest("app-access").openapi is not None
    gender = repo.latest("edu-basic-data").codelists["gender"]
    assert {c.code: c.name for c in gender.codes.values()} == {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}


def test_every_standard_has_valid_and_invalid_examples(content):
    repo, _ = content
    for std in repo.all_standards():
        assert any(ex.expected is None for ex in std.examples), std.ref
        assert any(ex.expected for ex in std.examples), std.ref


def test_datasets_refer_to_standard_entities(content):
    repo, _ = content
    assert len(repo.datasets) >= 3
    for ds in repo.datasets.values():
        for res in ds.resources:
            assert res.entity is not None and "@" in res.entity_ref


def test_catalog_coverage(content):
    repo, _ = content
    records = repo.records
    assert len(records) >= 120
    stages = Counter(r.data["stage"] for r in records)
    assert set(stages) >= {"preschool", "primary", "junior", "senior", "vocational", "lifelong"}
    assert len({r.data["subject"] for r in records}) >= 10
    assert sum(1 for r in records if r.data.get("featured") is True) >= 12
    assert any("senior" in (r.data.get("audience") or []) for r in records if r.data["stage"] == "lifelong")


def test_invented_content_is_labelled(content):
    repo, _ = content
    for r in repo.records:
        assert r.data.get("example") is True and "示例" in r.data["description"], r.id
    for ds in repo.datasets.values():
        assert ds.meta.get("example") is True or "示例" not in ds.title, ds.slug
        if ds.meta.get("example") is not True:
            assert ds.meta.get("sources"), f"{ds.slug}: 非示例数据集必须注明来源"
