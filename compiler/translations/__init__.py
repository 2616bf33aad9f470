"""Language versions of one runbook: which documents they are, and how far they drifted apart.

Three pure steps, each over plain data:

- **pairing** (:func:`pair_documents`, on the parsed documents, before the graph is made):
  documents are versions of one runbook when ``runbooks.toml`` says so (``pairs``, then
  ``folders`` matched by relative path), else when their front matter shares an identity
  (``ms.assetid``, Hugo's ``translationKey``, ``original_content_git_url``). A group holds
  one document per language; its *original* is the one whose front matter does not mark
  it as a translation (``ms.translationtype``…), else the one in ``translations.original``
  (default: the default locale's language). Two documents in different languages that
  share most of their error codes and procedure shapes, but are not paired, are a
  suggestion (``translation-suggest``) with the line to add to ``runbooks.toml``.
- **matching** (:func:`match`): sections by anchor (translations of Microsoft's docs keep
  the English anchors), by similar anchors of the same level, by the error codes and the
  procedure shapes they hold, in document order; entries by shared error codes first,
  then by order within matched sections; procedures by order within matched sections.
- **drift** (:func:`drift`): dates, codes, entries, procedures and sections that differ
  between the original and a translation, as :class:`PairDrift`.

The package: :mod:`.pairing`, :mod:`.drift` (shapes, matching, drift) and :mod:`.report`
(the drift of every pair of a graph, what the site needs of it, the report as text and
JSON, and a handbook's choice of versions).

Matching and drift read documents in the JSON export's form (``runbooks.json``), so the
change report compares the last build's export with this one's the same way the site
compares the graph's documents.
"""

from compiler.translations.drift import (
    DocShape,
    Item,
    Matching,
    PairDrift,
    Side,
    anchor_similarity,
    drift,
    entry_label,
    match,
    shape,
)
from compiler.translations.pairing import (
    IDENTITY_KEYS,
    RULE_PAIR,
    RULE_SUGGEST,
    RULES,
    TRANSLATION_MARKERS,
    VersionGroup,
    identity_of,
    is_marked_translation,
    pair_documents,
)
from compiler.translations.report import (
    VersionIndex,
    dates_text,
    handbook_selection,
    render_text,
    report,
    report_json,
    version_index,
)

__all__ = [
    "IDENTITY_KEYS",
    "RULES",
    "RULE_PAIR",
    "RULE_SUGGEST",
    "TRANSLATION_MARKERS",
    "DocShape",
    "Item",
    "Matching",
    "PairDrift",
    "Side",
    "VersionGroup",
    "VersionIndex",
    "anchor_similarity",
    "dates_text",
    "drift",
    "entry_label",
    "handbook_selection",
    "identity_of",
    "is_marked_translation",
    "match",
    "pair_documents",
    "render_text",
    "report",
    "report_json",
    "shape",
    "version_index",
]
