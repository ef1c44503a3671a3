"""The model registry: validate bpmn/ + forms/ as a whole, deploy them as one version, load specs.

A version is keyed by the hash of its files; deploying unchanged files returns the existing version.
A model with any problem deploys nothing; every problem names file, element and line, in Chinese.
"""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask, StandardLoopTask,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from . import clock, dmncheck, element_checks, forms, roles, scripting, xmlsafe
from .audit import record
from .db import db
from .errors import ModelInvalid, NotFound
from .models import ModelFile, ModelVersion, ProcessSpec
from .serialization import serializer

FORM_PROPERTY = "formJsonSchemaFilename"
DUE_PROPERTY = "dueDate"
MAX_FILES = 200
def read_model_dir(root):
    """The deployable files under a checkout: bpmn/*.bpmn, bpmn/*.dmn, forms/*.json."""
    root = Path(root)
    files = {}
    for pattern in ("bpmn/*.bpmn", "bpmn/*.dmn", "forms/*.json"):
        for path in sorted(root.glob(pattern)):
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return files


def content_hash(files):
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def form_name(path):
    """forms/x.schema.json -> x.schema.json, the name a user task refers to."""
    return path.split("/", 1)[1] if path.startswith("forms/") else path


class _Problems(list):
    def add(self, file, message, element_id=None, line=None):
        self.append({"file": file, "element_id": element_id, "line": line, "message": message})


class ParsedModel:
    """What validation produced: process specs and forms, ready to store."""

    def __init__(self):
        self.processes = {}  # process_id -> (spec, subprocess_specs, source_file)
        self.forms = {}  # form name -> schema
        self.lines = {}  # (file, element_id) -> line


def validate(files):
    """Return (problems, ParsedModel). Problems is empty when the model can be deployed.

    Never raises: whatever an uploaded diagram holds, the answer is a version or a list of problems.
    """
    try:
        return _validate(files)
    except Exception as exc:  # a construct the checks below do not know: refuse it, name it, keep serving
        problems = _Problems()
        problems.add(None, f"模型包含无法校验的内容（{type(exc).__name__}：{str(exc)[:200]}），未部署")
        return problems, ParsedModel()


def _validate(files):
    problems = _Problems()
    model = ParsedModel()
    if len(files) > MAX_FILES:
        problems.add(None, f"文件过多（{len(files)} 个，上限 {MAX_FILES}）")
        return problems, model

    for name, text in files.items():
        if name.endswith(".json"):
            _check_form_file(name, text, problems, model)

    parser = SpiffBpmnParser(validator=VALIDATOR)
    trees = {}
    for name, text in files.items():
        if not name.endswith((".bpmn", ".dmn")):
            continue
        try:
            root = xmlsafe.parse_xml(text, name)
        except xmlsafe.XmlRejected as exc:
            problems.add(name, exc.message, line=exc.line)
            continue
        trees[name] = root
        for el in root.iter():
            if isinstance(el.tag, str) and el.get("id"):
                model.lines[(name, el.get("id"))] = el.sourceline
        if element_checks.refuse_unsupported(name, root, problems):
            continue
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            line = exc.line_number or None
            problems.add(name, _spiff_message(exc), exc.id or element_checks.element_on_line(root, line), line)
        except Exception as exc:  # the parser's own errors on malformed models
            problems.add(name, f"无法解析：{exc}")
    if problems:
        return problems, model

    for process_id in parser.get_process_ids():
        try:
            spec = parser.get_spec(process_id)
            subs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            file, element, line = exc.file_name or None, exc.id or None, exc.line_number or None
            if element is None:
                file, element, line = element_checks.locate(str(exc), trees, model) or (file, process_id, line)
            problems.add(file, _spiff_message(exc), element, line)
            continue
        except Exception as exc:
            problems.add(None, f"流程 {process_id} 无法解析：{exc}", process_id)
            continue
        source = spec.file
        model.processes[process_id] = (spec, subs, source)
        for process_spec in [spec, *subs.values()]:
            try:
                _check_process(process_spec, model, problems)
            except Exception as exc:
                problems.add(process_spec.file, f"流程 {process_spec.name} 无法校验：{type(exc).__name__}：{exc}",
                             process_spec.name)
    if not problems:
        dmncheck.check(parser, model, problems)
    if not problems:
        element_checks.check_serializable(model, problems)
    if not problems:
        element_checks.check_startable(model, problems)
    if not model.processes and not problems:
        problems.add(None, "模型中没有可执行的流程（isExecutable=\"true\"）")
    return problems, model


