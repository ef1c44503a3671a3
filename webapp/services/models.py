"""Deployed model versions, and deploying uploaded diagrams and forms (analysts and administrators)."""
import io
import zipfile

from sqlalchemy import select

from engine import registry, runtime
from engine.db import db
from engine.errors import Invalid, ModelInvalid
from engine.models import ModelVersion, ProcessSpec

from . import get_or_404, iso, page_of
from .access import require_modeller

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
