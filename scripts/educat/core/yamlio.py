"""Safe YAML loading that remembers line numbers.

Content files are edited by many people, so the loader is strict: duplicate keys and
aliases (``&anchor``/``*alias``, the "billion laughs" vector) are errors, and every
mapping remembers the line of each key so that problems can be reported as
``path:line``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """A YAML file could not be read. ``line`` is 1-based, or None."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class LineDict(dict):
    """A dict that knows the line of the mapping and of each of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = None
        self.key_lines = {}

    def line_of(self, key) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that knows its line and the line of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, *args):
        super().__init__(*args)
        self.line = None
        self.item_lines = []


class _Loader(_BaseLoader):
    pass


def _construct_object(self, node, deep=False):
    # A node met a second time was reached through an alias.
    if node in self.constructed_objects or node in self.recursive_objects:
        raise YamlError(
            "不允许使用 YAML 锚点/别名(&/*),此行的内容被别名重复引用:请把内容直接写出来", node.start_mark.line + 1
        )
    return _BaseLoader.construct_object(self, node, deep=deep)


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise YamlError("键必须是简单值(字符串或数字)", key_node.start_mark.line + 1) from None
        if key in result:
            raise YamlError(
                f"重复的键 “{key}”(第 {result.key_lines[key]} 行已出现):请删除或合并其中一个",
                key_node.start_mark.line + 1,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader, node):
    result = LineList()
    result.line = node.start_mark.line + 1
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.item_lines.append(child.start_mark.line + 1)
    return result


def _construct_timestamp_as_text(loader, node):
    # Dates stay ISO strings: Table Schema and JSON have no date object, and this keeps
    # the value exactly as the author wrote it.
    return loader.construct_scalar(node)


_Loader.construct_object = _construct_object
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def parse_yaml(text: str):
    """Parse YAML text; raise YamlError with a 1-based line on any problem."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "语法错误"
        raise YamlError(f"YAML 语法错误:{what}。请检查缩进、冒号和引号", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML 语法错误:{exc}") from None
    except RecursionError:
        raise YamlError("YAML 嵌套过深") from None


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a BOM is tolerated); raise YamlError if it is not a regular
    file or not UTF-8."""
    from educat.core.paths import not_regular

    why = not_regular(path)
    if why:
        raise YamlError(why)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError("文件不是 UTF-8 编码:请用 UTF-8 另存", line) from None


def load_yaml(path: Path):
    return parse_yaml(read_text(path))
