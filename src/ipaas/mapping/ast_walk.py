"""Walking a parsed JSONata expression (the ``Parser.Symbol`` tree of the jsonata package)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonata.parser import Parser


def walk_symbols(root: Any) -> Iterator[Parser.Symbol]:
    """Every symbol of the parsed expression ``root``, each once, parents before children.

    Iterative and guarded by identity: the tree can be deep and shares nodes (a symbol's
    ``_outer_instance`` points back at the parser, so it is not followed)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not isinstance(node, Parser.Symbol):
            continue
        yield node
        for key, child in vars(node).items():
            if key != "_outer_instance" and isinstance(child, Parser.Symbol | list | tuple):
                stack.append(child)
