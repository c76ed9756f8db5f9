"""OpenAPI 3.1 interface documents: load, validate, list operations, check payloads, render a page.

A standard may carry an ``openapi.yaml``. Its schemas may say which code list a value comes
from with the extension ``x-codelist`` (``name`` for a code list of the same standard, or
``slug@version/name``). A string that holds several codes separated by a character, like
the OAuth ``scope`` parameter, says so with ``x-codelist-separator: ' '``.

Everything here is offline: only references inside the document (``#/...``) are followed;
any other ``$ref`` is reported by :func:`validate_openapi` and never fetched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from urllib.parse import quote, unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from jsonschema_path import SchemaPath
from markupsafe import Markup
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    OpenAPIValidationError,
    UnresolvableParameterError,
)
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from educat.core.findings import Problem
from educat.core.paths import rel
from educat.site.html import a, block, dl, is_safe_url, md, rel_url, table, text
from educat.core.yamlio import LineDict, LineList, YamlError, load_yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_URL = "https://spec.openapis.org/oas/v3.1.0"
# The document is registered under this URI for jsonschema; it is never fetched.
BASE_URI = "https://educat.invalid/openapi.json"
MAX_REF_HOPS = 32
MAX_DEPTH = 12

# Keys whose value is data, not part of the description (a "$ref" in there is not a reference).
_LITERAL_KEYS = ("example", "examples", "default", "const", "enum")
# Keys whose children are names chosen by the author (a property may be called "default").
_NAMED_CHILDREN = ("properties", "patternProperties", "$defs", "dependentSchemas")


# -- reading -------------------------------------------------------------------------------
def load_openapi(path: Path) -> dict:
    """Read an OpenAPI document with line numbers; raise YamlError if it cannot be read."""
    doc = load_yaml(Path(path))
    if not isinstance(doc, dict):
        raise YamlError("接口文档顶层应为键值映射(mapping)", 1)
    return doc


def _escape_token(part) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(parts) -> str:
    """A JSON pointer (RFC 6901) for a sequence of keys and indexes; '' is the whole value."""
    return "".join("/" + _escape_token(p) for p in parts)


def _ref_parts(ref: str) -> list[str]:
    if not ref.startswith("#"):
        raise LookupError(f"只支持文档内部的引用(以 # 开头),“{ref}” 不是")
    frag = unquote(ref[1:])
    if frag == "":
        return []
    if not frag.startswith("/"):
        raise LookupError(f"引用 “{ref}” 不是 JSON 指针(应写成 #/components/schemas/名称)")
    return [t.replace("~1", "/").replace("~0", "~") for t in frag[1:].split("/")]


def _child(node, part):
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list):
        try:
            index = int(part)
        except (TypeError, ValueError):
            raise LookupError(part) from None
        if 0 <= index < len(node):
            return node[index]
    raise LookupError(part)


def resolve_ref(doc, ref: str):
    """The value a local ``$ref`` such as '#/components/schemas/School' points to, or LookupError."""
    node = doc
    for part in _ref_parts(ref):
        try:
            node = _child(node, part)
        except LookupError:
            raise LookupError(f"引用 “{ref}” 指向的位置不存在(找不到 “{part}”)") from None
    return node


def _deref(doc, node, ptr: str):
    """Follow a chain of ``$ref`` objects; return the target and its JSON pointer."""
    for _ in range(MAX_REF_HOPS):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node, ptr
        ref = node["$ref"]
        node = resolve_ref(doc, ref)
        ptr = pointer(_ref_parts(ref))
    raise LookupError(f"引用 “{node.get('$ref')}” 层层相套,形成了循环")


def line_at(doc, parts) -> int | None:
    """The line of the deepest key along ``parts`` that exists, following local ``$ref``\\ s."""
    node, line = doc, getattr(doc, "line", None)
    for part in parts:
        for _ in range(MAX_REF_HOPS):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if part in (node if isinstance(node, dict) else ()) or not isinstance(ref, str):
                break
            try:
                node = resolve_ref(doc, ref)
            except LookupError:
                return line
        if isinstance(node, dict) and part in node:
            if isinstance(node, LineDict):
                line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            if isinstance(node, LineList) and part < len(node.item_lines):
                line = node.item_lines[part]
            node = node[part]
        else:
            return line
    return line


def _walk(node, parts=()):
    """Yield (parts, mapping) for every mapping that describes the interface (not example data)."""
    if isinstance(node, dict):
        yield parts, node
        named = bool(parts) and parts[-1] in _NAMED_CHILDREN
        for key, value in node.items():
            if not named and isinstance(key, str):
                if key in _LITERAL_KEYS and not (key == "examples" and isinstance(value, dict)):
                    continue
                if key.startswith("x-"):
                    continue
                if key == "value" and len(parts) >= 2 and parts[-2] == "examples":
                    continue
            yield from _walk(value, (*parts, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*parts, index))


# -- validating the document -----------------------------------------------------------------
def _located(cls, suffix=()):
    """A keyword validator class whose errors remember where in the document they were found."""

    def __call__(self, *args, **kwargs):
        node = next((x for x in args if isinstance(x, SchemaPath)), None)
        for err in cls.__call__(self, *args, **kwargs):
            if not isinstance(err, OpenAPIValidationError):
                err = OpenAPIValidationError.create_from(err)
            if node is not None and getattr(err, "educat_parts", None) is None:
                err.educat_parts = (*node.parts, *suffix, *err.absolute_path)
            yield err

    return type(cls.__name__, (cls,), {"__call__": __call__})


class _SpecValidator(OpenAPIV31SpecValidator):
    """openapi-spec-validator for 3.1 that never fetches anything and locates its errors."""

    resolver_handlers = {}
    keyword_validators = {
        key: _located(cls, ("default",) if key == "default" else ())
        for key, cls in OpenAPIV31SpecValidator.keyword_validators.items()
    }


def _where(parts) -> str:
    return " › ".join(str(p) for p in parts) or "文档顶层"


def _spec_note(err: ValidationError) -> str:
    if isinstance(err, UnresolvableParameterError):
        return "路径里的每个 {参数} 都要在 parameters 中以 in: path、required: true 声明,parameters 中的路径参数也必须出现在路径里"
    if err.validator == "required":
        return "按 OpenAPI 3.1 规范补上缺少的必填项"
    if err.validator in ("additionalProperties", "unevaluatedProperties"):
        return "删除或改正拼错的键;自定义的扩展键必须以 x- 开头"
    if err.validator == "enum":
        return "改为以下取值之一:" + "、".join(str(v) for v in err.validator_value)
    if "Required list has not defined properties" in err.message:
        return "required 中列出的字段必须在 properties 中定义"
    return f"对照 OpenAPI 3.1 规范({SPEC_URL})修改"


def _spec_problem_parts(err: ValidationError) -> tuple:
    parts = getattr(err, "educat_parts", None)
    if parts is None:
        parts = tuple(err.absolute_path)
    if isinstance(err, UnresolvableParameterError):
        match = re.search(r"for '(\w+)'(?: operation)? in '([^']*)'", err.message)
        if match:
            parts = ("paths", match.group(2), match.group(1))
    if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
        extra = next((k for k in err.instance if repr(k) in err.message), None)
        if extra is not None:
            parts = (*parts, extra)
    return tuple(parts)


# Each check yields (type, message, line, note); validate_openapi adds the file.
def _check_version(doc):
    version = doc.get("openapi")
    if not (isinstance(version, str) and re.match(r"^3\.1\.\d+$", version)):
        shown = "没有填写" if version is None else f"现在是 “{version}”"
        yield "openapi-error", f"接口文档必须是 OpenAPI 3.1(openapi 字段{shown})", line_at(doc, ("openapi",)), "写成 openapi: 3.1.0(字符串)"


def _check_refs(doc):
    """Every $ref is local and leads somewhere (without a cycle)."""
    for parts, node in _walk(doc):
        if "$ref" not in node or (parts and parts[-1] in _NAMED_CHILDREN):
            continue
        ref, line = node["$ref"], line_at(doc, (*parts, "$ref"))
        if not isinstance(ref, str):
            yield "openapi-error", "$ref 的值必须是字符串", line, "写成 $ref: '#/components/schemas/名称'"
        elif not ref.startswith("#"):
            yield "openapi-error", f"引用 “{ref}” 指向文档之外;站点构建不联网,也不读取其他文件", line, "把被引用的内容放进本文档的 components,改为 #/components/… 引用"
        else:
            try:
                _deref(doc, node, "")
            except LookupError as exc:
                note = "打破循环:至少让其中一个定义写出具体结构" if "循环" in str(exc) else "改正引用路径,或在 components 中补上被引用的定义"
                yield "dangling-reference", str(exc), line, note


def _check_operation_ids(doc):
    seen: dict[str, int | None] = {}
    for route, method, _, op, _ in _operation_nodes(doc):
        op_id = op.get("operationId")
        line = line_at(doc, ("paths", route, method, "operationId"))
        if not isinstance(op_id, str) or not op_id:
            yield "openapi-error", f"{method.upper()} {route} 缺少 operationId", line, "给每个操作写一个唯一的 operationId,如 listSchools"
        elif op_id in seen:
            yield "openapi-error", f"operationId “{op_id}” 重复(第 {seen[op_id]} 行已有)", line, "每个操作的 operationId 必须唯一,请改名"
        else:
            seen[op_id] = line


def _check_codelists(doc, resolve_codelist):
    for parts, node in _walk(doc):
        if "x-codelist" not in node or (parts and parts[-1] in _NAMED_CHILDREN):
            continue
        ref, line = node["x-codelist"], line_at(doc, (*parts, "x-codelist"))
        if not isinstance(ref, str) or not ref.strip():
            yield "openapi-error", "x-codelist 的值必须是代码表引用(字符串)", line, "写成 代码表名(本标准),或 标准@版本/代码表名"
        elif resolve_codelist is not None:
            try:
                resolve_codelist(ref)
            except LookupError as exc:
                yield "dangling-reference", f"x-codelist “{ref}” 无法解析:{exc}", line, "写成 代码表名(本标准),或 标准@版本/代码表名"


def _check_spec(doc, refs_ok: bool):
    """openapi-spec-validator's verdict, located.

    First the document's structure is checked against the OpenAPI 3.1 JSON Schema. Only a
    well-formed document whose references all resolve gets the library's second pass
    (schemas against their dialect, path parameters, ...): that pass assumes both.
    """
    validator = _SpecValidator(doc)
    structural = list(validator.schema_validator.iter_errors(doc))
    second = validator.root_validator(validator.schema_path) if refs_ok and not structural else ()
    seen = set()
    try:
        for err in chain(structural, second):
            if isinstance(err, DuplicateOperationIDError):
                continue  # _check_operation_ids reports it, with the line
            err = best_match([err]) if err.context else err
            parts = _spec_problem_parts(err)
            if (parts, err.message) in seen:
                continue
            seen.add((parts, err.message))
            yield "openapi-error", f"不符合 OpenAPI 3.1 规范(位置:{_where(parts)}):{err.message}", line_at(doc, parts), _spec_note(err)
    except Unresolvable as exc:  # a "$ref" key inside data such as a default value
        yield "dangling-reference", f"接口文档中有无法解析的引用 “{getattr(exc, 'ref', '')}”", None, "改正 $ref 引用路径;数据中不要使用 $ref 键"


def validate_openapi(doc, path: Path, root: Path, resolve_codelist: Callable[[str], object] | None = None) -> list[Problem]:
    """Everything wrong with one OpenAPI document, as problems with file lines, in line order.

    ``resolve_codelist(ref)`` raises LookupError for an ``x-codelist`` that does not resolve;
    without it code-list references are only checked to be strings.
    """
    where = rel(Path(path), Path(root))
    if not isinstance(doc, dict):
        return [Problem("openapi-error", "接口文档顶层应为键值映射(mapping)", where, 1, note="以 openapi: 3.1.0 开头写一个 OpenAPI 文档")]
    found = list(_check_version(doc))
    if not found:  # the rest is about OpenAPI 3.1
        ref_problems = list(_check_refs(doc))
        found += ref_problems + list(_check_operation_ids(doc)) + list(_check_codelists(doc, resolve_codelist))
        found += _check_spec(doc, refs_ok=not ref_problems)
    problems = [Problem(type_, message, where, line, note=note) for type_, message, line, note in found]
    return sorted(problems, key=lambda p: (p.line or 0, p.type, p.message))


# -- operations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PayloadExample:
    """One example payload of a media type: ``example`` (name 'example') or an ``examples`` entry."""

    name: str
    value: object
    summary: str = ""
    description: str = ""
    media_type: str = ""


@dataclass
class Operation:
    method: str  # upper case, e.g. "GET"
    path: str
    operation_id: str
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)  # path-level and operation-level, $ref resolved
    request_schema: dict | None = None  # as written; may hold $ref
    request_media_type: str | None = None
    request_required: bool = False
    responses: dict[str, dict | None] = field(default_factory=dict)  # status -> schema (None: no body)
    response_media_types: dict[str, str | None] = field(default_factory=dict)
    response_descriptions: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, dict] = field(default_factory=dict)  # status -> {name: header object}
    request_examples: list[PayloadExample] = field(default_factory=list)
    response_examples: dict[str, list[PayloadExample]] = field(default_factory=dict)
    security: list | None = None  # the requirements that apply (operation's, else the document's)
    deprecated: bool = False
    pointer: str = ""  # JSON pointer of the operation in the document
    line: int | None = None


def pick_media_type(content) -> str | None:
    """application/json, else another JSON type, else the first media type that has a schema."""
    if not isinstance(content, dict) or not content:
        return None
    keys = [k for k in content if isinstance(k, str)]
    for key in keys:
        if key.split(";")[0].strip().lower() == "application/json":
            return key
    for key in keys:
        if key.split(";")[0].strip().lower().endswith("+json"):
            return key
    with_schema = [k for k in keys if isinstance(content[k], dict) and "schema" in content[k]]
    return (with_schema or keys or [None])[0]


def _examples(doc, media: dict, media_type: str) -> list[PayloadExample]:
    out = []
    if not isinstance(media, dict):
        return out
    if "example" in media:
        out.append(PayloadExample("example", media["example"], media_type=media_type))
    examples = media.get("examples")
    if isinstance(examples, dict):
        for name, ex in examples.items():
            try:
                ex, _ = _deref(doc, ex, "")
            except LookupError:
                continue
            if isinstance(ex, dict) and "value" in ex:
                out.append(PayloadExample(str(name), ex["value"], str(ex.get("summary", "")), str(ex.get("description", "")), media_type))
    return out


def _media(doc, holder, ptr: str):
    """(media type, media object, pointer of the media object) of a request body or response."""
    holder, ptr = _deref(doc, holder, ptr)
    content = holder.get("content") if isinstance(holder, dict) else None
    media_type = pick_media_type(content)
    if media_type is None:
        return holder, None, None, None
    return holder, media_type, content[media_type], f"{ptr}/content/{_escape_token(media_type)}"


def _operation_nodes(doc):
    paths = doc.get("paths") if isinstance(doc, dict) else None
    for route, item in (paths or {}).items() if isinstance(paths, dict) else ():
        item_ptr = pointer(("paths", route))
        try:
            item, item_ptr = _deref(doc, item, item_ptr)
        except LookupError:
            continue
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield route, method, item, item[method], f"{item_ptr}/{method}"


def _parameters(doc, item: dict, op: dict) -> list[dict]:
    merged: dict[tuple, dict] = {}
    for params in (item.get("parameters"), op.get("parameters")):
        for param in params if isinstance(params, list) else ():
            try:
                param, _ = _deref(doc, param, "")
            except LookupError:
                continue
            if isinstance(param, dict):
                merged[(param.get("name"), param.get("in"))] = param
    return list(merged.values())


def operations(doc) -> list[Operation]:
    """Every operation under ``paths``, in document order."""
    result = []
    for route, method, item, op, ptr in _operation_nodes(doc):
        operation = Operation(
            method=method.upper(), path=str(route), operation_id=str(op.get("operationId") or ""),
            summary=str(op.get("summary") or ""), description=str(op.get("description") or ""),
            tags=[str(t) for t in op.get("tags") or [] if t is not None], parameters=_parameters(doc, item, op),
            security=op["security"] if "security" in op else doc.get("security"), deprecated=bool(op.get("deprecated")),
            pointer=ptr, line=line_at(doc, ("paths", route, method)),
        )
        if "requestBody" in op:
            try:
                body, media_type, media, _ = _media(doc, op["requestBody"], f"{ptr}/requestBody")
            except LookupError:
                body, media_type, media = {}, None, None
            operation.request_required = bool(isinstance(body, dict) and body.get("required"))
            operation.request_media_type = media_type
            if isinstance(media, dict):
                operation.request_schema = media.get("schema")
                operation.request_examples = _examples(doc, media, media_type)
        responses = op.get("responses") if isinstance(op.get("responses"), dict) else {}
        for status, response in responses.items():
            status = str(status)
            try:
                resp, media_type, media, _ = _media(doc, response, f"{ptr}/responses/{_escape_token(status)}")
            except LookupError:
                resp, media_type, media = {}, None, None
            resp = resp if isinstance(resp, dict) else {}
            operation.responses[status] = media.get("schema") if isinstance(media, dict) else None
            operation.response_media_types[status] = media_type
            operation.response_descriptions[status] = str(resp.get("description") or "")
            headers = {}
            for name, header in (resp.get("headers") or {}).items() if isinstance(resp.get("headers"), dict) else ():
                try:
                    header, _ = _deref(doc, header, "")
                except LookupError:
                    continue
                headers[str(name)] = header if isinstance(header, dict) else {}
            operation.response_headers[status] = headers
            operation.response_examples[status] = _examples(doc, media, media_type) if isinstance(media, dict) else []
        result.append(operation)
    return result


# -- checking payloads -----------------------------------------------------------------------
@dataclass(frozen=True)
class ApiFinding:
    """One thing wrong in a request or response payload."""

    pointer: str  # JSON pointer into the payload, e.g. /items/0/gender; '' is the whole payload
    keyword: str  # the JSON Schema keyword that failed, or "x-codelist"
    message: str  # plain Chinese
    value: object = None


_TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "布尔值", "object": "对象", "array": "数组", "null": "空值(null)"}
_FORMAT_NAMES = {
    "date-time": "日期时间(如 2026-09-01T09:30:00+08:00)", "date": "日期(如 2026-09-01)", "time": "时间(如 09:30:00+08:00)",
    "email": "电子邮件地址", "uri": "URI 地址", "uuid": "UUID", "ipv4": "IPv4 地址", "ipv6": "IPv6 地址", "hostname": "主机名",
}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _show(value, limit: int = 60) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _codelist_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _codes_lookup(codelists) -> Callable[[str], set[str] | None]:
    if codelists is None:
        return lambda ref: None
    if callable(codelists):
        def lookup(ref):
            try:
                codes = codelists(ref)
            except LookupError:
                return None
            return None if codes is None else {str(c) for c in codes}
        return lookup
    return lambda ref: None if codelists.get(ref) is None else {str(c) for c in codelists[ref]}


def _allows_number(schema) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return bool({"integer", "number"} & set(kind if isinstance(kind, list) else [kind]))


def _codelist_keyword(lookup):
    def check(validator, ref, instance, schema):
        codes = lookup(ref) if isinstance(ref, str) else None
        if codes is None:
            return  # unknown code list: validate_openapi reports it
        separator = schema.get("x-codelist-separator")
        if isinstance(instance, list):
            items, value_schema = list(enumerate(instance)), schema.get("items")
        else:
            items, value_schema = [(None, instance)], schema
        for index, value in items:
            if not (isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and _allows_number(value_schema))):
                continue  # a value of the wrong type: the type keyword reports it
            values = str(value).split(separator) if isinstance(separator, str) and separator and isinstance(value, str) else [str(value)]
            for code in values:
                if code not in codes:
                    shown = code if len(values) == 1 else f"{code}(在 “{_show(value)}” 中)"
                    yield ValidationError(f"值 “{shown}” 不在代码表 {_codelist_name(ref)} 中", path=() if index is None else (index,), instance=value)

    return check


def _length_message(err, what: str) -> str:
    return f"{what},实际 {len(err.instance)}"


def _translate(err: ValidationError) -> list[tuple[list, str, str, object]]:
    """(path, keyword, Chinese message, value) for one jsonschema error (some give several)."""
    path, kw, value, limit = list(err.absolute_path), err.validator, err.instance, err.validator_value
    if kw == "required":
        # jsonschema reports one error per missing name, on the object; point at the missing field
        missing = [n for n in limit if isinstance(value, dict) and n not in value]
        name = next((n for n in missing if repr(n) in err.message), missing[0] if missing else None)
        if name is not None:
            return [([*path, name], kw, f"缺少必填字段 “{name}”", None)]
    if kw in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict) and isinstance(err.schema, dict):
        props = err.schema.get("properties") or {}
        patterns = err.schema.get("patternProperties") or {}
        extras = [k for k in value if k not in props and not any(re.search(p, k) for p in patterns) and repr(k) in err.message]
        if extras:
            return [([*path, k], kw, f"未定义的字段 “{k}”", value[k]) for k in extras]
    if kw == "type":
        wanted = limit if isinstance(limit, list) else [limit]
        names = "或".join(_TYPE_NAMES.get(t, t) for t in wanted)
        actual = _TYPE_NAMES.get(_json_type(value), _json_type(value))
        return [(path, kw, f"类型应为{names},实际是{actual}(“{_show(value)}”)", value)]
    messages = {
        "enum": lambda: f"值 “{_show(value)}” 不在允许的取值中({'、'.join(_show(v) for v in limit)})",
        "const": lambda: f"值应为 “{_show(limit)}”,实际是 “{_show(value)}”",
        "pattern": lambda: f"值 “{_show(value)}” 不符合格式 {limit}",
        "format": lambda: f"值 “{_show(value)}” 不是有效的{_FORMAT_NAMES.get(limit, limit)}",
        "minimum": lambda: f"值 {_show(value)} 小于最小值 {limit}",
        "maximum": lambda: f"值 {_show(value)} 大于最大值 {limit}",
        "exclusiveMinimum": lambda: f"值 {_show(value)} 应大于 {limit}",
        "exclusiveMaximum": lambda: f"值 {_show(value)} 应小于 {limit}",
        "multipleOf": lambda: f"值 {_show(value)} 应为 {limit} 的倍数",
        "minLength": lambda: _length_message(err, f"“{_show(value)}” 至少应有 {limit} 个字符"),
        "maxLength": lambda: _length_message(err, f"“{_show(value)}” 最多 {limit} 个字符"),
        "minItems": lambda: _length_message(err, f"至少应有 {limit} 项"),
        "maxItems": lambda: _length_message(err, f"最多 {limit} 项"),
        "uniqueItems": lambda: "列表中有重复的项",
        "x-codelist": lambda: err.message,
        "not": lambda: "取值不应符合 not 中描述的结构",
    }
    if kw in messages:
        return [(path, kw, messages[kw](), value)]
    if kw in ("oneOf", "anyOf") and err.context:
        best = best_match(err.context)
        return [(p, k, f"不符合任何一种允许的结构;最接近的一种:{m}", v) for p, k, m, v in _translate(best)]
    if kw == "oneOf":
        return [(path, kw, "同时符合多种结构,oneOf 要求只符合其中一种", value)]
    if kw is None:  # a `false` schema
        return [(path, "false", "此处不允许出现任何值", value)]
    return [(path, kw, f"不符合约束 {kw}:{err.message}", value)]


def _find_operation(doc, operation_id: str):
    found = [(route, method, op, ptr) for route, method, _, op, ptr in _operation_nodes(doc) if op.get("operationId") == operation_id]
    if not found:
        known = ", ".join(sorted(str(op.get("operationId")) for *_, op, _ in _operation_nodes(doc) if op.get("operationId"))) or "无"
        raise KeyError(f"接口文档中没有 operationId “{operation_id}”(已有:{known})")
    return found[0]


def _schema_pointer(doc, operation_id: str, direction: str, status: str | None) -> str | None:
    route, method, op, ptr = _find_operation(doc, operation_id)
    label = f"{method.upper()} {route}"
    if direction == "request":
        if "requestBody" not in op:
            raise ValueError(f"{label}({operation_id})没有定义请求体")
        _, media_type, media, media_ptr = _media(doc, op["requestBody"], f"{ptr}/requestBody")
    elif direction == "response":
        responses = op.get("responses") if isinstance(op.get("responses"), dict) else {}
        keys = [str(k) for k in responses]
        if status is None:
            status = next((k for k in keys if re.fullmatch(r"2(\d\d|XX)", k)), None)
            if status is None:
                raise KeyError(f"{label}({operation_id})没有定义 2xx 响应(已有:{', '.join(keys) or '无'})")
        status = str(status)
        key = next((k for k in (status, f"{status[:1]}XX", "default") if k in keys), None)
        if key is None:
            raise KeyError(f"{label}({operation_id})没有定义状态码 {status} 的响应(已有:{', '.join(keys) or '无'})")
        raw_key = next(k for k in responses if str(k) == key)
        _, media_type, media, media_ptr = _media(doc, responses[raw_key], f"{ptr}/responses/{_escape_token(key)}")
    else:
        raise ValueError(f"direction 应为 request 或 response,不是 “{direction}”")
    if not isinstance(media, dict) or "schema" not in media:
        return None
    return f"{media_ptr}/schema"


def check_payload(
    doc,
    operation_id: str,
    payload,
    *,
    direction: str = "request",
    status: str | None = None,
    codelists: dict[str, set[str]] | Callable[[str], set[str]] | None = None,
) -> list[ApiFinding]:
    """Check a decoded request or response payload against an operation's schema.

    The schema is the one of ``application/json`` (else another JSON media type, else the first
    media type with a schema, e.g. form fields as an object). A response is checked against
    ``status``, by default the first 2xx response of the operation. ``codelists`` maps an
    ``x-codelist`` reference, exactly as written in the document, to its codes (or is a function
    that returns them); values of code lists it does not know are not checked. An operation
    without a body schema accepts any payload. Raises KeyError for an unknown operationId or
    status, ValueError when the operation has no request body or the document's references
    cannot be resolved.
    """
    try:
        schema_ptr = _schema_pointer(doc, operation_id, direction, status)
    except LookupError as exc:
        if isinstance(exc, KeyError):
            raise
        raise ValueError(f"接口文档中的引用无法解析:{exc}") from None
    if schema_ptr is None:
        return []
    cls = extend(Draft202012Validator, {"x-codelist": _codelist_keyword(_codes_lookup(codelists))})
    registry = Registry().with_resource(BASE_URI, Resource(contents=doc, specification=DRAFT202012))
    ref = BASE_URI + "#" + "/".join(quote(p, safe="") for p in schema_ptr.split("/"))
    validator = cls({"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = []
    try:
        for err in validator.iter_errors(payload):
            found.extend(_translate(err))
    except Unresolvable as exc:
        raise ValueError(f"接口文档中的引用无法解析:{exc}") from None
    except RecursionError:
        raise ValueError("接口文档中的引用形成了循环(如 A 引用 B、B 又引用 A)") from None

    def order(item):
        path, keyword = item[0], item[1]
        return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path], keyword, item[2]

    return [ApiFinding(pointer(path), keyword, message, value) for path, keyword, message, value in sorted(found, key=order)]


# -- rendering -----------------------------------------------------------------------------
_IN_NAMES = {"query": "查询参数", "path": "路径参数", "header": "请求头", "cookie": "Cookie"}
_FLOW_NAMES = {"clientCredentials": "客户端凭据模式", "authorizationCode": "授权码模式", "implicit": "隐式模式", "password": "密码模式"}


def _heading(value) -> str:
    """Text for a Markdown heading."""
    return md(value)


def op_anchor(operation_id: str) -> str:
    """The HTML id of an operation's heading on the interface page: op-<operationId>."""
    return "op-" + (re.sub(r"[^A-Za-z0-9_-]", "-", operation_id) or "-")


