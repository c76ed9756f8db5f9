"""Catalog exports: JSON, CSV with a UTF-8 BOM for Excel, schema.org JSON-LD, and an Atom feed of
the newest resources. The site build and ``educat export`` write the same bytes."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape as xml_escape

from educat.core import urls
from educat.core.cells import csv_row
from educat.core.model import Record, Repo

FEED_SIZE = 50
FEED = urls.CATALOG_EXPORTS["atom"]


def catalog_labels(repo: Repo) -> dict[str, dict[str, str]]:
    """Field name -> {code: name} for every coded field of the catalog's resource entity."""
    std = repo.catalog_standard
    entity = std.entities.get("resource") if std else None
    if entity is None:
        return {}
    return {name: {c.code: c.name for c in cl.codes.values()} for name, cl in repo.field_codelists(entity.fields, std).items()}


def field_names(repo: Repo) -> list[str]:
    std = repo.catalog_standard
    entity = std.entities.get("resource") if std else None
    return [f.name for f in entity.fields] if entity else sorted({k for r in repo.records for k in r.data})


def newest(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (str(r.data.get("published", "")), r.id), reverse=True)


def catalog_json(repo: Repo) -> str:
    names = field_names(repo)
    return json.dumps({"count": len(repo.records), "fields": names, "resources": [{k: r.data[k] for k in names if k in r.data} for r in repo.records]}, ensure_ascii=False, indent=1)


def catalog_csv(repo: Repo) -> bytes:
    """One row per resource; lists joined with 、; a 名称 column beside each coded column."""
    names = field_names(repo)
    labels = catalog_labels(repo)
    header = []
    for name in names:
        header.append(name)
        if name in labels:
            header.append(f"{name}_name")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(header))
    for record in repo.records:
        row = []
        for name in names:
            value = record.data.get(name)
            items = value if isinstance(value, list) else ([] if value is None else [value])
            row.append("、".join("true" if v is True else "false" if v is False else str(v) for v in items))
            if name in labels:
                row.append("、".join(labels[name].get(str(v), str(v)) for v in items))
        writer.writerow(csv_row(row))
    return buffer.getvalue().encode("utf-8-sig")


def license_codes(repo: Repo) -> list:
    """The codes of the catalog's licence code list (none without a catalog standard)."""
    std = repo.catalog_standard
    entity = std.entities.get("resource") if std else None
    codes = repo.field_codelists(entity.fields, std).get("license") if entity else None
    return list(codes.codes.values()) if codes else []


def license_urls(repo: Repo, site_url: str = "") -> dict[str, str]:
    """Licence code -> the URL schema.org's ``license`` needs: a Creative Commons licence's own
    URL (the code list gives it as the description), else the licence's entry on our licence page."""
    result = {}
    for code in license_codes(repo):
        own = code.description.strip()
        result[code.code] = own if urls.is_site_url(own) else urls.absolute(site_url, urls.license(code.code))
    return result


def memberships(repo: Repo, site_url: str = "") -> dict[str, list[dict]]:
    """Record id -> what it is part of, for schema.org ``isPartOf``: the catalog, and each 专题."""
    catalog = {"@type": "Collection", "@id": urls.absolute(site_url, urls.CATALOG), "name": "课程资源目录"}
    result: dict[str, list[dict]] = {r.id: [catalog] for r in repo.records}
    for slug, collection in sorted(repo.collections.items()):
        node = {"@type": "Collection", "@id": urls.absolute(site_url, urls.collection(slug)), "name": collection.title}
        for rid in collection.items:
            if rid in result:
                result[rid].append(node)
    return result


