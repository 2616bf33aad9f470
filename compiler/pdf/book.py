"""The handbook, written object by object from parts prepared once.

Why not pikepdf for the whole book: assembling 300 runbooks that way opens every
part, copies ~46,000 objects, stamps 3,000 pages and saves 125 MB: 6 s and most of
a gigabyte on every build, even when one runbook changed. Instead each laid-out PDF
is turned once into a :class:`Prepared` part: its objects serialized with local
numbers, plus *slots* where the book fills in what depends on the other parts
(object numbers, the page tree, the folio stamped on each page, links into other
parts). Writing the book is then copying bytes and filling slots, one part in
memory at a time. The bytes depend only on the parts and the metadata, so a book
written after one runbook changed is the one a clean build writes.

A part stays what WeasyPrint drew: its streams are copied as they are (compressed),
its dictionaries as QPDF unparses them. Pages get an inline resource dictionary of
their own (the folio's name is added to it) and a content array that wraps the page
in ``q``/``Q`` before drawing the folio, as :func:`compiler.pdf.assemble._stamp` does
for a stand-alone runbook.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from compiler.pdf.render import Bookmark

if TYPE_CHECKING:
    from compiler.pdf.assemble import Metadata

DEST_SCHEME = "runbook-dest:"
"""Links from one part to an anchor in another (contents, code index) are written as
``runbook-dest:<anchor>`` URLs (WeasyPrint drops internal links it cannot resolve) and
turned into links to the book's named destination ``<anchor>`` (or dropped, if none)."""
FORMAT = 1
"""Bump when the prepared form changes (stored parts of another format are made again)."""

# Slot kinds: (offset in the blob, kind, argument); the book writes something there.
OBJ = 0
"""``N 0 obj``: the start of local object ``arg``."""
REF = 1
"""``N 0 R``: a reference to local object ``arg``."""
PARENT = 2
"""A reference to the book's page tree."""
FOLIO = 3
"""`` /Folio N 0 R`` in page ``arg``'s XObject resources, or nothing (no folio)."""
CONTENTS = 4
"""Page ``arg``'s content array: its own streams, wrapped to draw the folio after them."""
LINK = 5
"""``/Dest (name)`` for link ``arg`` when the book has that destination, else nothing."""

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_TOKEN = re.compile(
    rb"\((?:[^\\)]|\\.)*\)"  # a literal string (QPDF escapes every parenthesis in one)
    rb"|<[0-9A-Fa-f\s]*>"  # a hex string
    rb"|/[^\s/<>\[\]()%{}]*"  # a name
    rb"|(?<![\d.+-])(\d+) (\d+) R",  # an indirect reference: the only thing renumbered
    re.S,
)
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@dataclass(slots=True, frozen=True)
class PagePlan:
    obj: int
    """Local number of the page (or, in a folio sheet, of the form XObject drawing it)."""
    box: tuple[float, float, float, float]
    """Trim box: where a folio is placed (a form's bounding box in a folio sheet)."""
    contents: tuple[int, ...] = ()
    """Local numbers of the page's content streams."""


@dataclass(slots=True)
class PartHead:
    """Everything about a prepared part but its bytes: small, read before writing."""

    objects: int
    pages: list[PagePlan]
    slots: Sequence[int]
    """Flat (offset, kind, argument) triples, by offset."""
    folio_name: str = "/Folio"
    """The XObject name of the folio on its pages: one no page of the part uses."""
    dests: list[tuple[str, int, str]] = field(default_factory=list)
    """Named destinations: (name, page index, the array after the page, unparsed)."""
    links: list[tuple[str, str]] = field(default_factory=list)
    """``runbook-dest:`` link targets: (name, the name as a PDF string, unparsed)."""
    offset: int = 0
    """Where the blob starts in the stored part (set by :func:`read_head`)."""
    size: int = 0
    """The blob's length in bytes."""


@dataclass(slots=True)
class Prepared:
    head: PartHead
    blob: bytes


# -- storage ---------------------------------------------------------------------------------


def encode(part: Prepared) -> bytes:
    """A line of JSON (the head but its slots), the slots (4-byte unsigned integers,
    little-endian: a 10,000-slot part reads in microseconds), then the blob."""
    head = part.head
    slots = array("I", head.slots)
    if sys.byteorder == "big":
        slots.byteswap()
    data = {
        "format": FORMAT,
        "objects": head.objects,
        "pages": [[p.obj, list(p.box), list(p.contents)] for p in head.pages],
        "slots": len(slots),
        "size": len(part.blob),
        "folio_name": head.folio_name,
        "dests": head.dests,
        "links": head.links,
    }
    line = json.dumps(data, separators=(",", ":")).encode("ascii")
    return line + b"\n" + slots.tobytes() + part.blob