def schema_view(doc, schema, _depth: int = 0) -> dict:
    """A schema with its ``$ref`` followed and ``allOf`` merged; its own keys win over the referenced ones."""
    if not isinstance(schema, dict) or _depth > MAX_REF_HOPS:
        return {}
    own = dict(schema)
    ref = own.pop("$ref", None)
    merged: dict = {}
    if isinstance(ref, str):
        try:
            merged = schema_view(doc, resolve_ref(doc, ref), _depth + 1)
        except LookupError:
            merged = {}
    for part in own.pop("allOf", None) or []:
        merged = _merge(merged, schema_view(doc, part, _depth + 1))
    return _merge(merged, own)


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {**(out.get(key) or {}), **value}
        elif key == "required" and isinstance(value, list):
            out[key] = list(dict.fromkeys([*(out.get(key) or []), *value]))
        else:
            out[key] = value
    return out


def _is_object(view: dict) -> bool:
    return view.get("type") == "object" or isinstance(view.get("properties"), dict)


def _type_label(doc, view: dict) -> str:
    kind = view.get("type")
    if isinstance(kind, list):
        label = " | ".join(str(k) for k in kind)
    elif kind:
        label = str(kind)
    elif isinstance(view.get("properties"), dict):
        label = "object"
    elif "items" in view:
        label = "array"
    elif "oneOf" in view or "anyOf" in view:
        label = "oneOf" if "oneOf" in view else "anyOf"
    elif "const" in view:
        label = _json_type(view["const"])
    else:
        label = "any"
    if label == "array" or (isinstance(kind, list) and "array" in kind):
        label = label.replace("array", f"array<{_type_label(doc, schema_view(doc, view.get('items')))}>", 1)
    if view.get("format"):
        label += f"({view['format']})"
    if view.get("contentMediaType"):
        label += f"(文件 {view['contentMediaType']})"
    return label


