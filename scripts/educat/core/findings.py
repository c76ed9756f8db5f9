"""Validation results as data: problems and the report that collects them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the content.

    ``type`` is kebab-case (Frictionless error types are reused where they fit), ``path`` is
    relative to the repository root with forward slashes, ``line`` is a 1-based file line,
    ``row`` a spreadsheet row (header = 1), ``field`` a field name. ``note`` says what to do.
    """

    type: str
    message: str
    path: str
    line: int | None = None
    row: int | None = None
    field: str | None = None
    note: str = ""
    severity: str = "error"

    @property
    def location(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        parts = []
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.field:
            parts.append(f"字段 {self.field}")
        if parts:
            where += " (" + ", ".join(parts) + ")"
        return where

    def render(self) -> str:
        label = "错误" if self.severity == "error" else "警告"
        text = f"{self.location}: {label} [{self.type}] {self.message}"
        if self.note:
            text += f"\n    → {self.note}"
        return text

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    def only(self, paths: list[str]) -> "Report":
        """The report restricted to problems inside the given repository-relative paths."""
        prefixes = [p.rstrip("/") for p in paths]

        def inside(path: str) -> bool:
            return any(path == pre or path.startswith(pre + "/") or pre in ("", ".") for pre in prefixes)

        return Report([p for p in self.problems if inside(p.path)], dict(self.stats))

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.path, p.line or 0, p.row or 0, p.field or "", p.type))

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "stats": {**self.stats, "errors": len(self.errors), "warnings": len(self.warnings)},
            "errors": [p.to_dict() for p in self.sorted() if p.severity == "error"],
            "warnings": [p.to_dict() for p in self.sorted() if p.severity != "error"],
        }
