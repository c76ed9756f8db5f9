"""Validate a loaded repository: metadata, data, cross-references and examples.

The checks live with the content they check: ``standards/validate.py``,
``datasets/validate.py`` and ``catalog/validate.py``, on the shared ``core/validator.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from educat.catalog.validate import CatalogChecks, RecordCache
from educat.core.findings import ValidationReport
from educat.core.loader import load_repo
from educat.core.model import Repo
from educat.core.yamlio import ItemCache
from educat.core.validator import ValidatorBase
from educat.datasets.validate import DatasetChecks
from educat.standards.validate import StandardChecks


class Validator(StandardChecks, DatasetChecks, CatalogChecks, ValidatorBase):
    """Every check of the repository, in the order findings are reported."""

    def run(self) -> ValidationReport:
        for std in self.repo.all_standards():
            self.standard(std)
        for ds in self.repo.datasets.values():
            self.dataset(ds)
        self.catalog()
        self.collections()
        self.docs_pages()
        self.site_config()
        records = self.repo.records
        self.report.tallies.update(
            standards=len(self.repo.standards),
            versions=len(self.repo.all_standards()),
            entities=sum(len(s.entities) for s in self.repo.all_standards()),
            codelists=sum(len(s.codelists) for s in self.repo.all_standards()),
            datasets=len(self.repo.datasets),
            resources=len(records),
            featured=sum(1 for r in records if r.data.get("featured") is True),
        )
        return self.report


def validate_repo(root: Path, today: dt.date | None = None, items: ItemCache | None = None, record_cache: RecordCache | None = None) -> tuple[Repo, ValidationReport]:
    """Load and validate a content repository. ``today`` dates the 精品 review-age rule. The
    preview passes caches that it keeps between builds (``items``: record files' parsed items,
    ``record_cache``: each record's findings); the result is the same without them."""
    repo, load_problems = load_repo(Path(root), items=items)
    report = Validator(repo, today, record_cache).run()
    report.findings[:0] = load_problems
    return repo, report
