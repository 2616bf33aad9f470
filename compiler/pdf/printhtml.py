"""Documents -> print HTML, through the Jinja templates in ``templates/print/``.

Only the model's plain ``text`` fields are used (line breaks kept by CSS
``white-space: pre-line``); the raw ``html`` fields are never read, so hostile markup
in a document is just text here, escaped by Jinja's autoescaping. Every ``id`` in the
HTML is made by this module (``r<hash>-e3``), never taken from the document, and
carries a per-document prefix so anchors stay unique once runbooks share a handbook.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import markupsafe

from compiler.model import (
    Checklist,
    Document,
    ErrorEntry,
    Image,
    Item,
    Jump,
    Note,
    Procedure,
    Section,
    Step,
)
from compiler.strings import fmt, template_dirs, ui_strings

FORMAT = "print"
"""Template folder name (``templates/print/``, or ``<admin templates>/print/``)."""
STYLESHEET = "print.css"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp"})
BOOKMARK_LABEL_COLUMNS = 90
MAX_DEPTH = 6
"""Nested items deeper than this are printed as one flat list (hostile nesting stays cheap)."""
BUDGET = 300_000
"""Estimated characters of print HTML one runbook PDF may hold (about 120 pages): blocks
after that are left out with a diagnostic, so a 10,000-row table cannot take minutes and
gigabytes to lay out. The largest real document uses about a quarter of it."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


# -- environment ---------------------------------------------------------------------------


def _finalize(value: object) -> object:
    """Characters HTML cannot carry are dropped from every value a template prints."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return _CONTROL.sub("", value)
    return value


def make_environment(
    extra_dir: Path | None = None, cache: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """One environment per build: the admin's ``print/`` folder first, then ours."""
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(d)) for d in template_dirs(FORMAT, extra_dir)]
    )
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=cache,
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = lambda template, **values: fmt(str(template), **values)
    env.filters["descendants"] = descendants
    env.globals["max_depth"] = MAX_DEPTH
    return env


def descendants(items: Sequence[Item]) -> list[Item]:
    """Every item below ``items``, depth first, without recursion (any nesting depth)."""
    out: list[Item] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.children))
    return out


def load_stylesheet(extra_dir: Path | None = None) -> tuple[str, Path | None]:
    """``print.css`` from the first template folder that has one, and that folder."""
    for folder in template_dirs(FORMAT, extra_dir):
        path = folder / STYLESHEET
        if path.is_file():
            return path.read_text(encoding="utf-8"), folder.resolve()
    return "", None


def template_fingerprint(extra_dir: Path | None = None) -> str:
    """Hash of every print template and stylesheet in use: part of the render cache key."""
    digest = hashlib.sha256()
    for folder in template_dirs(FORMAT, extra_dir):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def pdf_strings(lang: str, extra_dir: Path | None = None) -> dict[str, str]:
    return ui_strings(lang, "pdf", extra_dir)


def one_line(text: str, columns: int = BOOKMARK_LABEL_COLUMNS) -> str:
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return text if len(text) <= columns else text[: columns - 1].rstrip() + "…"


# -- anchors -------------------------------------------------------------------------------


def anchor_prefix(doc_id: str) -> str:
    """``r`` + 10 hex digits of the document id: stable, unique in a handbook, safe in HTML."""
    return "r" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:10]


def runbook_anchor(doc_id: str) -> str:
    return f"{anchor_prefix(doc_id)}-top"


def entry_anchor(doc: Document, index: int) -> str:
    return f"{anchor_prefix(doc.id)}-e{index}"


# -- images --------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ImageView:
    image: Image
    url: str | None
    """``file://`` URL of a checked file inside the source folder, or None (placeholder)."""
    problem: str | None = None
    """Why it is left out: ``web``, ``missing``, ``outside`` or ``type``."""


def resolve_image(source_root: Path | None, doc: Document, image: Image) -> ImageView:
    """The image file for ``image``, only when it is a regular file inside the source folder."""
    src = image.src.strip()
    parts = urlsplit(src)
    if parts.scheme.lower() in ("http", "https") or src.startswith("//"):
        return ImageView(image, None, "web")
    if parts.scheme:  # file:, data:, javascript: ... never followed
        return ImageView(image, None, "outside")
    if source_root is None:
        return ImageView(image, None, "missing")
    path = unquote(parts.path)
    if not path or path.startswith("/"):
        return ImageView(image, None, "outside")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc.source), path))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return ImageView(image, None, "outside")
    root = source_root.resolve()
    try:
        real = (root / joined).resolve()
    except (OSError, RuntimeError):
        return ImageView(image, None, "missing")
    if root not in real.parents:
        return ImageView(image, None, "outside")
    if not real.is_file():
        return ImageView(image, None, "missing")
    if real.suffix.lower() not in IMAGE_SUFFIXES:
        return ImageView(image, None, "type")
    return ImageView(image, real.as_uri())


