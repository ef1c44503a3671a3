"""What task and project pages need from the model: instructions as safe HTML, form schemas."""
import markdown
import nh3

from engine import registry
from engine.db import db
from engine.models import Instance

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "code", "pre", "blockquote",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "span"}


def render_markdown(text):
    if not text:
        return ""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "td": {"align"}, "th": {"align"}},
                     url_schemes={"http", "https", "mailto"})


def schema_for(instance_id, form):
    """The JSON Schema of `form` in the version the instance runs on (None when unknown)."""
    if not form:
        return None
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        return None
    try:
        return registry.load_form(instance.version_id, form)
    except Exception:
        return None


def form_title(schema, form):
    return (schema or {}).get("title") or (form or "").replace(".schema.json", "")
