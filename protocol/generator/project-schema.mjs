// Loads protocol/project/amplitude.project.schema.json and checks that it stays inside the subset
// of JSON Schema that our two validators (web/src/project/schemaValidator.ts and
// protocol/project/include/amplitude/project/SchemaValidator.h) and two type emitters understand,
// and that its device names agree with the engine schema's devices[]. The emitters then only print
// what is decided here.

import { readFileSync } from 'node:fs';

const KEYWORDS = new Set([
  '$schema', '$id', '$comment', '$defs', '$ref', 'title', 'description', 'type', 'properties', 'required',
  'additionalProperties', 'maxProperties', 'propertyNames', 'items', 'minItems', 'maxItems', 'minLength',
  'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum',
  'const', 'oneOf',
]);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean']);
const CPP_KEYWORDS = new Set(['default', 'delete', 'new', 'class', 'struct', 'union', 'template', 'export',
  'register', 'auto', 'char', 'int', 'float', 'double', 'bool', 'long', 'short', 'signed', 'unsigned', 'void',
  'switch', 'case', 'do', 'for', 'while', 'if', 'else', 'return', 'operator', 'private', 'public', 'protected',
  'this', 'namespace', 'using', 'typename', 'const', 'static', 'volatile', 'virtual', 'friend', 'inline']);

function fail(message) {
  throw new Error(`project schema: ${message}`);
}

/**
 * The regular expressions the C++ validator can run without std::regex: '^', then atoms (a literal
 * character, '.'-free, or a [class] of literals and ranges), each with an optional quantifier
 * ({n}, {m,n}, *, +, ?), then '$'. An atom with a variable count must not share a character with
 * the next one, so greedy matching is exact. Returns the atoms (the C++ side parses the same way).
 */
export function parsePattern(pattern, where) {
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) fail(`${where}: pattern must be anchored with ^...$`);
  const body = pattern.slice(1, -1);
  const atoms = [];
  let i = 0;
  const code = (c) => {
    const n = c.charCodeAt(0);
    if (n < 0x20 || n > 0x7e) fail(`${where}: pattern uses a non-ASCII character`);
    return n;
  };
  while (i < body.length) {
    const set = new Set();
    const c = body[i];
    if (c === '[') {
      const end = body.indexOf(']', i + 1);
      if (end < 0) fail(`${where}: unclosed [`);
      const inner = body.slice(i + 1, end);
      if (inner.startsWith('^') || inner.includes('\\')) fail(`${where}: negated or escaped classes are not supported`);
      for (let k = 0; k < inner.length; k++) {
        if (inner[k + 1] === '-' && k + 2 < inner.length) {
          for (let n = code(inner[k]); n <= code(inner[k + 2]); n++) set.add(n);
          k += 2;
        } else {
          set.add(code(inner[k]));
        }
      }
      i = end + 1;
    } else if ('\\.()|*+?{}$^'.includes(c)) {
      fail(`${where}: '${c}' outside a class is not supported`);
    } else {
      set.add(code(c));
      i += 1;
    }
    let min = 1;
    let max = 1;
    const q = body[i];
    if (q === '*') [min, max, i] = [0, Infinity, i + 1];
    else if (q === '+') [min, max, i] = [1, Infinity, i + 1];
    else if (q === '?') [min, max, i] = [0, 1, i + 1];
    else if (q === '{') {
      const end = body.indexOf('}', i);
      const m = /^(\d+)(?:,(\d+))?$/.exec(body.slice(i + 1, end));
      if (!m) fail(`${where}: bad quantifier`);
      min = Number(m[1]);
      max = m[2] === undefined ? min : Number(m[2]);
      if (max < min) fail(`${where}: bad quantifier`);
      i = end + 1;
    }
    atoms.push({ set, min, max });
  }
  for (let k = 0; k + 1 < atoms.length; k++) {
    const [a, b] = [atoms[k], atoms[k + 1]];
    if (a.min !== a.max && [...a.set].some((n) => b.set.has(n))) {
      fail(`${where}: a variable-length atom overlaps the next one (greedy matching would be wrong)`);
    }
  }
  return atoms;
}

