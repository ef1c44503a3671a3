// Properties-panel provider for the spiffworkflow extensions the engine reads
// (docs/modelling.md): user-task form, dueDate, instructions, pre/post scripts,
// business-rule decision id, message payload/variable, gateway conditions, lane roles.

import { h } from '@bpmn-io/properties-panel/preact';
import {
  Group,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  getExtensionText,
  getMessageEventDefinition,
  getSpiffProperty,
  setExtensionText,
  setSpiffProperty
} from './spiff-util.js';

const FORM_PROPERTY = 'formJsonSchemaFilename';

function services() {
  return {
    bpmnFactory: useService('bpmnFactory'),
    commandStack: useService('commandStack')
  };
}

function helperHint(config, prefix) {
  const helpers = (config && config.helpers) || [];
  return helpers.length ? `${prefix}可用函数：${helpers.join('、')}` : prefix;
}

// ---- entry components --------------------------------------------------

function FormEntry(props) {
  const { element, id } = props;
  const svc = services();
  const config = useService('config.egov', false) || {};
  const forms = config.forms || [];

  return h(SelectEntry, {
    element,
    id,
    label: '表单 (JSON Schema)',
    description: '该用户任务使用的表单文件 (forms/ 目录)',
    getValue: () => getSpiffProperty(getBusinessObject(element), FORM_PROPERTY),
    setValue: value => setSpiffProperty(svc, element, FORM_PROPERTY, value),
    getOptions: () => {
      const current = getSpiffProperty(getBusinessObject(element), FORM_PROPERTY);
      const names = forms.slice();
      if (current && names.indexOf(current) === -1) {
        names.push(current);
      }
      return [ { value: '', label: '<未选择>' } ].concat(
        names.map(name => ({
          value: name,
          label: forms.indexOf(name) === -1 ? `${name}（不存在）` : name
        }))
      );
    }
  });
}

function DueDateEntry(props) {
  const { element, id } = props;
  const svc = services();
  const config = useService('config.egov', false) || {};
  return h(TextFieldEntry, {
    element,
    id,
    label: '办理期限 (dueDate)',
    description: helperHint(config, 'Python 表达式，返回 ISO 日期 (YYYY-MM-DD，当日 24:00 北京时间) 或带时区的日期时间。'),
    debounce: useService('debounceInput'),
    getValue: () => getSpiffProperty(getBusinessObject(element), 'dueDate'),
    setValue: value => setSpiffProperty(svc, element, 'dueDate', value)
  });
}

function textExtensionEntry(type, label, description, opts) {
  opts = opts || {};
  return function TextExtensionEntry(props) {
    const { element, id } = props;
    const svc = services();
    const config = useService('config.egov', false) || {};
    const target = opts.target ? opts.target(element) : getBusinessObject(element);
    const common = {
      element,
      id,
      label,
      description: opts.helpers ? helperHint(config, description) : description,
      debounce: useService('debounceInput'),
      getValue: () => getExtensionText(target, type),
      setValue: value => setExtensionText(svc, element, type, value, target)
    };
    return opts.single ?
      h(TextFieldEntry, common) :
      h(TextAreaEntry, { ...common, rows: opts.rows || 4, monospace: !!opts.monospace, autoResize: true });
  };
}

const InstructionsEntry = textExtensionEntry(
  'spiffworkflow:InstructionsForEndUser', '办理说明', '显示给办理人的说明 (Markdown)', { rows: 5 });
const PreScriptEntry = textExtensionEntry(
  'spiffworkflow:PreScript', '前置脚本 (preScript)', '任务开始前运行的 Python 脚本。', { monospace: true, helpers: true });
const PostScriptEntry = textExtensionEntry(
  'spiffworkflow:PostScript', '后置脚本 (postScript)', '任务完成后运行的 Python 脚本。', { monospace: true, helpers: true });
const DecisionEntry = textExtensionEntry(
  'spiffworkflow:CalledDecisionId', '决策表标识 (calledDecisionId)', 'bpmn/*.dmn 中决策 (decision) 的 id', { single: true });
const PayloadEntry = textExtensionEntry(
  'spiffworkflow:MessagePayload', '消息内容 (messagePayload)', '发送消息时求值的 Python 表达式',
  { monospace: true, helpers: true, target: getMessageEventDefinition });
const VariableEntry = textExtensionEntry(
  'spiffworkflow:MessageVariable', '接收变量 (messageVariable)', '收到的消息内容存入的变量名',
  { single: true, target: getMessageEventDefinition });

