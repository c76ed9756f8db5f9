"""OpenAPI documents: validation with lines, operations, payload checks and the interface page."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path

import markdown
import pytest

from educat.core.loader import load_repo
from educat.site.api_page import code_block, op_anchor, render_api
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.operations import PayloadExample, operations
from educat.standards.openapi.payload import check_payload
from educat.standards.openapi.spec import validate_openapi
from educat.core.yamlio import YamlError, parse_yaml

from .conftest import REPO

API = REPO / "standards/app-access/1.0.0/openapi.yaml"
API_REL = "standards/app-access/1.0.0/openapi.yaml"
ALL_OPERATIONS = [
    ("POST", "/oauth/token", "issueToken"),
    ("GET", "/oauth/userinfo", "getUserInfo"),
    ("GET", "/schools", "listSchools"),
    ("GET", "/schools/{school_code}/classes", "listClasses"),
    ("GET", "/schools/{school_code}/students", "listStudents"),
    ("GET", "/teachers", "listTeachers"),
    ("POST", "/exchange/batches", "submitBatch"),
    ("GET", "/exchange/batches/{batch_id}", "getBatchStatus"),
    ("POST", "/apps", "registerApp"),
]
# The same Markdown extensions as the site (mkdocs.yml), plus fenced_code, which MkDocs always adds.
EXTENSIONS = ["admonition", "attr_list", "tables", "toc", "fenced_code"]


@pytest.fixture(scope="module")
def repo():
    return load_repo(REPO)[0]


@pytest.fixture(scope="module")
def std(repo):
    return repo.standard("app-access", "1.0.0")


@pytest.fixture()
def doc():
    return load_openapi(API)


@pytest.fixture(scope="module")
def codes(repo, std):
    return lambda ref: set(repo.resolve(ref, "codelist", std)[1].codes)


def inline(text: str):
    return parse_yaml(textwrap.dedent(text).lstrip("\n"))


def flat(problems):
    return [(p.type, p.line, p.message) for p in problems]


def line_of(text: str, needle: str, after: int = 0) -> int:
    lines = text.splitlines()
    return next(i + 1 for i in range(after, len(lines)) if lines[i] == needle)


def findings(items):
    return [(f.pointer, f.type, f.message) for f in items]


# -- loading and validating ------------------------------------------------------------------
def test_load_openapi_keeps_lines(doc):
    assert doc.line_of("openapi") == 1
    assert doc["paths"]["/apps"].line_of("post") == line_of(API.read_text(encoding="utf-8"), "    post:", after=line_of(API.read_text(encoding="utf-8"), "  /apps:"))


def test_load_openapi_rejects_a_list(tmp_path):
    path = tmp_path / "openapi.yaml"
    path.write_text("- a\n", encoding="utf-8")
    with pytest.raises(YamlError) as exc:
        load_openapi(path)
    assert (exc.value.message, exc.value.line) == ("接口文档顶层应为键值映射(mapping)", 1)


def test_real_document_is_valid(doc, repo, std):
    assert validate_openapi(doc, API, REPO, lambda ref: repo.resolve(ref, "codelist", std)) == []


def test_broken_copy_of_real_document(tmp_path):
    lines = API.read_text(encoding="utf-8").splitlines()
    lines = lines[: lines.index("info:")] + lines[lines.index("servers:") :]  # no info
    text = "\n".join(lines) + "\n"
    text = text.replace("operationId: registerApp", "operationId: issueToken")
    text = text.replace("x-codelist: edu-basic-data@1.0.0/gender", "x-codelist: edu-basic-data@1.0.0/sex")
    path = tmp_path / API_REL
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")

    def resolve(ref):
        if ref.endswith("/sex"):
            raise LookupError("标准 edu-basic-data@1.0.0 中没有代码表 “sex”")

    problems = validate_openapi(load_openapi(path), path, tmp_path, resolve)
    first = line_of(text, "      operationId: issueToken")
    assert [(p.type, p.path, p.line, p.message, p.note) for p in problems] == [
        ("openapi-error", API_REL, 1, "不符合 OpenAPI 3.1 规范(位置:文档顶层):'info' is a required property", "按 OpenAPI 3.1 规范补上缺少的必填项"),
        ("openapi-error", API_REL, line_of(text, "      operationId: issueToken", after=first), f"operationId “issueToken” 重复(第 {first} 行已有)", "每个操作的 operationId 必须唯一,请改名"),
        ("dangling-reference", API_REL, line_of(text, "      x-codelist: edu-basic-data@1.0.0/sex"), "x-codelist “edu-basic-data@1.0.0/sex” 无法解析:标准 edu-basic-data@1.0.0 中没有代码表 “sex”", "写成 代码表名(本标准),或 标准@版本/代码表名"),
    ]


def test_version_must_be_3_1():
    for source, message in (
        ("openapi: 3.0.3\n", "接口文档必须是 OpenAPI 3.1(openapi 字段现在是 “3.0.3”)"),
        ("openapi: 3.1\n", "接口文档必须是 OpenAPI 3.1(openapi 字段现在是 “3.1”)"),
        ("info: {}\n", "接口文档必须是 OpenAPI 3.1(openapi 字段没有填写)"),
    ):
        assert flat(validate_openapi(parse_yaml(source), Path("a.yaml"), Path("."))) == [("openapi-error", 1, message)]


def test_references_operation_ids_and_codelists():
    doc = inline("""
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /a:
            get:
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema:
                        $ref: '#/components/schemas/Nope'
          /b:
            post:
              operationId: b
              requestBody:
                content:
                  application/json:
                    schema:
                      $ref: 'https://example.com/x.json'
                    examples:
                      one:
                        value: {$ref: not-a-reference}
              responses:
                '200':
                  description: ok
        components:
          schemas:
            A:
              type: object
              properties:
                default: {type: string, x-codelist: gender}
                enum: {type: string, x-codelist: 7}
    """)
    assert flat(validate_openapi(doc, Path("a.yaml"), Path("."), lambda ref: None)) == [
        ("openapi-error", 5, "GET /a 缺少 operationId"),
        ("dangling-reference", 12, "引用 “#/components/schemas/Nope” 指向的位置不存在(找不到 “Nope”)"),
        ("openapi-error", 20, "引用 “https://example.com/x.json” 指向文档之外;站点构建不联网,也不读取其他文件"),
        ("openapi-error", 33, "x-codelist 的值必须是代码表引用(字符串)"),
    ]


def test_spec_validator_errors_are_located():
    doc = inline("""
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /a/{id}:
            get:
              operationId: a
              parameters:
                - {name: q, in: query, schema: {$ref: '#/components/schemas/Name'}}
              responses:
                '200': {description: ok}
        components:
          schemas:
            Name:
              type: strin
    """)
    assert flat(validate_openapi(doc, Path("a.yaml"), Path("."))) == [
        ("openapi-error", 5, "不符合 OpenAPI 3.1 规范(位置:paths › /a/{id} › get):Path parameter 'id' for 'get' operation in '/a/{id}' was not resolved"),
        ("openapi-error", 14, "不符合 OpenAPI 3.1 规范(位置:paths › /a/{id} › get › parameters › 0 › schema › type):'strin' is not valid under any of the given schemas"),
    ]


def test_structural_errors_point_at_the_key():
    doc = inline("""
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /a:
            get:
              operationId: a
              sumary: typo
              parameters:
                - name: q
                  in: body
                  schema: {type: string}
    """)
    problems = validate_openapi(doc, Path("a.yaml"), Path("."))
    assert [(p.line, p.message, p.note) for p in problems] == [
        (7, "不符合 OpenAPI 3.1 规范(位置:paths › /a › get › sumary):Unevaluated properties are not allowed ('sumary' was unexpected)", "删除或改正拼错的键;自定义的扩展键必须以 x- 开头"),
        (10, "不符合 OpenAPI 3.1 规范(位置:paths › /a › get › parameters › 0 › in):'body' is not one of ['query', 'header', 'path', 'cookie']", "改为以下取值之一:query、header、path、cookie"),
    ]


# -- operations ------------------------------------------------------------------------------
def test_operations_of_real_document(doc):
    ops = operations(doc)
    assert [(op.method, op.path, op.operation_id) for op in ops] == ALL_OPERATIONS
    by_id = {op.operation_id: op for op in ops}
    students = by_id["listStudents"]
    assert [(p["name"], p["in"]) for p in students.parameters] == [("school_code", "path"), ("grade", "query"), ("class_id", "query"), ("page", "query"), ("page_size", "query")]
    assert students.responses["200"] == {"$ref": "#/components/schemas/StudentPage"}
    assert students.responses["401"] == {"$ref": "#/components/schemas/Problem"}
    assert students.response_media_types["401"] == "application/problem+json"
    assert students.response_descriptions["401"] == "未携带访问令牌,或令牌无效、已过期"
    assert students.tags == ["名册同步"]
    assert students.security == [{"oauth2": ["roster:read"]}]
    token = by_id["issueToken"]
    assert (token.request_media_type, token.request_required, token.security) == ("application/x-www-form-urlencoded", True, [])
    assert [(e.name, e.summary) for e in token.request_examples] == [("clientCredentials", "客户端凭据模式(示例)"), ("authorizationCode", "授权码模式(示例)")]
    assert list(token.responses) == ["200", "400", "401"]
    assert token.response_headers["200"]["Cache-Control"]["schema"] == {"type": "string", "const": "no-store"}
    assert by_id["submitBatch"].request_examples == []
    assert by_id["submitBatch"].request_media_type == "multipart/form-data"
    assert by_id["getUserInfo"].request_schema is None
    assert by_id["registerApp"].response_examples["201"][0].name == "pending"
    assert by_id["registerApp"].line == line_of(API.read_text(encoding="utf-8"), "    post:", after=line_of(API.read_text(encoding="utf-8"), "  /apps:"))


def test_single_example_and_path_level_parameters():
    doc = inline("""
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /a/{id}:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
              - {name: q, in: query, description: 路径级}
            get:
              operationId: a
              parameters:
                - {name: q, in: query, description: 操作级}
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {type: integer}
                      example: 3
    """)
    [op] = operations(doc)
    assert [(p["name"], p.get("description")) for p in op.parameters] == [("id", None), ("q", "操作级")]
    assert op.response_examples == {"200": [PayloadExample("example", 3, media_type="application/json")]}


# -- payloads --------------------------------------------------------------------------------
def all_examples(doc):
    for op in operations(doc):
        for ex in op.request_examples:
            yield op.operation_id, "request", None, ex
        for status, examples in op.response_examples.items():
            for ex in examples:
                yield op.operation_id, "response", status, ex


def test_every_example_of_real_document_is_accepted(doc, codes):
    results = {
        (op_id, direction, status, ex.name): findings(check_payload(doc, op_id, ex.value, direction=direction, status=status, codelists=codes))
        for op_id, direction, status, ex in all_examples(doc)
    }
    assert {key[0] for key in results} == {op_id for *_, op_id in ALL_OPERATIONS}
    # The OAuth scope parameter holds several codes separated by spaces (x-codelist-separator).
    assert {key: found for key, found in results.items() if found} == {}


def test_every_example_is_accepted_once_the_separator_is_declared(doc, codes):
    doc["components"]["schemas"]["TokenRequest"]["properties"]["scope"]["x-codelist-separator"] = " "
    for op_id, direction, status, ex in all_examples(doc):
        assert check_payload(doc, op_id, ex.value, direction=direction, status=status, codelists=codes) == [], (op_id, status, ex.name)
    bad = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y", "scope": "openid admin"}
    assert findings(check_payload(doc, "issueToken", bad, codelists=codes)) == [("/scope", "x-codelist", "值 “admin(在 “openid admin” 中)” 不在代码表 scope 中")]


def test_wrong_code_missing_field_and_wrong_type(doc, codes):
    payload = copy.deepcopy(operations(doc)[4].response_examples["200"][0].value)
    payload["items"][0]["gender"] = "7"
    del payload["items"][1]["name"]
    payload["page_size"] = "50"
    assert [(f.pointer, f.type, f.message, f.value, f.note) for f in check_payload(doc, "listStudents", payload, direction="response", codelists=codes)] == [
        ("/items/0/gender", "x-codelist", "值 “7” 不在代码表 gender 中", "7", "改为代码表中的代码(见标准的代码表页面)"),
        ("/items/1/name", "required", "缺少必填字段 “name”", None, "补上这个字段"),
        ("/page_size", "type", "类型应为整数,实际是字符串(“50”)", "50", "改成接口文档规定的类型"),
    ]


def test_common_keywords_in_plain_chinese(doc, codes):
    payload = {
        "name": "应" * 51, "vendor": "v", "vendor_uscc": "bad", "scopes": ["openid", "openid", "admin"],
        "security_level": "6", "contact_email": "nope", "redirect_uri": "http://x",
    }
    assert findings(check_payload(doc, "registerApp", payload, codelists=codes)) == [
        ("/contact_email", "format", "值 “nope” 不是有效的电子邮件地址"),
        ("/name", "max-length", "“" + "应" * 51 + "” 最多 50 个字符,实际 51"),
        ("/redirect_uri", "pattern", "值 “http://x” 不符合格式 ^https://\\S+$"),
        ("/scopes", "unique-items", "列表中有重复的项"),
        ("/scopes/2", "x-codelist", "值 “admin” 不在代码表 scope 中"),
        ("/security_level", "x-codelist", "值 “6” 不在代码表 mlps_level 中"),
        ("/vendor_uscc", "pattern", "值 “bad” 不符合格式 ^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
    ]
    batch = {"batch_id": "b-1", "app_id": "a", "entity": "equipment", "record_count": 0, "sha256": "0" * 64, "status": "partial", "submitted_at": "昨天"}
    assert findings(check_payload(doc, "getBatchStatus", batch, direction="response", codelists=codes)) == [
        ("/batch_id", "pattern", "值 “b-1” 不符合格式 ^b-[0-9]{8}-[0-9]{4}$"),
        ("/record_count", "minimum", "值 0 小于最小值 1"),
        ("/submitted_at", "format", "值 “昨天” 不是有效的日期时间(如 2026-09-01T09:30:00+08:00)"),
    ]
    assert findings(check_payload(doc, "issueToken", {"error": "oops"}, direction="response", status="400")) == [
        ("/error", "enum", "值 “oops” 不在允许的取值中(invalid_request、invalid_client、invalid_grant、unauthorized_client、unsupported_grant_type、invalid_scope)"),
    ]


SMALL = """
    openapi: 3.1.0
    info: {title: t, version: '1'}
    paths:
      /a:
        post:
          operationId: make
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  additionalProperties: false
                  properties:
                    kind: {type: string, x-codelist: kind}
                    tags: {type: array, items: {type: string}, x-codelist: tag}
                    n: {type: [integer, 'null'], maximum: 3}
          responses:
            '400': {description: bad}
            '201':
              description: made
              content:
                application/json:
                  schema: {type: object, required: [id], properties: {id: {type: string, minLength: 2}}}
            4XX:
              description: other
              content:
                application/json:
                  schema: {type: object, required: [error]}
        get:
          operationId: look
          responses:
            '400': {description: bad}
