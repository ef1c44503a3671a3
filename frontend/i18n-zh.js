// Chinese labels for bpmn-js, the properties panel and bpmn-js-bpmnlint.
// Strings without a translation fall back to the English original.

const ZH = {
  // bpmn-js-bpmnlint
  'Toggle linting overlays': '开关模型检查提示',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
  'No Issues': '无问题',
  'Issues for child elements': '子元素的问题',

  // bpmnlint recommended rule messages
  'Element is not connected': '元素未连接',
  'Element is missing label/name': '元素缺少名称',
  'Element is missing name': '元素缺少名称',
  'Element is missing bpmndi': '元素缺少图形信息 (bpmndi)',
  'Element is an implicit end': '元素是隐式结束（请连接到结束事件）',
  'Element is an implicit start': '元素是隐式开始（请从开始事件连入）',
  'Element is outside of parent boundary': '元素超出父元素边界',
  'Element is unused': '元素未被使用',
  'Element name is not unique': '元素名称不唯一',
  'Element overlaps with other element': '元素与其他元素重叠',
  'Event has multiple event definitions': '事件有多个事件定义',
  'Flow splits implicitly': '流程隐式分支（请使用网关）',
  'Gateway forks and joins': '网关同时分支和汇聚',
  'Gateway is superfluous. It only has one source and target.': '网关多余：只有一个来源和一个目标',
  'Incoming flows do not join': '多条入流未汇聚（请使用网关）',
  'Sequence flow is missing condition': '顺序流缺少条件',
  'Sequence flow has superfluous label': '顺序流的标签多余',
  'Start event is missing event definition': '开始事件缺少事件定义',
  'Start event must be blank': '开始事件必须是空白事件',
  'Termination is superfluous.': '终止结束事件多余',
  'Duplicate incoming sequence flows': '重复的入顺序流',
  'Duplicate outgoing sequence flows': '重复的出顺序流',
  'SequenceFlow is a duplicate': '顺序流重复',
  'Conditional event is missing a condition': '条件事件缺少条件',
  'Link event is missing link name': '链接事件缺少链接名称',
  'Process is missing end event': '流程缺少结束事件',
  'Process is missing start event': '流程缺少开始事件',
  'Sub Process is missing end event': '子流程缺少结束事件',
  'Sub Process is missing start event': '子流程缺少开始事件',

  // properties panel: standard groups and entries
  'General': '常规',
  'Name': '名称',
  'ID': '标识 (ID)',
  'Documentation': '文档',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  'Timer': '定时器',
  'Type': '类型',
  'Value': '值',
  'Date': '日期',
  'Duration': '持续时间',
  'Cycle': '循环',
  '<none>': '<无>',
  'Message': '消息',
  'Signal': '信号',
  'Error': '错误',
  'Escalation': '升级',
  'Multi-instance': '多实例',
  'Process': '流程',
  'Executable': '可执行',
  'Global message reference': '全局消息引用',
  'Global signal reference': '全局信号引用',
  'Global error reference': '全局错误引用',
  'Create new ...': '新建…',
  'Version tag': '版本标签',
  'Participant': '参与者',

  // element types (panel header)
  'Start Event': '开始事件',
  'End Event': '结束事件',
  'User Task': '用户任务',
  'Script Task': '脚本任务',
  'Service Task': '服务任务',
  'Business Rule Task': '业务规则任务',
  'Manual Task': '手工任务',
  'Send Task': '发送任务',
  'Receive Task': '接收任务',
  'Call Activity': '调用活动',
  'Sub Process': '子流程',
  'Task': '任务',
  'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关',
  'Event-based Gateway': '事件网关',
  'Sequence Flow': '顺序流',
  'Lane': '泳道',
  'Intermediate Throw Event': '中间抛出事件',
  'Intermediate Catch Event': '中间捕获事件',
  'Boundary Event': '边界事件',
  'Timer Boundary Event': '定时边界事件',
  'Timer Start Event': '定时开始事件',
  'Message Start Event': '消息开始事件',
  'Message End Event': '消息结束事件',
  'Timer Intermediate Catch Event': '定时中间捕获事件',
  'Message Intermediate Catch Event': '消息中间捕获事件',
  'Message Intermediate Throw Event': '消息中间抛出事件',
  'Section contains edits': '本节已编辑',
  'Toggle section': '展开/收起',

  // palette and context pad
  'Activate hand tool': '抓手工具',
  'Activate lasso tool': '套索工具',
  'Activate create/remove space tool': '插入/删除空间工具',
  'Activate global connect tool': '连接工具',
  'Create start event': '创建开始事件',
  'Create end event': '创建结束事件',
  'Create intermediate/boundary event': '创建中间/边界事件',
  'Create gateway': '创建网关',
  'Create task': '创建任务',
  'Create expanded sub-process': '创建展开子流程',
  'Create data object reference': '创建数据对象引用',
  'Create data store reference': '创建数据存储引用',
  'Create pool/participant': '创建池/参与者',
  'Create group': '创建分组',
  'Append task': '追加任务',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间/边界事件',
  'Append text annotation': '追加文本注释',
  'Change element': '更改类型',
  'Connect using sequence/message flow or association': '连接',
  'Connect to other element': '连接到其他元素',
  'Delete': '删除',
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '拆分为两条泳道',
  'Divide into three lanes': '拆分为三条泳道',
  'Search in diagram': '在图中搜索',

  // element types in the properties panel header and the context pad
  'Collaboration': '协作图（含泳池）',
  'Add text annotation': '添加文本注释',
  'Align elements': '对齐元素',
  'Align elements ': '对齐元素',
  'Append compensation activity': '追加补偿活动',
  'Append conditional intermediate catch event': '追加条件中间捕获事件',
  'Append message intermediate catch event': '追加消息中间捕获事件',
  'Append receive task': '追加接收任务',
  'Append signal intermediate catch event': '追加信号中间捕获事件',
  'Append timer intermediate catch event': '追加定时中间捕获事件',
  'Collection': '集合',
  'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接',
  'Distribute elements horizontally': '水平均匀分布',
  'Distribute elements vertically': '垂直均匀分布',
  'Loop': '循环',
  'Open {element}': '打开 {element}',
  'Parallel multi-instance': '并行多实例',
  'Participant multiplicity': '参与者多重性',
  'Sequential multi-instance': '顺序多实例',
  'Toggle non-interrupting': '切换为非中断',
  'Text Annotation': '文本注释',
  'Group': '分组',
  'Data Object Reference': '数据对象',
  'Data Store Reference': '数据存储',
  'Default Flow': '默认流',
  'Conditional Flow': '条件流',
  'Message Flow': '消息流',
  'Association': '关联',
  'Timer Boundary Event (Non Interrupting)': '定时边界事件（非中断）',
  'Message Boundary Event (Non Interrupting)': '消息边界事件（非中断）',
  'Event Based Gateway': '事件网关',
  'Collapsed Sub Process': '子流程（折叠）',
  'Expanded Sub Process': '子流程（展开）',
  'Event Sub Process': '事件子流程'
};

/**
 * A translate service: looks the template up in ZH, then fills {placeholders}.
 */
export default function translate(template, replacements) {
  replacements = replacements || {};
  let text = ZH[template];

  if (text === undefined) {
    // messages built with element types, e.g. "Process is missing end event"
    const m = /^(.+) is missing (start|end) event$/.exec(template);
    text = m ? `${m[1]} 缺少${m[2] === 'start' ? '开始' : '结束'}事件` : template;
  }

  return text.replace(/{([^}]+)}/g, function(_, key) {
    return replacements[key] !== undefined ? replacements[key] : '{' + key + '}';
  });
}

export const TranslateModule = {
  translate: [ 'value', translate ]
};
