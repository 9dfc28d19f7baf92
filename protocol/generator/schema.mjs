// Loads protocol/schema/amplitude.protocol.json, checks it, and computes every byte offset once,
// so that the C++ and TypeScript emitters only print what is decided here.

import { readFileSync } from 'node:fs';

export const SCALAR_TYPES = {
  u8: { size: 1, cpp: 'std::uint8_t', dataView: 'Uint8', ts: 'number' },
  u16: { size: 2, cpp: 'std::uint16_t', dataView: 'Uint16', ts: 'number' },
  i16: { size: 2, cpp: 'std::int16_t', dataView: 'Int16', ts: 'number' },
  u32: { size: 4, cpp: 'std::uint32_t', dataView: 'Uint32', ts: 'number' },
  i32: { size: 4, cpp: 'std::int32_t', dataView: 'Int32', ts: 'number' },
  u64: { size: 8, cpp: 'std::uint64_t', dataView: 'BigUint64', ts: 'bigint' },
  f32: { size: 4, cpp: 'float', dataView: 'Float32', ts: 'number' },
  f64: { size: 8, cpp: 'double', dataView: 'Float64', ts: 'number' },
};

const alignUp = (value, alignment) => Math.ceil(value / alignment) * alignment;

function fail(message) {
  throw new Error(`protocol schema: ${message}`);
}

function scalar(typeName, where) {
  const type = SCALAR_TYPES[typeName];
  if (!type) fail(`${where}: unknown type '${typeName}'`);
  return type;
}

function requireUnique(items, key, where) {
  const seen = new Set();
  for (const item of items) {
    if (seen.has(item[key])) fail(`${where}: duplicate ${key} '${item[key]}'`);
    seen.add(item[key]);
  }
}

/** Lays out fields one after another with natural (or requested) alignment. */
function layoutFields(fields, startOffset, where) {
  let offset = startOffset;
  let maxAlign = 1;
  const placed = fields.map((field) => {
    const type = scalar(field.type, `${where}.${field.name}`);
    const count = field.count ?? 1;
    const align = Math.max(field.align ?? type.size, type.size);
    offset = alignUp(offset, align);
    maxAlign = Math.max(maxAlign, align);
    const result = { ...field, count, align, offset, size: type.size, scalar: type };
    offset += type.size * count;
    return result;
  });
  return { fields: placed, end: offset, maxAlign };
}

export function loadSchema(path) {
  const schema = JSON.parse(readFileSync(path, 'utf8'));
  const record = schema.commandRecord;

  const header = layoutFields(record.header, 0, 'commandRecord.header');
  if (header.end > record.payloadOffset) fail('header runs past payloadOffset');

  requireUnique(schema.commands, 'name', 'commands');
  requireUnique(schema.commands, 'type', 'commands');
  const commands = schema.commands.map((command) => {
    if (!(command.type > 0 && command.type < 0x10000)) fail(`command ${command.name}: type must be 1..65535`);
    const payload = layoutFields(command.fields, record.payloadOffset, `commands.${command.name}`);
    if (payload.end > record.sizeBytes) fail(`command ${command.name} does not fit in ${record.sizeBytes} bytes`);
    payload.fields.forEach((f) => {
      if (f.count !== 1) fail(`command ${command.name}.${f.name}: arrays are not allowed in commands`);
    });
    return { ...command, fields: payload.fields };
  });

  requireUnique(schema.errorCodes, 'value', 'errorCodes');
  requireUnique(schema.errorCodes, 'name', 'errorCodes');

  const sharedLayouts = schema.sharedLayouts.map((layout) => {
    const placed = layoutFields(layout.fields, 0, `sharedLayouts.${layout.name}`);
    const structAlign = Math.max(placed.maxAlign, layout.sizeAlign ?? 1);
    return { ...layout, fields: placed.fields, align: structAlign, size: alignUp(placed.end, structAlign) };
  });

  const capacity = schema.commandRingCapacity;
  if (capacity < 2 || (capacity & (capacity - 1)) !== 0) fail('commandRingCapacity must be a power of two');

  for (const device of schema.devices) {
    requireUnique(device.params, 'id', `devices.${device.name}.params`);
    for (const p of device.params) {
      if (!(p.min <= p.default && p.default <= p.max)) fail(`${device.name}.${p.name}: default outside [min, max]`);
    }
  }
  requireUnique(schema.devices, 'type', 'devices');
  for (const device of schema.devices) {
    if (!(Number.isInteger(device.type) && device.type > 0)) fail(`device ${device.name}: type must be a positive integer`);
    if (![0, 1, 2].includes(device.inputs)) fail(`device ${device.name}: inputs must be 0, 1 or 2`);
  }
  const limits = schema.engineLimits;
  for (const key of ['maxNodeId', 'maxConnections', 'maxAutomationPoints', 'masterNodeId', 'sampleTableEntries', 'sampleHeapBytes', 'maxMeteredChannels', 'delayMemoryBytes', 'clipTableEntries', 'tempoTableEntries']) {
    if (!Number.isInteger(limits?.[key]) || limits[key] < 0) fail(`engineLimits.${key} must be a non-negative integer`);
  }
  const deviceNames = new Set(schema.devices.map((d) => d.name));
  requireUnique(schema.bootPatch.nodes, 'nodeId', 'bootPatch.nodes');
  for (const node of schema.bootPatch.nodes) {
    if (!deviceNames.has(node.device)) fail(`bootPatch node ${node.name}: unknown device ${node.device}`);
  }

  const memory = schema.engineMemory;
  if (memory.bytes % 65536 !== 0) fail('engineMemory.bytes must be a whole number of 64 KiB pages');
  if (memory.stackBytes >= memory.bytes / 2) fail('engineMemory.stackBytes leaves too little memory');

  return {
    schemaVersion: schema.schemaVersion,
    engineMemoryBytes: memory.bytes,
    engineStackBytes: memory.stackBytes,
    recordSize: record.sizeBytes,
    payloadOffset: record.payloadOffset,
    header: header.fields,
    commands,
    errorCodes: schema.errorCodes,
    transportStates: schema.transportStates,
    sharedLayouts,
    ringCapacity: capacity,
    framesPerQuantum: schema.framesPerQuantum,
    outputChannels: schema.outputChannels,
    devices: schema.devices,
    engineLimits: schema.engineLimits,
    bootNodes: schema.bootPatch.nodes,
  };
}
