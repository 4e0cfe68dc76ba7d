"""The rendering layer: reports and receipts in, Word documents (GB/T 9704-2012 layout) out.

Templates are the committed .docx files in ``templates/`` (a secretariat edits them in Word or WPS) and
can be overridden per workspace; each cycle declares which it fills (``docgen.cycle.Document``); rendering is always sandboxed and autoescaped (see ``engine``). Receipts are
rendered from a template compiled once per process (see ``fast``).
"""

from .chart import ChartProcess, cjk_font_path
from .document import Canvas, Rendered, Sources, render_document
from .engine import (
    PROPERTIES,
    REPO_TEMPLATES,
    DocumentProperties,
    RenderError,
    apply_properties,
    check_variables,
    find_template,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    load_template,
    make_jinja_env,
    render_to_file,
    template_variables,
    zone,
)
from .fast import CompiledDocx, compiled_template, render_cached
from .gbt import IssuerMark, TitleLines, official_context, split_title, time_zone_text
from .inplace import InPlaceDocxTemplate
from .pdf import PdfResult, to_pdf
from .receipt import MAX_PROBLEM_ROWS, RECEIPT_TEMPLATE, receipt_context, render_receipt
from .volume import Chapter, VolumeResult, compose_volume

__all__ = [
    "PROPERTIES",
    "DocumentProperties",
    "TitleLines",
    "apply_properties",
    "official_context",
    "split_title",
    "Chapter",
    "PdfResult",
    "Rendered",
    "Sources",
    "VolumeResult",
    "compose_volume",
    "to_pdf",
    "Canvas",
    "ChartProcess",
    "IssuerMark",
    "render_document",
    "time_zone_text",
    "CompiledDocx",
    "InPlaceDocxTemplate",
    "MAX_PROBLEM_ROWS",
    "RECEIPT_TEMPLATE",
    "REPO_TEMPLATES",
    "RenderError",
    "check_variables",
    "cjk_font_path",
    "compiled_template",
    "find_template",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "load_template",
    "make_jinja_env",
    "receipt_context",
    "render_cached",
    "render_receipt",
    "render_to_file",
    "template_variables",
    "zone",
]
