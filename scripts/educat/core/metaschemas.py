"""JSON Schemas (draft 2020-12) for the YAML files authors write.

Unknown keys are errors (``additionalProperties: false``): a typo such as ``tittle`` must
not pass silently.
"""

from __future__ import annotations

from educat.core.model import LEVELS, SENSITIVITIES, STATISTIC_KINDS, STATUSES

# GB/T 21063-style catalogue vocabularies for datasets.
SHARE_TYPES = ("无条件共享", "有条件共享", "不予共享")
OPEN_TYPES = ("无条件开放", "有条件开放", "不予开放")
UPDATE_CYCLES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期", "不更新")
THEMES = ("教育", "科技", "文化", "社会保障", "综合")

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 5000}  # texts end up on pages: bounded
_SEMVER = {"type": "string", "pattern": r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"}
_NAME = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}
_SLUG = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"}


def _object(properties: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


STANDARD = _object(
    {
        "slug": _SLUG,
        "title": _TEXT,
        "version": _SEMVER,
        "status": {"enum": list(STATUSES)},
        "publisher": _TEXT,
        "date": _DATE,
        "scope": _TEXT,
        "description": {"type": "string"},
        "example": {"type": "boolean"},
        "changes": {"type": "string"},
        "level": {"enum": list(LEVELS)},
        "extends_package": {"type": "string", "minLength": 1, "maxLength": 300},
        "extends": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*@(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"},
        "references": {
            "type": "array",
            "items": _object({"code": _TEXT, "title": _TEXT, "url": {"type": "string"}}, ["code", "title"]),
        },
        "codelists": {
            "type": "object",
            "additionalProperties": _object(
                {"title": _TEXT, "source": {"type": "string"}, "description": {"type": "string"}, "parent_codelist": _NAME, "extensible": {"type": "boolean"}}, ["title"]
            ),
        },
    },
    ["slug", "title", "version", "status", "publisher", "date", "scope"],
)

_CONSTRAINTS = _object(
    {
        "required": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "pattern": {"type": "string"},
        "enum": {"type": "array"},
        "minLength": {"type": "integer", "minimum": 0},
        "maxLength": {"type": "integer", "minimum": 0},
        "minimum": {"type": ["number", "string"]},
        "maximum": {"type": ["number", "string"]},
    },
    [],
)

FIELD = _object(
    {
        "name": _NAME,
        "title": _TEXT,
        "type": {
            "enum": ["string", "integer", "number", "boolean", "date", "datetime", "time", "year", "yearmonth",
                     "duration", "array", "object", "geopoint", "any"]
        },
        "format": {"type": "string"},
        "description": _TEXT,
        "sensitivity": {"enum": list(SENSITIVITIES)},
        "constraints": _CONSTRAINTS,
        "codelist": {"type": "string", "pattern": r"^([a-z0-9][a-z0-9-]*(@[0-9.]+)?/)?[a-z][a-z0-9_]*$"},
        "rule": {"type": "string"},
        "authority": {"type": "string", "minLength": 1, "maxLength": 200},  # 一数一源: the system or department that owns the item
        "example": {},
        "unit": {"type": "string"},
        "statistic": {"enum": ["count"]},
        "statistic_kind": {"enum": list(STATISTIC_KINDS)},  # a count at a moment, or over a period
        "small_counts": {"type": "string", "minLength": 10, "maxLength": 500},  # why counts of 1–4 may be published
        "allow_personal": {"type": "array", "items": {"enum": ["id-card", "mobile", "email"]}},
        "trueValues": {"type": "array", "items": {"type": "string"}},
        "falseValues": {"type": "array", "items": {"type": "string"}},
        "bareNumber": {"type": "boolean"},
        "groupChar": {"type": "string", "minLength": 1, "maxLength": 1},
        "decimalChar": {"type": "string", "minLength": 1, "maxLength": 1},
    },
    ["name", "title", "type", "description", "sensitivity"],
)

ENTITY = _object(
    {
        "name": _NAME,
        "title": _TEXT,
        "description": _TEXT,
        "fields": {"type": "array", "minItems": 1, "items": FIELD},
        "primaryKey": {"type": ["string", "array"], "items": {"type": "string"}},
        "missingValues": {"type": "array", "items": {"type": "string"}},
    },
    ["name", "title", "description", "fields"],
)

EXAMPLES = {
    "type": "array",
    "items": _object(
        {
            "file": {"type": "string", "minLength": 1, "maxLength": 100},  # the loader checks the name itself
            "entity": _NAME,
            "description": _TEXT,
            "valid": {"type": "boolean"},
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": _object(
                    {"row": {"type": "integer", "minimum": 1}, "field": {"type": "string"}, "type": _TEXT},
                    ["row", "type"],
                ),
            },
        },
        ["file", "entity"],
    ),
}

