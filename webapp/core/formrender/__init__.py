"""Server-side forms from JSON Schema: schema + data + errors -> HTML, and request.form -> typed data.

Pure package (no Flask): field names are dotted paths (`funding_sources.0.amount`), the same keys the
engine uses for field errors, so every error lands beside its field. Split by what a part renders:
`fields` (the form and its text/number/date inputs, repeatable tables), `choices`, `files`, `view`
(read-only), `parse` (the posted form back to data), `schema` (helpers).
"""
from .fields import render_form  # noqa: F401  (the public API, re-exported)
from .parse import parse_form  # noqa: F401
from .schema import (  # noqa: F401
    LONG_TEXT, MONEY_UNIT, ROW_PLACEHOLDER, example_of, fill_blanks, is_money, kind_of, resolve, without_files,
    without_read_only,
)
from .view import render_view  # noqa: F401
