"""The ``educat`` command line. It parses options, calls the library and reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from educat import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Group(click.Group):
    """Turns unexpected exceptions into a one-line message unless --debug is given."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary of the program
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(f"内部错误:{type(exc).__name__}: {exc}(加 --debug 查看详细信息)") from None


def _content_root(ctx, param, value: Path) -> Path:
    if not any((value / name).is_dir() for name in ("standards", "datasets", "catalog")):
        raise click.BadParameter(f"{value} 不是内容仓库:其中没有 standards/、datasets/ 或 catalog/ 目录", ctx=ctx, param=param)
    return value


def root_option(func):
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        callback=_content_root,
        default=".",
        show_default=True,
        help="内容仓库根目录(含 mkdocs.yml、standards/、datasets/、catalog/)。",
    )(func)


def format_option(func):
    return click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式;json 供程序读取。"
    )(func)


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="educat")
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈。")
@click.pass_context
def cli(ctx, debug):
    """educat:校验并发布教育数据标准、数据集字典和课程资源目录。

    \b
    Example:
        educat validate
        educat build --out site
        educat serve
    """
    ctx.ensure_object(dict)["debug"] = debug


def _print_report(report, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for problem in report.sorted():
        click.echo(problem.render(), err=problem.severity == "error")
    s = report.stats
    summary = (
        f"{s.get('standards', 0)} 个标准({s.get('versions', 0)} 个版本,{s.get('entities', 0)} 个实体,"
        f"{s.get('codelists', 0)} 个代码表),{s.get('datasets', 0)} 个数据集,{s.get('resources', 0)} 条课程资源"
    )
    if report.valid:
        click.echo(f"校验通过:{summary}。" + (f" {len(report.warnings)} 个警告。" if report.warnings else ""))
    else:
        click.echo(f"校验失败:{len(report.errors)} 个错误,{len(report.warnings)} 个警告({summary})。", err=True)


def _finish(result, fmt: str) -> None:
    """Print a result (``to_dict``/``render``/``valid``) as JSON or text and exit 1 when invalid."""
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.render())
    sys.exit(int(not result.valid))


def _rel_paths(root: Path, paths) -> list[str]:
    result = []
    for p in paths:
        path = Path(p)
        full = path if path.is_absolute() else (Path.cwd() / path)
        try:
            result.append(full.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            raise click.BadParameter(f"{p} 不在内容仓库 {root} 之内", param_hint="PATHS") from None
    return result


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@root_option
@format_option
def validate(paths, root, fmt):
    """校验全部内容:标准、代码表、样例、数据集数据、课程资源记录和交叉引用。

    给出 PATHS 时只报告这些文件或目录中的问题(交叉引用仍按整个仓库检查)。
    有错误时退出码为 1,每个问题写成 路径:行号 加说明和修改建议。

    \b
    Example:
        educat validate
        educat validate datasets/school-directory --format json
    """
    from educat.validate import validate_repo

    selected = _rel_paths(root, paths)
    _, report = validate_repo(root)
    if selected:
        report = report.only(selected)
    _print_report(report, fmt)
    sys.exit(int(not report.valid))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--standard", "standard", required=True, help="标准标识,可带版本:edu-basic-data 或 edu-basic-data@1.0.0(默认最新版本)。")
@click.option("--entity", "entity", required=True, help="实体名,如 student。")
@click.option("--encoding", default=None, help="CSV 编码(默认自动识别 UTF-8、带 BOM 的 UTF-8、GB18030/GBK)。")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="最多列出多少个错误;统计总是覆盖整个文件。0 表示不限。")
@click.option("--engine", type=click.Choice(["auto", "duckdb", "frictionless"]), default="auto", show_default=True, help="CSV 默认用 DuckDB 引擎(快,内存有界);无法按 CSV 读取的行结构自动改用 Frictionless。")
@click.option("--print-sql", is_flag=True, help="不检查,只打印这些规则的 SQL(表 src,列名为字段名),用于在分布式 SQL 引擎上运行。")
@root_option
@format_option
def check(file, standard, entity, encoding, limit, engine, print_sql, root, fmt):
    """检查一个数据文件是否符合某个标准实体(学校、厂商自查用)。

    支持 CSV(UTF-8、带 BOM 的 UTF-8、GB18030/GBK,自动识别)、XLSX、JSON、NDJSON;
    表头可以是字段名或中文名。每个错误给出行号(与 Excel/编辑器中看到的一致)、字段、值、
    违反的规则和修改方法。有错误时退出码为 1。

    \b
    Example:
        educat check 学生.xlsx --standard edu-basic-data --entity student
        educat check students.csv --standard edu-basic-data@1.0.0 --entity student --format json
    """
    from educat.tables.check import CheckError, check_file, render_text
    from educat.tables.duckdb_engine import EngineUnsupported
    from educat.core.loader import load_repo

    repo, _ = load_repo(root, standards_only=True)
    if print_sql:
        from educat.tables.check import find_entity
        from educat.tables.duckdb_engine import portable_sql

        try:
            std, ent = find_entity(repo, standard, entity)
        except CheckError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(portable_sql(ent.fields, repo.field_codelists(ent.fields, std)), nl=False)
        return
    cap = limit or None
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=100, label="检查数据", file=sys.stderr) as bar:
                report = check_file(file, repo, standard, entity, encoding=encoding, engine=engine, limit=cap, progress=bar.update)
        else:
            report = check_file(file, repo, standard, entity, encoding=encoding, engine=engine, limit=cap)
    except (CheckError, EngineUnsupported) as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(cap), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(report, cap))
    sys.exit(int(not report.valid))