function ConditionEntry(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const config = useService('config.egov', false) || {};
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element,
    id,
    label: '条件表达式',
    description: helperHint(config, 'Python 表达式，为真时走此顺序流；留空表示无条件。'),
    debounce: useService('debounceInput'),
    monospace: true,
    rows: 2,
    autoResize: true,
    getValue: () => (bo.conditionExpression && bo.conditionExpression.get('body')) || '',
    setValue: value => {
      let expr;
      if (value) {
        expr = bpmnFactory.create('bpmn:FormalExpression', { body: value });
      }
      modeling.updateProperties(element, { conditionExpression: expr });
    }
  });
}

function RoleEntry(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const config = useService('config.egov', false) || {};
  const roles = config.roles || [];
  return h(SelectEntry, {
    element,
    id,
    label: '角色（泳道名称）',
    description: '泳道名称即办理角色，由部署时映射到用户组',
    getValue: () => getBusinessObject(element).name || '',
    setValue: value => modeling.updateLabel(element, value),
    getOptions: () => {
      const current = getBusinessObject(element).name || '';
      const names = roles.slice();
      if (current && names.indexOf(current) === -1) {
        names.push(current);
      }
      return [ { value: '', label: '<未选择>' } ].concat(
        names.map(n => ({ value: n, label: roles.indexOf(n) === -1 ? `${n}（非标准角色）` : n })));
    }
  });
}

// ---- groups ------------------------------------------------------------

function isConditionable(element) {
  if (!is(element, 'bpmn:SequenceFlow')) {
    return false;
  }
  const source = element.source;
  return !!source && (
    is(source, 'bpmn:ExclusiveGateway') ||
    is(source, 'bpmn:InclusiveGateway') ||
    is(source, 'bpmn:Activity') && !!getBusinessObject(element).conditionExpression
  );
}

function isThrow(element) {
  return is(element, 'bpmn:IntermediateThrowEvent') || is(element, 'bpmn:EndEvent');
}

function spiffGroups(element) {
  const groups = [];

  if (is(element, 'bpmn:UserTask')) {
    groups.push({
      id: 'spiff-user-task',
      label: '表单与期限',
      component: Group,
      entries: [
        { id: 'spiff-form', component: FormEntry, isEdited: isSelectEntryEdited },
        { id: 'spiff-due-date', component: DueDateEntry, isEdited: isTextFieldEntryEdited },
        { id: 'spiff-instructions', component: InstructionsEntry, isEdited: isTextAreaEntryEdited }
      ]
    });
  }

  if (is(element, 'bpmn:BusinessRuleTask')) {
    groups.push({
      id: 'spiff-decision',
      label: '决策表',
      component: Group,
      entries: [ { id: 'spiff-called-decision', component: DecisionEntry, isEdited: isTextFieldEntryEdited } ]
    });
  }

  if (is(element, 'bpmn:Activity')) {
    groups.push({
      id: 'spiff-scripts',
      label: '前置/后置脚本',
      component: Group,
      entries: [
        { id: 'spiff-pre-script', component: PreScriptEntry, isEdited: isTextAreaEntryEdited },
        { id: 'spiff-post-script', component: PostScriptEntry, isEdited: isTextAreaEntryEdited }
      ]
    });
  }

  if (is(element, 'bpmn:Event') && getMessageEventDefinition(element)) {
    groups.push({
      id: 'spiff-message',
      label: '消息数据',
      component: Group,
      entries: [ isThrow(element) ?
        { id: 'spiff-message-payload', component: PayloadEntry, isEdited: isTextAreaEntryEdited } :
        { id: 'spiff-message-variable', component: VariableEntry, isEdited: isTextFieldEntryEdited } ]
    });
  }

  if (isConditionable(element)) {
    groups.push({
      id: 'spiff-condition',
      label: '条件',
      component: Group,
      entries: [ { id: 'spiff-condition-expression', component: ConditionEntry, isEdited: isTextAreaEntryEdited } ]
    });
  }

  if (is(element, 'bpmn:Lane')) {
    groups.push({
      id: 'spiff-lane',
      label: '办理角色',
      component: Group,
      entries: [ { id: 'spiff-lane-role', component: RoleEntry, isEdited: isSelectEntryEdited } ]
    });
  }

  return groups;
}

class SpiffPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return groups => {
      const extra = spiffGroups(element);
      if (!extra.length) {
        return groups;
      }
      // place our groups right after "General"
      const at = groups.findIndex(g => g.id === 'general');
      groups.splice(at === -1 ? 0 : at + 1, 0, ...extra);
      return groups;
    };
  }
}

SpiffPropertiesProvider.$inject = [ 'propertiesPanel' ];

export default {
  __init__: [ 'spiffPropertiesProvider' ],
  spiffPropertiesProvider: [ 'type', SpiffPropertiesProvider ]
};
