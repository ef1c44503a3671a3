"""Uploaded documents: type and size limits, a sha256 checksum, and project-scoped access."""
import hashlib
import json
import uuid

from flask import current_app
from sqlalchemy import func, select

from engine import registry
from engine.audit import record
from engine.db import db
from engine.errors import Invalid, NotFound
from engine.models import ModelFile

from ..core import access
from ..core.models import Project
from ..core.timefmt import iso, now_naive
from .models import StoredFile

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
ID_LENGTH = 36  # an upload's id: str(uuid4())
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "zip": "application/zip",
    "ofd": "application/ofd",
    "txt": "text/plain; charset=utf-8",
}
# The leading bytes each type must start with: a renamed executable is not a PDF.
_MAGIC = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "ofd": (b"PK\x03\x04",),
}


def max_bytes():
    return int(current_app.config.get("EGOV_MAX_FILE_BYTES", DEFAULT_MAX_BYTES))


def _extension(filename):
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _clean_name(filename):
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255]


def _size_text(size):
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _content_ok(ext, data):
    if ext == "txt":
        return b"\x00" not in data[:8192]
    return data.startswith(_MAGIC[ext])


def store_upload(user, file_storage, project_id=None):
    """Keep an uploaded file; with a project id the user must be able to see that project."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise Invalid("请选择要上传的文件", fields={"file": "请选择要上传的文件"})
    name = _clean_name(file_storage.filename)
    ext = _extension(name)
    if ext not in CONTENT_TYPES:
        allowed = "、".join(sorted({e for e in CONTENT_TYPES if e != "jpeg"}))
        raise Invalid("不支持的文件类型", fields={"file": f"仅支持 {allowed}"})
    limit = max_bytes()
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise Invalid("文件过大", fields={"file": f"文件不能超过 {_size_text(limit)}"})
    if not data:
        raise Invalid("文件为空", fields={"file": "文件为空"})
    if not _content_ok(ext, data):
        raise Invalid("文件内容与扩展名不符", fields={"file": f"文件内容不是有效的 {ext} 文件"})
    department = user.department_code
    if project_id not in (None, ""):
        project = access.visible_project(user, project_id)
        project_id, department = project.id, project.department_code
    else:
        project_id = None
    stored = StoredFile(id=str(uuid.uuid4()), project_id=project_id, department_code=department, filename=name,
                        content_type=CONTENT_TYPES[ext], size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        data=data, uploaded_by=user.username, uploaded_at=now_naive())
    db.session.add(stored)
    record("upload", user.username, project_id=project_id,
           payload={"file": stored.id, "name": name, "size": len(data), "sha256": stored.sha256})
    db.session.commit()
    return stored


def may_see_file(user, stored):
    if stored.sample:
        return True
    if stored.project_id is not None:
        project = db.session.get(Project, stored.project_id)
        return project is not None and access.may_see_project(user.groups, project)
    # Not yet attached to a project: its uploader, its department and the oversight groups.
    return (stored.uploaded_by == user.username or access.sees_all(user.groups)
            or (stored.department_code is not None and stored.department_code in access.dept_codes(user.groups)))


def get_file_for(user, file_id):
    """The file, or NotFound when it does not exist or the user may not see its project."""
    stored = db.session.get(StoredFile, file_id) if isinstance(file_id, str) and len(file_id) <= 36 else None
    if stored is None or not may_see_file(user, stored):
        raise NotFound("文件不存在或无权下载")
    return stored


def candidate_ids(data, limit=20):
    """The strings of a form's data shaped like an upload's id (at most `limit`), for reading those rows ahead of
    the validation that decides which fields are files; any other id is still read when it is checked."""
    found, pending = [], [data]
    while pending and len(found) < limit:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and len(value) == ID_LENGTH and value not in found:
            found.append(value)
    return found


def with_files(query, file_ids):
    """`query` with one more column: each stored file of `file_ids` that exists (outer join, one row per file),
    so a caller reads the attachments it names in the statement it already makes."""
    return query.add_columns(StoredFile).outerjoin(StoredFile, StoredFile.id.in_(file_ids))


def file_checker(user, project_id, loaded_before=()):
    """The `file_exists` callback for form validation: the file exists and may go on this project.

    Rows in `loaded_before` (read ahead with the task) are not read again. The rows it checks stay on
    `exists.loaded`, for bind_files to attach without reading them again.
    """
    loaded, known = {}, {stored.id: stored for stored in loaded_before}

    def exists(file_id):
        stored = known.get(file_id) if isinstance(file_id, str) else None
        if stored is None and isinstance(file_id, str) and len(file_id) <= 36:
            stored = db.session.get(StoredFile, file_id)
        if stored is None:
            return False
        loaded[file_id] = stored
        if stored.sample:
            return True
        if stored.project_id is not None:
            return stored.project_id == project_id
        return stored.uploaded_by == user.username or may_see_file(user, stored)

    exists.loaded = loaded
    return exists


def bind_files(stored_files, project_id):
    """Attach files submitted on a project's form to that project, so its viewers may download them.

    Runs inside the caller's transaction (the task's completion): both are kept, or neither.
    """
    if project_id is None:
        return
    for stored in stored_files:
        if stored.project_id is None and not stored.sample:
            stored.project_id = project_id


def project_files(project_id):
    """The files attached to a project, newest first."""
    return db.session.execute(select(StoredFile).filter_by(project_id=project_id)
                              .order_by(StoredFile.uploaded_at.desc())).scalars().all()


def file_dict(stored):
    return {"id": stored.id, "filename": stored.filename, "content_type": stored.content_type, "size": stored.size,
            "sha256": stored.sha256, "project_id": stored.project_id, "uploaded_by": stored.uploaded_by,
            "uploaded_at": iso(stored.uploaded_at)}


# A one-page PDF saying "sample attachment": what a demo's example files contain.
SAMPLE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
              b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 120]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
              b"endobj\n4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 40 60 Td (Sample attachment - demo) Tj ET\n"
              b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
              b"trailer<</Root 1 0 R>>\n%%EOF\n")


def example_file_ids(schema):
    """The file ids a form's example cites (fields with format file-id, in lists and objects too)."""
    found = []

    def walk(node, value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(node.get("properties", {}).get(key, {}), item)
        elif isinstance(value, list):
            for item in value:
                walk(node.get("items", {}), item)
        elif node.get("format") == "file-id" and isinstance(value, str):
            found.append(value)

    for example in schema.get("examples") or []:
        walk(schema, example)
    return found


def samples_cover(schema):
    """Whether every attachment the form's example cites exists as a demo sample (a demo system)."""
    cited = set(example_file_ids(schema))
    if not cited:
        return True
    found = db.session.execute(select(func.count()).select_from(StoredFile).where(
        StoredFile.id.in_(sorted(cited)), StoredFile.sample.is_(True))).scalar()
    return found == len(cited)


def seed_sample_files(forms):
    """Demo attachments for every file id the forms' examples cite (seed-demo only). Returns how many."""
    wanted = sorted({fid for schema in forms for fid in example_file_ids(schema) if len(fid) <= 36})
    have = set(db.session.execute(select(StoredFile.id).where(StoredFile.id.in_(wanted))).scalars()) if wanted else set()
    for file_id in wanted:
        if file_id not in have:
            db.session.add(StoredFile(id=file_id, filename=f"{file_id}-示例附件.pdf", content_type="application/pdf",
                                      size=len(SAMPLE_PDF), sha256=hashlib.sha256(SAMPLE_PDF).hexdigest(),
                                      data=SAMPLE_PDF, uploaded_by="system", uploaded_at=now_naive(), sample=True))
    return len(wanted) - len(have)


def seed_demo_files():
    """The attachments the latest deployed forms' examples cite, so 填写示例 submits as it stands (seed-demo)."""
    version = registry.latest_version()
    if version is None:
        return 0
    rows = db.session.execute(db.select(ModelFile.content).where(
        ModelFile.version_id == version.id, ModelFile.name.like("forms/%"))).scalars()
    return seed_sample_files(json.loads(text) for text in rows)


# ---------------------------------------------------------------- helpers for form pages (worklist, projects)

def file_label(file_id):
    """The file name a form shows for a stored file id."""
    stored = db.session.get(StoredFile, file_id) if file_id else None
    return stored.filename if stored else str(file_id)


def store_for(current, project_id):
    """`store_file(upload) -> id` for uploads posted with the form (no JS)."""
    def store(upload):
        return store_upload(current, upload, project_id=project_id).id

    return store
