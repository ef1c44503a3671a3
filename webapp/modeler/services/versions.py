"""Deployed model versions: listing them (with instance counts), their files and diagrams, the heat view,
and deploying uploaded diagrams and forms (analysts and administrators)."""
import io
import zipfile

from sqlalchemy import func, select

from engine import registry, roles, runtime, workcalendar
from engine.db import db
from engine.errors import Forbidden, Invalid, ModelInvalid, NotFound
from engine.models import Incident, Instance, ModelFile, ModelVersion, ProcessSpec, TaskIndex

from ...core.access import may_model, may_monitor, require_modeller
from ...core.paging import page_of
from ...core.records import get_or_404
from ...core.timefmt import iso

MAX_ZIP_BYTES = 20 * 1024 * 1024  # uncompressed total of one uploaded zip: a zip bomb stops here
MAX_FILE_CHARS = 5 * 1024 * 1024


def list_versions(user, page=1, per_page=20):
    require_modeller(user)
    return page_of(select(ModelVersion).order_by(ModelVersion.id.desc()), page, per_page, db.session)


def version_dict(version, detail=False):
    processes = db.session.execute(
        select(ProcessSpec.process_id, ProcessSpec.name).filter_by(version_id=version.id)
        .order_by(ProcessSpec.process_id)).all()
    out = {"id": version.id, "content_hash": version.content_hash, "created_at": iso(version.created_at),
           "created_by": version.created_by, "note": version.note, "files": [f.name for f in version.files],
           "processes": [{"id": pid, "name": name} for pid, name in processes]}
    if detail:
        out["contents"] = {f.name: f.content for f in version.files}
    return out


def get_version(user, version_id):
    require_modeller(user)
    return get_or_404(ModelVersion, version_id, "模型版本不存在")


def model_path(name):
    """Where an uploaded file goes: bpmn/x.bpmn, bpmn/x.dmn or forms/x.json; None when not a model file."""
    if not isinstance(name, str):
        return None
    name = name.replace("\\", "/").strip("/")
    parts = name.split("/")
    if len(parts) > 2 or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    base = parts[-1]
    folder = "forms" if base.endswith(".json") else "bpmn" if base.endswith((".bpmn", ".dmn")) else None
    if folder is None or (len(parts) == 2 and parts[0] != folder):
        return None
    return f"{folder}/{base}"


def files_from_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModelInvalid([{"file": None, "element_id": None, "line": None, "message": "不是有效的 zip 文件"}])
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
        raise ModelInvalid([{"file": None, "element_id": None, "line": None, "message": "zip 解压后过大"}])
    files = {}
    for member in members:
        name = member.filename
        if "/" in name.strip("/") and name.split("/")[0] not in ("bpmn", "forms"):
            name = name.split("/", 1)[1]  # a zip of the project folder: egov/bpmn/x.bpmn
        files[name] = archive.read(member)
    return files


def normalise(files):
    """{name: text} with model paths; bad names and undecodable files are deploy problems."""
    problems, out = [], {}
    for name, content in files.items():
        path = model_path(name)
        if path is None:
            if not name.endswith("/") and not name.rsplit("/", 1)[-1].startswith("."):
                problems.append({"file": name, "element_id": None, "line": None,
                                 "message": "不是模型文件（只接受 .bpmn、.dmn 与 forms 下的 .json）"})
            continue
        if isinstance(content, bytes):
            try:
                content = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                problems.append({"file": path, "element_id": None, "line": None, "message": "文件须为 UTF-8 编码"})
                continue
        if not isinstance(content, str):
            problems.append({"file": path, "element_id": None, "line": None, "message": "文件内容须为文本"})
            continue
        if len(content) > MAX_FILE_CHARS:
            problems.append({"file": path, "element_id": None, "line": None, "message": "文件过大"})
            continue
        out[path] = content
    if problems:
        raise ModelInvalid(problems)
    if not out:
        raise Invalid("请上传至少一个模型文件", fields={"files": "请上传 .bpmn、.dmn 或表单 .json 文件"})
    return out


