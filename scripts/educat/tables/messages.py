"""Messages shared by every table check (the Frictionless path in ``tables``
and the SQL engine in ``engine``); no heavy imports, so ``educat check`` starts fast."""

from __future__ import annotations

from educat.core.model import CodeList
from educat.tables.identifiers import RULES

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


def rule_message(rule_name: str, value) -> str:
    return f"“{value}”:{RULES[rule_name].check(str(value))}"


def cell_message(kind: str, rule: str, cell, limit) -> tuple[str, str]:
    """Message and fix for a cell finding, shared by the Frictionless path and the SQL engine.

    ``rule`` is the type name for type errors and the constraint name for constraint errors.
    """
    if kind == "type-error":
        type_name = TYPE_NAMES.get(rule, rule) if rule else "规定类型"
        return f"值 “{cell}” 不是有效的{type_name}", f"改为{type_name}格式"
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
