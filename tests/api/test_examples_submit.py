"""In a demo system (seed-demo), each form's example submits as it stands: its attachments exist."""
import json

from engine.db import db as database
from webapp.files.models import StoredFile

from conftest import ROOT


def test_example_with_sample_attachments_completes(app, real_model):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert database.session.query(StoredFile).filter_by(sample=True).count() >= 20
    client = app.test_client()
    token = client.post("/api/auth/token", json={"username": "dept_gaj", "password": "demo-pass-2026"}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for name in ("示例项目甲", "示例项目乙"):  # the same sample file may be cited by any project
        project = client.post("/api/projects", json={"name": name, "build_year": 2027}, headers=auth)
        assert project.status_code == 201, project.json
        [task] = client.get(f"/api/tasks?project_id={project.json['id']}", headers=auth).json["items"]
        detail = client.get(f"/api/tasks/{task['id']}", headers=auth).json
        example = detail["form_schema"]["examples"][0]
        done = client.post(f"/api/tasks/{task['id']}/complete", json={"data": example}, headers=auth)
        assert done.status_code == 200, done.json
    example_files = json.loads((ROOT / "forms" / "project-preparation.schema.json").read_text())["examples"][0]
    cited = [v for v in example_files.get("research_files", [])]
    assert all(database.session.get(StoredFile, f).project_id is None for f in cited)  # never bound
    got = client.get(f"/api/files/{cited[0]}", headers=auth)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
