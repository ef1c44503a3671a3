"""Drafts of model files: saving one (validated against the whole model), discarding, deploying drafts
as a new version."""
from sqlalchemy import select, update

from engine import registry, runtime, xmlsafe
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.models import ModelVersion

from ...core.access import require_modeller
from ...core.records import db_int, get_or_404
from ...core.timefmt import iso, now_naive
from ..models import ModelDraft
from .versions import MAX_FILE_CHARS, model_path, version_files


def _clean_name(name):
    path = model_path(name)
    if path is None:
        raise Invalid("文件名须为 bpmn/xxx.bpmn、bpmn/xxx.dmn 或 forms/xxx.schema.json",
                      fields={"name": "文件名无效"})
    return path


def _clean_content(content):
    if not isinstance(content, str) or not content.strip():
        raise Invalid("文件内容不能为空", fields={"content": "不能为空"})
    if len(content) > MAX_FILE_CHARS:
        raise Invalid("文件过大", fields={"content": "文件过大"})
    return content


def open_drafts(user, author=None):
    require_modeller(user)
    query = select(ModelDraft).where(ModelDraft.status == "open")
    if author:
        query = query.where(ModelDraft.author == author)
    return db.session.execute(query.order_by(ModelDraft.updated_at.desc())).scalars().all()


def get_draft(user, draft_id):
    require_modeller(user)
    return get_or_404(ModelDraft, draft_id, "草稿不存在")


def draft_dict(draft, content=False):
    out = {"id": draft.id, "name": draft.name, "author": draft.author, "created_at": iso(draft.created_at),
           "updated_at": iso(draft.updated_at), "base_version_id": draft.base_version_id, "note": draft.note,
           "status": draft.status, "deployed_version_id": draft.deployed_version_id, "size": len(draft.content)}
    if content:
        out["content"] = draft.content
    return out


def candidate_files(changes, author=None, base_version_id=None):
    """The full file set a deploy would get: the latest version's files, the author's other open drafts,
    then `changes` ({name: content})."""
    latest = registry.latest_version()
    files = version_files(latest.id) if latest else {}
    if author:
        for d in db.session.execute(select(ModelDraft).filter_by(status="open", author=author)
                                    .order_by(ModelDraft.updated_at)).scalars():
            files[d.name] = d.content
    files.update(changes)
    return files


def validate_change(user, name, content, author=None):
    """Problems of the whole model with `name` replaced by `content` ({file, element_id, line, message})."""
    require_modeller(user)
    name, content = _clean_name(name), _clean_content(content)
    files = candidate_files({name: content}, author or user.username)
    problems, _ = registry.validate(files)
    return [_locate(dict(p), files) for p in problems]


def _locate(problem, files):
    """A problem with a line but no element (e.g. an XML Schema error) gets the element on that line,
    so the modeler can mark it on the diagram."""
    if problem.get("element_id") or not problem.get("line") or not str(problem.get("file", "")).endswith(
            (".bpmn", ".dmn")):
        return problem
    try:
        root = xmlsafe.parse_xml(files[problem["file"]], problem["file"])
    except (xmlsafe.XmlRejected, KeyError):
        return problem
    best = None
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and el.sourceline and el.sourceline <= problem["line"]:
            if best is None or el.sourceline >= best.sourceline:
                best = el
    if best is not None and best.sourceline == problem["line"]:
        problem["element_id"] = best.get("id")
    return problem


def save_draft(user, name, content, base_version_id=None, draft_id=None, note=None):
    """Create or update a draft and return (draft, problems). A draft with problems is kept (it is a draft)."""
    require_modeller(user)
    name, content = _clean_name(name), _clean_content(content)
    if base_version_id is not None:
        if isinstance(base_version_id, bool) or not isinstance(base_version_id, int):
            raise Invalid("基础版本须为版本编号", fields={"base_version_id": "须为整数"})
        get_or_404(ModelVersion, base_version_id, "基础版本不存在")
    if note is not None and not isinstance(note, str):
        raise Invalid("说明须为文字", fields={"note": "须为文字"})
    problems = validate_change(user, name, content)
    now = now_naive()
    with runtime.unit_of_work():
        draft = None
        if draft_id:
            key = db_int(draft_id)
            draft = db.session.get(ModelDraft, key) if key is not None else None
            if draft is None or draft.status != "open":
                raise NotFound("草稿不存在或已部署")
            if draft.author != user.username and "admin" not in user.groups:
                raise Forbidden("只能修改自己的草稿")
        else:
            draft = db.session.execute(select(ModelDraft).filter_by(status="open", author=user.username,
                                                                    name=name)).scalar()
        if draft is None:
            latest = registry.latest_version()
            draft = ModelDraft(name=name, author=user.username, created_at=now, status="open",
                               base_version_id=base_version_id or (latest.id if latest else None))
            db.session.add(draft)
        draft.content, draft.updated_at = content, now
        if note is not None:
            draft.note = note
        db.session.flush()
        record("draft_model", user.username, payload={"draft": draft.id, "name": name,
                                                                "problems": len(problems)})
    return draft, problems


def discard_draft(user, draft_id):
    draft = get_draft(user, draft_id)
    if draft.author != user.username and "admin" not in user.groups:
        raise Forbidden("只能删除自己的草稿")
    with runtime.unit_of_work():
        # only an open draft, checked in the UPDATE itself: of two discards (or a discard and a deploy) one wins
        changed = db.session.execute(update(ModelDraft).where(ModelDraft.id == draft.id, ModelDraft.status == "open")
                                     .values(status="discarded").execution_options(synchronize_session=False)).rowcount
        if not changed:
            raise Conflict("草稿已部署或已删除")
        record("discard_draft", user.username, payload={"draft": draft.id, "name": draft.name})
    db.session.expire(draft)


def deploy_drafts(user, draft_ids, note=None):
    """Deploy the latest version's files with these drafts' contents as a new version."""
    require_modeller(user)
    if not draft_ids:
        raise Invalid("请选择要部署的草稿", fields={"drafts": "请选择草稿"})
    drafts = [get_draft(user, int(i)) for i in draft_ids]
    if any(d.status != "open" for d in drafts):
        raise Conflict("所选草稿已部署或已删除")
    latest = registry.latest_version()
    files = version_files(latest.id) if latest else {}
    for d in drafts:
        files[d.name] = d.content
    with runtime.unit_of_work():
        version, created = registry.deploy(files, actor=user.username,
                                           note=note or "、".join(d.name for d in drafts))
        if not created:
            raise Conflict(f"草稿内容与已部署的版本 {version.id} 相同，无需部署")
        for d in drafts:
            d.status, d.deployed_version_id = "deployed", version.id
    return version
