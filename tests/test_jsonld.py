"""schema.org JSON-LD as a JSON-LD processor reads it, and the sitemap as a crawler reads it.

schema.org's context makes ``license`` an IRI (``"@type": "@id"``): a Chinese licence name there
became a bogus relative IRI or was dropped. The loader below gives the processor a context that
does the same, so a text licence fails here as it does for a search engine."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyld import jsonld

from educat.catalog.exports import catalog_jsonld
from educat.core import urls
from educat.site.pages import SiteContent

SITE = "https://edu.example.org/bureau/"
SCHEMA = "https://schema.org/"
IRI_PROPERTIES = ("license", "url", "sameAs", "contentUrl", "isPartOf", "includedInDataCatalog")


def _loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        context = {"@vocab": SCHEMA, **{p: {"@id": SCHEMA + p, "@type": "@id"} for p in IRI_PROPERTIES}}
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": {"@context": context}}
    raise AssertionError(f"JSON-LD must not need network access: {url}")


def expand(data: dict) -> list[dict]:
    return jsonld.expand(data, {"documentLoader": _loader})


def page_json_ld(markdown: str) -> dict:
    [payload] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', markdown, re.S)
    return json.loads(payload)


@pytest.fixture(scope="module")
def content(real_content):
    repo, report = real_content
    assert report.valid, [p.render() for p in report.errors]
    return SiteContent(repo, SITE)


def licence_iris(node: dict) -> list[str]:
    values = node.get(SCHEMA + "license", [])
    assert values, f"no licence on {node.get('@id')}"
    for value in values:
        assert "@id" in value, f"licence is not an IRI after expansion: {value}"
    return [v["@id"] for v in values]


def test_every_record_licence_is_an_absolute_iri_that_explains_it(content, real_content):
    repo, _ = real_content
    pages = {p.src_uri: p.markdown for p in content.catalog.pages()}
    licence_page = pages[urls.CATALOG_LICENSES + "index.md"]
    anchors = set(re.findall(r'<h2 id="([^"]+)"', licence_page))
    seen = set()
    for record in repo.records:
        [node] = expand(page_json_ld(content.catalog.record_page(record).markdown))
        for iri in licence_iris(node):
            parts = urlsplit(iri)
            assert parts.scheme in ("http", "https") and parts.netloc, iri
            if iri.startswith(SITE):  # not a Creative Commons licence: our page explains it
                assert iri.startswith(SITE + urls.CATALOG_LICENSES + "#") and parts.fragment in anchors, iri
            else:
                assert parts.netloc == "creativecommons.org", iri
            seen.add(iri)
    assert any(i.startswith(SITE) for i in seen) and any("creativecommons.org" in i for i in seen)


def test_the_licence_page_names_each_licence_in_chinese(content, real_content):
    repo, _ = real_content
    from educat.catalog.exports import license_codes

    page = content.catalog.license_page().markdown
    for code in license_codes(repo):
        assert f'<h2 id="{code.code}">{code.name}</h2>' in page


def test_the_exported_catalogue_has_absolute_licences_and_is_part_of_the_catalog(real_content):
    repo, _ = real_content
    graph = expand(json.loads(catalog_jsonld(repo, SITE)))
    assert len(graph) == len(repo.records)
    for node in graph:
        assert all(iri.startswith(("https://", "http://")) for iri in licence_iris(node))
        parts = [p["@id"] for p in node[SCHEMA + "isPartOf"]]
        assert SITE + urls.CATALOG in parts
    in_collections = {rid for c in repo.collections.values() for rid in c.items}
    assert in_collections, "the starter content has 专题"
    for node in graph:
        if node[SCHEMA + "identifier"][0]["@value"] in in_collections:
            assert len(node[SCHEMA + "isPartOf"]) >= 2


def test_dataset_json_ld_licence_and_catalogue(content, real_content):
    repo, _ = real_content
    from educat.datasets.publish import published_view

    for ds in published_view(repo).datasets.values():
        [node] = expand(content.datasets.schema_org(ds))
        assert all(iri.startswith("https://creativecommons.org/") for iri in licence_iris(node))
        assert node[SCHEMA + "includedInDataCatalog"][0]["@id"] == SITE + urls.DATASETS


# -- the sitemap and canonical links -------------------------------------------------------------
def html_pages(site: Path):
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:  # a redirect (standards/<slug>/latest/) is no page
            continue
        yield path, text


def test_the_sitemap_lists_every_page_with_an_absolute_url(mini_site):
    _, site = mini_site
    base = urls.LOCAL_SITE_URL  # the mini site sets no site_url: the documented default
    listed = [loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert listed and len(listed) == len(set(listed))
    assert all(u.startswith(base) for u in listed), [u for u in listed if not u.startswith(base)][:3]
    pages = {}
    for path, text in html_pages(site):
        rel = path.relative_to(site).as_posix()
        if rel == "404.html":
            continue
        pages[base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)] = text
    assert set(listed) == set(pages), (sorted(set(pages) - set(listed))[:5], sorted(set(listed) - set(pages))[:5])
    for url, text in pages.items():  # every page names itself as canonical
        assert f'<link rel="canonical" href="{url}">' in text, url
