"""Checking a request or response payload against an operation's JSON Schema, with findings
in Chinese located by JSON Pointer; ``x-codelist`` values are checked against code lists."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from educat.core.findings import Finding
from educat.core.model import CodeList
from educat.standards.openapi.document import BASE_URI, escape_token, pointer
from educat.standards.openapi.operations import find_media, operation_nodes
from educat.tables.messages import code_fix, code_message

# -- checking payloads -----------------------------------------------------------------------
# What to do about a payload finding, by the JSON Schema keyword that failed.
KEYWORD_NOTES = {
    "required": "补上这个字段",
    "additionalProperties": "删除这个字段,或核对字段名的拼写",
    "unevaluatedProperties": "删除这个字段,或核对字段名的拼写",
    "type": "改成接口文档规定的类型",
    "x-codelist": "改为代码表中的代码(见标准的代码表页面)",
    "enum": "改为允许的取值之一",
    "const": "改为接口文档规定的值",
    "format": "按接口文档规定的格式填写",
    "pattern": "按接口文档规定的格式填写",
}
DEFAULT_NOTE = "按接口文档中该字段的定义修改"


def kebab(keyword: str) -> str:
    """The finding type of a JSON Schema keyword: ``additionalProperties`` → ``additional-properties``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", keyword).lower()


def payload_finding(pointer_: str, keyword: str, message: str, value, note: str | None = None) -> Finding:
    """One thing wrong in a payload, located by JSON Pointer ('' is the whole payload)."""
    return Finding(type=kebab(keyword), message=message, note=note or KEYWORD_NOTES.get(keyword, DEFAULT_NOTE), pointer=pointer_, value=value)


_TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "布尔值", "object": "对象", "array": "数组", "null": "空值(null)"}
_FORMAT_NAMES = {
    "date-time": "日期时间(如 2026-09-01T09:30:00+08:00)", "date": "日期(如 2026-09-01)", "time": "时间(如 09:30:00+08:00)",
    "email": "电子邮件地址", "uri": "URI 地址", "uuid": "UUID", "ipv4": "IPv4 地址", "ipv6": "IPv6 地址", "hostname": "主机名",
}


def json_type(value) -> str:
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


def show_value(value, limit: int = 60) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _codelist_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _codes_lookup(codelists) -> Callable[[str], CodeList | set[str] | None]:
    """A function from a reference to its code list: a ``CodeList`` (whose findings list the
    codes and name the code a name means, as ``check`` does) or a plain set of codes."""

    def known(codes):
        return codes if codes is None or isinstance(codes, CodeList) else {str(c) for c in codes}

    if codelists is None:
        return lambda ref: None
    if callable(codelists):
        def lookup(ref):
            try:
                return known(codelists(ref))
            except LookupError:
                return None
        return lookup
    return lambda ref: known(codelists.get(ref))


def _allows_number(schema) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return bool({"integer", "number"} & set(kind if isinstance(kind, list) else [kind]))


def _codelist_keyword(lookup):
    def check(validator, ref, instance, schema):
        found = lookup(ref) if isinstance(ref, str) else None
        if found is None:
            return  # unknown code list: validate_openapi reports it
        codes = found.codes if isinstance(found, CodeList) else found
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
                    shown = code if len(values) == 1 else f"{code}(在 “{show_value(value)}” 中)"
                    if isinstance(found, CodeList):  # worded as check words it, with the codes to choose from
                        error = ValidationError(code_message(found, shown), path=() if index is None else (index,), instance=value)
                        error.fix = code_fix(found, code, otherwise="")  # '': the keyword's own note
                    else:
                        error = ValidationError(f"值 “{shown}” 不在代码表 {_codelist_name(ref)} 中", path=() if index is None else (index,), instance=value)
                    yield error

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
        actual = _TYPE_NAMES.get(json_type(value), json_type(value))
        return [(path, kw, f"类型应为{names},实际是{actual}(“{show_value(value)}”)", value)]
    messages = {
        "enum": lambda: f"值 “{show_value(value)}” 不在允许的取值中({'、'.join(show_value(v) for v in limit)})",
        "const": lambda: f"值应为 “{show_value(limit)}”,实际是 “{show_value(value)}”",
        "pattern": lambda: f"值 “{show_value(value)}” 不符合格式 {limit}",
        "format": lambda: f"值 “{show_value(value)}” 不是有效的{_FORMAT_NAMES.get(limit, limit)}",
        "minimum": lambda: f"值 {show_value(value)} 小于最小值 {limit}",
        "maximum": lambda: f"值 {show_value(value)} 大于最大值 {limit}",
        "exclusiveMinimum": lambda: f"值 {show_value(value)} 应大于 {limit}",
        "exclusiveMaximum": lambda: f"值 {show_value(value)} 应小于 {limit}",
        "multipleOf": lambda: f"值 {show_value(value)} 应为 {limit} 的倍数",
        "minLength": lambda: _length_message(err, f"“{show_value(value)}” 至少应有 {limit} 个字符"),
        "maxLength": lambda: _length_message(err, f"“{show_value(value)}” 最多 {limit} 个字符"),
        "minItems": lambda: _length_message(err, f"至少应有 {limit} 项"),
        "maxItems": lambda: _length_message(err, f"最多 {limit} 项"),
        "uniqueItems": lambda: "列表中有重复的项",
        "x-codelist": lambda: err.message,  # (and its fix: err.fix)
        "not": lambda: "取值不应符合 not 中描述的结构",
    }
    if kw in messages:
        return [(path, kw, messages[kw](), value, getattr(err, "fix", None))]
    if kw in ("oneOf", "anyOf") and err.context:
        best = best_match(err.context)
        return [(p, k, f"不符合任何一种允许的结构;最接近的一种:{m}", v, *note) for p, k, m, v, *note in _translate(best)]
    if kw == "oneOf":
        return [(path, kw, "同时符合多种结构,oneOf 要求只符合其中一种", value)]
    if kw is None:  # a `false` schema
        return [(path, "false", "此处不允许出现任何值", value)]
    return [(path, kw, f"不符合约束 {kw}:{err.message}", value)]


def _find_operation(doc, operation_id: str):
    found = [(route, method, op, ptr) for route, method, _, op, ptr in operation_nodes(doc) if op.get("operationId") == operation_id]
    if not found:
        known = ", ".join(sorted(str(op.get("operationId")) for *_, op, _ in operation_nodes(doc) if op.get("operationId"))) or "无"
        raise KeyError(f"接口文档中没有 operationId “{operation_id}”(已有:{known})")
    return found[0]


def _schema_pointer(doc, operation_id: str, direction: str, status: str | None) -> str | None:
    route, method, op, ptr = _find_operation(doc, operation_id)
    label = f"{method.upper()} {route}"
    if direction == "request":
        if "requestBody" not in op:
            raise ValueError(f"{label}({operation_id})没有定义请求体")
        _, media_type, media, media_ptr = find_media(doc, op["requestBody"], f"{ptr}/requestBody")
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
        _, media_type, media, media_ptr = find_media(doc, responses[raw_key], f"{ptr}/responses/{escape_token(key)}")
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
) -> list[Finding]:
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

    return [payload_finding(pointer(path), keyword, message, value, *note) for path, keyword, message, value, *note in sorted(found, key=order)]


