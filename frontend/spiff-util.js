// Reading and writing the spiffworkflow extension elements of a BPMN element
// (see docs/modelling.md). Every write is one undoable command.

import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

/** The extension values of `bo` of moddle type `type` (e.g. 'spiffworkflow:PreScript'). */
export function getExtensions(bo, type) {
  const ext = bo && bo.get('extensionElements');
  if (!ext) {
    return [];
  }
  return (ext.get('values') || []).filter(v => is(v, type));
}

/** Body text of the first `type` extension, or ''. */
export function getExtensionText(bo, type) {
  const item = getExtensions(bo, type)[0];
  return (item && item.get('value')) || '';
}

/** Value of `<spiffworkflow:property name=…>`, or ''. */
export function getSpiffProperty(bo, name) {
  for (const props of getExtensions(bo, 'spiffworkflow:Properties')) {
    const prop = (props.get('properties') || []).find(p => p.get('name') === name);
    if (prop) {
      return prop.get('value') || '';
    }
  }
  return '';
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

/**
 * Commands that make sure `bo` has extensionElements; returns [extensionElements, commands].
 */
function ensureExtensionElements(element, bo, bpmnFactory) {
  let ext = bo.get('extensionElements');
  const commands = [];
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  return [ ext, commands ];
}

function execute(commandStack, commands) {
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}

/**
 * Set (or with an empty value, remove) the body-text extension `type` of `element`.
 * `bo` defaults to the element's business object (pass an event definition for message payloads).
 */
export function setExtensionText(services, element, type, value, bo) {
  const { bpmnFactory, commandStack } = services;
  bo = bo || getBusinessObject(element);
  const existing = getExtensions(bo, type)[0];

  if (!value) {
    if (existing) {
      const ext = bo.get('extensionElements');
      execute(commandStack, [
        update(element, ext, { values: ext.get('values').filter(v => v !== existing) })
      ]);
    }
    return;
  }

  if (existing) {
    execute(commandStack, [ update(element, existing, { value }) ]);
    return;
  }

  const [ ext, commands ] = ensureExtensionElements(element, bo, bpmnFactory);
  const item = bpmnFactory.create(type, { value });
  item.$parent = ext;
  commands.push(update(element, ext, { values: [ ...ext.get('values'), item ] }));
  execute(commandStack, commands);
}

/** Set (or with an empty value, remove) `<spiffworkflow:property name=… value=…>`. */
export function setSpiffProperty(services, element, name, value) {
  const { bpmnFactory, commandStack } = services;
  const bo = getBusinessObject(element);
  const commands = [];

  let container = getExtensions(bo, 'spiffworkflow:Properties')[0];
  const existing = container && (container.get('properties') || []).find(p => p.get('name') === name);

  if (!value) {
    if (existing) {
      commands.push(update(element, container, {
        properties: container.get('properties').filter(p => p !== existing)
      }));
    }
    return execute(commandStack, commands);
  }

  if (existing) {
    return execute(commandStack, [ update(element, existing, { value }) ]);
  }

  if (!container) {
    const [ ext, extCommands ] = ensureExtensionElements(element, bo, bpmnFactory);
    commands.push(...extCommands);
    container = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    container.$parent = ext;
    commands.push(update(element, ext, { values: [ ...ext.get('values'), container ] }));
  }

  const prop = bpmnFactory.create('spiffworkflow:Property', { name, value });
  prop.$parent = container;
  commands.push(update(element, container, { properties: [ ...container.get('properties'), prop ] }));
  execute(commandStack, commands);
}

/** The message event definition of an event, or null. */
export function getMessageEventDefinition(element) {
  const bo = getBusinessObject(element);
  const defs = (bo && bo.get && bo.eventDefinitions) || [];
  return defs.find(d => is(d, 'bpmn:MessageEventDefinition')) || null;
}