def learning_resource(record: Record, labels: dict[str, dict[str, str]], site_url: str = "", licenses: dict[str, str] | None = None, part_of: list[dict] | None = None) -> dict:
    """schema.org LearningResource with educationalAlignment for 学段/年级/学科/教材版本; the
    licence as a CreativeWork whose @id is its URL (``licenses``), and what it is part of."""
    d = record.data

    def name(field, value):
        return labels.get(field, {}).get(str(value), str(value))

    alignment = [{"@type": "AlignmentObject", "alignmentType": "educationalLevel", "targetName": name("stage", d.get("stage"))}]
    for grade in d.get("grades") or []:
        alignment.append({"@type": "AlignmentObject", "alignmentType": "educationalLevel", "targetName": name("grades", grade)})
    subject = {"@type": "AlignmentObject", "alignmentType": "educationalSubject", "targetName": name("subject", d.get("subject"))}
    if d.get("edition"):
        subject["educationalFramework"] = name("edition", d.get("edition"))
    alignment.append(subject)
    page = urls.absolute(site_url, urls.record(record.id))
    data = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "@id": page,
        "identifier": record.id,
        "name": record.title,
        "description": d.get("description", ""),
        "url": page,
        "learningResourceType": name("resource_type", d.get("resource_type")),
        "educationalLevel": name("stage", d.get("stage")),
        "educationalAlignment": alignment,
        "inLanguage": "zh-CN",
        "keywords": [str(k) for k in d.get("keywords") or []],
        "license": {"@type": "CreativeWork", "@id": licenses[d["license"]], "url": licenses[d["license"]], "name": name("license", d["license"])} if d.get("license") in (licenses or {}) else name("license", d.get("license")),
        "provider": {"@type": "Organization", "name": d.get("provider")},
        "audience": [{"@type": "EducationalAudience", "educationalRole": name("audience", a)} for a in d.get("audience") or []],
        "datePublished": d.get("published"),
    }
    if part_of:
        data["isPartOf"] = part_of
    if isinstance(d.get("url"), str) and d["url"].lower().startswith(("http://", "https://")):
        data["sameAs"] = d["url"]
    if d.get("author"):
        data["author"] = {"@type": "Person", "name": d["author"]}
    if d.get("duration"):
        data["timeRequired"] = d["duration"]
    if d.get("access"):
        data["isAccessibleForFree"] = d["access"] in ("free", "login")
    return data


def catalog_jsonld(repo: Repo, site_url: str = "") -> str:
    labels = catalog_labels(repo)
    licenses, parts = license_urls(repo, site_url), memberships(repo, site_url)
    graph = []
    for r in repo.records:
        item = learning_resource(r, labels, site_url, licenses, parts.get(r.id))
        item.pop("@context")
        graph.append(item)
    return json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False, indent=1)


def atom_feed(repo: Repo, title: str, site_url: str = "", size: int = FEED_SIZE) -> str:
    """The newest resources as Atom; deterministic (updated = the newest published date)."""
    items = newest(repo.records)[:size]
    updated = f"{items[0].data.get('published')}T00:00:00Z" if items else "1970-01-01T00:00:00Z"
    base = site_url.rstrip("/") + "/" if site_url else ""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN"{f" xml:base={xml_quote(base)}" if base else ""}>',
        f"  <title>{xml_escape(title)}:新增课程资源</title>",
        f"  <id>{xml_escape(base + FEED) if base else 'tag:educat,2026:catalog-feed'}</id>",
        f"  <updated>{updated}</updated>",
        f'  <link rel="self" href="{FEED}"/>',
        f'  <link rel="alternate" href="{urls.CATALOG}"/>',
    ]
    for r in items:
        published = f"{r.data.get('published')}T00:00:00Z"
        out += [
            "  <entry>",
            f"    <title>{xml_escape(r.title)}</title>",
            f"    <id>{xml_escape(base + urls.record(r.id)) if base else 'tag:educat,2026:resource:' + xml_escape(r.id)}</id>",
            f'    <link href="{xml_escape(urls.record(r.id))}"/>',
            f"    <published>{published}</published>",
            f"    <updated>{published}</updated>",
            f"    <author><name>{xml_escape(str(r.data.get('provider', '')))}</name></author>",
            f"    <summary>{xml_escape(str(r.data.get('description', '')))}</summary>",
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def xml_quote(value: str) -> str:
    return '"' + xml_escape(value, {'"': "&quot;"}) + '"'


FORMATS = {
    "json": (urls.CATALOG_EXPORTS["json"], lambda repo, site_url, title: catalog_json(repo)),
    "csv": (urls.CATALOG_EXPORTS["csv"], lambda repo, site_url, title: catalog_csv(repo)),
    "jsonld": (urls.CATALOG_EXPORTS["jsonld"], lambda repo, site_url, title: catalog_jsonld(repo, site_url)),
    "atom": (urls.CATALOG_EXPORTS["atom"], lambda repo, site_url, title: atom_feed(repo, title, site_url)),
}
