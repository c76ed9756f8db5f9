"""datasets.json against what DCAT-AP 3.0.1 asks: IRIs from the EU vocabularies where the
content has words, a type on every linked resource, the mandatory properties, absolute IRIs.

The rules are read from the DCAT-AP 3.0.1 specification and checked on the RDF graph (rdflib),
not on our own JSON: a property spelled wrong or a context that maps it elsewhere fails here.
The official SHACL shapes themselves are run as docs/output.md says (they are not shipped)."""

from __future__ import annotations

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from educat.site.dcat import access_right, theme_code
from educat.site.pages import SiteContent

from .conftest import replace_in

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
SITE = "https://edu.example.org/data/"

# property → the class DCAT-AP 3.0.1 gives as its range (the shapes check sh:class on the data)
RANGES = {
    DCAT.mediaType: DCT.MediaType,
    DCT["format"]: DCT.MediaTypeOrExtent,
    DCT.license: DCT.LicenseDocument,
    DCT.accessRights: DCT.RightsStatement,
    DCT.accrualPeriodicity: DCT.Frequency,
    DCAT.theme: SKOS.Concept,
    DCT.language: DCT.LinguisticSystem,
    DCT.conformsTo: DCT.Standard,
    DCAT.landingPage: FOAF.Document,
    FOAF.homepage: FOAF.Document,
    DCT.spatial: DCT.Location,
    DCT.temporal: DCT.PeriodOfTime,
    DCAT.contactPoint: VCARD.Kind,
    DCT.publisher: FOAF.Agent,
    DCT.creator: FOAF.Agent,
    DCATAP.availability: SKOS.Concept,
    DCAT.themeTaxonomy: SKOS.ConceptScheme,
    DCAT.distribution: DCAT.Distribution,
    DCAT.dataset: DCAT.Dataset,
}
# property → the vocabulary its IRI must come from
VOCABULARIES = {
    DCAT.mediaType: "http://www.iana.org/assignments/media-types/",
    DCT["format"]: EU + "file-type/",
    DCAT.theme: EU + "data-theme/",
    DCT.accessRights: EU + "access-right/",
    DCT.language: EU + "language/",
    DCT.accrualPeriodicity: EU + "frequency/",
    DCATAP.availability: EU + "planned-availability/",
    DCT.spatial: EU + "country/",
}
MANDATORY = {
    DCAT.Catalog: (DCT.title, DCT.description, DCT.publisher, DCAT.dataset),
    DCAT.Dataset: (DCT.title, DCT.description),
    DCAT.Distribution: (DCAT.accessURL,),
    FOAF.Agent: (FOAF.name,),
    SKOS.Concept: (SKOS.prefLabel,),
    SKOS.ConceptScheme: (DCT.title,),
}


def catalogue(repo) -> Graph:
    text = SiteContent(repo, SITE).datasets.dcat("示例站点")
    return Graph().parse(data=text, format="json-ld")


@pytest.fixture(scope="module")
def graph(real_content) -> Graph:
    repo, report = real_content
    assert report.valid, [p.render() for p in report.errors]
    return catalogue(repo)


def test_the_starter_catalogue_lists_every_dataset(graph, real_content):
    repo, _ = real_content
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == len(repo.datasets) > 0


@pytest.mark.parametrize("prop", list(RANGES), ids=lambda p: p.n3().rsplit("/", 1)[-1])
def test_every_linked_resource_has_the_type_dcat_ap_requires(graph, prop):
    values = list(graph.objects(None, prop))
    for value in values:
        assert not isinstance(value, Literal), f"{prop} is text where DCAT-AP requires an IRI: {value}"
        assert (value, RDF.type, RANGES[prop]) in graph, f"{prop} {value} has no rdf:type {RANGES[prop]}"


@pytest.mark.parametrize("prop", list(VOCABULARIES), ids=lambda p: p.n3().rsplit("/", 1)[-1])
def test_controlled_values_come_from_the_named_vocabulary(graph, prop):
    values = list(graph.objects(None, prop))
    assert values, f"no {prop} in the catalogue"
    for value in values:
        assert isinstance(value, URIRef) and str(value).startswith(VOCABULARIES[prop]), f"{prop}: {value}"
        if str(value).startswith(EU):  # the vocabulary shapes check the concept's scheme
            assert (value, SKOS.inScheme, URIRef(str(value).rsplit("/", 1)[0])) in graph, value


