"""Spreadsheet cells to record values with YAML types, as curators fill them in.

Booleans (true/false, 是/否), lists (、,;, one per line, or a JSON list), ISO dates from the
ways Excel shows them (2026/9/1, 2026年9月1日), numbers, and code-list values written as the
code, ``代码 名称``/``代码=名称``/``代码(名称)`` or the 名称 alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

from educat.core.model import CodeList, FieldDef

TRUE_WORDS = ("true", "是")
FALSE_WORDS = ("false", "否")
LIST_SEPARATORS = re.compile(r"[、,,;;\n]")
CODE_AND_NAME = (
    re.compile(r"^(?P<code>\S+?)\s*[==::]\s*(?P<name>.+)$"),  # 代码=名称, as the template's prompt shows
    re.compile(r"^(?P<code>\S+?)\s*[((](?P<name>.+)[))]$"),  # 代码(名称)
    re.compile(r"^(?P<code>\S+)\s+(?P<name>.+)$"),  # 代码 名称
)
DATE_FORMS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _name_key(text: str) -> str:
    """A code-list name as compared: NFKC (full/half width), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def code_value(text: str, codelist: CodeList) -> str:
    """The code for ``code``, ``代码 名称``/``代码=名称``/``代码(名称)`` or the 名称 alone.

    A text that is none of these, or a name shared by several codes, comes back unchanged so
    that the code-list check reports it.
    """
    codes = codelist.codes
    if text in codes:
        return text
    by_name: dict[str, list[str]] = {}
    for code in codes.values():
        by_name.setdefault(_name_key(code.name), []).append(code.code)
    named = by_name.get(_name_key(text), [])
    if len(named) == 1:
        return named[0]
    if named:
        return text  # ambiguous name
    for pattern in CODE_AND_NAME:
        match = pattern.match(text)
        if match and match["code"] in codes and _name_key(match["name"]) == _name_key(codes[match["code"]].name):
            return match["code"]
    lowered = [c for c in codes if c.lower() == text.lower()]
    return lowered[0] if len(lowered) == 1 else text


def _split_list(text: str, codelist: CodeList | None) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            items = None  # e.g. YAML-style [g7, g8]: read the inside as a separated list
        if isinstance(items, list):
            return [json.dumps(i, ensure_ascii=False) if isinstance(i, (list, dict)) else str(i).strip() for i in items if i is not None and str(i).strip()]
        text = text[1:-1]
    parts = [p.strip().strip("\"'“”‘’").strip() for p in LIST_SEPARATORS.split(text)]
    parts = [p for p in parts if p]
    if codelist is None:
        # Punctuation separates when present, so a keyword may contain a space; else spaces do.
        return parts if LIST_SEPARATORS.search(text) else text.split()
    items = []
    for part in parts:
        code = code_value(part, codelist)
        if code in codelist.codes or not any(ch.isspace() for ch in part):
            items.append(code)
        else:
            items.extend(code_value(word, codelist) for word in part.split())
    return items


def _date_value(text: str) -> str:
    match = DATE_FORMS.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return text
    return text


def _bool_value(text: str, f: FieldDef):
    word = text.strip().lower()
    trues = {*TRUE_WORDS, *(str(v).lower() for v in f.descriptor.get("trueValues") or [])}
    falses = {*FALSE_WORDS, *(str(v).lower() for v in f.descriptor.get("falseValues") or [])}
    if word in trues:
        return True
    if word in falses:
        return False
    return text  # the table check reports it as a type error


def _number_value(text: str, type_: str):
    try:
        return int(text) if type_ in ("integer", "year") else (int(text) if re.fullmatch(r"-?\d+", text) else float(text))
    except ValueError:
        return text


def cell_value(raw, f: FieldDef, codelist: CodeList | None):
    """A spreadsheet cell as the value a record holds in YAML; None for an empty cell.

    JSON and NDJSON files (also read by ``read_table``) give lists and booleans as such.
    """
    if isinstance(raw, list) and f.type == "array":
        items = [str(i).strip() for i in raw if i is not None and str(i).strip()]
        return [code_value(i, codelist) if codelist is not None else i for i in items] or None
    if isinstance(raw, bool) and f.type == "boolean":
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if f.type == "array":
        items = _split_list(text, codelist)
        return items or None
    if f.type == "boolean":
        return _bool_value(text, f)
    if f.type == "date":
        return _date_value(text)
    if f.type in ("integer", "number", "year"):
        return _number_value(text, f.type)
    if codelist is not None:
        return code_value(text, codelist)
    return text


