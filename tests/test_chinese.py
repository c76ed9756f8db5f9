"""Chinese wherever a person reads: Click's own messages and help, and the theme's strings on the
built pages. The messages are compared whole, as a user sees them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.cli.click_zh import MESSAGES, PLURALS, display_width

# What Click says in English when its catalog is missing: none of it may reach a user.
CLICK_ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Show this message|Show the version|Error:|Try '|No such|Missing|Invalid value"
    r"|does not exist|is not one of|is not a valid|\[default|\[required|\b(TEXT|INTEGER|FLOAT|RANGE|DIRECTORY|FILE NAME|PATH)\b"
)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def usage_error(command: str, usage: str, message: str) -> str:
    return f"用法: educat {command} [选项]{usage}\n运行 “educat {command} --help” 查看用法。\n\n错误:{message}\n"


def test_missing_file(tmp_path):
    missing = tmp_path / "学生.csv"
    result = run("check", missing, "--standard", "demo", "--entity", "org")
    assert result.exit_code == 2
    assert result.output == usage_error("check", " FILE", f"'FILE' 的值无效:文件 “{missing}” 不存在。")


def test_missing_required_option(tmp_path):
    data = tmp_path / "a.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    result = run("check", data, "--entity", "org")
    assert result.exit_code == 2
    assert result.output == usage_error("check", " FILE", "缺少选项 '--standard'。")


def test_missing_argument():
    result = run("diff", "demo", "1.0.0")
    assert result.exit_code == 2
    assert result.output == usage_error("diff", " SLUG OLD NEW", "缺少参数 'NEW'。")


def test_unknown_option():
    result = run("validate", "--bogus")
    assert result.exit_code == 2
    assert result.output == usage_error("validate", " [PATHS]...", "没有选项 “--bogus”。")


def test_unknown_command_suggests_the_near_ones():
    result = run("chek")
    assert result.exit_code == 2
    assert result.output == (
        "用法: educat [选项] 命令 [参数]...\n运行 “educat --help” 查看用法。\n\n"
        "错误:没有命令 “chek”。是不是要用 'check', 'check-api', 'linkcheck'?\n"
    )


def test_bad_choice():
    result = run("validate", "--format", "xml")
    assert result.exit_code == 2
    assert result.output == usage_error("validate", " [PATHS]...", "'--format' 的值无效:“xml” 不是可选的值;可选:'text', 'json'。")


def test_bad_number(tmp_path):
    data = tmp_path / "a.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    result = run("check", data, "--standard", "demo", "--entity", "org", "--limit", "很多")
    assert result.exit_code == 2
    assert result.output.endswith("错误:'--limit' 的值无效:“很多” 不是有效的整数。\n")
    result = run("check", data, "--standard", "demo", "--entity", "org", "--limit", "-1")
    assert result.output.endswith("错误:'--limit' 的值无效:-1 不在允许的范围 x>=0 内。\n")


def test_option_without_its_value():
    result = run("export", "--format")
    assert result.exit_code == 2
    assert result.output == "错误:选项 “--format” 后面要跟 1 个值。\n"


def test_usage_error_in_json_is_chinese_too(tmp_path):
    result = run("validate", "--format", "json", "--root", tmp_path / "无")
    assert result.exit_code == 2
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["message"] == f"'--root' 的值无效:目录 “{tmp_path / '无'}” 不存在。"


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"educat \d+\.\d+\.\d+\S*\n", result.output)


def test_main_help():
    result = run("--help")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "用法: educat [选项] 命令 [参数]..."
    assert "选项:" in lines and "命令:" in lines and "  示例:" in lines
    assert "  --version   显示版本号并退出。" in lines
    assert "  -h, --help  显示本帮助并退出。" in lines
    assert not CLICK_ENGLISH.search(result.output)


@pytest.mark.parametrize("command", [*sorted(cli.commands), "generate rows", "generate resources"])
def test_every_help_is_chinese_and_aligned(command):
    result = run(*command.split(), "--help")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"用法: educat {command} [选项]")
    assert "选项:" in lines
    assert "  -h, --help" in result.output and "显示本帮助并退出。" in result.output
    assert not CLICK_ENGLISH.search(result.output), CLICK_ENGLISH.search(result.output)
    # help is measured in terminal columns (a Chinese character takes two): nothing runs past
    # the width, and the descriptions of the options start in one column
    assert max(map(display_width, lines)) <= 100
    options = lines[lines.index("选项:") + 1:]
    starts = {display_width(m[1]) for line in options if (m := re.match(r"(  -.*?\S {2,})\S", line))}
    assert len(starts) == 1, options


def test_defaults_and_required_in_help():
    output = run("check", "--help").output
    assert "[必填]" in output and "[默认:50; x>=0]" in output and "--root 目录" in output and "--limit 整数" in output


# Click messages no user of educat can meet: mistakes in declaring a command (raised as
# TypeError to the developer), Windows consoles, the editor and progress bar (unused), shell
# completion (not offered), and reprs.
NEVER_SHOWN = {
    "d", "{editor}: Editing failed", "{editor}: Editing failed: {e}", "Windows error: {error}",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.", "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Couldn't detect Bash version, shell completion is not supported.",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "Unknown color {colour!r}", "Choice({choices})", "Unknown standard stream '{name}'",
}


def test_every_message_of_the_installed_click_is_translated():
    """A Click upgrade that adds or rewords a message fails here, not in front of a user."""
    untranslated = []
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext")):
                continue
            words = tuple(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
            if node.func.id == "ngettext" and words[:2] not in PLURALS:
                untranslated.append(f"{path.name}:{node.lineno} {words[:2]}")
            elif node.func.id == "_" and words and words[0] not in MESSAGES and words[0] not in NEVER_SHOWN:
                untranslated.append(f"{path.name}:{node.lineno} {words[0]!r}")
    assert untranslated == []


def test_translations_keep_the_placeholders_they_use():
    """A translation may drop one of Click's {names} but never invent one (a KeyError at the worst moment)."""
    names = re.compile(r"\{(\w+)")
    for english, chinese in MESSAGES.items():
        assert set(names.findall(chinese)) <= set(names.findall(english)), english
    for (one, many), chinese in PLURALS.items():
        assert set(names.findall(chinese)) <= set(names.findall(one)) | set(names.findall(many)), one


def test_built_pages_have_no_english_theme_strings(mini_site):
    _, site = mini_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "Permanent link" not in html, page
        assert "Made with" not in html, page
        # every tooltip and accessible name the theme writes is Chinese
        for attribute, value in re.findall(r'\b(title|aria-label|placeholder)="([^"]*)"', html):
            assert not value or re.search(r"[\u4e00-\u9fff]", value), (page.relative_to(site), attribute, value)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'class="headerlink" href="#' in index and 'title="本节的链接"' in index
    assert re.search(r'md-copyright__highlight">\s*本站由 educat 生成', index)
