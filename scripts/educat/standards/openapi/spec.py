"""Validating an OpenAPI 3.1 document against the specification and our rules (versions,
local references only, unique operationIds, ``x-codelist`` and ``x-entity`` references that resolve)."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain
from pathlib import Path

from jsonschema.exceptions import ValidationError, best_match
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    OpenAPIValidationError,
    UnresolvableParameterError,
)
from referencing.exceptions import Unresolvable

from educat.core.findings import Finding
from educat.core.paths import rel
from educat.standards.openapi.document import NAMED_CHILDREN, SPEC_URL, deref, line_at, walk
from educat.standards.openapi.operations import operation_nodes


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
    for parts, node in walk(doc):
        if "$ref" not in node or (parts and parts[-1] in NAMED_CHILDREN):
            continue
        ref, line = node["$ref"], line_at(doc, (*parts, "$ref"))
        if not isinstance(ref, str):
            yield "openapi-error", "$ref 的值必须是字符串", line, "写成 $ref: '#/components/schemas/名称'"
        elif not ref.startswith("#"):
            yield "openapi-error", f"引用 “{ref}” 指向文档之外;站点构建不联网,也不读取其他文件", line, "把被引用的内容放进本文档的 components,改为 #/components/… 引用"
        else:
            try:
                deref(doc, node, "")
            except LookupError as exc:
                note = "打破循环:至少让其中一个定义写出具体结构" if "循环" in str(exc) else "改正引用路径,或在 components 中补上被引用的定义"
                yield "dangling-reference", str(exc), line, note


def _check_operation_ids(doc):
    seen: dict[str, int | None] = {}
    for route, method, _, op, _ in operation_nodes(doc):
        op_id = op.get("operationId")
        line = line_at(doc, ("paths", route, method, "operationId"))
        if not isinstance(op_id, str) or not op_id:
            yield "openapi-error", f"{method.upper()} {route} 缺少 operationId", line, "给每个操作写一个唯一的 operationId,如 listSchools"
        elif op_id in seen:
            yield "openapi-error", f"operationId “{op_id}” 重复(第 {seen[op_id]} 行已有)", line, "每个操作的 operationId 必须唯一,请改名"
        else:
            seen[op_id] = line


def _check_references(doc, key: str, what: str, resolve):
    """Every ``x-codelist`` (or ``x-entity``) is a string that names a code list (an entity)."""
    note = f"写成 {what}名(本标准),或 标准@版本/{what}名"
    for parts, node in walk(doc):
        if key not in node or (parts and parts[-1] in NAMED_CHILDREN):
            continue
        ref, line = node[key], line_at(doc, (*parts, key))
        if not isinstance(ref, str) or not ref.strip():
            yield "openapi-error", f"{key} 的值必须是{what}引用(字符串)", line, note
        elif resolve is not None:
            try:
                resolve(ref)
            except LookupError as exc:
                yield "dangling-reference", f"{key} “{ref}” 无法解析:{exc}", line, note


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


def validate_openapi(doc, path: Path, root: Path, resolve_codelist: Callable[[str], object] | None = None,
                     resolve_entity: Callable[[str], object] | None = None) -> list[Finding]:
    """Everything wrong with one OpenAPI document, as problems with file lines, in line order.

    ``resolve_codelist(ref)`` raises LookupError for an ``x-codelist`` that does not resolve,
    ``resolve_entity(ref)`` for an ``x-entity``; without them the references are only checked
    to be strings.
    """
    where = rel(Path(path), Path(root))
    if not isinstance(doc, dict):
        return [Finding(type="openapi-error", message="接口文档顶层应为键值映射(mapping)", path=where, line=1, note="以 openapi: 3.1.0 开头写一个 OpenAPI 文档")]
    found = list(_check_version(doc))
    if not found:  # the rest is about OpenAPI 3.1
        ref_problems = list(_check_refs(doc))
        found += ref_problems + list(_check_operation_ids(doc)) + list(_check_references(doc, "x-codelist", "代码表", resolve_codelist))
        found += _check_references(doc, "x-entity", "实体", resolve_entity)
        found += _check_spec(doc, refs_ok=not ref_problems)
    problems = [Finding(type=type_, message=message, path=where, line=line, note=note) for type_, message, line, note in found]
    return sorted(problems, key=lambda p: (p.line or 0, p.type, p.message))