@cli.command("check-api")
@click.argument("payload", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--standard", "standard", default="app-access", show_default=True, help="接口规范标准,可带版本:app-access@1.0.0。")
@click.option("--operation", "operation", required=True, help="接口的 operationId,如 listStudents。")
@click.option("--request", "direction", flag_value="request", help="按请求体检查。")
@click.option("--response", "direction", flag_value="response", default=True, help="按响应体检查(默认)。")
@click.option("--status", default=None, help="响应状态码,默认为该接口第一个 2xx 响应。")
@root_option
@format_option
def check_api(payload, standard, operation, direction, status, root, fmt):
    """检查厂商的接口报文(JSON)是否符合接口规范中某个接口的请求或响应定义。

    每个问题用 JSON Pointer 指出位置(如 /items/0/gender),代码字段按代码表检查。
    有问题时退出码为 1。

    \b
    Example:
        educat check-api students.json --standard app-access --operation listStudents --response
        educat check-api batch.json --operation submitBatch --request --format json
    """
    from educat.standards.api_check import ApiCheckError, check_api_file

    try:
        result = check_api_file(root, payload, standard, operation, direction, status)
    except ApiCheckError as exc:
        raise click.ClickException(str(exc)) from None
    _finish(result, fmt)


@cli.command()
@click.argument("slug")
@click.argument("old")
@click.argument("new")
@root_option
@format_option
def diff(slug, old, new, root, fmt):
    """比较一个标准的两个版本:实体、字段、约束、代码表和代码的增删改,并标出不兼容的变化。

    \b
    Example:
        educat diff edu-basic-data 1.0.0 1.1.0
        educat diff edu-basic-data 1.0.0 1.1.0 --format json
    """
    from educat.standards.diff import diff_standards, render_text
    from educat.core.loader import load_repo

    repo, _ = load_repo(root)
    if slug not in repo.standards:
        raise click.ClickException(f"找不到标准 “{slug}”;已有:{'、'.join(sorted(repo.standards))}")
    versions = repo.standards[slug]
    for version in (old, new):
        if version not in versions:
            raise click.ClickException(f"标准 {slug} 没有版本 {version};已有:{'、'.join(sorted(versions))}")
    changes = diff_standards(versions[old], versions[new])
    if fmt == "json":
        payload = {"standard": slug, "old": old, "new": new, "breaking": sum(c.breaking for c in changes), "changes": [c.to_dict() for c in changes]}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(versions[old], versions[new], changes))


