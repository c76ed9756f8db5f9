"""The standard package: one JSON file per standard version, with which ``educat check`` works
outside the content repository (``pip install educat``, then ``--standard`` a package file or the
version's address on the published site).

The package holds the standard's own source files (``standard.yaml``, the entities, the code
lists, the OpenAPI document; not the examples) as text, and those of every standard version its
fields' code lists refer to. ``educat check`` writes them into a temporary folder laid out as a
content repository and loads it with the same loader as inside the repository, so a check against
the package gives the findings the same check gives in the repository. ``rules`` carries each
entity's rules as the SQL ``educat check --print-sql`` prints (DuckDB's spelling; ``educat check
--standard 包.json --print-sql --dialect spark|trino|postgres`` prints the others from the
package); the CLI compiles its own from the definitions.

Layout::

    {"format": "educat-standard-package/1", "standard": "edu-basic-data@1.1.0", "title": …,
     "entities": [...], "rules": {entity: sql},
     "standards": {"edu-basic-data@1.1.0": {"files": {"standard.yaml": "…", "entities/student.yaml": "…"}}, …}}
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

from educat.core import urls
from educat.core.loader import load_repo
from educat.core.model import Repo, Standard, is_public_name
from educat.core.paths import is_inside

FORMAT = "educat-standard-package/1"
SKIPPED = ("examples/",)  # the examples are for the site; a check does not need them
TIMEOUT = 30  # seconds for downloading a package


class PackageError(Exception):
    """The package cannot be read; the message says why and what to do, in Chinese."""


def package_name(slug: str, version: str) -> str:
    return urls.standard_package(slug, version).rsplit("/", 1)[-1]


def dependencies(repo: Repo, std: Standard) -> list[Standard]:
    """``std``, the standards it extends, and every standard version its fields' code lists refer
    to, transitively."""
    found: dict[str, Standard] = {std.ref: std}
    todo = [std]
    while todo:
        current = todo.pop()
        if current.parent is not None and current.parent.ref not in found:  # an extension needs its parent
            found[current.parent.ref] = current.parent
            todo.append(current.parent)
        for entity in current.entities.values():
            for field in entity.fields:
                ref = str(field.codelist or "")
                if "/" not in ref:
                    continue
                try:
                    owner, _ = repo.resolve(ref, "codelist", current)
                except LookupError:
                    continue  # validate reports it; the package simply leaves it out
                if owner.ref not in found:
                    found[owner.ref] = owner
                    todo.append(owner)
    return list(found.values())


def _sources(std: Standard) -> dict[str, str]:
    files = {}
    for path in sorted(p for p in std.path.rglob("*") if p.is_file() and is_inside(p, std.path)):  # a link leading outside is never published
        rel = path.relative_to(std.path).as_posix()
        if rel.startswith(SKIPPED):
            continue
        try:
            files[rel] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # validate reports unreadable sources
    return files


def build_package(repo: Repo, std: Standard) -> str:
    from educat.tables.dialects import dialect
    from educat.tables.portable import rules_sql

    rules = {}
    for name, entity in std.entities.items():
        key = entity.descriptor.get("primaryKey")
        try:
            rules[name] = rules_sql(entity.fields, repo.field_codelists(entity.fields, std), dialect("duckdb"), [key] if isinstance(key, str) else key, entity.descriptor.get("missingValues"))
        except (ValueError, KeyError):
            rules[name] = None  # a rule SQL cannot state; educat check itself still checks it
    data = {
        "format": FORMAT,
        "standard": std.ref,
        "title": std.title,
        "url": urls.standard_version(std.slug, std.version),
        "entities": [{"name": e.name, "title": e.title} for e in std.entities.values()],
        "rules": rules,
        "standards": {s.ref: {"files": _sources(s)} for s in dependencies(repo, std)},
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def is_package(spec: str) -> bool:
    """True when ``--standard`` names a package: a web address or a .json file."""
    return spec.startswith(("http://", "https://")) or spec.lower().endswith(".json")


def package_url(address: str) -> str:
    """The package's address for a version's page address (…/standards/<标识>/<版本>/) or the
    package's own address."""
    parts = urllib.parse.urlsplit(address)
    path = parts.path
    if not path.lower().endswith(".json"):
        segments = [s for s in path.split("/") if s]
        if len(segments) < 2:
            raise PackageError(f"{address} 不是标准版本页的地址:应形如 https://网站/standards/标识/版本/,或直接给出标准包 .json 的地址")
        path = path.rstrip("/") + "/" + package_name(segments[-2], segments[-1])
    return urllib.parse.urlunsplit(parts._replace(path=path))


def _read(spec: str) -> str:
    if spec.startswith(("http://", "https://")):
        url = package_url(spec)
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) only
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            raise PackageError(f"无法下载标准包 {url}:HTTP {exc.code}。请在浏览器中打开标准版本页,确认地址和版本号") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PackageError(f"无法下载标准包 {url}:{reason}。没有网络时,可先在标准版本页下载标准包,再用 --standard 文件名.json") from None
        except UnicodeDecodeError:
            raise PackageError(f"{url} 不是标准包(不是 UTF-8 文本)") from None
    path = Path(spec)
    if not path.is_file():
        raise PackageError(f"标准包 {spec} 不存在:请检查文件名,或在标准版本页下载标准包")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PackageError(f"{spec} 不是标准包(不是 UTF-8 文本)") from None


SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def load_package(spec: str) -> tuple[Repo, str, Path]:
    """(repository of the package's standards, the standard's ``slug@version``, the temporary
    folder holding them: remove it when done)."""
    try:
        data = json.loads(_read(spec))
    except json.JSONDecodeError as exc:
        raise PackageError(f"{spec} 不是标准包:第 {exc.lineno} 行 JSON 格式错误。请重新下载") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PackageError(f"{spec} 不是 educat 标准包(缺少 \"format\": \"{FORMAT}\");请从标准版本页下载标准包")
    standards = data.get("standards")
    if not isinstance(standards, dict) or data.get("standard") not in standards:
        raise PackageError(f"{spec} 不完整:没有标准 {data.get('standard')} 的文件。请重新下载")
    folder = Path(tempfile.mkdtemp(prefix="educat-package-"))
    try:
        for ref, entry in standards.items():
            slug, _, version = str(ref).partition("@")
            files = entry.get("files") if isinstance(entry, dict) else None
            if not (is_public_name(slug) and SAFE_PART.match(version) and isinstance(files, dict)):
                raise PackageError(f"{spec} 中的标准 “{ref}” 名称或内容不合规:请重新下载标准包")
            base = folder / "standards" / slug / version
            for rel, text in files.items():
                parts = PurePosixPath(str(rel)).parts
                if not parts or not all(SAFE_PART.match(p) for p in parts) or not isinstance(text, str):
                    raise PackageError(f"{spec} 中的文件名 “{rel}” 不合规:请重新下载标准包")
                target = base.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        repo, _ = load_repo(folder, standards_only=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return repo, str(data["standard"]), folder
