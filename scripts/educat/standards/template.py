"""The XLSX fill-in template of an entity: Chinese headers with notes, code-list dropdowns,
a sheet of the code lists and one of instructions with the command that checks the filled-in
file. The bytes are repeatable (fixed timestamps), so the site's downloads diff cleanly."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from pathlib import Path

from educat.core.cells import text_cells
from educat.core.model import CodeList, Entity, FieldDef, Repo, Standard
from educat.core.paths import write_atomic
from educat.standards.downloads import codelist_owners, codelist_ref
from educat.tables.identifiers import RULES
from educat.tables.messages import date_format, format_words, true_false, type_name, write_date
from educat.tables.readers import DATA_SHEET

CODES_SHEET = "代码表"
README_SHEET = "说明"
TEMPLATE_ROWS = 10000  # data rows 2..10001 carry the dropdowns
CHECK_COMMAND = "educat check 文件.xlsx --standard {ref} --entity {name}"
# How a value of each type is written, shown in the header notes of the template.
TYPE_HINTS = {
    "date": "格式 YYYY-MM-DD,如 2015-03-01",
    "datetime": "格式 YYYY-MM-DDThh:mm:ss+08:00,如 2026-09-01T09:30:00+08:00",
    "time": "格式 hh:mm:ss,如 08:30:00",
    "year": "四位数字年份,如 1998",
    "yearmonth": "格式 YYYY-MM,如 2026-09",
    "duration": "ISO 8601 时长,如 PT15M(15 分钟)、PT1H30M(1 小时 30 分)",
    "integer": "整数,不带千位分隔符",
    "number": "数字,不带千位分隔符和单位",
}
REQUIRED_FILL = "FCE4D6"  # light orange: required column
OPTIONAL_FILL = "EDEDED"  # light grey: optional column
AUTHOR = "educat"


# -- XLSX template -----------------------------------------------------------------------------
def display_width(text: str) -> int:
    """Width in Excel column units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _clip(text: str, limit: int) -> str:
    """Excel refuses validation titles over 32 and messages over 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _constraint_notes(f: FieldDef) -> list[str]:
    c = f.constraints
    notes = []
    if c.get("pattern"):
        notes.append(f"整个值须符合正则表达式 {c['pattern']}")
    unit = "项" if f.type == "array" else "个字符"
    if c.get("minLength") is not None:
        notes.append(f"至少 {c['minLength']} {unit}")
    if c.get("maxLength") is not None:
        notes.append(f"最多 {c['maxLength']} {unit}")
    if c.get("minimum") is not None:
        notes.append(f"最小值 {c['minimum']}")
    if c.get("maximum") is not None:
        notes.append(f"最大值 {c['maximum']}")
    if isinstance(c.get("enum"), list):
        notes.append("只能取 " + "、".join(str(v) for v in c["enum"]))
    if c.get("unique"):
        notes.append("各行不得重复")
    return notes


def _bool_values(f: FieldDef) -> list[str]:
    """The texts the boolean column's dropdown offers: every form the field declares
    (``trueValues``, ``falseValues``), Chinese ones (是/否) first; ``true``/``false`` when it
    declares none. A form that a list formula cannot hold (a comma or a quote) means no list."""
    if "trueValues" not in f.descriptor and "falseValues" not in f.descriptor:
        return ["true", "false"]
    trues, falses = true_false(f)
    pairs = [x for x in trues + falses if not x.isascii()] + [x for x in trues + falses if x.isascii()]
    forms = list(dict.fromkeys(str(x) for x in pairs))
    return [] if any("," in x or '"' in x for x in forms) or len(",".join(forms)) > 250 else forms


def _date_hint(f: FieldDef) -> str:
    """How a date is written: the field's ``format`` (ISO by default), with an example."""
    fmt = date_format(f)
    if fmt == "%Y-%m-%d":
        return TYPE_HINTS["date"]
    if fmt == "any":
        return "日期,建议写作 YYYY-MM-DD,如 2015-03-01"
    return f"格式 {format_words(fmt)},如 {write_date(dt.date(2015, 3, 1), fmt)}"