def _constraints(view: dict, prefix: str = "") -> list[Markup]:
    parts = []
    for key, label in (("minimum", "最小值"), ("exclusiveMinimum", "大于"), ("maximum", "最大值"), ("exclusiveMaximum", "小于"),
                       ("minLength", "最短"), ("maxLength", "最长"), ("minItems", "至少项数"), ("maxItems", "最多项数"), ("multipleOf", "倍数")):
        if key in view and not isinstance(view[key], bool):
            parts.append(text(f"{prefix}{label} {view[key]}"))
    if view.get("pattern") is not None:
        parts.append(Markup("{}格式 <code>{}</code>").format(prefix, str(view["pattern"])))
    if isinstance(view.get("enum"), list):
        parts.append(text(prefix + "取值 " + "、".join(_show(v) for v in view["enum"])))
    if "const" in view:
        parts.append(text(f"{prefix}固定为 {_show(view['const'])}"))
    if view.get("uniqueItems") is True:
        parts.append(text(f"{prefix}不可重复"))
    if "default" in view:
        parts.append(text(f"{prefix}默认 {_show(view['default'])}"))
    if view.get("x-codelist-separator"):
        parts.append(text(f"{prefix}多个代码以 “{view['x-codelist-separator']}” 分隔"))
    return parts