def test_the_eu_values_are_the_ones_the_content_means(graph):
    assert set(graph.objects(None, DCAT.theme)) == {URIRef(EU + "data-theme/EDUC")}
    assert set(graph.objects(None, DCT.language)) == {URIRef(EU + "language/ZHO")}
    assert set(graph.objects(None, DCAT.mediaType)) == {URIRef("http://www.iana.org/assignments/media-types/" + m) for m in ("text/csv", "application/json", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    # the starter datasets are all 无条件开放
    assert set(graph.objects(None, DCT.accessRights)) == {URIRef(EU + "access-right/PUBLIC")}


@pytest.mark.parametrize("cls", list(MANDATORY), ids=lambda c: c.n3().rsplit("/", 1)[-1])
def test_mandatory_properties_are_there(graph, cls):
    nodes = set(graph.subjects(RDF.type, cls))
    assert nodes, f"no {cls}"
    for node in nodes:
        for prop in MANDATORY[cls]:
            assert graph.value(node, prop) is not None, f"{cls} {node} lacks {prop}"


def test_every_iri_is_absolute(graph):
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                assert str(term).split(":", 1)[0] in ("http", "https", "mailto", "tel"), term
    # the pages and downloads are under site_url
    for url in graph.objects(None, DCAT.downloadURL):
        assert str(url).startswith(SITE + "datasets/")


def test_gbt_21063_words_are_kept_in_the_documented_namespace(graph, real_content):
    repo, _ = real_content
    own = Namespace(SITE + "content-model/#")
    for ds in repo.datasets.values():
        node = URIRef(SITE + f"datasets/{ds.slug}/")
        for key, term in (("theme", "theme"), ("share_type", "shareType"), ("open_type", "openType"), ("update_cycle", "updateCycle")):
            assert str(graph.value(node, own[term])) == str(ds.catalog[key])


def test_the_content_model_page_explains_every_own_term():
    from educat.site.dcat import OWN_TERMS

    from .conftest import REPO

    text = (REPO / "docs/content-model.md").read_text(encoding="utf-8")
    for term in OWN_TERMS.values():
        assert f"{{#{term}}}" in text, f"docs/content-model.md has no heading anchor for educat:{term}"


@pytest.mark.parametrize(("open_type", "share_type", "right"), [
    ("无条件开放", "无条件共享", "PUBLIC"),
    ("有条件开放", "无条件共享", "RESTRICTED"),
    ("不予开放", "有条件共享", "NON_PUBLIC"),
    (None, "不予共享", "NON_PUBLIC"),
    (None, "有条件共享", "RESTRICTED"),
])
def test_access_rights_follow_open_type_then_share_type(open_type, share_type, right):
    assert access_right({"open_type": open_type, "share_type": share_type}) == right


def test_themes_map_to_eu_data_themes():
    assert theme_code("教育") == "EDUC"
    assert theme_code("卫生健康") == "HEAL"
    assert theme_code("未知主题") is None


def test_a_dataset_open_on_request_is_restricted_and_offers_no_download(mini_repo):
    from educat.validate import validate_repo

    replace_in(mini_repo, "datasets/orgs/datapackage.yaml", "open_type: 无条件开放", "open_type: 有条件开放")
    repo, report = validate_repo(mini_repo)
    assert report.valid, [p.render() for p in report.errors]
    g = catalogue(repo)
    [node] = g.subjects(RDF.type, DCAT.Dataset)
    assert g.value(node, DCT.accessRights) == URIRef(EU + "access-right/RESTRICTED")
    assert g.value(node, DCAT.distribution) is None and not list(g.objects(None, DCAT.downloadURL))


def test_temporal_coverage_is_the_data_years(graph, real_content):
    repo, _ = real_content
    node = URIRef(SITE + "datasets/teacher-stats/")
    period = graph.value(node, DCT.temporal)
    assert isinstance(period, BNode)
    start, end = int(graph.value(period, DCAT.startDate)), int(graph.value(period, DCAT.endDate))
    import pandas as pd

    ds = repo.datasets["teacher-stats"]
    years = pd.concat([pd.read_csv(ds.path / str(r.path), encoding="utf-8-sig")["stat_year"] for r in ds.resources])
    assert (start, end) == (years.min(), years.max())
