"""Documentation stays in step with the code."""

from __future__ import annotations

import yaml

from educat.cli import cli
from educat.site.plugin import CONTENT_DIRS, EducatPlugin

from .conftest import REPO


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"educat {name}" in readme, name


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make site" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci/run").read_text(encoding="utf-8")


def test_mkdocs_registers_the_plugin_and_no_google_fonts():
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert "educat" in config["plugins"]
    assert config["theme"]["font"] is False
    assert config["theme"]["language"] == "zh"


def test_serve_watches_the_content_folders(mini_repo):
    class Server:
        def __init__(self):
            self.watched = []

        def watch(self, path):
            self.watched.append(path)

    class Config:
        config_file_path = str(mini_repo / "mkdocs.yml")

    plugin = EducatPlugin()
    plugin.load_config({})
    server = plugin.on_serve(Server(), config=Config(), builder=None)
    assert server.watched == [str(mini_repo / name) for name in CONTENT_DIRS]
