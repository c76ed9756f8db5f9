"""Synthetic data for benchmarks and load tests: N valid rows of an entity, N catalog records.

Rows are built from the entity's valid example: every column takes values that the example
shows to be valid, and unique columns get a running number in their pattern's shape, so the
output passes ``educat check``. Everything generated is synthetic (示例) and deterministic.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import yaml

from educat.standards.downloads import example_rows
from educat.core.model import Entity, Repo, Standard

_DIGITS = re.compile(r"^\^?\[0-9\]\{(\d+)\}\$?$")


def _unique_value(pattern: str | None, index: int, sample: str) -> str:
    match = _DIGITS.match(pattern or "")
    if match:
        width = int(match.group(1))
        return str(10 ** (width - 1) + index)[-width:].rjust(width, "1")
    return f"{sample}-{index}" if sample else str(index)


def generate_rows(std: Standard, entity: Entity, rows: int, path: Path, *, fields: list[str] | None = None, seed: int = 2026) -> Path:
    """Write ``rows`` valid rows of ``entity`` to a UTF-8 CSV with field-name headers."""
    examples = example_rows(std, entity)
    if not examples:
        raise ValueError(f"实体 {entity.name} 没有合规样例,无法据此生成数据")
    chosen = [f for f in entity.fields if fields is None or f.name in fields]
    unknown = set(fields or []) - {f.name for f in chosen}
    if unknown:
        raise ValueError(f"实体 {entity.name} 没有字段:{'、'.join(sorted(unknown))}")
    key = entity.descriptor.get("primaryKey")
    keys = {key} if isinstance(key, str) else set(key or [])
    pools = {f.name: [r.get(f.name, "") for r in examples if r.get(f.name, "") != ""] or [""] for f in chosen}
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.name for f in chosen])
        for index in range(rows):
            row = []
            for f in chosen:
                if f.constraints.get("unique") or f.name in keys:
                    row.append(_unique_value(f.constraints.get("pattern"), index, pools[f.name][0]))
                else:
                    row.append(rng.choice(pools[f.name]))
            writer.writerow(row)
    return path


def generate_resources(repo: Repo, count: int, folder: Path, *, per_file: int = 2000, seed: int = 2026) -> list[Path]:
    """Write ``count`` synthetic catalog records (copies of real ones with new ids and titles)."""
    if not repo.records:
        raise ValueError("目录中没有资源记录,无法据此生成数据")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, count, per_file):
        batch = []
        for index in range(start, min(count, start + per_file)):
            source = rng.choice(repo.records).data
            record = {k: (list(v) if isinstance(v, list) else v) for k, v in source.items()}
            record["id"] = f"synthetic-{index:07d}"
            record["title"] = f"{source.get('title', '')}(合成 {index})"
            record["example"] = True
            batch.append(record)
        path = folder / f"synthetic-{start // per_file:04d}.yaml"
        path.write_text(yaml.safe_dump(batch, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
        written.append(path)
    return written
