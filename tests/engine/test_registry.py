"""Registry: validation names file, element and line; bad models deploy nothing; versions by content hash."""
import json

import pytest

from engine import registry
from engine.db import db as database
from engine.errors import ModelInvalid
from engine.models import ModelVersion, ProcessSpec
from engine.runtime import unit_of_work

from conftest import ENGINE_FIXTURES


def base_files():
    return registry.read_model_dir(ENGINE_FIXTURES)


def deploy(files):
    with unit_of_work():
        return registry.deploy(files, actor="test")


def problems_of(files):
    with pytest.raises(ModelInvalid) as err:
        deploy(files)
    assert database.session.query(ModelVersion).count() == 0  # nothing deployed
    return err.value.problems


def replace(files, name, old, new):
    assert old in files[name], old
    return {**files, name: files[name].replace(old, new)}


def test_unchanged_files_make_no_new_version(db):
    first, created = deploy(base_files())
    again, created_again = deploy(base_files())
    assert created and not created_again and first.id == again.id
    changed, created = deploy(replace(base_files(), "bpmn/simple.bpmn", 'name="审核"', 'name="复核"'))
    assert created and changed.id != first.id
    assert database.session.query(ProcessSpec).filter_by(version_id=first.id).count() == 5


def test_xxe_is_rejected_not_expanded(db):
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
           '<bpmn:process id="p" name="&x;" isExecutable="true"/></bpmn:definitions>')
    [problem] = problems_of({**base_files(), "bpmn/evil.bpmn": xxe})
    assert problem["file"] == "bpmn/evil.bpmn" and "实体" in problem["message"]
    assert "root:" not in json.dumps(problem)


def test_billion_laughs_is_rejected(db):
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&c;</bpmn:definitions>')
    [problem] = problems_of({**base_files(), "bpmn/bomb.bpmn": bomb})
    assert problem["file"] == "bpmn/bomb.bpmn"


def test_importing_script_is_rejected_with_element_and_line(db):
    files = replace(base_files(), "bpmn/simple.bpmn", 'checked_on = today()', 'import os\nchecked_on = os.getcwd()')
    problems = problems_of(files)
    [problem] = [p for p in problems if "import" in p["message"]]
    assert (problem["file"], problem["element_id"]) == ("bpmn/simple.bpmn", "record") and problem["line"] > 1


def test_dunder_in_condition_is_rejected(db):
    files = replace(base_files(), "bpmn/simple.bpmn", "approved == True", "approved.__class__ == bool")
    assert any(p["element_id"] == "decide" or "__class__" in p["message"] for p in problems_of(files))


def test_unknown_form_is_named(db):
    files = replace(base_files(), "bpmn/simple.bpmn", 'value="review.schema.json"', 'value="nope.schema.json"')
    [problem] = problems_of(files)
    assert problem["element_id"] == "review" and "nope.schema.json" in problem["message"]


def test_unknown_lane_is_named(db):
    files = replace(base_files(), "bpmn/simple.bpmn", 'name="市数管局"', 'name="某某局"')
    problems = problems_of(files)
    assert {p["element_id"] for p in problems} >= {"review"} and all("泳道" in p["message"] for p in problems)


def test_schema_error_names_line(db):
    files = replace(base_files(), "bpmn/simple.bpmn", "<bpmn:startEvent id=\"start\">", "<bpmn:startEvent id=\"start\" bogus=\"1\">")
    [problem] = problems_of(files)
    assert problem["file"] == "bpmn/simple.bpmn" and problem["line"] and "BPMN" in problem["message"]
    assert problem["element_id"] == "start"


def test_malformed_xml_names_line(db):
    files = {**base_files(), "bpmn/broken.bpmn": "<?xml version='1.0'?>\n<a>\n<b>\n</a>"}
    [problem] = problems_of(files)
    assert problem["file"] == "bpmn/broken.bpmn" and problem["line"] in (3, 4)


def test_bad_timer_literal_is_rejected(db):
    files = replace(base_files(), "bpmn/timed.bpmn", "start_of_day(wake_on)", "'next tuesday'")
    [problem] = problems_of(files)
    assert problem["element_id"] == "wait" and "ISO 8601" in problem["message"]


def test_form_example_must_pass_its_rules(db):
    files = replace(base_files(), "forms/fill.schema.json", '"own_funds_wan": 60', '"own_funds_wan": 61')
    [problem] = problems_of(files)
    assert problem["file"] == "forms/fill.schema.json" and "资金来源合计" in problem["message"]


def test_invalid_json_schema_is_rejected(db):
    files = replace(base_files(), "forms/review.schema.json", '"type": "boolean"', '"type": "boolish"')
    assert any(p["file"] == "forms/review.schema.json" for p in problems_of(files))


def test_oversized_file_is_rejected(db):
    huge = '<?xml version="1.0"?><x>' + "a" * (6 * 1024 * 1024) + "</x>"
    [problem] = problems_of({**base_files(), "bpmn/huge.bpmn": huge})
    assert problem["file"] == "bpmn/huge.bpmn"