"""


def test_codelists_as_a_mapping_additional_properties_and_arrays():
    doc = inline(SMALL)
    mapping = {"kind": {"a", "b"}, "tag": {"x"}}
    payload = {"kind": "c", "tags": ["x", "y", 3], "n": 4, "extra": True, "more": 1}
    assert findings(check_payload(doc, "make", payload, codelists=mapping)) == [
        ("/extra", "additional-properties", "未定义的字段 “extra”"),
        ("/kind", "x-codelist", "值 “c” 不在代码表 kind 中"),
        ("/more", "additional-properties", "未定义的字段 “more”"),
        ("/n", "maximum", "值 4 大于最大值 3"),
        ("/tags/1", "x-codelist", "值 “y” 不在代码表 tag 中"),
        ("/tags/2", "type", "类型应为字符串,实际是整数(“3”)"),
    ]
    # without code lists, codes are not checked
    assert findings(check_payload(doc, "make", {"kind": "c", "n": None})) == []


def test_response_status_selection():
    doc = inline(SMALL)
    assert findings(check_payload(doc, "make", {"id": "x"}, direction="response")) == [("/id", "min-length", "“x” 至少应有 2 个字符,实际 1")]
    assert findings(check_payload(doc, "make", {}, direction="response", status="404")) == [("/error", "required", "缺少必填字段 “error”")]
    assert check_payload(doc, "make", {"anything": 1}, direction="response", status="400") == []
    with pytest.raises(KeyError) as exc:
        check_payload(doc, "make", {}, direction="response", status="500")
    assert exc.value.args[0] == "POST /a(make)没有定义状态码 500 的响应(已有:400, 201, 4XX)"
    with pytest.raises(KeyError) as exc:
        check_payload(doc, "look", {}, direction="response")
    assert exc.value.args[0] == "GET /a(look)没有定义 2xx 响应(已有:400)"
    with pytest.raises(ValueError) as exc:
        check_payload(doc, "look", {})
    assert str(exc.value) == "GET /a(look)没有定义请求体"


def test_unknown_operation_lists_the_known_ones(doc):
    with pytest.raises(KeyError) as exc:
        check_payload(doc, "listPupils", {})
    assert exc.value.args[0] == "接口文档中没有 operationId “listPupils”(已有:getBatchStatus, getUserInfo, issueToken, listClasses, listSchools, listStudents, listTeachers, registerApp, submitBatch)"


# -- the interface page ----------------------------------------------------------------------
def codelist_url(ref: str):
    if ref == "edu-basic-data@1.0.0/gender":
        return "standards/edu-basic-data/1.0.0/codelists/gender/"
    return None


def test_page_has_every_operation_anchor(doc):
    page = render_api(doc, here="standards/app-access/1.0.0/api/", codelist_url=codelist_url)
    html = markdown.markdown(page, extensions=EXTENSIONS)
    for method, path, op_id in ALL_OPERATIONS:
        assert f"{{#op-{op_id}}}" in page
        assert f'<h3 id="op-{op_id}">{method} {path}</h3>' in html
        assert f'<a href="#op-{op_id}">{op_id}</a>' in html
    assert html.count('<pre><code class="language-json">') == sum(1 for _ in all_examples(doc))
    gender = '<a href="../../../edu-basic-data/1.0.0/codelists/gender/"><code>edu-basic-data@1.0.0/gender</code></a>'
    assert html.count(gender) == 2  # RosterStudent.gender and RosterTeacher.gender
    assert "<tr><td><code>items[].gender</code></td><td>string</td><td>是</td><td></td><td>" + gender in html
    assert "<tr><td><code>scopes</code></td><td>array&lt;string&gt;</td><td>是</td><td>至少项数 1;不可重复</td><td><code>app-access@1.0.0/scope</code></td><td>申请的权限范围</td></tr>" in html
    assert "<tr><td><code>page_size</code></td><td>查询参数</td><td>否</td><td>integer</td><td>最小值 1;最大值 200;默认 50</td><td></td><td>每页记录数</td></tr>" in html


EVIL = """
    openapi: 3.1.0
    info: {title: <script>alert(1)</script>, version: '1', description: <script>alert(1)</script>}
    servers: [{url: 'https://x.invalid', description: <script>alert(1)</script>}]
    tags: [{name: <script>alert(1)</script>, description: <script>alert(1)</script>}]
    paths:
      /a/<script>:
        get:
          operationId: evil<script>
          tags: [<script>alert(1)</script>]
          summary: <script>alert(1)</script>
          description: <script>alert(1)</script>
          parameters:
            - {name: <script>, in: query, description: <script>alert(1)</script>, schema: {type: string, pattern: <script>}}
          responses:
            '200':
              description: <script>alert(1)</script>
              content:
                application/json:
                  schema:
                    type: array
                    items:
                      type: object
                      x-entity: edu-basic-data@1.0.0/student
                      properties:
                        gender: {type: string, description: <script>alert(1)</script>, x-codelist: edu-basic-data@1.0.0/gender}
                        child:
                          type: object
                          required: [deep]
                          properties: {deep: {type: integer, enum: [1, 2]}}
                  examples:
                    one:
                      summary: <script>alert(1)</script>
                      value: {note: "```` <script>alert(1)</script>"}