def _spiff_message(exc):
    text = str(exc).split("\n")[0]
    return f"BPMN 校验错误：{text}"


def _check_form_file(name, text, problems, model):
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(name, f"不是有效的 JSON：{exc.msg}", line=exc.lineno)
        return
    if not isinstance(schema, dict):
        problems.add(name, "表单定义必须是 JSON 对象")
        return
    for message in forms.check_schema(schema):
        problems.add(name, message)
    example = forms.example_of(schema)
    if example is None:
        problems.add(name, "缺少 examples：须提供一份完整有效的填写示例")
    elif not problems or all(p["file"] != name for p in problems):
        errors = forms.validate(schema, example)
        for field, message in errors.items():
            problems.add(name, f"填写示例未通过校验：{field}：{message}")
    model.forms[form_name(name)] = schema


def _check_process(spec, model, problems):
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        line = model.lines.get((spec.file, bpmn_id))

        def add(message, bpmn_id=bpmn_id, line=line):
            problems.add(spec.file, message, bpmn_id, line)

        try:
            _check_task_spec(task_spec, model, add)
        except Exception as exc:  # an element the checks cannot read is refused by name, not a 500
            add(f"无法校验该元素：{type(exc).__name__}：{str(exc)[:200]}")


def _check_task_spec(task_spec, model, add):
    for source, mode in _scripts_of(task_spec):
        for message in scripting.check_source(source, mode):
            add(f"脚本不安全或有误：{message}")
    if isinstance(task_spec, UserTask):
        _check_user_task(task_spec, model, add)
    if isinstance(task_spec, MultiInstanceTask):
        element_checks.check_multi_instance(task_spec, add)
    event_def = getattr(task_spec, "event_definition", None)
    if isinstance(event_def, TimerEventDefinition):
        _check_timer(event_def, add)


def _check_user_task(task_spec, model, add):
    properties = _properties(task_spec)
    form = properties.get(FORM_PROPERTY)
    if not form:
        add(f"用户任务“{task_spec.bpmn_name}”未指定表单（{FORM_PROPERTY}）")
    elif form not in model.forms:
        add(f"用户任务“{task_spec.bpmn_name}”引用的表单 {form} 不存在")
    if not task_spec.lane:
        add(f"用户任务“{task_spec.bpmn_name}”不在任何泳道中")
    elif not roles.is_known_lane(task_spec.lane):
        add(f"泳道“{task_spec.lane}”不对应任何角色（可用：{roles.OWNER_LANE}、{'、'.join(roles.LANE_GROUPS)}）")


def _check_timer(event_def, add):
    expression = event_def.expression
    problems = scripting.check_source(expression, "eval")
    if problems:
        return  # already reported with the other scripts
    try:
        value = scripting.evaluate_expression(expression, {})
    except NameError:
        return  # reads instance variables: checked for safety, evaluated at run time
    except Exception as exc:
        add(f"定时器表达式无法计算：{exc}")
        return
    try:
        TimerEventDefinition.parse_time_or_duration(value)
    except Exception:
        add(f"定时器表达式的结果“{value}”不是 ISO 8601 时间或时长")


def _properties(task_spec):
    """The spiffworkflow:properties of a spec; loop and multi-instance wrappers have none of their own."""
    return ((getattr(task_spec, "extensions", None) or {}).get("properties")) or {}


