"""The interface page of a standard: its OpenAPI document rendered as HTML in Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from educat.site.html import a, block, dl, is_safe_url, md, rel_url, table, text
from educat.standards.openapi.document import MAX_DEPTH, MAX_REF_HOPS, deref, resolve_ref
from educat.standards.openapi.operations import Operation, PayloadExample, operations
from educat.standards.openapi.payload import json_type, show_value

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
        label = json_type(view["const"])
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
        parts.append(text(prefix + "取值 " + "、".join(show_value(v) for v in view["enum"])))
    if "const" in view:
        parts.append(text(f"{prefix}固定为 {show_value(view['const'])}"))
    if view.get("uniqueItems") is True:
        parts.append(text(f"{prefix}不可重复"))
    if "default" in view:
        parts.append(text(f"{prefix}默认 {show_value(view['default'])}"))
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
    entity: str | None = None  # the x-entity of the object this is a property of


def _field_rows(doc, schema, path: str = "", required: bool = False, stack: tuple = (), depth: int = 0, emit: bool = True, entity: str | None = None) -> list[_Row]:
    """The rows of a schema's fields table; ``entity`` is the ``x-entity`` of the object whose property ``schema`` is."""
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
        rows.append(_Row(path, name, _type_label(doc, view), required, constraints, codelist if isinstance(codelist, str) else None, description, entity=entity))
    if depth >= MAX_DEPTH:
        return rows
    if isinstance(view.get("properties"), dict):
        needed = view.get("required") or []
        owner = view.get("x-entity") if isinstance(view.get("x-entity"), str) else None
        for prop, sub in view["properties"].items():
            rows += _field_rows(doc, sub, f"{path}.{prop}" if path else str(prop), prop in needed, stack, depth + 1, entity=owner)
    elif items and (_is_object(items) or "items" in items):
        rows += _field_rows(doc, view["items"], f"{path}[]", False, stack, depth + 1, emit="items" in items)
    return rows


class _Renderer:
    def __init__(self, doc, here: str, codelist_url, field_link):
        self.doc, self.here, self.codelist_url, self.field_link = doc, here, codelist_url, field_link

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
        # Only a property of an object that says which entity it is (x-entity) is that entity's
        # field: a bare name like "title" or "status" means different things in different objects.
        target = self.field_link(row.entity, row.name) if self.field_link and row.entity and row.name and not row.recursive else None
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
                scheme, _ = deref(self.doc, scheme, "")
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


def render_api(doc, *, here: str, codelist_url: Callable[[str], str | None],
               field_link: Callable[[str, str], tuple[str, str] | None] | None = None) -> str:
    """Markdown for one page describing the whole interface: info, servers, security, every operation.

    ``here`` is the site URL of the page. ``codelist_url(ref)`` gives the site URL of the page of
    an ``x-codelist`` reference (or None: shown without a link). ``field_link(entity, name)``
    gives (site URL with #anchor, label) of the data item that property ``name`` of an object
    schema with ``x-entity: entity`` stands for, or None; properties of other objects and
    parameters get no data item. Site URLs are made relative to ``here``; http(s) URLs are used
    as they are.
    """
    return _Renderer(doc, here, codelist_url, field_link).render()