def read_head(handle: BinaryIO) -> PartHead | None:
    """The head of a part from :func:`encode`, read from its start; None when it is not one
    of ours, or cut short. ``handle`` is left at the blob, whose offset is noted."""
    try:
        data: Any = json.loads(handle.readline())
        if data.get("format") != FORMAT:
            return None
        count = int(data["slots"])
        raw = handle.read(4 * count)
        if len(raw) != 4 * count or count % 3:
            return None
        slots = array("I")
        slots.frombytes(raw)
        if sys.byteorder == "big":
            slots.byteswap()
        return PartHead(
            objects=int(data["objects"]),
            pages=[
                PagePlan(int(obj), (float(a), float(b), float(c), float(d)), tuple(contents))
                for obj, (a, b, c, d), contents in data["pages"]
            ],
            slots=slots,
            folio_name=str(data["folio_name"]),
            dests=[(str(n), int(p), str(t)) for n, p, t in data["dests"]],
            links=[(str(n), str(r)) for n, r in data["links"]],
            offset=handle.tell(),
            size=int(data["size"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# -- preparing a part ------------------------------------------------------------------------


def prepare(pdf_data: bytes, *, forms: bool = False) -> Prepared:
    """A laid-out PDF as a part of the book; ``forms``: a folio sheet, whose pages
    become form XObjects to stamp onto the book's pages."""
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf_data)) as pdf:
        return _Preparer(pdf, forms).run()


class _Preparer:
    def __init__(self, pdf: Any, forms: bool) -> None:
        import pikepdf

        self.pk = pikepdf
        self.pdf = pdf
        self.forms = forms
        self.out = bytearray()
        self.slots: list[int] = []
        self.local: dict[tuple[int, int], int] = {}
        self.queue: list[Any] = []
        self.tree = _page_tree(pdf)
        """Objgens of the part's page-tree nodes (references to them become the book's)."""
        self.catalog = pdf.Root.objgen
        self.links: list[tuple[str, str]] = []
        self.resources: dict[tuple[int, int], tuple[bytes, bytes]] = {}
        self.folio_name = "/Folio"

    def run(self) -> Prepared:
        pages = list(self.pdf.pages)
        used: set[str] = set()
        for page in pages:
            xobjects = _inherited(page.obj, "/Resources", self.pk)
            xobjects = xobjects.get("/XObject") if xobjects is not None else None
            if isinstance(xobjects, self.pk.Dictionary):
                used.update(str(k) for k in xobjects)
        n = 0
        while self.folio_name in used:
            n += 1
            self.folio_name = f"/Folio{n}"
        plans = []
        for page in pages:
            self._number(page.obj)  # pages first: local numbers 0..n-1
        for index, page in enumerate(pages):
            plans.append(self._page(index, page))
        done = len(pages)
        while done < len(self.queue):
            self._object(self.queue[done])
            done += 1
        from compiler.pdf.assemble import named_destinations

        page_index = {page.obj.objgen: i for i, page in enumerate(pages)}
        dests = []
        for name, dest in named_destinations(self.pdf):
            target = dest[0] if len(dest) else None
            at = page_index.get(target.objgen) if isinstance(target, self.pk.Dictionary) else None
            if at is not None and not self.forms:
                tail = self.pk.Array([dest[i] for i in range(1, len(dest))]).unparse()
                dests.append((name, at, tail[1:-1].strip().decode("latin-1")))
        head = PartHead(
            objects=len(self.queue),
            pages=plans,
            slots=self.slots,
            folio_name=self.folio_name,
            dests=dests,
            links=self.links,
        )
        return Prepared(head, bytes(self.out))

    # -- numbering and writing ---------------------------------------------------------------
    def _number(self, obj: Any) -> int:
        key = obj.objgen
        found = self.local.get(key)
        if found is None:
            found = self.local[key] = len(self.queue)
            self.queue.append(obj)
        return found

    def _slot(self, kind: int, arg: int = 0) -> None:
        self.slots += (len(self.out), kind, arg)

    def _emit(self, raw: bytes) -> None:
        """Unparsed PDF syntax, with every indirect reference turned into a slot."""
        pos = 0
        for match in _TOKEN.finditer(raw):
            if match.group(1) is None:
                continue
            self.out += raw[pos : match.start()]
            pos = match.end()
            key = (int(match.group(1)), int(match.group(2)))
            if key in self.tree:
                self._slot(PARENT)
            elif key == self.catalog:
                self.out += b"null"  # nothing in a page may point at the part's catalog
            else:
                self._slot(REF, self._number(self.pdf.get_object(key)))
        self.out += raw[pos:]

    def _start(self, obj: Any) -> None:
        self._slot(OBJ, self.local[obj.objgen])

    def _object(self, obj: Any) -> None:
        pk = self.pk
        self._start(obj)
        if isinstance(obj, pk.Stream):
            raw = obj.read_raw_bytes()
            obj.stream_dict.Length = len(raw)
            self._emit(obj.stream_dict.unparse(resolved=True))
            self.out += b"\nstream\n" + raw + b"\nendstream\nendobj\n"
            return
        link = _dest_link(obj, pk)
        if link is not None:
            del obj.A
            raw = obj.unparse(resolved=True)
            self._emit(raw[:-2])
            self._slot(LINK, len(self.links))
            self.links.append((link, pk.String(link).unparse().decode("latin-1")))
            self.out += b">>\nendobj\n"
            return
        self._emit(obj.unparse(resolved=True))
        self.out += b"\nendobj\n"

    def _page(self, index: int, page: Any) -> PagePlan:
        pk = self.pk
        obj = page.obj
        for key in _INHERITED:
            value = _inherited(obj, key, pk)
            if value is not None and key not in obj:
                obj[key] = value
        x0, y0, x1, y1 = (float(v) for v in page.trimbox)
        box = (x0, y0, x1, y1)
        resources = obj.get("/Resources")
        if not isinstance(resources, pk.Dictionary):
            resources = pk.Dictionary()
        contents = obj.get("/Contents")
        streams = (
            list(contents)
            if isinstance(contents, pk.Array)
            else [contents]
            if isinstance(contents, pk.Stream)
            else []
        )
        self._start(obj)
        if self.forms:
            return self._form(index, obj, box, resources, streams)
        annots = obj.get("/Annots")
        if isinstance(annots, pk.Array):
            # Link annotations are rewritten as objects of their own (see _object).
            obj.Annots = pk.Array(a if a.is_indirect else self.pdf.make_indirect(a) for a in annots)
        for key in ("/Parent", "/Resources", "/Contents"):
            if key in obj:
                del obj[key]
        raw = obj.unparse(resolved=True)
        self._emit(raw[:-2])
        self.out += b"/Parent "
        self._slot(PARENT)
        self.out += b" /Resources "
        before, after = self._page_resources(resources)
        self._emit(before)
        self._slot(FOLIO, index)
        self._emit(after)
        self.out += b" /Contents "
        self._slot(CONTENTS, index)
        self.out += b" >>\nendobj\n"
        return PagePlan(self.local[obj.objgen], box, tuple(self._number(s) for s in streams))

    def _page_resources(self, resources: Any) -> tuple[bytes, bytes]:
        """The page's resources, split where the folio's XObject entry goes."""
        pk = self.pk
        key = resources.objgen if resources.is_indirect else None  # pages share one, mostly
        found = self.resources.get(key) if key is not None else None
        if found is None:
            rest = pk.Dictionary({k: resources[k] for k in resources if k != "/XObject"})
            xobjects = resources.get("/XObject")
            if not isinstance(xobjects, pk.Dictionary):
                xobjects = pk.Dictionary()
            own = xobjects.unparse(resolved=True)
            found = (rest.unparse(resolved=True)[:-2] + b"/XObject " + own[:-2], b">> >>")
            if key is not None:
                self.resources[key] = found
        return found

    def _form(
        self,
        index: int,
        obj: Any,
        box: tuple[float, float, float, float],
        resources: Any,
        streams: list[Any],
    ) -> PagePlan:
        """A folio sheet's page as a form XObject (what ``Page.as_form_xobject`` makes)."""
        pk = self.pk
        raw_filter = (
            streams[0].stream_dict.get("/Filter") if len(streams) == 1 else None
        ) == pk.Name.FlateDecode and "/DecodeParms" not in streams[0].stream_dict
        data = (
            streams[0].read_raw_bytes()
            if raw_filter
            else zlib.compress(b"\n".join(s.read_bytes() for s in streams), 6)
        )
        form = pk.Dictionary(
            Type=pk.Name.XObject,
            Subtype=pk.Name.Form,
            BBox=pk.Array(box),
            Resources=resources,
            Filter=pk.Name.FlateDecode,
            Length=len(data),
        )
        if "/Group" in obj:
            form.Group = obj.Group
        self._emit(form.unparse(resolved=True))
        self.out += b"\nstream\n" + data + b"\nendstream\nendobj\n"
        return PagePlan(self.local[obj.objgen], box)


def _page_tree(pdf: Any) -> set[tuple[int, int]]:
    nodes: set[tuple[int, int]] = set()
    stack = [pdf.Root.get("/Pages")]
    while stack:
        node = stack.pop()
        if node is None or not node.is_indirect or node.objgen in nodes:
            continue
        if node.get("/Type") == "/Pages":
            nodes.add(node.objgen)
            stack.extend(node.get("/Kids", []))
    return nodes


def _inherited(page: Any, key: str, pk: Any) -> Any:
    node, seen = page, 0
    while isinstance(node, pk.Dictionary) and seen < 64:
        if key in node:
            return node[key]
        node, seen = node.get("/Parent"), seen + 1
    return None


def _dest_link(obj: Any, pk: Any) -> str | None:
    """The anchor of a ``runbook-dest:`` link annotation, else None."""
    if not isinstance(obj, pk.Dictionary) or obj.get("/Subtype") != pk.Name.Link:
        return None
    action = obj.get("/A")
    if not isinstance(action, pk.Dictionary) or action.get("/S") != pk.Name.URI:
        return None
    uri = str(action.get("/URI", ""))
    return uri[len(DEST_SCHEME) :] if uri.startswith(DEST_SCHEME) else None


# -- writing the book ------------------------------------------------------------------------


@dataclass(slots=True)
class BookPart:
    head: PartHead
    blob: Callable[[], bytes]
    """Reads the part's bytes (called once, while the book is written)."""
    bookmarks: Sequence[Bookmark] = ()


def write_book(
    parts: Sequence[BookPart],
    folios: Sequence[BookPart],
    meta: Metadata,
    *,
    ident: bytes,
    stamp_from: int = 1,
) -> bytes:
    """The book: ``parts`` one after the other, each page from ``stamp_from`` on
    stamped with the next page of ``folios``; an outline of the parts' bookmarks, and
    one name tree of their destinations (the first part to name one wins).

    ``ident`` (16 bytes) is the file identifier: a hash of what the book is made of.
    """
    out = io.BytesIO()
    write_book_to(out, parts, folios, meta, ident=ident, stamp_from=stamp_from)
    return out.getvalue()


def write_book_to(
    out: BinaryIO,
    parts: Sequence[BookPart],
    folios: Sequence[BookPart],
    meta: Metadata,
    *,
    ident: bytes,
    stamp_from: int = 1,
) -> None:
    """:func:`write_book` into an open file (offsets are taken from ``out.tell()``)."""
    _Book(parts, folios, meta, ident, stamp_from).write(out)


class _Book:
    def __init__(
        self,
        parts: Sequence[BookPart],
        folios: Sequence[BookPart],
        meta: Metadata,
        ident: bytes,
        stamp_from: int,
    ) -> None:
        self.parts = parts
        self.folios = folios
        self.meta = meta
        self.ident = ident
        number = 1
        self.bases: list[int] = []
        for part in (*parts, *folios):
            self.bases.append(number)
            number += part.head.objects
        self.first_page: list[int] = []
        self.page_refs: list[int] = []
        for part, base in zip(parts, self.bases, strict=False):
            self.first_page.append(len(self.page_refs))
            self.page_refs.extend(base + p.obj for p in part.head.pages)
        forms = [
            (base + p.obj, p.box)
            for part, base in zip(folios, self.bases[len(parts) :], strict=True)
            for p in part.head.pages
        ]
        # Per book page: (its folio form, the stamp stream drawing it), or None.
        self.stamps: dict[tuple[str, bytes], int] = {}
        self.folio_of: list[tuple[int, int] | None] = []
        for part in parts:
            for page in part.head.pages:
                at = len(self.folio_of) - stamp_from
                if 0 <= at < len(forms):
                    form, box = forms[at]
                    key = (part.head.folio_name, _placement(box, page.box))
                    stamp = self.stamps.setdefault(key, number + len(self.stamps))
                    self.folio_of.append((form, stamp))
                else:
                    self.folio_of.append(None)
        number += len(self.stamps)
        self.push = number  # the "q" stream put before each stamped page's contents
        self.pages = number + 1
        self.catalog = number + 2
        self.info = number + 3
        self.dest_tree = number + 4
        number += 5
        self.dests: dict[str, tuple[int, str]] = {}
        for part, first in zip(parts, self.first_page, strict=True):
            for name, at, tail in part.head.dests:
                if name not in self.dests and at < len(part.head.pages):
                    self.dests[name] = (self.page_refs[first + at], tail)
        self.outline_root = number
        self.marks: list[tuple[Bookmark, int]] = [
            (mark, first)
            for part, first in zip(parts, self.first_page, strict=True)
            for mark in part.bookmarks
        ]
        self.outline_items = sum(_count(m) for m, _ in self.marks)
        number += 1 + self.outline_items
        self.size = number
        self.offsets = [0] * number

    def write(self, out: BinaryIO) -> None:
        """The book into ``out``, which must be at its start (offsets are from tell())."""
        out.write(_HEADER)
        for index, part in enumerate((*self.parts, *self.folios)):
            self._part(
                out,
                part,
                self.bases[index],
                self.first_page[index] if index < len(self.parts) else 0,
            )
        for (name, matrix), number in self.stamps.items():
            data = b"Q\nq " + matrix + b" cm " + name.encode("latin-1") + b" Do Q\n"
            self._stream(out, number, data)
        self._stream(out, self.push, b"q\n")
        kids = b" ".join(b"%d 0 R" % n for n in self.page_refs)
        self._obj(
            out,
            self.pages,
            b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(self.page_refs)),
        )
        self._outline(out)
        names = [
            _text_bytes(name) + b" [ %d 0 R %s ]" % (page, tail.encode("latin-1"))
            for name, (page, tail) in sorted(
                self.dests.items(), key=lambda kv: kv[0].encode("utf-8")
            )
        ]
        self._obj(out, self.dest_tree, b"<< /Names [ " + b" ".join(names) + b" ] >>")
        self._obj(out, self.info, self._info())
        catalog = b"<< /Type /Catalog /Pages %d 0 R /Names << /Dests %d 0 R >>" % (
            self.pages,
            self.dest_tree,
        )
        catalog += b" /Outlines %d 0 R /PageMode /UseOutlines" % self.outline_root
        if self.meta.language:
            catalog += b" /Lang " + _text_bytes(self.meta.language)
        self._obj(out, self.catalog, catalog + b" >>")
        start = out.tell()
        table = [b"xref\n0 %d\n0000000000 65535 f \n" % self.size]
        table.extend(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        ident = self.ident.hex().encode("ascii")
        table.append(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\n"
            % (self.size, self.catalog, self.info, ident, ident)
            + b"startxref\n%d\n%%%%EOF\n" % start
        )
        out.write(b"".join(table))

    def _info(self) -> bytes:
        """Fixed metadata: no wall-clock date, no XMP packet that would carry one."""
        meta = self.meta
        info = b"<< /Title " + _text_bytes(meta.title) + b" /Producer (runbook-compiler)"
        if meta.subject:
            info += b" /Subject " + _text_bytes(meta.subject)
        if meta.keywords:
            info += b" /Keywords " + _text_bytes(meta.keywords)
        if meta.date:
            info += b" /CreationDate %s /ModDate %s" % (
                _text_bytes(meta.date),
                _text_bytes(meta.date),
            )
        return info + b" >>"

    def _obj(self, out: BinaryIO, number: int, body: bytes) -> None:
        self.offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _stream(self, out: BinaryIO, number: int, data: bytes) -> None:
        self._obj(out, number, b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data))

    def _part(self, out: BinaryIO, part: BookPart, base: int, first_page: int) -> None:
        blob = memoryview(part.blob())
        slots = part.head.slots
        pages = part.head.pages
        links = part.head.links
        offsets = self.offsets
        # The part is put together in memory and written at once: a write per slot was a
        # quarter of a million calls for a 300-runbook book.
        chunks: list[bytes | memoryview] = []
        add = chunks.append
        start = out.tell()
        size = 0  # bytes in chunks so far
        pos = 0
        for i in range(0, len(slots), 3):
            at, kind, arg = slots[i], slots[i + 1], slots[i + 2]
            add(blob[pos:at])
            size += at - pos
            pos = at
            if kind == REF:
                piece = b"%d 0 R" % (base + arg)
            elif kind == OBJ:
                offsets[base + arg] = start + size
                piece = b"%d 0 obj\n" % (base + arg)
            elif kind == PARENT:
                piece = b"%d 0 R" % self.pages
            elif kind == FOLIO:
                folio = self.folio_of[first_page + arg]
                if folio is None:
                    continue
                piece = b" %s %d 0 R" % (part.head.folio_name.encode("latin-1"), folio[0])
            elif kind == CONTENTS:
                own = b" ".join(b"%d 0 R" % (base + c) for c in pages[arg].contents)
                folio = self.folio_of[first_page + arg]
                if folio is None:
                    piece = b"[ %s ]" % own
                else:
                    piece = b"[ %d 0 R %s %d 0 R ]" % (self.push, own, folio[1])
            elif kind == LINK:
                name, raw = links[arg]
                if name not in self.dests:
                    continue
                piece = b"/Dest " + raw.encode("latin-1") + b" "
            else:
                continue
            add(piece)
            size += len(piece)
        add(blob[pos:])
        out.write(b"".join(chunks))

    def _outline(self, out: BinaryIO) -> None:
        root = self.outline_root
        if not self.outline_items:
            self._obj(out, root, b"<< /Type /Outlines /Count 0 >>")
            return
        items: list[_Item] = []

        def walk(marks: Sequence[Bookmark], first: int, parent: int, depth: int) -> list[_Item]:
            level = []
            for mark in marks:
                item = _Item(root + 1 + len(items), mark, first, parent, depth)
                items.append(item)
                item.children = walk(mark.children, first, item.number, depth + 1)
                level.append(item)
            for before, after in itertools.pairwise(level):
                before.next, after.prev = after.number, before.number
            return level

        top: list[_Item] = []
        for mark, first in self.marks:
            top.extend(walk([mark], first, root, 0))
        for before, after in itertools.pairwise(top):
            before.next, after.prev = after.number, before.number
        visible = sum(1 + _visible(item.mark, 0) for item in top)
        self._obj(
            out,
            root,
            b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
            % (top[0].number, top[-1].number, visible),
        )
        for item in items:
            mark = item.mark
            page = self.page_refs[min(item.first + mark.page, len(self.page_refs) - 1)]
            body = b"<< /Title %s /Parent %d 0 R /Dest [ %d 0 R /XYZ %s %s 0 ]" % (
                _text_bytes(mark.label),
                item.parent,
                page,
                _num(mark.x),
                _num(mark.y),
            )
            if item.prev:
                body += b" /Prev %d 0 R" % item.prev
            if item.next:
                body += b" /Next %d 0 R" % item.next
            if item.children:
                # Below the runbooks' own entries, subtrees start folded.
                count = sum(1 + _visible(c, item.depth + 1) for c in mark.children)
                body += b" /First %d 0 R /Last %d 0 R /Count %d" % (
                    item.children[0].number,
                    item.children[-1].number,
                    -count if item.depth >= 1 else count,
                )
            self._obj(out, item.number, body + b" >>")


