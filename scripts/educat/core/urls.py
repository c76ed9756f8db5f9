"""The public URL map: every page path and download file name the site publishes.

These paths are a contract with bookmarks, other portals and harvesters (schema.data.gouv.fr
keeps ``/{schema}/{version|latest}/`` stable for years); each is spelled here once, and the
pages, downloads, exports, JSON-LD, the feed and ``standards.json`` all ask this module.
``tests/test_urls.py`` pins them.

Paths are relative to the site root, as MkDocs writes them with ``use_directory_urls``: a
page is a folder ending in ``/`` (its file is ``<path>index.html``), a download is a file.
"""

from __future__ import annotations

import re

# -- files at the site root --------------------------------------------------------------------
STANDARDS_JSON = "standards.json"  # every standard, version and download (machine-readable registry)
DATASETS_JSON = "datasets.json"  # the datasets as a DCAT-AP catalogue (JSON-LD)
CATALOG_EXPORTS = {  # `educat export --format X` writes the same bytes as these files
    "json": "catalog.json",
    "csv": "catalog.csv",
    "jsonld": "catalog.jsonld",
    "atom": "feed.xml",
}

# The address a build uses when mkdocs.yml has no site_url and none is given: the preview
# server's (educat serve). Sitemap, canonical links and datasets.json all start with it, so a
# real deployment sets its own (validate says so).
LOCAL_SITE_URL = "http://127.0.0.1:8000/"


def is_site_url(value: str) -> bool:
    """An absolute http(s) address with no query or fragment, as site_url must be."""
    return re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value) is not None


# -- sections ------------------------------------------------------------------------------------
STANDARDS = "standards/"
DATASETS = "datasets/"
CATALOG = "catalog/"
CATALOG_LINKS = "catalog/links/"  # the link-check report
CATALOG_RUBRIC = "catalog/rubric/"  # the 精品 criteria
CATALOG_LICENSES = "catalog/licenses/"  # every licence code explained, an anchor each
CATALOG_STATS = "catalog/stats/"  # how many resources per 学段, 学科 and 资源类型
CATALOG_INDEX = "catalog/index/"  # the browse index of the catalog page (meta.json and shards)
FIND = "find/"  # the full-text search page
FIND_INDEX = "find/idx/"  # its split index


# -- standards -----------------------------------------------------------------------------------
def standard(slug: str) -> str:
    """The standard's versions and changes: ``standards/<slug>/``."""
    return f"{STANDARDS}{slug}/"


def standard_version(slug: str, version: str) -> str:
    """One version of a standard: ``standards/<slug>/<version>/``."""
    return f"{standard(slug)}{version}/"


def standard_latest(slug: str) -> str:
    """Always the newest version: ``standards/<slug>/latest/`` (a redirect page)."""
    return f"{standard(slug)}latest/"


def standard_api(slug: str, version: str) -> str:
    """The interface page of a standard with an OpenAPI document."""
    return f"{standard_version(slug, version)}api/"


def codelist(slug: str, version: str, name: str) -> str:
    """The page of one code list: ``standards/<slug>/<version>/codelists/<name>/``."""
    return f"{standard_version(slug, version)}codelists/{name}/"


def standard_package(slug: str, version: str) -> str:
    """The version's standard package (``educat check --standard`` outside the repository)."""
    return f"{standard_version(slug, version)}{slug}-{version}.json"


def standard_files(slug: str, version: str) -> str:
    """The folder of a version's downloads; its source files keep their paths below it."""
    return f"{standard_version(slug, version)}files/"


# Downloads made from each entity, relative to ``standard_files``.
ENTITY_DOWNLOADS = {
    "table_schema": "{name}.schema.json",
    "json_schema": "{name}.json-schema.json",
    "source": "entities/{name}.yaml",
    "template": "templates/{name}.xlsx",
    "sample_csv": "samples/{name}.csv",
    "check_bundle": "checks/{name}.json",  # what the browser's check (检查我的文件) reads
}
CODELIST_DOWNLOADS = {"csv": "codelists/{name}.csv", "json": "codelists/{name}.json"}
OPENAPI_FILE = "openapi.yaml"


def entity_download(kind: str, name: str) -> str:
    """``table_schema``, ``json_schema``, ``source``, ``template`` or ``sample_csv`` of an entity,
    relative to the version's ``files/`` folder."""
    return ENTITY_DOWNLOADS[kind].format(name=name)


def codelist_download(fmt: str, name: str) -> str:
    """A code list as ``csv`` or ``json``, relative to the version's ``files/`` folder."""
    return CODELIST_DOWNLOADS[fmt].format(name=name)


# -- datasets ------------------------------------------------------------------------------------
def dataset(slug: str) -> str:
    """A dataset's page: ``datasets/<slug>/``."""
    return f"{DATASETS}{slug}/"


DATAPACKAGE = "downloads/datapackage.json"  # relative to the dataset's page


def dataset_files() -> str:
    """The folder (relative to the dataset's page) of its source files as committed."""
    return "files/"


def dataset_download(resource: str, fmt: str) -> str:
    """A resource as ``csv`` (UTF-8 BOM), ``json`` or ``xlsx``, relative to the dataset's page."""
    return f"downloads/{resource}.{fmt}"


# -- catalog -------------------------------------------------------------------------------------
def record(rid: str) -> str:
    """A course resource's page: ``catalog/r/<id>/``."""
    return f"{CATALOG}r/{rid}/"


def license(code: str) -> str:
    """A licence's explanation on the site: ``catalog/licenses/#<code>``."""
    return f"{CATALOG_LICENSES}#{code}"


def collection(slug: str) -> str:
    """A collection (专题): ``catalog/collections/<slug>/``."""
    return f"{CATALOG}collections/{slug}/"


def stage(code: str, page: int = 1) -> str:
    """The resources of one 学段: ``catalog/stage/<code>/``, further pages ``…/p2/``, ``…/p3/``."""
    return f"{CATALOG}stage/{code}/" + (f"p{page}/" if page > 1 else "")


def absolute(site_url: str, path: str) -> str:
    """A site path under ``site_url`` (``mkdocs.yml``), or the path itself when none is set."""
    return site_url.rstrip("/") + "/" + path if site_url else path
