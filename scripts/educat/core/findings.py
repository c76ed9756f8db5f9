"""Results as data: one finding type for every command, one result shape, one text renderer.

Every command that judges something (``validate``, ``check``, ``check-api``, ``diff``,
``import``, ``linkcheck``) returns a :class:`Result`. Its ``to_dict()`` is the one JSON shape
of ``--format json``; its ``render()`` is the one text form; the exit code is
``int(not result.valid)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import ClassVar

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
# The keys of a finding in --format json, always present (null when they do not apply).
FINDING_KEYS = ("type", "severity", "message", "note", "path", "line", "row", "cell", "field", "title", "pointer", "value", "related")


def cell_address(column: int, row: int) -> str:
    """The spreadsheet address of a cell, ``C4``: ``column`` counts from 1 (A), ``row`` is the
    row the spreadsheet shows (header = 1)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


def column_letters(cell: str) -> str:
    """``C4`` → ``C``."""
    return cell.rstrip("0123456789")


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One thing wrong, or worth saying, about a file.

    ``type`` is kebab-case (Frictionless error types where they fit: ``type-error``,
    ``constraint-error``, ``missing-label`` …). ``path`` is the file: relative to the
    repository root with forward slashes for content, the file's name for a file a user
    checks. ``line`` is a 1-based line of that file, ``row`` a spreadsheet row (header = 1),
    ``cell`` the spreadsheet address of the cell (``C4``: the column's letter in the file's
    header, the row as above) for a table a user checks, ``field`` a field name and ``title`` its 中文名, ``pointer`` a JSON Pointer (RFC 6901, ''
    is the whole document), ``value`` the offending value. ``note`` says what to do.
    ``related`` names another record or file involved (the existing record a row repeats).
    """

    type: str
    message: str
    note: str = ""
    path: str = ""
    line: int | None = None
    row: int | None = None
    cell: str = ""
    field: str = ""
    title: str = ""
    pointer: str | None = None
    value: object = None
    severity: str = "error"
    related: str = ""

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def key(self) -> tuple:
        """(row, field, type): how reports are compared in tests and example expectations."""
        return (self.row, self.field, self.type)

    @property
    def location(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.pointer is not None:
            where += f"#{self.pointer or '/'}"
        parts = []
        if self.row is not None:
            parts.append(f"第 {self.row} 行" + (f" {column_letters(self.cell)} 列" if self.cell else ""))
        if self.field:
            named = self.title and self.title != self.field
            parts.append(f"字段 {self.field}" + (f"({self.title})" if named else ""))
        if parts:
            where += (" " if where else "") + "(" + ", ".join(parts) + ")"
        return where

    def render(self) -> str:
        """``路径:行号 (第 N 行, 字段 X): 错误 [类型] 说明`` and the fix on the next line."""
        where = self.location
        text = f"{where + ': ' if where else ''}{SEVERITY_LABELS[self.severity]} [{self.type}] {self.message}"
        if self.note:
            text += f"\n    → {self.note}"
        return text

    def to_dict(self) -> dict:
        data = asdict(self)
        return {key: (None if data[key] == "" else data[key]) for key in FINDING_KEYS}

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.row or 0, self.pointer or "", self.field, self.type)


@dataclass
class Result:
    """What a command found. Subclasses add the context (what was checked) and the lines
    printed before and after the findings; ``to_dict`` and ``render`` are written once here.

    ``stats`` always has ``errors``, ``warnings``, ``types`` (by type, over all findings) and
    ``truncated``, plus the command's own ``tallies`` (rows, standards, links …). ``totals``
    counts the findings by type when ``findings`` lists only some of them (the DuckDB engine
    stops listing at ``--limit`` but counts every row).
    """

    findings: list[Finding] = field(default_factory=list)
    tallies: dict = field(default_factory=dict)  # counts a command adds to ``stats``
    totals: Counter | None = None

    command: ClassVar[str] = ""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def error_count(self) -> int:
        return sum(self.totals.values()) if self.totals is not None else len(self.errors)

    @property
    def counts(self) -> Counter:
        """Findings by type, over all of them (not only the listed ones)."""
        if self.totals is not None:
            return Counter(self.totals)
        return Counter(f.type for f in self.findings if f.severity != "info")

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings) -> None:
        self.findings.extend(findings)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key)

    def listed(self) -> list[Finding]:
        """The findings in the order they are shown."""
        return list(self.findings)

    # -- what subclasses say ----------------------------------------------------------------
    def context(self) -> dict:
        """What was checked: the file, standard, entity, operation … (command-specific)."""
        return {}

    def headline(self) -> list[str]:
        return []

    def summary(self) -> list[str]:
        if self.valid:
            return ["通过:没有发现错误。"]
        return [f"不通过:共 {self.error_count} 个错误。"]

    # -- the one JSON shape and the one text form --------------------------------------------
    def extra_stats(self) -> dict:
        """Counts of the command's own (subclasses add rows, links …)."""
        return dict(self.tallies)

    @property
    def stats(self) -> dict:
        counts = self.counts
        shown = sum(1 for f in self.listed() if f.severity != "info")
        return {
            **self.extra_stats(),
            "errors": self.error_count,
            "warnings": len(self.warnings),
            "types": dict(sorted(counts.items())),
            "truncated": shown < sum(counts.values()),
        }

    def to_dict(self) -> dict:
        return {
            "command": self.command,
            "valid": self.valid,
            "stats": self.stats,
            "context": self.context(),
            "findings": [f.to_dict() for f in self.listed()],
        }

    def render(self) -> str:
        lines = list(self.headline())
        lines.extend(f.render() for f in self.listed())
        lines.extend(self.summary())
        return "\n".join(lines)


@dataclass
class ValidationReport(Result):
    """What ``educat validate`` found in the whole content repository."""

    command: ClassVar[str] = "validate"

    def only(self, paths: list[str]) -> "ValidationReport":
        """The report restricted to findings inside the given repository-relative paths."""
        prefixes = [p.rstrip("/") for p in paths]

        def inside(path: str) -> bool:
            return any(path == pre or path.startswith(pre + "/") or pre in ("", ".") for pre in prefixes)

        return ValidationReport([f for f in self.findings if inside(f.path)], dict(self.tallies))

    def listed(self) -> list[Finding]:
        return self.sorted()

    def summary(self) -> list[str]:
        s = self.tallies
        what = (
            f"{s.get('standards', 0)} 个标准({s.get('versions', 0)} 个版本,{s.get('entities', 0)} 个实体,"
            f"{s.get('codelists', 0)} 个代码表),{s.get('datasets', 0)} 个数据集,{s.get('resources', 0)} 条课程资源"
        )
        warnings = len(self.warnings)
        if self.valid:
            return [f"校验通过:{what}。" + (f" {warnings} 个警告。" if warnings else "")]
        return [f"校验失败:{self.error_count} 个错误,{warnings} 个警告({what})。"]
