"""Downloads made from an entity for the people who produce data.

- ``json_schema``: a JSON Schema (draft 2020-12) for one record, for systems that send JSON;
- ``sample_csv``: a CSV that opens cleanly in Excel (UTF-8 with BOM, CRLF, Chinese headers);
- the XLSX fill-in template is made in ``template.py``.

They are built from the loaded models only; nothing here reads the network.
"""

from __future__ import annotations

import copy
import csv
import io
import json

from educat.core.cells import csv_row, table_text
from educat.core.model import CodeList, Entity, FieldDef, Repo, Standard
from educat.core.paths import Refused, resolve

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Table Schema field type -> JSON Schema for a value of that type in a JSON record.
JSON_TYPES: dict[str, dict] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string", "format": "time"},
    "year": {"type": "integer"},
    "yearmonth": {"type": "string", "pattern": r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"},
    "duration": {"type": "string", "format": "duration"},
    "array": {"type": "array", "items": {"type": "string"}},
    "object": {"type": "object"},
}
# Table Schema string formats that JSON Schema has under the same meaning.
STRING_FORMATS = {"email": "email", "uri": "uri", "uuid": "uuid"}



# -- code lists --------------------------------------------------------------------------------
def codelist_owners(entity: Entity, std: Standard, repo: Repo) -> dict[str, tuple[Standard, CodeList]]:
    result = {}
    for f in entity.fields:
        if f.codelist:
            try:
                result[f.name] = repo.resolve(str(f.codelist), "codelist", std)
            except LookupError:
                continue  # `educat validate` reports the dangling reference on the entity
    return result


def resolve_codelists(entity: Entity, std: Standard, repo: Repo) -> dict[str, CodeList]:
    """Field name -> resolved code list, for the fields whose code list can be resolved."""
    return {name: codelist for name, (_, codelist) in codelist_owners(entity, std, repo).items()}


def codelist_ref(owner: Standard, codelist: CodeList) -> str:
    return f"{owner.ref}/{codelist.name}"


# -- JSON Schema -------------------------------------------------------------------------------
def anchored(pattern: str) -> str:
    """A Table Schema pattern (implicitly anchored) as a JSON Schema pattern (a search)."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$") and "|" not in pattern:
        return pattern
    return f"^(?:{pattern})$"


def _cast(value, type_: str):
    """A Table Schema constraint value (often written as a string) as a JSON value."""
    try:
        if type_ in ("integer", "year"):
            return int(value)
        if type_ == "number":
            return float(value)
    except (TypeError, ValueError):
        return value
    return value


def _property(f: FieldDef, codelist: tuple[Standard, CodeList] | None) -> dict:
    prop: dict = {}
    if f.title:
        prop["title"] = f.title
    if f.description:
        prop["description"] = f.description
    base = copy.deepcopy(JSON_TYPES.get(f.type, {}))
    json_type = base.get("type")
    if json_type == "string" and f.descriptor.get("format") in STRING_FORMATS:
        base["format"] = STRING_FORMATS[f.descriptor["format"]]
    prop.update(base)
    c = f.constraints
    if json_type == "string":
        if c.get("pattern"):
            if "pattern" in prop:  # the type's own pattern and the field's both apply
                prop["allOf"] = [{"pattern": prop.pop("pattern")}, {"pattern": anchored(str(c["pattern"]))}]
            else:
                prop["pattern"] = anchored(str(c["pattern"]))
        min_length = c.get("minLength")
        if f.required:  # Table Schema treats "" as missing, so a required text cannot be empty
            min_length = max(int(min_length or 0), 1)
        if min_length is not None:
            prop["minLength"] = int(min_length)
        if c.get("maxLength") is not None:
            prop["maxLength"] = int(c["maxLength"])
    elif json_type in ("integer", "number"):
        for key in ("minimum", "maximum"):
            if c.get(key) is not None:
                prop[key] = _cast(c[key], f.type)
    elif json_type == "array":
        if c.get("minLength") is not None:
            prop["minItems"] = int(c["minLength"])
        if c.get("maxLength") is not None:
            prop["maxItems"] = int(c["maxLength"])
    enum = [_cast(v, f.type) for v in c["enum"]] if isinstance(c.get("enum"), list) else None
    if codelist is not None:
        _, cl = codelist
        codes = [_cast(code, f.type) for code in cl.codes] if json_type != "array" else list(cl.codes)
        enum = codes if enum is None else [v for v in enum if v in codes]
    if enum is not None:
        if json_type == "array":
            prop["items"]["enum"] = enum
        else:
            prop["enum"] = enum
    if not f.required and json_type:
        # An optional field may be left out or sent as null (an empty cell in a table).
        prop["type"] = [json_type, "null"]
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], None]
    if codelist is not None:
        prop["x-codelist"] = codelist_ref(*codelist)
    if f.sensitivity:
        prop["x-sensitivity"] = f.sensitivity
    if f.rule:
        prop["x-rule"] = f.rule
    if c.get("unique"):
        prop["x-unique"] = True
    return prop


def json_schema(entity: Entity, std: Standard, repo: Repo, id_url: str | None = None) -> dict:
    """A JSON Schema (draft 2020-12) for one record of the entity, as a JSON object.

    Table Schema semantics kept: patterns match the whole value, required text cannot be
    empty, optional fields may be absent or null. Code lists become ``enum``; the
    reference, sensitivity and rule are kept as ``x-codelist``, ``x-sensitivity``, ``x-rule``.
    Uniqueness across records cannot be said in JSON Schema; it is noted as ``x-unique``.
    """
    codelists = codelist_owners(entity, std, repo)
    schema: dict = {"$schema": JSON_SCHEMA_DIALECT}
    if id_url:
        schema["$id"] = id_url
    schema["title"] = entity.title
    if entity.description:
        schema["description"] = entity.description
    schema["type"] = "object"
    schema["properties"] = {f.name: _property(f, codelists.get(f.name)) for f in entity.fields}
    schema["required"] = [f.name for f in entity.fields if f.required]
    schema["additionalProperties"] = False
    schema["x-standard"] = std.ref
    schema["x-entity"] = entity.name
    keys = entity.descriptor.get("primaryKey")
    if keys:
        schema["x-primaryKey"] = [keys] if isinstance(keys, str) else list(keys)
    return schema


# -- sample CSV --------------------------------------------------------------------------------
def sample_csv(entity: Entity, rows: list[dict]) -> bytes:
    """CSV for Excel: UTF-8 with BOM, CRLF, header = 中文名 in field order.

    ``rows`` are dicts keyed by field name; a missing key is an empty cell, a key that is not
    a field of the entity is a ValueError (it would silently vanish from the file).
    """
    names = [f.name for f in entity.fields]
    unknown = sorted({key for row in rows for key in row} - set(names))
    if unknown:
        raise ValueError(f"实体 {entity.name} 没有字段 {'、'.join(unknown)}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row([f.title or f.name for f in entity.fields]))
    for row in rows:
        writer.writerow(csv_row([table_text(row.get(name)) for name in names]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def example_rows(std: Standard, entity: Entity) -> list[dict]:
    """The rows of the entity's valid example CSV, as dicts of strings keyed by field name.

    Empty when the standard declares no valid example for the entity, or when the file is
    missing or reached through a symlink leaving the standard (``educat validate`` reports those).
    """
    example = next((e for e in std.examples if e.expected is None and e.entity == entity.name), None)
    if example is None:
        return []
    path = resolve(example.path.parent, example.file, within=std.path)
    if isinstance(path, Refused):
        return []
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), restval="")
    return [{key: value for key, value in row.items() if key is not None} for row in reader]


