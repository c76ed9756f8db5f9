""""检查我的文件": the check that runs in the reader's browser, on each standard version page.

The engine is two WebAssembly builds taken from the npm registry by ``make site`` (into
``.cache/npm``), published under ``assets/check/`` and loaded only when a reader chooses a file:

- DuckDB-WASM (``@duckdb/duckdb-wasm``, the ``eh`` build and its worker) runs the SQL;
- Pyodide (``pyodide``, CPython compiled to WebAssembly) runs educat's own check code, the same
  modules as ``educat check`` (``tables/browser_check``): reader, header matching, the SQL
  planner and the Chinese messages. They are published as one zip with the pure-Python
  packages the XLSX reader needs (openpyxl, et_xmlfile, defusedxml), copied from this
  installation.

The build also writes each entity's check bundle beside its downloads (``browser_check.bundle``).
When the npm files are missing (educat installed without ``make``), the pages say how to
check from the command line and the build warns; nothing is fetched from anywhere.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import zipfile
from pathlib import Path

from markupsafe import Markup

from educat.site.common import Asset
from educat.site.html import rel_url

ENGINE = "assets/check/"
DUCKDB = "@duckdb/duckdb-wasm/dist/"
DUCKDB_FILES = ("duckdb-browser.mjs", "duckdb-browser-eh.worker.js", "duckdb-eh.wasm")
ARROW = "apache-arrow/Arrow.es2015.min.js"
PYODIDE = "pyodide/"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# educat's modules a check needs (no Frictionless, no MkDocs), and the pure-Python packages
# that read an XLSX
PY_MODULES = ("educat/__init__.py", "educat/core/__init__.py", "educat/core/cells.py", "educat/core/findings.py", "educat/core/model.py", "educat/core/jsonio.py", "educat/core/paths.py", "educat/tables/")
PY_PACKAGES = ("openpyxl", "et_xmlfile", "defusedxml")
SCRIPT = Path(__file__).parent / "static" / "check-panel.js"


def npm_root(root: Path) -> Path | None:
    """Where ``make site`` put the npm packages (``EDUCAT_NPM`` overrides), when they are there."""
    for folder in (os.environ.get("EDUCAT_NPM"), root / ".cache" / "npm" / "node_modules", Path.cwd() / ".cache" / "npm" / "node_modules"):
        if folder and all((Path(folder) / DUCKDB / name).is_file() for name in DUCKDB_FILES) and (Path(folder) / PYODIDE / "pyodide.mjs").is_file():
            return Path(folder)
    return None


def engine_assets(npm: Path):
    """The engine's files as the site serves them, under ``assets/check/``."""
    for name in DUCKDB_FILES:
        if name == "duckdb-browser.mjs":
            yield Asset(ENGINE + "duckdb/" + name, content=_without_bare_import((npm / DUCKDB / name).read_text(encoding="utf-8")))
        else:
            yield Asset(ENGINE + "duckdb/" + name, path=npm / DUCKDB / name)
    arrow = (npm / ARROW).read_text(encoding="utf-8")
    yield Asset(ENGINE + "duckdb/arrow.js", content=arrow)
    yield Asset(ENGINE + "duckdb/arrow-shim.mjs", content=_arrow_shim((npm / DUCKDB / "duckdb-browser.mjs").read_text(encoding="utf-8")))
    for name in PYODIDE_FILES:
        yield Asset(ENGINE + "pyodide/" + name, path=npm / PYODIDE / name)
    yield Asset(ENGINE + "educat-py.zip", content=python_zip())
    yield Asset(ENGINE + "check-panel.js", path=SCRIPT)


def _without_bare_import(module: str) -> str:
    """DuckDB-WASM's browser module imports ``apache-arrow`` by bare name, which a browser cannot
    resolve without a bundler: it is pointed at the shim beside it."""
    done, count = re.subn(r'from\s*"apache-arrow"', 'from"./arrow-shim.mjs"', module)
    if not count:
        raise ValueError("duckdb-browser.mjs 不再从 apache-arrow 导入:请检查 @duckdb/duckdb-wasm 的版本")
    return done


def _arrow_shim(module: str) -> str:
    """An ES module exporting, from the Arrow build loaded as a classic script (``arrow.js``),
    every name DuckDB-WASM's module reads from its ``apache-arrow`` import."""
    spaces = re.findall(r'import\s*\*\s*as\s*([\w$]+)\s*from\s*"apache-arrow"', module)
    names = sorted({n for space in spaces for n in re.findall(rf"(?<![\w$.]){re.escape(space)}\.([A-Za-z_][\w$]*)", module)})
    lines = ["// 由 educat 生成:把以经典脚本加载的 Apache Arrow(globalThis.Arrow)导出为 ES 模块", "const A = globalThis.Arrow;"]
    lines += [f"export const {n} = A.{n};" for n in names]
    return "\n".join(lines) + "\n"


def python_zip() -> bytes:
    """educat's check modules and the XLSX reader's packages, as one zip for Pyodide."""
    base = Path(__file__).resolve().parents[2]  # the folder holding the educat package
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in PY_MODULES:
            paths = sorted((base / item).glob("*.py")) if item.endswith("/") else [base / item]
            for path in paths:
                archive.writestr(_entry(path.relative_to(base).as_posix()), path.read_bytes())
        for package in PY_PACKAGES:
            spec = importlib.util.find_spec(package)
            folder = Path(spec.origin).parent
            for path in sorted(folder.rglob("*.py")):
                archive.writestr(_entry(path.relative_to(folder.parent).as_posix()), path.read_bytes())
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # the same bytes on every build
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def bundle_asset(uri: str, data: dict) -> Asset:
    return Asset(uri, content=json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def panel(here: str, entity_name: str, entity_title: str, bundle_uri: str) -> Markup:
    """The panel of one entity; the script is added once per page (``script``)."""
    ident = f"educat-check-{entity_name}"
    return Markup(
        '<div class="educat-check" data-entity="{name}" data-bundle="{bundle}" data-engine="{engine}">'
        '<p class="educat-check-title"><strong>检查我的文件:{title}({name})</strong></p>'
        '<p>在你的浏览器中按本标准检查 CSV(UTF-8、带 BOM 的 UTF-8、GB18030/GBK)、XLSX、JSON 或 NDJSON 文件。'
        "<strong>文件不会上传</strong>:检查在本机进行,第一次使用时下载约 50 MB 的检查引擎。</p>"
        '<p><label for="{ident}">选择文件,或把文件拖到这里:</label> '
        '<input id="{ident}" type="file" accept=".csv,.xlsx,.json,.ndjson,.jsonl,text/csv,application/json"></p>'
        '<p class="educat-check-status" role="status" aria-live="polite"></p>'
        '<progress class="educat-check-progress" max="100" value="0" hidden>0%</progress>'
        '<div class="educat-check-result"></div></div>'
    ).format(bundle=rel_url(here, bundle_uri), engine=rel_url(here, ENGINE), title=entity_title, name=entity_name, ident=ident)


def script(here: str) -> Markup:
    return Markup('<script defer src="{}"></script>').format(rel_url(here, ENGINE + "check-panel.js"))
