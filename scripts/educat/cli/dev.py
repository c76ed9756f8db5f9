"""Developer tools on the command line: synthetic data for benchmarks and drills."""

from __future__ import annotations

from pathlib import Path

import click

from educat.cli import cli, fail, root_option

@cli.group()
def generate():
    """生成合成数据,用于性能测试和演练(内容均为合成示例)。

    \b
    示例:
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
    示例:
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
        fail(exc)
    click.echo(f"已生成 {output}:{count} 行")


@generate.command("resources")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录(如另一个内容仓库的 catalog/resources);必须为空或不存在。")
@root_option
def generate_resources_cmd(count, out, root):
    """以现有资源记录为模板生成 N 条合成记录(新 id、题名加“合成”编号)。

    \b
    示例:
        educat generate resources 10000 --out /tmp/big/catalog/resources
    """
    from educat.dev.generate import generate_resources
    from educat.core.loader import load_repo

    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} 不是空目录,没有写入;请换一个目录")
    repo, _ = load_repo(root)
    files = generate_resources(repo, count, out)
    click.echo(f"已在 {out} 生成 {count} 条资源({len(files)} 个文件)")
