"""The files area's table: uploaded documents with their checksums."""
from engine.db import db


class StoredFile(db.Model):
    """An uploaded document, kept with its checksum; served only to users who may see its project."""

    id = db.Column(db.String(36), primary_key=True)
    project_id = db.Column(db.Integer, db.ForeignKey("project.id"), index=True)
    department_code = db.Column(db.String(32))
    filename = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    data = db.deferred(db.Column(db.LargeBinary, nullable=False))  # read only when downloaded
    uploaded_by = db.Column(db.String(64), nullable=False)
    uploaded_at = db.Column(db.DateTime, nullable=False)
    # A demo attachment named in a form's example (seed-demo, never in production): any project's form
    # may cite it, so 填写示例 passes as it stands; it is never bound to a project.
    sample = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