def _declares(f: FieldDef) -> bool:
    return "trueValues" in f.descriptor or "falseValues" in f.descriptor


def _header_note(f: FieldDef, codelist: tuple[Standard, CodeList] | None) -> str:
    lines = [
        f"字段名:{f.name}",
        f"类型:{type_name(f)}",
        "必填:不能为空" if f.required else "选填:可以留空",
    ]
    if f.type == "date":
        lines.append(f"格式:{_date_hint(f)}")
    elif f.type in TYPE_HINTS:
        lines.append(f"格式:{TYPE_HINTS[f.type]}")
    if f.type == "boolean":
        trues, falses = true_false(f)
        if not _declares(f):
            lines.append("格式:从下拉列表选择 true 或 false")
        else:
            lines.append(f"格式:从下拉列表选择;表示“是”填 {'、'.join(trues)},表示“否”填 {'、'.join(falses)}")
    if f.type == "array":
        lines.append('格式:JSON 列表,如 ["a", "b"](英文方括号和双引号,项之间用逗号)')
    if codelist is not None:
        owner, cl = codelist
        where = f"代码表:{cl.title or cl.name}({codelist_ref(owner, cl)}),代码与名称见“{CODES_SHEET}”工作表"
        if f.type == "array":
            lines.append(where + ";每一项都取自该代码表,本列没有下拉列表")
        else:
            lines.append(where + ";请从下拉列表选择")
    elif f.codelist:
        lines.append(f"代码表:{f.codelist}(无法解析,请联系标准维护者)")
    constraints = _constraint_notes(f)
    if constraints:
        lines.append("约束:" + ";".join(constraints))
    if f.rule in RULES:
        lines.append(f"校验规则:{RULES[f.rule].title}({f.rule})")
    if f.sensitivity:
        lines.append(f"敏感级别:{f.sensitivity}")
    if f.descriptor.get("example") not in (None, ""):
        lines.append(f"示例:{f.descriptor['example']}")
    if f.description:
        lines.append(f"说明:{f.description}")
    return "\n".join(lines)


def _comment(text: str, width: int = 360):
    from openpyxl.comments import Comment

    per_line = max((width - 12) // 7, 1)  # about 7 px per width unit at the default font
    lines = sum(max(math.ceil(display_width(line) / per_line), 1) for line in text.split("\n"))
    return Comment(text, AUTHOR, height=lines * 17 + 14, width=width)


def _column_width(f: FieldDef, codelist: CodeList | None) -> float:
    width = display_width(f.title or f.name) + 4
    width = max(width, {"date": 12, "datetime": 27, "duration": 12, "array": 24}.get(f.type, 10))
    if f.rule == "id-card" or f.rule == "uscc":
        width = max(width, 21)
    if f.constraints.get("maxLength"):
        width = max(width, min(int(f.constraints["maxLength"]), 40))
    if codelist is not None and codelist.codes:
        width = max(width, max(display_width(code) for code in codelist.codes) + 6)
    return float(min(width, 50))


def _timestamp(std: Standard) -> dt.datetime:
    """The document date stored in the workbook: the standard's date, so output is repeatable."""
    value = std.meta.get("date")
    with contextlib.suppress(TypeError, ValueError):
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        return dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time())
    return dt.datetime(2000, 1, 1)


