"""A reference page per sub-command, read from the parser ``foldcheck --help`` uses."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator

from foldcheck.cli import build_parser

HELP_WIDTH = 100  # the terminal width the pages' usage lines are wrapped at


def subparsers() -> dict[str, argparse.ArgumentParser]:
    """Every sub-command's parser, by name, in the order ``foldcheck --help`` lists them."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise LookupError("foldcheck's parser has no sub-commands")


def option_names(parser: argparse.ArgumentParser) -> list[str]:
    """What a user types for each argument: its option strings, or a positional's name."""
    names = []
    for action in _documented(parser):
        names += action.option_strings or [_metavar(action)]
    return names


def page(name: str, parser: argparse.ArgumentParser, guide: str | None) -> str:
    """The Markdown page of ``foldcheck NAME``; ``guide`` is the page that explains it."""
    lines = [f"# foldcheck {name}", ""]
    lines += _description(parser.description or "")
    if guide:
        lines += [f"How to use it, with examples: [{guide}](../{guide}).", ""]
    lines += ["## Usage", "", "```text", _usage(parser), "```", ""]
    lines += ["## Arguments", "", "| argument | value | default | meaning |", "|---|---|---|---|"]
    lines += [_row(action) for action in _documented(parser)]
    lines += [
        "",
        f"This page is generated from the argparse definition `foldcheck {name} --help` "
        "prints, so the two cannot disagree.",
        "",
    ]
    return "\n".join(lines)


def index(names: list[str], parsers: dict[str, argparse.ArgumentParser]) -> str:
    lines = ["# Commands", "", "| command | job |", "|---|---|"]
    for name in names:
        lines.append(f"| [`foldcheck {name}`]({name}.md) | {_first_sentence(parsers[name])} |")
    lines += [
        "",
        "Exit codes, for every command: **0** clean, **1** findings, **2** usage error or "
        "unusable input (one line naming the file and the place, nothing written), **3** "
        "internal error (a bug: please report it), **130** interrupted, **143** terminated.",
        "",
    ]
    return "\n".join(lines)


def _documented(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.help != argparse.SUPPRESS and not isinstance(action, argparse._HelpAction):
            yield action


def _usage(parser: argparse.ArgumentParser) -> str:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_WIDTH)  # argparse reads the width from it
    try:
        return parser.format_usage().strip()
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _metavar(action: argparse.Action) -> str:
    if isinstance(action.metavar, str):
        return action.metavar
    return action.dest.upper() if action.option_strings else action.dest


def _row(action: argparse.Action) -> str:
    names = ", ".join(f"`{name}`" for name in action.option_strings or [_metavar(action)])
    if action.choices is not None and not isinstance(action.choices, dict):
        value = " \\| ".join(f"`{choice}`" for choice in action.choices)
    elif action.nargs == 0 or not action.option_strings:
        value = ""
    else:
        value = f"`{_metavar(action)}`"
    default = action.default
    shown = "" if default in (None, False, "", argparse.SUPPRESS) else f"`{default}`"
    meaning = _escape(_expanded_help(action))
    return f"| {names} | {value} | {shown} | {meaning} |"


def _expanded_help(action: argparse.Action) -> str:
    text = action.help or ""
    params = {**vars(action), "prog": ""}
    return text % params if "%(" in text else text


def _first_sentence(parser: argparse.ArgumentParser) -> str:
    first = (parser.description or "").strip().split("\n\n")[0]
    return _escape(" ".join(first.split()))


def _description(text: str) -> list[str]:
    """The command's docstring as Markdown: prose escaped, indented lines as code."""
    lines: list[str] = []
    in_code = False
    for raw in text.strip().splitlines():
        code = raw.startswith("    ")
        if code != in_code:
            lines += ["", "```python"] if code else ["```", ""]
            in_code = code
        lines.append(raw[4:] if code else _escape(raw))
    if in_code:
        lines.append("```")
    return [*lines, ""]


_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _escape(text: str) -> str:
    """Text as Markdown shows it literally (table cells included)."""
    return _SPECIAL.sub(r"\\\1", text)