@dataclass
class _Row:
    path: str
    name: str
    type: str
    required: bool
    constraints: list
    codelist: str | None
    description: str
    recursive: bool = False


def _field_rows(doc, schema, path: str = "", required: bool = False, stack: tuple = (), depth: int = 0, emit: bool = True) -> list[_Row]:
    view = schema_view(doc, schema)
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    name = re.split(r"[.\[\]]+", path.rstrip("[]"))[-1] if path else ""
    rows: list[_Row] = []
    if isinstance(ref, str) and ref in stack:
        return [_Row(path, name, _type_label(doc, view), required, [], None, f"与上层相同的结构({ref}),递归", True)]
    stack = (*stack, ref) if isinstance(ref, str) else stack
    items = schema_view(doc, view.get("items")) if "items" in view else {}
    if emit:
        constraints = _constraints(view)
        codelist = view.get("x-codelist")
        if items and not _is_object(items):
            constraints += _constraints(items, "每项")
            codelist = codelist or items.get("x-codelist")
        description = str(view.get("description") or "")
        if view.get("deprecated"):
            description = "(已弃用)" + description
        rows.append(_Row(path, name, _type_label(doc, view), required, constraints, codelist if isinstance(codelist, str) else None, description))
    if depth >= MAX_DEPTH:
        return rows
    if isinstance(view.get("properties"), dict):
        needed = view.get("required") or []
        for prop, sub in view["properties"].items():
            rows += _field_rows(doc, sub, f"{path}.{prop}" if path else str(prop), prop in needed, stack, depth + 1)
    elif items and (_is_object(items) or "items" in items):
        rows += _field_rows(doc, view["items"], f"{path}[]", False, stack, depth + 1, emit="items" in items)
    return rows