def _codes_sheet(ws, codelists: dict[str, tuple[Standard, CodeList]]) -> dict[str, str]:
    """Write one block of columns per code list; return field name -> dropdown range."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ranges: dict[str, str] = {}
    placed: dict[str, str] = {}
    column = 1
    for name, (owner, cl) in codelists.items():
        ref = codelist_ref(owner, cl)
        if ref in placed:
            ranges[name] = placed[ref]
            continue
        codes = list(cl.codes.values())
        headers = ["代码", "名称", "说明"] + (["上级代码"] if any(c.parent for c in codes) else [])
        title = ws.cell(1, column, f"{cl.title or cl.name}({ref})")
        title.font = Font(bold=True)
        for offset, label in enumerate(headers):
            ws.cell(2, column + offset, label).font = Font(bold=True)
        for row, code in enumerate(codes, start=3):
            values = [code.code, code.name, code.description, code.parent][: len(headers)]
            for offset, value in enumerate(values):
                cell = ws.cell(row, column + offset, value or None)
                cell.number_format = "@"
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = max([display_width("代码") + 4, *(display_width(c.code) + 4 for c in codes)])
        ws.column_dimensions[get_column_letter(column + 1)].width = min(max([10, *(display_width(c.name) + 2 for c in codes)]), 40)
        ws.column_dimensions[get_column_letter(column + 2)].width = 30
        if codes:
            placed[ref] = ranges[name] = f"'{CODES_SHEET}'!${letter}$3:${letter}${2 + len(codes)}"
        column += len(headers) + 1
    if not codelists:
        ws.cell(1, 1, "本实体没有使用代码表。")
    ws.freeze_panes = "A3"
    return ranges


def _readme_sheet(ws, entity: Entity, std: Standard, codelists: dict[str, tuple[Standard, CodeList]]) -> None:
    from openpyxl.styles import Alignment, Font

    wrap = Alignment(wrap_text=True, vertical="top")
    last = TEMPLATE_ROWS + 1
    heading, label, plain = Font(bold=True, size=14), Font(bold=True), None
    forms = sorted({format_words(date_format(f)) for f in entity.fields if f.type == "date"} - {"any"})
    dates = "YYYY-MM-DD" if forms in ([], ["YYYY-MM-DD"]) else "表头批注中写明的格式(" + "、".join(forms) + ")"
    rows: list[tuple[Font | None, tuple]] = [
        (heading, (f"{std.title} · {entity.title} 数据填报模板",)),
        (plain, ()),
        (label, ("标准", f"{std.title}({std.slug})")),
        (label, ("版本", std.version)),
        (label, ("状态", std.status)),
        (label, ("实体", f"{entity.title}({entity.name})")),
        (label, ("实体说明", entity.description)),
        (plain, ()),
        (label, ("填写方法",)),
        (plain, ("1", f"在“{DATA_SHEET}”工作表第 2 行起每行填写一条记录;不要修改、删除或移动第 1 行的表头。")),
        (plain, ("2", "把鼠标移到表头单元格上,可以看到该字段的字段名、类型、是否必填、约束、代码表和说明。")),
        (plain, ("3", "橙色表头是必填字段,灰色表头是选填字段,选填字段可以留空。")),
        (plain, ("4", f"有代码表的字段请从下拉列表选择代码,代码与名称的对照见“{CODES_SHEET}”工作表;填写其他值时 Excel 会拒绝。")),
        (plain, ("5", f"所有单元格已设为文本格式:日期请按 {dates} 填写,代码的前导 0(如 01)会保留。")),
        (plain, ("6", f"下拉列表和校验覆盖第 2–{last} 行。从其他表格粘贴时请用“选择性粘贴 → 值”,以免覆盖下拉校验。")),
        (plain, ("7", "填好后保存为 .xlsx(不要改工作表名称),用下面的命令检查,把“文件.xlsx”换成你保存的文件名:")),
        (label, ("检查命令", CHECK_COMMAND.format(ref=std.ref, name=entity.name))),
        (plain, ()),
        (label, ("字段一览",)),
        (label, ("中文名", "字段名", "类型", "必填", "代码表", "说明")),
    ]
    for f in entity.fields:
        owner_cl = codelists.get(f.name)
        ref = codelist_ref(*owner_cl) if owner_cl else (str(f.codelist) if f.codelist else "")
        values = (f.title, f.name, type_name(f), "必填" if f.required else "选填", ref, f.description)
        rows.append((plain, values))
    for number, (font, values) in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(number, column, value if value != "" else None)
            cell.alignment = wrap
            if font is heading or (font is label and (column == 1 or len(values) > 2)):
                cell.font = font
    for letter, width in zip("ABCDEF", (14, 60, 14, 8, 34, 60)):
        ws.column_dimensions[letter].width = width


def _data_sheet(ws, entity: Entity, codelists: dict[str, tuple[Standard, CodeList]], ranges: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = TEMPLATE_ROWS + 1
    for column, f in enumerate(entity.fields, start=1):
        letter = get_column_letter(column)
        owner_cl = codelists.get(f.name)
        title = f.title or f.name
        cell = ws.cell(1, column, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if f.required else OPTIONAL_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.number_format = "@"
        cell.comment = _comment(_header_note(f, owner_cl))
        dimension = ws.column_dimensions[letter]
        dimension.width = _column_width(f, owner_cl[1] if owner_cl else None)
        dimension.number_format = "@"  # typed values stay text: 01 keeps its 0, dates stay ISO
        validation = None
        if f.name in ranges and f.type != "array":
            _, cl = owner_cl
            shown = "、".join(f"{c.code}={c.name}" for c in cl.codes.values())
            validation = DataValidation(
                type="list",
                formula1=ranges[f.name],
                allow_blank=not f.required,
                errorTitle=_clip(f"{title}:代码无效", 32),
                error=_clip(f"“{title}”只能填写代码表“{cl.title or cl.name}”中的代码。请从下拉列表选择,或查看“{CODES_SHEET}”工作表。", 255),
                promptTitle=_clip(title, 32),
                prompt=_clip(f"选择代码:{shown}", 255),
            )
        elif f.type == "boolean" and _bool_values(f):
            forms = _bool_values(f)
            shown = " 或 ".join(forms) if len(forms) == 2 else "、".join(forms) + " 之一"
            validation = DataValidation(
                type="list",
                formula1=f'"{",".join(forms)}"',
                allow_blank=not f.required,
                errorTitle=_clip(f"{title}:值无效", 32),
                error=_clip(f"“{title}”只能填写 {shown}。", 255),
                promptTitle=_clip(title, 32),
                prompt=_clip(f"选择 {shown}", 255),
            )
        if validation is not None:
            validation.showErrorMessage = True
            validation.showInputMessage = True
            validation.errorStyle = "stop"
            validation.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 22


def repeatable(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the XLSX zip with fixed entry times and document dates, so bytes repeat."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{iso}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def template_bytes(entity: Entity, std: Standard, repo: Repo) -> bytes:
    """The XLSX fill-in template of ``write_template``, as bytes (for the site build)."""
    from openpyxl import Workbook

    codelists = codelist_owners(entity, std, repo)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    codes = book.create_sheet(CODES_SHEET)
    readme = book.create_sheet(README_SHEET)
    ranges = _codes_sheet(codes, codelists)
    _data_sheet(data, entity, codelists, ranges)
    _readme_sheet(readme, entity, std, codelists)
    book.active = 0
    stamp = _timestamp(std)
    book.properties.creator = AUTHOR
    book.properties.title = f"{std.title} {entity.title} 数据填报模板"
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    text_cells(book)  # content text (code names, notes) never becomes a formula
    book.save(buffer)
    return repeatable(buffer.getvalue(), stamp)


def write_template(entity: Entity, std: Standard, repo: Repo, path: Path, *, force: bool = False) -> Path:
    """Write the XLSX fill-in template to ``path`` and return it.

    Raises FileExistsError when ``path`` exists and ``force`` is false (the file is left
    unchanged), FileNotFoundError when its folder does not exist.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"文件 {path} 已存在,没有覆盖。要覆盖请加 --force,或换一个文件名")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"目录 {path.parent} 不存在,请先创建,或换一个保存位置")
    write_atomic(path, template_bytes(entity, std, repo))
    return path