@dataclass(slots=True)
class _Item:
    number: int
    mark: Bookmark
    first: int
    """The book's index of the first page of the part the bookmark is in."""
    parent: int
    depth: int
    prev: int = 0
    next: int = 0
    children: list[_Item] = field(default_factory=list)


def _count(mark: Bookmark) -> int:
    return 1 + sum(_count(c) for c in mark.children)


def _visible(mark: Bookmark, depth: int) -> int:
    """Descendants of ``mark`` shown while the outline is as written (closed below depth 1)."""
    if depth >= 1 and mark.children:
        return 0
    return sum(1 + _visible(c, depth + 1) for c in mark.children)


def _placement(
    form: tuple[float, float, float, float], page: tuple[float, float, float, float]
) -> bytes:
    """The matrix that puts a form's box centred on a page's box, shrunk to fit."""
    fw, fh = form[2] - form[0], form[3] - form[1]
    pw, ph = page[2] - page[0], page[3] - page[1]
    scale = min(1.0, pw / fw, ph / fh) if fw > 0 and fh > 0 else 1.0
    tx = page[0] + (pw - fw * scale) / 2 - form[0] * scale
    ty = page[1] + (ph - fh * scale) / 2 - form[1] * scale
    return b" ".join(_num(v) for v in (scale, 0.0, 0.0, scale, tx, ty))


def _num(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return b"0" if text in ("", "-0") else text.encode("ascii")


def _text_bytes(text: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with a BOM."""
    if text.isascii() and text.isprintable():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"
