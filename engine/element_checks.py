"""Checks of a parsed model beyond SpiffWorkflow's own: elements the engine cannot run, multi-instance
activities, processes that cannot be created or stored, and where in the XML a parser message points.

Each check adds Chinese problems naming file, element and line; none raises (engine.registry.validate).
"""
import re

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import SequentialMultiInstanceTask

from .serialization import serializer

# Elements this engine cannot run (SpiffWorkflow 3.2 lacks them, or they need a connector we do not have):
# refused before parsing, by element and line, with what an analyst can draw instead.
UNSUPPORTED = {
    "compensateEventDefinition": "补偿事件“{name}”：引擎不支持补偿（compensation）；请把撤销做成流程中的显式步骤（如“释放资金”任务）",
    "dataStore": "数据存储“{name}”：引擎不提供数据存储；跨流程的数据请存入业务表（表单提交），流程内的数据请用数据对象",
    "dataStoreReference": "数据存储引用“{name}”：引擎不提供数据存储；请改用数据对象（dataObjectReference）",
    "complexGateway": "复杂网关“{name}”：引擎不支持；请改用排他、并行或包容网关",
    "linkEventDefinition": "链接事件“{name}”：引擎不支持；请直接连线或拆分为子流程",
    "serviceTask": "服务任务“{name}”：本系统没有配置外部服务连接器；请改用脚本任务或用户任务",
}



def refuse_unsupported(name, root, problems):
    """Add a problem for each element the engine cannot run; True when there was one."""
    found = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = el.tag.rsplit("}", 1)[-1]
        message = UNSUPPORTED.get(local)
        if local.endswith("EventDefinition") and message:
            el = el.getparent()  # name the event, not its definition
        elif el.get("isForCompensation") == "true":
            message = "补偿任务“{name}”：引擎不支持补偿（compensation）；请把撤销做成流程中的显式步骤"
        if message:
            element = el.get("id")
            problems.add(name, message.format(name=el.get("name") or element or local), element, el.sourceline)
            found = True
    return found


def check_startable(model, problems):
    """Each process must be able to start: SpiffWorkflow predicts the whole path when a workflow is made, and a
    loop that returns to a task without a gateway predicts forever (RecursionError at the first start)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    for process_id, (spec, subs, source) in model.processes.items():
        try:
            BpmnWorkflow(spec, subs)
        except RecursionError:
            problems.add(source, f"流程 {process_id} 无法启动：存在不经网关直接回到前面步骤的回环；"
                                 "请让回退的连线经过一个排他网关", process_id, model.lines.get((source, process_id)))
        except Exception as exc:
            problems.add(source, f"流程 {process_id} 无法启动：{type(exc).__name__}：{str(exc)[:200]}",
                         process_id, model.lines.get((source, process_id)))


def check_serializable(model, problems):
    """Deploy stores each spec as JSON: a spec the serializer cannot write is refused here, by process."""
    for process_id, (spec, subs, source) in model.processes.items():
        try:
            serializer.to_dict(spec), serializer.to_dict(subs)
        except Exception as exc:
            problems.add(source, f"流程 {process_id} 含有引擎无法保存的元素（{type(exc).__name__}：{str(exc)[:200]}）",
                         process_id, model.lines.get((source, process_id)))


def locate(message, trees, model):
    """(file, element, line) of the element a parser message quotes ('nowhere' of a call activity)."""
    quoted = set(re.findall(r"'([^']{1,200})'", message))
    for name, root in trees.items():
        for el in root.iter():
            if isinstance(el.tag, str) and el.get("id") and (el.get("calledElement") in quoted):
                return name, el.get("id"), el.sourceline
    for (name, element), line in model.lines.items():
        if element in quoted:
            return name, element, line
    return None


def element_on_line(root, line):
    """The id of the element that starts on `line`, or of its nearest ancestor with one (XML schema errors
    give a line, not an element; loop characteristics and scripts have no id of their own)."""
    if not line:
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and el.sourceline == line:
            while el is not None and not el.get("id"):
                el = el.getparent()
            if el is not None:
                return el.get("id")
    return None



def check_multi_instance(task_spec, add):
    """A multi-instance activity runs once per item of a collection variable, or `cardinality` times."""
    inner = task_spec._wf_spec.task_specs.get(task_spec.task_spec)
    if inner is None:
        add("多实例活动缺少其内部任务定义")
    if isinstance(task_spec, SequentialMultiInstanceTask) and task_spec.input_item is not None \
            and task_spec.data_output is None:
        # Without an output collection each instance's data is merged into the activity's, input item
        # included, and SpiffWorkflow refuses to start the second instance ("input item already exists").
        add("顺序多实例活动有输入项（inputDataItem）时须指定输出集合（loopDataOutputRef 与 outputDataItem）")
    for ref in (task_spec.data_input, task_spec.data_output, task_spec.input_item, task_spec.output_item):
        name = getattr(ref, "bpmn_id", None)
        if name is not None and not (isinstance(name, str) and name.isidentifier()):
            add(f"多实例活动的数据引用“{name}”不是合法的变量名（字母、数字、下划线，且不以数字开头）")