"""


def test_page_escapes_everything_from_the_document():
    student_gender = {("edu-basic-data@1.0.0/student", "gender"): ("standards/edu-basic-data/1.0.0/#entity-student", "学生.性别")}
    page = render_api(inline(EVIL), here="api/", codelist_url=codelist_url, field_link=lambda entity, name: student_gender.get((entity, name)))
    html = markdown.markdown(page, extensions=EXTENSIONS)
    assert "<script" not in html
    # info title, info description, server, tag description, summary (heading and overview),
    # description, parameter, response, property, example title
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 11
    assert "<h2 id=\"scriptalert1script\">&lt;script&gt;alert(1)&lt;/script&gt;</h2>" in html
    assert '<h3 id="op-evil-script-">GET /a/&lt;script&gt;</h3>' in html
    assert "\n`````json\n" in page  # longer than the four backticks inside the example
    assert '<pre><code class="language-json">{\n  &quot;note&quot;: &quot;```` &lt;script&gt;alert(1)&lt;/script&gt;&quot;\n}\n</code></pre>' in html
    assert (
        '<tr><td><code>[].gender</code></td><td>string</td><td>否</td><td></td>'
        '<td><a href="../standards/edu-basic-data/1.0.0/codelists/gender/"><code>edu-basic-data@1.0.0/gender</code></a></td>'
        '<td>&lt;script&gt;alert(1)&lt;/script&gt;<br>对应数据项:<a href="../standards/edu-basic-data/1.0.0/#entity-student">学生.性别</a></td></tr>'
    ) in html
    assert '<tr><td><code>[].child.deep</code></td><td>integer</td><td>是</td><td>取值 1、2</td><td></td><td></td></tr>' in html
    assert '<tr><td><code>(整体)</code></td><td>array&lt;object&gt;</td>' in html


def test_code_block_fence_outgrows_backticks():
    assert code_block("a", "json") == "```json\na\n```\n"
    assert code_block("x ````` y") == "``````\nx ````` y\n``````\n"


def test_op_anchor():
    assert [op_anchor("listSchools"), op_anchor("a.b/c"), op_anchor("")] == ["op-listSchools", "op-a-b-c", "op--"]


def test_examples_are_pretty_json(doc):
    page = render_api(doc, here="x/", codelist_url=lambda ref: None)
    value = operations(doc)[1].response_examples["200"][0].value
    assert "```json\n" + json.dumps(value, ensure_ascii=False, indent=2) + "\n```\n" in page


RECURSIVE = """
    openapi: 3.1.0
    info: {title: t, version: '1'}
    paths:
      /tree:
        get:
          operationId: tree
          responses:
            '200':
              description: ok
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Tree'}
    components:
      schemas:
        Tree:
          type: object
          properties:
            name: {type: string}
            children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