function checkNode(node, where, defs, { named }) {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) fail(`${where}: must be an object`);
  for (const key of Object.keys(node)) if (!KEYWORDS.has(key)) fail(`${where}: unsupported keyword '${key}'`);
  if (node.$ref !== undefined) {
    const m = /^#\/\$defs\/([A-Za-z0-9]+)$/.exec(node.$ref);
    if (!m || !defs[m[1]]) fail(`${where}: $ref '${node.$ref}' does not name a $defs entry`);
    if (node.type || node.properties || node.items) fail(`${where}: $ref takes no other constraints`);
    return;
  }
  if (node.oneOf) {
    if (!named) fail(`${where}: oneOf must be a named $defs entry`);
    const refs = node.oneOf.map((alt, k) => {
      const m = /^#\/\$defs\/([A-Za-z0-9]+)$/.exec(alt.$ref ?? '');
      if (!m || !defs[m[1]]) fail(`${where}.oneOf[${k}]: must be a $ref`);
      return defs[m[1]];
    });
    // Discriminated by 'kind': each alternative is an object whose required 'kind' is a const.
    const kinds = refs.map((alt, k) => {
      const kind = alt.properties?.kind?.const;
      if (typeof kind !== 'string' || !alt.required?.includes('kind')) fail(`${where}.oneOf[${k}]: needs a required const 'kind'`);
      return kind;
    });
    if (new Set(kinds).size !== kinds.length) fail(`${where}: two alternatives share a kind`);
    return;
  }
  if (node.const !== undefined) {
    if (typeof node.const !== 'string' && !Number.isInteger(node.const)) fail(`${where}: const must be a string or an integer`);
    return;
  }
  if (!TYPES.has(node.type)) fail(`${where}: type must be one of ${[...TYPES].join(', ')}`);
  const numeric = node.type === 'number' || node.type === 'integer';
  if (numeric && node.enum === undefined) {
    if (typeof node.minimum !== 'number' || typeof node.maximum !== 'number') fail(`${where}: every number needs minimum and maximum`);
  }
  for (const bound of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
    if (node[bound] !== undefined && (!numeric || !Number.isFinite(node[bound]))) fail(`${where}: bad ${bound}`);
  }
  if (node.enum !== undefined) {
    if (!named && node.type === 'string') fail(`${where}: string enums must be named $defs entries`);
    if (!Array.isArray(node.enum) || node.enum.length === 0) fail(`${where}: enum must be a non-empty list`);
    for (const value of node.enum) {
      if (node.type === 'string' ? !/^[A-Za-z][A-Za-z0-9]*$/.test(value) : !Number.isInteger(value)) fail(`${where}: enum value ${value} is not a ${node.type} identifier`);
      if (node.type === 'string' && CPP_KEYWORDS.has(value)) fail(`${where}: enum value ${value} is a C++ keyword`);
    }
  }
  if (node.type === 'string') {
    if (node.enum === undefined && typeof node.maxLength !== 'number') fail(`${where}: every string needs maxLength`);
    if (node.pattern !== undefined) parsePattern(node.pattern, where);
  }
  if (node.type === 'array') {
    if (typeof node.maxItems !== 'number') fail(`${where}: every array needs maxItems`);
    checkNode(node.items, `${where}.items`, defs, { named: false });
  }
  if (node.type === 'object') {
    if (node.properties) {
      if (!named) fail(`${where}: objects with properties must be named $defs entries`);
      if (node.additionalProperties !== false) fail(`${where}: objects with properties must say additionalProperties: false`);
      for (const key of node.required ?? []) if (!node.properties[key]) fail(`${where}: required '${key}' is not a property`);
      for (const [key, child] of Object.entries(node.properties)) {
        if (!/^[a-z][A-Za-z0-9]*$/.test(key) || CPP_KEYWORDS.has(key)) fail(`${where}.${key}: property names are camelCase identifiers`);
        checkNode(child, `${where}.${key}`, defs, { named: false });
      }
    } else {
      if (typeof node.maxProperties !== 'number' || !node.propertyNames || typeof node.additionalProperties !== 'object') {
        fail(`${where}: a map needs maxProperties, propertyNames and an additionalProperties schema`);
      }
      checkNode(node.propertyNames, `${where}.propertyNames`, defs, { named: false });
      if (node.propertyNames.type !== 'string') fail(`${where}.propertyNames: must be a string schema`);
      const value = node.additionalProperties;
      if (value.type !== 'number' && value.type !== 'integer' && value.type !== 'boolean' && value.type !== 'string') fail(`${where}: map values must be scalars`);
      checkNode(value, `${where}.additionalProperties`, defs, { named: false });
    }
  }
}

const resolve = (defs, node) => (node.$ref ? defs[node.$ref.slice('#/$defs/'.length)] : node);

/** Checks the project schema against the engine schema's devices and returns what the emitters need. */
export function loadProjectSchema(path, engineSchema) {
  const raw = readFileSync(path, 'utf8');
  const schema = JSON.parse(raw);
  const defs = schema.$defs ?? {};
  for (const [name, node] of Object.entries(defs)) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) fail(`$defs.${name}: names are PascalCase`);
    checkNode(node, `$defs.${name}`, defs, { named: true });
  }
  checkNode({ ...schema, $defs: undefined }, 'root', defs, { named: true });
  if (schema.properties.format?.const !== 'amplitude-project') fail('root: format must be the const "amplitude-project"');
  const version = schema.properties.schemaVersion?.const;
  if (!Number.isInteger(version) || version < 1) fail('root: schemaVersion must be a positive integer const');

  // The device names the document may use are the engine's, classified the same way.
  const effects = engineSchema.devices.filter((d) => d.inputs >= 1 && d.name !== 'ChannelStrip').map((d) => d.name);
  const instruments = engineSchema.devices.filter((d) => d.instrument).map((d) => d.name);
  const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
  if (!sameSet(defs.EffectDeviceName?.enum ?? [], [...effects, 'Unknown'])) {
    fail(`$defs.EffectDeviceName.enum must be the engine's effects plus Unknown: ${[...effects, 'Unknown'].join(', ')}`);
  }
  if (!sameSet(defs.InstrumentDeviceName?.enum ?? [], [...instruments, 'Unknown'])) {
    fail(`$defs.InstrumentDeviceName.enum must be the engine's instruments plus Unknown: ${[...instruments, 'Unknown'].join(', ')}`);
  }

  // What each automatable parameter accepts: the engine's declarations, plus a send's level,
  // whose range is the document's own (Send.levelDb).
  const parameterRanges = {};
  for (const device of engineSchema.devices) {
    parameterRanges[device.name] = Object.fromEntries(
      device.params.map((p) => [p.name, { min: p.min, max: p.max, integer: p.scale === 'enum' }]),
    );
  }
  const level = resolve(defs, defs.Send.properties.levelDb);
  parameterRanges.Send = { level: { min: level.minimum, max: level.maximum, integer: false } };

  return { raw, schema, defs, version, parameterRanges };
}
