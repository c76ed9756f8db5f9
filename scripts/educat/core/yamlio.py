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


# -- a list file parsed item by item (the preview's record files) -----------------------------
def split_items(text: str) -> list[tuple[int, str]] | None:
    """A file that is one top-level block list, as its items: ``(line offset, text)`` each, the
    offset being the number of lines before the item. None when the file is not laid out that
    simply (anything at column 0 other than ``- ``, a comment or a blank line; a BOM, a tab, a
    document marker): such a file is parsed whole."""
    items: list[tuple[int, str]] = []
    lines = text.split("\n")  # YAML's own line breaks; str.splitlines would also split at \x1c and others
    start = None
    for number, line in enumerate(lines):
        if line.startswith("- ") or line.rstrip("\r") == "-":
            if start is not None:
                items.append((start, "\n".join(lines[start:number]) + "\n"))
            start = number
        elif line[:1] not in ("", " ", "#", "\r"):
            return None
    if start is not None:
        items.append((start, "\n".join(lines[start:])))
    return items


def shifted(value, lines: int):
    """A copy of parsed data with every remembered line moved down by ``lines``."""
    if isinstance(value, LineDict):
        copy = LineDict((k, shifted(v, lines)) for k, v in value.items())
        copy.line = value.line + lines
        copy.key_lines = {k: n + lines for k, n in value.key_lines.items()}
        return copy
    if isinstance(value, LineList):
        copy = LineList(shifted(v, lines) for v in value)
        copy.line = value.line + lines
        copy.item_lines = [n + lines for n in value.item_lines]
        return copy
    return value


class ItemCache:
    """Parses list files item by item and remembers each item's text and result, so that after
    one record of a 2,000-record file is edited only that record is parsed again. The result is
    the whole-file parse's: items are split only where a new item starts at column 0, and when
    any item fails to parse alone, the whole file is parsed (for the exact error and line)."""

    def __init__(self):
        self._files: dict[object, dict[str, tuple[int, object, int]]] = {}  # file -> item text -> (offset, item, item's line)

    def parse(self, text: str, file: object = None):
        """The same data and lines as ``parse_yaml(text)``; ``file`` names the file whose items
        were remembered last time (its path)."""
        items = split_items(text)
        if not items:
            return parse_yaml(text)
        result = LineList()
        before = self._files.get(file, {})
        seen: dict[str, tuple[int, object, int]] = {}
        for offset, item in items:
            known = before.get(item) or seen.get(item)
            if known is None:
                try:
                    parsed = parse_yaml(item)
                except YamlError:
                    return parse_yaml(text)  # the whole file's error, at the whole file's line
                if not isinstance(parsed, LineList) or len(parsed) != 1:
                    return parse_yaml(text)
                known = (0, parsed[0], parsed.item_lines[0])
            base, value, line = known
            if base != offset:
                known = (offset, shifted(value, offset - base), line + offset - base)
            seen[item] = known
            result.append(known[1])
            result.item_lines.append(known[2])
        result.line = items[0][0] + 1
        self._files[file] = seen
        return result
