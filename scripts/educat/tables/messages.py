"""Messages shared by every table check (the Frictionless path in ``tables``
and the SQL engine in ``engine``); no heavy imports, so ``educat check`` starts fast."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from educat.core.model import CodeList, FieldDef
from educat.tables.identifiers import RULES

TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]
TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "布尔值(true/false)",
    "date": "日期(YYYY-MM-DD)",
    "datetime": "日期时间(YYYY-MM-DDThh:mm:ss)",
    "year": "年份(四位数字)",
    "duration": "ISO 8601 时长(如 PT15M)",
    "array": "列表",
}


RULE_TYPES = {rule.error_type for rule in RULES.values()}
CONSTRAINT_LABELS = {"minimum": "最小值", "maximum": "最大值", "exclusiveMinimum": "下限(不含)", "exclusiveMaximum": "上限(不含)", "minLength": "最短长度", "maxLength": "最长长度"}
# Row structure, worded the same in both engines.
ROW_MESSAGES = {
    "blank-row": ("空行:这一行的单元格都是空的", "删除空行"),
    "extra-cell": ("此行的单元格多于表头的列数", "检查多余的逗号(行尾也算);含逗号的文字要用双引号括起来"),
    "missing-cell": ("此行缺少这一列的单元格(列数少于表头)", "补齐缺少的列;空值也要保留逗号"),
}


def code_message(codelist: CodeList, item) -> str:
    sample = "、".join(f"{c.code} {c.name}" for c in list(codelist.codes.values())[:6])
    more = " 等" if len(codelist.codes) > 6 else ""
    return f"“{item}” 不是代码表 {codelist.name}({codelist.title or codelist.name})中的代码;可用代码如:{sample}{more}"


def _plain(text) -> str:
    """A value as a person means it: full-width forms made half-width (NFKC), all spaces
    dropped, case folded. ``２`` and `` 女 `` mean ``2`` and ``女``."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def code_suggestions(codelist: CodeList, value, limit: int = 3) -> list:
    """The codes a value that is not a code most likely means: the codes whose name the value
    is (``女`` → 2), or that the value is once spaces and full-width forms are taken away
    (``２`` → 2). Empty when the value is a code or means none."""
    if value is None or str(value) in codelist.codes:
        return []
    wanted = _plain(value)
    return _by_plain(codelist).get(wanted, [])[:limit] if wanted else []


def _by_plain(codelist: CodeList) -> dict[str, list]:
    """Plain form (see ``_plain``) → the codes it means: codes first, then names. Built once per
    code list (a file of many findings asks for every one of them)."""
    known = codelist.__dict__.get("_by_plain")
    if known is not None and known[0] == len(codelist.codes):
        return known[1]
    index: dict[str, list] = {}
    for c in codelist.codes.values():
        index.setdefault(_plain(c.code), []).append(c)
    for c in codelist.codes.values():
        if c.name and c not in index.setdefault(_plain(c.name), []):
            index[_plain(c.name)].append(c)
    codelist.__dict__["_by_plain"] = (len(codelist.codes), index)
    return index


def code_fix(codelist: CodeList | None, value, otherwise: str | None = None) -> str | None:
    """What to write instead of a value that is not a code: the code it means (``应填代码
    2(女)``), else ``otherwise`` (by default the general fix). A list (an array field) gets
    the codes of its items."""
    items = value if isinstance(value, list) else [value]
    found = [c for item in items for c in (code_suggestions(codelist, item) if codelist else [])]
    if not found:
        return CODE_FIX if otherwise is None else otherwise
    return "应填代码 " + " 或 ".join(dict.fromkeys(f"{c.code}({c.name})" for c in found)) + ",而不是名称或其他写法"


def rule_message(rule_name: str, value) -> str:
    return f"“{value}”:{RULES[rule_name].check(str(value))}"


# strptime directives shown the way people write a date format
_FORMAT_WORDS = {"%Y": "YYYY", "%m": "MM", "%d": "DD"}
# Dates as people write them when the declared form is another one
_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# Words that mean yes or no, whatever the standard declares
_YES = {"true", "1", "是", "yes", "y", "t", "对", "有", "√"}
_NO = {"false", "0", "否", "no", "n", "f", "错", "无", "×"}