class _Renderer:
    def __init__(self, doc, here: str, codelist_url, entity_fields):
        self.doc, self.here, self.codelist_url, self.entity_fields = doc, here, codelist_url, entity_fields or {}

    def link(self, url: str) -> str:
        if is_safe_url(url):
            return url
        base, _, frag = url.partition("#")
        return (rel_url(self.here, base) if base else "") + (f"#{frag}" if frag else "")

    def codelist_cell(self, ref: str | None):
        if not ref:
            return ""
        url = self.codelist_url(ref)
        label = Markup("<code>{}</code>").format(ref)
        return a(self.link(url), label, external=is_safe_url(url)) if url else label

    def description_cell(self, row: _Row):
        desc = text(row.description)
        target = self.entity_fields.get(row.name) if row.name and not row.recursive else None
        if target:
            url, label = target
            desc += Markup("{}对应数据项:{}").format(Markup("<br>") if row.description else "", a(self.link(url), label))
        return desc

    def fields_table(self, schema) -> Markup:
        # An object's own row says nothing its fields do not; any other root gets a row "(整体)".
        rows = _field_rows(self.doc, schema, emit=not _is_object(schema_view(self.doc, schema)))
        if not rows:
            return Markup("<p>(没有定义字段)</p>")
        cells = [
            [Markup("<code>{}</code>").format(r.path or "(整体)"), r.type, "是" if r.required else "否",
             Markup(";").join(r.constraints), self.codelist_cell(r.codelist), self.description_cell(r)]
            for r in rows
        ]
        return table(["字段", "类型", "必填", "约束", "代码表", "说明"], cells, "educat-fields")

    def params_table(self, params: list[dict]) -> Markup:
        cells = []
        for param in params:
            view = schema_view(self.doc, param.get("schema"))
            required = bool(param.get("required")) or param.get("in") == "path"
            description = str(param.get("description") or view.get("description") or "")
            row = _Row(str(param.get("name", "")), str(param.get("name", "")), _type_label(self.doc, view), required, _constraints(view), view.get("x-codelist"), description)
            cells.append([
                Markup("<code>{}</code>").format(row.path), _IN_NAMES.get(param.get("in"), str(param.get("in", ""))),
                "是" if required else "否", row.type, Markup(";").join(row.constraints),
                self.codelist_cell(row.codelist if isinstance(row.codelist, str) else None), self.description_cell(row),
            ])
        return table(["名称", "位置", "必填", "类型", "约束", "代码表", "说明"], cells, "educat-fields")

    def headers_table(self, headers: dict) -> Markup:
        cells = []
        for name, header in headers.items():
            view = schema_view(self.doc, header.get("schema"))
            cells.append([Markup("<code>{}</code>").format(name), _type_label(self.doc, view), Markup(";").join(_constraints(view)), header.get("description") or view.get("description") or ""])
        return table(["响应头", "类型", "约束", "说明"], cells)

    def example(self, ex: PayloadExample) -> str:
        title = ex.summary or ex.name
        is_json = (ex.media_type or "").split(";")[0].strip().lower().endswith("json")
        label = "示例:" + title + ("" if is_json else f"。实际以 {ex.media_type} 发送,这里把字段以 JSON 列出")
        head = Markup("<p class=\"educat-api-example\">{}</p>").format(text(label))
        if ex.description:
            head += Markup("<p>{}</p>").format(text(ex.description))
        return block(head) + code_block(json.dumps(ex.value, ensure_ascii=False, indent=2, default=str), "json")

    def security(self, requirements) -> str:
        if requirements is None:
            return ""
        if requirements == [] or requirements == [{}]:
            return "无需认证"
        options = []
        for req in requirements if isinstance(requirements, list) else ():
            if isinstance(req, dict):
                options.append(" 且 ".join(f"{name}({' '.join(map(str, scopes))})" if scopes else str(name) for name, scopes in req.items()) or "无需认证")
        return " 或 ".join(options)

    def info(self) -> str:
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        contact = info.get("contact") if isinstance(info.get("contact"), dict) else {}
        contact_parts = [text(contact.get("name"))] if contact.get("name") else []
        if contact.get("email"):
            contact_parts.append(a("mailto:" + str(contact["email"]), contact["email"], external=True))
        if contact.get("url"):
            contact_parts.append(a(str(contact["url"]), contact["url"], external=True))
        lic = info.get("license") if isinstance(info.get("license"), dict) else {}
        license_cell = a(str(lic["url"]), lic.get("name") or lic["url"], external=True) if lic.get("url") else text(lic.get("name") or lic.get("identifier"))
        items = [
            ("接口名称", info.get("title")), ("接口版本", info.get("version")), ("OpenAPI 版本", self.doc.get("openapi")),
            ("概述", info.get("summary")), ("联系方式", Markup(" · ").join(contact_parts) if contact_parts else None),
            ("许可", license_cell if lic else None), ("认证", self.security(self.doc.get("security")) if "security" in self.doc else None),
        ]
        out = block(dl(items))
        if info.get("description"):
            out += block(Markup("<p>{}</p>").format(text(info["description"])))
        return out

    def servers(self) -> str:
        servers = [s for s in self.doc.get("servers") or [] if isinstance(s, dict)]
        if not servers:
            return ""
        rows = [[Markup("<code>{}</code>").format(s.get("url", "")), s.get("description", "")] for s in servers]
        return "## 服务地址\n" + block(table(["地址", "说明"], rows))

    def security_schemes(self) -> str:
        components = self.doc.get("components") if isinstance(self.doc.get("components"), dict) else {}
        schemes = components.get("securitySchemes") if isinstance(components.get("securitySchemes"), dict) else {}
        if not schemes:
            return ""
        rows = []
        for name, scheme in schemes.items():
            try:
                scheme, _ = _deref(self.doc, scheme, "")
            except LookupError:
                continue
            scheme = scheme if isinstance(scheme, dict) else {}
            details = []
            kind = str(scheme.get("type", ""))
            if kind == "http":
                details.append(text(f"HTTP {scheme.get('scheme', '')}" + (f"({scheme['bearerFormat']})" if scheme.get("bearerFormat") else "")))
            elif kind == "apiKey":
                details.append(text(f"{_IN_NAMES.get(scheme.get('in'), scheme.get('in', ''))} {scheme.get('name', '')}"))
            elif kind == "openIdConnect":
                details.append(Markup("发现地址 <code>{}</code>").format(scheme.get("openIdConnectUrl", "")))
            flows = scheme.get("flows") if isinstance(scheme.get("flows"), dict) else {}
            for flow_name, flow in flows.items():
                flow = flow if isinstance(flow, dict) else {}
                urls = Markup("").join(
                    Markup("<br>{}:<code>{}</code>").format(label, flow[key])
                    for key, label in (("authorizationUrl", "授权地址"), ("tokenUrl", "令牌地址"), ("refreshUrl", "刷新地址"))
                    if flow.get(key)
                )
                scopes = flow.get("scopes") if isinstance(flow.get("scopes"), dict) else {}
                scope_list = Markup("").join(Markup("<li><code>{}</code> {}</li>").format(k, text(v)) for k, v in scopes.items())
                details.append(Markup("<strong>{}</strong>{}{}").format(_FLOW_NAMES.get(flow_name, flow_name), urls, Markup("<ul>{}</ul>").format(scope_list) if scope_list else ""))
            rows.append([Markup("<code>{}</code>").format(name), kind, text(scheme.get("description", "")), Markup("<br>").join(details)])
        return "## 认证方式\n" + block(table(["名称", "类型", "说明", "详情"], rows))

    def operation(self, op: Operation, anchor: str) -> str:
        out = [f"### {op.method} {_heading(op.path)} {{#{anchor}}}\n"]
        head = Markup("")
        if op.summary:
            head += Markup("<p><strong>{}</strong></p>").format(text(op.summary))
        if op.description:
            head += Markup("<p>{}</p>").format(text(op.description))
        head += dl([("operationId", Markup("<code>{}</code>").format(op.operation_id) if op.operation_id else None),
                    ("认证", self.security(op.security)), ("状态", "已弃用" if op.deprecated else None)])
        out.append(block(head))
        if op.parameters:
            out.append(block(Markup("<p class=\"educat-api-part\"><strong>请求参数</strong></p>") + self.params_table(op.parameters)))
        if op.request_media_type or op.request_schema is not None:
            title = Markup("<p class=\"educat-api-part\"><strong>请求体</strong> <code>{}</code>{}</p>").format(op.request_media_type or "", "(必需)" if op.request_required else "")
            body = self.fields_table(op.request_schema) if op.request_schema is not None else Markup("<p>(没有定义结构)</p>")
            out.append(block(title + body))
            out.extend(self.example(ex) for ex in op.request_examples)
        for status, schema in op.responses.items():
            media_type = op.response_media_types.get(status)
            title = Markup("<p class=\"educat-api-part\"><strong>响应 {}</strong> {}{}</p>").format(
                status, text(op.response_descriptions.get(status, "")), Markup(" <code>{}</code>").format(media_type) if media_type else "")
            body = self.fields_table(schema) if schema is not None else Markup("")
            if op.response_headers.get(status):
                body += self.headers_table(op.response_headers[status])
            out.append(block(title + body))
            out.extend(self.example(ex) for ex in op.response_examples.get(status, []))
        return "\n".join(out)

    def render(self) -> str:
        ops = operations(self.doc)
        anchors, used = {}, set()
        for op in ops:
            anchor = base = op_anchor(op.operation_id or f"{op.method}-{op.path}")
            n = 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            anchors[id(op)] = anchor
        out = [self.info(), self.servers(), self.security_schemes()]
        if ops:
            rows = [[op.method, Markup("<code>{}</code>").format(op.path), a(f"#{anchors[id(op)]}", op.operation_id or "(无)"), op.summary] for op in ops]
            out.append("## 接口一览\n" + block(table(["方法", "路径", "operationId", "说明"], rows)))
        tag_info = {str(t.get("name")): t for t in self.doc.get("tags") or [] if isinstance(t, dict) and t.get("name") is not None}
        order = list(tag_info)
        for op in ops:
            key = op.tags[0] if op.tags else ""
            if key not in order:
                order.append(key)
        for tag in order:
            members = [op for op in ops if (op.tags[0] if op.tags else "") == tag]
            if not members:
                continue
            out.append(f"## {_heading(tag) if tag else '其他接口'}\n")
            if tag_info.get(tag, {}).get("description"):
                out.append(block(Markup("<p>{}</p>").format(text(tag_info[tag]["description"]))))
            out.extend(self.operation(op, anchors[id(op)]) for op in members)
        return "\n".join(part for part in out if part) + "\n"


def code_block(content: str, lang: str = "") -> str:
    """A fenced code block whose fence is longer than any run of backticks in the content."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{content}\n{fence}\n"


def render_api(doc, *, here: str, codelist_url: Callable[[str], str | None], entity_fields: dict[str, tuple[str, str]] | None = None) -> str:
    """Markdown for one page describing the whole interface: info, servers, security, every operation.

    ``here`` is the site URL of the page. ``codelist_url(ref)`` gives the site URL of the page of
    an ``x-codelist`` reference (or None: shown without a link). ``entity_fields`` maps a
    property name to (site URL with #anchor, label) of the data item it stands for. Site URLs
    are made relative to ``here``; http(s) URLs are used as they are.
    """
    return _Renderer(doc, here, codelist_url, entity_fields).render()
