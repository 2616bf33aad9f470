"""Print output: one PDF per runbook and the handbook, laid out by WeasyPrint.

- :mod:`compiler.pdf.printhtml` turns a document into print HTML (Jinja, autoescaped,
  from the model's plain ``text`` fields only: the raw ``html`` fields never reach it).
- :mod:`compiler.pdf.render` lays HTML out with WeasyPrint behind a URL fetcher that
  fetches nothing but files inside the source folder and ``data:`` URLs.
- :mod:`compiler.pdf.assemble` stamps page numbers on a stand-alone runbook (pikepdf).
- :mod:`compiler.pdf.book` writes the handbook from the laid-out parts, each prepared
  once (and stored), so a changed document never re-lays-out nor reopens the others.
"""
