"""JSON syntax errors in Chinese: the file, line and column, what is wrong and what to do."""

from __future__ import annotations

import json

import pytest

from educat.core import jsonio


def error(text: str) -> json.JSONDecodeError:
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ('{\n  "a": 1,\n  b: 2\n}', 3, 3, "这里应是用英文双引号括起来的属性名"),
        ("{'a': 1}", 1, 2, "这里应是用英文双引号括起来的属性名"),
        ('{"a" 1}', 1, 6, "属性名后面缺少英文冒号 :"),
        ('[1 2]', 1, 4, "这里缺少英文逗号 ,"),
        ('[1, 2,]', 1, 7, "这里应是一个值"),
        ('{"a": 1} {"b": 2}', 1, 10, "JSON 已经结束,后面还有内容"),
        ('{"a": "没有结尾}', 1, 7, "字符串缺少结尾的英文双引号"),
        ('{"a": "两\n行"}', 1, 9, "字符串中有换行符或制表符"),
        ('{"a": "C:\\data"}', 1, 10, "反斜杠 \\ 后面的转义无效"),
        ('{"a": "\\u12"}', 1, 9, "\\u 后面应是 4 位十六进制数"),
        ('{“a”: 1}', 1, 2, "这里是中文标点 “"),
        ('{"a": 1\uff0c"b": 2}', 1, 8, "这里是中文标点 \uff0c"),
        ("  \n", 2, 1, "内容是空的"),
    ],
)
def test_each_syntax_error_is_explained(text, line, column, reason):
    exc = error(text)
    assert (exc.lineno, exc.colno) == (line, column)
    got, fix = jsonio.explain(exc)
    assert got == reason
    assert fix and not any(word in fix for word in ("Expecting", "delimiter"))


def test_error_message_names_file_line_column_and_fix():
    exc = error('{\n  "name": \'张三\'\n}')
    assert jsonio.error_message(exc, "payload.json") == (
        "payload.json:2:11: JSON 格式错误(第 2 行第 11 列):这里应是一个值;"
        '值可以是 "文本"(英文双引号)、数字、true、false、null、[…] 或 {…};最后一项后面不能有逗号'
    )


def test_an_unknown_message_is_kept_with_a_general_fix():
    exc = json.JSONDecodeError("Something new", "[]", 1)
    assert jsonio.explain(exc) == ("格式错误(Something new)", "检查这里的括号、引号和逗号")


def test_load_json(tmp_path):
    good = tmp_path / "a.json"
    good.write_bytes('\ufeff{"名称": "学校"}'.encode("utf-8"))
    assert jsonio.load_json(good) == {"名称": "学校"}
    bad = tmp_path / "b.json"
    bad.write_text('{"a": 1,}', encoding="utf-8")
    with pytest.raises(jsonio.JsonFileError) as info:
        jsonio.load_json(bad, shown="catalog/b.json")
    assert str(info.value) == "catalog/b.json:1:9: JSON 格式错误(第 1 行第 9 列):这里应是用英文双引号括起来的属性名;" \
        '属性名写成 "name"(不能用单引号,也不能不加引号);对象的最后一项后面不能有逗号'
    latin = tmp_path / "c.json"
    latin.write_bytes('{"a": "é"}'.encode("latin-1"))
    with pytest.raises(jsonio.JsonFileError, match=r"c\.json: 不是 UTF-8 编码\(第 8 个字节无法解码\);请另存为 UTF-8"):
        jsonio.load_json(latin)
