"""Click's own messages in Chinese: ``用法:``, the help headings, and every error Click writes.

Click marks its messages for gettext (``from gettext import gettext as _`` and ``ngettext`` in each
of its modules) but ships no translations, and Python's gettext would look for a compiled ``.mo``
catalog chosen by the LANGUAGE/LANG environment variables. :func:`install` instead points the
``_`` and ``ngettext`` of Click's modules at :data:`CATALOG`, a gettext translation built from the
table below, whatever the user's locale. It also gives Click's parameter types Chinese names
(``--limit 整数`` instead of ``--limit INTEGER RANGE``, “不是有效的整数”), and measures help text
in terminal columns, where a Chinese character takes two.

The table holds the messages of Click 8.1 to 8.5 (8.1 words a few differently). A message a later
Click adds or rewords falls back to English: tests/test_cli.py runs the common failures and fails
on English, so such an upgrade cannot slip through unnoticed.
"""

from __future__ import annotations

import gettext
import importlib
import re
import unicodedata

# Click's English message -> Chinese. The {placeholders} are Click's own; a translation may drop
# one (str.format ignores extra names) or quote a value as “{value}” instead of Click's {value!r}.
MESSAGES = {
    # usage and help
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s %(version)s",
    "default: {default}": "默认:{default}",
    "env var: {var}": "环境变量:{var}",
    "required": "必填",
    "(dynamic)": "(运行时决定)",
    "deprecated": "已弃用",
    "(Deprecated) {text}": "(已弃用){text}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    # how errors are shown
    "Error: {message}": "错误:{message}",
    "Error: {e.message}": "错误:{e.message}",
    "Try '{command} {option}' for help.": "运行 “{command} {option}” 查看用法。",
    "Aborted!": "已中止。",
    # the command line itself
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 “{name}”。",
    "No such option {name!r}.": "没有选项 “{name}”。",
    "No such option: {name}": "没有选项 “{name}”。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数:{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效:{message}",
    "Invalid value: {message}": "值无效:{message}",
    "Option {name!r} does not take a value.": "选项 “{name}” 后面不能带值。",
    "Argument {name!r} takes {nargs} values.": "参数 “{name}” 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效({option})",
    "Value must be an iterable.": "值必须是一组值。",
    "DeprecationWarning: The command {name!r} is deprecated.": "提醒:命令 “{name}” 已弃用。",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "提醒:命令 “{name}” 已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "提醒:“{name}” 已弃用。{extra_message}",
    # values
    "Choose from:\n\t{choices}": "可选:\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} “{filename}” 不存在。",
    "{name} {filename!r} is a file.": "“{filename}” 是文件,这里要的是目录。",
    "{name} {filename!r} is a directory.": "“{filename}” 是目录,这里要的是文件。",
    "{name} {filename!r} is not readable.": "{name} “{filename}” 没有读取权限。",
    "{name} {filename!r} is not writable.": "{name} “{filename}” 没有写入权限。",
    "{name} {filename!r} is not executable.": "{name} “{filename}” 没有执行权限。",
    "Could not open file {filename!r}: {message}": "无法打开文件 “{filename}”:{message}",
    "unknown error": "未知错误",
    "{value!r} is not a valid {number_type}.": "“{value}” 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "{value!r} is not a valid boolean.": "“{value}” 不是有效的布尔值。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}” 不是有效的布尔值;可用:{states}",
    "{value!r} is not a valid UUID.": "“{value}” 不是有效的 UUID。",
    # prompts
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误:两次输入的值不一致。",
    "Error: The value you entered was invalid.": "错误:输入的值无效。",
    "Error: invalid input": "错误:输入无效",
    "Press any key to continue...": "按任意键继续…",
    "Do you want to continue?": "要继续吗?",
    "Confirm the action without prompting.": "不询问,直接确认。",
}

# (singular, plural) -> one Chinese form (Chinese has no plural; the placeholders differ)
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数:{args}",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): "选项 “{name}” 后面要跟 {nargs} 个值。",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "是不是要用 {possibilities}?",
    ("Did you mean {possibility}?", "(Possible options: {possibilities})"): "是不是要用 {possibilities}?",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "“{value}” 不是可选的值;可选:{choices}。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): "需要 {nargs} 个值,只给了 {len} 个。",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."): "“{value}” 不符合格式 {formats}。",
    ("{len_type} values are required, but {len_value} was given.", "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值,只给了 {len_value} 个。",
}

# Click's parameter types: their names are the metavar in help (``--entity 文本``) and part of
# "is not a valid …" messages.
TYPE_NAMES = {
    "StringParamType": "文本",
    "UnprocessedParamType": "文本",
    "IntParamType": "整数",
    "IntRange": "整数",
    "FloatParamType": "数值",
    "FloatRange": "数值",
    "BoolParamType": "布尔值",
    "DateTime": "日期时间",
}

# Click's modules that call _() or ngettext(); one that does not exist in some version is skipped.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils", "shell_completion")

# Click ends some messages it assembles itself with an English full stop ("缺少选项 '--entity'.")
# and joins sentences with a space ("没有命令 “chek”。 是不是要用 'check'?")
_FULL_STOP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef'”])\.(?: |$)|。 ", re.M)


_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def _columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_width(text: str) -> int:
    """Terminal columns of ``text``: a Chinese character takes two (Click counts one, which
    misaligns the option column of ``--root 目录``). ANSI colour codes take none."""
    return sum(map(_columns, _ANSI.sub("", text)))


def truncate_to_width(text: str, n: int) -> str:
    """The longest start of ``text`` that fits in ``n`` columns (at least one character): where
    Click cuts a line of Chinese, which has no spaces to break at. Keeps ANSI codes whole."""
    used = cut = i = 0
    while i < len(text):
        ansi = _ANSI.match(text, i)
        if ansi:
            i = cut = ansi.end()
            continue
        used += _columns(text[i])
        if used > n and cut:
            break
        i = cut = i + 1
    return text[:cut]


class _Sentences(str):
    """A translated template whose ``format`` ends Chinese sentences with “。”."""

    def format(self, *args, **kwargs) -> str:
        return _FULL_STOP.sub("。", str.format(self, *args, **kwargs))


class Catalog(gettext.NullTranslations):
    """The tables above as a gettext translation; an unknown message stays as it is."""

    def gettext(self, message: str) -> str:
        text = MESSAGES.get(message, message)
        return _Sentences(text) if message == "Error: {message}" else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Click passes the values of both forms' placeholders, so the one Chinese form can use either
        return PLURALS.get((singular, plural)) or (singular if n == 1 else plural)


CATALOG = Catalog()


def install() -> None:
    """Translate Click's messages from now on. Idempotent; touches only Click's modules.

    Runs when :mod:`educat.cli` is imported, before its commands are declared: Click names a path
    parameter (``文件``/``目录``) and the version option's help text when the decorator runs."""
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if getattr(module, "_", None) in (gettext.gettext, CATALOG.gettext):
            module._ = CATALOG.gettext
        if getattr(module, "ngettext", None) in (gettext.ngettext, CATALOG.ngettext):
            module.ngettext = CATALOG.ngettext
    for name in ("formatting", "_textwrap"):  # where help text is measured and wrapped
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "term_len"):
            module.term_len = display_width
        if hasattr(module, "_truncate_visible"):
            module._truncate_visible = truncate_to_width
    types = importlib.import_module("click.types")
    for class_name, zh in TYPE_NAMES.items():
        cls = getattr(types, class_name, None)
        if cls is not None:
            cls.name = zh