# -- the runbook view ----------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """One flowchart page: an SVG embedded as a data URL (vector, text stays text)."""

    uri: str
    alt: str
    landscape: bool = False


@dataclass(slots=True)
class StepView:
    step: Step
    anchor: str
    jumps: list[tuple[str, str | None]]
    """Each jump written out, with the anchor of its target step when that exists."""
    images: list[ImageView]


@dataclass(slots=True)
class Block:
    kind: str
    """``entry``, ``procedure``, ``checklist`` or ``note``."""
    line: int
    anchor: str
    bookmark: str
    entry: ErrorEntry | None = None
    procedure: Procedure | None = None
    steps: list[StepView] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    checklist: Checklist | None = None
    note: Note | None = None
    section_title: str = ""
    """The title of the section it sits in (a block title that repeats it is not shown)."""


@dataclass(slots=True)
class SectionView:
    title: str
    anchor: str
    heading: int
    """HTML heading level, 2-4."""
    bookmark_level: int
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class RunbookView:
    doc: Document
    anchor: str
    preamble: list[Block]
    sections: list[SectionView]
    codes: list[str]
    s: Mapping[str, str]
    total: int = 0
    """Blocks (entries, procedures, checklists, notes) in the document."""
    kept: int = 0
    """Blocks printed: fewer than ``total`` when the document is over :data:`BUDGET`."""


ImageResolver = Callable[[Document, Image], ImageView]
FigureMaker = Callable[[Document, Procedure], list[Figure]]


def jump_text(jump: Jump, s: Mapping[str, str]) -> str:
    """A step's jump written out: ``→ 手順 7 (見つかった場合は)``."""
    if jump.kind == "repeat":
        if jump.last is not None and jump.last != jump.to:
            text = fmt(s.get("repeat_range", ""), first=jump.to, last=jump.last, step=s["step"])
        else:
            text = fmt(s.get("repeat_one", ""), first=jump.to, step=s["step"])
    elif jump.kind == "skip":
        text = fmt(s.get("skip", ""), to=jump.to, step=s["step"])
    else:
        text = fmt(s.get("jump", ""), to=jump.to, step=s["step"])
    if jump.condition:
        text = fmt(
            s.get("jump_condition", "{jump} ({condition})"),
            jump=text,
            condition=one_line(jump.condition, 200),
        )
    return text


def entry_label(entry: ErrorEntry) -> str:
    message = one_line(entry.message or entry.id)
    if entry.codes:
        return one_line(f"{', '.join(entry.codes)} — {message}")
    return message


def build_view(
    doc: Document,
    s: Mapping[str, str],
    *,
    resolve: ImageResolver,
    figures: FigureMaker,
    budget: int = BUDGET,
) -> RunbookView:
    """The document as blocks under their sections, in document order, up to ``budget``.

    ``resolve`` and ``figures`` are called only for the blocks that are printed.
    """
    prefix = anchor_prefix(doc.id)
    found: list[tuple[int, str, int]] = [(e.line, "entry", i) for i, e in enumerate(doc.errors)]
    found += [(p.line, "procedure", i) for i, p in enumerate(doc.procedures)]
    found += [(c.line, "checklist", i) for i, c in enumerate(doc.checklists)]
    found += [(n.line, "note", i) for i, n in enumerate(doc.notes)]
    found.sort()
    blocks: list[Block] = []
    used = 0
    for _line, kind, i in found:
        used += _estimate(doc, kind, i)
        if used > budget:
            break
        blocks.append(_block(doc, kind, i, prefix, s, resolve, figures))
    preamble, sections = _place(doc, blocks, prefix)
    codes = list(dict.fromkeys(c for e in doc.errors for c in e.codes))
    return RunbookView(
        doc, runbook_anchor(doc.id), preamble, sections, codes, s, len(found), len(blocks)
    )


