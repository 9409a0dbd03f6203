"""YAML read safely from files a repository brings: plain data only (PyYAML's safe loader),
nesting bounded, and aliases expanded only up to what the file could plausibly need.

An alias (``*name``) repeats a node without repeating its text, so a few hundred bytes can
stand for billions of values ("billion laughs"), which a reader that turns them into strings
or compares them expands for real. The composed document is weighed as it would be expanded
(each scalar its length, each node one more) before anything is built from it: a document
that weighs more than ``EXPANSION`` times its own text, or more than ``EXPANSION_FLOOR``
units, whichever is larger, is refused at the first node that passes the limit. A file without
aliases always weighs less than its text. Recursive aliases (a node inside itself) are
refused too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from foldcheck.errors import InputError

MAX_DEPTH = 100  # nesting levels; a data.yaml or a pre-commit config needs 4
EXPANSION = 10
EXPANSION_FLOOR = 1 << 20


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    root: yaml.Node | None  # the composed node tree, for places and text edits


class YamlProblem(InputError):
    """Text that is not YAML foldcheck reads, at its place; ``problem`` says why."""

    def __init__(self, problem: str, path: Path | str, line: int | None, col: int | None):
        super().__init__(f"invalid YAML: {problem}", path, line=line, col=col)
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """The safe loader, counting depth as it composes (the composer recurses per level)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(text: str, path: Path | str) -> YamlDocument:
    """The document of ``text`` (None for an empty one); every problem an InputError."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root, len(text))
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlProblem(str(exc.problem or exc), path, line, col) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc).splitlines()[0], path, None, None) from None
    finally:
        loader.dispose()
    return YamlDocument(data, root)


def _check_expansion(root: yaml.Node, text_size: int) -> None:
    """Refuses a document whose aliases would expand it past the limit, or into itself."""
    limit = max(EXPANSION * text_size, EXPANSION_FLOOR)
    weight: dict[int, int] = {}
    visiting: set[int] = set()

    def weigh(node: yaml.Node) -> int:
        key = id(node)
        if key in weight:  # an alias: the node again, weighed once
            return weight[key]
        if key in visiting:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to a node that holds it (recursive)",
                problem_mark=node.start_mark,
            )
        visiting.add(key)
        if isinstance(node, yaml.ScalarNode):
            total = 1 + len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(weigh(item) for item in node.value)
        else:
            total = 1 + sum(weigh(k) + weigh(v) for k, v in node.value)
        visiting.discard(key)
        weight[key] = total
        if total > limit:
            raise yaml.MarkedYAMLError(
                problem=(
                    f"aliases expand this document past {limit} characters "
                    f"({EXPANSION}x the file); write the values out"
                ),
                problem_mark=node.start_mark,
            )
        return total

    weigh(root)