@cli.command()
@click.argument("standard")
@click.option("--entity", "entity", default=None, help="实体名,如 student;标准只有一个实体时可省略。")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件,默认为 <实体>.xlsx。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@root_option
def template(standard, entity, output, force, root):
    """生成某个实体的 XLSX 填报模板:中文表头带批注,代码字段有下拉选项,另附代码表和说明。

    STANDARD 写成 edu-basic-data 或 edu-basic-data@1.0.0(默认最新版本)。已存在的文件不会被覆盖,除非加 --force。

    \b
    Example:
        educat template edu-basic-data --entity student -o 学生模板.xlsx
        educat template resource-metadata -o 资源导入模板.xlsx
    """
    from educat.tables.check import CheckError, find_entity
    from educat.standards.downloads import write_template
    from educat.core.loader import load_repo

    repo, _ = load_repo(root)
    if entity is None:
        slug, _, version = standard.partition("@")
        only = repo.standard(slug, version or None)
        if only is None or len(only.entities) != 1:
            names = "、".join(only.entities) if only else ""
            raise click.UsageError(f"请用 --entity 指定实体{(':' + names) if names else ''}")
        entity = next(iter(only.entities))
    try:
        std, ent = find_entity(repo, standard, entity)
    except CheckError as exc:
        raise click.ClickException(str(exc)) from None
    target = output or Path(f"{ent.name}.xlsx")
    try:
        write_template(ent, std, repo, target, force=force)
    except (FileExistsError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已生成 {target}:{std.title} {std.version} / {ent.title}({len(ent.fields)} 个字段)")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "jsonld", "atom"]), default="json", show_default=True, help="json、csv(UTF-8 BOM)、jsonld(schema.org)或 atom(新增资源订阅)。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件;省略时写到标准输出。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@root_option
def export(fmt, output, force, root):
    """导出课程资源目录:catalog.json、catalog.csv、catalog.jsonld 或 Atom 订阅,与网站上的文件相同。

    \b
    Example:
        educat export --format csv -o catalog.csv
        educat export --format jsonld > catalog.jsonld
    """
    from mkdocs.config import load_config

    from educat.catalog.exports import FORMATS
    from educat.core.paths import write_atomic
    from educat.core.loader import load_repo

    repo, _ = load_repo(root)
    site_url, title = "", "教育数据标准与资源目录"
    if (root / "mkdocs.yml").is_file():
        config = load_config(config_file=str(root / "mkdocs.yml"))
        site_url, title = config.site_url or "", config.site_name
    content = FORMATS[fmt][1](repo, site_url, title)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    if output.exists() and not force:
        raise click.ClickException(f"{output} 已存在,没有覆盖。要覆盖请加 --force,或换一个文件名")
    write_atomic(output, data)
    click.echo(f"已导出 {len(repo.records)} 条资源到 {output}")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--collection", required=True, help="新资源写入的文件 catalog/resources/<NAME>.yaml 的名称(小写字母、数字和连字符),如 junior。")
@click.option("--update", is_flag=True, help="允许用表中的行替换资源标识相同的已有记录(在它所在的文件中就地替换)。")
@click.option("--dry-run", is_flag=True, help="只列出导入计划(新增、更新及字段变化、问题),不写入任何文件。")
@root_option
@format_option
def import_(file, collection, update, dry_run, root, fmt):
    """把编目人员填写的表格(XLSX 模板或 CSV)导入课程资源目录。

    模板用 educat template resource-metadata --entity resource 生成;表头可以是字段名或中文名,
    代码列可以填代码、“代码 名称”或名称。全部行整批校验:任何一行有错、与已有资源重复,
    或资源标识已存在而没有加 --update,整个文件都不导入,逐条列出行号、字段和修改方法。
    有问题时退出码为 1。

    \b
    Example:
        educat import 资源.xlsx --collection junior --dry-run
        educat import 资源.xlsx --collection junior
        educat import 修订.csv --collection junior --update --format json
    """
    from educat.catalog.importer import CatalogImportError, import_file

    try:
        result = import_file(root, file, collection, update=update, dry_run=dry_run)
    except CatalogImportError as exc:
        raise click.ClickException(str(exc)) from None
    _finish(result, fmt)


@cli.command()
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10, show_default=True, help="连接和每次读取的超时秒数。")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True, help="遇到服务器错误(5xx)、限流(429)或网络故障时重试几次。")
@click.option("--per-host", type=click.IntRange(min=1), default=2, show_default=True, help="对同一主机最多同时发出几个请求。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="结果文件,默认为 <root>/catalog/linkcheck.json。")
@root_option
@format_option
def linkcheck(timeout, retries, per_host, output, root, fmt):
    """检查课程资源目录中每条记录的访问地址(url)能否打开,结果写入 catalog/linkcheck.json。

    每个地址只检查一次:先发 HEAD 请求,服务器拒绝时改用 GET(不下载正文);重定向最多跟随
    5 次,服务器错误和网络故障会重试。列出失效、无法访问和已重定向的链接及引用它们的资源 id。
    有失效或无法访问的链接时退出码为 1。需要联网;构建网站时不会运行,网站读取上次的结果。

    \b
    Example:
        educat linkcheck
        educat linkcheck --timeout 5 --per-host 1 --format json
    """
    from educat.catalog.linkcheck import FAILED, STATUS_FILE, check_links, render_text, status_document, urls_of, write_status
    from educat.core.loader import load_repo

    repo, problems = load_repo(root)
    unread = sorted({p.path for p in problems if p.path.startswith("catalog/")})
    if unread:
        click.echo(f"警告:{'、'.join(unread)} 读取出错,其中的链接未检查;运行 educat validate 查看原因。", err=True)
    ids_by_url = urls_of(repo.records)
    settings = {"timeout": timeout, "retries": retries, "per_host": per_host}
    if ids_by_url and sys.stderr.isatty():
        with click.progressbar(length=len(ids_by_url), label="检查链接", file=sys.stderr) as bar:
            results = check_links(list(ids_by_url), progress=bar.update, **settings)
    else:
        results = check_links(list(ids_by_url), **settings)
    target = output or root / STATUS_FILE
    try:
        write_status(target, results, ids_by_url)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {target}:{exc.strerror or exc}") from None
    if fmt == "json":
        click.echo(json.dumps(status_document(results, ids_by_url), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_text(results, ids_by_url))
        click.echo(f"结果已写入 {target}。")
    sys.exit(int(any(result.status in FAILED for result in results.values())))


@cli.group()
def generate():
    """生成合成数据,用于性能测试和演练(内容均为合成示例)。

    \b
    Example:
        educat generate rows edu-basic-data --entity student --rows 2000000 -o students.csv
        educat generate resources 100000 --out /tmp/big/catalog/resources
    """


@generate.command("rows")
@click.argument("standard")
@click.option("--entity", required=True, help="实体名,如 student。")
@click.option("--rows", "count", type=click.IntRange(min=1), required=True, help="行数。")
@click.option("--fields", default=None, help="只生成这些字段(逗号分隔),默认全部。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出 CSV(UTF-8)。")
@root_option
def generate_rows_cmd(standard, entity, count, fields, output, root):
    """按实体的合规样例生成 N 行合规数据(唯一字段按格式编号)。

    \b
    Example:
        educat generate rows edu-basic-data --entity student --rows 1000 -o students.csv
    """
    from educat.tables.check import CheckError, find_entity
    from educat.dev.generate import generate_rows
    from educat.core.loader import load_repo

    if output.exists():
        raise click.ClickException(f"{output} 已存在,没有覆盖;请换一个文件名")
    repo, _ = load_repo(root)
    try:
        std, ent = find_entity(repo, standard, entity)
        generate_rows(std, ent, count, output, fields=fields.split(",") if fields else None)
    except (CheckError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已生成 {output}:{count} 行")


@generate.command("resources")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录(如另一个内容仓库的 catalog/resources);必须为空或不存在。")
@root_option
def generate_resources_cmd(count, out, root):
    """以现有资源记录为模板生成 N 条合成记录(新 id、题名加“合成”编号)。

    \b
    Example:
        educat generate resources 10000 --out /tmp/big/catalog/resources
    """
    from educat.dev.generate import generate_resources
    from educat.core.loader import load_repo

    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} 不是空目录,没有写入;请换一个目录")
    repo, _ = load_repo(root)
    files = generate_resources(repo, count, out)
    click.echo(f"已在 {out} 生成 {count} 条资源({len(files)} 个文件)")


@cli.command()
@root_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出目录,默认为 <root>/site。")
@click.option("--strict", is_flag=True, help="把 MkDocs 的警告也当作错误。")
def build(root, out, strict):
    """先校验,再生成静态网站。

    网站先构建到临时目录,成功后才整体替换输出目录;失败时原网站保持不变。
    同时生成“全文搜索”的分块索引(find/idx/)和课程资源页的分片筛选索引(catalog/index/)。

    \b
    Example:
        educat build
        educat build --out /srv/www/edu
    """
    from educat.site.build import BuildError, build_site
    from educat.validate import validate_repo

    repo, report = validate_repo(root)
    if not report.valid:
        _print_report(report, "text")
        raise click.ClickException("内容校验未通过,未构建网站;原有网站保持不变")
    try:
        target = build_site(root, out or root / "site", repo, report, strict=strict)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"网站已生成:{target}({len(repo.standards)} 个标准,{len(repo.datasets)} 个数据集,{len(repo.records)} 条课程资源)")


@cli.command()
@root_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="预览服务器地址。")
def serve(root, dev_addr):
    """本地预览网站;修改 docs/、standards/、datasets/、catalog/ 中的文件后自动刷新。

    \b
    Example:
        educat serve --dev-addr 127.0.0.1:8001
    """
    from mkdocs.commands.serve import serve as mkdocs_serve

    config_file = Path(root) / "mkdocs.yml"
    if not config_file.is_file():
        raise click.ClickException(f"{config_file} 不存在:请在内容仓库根目录运行,或用 --root 指定")
    mkdocs_serve(config_file=str(config_file), dev_addr=dev_addr, livereload=True)


def main():
    cli(prog_name="educat")
