"""The datasets as a DCAT-AP 3.0.1 catalogue (``datasets.json``, JSON-LD).

DCAT-AP wants IRIs from the EU's controlled vocabularies where our content has Chinese words,
and a type on every linked resource (its SHACL shapes check ``sh:class`` on the data alone).
The GB/T 21063 words are kept too, under our own namespace ``educat:`` (``<site>/content-model/#``,
explained on the site's content-model page), so nothing the bureau registered is lost in the
mapping. ``tests/test_dcat.py`` checks the rules; the official shapes are run as in docs/output.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from educat.core import urls
from educat.core.model import Dataset, Repo
from educat.datasets.publish import NOT_OPEN, OPEN_ON_REQUEST, OPEN_WITH_DATA, data_is_open
from educat.site.common import dataset_url, std_url

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
NAMESPACE_PAGE = "content-model/"  # the page that explains the educat: terms (its anchors)
OWN_TERMS = {  # GB/T 21063 item → educat: term (an anchor on the content-model page)
    "theme": "theme", "share_type": "shareType", "open_type": "openType", "update_cycle": "updateCycle",
}

# EU frequency vocabulary, for dct:accrualPeriodicity
PERIODICITY = {
    "实时": "CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季度": "QUARTERLY",
    "每半年": "ANNUAL_2", "每年": "ANNUAL", "不定期": "IRREG", "不更新": "NEVER",
}
# The English labels of the EU concepts typed skos:Concept here, as the vocabularies give them
LABELS = {
    "EDUC": "Education, culture and sport", "TECH": "Science and technology", "HEAL": "Health",
    "ECON": "Economy and finance", "SOCI": "Population and society", "TRAN": "Transport",
    "ENVI": "Environment", "AGRI": "Agriculture, fisheries, forestry and food", "ENER": "Energy",
    "JUST": "Justice, legal system and public safety", "GOVE": "Government and public sector",
    "STABLE": "stable",
}
SCHEME_TITLES = {  # the EU vocabularies used here, with their English titles
    "data-theme": "Data theme", "language": "Language", "file-type": "File type", "access-right": "Access right",
    "frequency": "Frequency", "planned-availability": "Planned availability", "country": "Country", "licence": "Licence",
}
# GB/T 21063 主题 (by a word it contains) → EU data theme; education bureaus' own data is EDUC
THEMES = (
    ("教育", "EDUC"), ("文化", "EDUC"), ("体育", "EDUC"), ("科技", "TECH"), ("卫生", "HEAL"), ("健康", "HEAL"),
    ("财政", "ECON"), ("经济", "ECON"), ("人口", "SOCI"), ("社会", "SOCI"), ("民政", "SOCI"), ("交通", "TRAN"),
    ("环境", "ENVI"), ("农业", "AGRI"), ("能源", "ENER"), ("司法", "JUST"), ("公共安全", "JUST"), ("政务", "GOVE"),
)
# 开放属性 → EU access right; without one, 不予共享 is NON_PUBLIC and any other share type
# (sharing between government departments, not with the public) RESTRICTED
ACCESS = {OPEN_WITH_DATA: "PUBLIC", OPEN_ON_REQUEST: "RESTRICTED", NOT_OPEN: "NON_PUBLIC"}
# Licence names as datapackage.yaml writes them → EU licence vocabulary
LICENCES = {
    "CC0-1.0": "CC0", "CC-BY-4.0": "CC_BY_4_0", "CC-BY-SA-4.0": "CC_BYSA_4_0", "CC-BY-NC-4.0": "CC_BYNC_4_0",
    "CC-BY-ND-4.0": "CC_BYND_4_0", "CC-BY-NC-SA-4.0": "CC_BYNCSA_4_0", "CC-BY-NC-ND-4.0": "CC_BYNCND_4_0",
    "ODC-BY-1.0": "ODC_BY", "ODbL-1.0": "ODC_ODBL", "PDDL-1.0": "ODC_PDDL",
}
# What a licence lets or asks (ADMS licence types), by a part of its name
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
LICENCE_TYPES = (("CC0", "PublicDomain"), ("PDDL", "PublicDomain"), ("BY", "Attribution"), ("SA", "ShareAlike"), ("NC", "NonCommercialUseOnly"), ("ND", "NoDerivativeWork"), ("ODbL", "ShareAlike"))
# Every data resource is published in these formats: extension, IANA media type, EU file type.
# The schema.org JSON-LD and this catalogue list the same downloads.
DOWNLOAD_FORMATS = (
    ("csv", "text/csv", "CSV"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    ("json", "application/json", "JSON"),
)
COUNTRY = "CHN"  # every dataset here is Chinese public-sector data: the coverage named at country level


def ref(iri: str, kind: str) -> dict:
    """A linked resource with its type, as DCAT-AP's range shapes ask."""
    return {"@id": iri, "@type": kind}


