"""Procedures (ordered lists of steps, with jumps and a fallback) and checklists (bullet lists)."""

from __future__ import annotations

from compiler.diagnostics import Diagnostics
from compiler.model import Checklist, ChecklistItem, Item, Jump, Procedure, Step
from compiler.parse.blocks import (
    ItemContent,
    descendant_commands,
    item_content,
    list_items,
    parts_of,
    walk,
)
from compiler.parse.jumps import find_jumps
from compiler.parse.tree import Node
from compiler.parse.vocab import Vocabulary, normalise_label

MIN_STEPS = 2
"""A one-item ordered list is a numbered remark, not a procedure."""


def procedure_from_lists(
    lists: list[Node],
    *,
    title: str,
    section: str,
    path: str,
    vocab: Vocabulary,
    diags: Diagnostics,
) -> Procedure | None:
    """Steps from one ordered list, or from several that continue each other's numbering."""
    items = [li for lst in lists for li in _items(lst)]
    if len(items) < MIN_STEPS:
        return None
    start = list_start(lists[0])
    procedure = Procedure(
        id="", title=title, line=items[0].map[0] + 1 if items[0].map else 1, section=section
    )
    for index, li in enumerate(items):
        number = start + index
        content = item_content(li, vocab)
        step = Step(
            number=number,
            text=content.text,
            line=content.line,
            html=content.html,
            commands=list(content.commands),
            images=list(content.images),
            links=list(content.links),
        )
        step.jumps.extend(find_jumps(content.text, content.line, number, vocab))
        for nested in content.nested:
            step.children.extend(list_items(nested, vocab))
            sub_steps = {
                id(li): lst
                for lst in (nested, *walk(nested))
                if lst.type == "ordered_list"
                for li in lst.children
            }
            for sub in walk(nested):
                if sub.type != "list_item":
                    continue
                sub_content = item_content(sub, vocab)
                step.commands.extend(sub_content.commands)  # a step runs what its sub-items give
                step.images.extend(sub_content.images)
                step.links.extend(sub_content.links)
                if nested.type == "bullet_list":
                    # "* iOS 12.2 and later: … Then continue to step 3." branches of this step.
                    step.jumps.extend(find_jumps(sub_content.text, sub_content.line, number, vocab))
                elif id(sub) in sub_steps:
                    step.jumps.extend(
                        _sub_step_jumps(sub_content, sub_steps[id(sub)], number, vocab)
                    )
        procedure.steps.append(step)
    _check_numbering(items, start, path, diags)
    return procedure


def _sub_step_jumps(
    content: ItemContent, sub_list: Node, number: int, vocab: Vocabulary
) -> list[Jump]:
    """Jumps out of a numbered sub-step ("c. … 手順 8 に進みます。" under step 7): the
    target is a step of the procedure when the sub-list has no item of that number (a
    target the sub-list has may be its own sub-step, "手順 2", written "b." when rendered)."""
    items = sum(1 for li in sub_list.children if li.type == "list_item")
    return [
        jump
        for jump in find_jumps(content.text, content.line, number, vocab)
        if jump.to > items and jump.to != number
    ]


def continuation_groups(nodes: list[Node]) -> dict[int, list[Node]]:
    """Ordered lists split by a note or a picture but numbered on (1. / > [!NOTE] / 2.) are one,
    also when the list after the note repeats the last number (7. / > [!NOTE] / 7. 8.).

    Returns ``{index of the first list: [lists]}``; a list that continues another is
    not a key. Lazy "1." numbering never continues: it gives no evidence.
    """
    groups: dict[int, list[Node]] = {}
    open_group: list[Node] | None = None
    next_number = 0
    for index, node in enumerate(nodes):
        if node.type != "ordered_list":
            continue
        count = len(_items(node))
        start = list_start(node)
        # "… 7. / > [!NOTE] / 7. 8. 9.": an author who numbers on after a note and writes
        # the last number again still numbers on (readers count 10 steps).
        if open_group is not None and start > 1 and next_number - 1 <= start <= next_number:
            open_group.append(node)
        else:
            open_group = [node]
            groups[index] = open_group
        next_number = start + count
    return groups


def list_start(lst: Node) -> int:
    raw = lst.attrs.get("start") if lst.attrs else None
    try:
        return int(raw) if raw is not None else 1
    except (TypeError, ValueError):
        return 1


def _check_numbering(items: list[Node], start: int, path: str, diags: Diagnostics) -> None:
    """Authors who number by hand skip numbers; readers (and jumps) count positions."""
    written: list[int] = []
    for li in items:
        info = li.info if isinstance(li.info, str) else ""
        if not info.isdigit():
            return
        written.append(int(info))
    if len(set(written)) <= 1:
        return  # "1. 1. 1." lazy numbering: positions are what the reader sees
    expected = list(range(start, start + len(items)))
    for li, number, position in zip(items, written, expected, strict=True):
        if number != position:
            diags.warning(
                path,
                li.map[0] + 1 if li.map else 1,
                f"step written as {number}. is step {position} as rendered; jumps count rendered "
                f"positions — renumber the list so the two agree",
                "step-numbering",
            )
            return


