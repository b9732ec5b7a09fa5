"""The command line's own words in Chinese (issue 29): every command's --help, click's headings and
its usage errors, with ``--lang zh`` or EQUITYGRAPH_LANG=zh; English stays English whatever ran
before."""

import re

import click
import pytest
from click.testing import CliRunner

from equitygraph.queries.cli import cli

# Left in a Chinese help on purpose: what is typed or named as it is (metavars, types, formats,
# file and tool names, environment variables, standards and measures), never a sentence.
TYPED = {"OPTIONS", "COMMAND", "ARGS", "TEXT", "NAME", "FILE", "PATH", "DIRECTORY", "INTEGER", "RANGE", "FLOAT",
         "FIRST", "SECOND", "HOLDER", "COMPANY", "OUT_DIR", "MAPPING_FILE", "DAY", "HOME", "TOML", "FORMAT", "LIST",
         "equitygraph", "json", "jsonl", "csv", "table", "graphml", "gexf", "ftm", "bods", "psc", "gleif", "mapping",
         "html", "pdf", "tree", "neighbourhood", "cluster", "Gephi", "yEd", "FollowTheMoney", "OpenSanctions", "list", "JSON", "BODS", "GLEIF",
         "PSC", "Excel", "CSV", "HTML", "PDF", "Chromium", "Neo4j", "LTS", "Maven", "Central", "JVM", "Bolt", "HTTP",
         "Browser", "Leiden", "ROC-AUC", "PR-AUC", "precision", "recall", "localhost", "neo4j-admin", "ps", "jar",
         "risk", "toml", "lib", "password", "docs", "inputs", "md", "monitoring", "gb", "analyze", "load", "alerts",
         "shared", "neo4j", "en", "zh", "red", "orange", "yellow", "default", "k", "version", "lang", "help", "db",
         "uri", "user", "bolt", "x", "m", "g", "UK", "SQLite", "YYYY-MM-DD", "YYYY", "MM", "DD", "bods", "graph",
         "neo4j-admin", "stderr", "equitygraph-demo", "YYYY-MM-DD", "percent", "fraction", "gb18030",
         "Apache", "Spark", "spark", "pip", "install", "in-process", "local", "yarn", "k8s", "driver", "memory",
         "scale-out", "scale", "N", "parquet", "Parquet", "master", "pandas", "DuckDB"}


def english_left(text: str) -> list[str]:
    """The words of ``text`` that are neither typed as they are nor a name (options, environment
    variables, addresses, files, choices, sizes and the commands themselves taken out first)."""
    text = re.sub(r"(?<![\w-])--?[a-z0-9][a-z0-9-]*|\b[A-Z][A-Z0-9_]+\b|\b[a-z]+://\S*|[\w./-]+\.(?:db|toml|csv|md|html|pdf)\b", " ", text)
    text = re.sub(r"\[(?:[a-z0-9]+\|)+[a-z0-9]+\]|\[%[^]]*\]|\./\S+|\b\d+[a-z]*\b", " ", text)  # choices, formats, sizes
    words = re.findall(r"[A-Za-z][A-Za-z0-9'_-]*[A-Za-z0-9]|[A-Za-z]", text)
    return [w for w in words if w not in TYPED and w not in COMMANDS]


def every_command(group=cli, path=()):
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


COMMANDS = {name for path in every_command() for name in path}


@pytest.mark.parametrize("path", [(), *every_command()], ids=lambda p: " ".join(p) or "equitygraph")
def test_every_help_is_in_chinese(path):
    # wide: a file name cut by the wrap would read as two words
    result = CliRunner().invoke(cli, ["--lang", "zh", *path, "--help"], prog_name="equitygraph", terminal_width=1000)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法： equitygraph") and "选项" in result.output
    assert english_left(result.output) == [], result.output


def test_the_english_help_stays_english_after_a_chinese_one():
    assert "用法" in CliRunner().invoke(cli, ["--lang", "zh", "search", "--help"]).output
    english = CliRunner().invoke(cli, ["search", "--help"], prog_name="equitygraph").output
    assert english.startswith("Usage: equitygraph search") and "Find companies, persons and organizations" in english
    assert "Show this message and exit." in english


@pytest.mark.parametrize("args, said", [
    (["serch", "x"], "错误：没有命令 'serch'。"),
    (["search"], "错误：缺少参数 'TEXT'"),
    (["risk", "--tier", "purple"], "错误：'--tier' 的值无效：'purple' 不是 'red', 'orange', 'yellow' 之一。"),
    (["search", "x", "--limit", "0"], "错误：'--limit' 的值无效：0 不在范围 1<=x<=1000 内。"),
    (["search", "x", "--nope"], "错误：没有选项 '--nope'。"),
])
def test_usage_errors_are_in_chinese_with_the_exit_code_of_a_usage_error(args, said):
    result = CliRunner().invoke(cli, ["--lang", "zh", *args], prog_name="equitygraph")
    assert result.exit_code == 2
    assert said in result.output and "用 'equitygraph" in result.output and "查看帮助。" in result.output


def test_the_environment_chooses_chinese_for_errors_met_before_any_option(monkeypatch):
    monkeypatch.setenv("EQUITYGRAPH_LANG", "zh")
    assert "错误：没有命令 'serch'。" in CliRunner().invoke(cli, ["serch"]).output
    monkeypatch.setenv("EQUITYGRAPH_LANG", "en")
    assert "Error: No such command 'serch'." in CliRunner().invoke(cli, ["serch"]).output
