"""The modeler's table: drafts of model files."""
from engine.db import db


class ModelDraft(db.Model):
    """One edited model file (a diagram or a form) not deployed yet, against the version it started from."""

    __table_args__ = (db.Index("ix_model_draft_status_author", "status", "author"),)
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)  # bpmn/lifecycle.bpmn, forms/x.schema.json
    content = db.Column(db.Text, nullable=False)
    author = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False)
    base_version_id = db.Column(db.Integer, db.ForeignKey("model_version.id"))
    note = db.Column(db.Text)
    status = db.Column(db.String(16), nullable=False, default="open")  # open, deployed, discarded
    deployed_version_id = db.Column(db.Integer, db.ForeignKey("model_version.id"))
