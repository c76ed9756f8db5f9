"""Commands for the standards: check a data file or an API payload, compare versions, make a template."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from educat.cli import cli, content_root, fail, finish, format_option, package_root_option, root_option

@cli.command()
@click.argument("file", required=False, metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--standard", "standard", required=True, help="标准标识,可带版本:edu-basic-data 或 edu-basic-data@1.0.0(默认最新版本);不在内容仓库中时,写标准包文件(edu-basic-data-1.1.0.json)或标准版本页的网址(https://…/standards/edu-basic-data/1.1.0/)。")
@click.option("--entity", "entity", required=True, help="实体名,如 student。")
@click.option("--encoding", default=None, help="CSV 编码(默认自动识别 UTF-8、带 BOM 的 UTF-8、GB18030/GBK)。")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="最多列出多少个错误;统计总是覆盖整个文件。0 表示不限。")
@click.option("--engine", type=click.Choice(["auto", "duckdb", "frictionless", "spark"]), default="auto", show_default=True, help="CSV 默认用 DuckDB 引擎(快,内存有界);无法按 CSV 读取的行结构自动改用 Frictionless。spark:在 Spark 中检查 CSV、Parquet 文件或 --table 给出的表(需 pip install 'educat[spark]' 和 Java 17+;默认本机 local[*],连集群用 Spark 的配置 spark-defaults.conf 或 PYSPARK_SUBMIT_ARGS,见 docs/engine.md)。")
@click.option("--table", default=None, metavar="表名", help="--engine spark 时检查 Spark 会话中的表(如 db.students,或 parquet.`/数据/目录`),代替 FILE;行号取 __row 列,没有时按读取顺序(第一行数据为第 2 行)。")
@click.option("--print-sql", is_flag=True, help="不检查,只打印这些规则的 SQL(表 src,列名为字段名,另有行号列 __row),用于在其他 SQL 引擎上运行。")
@click.option("--dialect", type=click.Choice(["duckdb", "spark", "trino", "postgres"]), default="duckdb", show_default=True, help="--print-sql 打印哪种 SQL:DuckDB、Spark SQL、Trino 或 PostgreSQL(16 及以上)。")
@package_root_option
@format_option
@click.pass_context
def check(ctx, file, standard, entity, encoding, limit, engine, table, print_sql, dialect, root, fmt):
    """检查一个数据文件是否符合某个标准实体(学校、厂商自查用)。

    支持 CSV(UTF-8、带 BOM 的 UTF-8、GB18030/GBK,自动识别)、XLSX、JSON、NDJSON;
    表头可以是字段名或中文名。每个错误给出行号(与 Excel/编辑器中看到的一致)、字段、值、
    违反的规则和修改方法。有错误时退出码为 1。

    不在内容仓库中(pip install educat 之后)也能检查:--standard 写标准包文件或标准版本页的网址。

    \b
    示例:
        educat check 学生.xlsx --standard edu-basic-data --entity student
        educat check students.csv --standard edu-basic-data@1.0.0 --entity student --format json
        educat check students.csv --standard edu-basic-data-1.1.0.json --entity student
        educat check a.csv --standard https://…/standards/edu-basic-data/1.1.0/ --entity student
        educat check --engine spark --table db.students --standard edu-basic-data --entity student
        educat check a.csv --standard edu-basic-data --entity student --print-sql --dialect spark
    """
    import shutil

    from educat.standards.package import PackageError, is_package, load_package

    if table is not None and engine != "spark":
        raise click.UsageError("--table 只用于 --engine spark(在 Spark 会话中检查表)", ctx=ctx)
    if table is not None and file is not None:
        raise click.UsageError("FILE 和 --table 只能给出一个:检查文件,或检查 Spark 中的表", ctx=ctx)
    if file is None and table is None and not print_sql:
        raise click.MissingParameter(ctx=ctx, param=next(p for p in ctx.command.params if p.name == "file"))
    if dialect != "duckdb" and not print_sql:
        raise click.UsageError("--dialect 只用于 --print-sql", ctx=ctx)
    options = dict(encoding=encoding, limit=limit, engine=engine, table=table, print_sql=print_sql, dialect=dialect, fmt=fmt)
    if not is_package(standard):
        _run_check(file, standard, entity, content_root(root, ";不在内容仓库中时,--standard 写标准包文件(.json)或标准版本页的网址"), **options)
        return
    try:
        repo, standard, folder = load_package(standard)
    except PackageError as exc:
        fail(exc)
    try:
        _run_check(file, standard, entity, repo, **options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_check(file, standard, entity, repo_or_root, *, encoding, limit, engine, table, print_sql, dialect, fmt):
    from educat.core.loader import load_repo
    from educat.tables.check import CheckError, check_file, find_entity
    from educat.tables.duckdb_engine import EngineUnsupported

    repo = load_repo(repo_or_root, standards_only=True)[0] if isinstance(repo_or_root, Path) else repo_or_root
    if print_sql:
        from educat.tables.dialects import DialectError, dialect as sql_dialect
        from educat.tables.portable import rules_sql

        try:
            std, ent = find_entity(repo, standard, entity)
            key = ent.descriptor.get("primaryKey")
            sql = rules_sql(ent.fields, repo.field_codelists(ent.fields, std), sql_dialect(dialect), [key] if isinstance(key, str) else key, ent.descriptor.get("missingValues"))
        except (CheckError, DialectError) as exc:
            fail(exc)
        click.echo(sql, nl=False)
        return
    cap = limit or None
    if engine == "spark":
        from educat.tables.spark_engine import SparkCheckError, spark_check

        try:
            report = spark_check(file, repo, standard, entity, table=table, encoding=encoding, limit=cap)
        except (CheckError, SparkCheckError) as exc:
            fail(exc)
        finish(report, fmt)
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=100, label="检查数据", file=sys.stderr) as bar:
                report = check_file(file, repo, standard, entity, encoding=encoding, engine=engine, limit=cap, progress=bar.update)
        else:
            report = check_file(file, repo, standard, entity, encoding=encoding, engine=engine, limit=cap)
    except (CheckError, EngineUnsupported) as exc:
        fail(exc)
    finish(report, fmt)


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
    示例:
        educat check-api students.json --standard app-access --operation listStudents --response
        educat check-api batch.json --operation submitBatch --request --format json
    """
    from educat.standards.api_check import ApiCheckError, check_api_file

    try:
        result = check_api_file(root, payload, standard, operation, direction, status)
    except ApiCheckError as exc:
        fail(exc)
    finish(result, fmt)


