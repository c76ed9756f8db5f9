"""JSON syntax errors in Chinese: the file, line and column, what is wrong there and what to do.

Python's json module says "Expecting property name enclosed in double quotes: line 3 column 5
(char 17)". Every command that reads a JSON file a person wrote (``check`` on JSON and NDJSON,
``check-api`` payloads, the link-check result file) words the error with :func:`explain` or
:func:`error_message` instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The start of Python's message -> (what is wrong, what to do). The C and the pure-Python decoders
# word a few messages differently after these prefixes ("Invalid \\escape: 'x'").
REASONS = (
    ("Expecting property name enclosed in double quotes", "这里应是用英文双引号括起来的属性名",
     '属性名写成 "name"(不能用单引号,也不能不加引号);对象的最后一项后面不能有逗号'),
    ("Expecting ':' delimiter", "属性名后面缺少英文冒号 :", '写成 "属性名": 值'),
    ("Expecting ',' delimiter", "这里缺少英文逗号 ,", "在前后两项之间加逗号;也检查前面的引号和括号是否配对"),
    ("Expecting value", "这里应是一个值",
     '值可以是 "文本"(英文双引号)、数字、true、false、null、[…] 或 {…};最后一项后面不能有逗号'),
    ("Extra data", "JSON 已经结束,后面还有内容",
     "一个文件只能有一个 JSON 值:多条记录放进一个数组 [ … ],或改存为每行一个对象的 NDJSON"),
    ("Unterminated string", "字符串缺少结尾的英文双引号", '在字符串结尾补上 ",字符串中的双引号写成 \\"'),
    ("Invalid control character", "字符串中有换行符或制表符", "字符串中的换行写成 \\n,制表符写成 \\t"),
    ("Invalid \\uXXXX escape", "\\u 后面应是 4 位十六进制数", "写成 \\u 加 4 位十六进制数(如 \\u4e2d);反斜杠本身写成 \\\\"),
    ("Invalid \\escape", "反斜杠 \\ 后面的转义无效",
     "反斜杠本身写成 \\\\(如 Windows 路径 C:\\\\data);可用的转义有 \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
    ("Illegal trailing comma", "最后一项后面多了逗号", "删除 ] 或 } 前面的逗号"),
    ("Unexpected UTF-8 BOM", "文件以 BOM 开头", "另存为不带 BOM 的 UTF-8"),
)

# Chinese punctuation typed where JSON needs the ASCII one: the most common mistake by hand
FULL_WIDTH = {
    "\u201c": '"', "\u201d": '"', "\u2018": '"', "\u2019": '"',  # “ ” ‘ ’
    "\uff0c": ",", "\uff1a": ":", "\u3001": ",",  # full-width comma and colon, 、
    "\u3010": "[", "\u3011": "]", "\uff3b": "[", "\uff3d": "]", "\uff5b": "{", "\uff5d": "}",
}


class JsonFileError(ValueError):
    """A JSON file that cannot be read; the message names the file and place, in Chinese."""


def explain(exc: json.JSONDecodeError) -> tuple[str, str]:
    """(what is wrong, what to do) for a JSON syntax error, in Chinese."""
    found = exc.doc[exc.pos] if 0 <= exc.pos < len(exc.doc) else ""
    if found in FULL_WIDTH:
        return f"这里是中文标点 {found}", f"JSON 的标点要用英文的,改为 {FULL_WIDTH[found]}"
    if not exc.doc.strip():
        return "内容是空的", "写入 JSON 内容,如 [] 或 {}"
    for prefix, reason, fix in REASONS:
        if exc.msg.startswith(prefix):
            return reason, fix
    return f"格式错误({exc.msg})", "检查这里的括号、引号和逗号"


def error_message(exc: json.JSONDecodeError, path: str | Path) -> str:
    """``path:行:列: JSON 格式错误(第 3 行第 5 列):what is wrong;what to do``."""
    reason, fix = explain(exc)
    return f"{path}:{exc.lineno}:{exc.colno}: JSON 格式错误(第 {exc.lineno} 行第 {exc.colno} 列):{reason};{fix}"


def load_json(path: str | Path, shown: str | Path | None = None) -> Any:
    """The JSON document in ``path`` (UTF-8, a BOM allowed). :class:`JsonFileError` names the
    file as ``shown`` (default: ``path``) when it is not UTF-8 or not JSON."""
    path = Path(path)
    shown = path if shown is None else shown
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonFileError(f"{shown}: 不是 UTF-8 编码(第 {exc.start + 1} 个字节无法解码);请另存为 UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(error_message(exc, shown)) from None