def _block(
    doc: Document,
    kind: str,
    i: int,
    prefix: str,
    s: Mapping[str, str],
    resolve: ImageResolver,
    figures: FigureMaker,
) -> Block:
    if kind == "entry":
        entry = doc.errors[i]
        return Block("entry", entry.line, f"{prefix}-e{i}", entry_label(entry), entry=entry)
    if kind == "procedure":
        proc = doc.procedures[i]
        numbers = {step.number for step in proc.steps}
        steps = [
            StepView(
                step,
                f"{prefix}-p{i}-{step.number}",
                [
                    (jump_text(j, s), f"{prefix}-p{i}-{j.to}" if j.to in numbers else None)
                    for j in step.jumps
                ],
                [resolve(doc, image) for image in step.images],
            )
            for step in proc.steps
        ]
        label = one_line(f"{s['procedure']}: {proc.title}") if proc.title else s["procedure"]
        return Block(
            "procedure",
            proc.line,
            f"{prefix}-p{i}",
            label,
            procedure=proc,
            steps=steps,
            figures=figures(doc, proc),
        )
    if kind == "checklist":
        checklist = doc.checklists[i]
        label = one_line(f"{s['checklist']}: {checklist.title}") if checklist.title else ""
        return Block(
            "checklist",
            checklist.line,
            f"{prefix}-c{i}",
            label or s["checklist"],
            checklist=checklist,
        )
    note = doc.notes[i]
    return Block("note", note.line, f"{prefix}-n{i}", "", note=note)


_MARKUP = 120
"""Estimated characters of markup around one printed text (list item, step, box)."""


def _estimate(doc: Document, kind: str, i: int) -> int:
    """Roughly how many characters of print HTML a block becomes."""
    if kind == "entry":
        e = doc.errors[i]
        size = len(e.message) + len(e.context) + 4 * _MARKUP
        size += sum(len(c.text) + _MARKUP for c in e.causes)
        return size + _items_size(e.actions)
    if kind == "procedure":
        p = doc.procedures[i]
        size = len(p.fallback or "") + 4 * _MARKUP
        for step in p.steps:
            size += len(step.text) + 2 * _MARKUP + _items_size(step.children)
            size += sum(len(c.code) + _MARKUP for c in step.commands)
            size += (len(step.images) + len(step.jumps)) * 2 * _MARKUP
        return size + len(p.steps) * 4 * _MARKUP  # the flowchart
    if kind == "checklist":
        c = doc.checklists[i]
        size = 4 * _MARKUP
        for item in c.items:
            size += len(item.text) + 2 * _MARKUP + _items_size(item.children)
            size += sum(len(x.code) + _MARKUP for x in item.commands)
        return size
    return len(doc.notes[i].text) + 2 * _MARKUP


def _items_size(items: Sequence[Item]) -> int:
    return sum(len(item.text) + _MARKUP for item in descendants(items))


def _place(
    doc: Document, blocks: Sequence[Block], prefix: str
) -> tuple[list[Block], list[SectionView]]:
    """Each block under its section (by anchor, else by line); empty sections are left out."""
    sections = sorted(doc.sections, key=lambda sec: sec.line)
    # The document's own level-1 heading is the runbook title: its blocks are the preamble.
    title_heading = bool(sections) and sections[0].level == 1
    views = [
        SectionView(
            sec.title,
            f"{prefix}-s{i}",
            min(max(sec.level, 2), 4),
            min(max(sec.level, 2), 4),
        )
        for i, sec in enumerate(sections)
    ]
    by_anchor: dict[str, int] = {}
    for i, sec in enumerate(sections):
        by_anchor.setdefault(sec.anchor, i)
    preamble: list[Block] = []
    for block in sorted(blocks, key=lambda b: (b.line, b.kind, b.anchor)):
        owner = _owner(block, by_anchor, sections)
        if owner is None or (owner == 0 and title_heading):
            preamble.append(block)
        else:
            views[owner].blocks.append(block)
            block.section_title = views[owner].title
    keep = [bool(v.blocks) for v in views]
    for i in range(len(views) - 1, -1, -1):  # a heading stays when a subsection has content
        j = i + 1
        while j < len(views) and sections[j].level > sections[i].level:
            if keep[j]:
                keep[i] = True
                break
            j += 1
    if title_heading:
        keep[0] = False
    return preamble, [v for v, k in zip(views, keep, strict=True) if k]


def _owner(block: Block, by_anchor: Mapping[str, int], sections: Sequence[Section]) -> int | None:
    section = None
    if block.entry is not None:
        section = block.entry.section
    elif block.procedure is not None:
        section = block.procedure.section
    elif block.checklist is not None:
        section = block.checklist.section
    if section and section in by_anchor:
        return by_anchor[section]
    owner = None
    for i, sec in enumerate(sections):
        if sec.line <= block.line:
            owner = i
    return owner


def runbook_html(env: jinja2.Environment, view: RunbookView, *, created: str | None) -> str:
    return env.get_template("runbook.html.j2").render(
        view=view, doc=view.doc, s=view.s, created=created
    )