@cli.command()
@click.argument("slug")
@click.argument("old")
@click.argument("new")
@root_option
@format_option
def diff(slug, old, new, root, fmt):
    """比较一个标准的两个版本:实体、字段、约束、代码表和代码的增删改,并标出不兼容的变化。

    OLD 或 NEW 写成“标识@版本”时比较两个不同的标准,例如区级扩展标准比市级标准多了什么
    (扩展标准按合并上级之后的整体比较)。

    \b
    示例:
        educat diff edu-basic-data 1.0.0 1.1.0
        educat diff edu-basic-data 1.0.0 1.1.0 --format json
        educat diff edu-basic-data-demo-district edu-basic-data@1.1.0 1.0.0
    """
    from educat.core.loader import load_repo
    from educat.standards.diff import diff_result

    repo, _ = load_repo(root)
    try:
        before, after = (repo.find_standard(version if "@" in version else f"{slug}@{version}") for version in (old, new))
    except LookupError as exc:
        fail(exc)
    finish(diff_result(before, after), fmt)


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
    示例:
        educat template edu-basic-data --entity student -o 学生模板.xlsx
        educat template resource-metadata -o 资源导入模板.xlsx
    """
    from educat.core.loader import load_repo
    from educat.standards.template import write_template
    from educat.tables.check import CheckError, find_entity

    repo, _ = load_repo(root)
    if entity is None:
        try:
            only = repo.find_standard(standard)
        except LookupError as exc:
            fail(exc)
        if len(only.entities) != 1:
            raise click.UsageError(f"请用 --entity 指定实体:{'、'.join(only.entities)}")
        entity = next(iter(only.entities))
    try:
        std, ent = find_entity(repo, standard, entity)
    except CheckError as exc:
        fail(exc)
    target = output or Path(f"{ent.name}.xlsx")
    try:
        write_template(ent, std, repo, target, force=force)
    except (FileExistsError, FileNotFoundError) as exc:
        fail(exc)
    click.echo(f"已生成 {target}:{std.title} {std.version} / {ent.title}({len(ent.fields)} 个字段)")
