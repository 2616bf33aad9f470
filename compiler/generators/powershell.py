"""``ps1/<doc id>.ps1``: a PowerShell checklist script per runbook (see compiler/powershell/).

Each script walks an engineer through the document's error entries, procedures (following
the graph's next and jump edges) and checklists, offers the document's commands, and keeps
a JSON Lines evidence log. UTF-8 with BOM and CRLF, for Windows PowerShell 5.1 and 7.
"""

from __future__ import annotations

from typing import ClassVar

from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph
from compiler.model import Document
from compiler.parallel import Failure, map_documents, workers_for
from compiler.powershell.script import encode_script, make_kit, render_script, script_path


@register("ps1")
class PowerShellGenerator:
    name: ClassVar[str] = "ps1"

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        extra = ctx.config.path(ctx.config.templates) if ctx.config.templates else None
        kit = make_kit(extra, ctx.template_cache())
        used: set[str] = set()
        todo: list[tuple[Document, str]] = []
        for doc in graph.documents():
            path = script_path(doc.id)
            stem, n = path[: -len(".ps1")], 2
            while path.casefold() in used:  # two ids that sanitise alike (Windows folds case)
                path, n = f"{stem}-{n}.ps1", n + 1
            used.add(path.casefold())
            if not ctx.needs(doc.id) and ctx.writer.keep(path):
                continue  # unchanged since the last build: its script is still right
            todo.append((doc, path))

        def render(doc: Document) -> bytes:
            return encode_script(render_script(graph, doc, kit))

        docs = [doc for doc, _ in todo]
        for (doc, path), data in zip(
            todo, map_documents(render, docs, jobs=workers_for(len(docs), ctx.jobs)), strict=True
        ):
            if isinstance(data, Failure):  # one odd document must not cost the others theirs
                ctx.diags.internal(doc.source, "write the PowerShell script of this document", data)
                continue
            ctx.writer.write_bytes(path, data)
