"""Column profiles of a dataset resource, computed with pandas.

For every column: rows, missing count and %, distinct values; for numbers min/max/mean; for
coded columns the most frequent codes with their names. The resource is read as text (so
"01" stays "01" and nothing but the empty string counts as missing), then numeric columns are
converted by their Table Schema type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from educat.core.model import CodeList, FieldDef

NUMERIC_TYPES = ("integer", "number", "year")
TOP_VALUES = 5


@dataclass
class ColumnProfile:
    name: str
    title: str
    type: str
    rows: int
    missing: int
    distinct: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    top: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, count)

    @property
    def missing_pct(self) -> float:
        return 100.0 * self.missing / self.rows if self.rows else 0.0


def read_frame(path: Path) -> pd.DataFrame:
    """The CSV as text columns; only empty cells are missing."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def numeric(frame: pd.DataFrame, f: FieldDef) -> pd.Series:
    return pd.to_numeric(frame[f.name], errors="coerce")


def is_numeric(f: FieldDef) -> bool:
    return f.type in NUMERIC_TYPES and not f.codelist


def profile_frame(frame: pd.DataFrame, fields: list[FieldDef], codelists: dict[str, CodeList]) -> list[ColumnProfile]:
    result = []
    rows = len(frame)
    for f in fields:
        if f.name not in frame.columns:
            continue
        column = frame[f.name]
        present = column.dropna()
        profile = ColumnProfile(f.name, f.title, f.type, rows, int(column.isna().sum()), int(present.nunique()))
        if is_numeric(f):
            values = numeric(frame, f).dropna()
            if len(values):
                profile.minimum, profile.maximum, profile.mean = float(values.min()), float(values.max()), float(values.mean())
        if f.name in codelists:
            codelist = codelists[f.name]
            counts = present.value_counts()
            profile.top = [(str(code), codelist.label(code), int(n)) for code, n in counts.head(TOP_VALUES).items()]
        result.append(profile)
    return result


def profile_resource(path: Path, fields: list[FieldDef], codelists: dict[str, CodeList]) -> tuple[pd.DataFrame, list[ColumnProfile]]:
    frame = read_frame(path)
    return frame, profile_frame(frame, fields, codelists)
