"""What of the datasets may be published, decided once for the whole site.

开放属性 decides: a dataset 不予开放 is not published at all (no page, no download, not in
``datasets.json`` or the search); one 有条件开放 gets a metadata page that says how to apply,
with no data, preview, profile, chart or download; one 无条件开放 is published with its data.
In every case only fields marked 公开 appear, plus those a dataset declares under
``schema.publish`` with its reason: any other field never reaches a download, a preview, a
profile, a chart or the search index. The site builds from the view
this module returns, so no page can forget the rule.
"""

from __future__ import annotations

from dataclasses import replace

from educat.core.model import Dataset, Repo

PUBLIC = "公开"
OPEN_WITH_DATA = "无条件开放"
OPEN_ON_REQUEST = "有条件开放"
NOT_OPEN = "不予开放"


def data_is_open(ds: Dataset) -> bool:
    """True when the dataset's rows may be published (无条件开放)."""
    return ds.catalog.get("open_type") == OPEN_WITH_DATA


def published_fields(res) -> list:
    """The fields of a resource that may appear on the site: those marked 公开, and those the
    dataset declares under ``schema.publish`` with the reason (e.g. 性别 as a grouping dimension
    of head counts). A 敏感个人信息 field is never published."""
    declared = (res.descriptor.get("schema") or {}).get("publish") or {}
    return [f for f in res.fields if f.sensitivity == PUBLIC or (f.name in declared and f.sensitivity != "敏感个人信息")]


def published_view(repo: Repo) -> Repo:
    """The repository as the site may show it: datasets 不予开放 left out, every resource
    reduced to its 公开 fields. The content itself is not changed."""
    datasets = {}
    for slug, ds in repo.datasets.items():
        if ds.catalog.get("open_type") not in (OPEN_WITH_DATA, OPEN_ON_REQUEST):
            continue
        resources = [replace(res, fields=published_fields(res), read_fields=list(res.fields)) for res in ds.resources]
        datasets[slug] = replace(ds, resources=resources)
    return replace(repo, datasets=datasets)
