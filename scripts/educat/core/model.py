"""Typed models of the content: standards, entities, code lists, datasets, catalog records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("草案", "征求意见稿", "试行", "正式发布", "废止")
LEVELS = ("国家", "省", "市", "区", "校")  # who issues a standard; an extension is issued below its parent


def level_word(level: str) -> str:
    """A level as a page or a message says it: 国家, 省级, 市级, 区级, 校级 ('' when none)."""
    return level if level in ("国家", "") else f"{level}级"
SENSITIVITIES = ("公开", "内部", "敏感个人信息")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Every name that becomes part of a published path (standard, entity, code list, dataset,
# resource, collection, record id): lower-case letters, digits, - and _, starting with a
# letter or digit, at most 64 characters. Nothing else reaches a URL or a file name.
PUBLIC_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Example files are named as schools name them, but stay plain file names in examples/.
EXAMPLE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# Keys that educat adds to a Data Package, a resource's schema and a Table Schema field; the
# rest is plain Frictionless, which ignores these (tests/test_source_packages.py proves it,
# docs/content-model.md lists them).
PACKAGE_EXTENSIONS = ("example", "catalog")
SCHEMA_EXTENSIONS = ("entity", "publish")
FIELD_EXTENSIONS = ("sensitivity", "codelist", "rule", "authority", "unit", "statistic", "statistic_kind", "small_counts", "allow_personal")
# What a dataset may add to a field it takes from its standard: facts about this dataset's
# data, not the field's definition. Any other key written there must agree with the standard.
DATASET_FIELD_KEYS = ("statistic", "statistic_kind", "small_counts", "allow_personal")
# What a count (statistic: count) is over time: a stock is counted at a moment (enrolment on a
# date), so the counts of different years must not be added; a flow is counted over a period
# (new entrants in a year), so the counts of several years may be added.
STATISTIC_KINDS = {"stock": "时点数", "flow": "时期数"}
# Content is plain text: markup or a javascript: URL in it is refused by validate.
HTML_TAG = re.compile(r"<\s*[A-Za-z!/?][^>]*>|(?:javascript|vbscript)\s*:", re.I)
# Characters a browser drops from a URL before it reads the scheme (controls, whitespace, soft hyphen …).
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]")


def is_public_name(name) -> bool:
    return isinstance(name, str) and PUBLIC_NAME.fullmatch(name) is not None


def as_browser_reads(text: str) -> str:
    """The text after HTML-entity decoding (twice: ``&amp;#106;`` too) with the characters a
    browser ignores inside a URL scheme removed: what a scheme check must look at."""
    import html

    return _URL_IGNORED.sub("", html.unescape(html.unescape(text)))


def has_html(text) -> bool:
    """True when plain text carries HTML markup or a javascript: or vbscript: URL, also
    when entity-encoded or split by control characters (content is plain text)."""
    return isinstance(text, str) and bool(HTML_TAG.search(text) or HTML_TAG.search(as_browser_reads(text)))


def parse_ref(spec: str) -> tuple[str, str | None]:
    """``slug`` → (slug, None); ``slug@version`` → (slug, version)."""
    slug, _, version = str(spec).strip().partition("@")
    return slug, version or None


def semver_key(version: str) -> tuple:
    match = SEMVER.match(version or "")
    return tuple(int(x) for x in match.groups()) if match else (-1,)


@dataclass
class Code:
    code: str
    name: str
    description: str = ""
    parent: str = ""
    row: int = 0
    origin: str = ""  # in an extension's resolved list: the ref (slug@version) of the standard that adds the code


@dataclass
class CodeList:
    name: str
    path: Path
    title: str = ""
    source: str = ""
    description: str = ""
    parent_codelist: str = ""  # the parents are codes of this other list (学段 → 年级), not of this one
    codes: dict[str, Code] = field(default_factory=dict)

    def label(self, code) -> str:
        item = self.codes.get(str(code))
        return item.name if item else str(code)


@dataclass
class FieldDef:
    descriptor: dict
    line: int | None = None
    origin: str = ""  # in an extension's resolved entity: the ref of the standard whose definition this is

    name = property(lambda self: self.descriptor.get("name", ""))
    title = property(lambda self: self.descriptor.get("title", ""))
    type = property(lambda self: self.descriptor.get("type", "any"))
    description = property(lambda self: self.descriptor.get("description", ""))
    sensitivity = property(lambda self: self.descriptor.get("sensitivity", ""))
    codelist = property(lambda self: self.descriptor.get("codelist"))
    rule = property(lambda self: self.descriptor.get("rule"))
    constraints = property(lambda self: self.descriptor.get("constraints") or {})

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))


@dataclass
class Entity:
    name: str
    path: Path
    descriptor: dict
    fields: list[FieldDef]

    title = property(lambda self: self.descriptor.get("title", self.name))
    description = property(lambda self: self.descriptor.get("description", ""))

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class Example:
    file: str
    entity: str
    path: Path
    line: int | None
    description: str = ""
    expected: list[tuple] | None = None  # None = must be valid


@dataclass
class Standard:
    slug: str
    version: str
    path: Path
    meta: dict
    entities: dict[str, Entity] = field(default_factory=dict)
    codelists: dict[str, CodeList] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    examples_doc: list | None = None  # examples.yaml as read, for its metaschema check
    openapi: Path | None = None
    # an extension (standard.yaml ``extends``): the standard it extends, and its own entities and
    # code lists as written; ``entities`` and ``codelists`` are then the resolved whole
    parent: "Standard | None" = None
    external: str = ""  # a parent read from another bureau's standard package: that file (repository path)
    own_entities: dict[str, Entity] = field(default_factory=dict)
    own_codelists: dict[str, CodeList] = field(default_factory=dict)

    title = property(lambda self: self.meta.get("title", self.slug))
    status = property(lambda self: self.meta.get("status", ""))
    level = property(lambda self: self.meta.get("level", ""))

    def chain(self) -> list["Standard"]:
        """This standard and the standards it extends, the most general (national) first."""
        out, std = [], self
        while std is not None and all(s is not std for s in out):
            out.insert(0, std)
            std = std.parent
        return out

    @property
    def ref(self) -> str:
        return f"{self.slug}@{self.version}"


@dataclass
class DatasetResource:
    name: str
    descriptor: dict
    line: int | None
    entity_ref: str | None = None
    entity: Entity | None = None
    standard: Standard | None = None
    fields: list[FieldDef] = field(default_factory=list)
    read_fields: list[FieldDef] = field(default_factory=list)  # every column of the file, when ``fields`` is a published subset

    title = property(lambda self: self.descriptor.get("title", self.name))
    path = property(lambda self: self.descriptor.get("path", ""))


@dataclass
class Dataset:
    slug: str
    path: Path
    meta: dict
    resources: list[DatasetResource] = field(default_factory=list)

    title = property(lambda self: self.meta.get("title", self.slug))
    catalog = property(lambda self: self.meta.get("catalog") or {})


@dataclass
class Record:
    data: dict
    path: Path
    line: int | None

    id = property(lambda self: str(self.data.get("id", "")))
    title = property(lambda self: str(self.data.get("title", "")))

    def line_of(self, key: str) -> int | None:
        lines = getattr(self.data, "key_lines", {})
        return lines.get(key, self.line)


@dataclass
class Collection:
    """A curated list (专题) of catalog records, e.g. 十大特色案例 or 金色学堂."""

    slug: str
    path: Path
    meta: dict

    title = property(lambda self: self.meta.get("title", self.slug))

    @property
    def items(self) -> list[str]:
        return [str(i) for i in self.meta.get("items") or []]


@dataclass
class Repo:
    root: Path
    standards: dict[str, dict[str, Standard]] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    collections: dict[str, Collection] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # "slug" and "slug@version" of unreadable standards

    def is_broken(self, ref: str) -> bool:
        """True when a reference points into a standard that could not be read (already reported)."""
        std_part = ref.split("/", 1)[0] if "/" in ref else ""
        return bool(std_part) and (std_part in self.broken or parse_ref(std_part)[0] in self.broken)

    def latest(self, slug: str) -> Standard | None:
        versions = self.standards.get(slug) or {}
        if not versions:
            return None
        return versions[max(versions, key=semver_key)]

    def standard(self, slug: str, version: str | None = None) -> Standard | None:
        if version is None:
            return self.latest(slug)
        return (self.standards.get(slug) or {}).get(version)

    def all_standards(self) -> list[Standard]:
        return [
            std
            for slug in sorted(self.standards)
            for _, std in sorted(self.standards[slug].items(), key=lambda kv: semver_key(kv[0]))
        ]

    def find_standard(self, spec: str) -> Standard:
        """The standard named by ``slug`` (its latest version) or ``slug@version``; every command
        that takes a standard asks here. Raises LookupError saying what exists."""
        slug, version = parse_ref(spec)
        if slug not in self.standards:
            raise LookupError(f"找不到标准 “{slug}”;已有:{'、'.join(sorted(self.standards)) or '无'}")
        std = self.standard(slug, version)
        if std is None:
            raise LookupError(f"标准 {slug} 没有版本 {version};已有:{'、'.join(sorted(self.standards[slug], key=semver_key))}")
        return std

    def resolve(self, ref: str, kind: str, base: Standard | None = None):
        """Resolve ``name``, ``slug/name`` or ``slug@version/name`` to an entity or code list.

        Returns (standard, item) or raises LookupError with a message saying what is missing.
        """
        if "/" in ref:
            std_part, name = ref.split("/", 1)
            std = self.find_standard(std_part)
        else:
            std, name = base, ref
            if std is None:
                raise LookupError(f"引用 “{ref}” 需要写成 标准@版本/名称")
        items = std.entities if kind == "entity" else std.codelists
        if name not in items:
            label = "实体" if kind == "entity" else "代码表"
            known = ", ".join(sorted(items)) or "无"
            raise LookupError(f"标准 {std.ref} 中没有{label} “{name}”(已有:{known})")
        return std, items[name]

    def field_codelists(self, fields, base: Standard) -> dict[str, CodeList]:
        """Field name -> resolved code list, for the fields that have one that resolves."""
        result = {}
        for f in fields:
            if f.codelist:
                try:
                    _, result[f.name] = self.resolve(str(f.codelist), "codelist", base)
                except LookupError:
                    pass  # reported by validate on the field itself
        return result

    @property
    def catalog_standard(self) -> Standard | None:
        return self.latest("resource-metadata")
