"""流程建模 pages: deployed diagrams and forms by version, the bpmn-js modeler, drafts, comparing,
the form editor and deploying. Analysts and administrators only."""
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from engine import registry
from engine.errors import EngineError, Forbidden, ModelInvalid

from ..core.pages import int_arg, require
from ..core.pages import user as signed_in
from . import services as svc

bp = Blueprint("modeler", __name__, url_prefix="/modeler", template_folder="templates")


bp.before_request(require(svc.may_model))


def _source():
    """(name, content, version_id, draft) from ?draft= or ?version=&file=."""
    user = signed_in()
    if request.args.get("draft"):
        draft = svc.get_draft(user, int_arg(request.args, "draft") or 0)
        return draft.name, draft.content, draft.base_version_id, draft
    version_id = int_arg(request.args, "version") or getattr(registry.latest_version(), "id", None)
    name = request.args.get("file") or "bpmn/lifecycle.bpmn"
    if version_id is None:
        abort(404)
    return name, svc.file_of(user, version_id, name), version_id, None


@bp.get("/", endpoint="index")
def index():
    user = signed_in()
    versions = svc.versions(user)
    latest = versions[0] if versions else None
    selected = int_arg(request.args, "version") or (latest["id"] if latest else None)
    files = sorted(svc.version_files(selected)) if selected else []
    return render_template("modeler/index.html", versions=versions, selected=selected, latest=latest,
                           diagrams=[f for f in files if f.startswith("bpmn/")],
                           forms=[f for f in files if f.startswith("forms/")],
                           drafts=[svc.draft_dict(d) for d in svc.open_drafts(user)])


@bp.get("/edit")
def edit():
    name, content, version_id, draft = _source()
    if not name.endswith((".bpmn", ".dmn")):
        if name.endswith(".json"):
            return redirect(url_for("modeler.form_editor", **request.args))
        abort(404)
    context = svc.modeler_context(version_id)
    latest = registry.latest_version()
    return render_template("modeler/edit.html", name=name, version_id=version_id, draft=draft, is_dmn=name.endswith(".dmn"),
                           latest_id=latest.id if latest else None,
                           boot=json.dumps({"xml": content, "name": name, "version_id": version_id,
                                            "draft_id": draft.id if draft else None, **context},
                                           ensure_ascii=False).replace("</", "<\\/"))


@bp.get("/download")
def download():
    name, content, version_id, draft = _source()
    base = name.rsplit("/", 1)[-1]
    suffix = f"-draft{draft.id}" if draft else f"-v{version_id}"
    stem, dot, ext = base.rpartition(".")
    filename = f"{stem}{suffix}.{ext}" if dot else base + suffix
    mimetype = "application/json" if name.endswith(".json") else "application/xml"
    _audit_export(filename)
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _audit_export(filename):
    """A model file leaving the system is an export like any other (等保 8.1.4.3)."""
    from engine.audit import record
    from engine.db import db

    record("export", signed_in().username, payload={"what": "model_file", "file": filename})
    db.session.commit()


@bp.get("/drafts/<int:draft_id>/compare")
def compare(draft_id):
    user = signed_in()
    draft = svc.get_draft(user, draft_id)
    diff = svc.compare_draft(user, draft_id, int_arg(request.args, "version"))
    return render_template("modeler/compare.html", draft=svc.draft_dict(draft), diff=diff,
                           problems=svc.validate_change(user, draft.name, draft.content, draft.author)
                           if draft.status == "open" else [])


@bp.post("/drafts/<int:draft_id>/discard")
def discard(draft_id):
    try:
        svc.discard_draft(signed_in(), draft_id)
    except Forbidden:
        raise
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("草稿已删除", "success")
    return redirect(url_for("modeler.index"))


@bp.post("/deploy")
def deploy():
    user = signed_in()
    ids = request.form.getlist("drafts")
    try:
        version = svc.deploy_drafts(user, ids, request.form.get("note") or None)
    except ModelInvalid as exc:
        return render_template("modeler/deploy_failed.html", problems=exc.problems, message=exc.message), 422
    except Forbidden:
        raise
    except EngineError as exc:
        flash(f"部署失败：{exc.message}", "error")
        return redirect(url_for("modeler.index"))
    flash(f"已部署为版本 {version.id}；新启动的流程实例将使用该版本，已有实例仍在原版本上运行", "success")
    return redirect(url_for("modeler.index", version=version.id))


@bp.get("/forms/edit")
def form_editor():
    name, content, version_id, draft = _source()
    if not name.endswith(".json"):
        abort(404)
    return render_template("modeler/form_edit.html", name=name, content=content, version_id=version_id,
                           draft=draft, preview=svc.preview_form(signed_in(), content))


@bp.get("/forms/new")
def form_new():
    template = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "新表单", "type": "object",
                "required": ["opinion"], "properties": {"opinion": {"type": "string", "title": "意见", "maxLength": 2000}},
                "examples": [{"opinion": "同意"}]}
    content = json.dumps(template, ensure_ascii=False, indent=2)
    return render_template("modeler/form_edit.html", name="forms/new-form.schema.json", content=content,
                           version_id=None, draft=None, preview=svc.preview_form(signed_in(), content), new=True)
