"""The operations of an OpenAPI document: method, path, parameters, bodies, responses and
their examples, as plain data for checking and for the interface page."""

from __future__ import annotations

from dataclasses import dataclass, field

from educat.standards.openapi.document import HTTP_METHODS, deref, escape_token, line_at, pointer


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
                ex, _ = deref(doc, ex, "")
            except LookupError:
                continue
            if isinstance(ex, dict) and "value" in ex:
                out.append(PayloadExample(str(name), ex["value"], str(ex.get("summary", "")), str(ex.get("description", "")), media_type))
    return out


def find_media(doc, holder, ptr: str):
    """(media type, media object, pointer of the media object) of a request body or response."""
    holder, ptr = deref(doc, holder, ptr)
    content = holder.get("content") if isinstance(holder, dict) else None
    media_type = pick_media_type(content)
    if media_type is None:
        return holder, None, None, None
    return holder, media_type, content[media_type], f"{ptr}/content/{escape_token(media_type)}"


def operation_nodes(doc):
    paths = doc.get("paths") if isinstance(doc, dict) else None
    for route, item in (paths or {}).items() if isinstance(paths, dict) else ():
        item_ptr = pointer(("paths", route))
        try:
            item, item_ptr = deref(doc, item, item_ptr)
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
                param, _ = deref(doc, param, "")
            except LookupError:
                continue
            if isinstance(param, dict):
                merged[(param.get("name"), param.get("in"))] = param
    return list(merged.values())


def operations(doc) -> list[Operation]:
    """Every operation under ``paths``, in document order."""
    result = []
    for route, method, item, op, ptr in operation_nodes(doc):
        operation = Operation(
            method=method.upper(), path=str(route), operation_id=str(op.get("operationId") or ""),
            summary=str(op.get("summary") or ""), description=str(op.get("description") or ""),
            tags=[str(t) for t in op.get("tags") or [] if t is not None], parameters=_parameters(doc, item, op),
            security=op["security"] if "security" in op else doc.get("security"), deprecated=bool(op.get("deprecated")),
            pointer=ptr, line=line_at(doc, ("paths", route, method)),
        )
        if "requestBody" in op:
            try:
                body, media_type, media, _ = find_media(doc, op["requestBody"], f"{ptr}/requestBody")
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
                resp, media_type, media, _ = find_media(doc, response, f"{ptr}/responses/{escape_token(status)}")
            except LookupError:
                resp, media_type, media = {}, None, None
            resp = resp if isinstance(resp, dict) else {}
            operation.responses[status] = media.get("schema") if isinstance(media, dict) else None
            operation.response_media_types[status] = media_type
            operation.response_descriptions[status] = str(resp.get("description") or "")
            headers = {}
            for name, header in (resp.get("headers") or {}).items() if isinstance(resp.get("headers"), dict) else ():
                try:
                    header, _ = deref(doc, header, "")
                except LookupError:
                    continue
                headers[str(name)] = header if isinstance(header, dict) else {}
            operation.response_headers[status] = headers
            operation.response_examples[status] = _examples(doc, media, media_type) if isinstance(media, dict) else []
        result.append(operation)
    return result


