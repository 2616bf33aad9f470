"""Flowcharts: DOT for procedures and error entries, drawn to SVG by Graphviz ``dot``.

The public API the HTML and PDF generators use::

    procedure_dot(doc, proc, graph, *, link=None) -> list[str]   # one DOT per page
    entry_dot(doc, entry, *, link=None) -> str
    render_svg(dots) -> list[str]    # batched dot processes; FlowchartError if dot is missing
"""

from compiler.flowchart.dot import (
    default_entry_link,
    default_step_link,
    entry_dot,
    html_href,
    procedure_dot,
    step_anchor,
)
from compiler.flowchart.render import (
    FlowchartError,
    PageFit,
    fit_page,
    render_svg,
    svg_size,
)

__all__ = [
    "FlowchartError",
    "PageFit",
    "default_entry_link",
    "default_step_link",
    "entry_dot",
    "fit_page",
    "html_href",
    "procedure_dot",
    "render_svg",
    "step_anchor",
    "svg_size",
]