def scheme(table: str) -> dict:
    return {**ref(EU + table, "skos:ConceptScheme"), "dct:title": {"@value": SCHEME_TITLES[table], "@language": "en"}}


def eu(table: str, code: str, kind: str = "skos:Concept") -> dict:
    """A concept of an EU vocabulary, with its scheme (DCAT-AP's vocabulary shapes check it)
    and, where typed skos:Concept, its English label from the vocabulary (as the shapes ask)."""
    node = {**ref(f"{EU}{table}/{code}", kind), "skos:inScheme": scheme(table)}
    if kind == "skos:Concept":
        node["skos:prefLabel"] = {"@value": LABELS[code], "@language": "en"}
    return node


def theme_code(theme: str | None) -> str | None:
    return next((code for word, code in THEMES if word in (theme or "")), None)


def access_right(catalog: dict) -> str:
    if catalog.get("open_type") in ACCESS:
        return ACCESS[catalog["open_type"]]
    return "NON_PUBLIC" if catalog.get("share_type") == "不予共享" else "RESTRICTED"


def licence(lic: dict, absolute: Callable[[str], str]) -> dict | None:
    """A licence of the package as a dct:LicenseDocument IRI: the EU vocabulary's for the
    licences it lists, else the licence's own URL (``path``), else none."""
    if lic.get("name") in LICENCES:
        node = eu("licence", LICENCES[lic["name"]], "dct:LicenseDocument")
        kinds = [kind for part, kind in LICENCE_TYPES if part in lic["name"].split("-")]
        node["dct:type"] = [{**ref(ADMS_LICENCE_TYPE + kind, "skos:Concept"), "skos:prefLabel": {"@value": kind, "@language": "en"}, "skos:inScheme": {**ref(ADMS_LICENCE_TYPE + "1.0", "skos:ConceptScheme"), "dct:title": {"@value": "Licence type", "@language": "en"}}} for kind in kinds]
        return node
    if lic.get("path"):
        return ref(absolute(lic["path"]) if "://" not in lic["path"] else lic["path"], "dct:LicenseDocument")
    return None


def date(value) -> dict | None:
    return {"@value": str(value), "@type": "xsd:date"} if value else None


def agent(name: str | None) -> dict:
    return {"@type": "foaf:Agent", "foaf:name": name}


def contact_point(contact: dict) -> dict:
    point = {"@type": "vcard:Kind", "vcard:fn": contact.get("name")}
    if contact.get("email"):
        point["vcard:hasEmail"] = {"@id": "mailto:" + contact["email"]}
    if contact.get("phone"):
        point["vcard:hasTelephone"] = {"@id": "tel:" + "".join(str(contact["phone"]).split())}
    return point


def period(years: tuple[int, int] | None) -> dict | None:
    """The years the data covers (its year column's smallest and largest value)."""
    if not years:
        return None
    return {"@type": "dct:PeriodOfTime", "dcat:startDate": {"@value": str(years[0]), "@type": "xsd:gYear"}, "dcat:endDate": {"@value": str(years[1]), "@type": "xsd:gYear"}}


def compact(node: dict) -> dict:
    """The node without properties that have no value."""
    return {k: v for k, v in node.items() if v not in (None, "", [], {})}


