"""Comparing a draft with a deployed version: elements added, removed and changed, and a text diff."""
import difflib
import json

from sqlalchemy import select

from engine import registry, xmlsafe
from engine.db import db
from engine.models import ModelFile, ModelVersion

from ...core.records import db_int
from .drafts import get_draft


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


SKIP_TAGS = {"BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel", "Bounds", "waypoint"}


TYPE_NAMES = {"userTask": "用户任务", "scriptTask": "脚本任务", "serviceTask": "服务任务", "task": "任务",
              "manualTask": "人工任务", "businessRuleTask": "业务规则任务", "callActivity": "调用活动",
              "subProcess": "子流程", "startEvent": "开始事件", "endEvent": "结束事件",
              "intermediateCatchEvent": "中间捕获事件", "intermediateThrowEvent": "中间抛出事件",
              "boundaryEvent": "边界事件", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
              "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "sequenceFlow": "顺序流",
              "lane": "泳道", "process": "流程", "participant": "参与者", "message": "消息",
              "dataObjectReference": "数据对象", "textAnnotation": "注释", "association": "关联"}


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _elements(text, name):
    from lxml import etree

    root = xmlsafe.parse_xml(text, name)
    found = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or _local(el.tag) in SKIP_TAGS or not el.get("id"):
            continue
        if el.tag.startswith("{http://www.omg.org/spec/DD") or "BPMN/20100524/DI" in el.tag:
            continue
        # the element's own definition: attributes and children without an id of their own
        parts = [json.dumps(sorted(el.attrib.items()), ensure_ascii=False)]
        for child in el:
            if isinstance(child.tag, str) and not child.get("id") and _local(child.tag) not in ("flowNodeRef",):
                parts.append(etree.tostring(child, encoding="unicode").strip())
        found[el.get("id")] = {"id": el.get("id"), "type": _local(el.tag),
                               "type_label": TYPE_NAMES.get(_local(el.tag), _local(el.tag)),
                               "name": el.get("name") or "", "sig": "\n".join(parts)}
    return found


def compare(old_text, new_text, name):
    """A readable diff: added / removed / changed elements by id and name, and a unified text diff."""
    out = {"name": name, "added": [], "removed": [], "changed": []}
    if name.endswith((".bpmn", ".dmn")) and old_text is not None:
        try:
            old, new = _elements(old_text, name), _elements(new_text, name)
        except xmlsafe.XmlRejected as exc:
            out["error"] = exc.message
        else:
            strip = lambda e: {k: v for k, v in e.items() if k != "sig"}  # noqa: E731
            out["added"] = [strip(new[i]) for i in new if i not in old]
            out["removed"] = [strip(old[i]) for i in old if i not in new]
            out["changed"] = [{**strip(new[i]), "old_name": old[i]["name"]} for i in new
                              if i in old and old[i]["sig"] != new[i]["sig"]]
    elif name.endswith(".json") and old_text is not None:
        try:
            old_props = set((json.loads(old_text).get("properties") or {}))
            new_props = set((json.loads(new_text).get("properties") or {}))
            out["added"] = [{"id": k, "type_label": "字段", "name": k} for k in sorted(new_props - old_props)]
            out["removed"] = [{"id": k, "type_label": "字段", "name": k} for k in sorted(old_props - new_props)]
        except (ValueError, AttributeError):
            pass
    out["unified"] = "".join(difflib.unified_diff(
        (old_text or "").splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"已部署/{name}", tofile=f"草稿/{name}", n=2))
    return out


def compare_draft(user, draft_id, version_id=None):
    draft = get_draft(user, draft_id)
    if version_id:
        version = db.session.get(ModelVersion, version_id) if db_int(version_id) is not None else None
    else:
        version = registry.latest_version()
    old = None
    if version is not None:
        row = db.session.execute(select(ModelFile).filter_by(version_id=version.id, name=draft.name)).scalar()
        old = row.content if row else None
    out = compare(old, draft.content, draft.name)
    out["version_id"] = version.id if version else None
    out["new_file"] = old is None
    return out
