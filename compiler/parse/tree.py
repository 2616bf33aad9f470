"""A light block tree over markdown-it tokens.

markdown-it-py's Node is general (every inline child becomes a node, every
attribute a property); the rules only need block nesting, so this builds the tree in
one pass with slotted nodes. ``inline`` nodes are leaves: rules read ``token.children``.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token


class Node:
    __slots__ = ("children", "map", "parent", "tag", "token", "type")

    def __init__(self, type_: str, token: Token | None, parent: Node | None) -> None:
        self.type = type_
        self.token = token
        """The token itself for leaves (inline, fence, …), the opening token for containers."""
        self.tag = token.tag if token is not None else ""
        self.map = tuple(token.map) if token is not None and token.map else None
        self.children: list[Node] = []
        self.parent = parent

    @property
    def info(self) -> str:
        return self.token.info if self.token is not None else ""

    @property
    def content(self) -> str:
        return self.token.content if self.token is not None else ""

    @property
    def attrs(self) -> dict[str, str | int | float]:
        return dict(self.token.attrs) if self.token is not None else {}

    def __repr__(self) -> str:
        return f"Node({self.type!r}, map={self.map})"


def block_tree(tokens: Sequence[Token]) -> Node:
    """The root node of ``tokens`` (iterative: nesting depth costs no recursion)."""
    root = Node("root", None, None)
    current = root
    for token in tokens:
        if token.nesting == 1:
            node = Node(
                token.type[: -len("_open")] if token.type.endswith("_open") else token.type,
                token,
                current,
            )
            current.children.append(node)
            current = node
        elif token.nesting == -1:
            if current.parent is not None:
                if current.map is None and token.map:
                    current.map = tuple(token.map)
                current = current.parent
        else:
            current.children.append(Node(token.type, token, current))
    return root
