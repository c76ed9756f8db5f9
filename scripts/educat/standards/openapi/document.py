"""Reading an OpenAPI document: load it with line numbers, JSON pointers, local ``$ref`` references and
walking its nodes. Only references inside the document (``#/...``) are followed; nothing is
ever fetched."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from educat.core.yamlio import LineDict, LineList, YamlError, load_yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_URL = "https://spec.openapis.org/oas/v3.1.0"
# The document is registered under this URI for jsonschema; it is never fetched.
BASE_URI = "https://educat.invalid/openapi.json"
MAX_REF_HOPS = 32
MAX_DEPTH = 12

# Keys whose value is data, not part of the description (a "$ref" in there is not a reference).
LITERAL_KEYS = ("example", "examples", "default", "const", "enum")
# Keys whose children are names chosen by the author (a property may be called "default").
NAMED_CHILDREN = ("properties", "patternProperties", "$defs", "dependentSchemas")


# -- reading -------------------------------------------------------------------------------
def load_openapi(path: Path) -> dict:
    """Read an OpenAPI document with line numbers; raise YamlError if it cannot be read."""
    doc = load_yaml(Path(path))
    if not isinstance(doc, dict):
        raise YamlError("接口文档顶层应为键值映射(mapping)", 1)
    return doc


def escape_token(part) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(parts) -> str:
    """A JSON pointer (RFC 6901) for a sequence of keys and indexes; '' is the whole value."""
    return "".join("/" + escape_token(p) for p in parts)


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


def deref(doc, node, ptr: str):
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


def walk(node, parts=()):
    """Yield (parts, mapping) for every mapping that describes the interface (not example data)."""
    if isinstance(node, dict):
        yield parts, node
        named = bool(parts) and parts[-1] in NAMED_CHILDREN
        for key, value in node.items():
            if not named and isinstance(key, str):
                if key in LITERAL_KEYS and not (key == "examples" and isinstance(value, dict)):
                    continue
                if key.startswith("x-"):
                    continue
                if key == "value" and len(parts) >= 2 and parts[-2] == "examples":
                    continue
            yield from walk(value, (*parts, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*parts, index))


