"""Commands for the whole content repository: validate it, build the site, preview it."""

from __future__ import annotations

from pathlib import Path

import click

from educat.cli import cli, finish, format_option, root_option

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
    示例:
        educat validate
        educat validate datasets/school-directory --format json
    """
    from educat.validate import validate_repo

    selected = _rel_paths(root, paths)
    _, report = validate_repo(root)
    if selected:
        report = report.only(selected)
    finish(report, fmt)


@cli.command()
@root_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出目录,默认为 <root>/site。")
@click.option("--strict", is_flag=True, help="把 MkDocs 的警告也当作错误。")
@click.option("--site-url", envvar="EDUCAT_SITE_URL", default=None, metavar="URL",
              help="网站对外的完整地址(如 https://edu.example.gov.cn/data/),覆盖 mkdocs.yml 的 site_url;也可用环境变量 EDUCAT_SITE_URL。两者都没有时使用本机预览地址 http://127.0.0.1:8000/。")
def build(root, out, strict, site_url):
    """先校验,再生成静态网站。

    网站先构建到临时目录,成功后才整体替换输出目录;失败时原网站保持不变。
    同时生成“全文搜索”的分块索引(find/idx/)和课程资源页的分片筛选索引(catalog/index/)。

    \b
    示例:
        educat build
        educat build --out /srv/www/edu --site-url https://edu.example.gov.cn/
    """
    from educat.core import urls
    from educat.site.build import BuildError, build_site
    from educat.validate import validate_repo

    if site_url and not urls.is_site_url(site_url):
        raise click.BadParameter(f"“{site_url}” 不是完整的网址,应像 https://edu.example.gov.cn/data/", param_hint="--site-url")
    repo, report = validate_repo(root)
    if not report.valid:
        click.echo(report.render(), err=True)
        raise click.ClickException("内容校验未通过,未构建网站;原有网站保持不变")
    try:
        target = build_site(root, out or root / "site", repo, report, strict=strict, site_url=site_url)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"网站已生成:{target}({len(repo.standards)} 个标准,{len(repo.datasets)} 个数据集,{len(repo.records)} 条课程资源)")
    if not site_url and any(f.type == "site-url-missing" for f in report.findings):
        click.echo(f"网址以本机预览地址 {urls.LOCAL_SITE_URL} 开头;正式发布前请在 mkdocs.yml 中设置 site_url,或用 --site-url 指定")


def _host_and_port(ctx, param, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"“{value}” 应写成 地址:端口,如 127.0.0.1:8000", ctx=ctx, param=param)
    return host.strip("[]"), int(port)


@cli.command()
@root_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="地址:端口", callback=_host_and_port,
              help="预览服务器的地址和端口;0.0.0.0:8000 让局域网中的其他电脑也能打开。")
def serve(root, dev_addr):
    """本地预览网站;修改 docs/、standards/、datasets/、catalog/ 中的文件后自动重建并刷新浏览器。

    启动后输出预览地址。只改了 catalog/resources/ 中的资源记录时只更新受影响的页面(1 万条资源约 1.4 秒),其他资源页的“相关资源”、下载文件和全文索引随后在后台更新;改了其他文件时重建整个网站。内容有错误时输出“路径:行号”和说明,预览仍显示上次成功构建的网站,页面底部列出错误;改正并保存后自动恢复。按 Ctrl+C 停止。

    \b
    示例:
        educat serve
        educat serve --dev-addr 127.0.0.1:8001
    """
    from educat.site.preview import PreviewError, serve as preview

    try:
        preview(root, *dev_addr)
    except PreviewError as exc:
        raise click.ClickException(str(exc)) from None
