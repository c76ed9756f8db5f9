"""Checks of the catalog: resource records against the resource-metadata standard and the 精品 rubric, and the collections (专题)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from educat.catalog.records import RUBRIC_FILE, catalog_entity, check_records, load_rubric, read_rubric
from educat.catalog.linkstatus import STATUS_FILE, read_status
from educat.core import metaschemas
from educat.core.paths import Refused, present, resolve
from educat.core.findings import Finding


class CatalogChecks:
    """Mixed into ``educat.validate.Validator`` on ``core.validator.ValidatorBase`` (``add``, ``check_meta``,
    ``cell_problems``, ``repo``, ``today``); runs after the standards so ``bad_entities`` is known."""

    # -- collections -----------------------------------------------------------------------
    def collections(self) -> None:
        ids = {r.id for r in self.repo.records}
        for collection in self.repo.collections.values():
            meta = collection.meta
            if not self.check_meta(meta, metaschemas.COLLECTION, collection.path):
                continue
            items = meta["items"]
            for item, line in zip(items, items.item_lines):
                if str(item) not in ids:
                    self.add("dangling-reference", f"专题 {collection.slug} 列出的资源 “{item}” 不在课程资源目录中", collection.path, line, note="检查 id 拼写,或先把该资源加入 catalog/resources/")

    # -- catalog ---------------------------------------------------------------------------
    def link_status(self) -> None:
        """catalog/linkcheck.json is content too: the build shows it on public pages."""
        path = self.root / STATUS_FILE
        if not present(path):
            return
        found = resolve(self.root, STATUS_FILE.as_posix(), what="链接检查结果文件")
        if isinstance(found, Refused):
            self.add(found.type, found.message, path, note="删除它后重新运行 educat linkcheck")
            return
        try:
            read_status(path)
        except ValueError as exc:
            self.add("schema-error", str(exc).split(":", 1)[-1], path, note="删除该文件后重新运行 educat linkcheck;不要手工编辑它")

    def catalog(self) -> None:
        self.link_status()
        data, rubric_problems = read_rubric(self.root)
        for message, line in rubric_problems:
            self.add("schema-error", message, self.root / RUBRIC_FILE, line, note="见 docs/content-model.md 的精品标准一节")
        if data is not None:
            self.check_meta(data, metaschemas.RUBRIC, self.root / RUBRIC_FILE)
        rubric, _ = load_rubric(self.root)
        records = self.repo.records
        if not records:
            return
        std, entity = catalog_entity(self.repo)
        if entity is not None and id(entity) in self.bad_entities:
            return
        by_file: dict[Path, list] = {}
        for record in records:
            by_file.setdefault(record.path, []).append(record)
        first_id: dict[str, str] = {}
        for path, batch in by_file.items():
            for record in batch:
                rid = record.id
                if rid in first_id:
                    self.add("unique-error", f"资源 id “{rid}” 重复(已在 {first_id[rid]} 使用)", path, record.line_of("id"), field="id", note="每条记录的 id 在整个目录中必须唯一")
                else:
                    first_id[rid] = f"{path.name}:{record.line}"

            def line_of(p: Finding, batch=batch):
                index = (p.row or 2) - 2
                return batch[index].line_of(p.field) if 0 <= index < len(batch) else None

            self.cell_problems(self.record_problems(batch, rubric, entity is not None), path, line_of)

    def record_problems(self, batch: list, rubric, cacheable: bool) -> list[Finding]:
        """``check_records`` of a file's records (row = index + 2). With a ``record_cache`` (the
        preview keeps one), a record checked before with the same content is not checked again:
        each record's findings depend on that record alone (only the id must be unique across
        records, and that is checked above, over the whole catalog)."""
        cache = self.record_cache
        if cache is None or not cacheable:
            return check_records(self.repo, [r.data for r in batch], rubric, self.today)
        if cache.today != self.today:
            cache.clear(self.today)
        keys = [cache.key(r.data) for r in batch]
        fresh = [i for i, key in enumerate(keys) if key not in cache.known]
        if fresh:
            found: dict[int, list[Finding]] = {}
            for problem in check_records(self.repo, [batch[i].data for i in fresh], rubric, self.today):
                found.setdefault(problem.row, []).append(problem)
            for number, i in enumerate(fresh):
                cache.known[keys[i]] = found.get(number + 2, [])
        return [replace(p, row=i + 2) for i, key in enumerate(keys) for p in cache.known[key]]


class RecordCache:
    """Findings of each record, by its content, for one set of standards and rubric: whoever keeps
    it (the preview) clears it when anything but the records changes."""

    def __init__(self):
        self.clear()

    def clear(self, today=None) -> None:
        self.today = today
        self.known: dict[str, list[Finding]] = {}
        self._keys: dict[int, tuple[object, str]] = {}  # id(data) -> (data, key); data kept alive so its id is not reused

    def key(self, data) -> str:
        """A record's content as text; for the same object as last time, without writing it out
        again (the preview's parser hands back the same object for an unchanged record)."""
        known = self._keys.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        key = repr(data)
        self._keys[id(data)] = (data, key)
        return key
