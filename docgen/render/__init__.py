"""The rendering layer: reports and receipts in, Word documents (GB/T 9704-2012 layout) out.

Templates live in the repository's ``templates/`` (written by ``tools/make_templates.py``) and can be
overridden per workspace; rendering is always sandboxed and autoescaped (see ``engine``). Receipts are
rendered from a template compiled once per process (see ``fast``).
"""

from .chart import cjk_font_path, progress_chart
from .engine import (
    REPO_TEMPLATES,
    RenderError,
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
from .inplace import InPlaceDocxTemplate
from .notice import NOTICE_TEMPLATE, notice_context, render_monthly_notice
from .receipt import MAX_PROBLEM_ROWS, RECEIPT_TEMPLATE, receipt_context, render_receipt

__all__ = [
    "CompiledDocx",
    "InPlaceDocxTemplate",
    "MAX_PROBLEM_ROWS",
    "NOTICE_TEMPLATE",
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
    "notice_context",
    "progress_chart",
    "receipt_context",
    "render_cached",
    "render_monthly_notice",
    "render_receipt",
    "render_to_file",
    "template_variables",
    "zone",
]