def deploy(user, files, replace=False, note=None):
    """Validate and deploy. Uploaded files overlay the latest version's files unless `replace`.

    Returns (version, created). A model with any problem raises ModelInvalid and deploys nothing.
    """
    require_modeller(user)
    files = normalise(files)
    if not replace:
        latest = registry.latest_version()
        if latest is not None:
            files = {**{f.name: f.content for f in latest.files}, **files}
    with runtime.unit_of_work():
        version, created = registry.deploy(files, actor=user.username, note=note)
    return version, created


# ---------------------------------------------------------------- versions with their instances, heat

def diagram_of(version_id, process_id):
    """(file name, XML) of the diagram that holds a process in a version."""
    spec = db.session.execute(select(ProcessSpec).filter_by(version_id=version_id, process_id=process_id)).scalar()
    if spec is None or not spec.source_file:
        raise NotFound(f"版本 {version_id} 中没有流程 {process_id} 的图")
    return spec.source_file, registry.file_text(version_id, spec.source_file)


def versions(user):
    """Every version, newest first, with instance counts by status."""
    if not (may_model(user) or may_monitor(user)):
        raise Forbidden("无权查看流程模型")
    rows = db.session.execute(select(ModelVersion).order_by(ModelVersion.id.desc())).scalars().all()
    counts_ = {}
    for version_id, status, n in db.session.execute(
            select(Instance.version_id, Instance.status, func.count()).group_by(Instance.version_id, Instance.status)):
        counts_.setdefault(version_id, {})[status] = n
    out = []
    for v in rows:
        by = counts_.get(v.id, {})
        processes = db.session.execute(select(ProcessSpec.process_id, ProcessSpec.name, ProcessSpec.source_file)
                                       .filter_by(version_id=v.id).order_by(ProcessSpec.process_id)).all()
        out.append({"id": v.id, "created_at": iso(v.created_at), "created_by": v.created_by, "note": v.note,
                    "content_hash": v.content_hash, "instances": sum(by.values()),
                    "active": sum(n for s, n in by.items() if s in ("running", "suspended", "incident")),
                    "by_status": by,
                    "processes": [{"id": p, "name": n, "file": f} for p, n, f in processes]})
    return out


def heat(user, version_id, process_id):
    """Per BPMN element, how many instances of this version are there now (ready user tasks)."""
    if not (may_model(user) or may_monitor(user)):
        raise Forbidden("无权查看流程模型")
    rows = db.session.execute(
        select(TaskIndex.bpmn_id, func.count(func.distinct(TaskIndex.instance_id)))
        .join(Instance, Instance.id == TaskIndex.instance_id)
        .where(TaskIndex.state == "ready", TaskIndex.process_id == process_id, Instance.version_id == version_id)
        .group_by(TaskIndex.bpmn_id)).all()
    incidents = db.session.execute(
        select(Incident.bpmn_id, func.count()).join(Instance, Instance.id == Incident.instance_id)
        .where(Incident.status == "open", Instance.version_id == version_id, Instance.process_id == process_id)
        .group_by(Incident.bpmn_id)).all()
    counts_ = {b: n for b, n in rows}
    for bpmn_id, n in incidents:
        if bpmn_id:
            counts_[bpmn_id] = counts_.get(bpmn_id, 0) + n
    return {"version_id": version_id, "process_id": process_id, "counts": counts_,
            "incidents": {b: n for b, n in incidents if b}}


def modeler_context(version_id=None):
    """forms, roles and helpers the properties panel offers."""
    version = db.session.get(ModelVersion, version_id) if version_id else registry.latest_version()
    form_names = [f.name.split("/", 1)[1] for f in version.files if f.name.startswith("forms/")] if version else []
    return {"forms": sorted(form_names), "roles": [roles.OWNER_LANE, *roles.LANE_GROUPS],
            "helpers": [*workcalendar.HELPERS, "notify"]}


def version_files(version_id):
    return {f.name: f.content for f in db.session.execute(
        select(ModelFile).filter_by(version_id=version_id)).scalars()}


def file_of(user, version_id, name):
    require_modeller(user)
    get_or_404(ModelVersion, version_id, "模型版本不存在")
    return registry.file_text(version_id, name)