def _scripts_of(task_spec):
    """Every piece of Python a task spec will run: (source, 'exec' | 'eval')."""
    found = []
    if getattr(task_spec, "script", None):
        found.append((task_spec.script, "exec"))
    for attr in ("prescript", "postscript"):
        if getattr(task_spec, attr, None):
            found.append((getattr(task_spec, attr), "exec"))
    event_def = getattr(task_spec, "event_definition", None)
    if isinstance(event_def, TimerEventDefinition):
        found.append((event_def.expression, "eval"))
    if getattr(event_def, "expression", None) and not isinstance(event_def, TimerEventDefinition):
        found.append((event_def.expression, "eval"))
    for condition in _conditions(task_spec):
        found.append((condition, "eval"))
    if isinstance(task_spec, (MultiInstanceTask, StandardLoopTask)):
        for attr in ("cardinality", "condition"):
            if isinstance(getattr(task_spec, attr, None), str):
                found.append((getattr(task_spec, attr), "eval"))
    due = _properties(task_spec).get(DUE_PROPERTY)
    if due:
        found.append((due, "eval"))
    return found


def _conditions(task_spec):
    """Gateway conditions: SpiffWorkflow keeps each as an operator whose first argument is the source."""
    for condition, _ in getattr(task_spec, "cond_task_specs", None) or []:
        if condition is not None and getattr(condition, "args", None):
            yield condition.args[0]


def _start_messages(spec):
    names = []
    for task_spec in spec.task_specs.values():
        event_def = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and isinstance(event_def, MessageEventDefinition):
            names.append(event_def.name)
    return names


def deploy(files, actor=None, note=None):
    """Validate and store `files` as a version; unchanged files return the existing version."""
    digest = content_hash(files)
    existing = db.session.execute(db.select(ModelVersion).filter_by(content_hash=digest)).scalar()
    if existing is not None:
        return existing, False
    problems, model = validate(files)
    if problems:
        raise ModelInvalid(problems)
    version = ModelVersion(content_hash=digest, created_at=clock.now().replace(tzinfo=None), created_by=actor, note=note)
    db.session.add(version)
    db.session.flush()
    for name, text in files.items():
        db.session.add(ModelFile(version_id=version.id, name=name, content=text))
    for process_id, (spec, subs, source) in model.processes.items():
        payload = {"spec": serializer.to_dict(spec), "subprocess_specs": serializer.to_dict(subs)}
        db.session.add(
            ProcessSpec(
                version_id=version.id,
                process_id=process_id,
                name=spec.description or process_id,
                source_file=source,
                start_messages=_start_messages(spec),
                spec_json=json.dumps(payload, ensure_ascii=False),
            )
        )
    record("deploy", actor, payload={"version": version.id, "hash": digest, "files": sorted(files)})
    db.session.flush()
    return version, True


def latest_version():
    return db.session.execute(db.select(ModelVersion).order_by(ModelVersion.id.desc()).limit(1)).scalar()


def require_latest_version():
    version = latest_version()
    if version is None:
        raise NotFound("尚未部署任何流程模型，请先执行 models deploy")
    return version


@lru_cache(maxsize=64)
def load_specs(version_id, process_id):
    """(spec, subprocess_specs) of a process in a version. Versions never change, so cache for good."""
    row = db.session.execute(db.select(ProcessSpec).filter_by(version_id=version_id, process_id=process_id)).scalar()
    if row is None:
        raise NotFound(f"版本 {version_id} 中没有流程 {process_id}")
    payload = json.loads(row.spec_json)
    return serializer.from_dict(payload["spec"]), serializer.from_dict(payload["subprocess_specs"])


@lru_cache(maxsize=256)
def load_form(version_id, name):
    row = db.session.execute(db.select(ModelFile).filter_by(version_id=version_id, name=f"forms/{name}")).scalar()
    if row is None:
        raise NotFound(f"表单 {name} 不存在")
    return json.loads(row.content)


def processes_started_by(version_id, message_name):
    rows = db.session.execute(db.select(ProcessSpec).filter_by(version_id=version_id)).scalars()
    return [row.process_id for row in rows if message_name in (row.start_messages or [])]


def file_text(version_id, name):
    row = db.session.execute(db.select(ModelFile).filter_by(version_id=version_id, name=name)).scalar()
    if row is None:
        raise NotFound(f"文件 {name} 不存在")
    return row.content