class Catalogue:
    """Builds ``datasets.json``; ``years(ds)`` gives the years a dataset's data covers."""

    def __init__(self, repo: Repo, site_url: str, years: Callable[[Dataset], tuple[int, int] | None]):
        self.repo = repo
        self.site_url = site_url
        self.years = years

    def absolute(self, path: str) -> str:
        return urls.absolute(self.site_url, path)

    def context(self) -> dict:
        return {**CONTEXT, "educat": self.absolute(NAMESPACE_PAGE + "#")}

    def distributions(self, ds: Dataset, licences: list[dict]) -> list[dict]:
        page = self.absolute(dataset_url(ds))
        if not data_is_open(ds):
            return []
        return [
            compact({
                "@type": "dcat:Distribution",
                "dct:title": f"{res.title}({fmt.upper()})",
                "dct:description": f"{res.descriptor.get('description') or res.title}({fmt.upper()} 格式,只含公开字段)",
                "dcat:accessURL": {"@id": page},
                "dcat:downloadURL": {"@id": self.absolute(dataset_url(ds) + urls.dataset_download(res.name, fmt))},
                "dcat:mediaType": ref(IANA + media, "dct:MediaType"),
                "dct:format": eu("file-type", file_type, "dct:MediaTypeOrExtent"),
                "dct:license": licences[0] if licences else None,
                "dcatap:availability": eu("planned-availability", "STABLE"),
                "dct:conformsTo": ref(self.absolute(std_url(res.standard)), "dct:Standard") if res.standard else None,
            })
            for res in ds.resources
            for fmt, media, file_type in DOWNLOAD_FORMATS
        ]

    def dataset(self, ds: Dataset) -> dict:
        meta, c = ds.meta, ds.catalog
        licences = [x for x in (licence(lic, self.absolute) for lic in meta.get("licenses") or []) if x]
        theme = theme_code(c.get("theme"))
        node = {
            "@id": self.absolute(dataset_url(ds)),
            "@type": "dcat:Dataset",
            "dct:identifier": ds.slug,
            "dct:title": ds.title,
            "dct:description": meta.get("description", ""),
            "dct:publisher": agent(c.get("provider")),
            "dct:creator": agent(c.get("responsible_unit")),
            "dcat:theme": eu("data-theme", theme) if theme else None,
            "dcat:keyword": [str(k) for k in meta.get("keywords") or []],
            "dct:language": eu("language", "ZHO", "dct:LinguisticSystem"),
            "dct:issued": date(c.get("published")),
            "dct:modified": date(c.get("updated")),
            "dct:accrualPeriodicity": eu("frequency", PERIODICITY.get(c.get("update_cycle"), "UNKNOWN"), "dct:Frequency"),
            "dct:accessRights": eu("access-right", access_right(c), "dct:RightsStatement"),
            "dct:conformsTo": [ref(self.absolute(std_url(r.standard)), "dct:Standard") for r in ds.resources if r.standard],
            "dct:spatial": eu("country", COUNTRY, "dct:Location"),
            "dct:temporal": period(self.years(ds)),
            "dcat:contactPoint": compact(contact_point(c.get("contact") or {})),
            "dcat:landingPage": ref(self.absolute(dataset_url(ds)), "foaf:Document"),
            "dcat:distribution": self.distributions(ds, licences),
        }
        node.update({f"educat:{term}": c.get(key) for key, term in OWN_TERMS.items()})
        return compact(node)

    def json(self, title: str) -> str:
        datasets = [self.dataset(ds) for ds in self.repo.datasets.values()]
        issued = sorted(str(d["dct:issued"]["@value"]) for d in datasets if "dct:issued" in d)
        changed = sorted(str((d.get("dct:modified") or d["dct:issued"])["@value"]) for d in datasets if "dct:issued" in d)
        providers = [ds.catalog.get("provider") for ds in self.repo.datasets.values() if ds.catalog.get("provider")]
        catalog = compact({
            "@context": self.context(),
            "@id": self.absolute(urls.DATASETS_JSON),
            "@type": "dcat:Catalog",
            "dct:title": f"{title}:数据集目录",
            "dct:description": "按政务数据资源目录(GB/T 21063)登记、以 DCAT-AP 发布的数据集目录。",
            "dct:publisher": agent(Counter(providers).most_common(1)[0][0] if providers else title),
            "foaf:homepage": ref(self.absolute(urls.DATASETS), "foaf:Document"),
            "dct:language": eu("language", "ZHO", "dct:LinguisticSystem"),
            "dct:spatial": eu("country", COUNTRY, "dct:Location"),
            "dct:issued": date(issued[0] if issued else None),
            "dct:modified": date(changed[-1] if changed else None),
            "dcat:themeTaxonomy": scheme("data-theme"),
            "dcat:dataset": datasets,
        })
        return json.dumps(catalog, ensure_ascii=False, indent=2)
