"""Commands for the course-resource catalog: import a spreadsheet, export, check links."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from educat.cli import cli, fail, finish, format_option, root_option

@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "jsonld", "atom"]), default="json", show_default=True, help="json、csv(UTF-8 BOM)、jsonld(schema.org)或 atom(新增资源订阅)。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件;省略时写到标准输出。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@root_option
def export(fmt, output, force, root):
    """导出课程资源目录:catalog.json、catalog.csv、catalog.jsonld 或 Atom 订阅,与网站上的文件相同。

    \b
    示例:
        educat export --format csv -o catalog.csv
        educat export --format jsonld > catalog.jsonld
    """
    from mkdocs.config import load_config

    from educat.catalog.exports import FORMATS
    from educat.core import urls
    from educat.core.loader import load_repo
    from educat.core.paths import write_atomic

    repo, _ = load_repo(root)
    site_url, title = urls.LOCAL_SITE_URL, "教育数据标准与资源目录"  # as the site build does
    if (root / "mkdocs.yml").is_file():
        config = load_config(config_file=str(root / "mkdocs.yml"))
        site_url, title = config.site_url or urls.LOCAL_SITE_URL, config.site_name
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
    示例:
        educat import 资源.xlsx --collection junior --dry-run
        educat import 资源.xlsx --collection junior
        educat import 修订.csv --collection junior --update --format json
    """
    from educat.catalog.importer import CatalogImportError, import_file

    try:
        result = import_file(root, file, collection, update=update, dry_run=dry_run)
    except CatalogImportError as exc:
        fail(exc)
    finish(result, fmt)


@cli.command()
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10, show_default=True, help="连接和每次读取的超时秒数。")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True, help="遇到服务器错误(5xx)、限流(429)或网络故障时重试几次。")
@click.option("--per-host", type=click.IntRange(min=1), default=2, show_default=True, help="对同一主机最多同时发出几个请求。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="结果文件,默认为 <root>/catalog/linkcheck.json。")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True), default=None, help="每个链接最多用时(秒),含重试和重定向;默认为 2 × --timeout × (--retries + 1)。服务器一点一点地回应时也按时停止。")
@click.option("--budget", type=click.FloatRange(min=0, min_open=True), default=None, help="整次检查最多用时(秒);用完后尚未开始的链接记为“无法访问”,下次再查。默认不限。")
@click.option("--allow-private", is_flag=True, help="也检查内网、本机和链路本地地址(默认不访问,以免从局内机器探测内网)。")
@root_option
@format_option
def linkcheck(timeout, retries, per_host, output, deadline, budget, allow_private, root, fmt):
    """检查课程资源目录中每条记录的访问地址(url)能否打开,结果写入 catalog/linkcheck.json。

    每个地址只检查一次:先发 HEAD 请求,服务器拒绝时改用 GET(不下载正文);重定向最多跟随
    5 次,服务器错误和网络故障会重试。列出失效、无法访问和已重定向的链接及引用它们的资源 id。
    有失效或无法访问的链接时退出码为 1。需要联网;构建网站时不会运行,网站读取上次的结果。

    \b
    示例:
        educat linkcheck
        educat linkcheck --timeout 5 --per-host 1 --format json
        educat linkcheck --deadline 20 --budget 600
    """
    from educat.catalog.linkcheck import check_links
    from educat.catalog.linkstatus import STATUS_FILE, LinkcheckResult, urls_of, write_status
    from educat.core.loader import load_repo

    repo, problems = load_repo(root)
    unread = sorted({p.path for p in problems if p.path.startswith("catalog/")})
    if unread:
        click.echo(f"警告:{'、'.join(unread)} 读取出错,其中的链接未检查;运行 educat validate 查看原因。", err=True)
    ids_by_url = urls_of(repo.records)
    settings = {"timeout": timeout, "retries": retries, "per_host": per_host, "allow_private": allow_private, "deadline": deadline, "budget": budget}
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
    finish(LinkcheckResult.of(results, repo.records, root, status_file=str(target)), fmt)
