"""A light block tree over markdown-it tokens.

markdown-it-py's Node is general (every inline child becomes a node, every
attribute a property); the rules only need block nesting, so this builds the tree in
one pass with slotted nodes. ``inline`` nodes are leaves: rules read ``token.children``.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token


class Node:
    __slots__ = ("children", "map", "tag", "token", "type")

    def __init__(self, type_: str, token: Token | None) -> None:
        self.type = type_
        self.token = token
        """The token itself for leaves (inline, fence, …), the opening token for containers."""
        self.tag = token.tag if token is not None else ""
        self.map = tuple(token.map) if token is not None and token.map else None
        self.children: list[Node] = []

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
    """The root node of ``tokens`` (iterative: nesting depth costs no recursion).

    Nodes hold no link to their parent: a tree without cycles is freed as soon as its
    document is parsed, where one with them was left to the cyclic garbage collector,
    whose full passes over every document parsed so far were a third of a build's parse.
    """
    root = Node("root", None)
    open_ = [root]  # the containers open at this token, innermost last
    for token in tokens:
        if token.nesting == 1:
            node = Node(
                token.type[: -len("_open")] if token.type.endswith("_open") else token.type,
                token,
            )
            open_[-1].children.append(node)
            open_.append(node)
        elif token.nesting == -1:
            if len(open_) > 1:
                current = open_.pop()
                if current.map is None and token.map:
                    current.map = tuple(token.map)
        else:
            open_[-1].children.append(Node(token.type, token))
    return root