def date_format(f: FieldDef) -> str:
    """A date field's strptime pattern (the Table Schema ``format``; ``default`` is ISO)."""
    fmt = f.descriptor.get("format") or "default"
    return "%Y-%m-%d" if fmt == "default" else fmt


def format_words(fmt: str) -> str:
    """A strptime form the way people write it: ``%Y/%m/%d`` → ``YYYY/MM/DD``."""
    for directive, word in _FORMAT_WORDS.items():
        fmt = fmt.replace(directive, word)
    return fmt


def write_date(day: dt.date, fmt: str) -> str:
    """``day`` in a strptime form; the year always has four digits (strftime drops zeros)."""
    text = fmt.replace("%Y", f"{day.year:04d}").replace("%m", f"{day.month:02d}").replace("%d", f"{day.day:02d}")
    return day.strftime(text) if "%" in text else text


def true_false(f: FieldDef) -> tuple[list[str], list[str]]:
    """The texts a boolean field reads as true and as false (Table Schema ``trueValues`` and
    ``falseValues``, else the defaults)."""
    d = f.descriptor
    return list(d.get("trueValues", TRUE_VALUES) or []), list(d.get("falseValues", FALSE_VALUES) or [])


def type_name(f: FieldDef | None, kind: str = "") -> str:
    """The type as a person reads it, with the forms the field declares: 布尔值(是/否),
    日期(YYYY/MM/DD)."""
    kind = f.type if f is not None else kind
    if f is not None and kind == "boolean" and ("trueValues" in f.descriptor or "falseValues" in f.descriptor):
        trues, falses = true_false(f)
        return f"布尔值(表示“是”填 {'、'.join(trues)},表示“否”填 {'、'.join(falses)})"
    if f is not None and kind == "date" and date_format(f) != "%Y-%m-%d":
        return f"日期({format_words(date_format(f))})"
    return TYPE_NAMES.get(kind, kind) if kind else "规定类型"


def type_hint(f: FieldDef | None, cell) -> str | None:
    """What a value that is not of the field's type most likely means, in the declared form:
    ``2021/9/1`` → ``应写作 2021-09-01``; ``是`` → ``应填 true``. None when it means nothing."""
    if f is None or not isinstance(cell, str):
        return None
    text = unicodedata.normalize("NFKC", cell).strip()
    if f.type == "date":
        for form in _DATE_FORMS:
            try:
                day = dt.datetime.strptime(text, form).date()
            except ValueError:
                continue
            return f"应写作 {write_date(day, date_format(f))}" if date_format(f) != "any" else None
    if f.type == "boolean":
        trues, falses = true_false(f)
        declared = "trueValues" in f.descriptor or "falseValues" in f.descriptor
        word = text.casefold()
        for meant, forms in ((_YES, trues), (_NO, falses)):
            if forms and (word in meant or word in {x.casefold() for x in forms}):
                return f"应填 {' 或 '.join(forms) if declared else forms[0]}"
    return None


def cell_message(kind: str, rule: str, cell, limit, f: FieldDef | None = None) -> tuple[str, str]:
    """Message and fix for a cell finding, shared by the Frictionless path and the SQL engine.

    ``rule`` is the type name for type errors and the constraint name for constraint errors;
    ``f``, when known, words a type error with the forms the field declares.
    """
    if kind == "type-error":
        name = type_name(f, rule)
        return f"值 “{cell}” 不是有效的{name}", type_hint(f, cell) or f"改为{name}格式"
    if kind == "constraint-error":
        if rule == "required":
            return "必填字段为空", "填写该字段"
        if rule == "pattern":
            return f"值 “{cell}” 不符合格式要求 {limit}", "按字段说明的格式修改(Table Schema 的 pattern 必须匹配整个值)"
        if rule == "enum":
            return f"值 “{cell}” 不在允许值中", f"改为以下之一:{limit}"
        return f"值 “{cell}” 违反约束 {CONSTRAINT_LABELS.get(rule, rule)} = {limit}", "修改为满足约束的值"
    if kind == "unique-error":
        return f"值 “{cell}” 与前面的行重复,但该字段要求唯一", "删除重复行或改正编号"
    if kind == "primary-key":
        return "主键重复或为空", "保证主键各行唯一且不为空"
    if kind in ROW_MESSAGES:
        return ROW_MESSAGES[kind]
    raise ValueError(kind)


CODE_FIX = "改为代码表或规则允许的值"
RULE_FIX = "核对原始证照或系统中的号码后重填"