# catalog/rubric.yaml: the 精品 criteria, shown on the site and applied by validate.
RUBRIC = _object(
    {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "introduction": _TEXT,
        "review_max_age_months": {"type": "integer", "minimum": 1, "maximum": 120},
        "excluded_licenses": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}},
        "required_access": {"type": "string", "minLength": 1, "maxLength": 100},
        "criteria": {"type": "array", "items": _TEXT},
    },
    [],
)

# A field of a dataset's resource is an object, so that Frictionless reads the package as
# written. One named like a field of ``schema.entity`` takes its definition from the standard
# (``{name: gender}``; keys written beside the name must agree with it); any other is the
# dataset's own and needs the keys FIELD requires. Both checks need the entity: validate does
# them. A bare name (``- gender``) is the old form, still read with a warning.
_DATASET_FIELD = {**FIELD, "required": ["name"]}

DATAPACKAGE = _object(
    {
        "name": _SLUG,
        "title": _TEXT,
        "description": _TEXT,
        "version": _SEMVER,
        "keywords": {"type": "array", "items": {"type": "string"}},
        "example": {"type": "boolean"},
        "sources": {"type": "array", "items": _object({"title": _TEXT, "path": {"type": "string"}}, ["title"])},
        "licenses": {
            "type": "array",
            "minItems": 1,
            "items": _object({"name": _TEXT, "title": {"type": "string"}, "path": {"type": "string"}}, ["name"]),
        },
        "catalog": _object(
            {
                "provider": _TEXT,
                "responsible_unit": _TEXT,
                "theme": {"enum": list(THEMES)},
                "update_cycle": {"enum": list(UPDATE_CYCLES)},
                "share_type": {"enum": list(SHARE_TYPES)},
                "share_conditions": {"type": "string"},
                "open_type": {"enum": list(OPEN_TYPES)},
                "published": _DATE,
                "updated": _DATE,
                "contact": _object(
                    {"name": _TEXT, "phone": {"type": "string"}, "email": {"type": "string"}}, ["name"]
                ),
            },
            ["provider", "responsible_unit", "theme", "update_cycle", "share_type", "open_type", "published", "contact"],
        ),
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "name": {"type": "string", "pattern": r"^[a-z][a-z0-9_-]*$"},
                    "title": _TEXT,
                    "description": {"type": "string"},
                    "path": {"type": "string", "minLength": 1},
                    "schema": _object(
                        {
                            "entity": {
                                "type": "string",
                                "pattern": r"^[a-z0-9][a-z0-9-]*@[0-9]+\.[0-9]+\.[0-9]+/[a-z][a-z0-9_]*$",
                            },
                            "fields": {"type": "array", "minItems": 1, "items": {"if": {"type": "string"}, "then": _NAME, "else": _DATASET_FIELD}},
                            "primaryKey": {"type": ["string", "array"], "items": {"type": "string"}},
                            # field name -> why a field more sensitive than 公开 may be published here
                            # (a grouping dimension of an aggregate, for instance); nothing else is
                            "publish": {"type": "object", "additionalProperties": {"type": "string", "minLength": 10, "maxLength": 500}},
                        },
                        ["entity"],
                    ),
                },
                ["name", "title", "path", "schema"],
            ),
        },
    },
    ["name", "title", "description", "licenses", "catalog", "resources"],
)

COLLECTION = _object(
    {
        "title": _TEXT,
        "description": _TEXT,
        "curator": _TEXT,
        "example": {"type": "boolean"},
        "items": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _SLUG},
    },
    ["title", "description", "curator", "items"],
)

_STAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
_URL_TEXT = {"type": ["string", "null"], "maxLength": 2000, "pattern": r"^[^\s<>\"'`]*$"}  # no markup, no spaces

# catalog/linkcheck.json, written by `educat linkcheck` and read by the build: checked like
# every other content file, because anyone can commit it.
LINKCHECK = _object(
    {
        "checked_at": _STAMP,
        "summary": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        "links": {
            "type": "object",
            "additionalProperties": _object(
                {
                    "status": {"enum": ["ok", "redirected", "broken", "error", "skipped"]},
                    "http_status": {"type": ["integer", "null"], "minimum": 100, "maximum": 599},
                    "final_url": _URL_TEXT,
                    "redirects": {"type": "array", "maxItems": 10, "items": {"type": "array", "prefixItems": [{"type": "integer"}, _URL_TEXT], "items": False}},
                    "permanent": {"type": ["boolean", "null"]},
                    "error": {"type": "string", "maxLength": 500},
                    "checked_at": _STAMP,
                    "attempts": {"type": "integer", "minimum": 0},
                    "resources": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,63}$"}},
                },
                ["status"],
            ),
        },
    },
    ["links"],
)