def procedures_in_items(
    items: list[Item], *, title: str, section: str, vocab: Vocabulary
) -> list[Procedure]:
    """Steps written by hand inside a table cell ("1. … <br> 2. …"): runs of numbered items."""
    found: list[Procedure] = []
    stack = [items]
    while stack:
        level = stack.pop()
        run: list[Item] = []
        for item in [*level, None]:
            if item is not None and item.ordered:
                run.append(item)
                continue
            if len(run) >= MIN_STEPS:
                found.append(_item_procedure(run, title, section, vocab))
            run = []
            if item is not None and item.children:
                stack.append(item.children)
    return sorted(found, key=lambda p: p.line)


def _item_procedure(run: list[Item], title: str, section: str, vocab: Vocabulary) -> Procedure:
    procedure = Procedure(id="", title=title, line=run[0].line, section=section)
    for number, item in enumerate(run, 1):
        step = Step(
            number=number,
            text=item.text,
            line=item.line,
            html=item.html,
            children=list(item.children),
        )
        step.jumps.extend(find_jumps(item.text, item.line, number, vocab))
        procedure.steps.append(step)
    return procedure


def fallback_text(node: Node | None, vocab: Vocabulary) -> tuple[str, int] | None:
    """The paragraph right after a procedure, when it says what to do if all of it failed."""
    if node is None or node.type != "paragraph":
        return None
    parts = parts_of(node)
    if parts is None or not parts.text:
        return None
    if any(rx.search(parts.text) for rx in vocab.fallback):
        return parts.text, node.map[0] + 1 if node.map else 1
    return None


def checklist_from_list(
    lst: Node, *, title: str, section: str, vocab: Vocabulary
) -> Checklist | None:
    """A bullet list of checks; lists of links ("Next steps") and one-liners are not."""
    if normalise_label(title) in vocab.checklist_skip:
        return None
    items = [li for li in lst.children if li.type == "list_item"]
    if len(items) < MIN_STEPS:
        return None
    checklist = Checklist(
        id="", title=title, line=items[0].map[0] + 1 if items[0].map else 1, section=section
    )
    link_items = 0
    for li in items:
        content = item_content(li, vocab)
        if _mostly_link(li):
            link_items += 1
        entry = ChecklistItem(
            text=content.text,
            line=content.line,
            html=content.html,
            commands=list(content.commands),
        )
        for nested in content.nested:
            entry.children.extend(list_items(nested, vocab))
            entry.commands.extend(descendant_commands(nested, vocab))
        checklist.items.append(entry)
    if link_items * 2 >= len(items):
        return None
    return checklist


def _mostly_link(li: Node) -> bool:
    """An item whose words are mostly link text is navigation, not a check."""
    total = linked = 0
    for node in walk(li):
        if node.type != "inline" or node.token is None:
            continue
        depth = 0
        for child in node.token.children or []:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth = max(depth - 1, 0)
            elif child.type in ("text", "code_inline"):
                n = len(child.content.strip())
                total += n
                if depth:
                    linked += n
    return total > 0 and linked * 2 >= total


def regroup_bare_markers(nodes: list[Node], source_lines: list[str]) -> list[Node]:
    """Steps written as a bare "1. " with the step below it at the margin, as documents
    converted from DocBook are (AWS): one ordered list, each item holding its title
    paragraph and what follows up to the next bare marker.

    CommonMark ends an empty item at the blank line, so the title and body fall outside
    the list, and an indented sub-list before the next bare "1. " takes that marker as its
    own last (empty) item; those sub-list items stay with the step they are under.
    Nothing changes unless at least :data:`MIN_STEPS` such markers follow each other.
    """
    starts = [i for i, node in enumerate(nodes) if _ends_with_bare_marker(nodes, i)]
    if len(starts) < MIN_STEPS:
        return nodes
    first = starts[0]
    if len(_items(nodes[first])) != 1:
        return nodes  # the first marker must start its own list
    out = list(nodes[:first])
    steps = Node("ordered_list", None)
    steps.map = nodes[first].map
    end = len(nodes)
    for k, start in enumerate(starts):
        marker = _items(nodes[start])[-1]
        item = Node("list_item", None)
        item.map = marker.map
        stop = starts[k + 1] if k + 1 < len(starts) else end
        body = list(nodes[start + 1 : stop])
        if k + 1 < len(starts):
            # The next marker's list: its items before the marker are this step's sub-steps.
            inner = _items(nodes[stop])[:-1]
            if inner:
                sub = Node("ordered_list", nodes[stop].token)
                sub.map = nodes[stop].map
                sub.children = inner
                body.append(sub)
        if k + 1 == len(starts):
            body = _indented_tail(body, source_lines)
            end = start + 1 + len(body)
        item.children = body
        steps.children.append(item)
    out.append(steps)
    out.extend(nodes[end:])
    return out


def _items(lst: Node) -> list[Node]:
    return [li for li in lst.children if li.type == "list_item"]


def _ends_with_bare_marker(nodes: list[Node], index: int) -> bool:
    """An ordered list whose last item is empty, followed at once by a paragraph."""
    node = nodes[index]
    if node.type != "ordered_list":
        return False
    items = _items(node)
    return (
        bool(items)
        and not items[-1].children
        and index + 1 < len(nodes)
        and nodes[index + 1].type == "paragraph"
    )


def _indented_tail(body: list[Node], source_lines: list[str]) -> list[Node]:
    """The last step: its title and the blocks indented below it (its body is written
    indented under the marker; the first block at the margin is past the procedure)."""
    kept = body[:1]
    for node in body[1:]:
        line = node.map[0] if node.map else -1
        if not 0 <= line < len(source_lines) or not source_lines[line][:1].isspace():
            break
        kept.append(node)
    return kept
