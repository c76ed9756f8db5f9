"""Write records into a catalog YAML file without disturbing the rest of it.

An updated record's lines are replaced and new records appended, so comments and the other
records stay byte-identical. The result is parsed back and compared with the intended
records; if the splice cannot be proven right (an unusual layout), the whole list is
re-dumped, keeping the file's leading comment block.
"""

from __future__ import annotations

import datetime as dt

import yaml

from educat.core.model import FieldDef
from educat.core.yamlio import LineList, YamlError, parse_yaml

class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _represent_str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_date(dumper, value: dt.date):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dt.date, _represent_date)


def plain(value):
    """LineDict/LineList and tuples as plain dicts and lists, for dumping and comparing."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def dump_record(record: dict, fields: list[FieldDef]) -> str:
    """One record as a YAML list item: entity field order, flow lists, unquoted ISO dates."""
    order = [f.name for f in fields]
    types = {f.name: f.type for f in fields}
    data = {}
    for key in sorted(record, key=lambda k: order.index(k) if k in order else len(order)):
        value = plain(record[key])
        if types.get(key) == "date" and isinstance(value, str):
            try:
                if dt.date.fromisoformat(value).isoformat() == value:
                    value = dt.date.fromisoformat(value)  # written unquoted; the loader reads it back as text
            except ValueError:
                pass
        data[key] = value
    return yaml.dump([data], Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1 << 16)


def _join_blocks(head: str, blocks: list[str]) -> str:
    text = head
    for block in blocks:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
    return text


def render_file(text: str | None, replace: dict[int, dict], append: list[dict], fields: list[FieldDef]) -> str:
    """The new text of a catalog file: items at the given indexes replaced, records appended.

    Other lines stay byte-identical. Falls back to re-dumping every record (keeping the
    leading comments) when the spliced text does not parse back to exactly the intended list.
    """
    items = parse_yaml(text) if text and text.strip() else LineList()
    if items is None:
        items = LineList()
    if not isinstance(items, LineList):
        raise YamlError("文件顶层应为列表(每项以 - 开头)", 1)
    expected = [plain(replace.get(i, item)) for i, item in enumerate(items)] + [plain(r) for r in append]
    spliced = _splice(text or "", items, replace, append, fields)
    if spliced is not None and plain(parse_yaml(spliced)) == expected:
        return spliced
    lines = (text or "").splitlines(keepends=True)
    first = items.item_lines[0] - 1 if items else len(lines)
    head = "".join(line for line in lines[:first] if not line.strip() or line.lstrip().startswith("#"))
    redumped = head + _join_blocks("", [dump_record(r, fields) for r in expected])
    if plain(parse_yaml(redumped)) != expected:
        raise RuntimeError("重新生成的 YAML 与预期记录不一致")  # a bug in dump_record, not a user error
    return redumped


def _splice(text: str, items: LineList, replace: dict[int, dict], append: list[dict], fields: list[FieldDef]) -> str | None:
    lines = text.splitlines(keepends=True)
    starts = [line - 1 for line in items.item_lines]
    if any(not lines[s].lstrip().startswith("- ") for s in starts):
        return None  # e.g. "-" alone on a line or a flow list: re-dump instead
    for index in sorted(replace, reverse=True):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # blank lines and comments before the next record are not this record's
        lines[start:end] = dump_record(replace[index], fields).splitlines(keepends=True)
    return _join_blocks("".join(lines), [dump_record(r, fields) for r in append])


