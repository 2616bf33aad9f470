"""The intranet runbook site: paths, sanitising, page models, search index.

:mod:`compiler.generators.html` drives these modules; each is usable and testable alone.
"""
