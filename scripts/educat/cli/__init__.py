"""The ``educat`` command line. It parses options, calls the library and prints its result.

Commands live by content kind: ``standards`` (check, check-api, diff, template), ``catalog``
(import, export, linkcheck), ``site`` (validate, build, serve) and ``dev`` (generate). Every
command that judges something prints a :class:`educat.core.findings.Result` through
:func:`finish`: one text form, one JSON shape, and the exit code ``int(not result.valid)``.
Click's own words (``用法:``, ``选项``, its error messages) are Chinese: see :mod:`educat.cli.click_zh`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from educat import __version__
from educat.cli import click_zh

# before any command is declared: Click words a parameter's type and the version help then
click_zh.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    """A command whose usage line reads ``用法: educat check [选项] FILE``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """Turns unexpected exceptions into a one-line message unless --debug is given. With
    ``--format json`` every failure, a command that cannot start included, is printed as the
    usual JSON result with one finding, so a machine always reads JSON. Its commands and
    subgroups are :class:`Command` and ``Group``, with Chinese usage lines."""

    command_class = Command
    group_class = type  # a subgroup (``educat generate``) is a Group too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except click.ClickException as exc:
            if _wants_json(ctx):
                kind = "usage-error" if isinstance(exc, click.UsageError) else "command-error"
                _print_failure(ctx, kind, exc.format_message(), "按说明改正命令的参数或输入文件后重试(educat <命令> --help 列出参数)")
                sys.exit(exc.exit_code)
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary of the program
            if ctx.obj and ctx.obj.get("debug"):
                raise
            message = f"内部错误:{type(exc).__name__}: {exc}"
            if _wants_json(ctx):
                _print_failure(ctx, "internal-error", message, "这是 educat 的缺陷:加 --debug 重新运行,把输出报告给维护者")
                sys.exit(1)
            raise click.ClickException(f"{message}(加 --debug 查看详细信息)") from None


def _wants_json(ctx) -> bool:
    return bool(ctx.obj) and ctx.obj.get("fmt") == "json"


def _print_failure(ctx, kind: str, message: str, note: str) -> None:
    from educat.core.findings import Finding, Result

    result = Result(findings=[Finding(type=kind, message=message, note=note)])
    data = result.to_dict()
    data["command"] = ctx.invoked_subcommand or ""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _remember_format(ctx, param, value):
    ctx.ensure_object(dict)["fmt"] = value
    return value


def _content_root(ctx, param, value: Path) -> Path:
    if not any((value / name).is_dir() for name in ("standards", "datasets", "catalog")):
        raise click.BadParameter(f"{value} 不是内容仓库:其中没有 standards/、datasets/ 或 catalog/ 目录", ctx=ctx, param=param)
    return value


def content_root(root: Path, hint: str = "") -> Path:
    """``root`` when it is a content repository; otherwise the usage error ``--root`` gives,
    followed by ``hint``."""
    try:
        return _content_root(click.get_current_context(), _ROOT_PARAM, root)
    except click.BadParameter as exc:
        exc.message += hint
        raise


_ROOT_PARAM = click.Option(["--root"])


def package_root_option(func):
    """``--root`` for a command that may also work without a repository (``check`` with a standard
    package): checked by the command, through ``content_root``, only when it is needed."""
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="内容仓库根目录(含 mkdocs.yml、standards/、datasets/、catalog/);--standard 是标准包时不需要。",
    )(func)


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
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, callback=_remember_format, is_eager=True,
        help="输出格式;json 供程序读取(各命令同一结构,见 docs/output.md)。"
    )(func)


def finish(result, fmt: str) -> None:
    """Print a result as JSON or text and exit with ``int(not result.valid)``."""
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(result.render())
    sys.exit(int(not result.valid))


def fail(exc: Exception):
    """A library error that stops a command before it starts, as a one-line message."""
    raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None


@click.group("educat", cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="educat")
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈。")
@click.pass_context
def cli(ctx, debug):
    """educat:校验并发布教育数据标准、数据集字典和课程资源目录。

    \b
    示例:
        educat validate
        educat build --out site
        educat serve
    """
    ctx.ensure_object(dict)["debug"] = debug


def main():
    cli(prog_name="educat")


# The commands register themselves on ``cli``.
from educat.cli import catalog, dev, site, standards  # noqa: E402,F401  isort:skip