"""


def test_recursive_schema():
    doc = inline(RECURSIVE)
    assert validate_openapi(doc, Path("a.yaml"), Path(".")) == []
    payload = {"name": 1, "children": [{"name": "x", "children": [{"name": 2}]}]}
    assert findings(check_payload(doc, "tree", payload, direction="response")) == [
        ("/children/0/children/0/name", "type", "类型应为字符串,实际是整数(“2”)"),
        ("/name", "type", "类型应为字符串,实际是整数(“1”)"),
    ]
    html = markdown.markdown(render_api(doc, here="", codelist_url=lambda ref: None), extensions=EXTENSIONS)
    assert "<tr><td><code>children[]</code></td><td>object</td><td>否</td><td></td><td></td><td>与上层相同的结构(#/components/schemas/Tree),递归</td></tr>" in html


def test_reference_cycle():
    doc = inline(RECURSIVE + "        A: {$ref: '#/components/schemas/B'}\n        B: {$ref: '#/components/schemas/A'}\n")
    doc["paths"]["/tree"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/A"}
    problems = validate_openapi(doc, Path("a.yaml"), Path("."))
    assert [(p.type, p.line, p.message, p.note) for p in problems] == [
        ("dangling-reference", 12, "引用 “#/components/schemas/A” 层层相套,形成了循环", "打破循环:至少让其中一个定义写出具体结构"),
        ("dangling-reference", 20, "引用 “#/components/schemas/B” 层层相套,形成了循环", "打破循环:至少让其中一个定义写出具体结构"),
        ("dangling-reference", 21, "引用 “#/components/schemas/A” 层层相套,形成了循环", "打破循环:至少让其中一个定义写出具体结构"),
    ]
    with pytest.raises(ValueError) as exc:
        check_payload(doc, "tree", {}, direction="response")
    assert str(exc.value) == "接口文档中的引用形成了循环(如 A 引用 B、B 又引用 A)"
