"""Shared helpers over markdown-it syntax-tree nodes: lines, text, items, commands."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.model import Command, Image, Item, Link
from compiler.parse.commands import as_command, block_command
from compiler.parse.inline import InlineParts, html_fragment_parts, inline_parts
from compiler.parse.tree import Node
from compiler.parse.vocab import Vocabulary

LIST_TYPES = ("bullet_list", "ordered_list")
_TASK_MARKER = re.compile(r"^\[[ xX]\]\s+")


def line_of(node: Node, fallback: int = 1) -> int:
    """1-based source line of a node (front matter is blanked, so no offset is needed)."""
    return node.map[0] + 1 if node.map else fallback


def inline_of(node: Node) -> Node | None:
    """The ``inline`` child of a paragraph, heading or cell."""
    for child in node.children:
        if child.type == "inline":
            return child
    return None


def parts_of(node: Node, fallback_line: int = 1) -> InlineParts | None:
    inline = inline_of(node)
    if inline is None or inline.token is None:
        return None
    return inline_parts(inline.token, line_of(node, fallback_line))


def walk(node: Node) -> Iterator[Node]:
    """Every descendant, depth first, in source order (iterative: no recursion limit)."""
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def fence_command(node: Node, vocab: Vocabulary) -> Command | None:
    """A fenced or indented code block as a command (see :mod:`compiler.parse.commands`)."""
    info = (node.info or "").strip()
    lang = info.split()[0].lower() if info else None
    return block_command(node.content, lang, line_of(node), vocab)


class ItemContent:
    """Text, commands, links and images gathered from a list item's own blocks."""

    __slots__ = ("commands", "html", "images", "line", "links", "nested", "text")

    def __init__(self, line: int) -> None:
        self.line = line
        self.text = ""
        self.html = ""
        self.commands: list[Command] = []
        self.links: list[Link] = []
        self.images: list[Image] = []
        self.nested: list[Node] = []
        """Nested lists, in order."""


def item_content(item: Node, vocab: Vocabulary) -> ItemContent:
    """What a list item says itself; nested lists are returned, not read."""
    content = ItemContent(line_of(item))
    texts: list[str] = []
    htmls: list[str] = []
    for child in item.children:
        if child.type == "paragraph":
            parts = parts_of(child, content.line)
            if parts is None:
                continue
            if parts.text:
                texts.append(parts.text)
                htmls.append(parts.html)
            content.links.extend(parts.links)
            content.images.extend(parts.images)
            for code, code_line in parts.code_spans:
                cmd = as_command(code, code_line, vocab)
                if cmd is not None:
                    content.commands.append(cmd)
        elif child.type in ("fence", "code_block"):
            cmd = fence_command(child, vocab)
            if cmd is not None:
                content.commands.append(cmd)
        elif child.type in LIST_TYPES:
            content.nested.append(child)
        elif child.type == "html_block":
            links, images = html_fragment_parts(child.content, line_of(child, content.line))
            content.links.extend(links)
            content.images.extend(images)
    # A task-list marker ("- [ ] Check the proxy", as our Markdown export writes) is
    # structure, not text. (markdown-it's tasklists option would re-parse what follows
    # the marker as blocks: "- [ ] # x" would become a heading, unlike GitHub.)
    if texts and _TASK_MARKER.match(texts[0]):
        texts[0] = _TASK_MARKER.sub("", texts[0], count=1)
        htmls[0] = _TASK_MARKER.sub("", htmls[0], count=1)
    content.text = "\n".join(texts)
    content.html = "<br>\n".join(htmls)
    return content


def list_items(lst: Node, vocab: Vocabulary) -> list[Item]:
    """A Markdown list as an item tree (text of each item, nested lists as children)."""
    out: list[Item] = []
    for li in lst.children:
        if li.type != "list_item":
            continue
        content = item_content(li, vocab)
        item = Item(
            text=content.text,
            line=content.line,
            html=content.html,
            ordered=lst.type == "ordered_list",
        )
        for nested in content.nested:
            item.children.extend(list_items(nested, vocab))
        for cmd in content.commands:
            if cmd.code not in item.text:
                item.children.append(Item(text=cmd.code, line=cmd.line))
        if item.text or item.children:
            out.append(item)
    return out


def descendant_commands(node: Node, vocab: Vocabulary) -> list[Command]:
    """Commands in nested lists below an item (a step runs what its sub-bullets give)."""
    out: list[Command] = []
    for child in walk(node):
        if child.type == "list_item":
            out.extend(item_content(child, vocab).commands)
    return out


def flatten_text(item: Item) -> str:
    """An item and everything nested under it, one text per line."""
    return "\n".join([item.text, *(flatten_text(c) for c in item.children)]).strip()
